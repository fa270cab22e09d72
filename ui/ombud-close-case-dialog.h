/* ombud-close-case-dialog.h: closing a case: reason and date, the client's
 * copy, then the client's information destroyed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_CLOSE_CASE_DIALOG (ombud_close_case_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OmbudCloseCaseDialog, ombud_close_case_dialog, OMBUD, CLOSE_CASE_DIALOG, AdwWindow)

/* Emits ::closed once the case is closed and its client tier destroyed. */
GtkWindow *ombud_close_case_dialog_new  (GtkWindow            *parent,
                                         OmbudSession         *session,
                                         const char           *case_id);
/* Whether the export text and code lists have arrived. */
gboolean   ombud_close_case_dialog_get_ready (OmbudCloseCaseDialog *self);
/* Export straight to this PDF file instead of showing the print dialog
 * (tests; a path under the user's control). */
void       ombud_close_case_dialog_set_export_filename (OmbudCloseCaseDialog *self,
                                                        const char           *path);

G_END_DECLS
