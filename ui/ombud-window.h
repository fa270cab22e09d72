/* ombud-window.h: the main window: setup, unlock, and the list/detail view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-application.h"
#include "ombud-case-list.h"
#include "ombud-setup-page.h"
#include "ombud-sync-button.h"
#include "ombud-unlock-page.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_WINDOW (ombud_window_get_type ())
G_DECLARE_FINAL_TYPE (OmbudWindow, ombud_window, OMBUD, WINDOW, AdwApplicationWindow)

OmbudWindow     *ombud_window_new                (OmbudApplication *app);
/* "setup", "unlock" or "main". */
const char      *ombud_window_get_page           (OmbudWindow      *self);
OmbudCaseList   *ombud_window_get_case_list      (OmbudWindow      *self);
OmbudUnlockPage *ombud_window_get_unlock_page    (OmbudWindow      *self);
OmbudSetupPage  *ombud_window_get_setup_page     (OmbudWindow      *self);
OmbudSyncButton *ombud_window_get_sync_button    (OmbudWindow      *self);
/* The offline / clock strip. */
GtkRevealer     *ombud_window_get_strip          (OmbudWindow      *self);
const char      *ombud_window_get_strip_text     (OmbudWindow      *self);
/* The case the content pane shows, or NULL. */
const char      *ombud_window_get_case_id        (OmbudWindow      *self);
void             ombud_window_show_case          (OmbudWindow      *self,
                                                  const char       *case_id);
/* The widget that shows the case (the case page once it exists). */
GtkWidget       *ombud_window_get_case_view      (OmbudWindow      *self);
AdwLeaflet      *ombud_window_get_leaflet        (OmbudWindow      *self);
/* Locks when no input came for the auto-lock time before now_us
 * (g_get_monotonic_time); returns whether it locked.  A timer calls it. */
gboolean         ombud_window_lock_if_idle       (OmbudWindow      *self,
                                                  gint64            now_us);

G_END_DECLS
