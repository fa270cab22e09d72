/* test-closure.c: the client's export, and the client tier destroyed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The destruction tests write unique markers into the client tier and then
 * look for them byte by byte: in every file this program wrote, and in a
 * decrypted copy of every page of the database, free pages included.  Two
 * controls show that the scan finds what is left behind: freed pages when
 * secure_delete is off and the scrub cannot run, and stale cell copies in
 * rebuilt pages, which only the scrub's VACUUM removes.
 */
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

#include "ombud-caseload-private.h"
#include "ombud-changeset.h"
#include "ombud-closure.h"
#include "ombud-fields.h"
#include "ombud-queries.h"
#include "ombud-stats.h"
#include "ombud-vfs.h"
#include "test-util.h"

#define T0     G_GINT64_CONSTANT (1767261600000)  /* 2026-01-01 10:00 UTC */
#define DAY_MS G_GINT64_CONSTANT (86400000)

static char *scan_dir;   /* TMPDIR: every file this program writes goes under it */
static char *plain_dir;  /* decrypted copies, outside scan_dir */

/* ---- replicas (as in tests/test-caseload.c) ---------------------------------------- */

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
       const char *sql,
       const char *arg)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (db_of (r), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (arg)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static char *
text_of (Replica    *r,
         const char *sql,
         const char *arg)
{
  sqlite3_stmt *stmt = NULL;
  char *out = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db_of (r), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (arg)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return out;
}

static Replica *
replica_with_municipality (gint64 skew)
{
  Replica *r = replica_new (skew);
  g_autoptr(GError) error = NULL;

  g_free (ombud_caseload_add_municipality (r->caseload, "2380", "Östersund", 64000, &error));
  g_assert_no_error (error);
  return r;
}

static char *
add_case (Replica    *r,
          const char *name)
{
  OmbudCaseInput in = { name, "Östersund", "woman", 1980, TRUE, FALSE, NULL };
  g_autoptr(GError) error = NULL;
  char *id = ombud_caseload_add_case (r->caseload, &in, &error);

  g_assert_no_error (error);
  return id;
}

static void
set_text (Replica    *r,
          const char *table,
          const char *record,
          const char *field,
          const char *text)
{
  g_autoptr(GError) error = NULL;

  ombud_caseload_set_field (r->caseload, table, record, field, g_variant_new_string (text), &error);
  g_assert_no_error (error);
}

static char *
add_note (Replica    *r,
          const char *case_id,
          const char *text,
          gboolean    approved)
{
  g_autoptr(GError) error = NULL;
  char *id = ombud_caseload_add_note (r->caseload, case_id, text, approved, &error);

  g_assert_no_error (error);
  return id;
}

static void
close_case (Replica    *r,
            const char *case_id)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_caseload_close_case (r->caseload, case_id, "goals_met", NULL, &error));
  g_assert_no_error (error);
}

static void
destroy_ok (Replica    *r,
            const char *case_id)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_closure_destroy_client_tier (r->caseload, case_id, &error));
  g_assert_no_error (error);
}

/* The changesets in the outbox by id: those free to leave, or all of them
 * with the drafts' held ones too. */
static GHashTable *
outbox_by_id (Replica  *r,
              gboolean  held_too)
{
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  sqlite3_stmt *stmt = NULL;

  sqlite3_prepare_v2 (db_of (r), held_too ? "SELECT id, body FROM outbox ORDER BY seq"
                                          : "SELECT id, body FROM outbox WHERE hold IS NULL ORDER BY seq",
                      -1, &stmt, NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_insert (out, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1)));
  sqlite3_finalize (stmt);
  return out;
}

/* Everything in FROM's outbox that is free to leave; applying twice is a no-op. */
static void
deliver (Replica *from,
         Replica *to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sets = ombud_caseload_get_outbox (from->caseload, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < sets->len; i++)
    {
      ombud_caseload_apply_changeset (to->caseload, g_ptr_array_index (sets, i), &error);
      g_assert_no_error (error);
    }
}

/* ---- markers and scans ------------------------------------------------------------ */

/* "Zq" and 14 random lowercase letters.  A scan looks for the last 12: they
 * are in the text as written and, lowercased, in FTS5's index terms, where a
 * term is stored after the prefix it shares with the term before it. */
static char *
marker_new (GPtrArray *markers)
{
  char text[17] = "Zq";

  for (int i = 2; i < 16; i++)
    text[i] = (char) ('a' + g_test_rand_int_range (0, 26));
  text[16] = '\0';
  g_ptr_array_add (markers, g_strdup (text));
  return g_strdup (text);
}

static const char *
needle (const char *marker)
{
  return marker + strlen (marker) - 12;
}

/* A copy of every page of the live database, decrypted, free pages too:
 * the backup API copies page by page. */
static GBytes *
decrypted_pages (Replica *r)
{
  static guint serial;
  g_autofree char *name = g_strdup_printf ("plain-%u.db", serial++);
  g_autofree char *path = g_build_filename (plain_dir, name, NULL);
  gint64 pages = count (r, "PRAGMA page_count", NULL);
  sqlite3 *plain = NULL;
  sqlite3_backup *backup;
  GBytes *bytes;

  g_assert_cmpint (sqlite3_open (path, &plain), ==, SQLITE_OK);
  backup = sqlite3_backup_init (plain, "main", ombud_store_get_db (r->store), "main");
  g_assert_nonnull (backup);
  g_assert_cmpint (sqlite3_backup_step (backup, -1), ==, SQLITE_DONE);
  g_assert_cmpint (sqlite3_backup_finish (backup), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (plain), ==, SQLITE_OK);
  bytes = test_read_file (path);
  g_unlink (path);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, (gsize) pages * 4096);
  return bytes;
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *text)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  return memmem (data, len, text, strlen (text)) != NULL;
}

/* The markers found, in the decrypted pages and in every file under scan_dir. */
static GPtrArray *
markers_left (Replica   *r,
              GPtrArray *markers)
{
  g_autoptr(GBytes) pages = decrypted_pages (r);
  GPtrArray *left = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < markers->len; i++)
    {
      const char *m = g_ptr_array_index (markers, i);
      g_autoptr(GPtrArray) files = test_files_containing (scan_dir, needle (m));

      if (bytes_contain (pages, needle (m)))
        g_ptr_array_add (left, g_strdup_printf ("%s in the decrypted pages", m));
      for (guint f = 0; f < files->len; f++)
        g_ptr_array_add (left, g_strdup_printf ("%s in %s", m, (char *) g_ptr_array_index (files, f)));
    }
  return left;
}

static void
assert_none_left (Replica   *r,
                  GPtrArray *markers)
{
  g_autoptr(GPtrArray) left = markers_left (r, markers);

  for (guint i = 0; i < left->len; i++)
    g_test_message ("left behind: %s", (char *) g_ptr_array_index (left, i));
  g_assert_cmpuint (left->len, ==, 0);
}

/* The decrypted pages are readable: another case's markers are all there. */
static void
assert_all_present (Replica   *r,
                    GPtrArray *markers)
{
  g_autoptr(GBytes) pages = decrypted_pages (r);

  for (guint i = 0; i < markers->len; i++)
    if (!bytes_contain (pages, needle (g_ptr_array_index (markers, i))))
      g_error ("marker %s of a case not destroyed is gone", (char *) g_ptr_array_index (markers, i));
}

/* ---- a case with a client tier worth destroying ------------------------------------------ */

typedef struct {
  Replica   *r;
  char      *case_id;        /* closed */
  char      *other_id;       /* active, never destroyed */
  GPtrArray *markers;        /* in case_id's client tier, now or in an older version */
  GPtrArray *other_markers;  /* in other_id's client tier */
  GPtrArray *exported;       /* markers in what the case shows now */
  char      *name_only;      /* a changeset that only renamed the client */
  char      *draft;          /* a note the client never approved */
} Scenario;

static void
scenario_free (Scenario *s)
{
  g_clear_pointer (&s->r, replica_free);
  g_free (s->case_id);
  g_free (s->other_id);
  g_ptr_array_unref (s->markers);
  g_ptr_array_unref (s->other_markers);
  g_ptr_array_unref (s->exported);
  g_free (s->name_only);
  g_free (s->draft);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Scenario, scenario_free)

/* Text with a marker, as a person might write it. */
static char *
marked (Scenario   *s,
        GPtrArray  *markers,
        const char *before,
        gboolean    shown)
{
  g_autofree char *m = marker_new (markers);

  if (shown)
    g_ptr_array_add (s->exported, g_strdup (m));
  return g_strdup_printf ("%s %s och mer", before, m);
}

/* Over a page, the marker at both ends and in the middle, so that it is in
 * the record's overflow pages too. */
static char *
long_note (Scenario *s)
{
  g_autofree char *m = marker_new (s->markers);
  g_autoptr(GString) text = g_string_new (m);

  g_ptr_array_add (s->exported, g_strdup (m));
  for (guint i = 0; i < 1500; i++)
    {
      g_string_append_printf (text, " ord%u", i);
      if (i == 750)
        g_string_append_printf (text, " %s", m);
    }
  g_string_append_printf (text, " %s", m);
  g_assert_cmpuint (text->len, >, 2 * 4096);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
fill_case (Scenario *s)
{
  Replica *r = s->r;
  const char *actors[] = { "forsakringskassan", "bank", NULL };
  OmbudContactInput contact = { "2026-01-01", 45, "home_visit", actors, 12, 20 };
  g_autoptr(GError) error = NULL;
  g_autofree char *name1 = marked (s, s->markers, "Klient", FALSE);
  g_autofree char *name2 = marked (s, s->markers, "Klient", FALSE);
  g_autofree char *name3 = marked (s, s->markers, "Klient", TRUE);
  g_autofree char *phone = marked (s, s->markers, "Telefon 070", TRUE);
  g_autofree char *note1 = marked (s, s->markers, "Möte om skulderna", FALSE);
  g_autofree char *note2 = marked (s, s->markers, "Möte om skulderna, rättat", TRUE);
  g_autofree char *draft = marked (s, s->markers, "Utkast om bostaden", TRUE);
  g_autofree char *gone = marked (s, s->markers, "Raderad anteckning", FALSE);
  g_autofree char *big = long_note (s);
  g_autofree char *goal1 = marked (s, s->markers, "Betala av skulden", FALSE);
  g_autofree char *goal2 = marked (s, s->markers, "Betala av skulden till banken", TRUE);
  g_autofree char *due = marked (s, s->markers, "Överklaga beslutet", TRUE);
  g_autofree char *note_id = NULL, *gone_id = NULL, *goal_id = NULL;

  s->case_id = add_case (r, name1);
  set_text (r, "client_case", s->case_id, "client_name", name2);
  set_text (r, "client_case", s->case_id, "client_name", name3);
  s->name_only = text_of (r, "SELECT id FROM outbox ORDER BY seq DESC LIMIT 1", NULL);
  set_text (r, "client_case", s->case_id, "client_contact", phone);
  note_id = add_note (r, s->case_id, note1, TRUE);
  set_text (r, "note", note_id, "body", note2);
  s->draft = add_note (r, s->case_id, draft, FALSE);
  gone_id = add_note (r, s->case_id, gone, TRUE);
  g_assert_true (ombud_caseload_delete (r->caseload, "note", gone_id, &error));
  g_free (add_note (r, s->case_id, big, TRUE));
  goal_id = ombud_caseload_add_goal (r->caseload, s->case_id, "economy", goal1, &error);
  g_assert_no_error (error);
  set_text (r, "goal", goal_id, "body", goal2);
  g_free (ombud_caseload_add_deadline (r->caseload, s->case_id, "2026-03-01", due, &error));
  g_assert_no_error (error);
  g_free (ombud_caseload_add_contact (r->caseload, s->case_id, &contact, &error));
  g_assert_no_error (error);
}

static void
fill_other (Scenario *s)
{
  Replica *r = s->r;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = marked (s, s->other_markers, "Annan klient", FALSE);
  g_autofree char *note = marked (s, s->other_markers, "Annan anteckning", FALSE);
  g_autofree char *goal = marked (s, s->other_markers, "Annat mål", FALSE);
  g_autofree char *due = marked (s, s->other_markers, "Annan tidsfrist", FALSE);

  s->other_id = add_case (r, name);
  g_free (add_note (r, s->other_id, note, TRUE));
  g_free (ombud_caseload_add_goal (r->caseload, s->other_id, "housing", goal, &error));
  g_assert_no_error (error);
  g_free (ombud_caseload_add_deadline (r->caseload, s->other_id, "2026-04-01", due, &error));
  g_assert_no_error (error);
}

static Scenario *
scenario_empty (void)
{
  Scenario *s = g_new0 (Scenario, 1);

  s->r = replica_with_municipality (0);
  s->markers = g_ptr_array_new_with_free_func (g_free);
  s->other_markers = g_ptr_array_new_with_free_func (g_free);
  s->exported = g_ptr_array_new_with_free_func (g_free);
  return s;
}

static Scenario *
scenario_new (void)
{
  Scenario *s = scenario_empty ();

  fill_other (s);
  fill_case (s);
  close_case (s->r, s->case_id);
  return s;
}

/* ---- 1. the export ------------------------------------------------------------------------- */

static void
test_export (void)
{
  g_autoptr(Scenario) s = scenario_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = ombud_closure_export_text (s->r->caseload, s->case_id, &error);
  g_autofree char *path = g_build_filename (s->r->dir, "export.txt", NULL);
  g_autofree char *written = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  for (guint i = 0; i < s->exported->len; i++)
    if (strstr (text, g_ptr_array_index (s->exported, i)) == NULL)
      g_error ("the export lacks %s:\n%s", (char *) g_ptr_array_index (s->exported, i), text);
  /* office-tier facts, with the code table's labels */
  g_assert_nonnull (strstr (text, "2026-01-01, 45 min, Hembesök"));
  g_assert_nonnull (strstr (text, "Försäkringskassan, Bank"));
  g_assert_nonnull (strstr (text, "Ekonomi och skulder"));
  g_assert_nonnull (strstr (text, "Målen uppnådda"));
  g_assert_nonnull (strstr (text, "Östersund"));
  g_assert_nonnull (strstr (text, "2026-03-01"));
  g_assert_nonnull (strstr (text, "utkast, inte godkänt"));
  g_assert_nonnull (strstr (text, "godkänd av klienten"));
  /* another client's story is not in this one's */
  for (guint i = 0; i < s->other_markers->len; i++)
    g_assert_null (strstr (text, g_ptr_array_index (s->other_markers, i)));

  g_assert_true (ombud_closure_export_to_file (s->r->caseload, s->case_id, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, text);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_unlink (path);

  g_assert_null (ombud_closure_export_text (s->r->caseload, "no-such-case", &error));
  g_assert_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (ombud_closure_export_to_file (s->r->caseload, "no-such-case", path, &error));
  g_assert_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_NOT_FOUND);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* ---- 2. only a closed case ----------------------------------------------------------------- */

/* Every row of every table, views aside, and every outbox body. */
static char *
dump_all (Replica *r)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *tables = NULL;

  sqlite3_prepare_v2 (db_of (r), "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", -1, &tables, NULL);
  while (sqlite3_step (tables) == SQLITE_ROW)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT * FROM \"%s\"", sqlite3_column_text (tables, 0));
      sqlite3_stmt *stmt = NULL;

      if (sqlite3_prepare_v2 (db_of (r), sql, -1, &stmt, NULL) != SQLITE_OK)
        continue;  /* FTS5's own shadow tables are read through search */
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          g_string_append_printf (out, "%s:", sqlite3_column_text (tables, 0));
          for (int c = 0; c < sqlite3_column_count (stmt); c++)
            {
              g_autofree char *hex = NULL;
              const guint8 *blob = sqlite3_column_blob (stmt, c);
              int len = sqlite3_column_bytes (stmt, c);

              hex = blob ? g_compute_checksum_for_data (G_CHECKSUM_SHA256, blob, len) : g_strdup ("∅");
              g_string_append_printf (out, " %s", hex);
            }
          g_string_append_c (out, '\n');
        }
      sqlite3_finalize (stmt);
    }
  sqlite3_finalize (tables);
  return g_string_free (out, FALSE);
}

/* Names the first line that differs, rather than printing both dumps. */
static void
assert_same_lines (const char *before,
                   const char *after)
{
  g_auto(GStrv) a = g_strsplit (before, "\n", -1);
  g_auto(GStrv) b = g_strsplit (after, "\n", -1);

  for (guint i = 0; a[i] || b[i]; i++)
    if (a[i] == NULL || b[i] == NULL || strcmp (a[i], b[i]) != 0)
      g_error ("changed by the destruction:\n- %s\n+ %s", a[i] ? a[i] : "(none)", b[i] ? b[i] : "(none)");
}

static void
test_refuses_open_case (void)
{
  g_autoptr(Replica) r = replica_with_municipality (0);
  g_autofree char *id = add_case (r, "Öppen klient");
  g_autofree char *queued = NULL;
  g_autofree char *before = NULL, *after = NULL;
  OmbudCaseInput in = { "Köad klient", "Östersund", "man", 1970, FALSE, TRUE, NULL };
  g_autoptr(GError) error = NULL;

  g_free (add_note (r, id, "Anteckning i ett pågående uppdrag", TRUE));
  queued = ombud_caseload_add_case (r->caseload, &in, &error);
  g_assert_no_error (error);
  before = dump_all (r);

  g_assert_false (ombud_closure_destroy_client_tier (r->caseload, id, &error));
  g_assert_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_STATE);
  g_clear_error (&error);
  g_assert_false (ombud_closure_destroy_client_tier (r->caseload, queued, &error));
  g_assert_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_STATE);
  g_clear_error (&error);
  g_assert_false (ombud_closure_destroy_client_tier (r->caseload, "no-such-case", &error));
  g_assert_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  after = dump_all (r);
  assert_same_lines (before, after);
  g_assert_cmpint (count (r, "SELECT count(*) FROM client_case WHERE client_name IS NOT NULL", NULL), ==, 2);
  /* and nothing is left open: the next write works */
  g_free (add_note (r, id, "Nästa anteckning", TRUE));
}

/* ---- 3. nothing left in the files or the pages -------------------------------------------- */

static void
assert_client_tier_null (Replica    *r,
                         const char *case_id)
{
  guint n;
  const OmbudTable *tables = ombud_tables_get (&n);

  for (guint t = 0; t < n; t++)
    for (const OmbudField *f = tables[t].fields; tables[t].per_case && f->name; f++)
      {
        g_autofree char *sql = NULL;

        if (f->tier != OMBUD_TIER_CLIENT)
          continue;
        sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE %s = ?1 AND %s IS NOT NULL", tables[t].name,
                               strcmp (tables[t].name, "client_case") == 0 ? "id" : "case_id", f->name);
        g_assert_cmpint (count (r, sql, case_id), ==, 0);
      }
  g_assert_cmpint (count (r, "SELECT client_tier_destroyed FROM client_case WHERE id = ?1", case_id), ==, 1);
  g_assert_cmpint (count (r, "SELECT count(*) FROM note WHERE case_id = ?1 AND deleted = 0", case_id), ==, 0);
}

static void
assert_not_searchable (Replica   *r,
                       GPtrArray *markers,
                       guint      expected)
{
  for (guint i = 0; i < markers->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) hits = ombud_queries_search (r->caseload, g_ptr_array_index (markers, i), 10, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (g_variant_n_children (hits), ==, expected);
    }
}

static void
test_nothing_left (void)
{
  g_autoptr(Scenario) s = scenario_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *wal = g_build_filename (s->r->dir, "ombud.db-wal", NULL);
  GStatBuf st;

  /* before: the scan sees the markers in the pages, and only there */
  {
    g_autoptr(GPtrArray) left = markers_left (s->r, s->markers);
    g_assert_cmpuint (left->len, ==, s->markers->len);
  }
  destroy_ok (s->r, s->case_id);

  assert_none_left (s->r, s->markers);
  assert_all_present (s->r, s->other_markers);
  assert_client_tier_null (s->r, s->case_id);
  assert_not_searchable (s->r, s->markers, 0);
  assert_not_searchable (s->r, s->other_markers, 1);
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 0);
  g_assert_true (ombud_store_check_integrity (s->r->store, &error));
  g_assert_no_error (error);
  /* the export still works, with nothing of the client in it */
  {
    g_autofree char *text = ombud_closure_export_text (s->r->caseload, s->case_id, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < s->markers->len; i++)
      g_assert_null (strstr (text, g_ptr_array_index (s->markers, i)));
  }
}

/* A statement left reading holds a read transaction: VACUUM and the WAL
 * checkpoint cannot run, so the scrub after the commit cannot either. */
static sqlite3_stmt *
hold_reader (Replica *r)
{
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db_of (r), "SELECT id FROM code", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return stmt;
}

static void
destroy_unscrubbed (Replica    *r,
                    const char *case_id)
{
  sqlite3_stmt *reader = hold_reader (r);
  g_autoptr(GError) error = NULL;

  g_assert_false (ombud_closure_destroy_client_tier (r->caseload, case_id, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "old copies may remain"));
  sqlite3_finalize (reader);
  /* committed all the same */
  assert_client_tier_null (r, case_id);
}

/* The negative control.  secure_delete=OFF alone leaves nothing to find,
 * since the scrub's VACUUM rewrites every page (see the next test); with
 * the scrub kept from running too, the freed cells and pages still hold
 * the markers, and the scan finds them.  Running the destruction again
 * then scrubs. */
static void
test_nothing_left_control (void)
{
  g_autoptr(Scenario) s = scenario_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) left = NULL;

  g_assert_true (ombud_vfs_exec (ombud_store_get_db (s->r->store), "PRAGMA secure_delete=OFF", &error));
  destroy_unscrubbed (s->r, s->case_id);

  left = markers_left (s->r, s->markers);
  for (guint i = 0; i < left->len; i++)
    g_test_message ("control found: %s", (char *) g_ptr_array_index (left, i));
  g_assert_cmpuint (left->len, >, 0);
  /* only in the decrypted pages, in free space: the files stay sealed and
   * the rows are clean */
  for (guint i = 0; i < left->len; i++)
    g_assert_true (g_str_has_suffix (g_ptr_array_index (left, i), "in the decrypted pages"));
  assert_not_searchable (s->r, s->markers, 0);

  destroy_ok (s->r, s->case_id);
  assert_none_left (s->r, s->markers);
  assert_all_present (s->r, s->other_markers);
}

static void
test_nothing_left_without_secure_delete (void)
{
  g_autoptr(Scenario) s = scenario_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_vfs_exec (ombud_store_get_db (s->r->store), "PRAGMA secure_delete=OFF", &error));
  destroy_ok (s->r, s->case_id);
  assert_none_left (s->r, s->markers);
  assert_all_present (s->r, s->other_markers);
}

/* The case's records among many others', edited over and over, so that its
 * cells share pages with theirs and move when pages are rebalanced.  A
 * rebuilt page keeps stale copies of moved cells in its unallocated middle,
 * which secure_delete never zeroes: only the VACUUM of the scrub clears
 * them. */
static void
test_nothing_left_many_cases (void)
{
  g_autoptr(Scenario) s = scenario_empty ();
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) left = NULL;
  g_autofree char *name = marked (s, s->markers, "Klient bland många", FALSE);

  s->case_id = add_case (s->r, name);
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *name = marked (s, s->other_markers, "Annan klient", FALSE);
      g_autofree char *ours = marked (s, s->markers, "Vår anteckning", FALSE);

      g_ptr_array_add (others, add_case (s->r, name));
      g_ptr_array_add (notes, add_note (s->r, s->case_id, ours, TRUE));
      for (guint k = 0; k < 3; k++)
        {
          g_autofree char *theirs = marked (s, s->other_markers, "Annan anteckning", FALSE);
          g_free (add_note (s->r, g_ptr_array_index (others, i), theirs, TRUE));
        }
    }
  for (guint round = 0; round < 5; round++)
    for (guint i = 0; i < notes->len; i++)
      {
        g_autofree char *ours = marked (s, s->markers, round % 2 ? "Vår anteckning, längre och rättad" : "Kort", FALSE);

        set_text (s->r, "note", g_ptr_array_index (notes, i), "body", ours);
        if (i % 3 == 0)
          {
            g_autofree char *theirs = marked (s, s->other_markers, "Annan anteckning", FALSE);
            g_free (add_note (s->r, g_ptr_array_index (others, i), theirs, TRUE));
          }
      }
  close_case (s->r, s->case_id);

  destroy_unscrubbed (s->r, s->case_id);
  left = markers_left (s->r, s->markers);
  g_test_message ("secure_delete alone left %u of %u markers", left->len, s->markers->len);
  for (guint i = 0; i < left->len; i++)
    g_test_message ("left without the scrub: %s", (char *) g_ptr_array_index (left, i));
  /* a control too: if SQLite ever zeroes rebuilt pages, this says so */
  g_assert_cmpuint (left->len, >, 0);

  destroy_ok (s->r, s->case_id);
  assert_none_left (s->r, s->markers);
  assert_all_present (s->r, s->other_markers);
}

/* ---- 4. the office tier stays -------------------------------------------------------------- */

/* Every office-tier field of every record, except what destruction sets. */
static char *
office_dump (Replica *r)
{
  GString *out = g_string_new (NULL);
  guint n;
  const OmbudTable *tables = ombud_tables_get (&n);

  for (guint t = 0; t < n; t++)
    {
      g_autoptr(GString) columns = g_string_new ("quote(id)");
      g_autofree char *sql = NULL;
      sqlite3_stmt *stmt = NULL;

      for (const OmbudField *f = tables[t].fields; f->name; f++)
        if (f->tier == OMBUD_TIER_OFFICE && strcmp (f->name, "client_tier_destroyed") != 0)
          g_string_append_printf (columns, " || ' ' || quote(%s)", f->name);
      if (strcmp (tables[t].name, "note") != 0)
        g_string_append (columns, " || ' ' || quote(deleted)");
      sql = g_strdup_printf ("SELECT %s FROM %s ORDER BY id", columns->str, tables[t].name);
      g_assert_cmpint (sqlite3_prepare_v2 (db_of (r), sql, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_string_append_printf (out, "%s %s\n", tables[t].name, sqlite3_column_text (stmt, 0));
      sqlite3_finalize (stmt);
    }
  return g_string_free (out, FALSE);
}

static void
test_office_tier_unchanged (void)
{
  g_autoptr(Scenario) s = scenario_new ();
  g_autofree char *before = office_dump (s->r);
  g_autofree char *after = NULL;
  g_autoptr(GVariant) shown = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) stats_before = ombud_stats_year (s->r->caseload, 2026, &error);
  g_autoptr(GVariant) stats_after = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (count (s->r, "SELECT count(*) FROM contact WHERE case_id = ?1", s->case_id), ==, 1);
  destroy_ok (s->r, s->case_id);
  after = office_dump (s->r);
  assert_same_lines (before, after);
  /* and so every figure of the year */
  stats_after = ombud_stats_year (s->r->caseload, 2026, &error);
  g_assert_no_error (error);
  if (!g_variant_equal (stats_before, stats_after))
    {
      g_autofree char *b = g_variant_print (stats_before, FALSE), *a = g_variant_print (stats_after, FALSE);
      g_error ("the statistics changed:\n- %s\n+ %s", b, a);
    }
  /* and the case is still a case, closed, with its dates and reason */
  shown = ombud_queries_show_case (s->r->caseload, s->case_id, &error);
  g_assert_no_error (error);
  {
    const char *status = NULL, *reason = NULL;
    g_assert_true (g_variant_lookup (shown, "status", "&s", &status));
    g_assert_true (g_variant_lookup (shown, "closure_reason", "&s", &reason));
    g_assert_cmpstr (status, ==, "closed");
    g_assert_cmpstr (reason, ==, "goals_met");
  }
}

/* ---- 5. the outbox --------------------------------------------------------------------------- */

static char *
change_key (OmbudChange *c)
{
  return g_strdup_printf ("%s %s %s %" G_GUINT64_FORMAT, c->table, c->record, c->field, c->hlc);
}

static gboolean
is_client_field (OmbudChange *c)
{
  const OmbudTable *table = ombud_table_lookup (c->table);
  const OmbudField *field = ombud_table_lookup_field (table, c->field);

  return field->tier == OMBUD_TIER_CLIENT;
}

/* "table record field hlc" of every office-tier change of the case. */
static GHashTable *
office_changes (GHashTable *outbox,
                const char *case_id)
{
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer body;

  g_hash_table_iter_init (&iter, outbox);
  while (g_hash_table_iter_next (&iter, NULL, &body))
    {
      g_autoptr(OmbudChangeset) cs = ombud_changeset_decode (body, NULL);

      g_assert_nonnull (cs);
      for (guint i = 0; strcmp (cs->case_id, case_id) == 0 && i < cs->changes->len; i++)
        if (!is_client_field (g_ptr_array_index (cs->changes, i)))
          g_hash_table_add (keys, change_key (g_ptr_array_index (cs->changes, i)));
    }
  return keys;
}

static void
test_outbox (void)
{
  g_autoptr(Scenario) s = scenario_new ();
  g_autoptr(GHashTable) before = outbox_by_id (s->r, TRUE);
  g_autoptr(GHashTable) sendable = outbox_by_id (s->r, FALSE);
  /* a draft's changes never leave, its office-tier ones neither */
  g_autoptr(GHashTable) office_before = office_changes (sendable, s->case_id);
  g_autoptr(GHashTable) after = NULL, office_after = NULL;
  GHashTableIter iter;
  gpointer id, body;
  guint destructions = 0;

  /* unsent, with the client's text in them */
  g_assert_true (g_hash_table_contains (before, s->name_only));
  g_assert_cmpint (count (s->r, "SELECT count(*) FROM outbox WHERE hold = ?1", s->draft), >, 0);
  destroy_ok (s->r, s->case_id);
  after = outbox_by_id (s->r, TRUE);
  office_after = office_changes (after, s->case_id);

  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &id, &body))
    {
      g_autoptr(OmbudChangeset) cs = ombud_changeset_decode (body, NULL);

      for (guint m = 0; m < s->markers->len; m++)
        g_assert_false (bytes_contain (body, needle (g_ptr_array_index (s->markers, m))));
      for (guint i = 0; strcmp (cs->case_id, s->case_id) == 0 && i < cs->changes->len; i++)
        {
          OmbudChange *c = g_ptr_array_index (cs->changes, i);
          g_assert_true (!is_client_field (c) || c->value == NULL);
          if (strcmp (c->field, "client_tier_destroyed") == 0)
            destructions++;
        }
      /* another case's changesets are untouched */
      if (strcmp (cs->case_id, s->case_id) != 0)
        g_assert_true (g_bytes_equal (body, g_hash_table_lookup (before, id)));
    }
  g_assert_cmpuint (destructions, ==, 1);
  /* every office-tier change is still on its way */
  g_hash_table_iter_init (&iter, office_before);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    if (!g_hash_table_contains (office_after, id))
      g_error ("an office-tier change was dropped from the outbox: %s", (char *) id);
  /* left empty, gone; a draft never leaves */
  g_assert_false (g_hash_table_contains (after, s->name_only));
  g_assert_cmpint (count (s->r, "SELECT count(*) FROM outbox WHERE hold IS NOT NULL", NULL), ==, 0);
}

/* ---- 6. the owner's other device follows ------------------------------------------------------ */

static GPtrArray *
strings_of (Replica    *r,
            const char *sql,
            const char *arg)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db_of (r), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (out, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  return out;
}

static void
edit_note (Replica    *r,
           const char *note,
           GPtrArray  *markers)
{
  g_autofree char *m = marker_new (markers);
  g_autofree char *text = g_strdup_printf ("Ändrat på den andra datorn %s", m);

  set_text (r, "note", note, "body", text);
}

static void
test_other_device_follows (void)
{
  g_autoptr(Scenario) s = scenario_new ();
  g_autoptr(Replica) b = replica_new (50);
  g_autoptr(GPtrArray) b_markers = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) before_follow = NULL;
  g_autoptr(GPtrArray) approved = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) notes = NULL;
  g_autofree char *dump_before = NULL;
  g_autoptr(GHashTable) b_outbox = NULL;
  GHashTableIter iter;
  gpointer body;

  deliver (s->r, b);
  g_assert_cmpint (count (b, "SELECT count(*) FROM client_case WHERE client_tier_destroyed IS NULL AND id = ?1",
                          s->case_id), ==, 1);
  /* What b received of the case: every marker but the draft's, which never left. */
  for (guint i = 0; i < s->markers->len; i++)
    if (count (b, "SELECT count(*) FROM version WHERE instr(value, ?1) > 0", g_ptr_array_index (s->markers, i)) > 0)
      g_ptr_array_add (approved, g_strdup (g_ptr_array_index (s->markers, i)));
  g_assert_cmpuint (approved->len, ==, s->markers->len - 1);

  /* b edits two notes offline while a destroys the case: the first before
   * a's destruction, which wins and leaves b's text a conflict; the second
   * with b's clock an hour ahead, so b's text wins and stays the value */
  notes = strings_of (b, "SELECT id FROM note WHERE case_id = ?1 AND deleted = 0 ORDER BY id", s->case_id);
  g_assert_cmpuint (notes->len, ==, 2);
  edit_note (b, g_ptr_array_index (notes, 0), b_markers);
  b->now += 3600 * 1000;
  edit_note (b, g_ptr_array_index (notes, 1), b_markers);
  b_outbox = outbox_by_id (b, FALSE);
  destroy_ok (s->r, s->case_id);

  /* b gets the destruction: applying it follows at once, so its old
   * versions, its own edits (a conflict and a value) and its outbox are
   * purged without anyone calling ombud_closure_follow_destroyed */
  deliver (s->r, b);
  before_follow = markers_left (b, approved);
  g_assert_cmpuint (before_follow->len, ==, 0);
  assert_none_left (b, approved);
  assert_none_left (b, b_markers);
  assert_all_present (b, s->other_markers);
  assert_client_tier_null (b, s->case_id);
  g_assert_cmpint (count (b, "SELECT count(*) FROM conflict WHERE case_id = ?1", s->case_id), ==, 0);
  /* nothing to do a second time: no write at all */
  dump_before = dump_all (b);
  g_assert_true (ombud_closure_follow_destroyed (b->caseload, &error));
  g_assert_no_error (error);
  {
    g_autofree char *again = dump_all (b);
    assert_same_lines (dump_before, again);
  }

  /* b's edit had reached the office before b heard of the destruction: it
   * arrives at a after the fact, and is purged as it is applied */
  g_hash_table_iter_init (&iter, b_outbox);
  while (g_hash_table_iter_next (&iter, NULL, &body))
    {
      ombud_caseload_apply_changeset (s->r->caseload, body, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < b_markers->len; i++)
    g_assert_cmpint (count (s->r, "SELECT count(*) FROM version WHERE instr(value, ?1) > 0",
                            g_ptr_array_index (b_markers, i)), ==, 0);
  g_assert_true (ombud_closure_follow_destroyed (s->r->caseload, &error));
  g_assert_no_error (error);
  assert_none_left (s->r, s->markers);
  assert_none_left (s->r, b_markers);
  assert_client_tier_null (s->r, s->case_id);
}

/* The setting is applied at every opening, with nobody asking. */
static void
test_retention_setting (void)
{
  g_autoptr(Replica) r = replica_with_municipality (0);
  g_autofree char *id = add_case (r, "Stängd, sedan bortglömd");
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (ombud_closure_get_retention_days (r->caseload), ==, -1);
  close_case (r, id);
  g_assert_true (ombud_closure_set_retention_days (r->caseload, 30, &error));
  g_assert_no_error (error);

  r->now += 20 * DAY_MS;
  test_replica_reopen (r);
  g_assert_cmpint (count (r, "SELECT count(*) FROM client_case WHERE client_tier_destroyed = 1", NULL), ==, 0);

  r->now += 20 * DAY_MS;  /* 40 days after closing */
  test_replica_reopen (r);
  g_assert_cmpint (ombud_closure_get_retention_days (r->caseload), ==, 30);
  g_assert_cmpint (count (r, "SELECT count(*) FROM client_case WHERE client_tier_destroyed = 1 AND client_name IS NULL",
                          NULL), ==, 1);

  /* off: a case closed long ago keeps its client tier */
  {
    g_autofree char *kept = add_case (r, "Stängd men kvar");
    close_case (r, kept);
    g_assert_true (ombud_closure_set_retention_days (r->caseload, -1, &error));
    r->now += 400 * DAY_MS;
    test_replica_reopen (r);
    g_assert_cmpint (count (r, "SELECT count(*) FROM client_case WHERE client_name IS NOT NULL AND id = ?1", kept), ==, 1);
  }
}

/* ---- 7. retention ------------------------------------------------------------------------------- */

static void
test_retention (void)
{
  g_autoptr(Replica) r = replica_with_municipality (0);
  g_autofree char *old = add_case (r, "Stängd för länge sedan");
  g_autofree char *edge = add_case (r, "Stängd för precis 30 dagar sedan");
  g_autofree char *recent = add_case (r, "Stängd nyss");
  g_autofree char *open = add_case (r, "Pågående");
  g_autofree char *today = NULL;
  g_autoptr(GError) error = NULL;

  close_case (r, old);        /* 2026-01-01 */
  r->now += 70 * DAY_MS;
  close_case (r, edge);       /* 2026-03-12 */
  r->now += 20 * DAY_MS;
  close_case (r, recent);     /* 2026-04-01 */
  r->now += 10 * DAY_MS;
  today = ombud_caseload_today (r->caseload);
  g_assert_cmpstr (today, ==, "2026-04-11");

  g_assert_cmpuint (ombud_closure_apply_retention (r->caseload, 30, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (count (r, "SELECT count(*) FROM client_case WHERE client_tier_destroyed = 1", NULL), ==, 1);
  assert_client_tier_null (r, old);
  g_assert_cmpint (count (r, "SELECT count(*) FROM client_case WHERE client_name IS NOT NULL", NULL), ==, 3);

  g_assert_cmpuint (ombud_closure_apply_retention (r->caseload, 30, &error), ==, 0);
  g_assert_no_error (error);
  /* a day later the one closed 30 days before is due */
  r->now += DAY_MS;
  g_assert_cmpuint (ombud_closure_apply_retention (r->caseload, 30, &error), ==, 1);
  g_assert_no_error (error);
  assert_client_tier_null (r, edge);
  g_assert_cmpint (count (r, "SELECT count(*) FROM client_case WHERE client_name IS NOT NULL", NULL), ==, 2);

  g_assert_cmpuint (ombud_closure_apply_retention (r->caseload, -1, &error), ==, 0);
  g_assert_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_INVALID);
  (void) recent;
  (void) open;
}

/* ---- main ----------------------------------------------------------------------------------------- */

/* Every file the program writes lands under a TMPDIR of its own, so that
 * the scan can read all of them and nothing else. */
static void
private_tmpdir (void)
{
  const char *parent = g_getenv ("TMPDIR");
  g_autofree char *root = g_build_filename (parent && *parent ? parent : "/tmp", "ombud-closure-XXXXXX", NULL);

  g_assert_nonnull (g_mkdtemp (root));
  scan_dir = g_build_filename (root, "tmp", NULL);
  plain_dir = g_build_filename (root, "plain", NULL);
  g_assert_cmpint (g_mkdir (scan_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (plain_dir, 0700), ==, 0);
  g_setenv ("TMPDIR", scan_dir, TRUE);
  g_setenv ("SQLITE_TMPDIR", scan_dir, TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *root = NULL;
  int status;

  private_tmpdir ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_setenv ("TZ", "Europe/Stockholm", TRUE);
  g_assert_cmpstr (g_get_tmp_dir (), ==, scan_dir);

  g_test_add_func ("/closure/export", test_export);
  g_test_add_func ("/closure/refuses-open-case", test_refuses_open_case);
  g_test_add_func ("/closure/nothing-left", test_nothing_left);
  g_test_add_func ("/closure/nothing-left-control", test_nothing_left_control);
  g_test_add_func ("/closure/nothing-left-without-secure-delete", test_nothing_left_without_secure_delete);
  g_test_add_func ("/closure/nothing-left-many-cases", test_nothing_left_many_cases);
  g_test_add_func ("/closure/office-tier-unchanged", test_office_tier_unchanged);
  g_test_add_func ("/closure/outbox", test_outbox);
  g_test_add_func ("/closure/other-device-follows", test_other_device_follows);
  g_test_add_func ("/closure/retention", test_retention);
  g_test_add_func ("/closure/retention-setting", test_retention_setting);
  status = g_test_run ();

  root = g_path_get_dirname (scan_dir);
  test_rm_rf (root);
  g_free (scan_dir);
  g_free (plain_dir);
  return status;
}
