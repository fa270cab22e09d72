/* ombud-fields.h: every synced table and field, and its tier
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  OMBUD_TIER_OFFICE,  /* the team counts and coordinates with it; names no one */
  OMBUD_TIER_CLIENT,  /* the client's own story; only the owning ombud's devices */
} OmbudTier;

typedef enum {
  OMBUD_FIELD_TEXT,
  OMBUD_FIELD_INT,
  OMBUD_FIELD_BOOL,
  OMBUD_FIELD_DATE,   /* YYYY-MM-DD */
} OmbudFieldType;

typedef struct {
  const char     *name;
  OmbudTier       tier;
  OmbudFieldType  type;
} OmbudField;

typedef struct {
  const char       *name;
  gboolean          per_case;  /* its records belong to a case, named by case_id */
  const OmbudField *fields;    /* ends with a NULL name; "deleted" is implicit */
} OmbudTable;

const OmbudTable *ombud_tables_get        (guint            *n_tables);
const OmbudTable *ombud_table_lookup      (const char       *table);
const OmbudField *ombud_table_lookup_field (const OmbudTable *table,
                                            const char       *field);
/* The tier of table.field; one this schema does not know (a newer Ombud's)
 * is the client's, the side to err on, and *known says so. */
OmbudTier         ombud_field_tier         (const char       *table,
                                            const char       *field,
                                            gboolean         *known);

G_END_DECLS
