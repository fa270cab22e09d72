/* ombud-case-detail.h: everything the case page shows, in one GVariant
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ombud-caseload.h"

G_BEGIN_DECLS

/* ombud_queries_show_case's a{sv} (what `ombud-cli case show --json`
 * prints, unchanged), with what the page needs besides.  Missing values are
 * nothing of type ms.  Dates are YYYY-MM-DD.
 *
 * Overview:
 *   id s, name ms (the client's name; nothing when not readable here),
 *   contact ms, status s (queued, active, referred, closed),
 *   municipality ms (name), municipality_id ms, gender s, birth_year x,
 *   has_minor_children x, requested_on, started_on, closed_on ms,
 *   closure_reason ms, referred_on ms, referral_target ms,
 *   assigned_ombud ms (name), assigned_ombud_id ms, next_deadline ms,
 *   conflicts x, unsent x (changes in the outbox, drafts' included),
 *   sync_state s (OmbudSyncState's nick: at-office, local, conflict)
 * Lists, each aa{sv}:
 *   events     kind s, on_date s, reason ms, target ms
 *   contacts   id, on_date, minutes x, form s (contact_form code), actors s
 *              (a JSON array of actor codes, e.g. ["psychiatry"]), km x,
 *              travel_minutes x
 *   goals      id, area s (life_area code), body ms, review_on ms, outcome ms
 *   notes      id, written_on s, approved x (1: approved by the client,
 *              0: a draft that stays here), body ms
 *   deadlines  id, due_on s, body ms, done x
 * An unknown case is OMBUD_CASELOAD_ERROR_NOT_FOUND. */
GVariant *ombud_queries_case_detail (OmbudCaseload  *caseload,
                                     const char     *case_id,
                                     GError        **error);

G_END_DECLS
