/* test-util.c: helpers shared by the test programs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

const OmbudKdfLimits *
test_fast_limits (void)
{
  static const OmbudKdfLimits limits = {
    crypto_pwhash_OPSLIMIT_MIN,
    crypto_pwhash_MEMLIMIT_MIN,
  };
  return &limits;
}

char *
test_make_tmp_dir (const char *template)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return dir;
}

void
test_rm_rf (const char *path)
{
  GDir *dir;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      test_rm_rf (child);
    }
  if (dir)
    g_dir_close (dir);
  g_rmdir (path);
}

gboolean
test_file_contains (const char *path,
                    const char *needle)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return FALSE;
  return memmem (data, len, needle, strlen (needle)) != NULL;
}

static void
collect (const char *path,
         const char *needle,
         GPtrArray  *out)
{
  GDir *dir;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      if (test_file_contains (path, needle))
        g_ptr_array_add (out, g_strdup (path));
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      collect (child, needle, out);
    }
  if (dir)
    g_dir_close (dir);
}

GPtrArray *
test_files_containing (const char *dir,
                       const char *needle)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  collect (dir, needle, out);
  return out;
}

void
test_flip_bit (const char *path,
               gsize       offset,
               guint       bit)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (offset, <, len);
  data[offset] ^= (char) (1u << bit);
  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
}

void
test_copy_file (const char *from,
                const char *to)
{
  g_autoptr(GBytes) bytes = test_read_file (from);

  test_write_file (to, bytes);
}

GBytes *
test_read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

void
test_write_file (const char *path,
                 GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
}

void
test_cli_result_clear (TestCliResult *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

TestCliResult
test_program_run (GSubprocessLauncher *launcher,
                  const char          *program,
                  const char * const  *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  TestCliResult r = { 0 };

  g_assert_nonnull (program);
  g_ptr_array_add (argv, (char *) program);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &r.out, &r.err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  r.status = g_subprocess_get_exit_status (proc);
  return r;
}

TestCliResult
test_cli_run (const char         *stdin_path,
              const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);

  g_subprocess_launcher_set_stdin_file_path (launcher, stdin_path);
  return test_program_run (launcher, g_getenv ("OMBUD_CLI"), args);
}

TestCliResult
test_cli_run_profile (const char         *stdin_path,
                      const char         *profile,
                      const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) "--profile");
  g_ptr_array_add (argv, (char *) profile);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  return test_cli_run (stdin_path, (const char * const *) argv->pdata);
}

static gint64
replica_clock (gpointer data)
{
  TestReplica *r = data;

  return r->now += 3;  /* every event a little later, as on a real laptop */
}

TestReplica *
test_replica_new (gint64 start_ms)
{
  TestReplica *r = g_new0 (TestReplica, 1);
  g_autoptr(GError) error = NULL;

  r->dir = test_make_tmp_dir ("ombud-replica-XXXXXX");
  r->store = ombud_store_new (r->dir);
  r->now = start_ms;
  g_assert_true (ombud_store_create (r->store, "lösenfras", test_fast_limits (), &error));
  g_assert_no_error (error);
  r->caseload = ombud_caseload_new_with_clock (r->store, replica_clock, r, &error);
  g_assert_no_error (error);
  return r;
}

void
test_replica_reopen (TestReplica *r)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&r->caseload);
  r->caseload = ombud_caseload_new_with_clock (r->store, replica_clock, r, &error);
  g_assert_no_error (error);
}

void
test_replica_free (TestReplica *r)
{
  if (r == NULL)
    return;
  g_clear_object (&r->caseload);
  g_clear_object (&r->store);
  test_rm_rf (r->dir);
  g_free (r->dir);
  g_free (r);
}

static void
run_shell_in (const char *dir,
              const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "/bin/sh", "-c", command, NULL };
  int status = 0;

  g_assert_true (g_spawn_sync (dir, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("“%s” failed: %s", command, err);
}

void
test_make_tls_cert (const char  *dir,
                    const char  *name,
                    const char  *san,
                    char       **cert_path,
                    char       **key_path,
                    char       **pin)
{
  g_autofree char *make = g_strdup_printf (
    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
    " -subj /CN=%s -addext subjectAltName=%s -days 2 -keyout %s-key.pem -out %s-cert.pem",
    name, san, name, name);
  g_autofree char *hash = g_strdup_printf (
    "openssl x509 -in %s-cert.pem -pubkey -noout | openssl pkey -pubin -outform der"
    " | openssl dgst -sha256 -binary | base64 > %s-pin", name, name);
  g_autofree char *pin_path = g_strdup_printf ("%s/%s-pin", dir, name);
  g_autofree char *pin_text = NULL;

  run_shell_in (dir, make);
  run_shell_in (dir, hash);
  *cert_path = g_strdup_printf ("%s/%s-cert.pem", dir, name);
  *key_path = g_strdup_printf ("%s/%s-key.pem", dir, name);
  g_assert_true (g_file_get_contents (pin_path, &pin_text, NULL, NULL));
  *pin = g_strconcat ("sha256//", g_strstrip (pin_text), NULL);
}

static gint64
long_ago (gpointer data G_GNUC_UNUSED)
{
  return 1000000000;  /* 2001 */
}

void
test_make_stale_profile (const char *profile_dir,
                         const char *passphrase)
{
  g_autoptr(OmbudStore) store = ombud_store_new (profile_dir);
  g_autoptr(GError) error = NULL;
  guint8 pk[32], plain[36] = { 0 }, sealed[36 + crypto_box_SEALBYTES], org[16] = { 0 };
  gboolean has_share;

  ombud_store_set_clock (store, long_ago, NULL);
  g_assert_true (ombud_store_unlock (store, passphrase, &error));
  g_assert_true (ombud_store_guard_public_key (store, pk, &has_share, &error));
  g_assert_false (has_share);
  randombytes_buf (plain, 32);
  plain[32] = 30;   /* stale_days */
  crypto_box_seal (sealed, plain, sizeof plain, pk);
  g_assert_true (ombud_store_guard_take_share (store, sealed, sizeof sealed, "http://127.0.0.1:9",
                                               NULL, NULL, org, 1, &error));
  g_assert_no_error (error);
}
