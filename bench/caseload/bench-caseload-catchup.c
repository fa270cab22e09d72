/* bench-caseload-catchup.c: a new replica catching up from 100,000 changes
 *
 *   ninja -C build && ./build/bench/caseload/bench-caseload-catchup [--quick] [--sql-profile=FILE]
 *                                                                  [--pragma=synchronous=NORMAL ...]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The source: a replica whose outbox holds about 100,000 field changes in
 * about 16,000 changesets (--quick: a tenth): 570 cases over four years with
 * their requests, assignments, starts, referrals and closures, contacts,
 * notes, goals, deadlines and later edits, written through the public API
 * (caseload-gen.c) and kept in $OMBUD_BENCH_DIR (default
 * /tmp/ombud-bench-caseload).
 *
 * "ours": a new, empty store (OmbudStore, its own settings: WAL,
 * synchronous=FULL, ...) applies every outbox changeset in order with
 * ombud_caseload_apply_changeset: decoding, one transaction each, every
 * field merged (version, version_base, heads, conflicts, the typed tables,
 * the search index by its triggers), applied and clock rows.
 *
 * "baseline": plain SQLite (default VFS, the store's connection settings)
 * with the same schema (ombud_migrations_apply: the same typed tables,
 * indexes and search triggers) takes the same rows: each changeset decoded
 * the same way, then in one transaction per changeset, for each record it
 * touches, INSERT of the id and one UPDATE setting all its fields — the
 * least any replica must do to hold the rows, with the same indexes and the
 * same search index, and no merge bookkeeping, no sealing.
 *
 * Both run side by side, 100 changesets at a time on each in turn (who goes
 * first alternates), and each side's time is added up, so that both meet
 * the same disk and the same neighbours.  Figures: changes/s, changesets/s
 * and the total.  --sql-profile writes ours' time per SQL statement.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "caseload-common.h"
#include "ombud-changeset.h"
#include "ombud-migrations.h"
#include "ombud-vfs.h"

#define SOURCE_CASES 570
#define CHUNK 100

/* ---- the source ----------------------------------------------------------------- */

static GPtrArray *
read_outbox (const char  *profile_dir,
             guint       *n_changes,
             GError     **error)
{
  g_autoptr(OmbudStore) store = cl_store_open (profile_dir, error);
  g_autoptr(OmbudCaseload) caseload = store ? ombud_caseload_new (store, error) : NULL;
  g_autoptr(GPtrArray) outbox = caseload ? ombud_caseload_get_outbox (caseload, error) : NULL;

  *n_changes = 0;
  if (outbox == NULL)
    return NULL;
  for (guint i = 0; i < outbox->len; i++)
    {
      g_autoptr(OmbudChangeset) cs = ombud_changeset_decode (g_ptr_array_index (outbox, i), error);

      if (cs == NULL)
        return NULL;
      *n_changes += cs->changes->len;
    }
  return g_steal_pointer (&outbox);
}

/* ---- the baseline ---------------------------------------------------------------- */

typedef struct {
  sqlite3    *db;
  GHashTable *statements;  /* SQL -> sqlite3_stmt */
} Plain;

static void
plain_clear (Plain *p)
{
  g_clear_pointer (&p->statements, g_hash_table_unref);
  g_clear_pointer (&p->db, sqlite3_close);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Plain, plain_clear)

static sqlite3_stmt *
plain_statement (Plain       *p,
                 const char  *sql,
                 GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (p->statements, sql);

  if (stmt != NULL)
    return stmt;
  if (sqlite3_prepare_v3 (p->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, p->db, sqlite3_errcode (p->db), sql);
      return NULL;
    }
  g_hash_table_insert (p->statements, g_strdup (sql), stmt);
  return stmt;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static gboolean
plain_open (Plain             *p,
            const char        *path,
            const ClSettings  *settings,
            GError           **error)
{
  guint n;
  const OmbudMigration *list = ombud_migrations_get (&n);

  p->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_statement);
  p->db = cl_plain_open (path, settings, error);
  return p->db != NULL && ombud_migrations_apply (p->db, list, n, ombud_migrations_latest (), error);
}

static void
bind_value (sqlite3_stmt *stmt,
            int           index,
            GVariant     *value)
{
  if (value == NULL)
    sqlite3_bind_null (stmt, index);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    sqlite3_bind_int64 (stmt, index, g_variant_get_int64 (value));
  else
    sqlite3_bind_text (stmt, index, g_variant_get_string (value, NULL), -1, SQLITE_STATIC);
}

static gboolean
step (Plain         *p,
      sqlite3_stmt  *stmt,
      GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, p->db, rc, "plain apply");
      return FALSE;
    }
  return TRUE;
}

/* The record of changes[from..to): its id, then all its fields at once. */
static gboolean
plain_record (Plain           *p,
              OmbudChangeset  *cs,
              guint            from,
              guint            to,
              GError         **error)
{
  OmbudChange *first = g_ptr_array_index (cs->changes, from);
  g_autofree char *insert = g_strdup_printf ("INSERT INTO %s (id) VALUES (?1) ON CONFLICT DO NOTHING", first->table);
  g_autoptr(GString) update = g_string_new (NULL);
  sqlite3_stmt *stmt = plain_statement (p, insert, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, first->record, -1, SQLITE_STATIC);
  if (!step (p, stmt, error))
    return FALSE;
  g_string_printf (update, "UPDATE %s SET ", first->table);
  for (guint i = from; i < to; i++)
    g_string_append_printf (update, "%s%s = ?%u", i > from ? ", " : "",
                            ((OmbudChange *) g_ptr_array_index (cs->changes, i))->field, i - from + 2);
  g_string_append (update, " WHERE id = ?1");
  if ((stmt = plain_statement (p, update->str, error)) == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, first->record, -1, SQLITE_STATIC);
  for (guint i = from; i < to; i++)
    bind_value (stmt, i - from + 2, ((OmbudChange *) g_ptr_array_index (cs->changes, i))->value);
  return step (p, stmt, error);
}

static gboolean
same_record (OmbudChange *a,
             OmbudChange *b)
{
  return strcmp (a->table, b->table) == 0 && strcmp (a->record, b->record) == 0;
}

static gboolean
plain_apply (Plain    *p,
             GBytes   *bytes,
             GError  **error)
{
  g_autoptr(OmbudChangeset) cs = ombud_changeset_decode (bytes, error);
  gboolean ok;
  guint from = 0;

  if (cs == NULL || !ombud_vfs_exec (p->db, "BEGIN IMMEDIATE", error))
    return FALSE;
  ok = TRUE;
  while (ok && from < cs->changes->len)
    {
      guint to = from + 1;

      while (to < cs->changes->len
             && same_record (g_ptr_array_index (cs->changes, from), g_ptr_array_index (cs->changes, to)))
        to++;
      ok = plain_record (p, cs, from, to, error);
      from = to;
    }
  if (!ok)
    {
      sqlite3_exec (p->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return ombud_vfs_exec (p->db, "COMMIT", error);
}

/* ---- measuring ------------------------------------------------------------------- */

enum { OURS, PLAIN };

typedef struct {
  GPtrArray     *outbox;
  OmbudCaseload *caseload;
  Plain         *plain;
  double         seconds[2];
} Run;

static gboolean
apply_chunk (Run      *run,
             int       side,
             guint     from,
             guint     to,
             GError  **error)
{
  double t0 = cl_now ();

  for (guint i = from; i < to; i++)
    {
      GBytes *bytes = g_ptr_array_index (run->outbox, i);
      gboolean ok = side == OURS ? ombud_caseload_apply_changeset (run->caseload, bytes, error)
                                 : plain_apply (run->plain, bytes, error);
      if (!ok)
        {
          g_prefix_error (error, "changeset %u: ", i);
          return FALSE;
        }
    }
  run->seconds[side] += cl_now () - t0;
  return TRUE;
}

static gboolean
apply_all (Run      *run,
           GError  **error)
{
  guint n = run->outbox->len;
  guint step = MAX (CHUNK, n / 10 / CHUNK * CHUNK);

  for (guint from = 0, k = 0; from < n; from += CHUNK, k++)
    {
      guint to = MIN (n, from + CHUNK);

      for (int j = 0; j < 2; j++)
        if (!apply_chunk (run, (k + j) % 2, from, to, error))
          return FALSE;
      if (to % step == 0 || to == n)
        g_printerr ("  %u of %u changesets: ours %.1f s, baseline %.1f s\n", to, n,
                    run->seconds[OURS], run->seconds[PLAIN]);
    }
  return TRUE;
}

/* Both sides hold the same rows. */
static gboolean
check_same (sqlite3  *ours,
            sqlite3  *plain,
            GError  **error)
{
  static const char *const tables[] = { "client_case", "case_event", "contact", "note", "goal", "deadline" };

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE deleted = 0", tables[i]);
      gint64 a = 0, b = 0;

      if (!cl_query_int (ours, sql, &a, error) || !cl_query_int (plain, sql, &b, error))
        return FALSE;
      if (a != b)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %" G_GINT64_FORMAT " rows in the replica, %"
                       G_GINT64_FORMAT " in the baseline", tables[i], a, b);
          return FALSE;
        }
    }
  return TRUE;
}

/* --pragma, for experiments: the same on both sides. */
static gboolean
apply_pragmas (const ClOptions  *opts,
               sqlite3          *db,
               GError          **error)
{
  for (guint i = 0; opts->pragmas && opts->pragmas[i]; i++)
    {
      g_autofree char *sql = g_strdup_printf ("PRAGMA %s", opts->pragmas[i]);

      if (!ombud_vfs_exec (db, sql, error))
        return FALSE;
    }
  return TRUE;
}

static void
reset_writes (sqlite3 *db)
{
  int pages, high;

  sqlite3_db_status (db, SQLITE_DBSTATUS_CACHE_WRITE, &pages, &high, TRUE);
}

/* Pages each side wrote (to its WAL), and the size of what it holds. */
static void
report_writes (sqlite3    *db,
               guint       n_changesets,
               const char *side)
{
  int pages = 0, high = 0;
  gint64 page_count = 0;

  sqlite3_db_status (db, SQLITE_DBSTATUS_CACHE_WRITE, &pages, &high, FALSE);
  cl_query_int (db, "PRAGMA page_count", &page_count, NULL);
  g_printerr ("  %s: %d pages written, %.1f a changeset; the database holds %" G_GINT64_FORMAT " pages (%.0f MB)\n",
              side, pages, (double) pages / n_changesets, page_count, page_count * 4096 / 1e6);
}

static gboolean
catch_up (const ClOptions  *opts,
          GPtrArray        *outbox,
          const char       *work,
          double            seconds[2],
          GError          **error)
{
  g_autofree char *replica_dir = g_build_filename (work, "replica", NULL);
  g_autofree char *plain_path = g_build_filename (work, "plain.db", NULL);
  g_autoptr(OmbudStore) store = cl_store_create (replica_dir, error);
  g_autoptr(OmbudCaseload) caseload = store ? ombud_caseload_new (store, error) : NULL;
  g_autoptr(ClSqlProfile) profile = NULL;
  g_auto(Plain) plain = { 0 };
  ClSettings settings;
  Run run = { outbox, caseload, &plain, { 0, 0 } };
  sqlite3 *db;

  if (caseload == NULL)
    return FALSE;
  db = ombud_store_get_db (store);
  if (!apply_pragmas (opts, db, error)
      || !cl_settings_read (db, &settings, error)
      || !plain_open (&plain, plain_path, &settings, error)
      || !apply_pragmas (opts, plain.db, error))
    return FALSE;
  g_printerr ("both sides: journal_mode=%s synchronous=%d cache_size=%d secure_delete=%d temp_store=%d%s\n",
              settings.journal_mode, settings.synchronous, settings.cache_size, settings.secure_delete,
              settings.temp_store, opts->pragmas ? " (changed by --pragma)" : "");
  if (opts->sql_profile)
    profile = cl_sql_profile_new (db);
  reset_writes (db);
  reset_writes (plain.db);
  if (!apply_all (&run, error) || !check_same (db, plain.db, error))
    return FALSE;
  report_writes (db, outbox->len, "ours");
  report_writes (plain.db, outbox->len, "baseline");
  if (profile)
    cl_sql_profile_write (profile, opts->sql_profile, run.seconds[OURS]);
  seconds[OURS] = run.seconds[OURS];
  seconds[PLAIN] = run.seconds[PLAIN];
  return TRUE;
}

static gboolean
run_bench (const ClOptions  *opts,
           GError          **error)
{
  ClGenParams params = { opts->quick ? SOURCE_CASES / 10 : SOURCE_CASES, 10, 4, 1848 };
  g_auto(ClBuilt) built = { 0 };
  g_autoptr(GPtrArray) outbox = NULL;
  g_autofree char *work = NULL;
  double seconds[2];
  guint n_changes;
  gboolean ok;

  if (!cl_ensure_store (opts, opts->quick ? "source-57" : "source-570", &params, FALSE, &built, error)
      || (outbox = read_outbox (built.profile_dir, &n_changes, error)) == NULL)
    return FALSE;
  g_printerr ("source: %u cases; outbox: %u changesets, %u field changes (built in %.0f s)\n",
              built.summary.cases, outbox->len, n_changes, built.build_seconds);
  work = cl_temp_dir ("ombud-bench-catchup");
  ok = catch_up (opts, outbox, work, seconds, error);
  cl_rm_rf (work);
  if (!ok)
    return FALSE;
  cl_print ("catchup_changes_per_s", n_changes / seconds[OURS], n_changes / seconds[PLAIN], "changes/s");
  cl_print ("catchup_changesets_per_s", outbox->len / seconds[OURS], outbox->len / seconds[PLAIN],
            "changesets/s");
  cl_print ("catchup_total", seconds[OURS], seconds[PLAIN], "s");
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_auto(ClOptions) opts = { 0 };
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  if (!cl_options_parse (&opts, "A new replica catching up from 100,000 changes.", 1, &argc, &argv, &error)
      || !run_bench (&opts, &error))
    {
      g_printerr ("bench-caseload-catchup: %s\n", error->message);
      return 1;
    }
  return 0;
}
