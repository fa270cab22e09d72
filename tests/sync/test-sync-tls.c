/* test-sync-tls.c: ombud-cli syncs with `ombud-office serve` over HTTPS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real programs, as an administrator and two users run them: the office
 * serves TLS with a self-signed certificate; one laptop trusts it through a
 * CA file, another pins its public key; a wrong pin, or the system's own
 * trust store, refuses the office and enrols nothing.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include "test-util.h"

typedef struct {
  char        *dir;
  char        *data;
  char        *cert, *key, *pin;
  GSubprocess *server;
  char        *url;
  char        *passphrase_file;
} Fixture;

static char *
office_run (Fixture    *f,
            const char *command,
            const char *arg1,
            const char *arg2,
            const char *arg3)
{
  const char *argv[] = { g_getenv ("OMBUD_OFFICE"), "--data", f->data, command, arg1, arg2, arg3, NULL };
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  g_assert_nonnull (argv[0]);
  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (proc));
  return out;
}

/* The last line of what a command printed: invite prints its code there. */
static char *
last_line (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines);

  while (n > 0 && *lines[n - 1] == '\0')
    n--;
  g_assert_cmpuint (n, >, 0);
  return g_strdup (lines[n - 1]);
}

static char *
invite (Fixture    *f,
        const char *person,
        gboolean    coordinator)
{
  g_autofree char *out = office_run (f, "invite", "--ombud", person, coordinator ? "--coordinator" : NULL);

  return last_line (out);
}

/* A test that fails half-way must not leave its office serving. */
static void
die_with_parent (gpointer data)
{
  (void) data;
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
serve (Fixture *f)
{
  const char *argv[] = { g_getenv ("OMBUD_OFFICE"), "--data", f->data, "serve", "--listen", "127.0.0.1:0",
                         "--tls-cert", f->cert, "--tls-key", f->key, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;

  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  f->server = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->server));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "Listening on https://127.0.0.1:"));
  f->url = g_strdup (line + strlen ("Listening on "));
}

static TestCliResult
cli (Fixture            *f,
     const char         *profile,
     const char * const *args)
{
  return test_cli_run_profile (f->passphrase_file, profile, args);
}

static char *
profile_path (Fixture    *f,
              const char *name)
{
  char *path = g_build_filename (f->dir, name, NULL);
  g_auto(TestCliResult) r = cli (f, path, (const char *[]) { "init", NULL });

  g_assert_cmpint (r.status, ==, 0);
  return path;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *out = NULL;

  (void) data;
  f->dir = test_make_tmp_dir ("ombud-tls-XXXXXX");
  f->data = g_build_filename (f->dir, "office", NULL);
  f->passphrase_file = g_build_filename (f->dir, "passphrase", NULL);
  g_assert_true (g_file_set_contents (f->passphrase_file, "korrekt häst batteri\nkorrekt häst batteri\n", -1, NULL));
  test_make_tls_cert (f->dir, "office", "IP:127.0.0.1,DNS:localhost", &f->cert, &f->key, &f->pin);
  out = office_run (f, "init", "--org", "PO Jämtland", NULL);
  g_assert_nonnull (strstr (out, "Office fingerprint: "));
  serve (f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  (void) data;
  if (f->server)
    {
      g_subprocess_send_signal (f->server, SIGTERM);
      g_assert_true (g_subprocess_wait (f->server, NULL, NULL));
      g_assert_true (g_subprocess_get_successful (f->server));
      g_clear_object (&f->server);
    }
  test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->data);
  g_free (f->cert);
  g_free (f->key);
  g_free (f->pin);
  g_free (f->url);
  g_free (f->passphrase_file);
}

/* The device id `ombud-cli status` shows. */
static char *
device_of (Fixture    *f,
           const char *profile)
{
  g_auto(TestCliResult) r = cli (f, profile, (const char *[]) { "status", NULL });
  const char *p = strstr (r.out, "Device:");

  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (p);
  p += strlen ("Device:");
  while (*p == ' ')
    p++;
  return g_strndup (p, 16);
}

static void
test_ca_file_and_pin (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *coord = profile_path (f, "coord");
  g_autofree char *ombud = profile_path (f, "ombud");
  g_autofree char *c_code = invite (f, "Cecilia Samordnare", TRUE);
  g_autofree char *o_code = invite (f, "Anna Ombud", FALSE);
  g_autofree char *device = NULL;

  (void) data;
  {
    g_auto(TestCliResult) r = cli (f, coord, (const char *[]) { "enrol", f->url, c_code, "--ca-file", f->cert, NULL });
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, "recovery key"));
  }
  {
    g_auto(TestCliResult) r = cli (f, coord, (const char *[]) { "municipality", "add", "2380", "Östersund", NULL });
    g_assert_cmpint (r.status, ==, 0);
  }
  {
    g_auto(TestCliResult) r = cli (f, ombud, (const char *[]) { "enrol", f->url, o_code,
                                                                "--ca-file", f->cert, "--pin", f->pin, NULL });
    g_assert_cmpint (r.status, ==, 0);
  }
  {
    g_auto(TestCliResult) r1 = cli (f, ombud, (const char *[]) { "sync", NULL });
    g_auto(TestCliResult) r2 = cli (f, coord, (const char *[]) { "sync", NULL });
    g_assert_cmpint (r1.status, ==, 0);
    g_assert_nonnull (strstr (r1.out, "Waiting for a coordinator"));
    g_assert_cmpint (r2.status, ==, 0);
  }
  device = device_of (f, ombud);
  {
    g_auto(TestCliResult) r = cli (f, coord, (const char *[]) { "confirm", device, NULL });
    g_assert_cmpint (r.status, ==, 0);
  }
  {
    g_auto(TestCliResult) r = cli (f, ombud, (const char *[]) { "sync", NULL });
    g_auto(TestCliResult) m = cli (f, ombud, (const char *[]) { "municipality", "list", NULL });
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, "Synced:"));
    g_assert_nonnull (strstr (m.out, "Östersund"));
  }
}

static void
test_wrong_trust_refused (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *pinned = profile_path (f, "wrong-pin");
  g_autofree char *system = profile_path (f, "system-store");
  g_autofree char *code = invite (f, "Bertil Ombud", FALSE);
  const char *wrong_pin = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

  (void) data;
  {
    g_auto(TestCliResult) r = cli (f, pinned, (const char *[]) { "enrol", f->url, code,
                                                                 "--ca-file", f->cert, "--pin", wrong_pin, NULL });
    g_auto(TestCliResult) s = cli (f, pinned, (const char *[]) { "status", NULL });
    g_assert_cmpint (r.status, ==, 1);
    g_assert_nonnull (strstr (s.out, "not enrolled"));
  }
  {
    g_auto(TestCliResult) r = cli (f, system, (const char *[]) { "enrol", f->url, code, NULL });
    g_assert_cmpint (r.status, ==, 1);
  }
  /* Neither used the code up: the right trust still enrols with it. */
  {
    g_auto(TestCliResult) r = cli (f, system, (const char *[]) { "enrol", f->url, code, "--ca-file", f->cert, NULL });
    g_assert_cmpint (r.status, ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/sync/tls/ca-file-and-pin", Fixture, NULL, fixture_set_up, test_ca_file_and_pin, fixture_tear_down);
  g_test_add ("/sync/tls/wrong-trust-refused", Fixture, NULL, fixture_set_up, test_wrong_trust_refused,
              fixture_tear_down);
  return g_test_run ();
}
