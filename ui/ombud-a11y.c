/* ombud-a11y.c: accessible names libadwaita 1.2 leaves out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-a11y.h"

void
ombud_a11y_name_entry_row (AdwEntryRow *row)
{
  GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (row));
  const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
  g_autofree char *label = NULL;

  if (text == NULL || title == NULL)
    return;
  /* The title's mnemonic underline is not part of the name. */
  if (adw_preferences_row_get_use_underline (ADW_PREFERENCES_ROW (row)))
    {
      GString *plain = g_string_new (NULL);
      for (const char *p = title; *p; p++)
        if (*p != '_' || p[1] == '_')
          g_string_append_c (plain, *p);
      label = g_string_free (plain, FALSE);
    }
  else
    label = g_strdup (title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (text), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

void
ombud_a11y_name_entry_rows (GtkWidget *root)
{
  if (ADW_IS_ENTRY_ROW (root))
    ombud_a11y_name_entry_row (ADW_ENTRY_ROW (root));
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    ombud_a11y_name_entry_rows (child);
}
