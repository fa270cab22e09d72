/* ombud-merge.c: versions of fields, their heads, values and conflicts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each field is a multi-value register.  A version names the versions it
 * replaces (its bases: what its author saw); the field's heads are the
 * versions nothing replaced.  The head with the greatest (hlc, device) is the
 * field's value, last writer wins; every other head is a conflict for a person
 * to resolve, and a write that replaces all heads resolves it.  Heads depend
 * only on the set of versions seen, so replicas that saw the same changesets
 * agree on every value and every conflict, whatever order they came in.
 */
#include "ombud-merge.h"

#include "ombud-fields.h"
#include "ombud-vfs.h"

G_DEFINE_QUARK (ombud-merge-error-quark, ombud_merge_error)

struct _OmbudMerge {
  sqlite3    *db;
  GHashTable *statements;  /* SQL text -> sqlite3_stmt */
};

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

OmbudMerge *
ombud_merge_new (sqlite3 *db)
{
  OmbudMerge *self = g_new0 (OmbudMerge, 1);

  self->db = db;
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_statement);
  return self;
}

void
ombud_merge_free (OmbudMerge *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->statements);
  g_free (self);
}

/* Prepared once, reset before each use.  The SQL never holds input: table
 * and field names come from ombud-fields.c after ombud_merge_check. */
sqlite3_stmt *
ombud_merge_statement (OmbudMerge  *self,
                       const char  *sql,
                       GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, self->db, rc, "could not prepare a statement");
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

static gboolean
step_done (OmbudMerge    *self,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      ombud_vfs_set_sqlite_error (error, self->db, rc, "could not save a change");
      return FALSE;
    }
  return TRUE;
}

gboolean
ombud_merge_check (const OmbudChange  *change,
                   GError            **error)
{
  const OmbudTable *table = ombud_table_lookup (change->table);
  const OmbudField *field = table ? ombud_table_lookup_field (table, change->field) : NULL;
  gboolean want_int;

  if (field == NULL)
    {
      g_set_error (error, OMBUD_MERGE_ERROR, OMBUD_MERGE_ERROR_UNKNOWN_FIELD,
                   "unknown field %s.%s", change->table, change->field);
      return FALSE;
    }
  if (change->value == NULL)
    return TRUE;
  want_int = field->type == OMBUD_FIELD_INT || field->type == OMBUD_FIELD_BOOL;
  if (want_int != g_variant_is_of_type (change->value, G_VARIANT_TYPE_INT64))
    {
      g_set_error (error, OMBUD_MERGE_ERROR, OMBUD_MERGE_ERROR_BAD_VALUE,
                   "a value of the wrong type for %s.%s", change->table, change->field);
      return FALSE;
    }
  return TRUE;
}

static void
bind_value (sqlite3_stmt *stmt,
            int           index,
            GVariant     *value)
{
  if (value == NULL)
    sqlite3_bind_null (stmt, index);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    sqlite3_bind_int64 (stmt, index, g_variant_get_int64 (value));
  else
    sqlite3_bind_text (stmt, index, g_variant_get_string (value, NULL), -1, SQLITE_TRANSIENT);
}

static void
bind_field (sqlite3_stmt *stmt,
            const char   *table,
            const char   *record,
            const char   *field)
{
  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, record, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, field, -1, SQLITE_STATIC);
}

/* Returns FALSE in *out_new when this version was seen before. */
static gboolean
insert_version (OmbudMerge         *self,
                const OmbudChange  *change,
                guint64             device,
                gboolean           *out_new,
                GError            **error)
{
  sqlite3_stmt *stmt = ombud_merge_statement (self,
    "INSERT INTO version (tbl, rec, field, hlc, device, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    " ON CONFLICT DO NOTHING", error);

  if (stmt == NULL)
    return FALSE;
  bind_field (stmt, change->table, change->record, change->field);
  sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) change->hlc);
  sqlite3_bind_int64 (stmt, 5, (sqlite3_int64) device);
  bind_value (stmt, 6, change->value);
  if (!step_done (self, stmt, error))
    return FALSE;
  *out_new = sqlite3_changes (self->db) > 0;
  if (!*out_new)
    return TRUE;

  stmt = ombud_merge_statement (self,
    "INSERT INTO version_base (tbl, rec, field, base_hlc, base_device, hlc, device)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < change->bases->len; i++)
    {
      OmbudVersionId *base = &g_array_index (change->bases, OmbudVersionId, i);

      sqlite3_reset (stmt);
      bind_field (stmt, change->table, change->record, change->field);
      sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) base->hlc);
      sqlite3_bind_int64 (stmt, 5, (sqlite3_int64) base->device);
      sqlite3_bind_int64 (stmt, 6, (sqlite3_int64) change->hlc);
      sqlite3_bind_int64 (stmt, 7, (sqlite3_int64) device);
      if (!step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

#define HEADS_SQL \
  "SELECT v.hlc, v.device, v.value FROM version v" \
  " WHERE v.tbl = ?1 AND v.rec = ?2 AND v.field = ?3" \
  "   AND NOT EXISTS (SELECT 1 FROM version_base b" \
  "     WHERE b.tbl = ?1 AND b.rec = ?2 AND b.field = ?3" \
  "       AND b.base_hlc = v.hlc AND b.base_device = v.device)" \
  " ORDER BY v.hlc DESC, v.device DESC"

GArray *
ombud_merge_heads (OmbudMerge  *self,
                   const char  *table,
                   const char  *record,
                   const char  *field,
                   GError     **error)
{
  sqlite3_stmt *stmt = ombud_merge_statement (self, HEADS_SQL, error);
  g_autoptr(GArray) heads = g_array_new (FALSE, FALSE, sizeof (OmbudVersionId));
  int rc;

  if (stmt == NULL)
    return NULL;
  bind_field (stmt, table, record, field);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      OmbudVersionId id = { sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1) };
      g_array_append_val (heads, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, self->db, rc, "could not read a field's versions");
      return NULL;
    }
  return g_steal_pointer (&heads);
}

static char *
conflict_id (const OmbudChange *c,
             gint64             hlc,
             gint64             device)
{
  g_autofree char *key = g_strdup_printf ("%s|%s|%s|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT,
                                          c->table, c->record, c->field, hlc, device);
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);

  return g_strndup (sum, 16);
}

static gboolean
set_value (OmbudMerge     *self,
           const char     *table,
           const char     *record,
           const char     *field,
           sqlite3_value  *value,
           GError        **error)
{
  g_autofree char *insert = g_strdup_printf ("INSERT INTO %s (id) VALUES (?1) ON CONFLICT DO NOTHING", table);
  g_autofree char *update = g_strcmp0 (field, "deleted") == 0
    ? g_strdup_printf ("UPDATE %s SET deleted = coalesce(?2, 0) WHERE id = ?1", table)
    : g_strdup_printf ("UPDATE %s SET %s = ?2 WHERE id = ?1", table, field);
  sqlite3_stmt *stmt = ombud_merge_statement (self, insert, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, record, -1, SQLITE_STATIC);
  if (!step_done (self, stmt, error))
    return FALSE;
  stmt = ombud_merge_statement (self, update, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, record, -1, SQLITE_STATIC);
  sqlite3_bind_value (stmt, 2, value);
  return step_done (self, stmt, error);
}

static gboolean
clear_conflicts (OmbudMerge         *self,
                 const OmbudChange  *c,
                 GError            **error)
{
  sqlite3_stmt *stmt = ombud_merge_statement (self,
    "DELETE FROM conflict WHERE tbl = ?1 AND rec = ?2 AND field = ?3", error);

  if (stmt == NULL)
    return FALSE;
  bind_field (stmt, c->table, c->record, c->field);
  return step_done (self, stmt, error);
}

static gboolean
add_conflict (OmbudMerge         *self,
              const char         *case_id,
              const OmbudChange  *c,
              sqlite3_stmt       *head,
              GError            **error)
{
  sqlite3_int64 hlc = sqlite3_column_int64 (head, 0);
  sqlite3_int64 device = sqlite3_column_int64 (head, 1);
  g_autofree char *id = conflict_id (c, hlc, device);
  sqlite3_stmt *stmt = ombud_merge_statement (self,
    "INSERT INTO conflict (id, tbl, rec, field, case_id, hlc, device, value)"
    " VALUES (?4, ?1, ?2, ?3, ?5, ?6, ?7, ?8)", error);

  if (stmt == NULL)
    return FALSE;
  bind_field (stmt, c->table, c->record, c->field);
  sqlite3_bind_text (stmt, 4, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, case_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, hlc);
  sqlite3_bind_int64 (stmt, 7, device);
  sqlite3_bind_value (stmt, 8, sqlite3_column_value (head, 2));
  return step_done (self, stmt, error);
}

/* The field's value becomes its greatest head; the other heads are its
 * conflicts. */
static gboolean
settle_field (OmbudMerge         *self,
              const char         *case_id,
              const OmbudChange  *c,
              GError            **error)
{
  /* Its own cached statement: ombud_merge_heads' may be in use by a caller. */
  sqlite3_stmt *heads = ombud_merge_statement (self, "-- settle\n" HEADS_SQL, error);
  gboolean ok;
  int rc;

  if (heads == NULL || !clear_conflicts (self, c, error))
    return FALSE;
  bind_field (heads, c->table, c->record, c->field);
  rc = sqlite3_step (heads);
  ok = rc != SQLITE_ROW
       || set_value (self, c->table, c->record, c->field, sqlite3_column_value (heads, 2), error);
  while (ok && (rc = sqlite3_step (heads)) == SQLITE_ROW)
    ok = add_conflict (self, case_id, c, heads, error);
  if (ok && rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, self->db, rc, "could not read a field's versions");
      ok = FALSE;
    }
  sqlite3_reset (heads);
  return ok;
}

gboolean
ombud_merge_apply (OmbudMerge         *self,
                   const char         *case_id,
                   const OmbudChange  *change,
                   guint64             device,
                   gboolean           *out_new,
                   GError            **error)
{
  gboolean is_new = FALSE;

  if (!ombud_merge_check (change, error)
      || !insert_version (self, change, device, &is_new, error))
    return FALSE;
  if (out_new)
    *out_new = is_new;
  return !is_new || settle_field (self, case_id, change, error);
}
