/* caseload-common.c: what the caseload benchmarks share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "caseload-common.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "ombud-migrations.h"
#include "ombud-vfs.h"

#define BUILD_INFO "build.ini"

/* ---- options ----------------------------------------------------------------- */

void
cl_options_clear (ClOptions *opts)
{
  g_clear_pointer (&opts->cache_dir, g_free);
  g_clear_pointer (&opts->sql_profile, g_free);
  g_clear_pointer (&opts->pragmas, g_strfreev);
}

gboolean
cl_options_parse (ClOptions   *opts,
                  const char  *summary,
                  guint        default_reps,
                  int         *argc,
                  char      ***argv,
                  GError     **error)
{
  int reps = 0;
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &opts->quick,
      "A store a tenth the size, fewer runs (also OMBUD_BENCH_QUICK=1)", NULL },
    { "reps", 'r', 0, G_OPTION_ARG_INT, &reps, "Runs (or passes) per figure", "N" },
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &opts->cache_dir,
      "Where built stores are kept (default $OMBUD_BENCH_DIR or /tmp/ombud-bench-caseload)", "DIR" },
    { "sql-profile", 0, 0, G_OPTION_ARG_FILENAME, &opts->sql_profile,
      "Write the time per SQL statement of the measured store to FILE", "FILE" },
    { "pragma", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts->pragmas,
      "Catch-up: run PRAGMA P on both sides before measuring (repeatable), e.g. synchronous=NORMAL", "P" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  const char *env_dir = g_getenv ("OMBUD_BENCH_DIR");

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (g_strcmp0 (g_getenv ("OMBUD_BENCH_QUICK"), "1") == 0)
    opts->quick = TRUE;
  opts->reps = reps > 0 ? (guint) reps : MAX (1, opts->quick ? default_reps / 2 : default_reps);
  if (opts->cache_dir == NULL)
    opts->cache_dir = g_strdup (env_dir && *env_dir ? env_dir : "/tmp/ombud-bench-caseload");
  return TRUE;
}

/* ---- figures ---------------------------------------------------------------- */

double
cl_now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double *
sorted_copy (const double *values,
             guint         n)
{
  double *copy = g_memdup2 (values, n * sizeof *values);

  qsort (copy, n, sizeof *copy, compare_doubles);
  return copy;
}

double
cl_median (const double *values,
           guint         n)
{
  g_autofree double *s = NULL;

  if (n == 0)
    return 0.0;
  s = sorted_copy (values, n);
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

/* Nearest rank: the smallest value with at least p of them at or below it. */
double
cl_percentile (const double *values,
               guint         n,
               double        p)
{
  g_autofree double *s = NULL;
  guint rank;

  if (n == 0)
    return 0.0;
  s = sorted_copy (values, n);
  rank = (guint) MAX (1.0, (double) n * p + 0.999999);
  return s[MIN (rank, n) - 1];
}

void
cl_print (const char *bench,
          double      ours,
          double      baseline,
          const char *unit)
{
  char o[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE], r[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (o, sizeof o, "%.4g", ours);
  g_ascii_formatd (b, sizeof b, "%.4g", baseline);
  g_ascii_formatd (r, sizeof r, "%.3g", baseline > 0 ? ours / baseline : 0.0);
  printf ("{\"bench\":\"%s\",\"ours\":%s,\"baseline\":%s,\"ratio\":%s,\"unit\":\"%s\"}\n",
          bench, o, b, r, unit);
  fflush (stdout);
}

/* ---- files ------------------------------------------------------------------ */

char *
cl_temp_dir (const char *prefix)
{
  g_autofree char *template = g_strdup_printf ("%s-XXXXXX", prefix);
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (template, &error);

  if (dir == NULL)
    g_error ("cannot make a temporary folder: %s", error->message);
  return dir;
}

void
cl_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      cl_rm_rf (child);
    }
  g_rmdir (path);
}

/* ---- stores ------------------------------------------------------------------- */

const OmbudKdfLimits *
cl_fast_kdf (void)
{
  static const OmbudKdfLimits fast = { crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN };

  return &fast;
}

OmbudStore *
cl_store_open (const char  *profile_dir,
               GError     **error)
{
  g_autoptr(OmbudStore) store = ombud_store_new (profile_dir);

  if (!ombud_store_unlock (store, CL_PASSPHRASE, error))
    return NULL;
  return g_steal_pointer (&store);
}

OmbudStore *
cl_store_create (const char  *profile_dir,
                 GError     **error)
{
  g_autoptr(OmbudStore) store = ombud_store_new (profile_dir);

  if (!ombud_store_create (store, CL_PASSPHRASE, cl_fast_kdf (), error))
    return NULL;
  return g_steal_pointer (&store);
}

void
cl_built_clear (ClBuilt *built)
{
  g_clear_pointer (&built->profile_dir, g_free);
  g_clear_pointer (&built->plain_path, g_free);
}

static void
info_set_summary (GKeyFile           *info,
                  const ClGenSummary *s)
{
  const struct { const char *key; guint value; } counts[] = {
    { "municipalities", s->municipalities }, { "ombuds", s->ombuds }, { "cases", s->cases },
    { "referred", s->referred }, { "closed", s->closed }, { "contacts", s->contacts },
    { "notes", s->notes }, { "goals", s->goals }, { "deadlines", s->deadlines },
    { "edits", s->edits }, { "deficiencies", s->deficiencies }, { "transactions", s->transactions },
  };

  g_key_file_set_string (info, "summary", "first_day", s->first_day);
  g_key_file_set_string (info, "summary", "last_day", s->last_day);
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    g_key_file_set_uint64 (info, "summary", counts[i].key, counts[i].value);
}

static void
info_get_summary (GKeyFile     *info,
                  ClGenSummary *s)
{
  g_autofree char *first = g_key_file_get_string (info, "summary", "first_day", NULL);
  g_autofree char *last = g_key_file_get_string (info, "summary", "last_day", NULL);
  struct { const char *key; guint *value; } counts[] = {
    { "municipalities", &s->municipalities }, { "ombuds", &s->ombuds }, { "cases", &s->cases },
    { "referred", &s->referred }, { "closed", &s->closed }, { "contacts", &s->contacts },
    { "notes", &s->notes }, { "goals", &s->goals }, { "deadlines", &s->deadlines },
    { "edits", &s->edits }, { "deficiencies", &s->deficiencies }, { "transactions", &s->transactions },
  };

  g_strlcpy (s->first_day, first ? first : "", sizeof s->first_day);
  g_strlcpy (s->last_day, last ? last : "", sizeof s->last_day);
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    *counts[i].value = (guint) g_key_file_get_uint64 (info, "summary", counts[i].key, NULL);
}

static char *
params_text (const ClGenParams *p)
{
  return g_strdup_printf ("v%d schema=%d cases=%u notes=%u years=%u seed=%u", CL_GEN_VERSION,
                          ombud_migrations_latest (), p->n_cases, p->notes_per_case, p->years, p->seed);
}

/* A complete build from the same parameters, or FALSE. */
static gboolean
read_info (const char        *dir,
           const ClGenParams *params,
           ClBuilt           *out)
{
  g_autofree char *path = g_build_filename (dir, BUILD_INFO, NULL);
  g_autoptr(GKeyFile) info = g_key_file_new ();
  g_autofree char *want = params_text (params);
  g_autofree char *have = NULL;

  if (!g_key_file_load_from_file (info, path, G_KEY_FILE_NONE, NULL))
    return FALSE;
  have = g_key_file_get_string (info, "build", "params", NULL);
  if (g_strcmp0 (have, want) != 0)
    return FALSE;
  out->build_seconds = g_key_file_get_double (info, "build", "seconds", NULL);
  info_get_summary (info, &out->summary);
  return TRUE;
}

static gboolean
write_info (const char        *dir,
            const ClGenParams *params,
            const ClBuilt     *built,
            GError           **error)
{
  g_autofree char *path = g_build_filename (dir, BUILD_INFO, NULL);
  g_autoptr(GKeyFile) info = g_key_file_new ();
  g_autofree char *text = params_text (params);

  g_key_file_set_string (info, "build", "params", text);
  g_key_file_set_double (info, "build", "seconds", built->build_seconds);
  info_set_summary (info, &built->summary);
  return g_key_file_save_to_file (info, path, error);
}

/* Build-phase settings only: thousands of small transactions would each wait
 * for fsync under synchronous=FULL.  The measured store is reopened with the
 * store's own settings. */
#define BUILD_PRAGMAS \
  "PRAGMA synchronous=OFF; PRAGMA wal_autocheckpoint=20000; PRAGMA cache_size=-262144"

static gboolean
build_store (const char        *profile_dir,
             const ClGenParams *params,
             ClBuilt           *out,
             GError           **error)
{
  g_autoptr(OmbudStore) store = NULL;
  double t0 = cl_now ();

  cl_rm_rf (profile_dir);
  g_printerr ("building %s: %u cases, %u notes a case on average, over %u years "
              "(once; kept for later runs)\n", profile_dir, params->n_cases, params->notes_per_case,
              params->years);
  store = cl_store_create (profile_dir, error);
  if (store == NULL
      || !ombud_vfs_exec (ombud_store_get_db (store), BUILD_PRAGMAS, error)
      || !cl_gen_fill (store, params, &out->summary, error)
      || !ombud_vfs_exec (ombud_store_get_db (store), "PRAGMA wal_checkpoint(TRUNCATE)", error))
    return FALSE;
  ombud_store_lock (store);
  out->build_seconds = cl_now () - t0;
  out->built_now = TRUE;
  g_printerr ("built in %.1f s: %u transactions, %u cases, %u contacts, %u notes\n",
              out->build_seconds, out->summary.transactions, out->summary.cases,
              out->summary.contacts, out->summary.notes);
  return TRUE;
}

static gboolean
build_plain (const char  *profile_dir,
             const char  *plain_path,
             GError     **error)
{
  g_autoptr(OmbudStore) store = cl_store_open (profile_dir, error);
  g_autofree char *tmp = g_strconcat (plain_path, ".tmp", NULL);
  double t0 = cl_now ();

  if (store == NULL || !cl_plain_copy (ombud_store_get_db (store), tmp, error))
    return FALSE;
  if (g_rename (tmp, plain_path) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot rename %s", tmp);
      return FALSE;
    }
  g_printerr ("plain copy %s made in %.1f s\n", plain_path, cl_now () - t0);
  return TRUE;
}

static int
lock_cache (const char  *dir,
            GError     **error)
{
  g_autofree char *path = g_build_filename (dir, ".lock", NULL);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0 || (fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot use %s: %s", dir,
                   g_strerror (saved));
      return -1;
    }
  flock (fd, LOCK_EX);
  return fd;
}

static gboolean
ensure_locked (const char        *dir,
               const ClGenParams *params,
               gboolean           with_plain,
               ClBuilt           *out,
               GError           **error)
{
  g_autofree char *info_path = g_build_filename (dir, BUILD_INFO, NULL);

  out->profile_dir = g_build_filename (dir, "profile", NULL);
  if (!read_info (dir, params, out))
    {
      g_unlink (info_path);
      if (!build_store (out->profile_dir, params, out, error) || !write_info (dir, params, out, error))
        return FALSE;
    }
  if (!with_plain)
    return TRUE;
  out->plain_path = g_build_filename (dir, "plain.db", NULL);
  return g_file_test (out->plain_path, G_FILE_TEST_EXISTS) && !out->built_now
         ? TRUE : build_plain (out->profile_dir, out->plain_path, error);
}

gboolean
cl_ensure_store (const ClOptions    *opts,
                 const char         *name,
                 const ClGenParams  *params,
                 gboolean            with_plain,
                 ClBuilt            *out,
                 GError            **error)
{
  g_autofree char *dir = g_build_filename (opts->cache_dir, name, NULL);
  int fd = lock_cache (dir, error);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = ensure_locked (dir, params, with_plain, out, error);
  close (fd);
  return ok;
}

/* ---- plain SQLite ------------------------------------------------------------- */

gboolean
cl_query_int (sqlite3     *db,
              const char  *sql,
              gint64      *out,
              GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      *out = sqlite3_column_int64 (stmt, 0);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, sql);
      return FALSE;
    }
  return TRUE;
}

gboolean
cl_settings_read (sqlite3     *db,
                  ClSettings  *out,
                  GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 sync = 0, cache = 0, fk = 0, sd = 0, temp = 0;

  if (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    g_strlcpy (out->journal_mode, (const char *) sqlite3_column_text (stmt, 0), sizeof out->journal_mode);
  sqlite3_finalize (stmt);
  if (!cl_query_int (db, "PRAGMA synchronous", &sync, error)
      || !cl_query_int (db, "PRAGMA cache_size", &cache, error)
      || !cl_query_int (db, "PRAGMA foreign_keys", &fk, error)
      || !cl_query_int (db, "PRAGMA secure_delete", &sd, error)
      || !cl_query_int (db, "PRAGMA temp_store", &temp, error))
    return FALSE;
  out->synchronous = (int) sync;
  out->cache_size = (int) cache;
  out->foreign_keys = (int) fk;
  out->secure_delete = (int) sd;
  out->temp_store = (int) temp;
  return TRUE;
}

/* The default VFS with the store's connection settings, temp store
 * included: the two sides differ in the VFS alone. */
sqlite3 *
cl_plain_open (const char        *path,
               const ClSettings  *s,
               GError           **error)
{
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  g_autofree char *pragmas =
    g_strdup_printf ("PRAGMA page_size=4096; PRAGMA journal_mode=%s; PRAGMA synchronous=%d;"
                     " PRAGMA cache_size=%d; PRAGMA foreign_keys=%d; PRAGMA secure_delete=%d;"
                     " PRAGMA temp_store=%d; PRAGMA mmap_size=0; SELECT count(*) FROM sqlite_schema;",
                     s->journal_mode, s->synchronous, s->cache_size, s->foreign_keys,
                     s->secure_delete, s->temp_store);
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (path, &db, flags, NULL);

  if (rc != SQLITE_OK || !ombud_vfs_exec (db, pragmas, error))
    {
      if (rc != SQLITE_OK)
        ombud_vfs_set_sqlite_error (error, db, rc, path);
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

gboolean
cl_plain_copy (sqlite3     *store_db,
               const char  *path,
               GError     **error)
{
  sqlite3 *dest = NULL;
  sqlite3_backup *backup;
  int rc;

  g_unlink (path);
  rc = sqlite3_open_v2 (path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc == SQLITE_OK)
    {
      backup = sqlite3_backup_init (dest, "main", store_db, "main");
      rc = backup ? sqlite3_backup_step (backup, -1) : sqlite3_errcode (dest);
      sqlite3_backup_finish (backup);
    }
  if (rc == SQLITE_DONE)
    rc = sqlite3_exec (dest, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    ombud_vfs_set_sqlite_error (error, dest, rc, "could not copy the store");
  sqlite3_close (dest);
  return rc == SQLITE_OK;
}

/* ---- where the time goes ----------------------------------------------------- */

typedef struct {
  char   *sql;
  guint64 runs;
  guint64 ns;
} ClSqlCost;

struct _ClSqlProfile {
  sqlite3    *db;
  GHashTable *costs;  /* SQL text -> ClSqlCost */
};

static void
sql_cost_free (ClSqlCost *cost)
{
  g_free (cost->sql);
  g_free (cost);
}

static int
on_profile (unsigned  type,
            void     *data,
            void     *p,
            void     *x)
{
  ClSqlProfile *self = data;
  const char *sql = sqlite3_sql (p);
  ClSqlCost *cost;

  if (type != SQLITE_TRACE_PROFILE || sql == NULL)
    return 0;
  cost = g_hash_table_lookup (self->costs, sql);
  if (cost == NULL)
    {
      cost = g_new0 (ClSqlCost, 1);
      cost->sql = g_strdup (sql);
      g_hash_table_insert (self->costs, cost->sql, cost);
    }
  cost->runs++;
  cost->ns += *(sqlite3_uint64 *) x;
  return 0;
}

ClSqlProfile *
cl_sql_profile_new (sqlite3 *db)
{
  ClSqlProfile *self = g_new0 (ClSqlProfile, 1);

  self->db = db;
  self->costs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) sql_cost_free);
  sqlite3_trace_v2 (db, SQLITE_TRACE_PROFILE, on_profile, self);
  return self;
}

void
cl_sql_profile_free (ClSqlProfile *self)
{
  if (self == NULL)
    return;
  sqlite3_trace_v2 (self->db, 0, NULL, NULL);
  g_hash_table_unref (self->costs);
  g_free (self);
}

static int
by_time (gconstpointer a,
         gconstpointer b)
{
  const ClSqlCost *x = *(ClSqlCost *const *) a, *y = *(ClSqlCost *const *) b;

  return (y->ns > x->ns) - (y->ns < x->ns);
}

void
cl_sql_profile_write (ClSqlProfile *self,
                      const char   *path,
                      double        wall_seconds)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  g_autoptr(GString) out = g_string_new (NULL);
  guint64 total = 0;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->costs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (all, value);

  g_ptr_array_sort (all, by_time);
  for (guint i = 0; i < all->len; i++)
    total += ((ClSqlCost *) g_ptr_array_index (all, i))->ns;
  g_string_append_printf (out, "# wall %.3f s; in SQL statements %.3f s (%.0f%%)\n"
                          "# seconds  share  runs  us/run  statement\n",
                          wall_seconds, total / 1e9, wall_seconds > 0 ? 100.0 * total / 1e9 / wall_seconds : 0.0);
  for (guint i = 0; i < all->len; i++)
    {
      ClSqlCost *c = g_ptr_array_index (all, i);
      g_autofree char *one_line = g_strdelimit (g_strdup (c->sql), "\n", ' ');

      g_string_append_printf (out, "%8.3f %5.1f%% %7" G_GUINT64_FORMAT " %7.1f  %.200s\n", c->ns / 1e9,
                              wall_seconds > 0 ? 100.0 * c->ns / 1e9 / wall_seconds : 0.0, c->runs,
                              c->runs ? c->ns / 1e3 / c->runs : 0.0, one_line);
    }
  if (!g_file_set_contents (path, out->str, out->len, NULL))
    g_printerr ("cannot write %s\n", path);
  else
    g_printerr ("SQL profile written to %s\n", path);
}
