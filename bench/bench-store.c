/* bench-store.c: what the encrypting store costs, against plain SQLite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "ours" is an OmbudStore (the encrypting VFS, with the connection settings
 * the app uses); "baseline" is the system SQLite through its default VFS
 * with the same journal, sync, cache and foreign-key settings, read back
 * from a store so that the two cannot drift apart.  The baseline has
 * 4096-byte pages and no reserved bytes, as a user would run it.
 *
 * Figures, each the median of --reps runs with ours and baseline runs
 * interleaved (who goes first alternates):
 *
 *   store_write_<size>              the write-heavy workload, synchronous as
 *                                   the store sets it (FULL): fsync-bound
 *   store_write_<size>_sync_normal  the same with synchronous=NORMAL, which
 *                                   leaves the CPU cost of sealing exposed
 *   store_read_<size>               the read-heavy workload after a reopen
 *                                   (SQLite's cache cold, the OS's warm)
 *
 * where <size> is "caseload" (40 cases) or "caseload_x10" (400 cases).
 * Unlocking costs are bench-unlock's; here the key file uses the cheapest
 * Argon2id settings so that reopening does not dominate the run time.
 * Progress and sizes go to stderr; stdout carries only the JSON lines.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <stdio.h>

#include "bench-common.h"
#include "ombud-store.h"
#include "ombud-vfs.h"

#define PASSPHRASE  "correct horse battery staple"
#define SYNC_NORMAL 1
#define READ_ROUNDS 300

typedef struct {
  char           *root;
  BenchSettings   settings;
  OmbudKdfLimits  fast_kdf;
  guint           reps;
  guint           serial;
} Bench;

/* One database per side, with the same content. */
typedef struct {
  char *ours_dir;
  char *plain_dir;
} Pair;

static void
pair_clear (Pair *pair)
{
  if (pair->ours_dir)
    bench_rm_rf (pair->ours_dir);
  if (pair->plain_dir)
    bench_rm_rf (pair->plain_dir);
  g_clear_pointer (&pair->ours_dir, g_free);
  g_clear_pointer (&pair->plain_dir, g_free);
}

static void
pair_init (Bench *b,
           Pair  *pair)
{
  guint n = b->serial++;

  pair->ours_dir = g_strdup_printf ("%s/ours-%u", b->root, n);
  pair->plain_dir = g_strdup_printf ("%s/plain-%u", b->root, n);
}

static char *
plain_db_path (const char *dir)
{
  return g_build_filename (dir, "plain.db", NULL);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : -1;
}

/* ---- one side, one run ---------------------------------------------------- */

static gboolean
ours_write (Bench         *b,
            BenchDataset  *data,
            const char    *dir,
            int            synchronous,
            double        *seconds,
            GError       **error)
{
  g_autoptr(OmbudStore) store = ombud_store_new (dir);
  g_autofree char *pragma = g_strdup_printf ("PRAGMA synchronous=%d", synchronous);
  sqlite3 *db;
  double start;

  if (!ombud_store_create (store, PASSPHRASE, &b->fast_kdf, error))
    return FALSE;
  db = ombud_store_get_db (store);
  if (!ombud_vfs_exec (db, pragma, error) || !bench_schema_create (db, error))
    return FALSE;

  start = bench_now ();
  if (!bench_dataset_load (data, db, BENCH_LOAD_AS_SAVED, error))
    return FALSE;
  *seconds = bench_now () - start;
  ombud_store_lock (store);
  return TRUE;
}

static gboolean
plain_write (Bench         *b,
             BenchDataset  *data,
             const char    *dir,
             int            synchronous,
             double        *seconds,
             GError       **error)
{
  BenchSettings settings = b->settings;
  g_autofree char *path = plain_db_path (dir);
  sqlite3 *db;
  gboolean ok;
  double start;

  settings.synchronous = synchronous;
  g_mkdir_with_parents (dir, 0700);
  db = bench_plain_open (path, &settings, error);
  if (db == NULL)
    return FALSE;
  ok = bench_schema_create (db, error);
  start = bench_now ();
  ok = ok && bench_dataset_load (data, db, BENCH_LOAD_AS_SAVED, error);
  *seconds = bench_now () - start;
  sqlite3_close (db);
  return ok;
}

static gboolean
ours_read (BenchDataset  *data,
           const char    *dir,
           double        *seconds,
           gsize         *checksum,
           GError       **error)
{
  g_autoptr(OmbudStore) store = ombud_store_new (dir);
  double start;

  if (!ombud_store_unlock (store, PASSPHRASE, error))
    return FALSE;
  start = bench_now ();
  if (!bench_read_workload (data, ombud_store_get_db (store), READ_ROUNDS, 7, checksum, error))
    return FALSE;
  *seconds = bench_now () - start;
  ombud_store_lock (store);
  return TRUE;
}

static gboolean
plain_read (Bench         *b,
            BenchDataset  *data,
            const char    *dir,
            double        *seconds,
            gsize         *checksum,
            GError       **error)
{
  g_autofree char *path = plain_db_path (dir);
  sqlite3 *db = bench_plain_open (path, &b->settings, error);
  gboolean ok;
  double start;

  if (db == NULL)
    return FALSE;
  start = bench_now ();
  ok = bench_read_workload (data, db, READ_ROUNDS, 7, checksum, error);
  *seconds = bench_now () - start;
  sqlite3_close (db);
  return ok;
}

/* ---- figures -------------------------------------------------------------- */

static gboolean
write_both (Bench         *b,
            BenchDataset  *data,
            Pair          *pair,
            int            synchronous,
            gboolean       ours_first,
            double        *ours,
            double        *plain,
            GError       **error)
{
  if (ours_first)
    return ours_write (b, data, pair->ours_dir, synchronous, ours, error)
           && plain_write (b, data, pair->plain_dir, synchronous, plain, error);
  return plain_write (b, data, pair->plain_dir, synchronous, plain, error)
         && ours_write (b, data, pair->ours_dir, synchronous, ours, error);
}

/* Leaves the last run's databases in @keep, if given, for the reads. */
static gboolean
measure_writes (Bench         *b,
                BenchDataset  *data,
                const char    *name,
                int            synchronous,
                Pair          *keep,
                GError       **error)
{
  g_autofree double *ours = g_new0 (double, b->reps);
  g_autofree double *plain = g_new0 (double, b->reps);

  for (guint rep = 0; rep < b->reps; rep++)
    {
      Pair pair = { NULL, NULL };
      gboolean ok;

      pair_init (b, &pair);
      ok = write_both (b, data, &pair, synchronous, rep % 2 == 0, &ours[rep], &plain[rep], error);
      g_printerr ("  %s run %u: ours %.3f s, baseline %.3f s\n", name, rep + 1, ours[rep], plain[rep]);
      if (ok && keep != NULL && rep + 1 == b->reps)
        *keep = pair;
      else
        pair_clear (&pair);
      if (!ok)
        return FALSE;
    }
  bench_print (name, bench_median (ours, b->reps), bench_median (plain, b->reps), "s");
  return TRUE;
}

static gboolean
read_both (Bench         *b,
           BenchDataset  *data,
           const Pair    *pair,
           gboolean       ours_first,
           double        *ours,
           double        *plain,
           GError       **error)
{
  gsize ours_sum = 0, plain_sum = 0;
  gboolean ok;

  if (ours_first)
    ok = ours_read (data, pair->ours_dir, ours, &ours_sum, error)
         && plain_read (b, data, pair->plain_dir, plain, &plain_sum, error);
  else
    ok = plain_read (b, data, pair->plain_dir, plain, &plain_sum, error)
         && ours_read (data, pair->ours_dir, ours, &ours_sum, error);
  if (ok && ours_sum != plain_sum)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "the store and the baseline read different data");
      return FALSE;
    }
  return ok;
}

static gboolean
measure_reads (Bench         *b,
               BenchDataset  *data,
               const char    *name,
               const Pair    *pair,
               GError       **error)
{
  g_autofree double *ours = g_new0 (double, b->reps);
  g_autofree double *plain = g_new0 (double, b->reps);

  for (guint rep = 0; rep < b->reps; rep++)
    {
      if (!read_both (b, data, pair, rep % 2 == 0, &ours[rep], &plain[rep], error))
        return FALSE;
      g_printerr ("  %s run %u: ours %.3f s, baseline %.3f s\n", name, rep + 1, ours[rep], plain[rep]);
    }
  bench_print (name, bench_median (ours, b->reps), bench_median (plain, b->reps), "s");
  return TRUE;
}

static void
describe (BenchDataset *data,
          const Pair   *pair)
{
  g_autofree char *ours_db = g_build_filename (pair->ours_dir, "ombud.db", NULL);
  g_autofree char *plain_db = plain_db_path (pair->plain_dir);

  g_printerr ("  %u cases, %u notes, %u contacts: store %.1f MiB, baseline %.1f MiB\n",
              bench_dataset_get_n_cases (data),
              bench_dataset_get_n_cases (data) * BENCH_NOTES_PER_CASE,
              bench_dataset_get_n_cases (data) * BENCH_CONTACTS_PER_CASE,
              file_size (ours_db) / 1048576.0, file_size (plain_db) / 1048576.0);
}

static gboolean
run_size (Bench       *b,
          guint        factor,
          const char  *size,
          GError     **error)
{
  g_autoptr(BenchDataset) data = bench_dataset_new (BENCH_CASELOAD_CASES * factor, 1000 + factor);
  g_autofree char *write_name = g_strdup_printf ("store_write_%s", size);
  g_autofree char *normal_name = g_strdup_printf ("store_write_%s_sync_normal", size);
  g_autofree char *read_name = g_strdup_printf ("store_read_%s", size);
  Pair kept = { NULL, NULL };
  gboolean ok;

  g_printerr ("%s:\n", size);
  ok = measure_writes (b, data, write_name, b->settings.synchronous, &kept, error);
  if (ok)
    describe (data, &kept);
  ok = ok
       && measure_writes (b, data, normal_name, SYNC_NORMAL, NULL, error)
       && measure_reads (b, data, read_name, &kept, error);
  pair_clear (&kept);
  return ok;
}

/* The store's own settings, for the baseline to copy. */
static gboolean
read_store_settings (Bench   *b,
                     GError **error)
{
  g_autofree char *dir = g_build_filename (b->root, "probe", NULL);
  g_autoptr(OmbudStore) store = ombud_store_new (dir);
  gboolean ok;

  if (!ombud_store_create (store, PASSPHRASE, &b->fast_kdf, error))
    return FALSE;
  ok = bench_settings_read (ombud_store_get_db (store), &b->settings, error);
  ombud_store_lock (store);
  bench_rm_rf (dir);
  g_printerr ("SQLite %s, libsodium %s; journal_mode=%s synchronous=%d cache_size=%d "
              "foreign_keys=%d\n", sqlite3_libversion (), sodium_version_string (),
              b->settings.journal_mode, b->settings.synchronous, b->settings.cache_size,
              b->settings.foreign_keys);
  return ok;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  int reps = 5;
  gboolean quick = FALSE;
  Bench b = { NULL, { "", 0, 0, 0 }, { crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN }, 0, 0 };
  const GOptionEntry entries[] = {
    { "reps", 'n', 0, G_OPTION_ARG_INT, &reps, "Runs per figure (median reported)", "N" },
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "The caseload size only", NULL },
    G_OPTION_ENTRY_NULL
  };
  gboolean ok;

  context = g_option_context_new ("— the encrypting store against plain SQLite");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || reps < 1 || sodium_init () < 0)
    {
      g_printerr ("bench-store: %s\n", error ? error->message : "bad arguments");
      return 2;
    }
  b.reps = reps;
  b.root = bench_make_tmpdir (&error);
  if (b.root == NULL)
    {
      g_printerr ("bench-store: %s\n", error->message);
      return 1;
    }

  ok = read_store_settings (&b, &error)
       && run_size (&b, 1, "caseload", &error)
       && (quick || run_size (&b, 10, "caseload_x10", &error));
  bench_rm_rf (b.root);
  g_free (b.root);
  if (!ok)
    {
      g_printerr ("bench-store: %s\n", error->message);
      return 1;
    }
  return 0;
}
