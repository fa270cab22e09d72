/* test-keyfile.c: the wrapped database key and secret memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sodium.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "ombud-guard.h"
#include "ombud-keyfile.h"
#include "ombud-secret.h"
#include "test-util.h"

typedef struct {
  char        *dir;
  char        *path;
  OmbudSecret *key;
  guint8       salt[OMBUD_KEYFILE_SALT_BYTES];
} Fixture;

static void
fixture_set_up (Fixture      *f,
                gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GError) error = NULL;

  f->dir = test_make_tmp_dir ("ombud-key-XXXXXX");
  f->path = g_build_filename (f->dir, "ombud.key", NULL);
  f->key = ombud_secret_new_random (32);
  randombytes_buf (f->salt, sizeof f->salt);
  ombud_keyfile_write (f->path, "första lösenordet", test_fast_limits (), f->key, f->salt, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data G_GNUC_UNUSED)
{
  ombud_secret_free (f->key);
  test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static void
assert_unwraps_to (Fixture    *f,
                   const char *passphrase)
{
  g_autoptr(OmbudSecret) key = NULL;
  g_autoptr(GError) error = NULL;
  guint8 salt[OMBUD_KEYFILE_SALT_BYTES];
  OmbudKdfLimits limits;

  g_assert_true (ombud_keyfile_unwrap (f->path, passphrase, &key, salt, &limits, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (ombud_secret_get_data (key), 32, ombud_secret_get_data (f->key), 32);
  g_assert_cmpmem (salt, sizeof salt, f->salt, sizeof f->salt);
  g_assert_cmpuint (limits.opslimit, ==, test_fast_limits ()->opslimit);
  g_assert_cmpuint (limits.memlimit, ==, test_fast_limits ()->memlimit);
}

static void
assert_unwrap_fails (Fixture    *f,
                     const char *passphrase,
                     int         code)
{
  OmbudSecret *key = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (ombud_keyfile_unwrap (f->path, passphrase, &key, NULL, NULL, &error));
  g_assert_error (error, OMBUD_KEYFILE_ERROR, code);
  g_assert_null (key);
}

static void
test_round_trip (Fixture      *f,
                 gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GBytes) bytes = test_read_file (f->path);
  g_autofree char *hex = NULL;

  assert_unwraps_to (f, "första lösenordet");
  /* The key itself never appears on disk. */
  hex = g_malloc (65);
  sodium_bin2hex (hex, 65, ombud_secret_get_data (f->key), 32);
  g_assert_null (memmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                         ombud_secret_get_data (f->key), 32));
  g_assert_false (test_file_contains (f->path, hex));
}

static void
test_wrong_passphrase (Fixture      *f,
                       gconstpointer data G_GNUC_UNUSED)
{
  assert_unwrap_fails (f, "första lösenordeT", OMBUD_KEYFILE_ERROR_WRONG_PASSPHRASE);
  assert_unwrap_fails (f, "", OMBUD_KEYFILE_ERROR_WRONG_PASSPHRASE);
}

static void
replace_field (const char *path,
               const char *field,
               const char *value)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  g_key_file_set_string (kf, "Ombud Key", field, value);
  g_key_file_save_to_file (kf, path, &error);
  g_assert_no_error (error);
}

/* Any altered field is damage, told apart from a wrong passphrase. */
static void
test_tampered_fields (Fixture      *f,
                      gconstpointer data G_GNUC_UNUSED)
{
  static const struct { const char *field, *value; } edits[] = {
    { "OpsLimit", "2" },
    { "MemLimit", "16384" },
    { "PassphraseSalt", "AAAAAAAAAAAAAAAAAAAAAA==" },
    { "DatabaseSalt", "AAAAAAAAAAAAAAAAAAAAAA==" },
    { "Nonce", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
    { "WrappedKey", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
    { "WrappedKey", "short" },
    { "Check", "AAAAAAAAAAAAAAAAAAAAAA==" },
    { "Kdf", "scrypt" },
  };
  g_autoptr(GBytes) original = test_read_file (f->path);

  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      test_write_file (f->path, original);
      replace_field (f->path, edits[i].field, edits[i].value);
      assert_unwrap_fails (f, "första lösenordet", OMBUD_KEYFILE_ERROR_CORRUPTED);
    }
}

static void
test_truncated_and_missing (Fixture      *f,
                            gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GBytes) original = test_read_file (f->path);
  g_autoptr(GBytes) half = g_bytes_new_from_bytes (original, 0, g_bytes_get_size (original) / 2);
  g_autofree char *missing = g_build_filename (f->dir, "nothing.key", NULL);
  OmbudSecret *key = NULL;
  g_autoptr(GError) error = NULL;

  test_write_file (f->path, half);
  assert_unwrap_fails (f, "första lösenordet", OMBUD_KEYFILE_ERROR_CORRUPTED);
  g_clear_pointer (&half, g_bytes_unref);
  half = g_bytes_new_static ("\x00\x01garbage", 9);
  test_write_file (f->path, half);
  assert_unwrap_fails (f, "första lösenordet", OMBUD_KEYFILE_ERROR_CORRUPTED);

  g_assert_false (ombud_keyfile_unwrap (missing, "x", &key, NULL, NULL, &error));
  g_assert_error (error, OMBUD_KEYFILE_ERROR, OMBUD_KEYFILE_ERROR_NOT_FOUND);
}

static void
test_newer_version (Fixture      *f,
                    gconstpointer data G_GNUC_UNUSED)
{
  replace_field (f->path, "Version", "2");
  assert_unwrap_fails (f, "första lösenordet", OMBUD_KEYFILE_ERROR_UNSUPPORTED_VERSION);
}

static void
test_rewrap (Fixture      *f,
             gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = test_read_file (f->path);
  g_autoptr(GBytes) after_failure = NULL;

  /* A wrong current passphrase changes nothing. */
  g_assert_false (ombud_keyfile_rewrap (f->path, "fel", "andra lösenordet", &error));
  g_assert_error (error, OMBUD_KEYFILE_ERROR, OMBUD_KEYFILE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  after_failure = test_read_file (f->path);
  g_assert_true (g_bytes_equal (before, after_failure));

  g_assert_true (ombud_keyfile_rewrap (f->path, "första lösenordet", "andra lösenordet", &error));
  g_assert_no_error (error);
  assert_unwrap_fails (f, "första lösenordet", OMBUD_KEYFILE_ERROR_WRONG_PASSPHRASE);
  /* The same key, so the database needs no rewriting. */
  assert_unwraps_to (f, "andra lösenordet");
}

static void
test_default_limits_recorded (void)
{
  g_autofree char *dir = test_make_tmp_dir ("ombud-key-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "ombud.key", NULL);
  g_autoptr(OmbudSecret) key = ombud_secret_new_random (32);
  g_autoptr(OmbudSecret) back = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  guint8 salt[OMBUD_KEYFILE_SALT_BYTES] = { 0 };
  OmbudKdfLimits limits;

  g_assert_true (ombud_keyfile_write (path, "standard", NULL, key, salt, &error));
  g_assert_no_error (error);
  g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_key_file_get_uint64 (kf, "Ombud Key", "OpsLimit", NULL), ==, crypto_pwhash_OPSLIMIT_MODERATE);
  g_assert_cmpuint (g_key_file_get_uint64 (kf, "Ombud Key", "MemLimit", NULL), ==, crypto_pwhash_MEMLIMIT_MODERATE);
  g_assert_true (ombud_keyfile_unwrap (path, "standard", &back, NULL, &limits, &error));
  g_assert_cmpuint (limits.opslimit, ==, crypto_pwhash_OPSLIMIT_MODERATE);
  test_rm_rf (dir);
}

static void
test_core_dumps_held_off (void)
{
  struct rlimit before, held, after;

  getrlimit (RLIMIT_CORE, &before);
  ombud_secret_hold_core_dumps_off ();
  ombud_secret_hold_core_dumps_off ();
  getrlimit (RLIMIT_CORE, &held);
  g_assert_cmpuint (held.rlim_cur, ==, 0);
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 0);
  /* Nested holds: released only by the last. */
  ombud_secret_release_core_dumps ();
  getrlimit (RLIMIT_CORE, &held);
  g_assert_cmpuint (held.rlim_cur, ==, 0);
  ombud_secret_release_core_dumps ();
  getrlimit (RLIMIT_CORE, &after);
  g_assert_cmpuint (after.rlim_cur, ==, before.rlim_cur);
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 1);
}

static void
test_secret_memory (void)
{
  g_autoptr(OmbudSecret) a = ombud_secret_new_random (32);
  g_autoptr(OmbudSecret) b = ombud_secret_new_random (32);
  g_autoptr(OmbudSecret) zero = ombud_secret_new (32);

  g_assert_cmpuint (ombud_secret_get_size (a), ==, 32);
  g_assert_true (memcmp (ombud_secret_get_data (a), ombud_secret_get_data (b), 32) != 0);
  g_assert_true (sodium_is_zero (ombud_secret_get_data (zero), 32));
}

/* ---- the guard file and the guarded key file (PROTOCOL.md §10.4) ---- */

static OmbudSecret *
derive (Fixture    *f,
        const char *passphrase)
{
  g_autoptr(GError) error = NULL;
  gboolean guarded = TRUE;
  OmbudSecret *kek = ombud_keyfile_derive (f->path, passphrase, &guarded, &error);

  g_assert_no_error (error);
  g_assert_nonnull (kek);
  return kek;
}

static OmbudGuard *
sample_guard (void)
{
  OmbudGuard *g = ombud_guard_new ();

  g->last_sync = 1790000000;
  g->stale_days = 30;
  g->has_share = TRUE;
  randombytes_buf (g->share, sizeof g->share);
  randombytes_buf (g->org_id, sizeof g->org_id);
  g->device_id = G_GUINT64_CONSTANT (0x1122334455667788);
  g->url = g_strdup ("https://kontoret.example:8443");
  g->pinned_key = g_strdup ("sha256//abc=");
  return g;
}

static void
test_guard_round_trip (Fixture      *f,
                       gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(OmbudSecret) kek = derive (f, "första lösenordet");
  g_autoptr(OmbudGuard) g = sample_guard ();
  g_autoptr(OmbudGuard) back = NULL;
  g_autofree char *path = g_build_filename (f->dir, OMBUD_GUARD_FILE, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_guard_save (path, kek, g, &error));
  g_assert_no_error (error);
  back = ombud_guard_load (path, kek, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->last_sync, ==, g->last_sync);
  g_assert_cmpuint (back->stale_days, ==, 30);
  g_assert_true (back->has_share);
  g_assert_cmpmem (back->share, 32, g->share, 32);
  g_assert_cmpmem (back->public_key, 32, g->public_key, 32);
  g_assert_cmpmem (back->secret_key, 32, g->secret_key, 32);
  g_assert_cmpmem (back->org_id, 16, g->org_id, 16);
  g_assert_cmpuint (back->device_id, ==, g->device_id);
  g_assert_cmpstr (back->url, ==, g->url);
  g_assert_cmpstr (back->pinned_key, ==, g->pinned_key);
  /* Neither the share nor the secret key is on the disk in clear. */
  bytes = test_read_file (path);
  g_assert_null (memmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), g->share, 32));
  g_assert_null (memmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), g->secret_key, 32));
  g_assert_false (test_file_contains (path, "kontoret"));
  /* The deadline: 30 days after the last sync, not a second more. */
  g_assert_false (ombud_guard_is_stale (back, g->last_sync + 30 * 86400));
  g_assert_true (ombud_guard_is_stale (back, g->last_sync + 30 * 86400 + 1));
  back->has_share = FALSE;
  g_assert_true (ombud_guard_is_stale (back, g->last_sync));
}

static void
test_guard_wrong_passphrase (Fixture      *f,
                             gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(OmbudSecret) kek = derive (f, "första lösenordet");
  g_autoptr(OmbudSecret) other = derive (f, "andra lösenordet");
  g_autoptr(OmbudGuard) g = sample_guard ();
  g_autofree char *path = g_build_filename (f->dir, OMBUD_GUARD_FILE, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_guard_save (path, kek, g, &error));
  g_assert_null (ombud_guard_load (path, other, &error));
  g_assert_error (error, OMBUD_GUARD_ERROR, OMBUD_GUARD_ERROR_WRONG_PASSPHRASE);
}

static void
test_guard_damaged (Fixture      *f,
                    gconstpointer unused G_GNUC_UNUSED)
{
  g_autoptr(OmbudSecret) kek = derive (f, "första lösenordet");
  g_autoptr(OmbudGuard) g = sample_guard ();
  g_autofree char *path = g_build_filename (f->dir, OMBUD_GUARD_FILE, NULL);
  g_autoptr(GBytes) good = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *raw;
  gsize len;

  g_assert_true (ombud_guard_save (path, kek, g, &error));
  good = test_read_file (path);
  raw = g_bytes_get_data (good, &len);

  /* Truncated anywhere, or one bit flipped anywhere: damage, not a wrong
   * passphrase; and loading it changes nothing on the disk. */
  for (gsize cut = 0; cut < len; cut += 7)
    {
      g_autoptr(GBytes) after = NULL;
      g_assert_true (g_file_set_contents (path, (const char *) raw, cut, NULL));
      g_assert_null (ombud_guard_load (path, kek, &error));
      g_assert_error (error, OMBUD_GUARD_ERROR, OMBUD_GUARD_ERROR_CORRUPTED);
      g_clear_error (&error);
      after = test_read_file (path);
      g_assert_cmpuint (g_bytes_get_size (after), ==, cut);
    }
  for (gsize i = 0; i < len; i += 5)
    {
      g_autofree guint8 *copy = g_memdup2 (raw, len);
      g_autoptr(GBytes) after = NULL;

      copy[i] ^= 0x04;
      g_assert_true (g_file_set_contents (path, (const char *) copy, len, NULL));
      g_assert_null (ombud_guard_load (path, kek, &error));
      if (i >= 8 && i < 12)
        g_assert_true (error->code == OMBUD_GUARD_ERROR_CORRUPTED
                       || error->code == OMBUD_GUARD_ERROR_UNSUPPORTED_VERSION);
      else
        g_assert_error (error, OMBUD_GUARD_ERROR, OMBUD_GUARD_ERROR_CORRUPTED);
      g_clear_error (&error);
      after = test_read_file (path);
      g_assert_cmpmem (g_bytes_get_data (after, NULL), g_bytes_get_size (after), copy, len);
    }
}

static void
test_guarded_keyfile (Fixture      *f,
                      gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(OmbudSecret) kek = derive (f, "första lösenordet");
  g_autoptr(OmbudSecret) key = NULL;
  g_autoptr(GError) error = NULL;
  guint8 share[32], wrong[32];
  gboolean guarded = FALSE;

  randombytes_buf (share, sizeof share);
  memcpy (wrong, share, sizeof wrong);
  wrong[31] ^= 1;
  g_assert_true (ombud_keyfile_guard (f->path, kek, share, &error));
  g_assert_no_error (error);

  /* The passphrase alone opens nothing any more. */
  assert_unwrap_fails (f, "första lösenordet", OMBUD_KEYFILE_ERROR_GUARDED);
  g_assert_false (ombud_keyfile_unwrap_with (f->path, kek, NULL, &key, NULL, NULL, &error));
  g_assert_error (error, OMBUD_KEYFILE_ERROR, OMBUD_KEYFILE_ERROR_GUARDED);
  g_clear_error (&error);
  g_assert_false (ombud_keyfile_unwrap_with (f->path, kek, wrong, &key, NULL, NULL, &error));
  g_assert_error (error, OMBUD_KEYFILE_ERROR, OMBUD_KEYFILE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_null (key);

  /* The same passphrase-derived key (the guard file depends on it), and
   * with the share the same database key. */
  {
    g_autoptr(OmbudSecret) again = ombud_keyfile_derive (f->path, "första lösenordet", &guarded, &error);
    g_assert_true (guarded);
    g_assert_cmpmem (ombud_secret_get_data (again), 32, ombud_secret_get_data (kek), 32);
  }
  g_assert_true (ombud_keyfile_unwrap_with (f->path, kek, share, &key, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (ombud_secret_get_data (key), 32, ombud_secret_get_data (f->key), 32);

  /* The Guarded flag is bound in: taking it out is damage. */
  replace_field (f->path, "Guarded", "false");
  assert_unwrap_fails (f, "första lösenordet", OMBUD_KEYFILE_ERROR_CORRUPTED);
}

#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  ADD ("/keyfile/round-trip", test_round_trip);
  ADD ("/keyfile/wrong-passphrase", test_wrong_passphrase);
  ADD ("/keyfile/tampered-fields", test_tampered_fields);
  ADD ("/keyfile/truncated-and-missing", test_truncated_and_missing);
  ADD ("/keyfile/newer-version", test_newer_version);
  ADD ("/keyfile/rewrap", test_rewrap);
  ADD ("/guard/round-trip", test_guard_round_trip);
  ADD ("/guard/wrong-passphrase", test_guard_wrong_passphrase);
  ADD ("/guard/damaged", test_guard_damaged);
  ADD ("/keyfile/guarded", test_guarded_keyfile);
  g_test_add_func ("/keyfile/default-limits-recorded", test_default_limits_recorded);
  g_test_add_func ("/secret/core-dumps-held-off", test_core_dumps_held_off);
  g_test_add_func ("/secret/memory", test_secret_memory);

  return g_test_run ();
}
