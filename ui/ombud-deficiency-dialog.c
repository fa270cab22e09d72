/* ombud-deficiency-dialog.c: reporting a system deficiency, de-identified
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The description goes to the office tier, so as it is typed it is scanned
 * (ombud-deidentify) for the caseload's client names and for personal
 * identity numbers; what is found is highlighted in the text and explained
 * under it, and Save asks before it saves a text that still has warnings.
 * The scan is a pure function of the text and the names, read once on the
 * session's worker: it touches no store, so it runs here with each edit.
 */
#include "ombud-deficiency-dialog.h"

#include <glib/gi18n.h>

#include "ombud-a11y.h"
#include "ombud-case-summary.h"
#include "ombud-codes-model.h"
#include "ombud-deidentify.h"
#include "ombud-queries.h"

struct _OmbudDeficiencyDialog
{
  AdwWindow             parent_instance;

  OmbudSession         *session;
  OmbudCodeList        *actors;
  OmbudCodeList        *areas;
  GPtrArray            *municipality_codes;
  OmbudDeidentifyNames *names;
  GPtrArray            *warnings;
  gboolean              ready;
  gboolean              writing;

  GtkButton            *save_button;
  AdwComboRow          *level_row;
  AdwComboRow          *actor_row;
  AdwComboRow          *municipality_row;
  AdwComboRow          *area_row;
  GtkSpinButton        *clients_spin;
  GtkTextView          *description_view;
  GtkBox               *warnings_box;
  GtkLabel             *error_label;
  GtkTextTag           *flag_tag;
};

G_DEFINE_FINAL_TYPE (OmbudDeficiencyDialog, ombud_deficiency_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_READY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const levels[] = { "caseworker", "local", "central", NULL };

static void
show_error (OmbudDeficiencyDialog *self,
            const char            *message)
{
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* ---- what the form needs ------------------------------------------------------- */

typedef struct {
  GVariant             *codes;
  GVariant             *municipalities;
  OmbudDeidentifyNames *names;
} Prepared;

static void
prepared_free (gpointer data)
{
  Prepared *prepared = data;

  g_clear_pointer (&prepared->codes, g_variant_unref);
  g_clear_pointer (&prepared->municipalities, g_variant_unref);
  g_clear_pointer (&prepared->names, ombud_deidentify_names_free);
  g_free (prepared);
}

static gpointer
prepare (OmbudCaseload  *caseload,
         gpointer        data,
         GCancellable   *cancellable,
         GError        **error)
{
  Prepared *prepared = g_new0 (Prepared, 1);

  (void) data;
  (void) cancellable;
  if ((prepared->codes = ombud_queries_list_codes (caseload, NULL, error)) == NULL
      || (prepared->municipalities = ombud_queries_municipalities (caseload, error)) == NULL
      || (prepared->names = ombud_deidentify_names_from_caseload (caseload, error)) == NULL)
    {
      prepared_free (prepared);
      return NULL;
    }
  return prepared;
}

/* Plain or maybe text. */
static const char *
text_of (GVariant   *dict,
         const char *key)
{
  const char *text = NULL;

  if (g_variant_lookup (dict, key, "&s", &text) || g_variant_lookup (dict, key, "m&s", &text))
    return text;
  return NULL;
}

static void
description_changed (GtkTextBuffer         *buffer,
                     OmbudDeficiencyDialog *self);

static void
fill_municipalities (OmbudDeficiencyDialog *self,
                     GVariant              *municipalities)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);

  /* A report may concern no one municipality. */
  gtk_string_list_append (model, C_("municipality", "None"));
  g_ptr_array_add (self->municipality_codes, NULL);
  for (gsize i = 0; i < g_variant_n_children (municipalities); i++)
    {
      g_autoptr(GVariant) m = g_variant_get_child_value (municipalities, i);
      const char *code = text_of (m, "code"), *name = text_of (m, "name");

      if (code == NULL || name == NULL)
        continue;
      gtk_string_list_append (model, name);
      g_ptr_array_add (self->municipality_codes, g_strdup (code));
    }
  adw_combo_row_set_model (self->municipality_row, G_LIST_MODEL (model));
}

static void
prepared (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(OmbudDeficiencyDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  Prepared *prepared = ombud_session_run_finish (OMBUD_SESSION (source), result, &error);
  g_autoptr(GListModel) actors = NULL;
  g_autoptr(GtkStringList) areas = NULL;

  if (prepared == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The form could not be prepared: %s"), error->message);
      show_error (self, text);
      return;
    }
  self->actors = ombud_code_list_new (prepared->codes, "actor");
  self->areas = ombud_code_list_new (prepared->codes, "life_area");
  self->names = g_steal_pointer (&prepared->names);
  actors = ombud_code_list_new_model (self->actors);
  adw_combo_row_set_model (self->actor_row, actors);
  areas = gtk_string_list_new (NULL);
  gtk_string_list_append (areas, C_("life area", "None"));
  for (guint i = 0; i < ombud_code_list_get_n_items (self->areas); i++)
    gtk_string_list_append (areas, ombud_code_list_get_label (self->areas, ombud_code_list_get_code (self->areas, i)));
  adw_combo_row_set_model (self->area_row, G_LIST_MODEL (areas));
  fill_municipalities (self, prepared->municipalities);
  prepared_free (prepared);
  self->ready = ombud_code_list_get_n_items (self->actors) > 0;
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), self->ready);
  /* What was typed before the names arrived is scanned for them now. */
  description_changed (gtk_text_view_get_buffer (self->description_view), self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
}

/* ---- the description's warnings ------------------------------------------------ */

static char *
description_text (OmbudDeficiencyDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->description_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static char *
warning_text (const OmbudDeidentifyWarning *warning,
              const char                   *text)
{
  g_autofree char *found = g_strndup (text + warning->start, warning->end - warning->start);

  switch (warning->kind)
    {
    case OMBUD_DEIDENTIFY_NAME:
      return g_strdup_printf (_("“%s” is the name of a client"), found);
    case OMBUD_DEIDENTIFY_PERSONAL_NUMBER:
      return g_strdup_printf (_("“%s” looks like a personal identity number"), found);
    case OMBUD_DEIDENTIFY_COORDINATION_NUMBER:
      return g_strdup_printf (_("“%s” looks like a coordination number"), found);
    case OMBUD_DEIDENTIFY_NUMBER_NEAR_MISS:
    default:
      return g_strdup_printf (_("“%s” looks like a mistyped personal identity number"), found);
    }
}

static void
clear_warnings (OmbudDeficiencyDialog *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->warnings_box))) != NULL)
    gtk_box_remove (self->warnings_box, child);
  g_ptr_array_set_size (self->warnings, 0);
}

static void
add_warning (OmbudDeficiencyDialog *self,
             const char            *message)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  GtkWidget *label = gtk_label_new (message);

  gtk_widget_add_css_class (icon, "warning");
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (self->warnings_box, box);
  g_ptr_array_add (self->warnings, g_strdup (message));
}

static void
description_changed (GtkTextBuffer         *buffer,
                     OmbudDeficiencyDialog *self)
{
  g_autofree char *text = description_text (self);
  g_autoptr(GArray) found = ombud_deidentify_scan (self->names, text);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_remove_tag (buffer, self->flag_tag, &start, &end);
  clear_warnings (self);
  for (guint i = 0; i < found->len; i++)
    {
      const OmbudDeidentifyWarning *warning = &g_array_index (found, OmbudDeidentifyWarning, i);
      g_autofree char *message = warning_text (warning, text);
      GtkTextIter from, to;

      /* Offsets are bytes; the buffer counts characters. */
      gtk_text_buffer_get_iter_at_offset (buffer, &from, (int) g_utf8_pointer_to_offset (text, text + warning->start));
      gtk_text_buffer_get_iter_at_offset (buffer, &to, (int) g_utf8_pointer_to_offset (text, text + warning->end));
      gtk_text_buffer_apply_tag (buffer, self->flag_tag, &from, &to);
      add_warning (self, message);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->warnings_box), found->len > 0);
}

/* ---- saving -------------------------------------------------------------------- */

typedef struct {
  char *level;
  char *actor;
  char *municipality;
  char *area;
  int   clients;
  char *text;
} Report;

static void
report_free (gpointer data)
{
  Report *report = data;

  g_free (report->level);
  g_free (report->actor);
  g_free (report->municipality);
  g_free (report->area);
  g_free (report->text);
  g_free (report);
}

/* The area and the number of clients are edits of the report just made:
 * ombud_caseload_add_deficiency takes neither. */
static gpointer
add_report (OmbudCaseload  *caseload,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  Report *report = data;
  g_autofree char *id = NULL;

  (void) cancellable;
  id = ombud_caseload_add_deficiency (caseload, report->level, report->actor, report->text,
                                      report->municipality, error);
  if (id == NULL
      || (report->area != NULL
          && !ombud_caseload_set_field (caseload, "deficiency", id, "area", g_variant_new_string (report->area), error))
      || (report->clients != 1
          && !ombud_caseload_set_field (caseload, "deficiency", id, "clients_affected",
                                        g_variant_new_int64 (report->clients), error)))
    return NULL;
  return g_steal_pointer (&id);
}

static void
report_written (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(OmbudDeficiencyDialog) self = user_data;
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

static void
write_report (OmbudDeficiencyDialog *self)
{
  Report *report = g_new0 (Report, 1);
  guint municipality = adw_combo_row_get_selected (self->municipality_row);
  guint area = adw_combo_row_get_selected (self->area_row);
  guint level = adw_combo_row_get_selected (self->level_row);

  report->level = g_strdup (levels[MIN (level, G_N_ELEMENTS (levels) - 2)]);
  report->actor = g_strdup (ombud_code_list_get_code (self->actors, adw_combo_row_get_selected (self->actor_row)));
  report->municipality = municipality < self->municipality_codes->len
                         ? g_strdup (g_ptr_array_index (self->municipality_codes, municipality)) : NULL;
  report->area = area > 0 && area != GTK_INVALID_LIST_POSITION
                 ? g_strdup (ombud_code_list_get_code (self->areas, area - 1)) : NULL;
  report->clients = gtk_spin_button_get_value_as_int (self->clients_spin);
  report->text = g_strstrip (description_text (self));
  self->writing = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  ombud_session_write_async (self->session, add_report, report, report_free, g_free, NULL,
                             report_written, g_object_ref (self));
}

static void
confirmed (AdwMessageDialog      *dialog,
           const char            *response,
           OmbudDeficiencyDialog *self)
{
  (void) dialog;
  if (g_strcmp0 (response, "save") == 0 && !self->writing)
    write_report (self);
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->description_view));
}

static void
save_clicked (GtkButton             *button,
              OmbudDeficiencyDialog *self)
{
  g_autofree char *text = g_strstrip (description_text (self));
  AdwMessageDialog *dialog;

  (void) button;
  if (!self->ready || self->writing)
    return;
  show_error (self, NULL);
  if (*text == '\0')
    {
      show_error (self, _("Describe the deficiency."));
      return;
    }
  if (self->warnings->len == 0)
    {
      write_report (self);
      return;
    }
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Save a text that may identify a client?"),
    _("The description still has highlighted words that look like a client’s name or a personal identity number. "
      "The report is shared with the whole team.")));
  adw_message_dialog_add_responses (dialog, "edit", _("_Edit the Text"), "save", _("_Save Anyway"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "edit");
  adw_message_dialog_set_close_response (dialog, "edit");
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirmed), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- GObject ------------------------------------------------------------------- */

static void
ombud_deficiency_dialog_constructed (GObject *object)
{
  OmbudDeficiencyDialog *self = OMBUD_DEFICIENCY_DIALOG (object);

  G_OBJECT_CLASS (ombud_deficiency_dialog_parent_class)->constructed (object);
  ombud_session_run_async (self->session, prepare, NULL, NULL, prepared_free, NULL, prepared, g_object_ref (self));
}

static void
ombud_deficiency_dialog_dispose (GObject *object)
{
  OmbudDeficiencyDialog *self = OMBUD_DEFICIENCY_DIALOG (object);

  g_clear_object (&self->session);
  G_OBJECT_CLASS (ombud_deficiency_dialog_parent_class)->dispose (object);
}

static void
ombud_deficiency_dialog_finalize (GObject *object)
{
  OmbudDeficiencyDialog *self = OMBUD_DEFICIENCY_DIALOG (object);

  g_clear_pointer (&self->actors, ombud_code_list_free);
  g_clear_pointer (&self->areas, ombud_code_list_free);
  g_clear_pointer (&self->names, ombud_deidentify_names_free);
  g_clear_pointer (&self->municipality_codes, g_ptr_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  G_OBJECT_CLASS (ombud_deficiency_dialog_parent_class)->finalize (object);
}

static void
ombud_deficiency_dialog_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  OmbudDeficiencyDialog *self = OMBUD_DEFICIENCY_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_READY:
      g_value_set_boolean (value, self->ready);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_deficiency_dialog_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  OmbudDeficiencyDialog *self = OMBUD_DEFICIENCY_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_deficiency_dialog_class_init (OmbudDeficiencyDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ombud_deficiency_dialog_constructed;
  object_class->dispose = ombud_deficiency_dialog_dispose;
  object_class->finalize = ombud_deficiency_dialog_finalize;
  object_class->get_property = ombud_deficiency_dialog_get_property;
  object_class->set_property = ombud_deficiency_dialog_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, OMBUD_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/widgets/ombud-deficiency-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudDeficiencyDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudDeficiencyDialog, level_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudDeficiencyDialog, actor_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudDeficiencyDialog, municipality_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudDeficiencyDialog, area_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudDeficiencyDialog, clients_spin);
  gtk_widget_class_bind_template_child (widget_class, OmbudDeficiencyDialog, description_view);
  gtk_widget_class_bind_template_child (widget_class, OmbudDeficiencyDialog, warnings_box);
  gtk_widget_class_bind_template_child (widget_class, OmbudDeficiencyDialog, error_label);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ombud_deficiency_dialog_init (OmbudDeficiencyDialog *self)
{
  GtkTextBuffer *buffer;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->municipality_codes = g_ptr_array_new_with_free_func (g_free);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  buffer = gtk_text_view_get_buffer (self->description_view);
  self->flag_tag = gtk_text_buffer_create_tag (buffer, "identifying",
                                               "underline", PANGO_UNDERLINE_ERROR,
                                               "background", "rgba(229,165,10,0.3)", NULL);
  g_signal_connect (buffer, "changed", G_CALLBACK (description_changed), self);
  g_signal_connect (self->save_button, "clicked", G_CALLBACK (save_clicked), self);
  ombud_a11y_name_entry_rows (GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_editable_get_delegate (GTK_EDITABLE (self->clients_spin))),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Clients affected"), -1);
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->description_view));
}

GtkWindow *
ombud_deficiency_dialog_new (GtkWindow    *parent,
                             OmbudSession *session)
{
  return g_object_new (OMBUD_TYPE_DEFICIENCY_DIALOG, "session", session, "transient-for", parent, NULL);
}

gboolean
ombud_deficiency_dialog_get_ready (OmbudDeficiencyDialog *self)
{
  g_return_val_if_fail (OMBUD_IS_DEFICIENCY_DIALOG (self), FALSE);
  return self->ready;
}

GStrv
ombud_deficiency_dialog_dup_warnings (OmbudDeficiencyDialog *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (OMBUD_IS_DEFICIENCY_DIALOG (self), NULL);
  for (guint i = 0; i < self->warnings->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->warnings, i));
  return g_strv_builder_end (builder);
}
