/* ombud-cli.c: the Ombud core without a window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exit status: 0 done; 1 failed; 2 bad usage or wrong passphrase;
 * 3 the store is damaged; 4 the profile is open elsewhere;
 * 5 written by a newer Ombud, or an untested SQLite.
 */
#include <errno.h>
#include <glib.h>
#include <locale.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ombud-store.h"

enum {
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
  EXIT_WRONG_PASSPHRASE = 2,
  EXIT_CORRUPTED = 3,
  EXIT_BUSY = 4,
  EXIT_UNSUPPORTED = 5,
};

#define PASSPHRASE_MAX 1024
#define PASSPHRASE_MIN 8

typedef struct {
  const char *name;
  const char *args;
  int         n_args;
  int       (*run) (OmbudStore *store, char **argv);
  const char *help;
} Command;

static int
exit_status_for (const GError *error)
{
  if (error->domain != OMBUD_STORE_ERROR)
    return EXIT_FAILED;
  switch ((OmbudStoreError) error->code)
    {
    case OMBUD_STORE_ERROR_WRONG_PASSPHRASE: return EXIT_WRONG_PASSPHRASE;
    case OMBUD_STORE_ERROR_INVALID: return EXIT_USAGE;
    case OMBUD_STORE_ERROR_CORRUPTED: return EXIT_CORRUPTED;
    case OMBUD_STORE_ERROR_BUSY: return EXIT_BUSY;
    case OMBUD_STORE_ERROR_UNSUPPORTED_VERSION: return EXIT_UNSUPPORTED;
    default: return EXIT_FAILED;
    }
}

static int
fail (GError *error)
{
  int status = exit_status_for (error);

  /* One line, whatever the message: scripts read the first line only. */
  g_strdelimit (error->message, "\r\n", ' ');
  g_printerr ("ombud-cli: %s\n", error->message);
  g_error_free (error);
  return status;
}

/* One line from standard input, a byte at a time so that no stdio buffer
 * keeps a copy; into locked memory the caller frees with sodium_free. */
static char *
read_line (const char *prompt,
           GError    **error)
{
  gboolean tty = isatty (STDIN_FILENO);
  struct termios saved, quiet;
  char *line = sodium_malloc (PASSPHRASE_MAX + 1);
  gsize len = 0;
  gboolean got_newline = FALSE;

  if (tty)
    {
      fprintf (stderr, "%s", prompt);
      tcgetattr (STDIN_FILENO, &saved);
      quiet = saved;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }
  while (len < PASSPHRASE_MAX)
    {
      char c;
      ssize_t n = read (STDIN_FILENO, &c, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      if (c == '\n')
        {
          got_newline = TRUE;
          break;
        }
      line[len++] = c;
    }
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
      fprintf (stderr, "\n");
    }
  if (len > 0 && line[len - 1] == '\r')
    len--;
  line[len] = '\0';

  if (len == PASSPHRASE_MAX && !got_newline)
    {
      sodium_free (line);
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_INVALID,
                   "the passphrase is longer than %d bytes", PASSPHRASE_MAX);
      return NULL;
    }
  if (len == 0)
    {
      sodium_free (line);
      g_set_error_literal (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_INVALID,
                           "no passphrase given");
      return NULL;
    }
  return line;
}

static char *
read_new_passphrase (GError **error)
{
  char *first = read_line ("New passphrase: ", error);
  char *again;

  if (first == NULL)
    return NULL;
  if (g_utf8_strlen (first, -1) < PASSPHRASE_MIN)
    {
      sodium_free (first);
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_INVALID,
                   "the passphrase must have at least %d characters", PASSPHRASE_MIN);
      return NULL;
    }
  if (!isatty (STDIN_FILENO))
    return first;

  again = read_line ("Repeat the new passphrase: ", error);
  if (again == NULL || strcmp (first, again) != 0)
    {
      if (again != NULL)
        g_set_error_literal (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_INVALID,
                             "the passphrases differ");
      sodium_free (first);
      sodium_free (again);
      return NULL;
    }
  sodium_free (again);
  return first;
}

static gboolean
unlock (OmbudStore  *store,
        GError     **error)
{
  char *passphrase;
  gboolean ok;

  if (!ombud_store_exists (store))
    {
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_NO_PROFILE,
                   "there is no Ombud profile in %s (create one with “init”)",
                   ombud_store_get_profile_dir (store));
      return FALSE;
    }
  passphrase = read_line ("Passphrase: ", error);
  if (passphrase == NULL)
    return FALSE;
  ok = ombud_store_unlock (store, passphrase, error);
  sodium_free (passphrase);
  return ok;
}

static int
cmd_init (OmbudStore *store,
          char      **argv G_GNUC_UNUSED)
{
  GError *error = NULL;
  char *passphrase;
  gboolean ok;

  if (ombud_store_exists (store))
    return fail (g_error_new (OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_EXISTS,
                              "there is already an Ombud profile in %s",
                              ombud_store_get_profile_dir (store)));
  passphrase = read_new_passphrase (&error);
  if (passphrase == NULL)
    return fail (error);
  ok = ombud_store_create (store, passphrase, NULL, &error);
  sodium_free (passphrase);
  if (!ok)
    return fail (error);
  g_print ("created an encrypted profile in %s\n", ombud_store_get_profile_dir (store));
  return EXIT_OK;
}

static int
cmd_unlock_check (OmbudStore *store,
                  char      **argv G_GNUC_UNUSED)
{
  GError *error = NULL;

  if (!unlock (store, &error))
    return fail (error);
  g_print ("unlocked\n");
  return EXIT_OK;
}

static int
cmd_passwd (OmbudStore *store,
            char      **argv G_GNUC_UNUSED)
{
  GError *error = NULL;
  char *current = NULL, *new_passphrase = NULL;
  gboolean ok = FALSE;

  if (!ombud_store_exists (store))
    return fail (g_error_new (OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_NO_PROFILE,
                              "there is no Ombud profile in %s", ombud_store_get_profile_dir (store)));
  /* Unlocking checks the current passphrase before the new one is asked
   * for, and holds the profile while its key file is rewritten. */
  current = read_line ("Current passphrase: ", &error);
  if (current != NULL && ombud_store_unlock (store, current, &error))
    {
      new_passphrase = read_new_passphrase (&error);
      ok = new_passphrase != NULL
           && ombud_store_change_passphrase (store, current, new_passphrase, &error);
    }
  sodium_free (current);
  sodium_free (new_passphrase);
  if (!ok)
    return fail (error);
  g_print ("passphrase changed\n");
  return EXIT_OK;
}

static int
cmd_put (OmbudStore *store,
         char      **argv)
{
  GError *error = NULL;

  if (!unlock (store, &error) || !ombud_store_put (store, argv[0], argv[1], &error))
    return fail (error);
  return EXIT_OK;
}

static int
cmd_get (OmbudStore *store,
         char      **argv)
{
  GError *error = NULL;
  g_autofree char *value = NULL;

  if (!unlock (store, &error))
    return fail (error);
  value = ombud_store_get (store, argv[0], &error);
  if (value == NULL)
    return fail (error);
  g_print ("%s\n", value);
  return EXIT_OK;
}

static int
cmd_integrity (OmbudStore *store,
               char      **argv G_GNUC_UNUSED)
{
  GError *error = NULL;

  if (!unlock (store, &error) || !ombud_store_check_integrity (store, &error))
    return fail (error);
  g_print ("ok\n");
  return EXIT_OK;
}

static const Command commands[] = {
  { "init", "", 0, cmd_init, "create an encrypted profile" },
  { "unlock-check", "", 0, cmd_unlock_check, "check the passphrase and open the store" },
  { "passwd", "", 0, cmd_passwd,
    "change the passphrase (current, then new)" },
  { "put", "KEY VALUE", 2, cmd_put, "store a value" },
  { "get", "KEY", 1, cmd_get, "print a stored value" },
  { "integrity", "", 0, cmd_integrity, "authenticate and check every page" },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: ombud-cli --profile DIR COMMAND [ARGS]\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-13s %-10s %s\n", commands[i].name, commands[i].args, commands[i].help);
  fprintf (out, "\nThe passphrase is read from the terminal, or from standard input, one per line.\n");
}

static int
usage_error (const char *message)
{
  g_printerr ("ombud-cli: %s (see ombud-cli --help)\n", message);
  return EXIT_USAGE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(OmbudStore) store = NULL;
  g_autofree char *profile = NULL;
  gboolean help = FALSE;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile, "the profile folder", "DIR" },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, "show this help", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  if (sodium_init () < 0)
    {
      g_printerr ("ombud-cli: libsodium failed to initialise\n");
      return EXIT_FAILED;
    }

  context = g_option_context_new (NULL);
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_strict_posix (context, TRUE);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error->message);
  if (help)
    {
      print_usage (stdout);
      return EXIT_OK;
    }
  if (profile == NULL)
    return usage_error ("--profile DIR is required");
  if (argc < 2)
    return usage_error ("no command given");

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (argv[1], commands[i].name) != 0)
        continue;
      if (argc - 2 != commands[i].n_args)
        {
          g_autofree char *msg = g_strdup_printf ("“%s” takes %s", commands[i].name,
                                                  commands[i].n_args ? commands[i].args
                                                                     : "no arguments");
          return usage_error (msg);
        }
      store = ombud_store_new (profile);
      return commands[i].run (store, argv + 2);
    }

  {
    g_autofree char *msg = g_strdup_printf ("unknown command “%s”", argv[1]);
    return usage_error (msg);
  }
}
