/* ombud-application.c: the ombud application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application owns the profile's session, the settings, when to sync
 * (OmbudSyncScheduler: a network appears, a timer while online, on
 * request, back-off after failures), today's reminders as desktop
 * notifications, and when to lock (on request, when the desktop session
 * locks; the window locks itself after idle time).  The window shows
 * whatever the session's state says.
 */
#include "ombud-application.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "ombud-preferences-window.h"
#include "ombud-reminders.h"
#include "ombud-sync-scheduler.h"
#include "ombud-window.h"

#define SETTINGS_SCHEMA "se.ombud.Ombud"
#define DEFAULT_AUTO_LOCK_MINUTES 5
#define DEFAULT_SYNC_INTERVAL_MINUTES 15

struct _OmbudApplication
{
  AdwApplication   parent_instance;

  char            *profile_dir;
  GSettings       *settings;
  OmbudSession    *session;
  guint            auto_lock_minutes;
  guint            sync_interval_minutes;

  OmbudSyncScheduler *scheduler;
  GCancellable    *sync_cancellable;
  GCancellable    *reminders_cancellable;
  guint            reminders_timer;
  GDBusConnection *system_bus;
  guint            login1_lock_watch;
};

G_DEFINE_FINAL_TYPE (OmbudApplication, ombud_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_PROFILE_DIR,
  PROP_SESSION,
  PROP_AUTO_LOCK_MINUTES,
  PROP_SYNC_INTERVAL_MINUTES,
  N_PROPS
};

enum {
  SIGNAL_SYNC_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

OmbudApplication *
ombud_application_new (const char *profile_dir)
{
  return g_object_new (OMBUD_TYPE_APPLICATION,
                       "application-id", OMBUD_APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/se/ombud/Ombud",
                       "register-session", TRUE,
                       "profile-dir", profile_dir,
                       NULL);
}

OmbudSession *
ombud_application_get_session (OmbudApplication *self)
{
  g_return_val_if_fail (OMBUD_IS_APPLICATION (self), NULL);
  return self->session;
}

GSettings *
ombud_application_get_settings (OmbudApplication *self)
{
  g_return_val_if_fail (OMBUD_IS_APPLICATION (self), NULL);
  return self->settings;
}

/* ---- sync ----------------------------------------------------------------- */

typedef struct {
  OmbudApplication *self;
  gboolean          on_request;
} SyncCall;

static void
sync_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  SyncCall *call = user_data;
  g_autoptr(OmbudApplication) self = call->self;
  g_autoptr(GError) error = NULL;
  gboolean ok = ombud_session_sync_finish (OMBUD_SESSION (source), result, &error);

  g_clear_object (&self->sync_cancellable);
  ombud_sync_scheduler_finished (self->scheduler, ok);
  /* A lock cancels the sync; nothing to report about that. */
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      && !g_error_matches (error, OMBUD_SESSION_ERROR, OMBUD_SESSION_ERROR_LOCKED))
    g_signal_emit (self, signals[SIGNAL_SYNC_FINISHED], 0, call->on_request, error);
  g_free (call);
}

static gboolean
start_sync (OmbudApplication *self,
            gboolean          on_request)
{
  SyncCall *call;

  if (self->session == NULL || !ombud_session_get_unlocked (self->session)
      || !ombud_session_get_enrolled (self->session) || self->sync_cancellable != NULL)
    return FALSE;
  call = g_new0 (SyncCall, 1);
  call->self = g_object_ref (self);
  call->on_request = on_request;
  self->sync_cancellable = g_cancellable_new ();
  ombud_sync_scheduler_started (self->scheduler);
  ombud_session_sync_async (self->session, self->sync_cancellable, sync_done, call);
  return TRUE;
}

gboolean
ombud_application_sync (OmbudApplication *self,
                        gboolean          on_request)
{
  g_return_val_if_fail (OMBUD_IS_APPLICATION (self), FALSE);
  return start_sync (self, on_request);
}

static void
sync_due (OmbudApplication *self)
{
  start_sync (self, FALSE);
}

static void
apply_sync_interval (OmbudApplication *self)
{
  if (self->scheduler != NULL)
    ombud_sync_scheduler_set_interval (self->scheduler, MAX (1u, self->sync_interval_minutes) * 60);
}

/* ---- reminders ------------------------------------------------------------ */

#define REMINDERS_CHECK_SECONDS (30 * 60)

static gpointer
take_reminders (OmbudCaseload  *caseload,
                gpointer        data,
                GCancellable   *cancellable,
                GError        **error)
{
  g_autoptr(OmbudReminders) reminders = ombud_reminders_new (caseload);

  (void) data; (void) cancellable;
  return ombud_reminders_take_due_today (reminders, error);
}

/* The notification counts what is due and names no one: it stays on the
 * screen, and in the desktop's list, while Ombud is locked. */
static void
reminders_taken (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(OmbudApplication) self = user_data;
  g_autoptr(GVariant) due = ombud_session_run_finish (OMBUD_SESSION (source), result, NULL);
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *body = NULL;
  gsize n;

  if (due == NULL || (n = g_variant_n_children (due)) == 0)
    return;
  notification = g_notification_new (_("Due Today"));
  body = g_strdup_printf (ngettext ("%u deadline or goal review is due today.",
                                   "%u deadlines and goal reviews are due today.", (gulong) n), (guint) n);
  g_notification_set_body (notification, body);
  g_notification_set_default_action (notification, "app.show-upcoming");
  g_application_send_notification (G_APPLICATION (self), "due-today", notification);
}

static void
check_reminders (OmbudApplication *self)
{
  gboolean notify = self->settings == NULL || g_settings_get_boolean (self->settings, "notify-deadlines");

  if (self->session == NULL || !ombud_session_get_unlocked (self->session) || !notify)
    return;
  g_clear_object (&self->reminders_cancellable);
  self->reminders_cancellable = g_cancellable_new ();
  ombud_session_run_async (self->session, take_reminders, NULL, NULL, (GDestroyNotify) g_variant_unref,
                           self->reminders_cancellable, reminders_taken, g_object_ref (self));
}

static gboolean
reminders_timer_fired (gpointer user_data)
{
  check_reminders (user_data);
  return G_SOURCE_CONTINUE;
}

/* The worker runs one job at a time: the case list goes first, then the
 * sync and the reminders. */
#define AFTER_UNLOCK_MS 1500

static gboolean
after_unlock (gpointer user_data)
{
  OmbudApplication *self = user_data;

  self->reminders_timer = g_timeout_add_seconds (REMINDERS_CHECK_SECONDS, reminders_timer_fired, self);
  start_sync (self, FALSE);
  check_reminders (self);
  return G_SOURCE_REMOVE;
}

static void
unlocked_changed (OmbudSession     *session,
                  GParamSpec       *pspec,
                  OmbudApplication *self)
{
  (void) pspec;
  g_clear_handle_id (&self->reminders_timer, g_source_remove);
  if (ombud_session_get_unlocked (session))
    self->reminders_timer = g_timeout_add (AFTER_UNLOCK_MS, after_unlock, self);
}

/* ---- locking -------------------------------------------------------------- */

static void
lock_now (OmbudApplication *self)
{
  if (self->session != NULL)
    ombud_session_lock (self->session);
}

static void
screensaver_changed (OmbudApplication *self)
{
  gboolean active = FALSE;

  g_object_get (self, "screensaver-active", &active, NULL);
  if (active)
    lock_now (self);
}

static void
login1_lock (GDBusConnection *bus,
             const char      *sender,
             const char      *path,
             const char      *interface,
             const char      *signal,
             GVariant        *parameters,
             gpointer         user_data)
{
  (void) bus; (void) sender; (void) path; (void) interface; (void) signal; (void) parameters;
  lock_now (user_data);
}

/* The bus calls below may outlive the application (no system bus answers
 * at once): they hold it weakly. */
static GWeakRef *
weak_self (OmbudApplication *self)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  return ref;
}

static OmbudApplication *
take_weak_self (GWeakRef *ref)
{
  OmbudApplication *self = g_weak_ref_get (ref);

  g_weak_ref_clear (ref);
  g_free (ref);
  return self;
}

static void
got_login1_session (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(OmbudApplication) self = take_weak_self (user_data);
  g_autoptr(GVariant) reply = NULL;
  const char *path = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);
  if (reply == NULL || self == NULL || self->system_bus == NULL)
    return;
  g_variant_get (reply, "(&o)", &path);
  self->login1_lock_watch =
    g_dbus_connection_signal_subscribe (self->system_bus, "org.freedesktop.login1",
                                        "org.freedesktop.login1.Session", "Lock", path, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, login1_lock, self, NULL);
}

static void
got_system_bus (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(OmbudApplication) self = take_weak_self (user_data);
  g_autoptr(GDBusConnection) bus = g_bus_get_finish (result, NULL);

  (void) source;
  /* No system bus (a container, a test): the screensaver property remains. */
  if (bus == NULL || self == NULL)
    return;
  self->system_bus = g_steal_pointer (&bus);
  g_dbus_connection_call (self->system_bus, "org.freedesktop.login1", "/org/freedesktop/login1",
                          "org.freedesktop.login1.Manager", "GetSessionByPID",
                          g_variant_new ("(u)", (guint32) getpid ()), G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL, got_login1_session,
                          weak_self (self));
}

/* GTK reports the screensaver through the GNOME session manager or the
 * portal's session monitor; logind's Lock signal covers the other desktops
 * and `loginctl lock-session`. */
static void
watch_desktop_lock (OmbudApplication *self)
{
  g_signal_connect_swapped (self, "notify::screensaver-active", G_CALLBACK (screensaver_changed), self);
  g_bus_get (G_BUS_TYPE_SYSTEM, NULL, got_system_bus, weak_self (self));
}

/* ---- actions -------------------------------------------------------------- */

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  (void) action; (void) parameter;
  g_application_quit (G_APPLICATION (user_data));
}

static void
lock_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  (void) action; (void) parameter;
  lock_now (user_data);
}

/* On request: even when the monitor says offline (it can be wrong). */
static void
sync_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  (void) action; (void) parameter;
  ombud_application_sync (user_data, TRUE);
}

static void
show_upcoming_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  (void) action; (void) parameter;
  if (window != NULL)
    {
      gtk_widget_activate_action (GTK_WIDGET (window), "win.show-upcoming", NULL);
      gtk_window_present (window);
    }
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  OmbudApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  OmbudPreferencesWindow *prefs;

  (void) action; (void) parameter;
  if (self->session == NULL || !ombud_session_get_unlocked (self->session))
    return;
  prefs = ombud_preferences_window_new (window, self);
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
shortcuts_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/se/ombud/Ombud/ombud-shortcuts.ui");
  GtkWindow *shortcuts = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts"));

  (void) action; (void) parameter;
  gtk_window_set_transient_for (shortcuts, window);
  gtk_window_present (shortcuts);
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  const char *developers[] = { "The Ombud contributors", NULL };

  (void) action; (void) parameter;
  adw_show_about_window (window,
                         "application-name", _("Ombud"),
                         "application-icon", OMBUD_APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "developer-name", _("The Ombud contributors"),
                         "developers", developers,
                         "comments", _("Case work for personal ombuds, offline first"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = quit_activated },
  { .name = "lock", .activate = lock_activated },
  { .name = "sync", .activate = sync_activated },
  { .name = "preferences", .activate = preferences_activated },
  { .name = "shortcuts", .activate = shortcuts_activated },
  { .name = "about", .activate = about_activated },
  { .name = "show-upcoming", .activate = show_upcoming_activated },
};

static void
set_accels (GtkApplication *app)
{
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.lock", { "<Control>l", NULL } },
    { "app.sync", { "<Control>r", "F5", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "app.shortcuts", { "<Control>question", NULL } },
    { "win.new-case", { "<Control>n", NULL } },
    { "win.search", { "<Control>f", NULL } },
    { "window.close", { "<Control>w", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (app, accels[i].action, accels[i].accels);
}

/* ---- GApplication --------------------------------------------------------- */

static GSettings *
settings_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, SETTINGS_SCHEMA, TRUE);
  return schema != NULL ? g_settings_new_full (schema, NULL, NULL) : NULL;
}

static char *
default_profile_dir (GSettings *settings)
{
  g_autofree char *configured = settings ? g_settings_get_string (settings, "profile-dir") : NULL;

  if (configured != NULL && *configured != '\0')
    return g_steal_pointer (&configured);
  return g_build_filename (g_get_user_data_dir (), "ombud", "profile", NULL);
}

static int
ombud_application_handle_local_options (GApplication *app,
                                        GVariantDict *options)
{
  OmbudApplication *self = OMBUD_APPLICATION (app);
  const char *profile = NULL;

  if (g_variant_dict_lookup (options, "profile", "^&ay", &profile) && *profile != '\0')
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (profile);
      g_free (self->profile_dir);
      self->profile_dir = g_file_get_path (file);
    }
  return -1;
}

static void
ombud_application_startup (GApplication *app)
{
  OmbudApplication *self = OMBUD_APPLICATION (app);

  G_APPLICATION_CLASS (ombud_application_parent_class)->startup (app);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  set_accels (GTK_APPLICATION (self));

  self->settings = settings_if_installed ();
  if (self->settings != NULL)
    {
      g_settings_bind (self->settings, "auto-lock-minutes", self, "auto-lock-minutes", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "sync-interval-minutes", self, "sync-interval-minutes",
                       G_SETTINGS_BIND_DEFAULT);
    }
  if (self->profile_dir == NULL)
    self->profile_dir = default_profile_dir (self->settings);
  self->session = ombud_session_new (self->profile_dir);
  g_signal_connect_object (self->session, "notify::unlocked", G_CALLBACK (unlocked_changed), self, 0);

  self->scheduler = ombud_sync_scheduler_new (NULL);
  apply_sync_interval (self);
  g_signal_connect_object (self->scheduler, "sync-due", G_CALLBACK (sync_due), self, G_CONNECT_SWAPPED);
  watch_desktop_lock (self);
}

static void
ombud_application_activate (GApplication *app)
{
  OmbudApplication *self = OMBUD_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (ombud_window_new (self));
  gtk_window_present (window);
}

static void
ombud_application_shutdown (GApplication *app)
{
  OmbudApplication *self = OMBUD_APPLICATION (app);

  g_clear_handle_id (&self->reminders_timer, g_source_remove);
  if (self->sync_cancellable != NULL)
    g_cancellable_cancel (self->sync_cancellable);
  if (self->reminders_cancellable != NULL)
    g_cancellable_cancel (self->reminders_cancellable);
  if (self->session != NULL)
    {
      /* Everything asked for is saved before the keys go. */
      ombud_session_lock (self->session);
      ombud_session_flush (self->session);
    }
  if (self->system_bus != NULL && self->login1_lock_watch != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->login1_lock_watch);
  self->login1_lock_watch = 0;
  G_APPLICATION_CLASS (ombud_application_parent_class)->shutdown (app);
}

static void
ombud_application_finalize (GObject *object)
{
  OmbudApplication *self = OMBUD_APPLICATION (object);

  g_clear_handle_id (&self->reminders_timer, g_source_remove);
  g_clear_object (&self->sync_cancellable);
  g_clear_object (&self->reminders_cancellable);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->system_bus);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_free (self->profile_dir);
  G_OBJECT_CLASS (ombud_application_parent_class)->finalize (object);
}

static void
ombud_application_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  OmbudApplication *self = OMBUD_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_PROFILE_DIR: g_value_set_string (value, self->profile_dir); break;
    case PROP_SESSION: g_value_set_object (value, self->session); break;
    case PROP_AUTO_LOCK_MINUTES: g_value_set_uint (value, self->auto_lock_minutes); break;
    case PROP_SYNC_INTERVAL_MINUTES: g_value_set_uint (value, self->sync_interval_minutes); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_application_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  OmbudApplication *self = OMBUD_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_PROFILE_DIR:
      g_free (self->profile_dir);
      self->profile_dir = g_value_dup_string (value);
      break;
    case PROP_AUTO_LOCK_MINUTES:
      self->auto_lock_minutes = g_value_get_uint (value);
      break;
    case PROP_SYNC_INTERVAL_MINUTES:
      if (self->sync_interval_minutes == g_value_get_uint (value))
        return;
      self->sync_interval_minutes = g_value_get_uint (value);
      apply_sync_interval (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
}

static void
ombud_application_class_init (OmbudApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = ombud_application_finalize;
  object_class->get_property = ombud_application_get_property;
  object_class->set_property = ombud_application_set_property;
  app_class->handle_local_options = ombud_application_handle_local_options;
  app_class->startup = ombud_application_startup;
  app_class->activate = ombud_application_activate;
  app_class->shutdown = ombud_application_shutdown;

  properties[PROP_PROFILE_DIR] =
    g_param_spec_string ("profile-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, OMBUD_TYPE_SESSION,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTO_LOCK_MINUTES] =
    g_param_spec_uint ("auto-lock-minutes", NULL, NULL, 1, 240, DEFAULT_AUTO_LOCK_MINUTES,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SYNC_INTERVAL_MINUTES] =
    g_param_spec_uint ("sync-interval-minutes", NULL, NULL, 1, 1440, DEFAULT_SYNC_INTERVAL_MINUTES,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * OmbudApplication::sync-finished:
   * @on_request: the user asked for it (sync now, retry)
   * @error: (nullable): why it failed, NULL on success
   */
  signals[SIGNAL_SYNC_FINISHED] =
    g_signal_new ("sync-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_ERROR);
}

static void
ombud_application_init (OmbudApplication *self)
{
  const GOptionEntry options[] = {
    { "profile", 'p', 0, G_OPTION_ARG_FILENAME, NULL,
      N_("The profile folder to open (default: the one in the settings)"), N_("DIR") },
    { NULL }
  };

  self->auto_lock_minutes = DEFAULT_AUTO_LOCK_MINUTES;
  self->sync_interval_minutes = DEFAULT_SYNC_INTERVAL_MINUTES;
  g_application_add_main_option_entries (G_APPLICATION (self), options);
}
