/* ombud-case-list-query.h: the case list's query, run on the session's worker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ombud-caseload.h"

G_BEGIN_DECLS

typedef struct {
  char  *text;           /* words searched over everything search holds of a case; NULL: any */
  char  *status;         /* queued, active, referred, closed; NULL: any */
  char  *municipality;   /* its name; NULL: any */
  guint  deadline_days;  /* 0: any; N: an open deadline on or before today + N */
} OmbudCaseListFilter;

typedef struct {
  GListStore *items;           /* OmbudCaseListItem, in the list's order */
  GStrv       municipalities;  /* every case's municipality, sorted, for the filter */
  guint       total;           /* cases before filtering */
  char       *text;            /* the search text this answers */
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
