/* ombud-changeset.h: the field changes of one local transaction
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ombud-hlc.h"

G_BEGIN_DECLS

#define OMBUD_CHANGESET_ERROR (ombud_changeset_error_quark ())

typedef enum {
  OMBUD_CHANGESET_ERROR_MALFORMED,
} OmbudChangesetError;

/* A version of a field is named by when and where it was written. */
typedef struct {
  OmbudHlcTime hlc;
  guint64      device;
} OmbudVersionId;

typedef struct {
  char         *table;
  char         *record;
  char         *field;
  GVariant     *value;   /* NULL, or of type "x" (integers, booleans) or "s" */
  OmbudHlcTime  hlc;
  GArray       *bases;   /* OmbudVersionId: the versions this one replaces */
} OmbudChange;

typedef struct {
  char      *id;         /* a UUID */
  guint      schema;     /* the schema version of the author */
  guint64    device;     /* the author */
  char      *case_id;    /* "" for the team's own records */
  GPtrArray *changes;    /* OmbudChange */
} OmbudChangeset;

GQuark          ombud_changeset_error_quark (void);

OmbudChangeset *ombud_changeset_new         (guint                 schema,
                                             guint64               device,
                                             const char           *case_id);
void            ombud_changeset_free        (OmbudChangeset       *self);
OmbudChange    *ombud_changeset_add         (OmbudChangeset       *self,
                                             const char           *table,
                                             const char           *record,
                                             const char           *field,
                                             GVariant             *value,
                                             OmbudHlcTime          hlc,
                                             const OmbudVersionId *bases,
                                             guint                 n_bases);

GBytes         *ombud_changeset_encode      (const OmbudChangeset *self);
OmbudChangeset *ombud_changeset_decode      (GBytes               *bytes,
                                             GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudChangeset, ombud_changeset_free)

G_END_DECLS
