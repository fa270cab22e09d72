/* test-store.c: OmbudStore and its migrations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sodium.h>
#include <string.h>
#include <sys/resource.h>

#include "ombud-guard.h"
#include "ombud-migrations.h"
#include "ombud-store.h"
#include "ombud-vfs.h"
#include "test-util.h"

#define PASS "en lång lösenfras"

typedef struct {
  char       *dir;
  OmbudStore *store;
} Fixture;

static void
fixture_set_up (Fixture      *f,
                gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = test_make_tmp_dir ("ombud-store-XXXXXX");

  f->dir = g_build_filename (tmp, "profile", NULL);
  f->store = ombud_store_new (f->dir);
  g_assert_true (ombud_store_create (f->store, PASS, test_fast_limits (), &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *parent = g_path_get_dirname (f->dir);

  g_clear_object (&f->store);
  test_rm_rf (parent);
  g_free (f->dir);
}

static char *
pragma (OmbudStore *store,
        const char *name)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA %s", name);
  sqlite3_stmt *stmt = NULL;
  char *out = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (ombud_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return out;
}

static void
assert_pragma (OmbudStore *store,
               const char *name,
               const char *expected)
{
  g_autofree char *value = pragma (store, name);

  g_assert_cmpstr (value, ==, expected);
}

static void
assert_unlock_fails (OmbudStore *store,
                     const char *passphrase,
                     int         code)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (ombud_store_unlock (store, passphrase, &error));
  g_assert_error (error, OMBUD_STORE_ERROR, code);
  g_assert_false (ombud_store_get_unlocked (store));
  g_assert_null (ombud_store_get_db (store));
}

static void
unlock_ok (OmbudStore *store,
           const char *passphrase)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_store_unlock (store, passphrase, &error));
  g_assert_no_error (error);
}

static void
on_notify (GObject    *object G_GNUC_UNUSED,
           GParamSpec *pspec G_GNUC_UNUSED,
           gpointer    data)
{
  (*(int *) data)++;
}

static void
test_lifecycle (Fixture      *f,
                gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  int notified = 0;

  g_assert_true (ombud_store_get_unlocked (f->store));
  g_assert_cmpint (ombud_store_get_schema_version (f->store), ==, ombud_migrations_latest ());
  g_assert_true (ombud_store_put (f->store, "klient", "Åsa Öberg", &error));
  g_assert_no_error (error);

  g_signal_connect (f->store, "notify::unlocked", G_CALLBACK (on_notify), &notified);
  ombud_store_lock (f->store);
  g_assert_false (ombud_store_get_unlocked (f->store));
  g_assert_cmpint (notified, ==, 1);
  g_assert_null (ombud_store_get (f->store, "klient", &error));
  g_assert_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_LOCKED);
  g_clear_error (&error);

  unlock_ok (f->store, PASS);
  g_assert_cmpint (notified, ==, 2);
  value = ombud_store_get (f->store, "klient", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "Åsa Öberg");
  g_assert_null (ombud_store_get (f->store, "saknas", &error));
  g_assert_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_NOT_FOUND);
}

static void
test_connection_settings (Fixture      *f,
                          gconstpointer data G_GNUC_UNUSED)
{
  assert_pragma (f->store, "journal_mode", "wal");
  assert_pragma (f->store, "synchronous", "2");  /* FULL */
  assert_pragma (f->store, "foreign_keys", "1");
  assert_pragma (f->store, "temp_store", "2");   /* MEMORY */
  assert_pragma (f->store, "page_size", "4096");
  assert_pragma (f->store, "mmap_size", "0");
}

static void
test_errors (Fixture      *f,
             gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(OmbudStore) again = ombud_store_new (f->dir);
  g_autofree char *elsewhere = g_build_filename (f->dir, "nowhere", NULL);
  g_autoptr(OmbudStore) none = ombud_store_new (elsewhere);
  g_autoptr(GError) error = NULL;

  g_assert_false (ombud_store_create (again, "något annat", test_fast_limits (), &error));
  g_assert_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_EXISTS);
  g_clear_error (&error);

  assert_unlock_fails (none, PASS, OMBUD_STORE_ERROR_NO_PROFILE);
  assert_unlock_fails (again, "", OMBUD_STORE_ERROR_INVALID);

  /* Another holder of the profile, in this process or any other. */
  assert_unlock_fails (again, PASS, OMBUD_STORE_ERROR_BUSY);
  ombud_store_lock (f->store);
  assert_unlock_fails (again, "fel lösenfras", OMBUD_STORE_ERROR_WRONG_PASSPHRASE);
  unlock_ok (again, PASS);
  assert_unlock_fails (f->store, PASS, OMBUD_STORE_ERROR_BUSY);
}

static void
test_corrupted (Fixture      *f,
                gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *db = g_build_filename (f->dir, "ombud.db", NULL);
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 200; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%d", i);
      g_assert_true (ombud_store_put (f->store, key, "ett värde som fyller sidor och sidor", NULL));
    }
  ombud_store_lock (f->store);

  /* A damaged page past page 1: unlock works, the integrity check does not. */
  test_flip_bit (db, 3 * 4096 + 77, 5);
  unlock_ok (f->store, PASS);
  g_assert_false (ombud_store_check_integrity (f->store, &error));
  g_assert_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_CORRUPTED);
  ombud_store_lock (f->store);

  /* Page 1 damaged: the store does not open. */
  test_flip_bit (db, 1000, 1);
  assert_unlock_fails (f->store, PASS, OMBUD_STORE_ERROR_CORRUPTED);

  /* The key file damaged: told apart from a wrong passphrase. */
  test_flip_bit (db, 1000, 1);
  {
    g_autofree char *key_path = g_build_filename (f->dir, "ombud.key", NULL);
    g_autofree char *contents = NULL;
    g_file_get_contents (key_path, &contents, NULL, NULL);
    *strstr (contents, "Nonce=") = 'X';
    g_file_set_contents (key_path, contents, -1, NULL);
  }
  assert_unlock_fails (f->store, PASS, OMBUD_STORE_ERROR_CORRUPTED);
}

static void
test_newer_schema (Fixture      *f,
                   gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", ombud_migrations_latest () + 1);
  g_autoptr(GError) error = NULL;

  ombud_vfs_exec (ombud_store_get_db (f->store), bump, &error);
  g_assert_no_error (error);
  ombud_store_lock (f->store);
  assert_unlock_fails (f->store, PASS, OMBUD_STORE_ERROR_UNSUPPORTED_VERSION);
}

static void
test_change_passphrase (Fixture      *f,
                        gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  g_assert_true (ombud_store_put (f->store, "mål", "egen bostad", &error));
  g_assert_false (ombud_store_change_passphrase (f->store, "fel", "ny lösenfras", &error));
  g_assert_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_true (ombud_store_change_passphrase (f->store, PASS, "ny lösenfras", &error));
  g_assert_no_error (error);
  ombud_store_lock (f->store);

  assert_unlock_fails (f->store, PASS, OMBUD_STORE_ERROR_WRONG_PASSPHRASE);
  unlock_ok (f->store, "ny lösenfras");
  value = ombud_store_get (f->store, "mål", &error);
  g_assert_cmpstr (value, ==, "egen bostad");
}

typedef struct {
  gboolean done;
  GError  *error;
} AsyncResult;

static void
on_unlocked (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  AsyncResult *r = data;

  ombud_store_unlock_finish (OMBUD_STORE (source), result, &r->error);
  r->done = TRUE;
}

static GError *
unlock_async_and_wait (OmbudStore *store,
                       const char *passphrase)
{
  AsyncResult r = { FALSE, NULL };

  ombud_store_unlock_async (store, passphrase, NULL, on_unlocked, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  return r.error;
}

static void
test_unlock_async (Fixture      *f,
                   gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GError) error = NULL;

  ombud_store_lock (f->store);
  error = unlock_async_and_wait (f->store, "fel lösenfras");
  g_assert_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_WRONG_PASSPHRASE);
  g_assert_false (ombud_store_get_unlocked (f->store));
  g_clear_error (&error);

  error = unlock_async_and_wait (f->store, PASS);
  g_assert_no_error (error);
  g_assert_true (ombud_store_get_unlocked (f->store));
  assert_pragma (f->store, "journal_mode", "wal");
}

static void
test_core_dumps_off_while_unlocked (Fixture      *f,
                                    gconstpointer data G_GNUC_UNUSED)
{
  struct rlimit limit;

  getrlimit (RLIMIT_CORE, &limit);
  g_assert_cmpuint (limit.rlim_cur, ==, 0);
  ombud_store_lock (f->store);

  /* Allow some core while locked, so that the hold has something to undo. */
  getrlimit (RLIMIT_CORE, &limit);
  if (limit.rlim_max == 0)
    {
      g_test_skip ("the hard core-size limit is 0 here: nothing to switch off");
      return;
    }
  limit.rlim_cur = MIN (limit.rlim_max, 1 << 20);
  g_assert_cmpint (setrlimit (RLIMIT_CORE, &limit), ==, 0);

  unlock_ok (f->store, PASS);
  getrlimit (RLIMIT_CORE, &limit);
  g_assert_cmpuint (limit.rlim_cur, ==, 0);
  ombud_store_lock (f->store);
  getrlimit (RLIMIT_CORE, &limit);
  g_assert_cmpuint (limit.rlim_cur, ==, MIN (limit.rlim_max, 1 << 20));
}

static void
test_backup (Fixture      *f,
             gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *parent = g_path_get_dirname (f->dir);
  g_autofree char *dest = g_build_filename (parent, "backup", NULL);
  g_autoptr(OmbudStore) restored = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  g_assert_true (ombud_store_put (f->store, "anteckning", "MARK-BACKUP-STORE möte hos Kronofogden", &error));
  g_assert_true (ombud_store_backup (f->store, dest, &error));
  g_assert_no_error (error);
  found = test_files_containing (dest, "MARK-BACKUP-STORE");
  g_assert_cmpuint (found->len, ==, 0);

  g_assert_false (ombud_store_backup (f->store, dest, &error));
  g_assert_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_EXISTS);
  g_clear_error (&error);

  ombud_store_lock (f->store);
  restored = ombud_store_new (dest);
  unlock_ok (restored, PASS);
  value = ombud_store_get (restored, "anteckning", &error);
  g_assert_cmpstr (value, ==, "MARK-BACKUP-STORE möte hos Kronofogden");
  g_assert_true (ombud_store_check_integrity (restored, &error));
}

/* ---- migrations ---------------------------------------------------------- */

static char *
schema_of (sqlite3 *db)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  sqlite3_prepare_v2 (db, "SELECT type, name, sql FROM sqlite_schema ORDER BY type, name", -1, &stmt, NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s %s %s\n", sqlite3_column_text (stmt, 0),
                            sqlite3_column_text (stmt, 1), sqlite3_column_text (stmt, 2));
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

static int
user_version (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  int v;

  sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);
  sqlite3_step (stmt);
  v = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

/* From every earlier version to the latest gives the schema a new store has. */
static void
test_migrations_from_every_version (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fresh_schema = NULL;
  guint n;
  const OmbudMigration *list = ombud_migrations_get (&n);
  int latest = ombud_migrations_latest ();
  sqlite3 *fresh = NULL;

  for (guint i = 0; i < n; i++)
    g_assert_cmpint (list[i].version, ==, (int) i + 1);

  sqlite3_open (":memory:", &fresh);
  g_assert_true (ombud_migrations_apply (fresh, list, n, latest, &error));
  fresh_schema = schema_of (fresh);
  g_assert_cmpint (user_version (fresh), ==, latest);

  for (int from = 0; from < latest; from++)
    {
      g_autofree char *schema = NULL;
      sqlite3 *db = NULL;

      sqlite3_open (":memory:", &db);
      g_assert_true (ombud_migrations_apply (db, list, n, from, &error));
      g_assert_cmpint (user_version (db), ==, from);
      g_assert_true (ombud_migrations_apply (db, list, n, latest, &error));
      g_assert_no_error (error);
      g_assert_cmpint (user_version (db), ==, latest);
      schema = schema_of (db);
      g_assert_cmpstr (schema, ==, fresh_schema);
      sqlite3_close (db);
    }
  sqlite3_close (fresh);
}

/* A failing step leaves the database at the version before it, whole. */
static void
test_migration_failure_rolls_back (void)
{
  static const OmbudMigration list[] = {
    { 1, "CREATE TABLE a (x);" },
    { 2, "CREATE TABLE b (x); INSERT INTO a VALUES (1); CREATE TABLE a (oops);" },
    { 3, "CREATE TABLE c (x);" },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *schema = NULL;
  sqlite3 *db = NULL;

  sqlite3_open (":memory:", &db);
  g_assert_false (ombud_migrations_apply (db, list, G_N_ELEMENTS (list), 3, &error));
  g_assert_error (error, OMBUD_MIGRATION_ERROR, OMBUD_MIGRATION_ERROR_FAILED);
  g_assert_cmpint (user_version (db), ==, 1);
  schema = schema_of (db);
  g_assert_null (strstr (schema, "table b"));
  g_assert_null (strstr (schema, "table c"));
  g_assert_nonnull (strstr (schema, "table a"));
  g_clear_error (&error);

  sqlite3_exec (db, "PRAGMA user_version = 9", NULL, NULL, NULL);
  g_assert_false (ombud_migrations_apply (db, list, G_N_ELEMENTS (list), 3, &error));
  g_assert_error (error, OMBUD_MIGRATION_ERROR, OMBUD_MIGRATION_ERROR_NEWER);
  sqlite3_close (db);
}

/* ---- §10.4: a guarded profile past its deadline ---- */

static gint64
fake_clock (gpointer user_data)
{
  return *(gint64 *) user_data;
}

static gboolean
dir_holds (const char   *dir,
           const guint8 *needle,
           gsize         len)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GBytes) bytes = test_read_file (path);

      if (memmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), needle, len) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
test_guarded_stale (Fixture      *f,
                    gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GError) error = NULL;
  guint8 pk[32], share_days[36], sealed[36 + crypto_box_SEALBYTES], org[16] = { 7 };
  gboolean has_share = TRUE;
  gint64 now = 1790000000;

  ombud_store_set_clock (f->store, fake_clock, &now);
  g_assert_true (ombud_store_put (f->store, "kept", "ja", &error));
  g_assert_true (ombud_store_guard_public_key (f->store, pk, &has_share, &error));
  g_assert_no_error (error);
  g_assert_false (has_share);
  g_assert_false (ombud_store_is_guarded (f->store));

  /* The office's answer: share ‖ stale_days = 3, sealed to the guard key. */
  randombytes_buf (share_days, 32);
  share_days[32] = 3; share_days[33] = share_days[34] = share_days[35] = 0;
  crypto_box_seal (sealed, share_days, sizeof share_days, pk);
  g_assert_true (ombud_store_guard_take_share (f->store, sealed, sizeof sealed, "https://k.example",
                                               NULL, NULL, org, 42, &error));
  g_assert_no_error (error);
  g_assert_true (ombud_store_is_guarded (f->store));
  g_assert_true (ombud_store_guard_public_key (f->store, pk, &has_share, &error));
  g_assert_true (has_share);
  ombud_store_lock (f->store);

  /* Within the deadline it opens offline as before; a wrong passphrase is
   * still a wrong passphrase. */
  assert_unlock_fails (f->store, "fel lösenfras", OMBUD_STORE_ERROR_WRONG_PASSPHRASE);
  now += 3 * 86400;
  g_assert_true (ombud_store_unlock (f->store, PASS, &error));
  g_assert_no_error (error);
  ombud_store_lock (f->store);

  /* A second later: STALE, and the share is nowhere in the profile. */
  g_assert_true (dir_holds (f->dir, share_days, 32) == FALSE);  /* never in clear */
  now += 1;
  assert_unlock_fails (f->store, PASS, OMBUD_STORE_ERROR_STALE);
  /* The clock set back afterwards does not bring it back. */
  now -= 10 * 86400;
  assert_unlock_fails (f->store, PASS, OMBUD_STORE_ERROR_STALE);
  {
    g_autofree char *key_path = g_build_filename (f->dir, "ombud.key", NULL);
    g_autofree char *guard_path = g_build_filename (f->dir, OMBUD_GUARD_FILE, NULL);
    g_autoptr(OmbudSecret) kek = ombud_keyfile_derive (key_path, PASS, NULL, &error);
    g_autoptr(OmbudGuard) guard = ombud_guard_load (guard_path, kek, &error);
    g_autoptr(OmbudSecret) key = NULL;

    g_assert_no_error (error);
    g_assert_false (guard->has_share);
    g_assert_true (sodium_is_zero (guard->share, 32));
    g_assert_false (ombud_keyfile_unwrap (key_path, PASS, &key, NULL, NULL, &error));
    g_assert_error (error, OMBUD_KEYFILE_ERROR, OMBUD_KEYFILE_ERROR_GUARDED);
  }
  assert_unlock_fails (f->store, "fel lösenfras", OMBUD_STORE_ERROR_WRONG_PASSPHRASE);
}

static void
test_guarded_change_passphrase (Fixture      *f,
                                gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  guint8 pk[32], share_days[36] = { 0 }, sealed[36 + crypto_box_SEALBYTES], org[16] = { 0 };
  gboolean has_share;

  g_assert_true (ombud_store_put (f->store, "kept", "ja", &error));
  g_assert_true (ombud_store_guard_public_key (f->store, pk, &has_share, &error));
  randombytes_buf (share_days, 32);
  share_days[32] = 30;
  crypto_box_seal (sealed, share_days, sizeof share_days, pk);
  g_assert_true (ombud_store_guard_take_share (f->store, sealed, sizeof sealed, "https://k.example",
                                               NULL, NULL, org, 1, &error));
  g_assert_no_error (error);
  g_assert_true (ombud_store_change_passphrase (f->store, PASS, "en ny lösenfras", &error));
  g_assert_no_error (error);
  ombud_store_lock (f->store);
  assert_unlock_fails (f->store, PASS, OMBUD_STORE_ERROR_WRONG_PASSPHRASE);
  g_assert_true (ombud_store_unlock (f->store, "en ny lösenfras", &error));
  g_assert_no_error (error);
  value = ombud_store_get (f->store, "kept", &error);
  g_assert_cmpstr (value, ==, "ja");
}

#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  ADD ("/store/lifecycle", test_lifecycle);
  ADD ("/store/connection-settings", test_connection_settings);
  ADD ("/store/errors", test_errors);
  ADD ("/store/corrupted", test_corrupted);
  ADD ("/store/newer-schema", test_newer_schema);
  ADD ("/store/change-passphrase", test_change_passphrase);
  ADD ("/store/unlock-async", test_unlock_async);
  ADD ("/store/core-dumps-off-while-unlocked", test_core_dumps_off_while_unlocked);
  ADD ("/store/backup", test_backup);
  ADD ("/store/guarded-stale", test_guarded_stale);
  ADD ("/store/guarded-change-passphrase", test_guarded_change_passphrase);
  g_test_add_func ("/migrations/from-every-version", test_migrations_from_every_version);
  g_test_add_func ("/migrations/failure-rolls-back", test_migration_failure_rolls_back);

  return g_test_run ();
}
