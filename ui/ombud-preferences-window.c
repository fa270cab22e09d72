/* ombud-preferences-window.c: auto-lock, sync interval, the office, the passphrase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The minutes are bound to the application's properties (which follow
 * GSettings when the schema is installed).  The passphrase changes on the
 * session's worker: Argon2id takes half a second, twice.
 */
#include "ombud-preferences-window.h"

#include <glib/gi18n.h>
#include <sodium.h>

#include "ombud-a11y.h"

#include "ombud-identity.h"
#include "ombud-setup-page.h"
#include "ombud-store.h"
#include "ombud-sync-state.h"

struct _OmbudPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GtkAdjustment    *auto_lock_adjustment;
  GtkAdjustment    *sync_interval_adjustment;
  AdwExpanderRow   *passphrase_expander;
  GtkEditable      *current_row;
  GtkEditable      *new_row;
  GtkEditable      *repeat_row;
  AdwPreferencesRow *passphrase_status_row;
  GtkWidget        *change_button;
  AdwActionRow     *url_row;
  AdwActionRow     *org_row;
  AdwActionRow     *fingerprint_row;
  GtkWidget        *enrol_row;

  OmbudApplication *app;
  GCancellable     *cancellable;
  gboolean          changing;
};

G_DEFINE_FINAL_TYPE (OmbudPreferencesWindow, ombud_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* ---- the office ---------------------------------------------------------------- */

typedef struct {
  char *url;
  char *org;
  char *fingerprint;
} OfficeInfo;

static void
office_info_free (gpointer data)
{
  OfficeInfo *info = data;

  g_free (info->url);
  g_free (info->org);
  g_free (info->fingerprint);
  g_free (info);
}

static gpointer
read_office (OmbudCaseload  *caseload,
             gpointer        data,
             GCancellable   *cancellable,
             GError        **error)
{
  g_autoptr(OmbudSyncConfig) config = ombud_sync_config_load (ombud_caseload_get_store (caseload), NULL);
  OfficeInfo *info = g_new0 (OfficeInfo, 1);

  (void) data; (void) cancellable; (void) error;
  if (config != NULL)
    {
      info->url = g_strdup (config->url);
      info->org = g_strdup (config->org_name);
    }
  info->fingerprint = ombud_identity_get_fingerprint (ombud_keyring_get_identity (ombud_caseload_get_keyring (caseload)));
  return info;
}

static void
office_read (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(OmbudPreferencesWindow) self = user_data;
  OfficeInfo *info = ombud_session_run_finish (OMBUD_SESSION (source), result, NULL);

  if (info == NULL)
    return;
  adw_action_row_set_subtitle (self->url_row, info->url ? info->url : _("Not connected"));
  adw_action_row_set_subtitle (self->org_row, info->org ? info->org : "—");
  adw_action_row_set_subtitle (self->fingerprint_row, info->fingerprint ? info->fingerprint : "—");
  gtk_widget_set_visible (GTK_WIDGET (self->org_row), info->url != NULL);
  gtk_widget_set_visible (self->enrol_row, info->url == NULL);
  office_info_free (info);
}

static void
refresh_office (OmbudPreferencesWindow *self)
{
  ombud_session_run_async (ombud_application_get_session (self->app), read_office, NULL, NULL,
                           office_info_free, self->cancellable, office_read, g_object_ref (self));
}

static void
enrol_done (OmbudPreferencesWindow *self)
{
  adw_preferences_window_close_subpage (ADW_PREFERENCES_WINDOW (self));
  refresh_office (self);
}

static void
start_enrol (OmbudPreferencesWindow *self)
{
  OmbudSetupPage *setup = g_object_new (OMBUD_TYPE_SETUP_PAGE, NULL);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *back = gtk_button_new_from_icon_name ("go-previous-symbolic");

  gtk_widget_set_tooltip_text (back, _("Back"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (back), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Back"), -1);
  g_signal_connect_swapped (back, "clicked", G_CALLBACK (adw_preferences_window_close_subpage), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), back);
  gtk_box_append (GTK_BOX (box), header);
  gtk_widget_set_vexpand (GTK_WIDGET (setup), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (setup));
  ombud_setup_page_set_session (setup, ombud_application_get_session (self->app));
  ombud_setup_page_start_enrol (setup);
  g_signal_connect_object (setup, "done", G_CALLBACK (enrol_done), self, G_CONNECT_SWAPPED);
  adw_preferences_window_present_subpage (ADW_PREFERENCES_WINDOW (self), box);
}

/* ---- the passphrase --------------------------------------------------------------- */

typedef struct {
  char *old_passphrase;   /* sodium_malloc'd */
  char *new_passphrase;
} PassphraseChange;

static char *
secret_dup (const char *text)
{
  size_t len = strlen (text) + 1;
  char *copy = sodium_malloc (len);

  g_assert (copy != NULL);
  memcpy (copy, text, len);
  return copy;
}

static void
passphrase_change_free (gpointer data)
{
  PassphraseChange *change = data;

  sodium_free (change->old_passphrase);
  sodium_free (change->new_passphrase);
  g_free (change);
}

static gpointer
write_passphrase (OmbudCaseload  *caseload,
                  gpointer        data,
                  GCancellable   *cancellable,
                  GError        **error)
{
  PassphraseChange *change = data;

  (void) cancellable;
  if (!ombud_store_change_passphrase (ombud_caseload_get_store (caseload), change->old_passphrase,
                                      change->new_passphrase, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

static void
say (OmbudPreferencesWindow *self,
     const char             *text)
{
  adw_preferences_row_set_title (self->passphrase_status_row, text);
}

static void
passphrase_changed (OmbudPreferencesWindow *self)
{
  const char *current = gtk_editable_get_text (self->current_row);
  const char *new_passphrase = gtk_editable_get_text (self->new_row);
  const char *repeat = gtk_editable_get_text (self->repeat_row);
  gboolean long_enough = g_utf8_strlen (new_passphrase, -1) >= OMBUD_SETUP_MIN_PASSPHRASE;
  gboolean same = g_strcmp0 (new_passphrase, repeat) == 0;

  if (self->changing)
    return;
  if (!long_enough)
    say (self, _("Use at least 8 characters"));
  else if (!same)
    say (self, _("The two new passphrases differ"));
  else
    say (self, _("Ready to change"));
  gtk_widget_set_sensitive (self->change_button, *current != '\0' && long_enough && same);
}

static void
passphrase_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(OmbudPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gpointer ok = ombud_session_run_finish (OMBUD_SESSION (source), result, &error);

  self->changing = FALSE;
  if (ok != NULL)
    {
      say (self, _("Use at least 8 characters"));
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        adw_toast_new (_("Passphrase changed")));
      adw_expander_row_set_expanded (self->passphrase_expander, FALSE);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_error_matches (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_WRONG_PASSPHRASE))
    say (self, _("The current passphrase is wrong"));
  else
    say (self, error->message);
}

static void
change_passphrase (OmbudPreferencesWindow *self)
{
  PassphraseChange *change;

  if (!gtk_widget_get_sensitive (self->change_button) || self->changing)
    return;
  change = g_new0 (PassphraseChange, 1);
  change->old_passphrase = secret_dup (gtk_editable_get_text (self->current_row));
  change->new_passphrase = secret_dup (gtk_editable_get_text (self->new_row));
  self->changing = TRUE;
  gtk_editable_set_text (self->current_row, "");
  gtk_editable_set_text (self->new_row, "");
  gtk_editable_set_text (self->repeat_row, "");
  gtk_widget_set_sensitive (self->change_button, FALSE);
  say (self, _("Changing…"));
  ombud_session_run_async (ombud_application_get_session (self->app), write_passphrase, change,
                           passphrase_change_free, NULL, self->cancellable, passphrase_done,
                           g_object_ref (self));
}

/* ---- GObject ------------------------------------------------------------------------ */

OmbudPreferencesWindow *
ombud_preferences_window_new (GtkWindow        *parent,
                              OmbudApplication *app)
{
  OmbudPreferencesWindow *self = g_object_new (OMBUD_TYPE_PREFERENCES_WINDOW,
                                               "transient-for", parent, NULL);

  self->app = g_object_ref (app);
  g_object_bind_property (app, "auto-lock-minutes", self->auto_lock_adjustment, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (app, "sync-interval-minutes", self->sync_interval_adjustment, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  refresh_office (self);
  return self;
}

static void
ombud_preferences_window_dispose (GObject *object)
{
  OmbudPreferencesWindow *self = OMBUD_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->app);
  gtk_widget_dispose_template (GTK_WIDGET (self), OMBUD_TYPE_PREFERENCES_WINDOW);
  G_OBJECT_CLASS (ombud_preferences_window_parent_class)->dispose (object);
}

static void
ombud_preferences_window_finalize (GObject *object)
{
  g_clear_object (&OMBUD_PREFERENCES_WINDOW (object)->cancellable);
  G_OBJECT_CLASS (ombud_preferences_window_parent_class)->finalize (object);
}

static void
ombud_preferences_window_class_init (OmbudPreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ombud_preferences_window_dispose;
  G_OBJECT_CLASS (klass)->finalize = ombud_preferences_window_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/ombud-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudPreferencesWindow, auto_lock_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OmbudPreferencesWindow, sync_interval_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OmbudPreferencesWindow, passphrase_expander);
  gtk_widget_class_bind_template_child (widget_class, OmbudPreferencesWindow, current_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudPreferencesWindow, new_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudPreferencesWindow, repeat_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudPreferencesWindow, passphrase_status_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudPreferencesWindow, change_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudPreferencesWindow, url_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudPreferencesWindow, org_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudPreferencesWindow, fingerprint_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudPreferencesWindow, enrol_row);
  gtk_widget_class_bind_template_callback (widget_class, passphrase_changed);
  gtk_widget_class_bind_template_callback (widget_class, change_passphrase);
  gtk_widget_class_bind_template_callback (widget_class, start_enrol);
}

static void
ombud_preferences_window_init (OmbudPreferencesWindow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  ombud_a11y_name_entry_rows (GTK_WIDGET (self));
  ombud_setup_page_name_peek_buttons (GTK_WIDGET (self));
}
