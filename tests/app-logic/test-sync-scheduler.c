/* test-sync-scheduler.c: when a sync is due, driven by the main loop and a
 * network monitor of the test's own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every assertion is on the order and number of "sync-due" emissions; the
 * main loop runs until an expected emission or for a stretch in which none
 * may come.  A guard ends a wait that would hang; no duration is asserted.
 */
#include "ombud-sync-scheduler.h"

/* ---- a network monitor the test switches ------------------------------------------ */

#define TEST_TYPE_MONITOR (test_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestMonitor, test_monitor, TEST, MONITOR, GObject)

struct _TestMonitor
{
  GObject  parent_instance;
  gboolean available;
};

enum { MON_PROP_0, MON_PROP_AVAILABLE, MON_PROP_METERED, MON_PROP_CONNECTIVITY };

static void test_monitor_initable_iface_init (GInitableIface *iface);
static void test_monitor_iface_init (GNetworkMonitorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestMonitor, test_monitor, G_TYPE_OBJECT,
  G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_monitor_initable_iface_init)
  G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_monitor_iface_init))

static gboolean
test_monitor_initable_init (G_GNUC_UNUSED GInitable    *initable,
                            G_GNUC_UNUSED GCancellable *cancellable,
                            G_GNUC_UNUSED GError      **error)
{
  return TRUE;
}

static void
test_monitor_initable_iface_init (GInitableIface *iface)
{
  iface->init = test_monitor_initable_init;
}

static void
test_monitor_iface_init (G_GNUC_UNUSED GNetworkMonitorInterface *iface)
{
}

static void
test_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TestMonitor *self = TEST_MONITOR (object);

  switch (prop_id)
    {
    case MON_PROP_AVAILABLE: g_value_set_boolean (value, self->available); break;
    case MON_PROP_METERED: g_value_set_boolean (value, FALSE); break;
    case MON_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_monitor_class_init (TestMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_monitor_get_property;
  g_object_class_override_property (object_class, MON_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, MON_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, MON_PROP_CONNECTIVITY, "connectivity");
}

static void
test_monitor_init (G_GNUC_UNUSED TestMonitor *self)
{
}

/* As GLib's monitors do: the property, then the signal (sometimes twice). */
static void
test_monitor_set_available (TestMonitor *self,
                            gboolean     available)
{
  self->available = available;
  g_object_notify (G_OBJECT (self), "network-available");
  g_signal_emit_by_name (self, "network-changed", available);
  g_signal_emit_by_name (self, "network-changed", available);
}

/* ---- the harness ----------------------------------------------------------------- */

typedef enum {
  RUN_NOTHING,          /* note the emission only */
  RUN_START,            /* start a sync and leave it running */
  RUN_SUCCEED,          /* a sync that starts and succeeds at once */
  RUN_FAIL,             /* a sync that starts and fails at once */
} Behaviour;

typedef struct {
  TestMonitor        *monitor;
  OmbudSyncScheduler *scheduler;
  Behaviour           behaviour;
  guint               due;
  GString            *log;       /* "due", "due(running)" … in order */
  GMainLoop          *loop;
  guint               wait_for;
} Harness;

static void
on_sync_due (OmbudSyncScheduler *scheduler,
             Harness            *h)
{
  g_assert_false (ombud_sync_scheduler_get_running (scheduler));
  h->due++;
  g_string_append_printf (h->log, "%sdue", h->log->len ? " " : "");
  switch (h->behaviour)
    {
    case RUN_NOTHING: break;
    case RUN_START: ombud_sync_scheduler_started (scheduler); break;
    case RUN_SUCCEED:
    case RUN_FAIL:
      ombud_sync_scheduler_started (scheduler);
      ombud_sync_scheduler_finished (scheduler, h->behaviour == RUN_SUCCEED);
      break;
    }
  if (h->wait_for != 0 && h->due >= h->wait_for)
    g_main_loop_quit (h->loop);
}

static Harness *
harness_new (gboolean  online,
             guint     interval,
             Behaviour behaviour)
{
  Harness *h = g_new0 (Harness, 1);

  h->monitor = g_object_new (TEST_TYPE_MONITOR, NULL);
  h->monitor->available = online;
  h->log = g_string_new (NULL);
  h->loop = g_main_loop_new (NULL, FALSE);
  h->behaviour = behaviour;
  h->scheduler = ombud_sync_scheduler_new (G_NETWORK_MONITOR (h->monitor));
  ombud_sync_scheduler_set_interval (h->scheduler, interval);
  ombud_sync_scheduler_set_backoff (h->scheduler, 20, 40, 7);
  g_signal_connect (h->scheduler, "sync-due", G_CALLBACK (on_sync_due), h);
  return h;
}

static void
harness_free (Harness *h)
{
  g_object_unref (h->scheduler);
  g_object_unref (h->monitor);
  g_main_loop_unref (h->loop);
  g_string_free (h->log, TRUE);
  g_free (h);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Harness, harness_free)

static gboolean
on_guard (gpointer data)
{
  Harness *h = data;

  g_main_loop_quit (h->loop);
  return G_SOURCE_REMOVE;
}

/* Runs the loop until `total` emissions in all; fails after 20 s. */
static void
wait_for_due (Harness *h,
              guint    total)
{
  guint guard;

  if (h->due >= total)
    return;
  h->wait_for = total;
  guard = g_timeout_add_seconds (20, on_guard, h);
  g_main_loop_run (h->loop);
  h->wait_for = 0;
  g_source_remove (guard);
  g_assert_cmpuint (h->due, ==, total);
}

/* Runs the loop for ms; whatever comes meanwhile is counted. */
static void
run_for (Harness *h,
         guint    ms)
{
  g_timeout_add (ms, on_guard, h);
  g_main_loop_run (h->loop);
}

/* ---- the tests ------------------------------------------------------------------ */

static void
test_due_on_network_up (void)
{
  g_autoptr(Harness) h = harness_new (FALSE, 3600, RUN_SUCCEED);

  g_assert_false (ombud_sync_scheduler_get_online (h->scheduler));
  g_assert_cmpint (ombud_sync_scheduler_get_next_due (h->scheduler), ==, 0);
  run_for (h, 100);
  g_assert_cmpuint (h->due, ==, 0);

  /* The monitor says it twice; one sync. */
  test_monitor_set_available (h->monitor, TRUE);
  g_assert_true (ombud_sync_scheduler_get_online (h->scheduler));
  wait_for_due (h, 1);
  run_for (h, 100);
  g_assert_cmpuint (h->due, ==, 1);
  /* Then the next is an interval away. */
  g_assert_cmpint (ombud_sync_scheduler_get_next_due (h->scheduler), >,
                   g_get_monotonic_time () + G_GINT64_CONSTANT (3000) * G_USEC_PER_SEC);
}

static void
test_online_at_start (void)
{
  g_autoptr(Harness) h = harness_new (TRUE, 3600, RUN_SUCCEED);

  wait_for_due (h, 1);
  run_for (h, 100);
  g_assert_cmpuint (h->due, ==, 1);
}

static void
test_not_due_while_offline (void)
{
  g_autoptr(Harness) h = harness_new (FALSE, 1, RUN_SUCCEED);

  /* Over two intervals and a half: nothing. */
  run_for (h, 2500);
  g_assert_cmpuint (h->due, ==, 0);
  g_assert_cmpint (ombud_sync_scheduler_get_next_due (h->scheduler), ==, 0);
}

static void
test_interval_while_online_then_offline (void)
{
  g_autoptr(Harness) h = harness_new (TRUE, 1, RUN_SUCCEED);

  wait_for_due (h, 3);   /* at start, then twice on the timer */
  g_assert_cmpint (ombud_sync_scheduler_get_next_due (h->scheduler), >, 0);
  test_monitor_set_available (h->monitor, FALSE);
  g_assert_cmpint (ombud_sync_scheduler_get_next_due (h->scheduler), ==, 0);
  run_for (h, 2500);
  g_assert_cmpuint (h->due, ==, 3);

  test_monitor_set_available (h->monitor, TRUE);
  wait_for_due (h, 4);
}

/* With nobody running a sync, the timer keeps going while online. */
static void
test_interval_without_a_sync (void)
{
  g_autoptr(Harness) h = harness_new (TRUE, 1, RUN_NOTHING);

  wait_for_due (h, 3);
}

static void
test_never_while_running (void)
{
  g_autoptr(Harness) h = harness_new (TRUE, 1, RUN_START);

  wait_for_due (h, 1);
  g_assert_true (ombud_sync_scheduler_get_running (h->scheduler));
  g_assert_cmpint (ombud_sync_scheduler_get_next_due (h->scheduler), ==, 0);
  /* Two intervals pass, the network flaps, the user asks three times. */
  run_for (h, 2200);
  test_monitor_set_available (h->monitor, FALSE);
  test_monitor_set_available (h->monitor, TRUE);
  ombud_sync_scheduler_request (h->scheduler);
  ombud_sync_scheduler_request (h->scheduler);
  ombud_sync_scheduler_request (h->scheduler);
  run_for (h, 100);
  g_assert_cmpuint (h->due, ==, 1);

  /* It ends: exactly one more, at once. */
  h->behaviour = RUN_SUCCEED;
  ombud_sync_scheduler_set_interval (h->scheduler, 3600);
  ombud_sync_scheduler_finished (h->scheduler, TRUE);
  wait_for_due (h, 2);
  run_for (h, 300);
  g_assert_cmpuint (h->due, ==, 2);
  g_assert_cmpstr (h->log->str, ==, "due due");
}

/* Nothing became due while it ran: the next is an interval away. */
static void
test_finished_without_pending (void)
{
  g_autoptr(Harness) h = harness_new (TRUE, 3600, RUN_START);

  wait_for_due (h, 1);
  ombud_sync_scheduler_finished (h->scheduler, TRUE);
  g_assert_false (ombud_sync_scheduler_get_running (h->scheduler));
  run_for (h, 300);
  g_assert_cmpuint (h->due, ==, 1);
  g_assert_cmpint (ombud_sync_scheduler_get_next_due (h->scheduler), >,
                   g_get_monotonic_time () + G_GINT64_CONSTANT (3000) * G_USEC_PER_SEC);
}

static void
test_request (void)
{
  g_autoptr(Harness) h = harness_new (FALSE, 3600, RUN_SUCCEED);

  /* Honoured offline too: the user asked. */
  ombud_sync_scheduler_request (h->scheduler);
  ombud_sync_scheduler_request (h->scheduler);
  wait_for_due (h, 1);
  run_for (h, 100);
  g_assert_cmpuint (h->due, ==, 1);
  /* Offline, no timer after it. */
  g_assert_cmpint (ombud_sync_scheduler_get_next_due (h->scheduler), ==, 0);
}

/* Failures retry on the back-off (20–40 ms here) rather than the hour-long
 * interval; a success goes back to the interval. */
static void
test_backoff_after_failure (void)
{
  g_autoptr(Harness) h = harness_new (TRUE, 3600, RUN_FAIL);
  gint64 next;

  wait_for_due (h, 4);
  next = ombud_sync_scheduler_get_next_due (h->scheduler);
  g_assert_cmpint (next, >, 0);
  g_assert_cmpint (next, <, g_get_monotonic_time () + G_GINT64_CONSTANT (3000) * G_USEC_PER_SEC);

  h->behaviour = RUN_SUCCEED;
  wait_for_due (h, 5);
  run_for (h, 300);
  g_assert_cmpuint (h->due, ==, 5);
  g_assert_cmpint (ombud_sync_scheduler_get_next_due (h->scheduler), >,
                   g_get_monotonic_time () + G_GINT64_CONSTANT (3000) * G_USEC_PER_SEC);
}

/* A failure while offline waits for the network, not the back-off. */
static void
test_failure_offline_waits_for_network (void)
{
  g_autoptr(Harness) h = harness_new (FALSE, 3600, RUN_FAIL);

  ombud_sync_scheduler_request (h->scheduler);
  wait_for_due (h, 1);
  run_for (h, 300);
  g_assert_cmpuint (h->due, ==, 1);
  h->behaviour = RUN_SUCCEED;
  test_monitor_set_available (h->monitor, TRUE);
  wait_for_due (h, 2);
}

static void
on_notify (G_GNUC_UNUSED GObject    *object,
           GParamSpec               *pspec,
           GString                  *seen)
{
  g_string_append_printf (seen, "%s ", g_param_spec_get_name (pspec));
}

static void
test_properties (void)
{
  g_autoptr(Harness) h = harness_new (FALSE, 3600, RUN_START);
  g_autoptr(GString) seen = g_string_new (NULL);
  gboolean online = TRUE;
  guint interval = 0;

  g_signal_connect (h->scheduler, "notify", G_CALLBACK (on_notify), seen);
  g_object_get (h->scheduler, "online", &online, "interval", &interval, NULL);
  g_assert_false (online);
  g_assert_cmpuint (interval, ==, 3600);
  g_object_set (h->scheduler, "interval", 60, NULL);
  g_assert_cmpuint (ombud_sync_scheduler_get_interval (h->scheduler), ==, 60);
  test_monitor_set_available (h->monitor, TRUE);
  wait_for_due (h, 1);
  g_assert_cmpstr (seen->str, ==, "interval online next-due next-due running ");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync-scheduler/due-on-network-up", test_due_on_network_up);
  g_test_add_func ("/sync-scheduler/online-at-start", test_online_at_start);
  g_test_add_func ("/sync-scheduler/not-due-while-offline", test_not_due_while_offline);
  g_test_add_func ("/sync-scheduler/interval-while-online-then-offline", test_interval_while_online_then_offline);
  g_test_add_func ("/sync-scheduler/interval-without-a-sync", test_interval_without_a_sync);
  g_test_add_func ("/sync-scheduler/never-while-running", test_never_while_running);
  g_test_add_func ("/sync-scheduler/finished-without-pending", test_finished_without_pending);
  g_test_add_func ("/sync-scheduler/request", test_request);
  g_test_add_func ("/sync-scheduler/backoff-after-failure", test_backoff_after_failure);
  g_test_add_func ("/sync-scheduler/failure-offline-waits-for-network", test_failure_offline_waits_for_network);
  g_test_add_func ("/sync-scheduler/properties", test_properties);
  return g_test_run ();
}
