/* ombud-case-page.c: one client's case, as the window's detail pane
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything shown is read on the session's worker (ombud_queries_show_case)
 * and every edit is written there the moment it is made.  A reload after
 * ::changed never touches a row the user is editing: an entry row with the
 * focus, or with text that differs from what was last saved, keeps its text.
 * A failed write keeps the text too, marks the row and says why.
 */
#include "ombud-case-page.h"

#include <glib/gi18n.h>

#include "ombud-a11y.h"
#include "ombud-close-case-dialog.h"
#include "ombud-codes-model.h"
#include "ombud-contact-dialog.h"
#include "ombud-note-dialog.h"
#include "ombud-case-detail.h"
#include "ombud-case-summary.h"
#include "ombud-queries.h"
#include "ombud-record-dialogs.h"

struct _OmbudCasePage
{
  AdwBin          parent_instance;

  OmbudSession   *session;
  char           *case_id;
  GCancellable   *load_cancellable;
  gboolean        loading;
  gboolean        applying;      /* filling widgets: their signals are not edits */
  GVariant       *record;
  GVariant       *codes;
  GVariant       *municipalities;
  GPtrArray      *municipality_ids;  /* the combo row's, in order */
  GHashTable     *goal_rows;     /* goal id → AdwEntryRow, kept across reloads */
  GPtrArray      *list_rows;     /* (group, row) pairs rebuilt on each reload */

  AdwToastOverlay     *toasts;
  GtkStack            *stack;
  AdwStatusPage       *error_page;
  AdwPreferencesPage  *page;
  GtkLabel            *title_label;
  GtkLabel            *subtitle_label;
  AdwEntryRow         *name_row;
  AdwEntryRow         *contact_row;
  AdwActionRow        *status_row;
  AdwComboRow         *municipality_row;
  AdwActionRow        *sync_row;
  AdwComboRow         *gender_row;
  GtkSwitch           *children_switch;
  AdwActionRow        *ombud_row;
  AdwActionRow        *deadline_row;
  AdwPreferencesGroup *contacts_group;
  AdwPreferencesGroup *goals_group;
  AdwPreferencesGroup *notes_group;
  AdwPreferencesGroup *deadlines_group;
  AdwPreferencesGroup *close_group;
};

G_DEFINE_FINAL_TYPE (OmbudCasePage, ombud_case_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CASE_ID,
  PROP_LOADING,
  N_PROPS
};

enum {
  SIGNAL_CLOSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const char * const genders[] = { "woman", "man", "other", "unknown", NULL };

static void reload (OmbudCasePage *self);

/* ---- reading ----------------------------------------------------------------- */

typedef struct {
  GVariant *record;
  GVariant *codes;
  GVariant *municipalities;
} Loaded;

static void
loaded_free (gpointer data)
{
  Loaded *loaded = data;

  g_clear_pointer (&loaded->record, g_variant_unref);
  g_clear_pointer (&loaded->codes, g_variant_unref);
  g_clear_pointer (&loaded->municipalities, g_variant_unref);
  g_free (loaded);
}

static gpointer
load_case (OmbudCaseload  *caseload,
           gpointer        data,
           GCancellable   *cancellable,
           GError        **error)
{
  Loaded *loaded = g_new0 (Loaded, 1);

  (void) cancellable;
  loaded->record = ombud_queries_case_detail (caseload, data, error);
  if (loaded->record == NULL
      || (loaded->codes = ombud_queries_list_codes (caseload, NULL, error)) == NULL
      || (loaded->municipalities = ombud_queries_municipalities (caseload, error)) == NULL)
    {
      loaded_free (loaded);
      return NULL;
    }
  return loaded;
}

static const char *
text_of (GVariant   *dict,
         const char *key)
{
  const char *text = NULL;

  /* Plain text, or maybe text (nothing when missing). */
  if (dict != NULL && (g_variant_lookup (dict, key, "&s", &text) || g_variant_lookup (dict, key, "m&s", &text)))
    return text;
  return NULL;
}

static gint64
int_of (GVariant   *dict,
        const char *key)
{
  gint64 value = 0;

  if (dict == NULL || !g_variant_lookup (dict, key, "x", &value))
    return 0;
  return value;
}

static const char *
or_none (const char *text)
{
  return text != NULL && *text != '\0' ? text : C_("value", "None");
}

/* ---- saving ------------------------------------------------------------------ */

typedef struct {
  char     *table;
  char     *record;
  char     *field;
  GVariant *value;
} FieldEdit;

static void
field_edit_free (gpointer data)
{
  FieldEdit *edit = data;

  g_free (edit->table);
  g_free (edit->record);
  g_free (edit->field);
  g_clear_pointer (&edit->value, g_variant_unref);
  g_free (edit);
}

static gpointer
write_field (OmbudCaseload  *caseload,
             gpointer        data,
             GCancellable   *cancellable,
             GError        **error)
{
  FieldEdit *edit = data;

  (void) cancellable;
  /* set_field sinks and drops a reference of its own; the edit keeps its one. */
  if (!ombud_caseload_set_field (caseload, edit->table, edit->record, edit->field, edit->value, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

static void
show_error (OmbudCasePage *self,
            const char    *what,
            const GError  *error)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", what, error->message);
  AdwToast *toast = adw_toast_new (text);

  adw_toast_set_timeout (toast, 0);
  adw_toast_overlay_add_toast (self->toasts, toast);
}

typedef struct {
  OmbudCasePage *page;
  GtkWidget     *widget;   /* the row whose edit this is, or NULL */
  char          *text;     /* what it saved, for an entry row */
} Saving;

static void
saving_free (Saving *saving)
{
  g_object_unref (saving->page);
  g_clear_object (&saving->widget);
  g_free (saving->text);
  g_free (saving);
}

static void
edit_written (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Saving *saving = user_data;
  g_autoptr(GError) error = NULL;

  ombud_session_run_finish (OMBUD_SESSION (source), result, &error);
  if (saving->widget != NULL)
    gtk_widget_set_sensitive (saving->widget, TRUE);
  if (error == NULL)
    {
      if (saving->widget != NULL)
        {
          gtk_widget_remove_css_class (saving->widget, "error");
          if (saving->text != NULL)
            g_object_set_data_full (G_OBJECT (saving->widget), "ombud-saved", g_strdup (saving->text), g_free);
        }
    }
  else
    {
      /* The text stays as typed; the row says it was not saved. */
      if (saving->widget != NULL)
        gtk_widget_add_css_class (saving->widget, "error");
      show_error (saving->page, _("Not saved"), error);
    }
  saving_free (saving);
}

static void
save_field (OmbudCasePage *self,
            GtkWidget     *widget,
            const char    *table,
            const char    *record,
            const char    *field,
            GVariant      *value,
            const char    *text)
{
  FieldEdit *edit = g_new0 (FieldEdit, 1);
  Saving *saving = g_new0 (Saving, 1);

  edit->table = g_strdup (table);
  edit->record = g_strdup (record);
  edit->field = g_strdup (field);
  edit->value = value ? g_variant_ref_sink (value) : NULL;
  saving->page = g_object_ref (self);
  saving->widget = widget ? g_object_ref (widget) : NULL;
  saving->text = g_strdup (text);
  ombud_session_write_async (self->session, write_field, edit, field_edit_free, NULL, NULL,
                             edit_written, saving);
}

/* An entry row names what it edits in its object data. */
static void
bind_entry_row (AdwEntryRow *row,
                const char  *table,
                const char  *record,
                const char  *field)
{
  g_object_set_data_full (G_OBJECT (row), "ombud-table", g_strdup (table), g_free);
  g_object_set_data_full (G_OBJECT (row), "ombud-record", g_strdup (record), g_free);
  g_object_set_data_full (G_OBJECT (row), "ombud-field", g_strdup (field), g_free);
}

static void
entry_row_applied (AdwEntryRow   *row,
                   OmbudCasePage *self)
{
  const char *table = g_object_get_data (G_OBJECT (row), "ombud-table");
  const char *record = g_object_get_data (G_OBJECT (row), "ombud-record");
  const char *field = g_object_get_data (G_OBJECT (row), "ombud-field");
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  if (table == NULL || record == NULL)
    return;
  save_field (self, GTK_WIDGET (row), table, record, field,
              *text ? g_variant_new_string (text) : NULL, gtk_editable_get_text (GTK_EDITABLE (row)));
}

/* Focus inside it, or text not yet saved: a reload must leave it alone. */
static gboolean
entry_row_in_use (AdwEntryRow *row)
{
  const char *saved = g_object_get_data (G_OBJECT (row), "ombud-saved");

  if (gtk_widget_get_state_flags (GTK_WIDGET (row)) & GTK_STATE_FLAG_FOCUS_WITHIN)
    return TRUE;
  return g_strcmp0 (saved ? saved : "", gtk_editable_get_text (GTK_EDITABLE (row))) != 0;
}

static void
entry_row_show (AdwEntryRow *row,
                const char  *text)
{
  if (entry_row_in_use (row))
    return;
  gtk_editable_set_text (GTK_EDITABLE (row), text ? text : "");
  g_object_set_data_full (G_OBJECT (row), "ombud-saved", g_strdup (text ? text : ""), g_free);
}

static void
gender_selected (AdwComboRow   *row,
                 GParamSpec    *pspec,
                 OmbudCasePage *self)
{
  guint selected = adw_combo_row_get_selected (row);

  (void) pspec;
  if (self->applying || self->case_id == NULL || selected >= G_N_ELEMENTS (genders) - 1)
    return;
  save_field (self, GTK_WIDGET (row), "client_case", self->case_id, "gender",
              g_variant_new_string (genders[selected]), NULL);
}

static void
municipality_selected (AdwComboRow   *row,
                       GParamSpec    *pspec,
                       OmbudCasePage *self)
{
  guint selected = adw_combo_row_get_selected (row);

  (void) pspec;
  if (self->applying || self->case_id == NULL || selected >= self->municipality_ids->len)
    return;
  save_field (self, GTK_WIDGET (row), "client_case", self->case_id, "municipality_id",
              g_variant_new_string (g_ptr_array_index (self->municipality_ids, selected)), NULL);
}

static void
children_toggled (GtkSwitch     *toggle,
                  GParamSpec    *pspec,
                  OmbudCasePage *self)
{
  (void) pspec;
  if (self->applying || self->case_id == NULL)
    return;
  save_field (self, GTK_WIDGET (toggle), "client_case", self->case_id, "has_minor_children",
              g_variant_new_int64 (gtk_switch_get_active (toggle)), NULL);
}

/* ---- showing ----------------------------------------------------------------- */

static char *
status_text (GVariant      *record,
             OmbudCodeList *reasons)
{
  const char *status = text_of (record, "status");

  if (g_strcmp0 (status, "closed") == 0)
    return g_strdup_printf (_("Closed on %s (%s)"), text_of (record, "closed_on"),
                            ombud_code_list_get_label (reasons, text_of (record, "closure_reason")));
  if (g_strcmp0 (status, "referred") == 0)
    return g_strdup_printf (_("Referred on %s"), text_of (record, "referred_on"));
  if (g_strcmp0 (status, "active") == 0)
    return g_strdup_printf (_("Active since %s, requested %s"), text_of (record, "started_on"),
                            text_of (record, "requested_on"));
  return g_strdup_printf (_("Queued since %s"), text_of (record, "requested_on"));
}

static void
clear_list_rows (OmbudCasePage *self)
{
  for (guint i = 0; i + 1 < self->list_rows->len; i += 2)
    adw_preferences_group_remove (g_ptr_array_index (self->list_rows, i),
                                  g_ptr_array_index (self->list_rows, i + 1));
  g_ptr_array_set_size (self->list_rows, 0);
}

static void
add_list_row (OmbudCasePage       *self,
              AdwPreferencesGroup *group,
              GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->list_rows, group);
  g_ptr_array_add (self->list_rows, row);
}

static GtkWidget *
text_row (const char *title,
          const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

static void
add_placeholder (OmbudCasePage       *self,
                 AdwPreferencesGroup *group,
                 const char          *text)
{
  GtkWidget *row = text_row (text, NULL);

  gtk_widget_add_css_class (row, "dim-label");
  add_list_row (self, group, row);
}

static char *
actor_labels (const char    *json,
              OmbudCodeList *actors)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_auto(GStrv) parts = NULL;

  if (json == NULL)
    return g_strdup ("");
  /* ["a","b"]: codes are [a-z_] (ombud_caseload_add_contact) */
  parts = g_strsplit_set (json, "[],\" ", -1);
  for (guint i = 0; parts[i]; i++)
    if (*parts[i])
      g_string_append_printf (out, "%s%s", out->len ? ", " : "", ombud_code_list_get_label (actors, parts[i]));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
show_contacts (OmbudCasePage *self,
               GVariant      *contacts,
               OmbudCodeList *forms,
               OmbudCodeList *actors)
{
  gsize n = g_variant_n_children (contacts);

  if (n == 0)
    add_placeholder (self, self->contacts_group, _("No contacts yet"));
  /* Newest first: the one just logged is the one looked for. */
  for (gsize i = n; i-- > 0;)
    {
      g_autoptr(GVariant) c = g_variant_get_child_value (contacts, i);
      g_autofree char *who = actor_labels (text_of (c, "actors"), actors);
      g_autofree char *title = g_strdup_printf ("%s · %s", text_of (c, "on_date"),
                                                ombud_code_list_get_label (forms, text_of (c, "form")));
      g_autoptr(GString) subtitle = g_string_new (NULL);

      g_string_printf (subtitle, g_dngettext (NULL, "%d minute", "%d minutes", (int) int_of (c, "minutes")),
                       (int) int_of (c, "minutes"));
      if (*who)
        g_string_append_printf (subtitle, " · %s", who);
      if (int_of (c, "km") > 0 || int_of (c, "travel_minutes") > 0)
        g_string_append_printf (subtitle, _(" · travel %d km, %d min"), (int) int_of (c, "km"),
                                (int) int_of (c, "travel_minutes"));
      add_list_row (self, self->contacts_group, text_row (title, subtitle->str));
    }
}

static void
goal_row_applied (AdwEntryRow   *row,
                  OmbudCasePage *self)
{
  entry_row_applied (row, self);
}

static void
show_goals (OmbudCasePage *self,
            GVariant      *goals,
            OmbudCodeList *areas)
{
  gsize n = g_variant_n_children (goals);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key, value;

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) g = g_variant_get_child_value (goals, i);
      const char *id = text_of (g, "id");
      const char *review = text_of (g, "review_on");
      AdwEntryRow *row = g_hash_table_lookup (self->goal_rows, id);
      g_autofree char *title = NULL;

      if (row == NULL)
        {
          row = ADW_ENTRY_ROW (adw_entry_row_new ());
          adw_entry_row_set_show_apply_button (row, TRUE);
          adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
          bind_entry_row (row, "goal", id, "body");
          g_signal_connect (row, "apply", G_CALLBACK (goal_row_applied), self);
          adw_preferences_group_add (self->goals_group, GTK_WIDGET (row));
          g_hash_table_insert (self->goal_rows, g_strdup (id), row);
        }
      g_hash_table_add (seen, (gpointer) id);
      title = review ? g_strdup_printf (_("%s · review %s"), ombud_code_list_get_label (areas, text_of (g, "area")), review)
                     : g_strdup (ombud_code_list_get_label (areas, text_of (g, "area")));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      ombud_a11y_name_entry_row (row);
      entry_row_show (row, text_of (g, "body"));
    }
  g_hash_table_iter_init (&iter, self->goal_rows);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (seen, key))
      {
        adw_preferences_group_remove (self->goals_group, value);
        g_hash_table_iter_remove (&iter);
      }
  if (n == 0)
    add_placeholder (self, self->goals_group, _("No goals agreed yet"));
}

static GtkWindow *
parent_window (OmbudCasePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
edit_note_clicked (GtkButton     *button,
                   OmbudCasePage *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "ombud-record");
  const char *body = g_object_get_data (G_OBJECT (button), "ombud-body");

  gtk_window_present (ombud_note_dialog_new (parent_window (self), self->session, self->case_id, id, body));
}

static gpointer
approve_note (OmbudCaseload  *caseload,
              gpointer        data,
              GCancellable   *cancellable,
              GError        **error)
{
  (void) cancellable;
  return ombud_caseload_approve_note (caseload, data, error) ? GINT_TO_POINTER (1) : NULL;
}

static void
approve_confirmed (AdwMessageDialog *dialog,
                   const char       *response,
                   OmbudCasePage    *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "ombud-record");
  Saving *saving;

  if (g_strcmp0 (response, "approve") != 0)
    return;
  saving = g_new0 (Saving, 1);
  saving->page = g_object_ref (self);
  ombud_session_write_async (self->session, approve_note, g_strdup (id), g_free, NULL, NULL,
                             edit_written, saving);
}

static void
approve_note_clicked (GtkButton     *button,
                      OmbudCasePage *self)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (
    adw_message_dialog_new (parent_window (self), _("Has the client approved this note?"),
                            _("Approve a note only when the client has read it and agrees with it. "
                              "An approved note is no longer a draft: it is sealed and synced to the office "
                              "like the rest of the case.")));

  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "approve", _("_Approve"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "approve", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "ombud-record",
                          g_strdup (g_object_get_data (G_OBJECT (button), "ombud-record")), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (approve_confirmed), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkWidget *
row_button (const char *icon,
            const char *label,
            const char *accessible)
{
  GtkWidget *button = label ? gtk_button_new_with_mnemonic (label) : gtk_button_new_from_icon_name (icon);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (label == NULL)
    {
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, accessible);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  return button;
}

static void
show_notes (OmbudCasePage *self,
            GVariant      *notes,
            gboolean       open)
{
  gsize n = g_variant_n_children (notes);

  if (n == 0)
    add_placeholder (self, self->notes_group, _("No notes yet"));
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) note = g_variant_get_child_value (notes, i);
      const char *id = text_of (note, "id");
      const char *body = text_of (note, "body");
      gboolean approved = int_of (note, "approved") != 0;
      g_autofree char *subtitle = g_strdup_printf ("%s · %s", text_of (note, "written_on"),
                                                   approved ? _("Approved by the client")
                                                            : _("Draft — stays on this laptop"));
      GtkWidget *row = text_row (or_none (body), subtitle);
      GtkWidget *badge, *edit;

      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
      gtk_widget_set_name (row, id);
      badge = gtk_label_new (approved ? _("Approved") : _("Draft"));
      gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (badge, approved ? "success" : "warning");
      gtk_widget_add_css_class (badge, "caption-heading");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
      if (open && !approved)
        {
          GtkWidget *approve = row_button (NULL, _("_Approve…"), _("Approve this note"));
          g_object_set_data_full (G_OBJECT (approve), "ombud-record", g_strdup (id), g_free);
          g_signal_connect (approve, "clicked", G_CALLBACK (approve_note_clicked), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), approve);
        }
      if (open)
        {
          edit = row_button ("document-edit-symbolic", NULL, _("Edit this note"));
          g_object_set_data_full (G_OBJECT (edit), "ombud-record", g_strdup (id), g_free);
          g_object_set_data_full (G_OBJECT (edit), "ombud-body", g_strdup (body), g_free);
          g_signal_connect (edit, "clicked", G_CALLBACK (edit_note_clicked), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), edit);
        }
      add_list_row (self, self->notes_group, row);
    }
}

static gpointer
delete_record (OmbudCaseload  *caseload,
               gpointer        data,
               GCancellable   *cancellable,
               GError        **error)
{
  (void) cancellable;
  return ombud_caseload_delete (caseload, "deadline", data, error) ? GINT_TO_POINTER (1) : NULL;
}

static void
deadline_done_toggled (GtkCheckButton *check,
                       OmbudCasePage  *self)
{
  if (self->applying)
    return;
  save_field (self, GTK_WIDGET (check), "deadline", g_object_get_data (G_OBJECT (check), "ombud-record"),
              "done", g_variant_new_int64 (gtk_check_button_get_active (check)), NULL);
}

static void
deadline_delete_clicked (GtkButton     *button,
                         OmbudCasePage *self)
{
  Saving *saving = g_new0 (Saving, 1);

  saving->page = g_object_ref (self);
  ombud_session_write_async (self->session, delete_record,
                             g_strdup (g_object_get_data (G_OBJECT (button), "ombud-record")), g_free,
                             NULL, NULL, edit_written, saving);
}

static void
show_deadlines (OmbudCasePage *self,
                GVariant      *deadlines,
                gboolean       open)
{
  gsize n = g_variant_n_children (deadlines);

  if (n == 0)
    add_placeholder (self, self->deadlines_group, _("No deadlines"));
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) d = g_variant_get_child_value (deadlines, i);
      const char *id = text_of (d, "id");
      gboolean done = int_of (d, "done") != 0;
      g_autofree char *subtitle = g_strdup_printf (done ? _("%s · done") : "%s", text_of (d, "due_on"));
      GtkWidget *row = text_row (or_none (text_of (d, "body")), subtitle);
      GtkWidget *check = gtk_check_button_new ();
      g_autofree char *check_label = g_strdup_printf (_("Done: %s"), or_none (text_of (d, "body")));

      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), done);
      gtk_widget_set_sensitive (check, open);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, check_label, -1);
      g_object_set_data_full (G_OBJECT (check), "ombud-record", g_strdup (id), g_free);
      g_signal_connect (check, "toggled", G_CALLBACK (deadline_done_toggled), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      if (open)
        {
          GtkWidget *remove = row_button ("user-trash-symbolic", NULL, _("Delete this deadline"));
          g_object_set_data_full (G_OBJECT (remove), "ombud-record", g_strdup (id), g_free);
          g_signal_connect (remove, "clicked", G_CALLBACK (deadline_delete_clicked), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
        }
      add_list_row (self, self->deadlines_group, row);
    }
}

static GVariant *
list_of (GVariant   *record,
         const char *key)
{
  GVariant *list = g_variant_lookup_value (record, key, G_VARIANT_TYPE ("aa{sv}"));

  return list ? list : g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARDICT, NULL, 0));
}

static void
update_actions (OmbudCasePage *self)
{
  const char *status = text_of (self->record, "status");
  gboolean shown = self->record != NULL;
  gboolean open = shown && g_strcmp0 (status, "closed") != 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.log-contact", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.add-note", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.add-goal", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.add-deadline", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.close", shown && g_strcmp0 (status, "active") == 0);
}

static void
fill_municipalities (OmbudCasePage *self,
                     GVariant      *municipalities)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);

  g_ptr_array_set_size (self->municipality_ids, 0);
  for (gsize i = 0; i < g_variant_n_children (municipalities); i++)
    {
      g_autoptr(GVariant) m = g_variant_get_child_value (municipalities, i);
      const char *id = text_of (m, "id"), *name = text_of (m, "name");

      if (id == NULL || name == NULL)
        continue;
      gtk_string_list_append (model, name);
      g_ptr_array_add (self->municipality_ids, g_strdup (id));
    }
  adw_combo_row_set_model (self->municipality_row, G_LIST_MODEL (model));
}

static void
show_municipality (OmbudCasePage *self,
                   const char    *municipality_id)
{
  guint position = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < self->municipality_ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->municipality_ids, i), municipality_id) == 0)
      position = i;
  adw_combo_row_set_selected (self->municipality_row, position);
}

/* Honest about where the work is: here only, at the office, or in conflict. */
static void
show_sync_state (OmbudCasePage *self,
                 GVariant      *r)
{
  const char *state = text_of (r, "sync_state");
  int unsent = (int) int_of (r, "unsent");
  g_autofree char *text = NULL;

  if (g_strcmp0 (state, "conflict") == 0)
    text = g_strdup (_("In conflict: two versions of a detail wait for you under Conflicts"));
  else if (g_strcmp0 (state, "at-office") == 0)
    text = g_strdup (_("Everything is at the office"));
  else if (unsent > 0)
    text = g_strdup_printf (g_dngettext (NULL, "Saved on this laptop only: %d change waiting to sync",
                                         "Saved on this laptop only: %d changes waiting to sync", unsent), unsent);
  else
    text = g_strdup (_("Saved on this laptop only: not synced yet"));
  adw_action_row_set_subtitle (self->sync_row, text);
}

static void
show_overview (OmbudCasePage *self,
               GVariant      *r,
               OmbudCodeList *reasons)
{
  const char *name = text_of (r, "name");
  const char *gender = text_of (r, "gender");
  g_autofree char *status = status_text (r, reasons);
  guint gender_index = 3;

  gtk_label_set_text (self->title_label, name ? name : _("Client information destroyed"));
  gtk_label_set_text (self->subtitle_label, status);
  entry_row_show (self->name_row, name);
  entry_row_show (self->contact_row, text_of (r, "contact"));
  /* Destroyed client information cannot be typed in again. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), name != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->contact_row), name != NULL);
  adw_action_row_set_subtitle (self->status_row, status);
  show_municipality (self, text_of (r, "municipality_id"));
  show_sync_state (self, r);
  adw_action_row_set_subtitle (self->ombud_row, or_none (text_of (r, "assigned_ombud")));
  adw_action_row_set_subtitle (self->deadline_row, or_none (text_of (r, "next_deadline")));
  for (guint i = 0; genders[i]; i++)
    if (g_strcmp0 (genders[i], gender) == 0)
      gender_index = i;
  adw_combo_row_set_selected (self->gender_row, gender_index);
  gtk_switch_set_active (self->children_switch, int_of (r, "has_minor_children") != 0);
}

static void
show_record (OmbudCasePage *self)
{
  GVariant *r = self->record;
  g_autoptr(OmbudCodeList) forms = ombud_code_list_new (self->codes, "contact_form");
  g_autoptr(OmbudCodeList) actors = ombud_code_list_new (self->codes, "actor");
  g_autoptr(OmbudCodeList) areas = ombud_code_list_new (self->codes, "life_area");
  g_autoptr(OmbudCodeList) reasons = ombud_code_list_new (self->codes, "closure_reason");
  g_autoptr(GVariant) contacts = list_of (r, "contacts");
  g_autoptr(GVariant) goals = list_of (r, "goals");
  g_autoptr(GVariant) notes = list_of (r, "notes");
  g_autoptr(GVariant) deadlines = list_of (r, "deadlines");
  gboolean open = g_strcmp0 (text_of (r, "status"), "closed") != 0;

  self->applying = TRUE;
  clear_list_rows (self);
  fill_municipalities (self, self->municipalities);
  show_overview (self, r, reasons);
  show_contacts (self, contacts, forms, actors);
  show_goals (self, goals, areas);
  show_notes (self, notes, open);
  show_deadlines (self, deadlines, open);
  gtk_widget_set_visible (GTK_WIDGET (self->close_group), g_strcmp0 (text_of (r, "status"), "active") == 0);
  self->applying = FALSE;
  update_actions (self);
  gtk_stack_set_visible_child_name (self->stack, "case");
}

static void
set_loading (OmbudCasePage *self,
             gboolean       loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
case_loaded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(OmbudCasePage) self = user_data;
  g_autoptr(GError) error = NULL;
  Loaded *loaded = ombud_session_run_finish (OMBUD_SESSION (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* a newer load is under way, or the page is going */
  g_clear_object (&self->load_cancellable);
  if (loaded == NULL)
    {
      g_clear_pointer (&self->record, g_variant_unref);
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      update_actions (self);
    }
  else
    {
      g_clear_pointer (&self->record, g_variant_unref);
      g_clear_pointer (&self->codes, g_variant_unref);
      g_clear_pointer (&self->municipalities, g_variant_unref);
      self->record = g_steal_pointer (&loaded->record);
      self->codes = g_steal_pointer (&loaded->codes);
      self->municipalities = g_steal_pointer (&loaded->municipalities);
      loaded_free (loaded);
      show_record (self);
    }
  set_loading (self, FALSE);
}

static void
reload (OmbudCasePage *self)
{
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  if (self->case_id == NULL || self->session == NULL)
    {
      set_loading (self, FALSE);
      return;
    }
  self->load_cancellable = g_cancellable_new ();
  set_loading (self, TRUE);
  ombud_session_run_async (self->session, load_case, g_strdup (self->case_id), g_free, loaded_free,
                           self->load_cancellable, case_loaded, g_object_ref (self));
}

static void
session_changed (OmbudSession  *session,
                 OmbudCasePage *self)
{
  (void) session;
  reload (self);
}

/* ---- actions ----------------------------------------------------------------- */

static void
log_contact_activated (GtkWidget  *widget,
                       const char *action,
                       GVariant   *parameter)
{
  OmbudCasePage *self = OMBUD_CASE_PAGE (widget);

  (void) action;
  (void) parameter;
  gtk_window_present (ombud_contact_dialog_new (parent_window (self), self->session, self->case_id));
}

static void
add_note_activated (GtkWidget  *widget,
                    const char *action,
                    GVariant   *parameter)
{
  OmbudCasePage *self = OMBUD_CASE_PAGE (widget);

  (void) action;
  (void) parameter;
  gtk_window_present (ombud_note_dialog_new (parent_window (self), self->session, self->case_id, NULL, NULL));
}

static void
add_goal_activated (GtkWidget  *widget,
                    const char *action,
                    GVariant   *parameter)
{
  OmbudCasePage *self = OMBUD_CASE_PAGE (widget);

  (void) action;
  (void) parameter;
  gtk_window_present (ombud_goal_dialog_new (parent_window (self), self->session, self->case_id, self->codes));
}

static void
add_deadline_activated (GtkWidget  *widget,
                        const char *action,
                        GVariant   *parameter)
{
  OmbudCasePage *self = OMBUD_CASE_PAGE (widget);

  (void) action;
  (void) parameter;
  gtk_window_present (ombud_deadline_dialog_new (parent_window (self), self->session, self->case_id));
}

static void
case_closed (OmbudCloseCaseDialog *dialog,
             OmbudCasePage        *self)
{
  (void) dialog;
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

static void
close_activated (GtkWidget  *widget,
                 const char *action,
                 GVariant   *parameter)
{
  OmbudCasePage *self = OMBUD_CASE_PAGE (widget);
  GtkWindow *dialog = ombud_close_case_dialog_new (parent_window (self), self->session, self->case_id);

  (void) action;
  (void) parameter;
  g_signal_connect_object (dialog, "closed", G_CALLBACK (case_closed), self, 0);
  gtk_window_present (dialog);
}

/* ---- GObject ----------------------------------------------------------------- */

static void
ombud_case_page_dispose (GObject *object)
{
  OmbudCasePage *self = OMBUD_CASE_PAGE (object);

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ombud_case_page_parent_class)->dispose (object);
}

static void
ombud_case_page_finalize (GObject *object)
{
  OmbudCasePage *self = OMBUD_CASE_PAGE (object);

  g_free (self->case_id);
  g_clear_pointer (&self->record, g_variant_unref);
  g_clear_pointer (&self->codes, g_variant_unref);
  g_clear_pointer (&self->municipalities, g_variant_unref);
  g_clear_pointer (&self->municipality_ids, g_ptr_array_unref);
  g_clear_pointer (&self->goal_rows, g_hash_table_unref);
  g_clear_pointer (&self->list_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (ombud_case_page_parent_class)->finalize (object);
}

static void
ombud_case_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  OmbudCasePage *self = OMBUD_CASE_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_CASE_ID:
      g_value_set_string (value, self->case_id);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_case_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  OmbudCasePage *self = OMBUD_CASE_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      if (self->session != NULL)
        g_signal_connect (self->session, "changed", G_CALLBACK (session_changed), self);
      break;
    case PROP_CASE_ID:
      ombud_case_page_set_case_id (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_case_page_class_init (OmbudCasePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ombud_case_page_dispose;
  object_class->finalize = ombud_case_page_finalize;
  object_class->get_property = ombud_case_page_get_property;
  object_class->set_property = ombud_case_page_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, OMBUD_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CASE_ID] =
    g_param_spec_string ("case-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * OmbudCasePage::closed:
   *
   * The case was closed and its client information destroyed.
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/widgets/ombud-case-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, toasts);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, stack);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, error_page);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, page);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, title_label);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, name_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, contact_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, status_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, municipality_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, sync_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, gender_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, children_switch);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, ombud_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, deadline_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, contacts_group);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, goals_group);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, notes_group);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, deadlines_group);
  gtk_widget_class_bind_template_child (widget_class, OmbudCasePage, close_group);

  gtk_widget_class_install_action (widget_class, "case.log-contact", NULL, log_contact_activated);
  gtk_widget_class_install_action (widget_class, "case.add-note", NULL, add_note_activated);
  gtk_widget_class_install_action (widget_class, "case.add-goal", NULL, add_goal_activated);
  gtk_widget_class_install_action (widget_class, "case.add-deadline", NULL, add_deadline_activated);
  gtk_widget_class_install_action (widget_class, "case.close", NULL, close_activated);
}

static void
ombud_case_page_init (OmbudCasePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->goal_rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->list_rows = g_ptr_array_new ();
  self->municipality_ids = g_ptr_array_new_with_free_func (g_free);
  ombud_a11y_name_entry_rows (GTK_WIDGET (self));
  bind_entry_row (self->name_row, "client_case", NULL, "client_name");
  bind_entry_row (self->contact_row, "client_case", NULL, "client_contact");
  g_signal_connect (self->name_row, "apply", G_CALLBACK (entry_row_applied), self);
  g_signal_connect (self->contact_row, "apply", G_CALLBACK (entry_row_applied), self);
  g_signal_connect (self->gender_row, "notify::selected", G_CALLBACK (gender_selected), self);
  g_signal_connect (self->municipality_row, "notify::selected", G_CALLBACK (municipality_selected), self);
  g_signal_connect (self->children_switch, "notify::active", G_CALLBACK (children_toggled), self);
  update_actions (self);
}

GtkWidget *
ombud_case_page_new (OmbudSession *session)
{
  return g_object_new (OMBUD_TYPE_CASE_PAGE, "session", session, NULL);
}

OmbudSession *
ombud_case_page_get_session (OmbudCasePage *self)
{
  g_return_val_if_fail (OMBUD_IS_CASE_PAGE (self), NULL);
  return self->session;
}

const char *
ombud_case_page_get_case_id (OmbudCasePage *self)
{
  g_return_val_if_fail (OMBUD_IS_CASE_PAGE (self), NULL);
  return self->case_id;
}

gboolean
ombud_case_page_get_loading (OmbudCasePage *self)
{
  g_return_val_if_fail (OMBUD_IS_CASE_PAGE (self), FALSE);
  return self->loading;
}

static void
forget_rows (OmbudCasePage *self)
{
  GHashTableIter iter;
  gpointer row;

  self->applying = TRUE;
  clear_list_rows (self);
  g_hash_table_iter_init (&iter, self->goal_rows);
  while (g_hash_table_iter_next (&iter, NULL, &row))
    adw_preferences_group_remove (self->goals_group, row);
  g_hash_table_remove_all (self->goal_rows);
  /* Another client's name must not stay in the row as "unsaved". */
  g_object_set_data (G_OBJECT (self->name_row), "ombud-saved", NULL);
  g_object_set_data (G_OBJECT (self->contact_row), "ombud-saved", NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->contact_row), "");
  self->applying = FALSE;
  g_clear_pointer (&self->record, g_variant_unref);
}

void
ombud_case_page_set_case_id (OmbudCasePage *self,
                             const char    *case_id)
{
  g_return_if_fail (OMBUD_IS_CASE_PAGE (self));

  if (g_strcmp0 (self->case_id, case_id) == 0)
    return;
  g_free (self->case_id);
  self->case_id = g_strdup (case_id);
  forget_rows (self);
  g_object_set_data_full (G_OBJECT (self->name_row), "ombud-record", g_strdup (case_id), g_free);
  g_object_set_data_full (G_OBJECT (self->contact_row), "ombud-record", g_strdup (case_id), g_free);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  update_actions (self);
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CASE_ID]);
}
