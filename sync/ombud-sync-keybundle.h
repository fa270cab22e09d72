/* ombud-sync-keybundle.h: a laptop's side of its ombud's key bundle
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROTOCOL.md §10.1.  The ombud sets a recovery passphrase on one laptop;
 * from then on every laptop of that ombud seals each case key of the
 * ombud's cases into the bundle at the office as part of its syncs.  A
 * replacement laptop, once confirmed, recovers every case key with that
 * passphrase alone.
 */
#pragma once

#include "ombud-caseload.h"
#include "ombud-sync-engine.h"
#include "ombud-sync-message.h"
#include "ombud-sync-state.h"

G_BEGIN_DECLS

/* Makes this ombud's bundle key from a new recovery passphrase (Argon2id
 * with these costs, refused below OMBUD_BUNDLE_MIN_*) and queues its anchor
 * for the next sync; every case key goes to the office again under it. */
gboolean  ombud_sync_key_bundle_set_passphrase (OmbudCaseload      *caseload,
                                                const char         *passphrase,
                                                gsize               passphrase_len,
                                                guint64             opslimit,
                                                guint64             memlimit,
                                                GError            **error);

/* On a replacement laptop: fetches the bundle (a sync), opens it with the
 * passphrase, imports every case key, and syncs again so that what waited
 * for those keys opens.  A wrong passphrase imports nothing and is
 * OMBUD_BUNDLE_ERROR_WRONG_PASSPHRASE. */
gboolean  ombud_sync_recover_keys              (OmbudSyncEngine    *engine,
                                                OmbudCaseload      *caseload,
                                                const char         *passphrase,
                                                gsize               passphrase_len,
                                                guint              *imported,
                                                GError            **error);

/* The sync engine's hooks: what a request carries, and what its answer
 * says (inside the answer's transaction). */
gboolean  ombud_sync_key_bundle_request        (OmbudCaseload      *caseload,
                                                OmbudSyncConfig    *config,
                                                OmbudSyncRequest   *request,
                                                GError            **error);
gboolean  ombud_sync_key_bundle_response       (OmbudCaseload      *caseload,
                                                OmbudSyncConfig    *config,
                                                OmbudSyncResponse  *response,
                                                GError            **error);

/* Keys came from outside a response (a recovery): held changesets are due
 * another try.  Read and cleared by the engine inside a response's
 * transaction. */
gboolean  ombud_sync_held_retry_due            (OmbudStore         *store);
gboolean  ombud_sync_held_retry_done           (OmbudStore         *store,
                                                GError            **error);

/* kv helpers shared by the §10 files. */
gboolean  ombud_sync_kv_delete                 (OmbudStore         *store,
                                                const char         *key_pattern,
                                                GError            **error);
char     *ombud_sync_hex_encode                (const guint8       *data,
                                                gsize               len);
GBytes   *ombud_sync_hex_decode                (const char         *hex);

G_END_DECLS
