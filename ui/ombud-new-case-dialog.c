/* ombud-new-case-dialog.c: a new client's case in one small dialog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The municipalities come from the team's records.  A profile that has
 * none yet (not enrolled, not synced) can name one here: it is added in
 * the same write as the case.
 */
#include "ombud-new-case-dialog.h"

#include <glib/gi18n.h>

#include "ombud-a11y.h"
#include "ombud-case-summary.h"
#include "ombud-queries.h"

struct _OmbudNewCaseDialog
{
  AdwWindow      parent_instance;

  GtkWidget     *create_button;
  GtkEditable   *name_row;
  AdwComboRow   *municipality_row;
  GtkStringList *municipality_model;
  GtkEditable   *new_municipality_row;
  GtkEditable   *municipality_code_row;
  AdwComboRow   *gender_row;
  GtkSpinButton *birth_year_spin;
  GtkSwitch     *children_switch;
  GtkSwitch     *queued_switch;
  GtkLabel      *error_label;

  OmbudSession  *session;
  GCancellable  *cancellable;
  gboolean       naming_municipality;
  gboolean       saving;
};

G_DEFINE_FINAL_TYPE (OmbudNewCaseDialog, ombud_new_case_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_CREATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *const genders[] = { "woman", "man", "other", "unknown" };

typedef struct {
  char    *name;
  char    *municipality;
  char    *new_code;       /* with municipality: add it first */
  char    *gender;
  int      birth_year;
  gboolean children;
  gboolean queued;
} NewCase;

static void
new_case_free (gpointer data)
{
  NewCase *c = data;

  g_free (c->name);
  g_free (c->municipality);
  g_free (c->new_code);
  g_free (c->gender);
  g_free (c);
}

static gpointer
write_case (OmbudCaseload  *caseload,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  NewCase *c = data;
  OmbudCaseInput input = {
    .client_name = c->name, .municipality = c->municipality, .gender = c->gender,
    .birth_year = c->birth_year, .has_minor_children = c->children, .queued = c->queued,
  };

  (void) cancellable;
  if (c->new_code != NULL)
    {
      g_autofree char *id = ombud_caseload_add_municipality (caseload, c->new_code, c->municipality, 0, error);
      if (id == NULL)
        return NULL;
    }
  return ombud_caseload_add_case (caseload, &input, error);
}

static gpointer
read_municipalities (OmbudCaseload  *caseload,
                     gpointer        data,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autoptr(GVariant) rows = ombud_queries_municipalities (caseload, error);
  g_autoptr(GStrvBuilder) names = NULL;
  GVariantIter iter;
  GVariant *row;

  (void) data; (void) cancellable;
  if (rows == NULL)
    return NULL;
  names = g_strv_builder_new ();
  g_variant_iter_init (&iter, rows);
  while ((row = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *name = NULL;

      g_variant_lookup (row, "name", "&s", &name);
      g_strv_builder_add (names, name);
      g_variant_unref (row);
    }
  return g_strv_builder_end (names);
}

static gboolean
valid_code (const char *code)
{
  if (strlen (code) != 4)
    return FALSE;
  for (const char *p = code; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

static void
input_changed (OmbudNewCaseDialog *self)
{
  gboolean ok = *gtk_editable_get_text (self->name_row) != '\0' && !self->saving;

  if (self->naming_municipality)
    ok = ok && *gtk_editable_get_text (self->new_municipality_row) != '\0'
      && valid_code (gtk_editable_get_text (self->municipality_code_row));
  else
    ok = ok && adw_combo_row_get_selected (self->municipality_row) != GTK_INVALID_LIST_POSITION;
  gtk_widget_set_sensitive (self->create_button, ok);
}

static void
municipalities_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(OmbudNewCaseDialog) self = user_data;
  g_auto(GStrv) names = ombud_session_run_finish (OMBUD_SESSION (source), result, NULL);

  if (names == NULL)
    return;
  gtk_string_list_splice (self->municipality_model, 0, 0, (const char *const *) names);
  self->naming_municipality = names[0] == NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->municipality_row), !self->naming_municipality);
  gtk_widget_set_visible (GTK_WIDGET (self->new_municipality_row), self->naming_municipality);
  gtk_widget_set_visible (GTK_WIDGET (self->municipality_code_row), self->naming_municipality);
  input_changed (self);
}

static void
create_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(OmbudNewCaseDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = ombud_session_run_finish (OMBUD_SESSION (source), result, &error);

  self->saving = FALSE;
  if (id == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Translators: %s says why */
      g_autofree char *message = g_strdup_printf (_("The case could not be saved: %s"), error->message);
      gtk_label_set_label (self->error_label, message);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      input_changed (self);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_CREATED], 0, id);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
create_case (OmbudNewCaseDialog *self)
{
  NewCase *c;
  guint gender = adw_combo_row_get_selected (self->gender_row);

  if (!gtk_widget_get_sensitive (self->create_button))
    return;
  c = g_new0 (NewCase, 1);
  c->name = g_strdup (gtk_editable_get_text (self->name_row));
  if (self->naming_municipality)
    {
      c->municipality = g_strdup (gtk_editable_get_text (self->new_municipality_row));
      c->new_code = g_strdup (gtk_editable_get_text (self->municipality_code_row));
    }
  else
    c->municipality = g_strdup (gtk_string_list_get_string (self->municipality_model,
                                                            adw_combo_row_get_selected (self->municipality_row)));
  c->gender = g_strdup (genders[MIN (gender, G_N_ELEMENTS (genders) - 1)]);
  c->birth_year = gtk_spin_button_get_value_as_int (self->birth_year_spin);
  c->children = gtk_switch_get_active (self->children_switch);
  c->queued = gtk_switch_get_active (self->queued_switch);
  self->saving = TRUE;
  input_changed (self);
  ombud_session_write_async (self->session, write_case, c, new_case_free, g_free, self->cancellable,
                             create_done, g_object_ref (self));
}

OmbudNewCaseDialog *
ombud_new_case_dialog_new (GtkWindow    *parent,
                           OmbudSession *session)
{
  OmbudNewCaseDialog *self = g_object_new (OMBUD_TYPE_NEW_CASE_DIALOG, "transient-for", parent, NULL);

  self->session = g_object_ref (session);
  ombud_session_run_async (session, read_municipalities, NULL, NULL, (GDestroyNotify) g_strfreev,
                           self->cancellable, municipalities_done, g_object_ref (self));
  return self;
}

static void
ombud_new_case_dialog_dispose (GObject *object)
{
  OmbudNewCaseDialog *self = OMBUD_NEW_CASE_DIALOG (object);

  /* A write already asked for is still saved; only its answer is dropped. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), OMBUD_TYPE_NEW_CASE_DIALOG);
  G_OBJECT_CLASS (ombud_new_case_dialog_parent_class)->dispose (object);
}

static void
ombud_new_case_dialog_finalize (GObject *object)
{
  g_clear_object (&OMBUD_NEW_CASE_DIALOG (object)->cancellable);
  G_OBJECT_CLASS (ombud_new_case_dialog_parent_class)->finalize (object);
}

static void
ombud_new_case_dialog_class_init (OmbudNewCaseDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ombud_new_case_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = ombud_new_case_dialog_finalize;

  signals[SIGNAL_CREATED] =
    g_signal_new ("created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/ombud-new-case-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudNewCaseDialog, create_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudNewCaseDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudNewCaseDialog, municipality_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudNewCaseDialog, municipality_model);
  gtk_widget_class_bind_template_child (widget_class, OmbudNewCaseDialog, new_municipality_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudNewCaseDialog, municipality_code_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudNewCaseDialog, gender_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudNewCaseDialog, birth_year_spin);
  gtk_widget_class_bind_template_child (widget_class, OmbudNewCaseDialog, children_switch);
  gtk_widget_class_bind_template_child (widget_class, OmbudNewCaseDialog, queued_switch);
  gtk_widget_class_bind_template_child (widget_class, OmbudNewCaseDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, input_changed);
  gtk_widget_class_bind_template_callback (widget_class, create_case);
}

static void
ombud_new_case_dialog_init (OmbudNewCaseDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  ombud_a11y_name_entry_rows (GTK_WIDGET (self));
}
