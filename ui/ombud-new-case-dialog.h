/* ombud-new-case-dialog.h: a new client's case in one small dialog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_NEW_CASE_DIALOG (ombud_new_case_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OmbudNewCaseDialog, ombud_new_case_dialog, OMBUD, NEW_CASE_DIALOG, AdwWindow)

/* Modal; saves through the session, emits ::created (the case's id) and
 * closes. */
OmbudNewCaseDialog *ombud_new_case_dialog_new (GtkWindow    *parent,
                                               OmbudSession *session);

G_END_DECLS
