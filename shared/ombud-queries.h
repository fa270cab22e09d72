/* ombud-queries.h: reading the caseload
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ombud-caseload.h"

G_BEGIN_DECLS

/* Each returns a new GVariant: aa{sv} for lists, a{sv} for one record.
 * Missing values are maybe-typed nothing, so they serialise as null. */
GVariant *ombud_queries_list_cases     (OmbudCaseload  *caseload,
                                        GError        **error);
GVariant *ombud_queries_show_case      (OmbudCaseload  *caseload,
                                        const char     *case_id,
                                        GError        **error);
GVariant *ombud_queries_search         (OmbudCaseload  *caseload,
                                        const char     *query,
                                        guint           limit,
                                        GError        **error);
GVariant *ombud_queries_list_conflicts (OmbudCaseload  *caseload,
                                        GError        **error);
GVariant *ombud_queries_list_codes     (OmbudCaseload  *caseload,
                                        const char     *kind,
                                        GError        **error);
char     *ombud_queries_fts_expression (const char     *query);

G_END_DECLS
