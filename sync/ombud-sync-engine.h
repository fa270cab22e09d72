/* ombud-sync-engine.h: a laptop's side of sync with the office
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One sync pushes the outbox, pulls until the office has nothing more, and
 * applies what came through shared/'s merge; the cursor is saved only after
 * the data it covers is durable (PROTOCOL.md §5).  The engine's properties
 * say what it is doing for the window and the CLI: status, last success,
 * changes waiting, the office's clock.
 */
#pragma once

#include <gio/gio.h>

#include "ombud-caseload.h"
#include "ombud-http.h"

G_BEGIN_DECLS

#define OMBUD_SYNC_ERROR (ombud_sync_error_quark ())

typedef enum {
  OMBUD_SYNC_ERROR_NOT_ENROLLED,   /* this profile has no office yet */
  OMBUD_SYNC_ERROR_OFFLINE,        /* the office could not be reached, or the link broke: try later */
  OMBUD_SYNC_ERROR_REFUSED,        /* the office refused the request; the message gives its reason */
  OMBUD_SYNC_ERROR_REVOKED,        /* this device was revoked and its replica wiped */
  OMBUD_SYNC_ERROR_NOT_AUTHENTIC,  /* an answer that is not the office's (wrong key, tampered) */
  OMBUD_SYNC_ERROR_TLS,            /* the office's certificate did not verify */
  OMBUD_SYNC_ERROR_CANCELLED,
  OMBUD_SYNC_ERROR_FAILED,
} OmbudSyncError;

typedef enum {
  OMBUD_SYNC_STATUS_IDLE,
  OMBUD_SYNC_STATUS_SYNCING,
  OMBUD_SYNC_STATUS_OFFLINE,
  OMBUD_SYNC_STATUS_ERROR,
} OmbudSyncStatus;

/* What the last sync did, for progress and the benchmarks. */
typedef struct {
  guint   requests;
  guint   connections;
  guint64 bytes_sent;
  guint64 bytes_received;
  guint   pushed;
  guint   pulled;
  guint   held;          /* changesets kept until their keys arrive */
} OmbudSyncStats;

#define OMBUD_TYPE_SYNC_ENGINE (ombud_sync_engine_get_type ())
G_DECLARE_FINAL_TYPE (OmbudSyncEngine, ombud_sync_engine, OMBUD, SYNC_ENGINE, GObject)

GQuark           ombud_sync_error_quark             (void);

OmbudSyncEngine *ombud_sync_engine_new              (OmbudCaseload    *caseload);

/* One whole sync.  Blocks: call it from a worker thread, or use _async.
 * The caseload must not be used by another thread meanwhile. */
gboolean         ombud_sync_engine_sync             (OmbudSyncEngine  *self,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
/* Retries a sync that failed for want of a network (OFFLINE), waiting with
 * back-off and jitter between tries, at most max_tries times. */
gboolean         ombud_sync_engine_sync_with_retry  (OmbudSyncEngine  *self,
                                                     guint             max_tries,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
void             ombud_sync_engine_sync_async       (OmbudSyncEngine  *self,
                                                     GCancellable     *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer          user_data);
gboolean         ombud_sync_engine_sync_finish      (OmbudSyncEngine  *self,
                                                     GAsyncResult     *result,
                                                     GError          **error);

OmbudSyncStatus  ombud_sync_engine_get_status       (OmbudSyncEngine  *self);
const char      *ombud_sync_engine_get_error_message (OmbudSyncEngine *self);
gint64           ombud_sync_engine_get_last_success (OmbudSyncEngine  *self);
guint            ombud_sync_engine_get_changes_waiting (OmbudSyncEngine *self);
gint64           ombud_sync_engine_get_clock_offset (OmbudSyncEngine  *self);
const OmbudSyncStats *ombud_sync_engine_get_stats   (OmbudSyncEngine  *self);
/* Tests and benchmarks: the bytes of changesets asked for per response. */
void             ombud_sync_engine_set_budget       (OmbudSyncEngine  *self,
                                                     guint32           budget);
/* Tests: back-off waits in [base/2, base·2^n] capped (default 2 s, 5 min). */
void             ombud_sync_engine_set_backoff      (OmbudSyncEngine  *self,
                                                     guint             base_ms,
                                                     guint             cap_ms);

G_END_DECLS
