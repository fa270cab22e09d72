/* ombud-codes.c: the editable code tables and their seeds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Codes are stable identifiers; the labels are what people read, in Swedish
 * first.  Seeds are written on every replica as the same versions (time 0,
 * device 0), so seeding twice, or on two laptops, is one and the same write,
 * and a team's own edit of a label replaces the seed everywhere.
 */
#include "ombud-codes.h"

#include <string.h>

static const OmbudCodeSeed seeds[] = {
  { "closure_reason", "goals_met", "Målen uppnådda / fungerande stöd finns", "Goals met / working support in place" },
  { "closure_reason", "client_ended", "Klienten avslutade", "Client ended" },
  { "closure_reason", "lost_contact", "Kontakten upphörde", "Lost contact" },
  { "closure_reason", "moved", "Flyttade", "Moved" },
  { "closure_reason", "other_service", "Överlämnad till annan verksamhet", "Handed to another service" },
  { "closure_reason", "outside_target_group", "Utanför målgruppen", "Outside the target group" },
  { "closure_reason", "deceased", "Avliden", "Deceased" },
  { "closure_reason", "other", "Annat", "Other" },

  { "life_area", "economy", "Ekonomi och skulder", "Economy and debt" },
  { "life_area", "housing", "Boende", "Housing" },
  { "life_area", "income", "Försörjning och ersättningar", "Income and benefits" },
  { "life_area", "care", "Vård och psykiatri", "Care and psychiatry" },
  { "life_area", "work", "Arbete och sysselsättning", "Work and occupation" },
  { "life_area", "social", "Socialt nätverk", "Social network" },
  { "life_area", "legal", "Juridik", "Legal" },
  { "life_area", "daily_life", "Vardagsliv", "Daily life" },

  { "actor", "forsakringskassan", "Försäkringskassan", "Social Insurance Agency" },
  { "actor", "arbetsformedlingen", "Arbetsförmedlingen", "Public Employment Service" },
  { "actor", "social_services", "Socialtjänsten", "Social services" },
  { "actor", "psychiatry", "Psykiatrin", "Psychiatry" },
  { "actor", "primary_care", "Primärvården", "Primary care" },
  { "actor", "kronofogden", "Kronofogden", "Enforcement Authority" },
  { "actor", "landlord", "Hyresvärd", "Landlord" },
  { "actor", "bank", "Bank", "Bank" },
  { "actor", "legal_aid", "Rättshjälp", "Legal aid" },
  { "actor", "other", "Annan aktör", "Other" },

  { "contact_form", "home_visit", "Hembesök", "Home visit" },
  { "contact_form", "office", "På kontoret", "At the office" },
  { "contact_form", "neutral_place", "Neutral plats", "Neutral place" },
  { "contact_form", "phone", "Telefon", "Phone" },
  { "contact_form", "video", "Video", "Video" },
};

const OmbudCodeSeed *
ombud_code_seeds (guint *n_seeds)
{
  *n_seeds = G_N_ELEMENTS (seeds);
  return seeds;
}

gboolean
ombud_code_kind_valid (const char *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    if (strcmp (seeds[i].kind, kind) == 0)
      return TRUE;
  return FALSE;
}

char *
ombud_code_record_id (const char *kind,
                      const char *code)
{
  return g_strdup_printf ("code:%s:%s", kind, code);
}
