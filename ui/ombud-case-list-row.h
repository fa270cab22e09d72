/* ombud-case-list-row.h: one row of the case list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ombud-case-list-item.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_CASE_LIST_ROW (ombud_case_list_row_get_type ())
G_DECLARE_FINAL_TYPE (OmbudCaseListRow, ombud_case_list_row, OMBUD, CASE_LIST_ROW, GtkWidget)

GtkWidget         *ombud_case_list_row_new      (void);
/* item NULL empties the row (the list recycles rows). */
void               ombud_case_list_row_set_item (OmbudCaseListRow  *self,
                                                 OmbudCaseListItem *item);
OmbudCaseListItem *ombud_case_list_row_get_item (OmbudCaseListRow  *self);

G_END_DECLS
