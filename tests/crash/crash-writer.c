/* crash-writer.c: commits transactions until it is killed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: crash-writer DB wal|delete|truncate KEY-HEX SALT-HEX
 *
 * A test fixture: test-crash starts this on one database again and again and
 * kills it with SIGKILL at random moments.  The key comes on the command line
 * because it is a random throwaway key.
 *
 * Protocol on stdout, one write() per line so that a line is either wholly in
 * the pipe or not at all when the kill lands:
 *   "ready N"         opened; N transactions are in the database
 *   "committed N"     COMMIT of transaction N returned SQLITE_DONE, so N is
 *                     a promise: it must survive the kill
 *   "checkpoint N"    about to run an explicit WAL checkpoint
 *   "checkpointed N"  it returned
 */
#include <errno.h>
#include <gio/gio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash-workload.h"
#include "ombud-vfs.h"

/* Checkpoint this often by hand, on top of the automatic ones, so that a
 * good share of the kills lands inside a checkpoint. */
#define CHECKPOINT_EVERY 7
#define AUTOCHECKPOINT_PAGES 20
/* A small page cache makes SQLite read pages back through the shim (from
 * the WAL, too) and, in rollback modes, spill dirty pages to the database
 * before COMMIT, which leaves more interesting states for a crash. */
#define CACHE_PAGES 32

typedef struct {
  sqlite3      *db;
  gboolean      wal;
  sqlite3_stmt *begin;
  sqlite3_stmt *insert;
  sqlite3_stmt *update;
  sqlite3_stmt *delete;
  sqlite3_stmt *meta;
  sqlite3_stmt *commit;
  guint8        payload[CRASH_PAYLOAD_MAX];
} Writer;

static void
say (const char *format,
     ...)
{
  g_autofree char *line = NULL;
  va_list args;
  gsize done = 0;
  gsize len;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  len = strlen (line);
  while (done < len)
    {
      ssize_t n = write (STDOUT_FILENO, line + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          /* Nobody to report to: stopping is all that is left. */
          g_printerr ("crash-writer: cannot write to stdout: %s\n", g_strerror (errno));
          exit (EXIT_FAILURE);
        }
      done += n;
    }
}

static gboolean
parse_hex (const char  *hex,
           guint8      *out,
           gsize        size,
           const char  *what,
           GError     **error)
{
  gsize len = 0;

  if (strlen (hex) != size * 2
      || sodium_hex2bin (out, size, hex, size * 2, NULL, &len, NULL) != 0
      || len != size)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s must be %" G_GSIZE_FORMAT " hex digits", what, size * 2);
      return FALSE;
    }
  return TRUE;
}

static gboolean
prepare (Writer        *w,
         const char    *sql,
         sqlite3_stmt **stmt,
         GError       **error)
{
  int rc = sqlite3_prepare_v2 (w->db, sql, -1, stmt, NULL);

  if (rc != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, w->db, rc, sql);
      return FALSE;
    }
  return TRUE;
}

/* Steps a statement that returns no rows, and resets it for the next use. */
static gboolean
run (Writer        *w,
     sqlite3_stmt  *stmt,
     GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, w->db, rc, sqlite3_sql (stmt));
      return FALSE;
    }
  return TRUE;
}

/* PRAGMA journal_mode answers with the mode it ended up in, which is not
 * always the one asked for. */
static gboolean
set_journal_mode (Writer      *w,
                  const char  *mode,
                  GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA journal_mode=%s", mode);
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  if (!prepare (w, sql, &stmt, error))
    return FALSE;
  ok = sqlite3_step (stmt) == SQLITE_ROW
       && g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 0), mode) == 0;
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "could not set journal mode %s: %s", mode, sqlite3_errmsg (w->db));
  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
read_last_txn (Writer  *w,
               gint64  *last_txn,
               GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  if (!prepare (w, "SELECT last_txn FROM meta WHERE id = 1", &stmt, error))
    return FALSE;
  ok = sqlite3_step (stmt) == SQLITE_ROW;
  if (ok)
    *last_txn = sqlite3_column_int64 (stmt, 0);
  else
    ombud_vfs_set_sqlite_error (error, w->db, sqlite3_errcode (w->db), "reading meta");
  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
writer_setup (Writer      *w,
              const char  *mode,
              gint64      *last_txn,
              GError     **error)
{
  g_autofree char *pragmas =
    g_strdup_printf ("PRAGMA busy_timeout=5000;"
                     "PRAGMA synchronous=FULL;"
                     "PRAGMA wal_autocheckpoint=%d;"
                     "PRAGMA cache_size=%d;",
                     AUTOCHECKPOINT_PAGES, CACHE_PAGES);

  w->wal = g_str_equal (mode, "wal");
  return set_journal_mode (w, mode, error)
         && ombud_vfs_exec (w->db, pragmas, error)
         && ombud_vfs_exec (w->db, "BEGIN IMMEDIATE;" CRASH_SCHEMA_SQL "COMMIT;", error)
         && read_last_txn (w, last_txn, error)
         && prepare (w, "BEGIN IMMEDIATE", &w->begin, error)
         && prepare (w, "INSERT INTO rows (seq, gen, payload) VALUES (?1, ?1, ?2)",
                     &w->insert, error)
         && prepare (w, "UPDATE rows SET gen = ?2, payload = ?3 WHERE seq = ?1", &w->update, error)
         && prepare (w, "DELETE FROM rows WHERE seq = ?1", &w->delete, error)
         && prepare (w, "UPDATE meta SET last_txn = ?1 WHERE id = 1", &w->meta, error)
         && prepare (w, "COMMIT", &w->commit, error);
}

static void
writer_clear (Writer *w)
{
  sqlite3_finalize (w->begin);
  sqlite3_finalize (w->insert);
  sqlite3_finalize (w->update);
  sqlite3_finalize (w->delete);
  sqlite3_finalize (w->meta);
  sqlite3_finalize (w->commit);
  sqlite3_close (w->db);
}

/* Binds row seq's payload for generation gen to parameter index. */
static void
bind_payload (Writer       *w,
              sqlite3_stmt *stmt,
              int           index,
              gint64        seq,
              gint64        gen)
{
  gsize size = crash_payload_size (seq, gen);

  crash_payload_fill (seq, gen, w->payload, size);
  sqlite3_bind_blob (stmt, index, w->payload, (int) size, SQLITE_STATIC);
}

static gboolean
transaction (Writer  *w,
             gint64   txn,
             GError **error)
{
  gint64 update = crash_update_target (txn);
  gint64 delete = crash_delete_target (txn);

  if (!run (w, w->begin, error))
    return FALSE;

  sqlite3_bind_int64 (w->insert, 1, txn);
  bind_payload (w, w->insert, 2, txn, txn);
  if (!run (w, w->insert, error))
    return FALSE;

  if (update != 0)
    {
      sqlite3_bind_int64 (w->update, 1, update);
      sqlite3_bind_int64 (w->update, 2, txn);
      bind_payload (w, w->update, 3, update, txn);
      if (!run (w, w->update, error))
        return FALSE;
    }

  if (delete != 0)
    {
      sqlite3_bind_int64 (w->delete, 1, delete);
      if (!run (w, w->delete, error))
        return FALSE;
    }

  sqlite3_bind_int64 (w->meta, 1, txn);
  return run (w, w->meta, error) && run (w, w->commit, error);
}

/* Alternates a checkpoint that only copies frames with one that also
 * truncates the WAL, so kills land in both. */
static gboolean
checkpoint (Writer  *w,
            gint64   txn,
            GError **error)
{
  int mode = (txn / CHECKPOINT_EVERY) % 2 ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE;
  int rc;

  say ("checkpoint %" G_GINT64_FORMAT "\n", txn);
  rc = sqlite3_wal_checkpoint_v2 (w->db, "main", mode, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, w->db, rc, "checkpoint");
      return FALSE;
    }
  say ("checkpointed %" G_GINT64_FORMAT "\n", txn);
  return TRUE;
}

/* Returns only when something failed. */
static gboolean
write_forever (const char  *path,
               const char  *mode,
               const char  *key_hex,
               const char  *salt_hex,
               GError     **error)
{
  guint8 key[OMBUD_VFS_KEY_BYTES];
  guint8 salt[OMBUD_VFS_SALT_BYTES];
  g_autoptr(OmbudVfs) vfs = NULL;
  Writer w = { 0, };
  gint64 txn = 0;
  gboolean ok;

  if (!parse_hex (key_hex, key, sizeof key, "the key", error)
      || !parse_hex (salt_hex, salt, sizeof salt, "the salt", error))
    return FALSE;

  vfs = ombud_vfs_new (key, salt, error);
  sodium_memzero (key, sizeof key);
  if (vfs == NULL)
    return FALSE;
  w.db = ombud_vfs_open_db (vfs, path, TRUE, error);
  if (w.db == NULL)
    return FALSE;

  ok = writer_setup (&w, mode, &txn, error);
  if (ok)
    say ("ready %" G_GINT64_FORMAT "\n", txn);
  while (ok)
    {
      txn++;
      ok = transaction (&w, txn, error);
      if (!ok)
        break;
      say ("committed %" G_GINT64_FORMAT "\n", txn);
      if (w.wal && txn % CHECKPOINT_EVERY == 0)
        ok = checkpoint (&w, txn, error);
    }
  writer_clear (&w);
  return FALSE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;

  if (argc != 5
      || !(g_str_equal (argv[2], "wal") || g_str_equal (argv[2], "delete")
           || g_str_equal (argv[2], "truncate")))
    {
      g_printerr ("usage: %s DB wal|delete|truncate KEY-HEX SALT-HEX\n", argv[0]);
      return EXIT_FAILURE;
    }

  write_forever (argv[1], argv[2], argv[3], argv[4], &error);
  g_printerr ("crash-writer: %s\n", error->message);
  return EXIT_FAILURE;
}
