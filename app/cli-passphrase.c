/* cli-passphrase.c: reading the passphrase and opening the profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The passphrase comes from the terminal without echo, or else from the
 * first line of standard input; never from an argument or the environment,
 * where other users and shell histories can see it.
 */
#include "cli.h"

#include "ombud-sync-guard.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define PASSPHRASE_MAX 1024
#define PASSPHRASE_MIN 8

/* One line from standard input, a byte at a time so that no stdio buffer
 * keeps a copy; into locked memory the caller frees with sodium_free. */
char *
cli_read_line (const char  *prompt,
               GError     **error)
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

char *
cli_read_new_passphrase (GError **error)
{
  char *first = cli_read_line ("New passphrase: ", error);
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

  again = cli_read_line ("Repeat the new passphrase: ", error);
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
        gboolean     fetch_if_stale,
        GError     **error)
{
  char *passphrase;
  gboolean ok;
  GError *local_error = NULL;

  if (!ombud_store_exists (store))
    {
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_NO_PROFILE,
                   "there is no Ombud profile in %s (create one with “init”)",
                   ombud_store_get_profile_dir (store));
      return FALSE;
    }
  passphrase = cli_read_line ("Passphrase: ", error);
  if (passphrase == NULL)
    return FALSE;
  ok = ombud_store_unlock (store, passphrase, &local_error);
  if (!ok && fetch_if_stale && g_error_matches (local_error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_STALE))
    {
      g_clear_error (&local_error);
      ok = ombud_sync_guard_fetch_share (store, passphrase, NULL, &local_error)
           && ombud_store_unlock (store, passphrase, &local_error);
    }
  if (!ok)
    g_propagate_error (error, local_error);
  sodium_free (passphrase);
  return ok;
}

gboolean
cli_unlock (OmbudStore  *store,
            GError     **error)
{
  return unlock (store, FALSE, error);
}

gboolean
cli_unlock_syncing (OmbudStore  *store,
                    GError     **error)
{
  return unlock (store, TRUE, error);
}

OmbudCaseload *
cli_open (CliCall  *call,
          GError  **error)
{
  if (!cli_unlock (call->store, error))
    return NULL;
  return ombud_caseload_new (call->store, error);
}
