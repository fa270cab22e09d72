/* ombud-sql.c: one statement, prepared or run, with its error in GError
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-sql.h"

#include "ombud-vfs.h"

sqlite3_stmt *
ombud_sql_prepare (sqlite3     *db,
                   const char  *sql,
                   GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, "could not prepare a statement");
      return NULL;
    }
  return stmt;
}

gboolean
ombud_sql_run (sqlite3       *db,
               sqlite3_stmt  *stmt,
               GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, "could not write to the store");
      return FALSE;
    }
  return TRUE;
}

gint64
ombud_sql_count (sqlite3    *db,
                 const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n = 0;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}
