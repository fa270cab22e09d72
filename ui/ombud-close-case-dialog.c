/* ombud-close-case-dialog.c: closing a case: reason and date, the client's
 * copy, then the client's information destroyed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three steps in one window, in order: the reason and date; the client's
 * copy (print, or save as PDF from the print dialog; or the client declines
 * one); then a confirmation that says plainly what is destroyed where, and
 * only then the close and the destruction, on the session's worker.
 */
#include "ombud-close-case-dialog.h"

#include <glib/gi18n.h>

#include "ombud-a11y.h"
#include "ombud-closure.h"
#include "ombud-close-case-print.h"
#include "ombud-codes-model.h"
#include "ombud-queries.h"
#include "ombud-record-dialogs.h"

struct _OmbudCloseCaseDialog
{
  AdwWindow       parent_instance;

  OmbudSession   *session;
  char           *case_id;
  char           *export_text;
  char           *export_filename;
  OmbudCodeList  *reasons;
  gboolean        ready;
  gboolean        exported;
  gboolean        writing;

  AdwComboRow    *reason_row;
  AdwEntryRow    *date_row;
  AdwActionRow   *export_row;
  GtkButton      *export_button;
  GtkSwitch      *declined_switch;
  GtkButton      *destroy_button;
  GtkLabel       *error_label;
};

G_DEFINE_FINAL_TYPE (OmbudCloseCaseDialog, ombud_close_case_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CASE_ID,
  PROP_READY,
  N_PROPS
};

enum {
  SIGNAL_CLOSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
show_error (OmbudCloseCaseDialog *self,
            const char           *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
update_sensitivity (OmbudCloseCaseDialog *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->export_button), self->ready && !self->writing);
  gtk_widget_set_sensitive (GTK_WIDGET (self->destroy_button),
                            self->ready && !self->writing
                            && (self->exported || gtk_switch_get_active (self->declined_switch)));
}

/* ---- reading what is needed ---------------------------------------------------- */

typedef struct {
  char     *text;
  GVariant *codes;
} Prepared;

static void
prepared_free (gpointer data)
{
  Prepared *prepared = data;

  g_free (prepared->text);
  g_clear_pointer (&prepared->codes, g_variant_unref);
  g_free (prepared);
}

static gpointer
prepare (OmbudCaseload  *caseload,
         gpointer        data,
         GCancellable   *cancellable,
         GError        **error)
{
  Prepared *prepared = g_new0 (Prepared, 1);

  (void) cancellable;
  if ((prepared->text = ombud_closure_export_text (caseload, data, error)) == NULL
      || (prepared->codes = ombud_queries_list_codes (caseload, "closure_reason", error)) == NULL)
    {
      prepared_free (prepared);
      return NULL;
    }
  return prepared;
}

static void
prepared (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(OmbudCloseCaseDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  Prepared *prepared = ombud_session_run_finish (OMBUD_SESSION (source), result, &error);
  g_autoptr(GListModel) model = NULL;

  if (prepared == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The case could not be read: %s"), error->message);
      show_error (self, text);
      return;
    }
  self->export_text = g_steal_pointer (&prepared->text);
  self->reasons = ombud_code_list_new (prepared->codes, "closure_reason");
  prepared_free (prepared);
  model = ombud_code_list_new_model (self->reasons);
  adw_combo_row_set_model (self->reason_row, model);
  self->ready = ombud_code_list_get_n_items (self->reasons) > 0;
  update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
}

/* ---- the client's copy --------------------------------------------------------- */

static void
export_finished (OmbudCloseCaseDialog    *self,
                 GtkPrintOperationResult  result,
                 const GError            *error)
{
  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      g_autofree char *text = g_strdup_printf (_("The copy was not made: %s"), error ? error->message : "");
      show_error (self, text);
    }
  else if (result == GTK_PRINT_OPERATION_RESULT_APPLY || result == GTK_PRINT_OPERATION_RESULT_IN_PROGRESS)
    {
      self->exported = TRUE;
      adw_action_row_set_subtitle (self->export_row, _("Done"));
      show_error (self, NULL);
    }
  update_sensitivity (self);
}

static void
print_done (GtkPrintOperation       *operation,
            GtkPrintOperationResult  result,
            OmbudCloseCaseDialog    *self)
{
  g_autoptr(GError) error = NULL;

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    gtk_print_operation_get_error (operation, &error);
  export_finished (self, result, error);
}

static void
export_clicked (GtkButton            *button,
                OmbudCloseCaseDialog *self)
{
  g_autoptr(GtkPrintOperation) operation = NULL;
  g_autoptr(GError) error = NULL;
  GtkPrintOperationResult result;

  (void) button;
  if (self->export_text == NULL)
    return;
  operation = ombud_close_case_print_new (self->export_text);
  if (self->export_filename != NULL)
    {
      gtk_print_operation_set_export_filename (operation, self->export_filename);
      result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_EXPORT, GTK_WINDOW (self), &error);
      export_finished (self, result, error);
      return;
    }
  gtk_print_operation_set_allow_async (operation, TRUE);
  g_signal_connect_object (operation, "done", G_CALLBACK (print_done), self, 0);
  result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG, GTK_WINDOW (self), &error);
  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    export_finished (self, result, error);
}

/* ---- closing ------------------------------------------------------------------- */

typedef struct {
  char *case_id;
  char *reason;
  char *on_date;
} Closing;

static void
closing_free (gpointer data)
{
  Closing *closing = data;

  g_free (closing->case_id);
  g_free (closing->reason);
  g_free (closing->on_date);
  g_free (closing);
}

/* Closed already (a destruction that failed once is tried again): only the
 * destruction is left to do. */
static gpointer
close_and_destroy (OmbudCaseload  *caseload,
                   gpointer        data,
                   GCancellable   *cancellable,
                   GError        **error)
{
  Closing *closing = data;
  g_autoptr(GVariant) record = ombud_queries_show_case (caseload, closing->case_id, error);
  const char *status = NULL;

  (void) cancellable;
  if (record == NULL)
    return NULL;
  g_variant_lookup (record, "status", "&s", &status);
  if (g_strcmp0 (status, "closed") != 0
      && !ombud_caseload_close_case (caseload, closing->case_id, closing->reason, closing->on_date, error))
    return NULL;
  if (!ombud_closure_destroy_client_tier (caseload, closing->case_id, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

static void
closed (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(OmbudCloseCaseDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  if (ombud_session_run_finish (OMBUD_SESSION (source), result, &error) == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Not done: %s"), error->message);
      show_error (self, text);
      update_sensitivity (self);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
confirmed (AdwMessageDialog     *dialog,
           const char           *response,
           OmbudCloseCaseDialog *self)
{
  g_autofree char *date = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->date_row))));
  Closing *closing;

  (void) dialog;
  if (g_strcmp0 (response, "destroy") != 0 || self->writing)
    return;
  closing = g_new0 (Closing, 1);
  closing->case_id = g_strdup (self->case_id);
  closing->reason = g_strdup (ombud_code_list_get_code (self->reasons, adw_combo_row_get_selected (self->reason_row)));
  closing->on_date = g_steal_pointer (&date);
  self->writing = TRUE;
  update_sensitivity (self);
  ombud_session_write_async (self->session, close_and_destroy, closing, closing_free, NULL, NULL,
                             closed, g_object_ref (self));
}

static void
destroy_clicked (GtkButton            *button,
                 OmbudCloseCaseDialog *self)
{
  const char *date = gtk_editable_get_text (GTK_EDITABLE (self->date_row));
  AdwMessageDialog *dialog;

  (void) button;
  if (!ombud_form_date_valid (date))
    {
      show_error (self, _("The date must be a date like 2025-03-31."));
      return;
    }
  show_error (self, NULL);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
    _("Destroy the client’s information?"),
    _("The case will be closed and the client’s notes and details will be destroyed on this laptop "
      "and at the office. They cannot be recovered.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "destroy", _("Close and _Destroy"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "destroy", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirmed), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
declined_toggled (GtkSwitch            *toggle,
                  GParamSpec           *pspec,
                  OmbudCloseCaseDialog *self)
{
  (void) toggle;
  (void) pspec;
  update_sensitivity (self);
}

/* ---- GObject ------------------------------------------------------------------- */

static void
ombud_close_case_dialog_constructed (GObject *object)
{
  OmbudCloseCaseDialog *self = OMBUD_CLOSE_CASE_DIALOG (object);

  G_OBJECT_CLASS (ombud_close_case_dialog_parent_class)->constructed (object);
  ombud_session_run_async (self->session, prepare, g_strdup (self->case_id), g_free, prepared_free,
                           NULL, prepared, g_object_ref (self));
}

static void
ombud_close_case_dialog_dispose (GObject *object)
{
  OmbudCloseCaseDialog *self = OMBUD_CLOSE_CASE_DIALOG (object);

  g_clear_object (&self->session);
  G_OBJECT_CLASS (ombud_close_case_dialog_parent_class)->dispose (object);
}

static void
ombud_close_case_dialog_finalize (GObject *object)
{
  OmbudCloseCaseDialog *self = OMBUD_CLOSE_CASE_DIALOG (object);

  g_free (self->case_id);
  g_free (self->export_filename);
  g_clear_pointer (&self->export_text, g_free);
  g_clear_pointer (&self->reasons, ombud_code_list_free);
  G_OBJECT_CLASS (ombud_close_case_dialog_parent_class)->finalize (object);
}

static void
ombud_close_case_dialog_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  OmbudCloseCaseDialog *self = OMBUD_CLOSE_CASE_DIALOG (object);

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
ombud_close_case_dialog_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  OmbudCloseCaseDialog *self = OMBUD_CLOSE_CASE_DIALOG (object);

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
ombud_close_case_dialog_class_init (OmbudCloseCaseDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ombud_close_case_dialog_constructed;
  object_class->dispose = ombud_close_case_dialog_dispose;
  object_class->finalize = ombud_close_case_dialog_finalize;
  object_class->get_property = ombud_close_case_dialog_get_property;
  object_class->set_property = ombud_close_case_dialog_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, OMBUD_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CASE_ID] =
    g_param_spec_string ("case-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * OmbudCloseCaseDialog::closed:
   *
   * The case is closed and its client information destroyed.
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/widgets/ombud-close-case-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudCloseCaseDialog, reason_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudCloseCaseDialog, date_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudCloseCaseDialog, export_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudCloseCaseDialog, export_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudCloseCaseDialog, declined_switch);
  gtk_widget_class_bind_template_child (widget_class, OmbudCloseCaseDialog, destroy_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudCloseCaseDialog, error_label);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ombud_close_case_dialog_init (OmbudCloseCaseDialog *self)
{
  g_autofree char *today = ombud_form_today ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_editable_set_text (GTK_EDITABLE (self->date_row), today);
  ombud_a11y_name_entry_rows (GTK_WIDGET (self));
  g_signal_connect (self->export_button, "clicked", G_CALLBACK (export_clicked), self);
  g_signal_connect (self->destroy_button, "clicked", G_CALLBACK (destroy_clicked), self);
  g_signal_connect (self->declined_switch, "notify::active", G_CALLBACK (declined_toggled), self);
}

GtkWindow *
ombud_close_case_dialog_new (GtkWindow    *parent,
                             OmbudSession *session,
                             const char   *case_id)
{
  return g_object_new (OMBUD_TYPE_CLOSE_CASE_DIALOG, "session", session, "case-id", case_id,
                       "transient-for", parent, NULL);
}

gboolean
ombud_close_case_dialog_get_ready (OmbudCloseCaseDialog *self)
{
  g_return_val_if_fail (OMBUD_IS_CLOSE_CASE_DIALOG (self), FALSE);
  return self->ready;
}

void
ombud_close_case_dialog_set_export_filename (OmbudCloseCaseDialog *self,
                                             const char           *path)
{
  g_return_if_fail (OMBUD_IS_CLOSE_CASE_DIALOG (self));
  g_free (self->export_filename);
  self->export_filename = g_strdup (path);
}
