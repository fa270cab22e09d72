/* ombud-contact-dialog.c: logging a contact with a client, in seconds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Focus starts on the minutes, the date is today, Enter saves and Escape
 * cancels: "45, Enter" logs a meeting.  The window closes only once the
 * contact is written; a refused one keeps what was typed and says why.
 */
#include "ombud-contact-dialog.h"

#include <glib/gi18n.h>

#include "ombud-a11y.h"
#include "ombud-codes-model.h"
#include "ombud-record-dialogs.h"

struct _OmbudContactDialog
{
  AdwWindow       parent_instance;

  OmbudSession   *session;
  char           *case_id;
  OmbudCodeList  *forms;
  OmbudCodeList  *actors;
  GPtrArray      *actor_checks;
  gboolean        ready;
  gboolean        writing;

  GtkButton      *save_button;
  AdwEntryRow    *minutes_row;
  AdwEntryRow    *date_row;
  GtkMenuButton  *calendar_button;
  GtkCalendar    *calendar;
  AdwComboRow    *form_row;
  AdwExpanderRow *actors_row;
  AdwEntryRow    *km_row;
  AdwEntryRow    *travel_minutes_row;
  GtkLabel       *error_label;
};

G_DEFINE_FINAL_TYPE (OmbudContactDialog, ombud_contact_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CASE_ID,
  PROP_READY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct {
  char      *case_id;
  char      *on_date;
  int        minutes;
  char      *form;
  GStrv      actors;
  int        km;
  int        travel_minutes;
} ContactInput;

static void
contact_input_free (gpointer data)
{
  ContactInput *in = data;

  g_free (in->case_id);
  g_free (in->on_date);
  g_free (in->form);
  g_strfreev (in->actors);
  g_free (in);
}

static gpointer
add_contact (OmbudCaseload  *caseload,
             gpointer        data,
             GCancellable   *cancellable,
             GError        **error)
{
  ContactInput *in = data;
  OmbudContactInput input = {
    in->on_date, in->minutes, in->form, (const char **) in->actors, in->km, in->travel_minutes,
  };

  (void) cancellable;
  return ombud_caseload_add_contact (caseload, in->case_id, &input, error);
}

static void
show_error (OmbudContactDialog *self,
            const char         *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

/* A whole number in [min, max] from an entry row; empty is empty_value. */
static gboolean
read_number (AdwEntryRow *row,
             int          empty_value,
             int          min,
             int          max,
             int         *out)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  gint64 value;

  if (*text == '\0')
    {
      *out = empty_value;
      return empty_value >= min;
    }
  if (!g_ascii_string_to_signed (text, 10, min, max, &value, NULL))
    return FALSE;
  *out = (int) value;
  return TRUE;
}

static void
contact_written (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(OmbudContactDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = ombud_session_run_finish (OMBUD_SESSION (source), result, &error);

  self->writing = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);
  if (id == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Not saved: %s"), error->message);
      show_error (self, text);
      return;
    }
  gtk_window_destroy (GTK_WINDOW (self));
}

static GStrv
chosen_actors (OmbudContactDialog *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < self->actor_checks->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (self->actor_checks, i)))
      g_strv_builder_add (builder, ombud_code_list_get_code (self->actors, i));
  return g_strv_builder_end (builder);
}

static void
save (OmbudContactDialog *self)
{
  g_autofree char *date = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->date_row))));
  ContactInput *in;
  int minutes, km, travel;

  if (!self->ready || self->writing)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  if (!read_number (self->minutes_row, 0, 1, 24 * 60, &minutes))
    {
      show_error (self, _("Minutes must be a whole number from 1 to 1440."));
      gtk_widget_grab_focus (GTK_WIDGET (self->minutes_row));
      return;
    }
  if (!ombud_form_date_valid (date))
    {
      show_error (self, _("The date must be a date like 2025-03-31."));
      gtk_widget_grab_focus (GTK_WIDGET (self->date_row));
      return;
    }
  if (!read_number (self->km_row, 0, 0, 5000, &km) || !read_number (self->travel_minutes_row, 0, 0, 24 * 60, &travel))
    {
      show_error (self, _("Travel must be 0–5000 km and 0–1440 minutes."));
      return;
    }
  in = g_new0 (ContactInput, 1);
  in->case_id = g_strdup (self->case_id);
  in->on_date = g_steal_pointer (&date);
  in->minutes = minutes;
  in->form = g_strdup (ombud_code_list_get_code (self->forms, adw_combo_row_get_selected (self->form_row)));
  in->actors = chosen_actors (self);
  in->km = km;
  in->travel_minutes = travel;
  self->writing = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  ombud_session_write_async (self->session, add_contact, in, contact_input_free, g_free, NULL,
                             contact_written, g_object_ref (self));
}

static void
save_clicked (GtkButton          *button,
              OmbudContactDialog *self)
{
  (void) button;
  save (self);
}

static void
update_actors_subtitle (OmbudContactDialog *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < self->actor_checks->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (self->actor_checks, i)))
      g_string_append_printf (text, "%s%s", text->len ? ", " : "",
                              ombud_code_list_get_label (self->actors, ombud_code_list_get_code (self->actors, i)));
  adw_expander_row_set_subtitle (self->actors_row, text->len ? text->str : _("None"));
}

static void
actor_toggled (GtkCheckButton     *check,
               OmbudContactDialog *self)
{
  (void) check;
  update_actors_subtitle (self);
}

static void
fill_codes (OmbudContactDialog *self,
            GVariant           *codes)
{
  g_autoptr(GListModel) forms = NULL;

  self->forms = ombud_code_list_new (codes, "contact_form");
  self->actors = ombud_code_list_new (codes, "actor");
  forms = ombud_code_list_new_model (self->forms);
  adw_combo_row_set_model (self->form_row, forms);
  for (guint i = 0; i < ombud_code_list_get_n_items (self->actors); i++)
    {
      const char *label = ombud_code_list_get_label (self->actors, ombud_code_list_get_code (self->actors, i));
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      g_signal_connect (check, "toggled", G_CALLBACK (actor_toggled), self);
      adw_expander_row_add_row (self->actors_row, row);
      g_ptr_array_add (self->actor_checks, check);
    }
  update_actors_subtitle (self);
  self->ready = ombud_code_list_get_n_items (self->forms) > 0;
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), self->ready);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
}

static void
codes_loaded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(OmbudContactDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) codes = ombud_session_run_finish (OMBUD_SESSION (source), result, &error);

  if (codes == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The contact forms could not be read: %s"), error->message);
      show_error (self, text);
      return;
    }
  fill_codes (self, codes);
}

static void
day_selected (GtkCalendar        *calendar,
              OmbudContactDialog *self)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (calendar);
  g_autofree char *text = g_date_time_format (date, "%Y-%m-%d");

  gtk_editable_set_text (GTK_EDITABLE (self->date_row), text);
  gtk_menu_button_popdown (self->calendar_button);
}

static void
ombud_contact_dialog_constructed (GObject *object)
{
  OmbudContactDialog *self = OMBUD_CONTACT_DIALOG (object);

  G_OBJECT_CLASS (ombud_contact_dialog_parent_class)->constructed (object);
  ombud_session_run_async (self->session, ombud_codes_load, NULL, NULL, (GDestroyNotify) g_variant_unref,
                           NULL, codes_loaded, g_object_ref (self));
}

static void
ombud_contact_dialog_dispose (GObject *object)
{
  OmbudContactDialog *self = OMBUD_CONTACT_DIALOG (object);

  g_clear_object (&self->session);
  G_OBJECT_CLASS (ombud_contact_dialog_parent_class)->dispose (object);
}

static void
ombud_contact_dialog_finalize (GObject *object)
{
  OmbudContactDialog *self = OMBUD_CONTACT_DIALOG (object);

  g_free (self->case_id);
  g_clear_pointer (&self->forms, ombud_code_list_free);
  g_clear_pointer (&self->actors, ombud_code_list_free);
  g_clear_pointer (&self->actor_checks, g_ptr_array_unref);
  G_OBJECT_CLASS (ombud_contact_dialog_parent_class)->finalize (object);
}

static void
ombud_contact_dialog_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  OmbudContactDialog *self = OMBUD_CONTACT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_CASE_ID:
      g_value_set_string (value, self->case_id);
      break;
    case PROP_READY:
      g_value_set_boolean (value, self->ready);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_contact_dialog_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  OmbudContactDialog *self = OMBUD_CONTACT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_CASE_ID:
      self->case_id = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_contact_dialog_class_init (OmbudContactDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ombud_contact_dialog_constructed;
  object_class->dispose = ombud_contact_dialog_dispose;
  object_class->finalize = ombud_contact_dialog_finalize;
  object_class->get_property = ombud_contact_dialog_get_property;
  object_class->set_property = ombud_contact_dialog_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, OMBUD_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CASE_ID] =
    g_param_spec_string ("case-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/widgets/ombud-contact-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudContactDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudContactDialog, minutes_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudContactDialog, date_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudContactDialog, calendar_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudContactDialog, calendar);
  gtk_widget_class_bind_template_child (widget_class, OmbudContactDialog, form_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudContactDialog, actors_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudContactDialog, km_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudContactDialog, travel_minutes_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudContactDialog, error_label);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ombud_contact_dialog_init (OmbudContactDialog *self)
{
  g_autofree char *today = ombud_form_today ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->actor_checks = g_ptr_array_new ();
  ombud_a11y_name_entry_rows (GTK_WIDGET (self));
  gtk_editable_set_text (GTK_EDITABLE (self->date_row), today);
  g_signal_connect (self->save_button, "clicked", G_CALLBACK (save_clicked), self);
  g_signal_connect (self->calendar, "day-selected", G_CALLBACK (day_selected), self);
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->minutes_row));
}

GtkWindow *
ombud_contact_dialog_new (GtkWindow    *parent,
                          OmbudSession *session,
                          const char   *case_id)
{
  return g_object_new (OMBUD_TYPE_CONTACT_DIALOG, "session", session, "case-id", case_id,
                       "transient-for", parent, NULL);
}

gboolean
ombud_contact_dialog_get_ready (OmbudContactDialog *self)
{
  g_return_val_if_fail (OMBUD_IS_CONTACT_DIALOG (self), FALSE);
  return self->ready;
}
