/* ombud-sync-retention.h: a coordinator has the office shred closed cases
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §9.  The office cannot read when a case was closed; a
 * coordinator's laptop can.  For each case closed longer ago than its
 * profile's retention period (ombud-cli retention --days N), it restates
 * the case's office tier in a changeset of its own, and once the office
 * holds that, asks it to delete the case's client tier and key grants.
 */
#pragma once

#include <glib.h>

#include "ombud-caseload.h"
#include "ombud-sync-message.h"
#include "ombud-sync-state.h"

G_BEGIN_DECLS

#define OMBUD_SYNC_EXT_SHRED_CASES "shred-cases"

/* Before a request is built: restates the office tier of every case newly
 * past its retention period (one changeset per case) and marks it to be
 * shredded.  Nothing on a device that is not a confirmed coordinator's, or
 * while no retention period is set. */
gboolean  ombud_sync_retention_prepare   (OmbudCaseload      *caseload,
                                          OmbudSyncConfig    *config,
                                          GError            **error);

/* Adds "shred-cases" for the marked cases whose restatement the office
 * holds already; *sent gets their ids (NULL when none), for _step. */
gboolean  ombud_sync_retention_add       (OmbudCaseload      *caseload,
                                          OmbudSyncRequest   *req,
                                          GStrv              *sent,
                                          GError            **error);

/* In the transaction applying the response to that request: the cases
 * sent are done.  *again when marked cases remain whose restatement has
 * gone out since. */
gboolean  ombud_sync_retention_step      (OmbudCaseload      *caseload,
                                          const char * const *sent,
                                          gboolean           *again,
                                          GError            **error);

G_END_DECLS
