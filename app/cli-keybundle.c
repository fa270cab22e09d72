/* cli-keybundle.c: recovering keys — an ombud's case keys from the key
 * bundle, the organisation's office key from the escrow
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §10.1 and §10.3.  Secrets come as every passphrase does
 * (cli-passphrase.c): the profile's first, then the recovery passphrase or
 * the organisation's recovery key.
 */
#include "cli.h"

#include <sodium.h>
#include <string.h>

#include "ombud-escrow.h"
#include "ombud-key-bundle.h"
#include "ombud-sync-escrow.h"
#include "ombud-sync-keybundle.h"

int
cli_recovery_passphrase (CliCall *call)
{
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;
  char *passphrase = NULL;
  gboolean ok;

  if (!cli_parse (call, NULL, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL)
    return cli_fail (error);
  passphrase = cli_read_new_passphrase (&error);
  if (passphrase == NULL)
    return cli_fail (error);
  cli_print ("Deriving the key bundle's key (Argon2id, 1 GiB, a few seconds)…\n");
  ok = ombud_sync_key_bundle_set_passphrase (caseload, passphrase, strlen (passphrase),
                                             OMBUD_BUNDLE_DEFAULT_OPSLIMIT, OMBUD_BUNDLE_DEFAULT_MEMLIMIT, &error);
  sodium_free (passphrase);
  if (!ok)
    return cli_fail (error);
  cli_print ("Recovery passphrase set. Your case keys go to the office's key bundle at the next sync;\n"
             "a replacement laptop gets them back with this passphrase (ombud-cli recover-keys).\n");
  return CLI_OK;
}

int
cli_recover_keys (CliCall *call)
{
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(OmbudSyncEngine) engine = NULL;
  GError *error = NULL;
  char *passphrase = NULL;
  guint imported = 0;
  gboolean ok;

  if (!cli_parse (call, NULL, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL)
    return cli_fail (error);
  passphrase = cli_read_line ("Recovery passphrase: ", &error);
  if (passphrase == NULL)
    return cli_fail (error);
  engine = ombud_sync_engine_new (caseload);
  ok = ombud_sync_recover_keys (engine, caseload, passphrase, strlen (passphrase), &imported, &error);
  sodium_free (passphrase);
  if (!ok)
    return cli_fail (error);
  cli_print ("Recovered %u case keys from the office's key bundle.\n", imported);
  return CLI_OK;
}

int
cli_recover_office (CliCall *call)
{
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(OmbudSyncEngine) engine = NULL;
  GError *error = NULL;
  char *key = NULL;
  guint32 epochs = 0;
  gboolean ok;

  if (!cli_parse (call, NULL, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL)
    return cli_fail (error);
  key = cli_read_line ("Organisation recovery key: ", &error);
  if (key == NULL)
    return cli_fail (error);
  engine = ombud_sync_engine_new (caseload);
  ok = ombud_sync_recover_office (engine, caseload, key, &epochs, &error);
  sodium_free (key);
  if (!ok)
    return cli_fail (error);
  cli_print ("Restored office key epochs 1 to %u; this laptop is now the organisation's coordinator\n"
             "and can confirm devices (ombud-cli devices, ombud-cli confirm).\n", epochs);
  return CLI_OK;
}
