/* ombud-case-list-query.c: the case list's query, run on the session's worker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The list, its search hits and each case's changes waiting in the outbox
 * in one read.  Filtering happens here too, so the main thread only swaps
 * the finished list in.
 */
#include "ombud-case-list-query.h"

#include <stdio.h>

#include "ombud-case-list-item.h"
#include "ombud-queries.h"
#include "ombud-sql.h"
#include "ombud-sync-state.h"

/* Search ranks at most this many matches; more would not be read anyway. */
#define SEARCH_LIMIT 2000

OmbudCaseListFilter *
ombud_case_list_filter_copy (const OmbudCaseListFilter *filter)
{
  OmbudCaseListFilter *copy = g_new0 (OmbudCaseListFilter, 1);

  copy->text = g_strdup (filter->text);
  copy->status = g_strdup (filter->status);
  copy->municipality = g_strdup (filter->municipality);
  copy->deadline_days = filter->deadline_days;
  return copy;
}

void
ombud_case_list_filter_free (OmbudCaseListFilter *filter)
{
  if (filter == NULL)
    return;
  g_free (filter->text);
  g_free (filter->status);
  g_free (filter->municipality);
  g_free (filter);
}

void
ombud_case_list_result_free (OmbudCaseListResult *result)
{
  if (result == NULL)
    return;
  g_clear_object (&result->items);
  g_strfreev (result->municipalities);
  g_free (result->text);
  g_free (result);
}

/* Case ids that have changesets still to send. */
static GHashTable *
cases_with_unsent (OmbudCaseload *caseload)
{
  sqlite3 *db = ombud_store_get_db (ombud_caseload_get_store (caseload));
  GHashTable *unsent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT DISTINCT case_id FROM outbox WHERE case_id IS NOT NULL",
                          -1, &stmt, NULL) != SQLITE_OK)
    return unsent;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_add (unsent, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  return unsent;
}

static GHashTable *
search_hits (OmbudCaseload  *caseload,
             const char     *text,
             GError        **error)
{
  g_autoptr(GVariant) hits = ombud_queries_search (caseload, text, SEARCH_LIMIT, error);
  GHashTable *ids;
  GVariantIter iter;
  GVariant *hit;

  if (hits == NULL)
    return NULL;
  ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_variant_iter_init (&iter, hits);
  while ((hit = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *id = NULL;
      if (g_variant_lookup (hit, "case_id", "&s", &id))
        g_hash_table_add (ids, g_strdup (id));
      g_variant_unref (hit);
    }
  return ids;
}

static gboolean
has_words (const char *text)
{
  g_autofree char *expr = text ? ombud_queries_fts_expression (text) : NULL;
  return expr != NULL;
}

static char *
day_after (OmbudCaseload *caseload,
           guint          days)
{
  g_autofree char *today = ombud_caseload_today (caseload);
  int y = 0, m = 0, d = 0;
  g_autoptr(GDate) date = NULL;
  char out[11];

  if (sscanf (today, "%d-%d-%d", &y, &m, &d) != 3)
    return g_strdup (today);
  date = g_date_new_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y);
  g_date_add_days (date, days);
  g_date_strftime (out, sizeof out, "%Y-%m-%d", date);
  return g_strdup (out);
}

static const char *
lookup_text (GVariant   *record,
             const char *name)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (record, name, NULL);
  g_autoptr(GVariant) inner = NULL;

  if (value == NULL)
    return NULL;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE) && (inner = g_variant_get_maybe (value)) != NULL)
    return g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING) ? g_variant_get_string (inner, NULL) : NULL;
  return g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ? g_variant_get_string (value, NULL) : NULL;
}

static gint64
lookup_int (GVariant   *record,
            const char *name)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (record, name, NULL);
  g_autoptr(GVariant) inner = NULL;

  if (value == NULL)
    return 0;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE))
    {
      inner = g_variant_get_maybe (value);
      if (inner == NULL)
        return 0;
      g_variant_unref (value);
      value = g_variant_ref (inner);
    }
  return g_variant_is_of_type (value, G_VARIANT_TYPE_INT64) ? g_variant_get_int64 (value) : 0;
}

typedef struct {
  const OmbudCaseListFilter *filter;
  GHashTable                *hits;      /* NULL: no text to search */
  char                      *last_day;  /* NULL: no deadline filter */
} Matcher;

static gboolean
matches (const Matcher *m,
         GVariant      *record)
{
  const char *id = lookup_text (record, "id");

  if (m->hits != NULL && (id == NULL || !g_hash_table_contains (m->hits, id)))
    return FALSE;
  if (m->filter->status != NULL && g_strcmp0 (lookup_text (record, "status"), m->filter->status) != 0)
    return FALSE;
  if (m->filter->municipality != NULL
      && g_strcmp0 (lookup_text (record, "municipality"), m->filter->municipality) != 0)
    return FALSE;
  if (m->last_day != NULL)
    {
      const char *deadline = lookup_text (record, "next_deadline");
      if (deadline == NULL || g_strcmp0 (deadline, m->last_day) > 0)
        return FALSE;
    }
  return TRUE;
}

static int
collate (gconstpointer a,
         gconstpointer b,
         gpointer      user_data)
{
  (void) user_data;
  return g_utf8_collate (*(const char *const *) a, *(const char *const *) b);
}

static GStrv
sorted_keys (GHashTable *set)
{
  guint n = 0;
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array (set, &n);
  GStrv out = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    out[i] = g_strdup (keys[i]);
  g_qsort_with_data (out, (gint) n, sizeof (char *), collate, NULL);
  return out;
}

gpointer
ombud_case_list_query (OmbudCaseload  *caseload,
                       gpointer        data,
                       GCancellable   *cancellable,
                       GError        **error)
{
  const OmbudCaseListFilter *filter = data;
  g_autoptr(OmbudCaseListResult) result = g_new0 (OmbudCaseListResult, 1);
  g_autoptr(GVariant) cases = ombud_queries_list_cases (caseload, error);
  g_autoptr(GHashTable) unsent = NULL;
  g_autoptr(GHashTable) municipalities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(OmbudSyncConfig) config = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  Matcher m = { filter, NULL, NULL };
  GVariantIter iter;
  GVariant *record;

  if (cases == NULL)
    return NULL;
  if (has_words (filter->text) && (m.hits = search_hits (caseload, filter->text, error)) == NULL)
    return NULL;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      g_clear_pointer (&m.hits, g_hash_table_unref);
      return NULL;
    }
  if (filter->deadline_days > 0)
    m.last_day = day_after (caseload, filter->deadline_days);
  unsent = cases_with_unsent (caseload);
  /* A profile that has never reached an office holds everything here only. */
  config = ombud_sync_config_load (ombud_caseload_get_store (caseload), NULL);

  g_variant_iter_init (&iter, cases);
  while ((record = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *municipality = lookup_text (record, "municipality");
      const char *id = lookup_text (record, "id");

      result->total++;
      if (municipality != NULL && !g_hash_table_contains (municipalities, municipality))
        g_hash_table_add (municipalities, g_strdup (municipality));
      if (matches (&m, record))
        {
          OmbudCaseListSync sync = OMBUD_CASE_LIST_SYNC_AT_OFFICE;
          if (lookup_int (record, "conflicts") > 0)
            sync = OMBUD_CASE_LIST_SYNC_CONFLICT;
          else if (config == NULL || config->last_success_ms == 0 || g_hash_table_contains (unsent, id))
            sync = OMBUD_CASE_LIST_SYNC_LOCAL;
          g_ptr_array_add (items, ombud_case_list_item_new (record, sync));
        }
      g_variant_unref (record);
    }

  result->items = g_list_store_new (OMBUD_TYPE_CASE_LIST_ITEM);
  g_list_store_splice (result->items, 0, 0, items->pdata, items->len);
  result->municipalities = sorted_keys (municipalities);
  result->text = g_strdup (filter->text ? filter->text : "");
  g_clear_pointer (&m.hits, g_hash_table_unref);
  g_free (m.last_day);
  return g_steal_pointer (&result);
}
