/* test-vfs.c: the encrypting VFS, through SQLite and directly
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ombud-vfs.h"
#include "test-util.h"

#define PAGE OMBUD_VFS_PAGE_SIZE
#define USABLE (OMBUD_VFS_PAGE_SIZE - OMBUD_VFS_RESERVED_BYTES)
/* generate_series is only in the sqlite3 shell, not the library */
#define SERIES(n) "(WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < " #n ") SELECT value FROM s)"

typedef struct {
  char     *dir;
  char     *path;
  guint8    key[OMBUD_VFS_KEY_BYTES];
  guint8    salt[OMBUD_VFS_SALT_BYTES];
  OmbudVfs *vfs;
} Fixture;

static char *tmp_root;  /* SQLite's and our temp directory */

static void
fixture_set_up (Fixture      *f,
                gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GError) error = NULL;

  f->dir = test_make_tmp_dir ("ombud-vfs-XXXXXX");
  f->path = g_build_filename (f->dir, "test.db", NULL);
  randombytes_buf (f->key, sizeof f->key);
  randombytes_buf (f->salt, sizeof f->salt);
  f->vfs = ombud_vfs_new (f->key, f->salt, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data G_GNUC_UNUSED)
{
  g_clear_pointer (&f->vfs, ombud_vfs_free);
  test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static sqlite3 *
open_ok (OmbudVfs   *vfs,
         const char *path)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = ombud_vfs_open_db (vfs, path, TRUE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (db);
  return db;
}

static void
exec_ok (sqlite3    *db,
         const char *sql)
{
  g_autoptr(GError) error = NULL;

  ombud_vfs_exec (db, sql, &error);
  g_assert_no_error (error);
}

static char *
query_text (sqlite3    *db,
            const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *out = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return out;
}

/* Every row of every table, hashed: equal digests mean equal content. */
static char *
content_digest (sqlite3 *db)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  const char *tables[] = { "client", "note" };

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT * FROM %s ORDER BY 1", tables[t]);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        for (int c = 0; c < sqlite3_column_count (stmt); c++)
          {
            const void *blob = sqlite3_column_blob (stmt, c);
            g_checksum_update (sum, blob ? blob : (const guchar *) "", sqlite3_column_bytes (stmt, c));
            g_checksum_update (sum, (const guchar *) "|", 1);
          }
      g_assert_cmpint (sqlite3_finalize (stmt), ==, SQLITE_OK);
    }
  return g_strdup (g_checksum_get_string (sum));
}

static const char *words[] = {
  "Försäkringskassan", "överklagande", "bostad", "hyresvärd", "skuld", "Kronofogden",
  "psykiatri", "möte", "ansökan", "beslut", "aktivitetsersättning", "god man", "ekonomi",
};

static char *
sentence (GRand *rand,
          int    n_words)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < n_words; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
  return g_string_free (s, FALSE);
}

/* A caseload-shaped dataset: clients, notes of every length (some far beyond
 * a page, so overflow pages are sealed too), an FTS5 index over the notes. */
static void
fill (sqlite3    *db,
      int         n_clients,
      const char *marker)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  sqlite3_stmt *client = NULL, *note = NULL;

  exec_ok (db,
           "CREATE TABLE IF NOT EXISTS client (id INTEGER PRIMARY KEY, name TEXT NOT NULL, born INT);"
           "CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, client INT REFERENCES client,"
           "  body TEXT NOT NULL, photo BLOB);"
           "CREATE INDEX IF NOT EXISTS note_client ON note (client);"
           "CREATE VIRTUAL TABLE IF NOT EXISTS note_fts USING fts5 (body, content='note', content_rowid='id');"
           "BEGIN;");
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO client (name, born) VALUES (?1, ?2)", -1, &client, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO note (client, body, photo) VALUES (?1, ?2, ?3)", -1, &note, NULL), ==, SQLITE_OK);
  for (int c = 0; c < n_clients; c++)
    {
      g_autofree char *name = g_strdup_printf ("%s klient %d Åsa Öberg", marker, c);
      sqlite3_int64 id;

      sqlite3_bind_text (client, 1, name, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (client, 2, 1950 + c % 50);
      g_assert_cmpint (sqlite3_step (client), ==, SQLITE_DONE);
      sqlite3_reset (client);
      id = sqlite3_last_insert_rowid (db);
      for (int n = 0; n < 8; n++)
        {
          g_autofree char *body = sentence (rand, g_rand_int_range (rand, 3, n == 0 ? 2000 : 60));
          g_autofree char *text = g_strdup_printf ("%s %s", marker, body);
          guint8 photo[700];

          randombytes_buf (photo, sizeof photo);
          sqlite3_bind_int64 (note, 1, id);
          sqlite3_bind_text (note, 2, text, -1, SQLITE_TRANSIENT);
          if (n % 3 == 0)
            sqlite3_bind_blob (note, 3, photo, sizeof photo, SQLITE_TRANSIENT);
          else
            sqlite3_bind_null (note, 3);
          g_assert_cmpint (sqlite3_step (note), ==, SQLITE_DONE);
          sqlite3_reset (note);
        }
    }
  sqlite3_finalize (client);
  sqlite3_finalize (note);
  exec_ok (db, "INSERT INTO note_fts (note_fts) VALUES ('rebuild'); COMMIT;");
}

/* ---- round trips ----------------------------------------------------------- */

static void
test_round_trip (Fixture      *f,
                 gconstpointer data)
{
  const char *mode = data;
  g_autofree char *pragma = g_strdup_printf ("PRAGMA journal_mode=%s", mode);
  g_autofree char *digest = NULL, *again = NULL, *got_mode = NULL, *hits = NULL, *ok = NULL;
  g_autoptr(GBytes) bytes = NULL;
  sqlite3 *db = open_ok (f->vfs, f->path);

  got_mode = query_text (db, pragma);
  g_assert_cmpstr (got_mode, ==, mode);
  fill (db, 60, "rt");
  /* Rewrite and free pages, so updates and the free list go through too. */
  exec_ok (db, "UPDATE note SET body = body || ' uppföljning' WHERE id % 3 = 0;"
               "DELETE FROM note WHERE id % 7 = 0;"
               "INSERT INTO note_fts (note_fts) VALUES ('rebuild');");
  digest = content_digest (db);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);

  bytes = test_read_file (f->path);
  g_assert_cmpuint (g_bytes_get_size (bytes) % PAGE, ==, 0);
  g_assert_null (memmem (g_bytes_get_data (bytes, NULL), 16, "SQLite format 3", 15));

  db = open_ok (f->vfs, f->path);
  again = content_digest (db);
  g_assert_cmpstr (digest, ==, again);
  hits = query_text (db, "SELECT count(*) FROM note_fts WHERE note_fts MATCH 'Kronofogden'");
  g_assert_cmpint (atoi (hits), >, 0);
  ok = query_text (db, "PRAGMA integrity_check");
  g_assert_cmpstr (ok, ==, "ok");
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

/* ---- plaintext scan -------------------------------------------------------- */

static const char *markers[] = {
  "MARK-INSERT-7f3a", "MARK-TEMP-7f3a", "MARK-SORT-7f3a", "MARK-SAVEPOINT-7f3a", "MARK-VACUUM-7f3a",
};

/* Everything that makes SQLite spill: temp tables, a sort larger than the
 * cache, a savepoint whose statement journal passes 64 KiB, VACUUM. */
static void
spill_workload (sqlite3 *db)
{
  g_autofree char *temp = g_strdup_printf ("CREATE TEMP TABLE scratch AS "
                                           "SELECT '%s' || value AS v FROM " SERIES(5000) "", markers[1]);
  g_autofree char *sort = g_strdup_printf ("CREATE TABLE big AS SELECT '%s' || printf('%%0200d', value) AS v "
                                           "FROM " SERIES(60000) "", markers[2]);
  g_autofree char *savepoint = g_strdup_printf ("BEGIN; SAVEPOINT sp;"
                                                "INSERT INTO client (name) SELECT '%s' || printf('%%02000d', value)"
                                                "  FROM " SERIES(100) ";"
                                                "UPDATE note SET body = body || '%s';"
                                                "RELEASE sp; COMMIT;", markers[3], markers[3]);
  g_autofree char *vacuum = g_strdup_printf ("UPDATE client SET name = name || '%s'; DELETE FROM big WHERE rowid %% 2 = 0;",
                                             markers[4]);
  g_autofree char *count = NULL;
  sqlite3_stmt *stmt = NULL;
  int rows = 0;

  exec_ok (db, "PRAGMA cache_size=-2048");
  exec_ok (db, temp);
  exec_ok (db, sort);
  /* ~14 MB through the sorter with a 2 MB cache. */
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT v FROM big ORDER BY substr(v, 30) DESC, random()", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    rows++;
  g_assert_cmpint (sqlite3_finalize (stmt), ==, SQLITE_OK);
  g_assert_cmpint (rows, ==, 60000);
  exec_ok (db, savepoint);
  exec_ok (db, vacuum);
  exec_ok (db, "VACUUM");
  count = query_text (db, "SELECT count(*) FROM scratch");
  g_assert_cmpstr (count, ==, "5000");
}

static void
assert_no_markers (const char *dir,
                   const char *when)
{
  for (guint m = 0; m < G_N_ELEMENTS (markers); m++)
    {
      g_autoptr(GPtrArray) in_db_dir = test_files_containing (dir, markers[m]);
      g_autoptr(GPtrArray) in_tmp = test_files_containing (tmp_root, markers[m]);

      if (in_db_dir->len || in_tmp->len)
        g_error ("%s: plaintext marker %s found in %s", when, markers[m],
                 in_db_dir->len ? (char *) in_db_dir->pdata[0] : (char *) in_tmp->pdata[0]);
    }
}

static void
test_plaintext_scan (Fixture      *f,
                     gconstpointer data)
{
  const char *mode = data;
  g_autofree char *pragma = g_strdup_printf ("PRAGMA journal_mode=%s", mode);
  g_autofree char *unused = NULL;
  sqlite3 *db = open_ok (f->vfs, f->path);

  unused = query_text (db, pragma);
  fill (db, 40, markers[0]);
  spill_workload (db);
  assert_no_markers (f->dir, "after the workload, database open");

  /* Mid-transaction: the rollback journal holds the old pages, the WAL the
   * new ones. */
  exec_ok (db, "BEGIN; UPDATE note SET body = body || ' ändrad';");
  g_assert_true (g_file_test (f->dir, G_FILE_TEST_IS_DIR));
  assert_no_markers (f->dir, "inside a write transaction");
  exec_ok (db, "COMMIT");
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  assert_no_markers (f->dir, "after close");
}

/* The control: the same workload without the shim leaves the markers for
 * anyone to read, so the scan above can see them when they are there. */
static void
test_plaintext_scan_control (Fixture      *f,
                             gconstpointer data G_GNUC_UNUSED)
{
  sqlite3 *db = NULL;
  g_autoptr(GPtrArray) found = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  exec_ok (db, "PRAGMA temp_store=MEMORY; PRAGMA journal_mode=WAL");
  fill (db, 40, markers[0]);
  spill_workload (db);
  found = test_files_containing (f->dir, markers[0]);
  g_assert_cmpuint (found->len, >, 0);
  sqlite3_close (db);
}

/* ---- tampering --------------------------------------------------------------- */

static void
make_tamper_base (Fixture *f)
{
  sqlite3 *db = open_ok (f->vfs, f->path);

  exec_ok (db, "PRAGMA journal_mode=DELETE");
  fill (db, 12, "tamper");
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

/* Opens and reads every page; returns the first error. */
static GError *
read_everything (OmbudVfs   *vfs,
                 const char *path)
{
  GError *error = NULL;
  sqlite3 *db = ombud_vfs_open_db (vfs, path, FALSE, &error);
  g_autofree char *ok = NULL;

  if (db == NULL)
    return error;
  if (ombud_vfs_exec (db, "SELECT sum(length(name)) FROM client; SELECT sum(length(body)) FROM note;"
                          "SELECT count(*) FROM note_fts WHERE note_fts MATCH 'bostad'",
                      &error))
    {
      ok = query_text (db, "PRAGMA integrity_check");
      if (g_strcmp0 (ok, "ok") != 0)
        /* integrity_check reports unreadable pages as rows; 8202 is the
         * shim's SQLITE_IOERR_DATA. */
        g_set_error (&error, OMBUD_VFS_ERROR,
                     strstr (ok, "error code=8202") ? OMBUD_VFS_ERROR_NOT_AUTHENTIC : OMBUD_VFS_ERROR_CORRUPT,
                     "integrity_check: %s", ok);
    }
  sqlite3_close (db);
  return error;
}

static void
assert_not_authentic (OmbudVfs   *vfs,
                      const char *path,
                      const char *what)
{
  g_autoptr(GError) error = read_everything (vfs, path);

  if (error == NULL)
    g_error ("%s: read back without an error", what);
  if (!g_error_matches (error, OMBUD_VFS_ERROR, OMBUD_VFS_ERROR_NOT_AUTHENTIC))
    g_error ("%s: not refused by the shim: %s", what, error->message);
}

/* A file cut short: SQLite reads zeros past the end and calls the
 * database malformed, or the shim refuses a partial page. */
static void
assert_clean_error (OmbudVfs   *vfs,
                    const char *path,
                    const char *what)
{
  g_autoptr(GError) error = read_everything (vfs, path);

  if (error == NULL)
    g_error ("%s: read back without an error", what);
  if (!g_error_matches (error, OMBUD_VFS_ERROR, OMBUD_VFS_ERROR_NOT_AUTHENTIC)
      && !g_error_matches (error, OMBUD_VFS_ERROR, OMBUD_VFS_ERROR_CORRUPT))
    g_error ("%s: unexpected error: %s", what, error->message);
}

static void
test_tamper_bit_flips (Fixture      *f,
                       gconstpointer data G_GNUC_UNUSED)
{
  /* Page 1's header, payload, the last usable byte, nonce and tag. */
  static const gsize regions[] = { 0, 16, 20, 60, 100, 2000, USABLE - 1, USABLE, USABLE + 23, USABLE + 24, PAGE - 1 };
  g_autofree char *copy = g_build_filename (f->dir, "copy.db", NULL);
  g_autoptr(GBytes) base = NULL;
  gsize n_pages;

  make_tamper_base (f);
  base = test_read_file (f->path);
  n_pages = g_bytes_get_size (base) / PAGE;
  g_assert_cmpuint (n_pages, >=, 8);
  g_assert_null (read_everything (f->vfs, f->path));

  for (gsize page = 0; page < n_pages; page += (page < 3 ? 1 : n_pages / 4))
    for (guint r = 0; r < G_N_ELEMENTS (regions); r++)
      {
        g_autofree char *what = g_strdup_printf ("page %" G_GSIZE_FORMAT " byte %" G_GSIZE_FORMAT,
                                                 page + 1, regions[r]);
        test_write_file (copy, base);
        test_flip_bit (copy, page * PAGE + regions[r], r % 8);
        assert_not_authentic (f->vfs, copy, what);
      }
}

static void
test_tamper_swap (Fixture      *f,
                  gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GBytes) base = NULL;
  g_autofree guint8 *bytes = NULL;
  guint8 tmp[PAGE];
  gsize len;

  make_tamper_base (f);
  base = test_read_file (f->path);
  len = g_bytes_get_size (base);
  bytes = g_memdup2 (g_bytes_get_data (base, NULL), len);
  memcpy (tmp, bytes + PAGE, PAGE);
  memcpy (bytes + PAGE, bytes + 2 * PAGE, PAGE);
  memcpy (bytes + 2 * PAGE, tmp, PAGE);
  g_file_set_contents (f->path, (char *) bytes, len, NULL);
  assert_not_authentic (f->vfs, f->path, "pages 2 and 3 swapped");
}

/* A page from another database under the same key: only the salt differs. */
static void
test_tamper_transplant (Fixture      *f,
                        gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *other_path = g_build_filename (f->dir, "other.db", NULL);
  g_autoptr(OmbudVfs) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) mine = NULL, theirs = NULL;
  g_autofree guint8 *bytes = NULL;
  guint8 salt[OMBUD_VFS_SALT_BYTES];
  sqlite3 *db;
  gsize len;

  make_tamper_base (f);
  randombytes_buf (salt, sizeof salt);
  other = ombud_vfs_new (f->key, salt, &error);
  g_assert_no_error (error);
  db = open_ok (other, other_path);
  exec_ok (db, "PRAGMA journal_mode=DELETE");
  fill (db, 12, "tamper");
  sqlite3_close (db);

  mine = test_read_file (f->path);
  theirs = test_read_file (other_path);
  len = g_bytes_get_size (mine);
  bytes = g_memdup2 (g_bytes_get_data (mine, NULL), len);
  memcpy (bytes + 3 * PAGE, (const guint8 *) g_bytes_get_data (theirs, NULL) + 3 * PAGE, PAGE);
  g_file_set_contents (f->path, (char *) bytes, len, NULL);
  assert_not_authentic (f->vfs, f->path, "page 4 transplanted");
}

static void
test_wrong_key (Fixture      *f,
                gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(OmbudVfs) wrong = NULL;
  g_autoptr(GError) error = NULL;
  guint8 key[OMBUD_VFS_KEY_BYTES];

  make_tamper_base (f);
  memcpy (key, f->key, sizeof key);
  key[0] ^= 1;
  wrong = ombud_vfs_new (key, f->salt, &error);
  g_assert_no_error (error);
  assert_not_authentic (wrong, f->path, "one bit of the key changed");
  /* and a different salt is another database */
  g_clear_pointer (&wrong, ombud_vfs_free);
  key[0] ^= 1;
  wrong = ombud_vfs_new (key, (const guint8 *) "0123456789abcdef", &error);
  assert_not_authentic (wrong, f->path, "other salt");
}

static void
test_plaintext_database (Fixture      *f,
                         gconstpointer data G_GNUC_UNUSED)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  exec_ok (db, "CREATE TABLE note (body TEXT); INSERT INTO note VALUES ('klartext');");
  sqlite3_close (db);
  assert_not_authentic (f->vfs, f->path, "a plaintext database");
}

static void
test_truncated (Fixture      *f,
                gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GBytes) base = NULL;
  gsize len;

  make_tamper_base (f);
  base = test_read_file (f->path);
  len = g_bytes_get_size (base);

  /* Mid-page, whole pages missing, and only part of page 1 left. */
  g_assert_cmpint (truncate (f->path, len - 100), ==, 0);
  assert_clean_error (f->vfs, f->path, "cut mid-page");
  test_write_file (f->path, base);
  g_assert_cmpint (truncate (f->path, len - 3 * PAGE), ==, 0);
  assert_clean_error (f->vfs, f->path, "last three pages cut");
  test_write_file (f->path, base);
  g_assert_cmpint (truncate (f->path, 1000), ==, 0);
  assert_clean_error (f->vfs, f->path, "all but 1000 bytes cut");
}

/* ---- the shim's own rules, called directly -------------------------------------- */

typedef struct {
  sqlite3_vfs  *vfs;
  sqlite3_file *file;
  char         *name;  /* double NUL-terminated, as SQLite passes names */
} RawFile;

static int
raw_open (RawFile    *raw,
          OmbudVfs   *vfs,
          const char *path,
          int         kind)
{
  int out = 0;

  raw->vfs = sqlite3_vfs_find (ombud_vfs_get_name (vfs));
  g_assert_nonnull (raw->vfs);
  raw->file = g_malloc0 (raw->vfs->szOsFile);
  raw->name = path ? g_malloc0 (strlen (path) + 4) : NULL;
  if (path)
    strcpy (raw->name, path);
  return raw->vfs->xOpen (raw->vfs, raw->name, raw->file,
                          kind | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &out);
}

static void
raw_close (RawFile *raw)
{
  if (raw->file->pMethods)
    raw->file->pMethods->xClose (raw->file);
  g_free (raw->file);
  g_free (raw->name);
}

static void
fake_page1 (guint8 *page,
            guint   reserve)
{
  memset (page, 0, PAGE);
  memcpy (page, "SQLite format 3", 16);
  page[16] = PAGE >> 8;
  page[17] = PAGE & 0xff;
  page[20] = reserve;
  memcpy (page + 200, "MARK-RAW-PAGE", 13);
}

static void
test_write_shapes (Fixture      *f,
                   gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *journal = g_strconcat (f->path, "-journal", NULL);
  guint8 page[PAGE], back[PAGE];
  RawFile raw;

  g_assert_cmpint (raw_open (&raw, f->vfs, f->path, SQLITE_OPEN_MAIN_DB), ==, SQLITE_OK);
  fake_page1 (page, 0);
  g_assert_cmpint (raw.file->pMethods->xWrite (raw.file, page, PAGE, 0), ==, SQLITE_IOERR_WRITE);
  fake_page1 (page, OMBUD_VFS_RESERVED_BYTES);
  g_assert_cmpint (raw.file->pMethods->xWrite (raw.file, page, 100, 0), ==, SQLITE_IOERR_WRITE);
  g_assert_cmpint (raw.file->pMethods->xWrite (raw.file, page, PAGE, 512), ==, SQLITE_IOERR_WRITE);
  g_assert_cmpint (raw.file->pMethods->xWrite (raw.file, page, 2 * 2048, 2048), ==, SQLITE_IOERR_WRITE);
  g_assert_cmpint (raw.file->pMethods->xWrite (raw.file, page, PAGE, 0), ==, SQLITE_OK);
  /* A read spanning two pages is not a shape SQLite uses either. */
  g_assert_cmpint (raw.file->pMethods->xRead (raw.file, back, 200, PAGE - 100), ==, SQLITE_IOERR_READ);
  g_assert_cmpint (raw.file->pMethods->xRead (raw.file, back, 100, 150), ==, SQLITE_OK);
  g_assert_cmpmem (back, 100, page + 150, 100);
  raw_close (&raw);
  g_assert_false (test_file_contains (f->path, "MARK-RAW-PAGE"));

  g_assert_cmpint (raw_open (&raw, f->vfs, wal, SQLITE_OPEN_WAL), ==, SQLITE_OK);
  g_assert_cmpint (raw.file->pMethods->xWrite (raw.file, page, 100, 32), ==, SQLITE_IOERR_WRITE);
  g_assert_cmpint (raw.file->pMethods->xWrite (raw.file, page, 24, 10), ==, SQLITE_IOERR_WRITE);
  g_assert_cmpint (raw.file->pMethods->xWrite (raw.file, page, PAGE, 32), ==, SQLITE_IOERR_WRITE);
  raw_close (&raw);

  g_assert_cmpint (raw_open (&raw, f->vfs, journal, SQLITE_OPEN_MAIN_JOURNAL), ==, SQLITE_OK);
  g_assert_cmpint (raw.file->pMethods->xWrite (raw.file, page, 100, 516), ==, SQLITE_IOERR_WRITE);
  raw_close (&raw);
}

static void
test_refuses_temp_files (Fixture      *f,
                         gconstpointer data G_GNUC_UNUSED)
{
  static const int kinds[] = {
    SQLITE_OPEN_TEMP_DB, SQLITE_OPEN_TEMP_JOURNAL, SQLITE_OPEN_TRANSIENT_DB,
    SQLITE_OPEN_SUBJOURNAL, SQLITE_OPEN_SUPER_JOURNAL,
  };
  g_autofree char *path = g_build_filename (f->dir, "temp", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      RawFile raw;

      g_assert_cmpint (raw_open (&raw, f->vfs, i % 2 ? path : NULL, kinds[i]), ==, SQLITE_CANTOPEN);
      g_assert_null (raw.file->pMethods);
      raw_close (&raw);
    }
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* A connection opened on the shim by name, skipping ombud_vfs_open_db's set-up,
 * asks for no reserved bytes: its first write must fail, not go out in a
 * layout where nonce and tag would overwrite content. */
static void
test_reserve_enforced (Fixture      *f,
                       gconstpointer data G_GNUC_UNUSED)
{
  sqlite3 *db = NULL;
  int rc;

  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                    ombud_vfs_get_name (f->vfs)), ==, SQLITE_OK);
  rc = sqlite3_exec (db, "PRAGMA temp_store=MEMORY; CREATE TABLE t (x); INSERT INTO t VALUES ('MARK-RESERVE')",
                     NULL, NULL, NULL);
  g_assert_cmpint (rc & 0xff, ==, SQLITE_IOERR);
  sqlite3_close (db);
  g_assert_false (test_file_contains (f->path, "MARK-RESERVE"));
}

static void
test_no_mmap (Fixture      *f,
              gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *size = NULL, *digest = NULL, *again = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  make_tamper_base (f);
  db = open_ok (f->vfs, f->path);
  digest = content_digest (db);
  size = query_text (db, "PRAGMA mmap_size=268435456");
  g_assert_cmpstr (size, ==, "0");
  again = content_digest (db);
  g_assert_cmpstr (digest, ==, again);
  sqlite3_close (db);

  /* Were pages read through a map, a damaged one would go unnoticed. */
  test_flip_bit (f->path, 5 * PAGE + 10, 2);
  db = open_ok (f->vfs, f->path);
  g_free (size);
  size = query_text (db, "PRAGMA mmap_size=268435456");
  ombud_vfs_exec (db, "SELECT sum(length(body)), sum(length(photo)) FROM note", &error);
  if (error == NULL)
    ombud_vfs_exec (db, "PRAGMA integrity_check", &error);
  g_assert_error (error, OMBUD_VFS_ERROR, OMBUD_VFS_ERROR_NOT_AUTHENTIC);
  sqlite3_close (db);
}

/* ---- backups and concurrency ----------------------------------------------------- */

static int
backup_all (sqlite3 *to,
            sqlite3 *from)
{
  sqlite3_backup *backup = sqlite3_backup_init (to, "main", from, "main");
  int rc;

  g_assert_nonnull (backup);
  rc = sqlite3_backup_step (backup, -1);
  sqlite3_backup_finish (backup);
  return rc;
}

static void
test_backup_through_shim (Fixture      *f,
                          gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *copy_path = g_build_filename (f->dir, "copy.db", NULL);
  g_autofree char *digest = NULL, *again = NULL;
  g_autoptr(OmbudVfs) fresh = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *src = open_ok (f->vfs, f->path);
  sqlite3 *dest = open_ok (f->vfs, copy_path);

  exec_ok (src, "PRAGMA journal_mode=WAL");
  fill (src, 20, "MARK-BACKUP-7f3a");
  digest = content_digest (src);
  g_assert_cmpint (backup_all (dest, src), ==, SQLITE_DONE);
  sqlite3_close (dest);
  sqlite3_close (src);
  g_assert_false (test_file_contains (copy_path, "MARK-BACKUP-7f3a"));

  fresh = ombud_vfs_new (f->key, f->salt, &error);
  g_assert_no_error (error);
  dest = open_ok (fresh, copy_path);
  again = content_digest (dest);
  g_assert_cmpstr (digest, ==, again);
  sqlite3_close (dest);
}

/* Into the shim from a plain database: page 1 arrives without room for nonce
 * and tag, and the shim refuses it rather than write plaintext. */
static void
test_backup_from_plain_refused (Fixture      *f,
                                gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *plain_path = g_build_filename (f->dir, "plain.db", NULL);
  sqlite3 *plain = NULL, *dest;
  int rc;

  g_assert_cmpint (sqlite3_open (plain_path, &plain), ==, SQLITE_OK);
  fill (plain, 5, "MARK-PLAIN-7f3a");
  dest = open_ok (f->vfs, f->path);
  rc = backup_all (dest, plain);
  g_assert_cmpint (rc & 0xff, ==, SQLITE_IOERR);
  sqlite3_close (dest);
  sqlite3_close (plain);
  g_assert_false (test_file_contains (f->path, "MARK-PLAIN-7f3a"));
}

static void
test_two_connections (Fixture      *f,
                      gconstpointer data G_GNUC_UNUSED)
{
  sqlite3 *writer = open_ok (f->vfs, f->path);
  sqlite3 *reader;

  exec_ok (writer, "PRAGMA journal_mode=WAL; CREATE TABLE t (x)");
  reader = open_ok (f->vfs, f->path);
  for (int i = 1; i <= 50; i++)
    {
      g_autofree char *insert = g_strdup_printf ("INSERT INTO t VALUES (%d)", i);
      g_autofree char *count = NULL;

      exec_ok (writer, insert);
      if (i % 10 == 0)
        exec_ok (writer, "PRAGMA wal_checkpoint(TRUNCATE)");
      count = query_text (reader, "SELECT count(*) FROM t");
      g_assert_cmpint (atoi (count), ==, i);
    }
  sqlite3_close (reader);
  sqlite3_close (writer);
}

static void
test_untested_sqlite (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_vfs_check_sqlite_version (sqlite3_libversion_number (), NULL));
  g_assert_false (ombud_vfs_check_sqlite_version (3039004, &error));
  g_assert_error (error, OMBUD_VFS_ERROR, OMBUD_VFS_ERROR_UNTESTED_SQLITE);
  g_assert_nonnull (strstr (error->message, "3.39.4"));
  g_clear_error (&error);
  g_assert_false (ombud_vfs_check_sqlite_version (3046001, &error));
  g_assert_error (error, OMBUD_VFS_ERROR, OMBUD_VFS_ERROR_UNTESTED_SQLITE);
}

#define ADD(name, fn, data) \
  g_test_add (name, Fixture, data, fixture_set_up, fn, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  int rc;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* SQLite would put temp files here; the scan looks here too. */
  tmp_root = test_make_tmp_dir ("ombud-sqlite-tmp-XXXXXX");
  g_setenv ("SQLITE_TMPDIR", tmp_root, TRUE);
  g_setenv ("TMPDIR", tmp_root, TRUE);
  g_assert_cmpint (sodium_init (), >=, 0);

  ADD ("/vfs/round-trip/wal", test_round_trip, "wal");
  ADD ("/vfs/round-trip/delete", test_round_trip, "delete");
  ADD ("/vfs/round-trip/truncate", test_round_trip, "truncate");
  ADD ("/vfs/plaintext-scan/wal", test_plaintext_scan, "wal");
  ADD ("/vfs/plaintext-scan/delete", test_plaintext_scan, "delete");
  ADD ("/vfs/plaintext-scan/control", test_plaintext_scan_control, NULL);
  ADD ("/vfs/tamper/bit-flips", test_tamper_bit_flips, NULL);
  ADD ("/vfs/tamper/swap", test_tamper_swap, NULL);
  ADD ("/vfs/tamper/transplant", test_tamper_transplant, NULL);
  ADD ("/vfs/tamper/truncated", test_truncated, NULL);
  ADD ("/vfs/wrong-key", test_wrong_key, NULL);
  ADD ("/vfs/plaintext-database", test_plaintext_database, NULL);
  ADD ("/vfs/write-shapes", test_write_shapes, NULL);
  ADD ("/vfs/refuses-temp-files", test_refuses_temp_files, NULL);
  ADD ("/vfs/reserve-enforced", test_reserve_enforced, NULL);
  ADD ("/vfs/no-mmap", test_no_mmap, NULL);
  ADD ("/vfs/backup/through-shim", test_backup_through_shim, NULL);
  ADD ("/vfs/backup/from-plain-refused", test_backup_from_plain_refused, NULL);
  ADD ("/vfs/two-connections", test_two_connections, NULL);
  g_test_add_func ("/vfs/untested-sqlite", test_untested_sqlite);

  rc = g_test_run ();
  test_rm_rf (tmp_root);
  g_free (tmp_root);
  return rc;
}
