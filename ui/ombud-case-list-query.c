/* ombud-case-list-query.c: the case list's question, asked on the session's worker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One call to ombud_queries_case_summaries () (search, filters and sync
 * state in one statement) and the municipalities for the filter.
 */
#include "ombud-case-list-query.h"

#include "ombud-sql.h"

OmbudCaseListFilter *
ombud_case_list_filter_copy (const OmbudCaseListFilter *filter)
{
  OmbudCaseListFilter *copy = g_new0 (OmbudCaseListFilter, 1);

  copy->text = g_strdup (filter->text);
  copy->statuses = filter->statuses;
  copy->municipality_id = g_strdup (filter->municipality_id);
  copy->deadline_days = filter->deadline_days;
  return copy;
}

void
ombud_case_list_filter_free (OmbudCaseListFilter *filter)
{
  if (filter == NULL)
    return;
  g_free (filter->text);
  g_free (filter->municipality_id);
  g_free (filter);
}

void
ombud_case_list_result_free (OmbudCaseListResult *result)
{
  if (result == NULL)
    return;
  g_clear_object (&result->items);
  g_clear_pointer (&result->municipalities, g_variant_unref);
  g_free (result->text);
  g_free (result);
}

gpointer
ombud_case_list_query (OmbudCaseload  *caseload,
                       gpointer        data,
                       GCancellable   *cancellable,
                       GError        **error)
{
  const OmbudCaseListFilter *filter = data;
  OmbudCaseFilter query = {
    .text = filter->text, .statuses = filter->statuses,
    .municipality_id = filter->municipality_id, .deadline_within_days = filter->deadline_days,
  };
  g_autoptr(OmbudCaseListResult) result = g_new0 (OmbudCaseListResult, 1);
  sqlite3 *db = ombud_store_get_db (ombud_caseload_get_store (caseload));

  result->items = ombud_queries_case_summaries (caseload, &query, error);
  if (result->items == NULL || g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  result->municipalities = ombud_queries_municipalities (caseload, error);
  if (result->municipalities == NULL)
    return NULL;
  result->any_case = g_list_model_get_n_items (G_LIST_MODEL (result->items)) > 0
    || ombud_sql_count (db, "SELECT EXISTS (SELECT 1 FROM client_case WHERE deleted = 0)") > 0;
  result->text = g_strdup (filter->text ? filter->text : "");
  return g_steal_pointer (&result);
}
