/* ombud-office.c: the office server and its admin commands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exit status: 0 done; 1 failed (e.g. no such device, or an organisation
 * is there already); 2 bad usage or input, and nothing was written; 3 the
 * data directory is damaged or holds no organisation.
 *
 * The office holds no data key: nothing here can read a case.
 */
#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "ombud-identity.h"
#include "ombud-office-backend.h"
#include "ombud-office-guard.h"
#include "ombud-office-handler.h"
#include "ombud-office-server.h"

enum {
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
  EXIT_DAMAGED = 3,
};

#define OFFICE_CLI_ERROR (office_cli_error_quark ())
typedef enum {
  OFFICE_CLI_ERROR_USAGE,
  OFFICE_CLI_ERROR_FAILED,
  OFFICE_CLI_ERROR_DAMAGED,
} OfficeCliError;

G_DEFINE_QUARK (ombud-office-cli-error-quark, office_cli_error)

#define DAY_MS (24 * 60 * 60 * (gint64) 1000)
#define NAME_MAX_CHARS 200

typedef struct _Command Command;
typedef int (*CommandRun) (const Command *command, int argc, char **argv);

struct _Command {
  const char *name;
  const char *synopsis;  /* what follows the name, for --help */
  const char *help;
  CommandRun  run;
};

/* --data, given before or after the command, else $OMBUD_OFFICE_DATA */
static char *data_dir;

static const char commands_help[] =
  "Commands:\n"
  "  init --org NAME                 create the organisation and the office's keys\n"
  "  invite --ombud NAME [--coordinator] [--valid-days N]\n"
  "                                  a one-time enrolment code for a new laptop (7 days)\n"
  "  devices [--json]                the enrolled laptops and their state\n"
  "  revoke DEVICE                   shut a laptop out; it wipes its replica at next contact\n"
  "  serve --listen ADDR:PORT [--tls-cert FILE --tls-key FILE]\n"
  "                                  answer the laptops until SIGINT or SIGTERM\n"
  "\n"
  "The data directory is --data DIR or $OMBUD_OFFICE_DATA.\n"
  "Exit status: 0 done; 1 failed; 2 bad usage, nothing written; 3 the data\n"
  "directory is damaged or holds no organisation.\n";

/* ---- errors ---- */

static int
exit_status (const GError *error)
{
  if (error->domain == OFFICE_CLI_ERROR)
    return error->code == OFFICE_CLI_ERROR_USAGE ? EXIT_USAGE
           : error->code == OFFICE_CLI_ERROR_DAMAGED ? EXIT_DAMAGED : EXIT_FAILED;
  if (error->domain == G_OPTION_ERROR)
    return EXIT_USAGE;
  if (error->domain == OMBUD_OFFICE_SERVER_ERROR && error->code == OMBUD_OFFICE_SERVER_ERROR_INVALID)
    return EXIT_USAGE;
  if (error->domain == OMBUD_OFFICE_BACKEND_ERROR && error->code == OMBUD_OFFICE_BACKEND_ERROR_NOT_INITIALISED)
    return EXIT_DAMAGED;
  return EXIT_FAILED;
}

/* Takes the error.  One line on stderr, whatever the message. */
static int
fail (GError *error)
{
  int status = exit_status (error);

  g_strdelimit (error->message, "\r\n", ' ');
  g_printerr ("ombud-office: %s%s\n", error->message,
              status == EXIT_USAGE ? " (see ombud-office --help)" : "");
  g_error_free (error);
  return status;
}

static gboolean
usage_error (GError    **error,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static gboolean
usage_error (GError    **error,
             const char *format,
             ...)
{
  va_list ap;

  va_start (ap, format);
  g_propagate_error (error, g_error_new_valist (OFFICE_CLI_ERROR, OFFICE_CLI_ERROR_USAGE, format, ap));
  va_end (ap);
  return FALSE;
}

/* Takes local: an office that cannot be opened, or has no organisation, is
 * "damaged or not initialised" (exit 3) unless it is only busy. */
static void
propagate_open_error (GError  *local,
                      GError **error)
{
  if (local->domain == OMBUD_OFFICE_BACKEND_ERROR && local->code == OMBUD_OFFICE_BACKEND_ERROR_BUSY)
    g_propagate_prefixed_error (error, local, "%s: ", data_dir);
  else if (local->domain == OMBUD_OFFICE_BACKEND_ERROR && local->code == OMBUD_OFFICE_BACKEND_ERROR_NOT_INITIALISED)
    {
      g_set_error (error, OFFICE_CLI_ERROR, OFFICE_CLI_ERROR_DAMAGED,
                   "%s holds no organisation: run “ombud-office --data %s init --org NAME” first",
                   data_dir, data_dir);
      g_error_free (local);
    }
  else
    {
      g_set_error (error, OFFICE_CLI_ERROR, OFFICE_CLI_ERROR_DAMAGED,
                   "%s is not a usable office data directory: %s", data_dir, local->message);
      g_error_free (local);
    }
}

/* ---- arguments ---- */

/* Parses one command's own options (and --data); exactly n_args
 * positional arguments must remain, in argv[1 .. n_args]. */
static gboolean
parse_command (const Command       *command,
               const GOptionEntry  *entries,
               int                  n_args,
               int                 *argc,
               char              ***argv,
               GError             **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (command->synopsis);
  g_autofree char *prgname = g_strdup_printf ("ombud-office %s", command->name);
  g_autofree char *data = NULL;
  const GOptionEntry data_entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, "The office's data directory", "DIR" },
    G_OPTION_ENTRY_NULL
  };

  g_set_prgname (prgname);
  g_option_context_set_summary (context, command->help);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, data_entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  if (data != NULL)
    {
      g_free (data_dir);
      data_dir = g_steal_pointer (&data);
    }
  if (data_dir == NULL)
    data_dir = g_strdup (g_getenv ("OMBUD_OFFICE_DATA"));
  if (data_dir == NULL || data_dir[0] == '\0')
    return usage_error (error, "no data directory: give --data DIR or set OMBUD_OFFICE_DATA");
  if (*argc - 1 < n_args)
    return usage_error (error, "%s needs %s", command->name, command->synopsis);
  if (*argc - 1 > n_args)
    return usage_error (error, "%s: unexpected argument “%s”", command->name, (*argv)[n_args + 1]);
  return TRUE;
}

/* Names are printed on the admin's terminal and in devices' directories. */
static gboolean
check_name (const char  *option,
            char        *value,
            GError     **error)
{
  if (value == NULL)
    return usage_error (error, "%s NAME is required", option);
  g_strstrip (value);
  if (value[0] == '\0' || g_utf8_strlen (value, -1) > NAME_MAX_CHARS)
    return usage_error (error, "%s takes a name of 1 to %d characters", option, NAME_MAX_CHARS);
  for (const char *p = value; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return usage_error (error, "%s: a name cannot hold control characters", option);
  return TRUE;
}

/* The office, which must hold an organisation. */
static OmbudOfficeBackend *
open_office (GError **error)
{
  g_autoptr(OmbudOfficeBackend) backend = NULL;
  g_autoptr(OmbudOfficeOrg) org = NULL;
  GError *local = NULL;

  backend = ombud_office_backend_open_sqlite (data_dir, FALSE, &local);
  if (backend != NULL)
    org = ombud_office_backend_get_org (backend, &local);
  if (org == NULL)
    {
      propagate_open_error (local, error);
      return NULL;
    }
  return g_steal_pointer (&backend);
}

static char *
local_time_text (gint64 unix_ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (unix_ms / 1000);

  return g_date_time_format (time, "%Y-%m-%d %H:%M");
}

/* ---- init ---- */

static int
cmd_init (const Command  *command,
          int             argc,
          char          **argv)
{
  g_autofree char *org = NULL;
  const GOptionEntry entries[] = {
    { "org", 0, 0, G_OPTION_ARG_STRING, &org, "The organisation's name", "NAME" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(OmbudOfficeBackend) backend = NULL;
  g_autofree char *fingerprint = NULL;
  GError *error = NULL;

  if (!parse_command (command, entries, 0, &argc, &argv, &error) || !check_name ("--org", org, &error))
    return fail (error);

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved_errno = errno;

      return fail (g_error_new (OFFICE_CLI_ERROR, OFFICE_CLI_ERROR_FAILED, "cannot create %s: %s",
                                data_dir, g_strerror (saved_errno)));
    }
  backend = ombud_office_backend_open_sqlite (data_dir, TRUE, &error);
  if (backend == NULL)
    {
      GError *wrapped = NULL;

      propagate_open_error (error, &wrapped);
      return fail (wrapped);
    }
  fingerprint = ombud_office_init_org (backend, org, &error);
  if (fingerprint == NULL && g_error_matches (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_EXISTS))
    {
      g_clear_error (&error);
      return fail (g_error_new (OFFICE_CLI_ERROR, OFFICE_CLI_ERROR_FAILED,
                                "%s already holds an organisation; nothing was changed", data_dir));
    }
  if (fingerprint == NULL)
    return fail (error);

  printf ("Organisation %s created.\n", org);
  printf ("Office fingerprint: %s\n", fingerprint);
  return EXIT_OK;
}

/* ---- invite ---- */

static int
cmd_invite (const Command  *command,
            int             argc,
            char          **argv)
{
  g_autofree char *person = NULL;
  gboolean coordinator = FALSE;
  int valid_days = 7;
  const GOptionEntry entries[] = {
    { "ombud", 0, 0, G_OPTION_ARG_STRING, &person, "Whose laptop it is for", "NAME" },
    { "coordinator", 0, 0, G_OPTION_ARG_NONE, &coordinator, "A coordinator's laptop", NULL },
    { "valid-days", 0, 0, G_OPTION_ARG_INT, &valid_days, "How long the code works (1-90, default 7)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(OmbudOfficeBackend) backend = NULL;
  g_autofree char *code = NULL;
  g_autofree char *until = NULL;
  GError *error = NULL;
  gint64 now_ms = g_get_real_time () / 1000;

  if (!parse_command (command, entries, 0, &argc, &argv, &error) || !check_name ("--ombud", person, &error))
    return fail (error);
  if (valid_days < 1 || valid_days > 90)
    return fail (g_error_new (OFFICE_CLI_ERROR, OFFICE_CLI_ERROR_USAGE, "--valid-days takes 1 to 90"));

  backend = open_office (&error);
  if (backend == NULL)
    return fail (error);
  code = ombud_office_make_invite (backend, person,
                                   coordinator ? OMBUD_OFFICE_ROLE_COORDINATOR : OMBUD_OFFICE_ROLE_OMBUD,
                                   now_ms, valid_days * DAY_MS, &error);
  if (code == NULL)
    return fail (error);

  until = local_time_text (now_ms + valid_days * DAY_MS);
  printf ("An enrolment code for %s's laptop (%s), for one use until %s.\n"
          "Give it to %s to type into Ombud; a coordinator then confirms the laptop:\n",
          person, coordinator ? "coordinator" : "ombud", until, person);
  /* last, alone on its line: scripts take the last line */
  printf ("%s\n", code);
  return EXIT_OK;
}

/* ---- devices ---- */

static const char *
role_text (OmbudOfficeRole role)
{
  return role == OMBUD_OFFICE_ROLE_COORDINATOR ? "coordinator" : "ombud";
}

static const char *
state_text (OmbudOfficeDeviceState state)
{
  switch (state)
    {
    case OMBUD_OFFICE_DEVICE_PENDING: return "pending";
    case OMBUD_OFFICE_DEVICE_CONFIRMED: return "confirmed";
    case OMBUD_OFFICE_DEVICE_REVOKED: return "revoked";
    default: return "unknown";
    }
}

static void
print_devices_json (GPtrArray *devices)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < devices->len; i++)
    {
      const OmbudOfficeDevice *d = devices->pdata[i];
      g_autofree char *id = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", d->device_id);
      g_autofree char *fingerprint = ombud_fingerprint_text (d->sign_pk, d->box_pk);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "device_id");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "person");
      json_builder_add_string_value (builder, d->person);
      json_builder_set_member_name (builder, "role");
      json_builder_add_string_value (builder, role_text (d->role));
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, state_text (d->state));
      json_builder_set_member_name (builder, "fingerprint");
      json_builder_add_string_value (builder, fingerprint);
      json_builder_set_member_name (builder, "last_seen");
      if (d->last_seen_ms > 0)
        {
          g_autoptr(GDateTime) seen = g_date_time_new_from_unix_utc (d->last_seen_ms / 1000);
          g_autofree char *iso = g_date_time_format_iso8601 (seen);

          json_builder_add_string_value (builder, iso);
        }
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

/* rows: GStrv of n_columns cells each, the first being the headings */
static void
print_table (GPtrArray *rows,
             guint      n_columns)
{
  g_autofree glong *widths = g_new0 (glong, n_columns);

  for (guint r = 0; r < rows->len; r++)
    for (guint c = 0; c < n_columns; c++)
      widths[c] = MAX (widths[c], g_utf8_strlen (((char **) rows->pdata[r])[c], -1));
  for (guint r = 0; r < rows->len; r++)
    {
      g_autoptr(GString) line = g_string_new (NULL);
      char **cells = rows->pdata[r];

      for (guint c = 0; c < n_columns; c++)
        {
          g_string_append (line, cells[c]);
          if (c + 1 < n_columns)
            for (glong pad = g_utf8_strlen (cells[c], -1); pad < widths[c] + 2; pad++)
              g_string_append_c (line, ' ');
        }
      printf ("%s\n", line->str);
    }
}

static void
print_devices_table (GPtrArray *devices)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  if (devices->len == 0)
    {
      printf ("No devices yet: ombud-office invite makes a code to enrol one.\n");
      return;
    }
  g_ptr_array_add (rows, g_strdupv ((char *[]) { "DEVICE", "PERSON", "ROLE", "STATE", "FINGERPRINT",
                                                 "LAST SEEN", NULL }));
  for (guint i = 0; i < devices->len; i++)
    {
      const OmbudOfficeDevice *d = devices->pdata[i];
      char **row = g_new0 (char *, 7);

      row[0] = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", d->device_id);
      row[1] = g_strdup (d->person);
      row[2] = g_strdup (role_text (d->role));
      row[3] = g_strdup (state_text (d->state));
      row[4] = ombud_fingerprint_text (d->sign_pk, d->box_pk);
      row[5] = d->last_seen_ms > 0 ? local_time_text (d->last_seen_ms) : g_strdup ("never");
      g_ptr_array_add (rows, row);
    }
  print_table (rows, 6);
}

static int
cmd_devices (const Command  *command,
             int             argc,
             char          **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(OmbudOfficeBackend) backend = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  GError *error = NULL;

  if (!parse_command (command, entries, 0, &argc, &argv, &error)
      || (backend = open_office (&error)) == NULL
      || (devices = ombud_office_backend_list_devices (backend, &error)) == NULL)
    return fail (error);

  if (json)
    print_devices_json (devices);
  else
    print_devices_table (devices);
  return EXIT_OK;
}

/* ---- revoke ---- */

/* 1 to 16 hex digits, as devices prints them (16) */
static gboolean
parse_device_id (const char  *text,
                 guint64     *id,
                 GError     **error)
{
  gsize len = strlen (text);

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (text[i]))
      len = 0;
  if (len == 0 || len > 16)
    return usage_error (error, "“%s” is not a device id: 16 hex digits, as ombud-office devices shows", text);
  *id = g_ascii_strtoull (text, NULL, 16);
  return TRUE;
}

static int
cmd_revoke (const Command  *command,
            int             argc,
            char          **argv)
{
  g_autoptr(OmbudOfficeBackend) backend = NULL;
  g_autoptr(OmbudOfficeDevice) device = NULL;
  GError *error = NULL;
  guint64 id = 0;

  if (!parse_command (command, NULL, 1, &argc, &argv, &error)
      || !parse_device_id (argv[1], &id, &error)
      || (backend = open_office (&error)) == NULL
      || !ombud_office_backend_begin (backend, &error))
    return fail (error);

  device = ombud_office_backend_get_device (backend, id, &error);
  if (device == NULL && g_error_matches (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND))
    {
      g_clear_error (&error);
      return fail (g_error_new (OFFICE_CLI_ERROR, OFFICE_CLI_ERROR_FAILED,
                                "no device %016" G_GINT64_MODIFIER "x (ombud-office devices lists them)", id));
    }
  if (device == NULL)
    return fail (error);
  if (device->state == OMBUD_OFFICE_DEVICE_REVOKED)
    {
      printf ("Device %016" G_GINT64_MODIFIER "x (%s) was revoked already.\n", id, device->person);
      return EXIT_OK;
    }
  if (!ombud_office_backend_set_device_state (backend, id, OMBUD_OFFICE_DEVICE_REVOKED, NULL, &error)
      || !ombud_office_backend_commit (backend, &error))
    return fail (error);

  printf ("Device %016" G_GINT64_MODIFIER "x (%s) is revoked: it gets nothing more, and is told to wipe\n"
          "its replica at its next contact. The next coordinator sync moves the office key\n"
          "to a new epoch.\n", id, device->person);
  return EXIT_OK;
}

/* ---- serve ---- */

static gboolean
on_stop_signal (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

static int
cmd_serve (const Command  *command,
           int             argc,
           char          **argv)
{
  g_autofree char *listen_addr = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  int stale_days = -1;
  const GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen_addr, "Where to listen, e.g. 127.0.0.1:8443", "ADDR:PORT" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &cert, "TLS certificate chain (PEM)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &key, "Its private key (PEM)", "FILE" },
    { "stale-days", 0, 0, G_OPTION_ARG_INT, &stale_days,
      "Lock a laptop's replica after N days without a sync (1-3650; kept until changed; default 30)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(OmbudOfficeServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *url = NULL;
  GError *error = NULL;
  guint sigint, sigterm;

  if (!parse_command (command, entries, 0, &argc, &argv, &error))
    return fail (error);
  if (listen_addr == NULL)
    return fail (g_error_new (OFFICE_CLI_ERROR, OFFICE_CLI_ERROR_USAGE, "serve needs --listen ADDR:PORT"));
  if (stale_days != -1 && (stale_days < 1 || stale_days > OMBUD_OFFICE_STALE_DAYS_MAX))
    return fail (g_error_new (OFFICE_CLI_ERROR, OFFICE_CLI_ERROR_USAGE,
                              "--stale-days takes 1 to %d days", OMBUD_OFFICE_STALE_DAYS_MAX));
  /* An organisation-wide setting, kept in the office store (§10.4). */
  if (stale_days != -1)
    {
      g_autoptr(OmbudOfficeBackend) backend = open_office (&error);

      if (backend == NULL || !ombud_office_guard_set_stale_days (backend, (guint) stale_days, &error))
        return fail (error);
    }

  server = ombud_office_server_new (data_dir, listen_addr, cert, key, &error);
  if (server == NULL && error->domain == OMBUD_OFFICE_BACKEND_ERROR)
    {
      GError *wrapped = NULL;

      propagate_open_error (error, &wrapped);
      return fail (wrapped);
    }
  if (server == NULL)
    return fail (error);

  /* before listening, so that a signal right after "Listening" stops us
   * cleanly; a client that goes away must not kill the server */
  loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, on_stop_signal, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_stop_signal, loop);
  signal (SIGPIPE, SIG_IGN);

  if (!ombud_office_server_start (server, &error))
    {
      g_source_remove (sigint);
      g_source_remove (sigterm);
      return fail (error);
    }
  url = ombud_office_server_get_url (server);
  printf ("Listening on %s\n", url);
  fflush (stdout);

  g_main_loop_run (loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  ombud_office_server_stop (server);
  return EXIT_OK;
}

/* ---- main ---- */

static const Command commands[] = {
  { "init", "--org NAME", "Creates the organisation and the office's own keys.", cmd_init },
  { "invite", "--ombud NAME [--coordinator] [--valid-days N]",
    "Makes a one-time code with which a new laptop enrols.", cmd_invite },
  { "devices", "[--json]", "Lists the enrolled laptops.", cmd_devices },
  { "revoke", "DEVICE", "Shuts a laptop out; it is told to wipe its replica at its next contact.", cmd_revoke },
  { "serve", "--listen ADDR:PORT [--tls-cert FILE --tls-key FILE] [--stale-days N]",
    "Answers the laptops until SIGINT or SIGTERM.", cmd_serve },
};

static int
run (int    argc,
     char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("COMMAND [ARGUMENTS] [OPTIONS]");
  const GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "The office's data directory", "DIR" },
    G_OPTION_ENTRY_NULL
  };
  GError *error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context, commands_help);
  /* stop at the command: its options are its own */
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (error);
  if (argc < 2)
    {
      g_printerr ("Usage: ombud-office [--data DIR] COMMAND [ARGUMENTS] [OPTIONS]\n\n%s", commands_help);
      return EXIT_USAGE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (&commands[i], argc - 1, argv + 1);

  return fail (g_error_new (OFFICE_CLI_ERROR, OFFICE_CLI_ERROR_USAGE, "unknown command “%s”", argv[1]));
}

int
main (int    argc,
      char **argv)
{
  int status;

  setlocale (LC_ALL, "");
  if (sodium_init () < 0)
    {
      g_printerr ("ombud-office: libsodium could not start\n");
      return EXIT_FAILED;
    }
  status = run (argc, argv);
  g_clear_pointer (&data_dir, g_free);
  fflush (stdout);
  return status;
}
