/* test-cli.c: ombud-cli's commands, exit codes and messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "ombud-migrations.h"
#include "ombud-store.h"
#include "ombud-vfs.h"
#include "test-util.h"

#define PASS "lösenord-för-test"


typedef struct {
  char *root;
  char *profile;
} Fixture;

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  f->root = test_make_tmp_dir ("ombud-cli-XXXXXX");
  f->profile = g_build_filename (f->root, "profil", NULL);

  /* Most tests start from a profile made through the API with cheap
   * Argon2id costs; the CLI unwraps with whatever costs the file records. */
  if (data == NULL)
    {
      g_autoptr(OmbudStore) store = ombud_store_new (f->profile);
      g_autoptr(GError) error = NULL;

      g_assert_true (ombud_store_create (store, PASS, test_fast_limits (), &error));
      g_assert_no_error (error);
    }
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data G_GNUC_UNUSED)
{
  test_rm_rf (f->root);
  g_free (f->root);
  g_free (f->profile);
}

static TestCliResult
run_cli (const char  *stdin_text,
         const char  *first,
         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *input_dir = test_make_tmp_dir ("ombud-cli-stdin-XXXXXX");
  g_autofree char *input = g_build_filename (input_dir, "stdin", NULL);
  TestCliResult r;
  va_list ap;

  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  g_assert_true (g_file_set_contents (input, stdin_text ? stdin_text : "", -1, NULL));
  r = test_cli_run (input, (const char * const *) args->pdata);
  test_rm_rf (input_dir);
  return r;
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

/* An error is one line on stderr, nothing on stdout. */
static void
assert_fails (const TestCliResult *r,
              int              status,
              const char      *message_part)
{
  if (r->status != status)
    g_error ("exit status %d, expected %d; stderr: %s", r->status, status, r->err);
  if (count_lines (r->err) != 1)
    g_error ("expected one line on stderr, got: %s", r->err);
  g_assert_true (g_str_has_prefix (r->err, "ombud-cli: "));
  if (strstr (r->err, message_part) == NULL)
    g_error ("stderr “%s” lacks “%s”", r->err, message_part);
  g_assert_cmpstr (r->out, ==, "");
}

static void
assert_ok (const TestCliResult *r)
{
  if (r->status != 0)
    g_error ("exit status %d; stderr: %s", r->status, r->err);
}

static void
test_init_and_round_trip (Fixture      *f,
                          gconstpointer data G_GNUC_UNUSED)
{
  g_auto(TestCliResult) init = run_cli ("ett nytt lösenord\n", "--profile", f->profile, "init", NULL);
  g_auto(TestCliResult) again = run_cli ("ett nytt lösenord\n", "--profile", f->profile, "init", NULL);
  g_auto(TestCliResult) put = run_cli ("ett nytt lösenord\n", "-p", f->profile, "put", "klient", "Åsa MARK-CLI-9d1", NULL);
  g_auto(TestCliResult) get = run_cli ("ett nytt lösenord\n", "-p", f->profile, "get", "klient", NULL);
  g_auto(TestCliResult) check = run_cli ("ett nytt lösenord\n", "-p", f->profile, "unlock-check", NULL);
  g_auto(TestCliResult) integrity = run_cli ("ett nytt lösenord\n", "-p", f->profile, "integrity", NULL);
  g_auto(TestCliResult) missing = run_cli ("ett nytt lösenord\n", "-p", f->profile, "get", "saknas", NULL);
  g_autoptr(GPtrArray) found = NULL;

  assert_ok (&init);
  g_assert_nonnull (strstr (init.out, "created"));
  assert_fails (&again, 1, "already");
  assert_ok (&put);
  assert_ok (&get);
  g_assert_cmpstr (get.out, ==, "Åsa MARK-CLI-9d1\n");
  assert_ok (&check);
  assert_ok (&integrity);
  g_assert_cmpstr (integrity.out, ==, "ok\n");
  assert_fails (&missing, 1, "no value");

  found = test_files_containing (f->root, "MARK-CLI-9d1");
  g_assert_cmpuint (found->len, ==, 0);
}

static void
test_init_refuses_weak_input (Fixture      *f,
                              gconstpointer data G_GNUC_UNUSED)
{
  g_auto(TestCliResult) empty = run_cli ("\n", "-p", f->profile, "init", NULL);
  g_auto(TestCliResult) nothing = run_cli ("", "-p", f->profile, "init", NULL);
  g_auto(TestCliResult) short_one = run_cli ("kort\n", "-p", f->profile, "init", NULL);

  assert_fails (&empty, 2, "no passphrase");
  assert_fails (&nothing, 2, "no passphrase");
  assert_fails (&short_one, 2, "at least 8");
  g_assert_false (g_file_test (f->profile, G_FILE_TEST_EXISTS));
}

static void
test_wrong_passphrase (Fixture      *f,
                       gconstpointer data G_GNUC_UNUSED)
{
  g_auto(TestCliResult) get = run_cli ("fel lösenord\n", "-p", f->profile, "get", "x", NULL);
  g_auto(TestCliResult) put = run_cli ("fel lösenord\n", "-p", f->profile, "put", "x", "y", NULL);
  g_auto(TestCliResult) check = run_cli (PASS "\n", "-p", f->profile, "get", "x", NULL);

  assert_fails (&get, 2, "wrong passphrase");
  assert_fails (&put, 2, "wrong passphrase");
  /* and the failed put wrote nothing */
  assert_fails (&check, 1, "no value");
}

static void
test_passwd (Fixture      *f,
             gconstpointer data G_GNUC_UNUSED)
{
  g_auto(TestCliResult) put = run_cli (PASS "\n", "-p", f->profile, "put", "mål", "egen bostad", NULL);
  g_auto(TestCliResult) wrong = run_cli ("fel\nnytt-lösenord-456\n", "-p", f->profile, "passwd", NULL);
  g_auto(TestCliResult) too_short = run_cli (PASS "\nkort\n", "-p", f->profile, "passwd", NULL);
  g_auto(TestCliResult) still_old = run_cli (PASS "\n", "-p", f->profile, "unlock-check", NULL);
  g_auto(TestCliResult) passwd = run_cli (PASS "\nnytt-lösenord-456\n", "-p", f->profile, "passwd", NULL);
  g_auto(TestCliResult) old = run_cli (PASS "\n", "-p", f->profile, "get", "mål", NULL);
  g_auto(TestCliResult) new_one = run_cli ("nytt-lösenord-456\n", "-p", f->profile, "get", "mål", NULL);

  assert_ok (&put);
  assert_fails (&wrong, 2, "wrong passphrase");
  assert_fails (&too_short, 2, "at least 8");
  assert_ok (&still_old);
  assert_ok (&passwd);
  assert_fails (&old, 2, "wrong passphrase");
  assert_ok (&new_one);
  g_assert_cmpstr (new_one.out, ==, "egen bostad\n");
}

static void
fill_profile (Fixture *f)
{
  g_autoptr(OmbudStore) store = ombud_store_new (f->profile);
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_store_unlock (store, PASS, &error));
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *key = g_strdup_printf ("nyckel-%d", i);
      g_assert_true (ombud_store_put (store, key, "ett värde som tar plats på flera sidor", &error));
    }
}

static void
test_corrupted (Fixture      *f,
                gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *db = g_build_filename (f->profile, "ombud.db", NULL);

  fill_profile (f);
  test_flip_bit (db, 4 * 4096 + 99, 3);
  {
    g_auto(TestCliResult) check = run_cli (PASS "\n", "-p", f->profile, "unlock-check", NULL);
    g_auto(TestCliResult) integrity = run_cli (PASS "\n", "-p", f->profile, "integrity", NULL);

    assert_ok (&check);
    assert_fails (&integrity, 3, "integrity");
  }
  test_flip_bit (db, 500, 0);
  {
    g_auto(TestCliResult) check = run_cli (PASS "\n", "-p", f->profile, "unlock-check", NULL);

    assert_fails (&check, 3, "did not authenticate");
  }
}

static void
test_truncated (Fixture      *f,
                gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *db = g_build_filename (f->profile, "ombud.db", NULL);
  g_auto(TestCliResult) check = { 0 };

  fill_profile (f);
  g_assert_cmpint (truncate (db, 3000), ==, 0);
  check = run_cli (PASS "\n", "-p", f->profile, "integrity", NULL);
  g_assert_cmpint (check.status, ==, 3);
  g_assert_cmpuint (count_lines (check.err), ==, 1);
}

static void
test_busy (Fixture      *f,
           gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(OmbudStore) holder = ombud_store_new (f->profile);
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_store_unlock (holder, PASS, &error));
  {
    g_auto(TestCliResult) get = run_cli (PASS "\n", "-p", f->profile, "put", "a", "b", NULL);
    assert_fails (&get, 4, "open in another program");
  }
  ombud_store_lock (holder);
  {
    g_auto(TestCliResult) put = run_cli (PASS "\n", "-p", f->profile, "put", "a", "b", NULL);
    assert_ok (&put);
  }
}

static void
test_newer_store (Fixture      *f,
                  gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(OmbudStore) store = ombud_store_new (f->profile);
  g_autoptr(GError) error = NULL;
  g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", ombud_migrations_latest () + 5);

  g_assert_true (ombud_store_unlock (store, PASS, &error));
  g_assert_true (ombud_vfs_exec (ombud_store_get_db (store), bump, &error));
  ombud_store_lock (store);
  {
    g_auto(TestCliResult) check = run_cli (PASS "\n", "-p", f->profile, "unlock-check", NULL);
    assert_fails (&check, 5, "newer Ombud");
  }
}

static void
test_usage (Fixture      *f,
            gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *nowhere = g_build_filename (f->root, "finns-inte", NULL);
  g_auto(TestCliResult) no_profile_opt = run_cli (NULL, "get", "x", NULL);
  g_auto(TestCliResult) no_command = run_cli (NULL, "-p", nowhere, NULL);
  g_auto(TestCliResult) unknown = run_cli (NULL, "-p", nowhere, "frobnicate", NULL);
  g_auto(TestCliResult) few = run_cli (NULL, "-p", nowhere, "put", "only-key", NULL);
  g_auto(TestCliResult) many = run_cli (NULL, "-p", nowhere, "init", "extra", NULL);
  g_auto(TestCliResult) bad_option = run_cli (NULL, "--passphrase", "x", "-p", nowhere, "get", "x", NULL);
  g_auto(TestCliResult) no_profile = run_cli (PASS "\n", "-p", nowhere, "get", "x", NULL);
  g_auto(TestCliResult) help = run_cli (NULL, "--help", NULL);

  assert_fails (&no_profile_opt, 2, "--profile");
  assert_fails (&no_command, 2, "no command");
  assert_fails (&unknown, 2, "unknown command");
  assert_fails (&few, 2, "takes KEY VALUE");
  assert_fails (&many, 2, "takes no arguments");
  assert_fails (&bad_option, 2, "passphrase");
  assert_fails (&no_profile, 1, "no Ombud profile");
  g_assert_false (g_file_test (nowhere, G_FILE_TEST_EXISTS));
  assert_ok (&help);
  g_assert_nonnull (strstr (help.out, "unlock-check"));
}

static void
test_stale (Fixture      *f,
            gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *pass = g_strconcat (PASS, "\n", NULL);

  test_make_stale_profile (f->profile, PASS);
  {
    g_auto(TestCliResult) check = run_cli (pass, "--profile", f->profile, "unlock-check", NULL);
    g_auto(TestCliResult) list = run_cli (pass, "--profile", f->profile, "case", "list", NULL);
    g_auto(TestCliResult) wrong = run_cli ("fel\n", "--profile", f->profile, "unlock-check", NULL);
    /* sync asks the office for the share: nobody answers, nothing changes. */
    g_auto(TestCliResult) sync = run_cli (pass, "--profile", f->profile, "sync", NULL);
    g_auto(TestCliResult) again = run_cli (pass, "--profile", f->profile, "unlock-check", NULL);

    assert_fails (&check, 8, "has not synced with the office");
    assert_fails (&list, 8, "locked until it syncs again");
    assert_fails (&wrong, 2, "wrong passphrase");
    assert_fails (&sync, 6, "");
    assert_fails (&again, 8, "has not synced");
  }
}

#define ADD(name, fn, data) g_test_add (name, Fixture, data, fixture_set_up, fn, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  ADD ("/cli/init-and-round-trip", test_init_and_round_trip, "no profile");
  ADD ("/cli/init-refuses-weak-input", test_init_refuses_weak_input, "no profile");
  ADD ("/cli/wrong-passphrase", test_wrong_passphrase, NULL);
  ADD ("/cli/passwd", test_passwd, NULL);
  ADD ("/cli/corrupted", test_corrupted, NULL);
  ADD ("/cli/truncated", test_truncated, NULL);
  ADD ("/cli/busy", test_busy, NULL);
  ADD ("/cli/newer-store", test_newer_store, NULL);
  ADD ("/cli/usage", test_usage, NULL);
  ADD ("/cli/stale", test_stale, NULL);

  return g_test_run ();
}
