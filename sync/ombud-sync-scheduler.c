/* ombud-sync-scheduler.c: when the window should sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-sync-scheduler.h"

#include "ombud-backoff.h"

#define DEFAULT_BACKOFF_BASE_MS 2000
#define DEFAULT_BACKOFF_CAP_MS  (5 * 60 * 1000)

struct _OmbudSyncScheduler
{
  GObject          parent_instance;

  GNetworkMonitor *monitor;
  GMainContext    *context;
  GSource         *timer;
  gboolean         timer_is_interval;
  gint64           next_due;
  guint            interval;
  gboolean         online;
  gboolean         running;
  gboolean         pending;   /* became due while running */
  OmbudBackoff     backoff;
};

G_DEFINE_FINAL_TYPE (OmbudSyncScheduler, ombud_sync_scheduler, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ONLINE,
  PROP_RUNNING,
  PROP_INTERVAL,
  PROP_NEXT_DUE,
  N_PROPS
};

enum {
  SIGNAL_SYNC_DUE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void schedule (OmbudSyncScheduler *self, guint delay_ms, gboolean is_interval);

static void
set_next_due (OmbudSyncScheduler *self,
              gint64              next_due)
{
  if (self->next_due == next_due)
    return;
  self->next_due = next_due;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEXT_DUE]);
}

static void
cancel_timer (OmbudSyncScheduler *self)
{
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  set_next_due (self, 0);
}

/* Whoever handles sync-due may call _started() (and even _finished())
 * before emission returns; the timer is set again only when it did not. */
static void
emit_due (OmbudSyncScheduler *self)
{
  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_SYNC_DUE], 0);
  if (!self->running && self->timer == NULL && self->online)
    schedule (self, self->interval * 1000u, TRUE);
  g_object_unref (self);
}

static gboolean
on_timer (gpointer data)
{
  OmbudSyncScheduler *self = data;

  g_clear_pointer (&self->timer, g_source_unref);
  set_next_due (self, 0);
  if (self->running)
    self->pending = TRUE;
  else
    emit_due (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (OmbudSyncScheduler *self,
          guint               delay_ms,
          gboolean            is_interval)
{
  cancel_timer (self);
  self->timer = g_timeout_source_new (delay_ms);
  self->timer_is_interval = is_interval;
  g_source_set_callback (self->timer, on_timer, self, NULL);
  g_source_set_static_name (self->timer, "[ombud] sync scheduler");
  g_source_attach (self->timer, self->context);
  set_next_due (self, g_get_monotonic_time () + (gint64) delay_ms * 1000);
}

/* Due as soon as the main loop comes round: several reasons at once (a
 * monitor emits network-changed more than once) make one sync. */
static void
due_now (OmbudSyncScheduler *self)
{
  if (self->running)
    self->pending = TRUE;
  else
    schedule (self, 0, FALSE);
}

static void
on_network_changed (GNetworkMonitor    *monitor,
                    gboolean            available,
                    OmbudSyncScheduler *self)
{
  (void) monitor;
  if (available == self->online)
    return;
  self->online = available;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
  if (available)
    due_now (self);
  else
    cancel_timer (self);
}

static void
ombud_sync_scheduler_dispose (GObject *object)
{
  OmbudSyncScheduler *self = OMBUD_SYNC_SCHEDULER (object);

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  G_OBJECT_CLASS (ombud_sync_scheduler_parent_class)->dispose (object);
}

static void
ombud_sync_scheduler_finalize (GObject *object)
{
  OmbudSyncScheduler *self = OMBUD_SYNC_SCHEDULER (object);

  ombud_backoff_clear (&self->backoff);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (ombud_sync_scheduler_parent_class)->finalize (object);
}

static void
ombud_sync_scheduler_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  OmbudSyncScheduler *self = OMBUD_SYNC_SCHEDULER (object);

  switch (prop_id)
    {
    case PROP_ONLINE: g_value_set_boolean (value, self->online); break;
    case PROP_RUNNING: g_value_set_boolean (value, self->running); break;
    case PROP_INTERVAL: g_value_set_uint (value, self->interval); break;
    case PROP_NEXT_DUE: g_value_set_int64 (value, self->next_due); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_sync_scheduler_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  OmbudSyncScheduler *self = OMBUD_SYNC_SCHEDULER (object);

  switch (prop_id)
    {
    case PROP_INTERVAL: ombud_sync_scheduler_set_interval (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_sync_scheduler_class_init (OmbudSyncSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = ombud_sync_scheduler_dispose;
  object_class->finalize = ombud_sync_scheduler_finalize;
  object_class->get_property = ombud_sync_scheduler_get_property;
  object_class->set_property = ombud_sync_scheduler_set_property;

  properties[PROP_ONLINE] = g_param_spec_boolean ("online", NULL, NULL, FALSE, ro);
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 1, G_MAXUINT / 1000u, OMBUD_SYNC_SCHEDULER_DEFAULT_INTERVAL,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_NEXT_DUE] = g_param_spec_int64 ("next-due", NULL, NULL, 0, G_MAXINT64, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * OmbudSyncScheduler::sync-due:
   *
   * Run a sync now: call ombud_sync_scheduler_started() as it begins and
   * ombud_sync_scheduler_finished() when it ends.
   */
  signals[SIGNAL_SYNC_DUE] = g_signal_new ("sync-due", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ombud_sync_scheduler_init (OmbudSyncScheduler *self)
{
  self->interval = OMBUD_SYNC_SCHEDULER_DEFAULT_INTERVAL;
  self->context = g_main_context_ref_thread_default ();
  ombud_backoff_init (&self->backoff, DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_CAP_MS, 0);
}

OmbudSyncScheduler *
ombud_sync_scheduler_new (GNetworkMonitor *monitor)
{
  OmbudSyncScheduler *self;

  g_return_val_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor), NULL);

  self = g_object_new (OMBUD_TYPE_SYNC_SCHEDULER, NULL);
  self->monitor = g_object_ref (monitor ? monitor : g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);
  /* Online at start: sync once the window's loop runs. */
  self->online = g_network_monitor_get_network_available (self->monitor);
  if (self->online)
    due_now (self);
  return self;
}

void
ombud_sync_scheduler_request (OmbudSyncScheduler *self)
{
  g_return_if_fail (OMBUD_IS_SYNC_SCHEDULER (self));

  due_now (self);
}

void
ombud_sync_scheduler_started (OmbudSyncScheduler *self)
{
  g_return_if_fail (OMBUD_IS_SYNC_SCHEDULER (self));

  cancel_timer (self);
  if (self->running)
    return;
  self->running = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

void
ombud_sync_scheduler_finished (OmbudSyncScheduler *self,
                               gboolean            success)
{
  guint delay_ms;

  g_return_if_fail (OMBUD_IS_SYNC_SCHEDULER (self));

  if (self->running)
    {
      self->running = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
    }
  if (success)
    {
      ombud_backoff_succeed (&self->backoff);
      delay_ms = self->interval * 1000u;
    }
  else
    delay_ms = ombud_backoff_fail (&self->backoff);

  if (self->pending)
    {
      self->pending = FALSE;
      schedule (self, 0, FALSE);
    }
  else if (self->online)
    schedule (self, delay_ms, success);
  else
    cancel_timer (self);
}

gboolean ombud_sync_scheduler_get_online (OmbudSyncScheduler *self) { return self->online; }
gboolean ombud_sync_scheduler_get_running (OmbudSyncScheduler *self) { return self->running; }
guint ombud_sync_scheduler_get_interval (OmbudSyncScheduler *self) { return self->interval; }
gint64 ombud_sync_scheduler_get_next_due (OmbudSyncScheduler *self) { return self->next_due; }

void
ombud_sync_scheduler_set_interval (OmbudSyncScheduler *self,
                                   guint               seconds)
{
  g_return_if_fail (OMBUD_IS_SYNC_SCHEDULER (self));
  g_return_if_fail (seconds >= 1 && seconds <= G_MAXUINT / 1000u);

  if (self->interval == seconds)
    return;
  self->interval = seconds;
  if (self->timer != NULL && self->timer_is_interval)
    schedule (self, seconds * 1000u, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}

void
ombud_sync_scheduler_set_backoff (OmbudSyncScheduler *self,
                                  guint               base_ms,
                                  guint               cap_ms,
                                  guint32             seed)
{
  g_return_if_fail (OMBUD_IS_SYNC_SCHEDULER (self));

  ombud_backoff_clear (&self->backoff);
  ombud_backoff_init (&self->backoff, base_ms, cap_ms, seed);
}
