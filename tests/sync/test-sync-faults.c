/* test-sync-faults.c: sync through a link that breaks, an office that
 * restarts, an office out of reach, and a wire an eavesdropper reads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real ombud-office on loopback and laptops that reach it through the
 * userspace link emulator (tests/net/ombud-netem.h).  Every laptop enrols
 * through the proxy while it is transparent, so that its stored office URL
 * is the proxy's; the proxy then turns bad.  Every edit carries a marker
 * string of its own, recorded here, and every changeset a laptop writes is
 * logged by a temporary trigger on its outbox, so that afterwards the test
 * can say exactly what each replica and the office must hold: nothing
 * lost, nothing twice, nothing where it does not belong.
 */
#include "office-fixture.h"

#include <sqlite3.h>
#include <string.h>

#include "ombud-netem.h"

/* Sanitizers make the office and the laptops several times slower; the
 * link's faults are then scaled down, never in the normal build. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature (address_sanitizer) || __has_feature (undefined_behavior_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

#define MARK            "fmk-"
/* A sync through the faulty link takes about 12 ms here and 120-200 ms
 * under ASan (fast_unwind_on_malloc=0, as tests/meson.build runs it). */
#define CUTS_WANTED     (UNDER_SANITIZER ? 300 : 500)
#define CUT_STEPS_MAX   6000
#define CUT_SECONDS_MAX (UNDER_SANITIZER ? 240 : 120)
#define CUT_EDITS_MAX   240
#define RESTARTS        10

enum { COORD, A1, A2, B1, N_LAPTOPS };

static const char *const short_names[N_LAPTOPS] = { "coord", "a1", "a2", "b1" };
static const char *const municipalities[] = { "Östersund", "Krokom", "Åre" };

typedef struct {
  char  *id;
  guint  creator;       /* index of the laptop that made it */
  guint  owner;         /* A1 or B1: whose ombud it is assigned to */
  guint  notes;
  guint  contacts;
} CaseRecord;

typedef struct {
  char             *text;
  const CaseRecord *kase;  /* NULL: the team's, on every laptop */
} Marker;

typedef struct {
  TestOffice *office;
  NetemProxy *proxy;
  char       *proxy_url;
  TestLaptop *all[N_LAPTOPS];
  char       *ombud[N_LAPTOPS];  /* each laptop's ombud id */
  GRand      *rand;
  guint       serial;
  guint       edits;
  GPtrArray  *cases;             /* CaseRecord */
  GHashTable *case_by_id;        /* id -> CaseRecord */
  GPtrArray  *markers;           /* Marker */
} Team;

static void
case_record_free (CaseRecord *c)
{
  g_free (c->id);
  g_free (c);
}

static void
marker_free (Marker *m)
{
  g_free (m->text);
  g_free (m);
}

/* ---- laptops -------------------------------------------------------------- */

static void
exec_sql (TestLaptop *laptop,
          const char *sql)
{
  sqlite3 *db = ombud_store_get_db (laptop->replica->store);
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

/* Every changeset the laptop ever puts in its outbox, as it goes in: the
 * outbox forgets what the office accepted, this log does not.  What was
 * queued before (enrolment's own records) is taken over first. */
static void
log_outbox (TestLaptop *laptop)
{
  exec_sql (laptop, "CREATE TEMP TABLE test_created (id TEXT NOT NULL);"
                    "INSERT INTO temp.test_created (id) SELECT id FROM main.outbox;"
                    "CREATE TEMP TRIGGER test_created_log AFTER INSERT ON main.outbox"
                    " BEGIN INSERT INTO test_created (id) VALUES (new.id); END;"
                    /* Never sealed, so never sent: joined into another
                     * changeset of its case, or a draft deleted unapproved. */
                    "CREATE TEMP TRIGGER test_dropped_log AFTER DELETE ON main.outbox WHEN old.sealed IS NULL"
                    " BEGIN DELETE FROM test_created WHERE id = old.id; END;");
}

static GHashTable *
lines_of (TestLaptop *laptop,
          const char *sql)
{
  g_autofree char *digest = test_laptop_digest (laptop, sql);
  g_auto(GStrv) lines = g_strsplit (digest, "\n", -1);
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      {
        guint n = GPOINTER_TO_UINT (g_hash_table_lookup (set, lines[i]));

        g_hash_table_insert (set, g_strdup (lines[i]), GUINT_TO_POINTER (n + 1));
      }
  return set;
}

/* A sync that may fail only for want of a link; TRUE if it went through. */
static gboolean
try_sync (TestLaptop *laptop)
{
  g_autoptr(GError) error = NULL;

  if (test_laptop_try_sync (laptop, &error))
    {
      g_assert_cmpint (ombud_sync_engine_get_status (laptop->engine), ==, OMBUD_SYNC_STATUS_IDLE);
      return TRUE;
    }
  if (!g_error_matches (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_OFFLINE))
    g_error ("%s: a sync failed otherwise than offline: %s (%s %d)", laptop->person, error->message,
             g_quark_to_string (error->domain), error->code);
  g_assert_cmpint (ombud_sync_engine_get_status (laptop->engine), ==, OMBUD_SYNC_STATUS_OFFLINE);
  return FALSE;
}

/* ---- the team --------------------------------------------------------------- */

static TestLaptop *
laptop_new (Team       *t,
            guint       i,
            const char *person,
            guint       via_proxy)
{
  TestLaptop *laptop = test_laptop_new (t->office, via_proxy & (1u << i) ? t->proxy_url : NULL,
                                        person, i == COORD);

  log_outbox (laptop);
  return laptop;
}

/* A coordinator, Anna with two laptops and Bertil with one; those in
 * via_proxy (bits by laptop index) reach the office through the proxy,
 * transparent until the test changes it, the others directly. */
static Team *
team_new (guint32 seed,
          guint   via_proxy)
{
  Team *t = g_new0 (Team, 1);
  g_autoptr(GError) error = NULL;
  static const char *codes[] = { "2380", "2309", "2321" };

  t->rand = g_rand_new_with_seed (seed);
  t->cases = g_ptr_array_new_with_free_func ((GDestroyNotify) case_record_free);
  t->case_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  t->markers = g_ptr_array_new_with_free_func ((GDestroyNotify) marker_free);
  t->office = test_office_new (NULL, NULL);
  t->proxy = netem_proxy_start (t->office->port, NULL, &error);
  g_assert_no_error (error);
  t->proxy_url = g_strdup_printf ("http://127.0.0.1:%u", netem_proxy_get_port (t->proxy));

  t->all[COORD] = laptop_new (t, COORD, "Cecilia Samordnare", via_proxy);
  for (guint i = 0; i < G_N_ELEMENTS (municipalities); i++)
    {
      g_autofree char *id = ombud_caseload_add_municipality (t->all[COORD]->replica->caseload, codes[i],
                                                             municipalities[i], 10000, &error);
      g_assert_no_error (error);
    }
  t->all[A1] = laptop_new (t, A1, "Anna Ombud", via_proxy);
  t->all[A2] = laptop_new (t, A2, "Anna Ombud", via_proxy);
  t->all[B1] = laptop_new (t, B1, "Bertil Ombud", via_proxy);
  for (guint i = A1; i < N_LAPTOPS; i++)
    test_laptop_admit (t->all[COORD], t->all[i]);
  for (guint i = 0; i < N_LAPTOPS; i++)
    t->ombud[i] = test_laptop_ombud_id (t->all[i]);
  g_assert_cmpstr (t->ombud[A1], ==, t->ombud[A2]);
  g_assert_cmpstr (t->ombud[A1], !=, t->ombud[B1]);
  g_assert_cmpstr (t->ombud[COORD], !=, t->ombud[A1]);
  g_assert_cmpstr (t->ombud[COORD], !=, t->ombud[B1]);
  return t;
}

static void
team_free (Team *t)
{
  for (guint i = 0; i < N_LAPTOPS; i++)
    {
      test_laptop_free (t->all[i]);
      g_free (t->ombud[i]);
    }
  netem_proxy_stop (t->proxy);
  test_office_free (t->office);
  g_free (t->proxy_url);
  g_rand_free (t->rand);
  g_hash_table_unref (t->case_by_id);
  g_ptr_array_unref (t->cases);
  g_ptr_array_unref (t->markers);
  g_free (t);
}

/* Which of Anna's or Bertil's laptops a laptop counts as, for ownership. */
static guint
owner_of (guint i)
{
  return i == A2 ? A1 : i;
}

/* The client tier: the owner's laptops, and the coordinator's when it
 * took the case in (it made the case key). */
static gboolean
holds_client_tier (guint             i,
                   const CaseRecord *c)
{
  return (i != COORD && owner_of (i) == c->owner) || (i == COORD && c->creator == COORD);
}

/* The office tier: the owner's laptops and the coordinator. */
static gboolean
holds_office_tier (guint             i,
                   const CaseRecord *c)
{
  return i == COORD || owner_of (i) == c->owner;
}

static gboolean
holds_marker (guint         i,
              const Marker *m)
{
  return m->kase == NULL || holds_client_tier (i, m->kase);
}

static char *
new_text (Team       *t,
          guint       i,
          const char *what,
          guint       filler)
{
  GString *text = g_string_new (NULL);

  g_string_printf (text, MARK "%s-%s-%05u", short_names[i], what, t->serial++);
  /* Letters at random compress badly: bytes on the link. */
  if (filler > 0)
    g_string_append_c (text, ' ');
  for (guint k = 0; k < filler; k++)
    g_string_append_c (text, (char) ('a' + g_rand_int_range (t->rand, 0, 26)));
  return g_string_free (text, FALSE);
}

static void
add_marker (Team             *t,
            char             *text,
            const CaseRecord *kase)
{
  Marker *m = g_new0 (Marker, 1);

  m->text = text;
  m->kase = kase;
  g_ptr_array_add (t->markers, m);
}

static CaseRecord *
new_case (Team  *t,
          guint  i,
          guint  owner,
          guint  filler)
{
  OmbudCaseload *caseload = t->all[i]->replica->caseload;
  g_autoptr(GError) error = NULL;
  static const char *genders[] = { "woman", "man", "other" };
  char *name = new_text (t, i, "client", filler);
  OmbudCaseInput in = { name, municipalities[g_rand_int_range (t->rand, 0, G_N_ELEMENTS (municipalities))],
                        genders[g_rand_int_range (t->rand, 0, 3)], g_rand_int_range (t->rand, 1940, 2005),
                        FALSE, FALSE, NULL };
  CaseRecord *c = g_new0 (CaseRecord, 1);

  c->id = ombud_caseload_add_case (caseload, &in, &error);
  g_assert_no_error (error);
  g_assert_nonnull (c->id);
  c->creator = i;
  c->owner = i == COORD ? owner : owner_of (i);
  /* The coordinator gives what it takes in to an ombud; an ombud's own
   * case is claimed for its ombud by its next sync. */
  if (i == COORD)
    {
      g_assert_true (ombud_caseload_assign_case (caseload, c->id, t->ombud[owner], &error));
      g_assert_no_error (error);
    }
  g_ptr_array_add (t->cases, c);
  g_hash_table_insert (t->case_by_id, c->id, c);
  add_marker (t, name, c);
  t->edits++;
  return c;
}

/* A case of the laptop's with its client tier here, at random, or NULL. */
static CaseRecord *
some_case (Team  *t,
           guint  i)
{
  g_autofree char *ids = test_laptop_digest (t->all[i],
    "SELECT id FROM client_case WHERE deleted = 0 AND client_name IS NOT NULL ORDER BY id");
  g_auto(GStrv) lines = g_strsplit (ids, "\n", -1);
  guint n = g_strv_length (lines);
  CaseRecord *c;

  if (n <= 1)
    return NULL;
  c = g_hash_table_lookup (t->case_by_id, lines[g_rand_int_range (t->rand, 0, (gint32) n - 1)]);
  g_assert_nonnull (c);
  g_assert_true (holds_client_tier (i, c));
  return c;
}

static void
add_note (Team       *t,
          guint       i,
          CaseRecord *c,
          guint       filler)
{
  g_autoptr(GError) error = NULL;
  char *body = new_text (t, i, "note", filler);
  g_autofree char *id = ombud_caseload_add_note (t->all[i]->replica->caseload, c->id, body, TRUE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  c->notes++;
  add_marker (t, body, c);
  t->edits++;
}

static void
add_deficiency (Team       *t,
                guint       i,
                const char *municipality)
{
  g_autoptr(GError) error = NULL;
  char *text = new_text (t, i, "deficiency", 0);
  g_autofree char *id = ombud_caseload_add_deficiency (t->all[i]->replica->caseload, "local",
                                                       "social_services", text, municipality, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  add_marker (t, text, NULL);
  t->edits++;
}

/* One edit by laptop i, at random; some with a marker, some without. */
static void
do_edit (Team  *t,
         guint  i,
         guint  filler)
{
  OmbudCaseload *caseload = t->all[i]->replica->caseload;
  g_autoptr(GError) error = NULL;
  CaseRecord *c = some_case (t, i);
  guint what = g_rand_int_range (t->rand, 0, 10);

  if (c == NULL || what == 0)
    new_case (t, i, g_rand_boolean (t->rand) ? A1 : B1, filler);
  else if (what <= 4)
    add_note (t, i, c, filler);
  else if (what <= 6)
    {
      OmbudContactInput in = { NULL, 45, "home_visit", NULL, 12, 20 };
      g_autofree char *id = ombud_caseload_add_contact (caseload, c->id, &in, &error);

      g_assert_no_error (error);
      c->contacts++;
      t->edits++;
    }
  else if (what <= 8)
    {
      /* Two of Anna's laptops on one case: conflicts, on purpose. */
      g_assert_true (ombud_caseload_set_field (caseload, "client_case", c->id, "birth_year",
                                               g_variant_new_int64 (g_rand_int_range (t->rand, 1940, 2005)),
                                               &error));
      g_assert_no_error (error);
      t->edits++;
    }
  else
    add_deficiency (t, i, municipalities[g_rand_int_range (t->rand, 0, G_N_ELEMENTS (municipalities))]);
}

static guint64
total_created (Team *t)
{
  guint64 n = 0;

  for (guint i = 0; i < N_LAPTOPS; i++)
    n += (guint64) test_laptop_count (t->all[i], "SELECT count(*) FROM temp.test_created");
  return n;
}

/* Every laptop syncs, round after round, until two rounds in a row move
 * nothing; a clean link is assumed. */
static void
sync_until_quiet (Team *t)
{
  guint quiet_rounds = 0;

  for (guint round = 0; round < 20; round++)
    {
      gboolean quiet = TRUE;

      for (guint i = 0; i < N_LAPTOPS; i++)
        {
          const OmbudSyncStats *stats;

          test_laptop_sync (t->all[i]);
          stats = ombud_sync_engine_get_stats (t->all[i]->engine);
          if (stats->pushed > 0 || stats->pulled > 0 || stats->held > 0
              || test_laptop_count (t->all[i], "SELECT count(*) FROM sync_outgoing") > 0)
            quiet = FALSE;
        }
      quiet_rounds = quiet ? quiet_rounds + 1 : 0;
      if (quiet_rounds == 2)
        return;
    }
  g_error ("the team did not settle in 20 rounds of syncs");
}

/* ---- what must hold afterwards ------------------------------------------------ */

#define OFFICE_TIER "SELECT id, municipality_id, gender, birth_year, assigned_ombud FROM client_case" \
                    " WHERE deleted = 0 AND assigned_ombud = '%s' ORDER BY id"
#define CLIENT_TIER "SELECT id, client_name, client_contact FROM client_case" \
                    " WHERE deleted = 0 AND assigned_ombud = '%s' ORDER BY id"
#define EVENTS      "SELECT e.id, e.kind, e.on_date FROM case_event e JOIN client_case c ON c.id = e.case_id" \
                    " WHERE c.assigned_ombud = '%s' ORDER BY e.id"
#define NOTES       "SELECT n.id, n.body, n.approved FROM note n JOIN client_case c ON c.id = n.case_id" \
                    " WHERE c.assigned_ombud = '%s' ORDER BY n.id"
#define CONTACTS    "SELECT k.id, k.case_id, k.on_date, k.minutes FROM contact k JOIN client_case c" \
                    " ON c.id = k.case_id WHERE c.assigned_ombud = '%s' ORDER BY k.id"
#define CONFLICTS   "SELECT f.tbl, f.rec, f.field, f.hlc, f.device FROM conflict f" \
                    " JOIN client_case c ON c.id = f.case_id WHERE c.assigned_ombud = '%s'" \
                    " AND f.field NOT IN ('client_name', 'client_contact', 'body') ORDER BY 1, 2, 3, 4, 5"
#define TEAM        "SELECT 'm', id, name, code FROM municipality UNION ALL" \
                    " SELECT 'o', id, name, role FROM ombud UNION ALL" \
                    " SELECT 'd', id, description, municipality_id FROM deficiency ORDER BY 1, 2"
/* Every text an edit of this test can have written. */
#define TEXTS       "SELECT client_name FROM client_case WHERE client_name IS NOT NULL" \
                    " UNION ALL SELECT client_contact FROM client_case WHERE client_contact IS NOT NULL" \
                    " UNION ALL SELECT body FROM note WHERE body IS NOT NULL" \
                    " UNION ALL SELECT description FROM deficiency WHERE description IS NOT NULL" \
                    " UNION ALL SELECT name FROM municipality WHERE name IS NOT NULL"

/* Each marker on exactly the laptops that should hold it, once, and no
 * marker anywhere else. */
static void
assert_markers (Team *t)
{
  for (guint i = 0; i < N_LAPTOPS; i++)
    {
      g_autoptr(GHashTable) found = lines_of (t->all[i], TEXTS);
      GHashTableIter iter;
      gpointer text, count;
      guint expected = 0, marked = 0;

      for (guint k = 0; k < t->markers->len; k++)
        {
          const Marker *m = t->markers->pdata[k];
          guint n = GPOINTER_TO_UINT (g_hash_table_lookup (found, m->text));

          if (holds_marker (i, m) && n != 1)
            g_error ("%s holds “%.40s” %u times, not once", short_names[i], m->text, n);
          if (!holds_marker (i, m) && n != 0)
            g_error ("%s holds “%.40s”, which is not for it", short_names[i], m->text);
          expected += holds_marker (i, m);
        }
      g_hash_table_iter_init (&iter, found);
      while (g_hash_table_iter_next (&iter, &text, &count))
        if (g_str_has_prefix (text, MARK))
          marked += GPOINTER_TO_UINT (count);
      g_assert_cmpuint (marked, ==, expected);
    }
}

static guint
count_in (GHashTable *counts,
          const char *id)
{
  const char *n = g_hash_table_lookup (counts, id);

  return n ? (guint) g_ascii_strtoull (n, NULL, 10) : 0;
}

static GHashTable *
counts_of (TestLaptop *laptop,
           const char *sql)
{
  g_autofree char *digest = test_laptop_digest (laptop, sql);
  g_auto(GStrv) lines = g_strsplit (digest, "\n", -1);
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *bar = strchr (lines[i], '|');

      if (bar == NULL)
        continue;
      *bar = '\0';
      g_hash_table_insert (counts, g_strdup (lines[i]), g_strdup (bar + 1));
    }
  return counts;
}

/* Each case, note and contact applied once where it belongs, and nowhere
 * else. */
static void
assert_rows (Team *t)
{
  for (guint i = 0; i < N_LAPTOPS; i++)
    {
      TestLaptop *l = t->all[i];
      g_autoptr(GHashTable) cases = counts_of (l, "SELECT id, (client_name IS NOT NULL) FROM client_case"
                                                  " WHERE deleted = 0");
      g_autoptr(GHashTable) notes = counts_of (l, "SELECT case_id, count(*) FROM note GROUP BY case_id");
      g_autoptr(GHashTable) contacts = counts_of (l, "SELECT case_id, count(*) FROM contact GROUP BY case_id");
      guint held = 0;

      for (guint k = 0; k < t->cases->len; k++)
        {
          const CaseRecord *c = t->cases->pdata[k];
          const char *named = g_hash_table_lookup (cases, c->id);
          gboolean office = holds_office_tier (i, c);

          held += office;
          if (office != (named != NULL))
            g_error ("%s %s case %s", short_names[i], office ? "lacks" : "holds", c->id);
          if (office)
            g_assert_cmpstr (named, ==, holds_client_tier (i, c) ? "1" : "0");
          g_assert_cmpuint (count_in (notes, c->id), ==, office ? c->notes : 0);
          g_assert_cmpuint (count_in (contacts, c->id), ==, office ? c->contacts : 0);
        }
      g_assert_cmpuint (g_hash_table_size (cases), ==, held);
    }
}

/* The office holds each changeset the laptops wrote, once: no more, no
 * fewer, none twice however often it was pushed or its request repeated. */
static void
assert_office_holds_what_was_written (Team *t)
{
  g_autoptr(GPtrArray) stored = test_office_list_changesets (t->office);
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (t->office);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  gint64 last_seq = ombud_office_backend_get_last_seq (backend, &error);

  g_assert_no_error (error);
  for (guint k = 0; k < stored->len; k++)
    {
      OmbudOfficeChangeset *cs = stored->pdata[k];
      char *id = ombud_uuid_format (cs->changeset_id);

      g_assert_false (g_hash_table_contains (seen, id));
      g_hash_table_insert (seen, id, GUINT_TO_POINTER ((guint) (cs->author_device & G_MAXUINT)));
    }
  g_assert_cmpuint (stored->len, ==, total_created (t));
  g_assert_cmpint (last_seq, ==, (gint64) stored->len);
  for (guint i = 0; i < N_LAPTOPS; i++)
    {
      g_autoptr(GHashTable) created = lines_of (t->all[i], "SELECT id FROM temp.test_created");
      GHashTableIter iter;
      gpointer id, n;
      guint author = (guint) (test_laptop_device_id (t->all[i]) & G_MAXUINT);

      g_hash_table_iter_init (&iter, created);
      while (g_hash_table_iter_next (&iter, &id, &n))
        {
          gpointer by;

          g_assert_cmpuint (GPOINTER_TO_UINT (n), ==, 1);
          if (!g_hash_table_lookup_extended (seen, id, NULL, &by))
            g_error ("the office lacks changeset %s of %s", (char *) id, short_names[i]);
          g_assert_cmpuint (GPOINTER_TO_UINT (by), ==, author);
        }
    }
}

static void
assert_team (Team *t)
{
  const char *a = t->ombud[A1], *b = t->ombud[B1];

  for (guint i = 0; i < N_LAPTOPS; i++)
    {
      TestLaptop *l = t->all[i];

      g_assert_cmpint (test_laptop_count (l, "SELECT count(*) FROM outbox"), ==, 0);
      g_assert_cmpint (test_laptop_count (l, "SELECT count(*) FROM sync_held"), ==, 0);
      g_assert_cmpint (test_laptop_count (l, "SELECT count(*) FROM sync_outgoing"), ==, 0);
      g_assert_cmpuint (ombud_sync_engine_get_changes_waiting (l->engine), ==, 0);
      test_laptops_assert_same (l, t->all[COORD], TEAM "%s", "");
    }
  test_laptops_assert_same (t->all[A1], t->all[A2], OFFICE_TIER, a);
  test_laptops_assert_same (t->all[A1], t->all[A2], CLIENT_TIER, a);
  test_laptops_assert_same (t->all[A1], t->all[A2], NOTES, a);
  test_laptops_assert_same (t->all[A1], t->all[A2], CONTACTS, a);
  test_laptops_assert_same (t->all[A1], t->all[A2], EVENTS, a);
  test_laptops_assert_same (t->all[A1], t->all[A2], CONFLICTS, a);
  for (guint owner = A1; owner <= B1; owner += B1 - A1)
    {
      const char *o = owner == A1 ? a : b;

      test_laptops_assert_same (t->all[COORD], t->all[owner], OFFICE_TIER, o);
      test_laptops_assert_same (t->all[COORD], t->all[owner], EVENTS, o);
      test_laptops_assert_same (t->all[COORD], t->all[owner], CONTACTS, o);
      test_laptops_assert_same (t->all[COORD], t->all[owner], CONFLICTS, o);
    }
  assert_markers (t);
  assert_rows (t);
  assert_office_holds_what_was_written (t);
}

/* ---- a: a link that cuts ------------------------------------------------------- */

static void
test_cuts (void)
{
  Team *t = team_new (20261201, (1u << N_LAPTOPS) - 1);
  NetemOptions faulty = {
    .latency_ms_up = 2, .latency_ms_down = 2,
    .cut_probability = 0.5, .cut_min_bytes = 1, .cut_max_bytes = 1400,
    .duplicate_probability = 0.3, .seed = 77,
  };
  NetemStats stats;
  gint64 start = g_get_monotonic_time ();
  guint step, syncs = 0, synced = 0;

  /* A few cases first, so that edits have something to work on. */
  for (guint i = 0; i < N_LAPTOPS; i++)
    do_edit (t, i, 0);
  netem_proxy_reset_stats (t->proxy);
  netem_proxy_set_options (t->proxy, &faulty);

  for (step = 0; step < CUT_STEPS_MAX; step++)
    {
      guint i = g_rand_int_range (t->rand, 0, N_LAPTOPS);

      netem_proxy_get_stats (t->proxy, &stats);
      if (stats.cuts >= CUTS_WANTED && t->edits >= CUT_EDITS_MAX / 2)
        break;
      if (g_get_monotonic_time () - start > CUT_SECONDS_MAX * G_USEC_PER_SEC)
        break;
      if (t->edits < CUT_EDITS_MAX && g_rand_double (t->rand) < 0.3)
        do_edit (t, i, 0);
      if (g_rand_double (t->rand) < 0.8)
        {
          syncs++;
          synced += try_sync (t->all[i]);
        }
    }
  netem_proxy_get_stats (t->proxy, &stats);
  g_test_message ("%u steps, %u edits, %u syncs (%u through) in %.1f s: %u connections, %u requests,"
                  " %u cut, %u duplicated, %" G_GUINT64_FORMAT " B up, %" G_GUINT64_FORMAT " B down",
                  step, t->edits, syncs, synced, (g_get_monotonic_time () - start) / 1e6, stats.connections,
                  stats.http_requests, stats.cuts, stats.duplicates, stats.bytes_up, stats.bytes_down);
  g_assert_cmpuint (stats.cuts, >=, CUTS_WANTED);
  g_assert_cmpuint (stats.duplicates, >, 0);
  /* Both kinds of outcome happened: the faults did not stop everything. */
  g_assert_cmpuint (synced, >, 0);
  g_assert_cmpuint (synced, <, syncs);

  netem_proxy_set_options (t->proxy, &(NetemOptions) { 0 });
  sync_until_quiet (t);
  assert_team (t);
  team_free (t);
}

/* ---- b: the office restarts mid-sync ----------------------------------------------- */

typedef struct {
  TestOffice *office;
  guint       delay_ms;
  guint       pause_ms;
} Restart;

static gpointer
restart_main (gpointer data)
{
  Restart *r = data;

  g_usleep ((gulong) r->delay_ms * 1000);
  test_office_stop (r->office);
  g_usleep ((gulong) r->pause_ms * 1000);
  test_office_start (r->office);
  return NULL;
}

static void
test_office_restart (void)
{
  /* Only Anna's first laptop goes through the slow link. */
  Team *t = team_new (31, 1u << A1);
  TestLaptop *a1 = t->all[A1], *a2 = t->all[A2];
  NetemOptions slow = { .latency_ms_up = 20, .latency_ms_down = 20, .rate_up = 16 * 1024, .rate_down = 16 * 1024 };
  guint interrupted = 0;

  ombud_sync_engine_set_backoff (a1->engine, 50, 500);
  /* Small answers: a pull takes several requests. */
  ombud_sync_engine_set_budget (a1->engine, 16 * 1024);
  for (guint i = 0; i < N_LAPTOPS; i++)
    new_case (t, i, A1, 0);
  sync_until_quiet (t);

  for (guint round = 0; round < RESTARTS; round++)
    {
      g_autoptr(GError) error = NULL;
      Restart restart = { t->office, g_rand_int_range (t->rand, 30, 1500), g_rand_int_range (t->rand, 50, 400) };
      GThread *thread;
      NetemStats stats;
      gint64 start;
      gboolean ok;

      /* Plenty to pull: Anna's other laptop and the coordinator wrote... */
      for (guint k = 0; k < 12; k++)
        add_note (t, A2, some_case (t, A2), 1000);
      add_deficiency (t, COORD, NULL);
      new_case (t, COORD, A1, 200);
      test_laptop_sync (a2);
      test_laptop_sync (t->all[COORD]);
      /* ...and plenty to push. */
      for (guint k = 0; k < 12; k++)
        add_note (t, A1, some_case (t, A1), 1000);
      do_edit (t, A1, 100);

      netem_proxy_set_options (t->proxy, &slow);
      netem_proxy_reset_stats (t->proxy);
      start = g_get_monotonic_time ();
      thread = g_thread_new ("office-restart", restart_main, &restart);
      ok = ombud_sync_engine_sync_with_retry (a1->engine, 200, NULL, &error);
      g_thread_join (thread);
      g_assert_no_error (error);
      g_assert_true (ok);
      netem_proxy_get_stats (t->proxy, &stats);
      g_test_message ("restart %u: stopped after %u ms for %u ms; synced in %.2f s over %u connections,"
                      " %" G_GUINT64_FORMAT " B up, %" G_GUINT64_FORMAT " B down",
                      round, restart.delay_ms, restart.pause_ms, (g_get_monotonic_time () - start) / 1e6,
                      stats.connections, stats.bytes_up, stats.bytes_down);
      /* More than one connection: the stop broke the sync in flight. */
      interrupted += stats.connections > 1;
      netem_proxy_set_options (t->proxy, &(NetemOptions) { 0 });
      /* Whatever the stop left half done is done by now. */
      g_assert_cmpint (test_laptop_count (a1, "SELECT count(*) FROM outbox"), ==, 0);
    }
  g_test_message ("%u of %u restarts broke a sync in flight", interrupted, RESTARTS);
  g_assert_cmpuint (interrupted, >=, RESTARTS * 7 / 10);

  sync_until_quiet (t);
  assert_team (t);
  team_free (t);
}

/* ---- c: the office out of reach ---------------------------------------------------- */

static void
test_unreachable (void)
{
  Team *t = team_new (47, 1u << A1);
  TestLaptop *a1 = t->all[A1];
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (t->office);
  g_autofree char *outbox_before = NULL;
  g_autofree char *outbox_after = NULL;
  g_autoptr(GHashTable) pending = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  NetemStats stats;
  gint64 seq_before;
  guint waiting;
  CaseRecord *c;

  sync_until_quiet (t);
  c = new_case (t, A1, A1, 0);
  for (guint k = 0; k < 3; k++)
    add_note (t, A1, c, 0);
  add_deficiency (t, A1, NULL);
  seq_before = ombud_office_backend_get_last_seq (backend, &error);
  g_assert_no_error (error);

  netem_proxy_set_options (t->proxy, &(NetemOptions) { .refuse = TRUE });
  netem_proxy_reset_stats (t->proxy);
  g_assert_false (test_laptop_try_sync (a1, &error));
  g_assert_error (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_OFFLINE);
  g_clear_error (&error);
  g_assert_cmpint (ombud_sync_engine_get_status (a1->engine), ==, OMBUD_SYNC_STATUS_OFFLINE);
  g_assert_nonnull (ombud_sync_engine_get_error_message (a1->engine));
  /* The five edits, all waiting: joined per case (the case and its notes,
   * and the deficiency) when the sync made them ready to leave. */
  waiting = ombud_sync_engine_get_changes_waiting (a1->engine);
  g_assert_cmpuint (waiting, ==, test_laptop_count (a1, "SELECT count(*) FROM outbox WHERE hold IS NULL"));
  g_assert_cmpuint (waiting, >=, 2);
  outbox_before = test_laptop_digest (a1, "SELECT seq, id, hold, body, sealed FROM outbox ORDER BY seq");

  /* Retries with back-off fail the same way, each on a connection. */
  ombud_sync_engine_set_backoff (a1->engine, 20, 100);
  g_assert_false (ombud_sync_engine_sync_with_retry (a1->engine, 3, NULL, &error));
  g_assert_error (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_OFFLINE);
  g_clear_error (&error);
  g_assert_cmpint (ombud_sync_engine_get_status (a1->engine), ==, OMBUD_SYNC_STATUS_OFFLINE);
  g_assert_cmpuint (ombud_sync_engine_get_changes_waiting (a1->engine), ==, waiting);
  netem_proxy_get_stats (t->proxy, &stats);
  g_assert_cmpuint (stats.connections, >=, 4);
  g_assert_cmpuint (stats.bytes_up + stats.bytes_down, ==, 0);

  /* Nothing lost, nothing changed, nothing arrived. */
  outbox_after = test_laptop_digest (a1, "SELECT seq, id, hold, body, sealed FROM outbox ORDER BY seq");
  g_assert_cmpstr (outbox_before, ==, outbox_after);
  g_assert_cmpint (ombud_office_backend_get_last_seq (backend, &error), ==, seq_before);
  g_assert_no_error (error);
  pending = lines_of (a1, "SELECT id FROM outbox");
  g_assert_cmpuint (g_hash_table_size (pending), ==, waiting);

  /* Back in reach: the same changesets, by their ids, reach the office. */
  netem_proxy_set_options (t->proxy, &(NetemOptions) { 0 });
  test_laptop_sync (a1);
  g_assert_cmpint (ombud_sync_engine_get_status (a1->engine), ==, OMBUD_SYNC_STATUS_IDLE);
  g_assert_cmpuint (ombud_sync_engine_get_changes_waiting (a1->engine), ==, 0);
  g_assert_cmpint (ombud_office_backend_get_last_seq (backend, &error), ==, seq_before + waiting);
  g_assert_no_error (error);
  stored = test_office_list_changesets (t->office);
  for (guint k = 0; k < stored->len; k++)
    {
      OmbudOfficeChangeset *cs = stored->pdata[k];
      g_autofree char *id = ombud_uuid_format (cs->changeset_id);

      if (g_hash_table_remove (pending, id))
        g_assert_cmpuint (cs->author_device, ==, test_laptop_device_id (a1));
    }
  g_assert_cmpuint (g_hash_table_size (pending), ==, 0);

  sync_until_quiet (t);
  assert_team (t);
  team_free (t);
}

/* ---- d: what the wire carries ---------------------------------------------------------- */

static gboolean
bytes_contain (GBytes     *haystack,
               const char *needle)
{
  gsize len;
  gconstpointer data = g_bytes_get_data (haystack, &len);

  return len > 0 && memmem (data, len, needle, strlen (needle)) != NULL;
}

static void
test_wire_carries_no_data (void)
{
  Team *t = team_new (59, (1u << N_LAPTOPS) - 1);
  OmbudCaseload *coord = t->all[COORD]->replica->caseload;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) up = NULL;
  g_autoptr(GBytes) down = NULL;
  g_autoptr(GBytes) control_up = NULL;
  g_autoptr(GBytes) control_down = NULL;
  g_autoptr(OmbudHttp) http = NULL;
  g_autoptr(OmbudHttpResponse) response = NULL;
  g_autoptr(GBytes) control = NULL;
  g_autofree char *url = NULL;
  g_autofree char *town = NULL;
  g_autofree char *town_id = NULL;
  g_autofree char *control_marker = NULL;
  NetemStats stats;
  CaseRecord *c;

  netem_proxy_capture (t->proxy, TRUE);
  netem_proxy_reset_stats (t->proxy);

  /* Office tier: a municipality and deficiencies; client tier: names,
   * contacts and notes. */
  town = new_text (t, COORD, "municipality", 0);
  town_id = ombud_caseload_add_municipality (coord, "2399", town, 4242, &error);
  g_assert_no_error (error);
  add_marker (t, g_strdup (town), NULL);
  add_deficiency (t, COORD, town);
  sync_until_quiet (t);
  add_deficiency (t, A1, town);
  c = new_case (t, COORD, A1, 0);
  add_note (t, COORD, c, 0);
  c = new_case (t, A1, A1, 0);
  add_note (t, A1, c, 0);
  {
    char *contact = new_text (t, A1, "contact", 0);

    g_assert_true (ombud_caseload_set_field (t->all[A1]->replica->caseload, "client_case", c->id,
                                             "client_contact", g_variant_new_string (contact), &error));
    g_assert_no_error (error);
    add_marker (t, contact, c);
  }
  c = new_case (t, B1, B1, 0);
  add_note (t, B1, c, 0);
  sync_until_quiet (t);
  add_note (t, A2, t->cases->pdata[t->cases->len - 2], 0);
  sync_until_quiet (t);
  /* They went where they should (and the checks below are not vacuous). */
  assert_team (t);

  /* The proxy records bytes just after forwarding them: let the last
   * answer's be recorded before comparing counts and captures. */
  {
    NetemStats before;
    gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

    do
      {
        netem_proxy_get_stats (t->proxy, &before);
        g_usleep (50000);
        netem_proxy_get_stats (t->proxy, &stats);
      }
    while ((before.bytes_up != stats.bytes_up || before.bytes_down != stats.bytes_down)
           && g_get_monotonic_time () < deadline);
  }
  up = netem_proxy_take_capture (t->proxy, TRUE);
  down = netem_proxy_take_capture (t->proxy, FALSE);
  g_assert_cmpuint (g_bytes_get_size (up), ==, stats.bytes_up);
  g_assert_cmpuint (g_bytes_get_size (down), ==, stats.bytes_down);
  g_assert_cmpuint (stats.http_requests, >, 20);
  g_test_message ("%u requests, %" G_GUINT64_FORMAT " B up, %" G_GUINT64_FORMAT " B down, %u markers",
                  stats.http_requests, stats.bytes_up, stats.bytes_down, t->markers->len);
  for (guint k = 0; k < t->markers->len; k++)
    {
      const Marker *m = t->markers->pdata[k];
      g_autoptr(GPtrArray) files = test_files_containing (t->office->dir, m->text);

      if (bytes_contain (up, m->text) || bytes_contain (down, m->text))
        g_error ("“%s” crossed the wire in clear", m->text);
      g_assert_cmpuint (files->len, ==, 0);
    }

  /* The control: what is sent in clear is seen. */
  control_marker = new_text (t, A1, "control", 0);
  control = g_bytes_new (control_marker, strlen (control_marker));
  http = ombud_http_new (NULL);
  url = g_strconcat (t->proxy_url, "/v1/sync", NULL);
  response = ombud_http_post (http, url, control, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->status, ==, 400);
  control_up = netem_proxy_take_capture (t->proxy, TRUE);
  /* The proxy records what it forwarded just after forwarding it: the
   * answer may reach us a moment before it is in the capture. */
  {
    g_autoptr(GByteArray) seen = g_byte_array_new ();
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    do
      {
        g_autoptr(GBytes) more = netem_proxy_take_capture (t->proxy, FALSE);
        g_byte_array_append (seen, g_bytes_get_data (more, NULL), (guint) g_bytes_get_size (more));
        control_down = g_bytes_new (seen->data, seen->len);
        if (bytes_contain (control_down, "HTTP/1.1 400") || g_get_monotonic_time () > deadline)
          break;
        g_clear_pointer (&control_down, g_bytes_unref);
        g_usleep (10000);
      }
    while (TRUE);
  }
  g_assert_false (bytes_contain (up, control_marker));
  g_assert_true (bytes_contain (control_up, control_marker));
  g_assert_true (bytes_contain (control_down, "HTTP/1.1 400"));

  team_free (t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/faults/unreachable", test_unreachable);
  g_test_add_func ("/sync/faults/wire-carries-no-data", test_wire_carries_no_data);
  g_test_add_func ("/sync/faults/office-restart", test_office_restart);
  g_test_add_func ("/sync/faults/cuts", test_cuts);
  return g_test_run ();
}
