/* ombud-sync-keybundle.c: a laptop's side of its ombud's key bundle
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROTOCOL.md §10.1.  What this laptop knows of the bundle lives in the
 * encrypted store's kv table:
 *
 *   keybundle.anchor        the anchor it seals to (hex), once verified
 *   keybundle.anchor_pending  "1": its own new anchor goes with the next request
 *   keybundle.anchor_sent   "1": the last request carried it
 *   keybundle.sent          the cases whose entries the last request carried
 *   keybundle.done.CASE     "1": the office has that case's entry under the anchor
 *   keybundle.fetch         "1": ask for the whole bundle (a recovery)
 *   keybundle.fetched       what the office answered: GVariant (ayaay), hex
 *
 * Entries are remembered as done only when the answer to the request that
 * carried them is applied, in its transaction: a lost answer sends them again.
 */
#include "ombud-sync-keybundle.h"

#include <sodium.h>
#include <string.h>

#include "ombud-error.h"
#include "ombud-identity.h"
#include "ombud-key-bundle.h"
#include "ombud-keyring.h"
#include "ombud-sql.h"
#include "ombud-vfs.h"

#define MAX_ENTRIES_PER_REQUEST 1000

/* ---- kv ----------------------------------------------------------------- */

char *
ombud_sync_hex_encode (const guint8 *data,
                       gsize         len)
{
  char *hex = g_malloc (len * 2 + 1);

  sodium_bin2hex (hex, len * 2 + 1, data, len);
  return hex;
}

GBytes *
ombud_sync_hex_decode (const char *hex)
{
  gsize n = strlen (hex) / 2, out_len = 0;
  guint8 *bin = g_malloc (n + 1);

  if (sodium_hex2bin (bin, n, hex, strlen (hex), NULL, &out_len, NULL) != 0 || out_len != n)
    {
      g_free (bin);
      return NULL;
    }
  return g_bytes_new_take (bin, n);
}

gboolean
ombud_sync_kv_delete (OmbudStore  *store,
                      const char  *key_pattern,
                      GError     **error)
{
  sqlite3 *db = ombud_store_get_db (store);
  sqlite3_stmt *stmt = ombud_sql_prepare (db, "DELETE FROM kv WHERE key LIKE ?1 ESCAPE '\\'", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key_pattern, -1, SQLITE_TRANSIENT);
  return ombud_sql_run (db, stmt, error);
}

static gboolean
kv_is_set (OmbudStore *store,
           const char *key)
{
  g_autofree char *value = ombud_store_get (store, key, NULL);

  return value != NULL;
}

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

gboolean
ombud_sync_held_retry_due (OmbudStore *store)
{
  return kv_is_set (store, "sync.retry_held");
}

gboolean
ombud_sync_held_retry_done (OmbudStore  *store,
                            GError     **error)
{
  return ombud_sync_kv_delete (store, "sync.retry\\_held", error);
}

/* ---- who keeps a bundle ------------------------------------------------- */

static gboolean
eligible (const OmbudSyncConfig *config)
{
  return config != NULL && config->state == OMBUD_SYNC_STATE_CONFIRMED && config->role == 0
         && config->ombud_id != NULL;
}

static gboolean
ready (const OmbudSyncConfig  *config,
       GError                **error)
{
  if (eligible (config))
    return TRUE;
  return ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_NOT_READY,
                     "this laptop is not yet an ombud's confirmed laptop: a coordinator must confirm it "
                     "and it must sync once");
}

/* The anchor this laptop seals to, if any. */
static gboolean
own_anchor (OmbudStore        *store,
            OmbudBundleAnchor *anchor)
{
  g_autoptr(GBytes) bytes = kv_bytes (store, "keybundle.anchor");

  return bytes != NULL && ombud_bundle_anchor_parse (bytes, anchor, NULL);
}

/* Takes an anchor as this laptop's: a new key means every entry goes again. */
static gboolean
adopt_anchor (OmbudStore  *store,
              GBytes      *bytes,
              gboolean     pending,
              GError     **error)
{
  OmbudBundleAnchor old, anchor;
  gboolean had = own_anchor (store, &old);

  if (!ombud_bundle_anchor_parse (bytes, &anchor, error))
    return FALSE;
  if ((!had || memcmp (old.bundle_pk, anchor.bundle_pk, 32) != 0)
      && !ombud_sync_kv_delete (store, "keybundle.done.%", error))
    return FALSE;
  return kv_put_bytes (store, "keybundle.anchor", bytes, error)
         && (pending ? ombud_store_put (store, "keybundle.anchor_pending", "1", error)
                     : ombud_sync_kv_delete (store, "keybundle.anchor\\_pending", error));
}

gboolean
ombud_sync_key_bundle_set_passphrase (OmbudCaseload  *caseload,
                                      const char     *passphrase,
                                      gsize           passphrase_len,
                                      guint64         opslimit,
                                      guint64         memlimit,
                                      GError        **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  OmbudIdentity *me = ombud_keyring_get_identity (ombud_caseload_get_keyring (caseload));
  g_autoptr(OmbudSyncConfig) config = ombud_sync_config_load (store, error);
  g_autoptr(OmbudSecret) sk = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) check = NULL;
  OmbudBundleAnchor anchor = { .opslimit = opslimit, .memlimit = memlimit };
  sqlite3 *db = ombud_store_get_db (store);

  if (!ready (config, error))
    return FALSE;
  if (!ombud_uuid_parse (config->ombud_id, anchor.ombud_id))
    return ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_FAILED, "this laptop's ombud id is not a UUID");
  randombytes_buf (anchor.salt, sizeof anchor.salt);
  sk = ombud_bundle_derive (passphrase, passphrase_len, &anchor, anchor.bundle_pk, error);
  if (sk == NULL)
    return FALSE;
  bytes = ombud_bundle_anchor_make (&anchor, me);
  /* The floor applies to our own anchors too. */
  if (!ombud_bundle_anchor_parse (bytes, &anchor, error))
    return FALSE;
  if (!ombud_vfs_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!adopt_anchor (store, bytes, TRUE, error) || !ombud_vfs_exec (db, "COMMIT", error))
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

/* ---- requests ----------------------------------------------------------- */

/* Entries for the ombud's cases whose keys are here and not yet in the
 * office's bundle. */
static gboolean
add_entries (OmbudCaseload            *caseload,
             const OmbudSyncConfig    *config,
             const OmbudBundleAnchor  *anchor,
             GVariantDict             *dict,
             GError                  **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  OmbudKeyring *keyring = ombud_caseload_get_keyring (caseload);
  sqlite3 *db = ombud_store_get_db (store);
  g_autoptr(GString) sent = g_string_new (NULL);
  GVariantBuilder list;
  sqlite3_stmt *stmt;
  guint n = 0;

  stmt = ombud_sql_prepare (db, "SELECT id FROM client_case WHERE assigned_ombud = ?1 AND deleted = 0"
                                " AND 'keybundle.done.' || lower(id) NOT IN (SELECT key FROM kv)"
                                " ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, config->ombud_id, -1, SQLITE_STATIC);
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aay"));
  while (n < MAX_ENTRIES_PER_REQUEST && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *case_id = (const char *) sqlite3_column_text (stmt, 0);
      g_autoptr(OmbudSecret) key = ombud_keyring_lookup_case (keyring, case_id, NULL);
      g_autoptr(GBytes) entry = NULL;
      guint8 subject[16];

      if (key == NULL || !ombud_uuid_parse (case_id, subject))
        continue;
      entry = ombud_bundle_entry_make (anchor, subject, ombud_secret_get_data (key),
                                       ombud_keyring_get_identity (keyring));
      g_variant_builder_add_value (&list, g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, entry, TRUE));
      g_string_append_printf (sent, "%s%s", n++ ? "," : "", case_id);
    }
  sqlite3_finalize (stmt);
  if (n > 0)
    g_variant_dict_insert_value (dict, "key-bundle-entries", g_variant_builder_end (&list));
  else
    g_variant_builder_clear (&list);
  return n == 0 ? ombud_sync_kv_delete (store, "keybundle.sent", error)
                : ombud_store_put (store, "keybundle.sent", sent->str, error);
}

gboolean
ombud_sync_key_bundle_request (OmbudCaseload     *caseload,
                               OmbudSyncConfig   *config,
                               OmbudSyncRequest  *request,
                               GError           **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  g_autoptr(GBytes) anchor_bytes = NULL;
  OmbudBundleAnchor anchor;
  gboolean has_anchor;
  GVariantDict dict;

  if (!eligible (config))
    return TRUE;
  has_anchor = own_anchor (store, &anchor);
  g_variant_dict_init (&dict, request->extensions);
  g_variant_dict_insert_value (&dict, "key-bundle-have",
                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, anchor.bundle_pk,
                                                          has_anchor ? 32 : 0, 1));
  if (has_anchor && kv_is_set (store, "keybundle.anchor_pending"))
    {
      anchor_bytes = kv_bytes (store, "keybundle.anchor");
      g_variant_dict_insert_value (&dict, "key-bundle-anchor",
                                   g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, anchor_bytes, TRUE));
    }
  if (kv_is_set (store, "keybundle.fetch"))
    g_variant_dict_insert (&dict, "key-bundle-fetch", "b", TRUE);
  if (!(anchor_bytes ? ombud_store_put (store, "keybundle.anchor_sent", "1", error)
                     : ombud_sync_kv_delete (store, "keybundle.anchor\\_sent", error))
      || !(has_anchor ? add_entries (caseload, config, &anchor, &dict, error)
                      : ombud_sync_kv_delete (store, "keybundle.sent", error)))
    {
      g_variant_dict_clear (&dict);
      return FALSE;
    }
  g_clear_pointer (&request->extensions, g_variant_unref);
  request->extensions = g_variant_ref_sink (g_variant_dict_end (&dict));
  return TRUE;
}

/* ---- answers ------------------------------------------------------------- */

/* The office's anchor, if one of this ombud's trusted devices signed it
 * for this ombud at costs above the floor; otherwise it is ignored. */
static gboolean
anchor_trusted (OmbudCaseload          *caseload,
                const OmbudSyncConfig  *config,
                GBytes                 *bytes)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  OmbudIdentity *me = ombud_keyring_get_identity (ombud_caseload_get_keyring (caseload));
  g_autoptr(OmbudKnownDevice) signer = NULL;
  g_autofree char *ombud = NULL;
  OmbudBundleAnchor anchor;

  if (!ombud_bundle_anchor_parse (bytes, &anchor, NULL))
    return FALSE;
  ombud = ombud_uuid_format (anchor.ombud_id);
  if (g_ascii_strcasecmp (ombud, config->ombud_id) != 0)
    return FALSE;
  if (anchor.signer == ombud_identity_get_device_id (me))
    return ombud_bundle_anchor_verify (bytes, ombud_identity_get_sign_pk (me), &anchor, NULL);
  signer = ombud_known_device_lookup (store, anchor.signer, NULL);
  return signer != NULL && signer->trusted && signer->role == OMBUD_DEVICE_ROLE_OMBUD
         && g_strcmp0 (signer->ombud_id, config->ombud_id) == 0
         && ombud_bundle_anchor_verify (bytes, signer->sign_pk, &anchor, NULL);
}

static gboolean
mark_sent_done (OmbudStore  *store,
                GError     **error)
{
  g_autofree char *sent = ombud_store_get (store, "keybundle.sent", NULL);
  g_auto(GStrv) ids = sent ? g_strsplit (sent, ",", -1) : NULL;

  for (guint i = 0; ids && ids[i]; i++)
    {
      g_autofree char *key = g_strdup_printf ("keybundle.done.%s", ids[i]);
      g_autofree char *lower = g_ascii_strdown (key, -1);
      if (!ombud_store_put (store, lower, "1", error))
        return FALSE;
    }
  return ombud_sync_kv_delete (store, "keybundle.sent", error);
}

static gboolean
keep_fetched (OmbudStore         *store,
              OmbudSyncResponse  *response,
              GError            **error)
{
  g_autoptr(GVariant) anchor = NULL;
  g_autoptr(GVariant) entries = NULL;
  g_autoptr(GVariant) both = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (response->extensions == NULL
      || (entries = g_variant_lookup_value (response->extensions, "key-bundle-entries",
                                            G_VARIANT_TYPE ("aay"))) == NULL)
    return TRUE;
  anchor = g_variant_lookup_value (response->extensions, "key-bundle-anchor", G_VARIANT_TYPE_BYTESTRING);
  if (anchor == NULL)
    anchor = g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1));
  both = g_variant_ref_sink (g_variant_new ("(@ay@aay)", anchor, entries));
  bytes = g_variant_get_data_as_bytes (both);
  return kv_put_bytes (store, "keybundle.fetched", bytes, error)
         && ombud_sync_kv_delete (store, "keybundle.fetch", error);
}

gboolean
ombud_sync_key_bundle_response (OmbudCaseload      *caseload,
                                OmbudSyncConfig    *config,
                                OmbudSyncResponse  *response,
                                GError            **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  g_autoptr(GVariant) anchor = NULL;

  if (!eligible (config))
    return TRUE;
  if (kv_is_set (store, "keybundle.anchor_sent")
      && !ombud_sync_kv_delete (store, "keybundle.anchor\\_%", error))
    return FALSE;
  if (!mark_sent_done (store, error) || !keep_fetched (store, response, error))
    return FALSE;
  if (response->extensions != NULL
      && (anchor = g_variant_lookup_value (response->extensions, "key-bundle-anchor",
                                           G_VARIANT_TYPE_BYTESTRING)) != NULL)
    {
      g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (anchor);
      OmbudBundleAnchor mine, theirs;

      if (anchor_trusted (caseload, config, bytes)
          && !(own_anchor (store, &mine) && ombud_bundle_anchor_parse (bytes, &theirs, NULL)
               && memcmp (mine.bundle_pk, theirs.bundle_pk, 32) == 0)
          && !adopt_anchor (store, bytes, FALSE, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- recovery ------------------------------------------------------------ */

/* The author of an entry may speak for this ombud: this laptop, or a device
 * it trusts as one of the ombud's (a revoked laptop included: what it
 * sealed before it was lost is the ombud's). */
static gboolean
entry_author_key (OmbudCaseload          *caseload,
                  const OmbudSyncConfig  *config,
                  guint64                 author,
                  guint8                  sign_pk[32])
{
  OmbudIdentity *me = ombud_keyring_get_identity (ombud_caseload_get_keyring (caseload));
  g_autoptr(OmbudKnownDevice) known = NULL;

  if (author == ombud_identity_get_device_id (me))
    {
      memcpy (sign_pk, ombud_identity_get_sign_pk (me), 32);
      return TRUE;
    }
  known = ombud_known_device_lookup (ombud_caseload_get_store (caseload), author, NULL);
  if (known == NULL || !known->trusted || known->role != OMBUD_DEVICE_ROLE_OMBUD
      || g_strcmp0 (known->ombud_id, config->ombud_id) != 0)
    return FALSE;
  memcpy (sign_pk, known->sign_pk, 32);
  return TRUE;
}

static gboolean
fetch_bundle (OmbudSyncEngine  *engine,
              OmbudStore       *store,
              GBytes          **anchor,
              GVariant        **entries,
              GError          **error)
{
  g_autoptr(GBytes) fetched = NULL;
  g_autoptr(GVariant) both = NULL;
  g_autoptr(GVariant) a = NULL;

  if (!ombud_sync_kv_delete (store, "keybundle.fetched", error)
      || !ombud_store_put (store, "keybundle.fetch", "1", error)
      || !ombud_sync_engine_sync (engine, NULL, error))
    return FALSE;
  fetched = kv_bytes (store, "keybundle.fetched");
  if (fetched != NULL)
    both = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE ("(ayaay)"), fetched, FALSE));
  if (both != NULL)
    g_variant_get (both, "(@ay@aay)", &a, entries);
  if (a == NULL || g_variant_n_children (a) == 0)
    return ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_NO_BUNDLE,
                       "the office holds no key bundle for this ombud: no laptop of theirs set a recovery passphrase");
  *anchor = g_variant_get_data_as_bytes (a);
  return TRUE;
}

/* Every entry that is this ombud's, sealed to this key and signed by one of
 * the ombud's devices, into the keyring. */
static gboolean
import_entries (OmbudCaseload          *caseload,
                const OmbudSyncConfig  *config,
                GVariant               *entries,
                const guint8            pk[32],
                OmbudSecret            *sk,
                guint                  *imported,
                GError                **error)
{
  OmbudKeyring *keyring = ombud_caseload_get_keyring (caseload);
  GVariantIter iter;
  GVariant *child;

  g_variant_iter_init (&iter, entries);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = child;
      g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (child);
      g_autoptr(OmbudSecret) key = ombud_secret_new (32);
      g_autoptr(GError) local_error = NULL;
      g_autofree char *ombud = NULL;
      OmbudBundleEntry e;
      guint8 sign_pk[32];

      if (!ombud_bundle_entry_parse (bytes, &e, NULL))
        continue;
      ombud = ombud_uuid_format (e.ombud_id);
      if (g_ascii_strcasecmp (ombud, config->ombud_id) != 0
          || !entry_author_key (caseload, config, e.author, sign_pk)
          || !ombud_bundle_entry_verify (bytes, sign_pk, &e, NULL)
          || !ombud_bundle_entry_open (&e, pk, sk, key))
        continue;
      if (!ombud_keyring_import (keyring, OMBUD_KEY_CASE, 0, e.case_id, ombud_secret_get_data (key), &local_error))
        {
          if (g_error_matches (local_error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_CONFLICT))
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      (*imported)++;
    }
  return TRUE;
}

gboolean
ombud_sync_recover_keys (OmbudSyncEngine  *engine,
                         OmbudCaseload    *caseload,
                         const char       *passphrase,
                         gsize             passphrase_len,
                         guint            *imported,
                         GError          **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  OmbudIdentity *me = ombud_keyring_get_identity (ombud_caseload_get_keyring (caseload));
  g_autoptr(OmbudSyncConfig) config = ombud_sync_config_load (store, error);
  g_autoptr(GBytes) anchor_bytes = NULL;
  g_autoptr(GVariant) entries = NULL;
  g_autoptr(OmbudSecret) sk = NULL;
  g_autoptr(GBytes) resigned = NULL;
  g_autofree char *ombud = NULL;
  sqlite3 *db = ombud_store_get_db (store);
  OmbudBundleAnchor anchor;
  guint8 pk[32];

  *imported = 0;
  if (!ready (config, error) || !fetch_bundle (engine, store, &anchor_bytes, &entries, error))
    return FALSE;
  /* The costs must pass this client's floor before anything is derived. */
  if (!ombud_bundle_anchor_parse (anchor_bytes, &anchor, error))
    return FALSE;
  ombud = ombud_uuid_format (anchor.ombud_id);
  if (g_ascii_strcasecmp (ombud, config->ombud_id) != 0)
    return ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_NOT_TRUSTED,
                       "the office answered with another ombud's key bundle");
  sk = ombud_bundle_derive (passphrase, passphrase_len, &anchor, pk, error);
  if (sk == NULL)
    return FALSE;
  if (sodium_memcmp (pk, anchor.bundle_pk, 32) != 0)
    return ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_WRONG_PASSPHRASE,
                       "that recovery passphrase does not open this ombud's key bundle; no key was imported");
  /* This laptop now speaks for the bundle: it signs the same key again, so
   * that the ombud's other laptops, and later ones, trust it. */
  resigned = ombud_bundle_anchor_make (&anchor, me);
  if (!ombud_vfs_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!import_entries (caseload, config, entries, pk, sk, imported, error)
      || !adopt_anchor (store, resigned, TRUE, error)
      || !ombud_store_put (store, "sync.retry_held", "1", error)
      || !ombud_sync_kv_delete (store, "keybundle.fetched", error)
      || !ombud_vfs_exec (db, "COMMIT", error))
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      *imported = 0;
      return FALSE;
    }
  return ombud_sync_engine_sync (engine, NULL, error);
}
