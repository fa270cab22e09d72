/* ombud-sync-guard.h: a laptop's side of locking its replica when it stops syncing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROTOCOL.md §10.4.  While syncing: the guard public key goes to the
 * office until it answers with a share, and each share that comes back
 * renews the deadline (the first guards the key file).  Past the deadline:
 * POST /v1/share fetches the share again before the store can open.
 */
#pragma once

#include "ombud-caseload.h"
#include "ombud-store.h"
#include "ombud-sync-message.h"
#include "ombud-sync-state.h"

G_BEGIN_DECLS

/* The sync engine's hooks.  The response hook runs after the answer's
 * transaction committed: the sync succeeded. */
gboolean  ombud_sync_guard_request    (OmbudCaseload      *caseload,
                                       OmbudSyncConfig    *config,
                                       OmbudSyncRequest   *request,
                                       GError            **error);
gboolean  ombud_sync_guard_response   (OmbudCaseload      *caseload,
                                       OmbudSyncConfig    *config,
                                       OmbudSyncResponse  *response,
                                       GError            **error);

/* On a locked profile that said OMBUD_STORE_ERROR_STALE: asks the office
 * for the share (POST /v1/share) and writes it into the guard with the last
 * sync time at now; the store then unlocks as usual.  The office
 * unreachable: OMBUD_SYNC_ERROR_OFFLINE (or _TLS), nothing changed.  A
 * revoked device: the profile is wiped, OMBUD_SYNC_ERROR_REVOKED. */
gboolean  ombud_sync_guard_fetch_share (OmbudStore        *store,
                                        const char        *passphrase,
                                        GCancellable      *cancellable,
                                        GError           **error);

/* The wipe of a revoked device's replica (PROTOCOL.md §6.7). */
void      ombud_sync_wipe_profile_dir  (const char        *dir);

G_END_DECLS
