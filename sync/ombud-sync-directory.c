/* ombud-sync-directory.c: whom this device trusts, and what it owes them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-sync-directory.h"

#include <string.h>

#include "ombud-cert.h"
#include "ombud-error.h"
#include "ombud-identity.h"
#include "ombud-keyring.h"
#include "ombud-sql.h"
#include "ombud-vfs.h"

typedef struct {
  OmbudCert  cert;
  GBytes    *bytes;
} ParsedCert;

typedef struct {
  OmbudDeviceRole role;
  gboolean        certified;   /* role and ombud come from a certificate */
  char           *ombud_id;
  guint8          sign_pk[32];
  guint8          box_pk[32];
} Trusted;

static void
trusted_free (Trusted *t)
{
  g_free (t->ombud_id);
  g_free (t);
}

gboolean
ombud_sync_outgoing_add (OmbudStore         *store,
                         OmbudOutgoingKind   kind,
                         GBytes             *body,
                         GError            **error)
{
  sqlite3 *db = ombud_store_get_db (store);
  sqlite3_stmt *stmt = ombud_sql_prepare (db, "INSERT INTO sync_outgoing (kind, body) VALUES (?1, ?2)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, kind);
  sqlite3_bind_blob (stmt, 2, g_bytes_get_data (body, NULL), g_bytes_get_size (body), SQLITE_TRANSIENT);
  return ombud_sql_run (db, stmt, error);
}

/* The office's list, kept as it is: `ombud-cli devices` shows it, and
 * confirming a device needs its keys. */
static gboolean
save_directory (OmbudStore         *store,
                OmbudSyncResponse  *response,
                GError            **error)
{
  sqlite3 *db = ombud_store_get_db (store);

  if (!ombud_vfs_exec (db, "DELETE FROM sync_directory", error))
    return FALSE;
  for (guint i = 0; i < response->devices->len; i++)
    {
      OmbudSyncDevice *d = response->devices->pdata[i];
      sqlite3_stmt *stmt = ombud_sql_prepare (db,
        "INSERT OR REPLACE INTO sync_directory (device_id, sign_pk, box_pk, person, role, state, name)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) (d->device_id & G_MAXINT64));
      sqlite3_bind_blob (stmt, 2, d->sign_pk, 32, SQLITE_STATIC);
      sqlite3_bind_blob (stmt, 3, d->box_pk, 32, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, d->person, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 5, (int) d->role);
      sqlite3_bind_int (stmt, 6, (int) d->state);
      sqlite3_bind_text (stmt, 7, d->name, -1, SQLITE_STATIC);
      if (!ombud_sql_run (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static OmbudSyncDevice *
find_device (OmbudSyncResponse *response,
             guint64            device_id)
{
  for (guint i = 0; i < response->devices->len; i++)
    {
      OmbudSyncDevice *d = response->devices->pdata[i];
      if (d->device_id == device_id)
        return d;
    }
  return NULL;
}

static Trusted *
trust (GHashTable           *trusted,
       guint64               id,
       const guint8         *sign_pk,
       const guint8         *box_pk,
       OmbudDeviceRole       role)
{
  Trusted *t = g_new0 (Trusted, 1);

  t->role = role;
  memcpy (t->sign_pk, sign_pk, 32);
  memcpy (t->box_pk, box_pk, 32);
  g_hash_table_insert (trusted, g_memdup2 (&id, sizeof id), t);
  return t;
}

/* Devices this one already trusted stay trusted: a later directory from
 * the office can add to that, never take from it. */
static gboolean
load_trusted (OmbudStore  *store,
              GHashTable  *trusted,
              GError     **error)
{
  sqlite3 *db = ombud_store_get_db (store);
  sqlite3_stmt *stmt = ombud_sql_prepare (db,
    "SELECT device_id, sign_pk, box_pk, role, ombud_id FROM known_device WHERE trusted = 1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint64 id = (guint64) sqlite3_column_int64 (stmt, 0);
      const char *role = (const char *) sqlite3_column_text (stmt, 3);
      Trusted *t;

      if (sqlite3_column_bytes (stmt, 1) != 32 || sqlite3_column_bytes (stmt, 2) != 32)
        continue;
      t = trust (trusted, id, sqlite3_column_blob (stmt, 1), sqlite3_column_blob (stmt, 2),
                 g_strcmp0 (role, "coordinator") == 0 ? OMBUD_DEVICE_ROLE_COORDINATOR : OMBUD_DEVICE_ROLE_OMBUD);
      t->ombud_id = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      t->certified = t->ombud_id != NULL;
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE
         || (ombud_vfs_set_sqlite_error (error, db, rc, "could not read the known devices"), FALSE);
}

static GPtrArray *
parse_certs (OmbudSyncResponse *response)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < response->certs->len; i++)
    {
      ParsedCert *p = g_new0 (ParsedCert, 1);

      p->bytes = response->certs->pdata[i];
      if (ombud_cert_parse (p->bytes, &p->cert, NULL))
        g_ptr_array_add (out, p);
      else
        g_free (p);
    }
  return out;
}

/* The coordinator whose certificate of this device came first: trusted on
 * first use, as the person confirming it compared fingerprints (§6). */
static guint64
find_confirmer (OmbudSyncResponse *response,
                GPtrArray         *certs,
                guint64            me)
{
  for (guint i = 0; i < certs->len; i++)
    {
      ParsedCert *p = certs->pdata[i];
      OmbudSyncDevice *certifier = find_device (response, p->cert.certifier);
      OmbudCert checked;

      if (p->cert.subject != me || p->cert.certifier == me || certifier == NULL
          || certifier->role != OMBUD_DEVICE_ROLE_COORDINATOR
          || !ombud_cert_verify (p->bytes, certifier->sign_pk, &checked, NULL))
        continue;
      return p->cert.certifier;
    }
  return 0;
}

/* Certificates from trusted coordinators, until nothing new is learnt. */
static void
extend_trust (GHashTable *trusted,
              GPtrArray  *certs)
{
  gboolean changed = TRUE;

  while (changed)
    {
      changed = FALSE;
      for (guint i = 0; i < certs->len; i++)
        {
          ParsedCert *p = certs->pdata[i];
          Trusted *certifier = g_hash_table_lookup (trusted, &p->cert.certifier);
          Trusted *subject = g_hash_table_lookup (trusted, &p->cert.subject);
          OmbudCert checked;
          g_autofree char *ombud_id = NULL;

          if (certifier == NULL || certifier->role != OMBUD_DEVICE_ROLE_COORDINATOR
              || (subject != NULL && subject->certified)
              || !ombud_cert_verify (p->bytes, certifier->sign_pk, &checked, NULL))
            continue;
          if (subject == NULL)
            subject = trust (trusted, checked.subject, checked.sign_pk, checked.box_pk, checked.role);
          else if (memcmp (subject->sign_pk, checked.sign_pk, 32) != 0)
            continue;
          subject->role = checked.role;
          subject->certified = TRUE;
          g_free (subject->ombud_id);
          subject->ombud_id = ombud_uuid_format (checked.ombud_id);
          changed = TRUE;
        }
    }
}

static gboolean
save_trusted (OmbudStore  *store,
              GHashTable  *trusted,
              guint64      me,
              GError     **error)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, trusted);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Trusted *t = value;
      g_autoptr(GError) local_error = NULL;

      if (*(guint64 *) key == me)
        continue;
      if (!ombud_known_device_save (store, t->sign_pk, t->box_pk, t->role, TRUE, t->ombud_id, &local_error)
          && !g_error_matches (local_error, OMBUD_IDENTITY_ERROR, OMBUD_IDENTITY_ERROR_CONFLICT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
has_cert (GPtrArray *certs,
          guint64    subject,
          guint64    certifier)
{
  for (guint i = 0; i < certs->len; i++)
    {
      ParsedCert *p = certs->pdata[i];
      if (p->cert.subject == subject && p->cert.certifier == certifier)
        return TRUE;
    }
  return FALSE;
}

/* A coordinator certifies every coordinator it trusts, so that a device it
 * admits later can follow the chain back to those admitted before (§6). */
static gboolean
owe_certs (OmbudCaseload  *caseload,
           GHashTable     *trusted,
           GPtrArray      *certs,
           guint64         me,
           GError        **error)
{
  OmbudIdentity *identity = ombud_keyring_get_identity (ombud_caseload_get_keyring (caseload));
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, trusted);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Trusted *t = value;
      OmbudCert cert = { .role = t->role };
      g_autoptr(GBytes) bytes = NULL;

      if (*(guint64 *) key == me || t->role != OMBUD_DEVICE_ROLE_COORDINATOR || !t->certified
          || has_cert (certs, *(guint64 *) key, me) || !ombud_uuid_parse (t->ombud_id, cert.ombud_id))
        continue;
      memcpy (cert.sign_pk, t->sign_pk, 32);
      memcpy (cert.box_pk, t->box_pk, 32);
      bytes = ombud_cert_make (&cert, identity);
      if (!ombud_sync_outgoing_add (ombud_caseload_get_store (caseload), OMBUD_OUTGOING_CERT, bytes, error))
        return FALSE;
    }
  return TRUE;
}

guint
ombud_sync_accept_grants (OmbudCaseload  *caseload,
                          GPtrArray      *grants,
                          GError        **error)
{
  OmbudKeyring *keyring = ombud_caseload_get_keyring (caseload);
  guint waiting = 0;

  for (guint i = 0; i < grants->len; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (ombud_keyring_accept_grant (keyring, grants->pdata[i], &local_error))
        continue;
      if (local_error->domain != OMBUD_KEYRING_ERROR)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return G_MAXUINT;
        }
      /* From a device not trusted yet, or for a case not here yet: it may
       * pass once they are; the rest never will. */
      if (local_error->code == OMBUD_KEYRING_ERROR_UNKNOWN_GRANTER
          || local_error->code == OMBUD_KEYRING_ERROR_NOT_TRUSTED)
        waiting++;
    }
  return waiting;
}

gboolean
ombud_sync_directory_apply (OmbudCaseload      *caseload,
                            OmbudSyncConfig    *config,
                            OmbudSyncResponse  *response,
                            GError            **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  OmbudKeyring *keyring = ombud_caseload_get_keyring (caseload);
  OmbudIdentity *identity = ombud_keyring_get_identity (keyring);
  guint64 me = ombud_identity_get_device_id (identity);
  g_autoptr(GHashTable) trusted = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                          (GDestroyNotify) trusted_free);
  g_autoptr(GPtrArray) certs = parse_certs (response);
  Trusted *self_entry;

  if (!save_directory (store, response, error) || !load_trusted (store, trusted, error))
    return FALSE;
  trust (trusted, me, ombud_identity_get_sign_pk (identity), ombud_identity_get_box_pk (identity),
         config->role == 1 ? OMBUD_DEVICE_ROLE_COORDINATOR : OMBUD_DEVICE_ROLE_OMBUD);
  if (config->confirmer == 0)
    config->confirmer = find_confirmer (response, certs, me);
  if (config->confirmer != 0 && !g_hash_table_contains (trusted, &config->confirmer))
    {
      OmbudSyncDevice *d = find_device (response, config->confirmer);
      if (d != NULL)
        trust (trusted, d->device_id, d->sign_pk, d->box_pk, OMBUD_DEVICE_ROLE_COORDINATOR);
    }
  extend_trust (trusted, certs);
  self_entry = g_hash_table_lookup (trusted, &me);
  if (self_entry->certified && self_entry->ombud_id && config->ombud_id == NULL)
    config->ombud_id = g_strdup (self_entry->ombud_id);
  if (!save_trusted (store, trusted, me, error))
    return FALSE;
  return config->role != 1 || owe_certs (caseload, trusted, certs, me, error);
}

static gboolean
already_granted (sqlite3       *db,
                 guint64        recipient,
                 OmbudKeyKind   kind,
                 guint32        epoch,
                 const guint8   subject[16])
{
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  if (sqlite3_prepare_v2 (db, "SELECT 1 FROM sync_granted WHERE recipient = ?1 AND kind = ?2"
                              " AND epoch = ?3 AND subject = ?4", -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) recipient);
      sqlite3_bind_int (stmt, 2, kind);
      sqlite3_bind_int64 (stmt, 3, epoch);
      sqlite3_bind_blob (stmt, 4, subject, 16, SQLITE_STATIC);
      found = sqlite3_step (stmt) == SQLITE_ROW;
    }
  sqlite3_finalize (stmt);
  return found;
}

/* One grant, queued and remembered in one go. */
static gboolean
queue_grant (OmbudCaseload  *caseload,
             OmbudKeyKind    kind,
             guint32         epoch,
             const guint8    subject[16],
             guint64         recipient,
             const guint8    box_pk[32],
             GError        **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  sqlite3 *db = ombud_store_get_db (store);
  g_autoptr(GBytes) grant = NULL;
  sqlite3_stmt *stmt;

  if (already_granted (db, recipient, kind, epoch, subject))
    return TRUE;
  grant = ombud_keyring_make_grant (ombud_caseload_get_keyring (caseload), kind, epoch, subject,
                                    recipient, box_pk, error);
  if (grant == NULL || !ombud_sync_outgoing_add (store, OMBUD_OUTGOING_GRANT, grant, error))
    return FALSE;
  stmt = ombud_sql_prepare (db, "INSERT OR IGNORE INTO sync_granted (recipient, kind, epoch, subject)"
                      " VALUES (?1, ?2, ?3, ?4)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) recipient);
  sqlite3_bind_int (stmt, 2, kind);
  sqlite3_bind_int64 (stmt, 3, epoch);
  sqlite3_bind_blob (stmt, 4, subject, 16, SQLITE_STATIC);
  return ombud_sql_run (db, stmt, error);
}

gboolean
ombud_sync_grant_office_keys (OmbudCaseload  *caseload,
                              guint64         device_id,
                              const guint8    box_pk[32],
                              GError        **error)
{
  static const guint8 team[16];
  guint32 newest = ombud_keyring_get_office_epoch (ombud_caseload_get_keyring (caseload), error);

  for (guint32 epoch = 1; epoch <= newest; epoch++)
    if (!queue_grant (caseload, OMBUD_KEY_OFFICE, epoch, team, device_id, box_pk, error))
      return FALSE;
  return TRUE;
}

/* The devices of the ombud a case is assigned to get its key from a device
 * that holds it: the ombud's own laptop that made it, or the coordinator
 * who took the case in; coordinators' devices too when the organisation's
 * policy lets them read the client tier.  A case this device lacks the key
 * of is another device's to grant; an ombud's device grants only its own
 * ombud's cases (handing a case over needs the client's consent:
 * ombud-sync-handover.c, PROTOCOL.md §9). */
static gboolean
grant_case_to (OmbudCaseload  *caseload,
               const char     *case_id,
               const char     *devices_sql,
               const char     *arg,
               GError        **error)
{
  sqlite3 *db = ombud_store_get_db (ombud_caseload_get_store (caseload));
  guint64 me = ombud_caseload_get_device_id (caseload);
  g_autoptr(GArray) epochs = NULL;
  sqlite3_stmt *stmt;
  guint8 subject[16];
  int rc;

  if (!ombud_uuid_parse (case_id, subject))
    return TRUE;
  /* Every epoch held, each once per recipient (sync_granted). */
  epochs = ombud_keyring_list_case_epochs (ombud_caseload_get_keyring (caseload), subject, error);
  if (epochs == NULL)
    return FALSE;
  if (epochs->len == 0)
    return TRUE;
  stmt = ombud_sql_prepare (db, devices_sql, error);
  if (stmt == NULL)
    return FALSE;
  if (arg != NULL)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(GError) local_error = NULL;
      guint64 device = (guint64) sqlite3_column_int64 (stmt, 0);
      guint8 box_pk[32];

      if (device == me || sqlite3_column_bytes (stmt, 1) != 32)
        continue;
      memcpy (box_pk, sqlite3_column_blob (stmt, 1), 32);
      for (guint e = 0; e < epochs->len && local_error == NULL; e++)
        if (!queue_grant (caseload, OMBUD_KEY_CASE, g_array_index (epochs, guint32, e), subject, device, box_pk,
                          &local_error))
          {
            sqlite3_finalize (stmt);
            g_propagate_error (error, g_steal_pointer (&local_error));
            return FALSE;
          }
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE || rc == SQLITE_ROW
         || (ombud_vfs_set_sqlite_error (error, db, rc, "could not read the known devices"), FALSE);
}

gboolean
ombud_sync_client_access (OmbudCaseload         *caseload,
                          const OmbudSyncConfig *config)
{
  sqlite3 *db = ombud_store_get_db (ombud_caseload_get_store (caseload));
  sqlite3_stmt *stmt = NULL;
  gboolean on = FALSE;
  guint64 author = 0;

  if (sqlite3_prepare_v2 (db, "SELECT o.coordinators_read_client, v.device FROM organisation o"
                              " JOIN version v ON v.tbl = 'organisation' AND v.rec = o.id"
                              " AND v.field = 'coordinators_read_client'"
                              " WHERE o.id = ?1 ORDER BY v.hlc DESC, v.device DESC LIMIT 1",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, OMBUD_ORGANISATION_RECORD, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          on = sqlite3_column_int (stmt, 0) == 1;
          author = (guint64) sqlite3_column_int64 (stmt, 1);
        }
    }
  sqlite3_finalize (stmt);
  if (!on)
    return FALSE;
  /* Only a coordinator's word turns it on. */
  if (author == ombud_caseload_get_device_id (caseload))
    return config->role == 1;
  {
    g_autoptr(OmbudKnownDevice) known = ombud_known_device_lookup (ombud_caseload_get_store (caseload), author, NULL);
    return known != NULL && known->trusted && known->role == OMBUD_DEVICE_ROLE_COORDINATOR;
  }
}

gboolean
ombud_sync_grant_case_keys (OmbudCaseload    *caseload,
                            OmbudSyncConfig  *config,
                            GError          **error)
{
  sqlite3 *db = ombud_store_get_db (ombud_caseload_get_store (caseload));
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  gboolean coordinators;

  if (config->role != 1 && config->ombud_id == NULL)
    return TRUE;
  /* The device that made a case grants its key; another that holds it got
   * it from that one, and granting it again would only churn the office's
   * directory. */
  stmt = ombud_sql_prepare (db, "SELECT c.id, c.assigned_ombud FROM client_case c WHERE c.deleted = 0"
                      " AND c.assigned_ombud IS NOT NULL AND (?1 IS NULL OR c.assigned_ombud = ?1)"
                      " AND (SELECT v.device FROM version v WHERE v.tbl = 'client_case' AND v.rec = c.id"
                      "      AND v.field = 'municipality_id' ORDER BY v.hlc, v.device LIMIT 1) = ?2", error);
  if (stmt == NULL)
    return FALSE;
  if (config->role != 1)
    sqlite3_bind_text (stmt, 1, config->ombud_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) ombud_caseload_get_device_id (caseload));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (cases, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (cases, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_finalize (stmt);
  coordinators = config->role != 1 && ombud_sync_client_access (caseload, config);
  for (guint i = 0; i + 1 < cases->len; i += 2)
    {
      if (!grant_case_to (caseload, cases->pdata[i], "SELECT device_id, box_pk FROM known_device"
                                                     " WHERE trusted = 1 AND ombud_id = ?1",
                          cases->pdata[i + 1], error))
        return FALSE;
      if (coordinators
          && !grant_case_to (caseload, cases->pdata[i], "SELECT device_id, box_pk FROM known_device"
                                                        " WHERE trusted = 1 AND role = 'coordinator'",
                             NULL, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
ombud_sync_grant_case_key_to (OmbudCaseload  *caseload,
                              const char     *case_id,
                              const char     *devices_sql,
                              const char     *arg,
                              GError        **error)
{
  return grant_case_to (caseload, case_id, devices_sql, arg, error);
}
