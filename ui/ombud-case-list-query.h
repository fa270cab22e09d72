/* ombud-case-list-query.h: the case list's question, asked on the session's worker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ombud-case-summary.h"

G_BEGIN_DECLS

typedef struct {
  char  *text;            /* NULL: any */
  guint  statuses;        /* OMBUD_CASE_STATUS_FLAG ()s; 0: any */
  char  *municipality_id; /* NULL: any */
  guint  deadline_days;   /* 0: any */
} OmbudCaseListFilter;

typedef struct {
  GListStore *items;           /* OmbudCaseSummary, in the list's order */
  GVariant   *municipalities;  /* aa{sv}: id, code, name (ombud_queries_municipalities) */
  gboolean    any_case;        /* the caseload holds a case at all (for the empty state) */
  char       *text;            /* the search text this answers ("" for none) */
} OmbudCaseListResult;

OmbudCaseListFilter *ombud_case_list_filter_copy (const OmbudCaseListFilter *filter);
void                 ombud_case_list_filter_free (OmbudCaseListFilter       *filter);
void                 ombud_case_list_result_free (OmbudCaseListResult       *result);

/* An OmbudSessionFunc: data is an OmbudCaseListFilter, the result an
 * OmbudCaseListResult. */
gpointer             ombud_case_list_query       (OmbudCaseload             *caseload,
                                                  gpointer                   data,
                                                  GCancellable              *cancellable,
                                                  GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudCaseListResult, ombud_case_list_result_free)

G_END_DECLS
