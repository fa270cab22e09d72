/* test-office-cli.c: ombud-office run as the real program ($OMBUD_OFFICE)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The admin commands, and `serve` spoken to over raw loopback sockets, so
 * that malformed, oversized and cut requests can be sent on purpose.
 */
#include <curl/curl.h>
#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <string.h>

#include "ombud-identity.h"
#include "ombud-office-backend.h"
#include "test-util.h"

#define CODE_CHAR "[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]"
#define MIB (1024 * 1024)
#define IO_TIMEOUT_S 30

typedef struct {
  char *tmp;
  char *data;   /* the office's data directory, inside tmp */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  unused G_GNUC_UNUSED)
{
  f->tmp = test_make_tmp_dir ("ombud-office-cli-XXXXXX");
  f->data = g_build_filename (f->tmp, "office", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  unused G_GNUC_UNUSED)
{
  test_rm_rf (f->tmp);
  g_free (f->data);
  g_free (f->tmp);
}

/* ---- running the program ---- */

/* env_data: the value of $OMBUD_OFFICE_DATA, NULL to leave it unset */
static TestCliResult
office_runv (const char         *env_data,
             const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);

  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_unsetenv (launcher, "OMBUD_OFFICE_DATA");
  if (env_data != NULL)
    g_subprocess_launcher_setenv (launcher, "OMBUD_OFFICE_DATA", env_data, TRUE);
  return test_program_run (launcher, g_getenv ("OMBUD_OFFICE"), args);
}

#define OFFICE(...) office_runv (NULL, (const char * const[]) { __VA_ARGS__, NULL })

static void
assert_one_error_line (const TestCliResult *r)
{
  const char *newline = strchr (r->err, '\n');

  g_assert_true (g_str_has_prefix (r->err, "ombud-office: "));
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
}

static void
init_office (Fixture *f)
{
  g_auto(TestCliResult) r = OFFICE ("--data", f->data, "init", "--org", "Personligt ombud Jämtland");

  g_assert_cmpint (r.status, ==, 0);
}

static const char *
last_line (char *text)
{
  char *end;

  g_strchomp (text);
  end = strrchr (text, '\n');
  return end != NULL ? end + 1 : text;
}

/* Every file under dir, by its path relative to dir. */
static void
snapshot_into (GHashTable *files,
               const char *root,
               const char *rel)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_hash_table_insert (files, g_strdup (rel), test_read_file (path));
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (rel, name, NULL);
      snapshot_into (files, root, child);
    }
}

static GHashTable *
snapshot (const char *dir)
{
  GHashTable *files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);

  snapshot_into (files, dir, "");
  return files;
}

static void
assert_same_files (GHashTable *a,
                   GHashTable *b)
{
  GHashTableIter iter;
  gpointer name, bytes;

  g_assert_cmpuint (g_hash_table_size (a), ==, g_hash_table_size (b));
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &name, &bytes))
    {
      GBytes *other = g_hash_table_lookup (b, name);

      g_assert_nonnull (other);
      g_assert_true (g_bytes_equal (bytes, other));
    }
}

/* ---- admin commands ---- */

static void
test_init (Fixture       *f,
           gconstpointer  unused G_GNUC_UNUSED)
{
  g_auto(TestCliResult) first = OFFICE ("--data", f->data, "init", "--org", "Personligt ombud Jämtland");
  g_auto(TestCliResult) again = { 0 };
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;

  g_assert_cmpint (first.status, ==, 0);
  g_assert_cmpstr (first.err, ==, "");
  g_assert_true (g_str_has_prefix (first.out, "Organisation Personligt ombud Jämtland created.\n"));
  g_assert_true (g_regex_match_simple ("^Office fingerprint: " CODE_CHAR "{4}( " CODE_CHAR "{4}){7}$",
                                       first.out, G_REGEX_MULTILINE, 0));

  /* a second organisation is refused and leaves every byte as it was */
  before = snapshot (f->data);
  g_assert_cmpuint (g_hash_table_size (before), >, 0);
  again = OFFICE ("--data", f->data, "init", "--org", "Another office");
  g_assert_cmpint (again.status, ==, 1);
  g_assert_cmpstr (again.out, ==, "");
  assert_one_error_line (&again);
  after = snapshot (f->data);
  assert_same_files (before, after);
}

static void
test_invite (Fixture       *f,
             gconstpointer  unused G_GNUC_UNUSED)
{
  g_auto(TestCliResult) anna = { 0 };
  g_auto(TestCliResult) per = { 0 };
  g_auto(TestCliResult) json = { 0 };
  g_auto(TestCliResult) table = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const char *code_re = "^" CODE_CHAR "{4}(-" CODE_CHAR "{4}){4}$";
  JsonNode *root;

  init_office (f);
  anna = OFFICE ("--data", f->data, "invite", "--ombud", "Anna Berg");
  g_assert_cmpint (anna.status, ==, 0);
  g_assert_nonnull (strstr (anna.out, "Anna Berg"));
  g_assert_true (g_regex_match_simple (code_re, last_line (anna.out), 0, 0));

  per = OFFICE ("--data", f->data, "invite", "--ombud", "Per Ek", "--coordinator", "--valid-days", "30");
  g_assert_cmpint (per.status, ==, 0);
  g_assert_nonnull (strstr (per.out, "coordinator"));
  g_assert_true (g_regex_match_simple (code_re, last_line (per.out), 0, 0));
  g_assert_cmpstr (last_line (per.out), !=, last_line (anna.out));

  /* an invite is not a device: nothing is enrolled until a laptop uses it */
  json = OFFICE ("--data", f->data, "devices", "--json");
  g_assert_cmpint (json.status, ==, 0);
  json_parser_load_from_data (parser, json.out, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (root)), ==, 0);

  table = OFFICE ("--data", f->data, "devices");
  g_assert_cmpint (table.status, ==, 0);
  g_assert_cmpstr (table.err, ==, "");
}

/* Bad usage exits 2 with one line on stderr, and writes nothing. */
static void
assert_usage (Fixture            *f,
              const char         *env_data,
              const char * const *args)
{
  g_auto(TestCliResult) r = office_runv (env_data, args);

  if (r.status != 2)
    g_test_message ("status %d, stderr: %s", r.status, r.err);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpstr (r.out, ==, "");
  g_assert_nonnull (strstr (r.err, "ombud-office"));
  g_assert_false (g_file_test (f->data, G_FILE_TEST_EXISTS));
}

static void
test_usage (Fixture       *f,
            gconstpointer  unused G_GNUC_UNUSED)
{
  const char *d = f->data;

  assert_usage (f, NULL, (const char * const[]) { NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "frobnicate", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--bogus", "--data", d, "devices", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "init", "--bogus", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "init", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "init", "--org", "  ", NULL });
  assert_usage (f, NULL, (const char * const[]) { "init", "--org", "No data directory", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "devices", "extra", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "invite", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "invite", "--ombud", "A", "--valid-days", "0", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "invite", "--ombud", "A", "--valid-days", "x", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "revoke", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "revoke", "not-hex", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "revoke", "0123456789abcdef0", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "serve", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "serve", "--listen", "localhost:0", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "serve", "--listen", "::1:0", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "serve", "--listen", "127.0.0.1:70000", NULL });
  assert_usage (f, NULL, (const char * const[]) { "--data", d, "serve", "--listen", "127.0.0.1:0",
                                                  "--tls-cert", "/nonexistent.pem", NULL });
  assert_usage (f, "", (const char * const[]) { "devices", NULL });
}

static void
test_not_initialised (Fixture       *f,
                      gconstpointer  unused G_GNUC_UNUSED)
{
  const char * const *commands[] = {
    (const char * const[]) { "--data", f->data, "devices", NULL },
    (const char * const[]) { "--data", f->data, "invite", "--ombud", "Anna Berg", NULL },
    (const char * const[]) { "--data", f->data, "revoke", "0123456789abcdef", NULL },
    (const char * const[]) { "--data", f->data, "serve", "--listen", "127.0.0.1:0", NULL },
  };

  g_assert_cmpint (g_mkdir (f->data, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(TestCliResult) r = office_runv (NULL, commands[i]);

      g_assert_cmpint (r.status, ==, 3);
      g_assert_cmpstr (r.out, ==, "");
      assert_one_error_line (&r);
    }
}

static void
test_revoke_unknown (Fixture       *f,
                     gconstpointer  unused G_GNUC_UNUSED)
{
  g_auto(TestCliResult) r = { 0 };
  g_auto(TestCliResult) devices = { 0 };

  init_office (f);
  /* the data directory from the environment, as an admin's shell has it */
  r = office_runv (f->data, (const char * const[]) { "revoke", "0123456789abcdef", NULL });
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.out, ==, "");
  assert_one_error_line (&r);
  g_assert_nonnull (strstr (r.err, "0123456789abcdef"));

  devices = office_runv (f->data, (const char * const[]) { "devices", "--json", NULL });
  g_assert_cmpint (devices.status, ==, 0);
  g_assert_nonnull (strstr (devices.out, "["));
}

/* A laptop enrolled behind the CLI's back, straight into the store: what
 * devices and revoke show must not depend on the enrolment protocol. */
static guint64
add_device (Fixture                *f,
            const char             *person,
            OmbudOfficeRole         role,
            OmbudOfficeDeviceState  state,
            gint64                  seen_ms,
            char                  **fingerprint)
{
  g_autoptr(OmbudOfficeBackend) backend = NULL;
  g_autoptr(GError) error = NULL;
  guint8 sign_sk[64], box_sk[32];
  guint8 zeros[32] = { 0 };
  OmbudOfficeDevice d = {
    .person = (char *) person,
    .name = "laptop",
    .role = role,
    .state = state,
    .enrolled_ms = 1767225600000,
  };

  crypto_sign_keypair (d.sign_pk, sign_sk);
  crypto_box_keypair (d.box_pk, box_sk);
  d.device_id = ombud_device_id_from_sign_pk (d.sign_pk);
  backend = ombud_office_backend_open_sqlite (f->data, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (ombud_office_backend_add_device (backend, &d, &error));
  g_assert_no_error (error);
  if (seen_ms > 0)
    g_assert_true (ombud_office_backend_set_last_request (backend, d.device_id, seen_ms, zeros, zeros,
                                                          NULL, 0, seen_ms, &error));
  g_assert_no_error (error);
  *fingerprint = ombud_fingerprint_text (d.sign_pk, d.box_pk);
  return d.device_id;
}

static JsonObject *
find_device (JsonArray  *devices,
             const char *id)
{
  for (guint i = 0; i < json_array_get_length (devices); i++)
    {
      JsonObject *o = json_array_get_object_element (devices, i);

      if (g_strcmp0 (json_object_get_string_member (o, "device_id"), id) == 0)
        return o;
    }
  g_error ("no device %s in devices --json", id);
}

/* devices --json, parsed */
static JsonNode *
devices_json (Fixture *f)
{
  g_auto(TestCliResult) r = OFFICE ("--data", f->data, "devices", "--json");
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  g_assert_cmpint (r.status, ==, 0);
  root = json_from_string (r.out, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  return root;
}

static void
test_devices_revoke (Fixture       *f,
                     gconstpointer  unused G_GNUC_UNUSED)
{
  g_autofree char *fp_anna = NULL;
  g_autofree char *fp_per = NULL;
  g_autofree char *anna = NULL;
  g_autofree char *per = NULL;
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(OmbudOfficeBackend) backend = NULL;
  g_autoptr(OmbudOfficeDevice) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *anna_row = NULL;
  g_auto(TestCliResult) table = { 0 };
  g_auto(TestCliResult) revoke = { 0 };
  g_auto(TestCliResult) again = { 0 };
  JsonObject *o;
  guint64 anna_id;

  init_office (f);
  anna_id = add_device (f, "Anna Berg", OMBUD_OFFICE_ROLE_OMBUD, OMBUD_OFFICE_DEVICE_PENDING, 0, &fp_anna);
  anna = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", anna_id);
  per = g_strdup_printf ("%016" G_GINT64_MODIFIER "x",
                         add_device (f, "Per Ek", OMBUD_OFFICE_ROLE_COORDINATOR, OMBUD_OFFICE_DEVICE_CONFIRMED,
                                     1767225600000, &fp_per));

  before = devices_json (f);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (before)), ==, 2);
  o = find_device (json_node_get_array (before), anna);
  g_assert_cmpstr (json_object_get_string_member (o, "person"), ==, "Anna Berg");
  g_assert_cmpstr (json_object_get_string_member (o, "role"), ==, "ombud");
  g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "pending");
  g_assert_cmpstr (json_object_get_string_member (o, "fingerprint"), ==, fp_anna);
  g_assert_true (json_object_get_null_member (o, "last_seen"));
  o = find_device (json_node_get_array (before), per);
  g_assert_cmpstr (json_object_get_string_member (o, "role"), ==, "coordinator");
  g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "confirmed");
  g_assert_cmpstr (json_object_get_string_member (o, "fingerprint"), ==, fp_per);
  g_assert_cmpstr (json_object_get_string_member (o, "last_seen"), ==, "2026-01-01T00:00:00Z");

  table = OFFICE ("--data", f->data, "devices");
  g_assert_cmpint (table.status, ==, 0);
  g_assert_true (g_regex_match_simple ("^DEVICE +PERSON +ROLE +STATE +FINGERPRINT +LAST SEEN$",
                                       table.out, G_REGEX_MULTILINE, 0));
  anna_row = g_strdup_printf ("^%s +Anna Berg +ombud +pending +%s +never$", anna, fp_anna);
  g_assert_true (g_regex_match_simple (anna_row, table.out, G_REGEX_MULTILINE, 0));

  /* the hex id as devices prints it; the other device is left alone */
  revoke = OFFICE ("--data", f->data, "revoke", anna);
  g_assert_cmpint (revoke.status, ==, 0);
  g_assert_nonnull (strstr (revoke.out, "wipe"));
  g_assert_nonnull (strstr (revoke.out, "office key"));
  after = devices_json (f);
  g_assert_cmpstr (json_object_get_string_member (find_device (json_node_get_array (after), anna), "state"),
                   ==, "revoked");
  g_assert_cmpstr (json_object_get_string_member (find_device (json_node_get_array (after), per), "state"),
                   ==, "confirmed");

  backend = ombud_office_backend_open_sqlite (f->data, FALSE, &error);
  g_assert_no_error (error);
  stored = ombud_office_backend_get_device (backend, anna_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (stored->state, ==, OMBUD_OFFICE_DEVICE_REVOKED);

  again = OFFICE ("--data", f->data, "revoke", anna);
  g_assert_cmpint (again.status, ==, 0);
  g_assert_nonnull (strstr (again.out, "already"));
}

/* ---- serve ---- */

typedef struct {
  GSubprocess *proc;
  guint16      port;
  char        *url;
  char        *log;   /* the server's stderr */
} Server;

/* One line from fd, or NULL at end of file; fails the test after
 * IO_TIMEOUT_S rather than waiting for ever on a server that hangs. */
static char *
read_line (int fd)
{
  g_autoptr(GString) line = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + IO_TIMEOUT_S * G_USEC_PER_SEC;

  for (;;)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      char c;
      ssize_t n;

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (poll (&p, 1, 100) <= 0)
        continue;
      n = read (fd, &c, 1);
      if (n == 0)
        return NULL;
      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, ==, 1);
      if (c == '\n')
        return g_string_free (g_steal_pointer (&line), FALSE);
      g_string_append_c (line, c);
    }
}

static Server *
server_start (Fixture            *f,
              const char * const *extra)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GRegex) re = g_regex_new ("^Listening on (https?://(127\\.0\\.0\\.1|\\[::1\\]):([0-9]+))$", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *line = NULL;
  g_autofree char *port = NULL;
  Server *s = g_new0 (Server, 1);
  int fd;

  g_ptr_array_add (argv, (char *) g_getenv ("OMBUD_OFFICE"));
  g_ptr_array_add (argv, "--data");
  g_ptr_array_add (argv, f->data);
  g_ptr_array_add (argv, "serve");
  for (guint i = 0; extra[i]; i++)
    g_ptr_array_add (argv, (char *) extra[i]);
  g_ptr_array_add (argv, NULL);

  s->log = g_build_filename (f->tmp, "server.log", NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_set_stderr_file_path (launcher, s->log);
  s->proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (s->proc)));
  line = read_line (fd);
  g_assert_nonnull (line);
  g_assert_true (g_regex_match (re, line, 0, &match));
  s->url = g_match_info_fetch (match, 1);
  port = g_match_info_fetch (match, 3);
  s->port = (guint16) g_ascii_strtoull (port, NULL, 10);
  g_assert_cmpuint (s->port, >, 0);
  return s;
}

/* SIGTERM, then its exit status; *log gets what it wrote on stderr. */
static int
server_stop (Server  *s,
             char   **log)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_subprocess_send_signal (s->proc, SIGTERM);
  g_subprocess_wait (s->proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (s->proc));
  status = g_subprocess_get_exit_status (s->proc);
  g_file_get_contents (s->log, log, NULL, &error);
  g_assert_no_error (error);

  g_object_unref (s->proc);
  g_free (s->url);
  g_free (s->log);
  g_free (s);
  return status;
}

static GIOStream *
http_connect (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  g_socket_client_set_timeout (client, IO_TIMEOUT_S);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  return G_IO_STREAM (connection);
}

static void
http_send (GIOStream  *stream,
           const void *data,
           gsize       len)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), data, len, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads the response up to the server's close; returns its status. */
static guint
http_reply (GIOStream  *stream,
            char      **body)
{
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  char buf[4096];
  gssize n;
  const char *end;
  guint status = 0;

  while ((n = g_input_stream_read (g_io_stream_get_input_stream (stream), buf, sizeof buf, NULL, &error)) > 0)
    {
      g_byte_array_append (reply, (guint8 *) buf, n);
      g_assert_cmpuint (reply->len, <, MIB);
    }
  g_assert_no_error (error);
  g_byte_array_append (reply, (guint8 *) "", 1);

  g_assert_true (g_str_has_prefix ((char *) reply->data, "HTTP/1.1 "));
  status = (guint) g_ascii_strtoull ((char *) reply->data + 9, NULL, 10);
  end = strstr ((char *) reply->data, "\r\n\r\n");
  g_assert_nonnull (end);
  if (body != NULL)
    *body = g_strdup (end + 4);
  return status;
}

/* One request on its own connection, "Connection: close". */
static guint
http (guint16      port,
      const char  *method,
      const char  *path,
      const char  *body,
      char       **reply_body)
{
  g_autoptr(GIOStream) stream = http_connect (port);
  g_autofree char *head = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                           "Content-Length: %zu\r\n\r\n",
                                           method, path, body != NULL ? strlen (body) : 0);

  http_send (stream, head, strlen (head));
  if (body != NULL)
    http_send (stream, body, strlen (body));
  return http_reply (stream, reply_body);
}

static void
assert_health (guint16 port)
{
  g_autofree char *body = NULL;

  g_assert_cmpuint (http (port, "GET", "/v1/health", NULL, &body), ==, 200);
  g_assert_cmpstr (body, ==, "ok\n");
}

static void
assert_error_reply (guint16     port,
                    const char *method,
                    const char *path,
                    guint       status,
                    const char *code)
{
  g_autofree char *body = NULL;
  g_autofree char *prefix = g_strconcat (code, " ", NULL);
  const char *newline;

  g_assert_cmpuint (http (port, method, path, NULL, &body), ==, status);
  g_assert_true (g_str_has_prefix (body, prefix));
  newline = strchr (body, '\n');
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
}

/* 17 MiB announced: refused before a byte of it is read. */
static void
assert_too_large_announced (guint16 port)
{
  g_autoptr(GIOStream) stream = http_connect (port);
  g_autofree char *body = NULL;
  g_autofree char *head = g_strdup_printf ("POST /v1/sync HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                           "Content-Length: %d\r\n\r\n", 17 * MIB);

  http_send (stream, head, strlen (head));
  g_assert_cmpuint (http_reply (stream, &body), ==, 413);
  g_assert_true (g_str_has_prefix (body, "too-large "));
}

/* 17 MiB in chunks, which announce no length: the running total counts. */
static void
assert_too_large_chunked (guint16 port)
{
  g_autoptr(GIOStream) stream = http_connect (port);
  g_autofree char *body = NULL;
  g_autofree char *chunk = g_malloc (64 * 1024);
  const char head[] = "POST /v1/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n";

  memset (chunk, 'x', 64 * 1024);
  http_send (stream, head, strlen (head));
  for (guint i = 0; i < 17 * 16; i++)
    {
      http_send (stream, "10000\r\n", 7);
      http_send (stream, chunk, 64 * 1024);
      http_send (stream, "\r\n", 2);
    }
  http_send (stream, "0\r\n\r\n", 5);
  g_assert_cmpuint (http_reply (stream, &body), ==, 413);
  g_assert_true (g_str_has_prefix (body, "too-large "));
}

/* Content-Length says 1000, 10 come, and the client is gone. */
static void
send_truncated (guint16 port)
{
  g_autoptr(GIOStream) stream = http_connect (port);
  const char request[] = "POST /v1/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n0123456789";

  http_send (stream, request, strlen (request));
  g_assert_true (g_io_stream_close (stream, NULL, NULL));
}

static void
assert_logged (const char *log,
               const char *pattern)
{
  if (!g_regex_match_simple (pattern, log, G_REGEX_MULTILINE, 0))
    g_error ("no line matching “%s” in the server's log:\n%s", pattern, log);
}

static void
test_serve (Fixture       *f,
            gconstpointer  unused G_GNUC_UNUSED)
{
  g_autofree char *marker = g_strdup_printf ("MARKER-%08x%08x", g_random_int (), g_random_int ());
  g_autofree char *sync_body = g_strdup_printf ("not a sync envelope %s", marker);
  g_autofree char *log = NULL;
  g_autofree char *refused_line = NULL;
  g_autoptr(GPtrArray) holders = NULL;
  Server *s;
  guint status;

  init_office (f);
  s = server_start (f, (const char * const[]) { "--listen", "127.0.0.1:0", NULL });
  g_assert_true (g_str_has_prefix (s->url, "http://127.0.0.1:"));

  assert_health (s->port);
  assert_error_reply (s->port, "POST", "/v1/nothing", 404, "not-found");
  assert_error_reply (s->port, "GET", "/v1/sync", 405, "wrong-method");
  assert_error_reply (s->port, "POST", "/v1/health", 405, "wrong-method");
  assert_too_large_announced (s->port);
  assert_health (s->port);
  assert_too_large_chunked (s->port);
  assert_health (s->port);
  send_truncated (s->port);
  assert_health (s->port);

  /* a body the handler cannot read is refused, and goes nowhere */
  status = http (s->port, "POST", "/v1/sync", sync_body, NULL);
  g_assert_cmpuint (status, >=, 400);
  g_assert_cmpuint (status, <, 500);
  status = http (s->port, "POST", "/v1/enrol", sync_body, NULL);
  g_assert_cmpuint (status, >=, 400);
  g_assert_cmpuint (status, <, 500);
  assert_health (s->port);

  g_assert_cmpint (server_stop (s, &log), ==, 0);

  /* one line per request: when, who, what, status, sizes, time */
  assert_logged (log, "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z 127\\.0\\.0\\.1 GET /v1/health 200 "
                      "in=0 out=3 ms=\\d+ device=- pushed=0 pulled=0 error=-$");
  assert_logged (log, "^\\S+ 127\\.0\\.0\\.1 POST /v1/nothing 404 in=0 out=\\d+ ");
  assert_logged (log, "^\\S+ 127\\.0\\.0\\.1 GET /v1/sync 405 ");
  assert_logged (log, "^\\S+ 127\\.0\\.0\\.1 POST /v1/sync 413 in=0 ");
  assert_logged (log, "^\\S+ 127\\.0\\.0\\.1 POST /v1/sync 413 in=17825792 ");
  assert_logged (log, "^\\S+ 127\\.0\\.0\\.1 POST /v1/sync - in=(0|10) .* end=(cut|shutdown)$");
  refused_line = g_strdup_printf ("^\\S+ 127\\.0\\.0\\.1 POST /v1/sync 4\\d\\d in=%zu .* error=\\S+$",
                                  strlen (sync_body));
  assert_logged (log, refused_line);

  g_assert_null (strstr (log, marker));
  holders = test_files_containing (f->data, marker);
  g_assert_cmpuint (holders->len, ==, 0);
}

static void
test_serve_port_taken (Fixture       *f,
                       gconstpointer  unused G_GNUC_UNUSED)
{
  g_auto(TestCliResult) second = { 0 };
  g_autofree char *listen = NULL;
  g_autofree char *log = NULL;
  Server *s;

  init_office (f);
  s = server_start (f, (const char * const[]) { "--listen", "127.0.0.1:0", NULL });
  listen = g_strdup_printf ("127.0.0.1:%u", s->port);
  second = OFFICE ("--data", f->data, "serve", "--listen", listen);
  g_assert_cmpint (second.status, ==, 1);
  g_assert_cmpstr (second.out, ==, "");
  g_assert_nonnull (strstr (second.err, "cannot listen"));
  assert_health (s->port);
  g_assert_cmpint (server_stop (s, &log), ==, 0);
}

static void
test_serve_ipv6 (Fixture       *f,
                 gconstpointer  unused G_GNUC_UNUSED)
{
  g_autofree char *log = NULL;
  Server *s;

  init_office (f);
  s = server_start (f, (const char * const[]) { "--listen", "[::1]:0", NULL });
  g_assert_true (g_str_has_prefix (s->url, "http://[::1]:"));
  g_assert_cmpint (server_stop (s, &log), ==, 0);
}

static size_t
collect_body (char   *data,
              size_t  size,
              size_t  n,
              void   *user)
{
  g_string_append_len (user, data, size * n);
  return size * n;
}

static void
test_serve_tls (Fixture       *f,
                gconstpointer  unused G_GNUC_UNUSED)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *cert = g_build_filename (f->tmp, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (f->tmp, "key.pem", NULL);
  g_autofree char *url = NULL;
  g_autofree char *log = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) gen = NULL;
  CURL *curl;
  long status = 0;
  Server *s;

  if (openssl == NULL)
    {
      g_test_skip ("no openssl to make a test certificate");
      return;
    }
  gen = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                          openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                          "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                          "-addext", "subjectAltName=IP:127.0.0.1", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (gen, NULL, &error));
  g_assert_no_error (error);

  init_office (f);
  s = server_start (f, (const char * const[]) { "--listen", "127.0.0.1:0", "--tls-cert", cert,
                                                "--tls-key", key, NULL });
  g_assert_true (g_str_has_prefix (s->url, "https://127.0.0.1:"));

  url = g_strconcat (s->url, "/v1/health", NULL);
  curl = curl_easy_init ();
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_CAINFO, cert);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long) IO_TIMEOUT_S);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, body);
  g_assert_cmpint (curl_easy_perform (curl), ==, CURLE_OK);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (curl);
  g_assert_cmpint (status, ==, 200);
  g_assert_cmpstr (body->str, ==, "ok\n");

  /* plain HTTP to the TLS port gets no answer in clear */
  {
    g_autoptr(GIOStream) stream = http_connect (s->port);
    const char request[] = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    char buf[64] = { 0 };

    http_send (stream, request, strlen (request));
    g_input_stream_read (g_io_stream_get_input_stream (stream), buf, sizeof buf - 1, NULL, NULL);
    g_assert_null (strstr (buf, "200"));
  }

  g_assert_cmpint (server_stop (s, &log), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  curl_global_init (CURL_GLOBAL_DEFAULT);

#define ADD(path, fn) g_test_add ("/office-cli/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("init", test_init);
  ADD ("invite", test_invite);
  ADD ("usage", test_usage);
  ADD ("not-initialised", test_not_initialised);
  ADD ("revoke-unknown", test_revoke_unknown);
  ADD ("devices-revoke", test_devices_revoke);
  ADD ("serve", test_serve);
  ADD ("serve-port-taken", test_serve_port_taken);
  ADD ("serve-ipv6", test_serve_ipv6);
  ADD ("serve-tls", test_serve_tls);
#undef ADD

  status = g_test_run ();
  curl_global_cleanup ();
  return status;
}
