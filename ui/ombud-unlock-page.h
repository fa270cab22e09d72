/* ombud-unlock-page.h: the passphrase that opens the profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_UNLOCK_PAGE (ombud_unlock_page_get_type ())
G_DECLARE_FINAL_TYPE (OmbudUnlockPage, ombud_unlock_page, OMBUD, UNLOCK_PAGE, AdwBin)

void     ombud_unlock_page_set_session (OmbudUnlockPage *self,
                                        OmbudSession    *session);
/* Empties the entry, forgets a shown error, focuses the entry. */
void     ombud_unlock_page_reset       (OmbudUnlockPage *self);
/* Whether a key is being derived now. */
gboolean ombud_unlock_page_get_busy    (OmbudUnlockPage *self);

G_END_DECLS
