/* ombud-writer.h: one local transaction, recorded as one changeset
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "ombud-hlc.h"
#include "ombud-merge.h"

G_BEGIN_DECLS

typedef struct _OmbudWriter OmbudWriter;

OmbudWriter *ombud_writer_begin    (sqlite3      *db,
                                    OmbudMerge   *merge,
                                    OmbudHlc     *hlc,
                                    guint64       device,
                                    const char   *case_id,
                                    GError      **error);
gboolean     ombud_writer_set      (OmbudWriter  *self,
                                    const char   *table,
                                    const char   *record,
                                    const char   *field,
                                    GVariant     *value,
                                    GError      **error);
gboolean     ombud_writer_commit   (OmbudWriter  *self,
                                    GError      **error);
void         ombud_writer_free     (OmbudWriter  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudWriter, ombud_writer_free)

G_END_DECLS
