/* ombud-sync-escrow.c: a laptop's side of the office key escrow and of
 * recovering the office key (PROTOCOL.md §10.3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kv: recovery.anchor (the escrow anchor, pinned the first time it is seen
 * and never replaced), recovery.anchor_pending / recovery.anchor_sent,
 * recovery.escrowed.E (epoch E ≥ 2 is at the office), recovery.sent (the
 * epochs the last request carried), recovery.claim (a recovery under way),
 * recovery.fetched (what the office answered it: (ayayaay), hex).
 */
#include "ombud-sync-escrow.h"

#include <sodium.h>
#include <string.h>

#include "ombud-cert.h"
#include "ombud-error.h"
#include "ombud-identity.h"
#include "ombud-keyring.h"
#include "ombud-escrow.h"
#include "ombud-sql.h"
#include "ombud-sync-directory.h"
#include "ombud-sync-enrol.h"
#include "ombud-sync-keybundle.h"
#include "ombud-vfs.h"

static const guint8 team[16];

static GBytes *
kv_bytes (OmbudStore *store,
          const char *key)
{
  g_autofree char *hex = ombud_store_get (store, key, NULL);

  return hex ? ombud_sync_hex_decode (hex) : NULL;
}

static gboolean
kv_put_bytes (OmbudStore  *store,
              const char  *key,
              GBytes      *bytes,
              GError     **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  g_autofree char *hex = ombud_sync_hex_encode (data, len);

  return ombud_store_put (store, key, hex, error);
}

static gboolean
kv_is_set (OmbudStore *store,
           const char *key)
{
  g_autofree char *value = ombud_store_get (store, key, NULL);

  return value != NULL;
}

gboolean
ombud_sync_escrow_found (OmbudStore    *store,
                         const guint8   org_id[16],
                         OmbudSecret   *r,
                         OmbudIdentity *founder,
                         GError       **error)
{
  g_autoptr(OmbudRecoveryKeys) keys = ombud_recovery_keys_derive (r);
  g_autoptr(GBytes) anchor = ombud_escrow_anchor_make (org_id, keys, founder);

  return kv_put_bytes (store, "recovery.anchor", anchor, error)
         && ombud_store_put (store, "recovery.anchor_pending", "1", error);
}

/* ---- requests ----------------------------------------------------------- */

/* Every epoch from 2 on that the office does not hold yet, sealed to the
 * pinned anchor's key and chained to the epoch before it. */
static gboolean
add_epochs (OmbudCaseload    *caseload,
            OmbudSyncConfig  *config,
            GBytes           *anchor,
            GVariantDict     *dict,
            GError          **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  OmbudKeyring *keyring = ombud_caseload_get_keyring (caseload);
  g_autoptr(GString) sent = g_string_new (NULL);
  OmbudEscrowAnchor parsed;
  GVariantBuilder list;
  guint32 newest;
  guint n = 0;

  if (!ombud_escrow_anchor_parse (anchor, config->org_id, &parsed, NULL))
    return TRUE;
  newest = ombud_keyring_get_office_epoch (keyring, error);
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aay"));
  for (guint32 e = 2; e <= newest; e++)
    {
      g_autofree char *done = g_strdup_printf ("recovery.escrowed.%u", e);
      g_autoptr(OmbudSecret) key = NULL;
      g_autoptr(OmbudSecret) previous = NULL;
      g_autoptr(GBytes) escrow = NULL;

      if (kv_is_set (store, done)
          || (key = ombud_keyring_lookup (keyring, OMBUD_KEY_OFFICE, e, team, NULL)) == NULL
          || (previous = ombud_keyring_lookup (keyring, OMBUD_KEY_OFFICE, e - 1, team, NULL)) == NULL)
        continue;
      escrow = ombud_escrow_epoch_make (config->org_id, e, ombud_secret_get_data (key),
                                        ombud_secret_get_data (previous), parsed.box_pk);
      g_variant_builder_add_value (&list, g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, escrow, TRUE));
      g_string_append_printf (sent, "%s%u", n++ ? "," : "", e);
    }
  if (n > 0)
    g_variant_dict_insert_value (dict, "office-key-escrow-epochs", g_variant_builder_end (&list));
  else
    g_variant_builder_clear (&list);
  return n == 0 ? ombud_sync_kv_delete (store, "recovery.sent", error)
                : ombud_store_put (store, "recovery.sent", sent->str, error);
}

gboolean
ombud_sync_escrow_request (OmbudCaseload     *caseload,
                           OmbudSyncConfig   *config,
                           OmbudSyncRequest  *request,
                           GError           **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  g_autoptr(GBytes) claim = kv_bytes (store, "recovery.claim");
  g_autoptr(GBytes) anchor = NULL;
  gboolean ok = TRUE;
  GVariantDict dict;

  if (config->role != 1)
    return TRUE;
  g_variant_dict_init (&dict, request->extensions);
  if (claim != NULL)
    g_variant_dict_insert_value (&dict, "recover-office",
                                 g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, claim, TRUE));
  if (config->state == OMBUD_SYNC_STATE_CONFIRMED)
    {
      anchor = kv_bytes (store, "recovery.anchor");
      if (anchor == NULL)
        g_variant_dict_insert (&dict, "office-key-escrow-anchor-want", "b", TRUE);
      else if (kv_is_set (store, "recovery.anchor_pending"))
        {
          g_variant_dict_insert_value (&dict, "office-key-escrow-anchor",
                                       g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, anchor, TRUE));
          ok = ombud_store_put (store, "recovery.anchor_sent", "1", error);
        }
      ok = ok && (anchor == NULL || add_epochs (caseload, config, anchor, &dict, error));
    }
  if (!ok)
    {
      g_variant_dict_clear (&dict);
      return FALSE;
    }
  g_clear_pointer (&request->extensions, g_variant_unref);
  request->extensions = g_variant_ref_sink (g_variant_dict_end (&dict));
  return TRUE;
}

/* ---- answers -------------------------------------------------------------- */

static gboolean
mark_sent (OmbudStore  *store,
           GError     **error)
{
  g_autofree char *sent = ombud_store_get (store, "recovery.sent", NULL);
  g_auto(GStrv) epochs = sent ? g_strsplit (sent, ",", -1) : NULL;

  for (guint i = 0; epochs && epochs[i]; i++)
    {
      g_autofree char *key = g_strdup_printf ("recovery.escrowed.%s", epochs[i]);
      if (!ombud_store_put (store, key, "1", error))
        return FALSE;
    }
  return ombud_sync_kv_delete (store, "recovery.sent", error);
}

gboolean
ombud_sync_escrow_response (OmbudCaseload      *caseload,
                            OmbudSyncConfig    *config,
                            OmbudSyncResponse  *response,
                            GError            **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  g_autoptr(GVariant) anchor = NULL;
  g_autoptr(GVariant) escrows = NULL;

  if (config->role != 1)
    return TRUE;
  if (kv_is_set (store, "recovery.anchor_sent")
      && !ombud_sync_kv_delete (store, "recovery.anchor\\_%", error))
    return FALSE;
  if (!mark_sent (store, error))
    return FALSE;
  if (response->extensions == NULL)
    return TRUE;
  anchor = g_variant_lookup_value (response->extensions, "office-key-escrow-anchor", G_VARIANT_TYPE_BYTESTRING);
  /* Pinned the first time: a later anchor, from an office or a coordinator
   * gone bad, would have new epochs sealed to a key of its own. */
  if (anchor != NULL && !kv_is_set (store, "recovery.anchor"))
    {
      g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (anchor);
      OmbudEscrowAnchor parsed;

      if (ombud_escrow_anchor_parse (bytes, config->org_id, &parsed, NULL)
          && !kv_put_bytes (store, "recovery.anchor", bytes, error))
        return FALSE;
    }
  escrows = g_variant_lookup_value (response->extensions, "office-key-escrows", G_VARIANT_TYPE ("(ayayaay)"));
  if (escrows != NULL)
    {
      g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (escrows);
      if (!kv_put_bytes (store, "recovery.fetched", bytes, error)
          || !ombud_sync_kv_delete (store, "recovery.claim", error))
        return FALSE;
    }
  return TRUE;
}

/* ---- recovery ------------------------------------------------------------- */

/* Epoch 1 from §6.7's escrow, then each later one opened with the recovery
 * key and checked against the epoch before it. */
static gboolean
restore_epochs (OmbudCaseload      *caseload,
                OmbudSyncConfig    *config,
                OmbudRecoveryKeys  *keys,
                GVariant           *fetched,
                guint32            *epochs,
                GError            **error)
{
  OmbudKeyring *keyring = ombud_caseload_get_keyring (caseload);
  g_autoptr(GVariant) v1 = NULL;
  g_autoptr(GVariant) anchor = NULL;
  g_autoptr(GVariant) later = NULL;
  g_autoptr(GBytes) v1_bytes = NULL;
  g_autoptr(OmbudSecret) previous = ombud_secret_new (32);
  GVariantIter iter;
  GVariant *child;

  g_variant_get (fetched, "(@ay@ay@aay)", &anchor, &v1, &later);
  v1_bytes = g_variant_get_data_as_bytes (v1);
  if (!ombud_escrow_v1_open (v1_bytes, keys, previous))
    return ombud_fail (error, OMBUD_ESCROW_ERROR, OMBUD_ESCROW_ERROR_WRONG_KEY,
                       "the recovery key does not open the office key escrow");
  if (!ombud_keyring_import (keyring, OMBUD_KEY_OFFICE, 1, team, ombud_secret_get_data (previous), error))
    return FALSE;
  *epochs = 1;
  for (guint32 want = 2;; want++)
    {
      g_autoptr(OmbudSecret) key = ombud_secret_new (32);
      gboolean found = FALSE;

      g_variant_iter_init (&iter, later);
      while (!found && (child = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_autoptr(GVariant) owned = child;
          g_autoptr(GBytes) escrow = g_variant_get_data_as_bytes (child);

          found = ombud_escrow_epoch_number (escrow) == want
                  && ombud_escrow_epoch_open (escrow, config->org_id, ombud_secret_get_data (previous), keys, key);
        }
      if (!found)
        break;
      if (!ombud_keyring_import (keyring, OMBUD_KEY_OFFICE, want, team, ombud_secret_get_data (key), error))
        return FALSE;
      memcpy (ombud_secret_get_data (previous), ombud_secret_get_data (key), 32);
      *epochs = want;
    }
  return TRUE;
}

static gboolean
claim (OmbudCaseload      *caseload,
       OmbudSyncConfig    *config,
       OmbudRecoveryKeys  *keys,
       GError            **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  OmbudIdentity *me = ombud_keyring_get_identity (ombud_caseload_get_keyring (caseload));
  g_autoptr(GBytes) bytes = ombud_recovery_claim_make (config->org_id, ombud_identity_get_device_id (me),
                                                       ombud_identity_get_sign_pk (me),
                                                       ombud_identity_get_box_pk (me), keys);

  return ombud_sync_kv_delete (store, "recovery.fetched", error)
         && kv_put_bytes (store, "recovery.claim", bytes, error);
}

/* The anchor the office sent must be r's own: an office could otherwise
 * name a founder of its making, or have later epochs sealed to its key. */
static gboolean
check_anchor (GBytes             *bytes,
              OmbudSyncConfig    *config,
              OmbudRecoveryKeys  *keys,
              OmbudEscrowAnchor  *anchor,
              GError            **error)
{
  if (!ombud_escrow_anchor_parse (bytes, config->org_id, anchor, NULL)
      || sodium_memcmp (anchor->sign_pk, keys->sign_pk, 32) != 0
      || sodium_memcmp (anchor->box_pk, keys->box_pk, 32) != 0)
    return ombud_fail (error, OMBUD_ESCROW_ERROR, OMBUD_ESCROW_ERROR_NOT_AUTHENTIC,
                       "the office's escrow anchor was not made with this recovery key; nothing changed");
  return TRUE;
}

/* PROTOCOL.md §10.3: trusting the founder the anchor names lets this
 * laptop follow §6.9's chain to everyone the old team certified; its
 * certificate by r in the founder's name lets the old team follow it here. */
static gboolean
certify_by_recovery (OmbudCaseload      *caseload,
                     OmbudSyncConfig    *config,
                     OmbudRecoveryKeys  *keys,
                     OmbudEscrowAnchor  *anchor,
                     GError            **error)
{
  OmbudIdentity *me = ombud_keyring_get_identity (ombud_caseload_get_keyring (caseload));
  OmbudCert cert = { .role = OMBUD_DEVICE_ROLE_COORDINATOR };
  g_autoptr(GBytes) bytes = NULL;

  if (!anchor->has_founder)
    return TRUE;
  if (!ombud_uuid_parse (config->ombud_id, cert.ombud_id))
    return ombud_fail (error, OMBUD_ESCROW_ERROR, OMBUD_ESCROW_ERROR_NOT_READY, "this laptop has no ombud record");
  memcpy (cert.sign_pk, ombud_identity_get_sign_pk (me), 32);
  memcpy (cert.box_pk, ombud_identity_get_box_pk (me), 32);
  bytes = ombud_cert_make_recovery (&cert, ombud_device_id_from_sign_pk (anchor->founder_sign_pk), config->org_id,
                                    keys->sign_pk, anchor->endorsement, keys->sign_sk);
  return ombud_sync_outgoing_add (ombud_caseload_get_store (caseload), OMBUD_OUTGOING_CERT, bytes, error);
}

gboolean
ombud_sync_recover_office (OmbudSyncEngine  *engine,
                           OmbudCaseload    *caseload,
                           const char       *recovery_key,
                           guint32          *epochs,
                           GError          **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  sqlite3 *db = ombud_store_get_db (store);
  g_autoptr(OmbudSyncConfig) config = ombud_sync_config_load (store, error);
  g_autoptr(OmbudSecret) r = NULL;
  g_autoptr(OmbudRecoveryKeys) keys = NULL;
  g_autoptr(GBytes) fetched = NULL;
  g_autoptr(GVariant) both = NULL;
  g_autoptr(GVariant) anchor = NULL;
  g_autoptr(GError) local_error = NULL;
  OmbudEscrowAnchor parsed;

  *epochs = 0;
  if (config == NULL || config->role != 1)
    return ombud_fail (error, OMBUD_ESCROW_ERROR, OMBUD_ESCROW_ERROR_NOT_READY,
                       "only a laptop enrolled with a coordinator's invite can recover the office key");
  r = ombud_recovery_key_parse (recovery_key, error);
  if (r == NULL)
    return FALSE;
  keys = ombud_recovery_keys_derive (r);
  if (!claim (caseload, config, keys, error))
    return FALSE;
  if (!ombud_sync_engine_sync (engine, NULL, &local_error))
    {
      ombud_sync_kv_delete (store, "recovery.claim", NULL);
      if (g_error_matches (local_error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REFUSED)
          && strstr (local_error->message, "recovery key") != NULL)
        return ombud_fail (error, OMBUD_ESCROW_ERROR, OMBUD_ESCROW_ERROR_WRONG_KEY,
                           "that is not this organisation's recovery key; nothing changed");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  fetched = kv_bytes (store, "recovery.fetched");
  if (fetched == NULL)
    return ombud_fail (error, OMBUD_ESCROW_ERROR, OMBUD_ESCROW_ERROR_NO_ESCROW,
                       "the office sent no office key escrow");
  both = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE ("(ayayaay)"), fetched, FALSE));
  g_clear_pointer (&config, ombud_sync_config_free);
  config = ombud_sync_config_load (store, error);
  if (config == NULL)
    return FALSE;
  if (!ombud_vfs_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  anchor = g_variant_get_child_value (both, 0);
  {
    g_autoptr(GBytes) anchor_bytes = g_variant_get_data_as_bytes (anchor);
    g_autofree char *newest = NULL;
    gboolean ok = check_anchor (anchor_bytes, config, keys, &parsed, error)
                  && restore_epochs (caseload, config, keys, both, epochs, error)
                  && (!parsed.has_founder
                      || ombud_known_device_save (store, parsed.founder_sign_pk, parsed.founder_box_pk,
                                                  OMBUD_DEVICE_ROLE_COORDINATOR, TRUE, NULL, error))
                  && kv_put_bytes (store, "recovery.anchor", anchor_bytes, error)
                  && ombud_sync_kv_delete (store, "recovery.fetched", error);

    for (guint32 e = 2; ok && e <= *epochs; e++)
      {
        g_autofree char *done = g_strdup_printf ("recovery.escrowed.%u", e);
        ok = ombud_store_put (store, done, "1", error);
      }
    ok = ok && ombud_vfs_exec (db, "COMMIT", error);
    if (!ok)
      {
        sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
        *epochs = 0;
        return FALSE;
      }
  }
  /* Its own ombud record is a caseload write, a transaction of its own. */
  return ombud_sync_take_over_as_coordinator (caseload, config, error)
         && certify_by_recovery (caseload, config, keys, &parsed, error)
         && ombud_sync_config_save (store, config, error)
         && ombud_sync_engine_sync (engine, NULL, error);
}
