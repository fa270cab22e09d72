/* test-crash.c: kill -9 a writer at random moments; no acknowledged commit may be lost
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each round starts crash-writer on the same encrypted database, lets it
 * commit for a random 1-60 ms (counted from when it is ready or from its
 * first commit), or until it starts a checkpoint, kills it with SIGKILL,
 * and then opens the database through the encrypting VFS in this process.  That connection is the first one since the kill, so it is
 * the one that runs WAL recovery or rolls back the hot journal.  The
 * database must pass integrity_check and hold exactly the state that the
 * deterministic workload (crash-workload.c) produces after the last
 * transaction the writer reported committed; one more, unreported,
 * transaction is allowed, since the kill may land between COMMIT and the
 * report.
 *
 * The negative control repeats the WAL rounds with a verifier that leaves
 * nonce and tag in the reserved bytes after decrypting (see "The trap that
 * loses committed data" in notes/encrypting-vfs.md), and requires the
 * check to catch it.
 *
 * OMBUD_CRASH_KILLS sets the number of kills, split over the three journal
 * modes; OMBUD_CRASH_WRITER is the path to crash-writer.  The random seed is
 * printed first; rerun with --seed to repeat the same kill timings.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sodium.h>
#include <string.h>

#include "crash-workload.h"
#include "ombud-vfs-private.h"

#define DEFAULT_KILLS 210
/* How many rounds the negative control gets to catch the broken VFS. */
#define CONTROL_ROUNDS 30
/* In WAL mode, one round in this many waits for the writer to start a
 * checkpoint and kills it right away. */
#define CHECKPOINT_ROUND_EVERY 3
/* Fewer rounds than this per mode may by chance never kill the writer
 * inside a checkpoint or a transaction. */
#define MIN_ROUNDS_FOR_COVERAGE 30

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

typedef enum {
  KILL_ANY_TIME,       /* 1-60 ms after the writer is ready */
  KILL_AFTER_COMMIT,   /* 1-60 ms after its first commit, so that even on a
                        * slow machine there are acknowledged commits at stake */
  KILL_IN_CHECKPOINT,  /* as soon as it starts an explicit checkpoint */
} KillTiming;

/* What SQLite's log says happened in this process: each counts a first
 * connection after a kill that found work to recover. */
static struct {
  guint wal_recoveries;        /* WAL recovery found frames */
  guint journal_rollbacks;     /* a hot journal was played back */
} sqlite_log;

typedef struct {
  const char *mode;
  char       *dir;
  char       *db_path;
  guint8      key[OMBUD_VFS_KEY_BYTES];
  guint8      salt[OMBUD_VFS_SALT_BYTES];
  char        key_hex[OMBUD_VFS_KEY_BYTES * 2 + 1];
  char        salt_hex[OMBUD_VFS_SALT_BYTES * 2 + 1];

  gint64      acked;           /* highest transaction reported committed, or
                                  found by a verification and so durable */
  gint64      last_txn;        /* what the last verification found */
  gboolean    lenient_ready;   /* the verifier may have missed a commit */
  gboolean    checkpointing;   /* the last line read was "checkpoint" */

  guint       kills;
  guint       checkpoint_kills;
} CrashRun;

static void
on_sqlite_log (void       *data G_GNUC_UNUSED,
               int         code,
               const char *message)
{
  if (code == SQLITE_NOTICE_RECOVER_WAL)
    sqlite_log.wal_recoveries++;
  else if (code == SQLITE_NOTICE_RECOVER_ROLLBACK)
    sqlite_log.journal_rollbacks++;
  else
    g_test_message ("sqlite log (%d): %s", code, message);
}

static guint
kills_per_mode (void)
{
  const char *env = g_getenv ("OMBUD_CRASH_KILLS");
  guint64 kills = DEFAULT_KILLS;

  if (env != NULL)
    g_assert_true (g_ascii_string_to_unsigned (env, 10, 1, G_MAXUINT, &kills, NULL));
  return (guint) ((kills + 2) / 3);
}

static char *
writer_path (void)
{
  const char *env = g_getenv ("OMBUD_CRASH_WRITER");

  if (env != NULL)
    return g_strdup (env);
  return g_test_build_filename (G_TEST_BUILT, "crash-writer", NULL);
}

static CrashRun *
crash_run_new (const char *mode)
{
  CrashRun *run = g_new0 (CrashRun, 1);
  g_autoptr(GError) error = NULL;

  run->mode = mode;
  run->dir = g_dir_make_tmp ("ombud-crash-XXXXXX", &error);
  g_assert_no_error (error);
  run->db_path = g_build_filename (run->dir, "crash.db", NULL);

  /* A throwaway key: it is only ever on this test's command lines. */
  randombytes_buf (run->key, sizeof run->key);
  randombytes_buf (run->salt, sizeof run->salt);
  sodium_bin2hex (run->key_hex, sizeof run->key_hex, run->key, sizeof run->key);
  sodium_bin2hex (run->salt_hex, sizeof run->salt_hex, run->salt, sizeof run->salt);
  return run;
}

/* The database, and whatever WAL, -shm or journal the last kill left. */
static void
remove_files (const char *dir_path)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
}

static void
crash_run_free (CrashRun *run)
{
  remove_files (run->dir);
  g_assert_cmpint (g_rmdir (run->dir), ==, 0);
  g_free (run->dir);
  g_free (run->db_path);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrashRun, crash_run_free)

/* ---- one writer's life ---------------------------------------------------- */

static gint64
line_number (const char *line,
             const char *prefix)
{
  guint64 n = 0;

  g_assert_true (g_ascii_string_to_unsigned (line + strlen (prefix), 10, 0, G_MAXINT64, &n, NULL));
  return (gint64) n;
}

static void
handle_line (CrashRun   *run,
             const char *line)
{
  if (g_str_has_prefix (line, "committed "))
    {
      gint64 txn = line_number (line, "committed ");

      g_assert_cmpint (txn, ==, run->acked + 1);
      run->acked = txn;
    }
  else if (g_str_has_prefix (line, "checkpoint "))
    run->checkpointing = TRUE;
  else if (g_str_has_prefix (line, "checkpointed "))
    run->checkpointing = FALSE;
  else
    g_error ("unexpected line from crash-writer: %s", line);
}

/* Reads and handles one line; NULL means the writer closed stdout. */
static char *
read_line (CrashRun         *run,
           GDataInputStream *out)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);

  g_assert_no_error (error);
  if (line != NULL)
    handle_line (run, line);
  return line;
}

static void
wait_for_ready (CrashRun         *run,
                GDataInputStream *out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  gint64 found;

  g_assert_no_error (error);
  if (line == NULL || !g_str_has_prefix (line, "ready "))
    g_error ("crash-writer did not get ready (see its stderr)");
  /* The writer must find what the verifier found: nothing more, nothing less. */
  found = line_number (line, "ready ");
  if (!run->lenient_ready)
    g_assert_cmpint (found, ==, run->last_txn);
  /* A commit that was not reported but has since been found in the
   * database is as durable as a reported one, and the writer builds on it. */
  run->acked = MAX (run->acked, found);
}

static void
wait_for_commit (CrashRun         *run,
                 GDataInputStream *out)
{
  gint64 acked = run->acked;

  while (run->acked == acked)
    {
      g_autofree char *line = read_line (run, out);

      if (line == NULL)
        g_error ("crash-writer exited before it committed (see its stderr)");
    }
}

static void
wait_for_checkpoint (CrashRun         *run,
                     GDataInputStream *out)
{
  while (!run->checkpointing)
    {
      g_autofree char *line = read_line (run, out);

      if (line == NULL)
        g_error ("crash-writer exited before a checkpoint (see its stderr)");
    }
}

static void
kill_and_reap (GSubprocess *writer)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_force_exit (writer);
  g_subprocess_wait (writer, NULL, &error);
  g_assert_no_error (error);
  /* Any other end means the writer hit an error or a sanitizer finding. */
  if (!g_subprocess_get_if_signaled (writer) || g_subprocess_get_term_sig (writer) != SIGKILL)
    g_error ("crash-writer ended on its own (status %d); see its stderr",
             g_subprocess_get_status (writer));
}

/* Lines in the pipe were written before the kill, so their commits count. */
static void
drain (CrashRun         *run,
       GDataInputStream *out)
{
  char *line;

  while ((line = read_line (run, out)) != NULL)
    g_free (line);
}

static void
writer_round (CrashRun   *run,
              const char *writer,
              KillTiming  timing)
{
  const char *argv[] = { writer, run->db_path, run->mode, run->key_hex, run->salt_hex, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) out = NULL;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  run->checkpointing = FALSE;

  wait_for_ready (run, out);
  switch (timing)
    {
    case KILL_IN_CHECKPOINT:
      /* A checkpoint here takes 0.3-1.2 ms, most of it in fsync. */
      wait_for_checkpoint (run, out);
      g_usleep (g_test_rand_int_range (0, 500));
      break;
    case KILL_AFTER_COMMIT:
      wait_for_commit (run, out);
      G_GNUC_FALLTHROUGH;
    case KILL_ANY_TIME:
      g_usleep (g_test_rand_int_range (1, 61) * G_TIME_SPAN_MILLISECOND);
      break;
    }
  kill_and_reap (proc);
  drain (run, out);

  run->kills++;
  if (run->checkpointing)
    run->checkpoint_kills++;
}

/* ---- verification --------------------------------------------------------- */

static gboolean
check_integrity (sqlite3  *db,
                 GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GString) problems = g_string_new (NULL);
  int rc = sqlite3_prepare_v2 (db, "PRAGMA integrity_check(10)", -1, &stmt, NULL);

  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *row = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (row, "ok") != 0)
        g_string_append_printf (problems, "\n  %s", row);
      rc = SQLITE_OK;
    }
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, "integrity_check");
      return FALSE;
    }
  if (problems->len > 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "integrity_check:%s", problems->str);
      return FALSE;
    }
  return TRUE;
}

/* The generation of every row after transactions 1..last_txn; 0 for a row
 * that was deleted.  Mirrors crash-writer's transaction(). */
static gint64 *
expected_rows (gint64 last_txn)
{
  gint64 *gen = g_new0 (gint64, last_txn + 1);

  for (gint64 txn = 1; txn <= last_txn; txn++)
    {
      gint64 update = crash_update_target (txn);
      gint64 delete = crash_delete_target (txn);

      gen[txn] = txn;
      if (update != 0 && gen[update] != 0)
        gen[update] = txn;
      if (delete != 0)
        gen[delete] = 0;
    }
  return gen;
}

static gboolean
read_last_txn (sqlite3  *db,
               gint64   *last_txn,
               GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT last_txn FROM meta WHERE id = 1", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, "reading meta");
      return FALSE;
    }
  *last_txn = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gboolean
check_row (sqlite3_stmt  *stmt,
           const gint64  *gen,
           gint64         last_txn,
           GError       **error)
{
  gint64 seq = sqlite3_column_int64 (stmt, 0);
  gint64 row_gen = sqlite3_column_int64 (stmt, 1);
  const guint8 *payload = sqlite3_column_blob (stmt, 2);
  gsize size = sqlite3_column_bytes (stmt, 2);
  g_autofree guint8 *want = NULL;
  gsize want_size;

  if (seq < 1 || seq > last_txn || gen[seq] == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "row %" G_GINT64_FORMAT
                   " should not exist after transaction %" G_GINT64_FORMAT, seq, last_txn);
      return FALSE;
    }
  if (row_gen != gen[seq])
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "row %" G_GINT64_FORMAT
                   " is at generation %" G_GINT64_FORMAT ", should be %" G_GINT64_FORMAT,
                   seq, row_gen, gen[seq]);
      return FALSE;
    }
  want_size = crash_payload_size (seq, row_gen);
  want = g_malloc (want_size);
  crash_payload_fill (seq, row_gen, want, want_size);
  if (size != want_size || memcmp (payload, want, size) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "row %" G_GINT64_FORMAT " has the wrong payload", seq);
      return FALSE;
    }
  return TRUE;
}

/* Every row that transactions 1..last_txn leave must be there, with the
 * payload of its last update, and no other row. */
static gboolean
check_rows (sqlite3  *db,
            gint64    last_txn,
            GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree gint64 *gen = expected_rows (last_txn);
  gint64 expected = 0;
  gint64 seen = 0;
  int rc = sqlite3_prepare_v2 (db, "SELECT seq, gen, payload FROM rows ORDER BY seq", -1,
                               &stmt, NULL);

  for (gint64 seq = 1; seq <= last_txn; seq++)
    expected += gen[seq] != 0;

  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (!check_row (stmt, gen, last_txn, error))
        return FALSE;
      seen++;
      rc = SQLITE_OK;
    }
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, "reading rows");
      return FALSE;
    }
  if (seen != expected)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%" G_GINT64_FORMAT " rows, should be %" G_GINT64_FORMAT
                   " after transaction %" G_GINT64_FORMAT, seen, expected, last_txn);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_database (CrashRun  *run,
                sqlite3   *db,
                GError   **error)
{
  gint64 last_txn = 0;

  if (!check_integrity (db, error) || !read_last_txn (db, &last_txn, error))
    return FALSE;
  if (last_txn < run->acked)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "acknowledged commits lost: the writer reported %" G_GINT64_FORMAT
                   ", the database holds %" G_GINT64_FORMAT, run->acked, last_txn);
      return FALSE;
    }
  /* The kill may land after a COMMIT but before its report: one, not two. */
  if (last_txn > run->acked + 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the database holds transaction %" G_GINT64_FORMAT
                   " but the writer reported only %" G_GINT64_FORMAT, last_txn, run->acked);
      return FALSE;
    }
  if (!check_rows (db, last_txn, error))
    return FALSE;
  run->last_txn = last_txn;
  return TRUE;
}

/* Opens the database as the first connection since the kill, which makes
 * this connection recover it.  keep_wal skips the checkpoint on close, so
 * the next writer has to recover the WAL itself. */
static gboolean
verify_at (CrashRun    *run,
           const char  *db_path,
           gboolean     zero_reserved,
           gboolean     keep_wal,
           GError     **error)
{
  g_autoptr(OmbudVfs) vfs = ombud_vfs_new (run->key, run->salt, error);
  sqlite3 *db;
  gboolean ok;
  int rc;

  if (vfs == NULL)
    return FALSE;
  ombud_vfs_set_zero_reserved (vfs, zero_reserved);
  db = ombud_vfs_open_db (vfs, db_path, FALSE, error);
  if (db == NULL)
    return FALSE;
  if (keep_wal)
    sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);

  ok = check_database (run, db, error);
  rc = sqlite3_close (db);
  if (ok && rc != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, NULL, rc, "closing");
      return FALSE;
    }
  return ok;
}

static gboolean
verify (CrashRun  *run,
        gboolean   keep_wal,
        GError   **error)
{
  return verify_at (run, run->db_path, TRUE, keep_wal, error);
}

/* Copies the database and its WAL as the kill left them; the -shm is
 * rebuilt by recovery anyway. */
static char *
copy_as_found (CrashRun *run)
{
  g_autofree char *copy = g_build_filename (run->dir, "found.db", NULL);
  const char *suffixes[] = { "", "-wal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from_path = g_strconcat (run->db_path, suffixes[i], NULL);
      g_autofree char *to_path = g_strconcat (copy, suffixes[i], NULL);
      g_autoptr(GFile) from = g_file_new_for_path (from_path);
      g_autoptr(GFile) to = g_file_new_for_path (to_path);
      g_autoptr(GError) error = NULL;

      if (!g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
          g_clear_error (&error);
          /* No WAL this time: a stale copy would be recovered instead. */
          if (!g_file_delete (to, NULL, &error))
            g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
        }
    }
  return g_steal_pointer (&copy);
}

/* ---- tests ---------------------------------------------------------------- */

static void
report (CrashRun *run,
        guint     recoveries,
        gint64    started)
{
  double seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;

  if (g_str_equal (run->mode, "wal"))
    g_test_message ("wal: %u kills, %u of them inside an explicit checkpoint; %u WAL "
                    "recoveries found frames; %" G_GINT64_FORMAT " transactions; %.1f s",
                    run->kills, run->checkpoint_kills, recoveries, run->acked, seconds);
  else
    g_test_message ("%s: %u kills; %u hot journals rolled back; %" G_GINT64_FORMAT
                    " transactions; %.1f s",
                    run->mode, run->kills, recoveries, run->acked, seconds);
}

static void
test_crash_mode (gconstpointer data)
{
  g_autoptr(CrashRun) run = crash_run_new (data);
  g_autofree char *writer = writer_path ();
  gboolean wal = g_str_equal (run->mode, "wal");
  guint *counter = wal ? &sqlite_log.wal_recoveries : &sqlite_log.journal_rollbacks;
  guint recoveries = *counter;
  gint64 started = g_get_monotonic_time ();
  guint rounds = kills_per_mode ();

  for (guint i = 0; i < rounds; i++)
    {
      g_autoptr(GError) error = NULL;
      KillTiming timing = g_test_rand_bit () ? KILL_ANY_TIME : KILL_AFTER_COMMIT;

      if (wal && i % CHECKPOINT_ROUND_EVERY == CHECKPOINT_ROUND_EVERY - 1)
        timing = KILL_IN_CHECKPOINT;
      writer_round (run, writer, timing);
      if (!verify (run, wal && g_test_rand_bit (), &error))
        {
          g_test_fail_printf ("%s, kill %u: %s", run->mode, run->kills, error->message);
          return;
        }
    }

  recoveries = *counter - recoveries;
  report (run, recoveries, started);
  g_assert_cmpuint (run->kills, ==, rounds);
  g_assert_cmpint (run->acked, >, 0);
  /* Without these the rounds would not have tested what they claim to;
   * a handful of rounds may miss by chance. */
  if (rounds >= MIN_ROUNDS_FOR_COVERAGE)
    {
      g_assert_cmpuint (recoveries, >, 0);
      if (wal)
        g_assert_cmpuint (run->checkpoint_kills, >, 0);
    }
}

/* Leaving nonce and tag in the reserved bytes must lose acknowledged WAL
 * commits; if the check above cannot see that, it has no teeth. */
static void
test_negative_control (void)
{
  g_autoptr(CrashRun) run = crash_run_new ("wal");
  g_autofree char *writer = writer_path ();

  /* A broken verifier that misses only the unacknowledged last commit
   * passes, but the next writer, which zeroes, does see it. */
  run->lenient_ready = TRUE;
  for (guint i = 0; i < CONTROL_ROUNDS; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *found = NULL;
      gboolean ok;

      writer_round (run, writer, KILL_AFTER_COMMIT);
      /* The broken verifier can destroy what it misreads: if its open
       * fails, SQLite closes the connection and checkpoints the WAL it
       * thinks is empty, then deletes it. */
      found = copy_as_found (run);
      if (verify_at (run, run->db_path, FALSE, TRUE, &error))
        continue;

      g_test_message ("negative control: caught after %u kills (%" G_GINT64_FORMAT
                      " transactions acknowledged): %s", run->kills, run->acked, error->message);
      /* The files as the kill left them must pass once the reserved bytes
       * are zeroed: the loss came from the reading alone. */
      g_clear_error (&error);
      ok = verify_at (run, found, TRUE, FALSE, &error);
      g_assert_no_error (error);
      g_assert_true (ok);
      return;
    }
  g_test_fail_printf ("the crash test did not notice unzeroed reserved bytes in %u kills",
                      CONTROL_ROUNDS);
}

int
main (int   argc,
      char *argv[])
{
  /* Must come before anything initialises SQLite. */
  g_assert_cmpint (sqlite3_config (SQLITE_CONFIG_LOG, on_sqlite_log, NULL), ==, SQLITE_OK);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_data_func ("/crash/wal", "wal", test_crash_mode);
  g_test_add_data_func ("/crash/delete", "delete", test_crash_mode);
  g_test_add_data_func ("/crash/truncate", "truncate", test_crash_mode);
  g_test_add_func ("/crash/negative-control", test_negative_control);

  return g_test_run ();
}
