/* cli-closure.c: the client's export, and the destruction of the client tier
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"

#include "ombud-closure.h"

int
cli_export (CliCall *call)
{
  const GOptionEntry entries[] = { { NULL } };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || !ombud_closure_export_to_file (caseload, args[0], args[1], &error))
    return cli_fail (error);
  cli_print ("wrote everything held for the client to %s\n", args[1]);
  return CLI_OK;
}

/* Irreversible, so it asks for --yes rather than trusting a slip. */
int
cli_case_purge (CliCall *call)
{
  gboolean yes = FALSE;
  const GOptionEntry entries[] = {
    { "yes", 0, 0, G_OPTION_ARG_NONE, &yes, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error))
    return cli_fail (error);
  if (!yes)
    return cli_fail (g_error_new (CLI_ERROR, CLI_ERROR_USAGE,
                                  "purging destroys the client's notes, goals and name for good: "
                                  "export first, then add --yes"));
  if ((caseload = cli_open (call, &error)) == NULL
      || !ombud_closure_destroy_client_tier (caseload, args[0], &error))
    return cli_fail (error);
  cli_print ("the client tier of case %s is destroyed; its statistics remain\n", args[0]);
  return CLI_OK;
}

/* Sets the profile's retention period and applies it now; from then on it
 * is applied at every opening.  --off turns it off. */
int
cli_retention (CliCall *call)
{
  g_autofree char *days_text = NULL;
  gboolean off = FALSE;
  const GOptionEntry entries[] = {
    { "days", 0, 0, G_OPTION_ARG_FILENAME, &days_text, NULL, NULL },
    { "off", 0, 0, G_OPTION_ARG_NONE, &off, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;
  int days = -1;
  guint purged;

  if (!cli_parse (call, entries, &args, &error))
    return cli_fail (error);
  if (off == (days_text != NULL))
    return cli_fail (g_error_new (CLI_ERROR, CLI_ERROR_USAGE, "give either --days N or --off"));
  if ((days_text && !cli_parse_int ("--days", days_text, 0, 36500, &days, &error))
      || (caseload = cli_open (call, &error)) == NULL
      || !ombud_closure_set_retention_days (caseload, days, &error))
    return cli_fail (error);
  if (off)
    {
      cli_print ("retention is off: closed cases keep their client tier until purged\n");
      return CLI_OK;
    }
  purged = ombud_closure_apply_retention (caseload, days, &error);
  if (error != NULL)
    return cli_fail (error);
  cli_print ("retention is %d days; purged the client tier of %u case(s) closed longer ago\n", days, purged);
  return CLI_OK;
}
