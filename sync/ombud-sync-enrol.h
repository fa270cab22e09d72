/* ombud-sync-enrol.h: enrolment with the office, and a coordinator's
 * confirmation of a device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ombud-caseload.h"
#include "ombud-http.h"
#include "ombud-sync-state.h"

G_BEGIN_DECLS

/* Enrols this profile with an office (PROTOCOL.md §4) and saves what the
 * office said.  The first coordinator also makes the organisation's office
 * key and its recovery key, returned once in *recovery_key (else NULL). */
gboolean         ombud_sync_enrol                   (OmbudCaseload    *caseload,
                                                     const char       *url,
                                                     const char       *code,
                                                     const OmbudHttpOptions *tls,
                                                     char            **office_fingerprint,
                                                     char            **recovery_key,
                                                     GError          **error);
/* A coordinator confirms a pending device after comparing its fingerprint:
 * queues a certificate naming ombud_id (NULL: the caseload's ombud whose
 * name the invite gave, made if missing) and grants of the office key.
 * The next sync delivers them. */
gboolean         ombud_sync_confirm                 (OmbudCaseload    *caseload,
                                                     guint64           device_id,
                                                     const char       *ombud_id,
                                                     GError          **error);

/* After a recovery of the office key (PROTOCOL.md §10.3): this coordinator
 * laptop certifies itself and is its own confirmer, as the first was. */
gboolean         ombud_sync_take_over_as_coordinator (OmbudCaseload    *caseload,
                                                      OmbudSyncConfig  *config,
                                                      GError          **error);

G_END_DECLS
