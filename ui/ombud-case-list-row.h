/* ombud-case-list-row.h: one row of the case list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ombud-case-summary.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_CASE_LIST_ROW (ombud_case_list_row_get_type ())
G_DECLARE_FINAL_TYPE (OmbudCaseListRow, ombud_case_list_row, OMBUD, CASE_LIST_ROW, GtkWidget)

GtkWidget         *ombud_case_list_row_new      (void);
/* summary NULL empties the row (the list recycles rows). */
void              ombud_case_list_row_set_summary (OmbudCaseListRow *self,
                                                   OmbudCaseSummary *summary);
OmbudCaseSummary *ombud_case_list_row_get_summary (OmbudCaseListRow *self);

/* What a row, the window's title and the content pane call a case: the
 * client's name, else "Case" and its short id. */
char             *ombud_case_list_title          (OmbudCaseSummary *summary);
const char       *ombud_case_list_status_label   (OmbudCaseStatus   status);

G_END_DECLS
