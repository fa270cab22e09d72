/* ombud-setup-page.h: first run: the profile's passphrase, then the office
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

/* The store refuses only an empty passphrase; a short one is refused here. */
#define OMBUD_SETUP_MIN_PASSPHRASE 8

#define OMBUD_TYPE_SETUP_PAGE (ombud_setup_page_get_type ())
G_DECLARE_FINAL_TYPE (OmbudSetupPage, ombud_setup_page, OMBUD, SETUP_PAGE, AdwBin)

void        ombud_setup_page_set_session (OmbudSetupPage *self,
                                          OmbudSession   *session);
/* Starts at the office step, for a profile that exists (preferences). */
void        ombud_setup_page_start_enrol (OmbudSetupPage *self);
/* "create", "enrol", "fingerprints" or "recovery". */
const char *ombud_setup_page_get_step    (OmbudSetupPage *self);

/* Password entry rows (libadwaita 1.2) leave their show-text button
 * unnamed: names each one under root after its tooltip. */
void        ombud_setup_page_name_peek_buttons (GtkWidget *root);

G_END_DECLS
