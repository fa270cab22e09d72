/* test-stats.c: the yearly statistics against figures worked out by hand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fixture is written through the caseload API with a controlled clock;
 * every expected number below is literal, with the reason next to it.  The
 * year under test is 2024, a leap year: 366 days.  A randomized caseload is
 * also checked against a second, per-case implementation of the
 * definitions written here in plain C.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ombud-caseload-private.h"
#include "ombud-stats.h"
#include "test-util.h"

#define Y 2024

typedef struct {
  char          *dir;
  OmbudStore    *store;
  OmbudCaseload *caseload;
  gint64         now;  /* ms since 1970 */
} Fixture;

static gint64
fixture_clock (gpointer data)
{
  Fixture *f = data;

  return f->now += 3;  /* every event a little later, as on a real laptop */
}

/* Noon, local time, on DATE: what the caseload then calls today.  Its clock
 * never goes back, so fixtures move it forward only. */
static void
set_today (Fixture    *f,
           const char *date)
{
  int y, m, d;
  g_autoptr(GDateTime) noon = NULL;
  gint64 ms;

  g_assert_cmpint (sscanf (date, "%d-%d-%d", &y, &m, &d), ==, 3);
  noon = g_date_time_new_local (y, m, d, 12, 0, 0);
  ms = g_date_time_to_unix (noon) * 1000;
  g_assert_cmpint (ms, >=, f->now);
  f->now = ms;
}

static Fixture *
fixture_new (const char *today)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr(GError) error = NULL;

  f->dir = test_make_tmp_dir ("ombud-stats-XXXXXX");
  f->store = ombud_store_new (f->dir);
  set_today (f, today);
  g_assert_true (ombud_store_create (f->store, "lösenfras", test_fast_limits (), &error));
  g_assert_no_error (error);
  f->caseload = ombud_caseload_new_with_clock (f->store, fixture_clock, f, &error);
  g_assert_no_error (error);
  return f;
}

static void
fixture_free (Fixture *f)
{
  g_clear_object (&f->caseload);
  g_clear_object (&f->store);
  test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fixture, fixture_free)

/* ---- writing through the API ------------------------------------------------- */

static void
add_municipality (Fixture    *f,
                  const char *code,
                  const char *name,
                  int         population)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = ombud_caseload_add_municipality (f->caseload, code, name, population, &error);

  g_assert_no_error (error);
}

/* A case on the queue, requested on REQUESTED. */
static char *
add_case (Fixture    *f,
          const char *name,
          const char *municipality,
          const char *gender,
          int         born,
          const char *requested)
{
  g_autoptr(GError) error = NULL;
  OmbudCaseInput in = { name, municipality, gender, born, FALSE, TRUE, requested };
  char *id = ombud_caseload_add_case (f->caseload, &in, &error);

  g_assert_no_error (error);
  return id;
}

static void
start (Fixture    *f,
       const char *id,
       const char *date)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_caseload_start_case (f->caseload, id, date, &error));
  g_assert_no_error (error);
}

static void
close_case (Fixture    *f,
            const char *id,
            const char *reason,
            const char *date)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_caseload_close_case (f->caseload, id, reason, date, &error));
  g_assert_no_error (error);
}

static void
refer (Fixture    *f,
       const char *id,
       const char *actor,
       const char *date)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_caseload_refer_case (f->caseload, id, actor, date, &error));
  g_assert_no_error (error);
}

/* ACTORS: codes separated by commas, or "" for none. */
static char *
add_contact (Fixture    *f,
             const char *case_id,
             const char *date,
             int         minutes,
             const char *form,
             const char *actors,
             int         km,
             int         travel_minutes)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) list = *actors ? g_strsplit (actors, ",", -1) : NULL;
  OmbudContactInput in = { date, minutes, form, (const char **) list, km, travel_minutes };
  char *id = ombud_caseload_add_contact (f->caseload, case_id, &in, &error);

  g_assert_no_error (error);
  return id;
}

static void
set_field (Fixture    *f,
           const char *table,
           const char *record,
           const char *field,
           GVariant   *value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_caseload_set_field (f->caseload, table, record, field, value, &error));
  g_assert_no_error (error);
}

static void
delete (Fixture    *f,
        const char *table,
        const char *record)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_caseload_delete (f->caseload, table, record, &error));
  g_assert_no_error (error);
}

static char *
add_deficiency (Fixture    *f,
                const char *level,
                const char *actor,
                const char *municipality,
                int         clients_affected)
{
  g_autoptr(GError) error = NULL;
  char *id = ombud_caseload_add_deficiency (f->caseload, level, actor, "de-identified", municipality, &error);

  g_assert_no_error (error);
  if (clients_affected != 1)
    set_field (f, "deficiency", id, "clients_affected", g_variant_new_int64 (clients_affected));
  return id;
}

static GVariant *
stats (Fixture *f,
       int      year)
{
  g_autoptr(GError) error = NULL;
  GVariant *result = ombud_stats_year (f->caseload, year, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_false (g_variant_is_floating (result));
  g_assert_true (g_variant_is_of_type (result, G_VARIANT_TYPE_VARDICT));
  return result;
}

/* ---- reading the result ------------------------------------------------------------ */

static GVariant *
member (GVariant   *dict,
        const char *key)
{
  GVariant *value = g_variant_lookup_value (dict, key, NULL);

  if (value == NULL)
    g_error ("no “%s” in %s", key, g_variant_print (dict, FALSE));
  return value;
}

static gint64
get_int (GVariant   *dict,
         const char *key)
{
  g_autoptr(GVariant) value = member (dict, key);

  g_assert_cmpstr (g_variant_get_type_string (value), ==, "x");
  return g_variant_get_int64 (value);
}

static double
get_double (GVariant   *dict,
            const char *key)
{
  g_autoptr(GVariant) value = member (dict, key);

  g_assert_cmpstr (g_variant_get_type_string (value), ==, "d");
  return g_variant_get_double (value);
}

static gboolean
is_nothing (GVariant   *dict,
            const char *key)
{
  g_autoptr(GVariant) value = member (dict, key);

  return g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE) && g_variant_n_children (value) == 0;
}

/* Rows of an aa{sv} as lines "v1|v2|…" of the given keys, in their order. */
static char *
dump (GVariant          *result,
      const char        *list_name,
      const char *const *keys)
{
  g_autoptr(GVariant) list = member (result, list_name);
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < g_variant_n_children (list); i++)
    {
      g_autoptr(GVariant) row = g_variant_get_child_value (list, i);

      for (guint k = 0; keys[k]; k++)
        {
          g_autoptr(GVariant) v = member (row, keys[k]);

          if (k > 0)
            g_string_append_c (out, '|');
          if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
            g_string_append (out, g_variant_get_string (v, NULL));
          else if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
            g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (v));
          else
            g_error ("unexpected %s for %s", g_variant_get_type_string (v), keys[k]);
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

static GVariant *
municipality (GVariant   *result,
              const char *name)
{
  g_autoptr(GVariant) list = member (result, "municipalities");

  for (gsize i = 0; i < g_variant_n_children (list); i++)
    {
      GVariant *row = g_variant_get_child_value (list, i);
      const char *this_name = NULL;

      if (g_variant_lookup (row, "municipality", "&s", &this_name) && strcmp (this_name, name) == 0)
        return row;
      g_variant_unref (row);
    }
  g_error ("no municipality row %s", name);
}

static const char *const count_keys[] = {
  "active_jan1", "new", "closed", "active_dec31", "unique_clients", "referred", "queued_dec31", NULL,
};

static const char *const int_keys[] = {
  "active_jan1", "new", "closed", "active_dec31", "unique_clients", "referred", "queued_dec31",
  "contacts", "contact_minutes", "km", "travel_minutes", "population", "ombud_minutes", NULL,
};

static const char *const double_keys[] = {
  "client_months", "share_population", "share_client_months", "share_ombud_time", NULL,
};

/* The figures of one municipality row (or of the totals), in int_keys order. */
static void
assert_counts (GVariant     *row,
               const gint64 *expected)
{
  for (guint i = 0; int_keys[i]; i++)
    if (get_int (row, int_keys[i]) != expected[i])
      g_error ("%s: expected %" G_GINT64_FORMAT ", got %" G_GINT64_FORMAT " in %s", int_keys[i],
               expected[i], get_int (row, int_keys[i]), g_variant_print (row, FALSE));
}

static void
assert_close (double actual,
              double expected)
{
  g_assert_cmpfloat_with_epsilon (actual, expected, 1e-9);
}

static void
assert_doubles (GVariant     *row,
                const double *expected)
{
  for (guint i = 0; double_keys[i]; i++)
    assert_close (get_double (row, double_keys[i]), expected[i]);
}

/* Every integer figure, and client-months and shares, summed over the
 * municipality rows, equals the totals; the groups, summed per figure,
 * equal the totals too, and the closure reasons sum to closed. */
/* A year balances, in every municipality and in all: who was there as it
 * began, plus who came, less who left, is who was there as it ended; and
 * everyone there during the year either was there as it began or came. */
static void
assert_year_balances (GVariant *row)
{
  gint64 jan1 = get_int (row, "active_jan1"), fresh = get_int (row, "new");

  g_assert_cmpint (jan1 + fresh - get_int (row, "closed"), ==, get_int (row, "active_dec31"));
  g_assert_cmpint (jan1 + fresh, ==, get_int (row, "unique_clients"));
}

static void
assert_rows_sum_to_totals (GVariant *result)
{
  g_autoptr(GVariant) list = member (result, "municipalities");
  g_autoptr(GVariant) totals = member (result, "totals");
  g_autoptr(GVariant) groups = member (result, "groups");
  gint64 sums[G_N_ELEMENTS (int_keys)] = { 0 };
  double double_sums[G_N_ELEMENTS (double_keys)] = { 0 };
  gint64 group_sums[G_N_ELEMENTS (count_keys)] = { 0 };
  gint64 by_reason = 0;

  assert_year_balances (totals);
  for (gsize r = 0; r < g_variant_n_children (list); r++)
    {
      g_autoptr(GVariant) row = g_variant_get_child_value (list, r);

      assert_year_balances (row);
      for (guint i = 0; int_keys[i]; i++)
        sums[i] += get_int (row, int_keys[i]);
      for (guint i = 0; double_keys[i]; i++)
        double_sums[i] += get_double (row, double_keys[i]);
    }
  for (guint i = 0; int_keys[i]; i++)
    if (sums[i] != get_int (totals, int_keys[i]))
      g_error ("%s: rows sum to %" G_GINT64_FORMAT ", totals say %" G_GINT64_FORMAT,
               int_keys[i], sums[i], get_int (totals, int_keys[i]));
  for (guint i = 0; double_keys[i]; i++)
    assert_close (double_sums[i], get_double (totals, double_keys[i]));

  for (gsize r = 0; r < g_variant_n_children (groups); r++)
    {
      g_autoptr(GVariant) row = g_variant_get_child_value (groups, r);
      const char *figure = NULL;
      gint64 value = get_int (row, "value");

      g_assert_true (g_variant_lookup (row, "figure", "&s", &figure));
      g_assert_cmpint (value, >, 0);
      if (g_str_has_prefix (figure, "closed:"))
        by_reason += value;
      for (guint i = 0; count_keys[i]; i++)
        if (strcmp (figure, count_keys[i]) == 0)
          group_sums[i] += value;
    }
  for (guint i = 0; count_keys[i]; i++)
    g_assert_cmpint (group_sums[i], ==, get_int (totals, count_keys[i]));
  g_assert_cmpint (by_reason, ==, get_int (totals, "closed"));
}

/* ---- the worked fixture ------------------------------------------------------------------ */

/* Municipalities: Berg 7000 inhabitants (no cases: population share only),
 * Krokom 15000, Åre 12000, Östersund 64000; 98000 in all.  Cases (born;
 * events), and what each is in 2024:
 *
 *   A Östersund woman 1970; started 2023-03-10, open: active all year
 *   M Östersund woman 1972; started 2023-05-05, open: active all year
 *   B Östersund man 1999; started 2023-11-15, open: 24 on 1 Jan, 25 on 31 Dec
 *   C Krokom woman 1985; started 2022-06-01, closed 2024-07-01 goals_met
 *   D Krokom other 1960; requested 2024-02-01, started 2024-03-01, closed
 *     2024-09-30 client_ended: opened and closed in the year
 *   E Åre woman 1990; requested 2024-06-20, started 2024-07-02, open: active
 *     exactly half the year (183 of 366 days)
 *   F Åre man 1975; requested 2024-04-10, referred 2024-04-20: not a client
 *   G Östersund unknown gender, birth year unknown; requested 2024-11-15,
 *     never started: queued on 31 Dec
 *   H Krokom man 1950; requested 2024-12-20, started 2025-01-10: queued on
 *     31 Dec
 *   I Östersund woman 1980; active, with a contact in 2024, deleted: ignored
 *   J Åre man 2001; started 2023-06-01, closed 2024-12-31 moved: closed on
 *     31 Dec, so not active that day
 *   K Östersund woman 1965; started 2022-02-01, closed 2023-12-31: nothing
 *   L Krokom man 1995; started 2023-08-15, closed 2024-01-01 lost_contact:
 *     not active on 1 Jan, but closed in 2024 and a client in it
 */
static Fixture *
worked_fixture (void)
{
  g_autoptr(Fixture) f = fixture_new ("2023-11-20");
  g_autofree char *a = NULL, *m = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *fr = NULL;
  g_autofree char *g = NULL, *h = NULL, *i = NULL, *j = NULL, *k = NULL, *l = NULL;
  g_autofree char *gone = NULL, *deleted_contact = NULL, *deleted_2023 = NULL;

  add_municipality (f, "2326", "Berg", 7000);
  add_municipality (f, "2309", "Krokom", 15000);
  add_municipality (f, "2321", "Åre", 12000);
  add_municipality (f, "2380", "Östersund", 64000);

  /* Deficiencies are reported today, so the clock walks through the year. */
  g_free (add_deficiency (f, "central", "forsakringskassan", NULL, 5));          /* 2023: out */
  set_today (f, "2024-03-15");
  g_free (add_deficiency (f, "caseworker", "forsakringskassan", "Östersund", 3));
  set_today (f, "2024-05-02");
  g_free (add_deficiency (f, "caseworker", "forsakringskassan", "Krokom", 1));
  set_today (f, "2024-08-08");
  g_free (add_deficiency (f, "central", "kronofogden", NULL, 4));
  set_today (f, "2024-10-10");
  gone = add_deficiency (f, "local", "social_services", "Åre", 6);
  delete (f, "deficiency", gone);                                                /* deleted: out */
  set_today (f, "2024-12-31");
  g_free (add_deficiency (f, "local", "psychiatry", "Berg", 2));                 /* 31 Dec: in */
  set_today (f, "2025-01-10");
  g_free (add_deficiency (f, "central", "bank", NULL, 1));                       /* 2025: out */

  /* Every case event below is dated explicitly, in the past of 2025-01-10. */
  a = add_case (f, "A", "Östersund", "woman", 1970, "2023-03-01");
  start (f, a, "2023-03-10");
  g_free (add_contact (f, a, "2023-03-10", 60, "office", "", 0, 0));             /* 2023: out */
  g_free (add_contact (f, a, "2024-02-14", 90, "home_visit", "forsakringskassan,psychiatry", 12, 20));
  g_free (add_contact (f, a, "2024-11-05", 30, "phone", "forsakringskassan", 0, 0));

  m = add_case (f, "M", "Östersund", "woman", 1972, "2023-05-01");
  start (f, m, "2023-05-05");

  b = add_case (f, "B", "Östersund", "man", 1999, "2023-10-01");
  start (f, b, "2023-11-15");
  /* a deleted contact in 2023 would have made B's first contact a 2023 one */
  deleted_2023 = add_contact (f, b, "2023-12-01", 30, "phone", "", 0, 0);
  delete (f, "contact", deleted_2023);
  /* B's first contact: 96 days after the request */
  g_free (add_contact (f, b, "2024-01-05", 45, "neutral_place", "social_services", 5, 10));

  c = add_case (f, "C", "Krokom", "woman", 1985, "2022-05-01");
  start (f, c, "2022-06-01");
  g_free (add_contact (f, c, "2022-06-01", 60, "office", "", 0, 0));             /* 2022: out */
  g_free (add_contact (f, c, "2024-05-20", 120, "home_visit", "kronofogden,bank", 80, 90));
  close_case (f, c, "goals_met", "2024-07-01");

  d = add_case (f, "D", "Krokom", "other", 1960, "2024-02-01");
  start (f, d, "2024-03-01");
  /* D's first contact: 29 days after the request (February 2024 has 29) */
  g_free (add_contact (f, d, "2024-03-01", 60, "office", "psychiatry", 0, 0));
  g_free (add_contact (f, d, "2024-09-15", 90, "home_visit", "psychiatry,primary_care", 40, 45));
  close_case (f, d, "client_ended", "2024-09-30");

  e = add_case (f, "E", "Åre", "woman", 1990, "2024-06-20");
  start (f, e, "2024-07-02");
  /* a deleted contact would have been E's first, 5 days after the request */
  deleted_contact = add_contact (f, e, "2024-06-25", 30, "phone", "", 0, 0);
  delete (f, "contact", deleted_contact);
  /* so E's first contact is 12 days after the request */
  g_free (add_contact (f, e, "2024-07-02", 60, "video", "arbetsformedlingen", 0, 0));

  fr = add_case (f, "F", "Åre", "man", 1975, "2024-04-10");
  /* the ombud's work counts; F's wait does not: F never became a client */
  g_free (add_contact (f, fr, "2024-04-15", 20, "phone", "social_services", 0, 0));
  refer (f, fr, "social_services", "2024-04-20");

  g = add_case (f, "G", "Östersund", "unknown", 1980, "2024-11-15");
  set_field (f, "client_case", g, "birth_year", NULL);
  /* G's first contact, while queued: 16 days after the request */
  g_free (add_contact (f, g, "2024-12-01", 15, "phone", "", 0, 0));

  /* H: started by add_case itself, today */
  {
    g_autoptr(GError) error = NULL;
    OmbudCaseInput in = { "H", "Krokom", "man", 1950, FALSE, FALSE, "2024-12-20" };

    h = ombud_caseload_add_case (f->caseload, &in, &error);
    g_assert_no_error (error);
    g_free (add_contact (f, h, NULL, 60, "office", "", 0, 0));                   /* 2025: out */
  }

  i = add_case (f, "I", "Östersund", "woman", 1980, "2023-01-01");
  start (f, i, "2023-02-01");
  g_free (add_contact (f, i, "2024-03-03", 60, "home_visit", "landlord", 30, 30));
  delete (f, "client_case", i);

  j = add_case (f, "J", "Åre", "man", 2001, "2023-05-20");
  start (f, j, "2023-06-01");
  g_free (add_contact (f, j, "2023-06-01", 45, "office", "", 0, 0));             /* 2023: out */
  /* one actor named twice: one contact for it */
  g_free (add_contact (f, j, "2024-12-30", 30, "home_visit", "landlord,landlord", 100, 120));
  close_case (f, j, "moved", "2024-12-31");

  k = add_case (f, "K", "Östersund", "woman", 1965, "2022-01-10");
  start (f, k, "2022-02-01");
  close_case (f, k, "other", "2023-12-31");

  l = add_case (f, "L", "Krokom", "man", 1995, "2023-08-01");
  start (f, l, "2023-08-15");
  g_free (add_contact (f, l, "2023-08-15", 30, "phone", "", 0, 0));              /* 2023: out */
  close_case (f, l, "lost_contact", "2024-01-01");

  return g_steal_pointer (&f);
}

static void
test_worked_groups (void)
{
  g_autoptr(Fixture) f = worked_fixture ();
  g_autoptr(GVariant) result = stats (f, Y);
  static const char *const keys[] = { "municipality", "gender", "age_band", "figure", "value", NULL };
  g_autofree char *groups = dump (result, "groups", keys);

  g_assert_cmpint (get_int (result, "year"), ==, Y);
  /* Ages: on 1 Jan 2024 a person born in B is 2023 - B; on 31 Dec, and for
   * the flow figures, 2024 - B.  Rows come figure by figure, then by
   * municipality, gender and band. */
  g_assert_cmpstr (groups, ==,
                   /* L (closed on 1 Jan: active as the year began); C (38); J (22);
                    * B (24: 18-24 on 1 Jan); A (53) and M (51) */
                   "Krokom|man|25-34|active_jan1|1\n"
                   "Krokom|woman|35-44|active_jan1|1\n"
                   "Åre|man|18-24|active_jan1|1\n"
                   "Östersund|man|18-24|active_jan1|1\n"
                   "Östersund|woman|45-54|active_jan1|2\n"
                   /* D (64), E (34); H starts in 2025 */
                   "Krokom|other|55-64|new|1\n"
                   "Åre|woman|25-34|new|1\n"
                   /* L (29) on 1 Jan, D (64), C (39), J (23) on 31 Dec; K closed in 2023 */
                   "Krokom|man|25-34|closed|1\n"
                   "Krokom|other|55-64|closed|1\n"
                   "Krokom|woman|35-44|closed|1\n"
                   "Åre|man|18-24|closed|1\n"
                   "Krokom|man|25-34|closed:lost_contact|1\n"
                   "Krokom|other|55-64|closed:client_ended|1\n"
                   "Krokom|woman|35-44|closed:goals_met|1\n"
                   "Åre|man|18-24|closed:moved|1\n"
                   /* E (34); B (25: now 25-34); A (54) and M (52); J closed that day */
                   "Åre|woman|25-34|active_dec31|1\n"
                   "Östersund|man|25-34|active_dec31|1\n"
                   "Östersund|woman|45-54|active_dec31|2\n"
                   /* everyone active on some day, once, at the age reached in 2024:
                    * L, D, C; J, E; B (25), A and M; not F, G, H, I or K */
                   "Krokom|man|25-34|unique_clients|1\n"
                   "Krokom|other|55-64|unique_clients|1\n"
                   "Krokom|woman|35-44|unique_clients|1\n"
                   "Åre|man|18-24|unique_clients|1\n"
                   "Åre|woman|25-34|unique_clients|1\n"
                   "Östersund|man|25-34|unique_clients|1\n"
                   "Östersund|woman|45-54|unique_clients|2\n"
                   /* F (49) */
                   "Åre|man|45-54|referred|1\n"
                   /* H (74 on 31 Dec), G (no birth year) */
                   "Krokom|man|65+|queued_dec31|1\n"
                   "Östersund|unknown|unknown|queued_dec31|1\n");
}

static void
test_worked_municipalities (void)
{
  g_autoptr(Fixture) f = worked_fixture ();
  g_autoptr(GVariant) result = stats (f, Y);
  g_autoptr(GVariant) list = member (result, "municipalities");
  static const char *const name_keys[] = { "municipality", "code", NULL };
  g_autofree char *names = dump (result, "municipalities", name_keys);
  g_autoptr(GVariant) berg = municipality (result, "Berg");
  g_autoptr(GVariant) krokom = municipality (result, "Krokom");
  g_autoptr(GVariant) are = municipality (result, "Åre");
  g_autoptr(GVariant) ostersund = municipality (result, "Östersund");
  g_autoptr(GVariant) totals = member (result, "totals");

  /* every municipality, by name in byte order (Å and Ö after Z) */
  g_assert_cmpstr (names, ==, "Berg|2326\nKrokom|2309\nÅre|2321\nÖstersund|2380\n");

  /* Order: active_jan1 new closed active_dec31 unique_clients referred
   * queued_dec31 | contacts contact_minutes km travel_minutes | population
   * ombud_minutes (contact + travel minutes) */
  assert_counts (berg, (gint64[]) { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7000, 0 });
  /* contacts: C 05-20 (120 min, 80 km, 90 min), D 03-01 (60) and 09-15
   * (90, 40 km, 45 min); H's is in 2025 */
  assert_counts (krokom, (gint64[]) { 2, 1, 3, 0, 3, 0, 1, 3, 270, 120, 135, 15000, 405 });
  /* contacts: E 07-02 (60), F 04-15 (20; referred, but the ombud's time),
   * J 12-30 (30, 100 km, 120 min); E's deleted one is not */
  assert_counts (are, (gint64[]) { 1, 1, 1, 1, 2, 1, 0, 3, 110, 100, 120, 12000, 230 });
  /* contacts: A 02-14 (90, 12 km, 20 min) and 11-05 (30), B 01-05 (45, 5 km,
   * 10 min), G 12-01 (15); deleted I's is not */
  assert_counts (ostersund, (gint64[]) { 3, 0, 0, 3, 3, 0, 1, 4, 180, 17, 30, 64000, 210 });
  assert_counts (totals, (gint64[]) { 6, 2, 4, 4, 8, 1, 2, 10, 560, 237, 285, 98000, 845 });

  /* Client-days in 2024: Krokom C 182 (1 Jan to 1 Jul), D 213 (1 Mar to 30
   * Sep), L 0 (closed on 1 Jan) = 395; Åre E 183, J 365 (not 31 Dec) = 548;
   * Östersund A, M, B 366 each = 1098; 2041 in all.  Months are days × 12 /
   * 366.  Ombud time: 405 + 230 + 210 = 845 minutes. */
  assert_doubles (berg, (double[]) { 0.0, 7000.0 / 98000, 0.0, 0.0 });
  assert_doubles (krokom, (double[]) { 395 * 12.0 / 366, 15000.0 / 98000, 395.0 / 2041, 405.0 / 845 });
  assert_doubles (are, (double[]) { 548 * 12.0 / 366, 12000.0 / 98000, 548.0 / 2041, 230.0 / 845 });
  assert_doubles (ostersund, (double[]) { 36.0, 64000.0 / 98000, 1098.0 / 2041, 210.0 / 845 });
  assert_doubles (totals, (double[]) { 2041 * 12.0 / 366, 1.0, 1.0, 1.0 });

  /* Median wait to the first contact, over client cases whose first contact
   * is in 2024: B 96, D 29, E 12, G 16 days (A, C, J, L first met before
   * 2024, H in 2025, F was referred).  Four: the mean of 16 and 29. */
  assert_close (get_double (totals, "median_wait_days"), 22.5);
  assert_close (get_double (ostersund, "median_wait_days"), 56.0);  /* B 96, G 16 */
  assert_close (get_double (krokom, "median_wait_days"), 29.0);
  assert_close (get_double (are, "median_wait_days"), 12.0);
  g_assert_true (is_nothing (berg, "median_wait_days"));

  g_assert_cmpuint (g_variant_n_children (list), ==, 4);
  assert_rows_sum_to_totals (result);
}

static void
test_worked_contacts (void)
{
  g_autoptr(Fixture) f = worked_fixture ();
  g_autoptr(GVariant) result = stats (f, Y);
  static const char *const form_keys[] = { "municipality", "form", "contacts", "minutes", NULL };
  static const char *const actor_keys[] = { "municipality", "actor", "contacts", "minutes", NULL };
  g_autofree char *forms = dump (result, "contacts_by_form", form_keys);
  g_autofree char *actors = dump (result, "contacts_by_actor", actor_keys);

  g_assert_cmpstr (forms, ==,
                   "Krokom|home_visit|2|210\n"          /* C 120, D 90 */
                   "Krokom|office|1|60\n"               /* D */
                   "Åre|home_visit|1|30\n"              /* J */
                   "Åre|phone|1|20\n"                   /* F; E's phone call was deleted */
                   "Åre|video|1|60\n"                   /* E */
                   "Östersund|home_visit|1|90\n"        /* A */
                   "Östersund|neutral_place|1|45\n"     /* B */
                   "Östersund|phone|2|45\n");           /* A 30, G 15 */
  /* A contact counts once for each actor it names (the rows need not sum
   * to the contacts), and once only for an actor named twice. */
  g_assert_cmpstr (actors, ==,
                   "Krokom|bank|1|120\n"                /* C */
                   "Krokom|kronofogden|1|120\n"         /* C */
                   "Krokom|primary_care|1|90\n"         /* D 09-15 */
                   "Krokom|psychiatry|2|150\n"          /* D 60 + 90 */
                   "Åre|arbetsformedlingen|1|60\n"      /* E */
                   "Åre|landlord|1|30\n"                /* J, named twice */
                   "Åre|social_services|1|20\n"         /* F */
                   "Östersund|forsakringskassan|2|120\n" /* A 90 + 30 */
                   "Östersund|psychiatry|1|90\n"        /* A */
                   "Östersund|social_services|1|45\n"); /* B; deleted I's landlord is not here */
}

static void
test_worked_deficiencies (void)
{
  g_autoptr(Fixture) f = worked_fixture ();
  g_autoptr(GVariant) result = stats (f, Y);
  static const char *const keys[] = { "level", "actor", "count", "clients_affected", NULL };
  g_autofree char *deficiencies = dump (result, "deficiencies", keys);

  /* 2023's and 2025's are out, and so is the deleted one; 31 Dec is in.
   * Levels in their order: caseworker, local, central. */
  g_assert_cmpstr (deficiencies, ==,
                   "caseworker|forsakringskassan|2|4\n"  /* Östersund 3 + Krokom 1 */
                   "local|psychiatry|1|2\n"              /* Berg, 31 Dec */
                   "central|kronofogden|1|4\n");
}

/* Figures of another year come from the same events: 2023 for the same
 * fixture, worked out the same way (ages 2022 - B on 1 Jan, 2023 - B on
 * 31 Dec and in the year). */
static void
test_worked_previous_year (void)
{
  g_autoptr(Fixture) f = worked_fixture ();
  g_autoptr(GVariant) result = stats (f, Y - 1);
  g_autoptr(GVariant) totals = member (result, "totals");

  /* 1 Jan 2023: C, K (both started 2022) */
  g_assert_cmpint (get_int (totals, "active_jan1"), ==, 2);
  /* started in 2023: A, M, B, J, L (I was deleted) */
  g_assert_cmpint (get_int (totals, "new"), ==, 5);
  /* K, on 31 Dec 2023 */
  g_assert_cmpint (get_int (totals, "closed"), ==, 1);
  /* 31 Dec 2023: A, M, B, C, J, L (K closed that day) */
  g_assert_cmpint (get_int (totals, "active_dec31"), ==, 6);
  /* C, K, A, M, B, J, L */
  g_assert_cmpint (get_int (totals, "unique_clients"), ==, 7);
  g_assert_cmpint (get_int (totals, "referred"), ==, 0);
  g_assert_cmpint (get_int (totals, "queued_dec31"), ==, 0);
  /* first contacts in 2023: A 9 days (03-01 to 03-10), J 12 (05-20 to
   * 06-01), L 14 (08-01 to 08-15): the middle one */
  assert_close (get_double (totals, "median_wait_days"), 12.0);
  /* contacts in 2023: A 60, J 45, L 30 minutes */
  g_assert_cmpint (get_int (totals, "contacts"), ==, 3);
  g_assert_cmpint (get_int (totals, "contact_minutes"), ==, 135);
  assert_rows_sum_to_totals (result);
}

static void
assert_all_zero (GVariant *result)
{
  g_autoptr(GVariant) totals = member (result, "totals");
  static const char *const lists[] = { "groups", "contacts_by_form", "contacts_by_actor", "deficiencies" };

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr(GVariant) list = member (result, lists[i]);

      g_assert_cmpuint (g_variant_n_children (list), ==, 0);
    }
  for (guint i = 0; int_keys[i]; i++)
    if (strcmp (int_keys[i], "population") != 0)
      g_assert_cmpint (get_int (totals, int_keys[i]), ==, 0);
  assert_close (get_double (totals, "client_months"), 0.0);
  assert_close (get_double (totals, "share_client_months"), 0.0);
  assert_close (get_double (totals, "share_ombud_time"), 0.0);
  g_assert_true (is_nothing (totals, "median_wait_days"));
  assert_rows_sum_to_totals (result);
}

static void
test_empty_year (void)
{
  g_autoptr(Fixture) f = worked_fixture ();
  g_autoptr(GVariant) result = stats (f, 2010);
  g_autoptr(GVariant) berg = municipality (result, "Berg");
  g_autoptr(GVariant) totals = member (result, "totals");
  g_autoptr(Fixture) empty = fixture_new ("2024-06-01");
  g_autoptr(GVariant) nothing = stats (empty, Y);
  g_autoptr(GVariant) rows = member (nothing, "municipalities");
  g_autoptr(GVariant) nothing_totals = member (nothing, "totals");

  /* Nothing happened in 2010, but the municipalities are there, with
   * their population shares */
  assert_all_zero (result);
  g_assert_cmpint (get_int (totals, "population"), ==, 98000);
  assert_close (get_double (berg, "share_population"), 7000.0 / 98000);
  assert_close (get_double (totals, "share_population"), 1.0);
  g_assert_true (is_nothing (berg, "median_wait_days"));

  /* A store with nothing at all: zeros, not errors, and no 0/0 */
  assert_all_zero (nothing);
  g_assert_cmpuint (g_variant_n_children (rows), ==, 0);
  assert_close (get_double (nothing_totals, "share_population"), 0.0);
}

static void
test_repeatable (void)
{
  g_autoptr(Fixture) f = worked_fixture ();
  g_autoptr(GVariant) first = stats (f, Y);
  g_autoptr(GVariant) other = stats (f, Y - 1);
  g_autoptr(GVariant) second = stats (f, Y);
  g_autoptr(GVariant) other_again = stats (f, Y - 1);
  g_autofree char *text = g_variant_print (first, TRUE);

  g_assert_true (g_variant_equal (first, second));
  g_assert_true (g_variant_equal (other, other_again));
  g_assert_false (g_variant_equal (first, other));
  g_test_message ("%s", text);
}

/* Client-months are exact: a case active half a leap year is 6.0, and the
 * same dates in a common year are 183 of 365 days. */
static void
test_client_months_exact (void)
{
  g_autoptr(Fixture) f = fixture_new ("2024-01-01");
  g_autofree char *half = NULL, *half_2023 = NULL, *whole = NULL;
  g_autoptr(GVariant) leap = NULL;
  g_autoptr(GVariant) common = NULL;
  g_autoptr(GVariant) later = NULL;
  g_autoptr(GVariant) leap_totals = NULL;
  g_autoptr(GVariant) common_totals = NULL;
  g_autoptr(GVariant) later_totals = NULL;

  add_municipality (f, "2380", "Östersund", 64000);
  set_today (f, "2025-06-01");
  half = add_case (f, "half", "Östersund", "woman", 1980, "2024-06-01");
  start (f, half, "2024-07-02");                /* 2 Jul to 31 Dec 2024: 183 days */
  close_case (f, half, "goals_met", "2025-01-01");
  half_2023 = add_case (f, "half 2023", "Östersund", "man", 1980, "2023-06-01");
  start (f, half_2023, "2023-07-02");           /* 183 days of 2023's 365 */
  close_case (f, half_2023, "moved", "2024-01-01");

  leap = stats (f, 2024);
  common = stats (f, 2023);
  leap_totals = member (leap, "totals");
  common_totals = member (common, "totals");
  g_assert_cmpfloat (get_double (leap_totals, "client_months"), ==, 6.0);
  assert_close (get_double (common_totals, "client_months"), 183 * 12.0 / 365);

  /* a whole year is 12.0 */
  whole = add_case (f, "whole", "Östersund", "other", 1980, "2021-06-01");
  start (f, whole, "2021-07-01");
  later = stats (f, 2022);
  later_totals = member (later, "totals");
  g_assert_cmpfloat (get_double (later_totals, "client_months"), ==, 12.0);
}

/* A case whose municipality was deleted later still counts, under that
 * municipality's own row, so nothing drops out of the totals. */
static void
test_deleted_municipality (void)
{
  g_autoptr(Fixture) f = fixture_new ("2024-01-01");
  g_autofree char *a = NULL, *b = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) berg = NULL;
  g_autoptr(GVariant) totals = NULL;

  add_municipality (f, "2326", "Berg", 7000);
  add_municipality (f, "2380", "Östersund", 64000);
  set_today (f, "2024-03-01");
  a = add_case (f, "a", "Berg", "woman", 1980, "2024-02-01");
  start (f, a, "2024-02-01");
  b = add_case (f, "b", "Östersund", "man", 1980, "2024-02-01");
  start (f, b, "2024-02-01");
  delete (f, "municipality", "municipality:2326");

  result = stats (f, Y);
  berg = municipality (result, "Berg");
  totals = member (result, "totals");
  g_assert_cmpint (get_int (totals, "new"), ==, 2);
  g_assert_cmpint (get_int (berg, "new"), ==, 1);
  /* the population split is over the municipalities still listed */
  g_assert_cmpint (get_int (berg, "population"), ==, 0);
  g_assert_cmpint (get_int (totals, "population"), ==, 64000);
  assert_rows_sum_to_totals (result);
}

/* An actors value that is not a JSON array (another replica's bug) leaves
 * the contact out of the actor table, not the whole report. */
static void
test_malformed_actors (void)
{
  g_autoptr(Fixture) f = fixture_new ("2024-01-01");
  g_autofree char *a = NULL, *good = NULL, *bad = NULL, *scalar = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) totals = NULL;
  static const char *const keys[] = { "municipality", "actor", "contacts", "minutes", NULL };
  g_autofree char *actors = NULL;

  add_municipality (f, "2380", "Östersund", 64000);
  set_today (f, "2024-03-01");
  a = add_case (f, "a", "Östersund", "woman", 1980, "2024-02-01");
  start (f, a, "2024-02-01");
  good = add_contact (f, a, "2024-02-10", 30, "phone", "bank", 0, 0);
  bad = add_contact (f, a, "2024-02-11", 40, "phone", "bank", 0, 0);
  set_field (f, "contact", bad, "actors", g_variant_new_string ("[\"bank\""));
  scalar = add_contact (f, a, "2024-02-12", 50, "phone", "bank", 0, 0);
  set_field (f, "contact", scalar, "actors", g_variant_new_string ("\"bank\""));

  result = stats (f, Y);
  totals = member (result, "totals");
  actors = dump (result, "contacts_by_actor", keys);
  g_assert_cmpint (get_int (totals, "contacts"), ==, 3);
  g_assert_cmpstr (actors, ==, "Östersund|bank|1|30\n");
}

static void
test_bad_year (void)
{
  g_autoptr(Fixture) f = fixture_new ("2024-01-01");
  g_autoptr(GError) error = NULL;
  GVariant *result = ombud_stats_year (f->caseload, 99999, &error);

  g_assert_null (result);
  g_assert_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_INVALID);
}

/* ---- a randomized caseload against a per-case reading of the definitions ---------------------- */

#define N_RANDOM_CASES 80

typedef struct {
  char id[37];
  int  area;            /* index into areas[] */
  const char *reason;   /* of the closure that counts */
  char requested[11];
  char started[11];     /* "" when never */
  char closed[11];
  char referred[11];
  char first_contact[11];
} Drawn;

static const char *const areas[] = { "Berg", "Krokom", "Åre" };

static guint32
julian (const char *date)
{
  int y, m, d;
  GDate g;

  g_assert_cmpint (sscanf (date, "%d-%d-%d", &y, &m, &d), ==, 3);
  g_date_clear (&g, 1);
  g_date_set_dmy (&g, d, m, y);
  return g_date_get_julian (&g);
}

/* A date some days after FROM, or else one of the edges of 2024 if that is
 * not before FROM: the edges are where definitions go wrong. */
static void
random_date_after (GRand      *rand,
                   const char *from,
                   int         max_days,
                   char        out[11])
{
  static const char *const edges[] = { "2023-12-31", "2024-01-01", "2024-12-31", "2025-01-01" };
  const char *edge = edges[g_rand_int_range (rand, 0, G_N_ELEMENTS (edges))];
  GDate date;

  if (g_rand_int_range (rand, 0, 4) == 0 && strcmp (edge, from) >= 0)
    {
      g_strlcpy (out, edge, 11);
      return;
    }
  g_date_clear (&date, 1);
  g_date_set_julian (&date, julian (from));
  g_date_add_days (&date, g_rand_int_range (rand, 0, max_days + 1));
  g_date_strftime (out, 11, "%Y-%m-%d", &date);
}

/* The one event of KIND the case has that is not deleted. */
static char *
event_id (Fixture    *f,
          const char *case_id,
          const char *kind)
{
  sqlite3_stmt *stmt = NULL;
  char *id;

  g_assert_cmpint (sqlite3_prepare_v2 (ombud_caseload_get_db (f->caseload),
                                       "SELECT id FROM case_event WHERE case_id = ?1 AND kind = ?2 AND deleted = 0",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, case_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  return id;
}

/* Deletes the case's event of KIND: what undoing a start or a closure
 * leaves behind. */
static void
undo_event (Fixture    *f,
            const char *case_id,
            const char *kind)
{
  g_autofree char *id = event_id (f, case_id, kind);

  delete (f, "case_event", id);
}

static void
draw_case (Fixture *f,
           GRand   *rand,
           Drawn   *d)
{
  static const char *const genders[] = { "woman", "man", "other", "unknown" };
  static const char *const reasons[] = { "goals_met", "client_ended", "moved" };
  int outcome = g_rand_int_range (rand, 0, 10);
  char next[11];
  g_autofree char *id = NULL;

  memset (d, 0, sizeof *d);
  d->area = g_rand_int_range (rand, 0, G_N_ELEMENTS (areas));
  random_date_after (rand, "2023-01-01", 2 * 365, d->requested);
  id = add_case (f, "random", areas[d->area], genders[g_rand_int_range (rand, 0, 4)],
                 g_rand_int_range (rand, 1940, 2010), d->requested);
  g_strlcpy (d->id, id, sizeof d->id);

  if (outcome >= 2)
    {
      random_date_after (rand, d->requested, 90, d->started);
      start (f, id, d->started);
      /* sometimes the start was a mistake, undone and redone: the deleted
       * event must not count */
      if (g_rand_int_range (rand, 0, 6) == 0)
        {
          undo_event (f, id, "started");
          random_date_after (rand, d->requested, 90, d->started);
          start (f, id, d->started);
        }
    }
  for (int n = g_rand_int_range (rand, 0, 4); n > 0; n--)
    {
      random_date_after (rand, d->requested, 200, next);
      g_free (add_contact (f, id, next, 30, "phone", "bank", 1, 1));
      if (!*d->first_contact || strcmp (next, d->first_contact) < 0)
        strcpy (d->first_contact, next);
    }
  if (outcome == 1)
    {
      random_date_after (rand, d->requested, 60, d->referred);
      refer (f, id, "psychiatry", d->referred);
    }
  else if (outcome >= 5)
    {
      random_date_after (rand, d->started, 400, d->closed);
      d->reason = reasons[g_rand_int_range (rand, 0, G_N_ELEMENTS (reasons))];
      close_case (f, id, d->reason, d->closed);
      if (g_rand_int_range (rand, 0, 4) == 0)
        {
          undo_event (f, id, "closed");
          random_date_after (rand, d->started, 400, d->closed);
          d->reason = reasons[g_rand_int_range (rand, 0, G_N_ELEMENTS (reasons))];
          close_case (f, id, d->reason, d->closed);
        }
    }
}

/* The oracle's dates are what case_state, the one reading of a case's
 * events, says: so figures that agree with the oracle agree with it. */
static void
assert_case_state (Fixture     *f,
                   const Drawn *d)
{
  sqlite3_stmt *stmt = NULL;
  const char *expected[] = { d->requested, d->started, d->closed, d->reason ? d->reason : "", d->referred };

  g_assert_cmpint (sqlite3_prepare_v2 (ombud_caseload_get_db (f->caseload),
                                       "SELECT requested_on, started_on, closed_on, closure_reason, referred_on"
                                       " FROM case_state WHERE id = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, d->id, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  for (int i = 0; i < 5; i++)
    {
      const char *actual = (const char *) sqlite3_column_text (stmt, i);

      g_assert_cmpstr (actual ? actual : "", ==, expected[i]);
    }
  sqlite3_finalize (stmt);
}

static gboolean
active_on (const Drawn *d,
           const char  *x)
{
  return *d->started && strcmp (d->started, x) <= 0 && (!*d->closed || strcmp (d->closed, x) > 0);
}

/* as 1 January begins: started before it, not closed before it */
static gboolean
active_at_start_of (const Drawn *d,
                    const char  *x)
{
  return *d->started && strcmp (d->started, x) < 0 && (!*d->closed || strcmp (d->closed, x) >= 0);
}

static gboolean
within (const char *date)
{
  return *date && strcmp (date, "2024-01-01") >= 0 && strcmp (date, "2024-12-31") <= 0;
}

static gboolean
after_dec31 (const char *date)
{
  return !*date || strcmp (date, "2024-12-31") > 0;
}

/* The seven counts of one case in 2024, in count_keys order. */
static void
counts_of (const Drawn *d,
           gint64      *counts)
{
  gboolean client = !*d->referred;

  counts[0] += client && active_at_start_of (d, "2024-01-01");
  counts[1] += client && within (d->started);
  counts[2] += client && within (d->closed);
  counts[3] += client && active_on (d, "2024-12-31");
  counts[4] += client && *d->started && strcmp (d->started, "2024-12-31") <= 0
               && (!*d->closed || strcmp (d->closed, "2024-01-01") >= 0);
  counts[5] += within (d->referred);
  counts[6] += strcmp (d->requested, "2024-12-31") <= 0 && after_dec31 (d->started)
               && after_dec31 (d->referred) && after_dec31 (d->closed);
}

static gint64
client_days (const Drawn *d)
{
  guint32 from, to;

  if (*d->referred || !*d->started)
    return 0;
  from = MAX (julian (d->started), julian ("2024-01-01"));
  to = MIN (*d->closed ? julian (d->closed) : G_MAXUINT32, julian ("2025-01-01"));
  return to > from ? to - from : 0;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
test_random_against_per_case (void)
{
  g_autoptr(Fixture) f = fixture_new ("2021-01-01");
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240101);
  Drawn drawn[N_RANDOM_CASES];
  gint64 expected[G_N_ELEMENTS (areas)][7] = { { 0 } };
  gint64 days[G_N_ELEMENTS (areas)] = { 0 };
  gint64 total_days = 0;
  g_autoptr(GArray) waits = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GHashTable) by_reason = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) totals = NULL;
  g_autoptr(GVariant) groups = NULL;

  add_municipality (f, "2326", "Berg", 7000);
  add_municipality (f, "2309", "Krokom", 15000);
  add_municipality (f, "2321", "Åre", 12000);
  set_today (f, "2026-06-01");
  for (int i = 0; i < N_RANDOM_CASES; i++)
    {
      Drawn *d = &drawn[i];

      draw_case (f, rand, d);
      assert_case_state (f, d);
      counts_of (d, expected[d->area]);
      if (!*d->referred && within (d->closed))
        g_hash_table_insert (by_reason, (gpointer) d->reason,
                             GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (by_reason, d->reason)) + 1));
      days[d->area] += client_days (d);
      total_days += client_days (d);
      if (!*d->referred && within (d->first_contact))
        {
          double wait = (double) julian (d->first_contact) - julian (d->requested);
          g_array_append_val (waits, wait);
        }
    }

  result = stats (f, Y);
  totals = member (result, "totals");
  for (guint a = 0; a < G_N_ELEMENTS (areas); a++)
    {
      g_autoptr(GVariant) row = municipality (result, areas[a]);

      for (guint i = 0; count_keys[i]; i++)
        g_assert_cmpint (get_int (row, count_keys[i]), ==, expected[a][i]);
      assert_close (get_double (row, "client_months"), days[a] * 12.0 / 366);
    }
  assert_close (get_double (totals, "client_months"), total_days * 12.0 / 366);

  g_array_sort (waits, compare_doubles);
  if (waits->len == 0)
    g_assert_true (is_nothing (totals, "median_wait_days"));
  else
    assert_close (get_double (totals, "median_wait_days"),
                  (g_array_index (waits, double, (waits->len - 1) / 2)
                   + g_array_index (waits, double, waits->len / 2)) / 2);
  /* the reason of the closure that counts, not of one undone */
  groups = member (result, "groups");
  for (gsize r = 0; r < g_variant_n_children (groups); r++)
    {
      g_autoptr(GVariant) row = g_variant_get_child_value (groups, r);
      const char *figure = NULL;

      g_assert_true (g_variant_lookup (row, "figure", "&s", &figure));
      if (!g_str_has_prefix (figure, "closed:"))
        continue;
      g_hash_table_insert (by_reason, (gpointer) (figure + strlen ("closed:")),
                           GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (by_reason, figure + strlen ("closed:")))
                                            - get_int (row, "value")));
    }
  {
    GHashTableIter iter;
    gpointer key, left;

    g_hash_table_iter_init (&iter, by_reason);
    while (g_hash_table_iter_next (&iter, &key, &left))
      if (GPOINTER_TO_INT (left) != 0)
        g_error ("closed:%s is off by %d", (const char *) key, GPOINTER_TO_INT (left));
  }
  {
    g_autofree char *text = g_variant_print (totals, FALSE);

    g_test_message ("%u waits; totals %s", waits->len, text);
  }
  assert_rows_sum_to_totals (result);
}

/* Every changeset one replica wrote that the other has not applied. */
static void
sync_to (Fixture *from,
         Fixture *to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outbox = ombud_caseload_get_outbox (from->caseload, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < outbox->len; i++)
    {
      g_assert_true (ombud_caseload_apply_changeset (to->caseload, g_ptr_array_index (outbox, i), &error));
      g_assert_no_error (error);
    }
}

/* Two laptops close the same case offline, on different days and for
 * different reasons; after sync the case has two closures, and the last
 * one counts, as case_state reads it: closed once, on the later day. */
static void
test_concurrent_closures (void)
{
  g_autoptr(Fixture) a = fixture_new ("2024-01-01");
  g_autoptr(Fixture) b = fixture_new ("2024-01-01");
  g_autofree char *id = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) totals = NULL;
  g_autoptr(GVariant) earlier = NULL;
  g_autoptr(GVariant) earlier_totals = NULL;
  static const char *const keys[] = { "municipality", "gender", "age_band", "figure", "value", NULL };
  g_autofree char *groups = NULL;

  add_municipality (a, "2380", "Östersund", 64000);
  set_today (a, "2024-06-01");
  set_today (b, "2024-06-01");
  id = add_case (a, "x", "Östersund", "woman", 1980, "2023-02-01");
  start (a, id, "2023-03-01");
  sync_to (a, b);
  close_case (a, id, "moved", "2024-03-01");
  close_case (b, id, "deceased", "2024-05-01");
  sync_to (a, b);
  sync_to (b, a);

  result = stats (a, Y);
  totals = member (result, "totals");
  groups = dump (result, "groups", keys);
  g_assert_cmpint (get_int (totals, "closed"), ==, 1);
  g_assert_cmpstr (groups, ==,
                   "Östersund|woman|35-44|active_jan1|1\n"
                   "Östersund|woman|35-44|closed|1\n"
                   "Östersund|woman|35-44|closed:deceased|1\n"
                   "Östersund|woman|35-44|unique_clients|1\n");
  /* active until the later closure: 1 Jan to 1 May 2024 is 121 days */
  assert_close (get_double (totals, "client_months"), 121 * 12.0 / 366);
  /* and the other replica says the same */
  earlier = stats (b, Y);
  g_assert_true (g_variant_equal (result, earlier));
  earlier_totals = member (earlier, "totals");
  g_assert_cmpint (get_int (earlier_totals, "closed"), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_setenv ("TZ", "Europe/Stockholm", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/stats/worked/groups", test_worked_groups);
  g_test_add_func ("/stats/worked/municipalities", test_worked_municipalities);
  g_test_add_func ("/stats/worked/contacts", test_worked_contacts);
  g_test_add_func ("/stats/worked/deficiencies", test_worked_deficiencies);
  g_test_add_func ("/stats/worked/previous-year", test_worked_previous_year);
  g_test_add_func ("/stats/empty-year", test_empty_year);
  g_test_add_func ("/stats/repeatable", test_repeatable);
  g_test_add_func ("/stats/client-months-exact", test_client_months_exact);
  g_test_add_func ("/stats/deleted-municipality", test_deleted_municipality);
  g_test_add_func ("/stats/malformed-actors", test_malformed_actors);
  g_test_add_func ("/stats/bad-year", test_bad_year);
  g_test_add_func ("/stats/random-against-per-case", test_random_against_per_case);
  g_test_add_func ("/stats/concurrent-closures", test_concurrent_closures);

  return g_test_run ();
}
