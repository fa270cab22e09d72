/* ombud-a11y.h: accessible names libadwaita 1.2 leaves out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* An entry row's text field is named by the row's title (libadwaita 1.2
 * gives it none); call again when the title changes. */
void ombud_a11y_name_entry_row  (AdwEntryRow *row);
/* Every entry row under root. */
void ombud_a11y_name_entry_rows (GtkWidget   *root);

G_END_DECLS
