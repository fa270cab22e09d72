/* ombud-note-dialog.h: writing a note, or editing one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

/* note_id NULL writes a new note (a draft unless ticked as approved);
 * otherwise edits that note's body, given as body. */
GtkWindow *ombud_note_dialog_new (GtkWindow    *parent,
                                  OmbudSession *session,
                                  const char   *case_id,
                                  const char   *note_id,
                                  const char   *body);

G_END_DECLS
