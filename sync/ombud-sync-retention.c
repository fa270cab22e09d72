/* ombud-sync-retention.c: a coordinator has the office shred closed cases
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §9.  The office deletes every changeset of the case that
 * has a client part, office-tier changes in it included, because it can
 * neither cut a signed changeset nor read it.  So the coordinator first
 * writes the case's office tier again, as it stands here, in a changeset
 * with no client part: the office keeps that one, and a coordinator laptop
 * set up later still counts the case.  Each replica's values stay what they
 * were, so no statistic moves.  Per case, in the store's kv table:
 * "sync.shred.ID" = "pending" (restated, not yet asked) or "done".
 */
#include "ombud-sync-retention.h"

#include <string.h>

#include "ombud-caseload-private.h"
#include "ombud-changeset.h"
#include "ombud-closure.h"
#include "ombud-fields.h"
#include "ombud-keyring.h"
#include "ombud-sql.h"
#include "ombud-vfs.h"
#include "ombud-writer.h"

#define MARK_PREFIX "sync.shred."

static sqlite3 *
db_of (OmbudCaseload *caseload)
{
  return ombud_store_get_db (ombud_caseload_get_store (caseload));
}

static GPtrArray *
strings (sqlite3     *db,
         const char  *sql,
         const char  *a1,
         const char  *a2,
         GError     **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = ombud_sql_prepare (db, sql, error);

  if (stmt == NULL)
    return NULL;
  if (a1)
    sqlite3_bind_text (stmt, 1, a1, -1, SQLITE_STATIC);
  if (a2)
    sqlite3_bind_text (stmt, 2, a2, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (out, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  return g_steal_pointer (&out);
}

static GVariant *
value_of (sqlite3_stmt     *row,
          int               column,
          const OmbudField *field)
{
  if (sqlite3_column_type (row, column) == SQLITE_NULL)
    return NULL;
  if (field->type == OMBUD_FIELD_INT || field->type == OMBUD_FIELD_BOOL)
    return g_variant_new_int64 (sqlite3_column_int64 (row, column));
  return g_variant_new_string ((const char *) sqlite3_column_text (row, column));
}

/* The office-tier fields of one table's records of the case, as they are
 * here, NULLs left out (a field never set needs no version, and one set
 * to NULL reads the same without one). */
static gboolean
restate_table (OmbudCaseload     *caseload,
               OmbudWriter       *writer,
               const OmbudTable  *table,
               const char        *case_id,
               GError           **error)
{
  static const OmbudField deleted = { "deleted", OMBUD_TIER_OFFICE, OMBUD_FIELD_BOOL };
  g_autoptr(GString) sql = g_string_new ("SELECT id");
  g_autoptr(GPtrArray) fields = g_ptr_array_new ();
  sqlite3_stmt *stmt;
  gboolean ok = TRUE;

  for (const OmbudField *f = table->fields; f->name; f++)
    if (f->tier == OMBUD_TIER_OFFICE)
      {
        g_string_append_printf (sql, ", %s", f->name);
        g_ptr_array_add (fields, (gpointer) f);
      }
  g_string_append (sql, ", nullif (deleted, 0)");
  g_ptr_array_add (fields, (gpointer) &deleted);
  g_string_append_printf (sql, " FROM %s WHERE %s = ?1 ORDER BY id", table->name,
                          strcmp (table->name, "client_case") == 0 ? "id" : "case_id");
  stmt = ombud_sql_prepare (db_of (caseload), sql->str, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, case_id, -1, SQLITE_STATIC);
  while (ok && sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autofree char *record = g_strdup ((const char *) sqlite3_column_text (stmt, 0));

      for (guint i = 0; ok && i < fields->len; i++)
        {
          GVariant *value = value_of (stmt, (int) i + 1, fields->pdata[i]);

          if (value != NULL)
            ok = ombud_writer_set (writer, table->name, record, ((OmbudField *) fields->pdata[i])->name,
                                   value, error);
        }
    }
  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
mark (OmbudCaseload  *caseload,
      const char     *case_id,
      const char     *state,
      GError        **error)
{
  g_autofree char *key = g_strconcat (MARK_PREFIX, case_id, NULL);

  return ombud_store_put (ombud_caseload_get_store (caseload), key, state, error);
}

/* One changeset of the case's office tier, and the mark, together. */
static gboolean
restate (OmbudCaseload  *caseload,
         const char     *case_id,
         GError        **error)
{
  g_autoptr(OmbudWriter) writer = ombud_caseload_begin (caseload, case_id, error);
  guint n;
  const OmbudTable *tables = ombud_tables_get (&n);

  if (writer == NULL)
    return FALSE;
  for (guint t = 0; t < n; t++)
    if (tables[t].per_case && !restate_table (caseload, writer, &tables[t], case_id, error))
      return FALSE;
  return mark (caseload, case_id, "pending", error) && ombud_writer_commit (writer, error);
}

gboolean
ombud_sync_retention_prepare (OmbudCaseload    *caseload,
                              OmbudSyncConfig  *config,
                              GError          **error)
{
  int days = ombud_closure_get_retention_days (caseload);
  g_autofree char *today = NULL, *offset = NULL;
  g_autoptr(GPtrArray) due = NULL;

  if (config->role != 1 || config->state != OMBUD_SYNC_STATE_CONFIRMED || days < 0)
    return TRUE;
  today = ombud_caseload_today (caseload);
  offset = g_strdup_printf ("-%d days", days);
  /* As the laptop's own retention reads it (shared/ombud-closure.c). */
  due = strings (db_of (caseload),
                 "SELECT s.id FROM case_state s WHERE s.closed_on < date (?1, ?2)"
                 " AND NOT EXISTS (SELECT 1 FROM kv WHERE kv.key = '" MARK_PREFIX "' || s.id) ORDER BY s.id",
                 today, offset, error);
  if (due == NULL)
    return FALSE;
  for (guint i = 0; i < due->len; i++)
    if (!restate (caseload, due->pdata[i], error))
      return FALSE;
  return TRUE;
}

/* Whether an outbox changeset of the case can still leave: one with a
 * client-tier change this device holds no key for never will (the
 * coordinator's own retention writes such NULLs), so it does not hold the
 * shredding up. */
static gboolean
can_leave (GBytes   *body,
           gboolean  have_key)
{
  g_autoptr(OmbudChangeset) cs = ombud_changeset_decode (body, NULL);

  if (cs == NULL || have_key)
    return cs != NULL;
  for (guint i = 0; i < cs->changes->len; i++)
    {
      OmbudChange *c = cs->changes->pdata[i];
      const OmbudTable *table = ombud_table_lookup (c->table);
      const OmbudField *field = table ? ombud_table_lookup_field (table, c->field) : NULL;

      if (field != NULL && field->tier == OMBUD_TIER_CLIENT)
        return FALSE;
    }
  return TRUE;
}

/* The restatement is at the office: nothing of the case that can leave
 * this laptop is still in its outbox. */
static gboolean
restated_at_office (OmbudCaseload *caseload,
                    const char    *case_id)
{
  sqlite3_stmt *stmt = ombud_sql_prepare (db_of (caseload), "SELECT body FROM outbox WHERE case_id = ?1", NULL);
  gboolean waiting = FALSE, keyed = FALSE;
  guint8 subject[16];
  guint32 epoch;

  if (stmt == NULL)
    return FALSE;
  keyed = ombud_uuid_parse (case_id, subject)
          && ombud_keyring_get_case_epoch (ombud_caseload_get_keyring (caseload), subject, &epoch, NULL);
  sqlite3_bind_text (stmt, 1, case_id, -1, SQLITE_STATIC);
  while (!waiting && sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GBytes) body = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));

      waiting = can_leave (body, keyed);
    }
  sqlite3_finalize (stmt);
  return !waiting;
}

static GPtrArray *
ready (OmbudCaseload  *caseload,
       GError        **error)
{
  g_autoptr(GPtrArray) pending = strings (db_of (caseload),
    "SELECT substr (key, length ('" MARK_PREFIX "') + 1) FROM kv"
    " WHERE key LIKE '" MARK_PREFIX "%' AND value = 'pending' ORDER BY key", NULL, NULL, error);
  GPtrArray *out;

  if (pending == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < pending->len; i++)
    if (restated_at_office (caseload, pending->pdata[i]))
      g_ptr_array_add (out, g_strdup (pending->pdata[i]));
  return out;
}

gboolean
ombud_sync_retention_add (OmbudCaseload     *caseload,
                          OmbudSyncRequest  *req,
                          GStrv             *sent,
                          GError           **error)
{
  g_autoptr(GPtrArray) ids = ready (caseload, error);
  GVariantBuilder list;
  GVariantDict dict;

  *sent = NULL;
  if (ids == NULL)
    return FALSE;
  if (ids->len == 0)
    return TRUE;
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aay"));
  for (guint i = 0; i < ids->len; i++)
    {
      guint8 raw[16];

      if (ombud_uuid_parse (ids->pdata[i], raw))
        g_variant_builder_add_value (&list, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, raw, 16, 1));
    }
  g_variant_dict_init (&dict, req->extensions);
  g_variant_dict_insert_value (&dict, OMBUD_SYNC_EXT_SHRED_CASES, g_variant_builder_end (&list));
  g_clear_pointer (&req->extensions, g_variant_unref);
  req->extensions = g_variant_ref_sink (g_variant_dict_end (&dict));
  g_ptr_array_add (ids, NULL);
  *sent = (GStrv) g_ptr_array_steal (ids, NULL);
  return TRUE;
}

gboolean
ombud_sync_retention_step (OmbudCaseload      *caseload,
                           const char * const *sent,
                           gboolean           *again,
                           GError            **error)
{
  g_autoptr(GPtrArray) left = NULL;

  for (guint i = 0; sent && sent[i]; i++)
    if (!mark (caseload, sent[i], "done", error))
      return FALSE;
  left = ready (caseload, error);
  if (left == NULL)
    return FALSE;
  if (left->len > 0)
    *again = TRUE;
  return TRUE;
}
