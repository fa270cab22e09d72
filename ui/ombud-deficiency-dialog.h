/* ombud-deficiency-dialog.h: reporting a system deficiency, de-identified
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_DEFICIENCY_DIALOG (ombud_deficiency_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OmbudDeficiencyDialog, ombud_deficiency_dialog, OMBUD, DEFICIENCY_DIALOG, AdwWindow)

/* A modal window that saves the report through the session and closes. */
GtkWindow *ombud_deficiency_dialog_new          (GtkWindow             *parent,
                                                 OmbudSession          *session);
/* Whether the code lists and the caseload's names have arrived. */
gboolean   ombud_deficiency_dialog_get_ready    (OmbudDeficiencyDialog *self);
/* The warnings shown under the description now, one line each. */
GStrv      ombud_deficiency_dialog_dup_warnings (OmbudDeficiencyDialog *self);

G_END_DECLS
