/* ombud-conflicts-page.h: the ombud's unresolved conflicts, each resolved in a click
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_CONFLICTS_PAGE (ombud_conflicts_page_get_type ())
G_DECLARE_FINAL_TYPE (OmbudConflictsPage, ombud_conflicts_page, OMBUD, CONFLICTS_PAGE, AdwBin)

GtkWidget *ombud_conflicts_page_new         (OmbudSession       *session);
/* Whether a read is under way (tests wait for it to end). */
gboolean   ombud_conflicts_page_get_loading (OmbudConflictsPage *self);
/* How many conflicts it shows. */
guint      ombud_conflicts_page_get_n_conflicts (OmbudConflictsPage *self);

G_END_DECLS
