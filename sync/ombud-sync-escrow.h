/* ombud-sync-escrow.h: a laptop's side of the office key escrow and of
 * recovering the office key (PROTOCOL.md §10.3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ombud-caseload.h"
#include "ombud-secret.h"
#include "ombud-sync-engine.h"
#include "ombud-sync-message.h"
#include "ombud-sync-state.h"

G_BEGIN_DECLS

/* The first coordinator, founding: the escrow anchor made from r and
 * naming this device as the founder who lets r certify coordinators in its
 * name, pinned here and queued for the office. */
gboolean  ombud_sync_escrow_found     (OmbudStore         *store,
                                       const guint8        org_id[16],
                                       OmbudSecret        *r,
                                       OmbudIdentity      *founder,
                                       GError            **error);

/* When every coordinator laptop is gone: a laptop enrolled with a
 * coordinator invite proves the organisation's authority with the recovery
 * key, is confirmed by the office on that proof, restores every escrowed
 * office key epoch, and certifies itself as the organisation's coordinator;
 * when the anchor names the founder, it trusts the founder and certifies
 * itself with r in the founder's name, so the old team and it trust each
 * other (PROTOCOL.md §10.3).
 * A recovery key that is not the organisation's is
 * OMBUD_ESCROW_ERROR_WRONG_KEY and changes nothing. */
gboolean  ombud_sync_recover_office   (OmbudSyncEngine    *engine,
                                       OmbudCaseload      *caseload,
                                       const char         *recovery_key,
                                       guint32            *epochs,
                                       GError            **error);

/* The sync engine's hooks. */
gboolean  ombud_sync_escrow_request   (OmbudCaseload      *caseload,
                                       OmbudSyncConfig    *config,
                                       OmbudSyncRequest   *request,
                                       GError            **error);
gboolean  ombud_sync_escrow_response  (OmbudCaseload      *caseload,
                                       OmbudSyncConfig    *config,
                                       OmbudSyncResponse  *response,
                                       GError            **error);

G_END_DECLS
