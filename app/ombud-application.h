/* ombud-application.h: the ombud application: one profile, one window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

#define OMBUD_APPLICATION_ID "se.ombud.Ombud"

#define OMBUD_TYPE_APPLICATION (ombud_application_get_type ())
G_DECLARE_FINAL_TYPE (OmbudApplication, ombud_application, OMBUD, APPLICATION, AdwApplication)

/* profile_dir NULL: --profile, else GSettings profile-dir, else
 * $XDG_DATA_HOME/ombud/profile. */
OmbudApplication *ombud_application_new              (const char       *profile_dir);
/* The profile's session; NULL before the application has started. */
OmbudSession     *ombud_application_get_session      (OmbudApplication *self);
/* The settings, or NULL when the schema is not installed (defaults apply). */
GSettings        *ombud_application_get_settings     (OmbudApplication *self);
/* Starts a sync now unless one runs, the profile is locked or not
 * enrolled; ::sync-finished reports it.  Returns whether it started. */
gboolean          ombud_application_sync             (OmbudApplication *self,
                                                      gboolean          on_request);

G_END_DECLS
