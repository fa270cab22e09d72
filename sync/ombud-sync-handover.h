/* ombud-sync-handover.h: a case reassigned away from this laptop's ombud
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §9.  When a coordinator's signed change gives one of
 * this ombud's cases to another ombud, the laptop pushes its edits to it,
 * wraps the case key for the new owner's devices if the client agreed
 * (client_case.handover_consent), and purges the case only once the office
 * holds all of that; then it tells the office it has handed the case over.
 * On the new owner's laptop, the old owner's client tier is dropped, not
 * kept sealed, when the client did not agree.
 */
#pragma once

#include <glib.h>

#include "ombud-caseload.h"
#include "ombud-sync-message.h"
#include "ombud-sync-state.h"

G_BEGIN_DECLS

#define OMBUD_SYNC_EXT_HANDED_OVER "handed-over"

/* Adds the "handed-over" extension (aay of case ids) to the request while
 * cases purged here wait to be reported; *sent says whether it did. */
gboolean  ombud_sync_handover_add_reports   (OmbudCaseload      *caseload,
                                             OmbudSyncRequest   *req,
                                             gboolean           *sent,
                                             GError            **error);

/* Inside the transaction that applies a response, after everything else in
 * it: forgets the reports the office just took (reports_sent), queues the
 * case-key grants a consented handover owes, and purges every case routed
 * away whose edits and grants the office now holds.  *again is set when
 * another round is due (grants or reports to send). */
gboolean  ombud_sync_handover_step          (OmbudCaseload      *caseload,
                                             OmbudSyncConfig    *config,
                                             gboolean            reports_sent,
                                             gboolean           *again,
                                             GError            **error);

/* After that transaction: rewrites the store if a purge left freed pages
 * (VACUUM, WAL truncated).  Safe to call any time; does nothing when no
 * purge waits for it. */
gboolean  ombud_sync_handover_scrub         (OmbudCaseload      *caseload,
                                             GError            **error);

/* On the new owner's devices: a changeset of case_id by author whose
 * client tier this device lacks, and will never get — the author's ombud
 * owned the case before this one and the client did not agree to hand the
 * notes over.  Its office tier applies; its client tier is not kept. */
gboolean  ombud_sync_handover_declined      (OmbudCaseload      *caseload,
                                             const OmbudSyncConfig *config,
                                             const guint8        case_id[16],
                                             guint64             author);

/* Whether any case here came from another ombud without consent: when none
 * did, nothing held needs looking at for it. */
gboolean  ombud_sync_handover_any_declined  (OmbudCaseload         *caseload,
                                             const OmbudSyncConfig *config);

G_END_DECLS
