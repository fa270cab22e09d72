/* ombud-sync-scheduler.h: when the window should sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The scheduler decides when; the window's session runs the engine when
 * "sync-due" fires, calling _started() as the sync begins and _finished()
 * when it ends.  A sync is due
 *   - when the network monitor says a network became available;
 *   - every "interval" seconds while online, counted from the end of the
 *     last sync (or from the last time one was due);
 *   - on demand (_request), even when the monitor says offline: the user
 *     asked, and the monitor can be wrong (a VPN, a captive portal);
 *   - after a failed sync, when the back-off says (ombud-backoff.h), while
 *     online; a success resets the back-off.
 * Never while a sync runs: what becomes due meanwhile (a request, the
 * network coming back) gives exactly one more "sync-due" after _finished().
 * Going offline drops the timer; coming back makes a sync due at once.
 * It lives on the thread whose thread-default main context was current
 * when it was made, and must be used there.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OMBUD_SYNC_SCHEDULER_DEFAULT_INTERVAL 300   /* seconds */

#define OMBUD_TYPE_SYNC_SCHEDULER (ombud_sync_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (OmbudSyncScheduler, ombud_sync_scheduler, OMBUD, SYNC_SCHEDULER, GObject)

/* monitor: NULL for g_network_monitor_get_default (). */
OmbudSyncScheduler *ombud_sync_scheduler_new          (GNetworkMonitor    *monitor);

void                ombud_sync_scheduler_request      (OmbudSyncScheduler *self);
void                ombud_sync_scheduler_started      (OmbudSyncScheduler *self);
void                ombud_sync_scheduler_finished     (OmbudSyncScheduler *self,
                                                       gboolean            success);

gboolean            ombud_sync_scheduler_get_online   (OmbudSyncScheduler *self);
gboolean            ombud_sync_scheduler_get_running  (OmbudSyncScheduler *self);
guint               ombud_sync_scheduler_get_interval (OmbudSyncScheduler *self);
void                ombud_sync_scheduler_set_interval (OmbudSyncScheduler *self,
                                                       guint               seconds);
/* The monotonic time (g_get_monotonic_time) the next sync is due at, or 0
 * when none is scheduled (offline, or a sync is running). */
gint64              ombud_sync_scheduler_get_next_due (OmbudSyncScheduler *self);
/* Tests: the back-off after failures (default 2 s to 5 min) and its seed. */
void                ombud_sync_scheduler_set_backoff  (OmbudSyncScheduler *self,
                                                       guint               base_ms,
                                                       guint               cap_ms,
                                                       guint32             seed);

G_END_DECLS
