/* ombud-cli.c: the Ombud core without a window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exit status: 0 done; 1 failed (also: no such case, note or conflict, or a
 * step the case's status does not allow); 2 bad usage or wrong passphrase,
 * and nothing was written; 3 the store is damaged; 4 the profile is open
 * elsewhere; 5 written by a newer Ombud, or an untested SQLite; 6 the office
 * could not be reached; 7 the office revoked this device, which was wiped.
 *
 * Each command lives in one of the cli-*.c files; this one finds it.
 */
#include <locale.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct {
  const char *section;
  CliCommand  command;
  gboolean    literal;   /* arguments taken as they are, no options */
} Entry;

#define PROFILE "The profile"
#define CASES "Cases"
#define RECORDS "On a case"
#define TEAM "The team"
#define SYNC "Conflicting edits"
#define OFFICE "The office"

static const Entry entries[] = {
  { PROFILE, { NULL, "init", "", 0, 0, cli_init, "create an encrypted profile" }, TRUE },
  { PROFILE, { NULL, "unlock-check", "", 0, 0, cli_unlock_check, "check the passphrase and open the store" }, TRUE },
  { PROFILE, { NULL, "passwd", "", 0, 0, cli_passwd, "change the passphrase (current, then new)" }, TRUE },
  { PROFILE, { NULL, "put", "KEY VALUE", 2, 2, cli_put, "store a value" }, TRUE },
  { PROFILE, { NULL, "get", "KEY", 1, 1, cli_get, "print a stored value" }, TRUE },
  { PROFILE, { NULL, "integrity", "", 0, 0, cli_integrity, "authenticate and check every page" }, TRUE },
  { PROFILE, { NULL, "demo-data", "[--seed N]", 0, 0, cli_demo_data,
               "fill a new profile with a made-up team caseload in Jämtland" }, FALSE },

  { CASES, { "case", "add", "--name N --municipality M --gender woman|man|other|unknown"
             " --birth-year Y [--queued] [--requested-on DATE] [--minor-children]", 0, 0, cli_case_add,
             "a new case, started today unless --queued; prints its id" }, FALSE },
  { CASES, { "case", "list", "[--json]", 0, 0, cli_case_list, "every case, active first" }, FALSE },
  { CASES, { "case", "show", "ID [--json]", 1, 1, cli_case_show,
             "one case with its events, goals, contacts, notes and deadlines" }, FALSE },
  { CASES, { "case", "start", "ID [--date DATE]", 1, 1, cli_case_start, "start a queued case" }, FALSE },
  { CASES, { "case", "close", "ID --reason CODE [--date DATE]", 1, 1, cli_case_close,
             "close an active case (reasons: ombud-cli codes closure_reason)" }, FALSE },
  { CASES, { "case", "refer", "ID --to ACTOR [--date DATE]", 1, 1, cli_case_refer,
             "refer a queued case elsewhere (actors: ombud-cli codes actor)" }, FALSE },
  { CASES, { "case", "assign", "ID --to OMBUD_ID", 1, 1, cli_case_assign,
             "assign a case to an ombud (ids: ombud-cli ombud list)" }, FALSE },
  { CASES, { NULL, "export", "CASE_ID FILE", 2, 2, cli_export,
             "everything held for the client, as a text document to print or hand over" }, FALSE },
  { CASES, { "case", "purge", "ID --yes", 1, 1, cli_case_purge,
             "destroy a closed case's client tier, here and on the owner's devices; statistics remain" }, FALSE },
  { CASES, { NULL, "retention", "--days N | --off", 0, 0, cli_retention,
             "keep a closed case's client tier N days, then purge it (checked at every opening)" }, FALSE },
  { CASES, { NULL, "stats", "--year Y [--json]", 0, 0, cli_stats,
             "the year's figures per municipality, contacts, deficiencies and cost split" }, FALSE },
  { CASES, { NULL, "search", "QUERY [--limit N] [--json]", 1, 1, cli_search,
             "names, notes, goals and deadlines; the best 50 unless --limit" }, FALSE },

  { RECORDS, { "note", "add", "CASE_ID TEXT [--approved]", 2, 2, cli_note_add,
               "a note; without --approved, a draft kept on this laptop; prints its id" }, FALSE },
  { RECORDS, { "note", "approve", "NOTE_ID", 1, 1, cli_note_approve, "the client approved the note" }, FALSE },
  { RECORDS, { "contact", "add", "CASE_ID --date DATE --minutes N --form CODE --actor CODE [--actor CODE ...]"
               " [--km N --travel-minutes N]", 1, 1, cli_contact_add, "a meeting or call; prints its id" }, FALSE },
  { RECORDS, { "goal", "add", "CASE_ID --area CODE TEXT", 2, 2, cli_goal_add,
               "a goal in a life area (ombud-cli codes life_area); prints its id" }, FALSE },
  { RECORDS, { "deadline", "add", "CASE_ID --date DATE TEXT", 2, 2, cli_deadline_add,
               "e.g. the last day to appeal; prints its id" }, FALSE },

  { TEAM, { "municipality", "add", "CODE NAME [--population N]", 2, 2, cli_municipality_add,
            "a municipality by its four-digit kommunkod; prints its id" }, FALSE },
  { TEAM, { "municipality", "list", "[--json]", 0, 0, cli_municipality_list, "the team's municipalities" }, FALSE },
  { TEAM, { "ombud", "add", "NAME [--coordinator]", 1, 1, cli_ombud_add, "a member of the team; prints the id" }, FALSE },
  { TEAM, { "ombud", "list", "[--json]", 0, 0, cli_ombud_list, "the team, with their open cases" }, FALSE },
  { TEAM, { "deficiency", "add", "--level caseworker|local|central --actor CODE [--municipality M] TEXT", 1, 1, cli_deficiency_add,
            "a system deficiency, told without naming anyone; prints its id" }, FALSE },
  { TEAM, { NULL, "codes", "[KIND] [--json]", 0, 1, cli_codes,
            "the code tables: closure_reason, life_area, actor, contact_form" }, FALSE },

  { OFFICE, { NULL, "enrol", "URL CODE [--ca-file PEM] [--pin sha256//BASE64]", 2, 2, cli_enrol,
              "enrol this laptop with the office; shows both fingerprints" }, FALSE },
  { OFFICE, { NULL, "sync", "[--retry N]", 0, 0, cli_sync, "send and receive changes now" }, FALSE },
  { OFFICE, { NULL, "status", "", 0, 0, cli_status, "the office, last sync and changes waiting" }, FALSE },
  { OFFICE, { NULL, "devices", "[--json]", 0, 0, cli_devices, "the organisation's devices, as of the last sync" }, FALSE },
  { OFFICE, { NULL, "confirm", "DEVICE [--ombud OMBUD_ID]", 1, 1, cli_confirm,
              "a coordinator admits a device after comparing its fingerprint" }, FALSE },
  { OFFICE, { NULL, "policy", "[--coordinators-read-client on|off]", 0, 0, cli_policy,
              "the organisation's policy; a coordinator sets it (default off)" }, FALSE },
  { OFFICE, { NULL, "recovery-passphrase", "", 0, 0, cli_recovery_passphrase,
              "an ombud's passphrase for the key bundle at the office (profile's, then the new one)" }, FALSE },
  { OFFICE, { NULL, "recover-keys", "", 0, 0, cli_recover_keys,
              "a replacement laptop gets its ombud's case keys back (profile's, then the recovery passphrase)" }, FALSE },
  { OFFICE, { NULL, "recover-office", "", 0, 0, cli_recover_office,
              "every coordinator laptop is gone: a new one takes over with the organisation recovery key" }, FALSE },

  { SYNC, { NULL, "conflicts", "[--json]", 0, 0, cli_conflicts, "edits made elsewhere at the same time" }, FALSE },
  { SYNC, { NULL, "resolve", "CONFLICT --keep mine|theirs", 1, 1, cli_resolve,
            "keep one side of a conflict, on every replica" }, FALSE },
};

#define HELP_WIDTH 80

/* A command and its synopsis, wrapped between words to fit a terminal. */
static void
print_synopsis (const char       *lead,
                const CliCommand *c)
{
  g_autofree char *name = cli_command_name (c);
  g_autoptr(GString) line = g_string_new (lead);
  const char *p = c->synopsis;

  g_string_append (line, name);
  while (*p)
    {
      const char *end = p;
      int depth = 0;

      /* a word, or a whole [optional group] */
      while (*end && (depth > 0 || *end != ' '))
        {
          depth += (*end == '[') - (*end == ']');
          end++;
        }
      if (end > p && line->len + 1 + (end - p) > HELP_WIDTH)
        {
          printf ("%s\n", line->str);
          g_string_assign (line, "        ");
        }
      else if (end > p)
        g_string_append_c (line, ' ');
      g_string_append_len (line, p, end - p);
      p = *end ? end + 1 : end;
    }
  printf ("%s\n", line->str);
}

static void
print_usage (void)
{
  const char *section = NULL;

  printf ("Usage: ombud-cli --profile DIR COMMAND [ARGUMENTS] [OPTIONS]\n");
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      if (g_strcmp0 (section, entries[i].section) != 0)
        printf ("\n%s:\n", section = entries[i].section);
      print_synopsis ("  ", &entries[i].command);
      printf ("      %s\n", entries[i].command.help);
    }
  printf ("\nOptions may come before or after a command's arguments. Dates are YYYY-MM-DD;\n"
          "without --date a command uses today. Ids come from the command that made the\n"
          "record, or from list and show. --json prints what the query returns, as JSON.\n"
          "\nThe passphrase is read from the terminal, or from standard input, one per line.\n"
          "\nExit status: 0 done; 1 failed (no such record, or not possible in the case's\n"
          "status); 2 bad usage or wrong passphrase, and nothing was written; 3 the store\n"
          "is damaged; 4 the profile is open in another program; 5 written by a newer\n"
          "Ombud, or an untested SQLite; 6 the office could not be reached (nothing is\n"
          "lost: try again); 7 the office revoked this device and its copy was wiped.\n");
}

static int
usage_error (const char *format,
             ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  return cli_fail (g_error_new_literal (CLI_ERROR, CLI_ERROR_USAGE, message));
}

/* The entry for "case add", "search" ...; how many words it took in *n_words. */
static const Entry *
find_entry (int     argc,
            char  **argv,
            int    *n_words)
{
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      const CliCommand *c = &entries[i].command;

      if (c->group == NULL && strcmp (argv[0], c->name) == 0)
        {
          *n_words = 1;
          return &entries[i];
        }
      if (c->group != NULL && argc > 1 && strcmp (argv[0], c->group) == 0 && strcmp (argv[1], c->name) == 0)
        {
          *n_words = 2;
          return &entries[i];
        }
    }
  return NULL;
}

static int
unknown_command (int    argc,
                 char **argv)
{
  g_autoptr(GString) subs = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    if (g_strcmp0 (entries[i].command.group, argv[0]) == 0)
      g_string_append_printf (subs, "%s%s", subs->len ? ", " : "", entries[i].command.name);
  if (subs->len == 0)
    return usage_error ("unknown command “%s”", argv[0]);
  if (argc < 2)
    return usage_error ("“%s” needs one of: %s", argv[0], subs->str);
  return usage_error ("unknown command “%s %s” (%s takes %s)", argv[0], argv[1], argv[0], subs->str);
}

/* "--help" among a command's arguments shows that command's usage. */
static gboolean
wants_help (int    argc,
            char **argv)
{
  for (int i = 0; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
      return TRUE;
  return FALSE;
}

static int
run (const char *profile,
     int         argc,
     char      **argv)
{
  int n_words = 0;
  const Entry *entry = find_entry (argc, argv, &n_words);
  g_autoptr(OmbudStore) store = NULL;
  CliCall call = { 0 };

  if (entry == NULL)
    return unknown_command (argc, argv);
  if (!entry->literal && wants_help (argc - n_words, argv + n_words))
    {
      print_synopsis ("Usage: ombud-cli --profile DIR ", &entry->command);
      printf ("  %s\n", entry->command.help);
      return CLI_OK;
    }
  store = ombud_store_new (profile);
  call.command = &entry->command;
  call.store = store;
  call.argc = argc - n_words;
  call.argv = argv + n_words;
  return entry->command.run (&call);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *profile = NULL;
  gboolean help = FALSE;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const GOptionEntry options[] = {
    { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile, "the profile folder", "DIR" },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, "show this help", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  if (sodium_init () < 0)
    {
      g_printerr ("ombud-cli: libsodium failed to initialise\n");
      return CLI_FAILED;
    }

  /* Strict: the options before the command are ombud-cli's own; the rest
   * belong to the command. */
  context = g_option_context_new (NULL);
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_strict_posix (context, TRUE);
  g_option_context_add_main_entries (context, options, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error ("%s", error->message);
  if (help)
    {
      print_usage ();
      return CLI_OK;
    }
  if (profile == NULL)
    return usage_error ("--profile DIR is required");
  if (argc < 2)
    return usage_error ("no command given");
  return run (profile, argc - 1, argv + 1);
}
