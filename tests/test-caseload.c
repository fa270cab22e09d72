/* test-caseload.c: the write path, changesets, merge and convergence
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sodium.h>
#include <string.h>

#include "ombud-caseload-private.h"
#include "ombud-changeset.h"
#include "ombud-fields.h"
#include "ombud-migrations.h"
#include "ombud-queries.h"
#include "test-util.h"

#define T0 G_GINT64_CONSTANT (1767261600000)  /* 2026-01-01 10:00 UTC */

typedef TestReplica Replica;

static Replica *
replica_new (gint64 skew_ms)
{
  return test_replica_new (T0 + skew_ms);
}

static void
replica_free (Replica *r)
{
  test_replica_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Replica, replica_free)

static sqlite3 *
db_of (Replica *r)
{
  return ombud_caseload_get_db (r->caseload);
}

static gint64
count (Replica    *r,
       const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (db_of (r), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

/* Every synced row and every conflict, as text: equal dumps, equal replicas. */
static char *
dump (Replica *r)
{
  GString *out = g_string_new (NULL);
  guint n;
  const OmbudTable *tables = ombud_tables_get (&n);

  for (guint t = 0; t < n; t++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT * FROM %s ORDER BY id", tables[t].name);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db_of (r), sql, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          g_string_append_printf (out, "%s:", tables[t].name);
          for (int c = 0; c < sqlite3_column_count (stmt); c++)
            g_string_append_printf (out, " %s=%s", sqlite3_column_name (stmt, c),
                                    sqlite3_column_text (stmt, c) ? (const char *) sqlite3_column_text (stmt, c) : "∅");
          g_string_append_c (out, '\n');
        }
      sqlite3_finalize (stmt);
    }
  {
    sqlite3_stmt *stmt = NULL;

    sqlite3_prepare_v2 (db_of (r), "SELECT id, tbl, rec, field, case_id, hlc, device, value FROM conflict ORDER BY id",
                        -1, &stmt, NULL);
    while (sqlite3_step (stmt) == SQLITE_ROW)
      g_string_append_printf (out, "conflict %s %s %s %s %s %lld %lld %s\n", sqlite3_column_text (stmt, 0),
                              sqlite3_column_text (stmt, 1), sqlite3_column_text (stmt, 2),
                              sqlite3_column_text (stmt, 3), sqlite3_column_text (stmt, 4),
                              sqlite3_column_int64 (stmt, 5), sqlite3_column_int64 (stmt, 6),
                              sqlite3_column_text (stmt, 7));
    sqlite3_finalize (stmt);
  }
  return g_string_free (out, FALSE);
}

/* The changesets a replica wrote since the last call. */
static void
assert_same (Replica *a,
             Replica *b)
{
  g_autofree char *da = dump (a);
  g_autofree char *db = dump (b);

  g_assert_cmpstr (da, ==, db);
}

static GPtrArray *
take_outbox (Replica *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = ombud_caseload_get_outbox (r->caseload, &error);
  GPtrArray *fresh = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  g_assert_no_error (error);
  for (guint i = r->taken; i < all->len; i++)
    g_ptr_array_add (fresh, g_bytes_ref (g_ptr_array_index (all, i)));
  r->taken = all->len;
  return fresh;
}

static void
apply_ok (Replica *r,
          GBytes  *changeset)
{
  g_autoptr(GError) error = NULL;

  ombud_caseload_apply_changeset (r->caseload, changeset, &error);
  g_assert_no_error (error);
}

static void
deliver_all (Replica   *to,
             GPtrArray *changesets)
{
  for (guint i = 0; i < changesets->len; i++)
    apply_ok (to, g_ptr_array_index (changesets, i));
}

static char *
add_case (Replica    *r,
          const char *name,
          gboolean    queued)
{
  OmbudCaseInput in = { name, "Östersund", "woman", 1980, FALSE, queued, NULL };
  g_autoptr(GError) error = NULL;
  char *id = ombud_caseload_add_case (r->caseload, &in, &error);

  g_assert_no_error (error);
  return id;
}

static Replica *
replica_with_municipality (gint64 skew)
{
  Replica *r = replica_new (skew);
  g_autoptr(GError) error = NULL;
  g_autofree char *m = ombud_caseload_add_municipality (r->caseload, "2380", "Östersund", 64000, &error);

  g_assert_no_error (error);
  g_free (ombud_caseload_add_municipality (r->caseload, "2309", "Krokom", 15000, &error));
  g_assert_no_error (error);
  return r;
}

/* ---- the schema and the write path ----------------------------------------------- */

static void
test_fields_match_schema (void)
{
  g_autoptr(Replica) r = replica_new (0);
  guint n;
  const OmbudTable *tables = ombud_tables_get (&n);

  for (guint t = 0; t < n; t++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT name FROM pragma_table_info('%s')", tables[t].name);
      sqlite3_stmt *stmt = NULL;
      guint columns = 0, fields = 0;

      g_assert_cmpint (sqlite3_prepare_v2 (db_of (r), sql, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *column = (const char *) sqlite3_column_text (stmt, 0);
          columns++;
          if (strcmp (column, "id") != 0 && ombud_table_lookup_field (&tables[t], column) == NULL)
            g_error ("column %s.%s has no tier in ombud-fields.c", tables[t].name, column);
        }
      sqlite3_finalize (stmt);
      for (const OmbudField *f = tables[t].fields; f->name; f++)
        fields++;
      /* id and deleted besides the listed fields */
      g_assert_cmpuint (columns, ==, fields + 2);
    }
  /* no field anywhere called a diagnosis or a personal identity number */
  for (guint t = 0; t < n; t++)
    for (const OmbudField *f = tables[t].fields; f->name; f++)
      g_assert_true (strstr (f->name, "diagnos") == NULL && strstr (f->name, "personnummer") == NULL
                     && strstr (f->name, "identity") == NULL);
}

static void
test_one_changeset_per_transaction (void)
{
  g_autoptr(Replica) r = replica_with_municipality (0);
  g_autoptr(GPtrArray) before = take_outbox (r);
  g_autofree char *id = add_case (r, "Åsa Öberg", FALSE);
  g_autoptr(GPtrArray) after = take_outbox (r);
  g_autoptr(OmbudChangeset) cs = NULL;
  g_autoptr(GError) error = NULL;
  guint events = 0;

  g_assert_cmpuint (after->len, ==, 1);
  cs = ombud_changeset_decode (g_ptr_array_index (after, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs->case_id, ==, id);
  g_assert_cmpuint (cs->device, ==, ombud_caseload_get_device_id (r->caseload));
  g_assert_cmpuint (cs->schema, ==, ombud_migrations_latest ());
  for (guint i = 0; i < cs->changes->len; i++)
    {
      OmbudChange *c = g_ptr_array_index (cs->changes, i);
      g_assert_cmpuint (c->hlc, >, 0);
      if (strcmp (c->table, "case_event") == 0 && strcmp (c->field, "kind") == 0)
        events++;
    }
  g_assert_cmpuint (events, ==, 2);  /* requested and started */
}

static void
assert_invalid_writes_nothing (Replica *r,
                               char    *result,
                               GError  *error,
                               int      code,
                               gint64   outbox_before)
{
  g_assert_null (result);
  g_assert_error (error, OMBUD_CASELOAD_ERROR, code);
  g_assert_cmpint (count (r, "SELECT count(*) FROM outbox"), ==, outbox_before);
  g_error_free (error);
}

static void
test_bad_input_writes_nothing (void)
{
  g_autoptr(Replica) r = replica_with_municipality (0);
  g_autofree char *id = add_case (r, "Klient", FALSE);
  gint64 outbox = count (r, "SELECT count(*) FROM outbox");
  gint64 versions = count (r, "SELECT count(*) FROM version");
  OmbudCaseInput bad_gender = { "X", "Östersund", "kvinna", 1980, FALSE, FALSE, NULL };
  OmbudCaseInput bad_place = { "X", "Gotham", "woman", 1980, FALSE, FALSE, NULL };
  OmbudCaseInput bad_year = { "X", "Östersund", "woman", 3000, FALSE, FALSE, NULL };
  OmbudCaseInput bad_date = { "X", "Östersund", "woman", 1980, FALSE, FALSE, "2026-02-30" };
  OmbudCaseInput no_name = { "  ", "Östersund", "woman", 1980, FALSE, FALSE, NULL };
  OmbudContactInput bad_form = { NULL, 30, "teleport", NULL, 0, 0 };
  const char *bad_actor_list[] = { "forsakringskassan", "nasa", NULL };
  OmbudContactInput bad_actors = { NULL, 30, "phone", bad_actor_list, 0, 0 };
  OmbudContactInput bad_minutes = { NULL, 0, "phone", NULL, 0, 0 };
  GError *e = NULL;
  char *res;

#define BAD(call, code) e = NULL; res = (call); assert_invalid_writes_nothing (r, res, e, code, outbox)
  BAD (ombud_caseload_add_case (r->caseload, &bad_gender, &e), OMBUD_CASELOAD_ERROR_INVALID);
  BAD (ombud_caseload_add_case (r->caseload, &bad_place, &e), OMBUD_CASELOAD_ERROR_INVALID);
  BAD (ombud_caseload_add_case (r->caseload, &bad_year, &e), OMBUD_CASELOAD_ERROR_INVALID);
  BAD (ombud_caseload_add_case (r->caseload, &bad_date, &e), OMBUD_CASELOAD_ERROR_INVALID);
  BAD (ombud_caseload_add_case (r->caseload, &no_name, &e), OMBUD_CASELOAD_ERROR_INVALID);
  BAD (ombud_caseload_add_contact (r->caseload, id, &bad_form, &e), OMBUD_CASELOAD_ERROR_INVALID);
  BAD (ombud_caseload_add_contact (r->caseload, id, &bad_actors, &e), OMBUD_CASELOAD_ERROR_INVALID);
  BAD (ombud_caseload_add_contact (r->caseload, id, &bad_minutes, &e), OMBUD_CASELOAD_ERROR_INVALID);
  BAD (ombud_caseload_add_note (r->caseload, "no-such-case", "text", TRUE, &e), OMBUD_CASELOAD_ERROR_NOT_FOUND);
  BAD (ombud_caseload_add_goal (r->caseload, id, "astrology", "mål", &e), OMBUD_CASELOAD_ERROR_INVALID);
  BAD (ombud_caseload_add_deadline (r->caseload, id, "tomorrow", "överklaga", &e), OMBUD_CASELOAD_ERROR_INVALID);
  BAD (ombud_caseload_add_deficiency (r->caseload, "national", "bank", "text", NULL, &e), OMBUD_CASELOAD_ERROR_INVALID);
  BAD (ombud_caseload_add_municipality (r->caseload, "23", "Kort", 1, &e), OMBUD_CASELOAD_ERROR_INVALID);
#undef BAD

  g_assert_false (ombud_caseload_close_case (r->caseload, id, "bored", NULL, &e));
  g_assert_error (e, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_INVALID);
  g_clear_error (&e);
  g_assert_false (ombud_caseload_start_case (r->caseload, id, NULL, &e));  /* already active */
  g_assert_error (e, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_STATE);
  g_clear_error (&e);
  g_assert_false (ombud_caseload_refer_case (r->caseload, id, "bank", NULL, &e));  /* not queued */
  g_assert_error (e, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_STATE);
  g_clear_error (&e);
  g_assert_false (ombud_caseload_set_field (r->caseload, "client_case", id, "diagnosis", g_variant_new_string ("x"), &e));
  g_assert_error (e, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_INVALID);
  g_clear_error (&e);
  g_assert_false (ombud_caseload_set_field (r->caseload, "client_case", id, "birth_year", g_variant_new_string ("x"), &e));
  g_assert_error (e, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_INVALID);
  g_clear_error (&e);

  g_assert_cmpint (count (r, "SELECT count(*) FROM outbox"), ==, outbox);
  g_assert_cmpint (count (r, "SELECT count(*) FROM version"), ==, versions);
}

static void
test_drafts_stay_until_approved (void)
{
  g_autoptr(Replica) r = replica_with_municipality (0);
  g_autoptr(Replica) office = replica_with_municipality (5);
  g_autofree char *id = add_case (r, "Klient", FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *draft = NULL, *dropped = NULL;
  g_autoptr(GPtrArray) first = NULL, second = NULL, third = NULL;
  gint64 held;

  g_ptr_array_unref (take_outbox (r));
  draft = ombud_caseload_add_note (r->caseload, id, "MARK-DRAFT utkast om skulder", FALSE, &error);
  dropped = ombud_caseload_add_note (r->caseload, id, "MARK-DROPPED ångrat utkast", FALSE, &error);
  g_assert_no_error (error);
  first = take_outbox (r);
  g_assert_cmpuint (first->len, ==, 0);
  held = count (r, "SELECT count(*) FROM outbox WHERE hold IS NOT NULL");
  g_assert_cmpint (held, ==, 2);

  /* A draft deleted before approval never leaves the laptop. */
  g_assert_true (ombud_caseload_delete (r->caseload, "note", dropped, &error));
  g_assert_no_error (error);
  second = take_outbox (r);
  g_assert_cmpuint (second->len, ==, 0);
  g_assert_cmpint (count (r, "SELECT count(*) FROM outbox WHERE hold IS NOT NULL"), ==, 1);

  g_assert_true (ombud_caseload_approve_note (r->caseload, draft, &error));
  g_assert_no_error (error);
  third = take_outbox (r);
  g_assert_cmpuint (third->len, ==, 2);  /* the held draft, then the approval */
  deliver_all (office, third);
  g_assert_cmpint (count (office, "SELECT count(*) FROM note WHERE body LIKE 'MARK-DRAFT%' AND approved = 1"), ==, 1);
  g_assert_cmpint (count (office, "SELECT count(*) FROM note WHERE body LIKE 'MARK-DROPPED%'"), ==, 0);
}

/* ---- changesets from elsewhere ---------------------------------------------------- */

static void
test_apply_is_idempotent (void)
{
  g_autoptr(Replica) a = replica_with_municipality (0);
  g_autoptr(Replica) b = replica_new (0);
  g_autofree char *id = add_case (a, "Klient", FALSE);
  g_autoptr(GPtrArray) sets = take_outbox (a);
  g_autofree char *once = NULL, *twice = NULL;

  deliver_all (b, sets);
  once = dump (b);
  deliver_all (b, sets);
  twice = dump (b);
  g_autofree char *original = dump (a);

  g_assert_cmpstr (once, ==, twice);
  g_assert_cmpstr (once, ==, original);
  (void) id;
}

static void
test_malformed_changesets (void)
{
  g_autoptr(Replica) a = replica_with_municipality (0);
  g_autoptr(Replica) b = replica_new (0);
  g_autofree char *id = add_case (a, "Klient", FALSE);
  g_autoptr(GPtrArray) sets = take_outbox (a);
  GBytes *good = g_ptr_array_index (sets, sets->len - 1);
  g_autofree char *before = dump (b);
  gsize len = g_bytes_get_size (good);
  g_autoptr(OmbudChangeset) unknown = ombud_changeset_new (ombud_migrations_latest (), 77, id);
  g_autoptr(GBytes) unknown_bytes = NULL;
  guint8 junk[300];

  for (gsize cut = 0; cut < len; cut += 1 + len / 40)
    {
      g_autoptr(GBytes) truncated = g_bytes_new_from_bytes (good, 0, cut);
      g_autoptr(GError) error = NULL;
      /* cut short: never applied, at worst refused */
      if (!ombud_caseload_apply_changeset (b->caseload, truncated, &error))
        g_assert_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_MALFORMED);
    }
  for (int i = 0; i < 50; i++)
    {
      g_autoptr(GBytes) noise = NULL;
      g_autoptr(GError) error = NULL;
      randombytes_buf (junk, sizeof junk);
      noise = g_bytes_new (junk, 1 + randombytes_uniform (sizeof junk));
      if (!ombud_caseload_apply_changeset (b->caseload, noise, &error))
        g_assert_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_MALFORMED);
    }
  {
    g_autoptr(GError) error = NULL;
    ombud_changeset_add (unknown, "client_case", id, "diagnosis", g_variant_new_string ("x"), OMBUD_HLC_MAKE (T0, 1), NULL, 0);
    unknown_bytes = ombud_changeset_encode (unknown);
    g_assert_false (ombud_caseload_apply_changeset (b->caseload, unknown_bytes, &error));
    g_assert_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_MALFORMED);
  }
  {
    g_autofree char *after = dump (b);
    g_assert_cmpstr (before, ==, after);
  }
  g_assert_cmpint (count (b, "SELECT count(*) FROM client_case"), ==, 0);
}

static void
test_newer_schema_quarantined (void)
{
  g_autoptr(Replica) b = replica_new (0);
  g_autoptr(OmbudChangeset) future = ombud_changeset_new (ombud_migrations_latest () + 1, 77, "case-x");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = dump (b);

  ombud_changeset_add (future, "client_case", "case-x", "mood", g_variant_new_string ("glad"), OMBUD_HLC_MAKE (T0, 1), NULL, 0);
  bytes = ombud_changeset_encode (future);
  g_assert_true (ombud_caseload_apply_changeset (b->caseload, bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count (b, "SELECT count(*) FROM quarantine"), ==, 1);
  {
    g_autofree char *after = dump (b);
    g_assert_cmpstr (before, ==, after);
  }
  /* still kept after a restart, and not applied by this version */
  g_assert_true (ombud_caseload_retry_quarantine (b->caseload, NULL, &error));
  g_assert_cmpint (count (b, "SELECT count(*) FROM quarantine"), ==, 1);
}

/* ---- merge ------------------------------------------------------------------------- */

static char *
field_text (Replica    *r,
            const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *out = NULL;

  sqlite3_prepare_v2 (db_of (r), sql, -1, &stmt, NULL);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return out;
}

static void
set_name (Replica    *r,
          const char *id,
          const char *name)
{
  g_autoptr(GError) error = NULL;

  ombud_caseload_set_field (r->caseload, "client_case", id, "client_name", g_variant_new_string (name), &error);
  g_assert_no_error (error);
}

static void
exchange (Replica *a,
          Replica *b)
{
  g_autoptr(GPtrArray) from_a = take_outbox (a);
  g_autoptr(GPtrArray) from_b = take_outbox (b);

  deliver_all (b, from_a);
  deliver_all (a, from_b);
}

static void
test_concurrent_edit_conflict_and_resolve (void)
{
  g_autoptr(Replica) a = replica_with_municipality (0);
  g_autoptr(Replica) b = replica_new (100);
  g_autofree char *id = add_case (a, "Anna", FALSE);
  g_autofree char *name_a = NULL, *name_b = NULL, *conflict = NULL;
  g_autoptr(GError) error = NULL;

  exchange (a, b);
  set_name (a, id, "Anna A");
  set_name (b, id, "Anna B");
  exchange (a, b);

  name_a = field_text (a, "SELECT client_name FROM client_case");
  name_b = field_text (b, "SELECT client_name FROM client_case");
  g_assert_cmpstr (name_a, ==, name_b);
  g_assert_cmpstr (name_a, ==, "Anna B");  /* b's clock runs 100 ms ahead: b wrote last */
  g_assert_cmpint (count (a, "SELECT count(*) FROM conflict"), ==, 1);
  assert_same (a, b);

  conflict = field_text (a, "SELECT id FROM conflict");
  g_assert_true (ombud_caseload_resolve_conflict (a->caseload, conflict, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count (a, "SELECT count(*) FROM conflict"), ==, 0);
  exchange (a, b);
  g_assert_cmpint (count (b, "SELECT count(*) FROM conflict"), ==, 0);
  g_free (name_b);
  name_b = field_text (b, "SELECT client_name FROM client_case");
  g_assert_cmpstr (name_b, ==, "Anna A");
  assert_same (a, b);
}

/* Edits one after the other are no conflict, even when a third replica gets
 * the second before the first. */
static void
test_sequential_edits_out_of_order (void)
{
  g_autoptr(Replica) a = replica_with_municipality (0);
  g_autoptr(Replica) b = replica_new (0);
  g_autofree char *id = add_case (a, "Anna", FALSE);
  g_autoptr(GPtrArray) first = NULL, second = NULL;

  exchange (a, b);
  set_name (a, id, "Anna 1");
  first = take_outbox (a);
  set_name (a, id, "Anna 2");
  second = take_outbox (a);
  deliver_all (b, second);
  deliver_all (b, first);
  g_assert_cmpint (count (b, "SELECT count(*) FROM conflict"), ==, 0);
  assert_same (a, b);
}

static void
test_search (void)
{
  g_autoptr(Replica) r = replica_with_municipality (0);
  g_autofree char *id = add_case (r, "Birgitta Lindqvist", FALSE);
  g_autofree char *other = add_case (r, "Karl Nilsson", FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *note = ombud_caseload_add_note (r->caseload, id, "Överklagande till Försäkringskassan skickat", TRUE, &error);
  g_autoptr(GVariant) hits = NULL;

  hits = ombud_queries_search (r->caseload, "försäkrings", 20, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (hits), ==, 1);
  g_clear_pointer (&hits, g_variant_unref);
  hits = ombud_queries_search (r->caseload, "Lindqvist", 20, &error);
  g_assert_cmpuint (g_variant_n_children (hits), ==, 1);
  g_clear_pointer (&hits, g_variant_unref);

  g_assert_true (ombud_caseload_delete (r->caseload, "note", note, &error));
  hits = ombud_queries_search (r->caseload, "försäkrings", 20, &error);
  g_assert_cmpuint (g_variant_n_children (hits), ==, 0);
  g_clear_pointer (&hits, g_variant_unref);
  /* odd input is searched as words, not parsed as FTS syntax */
  hits = ombud_queries_search (r->caseload, "\"Karl AND NOT (", 20, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (hits), ==, 0);
  (void) other;
}

/* ---- convergence --------------------------------------------------------------------- */

#define N_REPLICAS 4

static char *
random_record (Replica    *r,
               const char *table)
{
  /* by rowid, the order records arrived in: the same for the same seed */
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM %s WHERE deleted = 0 ORDER BY rowid LIMIT 1 OFFSET abs(%d) %% "
                                          "max(1, (SELECT count(*) FROM %s WHERE deleted = 0))",
                                          table, g_test_rand_int (), table);
  return field_text (r, sql);
}

static void
random_edit (Replica *r,
             guint    step)
{
  g_autofree char *case_id = random_record (r, "client_case");
  g_autofree char *note = random_record (r, "note");
  g_autofree char *text = g_strdup_printf ("värde %u från %p", step, (void *) r);
  g_autoptr(GError) error = NULL;

  switch (g_test_rand_int_range (0, 8))
    {
    case 0:
    case 1:
      ombud_caseload_set_field (r->caseload, "client_case", case_id, "client_name", g_variant_new_string (text), &error);
      break;
    case 2:
      ombud_caseload_set_field (r->caseload, "client_case", case_id, "birth_year",
                                g_variant_new_int64 (g_test_rand_int_range (1940, 2005)), &error);
      break;
    case 3:
      g_free (ombud_caseload_add_note (r->caseload, case_id, text, TRUE, &error));
      break;
    case 4:
      if (note)
        ombud_caseload_set_field (r->caseload, "note", note, "body", g_variant_new_string (text), &error);
      break;
    case 5:
      if (note)
        ombud_caseload_delete (r->caseload, "note", note, &error);
      break;
    case 6:
      {
        g_autofree char *conflict = field_text (r, "SELECT id FROM conflict ORDER BY rowid LIMIT 1");
        if (conflict)
          ombud_caseload_resolve_conflict (r->caseload, conflict, g_test_rand_bit (), &error);
      }
      break;
    default:
      {
        OmbudContactInput in = { NULL, g_test_rand_int_range (10, 120), "home_visit", NULL, 12, 20 };
        g_free (ombud_caseload_add_contact (r->caseload, case_id, &in, &error));
      }
    }
  /* a record deleted meanwhile by a merge is fine to miss; a failure is not */
  if (error && !g_error_matches (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_NOT_FOUND))
    g_error ("edit failed: %s", error->message);
}

/* Each replica gets the others' changesets in a random order, some twice. */
static void
scatter (Replica   **replicas,
         GPtrArray **written,
         gboolean     everything)
{
  for (guint to = 0; to < N_REPLICAS; to++)
    {
      g_autoptr(GPtrArray) queue = g_ptr_array_new ();

      for (guint from = 0; from < N_REPLICAS; from++)
        for (guint i = 0; i < written[from]->len; i++)
          if (from != to && (everything || g_test_rand_bit ()))
            {
              g_ptr_array_add (queue, g_ptr_array_index (written[from], i));
              if (g_test_rand_int_range (0, 5) == 0)
                g_ptr_array_add (queue, g_ptr_array_index (written[from], i));
            }
      for (guint i = queue->len; i > 1; i--)
        {
          guint j = g_test_rand_int_range (0, i);
          gpointer tmp = queue->pdata[i - 1];
          queue->pdata[i - 1] = queue->pdata[j];
          queue->pdata[j] = tmp;
        }
      deliver_all (replicas[to], queue);
    }
}

/* Every version a replica wrote left it in some changeset: nothing held or
 * dropped that should have gone out. */
static void
assert_everything_sent (Replica   *r,
                        GPtrArray *written)
{
  g_autoptr(GHashTable) sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt = NULL;

  for (guint k = 0; k < written->len; k++)
    {
      g_autoptr(OmbudChangeset) cs = ombud_changeset_decode (g_ptr_array_index (written, k), NULL);

      for (guint c = 0; c < cs->changes->len; c++)
        {
          OmbudChange *ch = g_ptr_array_index (cs->changes, c);
          g_hash_table_add (sent, g_strdup_printf ("%s %s %s %" G_GUINT64_FORMAT,
                                                   ch->table, ch->record, ch->field, ch->hlc));
        }
    }
  sqlite3_prepare_v2 (db_of (r), "SELECT tbl, rec, field, hlc FROM version WHERE device = ?1", -1, &stmt, NULL);
  sqlite3_bind_int64 (stmt, 1, ombud_caseload_get_device_id (r->caseload));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autofree char *key = g_strdup_printf ("%s %s %s %" G_GUINT64_FORMAT, sqlite3_column_text (stmt, 0),
                                              sqlite3_column_text (stmt, 1), sqlite3_column_text (stmt, 2),
                                              (guint64) sqlite3_column_int64 (stmt, 3));
      if (!g_hash_table_contains (sent, key))
        g_error ("a version this replica wrote never left it: %s", key);
    }
  sqlite3_finalize (stmt);
  g_assert_cmpint (count (r, "SELECT count(*) FROM outbox WHERE hold IS NOT NULL"), ==, 0);
}

static void
test_convergence (void)
{
  Replica *replicas[N_REPLICAS];
  GPtrArray *written[N_REPLICAS];
  g_autofree char *reference = NULL;
  gint64 conflicts_seen = 0;

  g_test_message ("replay with --seed given at the top of this test's output");
  for (guint i = 0; i < N_REPLICAS; i++)
    {
      replicas[i] = i == 0 ? replica_with_municipality (0) : replica_new (g_test_rand_int_range (-400, 400));
      written[i] = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    }
  for (guint c = 0; c < 6; c++)
    g_free (add_case (replicas[0], "Gemensam klient", FALSE));
  g_ptr_array_extend_and_steal (written[0], take_outbox (replicas[0]));
  scatter (replicas, written, TRUE);

  for (guint round = 0; round < 6; round++)
    {
      for (guint i = 0; i < N_REPLICAS; i++)
        {
          for (guint step = 0; step < 8; step++)
            random_edit (replicas[i], round * 100 + step);
          g_ptr_array_extend_and_steal (written[i], take_outbox (replicas[i]));
        }
      scatter (replicas, written, round == 5);
      conflicts_seen = MAX (conflicts_seen, count (replicas[0], "SELECT count(*) FROM conflict"));
    }

  for (guint i = 0; i < N_REPLICAS; i++)
    assert_everything_sent (replicas[i], written[i]);
  reference = dump (replicas[0]);
  for (guint i = 1; i < N_REPLICAS; i++)
    {
      g_autofree char *other = dump (replicas[i]);
      if (g_strcmp0 (reference, other) != 0)
        g_error ("replica %u differs from replica 0:\n--- 0\n%s\n--- %u\n%s", i, reference, i, other);
    }
  /* The run must have exercised concurrency, or it proves little. */
  g_assert_cmpint (conflicts_seen, >, 0);
  for (guint i = 0; i < N_REPLICAS; i++)
    {
      replica_free (replicas[i]);
      g_ptr_array_unref (written[i]);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_setenv ("TZ", "Europe/Stockholm", TRUE);

  g_test_add_func ("/caseload/fields-match-schema", test_fields_match_schema);
  g_test_add_func ("/caseload/one-changeset-per-transaction", test_one_changeset_per_transaction);
  g_test_add_func ("/caseload/bad-input-writes-nothing", test_bad_input_writes_nothing);
  g_test_add_func ("/caseload/drafts-stay-until-approved", test_drafts_stay_until_approved);
  g_test_add_func ("/caseload/apply-is-idempotent", test_apply_is_idempotent);
  g_test_add_func ("/caseload/malformed-changesets", test_malformed_changesets);
  g_test_add_func ("/caseload/newer-schema-quarantined", test_newer_schema_quarantined);
  g_test_add_func ("/merge/concurrent-edit-conflict-and-resolve", test_concurrent_edit_conflict_and_resolve);
  g_test_add_func ("/merge/sequential-edits-out-of-order", test_sequential_edits_out_of_order);
  g_test_add_func ("/caseload/search", test_search);
  g_test_add_func ("/merge/convergence", test_convergence);

  return g_test_run ();
}
