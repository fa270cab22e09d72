/* ombud-sync-button.h: the header bar's sync state, with a popover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ombud-session.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_SYNC_BUTTON (ombud_sync_button_get_type ())
G_DECLARE_FINAL_TYPE (OmbudSyncButton, ombud_sync_button, OMBUD, SYNC_BUTTON, GtkWidget)

void        ombud_sync_button_set_session (OmbudSyncButton *self,
                                           OmbudSession    *session);
/* The state line the popover shows, e.g. "Offline" (tests). */
const char *ombud_sync_button_get_state_text (OmbudSyncButton *self);
/* "Synced 5 minutes ago" and the like, for a last success at then_ms
 * (Unix ms) seen at now_ms; "Never synced" for 0. */
char       *ombud_sync_button_format_last_success (gint64 then_ms,
                                                   gint64 now_ms);

G_END_DECLS
