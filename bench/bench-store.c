/* bench-store.c: what the encrypting store costs, against plain SQLite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "ours" is an OmbudStore (the encrypting VFS, with the connection settings
 * the app uses); "baseline" is the system SQLite through its default VFS
 * with the same journal, sync, cache, foreign-key and secure-delete
 * settings, read back from a store so that the two cannot drift apart.  The
 * baseline has 4096-byte pages, no reserved bytes and the default temp
 * store, as a user would run it; the store's temp_store=MEMORY is part of
 * what the encryption costs.
 *
 * Each run loads, or reads, both databases side by side: every transaction
 * and every round of reads runs on one and then the other (who goes first
 * alternates), and each side's time is added up, so that both meet the same
 * disk and the same neighbours on a busy machine.  Figures are the median
 * of --reps runs (--reps-x10 for the larger size, whose runs take half a
 * minute):
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

/* ---- one run ---------------------------------------------------------------- */

enum { OURS, PLAIN };

static gboolean
open_plain (Bench                *b,
            const char           *dir,
            const BenchSettings  *settings,
            sqlite3             **out,
            GError              **error)
{
  g_autofree char *path = plain_db_path (dir);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create %s", dir);
      return FALSE;
    }
  *out = bench_plain_open (path, settings ? settings : &b->settings, error);
  return *out != NULL;
}

static gboolean
load_both (BenchDataset  *data,
           sqlite3      **dbs,
           int            synchronous,
           double        *seconds,
           GError       **error)
{
  g_autofree char *pragma = g_strdup_printf ("PRAGMA synchronous=%d", synchronous);

  return ombud_vfs_exec (dbs[OURS], pragma, error)
         && bench_schema_create (dbs[OURS], error)
         && bench_schema_create (dbs[PLAIN], error)
         && bench_dataset_load_timed (data, dbs, 2, BENCH_LOAD_AS_SAVED, seconds, error);
}

/* A fresh store and a fresh plain database, written side by side. */
static gboolean
write_run (Bench         *b,
           BenchDataset  *data,
           const Pair    *pair,
           int            synchronous,
           double        *seconds,
           GError       **error)
{
  g_autoptr(OmbudStore) store = ombud_store_new (pair->ours_dir);
  BenchSettings settings = b->settings;
  sqlite3 *dbs[2] = { NULL, NULL };
  gboolean ok;

  settings.synchronous = synchronous;
  if (!ombud_store_create (store, PASSPHRASE, &b->fast_kdf, error))
    return FALSE;
  dbs[OURS] = ombud_store_get_db (store);
  ok = open_plain (b, pair->plain_dir, &settings, &dbs[PLAIN], error)
       && load_both (data, dbs, synchronous, seconds, error);
  sqlite3_close (dbs[PLAIN]);
  ombud_store_lock (store);
  return ok;
}

/* Both reopened, so that SQLite's caches start cold, and read side by side. */
static gboolean
read_run (Bench         *b,
          BenchDataset  *data,
          const Pair    *pair,
          double        *seconds,
          GError       **error)
{
  g_autoptr(OmbudStore) store = ombud_store_new (pair->ours_dir);
  sqlite3 *dbs[2] = { NULL, NULL };
  gsize sums[2];
  gboolean ok;

  if (!ombud_store_unlock (store, PASSPHRASE, error))
    return FALSE;
  dbs[OURS] = ombud_store_get_db (store);
  ok = open_plain (b, pair->plain_dir, NULL, &dbs[PLAIN], error)
       && bench_read_workload_timed (data, dbs, 2, READ_ROUNDS, 7, seconds, sums, error);
  sqlite3_close (dbs[PLAIN]);
  ombud_store_lock (store);
  if (ok && sums[OURS] != sums[PLAIN])
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "the store and the baseline read different data");
      return FALSE;
    }
  return ok;
}

/* ---- figures -------------------------------------------------------------- */

static void
report_run (const char *name,
            guint       rep,
            double      ours,
            double      plain)
{
  g_printerr ("  %s run %u: ours %.3f s, baseline %.3f s\n", name, rep + 1, ours, plain);
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
      double seconds[2] = { 0, 0 };
      gboolean ok;

      pair_init (b, &pair);
      ok = write_run (b, data, &pair, synchronous, seconds, error);
      ours[rep] = seconds[OURS];
      plain[rep] = seconds[PLAIN];
      if (ok)
        report_run (name, rep, ours[rep], plain[rep]);
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
      double seconds[2] = { 0, 0 };

      if (!read_run (b, data, pair, seconds, error))
        return FALSE;
      ours[rep] = seconds[OURS];
      plain[rep] = seconds[PLAIN];
      report_run (name, rep, ours[rep], plain[rep]);
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
          guint        reps,
          const char  *size,
          GError     **error)
{
  g_autoptr(BenchDataset) data = bench_dataset_new (BENCH_CASELOAD_CASES * factor, 1000 + factor);
  g_autofree char *write_name = g_strdup_printf ("store_write_%s", size);
  g_autofree char *normal_name = g_strdup_printf ("store_write_%s_sync_normal", size);
  g_autofree char *read_name = g_strdup_printf ("store_read_%s", size);
  Pair kept = { NULL, NULL };
  gboolean ok;

  b->reps = reps;
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
              "foreign_keys=%d secure_delete=%d\n", sqlite3_libversion (),
              sodium_version_string (), b->settings.journal_mode, b->settings.synchronous,
              b->settings.cache_size, b->settings.foreign_keys, b->settings.secure_delete);
  return ok;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  int reps = 5;
  int reps_x10 = 3;
  gboolean quick = FALSE;
  Bench b = {
    .fast_kdf = { crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN },
  };
  const GOptionEntry entries[] = {
    { "reps", 'n', 0, G_OPTION_ARG_INT, &reps, "Runs per figure (median reported)", "N" },
    { "reps-x10", 0, 0, G_OPTION_ARG_INT, &reps_x10, "Runs per figure of the larger size", "N" },
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "The caseload size only", NULL },
    G_OPTION_ENTRY_NULL
  };
  gboolean ok;

  context = g_option_context_new ("— the encrypting store against plain SQLite");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || reps < 1 || reps_x10 < 1
      || sodium_init () < 0)
    {
      g_printerr ("bench-store: %s\n", error ? error->message : "bad arguments");
      return 2;
    }
  b.root = bench_make_tmpdir (&error);
  if (b.root == NULL)
    {
      g_printerr ("bench-store: %s\n", error->message);
      return 1;
    }

  ok = read_store_settings (&b, &error)
       && run_size (&b, 1, reps, "caseload", &error)
       && (quick || run_size (&b, 10, reps_x10, "caseload_x10", &error));
  bench_rm_rf (b.root);
  g_free (b.root);
  if (!ok)
    {
      g_printerr ("bench-store: %s\n", error->message);
      return 1;
    }
  return 0;
}
