/* cli-records.c: what is recorded on a case: notes, contacts, goals,
 * deadlines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"

#define MINUTES_PER_DAY (24 * 60)

int
cli_note_add (CliCall *call)
{
  gboolean approved = FALSE;
  const GOptionEntry entries[] = {
    { "approved", 0, 0, G_OPTION_ARG_NONE, &approved, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autofree char *id = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || (id = ombud_caseload_add_note (caseload, args[0], args[1], approved, &error)) == NULL)
    return cli_fail (error);
  cli_print ("%s\n", id);
  return CLI_OK;
}

int
cli_note_approve (CliCall *call)
{
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;

  if (!cli_parse (call, NULL, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || !ombud_caseload_approve_note (caseload, args[0], &error))
    return cli_fail (error);
  cli_print ("note %s approved\n", args[0]);
  return CLI_OK;
}

typedef struct {
  char  *date;
  char  *minutes;
  char  *form;
  GStrv  actors;
  char  *km;
  char  *travel_minutes;
} ContactOptions;

static void
contact_options_clear (ContactOptions *o)
{
  g_free (o->date);
  g_free (o->minutes);
  g_free (o->form);
  g_strfreev (o->actors);
  g_free (o->km);
  g_free (o->travel_minutes);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ContactOptions, contact_options_clear)

/* Travel is both figures or neither: a distance without its time (or the
 * other way round) would skew the travel statistics. */
static gboolean
check_contact (const ContactOptions  *o,
               OmbudContactInput     *in,
               GError               **error)
{
  if (!cli_require ("--date", o->date, error)
      || !cli_require ("--minutes", o->minutes, error)
      || !cli_require ("--form", o->form, error)
      || !cli_require ("--actor", o->actors ? o->actors[0] : NULL, error)
      || !cli_check_date ("--date", o->date, error)
      || !cli_parse_int ("--minutes", o->minutes, 1, MINUTES_PER_DAY, &in->minutes, error)
      || !cli_parse_int ("--km", o->km, 0, 5000, &in->km, error)
      || !cli_parse_int ("--travel-minutes", o->travel_minutes, 0, MINUTES_PER_DAY, &in->travel_minutes, error))
    return FALSE;
  if ((o->km == NULL) != (o->travel_minutes == NULL))
    {
      g_set_error_literal (error, CLI_ERROR, CLI_ERROR_USAGE, "--km and --travel-minutes go together");
      return FALSE;
    }
  in->on_date = o->date;
  in->form = o->form;
  in->actors = (const char **) o->actors;
  return TRUE;
}

int
cli_contact_add (CliCall *call)
{
  g_auto(ContactOptions) o = { 0 };
  const GOptionEntry entries[] = {
    { "date", 0, 0, G_OPTION_ARG_FILENAME, &o.date, NULL, NULL },
    { "minutes", 0, 0, G_OPTION_ARG_FILENAME, &o.minutes, NULL, NULL },
    { "form", 0, 0, G_OPTION_ARG_FILENAME, &o.form, NULL, NULL },
    { "actor", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.actors, NULL, NULL },
    { "km", 0, 0, G_OPTION_ARG_FILENAME, &o.km, NULL, NULL },
    { "travel-minutes", 0, 0, G_OPTION_ARG_FILENAME, &o.travel_minutes, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autofree char *id = NULL;
  OmbudContactInput input = { 0 };
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || !check_contact (&o, &input, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || (id = ombud_caseload_add_contact (caseload, args[0], &input, &error)) == NULL)
    return cli_fail (error);
  cli_print ("%s\n", id);
  return CLI_OK;
}

int
cli_goal_add (CliCall *call)
{
  g_autofree char *area = NULL, *id = NULL;
  const GOptionEntry entries[] = {
    { "area", 0, 0, G_OPTION_ARG_FILENAME, &area, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || !cli_require ("--area", area, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || (id = ombud_caseload_add_goal (caseload, args[0], area, args[1], &error)) == NULL)
    return cli_fail (error);
  cli_print ("%s\n", id);
  return CLI_OK;
}

int
cli_deadline_add (CliCall *call)
{
  g_autofree char *date = NULL, *id = NULL;
  const GOptionEntry entries[] = {
    { "date", 0, 0, G_OPTION_ARG_FILENAME, &date, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || !cli_require ("--date", date, &error)
      || !cli_check_date ("--date", date, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || (id = ombud_caseload_add_deadline (caseload, args[0], date, args[1], &error)) == NULL)
    return cli_fail (error);
  cli_print ("%s\n", id);
  return CLI_OK;
}
