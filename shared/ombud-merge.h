/* ombud-merge.h: versions of fields, their heads, values and conflicts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "ombud-changeset.h"

G_BEGIN_DECLS

#define OMBUD_MERGE_ERROR (ombud_merge_error_quark ())

typedef enum {
  OMBUD_MERGE_ERROR_UNKNOWN_FIELD,  /* a table or field this schema does not have */
  OMBUD_MERGE_ERROR_BAD_VALUE,      /* a value of the wrong type for its field */
  OMBUD_MERGE_ERROR_FAILED,
} OmbudMergeError;

typedef struct _OmbudMerge OmbudMerge;

GQuark       ombud_merge_error_quark (void);

OmbudMerge  *ombud_merge_new         (sqlite3            *db);
void         ombud_merge_free        (OmbudMerge         *self);

gboolean     ombud_merge_check       (const OmbudChange  *change,
                                      GError            **error);
gboolean     ombud_merge_apply       (OmbudMerge         *self,
                                      const char         *case_id,
                                      const OmbudChange  *change,
                                      guint64             device,
                                      gboolean           *out_new,
                                      GError            **error);
GArray      *ombud_merge_heads       (OmbudMerge         *self,
                                      const char         *table,
                                      const char         *record,
                                      const char         *field,
                                      GError            **error);
sqlite3_stmt *ombud_merge_statement  (OmbudMerge         *self,
                                      const char         *sql,
                                      GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudMerge, ombud_merge_free)

G_END_DECLS
