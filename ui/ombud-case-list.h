/* ombud-case-list.h: the sidebar's case list with search, filters and empty states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_CASE_LIST (ombud_case_list_get_type ())
G_DECLARE_FINAL_TYPE (OmbudCaseList, ombud_case_list, OMBUD, CASE_LIST, GtkWidget)

void            ombud_case_list_set_session       (OmbudCaseList *self,
                                                   OmbudSession  *session);
/* Asks the session again (the list follows ::changed by itself). */
void            ombud_case_list_reload            (OmbudCaseList *self);
/* Drops every row and the search text (on lock). */
void            ombud_case_list_clear             (OmbudCaseList *self);
/* The rows shown: OmbudCaseSummary. */
GListModel     *ombud_case_list_get_model         (OmbudCaseList *self);
GtkEditable    *ombud_case_list_get_search_entry  (OmbudCaseList *self);
/* Sets the search text and asks at once, without the entry's typing delay. */
void            ombud_case_list_search            (OmbudCaseList *self,
                                                   const char    *text);
/* Typing in widget (not in an entry) starts a search. */
void            ombud_case_list_set_key_capture_widget (OmbudCaseList *self,
                                                        GtkWidget     *widget);
const char     *ombud_case_list_get_selected_case_id (OmbudCaseList *self);
gboolean        ombud_case_list_select_case       (OmbudCaseList *self,
                                                   const char    *case_id);
void            ombud_case_list_unselect          (OmbudCaseList *self);
/* Which page shows: "list", "empty" (no cases at all), "no-results", or
 * "loading" before the first answer. */
/* The search text of the answer the list shows ("" for none; NULL before
 * the first answer). */
const char     *ombud_case_list_get_answered_text (OmbudCaseList *self);
const char     *ombud_case_list_get_state         (OmbudCaseList *self);

G_END_DECLS
