/* bench-caseload-stats.c: a year's statistics on a region's caseload
 *
 *   ninja -C build && ./build/bench/caseload/bench-caseload-stats [--quick] [--reps=N]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store: the search benchmark's (10,000 cases over four years, 5 to 30
 * contacts each over their lives, about 100,000 notes; --quick: a tenth),
 * kept in $OMBUD_BENCH_DIR (default /tmp/ombud-bench-caseload).  The year is
 * the last full one.
 *
 * "ours": ombud_stats_year (caseload, year, &error), the median of --reps
 * runs, cold (the first call on a freshly opened store: SQLite's cache
 * empty, the statements not yet prepared, the OS's file cache warm) and
 * warm (later calls on the same store).  Goal: < 200 ms.
 *
 * "baseline": the same SQL on a plain copy of the same database
 * (sqlite3_backup through SQLite's default VFS: the same pages and
 * b-trees) with the store's connection settings.  The statements are
 * captured from a call of ombud_stats_year on the store (sqlite3_trace_v2,
 * SQLITE_TRACE_STMT, parameters inlined by sqlite3_expanded_sql: the
 * snapshot's temp tables, the savepoint, every figure's query, the
 * rollback) and replayed in the same order, every row stepped through;
 * prepared once per connection, as the store's own statement cache does.
 * What it leaves out is the C around the SQL (tallies and the GVariant
 * result), about 1% of a call (see --sql-profile).  So the ratio is what
 * the encrypting VFS costs on this work.
 *
 * stats_scan_* compare a plain read of the rows the statistics use (every
 * case with its municipality, every case event, the year's contacts
 * through contact_case, each column the figures read: SCAN_SQL), on the
 * store against the copy: the floor under any way of counting them, and
 * what the sealing costs on bare reads.
 *
 * Each figure is the median of --reps runs; a cold run opens the store or
 * the copy anew, a warm one follows on the same connection; the sides take
 * turns.  --sql-profile writes the time per statement of warm calls on the
 * store, and the captured statements beside it (FILE.sql).
 */
#include <glib.h>
#include <locale.h>
#include <stdlib.h>

#include "caseload-common.h"
#include "ombud-stats.h"
#include "ombud-vfs.h"

#define N_CASES 10000

/* ?1 1 January, ?2 31 December of the year. */
#define SCAN_SQL \
  "SELECT" \
  " (SELECT count(*) + sum(length(m.name)) + sum(length(m.code)) + sum(c.birth_year)" \
  "    + sum(length(c.gender)) FROM client_case c LEFT JOIN municipality m ON m.id = c.municipality_id" \
  "  WHERE c.deleted = 0)" \
  " + (SELECT count(*) + sum(length(kind)) + sum(length(on_date)) FROM case_event WHERE deleted = 0)" \
  " + (SELECT count(*) + sum(t.minutes) + sum(length(t.form)) + sum(length(t.actors)) + sum(t.km)" \
  "    + sum(t.travel_minutes) FROM client_case c CROSS JOIN contact t ON t.case_id = c.id" \
  "  WHERE c.deleted = 0 AND t.deleted = 0 AND t.on_date BETWEEN ?1 AND ?2)"

typedef struct {
  const ClOptions *opts;
  const ClBuilt   *built;
  ClSettings       settings;
  int              year;
  char            *jan1;
  char            *dec31;
  GPtrArray       *recorded;   /* the SQL of one ombud_stats_year call */
  gint64           checksum;   /* of the scan, the same on both sides */
  gint64           replay_rows;
} Bench;

static void
bench_clear (Bench *b)
{
  g_clear_pointer (&b->jan1, g_free);
  g_clear_pointer (&b->dec31, g_free);
  g_clear_pointer (&b->recorded, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Bench, bench_clear)

/* ---- the two sides ------------------------------------------------------------ */

static gboolean
stats (Bench          *b,
       OmbudCaseload  *caseload,
       double         *ms,
       GError        **error)
{
  double t0 = cl_now ();
  g_autoptr(GVariant) result = ombud_stats_year (caseload, b->year, error);

  *ms = (cl_now () - t0) * 1000.0;
  return result != NULL;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

/* Every recorded statement on DB, in order, each row stepped through;
 * statements stay prepared in CACHE. */
static gboolean
replay (Bench       *b,
        sqlite3     *db,
        GHashTable  *cache,
        double      *ms,
        GError     **error)
{
  double t0 = cl_now ();
  gint64 rows = 0;

  for (guint i = 0; i < b->recorded->len; i++)
    {
      const char *sql = g_ptr_array_index (b->recorded, i);
      sqlite3_stmt *stmt = g_hash_table_lookup (cache, sql);
      int rc = SQLITE_OK;

      if (stmt == NULL && (rc = sqlite3_prepare_v3 (db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL)) == SQLITE_OK)
        g_hash_table_insert (cache, (gpointer) sql, stmt);
      while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          rows++;
          rc = SQLITE_OK;
        }
      if (stmt)
        sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          ombud_vfs_set_sqlite_error (error, db, rc, sql);
          return FALSE;
        }
    }
  *ms = (cl_now () - t0) * 1000.0;
  if (b->replay_rows != 0 && rows != b->replay_rows)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the replay gave %" G_GINT64_FORMAT " rows, then %"
                   G_GINT64_FORMAT, b->replay_rows, rows);
      return FALSE;
    }
  b->replay_rows = rows;
  return TRUE;
}

static gboolean
scan (Bench    *b,
      sqlite3  *db,
      double   *ms,
      GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  double t0 = cl_now ();
  gint64 sum = -1;
  int rc = sqlite3_prepare_v2 (db, SCAN_SQL, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, b->jan1, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, b->dec31, -1, SQLITE_STATIC);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          sum = sqlite3_column_int64 (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  *ms = (cl_now () - t0) * 1000.0;
  if (rc != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, "scan");
      return FALSE;
    }
  if (b->checksum != 0 && sum != b->checksum)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the store and its copy read different data");
      return FALSE;
    }
  b->checksum = sum;
  return TRUE;
}

/* ---- measuring ------------------------------------------------------------------ */

/* What a figure is measured on, freshly opened. */
typedef enum {
  STORE_STATS,
  PLAIN_REPLAY,
  STORE_SCAN,
  PLAIN_SCAN,
  N_KINDS
} Kind;

static const char *const kind_names[N_KINDS] = {
  "ombud_stats_year on the store", "its SQL on the plain copy", "scan on the store", "scan on the plain copy",
};

typedef struct {
  OmbudStore    *store;
  OmbudCaseload *caseload;
  sqlite3       *plain;
  GHashTable    *cache;
} Session;

static void
session_clear (Session *s)
{
  g_clear_pointer (&s->cache, g_hash_table_unref);
  g_clear_pointer (&s->plain, sqlite3_close);
  g_clear_object (&s->caseload);
  g_clear_object (&s->store);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Session, session_clear)

static gboolean
session_open (Bench    *b,
              Kind      kind,
              Session  *s,
              GError  **error)
{
  s->cache = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, finalize_statement);
  if (kind == PLAIN_REPLAY || kind == PLAIN_SCAN)
    return (s->plain = cl_plain_open (b->built->plain_path, &b->settings, error)) != NULL;
  return (s->store = cl_store_open (b->built->profile_dir, error)) != NULL
         && (s->caseload = ombud_caseload_new (s->store, error)) != NULL;
}

static gboolean
run_once (Bench    *b,
          Kind      kind,
          Session  *s,
          double   *ms,
          GError  **error)
{
  switch (kind)
    {
    case STORE_STATS: return stats (b, s->caseload, ms, error);
    case PLAIN_REPLAY: return replay (b, s->plain, s->cache, ms, error);
    case STORE_SCAN: return scan (b, ombud_store_get_db (s->store), ms, error);
    case PLAIN_SCAN: return scan (b, s->plain, ms, error);
    default: g_assert_not_reached ();
    }
}

/* Opens, runs WARM + 1 times (the first cold), closes. */
static gboolean
session (Bench    *b,
         Kind      kind,
         guint     warm,
         double   *cold_ms,
         double   *warm_ms,
         GError  **error)
{
  g_auto(Session) s = { 0 };

  if (!session_open (b, kind, &s, error))
    return FALSE;
  for (guint i = 0; i <= warm; i++)
    if (!run_once (b, kind, &s, i == 0 ? cold_ms : &warm_ms[i - 1], error))
      return FALSE;
  return TRUE;
}

static void
report_runs (const double *cold,
             const double *warm,
             guint         reps)
{
  for (guint k = 0; k < N_KINDS; k++)
    {
      g_printerr ("  %s: cold", kind_names[k]);
      for (guint r = 0; r < reps; r++)
        g_printerr (" %.1f", cold[k * reps + r]);
      g_printerr (" ms; warm");
      for (guint r = 0; r < reps; r++)
        g_printerr (" %.1f", warm[k * reps + r]);
      g_printerr (" ms\n");
    }
}

static gboolean
measure (Bench   *b,
         GError **error)
{
  guint reps = b->opts->reps;
  g_autofree double *cold = g_new0 (double, N_KINDS * reps);
  g_autofree double *warm = g_new0 (double, N_KINDS * reps);

  /* Cold runs side by side, the order rotating; the warm runs follow the
   * last cold one of each. */
  for (guint r = 0; r < reps; r++)
    for (guint k = 0; k < N_KINDS; k++)
      {
        Kind kind = (r + k) % N_KINDS;

        if (!session (b, kind, r + 1 == reps ? reps : 0, &cold[kind * reps + r], &warm[kind * reps], error))
          return FALSE;
      }
  report_runs (cold, warm, reps);
  cl_print ("stats_year_cold", cl_median (cold + STORE_STATS * reps, reps),
            cl_median (cold + PLAIN_REPLAY * reps, reps), "ms");
  cl_print ("stats_year_warm", cl_median (warm + STORE_STATS * reps, reps),
            cl_median (warm + PLAIN_REPLAY * reps, reps), "ms");
  cl_print ("stats_scan_cold", cl_median (cold + STORE_SCAN * reps, reps),
            cl_median (cold + PLAIN_SCAN * reps, reps), "ms");
  cl_print ("stats_scan_warm", cl_median (warm + STORE_SCAN * reps, reps),
            cl_median (warm + PLAIN_SCAN * reps, reps), "ms");
  return TRUE;
}

/* ---- what one call runs -------------------------------------------------------- */

static int
on_statement (unsigned  type,
              void     *data,
              void     *p,
              void     *x G_GNUC_UNUSED)
{
  GPtrArray *recorded = data;
  char *sql;

  if (type != SQLITE_TRACE_STMT || (sql = sqlite3_expanded_sql (p)) == NULL)
    return 0;
  g_ptr_array_add (recorded, g_strdup (sql));
  sqlite3_free (sql);
  return 0;
}

static void
write_recorded (Bench *b)
{
  g_autofree char *path = g_strconcat (b->opts->sql_profile, ".sql", NULL);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < b->recorded->len; i++)
    g_string_append_printf (text, "%s;\n", (const char *) g_ptr_array_index (b->recorded, i));
  if (!g_file_set_contents (path, text->str, text->len, NULL))
    g_printerr ("cannot write %s\n", path);
}

static void
describe_totals (Bench    *b,
                 GVariant *totals)
{
  gint64 unique = 0, contacts = 0, active = 0;

  g_variant_lookup (totals, "unique_clients", "x", &unique);
  g_variant_lookup (totals, "contacts", "x", &contacts);
  g_variant_lookup (totals, "active_dec31", "x", &active);
  g_printerr ("year %d: %" G_GINT64_FORMAT " unique clients, %" G_GINT64_FORMAT " active on 31 December, %"
              G_GINT64_FORMAT " contacts; %u SQL statements a call\n", b->year, unique, active, contacts,
              b->recorded->len);
}

/* One call on a fresh store, its statements recorded for the replay. */
static gboolean
record (Bench   *b,
        GError **error)
{
  g_autoptr(OmbudStore) store = cl_store_open (b->built->profile_dir, error);
  g_autoptr(OmbudCaseload) caseload = store ? ombud_caseload_new (store, error) : NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) totals = NULL;
  sqlite3 *db;

  if (caseload == NULL)
    return FALSE;
  db = ombud_store_get_db (store);
  b->recorded = g_ptr_array_new_with_free_func (g_free);
  sqlite3_trace_v2 (db, SQLITE_TRACE_STMT, on_statement, b->recorded);
  result = ombud_stats_year (caseload, b->year, error);
  sqlite3_trace_v2 (db, 0, NULL, NULL);
  if (result == NULL || !cl_settings_read (db, &b->settings, error))
    return FALSE;
  totals = g_variant_lookup_value (result, "totals", G_VARIANT_TYPE_VARDICT);
  if (totals == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the statistics have no totals");
      return FALSE;
    }
  describe_totals (b, totals);
  if (b->opts->sql_profile)
    write_recorded (b);
  return TRUE;
}

/* With --sql-profile: where a warm call's time goes, statement by statement. */
static gboolean
profile (Bench   *b,
         GError **error)
{
  g_autoptr(OmbudStore) store = cl_store_open (b->built->profile_dir, error);
  g_autoptr(OmbudCaseload) caseload = store ? ombud_caseload_new (store, error) : NULL;
  g_autoptr(ClSqlProfile) profile = NULL;
  double total = 0.0, ms;

  if (caseload == NULL || !stats (b, caseload, &ms, error))
    return FALSE;
  profile = cl_sql_profile_new (ombud_store_get_db (store));
  for (guint i = 0; i < b->opts->reps; i++)
    {
      if (!stats (b, caseload, &ms, error))
        return FALSE;
      total += ms / 1000.0;
    }
  cl_sql_profile_write (profile, b->opts->sql_profile, total);
  return TRUE;
}

static gboolean
run_bench (const ClOptions  *opts,
           GError          **error)
{
  ClGenParams params = { opts->quick ? N_CASES / 10 : N_CASES, 10, 4, 4711 };
  g_auto(ClBuilt) built = { 0 };
  g_auto(Bench) b = { 0 };

  if (!cl_ensure_store (opts, opts->quick ? "caseload-1000" : "caseload-10000", &params, TRUE, &built, error))
    return FALSE;
  b.opts = opts;
  b.built = &built;
  b.year = atoi (built.summary.last_day) - 1;
  b.jan1 = g_strdup_printf ("%04d-01-01", b.year);
  b.dec31 = g_strdup_printf ("%04d-12-31", b.year);
  g_printerr ("store: %u cases, %u contacts, %u notes (%s to %s; built in %.0f s)\n", built.summary.cases,
              built.summary.contacts, built.summary.notes, built.summary.first_day, built.summary.last_day,
              built.build_seconds);
  return record (&b, error) && measure (&b, error) && (opts->sql_profile == NULL || profile (&b, error));
}

int
main (int    argc,
      char **argv)
{
  g_auto(ClOptions) opts = { 0 };
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  if (!cl_options_parse (&opts, "A year's statistics on 10,000 cases.", 7, &argc, &argv, &error)
      || !run_bench (&opts, &error))
    {
      g_printerr ("bench-caseload-stats: %s\n", error->message);
      return 1;
    }
  return 0;
}
