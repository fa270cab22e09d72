/* ombud-keyring.c: the office key epochs and case keys this device holds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §2.  Keys are kept in the encrypted store (sync_key) and
 * handed out only in OmbudSecret memory.  A key reaches another device only
 * as a grant: sealed to that device's box key and signed by this one, so the
 * office that forwards it can neither read nor forge it.
 */
#include "ombud-keyring.h"

#include <sodium.h>
#include <string.h>

#include "ombud-bytes.h"
#include "ombud-error.h"
#include "ombud-vfs.h"

#define GRANT_VERSION    1
#define SEALED_KEY_SIZE  (OMBUD_KEY_SIZE + crypto_box_SEALBYTES)
#define GRANT_SIGNED     (OMBUD_GRANT_SIZE - crypto_sign_BYTES)

/* Offsets into a grant */
#define G_VERSION   0
#define G_KIND      1
#define G_EPOCH     2
#define G_SUBJECT   6
#define G_RECIPIENT 22
#define G_GRANTER   30
#define G_SEALED    38
#define G_SIGNATURE (G_SEALED + SEALED_KEY_SIZE)

G_STATIC_ASSERT (SEALED_KEY_SIZE == 80);
G_STATIC_ASSERT (G_SIGNATURE == GRANT_SIGNED);

G_DEFINE_QUARK (ombud-keyring-error-quark, ombud_keyring_error)

struct _OmbudKeyring {
  OmbudStore    *store;
  OmbudIdentity *me;
};

static const guint8 zero_subject[OMBUD_SUBJECT_SIZE];

/* UUIDs */

static int
hex_value (char c)
{
  return g_ascii_isxdigit (c) ? g_ascii_xdigit_value (c) : -1;
}

gboolean
ombud_uuid_parse (const char *text,
                  guint8      out[OMBUD_SUBJECT_SIZE])
{
  guint n = 0;

  memset (out, 0, OMBUD_SUBJECT_SIZE);
  if (text[0] == '\0')
    return TRUE;
  if (strlen (text) != 36)
    return FALSE;
  for (guint i = 0; i < 36; i++)
    {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (text[i] != '-')
            return FALSE;
          continue;
        }
      if (hex_value (text[i]) < 0 || hex_value (text[i + 1]) < 0)
        return FALSE;
      out[n++] = (guint8) (hex_value (text[i]) << 4 | hex_value (text[i + 1]));
      i++;
    }
  /* The nil UUID would read back as "": keep the mapping one to one. */
  return sodium_is_zero (out, OMBUD_SUBJECT_SIZE) == 0;
}

char *
ombud_uuid_format (const guint8 raw[OMBUD_SUBJECT_SIZE])
{
  const guint8 *b = raw;

  if (sodium_is_zero (raw, OMBUD_SUBJECT_SIZE))
    return g_strdup ("");
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                          b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Life cycle */

OmbudKeyring *
ombud_keyring_new (OmbudStore    *store,
                   OmbudIdentity *me)
{
  OmbudKeyring *self = g_new0 (OmbudKeyring, 1);

  self->store = g_object_ref (store);
  self->me = ombud_identity_ref (me);
  return self;
}

void
ombud_keyring_free (OmbudKeyring *self)
{
  if (self == NULL)
    return;
  g_object_unref (self->store);
  ombud_identity_unref (self->me);
  g_free (self);
}

OmbudIdentity *
ombud_keyring_get_identity (OmbudKeyring *self)
{
  return self->me;
}

/* Storage */

static sqlite3_stmt *
prepare (OmbudKeyring  *self,
         const char    *sql,
         GError       **error)
{
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!ombud_store_get_unlocked (self->store))
    {
      g_set_error_literal (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_LOCKED, "the store is locked");
      return NULL;
    }
  db = ombud_store_get_db (self->store);
  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, "could not read the sync keys");
      return NULL;
    }
  return stmt;
}

static gboolean
finish (OmbudKeyring  *self,
        sqlite3_stmt  *stmt,
        int            rc,
        GError       **error)
{
  sqlite3_finalize (stmt);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  ombud_vfs_set_sqlite_error (error, ombud_store_get_db (self->store), rc, "could not use the sync keys");
  return FALSE;
}

static gboolean
check_name (OmbudKeyKind   kind,
            guint32        epoch,
            const guint8  *subject,
            GError       **error)
{
  gboolean zero = sodium_is_zero (subject, OMBUD_SUBJECT_SIZE);

  if (kind == OMBUD_KEY_OFFICE && epoch >= 1 && zero)
    return TRUE;
  if (kind == OMBUD_KEY_CASE && !zero)
    return TRUE;
  return ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_INVALID,
                     "no such key: an office key has an epoch from 1 and no subject, "
                     "a case key its case as subject");
}

/* Inserts a key; the same key again is a no-op, another key under the same
 * name is refused: a key once used to seal must never change under it. */
static gboolean
store_key (OmbudKeyring  *self,
           OmbudKeyKind   kind,
           guint32        epoch,
           const guint8  *subject,
           const guint8  *key,
           GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(OmbudSecret) held = ombud_keyring_lookup (self, kind, epoch, subject, &local_error);
  sqlite3_stmt *stmt;

  if (held != NULL)
    return sodium_memcmp (ombud_secret_get_data (held), key, OMBUD_KEY_SIZE) == 0
           || ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_CONFLICT,
                          "this device already holds another key of that kind, epoch and subject");
  if (!g_error_matches (local_error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_MISSING_KEY))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  stmt = prepare (self, "INSERT INTO sync_key (kind, epoch, subject, key) VALUES (?1, ?2, ?3, ?4)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, kind);
  sqlite3_bind_int64 (stmt, 2, epoch);
  sqlite3_bind_blob (stmt, 3, subject, OMBUD_SUBJECT_SIZE, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 4, key, OMBUD_KEY_SIZE, SQLITE_STATIC);
  return finish (self, stmt, sqlite3_step (stmt), error);
}

gboolean
ombud_keyring_import (OmbudKeyring  *self,
                      OmbudKeyKind   kind,
                      guint32        epoch,
                      const guint8   subject[OMBUD_SUBJECT_SIZE],
                      const guint8   key[OMBUD_KEY_SIZE],
                      GError       **error)
{
  return check_name (kind, epoch, subject, error) && store_key (self, kind, epoch, subject, key, error);
}

OmbudSecret *
ombud_keyring_lookup (OmbudKeyring  *self,
                      OmbudKeyKind   kind,
                      guint32        epoch,
                      const guint8   subject[OMBUD_SUBJECT_SIZE],
                      GError       **error)
{
  sqlite3_stmt *stmt;
  OmbudSecret *key = NULL;
  int rc;

  if (!check_name (kind, epoch, subject, error))
    return NULL;
  stmt = prepare (self, "SELECT key FROM sync_key WHERE kind = ?1 AND epoch = ?2 AND subject = ?3", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, kind);
  sqlite3_bind_int64 (stmt, 2, epoch);
  sqlite3_bind_blob (stmt, 3, subject, OMBUD_SUBJECT_SIZE, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_bytes (stmt, 0) == OMBUD_KEY_SIZE)
    {
      key = ombud_secret_new (OMBUD_KEY_SIZE);
      memcpy (ombud_secret_get_data (key), sqlite3_column_blob (stmt, 0), OMBUD_KEY_SIZE);
    }
  if (!finish (self, stmt, rc, error))
    return NULL;
  if (key == NULL && kind == OMBUD_KEY_OFFICE)
    ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_MISSING_KEY,
                "this device does not hold office key epoch %u", epoch);
  else if (key == NULL)
    ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_MISSING_KEY,
                "this device does not hold the case's key");
  return key;
}

static gboolean
case_subject (const char    *case_id,
              guint8         subject[OMBUD_SUBJECT_SIZE],
              GError       **error)
{
  if (*case_id && ombud_uuid_parse (case_id, subject))
    return TRUE;
  return ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_INVALID,
                     "the case id \"%s\" is not a UUID", case_id);
}

OmbudSecret *
ombud_keyring_lookup_case (OmbudKeyring  *self,
                           const char    *case_id,
                           GError       **error)
{
  guint8 subject[OMBUD_SUBJECT_SIZE];

  if (!case_subject (case_id, subject, error))
    return NULL;
  return ombud_keyring_lookup (self, OMBUD_KEY_CASE, 0, subject, error);
}

guint32
ombud_keyring_get_office_epoch (OmbudKeyring  *self,
                                GError       **error)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT coalesce(max(epoch), 0) FROM sync_key WHERE kind = 1", error);
  guint32 epoch = 0;
  int rc;

  if (stmt == NULL)
    return 0;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    epoch = (guint32) sqlite3_column_int64 (stmt, 0);
  return finish (self, stmt, rc, error) ? epoch : 0;
}

guint32
ombud_keyring_create_office_key (OmbudKeyring  *self,
                                 GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(OmbudSecret) key = ombud_secret_new_random (OMBUD_KEY_SIZE);
  guint32 epoch = ombud_keyring_get_office_epoch (self, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return 0;
    }
  if (epoch == G_MAXUINT32)
    {
      ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_FAILED, "no office key epoch is left");
      return 0;
    }
  if (!store_key (self, OMBUD_KEY_OFFICE, epoch + 1, zero_subject, ombud_secret_get_data (key), error))
    return 0;
  return epoch + 1;
}

gboolean
ombud_keyring_create_case_key (OmbudKeyring  *self,
                               const char    *case_id,
                               GError       **error)
{
  g_autoptr(OmbudSecret) key = ombud_secret_new_random (OMBUD_KEY_SIZE);
  g_autoptr(OmbudSecret) held = NULL;
  guint8 subject[OMBUD_SUBJECT_SIZE];

  if (!case_subject (case_id, subject, error))
    return FALSE;
  held = ombud_keyring_lookup (self, OMBUD_KEY_CASE, 0, subject, NULL);
  if (held != NULL)
    return ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_EXISTS,
                       "case %s already has a key", case_id);
  return store_key (self, OMBUD_KEY_CASE, 0, subject, ombud_secret_get_data (key), error);
}

/* The newest epoch of the case's keys held here; FALSE when none is. */
gboolean
ombud_keyring_get_case_epoch (OmbudKeyring  *self,
                              const guint8   subject[OMBUD_SUBJECT_SIZE],
                              guint32       *epoch,
                              GError       **error)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT max (epoch) FROM sync_key WHERE kind = 2 AND subject = ?1", error);
  gboolean held;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, subject, OMBUD_SUBJECT_SIZE, SQLITE_STATIC);
  held = sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) == SQLITE_INTEGER;
  *epoch = held ? (guint32) sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_finalize (stmt);
  return held;
}

GArray *
ombud_keyring_list_case_epochs (OmbudKeyring  *self,
                                const guint8   subject[OMBUD_SUBJECT_SIZE],
                                GError       **error)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT epoch FROM sync_key WHERE kind = 2 AND subject = ?1 ORDER BY epoch",
                                error);
  GArray *epochs;
  int rc;

  if (stmt == NULL)
    return NULL;
  epochs = g_array_new (FALSE, FALSE, sizeof (guint32));
  sqlite3_bind_blob (stmt, 1, subject, OMBUD_SUBJECT_SIZE, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint32 epoch = (guint32) sqlite3_column_int64 (stmt, 0);
      g_array_append_val (epochs, epoch);
    }
  if (!finish (self, stmt, rc, error))
    g_clear_pointer (&epochs, g_array_unref);
  return epochs;
}

/* Its own number: two devices of the new owner that each make one before
 * they hear of the other's do not name two keys alike. */
guint32
ombud_keyring_own_case_epoch (OmbudKeyring *self)
{
  return 1 + (guint32) (ombud_identity_get_device_id (self->me) % 0x7ffffffeu);
}

guint32
ombud_keyring_create_own_case_key (OmbudKeyring  *self,
                                   const char    *case_id,
                                   GError       **error)
{
  g_autoptr(OmbudSecret) key = ombud_secret_new_random (OMBUD_KEY_SIZE);
  guint32 epoch = ombud_keyring_own_case_epoch (self);
  guint8 subject[OMBUD_SUBJECT_SIZE];

  if (!case_subject (case_id, subject, error)
      || !store_key (self, OMBUD_KEY_CASE, epoch, subject, ombud_secret_get_data (key), error))
    return 0;
  return epoch;
}

gboolean
ombud_keyring_destroy_case_key (OmbudKeyring  *self,
                                const char    *case_id,
                                GError       **error)
{
  guint8 subject[OMBUD_SUBJECT_SIZE];
  sqlite3_stmt *stmt;

  if (!case_subject (case_id, subject, error))
    return FALSE;
  /* secure_delete (the store's setting) overwrites the freed cell; the
   * caller's purge VACUUMs, which rewrites the pages. */
  stmt = prepare (self, "DELETE FROM sync_key WHERE kind = 2 AND subject = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, subject, OMBUD_SUBJECT_SIZE, SQLITE_STATIC);
  return finish (self, stmt, sqlite3_step (stmt), error);
}

/* Grants */

GBytes *
ombud_keyring_make_grant (OmbudKeyring  *self,
                          OmbudKeyKind   kind,
                          guint32        epoch,
                          const guint8   subject[OMBUD_SUBJECT_SIZE],
                          guint64        recipient_device,
                          const guint8   recipient_box_pk[OMBUD_BOX_PUBLIC_SIZE],
                          GError       **error)
{
  g_autoptr(OmbudSecret) key = ombud_keyring_lookup (self, kind, epoch, subject, error);
  guint8 *grant;

  if (key == NULL)
    return NULL;
  grant = g_malloc (OMBUD_GRANT_SIZE);
  grant[G_VERSION] = GRANT_VERSION;
  grant[G_KIND] = (guint8) kind;
  ombud_put_u32 (grant + G_EPOCH, epoch);
  memcpy (grant + G_SUBJECT, subject, OMBUD_SUBJECT_SIZE);
  ombud_put_u64 (grant + G_RECIPIENT, recipient_device);
  ombud_put_u64 (grant + G_GRANTER, ombud_identity_get_device_id (self->me));
  crypto_box_seal (grant + G_SEALED, ombud_secret_get_data (key), OMBUD_KEY_SIZE, recipient_box_pk);
  ombud_identity_sign (self->me, grant, GRANT_SIGNED, grant + G_SIGNATURE);
  return g_bytes_new_take (grant, OMBUD_GRANT_SIZE);
}

/* The ombud a case is assigned to, from the caseload; NULL if none yet. */
static char *
case_owner (OmbudKeyring *self,
            const guint8 *subject)
{
  g_autofree char *case_id = ombud_uuid_format (subject);
  sqlite3_stmt *stmt = prepare (self,
    "SELECT assigned_ombud FROM client_case WHERE lower(id) = ?1 AND deleted = 0", NULL);
  char *owner = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, case_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) == SQLITE_TEXT)
    owner = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return owner;
}

/* PROTOCOL.md §9: the case was the granter's ombud's before (a version of
 * its assignment here says so) and the client agreed to hand it over.  Any
 * other ombud's device granting a key for it would be planting a key. */
static gboolean
handed_over_by (OmbudKeyring *self,
                const guint8 *subject,
                const char   *granter_ombud)
{
  g_autofree char *case_id = ombud_uuid_format (subject);
  sqlite3_stmt *stmt = prepare (self,
    "SELECT 1 FROM client_case c WHERE lower(c.id) = ?1 AND c.deleted = 0 AND c.handover_consent = 1"
    " AND c.assigned_ombud <> ?2 AND EXISTS (SELECT 1 FROM version v WHERE v.tbl = 'client_case'"
    " AND v.rec = c.id AND v.field = 'assigned_ombud' AND v.value = ?2)", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, case_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, granter_ombud, -1, SQLITE_STATIC);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return found;
}

/* PROTOCOL.md §2: a trusted coordinator may grant any key; a case key may
 * also come from a trusted device of the case's owner. */
static gboolean
granter_may_grant (OmbudKeyring      *self,
                   OmbudKnownDevice  *granter,
                   OmbudKeyKind       kind,
                   const guint8      *subject,
                   GError           **error)
{
  g_autofree char *owner = NULL;

  if (!granter->trusted)
    return ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_NOT_TRUSTED,
                       "the grant is signed by device %" G_GUINT64_FORMAT ", which is not confirmed",
                       granter->device_id);
  if (granter->role == OMBUD_DEVICE_ROLE_COORDINATOR)
    return TRUE;
  if (kind == OMBUD_KEY_CASE && granter->ombud_id != NULL
      && (owner = case_owner (self, subject)) != NULL
      && strcmp (owner, granter->ombud_id) == 0)
    return TRUE;
  if (kind == OMBUD_KEY_CASE && granter->ombud_id != NULL && handed_over_by (self, subject, granter->ombud_id))
    return TRUE;
  return ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_NOT_TRUSTED,
                     "the grant is signed by device %" G_GUINT64_FORMAT ", which may not grant this key",
                     granter->device_id);
}

static gboolean
parse_grant (const guint8  *g,
             gsize          len,
             GError       **error)
{
  if (len != OMBUD_GRANT_SIZE)
    return ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_MALFORMED,
                       "a key grant is %d bytes, not %" G_GSIZE_FORMAT, OMBUD_GRANT_SIZE, len);
  if (g[G_VERSION] != GRANT_VERSION)
    return ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_MALFORMED,
                       "a key grant of unknown version %u", g[G_VERSION]);
  if (g[G_KIND] != OMBUD_KEY_OFFICE && g[G_KIND] != OMBUD_KEY_CASE)
    return ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_MALFORMED,
                       "a key grant of unknown kind %u", g[G_KIND]);
  if (!check_name (g[G_KIND], ombud_get_u32 (g + G_EPOCH), g + G_SUBJECT, NULL))
    return ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_MALFORMED,
                       "a key grant whose epoch or subject does not fit its kind");
  return TRUE;
}

gboolean
ombud_keyring_accept_grant (OmbudKeyring  *self,
                            GBytes        *grant,
                            GError       **error)
{
  gsize len;
  const guint8 *g = g_bytes_get_data (grant, &len);
  g_autoptr(OmbudKnownDevice) granter = NULL;
  g_autoptr(OmbudSecret) key = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!parse_grant (g, len, error))
    return FALSE;
  if (ombud_get_u64 (g + G_RECIPIENT) != ombud_identity_get_device_id (self->me))
    return ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_NOT_FOR_ME,
                       "the grant is for device %" G_GUINT64_FORMAT ", not this one",
                       ombud_get_u64 (g + G_RECIPIENT));
  granter = ombud_known_device_lookup (self->store, ombud_get_u64 (g + G_GRANTER), &local_error);
  if (granter == NULL)
    {
      if (g_error_matches (local_error, OMBUD_IDENTITY_ERROR, OMBUD_IDENTITY_ERROR_NOT_FOUND))
        return ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_UNKNOWN_GRANTER,
                           "the grant is signed by device %" G_GUINT64_FORMAT ", not known here",
                           ombud_get_u64 (g + G_GRANTER));
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (crypto_sign_verify_detached (g + G_SIGNATURE, g, GRANT_SIGNED, granter->sign_pk) != 0)
    return ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_BAD_SIGNATURE,
                       "the grant's signature does not verify");
  if (!granter_may_grant (self, granter, g[G_KIND], g + G_SUBJECT, error))
    return FALSE;

  key = ombud_secret_new (OMBUD_KEY_SIZE);
  if (!ombud_identity_unseal (self->me, g + G_SEALED, SEALED_KEY_SIZE, ombud_secret_get_data (key)))
    return ombud_fail (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_NOT_AUTHENTIC,
                       "the granted key does not open with this device's box key");
  return store_key (self, g[G_KIND], ombud_get_u32 (g + G_EPOCH), g + G_SUBJECT,
                    ombud_secret_get_data (key), error);
}
