/* app-logic-fixture.c: a small caseload the app-logic tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app-logic-fixture.h"

TestReplica *
app_replica_new (void)
{
  TestReplica *r = test_replica_new (APP_T0);
  g_autoptr(GError) error = NULL;

  g_free (ombud_caseload_add_municipality (r->caseload, "2380", "Östersund", 64000, &error));
  g_assert_no_error (error);
  g_free (ombud_caseload_add_municipality (r->caseload, "2309", "Krokom", 15000, &error));
  g_assert_no_error (error);
  return r;
}

char *
app_add_case (TestReplica *r,
              const char  *name,
              const char  *municipality,
              gboolean     queued)
{
  OmbudCaseInput in = { name, municipality, "woman", 1980, FALSE, queued, NULL };
  g_autoptr(GError) error = NULL;
  char *id = ombud_caseload_add_case (r->caseload, &in, &error);

  g_assert_no_error (error);
  return id;
}

char *
app_add_deadline (TestReplica *r,
                  const char  *case_id,
                  const char  *due_on,
                  const char  *text)
{
  g_autoptr(GError) error = NULL;
  char *id = ombud_caseload_add_deadline (r->caseload, case_id, due_on, text, &error);

  g_assert_no_error (error);
  return id;
}

char *
app_field_text (TestReplica *r,
                const char  *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (ombud_caseload_get_db (r->caseload), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0))
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return text;
}

gint64
app_count (TestReplica *r,
           const char  *sql)
{
  g_autofree char *text = app_field_text (r, sql);

  return text ? g_ascii_strtoll (text, NULL, 10) : 0;
}

void
app_exec (TestReplica *r,
          const char  *sql)
{
  g_assert_cmpint (sqlite3_exec (ombud_caseload_get_db (r->caseload), sql, NULL, NULL, NULL), ==, SQLITE_OK);
}

void
app_deliver (TestReplica *from,
             TestReplica *to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = ombud_caseload_get_outbox (from->caseload, &error);

  g_assert_no_error (error);
  for (guint i = from->taken; i < all->len; i++)
    {
      ombud_caseload_apply_changeset (to->caseload, g_ptr_array_index (all, i), &error);
      g_assert_no_error (error);
    }
  from->taken = all->len;
}
