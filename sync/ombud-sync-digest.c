/* ombud-sync-digest.c: a laptop's side of divergence repair
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kv: sync.holds ("COUNT:HEX", the digest of what the office sent up to
 * sync.cursor), sync.holds_own (of this laptop's own changesets the office
 * took), sync.resync ("1" while a resync runs), sync.resyncs (how many
 * have run).  Kept apart so that a pull from cursor 0 for another reason
 * (§6.11's policy change) starts the first over and keeps the second.
 */
#include "ombud-sync-digest.h"

#include <string.h>

#include "ombud-holds-digest.h"
#include "ombud-seal.h"
#include "ombud-sql.h"
#include "ombud-sync-keybundle.h"

static void
load (OmbudStore       *store,
      const char       *key,
      OmbudHoldsDigest *digest)
{
  g_autofree char *text = ombud_store_get (store, key, NULL);

  ombud_holds_digest_from_text (text, digest);
}

static gboolean
save (OmbudStore             *store,
      const char             *key,
      const OmbudHoldsDigest *digest,
      GError                **error)
{
  g_autofree char *text = ombud_holds_digest_to_text (digest);

  return ombud_store_put (store, key, text, error);
}

static gboolean
resyncing (OmbudStore *store)
{
  g_autofree char *flag = ombud_store_get (store, "sync.resync", NULL);

  return flag != NULL;
}

gboolean
ombud_sync_digest_reset (OmbudStore  *store,
                         GError     **error)
{
  OmbudHoldsDigest empty = { 0 };

  return save (store, "sync.holds", &empty, error);
}

gboolean
ombud_sync_digest_request (OmbudCaseload     *caseload,
                           OmbudSyncConfig   *config,
                           OmbudSyncRequest  *request,
                           gboolean           first_round,
                           GError           **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  sqlite3 *db = ombud_store_get_db (store);
  OmbudHoldsDigest digest, own;
  GVariantDict dict;
  gint64 sealed;

  (void) error;
  if (config->state != OMBUD_SYNC_STATE_CONFIRMED)
    return TRUE;
  g_variant_dict_init (&dict, request->extensions);
  if (resyncing (store))
    g_variant_dict_insert (&dict, "resync", "b", TRUE);
  else if (first_round)
    {
      /* A changeset sealed and sent before, whose answer was lost, may be
       * at the office already: unless it goes again now, in this request,
       * the office would count it and this laptop would not. */
      sealed = ombud_sql_count (db, "SELECT count(*) FROM outbox WHERE hold IS NULL AND sealed IS NOT NULL");
      if (sealed == (gint64) request->changesets->len)
        {
          load (store, "sync.holds", &digest);
          load (store, "sync.holds_own", &own);
          digest.count += own.count;
          for (guint i = 0; i < sizeof digest.xor; i++)
            digest.xor[i] ^= own.xor[i];
          g_variant_dict_insert_value (&dict, "holds", ombud_holds_digest_to_variant (&digest));
        }
    }
  g_clear_pointer (&request->extensions, g_variant_unref);
  request->extensions = g_variant_ref_sink (g_variant_dict_end (&dict));
  return TRUE;
}

static void
count_pulled (OmbudHoldsDigest *digest,
              GBytes           *sealed)
{
  OmbudSealHeader h;
  gsize len;
  const guint8 *raw = g_bytes_get_data (sealed, &len);

  if (ombud_seal_parse (sealed, &h, NULL))
    ombud_holds_digest_toggle (digest, h.changeset_id, TRUE);
  else if (len >= 33)
    ombud_holds_digest_toggle (digest, raw + 17, TRUE);   /* version ‖ org_id ‖ id: §3 */
}

static gboolean
start_resync (OmbudStore       *store,
              OmbudSyncConfig  *config,
              OmbudHoldsDigest *digest,
              OmbudHoldsDigest *own,
              GError          **error)
{
  g_autofree char *n = ombud_store_get (store, "sync.resyncs", NULL);
  g_autofree char *next = g_strdup_printf ("%" G_GINT64_FORMAT, (n ? g_ascii_strtoll (n, NULL, 10) : 0) + 1);

  g_debug ("the office's digest of what this laptop holds differs: pulling everything again");
  memset (digest, 0, sizeof *digest);
  memset (own, 0, sizeof *own);
  config->cursor = 0;
  return ombud_store_put (store, "sync.resync", "1", error)
         && ombud_store_put (store, "sync.resyncs", next, error);
}

gboolean
ombud_sync_digest_response (OmbudCaseload      *caseload,
                            OmbudSyncConfig    *config,
                            OmbudSyncResponse  *response,
                            gboolean           *again,
                            GError            **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  gboolean in_resync = resyncing (store);
  gboolean told = FALSE;
  OmbudHoldsDigest digest, own;

  if (config->state != OMBUD_SYNC_STATE_CONFIRMED)
    return TRUE;
  load (store, "sync.holds", &digest);
  load (store, "sync.holds_own", &own);
  /* During a resync the office sends this device's own changesets back,
   * those it takes now included: they are counted as they come. */
  for (guint i = 0; !in_resync && i < response->accepted->len; i++)
    ombud_holds_digest_toggle (&own, g_bytes_get_data (response->accepted->pdata[i], NULL), TRUE);
  for (guint i = 0; i < response->changesets->len; i++)
    count_pulled (&digest, response->changesets->pdata[i]);
  if (response->extensions != NULL)
    g_variant_lookup (response->extensions, "resync", "b", &told);
  if (told && !in_resync)
    {
      if (!start_resync (store, config, &digest, &own, error))
        return FALSE;
      *again = TRUE;
    }
  else if (in_resync && !response->more
           && !ombud_sync_kv_delete (store, "sync.resync", error))
    return FALSE;
  return save (store, "sync.holds", &digest, error) && save (store, "sync.holds_own", &own, error);
}
