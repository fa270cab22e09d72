/* ombud-case-summary.h: one row of the case list, and the query that fills the list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's case list shows an OmbudCaseSummary per case.  Summaries are
 * made in the thread that owns the caseload and are immutable afterwards,
 * so they can be handed to the main thread as they are.
 */
#pragma once

#include <gio/gio.h>

#include "ombud-caseload.h"

G_BEGIN_DECLS

/* A case's status, read from its events (case_state). */
typedef enum {
  OMBUD_CASE_STATUS_QUEUED,
  OMBUD_CASE_STATUS_ACTIVE,
  OMBUD_CASE_STATUS_REFERRED,
  OMBUD_CASE_STATUS_CLOSED,
} OmbudCaseStatus;

#define OMBUD_CASE_STATUS_FLAG(status) (1u << (status))

/* Where the case's latest changes are, for the row's sync mark. */
typedef enum {
  OMBUD_SYNC_STATE_AT_OFFICE,  /* nothing of it waits to be sent */
  OMBUD_SYNC_STATE_LOCAL,      /* saved here only: changes wait in the outbox (drafts too), or
                                * this profile has never synced with an office */
  OMBUD_SYNC_STATE_CONFLICT,   /* it has conflicts to resolve (whatever the outbox holds) */
} OmbudSyncState;

GType ombud_case_status_get_type (void) G_GNUC_CONST;
GType ombud_sync_state_get_type  (void) G_GNUC_CONST;
#define OMBUD_TYPE_CASE_STATUS (ombud_case_status_get_type ())
#define OMBUD_TYPE_SYNC_STATE  (ombud_sync_state_get_type ())

/* What the case list asks for.  All zeros (or a NULL filter) is every case. */
typedef struct {
  const char *text;                  /* searched as words, the last one a prefix; NULL or no
                                      * word: any.  Matches a case by anything search holds
                                      * of it: the client's name, notes, goals, deadlines */
  guint       statuses;              /* OMBUD_CASE_STATUS_FLAG()s; 0: any */
  const char *municipality_id;       /* NULL: any */
  guint       deadline_within_days;  /* 0: any; N: an open deadline on or before today + N
                                      * days (overdue ones included), today being the
                                      * caseload's */
} OmbudCaseFilter;

#define OMBUD_TYPE_CASE_SUMMARY (ombud_case_summary_get_type ())
G_DECLARE_FINAL_TYPE (OmbudCaseSummary, ombud_case_summary, OMBUD, CASE_SUMMARY, GObject)

const char     *ombud_case_summary_get_id                  (OmbudCaseSummary *self);
/* The client's name or pseudonym; NULL when this device cannot read the
 * client tier (a coordinator, a key still on its way, a destroyed tier).
 * The window then shows a translated "Case %s" with the short id. */
const char     *ombud_case_summary_get_title               (OmbudCaseSummary *self);
const char     *ombud_case_summary_get_short_id            (OmbudCaseSummary *self);
OmbudCaseStatus ombud_case_summary_get_status              (OmbudCaseSummary *self);
const char     *ombud_case_summary_get_municipality_id     (OmbudCaseSummary *self);
const char     *ombud_case_summary_get_municipality_name   (OmbudCaseSummary *self);
const char     *ombud_case_summary_get_assigned_ombud_id   (OmbudCaseSummary *self);
const char     *ombud_case_summary_get_assigned_ombud_name (OmbudCaseSummary *self);
/* Dates are YYYY-MM-DD, or NULL. */
const char     *ombud_case_summary_get_requested_on        (OmbudCaseSummary *self);
const char     *ombud_case_summary_get_started_on          (OmbudCaseSummary *self);
const char     *ombud_case_summary_get_closed_on           (OmbudCaseSummary *self);
const char     *ombud_case_summary_get_next_deadline       (OmbudCaseSummary *self);
OmbudSyncState  ombud_case_summary_get_sync_state          (OmbudCaseSummary *self);
guint           ombud_case_summary_get_unsent              (OmbudCaseSummary *self);
guint           ombud_case_summary_get_conflicts           (OmbudCaseSummary *self);

/* The cases that pass filter, as a GListStore of OmbudCaseSummary, in one
 * SQL statement.  Open cases (queued, active) come first, then referred and
 * closed ones; within each, the nearest next deadline first (overdue ones
 * at the top, cases without one after), then the client's name, then id.
 * The same order whatever the filter, so a keystroke only removes rows. */
GListStore     *ombud_queries_case_summaries               (OmbudCaseload         *caseload,
                                                            const OmbudCaseFilter *filter,
                                                            GError               **error);

/* The team's municipalities for the list's filter, by name: aa{sv} with
 * id, code, name. */
GVariant       *ombud_queries_municipalities               (OmbudCaseload         *caseload,
                                                            GError               **error);

/* TRUE once the profile has finished a sync with an office. */
gboolean        ombud_queries_has_synced                   (OmbudCaseload         *caseload);

G_END_DECLS
