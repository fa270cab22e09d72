/* ombud-sync-button.c: the header bar's sync state, with a popover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything it shows comes from the session's properties; a minute timer
 * keeps "synced 5 minutes ago" true while the popover is open.
 */
#include "ombud-sync-button.h"

#include <glib/gi18n.h>

struct _OmbudSyncButton
{
  GtkWidget     parent_instance;

  GtkMenuButton *menu_button;
  GtkPopover   *popover;
  GtkStack     *icon_stack;
  GtkImage     *icon;
  GtkSpinner   *spinner;
  GtkLabel     *state_label;
  GtkLabel     *last_label;
  GtkLabel     *waiting_label;
  GtkLabel     *error_label;
  GtkWidget    *sync_button;

  OmbudSession *session;
  guint         minute_timer;
};

G_DEFINE_FINAL_TYPE (OmbudSyncButton, ombud_sync_button, GTK_TYPE_WIDGET)

char *
ombud_sync_button_format_last_success (gint64 then_ms,
                                       gint64 now_ms)
{
  gint64 minutes = (now_ms - then_ms) / 60000;
  g_autoptr(GDateTime) then = NULL;
  g_autofree char *when = NULL;

  if (then_ms <= 0)
    return g_strdup (_("Never synced"));
  if (minutes < 1)
    return g_strdup (_("Synced just now"));
  if (minutes < 60)
    return g_strdup_printf (ngettext ("Synced %d minute ago", "Synced %d minutes ago", (gulong) minutes),
                            (int) minutes);
  if (minutes < 24 * 60)
    return g_strdup_printf (ngettext ("Synced %d hour ago", "Synced %d hours ago", (gulong) (minutes / 60)),
                            (int) (minutes / 60));
  then = g_date_time_new_from_unix_local (then_ms / 1000);
  when = g_date_time_format (then, "%Y-%m-%d %H:%M");
  /* Translators: %s is a date and time */
  return g_strdup_printf (_("Last synced %s"), when);
}

const char *
ombud_sync_button_get_state_text (OmbudSyncButton *self)
{
  g_return_val_if_fail (OMBUD_IS_SYNC_BUTTON (self), NULL);
  return gtk_label_get_label (self->state_label);
}

static void
update (OmbudSyncButton *self)
{
  OmbudSession *s = self->session;
  const char *state, *icon;
  g_autofree char *last = NULL;
  g_autofree char *waiting = NULL;
  g_autofree char *tooltip = NULL;
  const char *error;
  guint changes;

  if (s == NULL)
    return;
  changes = ombud_session_get_changes_waiting (s);
  error = ombud_session_get_sync_error (s);
  if (!ombud_session_get_enrolled (s))
    state = _("Not connected to an office"), icon = "network-offline-symbolic";
  else if (ombud_session_get_syncing (s))
    state = _("Syncing…"), icon = "emblem-synchronizing-symbolic";
  else if (ombud_session_get_sync_status (s) == OMBUD_SYNC_STATUS_OFFLINE)
    state = _("Offline"), icon = "network-offline-symbolic";
  else if (ombud_session_get_sync_status (s) == OMBUD_SYNC_STATUS_ERROR)
    state = _("Sync failed"), icon = "dialog-warning-symbolic";
  else if (changes > 0)
    state = _("Changes wait to be sent"), icon = "emblem-synchronizing-symbolic";
  else
    state = _("Up to date with the office"), icon = "emblem-ok-symbolic";

  last = ombud_sync_button_format_last_success (ombud_session_get_last_success (s),
                                                g_get_real_time () / 1000);
  waiting = changes == 0 ? g_strdup (_("No changes waiting"))
    : g_strdup_printf (ngettext ("%u change waiting to be sent", "%u changes waiting to be sent", changes), changes);
  gtk_label_set_label (self->state_label, state);
  gtk_label_set_label (self->last_label, last);
  gtk_label_set_label (self->waiting_label, waiting);
  gtk_widget_set_visible (GTK_WIDGET (self->last_label), ombud_session_get_enrolled (s));
  gtk_label_set_label (self->error_label, error ? error : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label),
                          error != NULL && *error != '\0' && ombud_session_get_sync_status (s) != OMBUD_SYNC_STATUS_IDLE);
  gtk_widget_set_sensitive (self->sync_button, ombud_session_get_enrolled (s) && !ombud_session_get_syncing (s));
  gtk_image_set_from_icon_name (self->icon, icon);
  gtk_stack_set_visible_child_name (self->icon_stack, ombud_session_get_syncing (s) ? "spinner" : "icon");
  gtk_spinner_set_spinning (self->spinner, ombud_session_get_syncing (s));

  /* Translators: the sync button's tooltip and name; %s is its state */
  tooltip = g_strdup_printf (_("Sync: %s"), state);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->menu_button), tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
}

static gboolean
minute_passed (gpointer user_data)
{
  update (user_data);
  return G_SOURCE_CONTINUE;
}

static void
popover_shown (OmbudSyncButton *self)
{
  update (self);
  if (self->minute_timer == 0)
    self->minute_timer = g_timeout_add_seconds (60, minute_passed, self);
}

static void
popover_closed (OmbudSyncButton *self)
{
  g_clear_handle_id (&self->minute_timer, g_source_remove);
}

void
ombud_sync_button_set_session (OmbudSyncButton *self,
                               OmbudSession    *session)
{
  static const char *const watched[] = {
    "notify::enrolled", "notify::syncing", "notify::sync-status", "notify::sync-error",
    "notify::last-success", "notify::changes-waiting",
  };

  g_return_if_fail (OMBUD_IS_SYNC_BUTTON (self));
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);
  if (session == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (watched); i++)
    g_signal_connect_swapped (session, watched[i], G_CALLBACK (update), self);
  update (self);
}

static void
ombud_sync_button_dispose (GObject *object)
{
  OmbudSyncButton *self = OMBUD_SYNC_BUTTON (object);

  g_clear_handle_id (&self->minute_timer, g_source_remove);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), OMBUD_TYPE_SYNC_BUTTON);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (ombud_sync_button_parent_class)->dispose (object);
}

static void
ombud_sync_button_class_init (OmbudSyncButtonClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ombud_sync_button_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/ombud-sync-button.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudSyncButton, menu_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudSyncButton, popover);
  gtk_widget_class_bind_template_child (widget_class, OmbudSyncButton, icon_stack);
  gtk_widget_class_bind_template_child (widget_class, OmbudSyncButton, icon);
  gtk_widget_class_bind_template_child (widget_class, OmbudSyncButton, spinner);
  gtk_widget_class_bind_template_child (widget_class, OmbudSyncButton, state_label);
  gtk_widget_class_bind_template_child (widget_class, OmbudSyncButton, last_label);
  gtk_widget_class_bind_template_child (widget_class, OmbudSyncButton, waiting_label);
  gtk_widget_class_bind_template_child (widget_class, OmbudSyncButton, error_label);
  gtk_widget_class_bind_template_child (widget_class, OmbudSyncButton, sync_button);
}

static void
ombud_sync_button_init (OmbudSyncButton *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->popover, "show", G_CALLBACK (popover_shown), self);
  g_signal_connect_swapped (self->popover, "closed", G_CALLBACK (popover_closed), self);
  gtk_label_set_label (self->state_label, _("Not connected to an office"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Sync"), -1);
}
