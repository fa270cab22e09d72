/* ombud-window.c: the main window: setup, unlock, and the list/detail view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Which page shows follows the session: no profile → setup, locked →
 * unlock, unlocked → the case list and the selected case.  On every lock
 * the window drops what it displays (rows, the open case, dialogs) before
 * it shows the unlock page.  Input anywhere in the window resets the idle
 * clock that locks it after the auto-lock time.
 */
#include "ombud-window.h"

#include <glib/gi18n.h>

#include "ombud-case-list-row.h"
#include "ombud-new-case-dialog.h"
#include "ombud-sync-clock.h"

#include "ombud-case-page.h"
#include "ombud-conflicts-page.h"
#include "ombud-deficiency-dialog.h"
#include "ombud-upcoming-page.h"

#define IDLE_CHECK_SECONDS 15

struct _OmbudWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay  *toast_overlay;
  GtkStack         *stack;
  OmbudUnlockPage  *unlock_page;
  OmbudSetupPage   *setup_page;
  AdwLeaflet       *leaflet;
  GtkWidget        *sidebar;
  GtkWidget        *content;
  GtkToggleButton  *search_button;
  OmbudSyncButton  *sync_button;
  GtkRevealer      *strip;
  GtkImage         *strip_icon;
  GtkLabel         *strip_label;
  AdwViewStack     *sidebar_stack;
  AdwViewSwitcherBar *switcher_bar;
  OmbudCaseList    *case_list;
  AdwWindowTitle   *content_title;
  GtkWidget        *back_button;
  GtkStack         *content_stack;
  GMenu            *report_section;

  OmbudApplication *app;
  OmbudSession     *session;
  GtkWidget        *case_view;
  char             *case_id;
  char             *pending_case;    /* select once the list has it */
  gboolean          in_setup;
  gint64            last_input_us;
  guint             idle_timer;
  GNetworkMonitor  *network;
};

G_DEFINE_FINAL_TYPE (OmbudWindow, ombud_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- accessors ------------------------------------------------------------------- */

const char *ombud_window_get_page (OmbudWindow *self) { return gtk_stack_get_visible_child_name (self->stack); }
OmbudCaseList *ombud_window_get_case_list (OmbudWindow *self) { return self->case_list; }
OmbudUnlockPage *ombud_window_get_unlock_page (OmbudWindow *self) { return self->unlock_page; }
OmbudSetupPage *ombud_window_get_setup_page (OmbudWindow *self) { return self->setup_page; }
OmbudSyncButton *ombud_window_get_sync_button (OmbudWindow *self) { return self->sync_button; }
GtkRevealer *ombud_window_get_strip (OmbudWindow *self) { return self->strip; }
const char *ombud_window_get_strip_text (OmbudWindow *self) { return gtk_label_get_label (self->strip_label); }
const char *ombud_window_get_case_id (OmbudWindow *self) { return self->case_id; }
GtkWidget *ombud_window_get_case_view (OmbudWindow *self) { return self->case_view; }
AdwLeaflet *ombud_window_get_leaflet (OmbudWindow *self) { return self->leaflet; }

/* ---- the content pane ------------------------------------------------------------- */

static OmbudCaseSummary *
listed_summary (OmbudWindow *self,
             const char  *case_id)
{
  GListModel *model = ombud_case_list_get_model (self->case_list);

  for (guint i = 0; case_id != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(OmbudCaseSummary) summary = g_list_model_get_item (model, i);
      if (g_strcmp0 (ombud_case_summary_get_id (summary), case_id) == 0)
        return g_steal_pointer (&summary);
    }
  return NULL;
}

static void
show_case_title (OmbudWindow *self)
{
  g_autoptr(OmbudCaseSummary) item = listed_summary (self, self->case_id);
  g_autofree char *title = item ? ombud_case_list_title (item) : NULL;

  /* A case the list does not show now (a search hid it) keeps its title. */
  if (item == NULL && self->case_id != NULL)
    return;
  adw_window_title_set_title (self->content_title, title ? title : "");
  adw_window_title_set_subtitle (self->content_title,
                                 item ? ombud_case_summary_get_municipality_name (item) : NULL);
}

void
ombud_window_show_case (OmbudWindow *self,
                        const char  *case_id)
{
  g_return_if_fail (OMBUD_IS_WINDOW (self));
  if (g_strcmp0 (self->case_id, case_id) != 0)
    {
      g_free (self->case_id);
      self->case_id = g_strdup (case_id);
      ombud_case_page_set_case_id (OMBUD_CASE_PAGE (self->case_view), case_id);
    }
  gtk_stack_set_visible_child_name (self->content_stack, case_id ? "case" : "none");
  show_case_title (self);
  if (case_id != NULL)
    adw_leaflet_set_visible_child (self->leaflet, self->content);
}

static void
case_selected (OmbudWindow *self)
{
  const char *id = ombud_case_list_get_selected_case_id (self->case_list);

  /* A reload that loses the selection leaves the open case open. */
  if (id != NULL)
    ombud_window_show_case (self, id);
}

static void
case_list_loaded (OmbudWindow *self)
{
  if (self->pending_case != NULL && ombud_case_list_select_case (self->case_list, self->pending_case))
    g_clear_pointer (&self->pending_case, g_free);
  show_case_title (self);
}

static void
go_back (OmbudWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* Back on the list when folded: unselect, so the same row opens again. */
static void
leaflet_moved (OmbudWindow *self)
{
  if (adw_leaflet_get_folded (self->leaflet)
      && adw_leaflet_get_visible_child (self->leaflet) == self->sidebar)
    ombud_case_list_unselect (self->case_list);
}

static void
case_closed (OmbudWindow *self)
{
  ombud_case_list_reload (self->case_list);
  ombud_window_show_case (self, NULL);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
case_activated (OmbudWindow *self,
                const char  *case_id)
{
  adw_view_stack_set_visible_child_name (self->sidebar_stack, "cases");
  if (!ombud_case_list_select_case (self->case_list, case_id))
    ombud_window_show_case (self, case_id);
}

/* ---- pages and locking --------------------------------------------------------------- */

static void
close_dialogs (OmbudWindow *self)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = g_list_model_get_n_items (toplevels); i > 0; i--)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i - 1);
      if (gtk_window_get_transient_for (window) == GTK_WINDOW (self))
        gtk_window_destroy (window);
    }
}

static void
drop_displayed (OmbudWindow *self)
{
  close_dialogs (self);
  ombud_case_list_clear (self->case_list);
  g_clear_pointer (&self->pending_case, g_free);
  ombud_window_show_case (self, NULL);
  adw_view_stack_set_visible_child_name (self->sidebar_stack, "cases");
}

static void
show_page (OmbudWindow *self)
{
  const char *page;

  if (self->in_setup)
    page = "setup";
  else if (ombud_session_get_unlocked (self->session))
    page = "main";
  else if (ombud_session_get_exists (self->session))
    page = "unlock";
  else
    {
      self->in_setup = TRUE;
      page = "setup";
    }
  gtk_stack_set_visible_child_name (self->stack, page);
  /* Typing anywhere searches, but only while the list is there. */
  ombud_case_list_set_key_capture_widget (self->case_list,
                                          g_str_equal (page, "main") ? GTK_WIDGET (self) : NULL);
  if (g_str_equal (page, "unlock"))
    ombud_unlock_page_reset (self->unlock_page);
}

static void
unlocked_changed (OmbudWindow *self)
{
  if (!ombud_session_get_unlocked (self->session))
    drop_displayed (self);
  self->last_input_us = g_get_monotonic_time ();
  show_page (self);
}

static void
setup_done (OmbudWindow *self)
{
  self->in_setup = FALSE;
  show_page (self);
}

static void
input_seen (OmbudWindow *self)
{
  self->last_input_us = g_get_monotonic_time ();
}

gboolean
ombud_window_lock_if_idle (OmbudWindow *self,
                           gint64       now_us)
{
  guint minutes = 0;

  g_return_val_if_fail (OMBUD_IS_WINDOW (self), FALSE);
  g_object_get (self->app, "auto-lock-minutes", &minutes, NULL);
  if (!ombud_session_get_unlocked (self->session) || self->in_setup
      || now_us - self->last_input_us < (gint64) minutes * 60 * G_USEC_PER_SEC)
    return FALSE;
  ombud_session_lock (self->session);
  return TRUE;
}

static gboolean
idle_check (gpointer user_data)
{
  ombud_window_lock_if_idle (user_data, g_get_monotonic_time ());
  return G_SOURCE_CONTINUE;
}

static void
track_input (OmbudWindow *self)
{
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);

  gtk_event_controller_set_propagation_phase (key, GTK_PHASE_CAPTURE);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  gtk_event_controller_set_propagation_phase (scroll, GTK_PHASE_CAPTURE);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
  g_signal_connect_swapped (key, "key-pressed", G_CALLBACK (input_seen), self);
  g_signal_connect_swapped (motion, "motion", G_CALLBACK (input_seen), self);
  g_signal_connect_swapped (click, "pressed", G_CALLBACK (input_seen), self);
  g_signal_connect_swapped (scroll, "scroll", G_CALLBACK (input_seen), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);
  self->last_input_us = g_get_monotonic_time ();
  self->idle_timer = g_timeout_add_seconds (IDLE_CHECK_SECONDS, idle_check, self);
}

/* ---- sync ---------------------------------------------------------------------------- */

static void
update_strip (OmbudWindow *self)
{
  gint64 offset = ombud_session_get_clock_offset (self->session);
  gboolean offline = ombud_session_get_enrolled (self->session)
    && (ombud_session_get_sync_status (self->session) == OMBUD_SYNC_STATUS_OFFLINE
        || !g_network_monitor_get_network_available (self->network));
  g_autofree char *text = NULL;

  if (offline)
    text = g_strdup (_("Offline — your work is saved on this laptop"));
  else if (ombud_session_get_enrolled (self->session) && ombud_sync_clock_is_off (offset))
    {
      int minutes = (int) ((ABS (offset) + 30000) / 60000);
      text = g_strdup_printf (ngettext ("Your clock is %d minute off", "Your clock is %d minutes off", minutes),
                              minutes);
    }
  if (text != NULL)
    gtk_label_set_label (self->strip_label, text);
  gtk_image_set_from_icon_name (self->strip_icon, offline ? "network-offline-symbolic" : "alarm-symbolic");
  gtk_revealer_set_reveal_child (self->strip, text != NULL);
}

static void
sync_finished (OmbudWindow *self,
               gboolean     on_request,
               GError      *error)
{
  AdwToast *toast;

  update_strip (self);
  if (error == NULL)
    {
      if (on_request)
        adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Synced with the office")));
      return;
    }
  if (!on_request && ombud_session_get_sync_status (self->session) == OMBUD_SYNC_STATUS_OFFLINE)
    return;  /* the strip says it; a toast every interval would nag */
  if (ombud_session_get_sync_status (self->session) == OMBUD_SYNC_STATUS_OFFLINE)
    toast = adw_toast_new (_("Offline — the office could not be reached"));
  else
    /* Translators: %s says why, in the sync engine's words */
    toast = adw_toast_new_format (_("Sync failed: %s"), error->message);
  adw_toast_set_button_label (toast, _("_Retry"));
  adw_toast_set_action_name (toast, "app.sync");
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* ---- actions ---------------------------------------------------------------------------- */

static void
case_created (OmbudWindow *self,
              const char  *case_id)
{
  g_free (self->pending_case);
  self->pending_case = g_strdup (case_id);
  adw_view_stack_set_visible_child_name (self->sidebar_stack, "cases");
  /* The list reloads on ::changed; a search could hide the new case. */
  ombud_case_list_search (self->case_list, "");
  g_object_set (self->case_list, "search-mode", FALSE, NULL);
}

static void
new_case_activated (GtkWidget  *widget,
                    const char *action,
                    GVariant   *parameter)
{
  OmbudWindow *self = OMBUD_WINDOW (widget);
  OmbudNewCaseDialog *dialog;

  (void) action; (void) parameter;
  if (!ombud_session_get_unlocked (self->session))
    return;
  dialog = ombud_new_case_dialog_new (GTK_WINDOW (self), self->session);
  g_signal_connect_object (dialog, "created", G_CALLBACK (case_created), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
search_activated (GtkWidget  *widget,
                  const char *action,
                  GVariant   *parameter)
{
  OmbudWindow *self = OMBUD_WINDOW (widget);

  (void) action; (void) parameter;
  if (!g_str_equal (ombud_window_get_page (self), "main"))
    return;
  adw_view_stack_set_visible_child_name (self->sidebar_stack, "cases");
  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  g_object_set (self->case_list, "search-mode", TRUE, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (ombud_case_list_get_search_entry (self->case_list)));
}

static void
show_upcoming_activated (GtkWidget  *widget,
                         const char *action,
                         GVariant   *parameter)
{
  OmbudWindow *self = OMBUD_WINDOW (widget);

  (void) action; (void) parameter;
  if (!g_str_equal (ombud_window_get_page (self), "main"))
    return;
  if (adw_view_stack_get_child_by_name (self->sidebar_stack, "upcoming") != NULL)
    adw_view_stack_set_visible_child_name (self->sidebar_stack, "upcoming");
  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
}

static void
report_deficiency_activated (GtkWidget  *widget,
                             const char *action,
                             GVariant   *parameter)
{
  OmbudWindow *self = OMBUD_WINDOW (widget);

  (void) action; (void) parameter;
  if (ombud_session_get_unlocked (self->session))
    gtk_window_present (ombud_deficiency_dialog_new (GTK_WINDOW (self), self->session));
}

/* ---- construction --------------------------------------------------------------------------- */

static void
add_views (OmbudWindow *self)
{
  GtkWidget *upcoming = ombud_upcoming_page_new (self->session);
  GtkWidget *conflicts = ombud_conflicts_page_new (self->session);

  adw_view_stack_add_titled_with_icon (self->sidebar_stack, upcoming, "upcoming", _("Upcoming"),
                                       "alarm-symbolic");
  adw_view_stack_add_titled_with_icon (self->sidebar_stack, conflicts, "conflicts", _("Conflicts"),
                                       "dialog-warning-symbolic");
  g_signal_connect_object (upcoming, "case-activated", G_CALLBACK (case_activated), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (conflicts, "case-activated", G_CALLBACK (case_activated), self, G_CONNECT_SWAPPED);
  g_menu_append (self->report_section, _("_Report a System Deficiency…"), "win.report-deficiency");
  self->case_view = ombud_case_page_new (self->session);
  g_signal_connect_object (self->case_view, "closed", G_CALLBACK (case_closed), self, G_CONNECT_SWAPPED);
  gtk_stack_add_named (self->content_stack, self->case_view, "case");
  adw_view_switcher_bar_set_reveal (self->switcher_bar, TRUE);
}

OmbudWindow *
ombud_window_new (OmbudApplication *app)
{
  OmbudWindow *self = g_object_new (OMBUD_TYPE_WINDOW, "application", app, NULL);
  GSettings *settings = ombud_application_get_settings (app);

  self->app = g_object_ref (app);
  self->session = g_object_ref (ombud_application_get_session (app));
  if (settings != NULL)
    {
      g_settings_bind (settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
    }
  ombud_unlock_page_set_session (self->unlock_page, self->session);
  ombud_setup_page_set_session (self->setup_page, self->session);
  ombud_sync_button_set_session (self->sync_button, self->session);
  /* First to ask when the profile opens: the list is what the user waits for. */
  ombud_case_list_set_session (self->case_list, self->session);
  add_views (self);
  g_signal_connect_object (self->session, "notify::unlocked", G_CALLBACK (unlocked_changed), self,
                           G_CONNECT_SWAPPED);
  for (guint i = 0; i < 4; i++)
    {
      static const char *const watched[] = {
        "notify::enrolled", "notify::sync-status", "notify::clock-offset", "notify::syncing",
      };
      g_signal_connect_object (self->session, watched[i], G_CALLBACK (update_strip), self, G_CONNECT_SWAPPED);
    }
  g_signal_connect_object (self->network, "notify::network-available", G_CALLBACK (update_strip), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (app, "sync-finished", G_CALLBACK (sync_finished), self, G_CONNECT_SWAPPED);
  update_strip (self);
  show_page (self);
  track_input (self);
  return self;
}

static void
ombud_window_dispose (GObject *object)
{
  OmbudWindow *self = OMBUD_WINDOW (object);

  g_clear_handle_id (&self->idle_timer, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), OMBUD_TYPE_WINDOW);
  self->case_view = NULL;
  g_clear_object (&self->session);
  g_clear_object (&self->app);
  g_clear_object (&self->network);
  g_clear_pointer (&self->case_id, g_free);
  g_clear_pointer (&self->pending_case, g_free);
  G_OBJECT_CLASS (ombud_window_parent_class)->dispose (object);
}

static void
ombud_window_class_init (OmbudWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ombud_window_dispose;

  g_type_ensure (OMBUD_TYPE_UNLOCK_PAGE);
  g_type_ensure (OMBUD_TYPE_SETUP_PAGE);
  g_type_ensure (OMBUD_TYPE_CASE_LIST);
  g_type_ensure (OMBUD_TYPE_SYNC_BUTTON);

  gtk_widget_class_install_action (widget_class, "win.new-case", NULL, new_case_activated);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_install_action (widget_class, "win.show-upcoming", NULL, show_upcoming_activated);
  gtk_widget_class_install_action (widget_class, "win.report-deficiency", NULL, report_deficiency_activated);

  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/ombud-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, unlock_page);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, setup_page);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, content);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, sync_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, strip);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, strip_icon);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, strip_label);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, case_list);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, OmbudWindow, report_section);
  gtk_widget_class_bind_template_callback (widget_class, setup_done);
  gtk_widget_class_bind_template_callback (widget_class, case_selected);
  gtk_widget_class_bind_template_callback (widget_class, case_list_loaded);
  gtk_widget_class_bind_template_callback (widget_class, go_back);
  gtk_widget_class_bind_template_callback (widget_class, leaflet_moved);
}

static void
ombud_window_init (OmbudWindow *self)
{
  self->network = g_object_ref (g_network_monitor_get_default ());
  gtk_widget_init_template (GTK_WIDGET (self));
}
