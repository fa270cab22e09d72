/* ombud-record-dialogs.c: small forms that add one record to a case
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-record-dialogs.h"

#include <glib/gi18n.h>

#include "ombud-a11y.h"
#include "ombud-codes-model.h"

struct _OmbudForm
{
  GtkWindow           *window;    /* not a reference: the form is its data */
  OmbudSession        *session;
  GtkWidget           *save_button;
  GtkWidget           *cancel_button;
  GtkLabel            *error_label;
  AdwPreferencesGroup *group;
  OmbudFormSave        save;
  gpointer             user_data;
  gboolean             writing;
};

static void
form_free (gpointer data)
{
  OmbudForm *form = data;

  g_clear_object (&form->session);
  g_free (form);
}

OmbudForm *
ombud_form_of (GtkWindow *window)
{
  return g_object_get_data (G_OBJECT (window), "ombud-form");
}

static void
save_clicked (GtkButton *button,
              OmbudForm *form)
{
  (void) button;
  ombud_form_save (form);
}

void
ombud_form_save (OmbudForm *form)
{
  if (form->writing)
    return;
  gtk_widget_set_visible (GTK_WIDGET (form->error_label), FALSE);
  form->save (form, form->user_data);
}

static void
cancel_clicked (GtkButton *button,
                OmbudForm *form)
{
  (void) button;
  gtk_window_destroy (form->window);
}

OmbudForm *
ombud_form_new (GtkWindow     *parent,
                OmbudSession  *session,
                const char    *title,
                OmbudFormSave  save,
                gpointer       user_data)
{
  OmbudForm *form = g_new0 (OmbudForm, 1);
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *clamp = adw_clamp_new ();
  GtkShortcutController *shortcuts;

  form->window = GTK_WINDOW (window);
  form->session = g_object_ref (session);
  form->save = save;
  form->user_data = user_data;
  g_object_set_data_full (G_OBJECT (window), "ombud-form", form, form_free);

  gtk_window_set_title (form->window, title);
  gtk_window_set_modal (form->window, TRUE);
  gtk_window_set_transient_for (form->window, parent);
  gtk_window_set_destroy_with_parent (form->window, TRUE);
  gtk_window_set_default_size (form->window, 460, -1);

  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  form->cancel_button = gtk_button_new_with_mnemonic (_("_Cancel"));
  form->save_button = gtk_button_new_with_mnemonic (_("_Save"));
  gtk_widget_add_css_class (form->save_button, "suggested-action");
  g_signal_connect (form->cancel_button, "clicked", G_CALLBACK (cancel_clicked), form);
  g_signal_connect (form->save_button, "clicked", G_CALLBACK (save_clicked), form);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), form->cancel_button);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), form->save_button);
  gtk_box_append (GTK_BOX (box), header);

  form->group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  form->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (form->error_label, TRUE);
  gtk_label_set_xalign (form->error_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (form->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (form->error_label), FALSE);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (form->group));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (form->error_label));
  gtk_widget_set_margin_top (content, 18);
  gtk_widget_set_margin_bottom (content, 18);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 560);
  gtk_box_append (GTK_BOX (box), clamp);
  adw_window_set_content (ADW_WINDOW (window), box);

  /* Escape cancels; Enter in any entry row saves (activates-default). */
  shortcuts = GTK_SHORTCUT_CONTROLLER (gtk_shortcut_controller_new ());
  gtk_shortcut_controller_add_shortcut (shortcuts,
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0), gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (window, GTK_EVENT_CONTROLLER (shortcuts));
  gtk_window_set_default_widget (form->window, form->save_button);
  return form;
}

GtkWindow *ombud_form_get_window (OmbudForm *form) { return form->window; }
AdwPreferencesGroup *ombud_form_get_group (OmbudForm *form) { return form->group; }
GtkWidget *ombud_form_get_save_button (OmbudForm *form) { return form->save_button; }

void
ombud_form_show_error (OmbudForm  *form,
                       const char *message)
{
  gtk_label_set_text (form->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (form->error_label), TRUE);
}

static void
form_written (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GtkWindow) window = user_data;
  OmbudForm *form = ombud_form_of (window);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = ombud_session_run_finish (OMBUD_SESSION (source), result, &error);

  if (form == NULL)
    return;   /* closed meanwhile: the write still happened, or not */
  form->writing = FALSE;
  gtk_widget_set_sensitive (form->save_button, TRUE);
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Not saved: %s"), error->message);
      ombud_form_show_error (form, text);
      return;
    }
  gtk_window_destroy (window);
}

void
ombud_form_write (OmbudForm        *form,
                  OmbudSessionFunc  func,
                  gpointer          data,
                  GDestroyNotify    data_free)
{
  form->writing = TRUE;
  gtk_widget_set_sensitive (form->save_button, FALSE);
  ombud_session_write_async (form->session, func, data, data_free, g_free, NULL,
                             form_written, g_object_ref (form->window));
}

gboolean
ombud_form_date_valid (const char *text)
{
  unsigned y, m, d;
  char end;

  if (text == NULL || strlen (text) != 10 || sscanf (text, "%4u-%2u-%2u%c", &y, &m, &d, &end) != 3)
    return FALSE;
  return g_date_valid_dmy (d, m, y) && text[4] == '-' && text[7] == '-';
}

char *
ombud_form_today (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "%Y-%m-%d");
}

GtkWidget *
ombud_form_entry_row (AdwPreferencesGroup *group,
                      const char          *title,
                      const char          *text)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (row), TRUE);
  if (text != NULL)
    gtk_editable_set_text (GTK_EDITABLE (row), text);
  ombud_a11y_name_entry_row (ADW_ENTRY_ROW (row));
  adw_preferences_group_add (group, row);
  return row;
}

/* ---- a goal ------------------------------------------------------------------ */

typedef struct {
  char *case_id;
  char *area;
  char *text;
  char *review_on;
} GoalInput;

static void
goal_input_free (gpointer data)
{
  GoalInput *in = data;

  g_free (in->case_id);
  g_free (in->area);
  g_free (in->text);
  g_free (in->review_on);
  g_free (in);
}

/* The goal and its review date in one changeset would need a new call in
 * shared/; two writes on the worker, one after the other, are enough: the
 * review date is an edit of the goal just made. */
static gpointer
add_goal (OmbudCaseload  *caseload,
          gpointer        data,
          GCancellable   *cancellable,
          GError        **error)
{
  GoalInput *in = data;
  g_autofree char *id = NULL;

  (void) cancellable;
  id = ombud_caseload_add_goal (caseload, in->case_id, in->area, in->text, error);
  if (id == NULL)
    return NULL;
  if (in->review_on != NULL
      && !ombud_caseload_set_field (caseload, "goal", id, "review_on", g_variant_new_string (in->review_on), error))
    return NULL;
  return g_steal_pointer (&id);
}

typedef struct {
  char          *case_id;
  OmbudCodeList *areas;
  AdwComboRow   *area_row;
  AdwEntryRow   *text_row;
  AdwEntryRow   *review_row;
} GoalForm;

static void
goal_form_free (gpointer data)
{
  GoalForm *goal = data;

  g_free (goal->case_id);
  ombud_code_list_free (goal->areas);
  g_free (goal);
}

static void
goal_save (OmbudForm *form,
           gpointer   user_data)
{
  GoalForm *goal = user_data;
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (goal->text_row))));
  g_autofree char *review = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (goal->review_row))));
  const char *area = ombud_code_list_get_code (goal->areas, adw_combo_row_get_selected (goal->area_row));
  GoalInput *in;

  if (*text == '\0')
    {
      ombud_form_show_error (form, _("Write what the goal is."));
      return;
    }
  if (*review != '\0' && !ombud_form_date_valid (review))
    {
      ombud_form_show_error (form, _("The review date must be a date like 2025-03-31."));
      return;
    }
  in = g_new0 (GoalInput, 1);
  in->case_id = g_strdup (goal->case_id);
  in->area = g_strdup (area);
  in->text = g_steal_pointer (&text);
  in->review_on = *review ? g_steal_pointer (&review) : NULL;
  ombud_form_write (form, add_goal, in, goal_input_free);
}

GtkWindow *
ombud_goal_dialog_new (GtkWindow    *parent,
                       OmbudSession *session,
                       const char   *case_id,
                       GVariant     *codes)
{
  GoalForm *goal = g_new0 (GoalForm, 1);
  OmbudForm *form = ombud_form_new (parent, session, _("New Goal"), goal_save, goal);
  AdwPreferencesGroup *group = ombud_form_get_group (form);
  g_autoptr(GListModel) model = NULL;

  g_object_set_data_full (G_OBJECT (ombud_form_get_window (form)), "ombud-goal", goal, goal_form_free);
  goal->case_id = g_strdup (case_id);
  goal->areas = ombud_code_list_new (codes, "life_area");
  model = ombud_code_list_new_model (goal->areas);
  goal->area_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (goal->area_row), _("Life area"));
  adw_combo_row_set_model (goal->area_row, model);
  adw_preferences_group_add (group, GTK_WIDGET (goal->area_row));
  goal->text_row = ADW_ENTRY_ROW (ombud_form_entry_row (group, _("_Goal"), NULL));
  goal->review_row = ADW_ENTRY_ROW (ombud_form_entry_row (group, _("_Review on (YYYY-MM-DD)"), NULL));
  gtk_window_set_focus (ombud_form_get_window (form), GTK_WIDGET (goal->text_row));
  return ombud_form_get_window (form);
}

/* ---- a deadline -------------------------------------------------------------- */

typedef struct {
  char *case_id;
  char *due_on;
  char *text;
} DeadlineInput;

static void
deadline_input_free (gpointer data)
{
  DeadlineInput *in = data;

  g_free (in->case_id);
  g_free (in->due_on);
  g_free (in->text);
  g_free (in);
}

static gpointer
add_deadline (OmbudCaseload  *caseload,
              gpointer        data,
              GCancellable   *cancellable,
              GError        **error)
{
  DeadlineInput *in = data;

  (void) cancellable;
  return ombud_caseload_add_deadline (caseload, in->case_id, in->due_on, in->text, error);
}

typedef struct {
  char        *case_id;
  AdwEntryRow *date_row;
  AdwEntryRow *text_row;
} DeadlineForm;

static void
deadline_form_free (gpointer data)
{
  DeadlineForm *deadline = data;

  g_free (deadline->case_id);
  g_free (deadline);
}

static void
deadline_save (OmbudForm *form,
               gpointer   user_data)
{
  DeadlineForm *deadline = user_data;
  g_autofree char *date = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (deadline->date_row))));
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (deadline->text_row))));
  DeadlineInput *in;

  if (!ombud_form_date_valid (date))
    {
      ombud_form_show_error (form, _("The date must be a date like 2025-03-31."));
      return;
    }
  if (*text == '\0')
    {
      ombud_form_show_error (form, _("Write what is due."));
      return;
    }
  in = g_new0 (DeadlineInput, 1);
  in->case_id = g_strdup (deadline->case_id);
  in->due_on = g_steal_pointer (&date);
  in->text = g_steal_pointer (&text);
  ombud_form_write (form, add_deadline, in, deadline_input_free);
}

GtkWindow *
ombud_deadline_dialog_new (GtkWindow    *parent,
                           OmbudSession *session,
                           const char   *case_id)
{
  DeadlineForm *deadline = g_new0 (DeadlineForm, 1);
  OmbudForm *form = ombud_form_new (parent, session, _("New Deadline"), deadline_save, deadline);
  AdwPreferencesGroup *group = ombud_form_get_group (form);

  g_object_set_data_full (G_OBJECT (ombud_form_get_window (form)), "ombud-deadline", deadline, deadline_form_free);
  deadline->case_id = g_strdup (case_id);
  deadline->text_row = ADW_ENTRY_ROW (ombud_form_entry_row (group, _("_What is due"), NULL));
  deadline->date_row = ADW_ENTRY_ROW (ombud_form_entry_row (group, _("_Due on (YYYY-MM-DD)"), NULL));
  gtk_window_set_focus (ombud_form_get_window (form), GTK_WIDGET (deadline->text_row));
  return ombud_form_get_window (form);
}
