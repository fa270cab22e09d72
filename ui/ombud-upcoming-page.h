/* ombud-upcoming-page.h: deadlines and goal reviews across the caseload
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_UPCOMING_PAGE (ombud_upcoming_page_get_type ())
G_DECLARE_FINAL_TYPE (OmbudUpcomingPage, ombud_upcoming_page, OMBUD, UPCOMING_PAGE, AdwBin)

GtkWidget *ombud_upcoming_page_new         (OmbudSession      *session);
/* Whether a read is under way (tests wait for it to end). */
gboolean   ombud_upcoming_page_get_loading (OmbudUpcomingPage *self);
guint      ombud_upcoming_page_get_n_items (OmbudUpcomingPage *self);

G_END_DECLS
