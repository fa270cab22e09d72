/* ombud-sql.h: one statement, prepared or run, with its error in GError
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* NULL and the error (the shim's NOT_AUTHENTIC, or SQLite's) on failure. */
sqlite3_stmt *ombud_sql_prepare (sqlite3       *db,
                                 const char    *sql,
                                 GError       **error);
/* Steps stmt once, expecting no row, and finalizes it whatever happens. */
gboolean      ombud_sql_run     (sqlite3       *db,
                                 sqlite3_stmt  *stmt,
                                 GError       **error);
/* The first column of the first row as an integer; 0 when there is none. */
gint64        ombud_sql_count   (sqlite3       *db,
                                 const char    *sql);

G_END_DECLS
