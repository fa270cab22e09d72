/* ombud-contact-dialog.h: logging a contact with a client, in seconds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_CONTACT_DIALOG (ombud_contact_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OmbudContactDialog, ombud_contact_dialog, OMBUD, CONTACT_DIALOG, AdwWindow)

/* A modal window that saves the contact through the session and closes. */
GtkWindow *ombud_contact_dialog_new      (GtkWindow          *parent,
                                          OmbudSession       *session,
                                          const char         *case_id);
/* Whether the code lists have arrived and the form can be saved. */
gboolean   ombud_contact_dialog_get_ready (OmbudContactDialog *self);

G_END_DECLS
