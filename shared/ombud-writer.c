/* ombud-writer.c: one local transaction, recorded as one changeset
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every local write goes through here: each field gets a new version that
 * replaces all the field's current heads (the user saw the value, and any
 * conflict, and chose), the replica applies it as it would a remote one, and
 * at commit the versions become a changeset in the outbox, in the same SQLite
 * transaction.  A note the client has not approved is a draft: its changes
 * wait in the outbox under a hold and leave the laptop only once the note is
 * approved; a draft deleted before that never leaves at all.
 */
#include "ombud-writer.h"

#include <string.h>

#include "ombud-migrations.h"
#include "ombud-vfs.h"

struct _OmbudWriter {
  sqlite3        *db;
  OmbudMerge     *merge;
  OmbudHlc       *hlc;
  guint64         device;
  char           *case_id;
  OmbudChangeset *changes;   /* everything, in order */
  gboolean        open;
};

OmbudWriter *
ombud_writer_begin (sqlite3     *db,
                    OmbudMerge  *merge,
                    OmbudHlc    *hlc,
                    guint64      device,
                    const char  *case_id,
                    GError     **error)
{
  OmbudWriter *self;

  if (!ombud_vfs_exec (db, "BEGIN IMMEDIATE", error))
    return NULL;
  self = g_new0 (OmbudWriter, 1);
  self->db = db;
  self->merge = merge;
  self->hlc = hlc;
  self->device = device;
  self->case_id = g_strdup (case_id ? case_id : "");
  self->changes = ombud_changeset_new (ombud_migrations_latest (), device, case_id);
  self->open = TRUE;
  return self;
}

void
ombud_writer_free (OmbudWriter *self)
{
  if (self == NULL)
    return;
  if (self->open)
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  ombud_changeset_free (self->changes);
  g_free (self->case_id);
  g_free (self);
}

gboolean
ombud_writer_set (OmbudWriter  *self,
                  const char   *table,
                  const char   *record,
                  const char   *field,
                  GVariant     *value,
                  GError      **error)
{
  g_autoptr(GArray) heads = NULL;
  g_autoptr(GVariant) owned = value ? g_variant_ref_sink (value) : NULL;
  OmbudChange *change;

  g_return_val_if_fail (self->open, FALSE);

  heads = ombud_merge_heads (self->merge, table, record, field, error);
  if (heads == NULL)
    return FALSE;
  change = ombud_changeset_add (self->changes, table, record, field, owned,
                                ombud_hlc_now (self->hlc),
                                (OmbudVersionId *) (void *) heads->data, heads->len);
  return ombud_merge_apply (self->merge, self->case_id, change, self->device, NULL, error);
}

static sqlite3_stmt *
stmt (OmbudWriter *self,
      const char  *sql,
      GError     **error)
{
  return ombud_merge_statement (self->merge, sql, error);
}

static gboolean
run (OmbudWriter  *self,
     sqlite3_stmt *s,
     GError      **error)
{
  int rc = sqlite3_step (s);

  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, self->db, rc, "could not save");
      return FALSE;
    }
  return TRUE;
}

/* A draft is this device's own note that the client has not approved: the
 * note's approved field is 0, and this device wrote that 0.  A note known
 * only in part (its creation not yet arrived, approved still NULL), or one
 * another device left unapproved, is not held here. */
static gboolean
is_draft (OmbudWriter *self,
          const char  *note_id)
{
  sqlite3_stmt *s = stmt (self,
    "SELECT v.value = 0 AND v.device = ?2 FROM version v"
    " WHERE v.tbl = 'note' AND v.rec = ?1 AND v.field = 'approved'"
    " ORDER BY v.hlc DESC, v.device DESC LIMIT 1", NULL);
  gboolean draft = FALSE;

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, note_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 2, (sqlite3_int64) self->device);
  if (sqlite3_step (s) == SQLITE_ROW)
    draft = sqlite3_column_int (s, 0) != 0;
  sqlite3_reset (s);
  return draft;
}

static gboolean
is_deleted (OmbudWriter *self,
            const char  *note_id)
{
  sqlite3_stmt *s = stmt (self, "SELECT deleted FROM note WHERE id = ?1", NULL);
  gboolean deleted = FALSE;

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, note_id, -1, SQLITE_STATIC);
  if (sqlite3_step (s) == SQLITE_ROW)
    deleted = sqlite3_column_int (s, 0) != 0;
  sqlite3_reset (s);
  return deleted;
}

static gboolean
enqueue (OmbudWriter    *self,
         OmbudChangeset *cs,
         const char     *hold,
         GError        **error)
{
  g_autoptr(GBytes) body = ombud_changeset_encode (cs);
  sqlite3_stmt *s = stmt (self, "INSERT INTO outbox (id, case_id, hold, body) VALUES (?1, ?2, ?3, ?4)", error);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, cs->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, cs->case_id, -1, SQLITE_STATIC);
  if (hold)
    sqlite3_bind_text (s, 3, hold, -1, SQLITE_STATIC);
  sqlite3_bind_blob (s, 4, g_bytes_get_data (body, NULL), g_bytes_get_size (body), SQLITE_STATIC);
  if (!run (self, s, error))
    return FALSE;

  s = stmt (self, "INSERT INTO applied (id, case_id) VALUES (?1, NULLIF (?2, ''))", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, cs->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, cs->case_id, -1, SQLITE_STATIC);
  return run (self, s, error);
}

static gboolean
set_hold (OmbudWriter *self,
          const char  *sql,
          const char  *note_id,
          GError     **error)
{
  sqlite3_stmt *s = stmt (self, sql, error);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, note_id, -1, SQLITE_STATIC);
  return run (self, s, error);
}

static OmbudChangeset *
split_off (OmbudWriter *self,
           GHashTable  *held,
           const char  *note_id)
{
  OmbudChangeset *cs = g_hash_table_lookup (held, note_id);

  if (cs == NULL)
    {
      cs = ombud_changeset_new (self->changes->schema, self->device, self->case_id);
      g_hash_table_insert (held, g_strdup (note_id), cs);
    }
  return cs;
}

/* Draft notes' changes go to changesets of their own, held per note;
 * everything else, approvals included, goes out in one changeset. */
static gboolean
write_outbox (OmbudWriter  *self,
              GError      **error)
{
  g_autoptr(GHashTable) held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                      (GDestroyNotify) ombud_changeset_free);
  g_autoptr(OmbudChangeset) ready = ombud_changeset_new (self->changes->schema, self->device, self->case_id);
  GHashTableIter iter;
  gpointer key, value;

  g_free (ready->id);
  ready->id = g_strdup (self->changes->id);
  for (guint i = 0; i < self->changes->changes->len; i++)
    {
      OmbudChange *c = g_ptr_array_index (self->changes->changes, i);
      gboolean draft = strcmp (c->table, "note") == 0 && is_draft (self, c->record);
      OmbudChangeset *to = draft ? split_off (self, held, c->record) : ready;

      ombud_changeset_add (to, c->table, c->record, c->field, c->value, c->hlc,
                           (OmbudVersionId *) (void *) c->bases->data, c->bases->len);
      /* Approved in this transaction: what was held goes out first. */
      if (!draft && strcmp (c->table, "note") == 0
          && !set_hold (self, "UPDATE outbox SET hold = NULL WHERE hold = ?1", c->record, error))
        return FALSE;
    }

  g_hash_table_iter_init (&iter, held);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (is_deleted (self, key))
        {
          if (!set_hold (self, "DELETE FROM outbox WHERE hold = ?1", key, error))
            return FALSE;
          continue;
        }
      if (!enqueue (self, value, key, error))
        return FALSE;
    }
  return ready->changes->len == 0 || enqueue (self, ready, NULL, error);
}

gboolean
ombud_writer_commit (OmbudWriter  *self,
                     GError      **error)
{
  sqlite3_stmt *s;

  g_return_val_if_fail (self->open, FALSE);

  if (self->changes->changes->len > 0 && !write_outbox (self, error))
    return FALSE;
  s = stmt (self, "UPDATE clock SET last = ?1 WHERE id = 1", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, (sqlite3_int64) ombud_hlc_get_last (self->hlc));
  if (!run (self, s, error) || !ombud_vfs_exec (self->db, "COMMIT", error))
    return FALSE;
  self->open = FALSE;
  return TRUE;
}
