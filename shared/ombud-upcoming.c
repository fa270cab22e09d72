/* ombud-upcoming.c: deadlines and goal reviews ahead, across the caseload
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-upcoming.h"

#include <stdio.h>

#include "ombud-caseload-private.h"
#include "ombud-vfs.h"

#define UPCOMING_SQL \
  "SELECT 'deadline' AS kind, d.id AS record, d.case_id, c.client_name AS case_title," \
  " d.due_on AS date, d.body AS text FROM deadline d" \
  " JOIN client_case c ON c.id = d.case_id AND c.deleted = 0 JOIN case_state s ON s.id = c.id" \
  " WHERE d.deleted = 0 AND coalesce(d.done, 0) = 0 AND d.due_on >= ?1 AND d.due_on < ?2" \
  "   AND s.closed_on IS NULL" \
  " UNION ALL" \
  " SELECT 'goal-review', g.id, g.case_id, c.client_name, g.review_on, g.body FROM goal g" \
  " JOIN client_case c ON c.id = g.case_id AND c.deleted = 0 JOIN case_state s ON s.id = c.id" \
  " WHERE g.deleted = 0 AND coalesce(g.outcome, 'open') = 'open' AND g.review_on >= ?1 AND g.review_on < ?2" \
  "   AND s.closed_on IS NULL" \
  " ORDER BY date, kind, case_title COLLATE NOCASE, record"

static GVariant *
maybe_text (sqlite3_stmt *stmt,
            int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_variant_new_maybe (G_VARIANT_TYPE_STRING, text ? g_variant_new_string (text) : NULL);
}

static GVariant *
item (sqlite3_stmt *stmt)
{
  const char *kind = (const char *) sqlite3_column_text (stmt, 0);
  const char *record = (const char *) sqlite3_column_text (stmt, 1);
  const char *case_id = (const char *) sqlite3_column_text (stmt, 2);
  const char *date = (const char *) sqlite3_column_text (stmt, 4);
  g_autofree char *id = g_strdup_printf ("%s/%s/%s", kind, record, date);
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "id", g_variant_new_string (id));
  g_variant_builder_add (&b, "{sv}", "kind", g_variant_new_string (kind));
  g_variant_builder_add (&b, "{sv}", "record", g_variant_new_string (record));
  g_variant_builder_add (&b, "{sv}", "case_id", g_variant_new_string (case_id ? case_id : ""));
  g_variant_builder_add (&b, "{sv}", "case_title", maybe_text (stmt, 3));
  g_variant_builder_add (&b, "{sv}", "date", g_variant_new_string (date));
  g_variant_builder_add (&b, "{sv}", "text", maybe_text (stmt, 5));
  return g_variant_builder_end (&b);
}

static char *
add_days (const char *date,
          guint       days)
{
  int y, m, d;
  g_autoptr(GDate) g = NULL;
  char out[11];

  if (sscanf (date, "%4d-%2d-%2d", &y, &m, &d) != 3 || !g_date_valid_dmy (d, m, y))
    return NULL;
  g = g_date_new_dmy (d, m, y);
  g_date_add_days (g, MIN (days, 3650000u));
  if (!g_date_valid (g) || g_date_get_year (g) > 9999)
    return g_strdup ("9999-12-31");
  g_date_strftime (out, sizeof out, "%Y-%m-%d", g);
  return g_strdup (out);
}

GVariant *
ombud_queries_upcoming (OmbudCaseload  *caseload,
                        const char     *from,
                        guint           days,
                        GError        **error)
{
  g_autofree char *today = from ? NULL : ombud_caseload_today (caseload);
  const char *start = from ? from : today;
  g_autofree char *end = NULL;
  sqlite3_stmt *stmt;
  GVariantBuilder list;
  int rc;

  if (!ombud_caseload_check_date ("from", start, error))
    return NULL;
  end = add_days (start, days);
  if (end == NULL)
    {
      g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_INVALID, "from is no date: “%s”", start);
      return NULL;
    }
  stmt = ombud_merge_statement (ombud_caseload_get_merge (caseload), UPCOMING_SQL, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, start, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, end, -1, SQLITE_TRANSIENT);
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_variant_builder_add_value (&list, item (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_variant_builder_clear (&list);
      ombud_vfs_set_sqlite_error (error, ombud_caseload_get_db (caseload), rc, "could not read what is upcoming");
      return NULL;
    }
  return g_variant_ref_sink (g_variant_builder_end (&list));
}
