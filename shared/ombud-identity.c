/* ombud-identity.c: this device's signing and box keys, and the devices it knows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §1.  A profile's identity is made at first use and kept
 * in the encrypted store (table device_identity); its secret keys are held in
 * OmbudSecret memory (locked, guarded, wiped on free) and never leave this
 * file: other modules ask it to sign or to open a sealed box.
 */
#include "ombud-identity.h"

#include <sodium.h>
#include <string.h>

#include "ombud-error.h"
#include "ombud-secret.h"
#include "ombud-vfs.h"

#define FP_DOMAIN   "ombud-fp-v1"
#define FP_BYTES    20  /* BLAKE2b-160: 32 characters of 5 bits */
#define FP_ALPHABET "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

G_STATIC_ASSERT (crypto_sign_PUBLICKEYBYTES == OMBUD_SIGN_PUBLIC_SIZE);
G_STATIC_ASSERT (crypto_box_PUBLICKEYBYTES == OMBUD_BOX_PUBLIC_SIZE);
G_STATIC_ASSERT (crypto_sign_BYTES == OMBUD_SIGNATURE_SIZE);

G_DEFINE_QUARK (ombud-identity-error-quark, ombud_identity_error)

struct _OmbudIdentity {
  guint64      device_id;
  guint8       sign_pk[crypto_sign_PUBLICKEYBYTES];
  guint8       box_pk[crypto_box_PUBLICKEYBYTES];
  OmbudSecret *sign_sk;
  OmbudSecret *box_sk;
};

guint64
ombud_device_id_from_sign_pk (const guint8 sign_pk[OMBUD_SIGN_PUBLIC_SIZE])
{
  guint8 hash[32];
  guint64 id = 0;

  crypto_generichash (hash, sizeof hash, sign_pk, crypto_sign_PUBLICKEYBYTES, NULL, 0);
  for (int i = 7; i >= 0; i--)
    id = (id << 8) | hash[i];
  return id & G_MAXINT64;
}

char *
ombud_fingerprint_text (const guint8 sign_pk[OMBUD_SIGN_PUBLIC_SIZE],
                        const guint8 box_pk[OMBUD_BOX_PUBLIC_SIZE])
{
  crypto_generichash_state state;
  guint8 fp[FP_BYTES];
  GString *out = g_string_sized_new (OMBUD_FINGERPRINT_LEN);

  crypto_generichash_init (&state, NULL, 0, sizeof fp);
  crypto_generichash_update (&state, (const guint8 *) FP_DOMAIN, strlen (FP_DOMAIN));
  crypto_generichash_update (&state, sign_pk, crypto_sign_PUBLICKEYBYTES);
  crypto_generichash_update (&state, box_pk, crypto_box_PUBLICKEYBYTES);
  crypto_generichash_final (&state, fp, sizeof fp);

  /* 160 bits = 32 characters of 5 bits, read most significant bit first. */
  for (guint c = 0; c < 32; c++)
    {
      guint bit = c * 5, value = 0;

      for (guint b = 0; b < 5; b++, bit++)
        value = (value << 1) | ((fp[bit / 8] >> (7 - bit % 8)) & 1);
      if (c > 0 && c % 4 == 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, FP_ALPHABET[value]);
    }
  return g_string_free (out, FALSE);
}

static OmbudIdentity *
identity_alloc (void)
{
  OmbudIdentity *self = g_atomic_rc_box_new0 (OmbudIdentity);

  self->sign_sk = ombud_secret_new (crypto_sign_SECRETKEYBYTES);
  self->box_sk = ombud_secret_new (crypto_box_SECRETKEYBYTES);
  return self;
}

OmbudIdentity *
ombud_identity_generate (void)
{
  OmbudIdentity *self = identity_alloc ();

  /* Device 0 stands for the schema's own seeds: never be it. */
  do
    {
      crypto_sign_keypair (self->sign_pk, ombud_secret_get_data (self->sign_sk));
      self->device_id = ombud_device_id_from_sign_pk (self->sign_pk);
    }
  while (self->device_id == 0);
  crypto_box_keypair (self->box_pk, ombud_secret_get_data (self->box_sk));
  return self;
}

static void
identity_clear (OmbudIdentity *self)
{
  ombud_secret_free (self->sign_sk);
  ombud_secret_free (self->box_sk);
}

OmbudIdentity *
ombud_identity_ref (OmbudIdentity *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
ombud_identity_unref (OmbudIdentity *self)
{
  if (self != NULL)
    g_atomic_rc_box_release_full (self, (GDestroyNotify) identity_clear);
}

guint64
ombud_identity_get_device_id (OmbudIdentity *self)
{
  return self->device_id;
}

const guint8 *
ombud_identity_get_sign_pk (OmbudIdentity *self)
{
  return self->sign_pk;
}

const guint8 *
ombud_identity_get_box_pk (OmbudIdentity *self)
{
  return self->box_pk;
}

char *
ombud_identity_get_fingerprint (OmbudIdentity *self)
{
  return ombud_fingerprint_text (self->sign_pk, self->box_pk);
}

void
ombud_identity_sign (OmbudIdentity *self,
                     const guint8  *data,
                     gsize          len,
                     guint8         signature[OMBUD_SIGNATURE_SIZE])
{
  crypto_sign_detached (signature, NULL, data, len, ombud_secret_get_data (self->sign_sk));
}

gboolean
ombud_identity_unseal (OmbudIdentity *self,
                       const guint8  *sealed,
                       gsize          sealed_len,
                       guint8        *out)
{
  return crypto_box_seal_open (out, sealed, sealed_len, self->box_pk,
                               ombud_secret_get_data (self->box_sk)) == 0;
}

/* crypto_kx with this device as the client: rx opens what the office
 * sends, tx seals what this device sends (PROTOCOL.md §5). */
gboolean
ombud_identity_session_keys (OmbudIdentity  *self,
                             const guint8    office_box_pk[OMBUD_BOX_PUBLIC_SIZE],
                             OmbudSecret   **rx,
                             OmbudSecret   **tx)
{
  g_autoptr(OmbudSecret) r = ombud_secret_new (crypto_kx_SESSIONKEYBYTES);
  g_autoptr(OmbudSecret) t = ombud_secret_new (crypto_kx_SESSIONKEYBYTES);

  G_STATIC_ASSERT (crypto_kx_PUBLICKEYBYTES == OMBUD_BOX_PUBLIC_SIZE);
  if (crypto_kx_client_session_keys (ombud_secret_get_data (r), ombud_secret_get_data (t),
                                     self->box_pk, ombud_secret_get_data (self->box_sk),
                                     office_box_pk) != 0)
    return FALSE;
  *rx = g_steal_pointer (&r);
  *tx = g_steal_pointer (&t);
  return TRUE;
}

/* Storage */

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, "could not read the device keys");
      return NULL;
    }
  return stmt;
}

static sqlite3 *
unlocked_db (OmbudStore  *store,
             GError     **error)
{
  if (!ombud_store_get_unlocked (store))
    {
      g_set_error_literal (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_LOCKED, "the store is locked");
      return NULL;
    }
  return ombud_store_get_db (store);
}

static gboolean
column_is_blob (sqlite3_stmt *stmt,
                int           col,
                gsize         size)
{
  return sqlite3_column_type (stmt, col) == SQLITE_BLOB
         && (gsize) sqlite3_column_bytes (stmt, col) == size;
}

/* A stored identity is checked, not trusted: the secret keys must give the
 * public keys beside them, or a damaged row would sign as someone else. */
static gboolean
identity_is_consistent (OmbudIdentity *self)
{
  guint8 pk[crypto_box_PUBLICKEYBYTES];
  const guint8 *sign_sk = ombud_secret_get_data (self->sign_sk);
  gboolean ok;

  ok = sodium_memcmp (sign_sk + crypto_sign_SEEDBYTES, self->sign_pk, crypto_sign_PUBLICKEYBYTES) == 0
       && crypto_scalarmult_base (pk, ombud_secret_get_data (self->box_sk)) == 0
       && sodium_memcmp (pk, self->box_pk, sizeof pk) == 0;
  self->device_id = ombud_device_id_from_sign_pk (self->sign_pk);
  return ok && self->device_id != 0;
}

static OmbudIdentity *
identity_from_row (sqlite3_stmt  *stmt,
                   GError       **error)
{
  g_autoptr(OmbudIdentity) self = NULL;

  if (!column_is_blob (stmt, 0, crypto_sign_PUBLICKEYBYTES)
      || !column_is_blob (stmt, 1, crypto_sign_SECRETKEYBYTES)
      || !column_is_blob (stmt, 2, crypto_box_PUBLICKEYBYTES)
      || !column_is_blob (stmt, 3, crypto_box_SECRETKEYBYTES))
    {
      ombud_fail (error, OMBUD_IDENTITY_ERROR, OMBUD_IDENTITY_ERROR_CORRUPTED,
                  "the device identity in the store has keys of the wrong size");
      return NULL;
    }
  self = identity_alloc ();
  memcpy (self->sign_pk, sqlite3_column_blob (stmt, 0), crypto_sign_PUBLICKEYBYTES);
  memcpy (ombud_secret_get_data (self->sign_sk), sqlite3_column_blob (stmt, 1), crypto_sign_SECRETKEYBYTES);
  memcpy (self->box_pk, sqlite3_column_blob (stmt, 2), crypto_box_PUBLICKEYBYTES);
  memcpy (ombud_secret_get_data (self->box_sk), sqlite3_column_blob (stmt, 3), crypto_box_SECRETKEYBYTES);
  if (!identity_is_consistent (self))
    {
      ombud_fail (error, OMBUD_IDENTITY_ERROR, OMBUD_IDENTITY_ERROR_CORRUPTED,
                  "the device identity in the store does not hold together");
      return NULL;
    }
  return g_steal_pointer (&self);
}

/* Returns NULL without an error when there is no identity yet. */
static OmbudIdentity *
identity_load (sqlite3  *db,
               GError  **error)
{
  sqlite3_stmt *stmt = prepare (db,
    "SELECT sign_pk, sign_sk, box_pk, box_sk FROM device_identity WHERE id = 1", error);
  OmbudIdentity *self = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    self = identity_from_row (stmt, error);
  else if (rc != SQLITE_DONE)
    ombud_vfs_set_sqlite_error (error, db, rc, "could not read the device identity");
  sqlite3_finalize (stmt);
  return self;
}

static gboolean
identity_insert (sqlite3        *db,
                 OmbudIdentity  *self,
                 GError        **error)
{
  sqlite3_stmt *stmt = prepare (db,
    "INSERT INTO device_identity (id, sign_pk, sign_sk, box_pk, box_sk) VALUES (1, ?1, ?2, ?3, ?4)",
    error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, self->sign_pk, crypto_sign_PUBLICKEYBYTES, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 2, ombud_secret_get_data (self->sign_sk), crypto_sign_SECRETKEYBYTES, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 3, self->box_pk, crypto_box_PUBLICKEYBYTES, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 4, ombud_secret_get_data (self->box_sk), crypto_box_SECRETKEYBYTES, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, "could not save the device identity");
      return FALSE;
    }
  return TRUE;
}

OmbudIdentity *
ombud_identity_load_or_create (OmbudStore  *store,
                               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(OmbudIdentity) self = NULL;
  sqlite3 *db = unlocked_db (store, error);

  if (db == NULL)
    return NULL;
  /* IMMEDIATE: two callers racing at first use must not make two. */
  if (!ombud_vfs_exec (db, "BEGIN IMMEDIATE", error))
    return NULL;
  self = identity_load (db, &local_error);
  if (self == NULL && local_error == NULL)
    {
      self = ombud_identity_generate ();
      if (!identity_insert (db, self, &local_error))
        g_clear_pointer (&self, ombud_identity_unref);
    }
  if (self == NULL || !ombud_vfs_exec (db, "COMMIT", &local_error))
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&self);
}

/* Known devices */

static const char *
role_name (OmbudDeviceRole role)
{
  return role == OMBUD_DEVICE_ROLE_COORDINATOR ? "coordinator" : "ombud";
}

void
ombud_known_device_free (OmbudKnownDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->ombud_id);
  g_free (device);
}

static OmbudKnownDevice *
known_device_from_row (sqlite3_stmt *stmt)
{
  OmbudKnownDevice *device;

  if (!column_is_blob (stmt, 0, OMBUD_SIGN_PUBLIC_SIZE) || !column_is_blob (stmt, 1, OMBUD_BOX_PUBLIC_SIZE))
    return NULL;
  device = g_new0 (OmbudKnownDevice, 1);
  memcpy (device->sign_pk, sqlite3_column_blob (stmt, 0), OMBUD_SIGN_PUBLIC_SIZE);
  memcpy (device->box_pk, sqlite3_column_blob (stmt, 1), OMBUD_BOX_PUBLIC_SIZE);
  device->device_id = ombud_device_id_from_sign_pk (device->sign_pk);
  device->role = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 2), "coordinator") == 0
                 ? OMBUD_DEVICE_ROLE_COORDINATOR : OMBUD_DEVICE_ROLE_OMBUD;
  device->trusted = sqlite3_column_int (stmt, 3) != 0;
  device->ombud_id = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  return device;
}

OmbudKnownDevice *
ombud_known_device_lookup (OmbudStore  *store,
                           guint64      device_id,
                           GError     **error)
{
  sqlite3 *db = unlocked_db (store, error);
  sqlite3_stmt *stmt;
  OmbudKnownDevice *device = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  stmt = prepare (db, "SELECT sign_pk, box_pk, role, trusted, ombud_id FROM known_device"
                      " WHERE device_id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) device_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    device = known_device_from_row (stmt);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    ombud_vfs_set_sqlite_error (error, db, rc, "could not read the known devices");
  else if (rc == SQLITE_DONE)
    ombud_fail (error, OMBUD_IDENTITY_ERROR, OMBUD_IDENTITY_ERROR_NOT_FOUND,
                "device %" G_GUINT64_FORMAT " is not known here", device_id);
  /* The id is derived from the key: a row that disagrees was tampered with. */
  else if (device == NULL || device->device_id != device_id)
    {
      g_clear_pointer (&device, ombud_known_device_free);
      ombud_fail (error, OMBUD_IDENTITY_ERROR, OMBUD_IDENTITY_ERROR_CORRUPTED,
                  "the stored keys of device %" G_GUINT64_FORMAT " do not match its id", device_id);
    }
  return device;
}

/* Inserts, or updates the role, trust and owner of a device already known
 * under the same keys.  Keys are what a device is: other keys under a known
 * id are refused rather than replaced. */
gboolean
ombud_known_device_save (OmbudStore      *store,
                         const guint8     sign_pk[OMBUD_SIGN_PUBLIC_SIZE],
                         const guint8     box_pk[OMBUD_BOX_PUBLIC_SIZE],
                         OmbudDeviceRole  role,
                         gboolean         trusted,
                         const char      *ombud_id,
                         GError         **error)
{
  sqlite3 *db = unlocked_db (store, error);
  guint64 id = ombud_device_id_from_sign_pk (sign_pk);
  sqlite3_stmt *stmt;
  int rc;

  if (db == NULL)
    return FALSE;
  if (id == 0)
    return ombud_fail (error, OMBUD_IDENTITY_ERROR, OMBUD_IDENTITY_ERROR_INVALID,
                       "a signing key whose device id is 0");
  stmt = prepare (db,
    "INSERT INTO known_device (device_id, sign_pk, box_pk, role, trusted, ombud_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    " ON CONFLICT (device_id) DO UPDATE SET role = ?4, trusted = ?5, ombud_id = ?6"
    "   WHERE sign_pk = ?2 AND box_pk = ?3", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) id);
  sqlite3_bind_blob (stmt, 2, sign_pk, OMBUD_SIGN_PUBLIC_SIZE, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 3, box_pk, OMBUD_BOX_PUBLIC_SIZE, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, role_name (role), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 5, trusted ? 1 : 0);
  sqlite3_bind_text (stmt, 6, ombud_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, "could not save a known device");
      return FALSE;
    }
  if (sqlite3_changes (db) == 0)
    return ombud_fail (error, OMBUD_IDENTITY_ERROR, OMBUD_IDENTITY_ERROR_CONFLICT,
                       "device %" G_GUINT64_FORMAT " is already known with other keys", id);
  return TRUE;
}
