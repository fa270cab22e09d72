/* ombud-fields.c: every synced table and field, and its tier
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This table is the one place that says what the office may read: sync seals
 * office-tier fields under the organisation's key and client-tier fields
 * under the case's own key, and closing a case destroys the client tier.
 * tests/test-caseload.c checks it against the schema.
 */
#include "ombud-fields.h"

#include <string.h>

#define O(n, t) { n, OMBUD_TIER_OFFICE, OMBUD_FIELD_##t }
#define C(n, t) { n, OMBUD_TIER_CLIENT, OMBUD_FIELD_##t }
#define END     { NULL, 0, 0 }

static const OmbudField deleted_field = O ("deleted", BOOL);

static const OmbudField organisation[] = {
  O ("name", TEXT), O ("coordinators_read_client", BOOL), O ("retention_days", INT), END
};
static const OmbudField municipality[] = { O ("code", TEXT), O ("name", TEXT), O ("population", INT), END };
static const OmbudField ombud[] = { O ("name", TEXT), O ("role", TEXT), END };
static const OmbudField device[] = { O ("ombud_id", TEXT), O ("name", TEXT), END };
static const OmbudField code[] = {
  O ("kind", TEXT), O ("code", TEXT), O ("label_sv", TEXT), O ("label_en", TEXT),
  O ("sort_order", INT), O ("retired", BOOL), END
};
static const OmbudField client_case[] = {
  O ("municipality_id", TEXT), O ("gender", TEXT), O ("birth_year", INT),
  O ("has_minor_children", BOOL), O ("assigned_ombud", TEXT), O ("handover_consent", BOOL),
  C ("client_name", TEXT), C ("client_contact", TEXT), O ("client_tier_destroyed", BOOL), END
};
static const OmbudField case_event[] = {
  O ("case_id", TEXT), O ("kind", TEXT), O ("on_date", DATE), O ("reason", TEXT), O ("target", TEXT), END
};
static const OmbudField goal[] = {
  O ("case_id", TEXT), O ("area", TEXT), C ("body", TEXT), O ("review_on", DATE), O ("outcome", TEXT), END
};
static const OmbudField contact[] = {
  O ("case_id", TEXT), O ("on_date", DATE), O ("minutes", INT), O ("form", TEXT), O ("actors", TEXT),
  O ("km", INT), O ("travel_minutes", INT), O ("ombud_id", TEXT), END
};
static const OmbudField note[] = {
  O ("case_id", TEXT), C ("body", TEXT), O ("approved", BOOL), O ("written_on", DATE), END
};
static const OmbudField deadline[] = {
  O ("case_id", TEXT), O ("due_on", DATE), C ("body", TEXT), O ("done", BOOL), END
};
/* De-identified by the ombud before it leaves the laptop, and the team's. */
static const OmbudField deficiency[] = {
  O ("level", TEXT), O ("actor", TEXT), O ("municipality_id", TEXT), O ("area", TEXT),
  O ("clients_affected", INT), O ("description", TEXT), O ("status", TEXT), O ("reported_on", DATE), END
};
static const OmbudField attachment[] = {
  O ("case_id", TEXT), C ("name", TEXT), O ("mime", TEXT), O ("size", INT), C ("blob_ref", TEXT), END
};

static const OmbudTable tables[] = {
  { "organisation", FALSE, organisation },
  { "municipality", FALSE, municipality },
  { "ombud", FALSE, ombud },
  { "device", FALSE, device },
  { "code", FALSE, code },
  { "client_case", TRUE, client_case },
  { "case_event", TRUE, case_event },
  { "goal", TRUE, goal },
  { "contact", TRUE, contact },
  { "note", TRUE, note },
  { "deadline", TRUE, deadline },
  { "deficiency", FALSE, deficiency },
  { "attachment", TRUE, attachment },
};

const OmbudTable *
ombud_tables_get (guint *n_tables)
{
  *n_tables = G_N_ELEMENTS (tables);
  return tables;
}

const OmbudTable *
ombud_table_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    if (strcmp (tables[i].name, name) == 0)
      return &tables[i];
  return NULL;
}

const OmbudField *
ombud_table_lookup_field (const OmbudTable *table,
                          const char       *name)
{
  if (strcmp (name, "deleted") == 0)
    return &deleted_field;
  for (const OmbudField *f = table->fields; f->name; f++)
    if (strcmp (f->name, name) == 0)
      return f;
  return NULL;
}

OmbudTier
ombud_field_tier (const char *table,
                  const char *field,
                  gboolean   *known)
{
  const OmbudTable *t = ombud_table_lookup (table);
  const OmbudField *f = t ? ombud_table_lookup_field (t, field) : NULL;

  if (known != NULL)
    *known = f != NULL;
  return f ? f->tier : OMBUD_TIER_CLIENT;
}
