/* ombud-sync-directory.h: whom this device trusts, and what it owes them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROTOCOL.md §6.  The office lists the devices of the organisation and
 * every certificate; this device trusts itself, the coordinator that
 * admitted it, and any device certified by a coordinator it trusts — never
 * the office's word alone.
 */
#pragma once

#include "ombud-caseload.h"
#include "ombud-sync-message.h"
#include "ombud-sync-state.h"

G_BEGIN_DECLS

typedef enum {
  OMBUD_OUTGOING_GRANT = 1,
  OMBUD_OUTGOING_CERT  = 2,
} OmbudOutgoingKind;

/* Keeps the office's list of devices, works out which are trusted (saved as
 * known devices with the role and ombud their certificate gives), sets
 * config->confirmer and config->ombud_id, and queues the certificates a
 * coordinator owes (§6). */
gboolean  ombud_sync_directory_apply   (OmbudCaseload      *caseload,
                                        OmbudSyncConfig    *config,
                                        OmbudSyncResponse  *response,
                                        GError            **error);

/* Keeps the keys granted to this device.  Returns how many grants may pass
 * later (their granter or case is not known here yet), G_MAXUINT when the
 * store fails. */
guint     ombud_sync_accept_grants     (OmbudCaseload      *caseload,
                                        GPtrArray          *grants,
                                        GError            **error);

/* Queues grants of this device's case keys to its ombud's other trusted
 * devices, once each (§2). */
gboolean  ombud_sync_grant_case_keys   (OmbudCaseload      *caseload,
                                        OmbudSyncConfig    *config,
                                        GError            **error);

/* Queues a grant of one case key held here to each device devices_sql
 * lists as (device_id, box_pk), with arg as ?1 (not to itself), once each;
 * nothing when the key is not here (PROTOCOL.md §9's handover). */
gboolean  ombud_sync_grant_case_key_to (OmbudCaseload      *caseload,
                                        const char         *case_id,
                                        const char         *devices_sql,
                                        const char         *arg,
                                        GError            **error);

/* Whether the organisation's policy, as a trusted coordinator last set it,
 * lets coordinators read the client tier. */
gboolean  ombud_sync_client_access     (OmbudCaseload         *caseload,
                                        const OmbudSyncConfig *config);

/* Queues grants of every office key epoch held here to one device. */
gboolean  ombud_sync_grant_office_keys (OmbudCaseload      *caseload,
                                        guint64             device_id,
                                        const guint8        box_pk[32],
                                        GError            **error);

gboolean  ombud_sync_outgoing_add      (OmbudStore         *store,
                                        OmbudOutgoingKind   kind,
                                        GBytes             *body,
                                        GError            **error);

G_END_DECLS
