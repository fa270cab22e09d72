/* ombud-preferences-window.h: auto-lock, sync interval, the office, the passphrase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-application.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_PREFERENCES_WINDOW (ombud_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (OmbudPreferencesWindow, ombud_preferences_window, OMBUD, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

OmbudPreferencesWindow *ombud_preferences_window_new (GtkWindow        *parent,
                                                      OmbudApplication *app);

G_END_DECLS
