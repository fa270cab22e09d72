/* ombud-sync-enrol.c: enrolment with the office, and a coordinator's
 * confirmation of a device (PROTOCOL.md §4, §6)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-sync-enrol.h"

#include <sodium.h>
#include <string.h>

#include "ombud-cert.h"
#include "ombud-error.h"
#include "ombud-identity.h"
#include "ombud-keyring.h"
#include "ombud-sql.h"
#include "ombud-sync-directory.h"
#include "ombud-sync-engine.h"
#include "ombud-sync-escrow.h"
#include "ombud-sync-message.h"
#include "ombud-sync-private.h"
#include "ombud-sync-state.h"

#define RECOVERY_ALPHABET "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

/* The organisation's recovery key, shown once: 160 random bits as 32
 * characters in groups of four, and the first office key sealed under a
 * key derived from it, for the office to keep (issue "Keys over time"
 * restores from it). */
static char *
make_recovery (OmbudKeyring  *keyring,
               OmbudStore    *store,
               const guint8   org_id[16],
               GError       **error)
{
  static const guint8 team[16];
  g_autoptr(OmbudSecret) office_key = ombud_keyring_lookup (keyring, OMBUD_KEY_OFFICE, 1, team, error);
  g_autoptr(OmbudSecret) random = ombud_secret_new_random (20);
  g_autoptr(OmbudSecret) wrap = ombud_secret_new (32);
  GString *text = g_string_new (NULL);
  guint8 sealed[24 + 32 + 16];
  g_autoptr(GString) hex = g_string_new (NULL);
  const guint8 *r = ombud_secret_get_data (random);

  if (office_key == NULL)
    return g_string_free (text, TRUE), NULL;
  for (guint c = 0; c < 32; c++)
    {
      guint value = 0;

      for (guint b = c * 5; b < c * 5 + 5; b++)
        value = (value << 1) | ((r[b / 8] >> (7 - b % 8)) & 1);
      if (c > 0 && c % 4 == 0)
        g_string_append_c (text, '-');
      g_string_append_c (text, RECOVERY_ALPHABET[value]);
    }
  crypto_generichash (ombud_secret_get_data (wrap), 32, r, 20,
                      (const guint8 *) "ombud-recovery-v1", 17);
  randombytes_buf (sealed, 24);
  crypto_aead_xchacha20poly1305_ietf_encrypt (sealed + 24, NULL, ombud_secret_get_data (office_key), 32,
                                              (const guint8 *) "ombud-escrow-v1", 15, NULL, sealed,
                                              ombud_secret_get_data (wrap));
  for (guint i = 0; i < sizeof sealed; i++)
    g_string_append_printf (hex, "%02x", sealed[i]);
  if (!ombud_store_put (store, "sync.escrow_pending", hex->str, error)
      || !ombud_sync_escrow_found (store, org_id, random, ombud_keyring_get_identity (keyring), error))
    return g_string_free (text, TRUE), NULL;
  return g_string_free (text, FALSE);
}

/* The caseload's ombud of that name (a coordinator who kept the team's
 * records before enrolling has one), or a new one. */
static char *
ombud_for_person (OmbudCaseload  *caseload,
                  const char     *person,
                  guint           role,
                  GError        **error)
{
  sqlite3 *db = ombud_store_get_db (ombud_caseload_get_store (caseload));
  sqlite3_stmt *stmt = ombud_sql_prepare (db, "SELECT id FROM ombud WHERE deleted = 0 AND lower(name) = lower(?1)"
                                    " ORDER BY id LIMIT 1", error);
  char *id = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, person, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  if (id == NULL)
    id = ombud_caseload_add_ombud (caseload, person, role == 1 ? "coordinator" : "ombud", error);
  return id;
}

/* DESIGN.md §5: the first coordinator is trusted by enrolment alone; it
 * makes the office key, its own ombud record, and certifies itself. */
static gboolean
found_organisation (OmbudCaseload    *caseload,
                    OmbudSyncConfig  *config,
                    char            **recovery_key,
                    GError          **error)
{
  OmbudKeyring *keyring = ombud_caseload_get_keyring (caseload);
  OmbudIdentity *me = ombud_keyring_get_identity (keyring);
  OmbudCert cert = { .role = OMBUD_DEVICE_ROLE_COORDINATOR };
  g_autoptr(GBytes) bytes = NULL;

  if (ombud_keyring_create_office_key (keyring, error) == 0)
    return FALSE;
  /* It trusts no one on first use: everyone else it learns through
   * certificates it or the coordinators it certified signed. */
  config->confirmer = ombud_identity_get_device_id (me);
  config->ombud_id = ombud_for_person (caseload, config->person, 1, error);
  if (config->ombud_id == NULL || !ombud_uuid_parse (config->ombud_id, cert.ombud_id))
    return FALSE;
  memcpy (cert.sign_pk, ombud_identity_get_sign_pk (me), 32);
  memcpy (cert.box_pk, ombud_identity_get_box_pk (me), 32);
  bytes = ombud_cert_make (&cert, me);
  if (!ombud_sync_outgoing_add (ombud_caseload_get_store (caseload), OMBUD_OUTGOING_CERT, bytes, error))
    return FALSE;
  *recovery_key = make_recovery (keyring, ombud_caseload_get_store (caseload), config->org_id, error);
  return *recovery_key != NULL;
}

/* PROTOCOL.md §10.3: a laptop that proved the organisation's recovery key
 * and restored the office key stands where the first coordinator stood:
 * its own confirmer, its own ombud record, a certificate of itself. */
gboolean
ombud_sync_take_over_as_coordinator (OmbudCaseload    *caseload,
                                     OmbudSyncConfig  *config,
                                     GError          **error)
{
  OmbudIdentity *me = ombud_keyring_get_identity (ombud_caseload_get_keyring (caseload));
  OmbudCert cert = { .role = OMBUD_DEVICE_ROLE_COORDINATOR };
  g_autoptr(GBytes) bytes = NULL;

  config->state = OMBUD_SYNC_STATE_CONFIRMED;
  config->confirmer = ombud_identity_get_device_id (me);
  if (config->ombud_id == NULL)
    config->ombud_id = ombud_for_person (caseload, config->person, 1, error);
  if (config->ombud_id == NULL || !ombud_uuid_parse (config->ombud_id, cert.ombud_id))
    return FALSE;
  memcpy (cert.sign_pk, ombud_identity_get_sign_pk (me), 32);
  memcpy (cert.box_pk, ombud_identity_get_box_pk (me), 32);
  bytes = ombud_cert_make (&cert, me);
  return ombud_sync_outgoing_add (ombud_caseload_get_store (caseload), OMBUD_OUTGOING_CERT, bytes, error);
}

static OmbudEnrolResponse *
post_enrolment (OmbudCaseload          *caseload,
                const char             *url,
                const char             *code,
                const OmbudHttpOptions *tls,
                GError                **error)
{
  OmbudIdentity *me = ombud_keyring_get_identity (ombud_caseload_get_keyring (caseload));
  g_autoptr(OmbudEnrolRequest) req = ombud_enrol_request_new ();
  g_autoptr(OmbudHttp) http = ombud_http_new (tls);
  g_autofree char *endpoint = g_strconcat (url, "/v1/enrol", NULL);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(OmbudHttpResponse) response = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *line = NULL;

  req->code = g_strdup (code);
  memcpy (req->sign_pk, ombud_identity_get_sign_pk (me), 32);
  memcpy (req->box_pk, ombud_identity_get_box_pk (me), 32);
  req->name = g_strdup (g_get_host_name ());
  body = ombud_enrol_request_encode (req);
  response = ombud_http_post (http, endpoint, body, NULL, &local_error);
  if (response == NULL)
    {
      ombud_sync_fail_from_http (local_error, error);
      return NULL;
    }
  if (response->status == 200)
    {
      OmbudEnrolResponse *r = ombud_enrol_response_decode (response->body, &local_error);
      if (r == NULL)
        ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_NOT_AUTHENTIC,
                    "the office's answer cannot be read: %s", local_error->message);
      return r;
    }
  line = g_strndup (g_bytes_get_data (response->body, NULL), MIN (g_bytes_get_size (response->body), 200));
  g_strchomp (g_strdelimit (line, "\r\n", ' '));
  ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REFUSED, "the office refused the enrolment (HTTP %u): %s",
              response->status, g_utf8_validate (line, -1, NULL) ? line : "");
  return NULL;
}

gboolean
ombud_sync_enrol (OmbudCaseload          *caseload,
                  const char             *url,
                  const char             *code,
                  const OmbudHttpOptions *tls,
                  char                  **office_fingerprint,
                  char                  **recovery_key,
                  GError                **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  g_autoptr(OmbudSyncConfig) existing = ombud_sync_config_load (store, NULL);
  g_autoptr(OmbudSyncConfig) config = g_new0 (OmbudSyncConfig, 1);
  g_autoptr(OmbudEnrolResponse) r = NULL;
  g_autofree char *base = g_strdup (url);

  *office_fingerprint = NULL;
  *recovery_key = NULL;
  if (existing != NULL)
    return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_FAILED,
                       "this profile is enrolled with %s already", existing->url);
  while (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  r = post_enrolment (caseload, base, code, tls, error);
  if (r == NULL)
    return FALSE;
  config->url = g_steal_pointer (&base);
  config->ca_file = g_strdup (tls->ca_file);
  config->pinned_key = g_strdup (tls->pinned_key);
  memcpy (config->org_id, r->org_id, 16);
  config->org_name = g_strdup (r->org_name);
  memcpy (config->office_sign_pk, r->office_sign_pk, 32);
  memcpy (config->office_box_pk, r->office_box_pk, 32);
  config->person = g_strdup (r->person);
  config->role = r->role;
  config->state = r->state;
  if (r->role == 1 && r->state == OMBUD_SYNC_STATE_CONFIRMED
      && !found_organisation (caseload, config, recovery_key, error))
    return FALSE;
  if (!ombud_sync_config_save (store, config, error))
    return FALSE;
  *office_fingerprint = ombud_fingerprint_text (r->office_sign_pk, r->office_box_pk);
  return TRUE;
}

gboolean
ombud_sync_confirm (OmbudCaseload  *caseload,
                    guint64         device_id,
                    const char     *ombud_id,
                    GError        **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  OmbudIdentity *me = ombud_keyring_get_identity (ombud_caseload_get_keyring (caseload));
  g_autoptr(OmbudSyncConfig) config = ombud_sync_config_load (store, error);
  g_autofree char *person = NULL;
  g_autofree char *owner = NULL;
  g_autoptr(GBytes) cert_bytes = NULL;
  OmbudCert cert = { 0 };
  sqlite3_stmt *stmt;
  guint role = 0;
  gboolean found = FALSE;

  if (config == NULL || config->role != 1 || config->state != OMBUD_SYNC_STATE_CONFIRMED)
    return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_FAILED,
                       "only a confirmed coordinator's laptop can confirm devices");
  stmt = ombud_sql_prepare (ombud_store_get_db (store), "SELECT sign_pk, box_pk, person, role FROM sync_directory"
                                             " WHERE device_id = ?1 AND state <> 2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) device_id);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_bytes (stmt, 0) == 32 && sqlite3_column_bytes (stmt, 1) == 32)
    {
      memcpy (cert.sign_pk, sqlite3_column_blob (stmt, 0), 32);
      memcpy (cert.box_pk, sqlite3_column_blob (stmt, 1), 32);
      person = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      role = (guint) sqlite3_column_int (stmt, 3);
      found = ombud_device_id_from_sign_pk (cert.sign_pk) == device_id;
    }
  sqlite3_finalize (stmt);
  if (!found)
    return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_FAILED,
                       "no device %016" G_GINT64_MODIFIER "x is waiting at the office (sync first)", device_id);
  owner = ombud_id ? g_strdup (ombud_id) : ombud_for_person (caseload, person, role, error);
  if (owner == NULL)
    return FALSE;
  if (!ombud_uuid_parse (owner, cert.ombud_id))
    return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_FAILED, "“%s” is not an ombud id", owner);
  cert.role = role == 1 ? OMBUD_DEVICE_ROLE_COORDINATOR : OMBUD_DEVICE_ROLE_OMBUD;
  cert_bytes = ombud_cert_make (&cert, me);
  return ombud_known_device_save (store, cert.sign_pk, cert.box_pk, cert.role, TRUE, owner, error)
         && ombud_sync_outgoing_add (store, OMBUD_OUTGOING_CERT, cert_bytes, error)
         && ombud_sync_grant_office_keys (caseload, device_id, cert.box_pk, error);
}
