/* ombud-session.h: one profile as the window sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window must never wait on disk, crypto or the network, and a caseload
 * (one SQLite connection) must only be used by one thread.  So a session owns
 * the profile's store, caseload and sync engine on a worker thread of its own
 * and runs every piece of work there, one at a time, in the order it was
 * asked for; results come back in the main context that asked.  Its
 * properties mirror the worker's state for binding: they change only in that
 * main context.
 */
#pragma once

#include <gio/gio.h>

#include "ombud-caseload.h"
#include "ombud-sync-engine.h"

G_BEGIN_DECLS

#define OMBUD_SESSION_ERROR (ombud_session_error_quark ())

typedef enum {
  OMBUD_SESSION_ERROR_LOCKED,        /* the profile is locked (or being locked): unlock first */
  OMBUD_SESSION_ERROR_NOT_ENROLLED,  /* no office yet: sync needs enrolment */
  OMBUD_SESSION_ERROR_BUSY,          /* a sync is already running */
} OmbudSessionError;

/* Runs on the session's worker thread with the unlocked caseload.  Returns
 * the result (freed with the result_free given alongside), or NULL with
 * error set.  A function that returns no result returns GINT_TO_POINTER (1). */
typedef gpointer (*OmbudSessionFunc) (OmbudCaseload  *caseload,
                                      gpointer        data,
                                      GCancellable   *cancellable,
                                      GError        **error);

#define OMBUD_TYPE_SESSION (ombud_session_get_type ())
G_DECLARE_FINAL_TYPE (OmbudSession, ombud_session, OMBUD, SESSION, GObject)

GQuark        ombud_session_error_quark     (void);

OmbudSession *ombud_session_new             (const char           *profile_dir);
const char   *ombud_session_get_profile_dir (OmbudSession         *self);
/* Whether the profile exists on disk (a file check, cheap). */
gboolean      ombud_session_get_exists      (OmbudSession         *self);
gboolean      ombud_session_get_unlocked    (OmbudSession         *self);
gboolean      ombud_session_get_enrolled    (OmbudSession         *self);
gboolean      ombud_session_get_syncing     (OmbudSession         *self);
OmbudSyncStatus ombud_session_get_sync_status (OmbudSession       *self);
const char   *ombud_session_get_sync_error  (OmbudSession         *self);
gint64        ombud_session_get_last_success (OmbudSession        *self);
guint         ombud_session_get_changes_waiting (OmbudSession     *self);
gint64        ombud_session_get_clock_offset (OmbudSession        *self);

/* The passphrase is copied into locked memory at once; the caller should
 * clear its own copy (the entry's text) right after the call. */
void          ombud_session_create_async    (OmbudSession         *self,
                                             const char           *passphrase,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean      ombud_session_create_finish   (OmbudSession         *self,
                                             GAsyncResult         *result,
                                             GError              **error);
void          ombud_session_unlock_async    (OmbudSession         *self,
                                             const char           *passphrase,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean      ombud_session_unlock_finish   (OmbudSession         *self,
                                             GAsyncResult         *result,
                                             GError              **error);
/* A profile that said OMBUD_STORE_ERROR_STALE: asks the office for its
 * share, unlocks and syncs (PROTOCOL.md §10.4).  Fails with the sync's
 * error when the office cannot give it (OFFLINE, REVOKED: then wiped). */
void          ombud_session_unlock_by_syncing_async  (OmbudSession         *self,
                                                      const char           *passphrase,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean      ombud_session_unlock_by_syncing_finish (OmbudSession         *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
/* Locks now as far as the window is concerned (unlocked turns FALSE, a
 * running sync is cancelled, reads still queued fail with LOCKED); writes
 * already asked for are still saved before the keys are wiped. */
void          ombud_session_lock            (OmbudSession         *self);

/* Reads: func runs on the worker; nothing is assumed to have changed. */
void          ombud_session_run_async       (OmbudSession         *self,
                                             OmbudSessionFunc      func,
                                             gpointer              data,
                                             GDestroyNotify        data_free,
                                             GDestroyNotify        result_free,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
/* Writes: as run, but once func has returned (its transaction committed)
 * the session emits ::changed and updates changes-waiting, before callback. */
void          ombud_session_write_async     (OmbudSession         *self,
                                             OmbudSessionFunc      func,
                                             gpointer              data,
                                             GDestroyNotify        data_free,
                                             GDestroyNotify        result_free,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
/* Transfer full; NULL with error set on failure. */
gpointer      ombud_session_run_finish      (OmbudSession         *self,
                                             GAsyncResult         *result,
                                             GError              **error);

void          ombud_session_enrol_async     (OmbudSession         *self,
                                             const char           *url,
                                             const char           *code,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
/* Returns the office's fingerprint for the user to compare.  The
 * organisation's first coordinator also gets its recovery key, to be shown
 * once and written down; NULL for everyone else. */
char         *ombud_session_enrol_finish    (OmbudSession         *self,
                                             GAsyncResult         *result,
                                             char                **recovery_key,
                                             GError              **error);

/* One whole sync on the worker.  ::sync-progress reports each request. */
void          ombud_session_sync_async      (OmbudSession         *self,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean      ombud_session_sync_finish     (OmbudSession         *self,
                                             GAsyncResult         *result,
                                             GError              **error);

/* Waits until every piece of work asked for so far has run (tests, quit). */
void          ombud_session_flush           (OmbudSession         *self);

G_END_DECLS
