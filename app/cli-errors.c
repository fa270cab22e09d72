/* cli-errors.c: from an error to one line on stderr and an exit status
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"

#include "ombud-escrow.h"
#include "ombud-key-bundle.h"
#include "ombud-sync-engine.h"
#include "ombud-vfs.h"

G_DEFINE_QUARK (ombud-cli-error-quark, cli_error)

static int
store_status (OmbudStoreError code)
{
  switch (code)
    {
    case OMBUD_STORE_ERROR_WRONG_PASSPHRASE: return CLI_WRONG_PASSPHRASE;
    case OMBUD_STORE_ERROR_INVALID: return CLI_USAGE;
    case OMBUD_STORE_ERROR_CORRUPTED: return CLI_CORRUPTED;
    case OMBUD_STORE_ERROR_BUSY: return CLI_BUSY;
    case OMBUD_STORE_ERROR_UNSUPPORTED_VERSION: return CLI_UNSUPPORTED;
    case OMBUD_STORE_ERROR_STALE: return CLI_STALE;
    default: return CLI_FAILED;
    }
}

static int
vfs_status (OmbudVfsError code)
{
  switch (code)
    {
    case OMBUD_VFS_ERROR_NOT_AUTHENTIC:
    case OMBUD_VFS_ERROR_CORRUPT: return CLI_CORRUPTED;
    case OMBUD_VFS_ERROR_UNTESTED_SQLITE: return CLI_UNSUPPORTED;
    default: return CLI_FAILED;
    }
}

static int
exit_status (const GError *error)
{
  if (error->domain == OMBUD_STORE_ERROR)
    return store_status (error->code);
  if (error->domain == OMBUD_VFS_ERROR)
    return vfs_status (error->code);
  /* A bad argument the caseload caught is a usage error like any other; a
   * missing record or a step the case's status forbids is a failure. */
  if (error->domain == OMBUD_CASELOAD_ERROR)
    return error->code == OMBUD_CASELOAD_ERROR_INVALID ? CLI_USAGE : CLI_FAILED;
  if (error->domain == CLI_ERROR)
    return error->code == CLI_ERROR_USAGE ? CLI_USAGE : CLI_FAILED;
  if (error->domain == G_OPTION_ERROR)
    return CLI_USAGE;
  if (error->domain == OMBUD_ESCROW_ERROR)
    return error->code == OMBUD_ESCROW_ERROR_WRONG_KEY ? CLI_WRONG_PASSPHRASE
           : error->code == OMBUD_ESCROW_ERROR_MALFORMED ? CLI_USAGE : CLI_FAILED;
  if (error->domain == OMBUD_BUNDLE_ERROR)
    return error->code == OMBUD_BUNDLE_ERROR_WRONG_PASSPHRASE ? CLI_WRONG_PASSPHRASE : CLI_FAILED;
  if (error->domain == OMBUD_SYNC_ERROR)
    return error->code == OMBUD_SYNC_ERROR_OFFLINE ? CLI_OFFLINE
           : error->code == OMBUD_SYNC_ERROR_REVOKED ? CLI_REVOKED : CLI_FAILED;
  return CLI_FAILED;
}

/* Takes the error.  One line, whatever the message: scripts read the first
 * line only. */
int
cli_fail (GError *error)
{
  int status = exit_status (error);

  g_strdelimit (error->message, "\r\n", ' ');
  if (status == CLI_USAGE && error->domain != OMBUD_STORE_ERROR && error->domain != OMBUD_CASELOAD_ERROR)
    g_printerr ("ombud-cli: %s (see ombud-cli --help)\n", error->message);
  else
    g_printerr ("ombud-cli: %s\n", error->message);
  g_error_free (error);
  return status;
}

char *
cli_command_name (const CliCommand *command)
{
  if (command->group == NULL)
    return g_strdup (command->name);
  return g_strdup_printf ("%s %s", command->group, command->name);
}
