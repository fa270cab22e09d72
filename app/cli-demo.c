/* cli-demo.c: demo-data, a made-up team caseload in an empty profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"

#include "ombud-demo.h"

int
cli_demo_data (CliCall *call)
{
  g_autofree char *seed_text = NULL;
  const GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_FILENAME, &seed_text, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  OmbudDemoSummary s = { 0 };
  int seed = OMBUD_DEMO_DEFAULT_SEED;
  gint64 started = g_get_monotonic_time ();
  GError *error = NULL;

  /* No cli_open: the demo makes the profile's first caseload itself, on a
   * clock that starts years ago, so that its history has past dates. */
  if (!cli_parse (call, entries, &args, &error)
      || !cli_parse_int ("--seed", seed_text, 0, G_MAXINT, &seed, &error)
      || !cli_unlock (call->store, &error)
      || !ombud_demo_fill_summary (call->store, (guint32) seed, &s, &error))
    return cli_fail (error);
  cli_print ("demo data, %s to %s (seed %d), in %.1f s:\n"
             "  %u municipalities, %u ombuds (%u coordinator)\n"
             "  %u cases: %u active, %u queued, %u closed, %u referred\n"
             "  %u contacts, %u goals, %u notes (%u drafts), %u deadlines\n"
             "  %u system deficiencies, %u conflicts\n",
             s.first_day, s.last_day, seed, (g_get_monotonic_time () - started) / 1e6,
             s.municipalities, s.ombuds, s.coordinators,
             s.cases, s.active, s.queued, s.closed, s.referred,
             s.contacts, s.goals, s.notes, s.drafts, s.deadlines,
             s.deficiencies, s.conflicts);
  return CLI_OK;
}
