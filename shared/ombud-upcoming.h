/* ombud-upcoming.h: deadlines and goal reviews ahead, across the caseload
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ombud-caseload.h"

G_BEGIN_DECLS

#define OMBUD_UPCOMING_DEADLINE    "deadline"
#define OMBUD_UPCOMING_GOAL_REVIEW "goal-review"

/* What falls on from (YYYY-MM-DD; NULL: the caseload's today) or on one of
 * the days - 1 days after it: open deadlines (not done) and reviews of
 * goals still open (outcome "open" or none), of cases not closed.  aa{sv}, by date, then
 * kind, then case title:
 *   id          s   stable per item and date: "deadline/<record>/<date>";
 *                   the reminders' key, so a moved deadline reminds again
 *   kind        s   OMBUD_UPCOMING_DEADLINE or OMBUD_UPCOMING_GOAL_REVIEW
 *   record      s   the deadline's or goal's id
 *   case_id     s
 *   case_title  ms  the client's name; nothing when not readable here
 *   date        s   YYYY-MM-DD
 *   text        ms  the deadline's or goal's text
 * A from that is no date is OMBUD_CASELOAD_ERROR_INVALID. */
GVariant *ombud_queries_upcoming (OmbudCaseload  *caseload,
                                  const char     *from,
                                  guint           days,
                                  GError        **error);

G_END_DECLS
