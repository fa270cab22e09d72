/* ombud-sync-digest.h: a laptop's side of divergence repair
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROTOCOL.md §10.2.  The laptop keeps a digest of the set of its own
 * changesets the office took; the office computes it from what it stores.
 * When they differ — a profile restored from an old copy, say — the laptop
 * pulls everything again from cursor 0, its own changesets included,
 * keeping its outbox, and takes the office's digest as its own.
 */
#pragma once

#include "ombud-caseload.h"
#include "ombud-sync-message.h"
#include "ombud-sync-state.h"

G_BEGIN_DECLS

/* Adds "holds" (or, during a resync, "resync") to a confirmed device's
 * request; "holds" only in a sync's first round (the office's check reads
 * every id the device should hold) and only when every changeset the
 * office may have taken from this device without saying so yet is in this
 * request. */
gboolean  ombud_sync_digest_request  (OmbudCaseload      *caseload,
                                      OmbudSyncConfig    *config,
                                      OmbudSyncRequest   *request,
                                      gboolean            first_round,
                                      GError            **error);
/* Inside the answer's transaction, after config->cursor took the answer's:
 * counts what the office took; starts a resync when the office says so
 * (cursor 0, *again), ends it when nothing more waits. */
gboolean  ombud_sync_digest_response (OmbudCaseload      *caseload,
                                      OmbudSyncConfig    *config,
                                      OmbudSyncResponse  *response,
                                      gboolean           *again,
                                      GError            **error);

G_END_DECLS
