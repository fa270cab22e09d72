/* ombud-sync-outbox.c: the outbox made ready to leave
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only changesets never sealed are joined: a sealed one may be at the office
 * already (a cut connection), and must go again as the very same bytes.
 * The joined changeset replaces its parts in one transaction, so a crash
 * leaves either the parts or the whole, never both.
 */
#include "ombud-sync-outbox.h"

#include "ombud-changeset.h"
#include "ombud-sql.h"

typedef struct {
  char           *case_id;
  GArray         *seqs;      /* gint64: the outbox rows joined */
  OmbudChangeset *joined;
  gsize           size;
} Group;

static void
group_free (Group *g)
{
  g_free (g->case_id);
  g_array_unref (g->seqs);
  g_clear_pointer (&g->joined, ombud_changeset_free);
  g_free (g);
}

static Group *
group_new (const OmbudChangeset *first)
{
  Group *g = g_new0 (Group, 1);

  g->case_id = g_strdup (first->case_id);
  g->seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g->joined = ombud_changeset_new (first->schema, first->device, first->case_id);
  return g;
}

static void
group_take (Group          *g,
            gint64          seq,
            OmbudChangeset *cs,
            gsize           size)
{
  g_array_append_val (g->seqs, seq);
  g->size += size;
  /* The changes move over as they are: same HLC, same bases. */
  for (guint i = 0; i < cs->changes->len; i++)
    g_ptr_array_add (g->joined->changes, g_ptr_array_index (cs->changes, i));
  g_ptr_array_set_free_func (cs->changes, NULL);
}

static gboolean
replace_parts (sqlite3  *db,
               Group    *g,
               GError  **error)
{
  g_autoptr(GBytes) body = ombud_changeset_encode (g->joined);
  sqlite3_stmt *stmt;

  for (guint i = 0; i < g->seqs->len; i++)
    {
      stmt = ombud_sql_prepare (db, "DELETE FROM outbox WHERE seq = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, g_array_index (g->seqs, gint64, i));
      if (!ombud_sql_run (db, stmt, error))
        return FALSE;
    }
  stmt = ombud_sql_prepare (db, "INSERT INTO outbox (id, case_id, body) VALUES (?1, ?2, ?3)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, g->joined->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, g->case_id, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 3, g_bytes_get_data (body, NULL), g_bytes_get_size (body), SQLITE_STATIC);
  if (!ombud_sql_run (db, stmt, error))
    return FALSE;
  /* Its own, like every changeset this device wrote: should it come back,
   * there is nothing to apply. */
  stmt = ombud_sql_prepare (db, "INSERT OR IGNORE INTO applied (id, case_id) VALUES (?1, NULLIF (?2, ''))", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, g->joined->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, g->case_id, -1, SQLITE_STATIC);
  return ombud_sql_run (db, stmt, error);
}

/* Closes the case's open group (joining it if it has more than one part)
 * and forgets it. */
static gboolean
close_group (sqlite3     *db,
             GHashTable  *open,
             Group       *g,
             gint        *joined,
             GError     **error)
{
  gboolean ok = TRUE;

  if (g->seqs->len > 1)
    {
      ok = replace_parts (db, g, error);
      *joined += (gint) g->seqs->len;
    }
  g_hash_table_remove (open, g->case_id);
  return ok;
}

typedef struct {
  gint64  seq;
  GBytes *body;
} Row;

static void
row_clear (Row *row)
{
  g_clear_pointer (&row->body, g_bytes_unref);
}

/* The rows first, then the writing: the rows a join adds must not come
 * round again in the same reading. */
static GArray *
read_rows (sqlite3  *db,
           GError  **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));
  sqlite3_stmt *stmt = ombud_sql_prepare (db, "SELECT seq, body FROM outbox WHERE hold IS NULL AND sealed IS NULL"
                                              " ORDER BY seq", error);

  if (stmt == NULL)
    return NULL;
  g_array_set_clear_func (rows, (GDestroyNotify) row_clear);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Row row = { sqlite3_column_int64 (stmt, 0),
                  g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1)) };
      g_array_append_val (rows, row);
    }
  sqlite3_finalize (stmt);
  return g_steal_pointer (&rows);
}

gint
ombud_sync_outbox_coalesce (sqlite3  *db,
                            gsize     cap,
                            GError  **error)
{
  g_autoptr(GHashTable) open = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) group_free);
  g_autoptr(GArray) rows = read_rows (db, error);
  gint joined = 0;
  gboolean ok = rows != NULL;
  GHashTableIter iter;
  gpointer value;

  for (guint i = 0; ok && i < rows->len; i++)
    {
      Row *row = &g_array_index (rows, Row, i);
      gsize size = g_bytes_get_size (row->body);
      g_autoptr(OmbudChangeset) cs = ombud_changeset_decode (row->body, NULL);
      Group *g;

      if (cs == NULL)
        continue;  /* left as it is: the engine reports it when it seals */
      g = g_hash_table_lookup (open, cs->case_id);
      if (g != NULL && (g->size + size > cap || g->joined->schema != cs->schema))
        {
          ok = close_group (db, open, g, &joined, error);
          g = NULL;
        }
      if (g == NULL)
        {
          g = group_new (cs);
          g_hash_table_insert (open, g->case_id, g);
        }
      group_take (g, row->seq, cs, size);
    }
  g_hash_table_iter_init (&iter, open);
  while (ok && g_hash_table_iter_next (&iter, NULL, &value))
    {
      Group *g = value;

      if (g->seqs->len > 1)
        {
          ok = replace_parts (db, g, error);
          joined += (gint) g->seqs->len;
        }
    }
  return ok ? joined : -1;
}
