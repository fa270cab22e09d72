/* ombud-codes-model.h: a code table (contact forms, actors, life areas,
 * closure reasons) as the widgets show it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The labels are the team's, in the store (Swedish); the widgets show them
 * as they are and save the code.
 */
#pragma once

#include <gtk/gtk.h>

#include "ombud-caseload.h"

G_BEGIN_DECLS

typedef struct _OmbudCodeList OmbudCodeList;

/* An OmbudSessionFunc: every code table (aa{sv} as ombud_queries_list_codes),
 * freed with g_variant_unref. */
gpointer       ombud_codes_load            (OmbudCaseload  *caseload,
                                            gpointer        data,
                                            GCancellable   *cancellable,
                                            GError        **error);

/* The codes of one kind out of that list. */
OmbudCodeList *ombud_code_list_new         (GVariant       *codes,
                                            const char     *kind);
void           ombud_code_list_free        (OmbudCodeList  *self);
guint          ombud_code_list_get_n_items (OmbudCodeList  *self);
const char    *ombud_code_list_get_code    (OmbudCodeList  *self,
                                            guint           position);
/* The label of a code, or the code itself when the table has none. */
const char    *ombud_code_list_get_label   (OmbudCodeList  *self,
                                            const char     *code);
/* GTK_INVALID_LIST_POSITION when it is not there. */
guint          ombud_code_list_find        (OmbudCodeList  *self,
                                            const char     *code);
/* A new model of the labels, in order, for a drop-down or combo row. */
GListModel    *ombud_code_list_new_model   (OmbudCodeList  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudCodeList, ombud_code_list_free)

G_END_DECLS
