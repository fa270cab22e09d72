/* ombud-note-dialog.c: writing a note, or editing one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A new note is a draft that stays on this laptop until the client has
 * approved it; ticking "approved" here is for a note read out and agreed
 * on the spot.  An existing draft is approved from the case page, as a
 * deliberate step of its own.
 */
#include "ombud-note-dialog.h"

#include <glib/gi18n.h>

#include "ombud-record-dialogs.h"

typedef struct {
  char           *case_id;
  char           *note_id;
  GtkTextBuffer  *buffer;
  GtkCheckButton *approved;
} NoteForm;

typedef struct {
  char     *case_id;
  char     *note_id;
  char     *body;
  gboolean  approved;
} NoteInput;

static void
note_form_free (gpointer data)
{
  NoteForm *note = data;

  g_free (note->case_id);
  g_free (note->note_id);
  g_free (note);
}

static void
note_input_free (gpointer data)
{
  NoteInput *in = data;

  g_free (in->case_id);
  g_free (in->note_id);
  g_free (in->body);
  g_free (in);
}

static gpointer
write_note (OmbudCaseload  *caseload,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  NoteInput *in = data;

  (void) cancellable;
  if (in->note_id == NULL)
    return ombud_caseload_add_note (caseload, in->case_id, in->body, in->approved, error);
  if (!ombud_caseload_set_field (caseload, "note", in->note_id, "body", g_variant_new_string (in->body), error))
    return NULL;
  return g_strdup (in->note_id);
}

static void
note_save (OmbudForm *form,
           gpointer   user_data)
{
  NoteForm *note = user_data;
  GtkTextIter start, end;
  g_autofree char *body = NULL;
  g_autofree char *trimmed = NULL;
  NoteInput *in;

  gtk_text_buffer_get_bounds (note->buffer, &start, &end);
  body = gtk_text_buffer_get_text (note->buffer, &start, &end, FALSE);
  trimmed = g_strstrip (g_strdup (body));
  if (*trimmed == '\0')
    {
      ombud_form_show_error (form, _("The note is empty."));
      return;
    }
  in = g_new0 (NoteInput, 1);
  in->case_id = g_strdup (note->case_id);
  in->note_id = g_strdup (note->note_id);
  in->body = g_steal_pointer (&body);
  in->approved = note->approved != NULL && gtk_check_button_get_active (note->approved);
  ombud_form_write (form, write_note, in, note_input_free);
}

GtkWindow *
ombud_note_dialog_new (GtkWindow    *parent,
                       OmbudSession *session,
                       const char   *case_id,
                       const char   *note_id,
                       const char   *body)
{
  NoteForm *note = g_new0 (NoteForm, 1);
  OmbudForm *form = ombud_form_new (parent, session, note_id ? _("Edit Note") : _("New Note"), note_save, note);
  GtkWindow *window = ombud_form_get_window (form);
  AdwPreferencesGroup *group = ombud_form_get_group (form);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_text_view_new ();

  g_object_set_data_full (G_OBJECT (window), "ombud-note", note, note_form_free);
  note->case_id = g_strdup (case_id);
  note->note_id = g_strdup (note_id);
  note->buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  if (body != NULL)
    gtk_text_buffer_set_text (note->buffer, body, -1);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 12);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Note"), -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 180);
  gtk_widget_add_css_class (scrolled, "card");
  gtk_widget_set_overflow (scrolled, GTK_OVERFLOW_HIDDEN);
  adw_preferences_group_set_title (group, _("Note"));
  adw_preferences_group_set_description (group, note_id ? NULL
                                         : _("A note is a draft that stays on this laptop until the client has approved it."));
  adw_preferences_group_add (group, scrolled);
  if (note_id == NULL)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("The client has read and approved this note"));
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("The client has read and approved this note"), -1);
      gtk_widget_set_margin_top (row, 12);
      gtk_widget_add_css_class (row, "card");
      adw_preferences_group_add (group, row);
      note->approved = GTK_CHECK_BUTTON (check);
    }
  gtk_window_set_default_size (window, 560, -1);
  gtk_window_set_focus (window, view);
  return window;
}
