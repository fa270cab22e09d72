/* ombud-close-case-print.h: the client's export as printed pages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A print operation that lays out text as ombud_closure_export_text writes
 * it: its first line is the title, a line underlined with "=" a section
 * heading; pages are numbered. */
GtkPrintOperation *ombud_close_case_print_new (const char *text);

G_END_DECLS
