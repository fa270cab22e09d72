/* cli-store.c: the profile itself: init, unlock-check, passwd, put, get,
 * integrity
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"

#include <sodium.h>

int
cli_init (CliCall *call)
{
  GError *error = NULL;
  char *passphrase;
  gboolean ok;

  if (!cli_check_literal (call, &error))
    return cli_fail (error);
  if (ombud_store_exists (call->store))
    return cli_fail (g_error_new (OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_EXISTS,
                                  "there is already an Ombud profile in %s",
                                  ombud_store_get_profile_dir (call->store)));
  passphrase = cli_read_new_passphrase (&error);
  if (passphrase == NULL)
    return cli_fail (error);
  ok = ombud_store_create (call->store, passphrase, NULL, &error);
  sodium_free (passphrase);
  if (!ok)
    return cli_fail (error);
  g_print ("created an encrypted profile in %s\n", ombud_store_get_profile_dir (call->store));
  return CLI_OK;
}

int
cli_unlock_check (CliCall *call)
{
  GError *error = NULL;

  if (!cli_check_literal (call, &error) || !cli_unlock (call->store, &error))
    return cli_fail (error);
  g_print ("unlocked\n");
  return CLI_OK;
}

int
cli_passwd (CliCall *call)
{
  GError *error = NULL;
  char *current = NULL, *new_passphrase = NULL;
  gboolean ok = FALSE;

  if (!cli_check_literal (call, &error))
    return cli_fail (error);
  if (!ombud_store_exists (call->store))
    return cli_fail (g_error_new (OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_NO_PROFILE,
                                  "there is no Ombud profile in %s",
                                  ombud_store_get_profile_dir (call->store)));
  /* Unlocking checks the current passphrase before the new one is asked
   * for, and holds the profile while its key file is rewritten. */
  current = cli_read_line ("Current passphrase: ", &error);
  if (current != NULL && ombud_store_unlock (call->store, current, &error))
    {
      new_passphrase = cli_read_new_passphrase (&error);
      ok = new_passphrase != NULL
           && ombud_store_change_passphrase (call->store, current, new_passphrase, &error);
    }
  sodium_free (current);
  sodium_free (new_passphrase);
  if (!ok)
    return cli_fail (error);
  g_print ("passphrase changed\n");
  return CLI_OK;
}

int
cli_put (CliCall *call)
{
  GError *error = NULL;

  if (!cli_check_literal (call, &error)
      || !cli_unlock (call->store, &error)
      || !ombud_store_put (call->store, call->argv[0], call->argv[1], &error))
    return cli_fail (error);
  return CLI_OK;
}

int
cli_get (CliCall *call)
{
  GError *error = NULL;
  g_autofree char *value = NULL;

  if (!cli_check_literal (call, &error) || !cli_unlock (call->store, &error))
    return cli_fail (error);
  value = ombud_store_get (call->store, call->argv[0], &error);
  if (value == NULL)
    return cli_fail (error);
  g_print ("%s\n", value);
  return CLI_OK;
}

int
cli_integrity (CliCall *call)
{
  GError *error = NULL;

  if (!cli_check_literal (call, &error)
      || !cli_unlock (call->store, &error)
      || !ombud_store_check_integrity (call->store, &error))
    return cli_fail (error);
  g_print ("ok\n");
  return CLI_OK;
}
