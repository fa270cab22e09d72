/* ombud-closure.h: closing a case: the client's export, then the client tier destroyed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ombud-caseload.h"

G_BEGIN_DECLS

/* Everything held for the client, as a readable UTF-8 text document. */
char     *ombud_closure_export_text         (OmbudCaseload  *caseload,
                                             const char     *case_id,
                                             GError        **error);
gboolean  ombud_closure_export_to_file      (OmbudCaseload  *caseload,
                                             const char     *case_id,
                                             const char     *path,
                                             GError        **error);
/* The case must be closed.  Its client tier is gone from this replica, and
 * the change that says so syncs, so the owner's other devices follow. */
gboolean  ombud_closure_destroy_client_tier (OmbudCaseload  *caseload,
                                             const char     *case_id,
                                             GError        **error);
/* Destroys the client tier of cases closed more than retention_days ago;
 * returns how many. */
guint     ombud_closure_apply_retention     (OmbudCaseload  *caseload,
                                             int             retention_days,
                                             GError        **error);
/* The organisation's retention period (sync/PROTOCOL.md §9.5): every time
 * the caseload is opened, cases closed longer ago than that lose their
 * client tier.  Set on a coordinator's laptop (or one never enrolled; an
 * ombud's laptop gets STATE), -1 turns it off; it syncs like any team
 * record, and a laptop follows it only when its newest version came from a
 * device it trusts as a coordinator (or from itself, when it may set it). */
gboolean  ombud_closure_set_retention_days  (OmbudCaseload  *caseload,
                                             int             retention_days,
                                             GError        **error);
int       ombud_closure_get_retention_days  (OmbudCaseload  *caseload);
gboolean  ombud_closure_apply_retention_setting (OmbudCaseload *caseload,
                                             GError        **error);
/* The office turned the unsent changeset's client part away: its case was
 * shredded there (sync/PROTOCOL.md §9.5).  Once this replica destroyed the
 * case's client tier too, the changeset keeps its office-tier changes only
 * (the destruction's own NULLs go with the rest: client_tier_destroyed, in
 * the office tier, makes every replica purge); until then it waits as it
 * is.  *stripped says whether it changed.  Runs inside the caller's
 * transaction. */
gboolean  ombud_closure_strip_turned_away   (OmbudCaseload  *caseload,
                                             const char     *changeset_id,
                                             gboolean       *stripped,
                                             GError        **error);
/* After changesets from elsewhere: a case whose client tier another device
 * destroyed is destroyed here too. */
gboolean  ombud_closure_follow_destroyed    (OmbudCaseload  *caseload,
                                             GError        **error);

G_END_DECLS
