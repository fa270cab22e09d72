/* ombud-case-page.h: one client's case, as the window's detail pane
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_CASE_PAGE (ombud_case_page_get_type ())
G_DECLARE_FINAL_TYPE (OmbudCasePage, ombud_case_page, OMBUD, CASE_PAGE, AdwBin)

GtkWidget    *ombud_case_page_new         (OmbudSession  *session);
OmbudSession *ombud_case_page_get_session (OmbudCasePage *self);
const char   *ombud_case_page_get_case_id (OmbudCasePage *self);
/* NULL shows nothing. */
void          ombud_case_page_set_case_id (OmbudCasePage *self,
                                           const char    *case_id);
/* Whether a read of the case is under way (tests wait for it to end). */
gboolean      ombud_case_page_get_loading (OmbudCasePage *self);

G_END_DECLS
