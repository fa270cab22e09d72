/* bench-unlock.c: how long unlocking takes, and how much memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A profile is created with the default Argon2id limits and a caseload of
 * data, then locked.  Figures, each the median of --reps runs (default 5;
 * Argon2id's time alone varies by a tenth from run to run), the three
 * timings interleaved:
 *
 *   unlock           ombud_store_unlock (read the key file, Argon2id, unwrap,
 *                    open through the VFS, settings, migration check);
 *                    baseline: opening a plain SQLite database of the same
 *                    content with the same settings.  The ratio only says
 *                    how much the passphrase costs compared with no
 *                    encryption at all.
 *   unlock_vs_kdf    the same unlock; baseline: crypto_pwhash alone with the
 *                    same limits.  The ratio is what opening adds to the KDF.
 *   unlock_peak_rss  peak resident memory of a fresh process that unlocks
 *                    the profile; baseline: one that opens the plain
 *                    database.  Both include the process's own libraries.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-common.h"
#include "ombud-store.h"
#include "ombud-vfs.h"

#define PASSPHRASE "correct horse battery staple"
#define RSS_REPS   3

typedef struct {
  char          *profile_dir;
  char          *plain_path;
  BenchSettings  settings;
  guint          reps;
} Bench;

/* ---- setting up ----------------------------------------------------------- */

static gboolean
make_profile (Bench         *b,
              BenchDataset  *data,
              GError       **error)
{
  g_autoptr(OmbudStore) store = ombud_store_new (b->profile_dir);
  sqlite3 *db;

  if (!ombud_store_create (store, PASSPHRASE, NULL, error))
    return FALSE;
  db = ombud_store_get_db (store);
  if (!bench_settings_read (db, &b->settings, error)
      || !bench_schema_create (db, error)
      || !bench_dataset_load (data, db, BENCH_LOAD_BATCHED, error))
    return FALSE;
  ombud_store_lock (store);
  return TRUE;
}

static gboolean
make_plain (Bench         *b,
            BenchDataset  *data,
            GError       **error)
{
  sqlite3 *db = bench_plain_open (b->plain_path, &b->settings, error);
  gboolean ok;

  if (db == NULL)
    return FALSE;
  ok = bench_schema_create (db, error) && bench_dataset_load (data, db, BENCH_LOAD_BATCHED, error);
  sqlite3_close (db);
  return ok;
}

/* ---- the three things timed ----------------------------------------------- */

static gboolean
time_unlock (Bench    *b,
             double   *seconds,
             GError  **error)
{
  g_autoptr(OmbudStore) store = ombud_store_new (b->profile_dir);
  double start = bench_now ();

  if (!ombud_store_unlock (store, PASSPHRASE, error))
    return FALSE;
  *seconds = bench_now () - start;
  ombud_store_lock (store);
  return TRUE;
}

/* What the store does after opening, minus the key: settings and the
 * schema-version check. */
static sqlite3 *
plain_open_like_store (const char           *path,
                       const BenchSettings  *settings,
                       GError              **error)
{
  sqlite3 *db = bench_plain_open (path, settings, error);

  if (db != NULL && !ombud_vfs_exec (db, "PRAGMA user_version", error))
    g_clear_pointer (&db, sqlite3_close);
  return db;
}

static gboolean
time_plain_open (Bench    *b,
                 double   *seconds,
                 GError  **error)
{
  double start = bench_now ();
  sqlite3 *db = plain_open_like_store (b->plain_path, &b->settings, error);

  if (db == NULL)
    return FALSE;
  *seconds = bench_now () - start;
  sqlite3_close (db);
  return TRUE;
}

static gboolean
time_kdf (double   *seconds,
          GError  **error)
{
  const OmbudKdfLimits *limits = ombud_kdf_limits_default ();
  guint8 salt[crypto_pwhash_SALTBYTES];
  guint8 key[32];
  double start;
  int rc;

  randombytes_buf (salt, sizeof salt);
  start = bench_now ();
  rc = crypto_pwhash (key, sizeof key, PASSPHRASE, strlen (PASSPHRASE), salt,
                      limits->opslimit, limits->memlimit, crypto_pwhash_ALG_ARGON2ID13);
  *seconds = bench_now () - start;
  sodium_memzero (key, sizeof key);
  if (rc != 0)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "crypto_pwhash ran out of memory");
  return rc == 0;
}

static gboolean
measure_times (Bench    *b,
               GError  **error)
{
  g_autofree double *unlock = g_new0 (double, b->reps);
  g_autofree double *plain = g_new0 (double, b->reps);
  g_autofree double *kdf = g_new0 (double, b->reps);

  /* Rotate the order, so that drift does not favour one of them. */
  for (guint rep = 0; rep < b->reps; rep++)
    for (guint k = 0; k < 3; k++)
      {
        guint which = (rep + k) % 3;
        gboolean ok = which == 0 ? time_unlock (b, &unlock[rep], error)
                      : which == 1 ? time_plain_open (b, &plain[rep], error)
                      : time_kdf (&kdf[rep], error);
        if (!ok)
          return FALSE;
      }
  for (guint rep = 0; rep < b->reps; rep++)
    g_printerr ("  run %u: unlock %.3f s, plain open %.5f s, Argon2id alone %.3f s\n",
                rep + 1, unlock[rep], plain[rep], kdf[rep]);

  bench_print ("unlock", bench_median (unlock, b->reps), bench_median (plain, b->reps), "s");
  bench_print ("unlock_vs_kdf", bench_median (unlock, b->reps), bench_median (kdf, b->reps), "s");
  return TRUE;
}

/* ---- peak memory, in a fresh process each ---------------------------------- */

static int
child_unlock (const char *dir)
{
  g_autoptr(OmbudStore) store = ombud_store_new (dir);
  g_autoptr(GError) error = NULL;

  if (!ombud_store_unlock (store, PASSPHRASE, &error))
    {
      g_printerr ("bench-unlock: %s\n", error->message);
      return 1;
    }
  ombud_store_lock (store);
  return 0;
}

static int
child_open (char **argv)
{
  BenchSettings settings = { "", atoi (argv[1]), atoi (argv[2]), atoi (argv[3]), atoi (argv[4]) };
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  g_strlcpy (settings.journal_mode, argv[0], sizeof settings.journal_mode);
  db = plain_open_like_store (argv[5], &settings, &error);
  if (db == NULL)
    {
      g_printerr ("bench-unlock: %s\n", error->message);
      return 1;
    }
  sqlite3_close (db);
  return 0;
}

static gboolean
child_peak_rss (char    **child_argv,
                double   *mib,
                GError  **error)
{
  struct rusage usage;
  int status = 0;
  pid_t pid;

  fflush (stdout);
  pid = fork ();
  if (pid == 0)
    {
      execv ("/proc/self/exe", child_argv);
      _exit (127);
    }
  if (pid < 0 || wait4 (pid, &status, 0, &usage) != pid
      || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the %s child failed", child_argv[1]);
      return FALSE;
    }
  *mib = usage.ru_maxrss / 1024.0;  /* KiB on Linux */
  return TRUE;
}

static gboolean
measure_memory (Bench    *b,
                GError  **error)
{
  g_autofree char *sync = g_strdup_printf ("%d", b->settings.synchronous);
  g_autofree char *cache = g_strdup_printf ("%d", b->settings.cache_size);
  g_autofree char *fk = g_strdup_printf ("%d", b->settings.foreign_keys);
  g_autofree char *sd = g_strdup_printf ("%d", b->settings.secure_delete);
  char *unlock_argv[] = { "bench-unlock", "--child-unlock", b->profile_dir, NULL };
  char *open_argv[] = { "bench-unlock", "--child-open", b->settings.journal_mode, sync, cache,
                        fk, sd, b->plain_path, NULL };
  double ours[RSS_REPS], plain[RSS_REPS];

  for (guint rep = 0; rep < RSS_REPS; rep++)
    if (!child_peak_rss (unlock_argv, &ours[rep], error)
        || !child_peak_rss (open_argv, &plain[rep], error))
      return FALSE;
  bench_print ("unlock_peak_rss", bench_median (ours, RSS_REPS),
               bench_median (plain, RSS_REPS), "MiB");
  return TRUE;
}

/* ---- main ----------------------------------------------------------------- */

static gboolean
run (Bench    *b,
     GError  **error)
{
  g_autoptr(BenchDataset) data = bench_dataset_new (BENCH_CASELOAD_CASES, 1001);
  const OmbudKdfLimits *limits = ombud_kdf_limits_default ();

  g_printerr ("Argon2id opslimit %" G_GUINT64_FORMAT ", memlimit %" G_GSIZE_FORMAT " MiB; "
              "a caseload of %u cases\n", limits->opslimit, limits->memlimit >> 20,
              bench_dataset_get_n_cases (data));
  return make_profile (b, data, error)
         && make_plain (b, data, error)
         && measure_times (b, error)
         && measure_memory (b, error);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *root = NULL;
  int reps = 5;
  const GOptionEntry entries[] = {
    { "reps", 'n', 0, G_OPTION_ARG_INT, &reps, "Runs per figure (median reported)", "N" },
    G_OPTION_ENTRY_NULL
  };
  Bench b = { NULL, NULL, { "", 0, 0, 0, 0 }, 0 };
  gboolean ok;

  if (argc == 3 && strcmp (argv[1], "--child-unlock") == 0)
    return child_unlock (argv[2]);
  if (argc == 8 && strcmp (argv[1], "--child-open") == 0)
    return child_open (argv + 2);

  context = g_option_context_new ("— unlock time and memory");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || reps < 1 || sodium_init () < 0)
    {
      g_printerr ("bench-unlock: %s\n", error ? error->message : "bad arguments");
      return 2;
    }
  root = bench_make_tmpdir (&error);
  if (root == NULL)
    {
      g_printerr ("bench-unlock: %s\n", error->message);
      return 1;
    }
  b.reps = reps;
  b.profile_dir = g_build_filename (root, "profile", NULL);
  b.plain_path = g_build_filename (root, "plain.db", NULL);

  ok = run (&b, &error);
  bench_rm_rf (root);
  g_free (b.profile_dir);
  g_free (b.plain_path);
  if (!ok)
    {
      g_printerr ("bench-unlock: %s\n", error->message);
      return 1;
    }
  return 0;
}
