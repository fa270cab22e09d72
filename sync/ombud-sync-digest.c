/* ombud-sync-digest.c: a laptop's side of divergence repair
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kv: sync.holds_own ("COUNT:HEX", the digest of this laptop's own
 * changesets the office took), sync.resync ("1" while a resync runs),
 * sync.resyncs (how many have run).  Only its own: what the office sent it
 * depends on routes as they were at each pull, which the office cannot
 * replay, and a copy's cursor is as old as what it received, so the pull
 * itself brings that back (PROTOCOL.md §10.2).
 */
#include "ombud-sync-digest.h"

#include <string.h>

#include "ombud-holds-digest.h"
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
ombud_sync_digest_request (OmbudCaseload     *caseload,
                           OmbudSyncConfig   *config,
                           OmbudSyncRequest  *request,
                           gboolean           first_round,
                           GError           **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  sqlite3 *db = ombud_store_get_db (store);
  OmbudHoldsDigest own;
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
          load (store, "sync.holds_own", &own);
          g_variant_dict_insert_value (&dict, "holds", ombud_holds_digest_to_variant (&own));
        }
    }
  g_clear_pointer (&request->extensions, g_variant_unref);
  request->extensions = g_variant_ref_sink (g_variant_dict_end (&dict));
  return TRUE;
}

/* The office's digest of this laptop's own changesets becomes this
 * laptop's: the resync brings them back, and each is counted once whatever
 * feed or how many feeds return it. */
static gboolean
start_resync (OmbudStore        *store,
              OmbudSyncConfig   *config,
              OmbudSyncResponse *response,
              OmbudHoldsDigest  *own,
              GError           **error)
{
  g_autoptr(GVariant) office = g_variant_lookup_value (response->extensions, "holds", G_VARIANT_TYPE ("(tay)"));
  g_autofree char *n = ombud_store_get (store, "sync.resyncs", NULL);
  g_autofree char *next = g_strdup_printf ("%" G_GINT64_FORMAT, (n ? g_ascii_strtoll (n, NULL, 10) : 0) + 1);

  g_debug ("the office's digest of what this laptop holds differs: pulling everything again");
  if (!ombud_holds_digest_from_variant (office, own))
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
  OmbudHoldsDigest own;

  if (config->state != OMBUD_SYNC_STATE_CONFIRMED)
    return TRUE;
  load (store, "sync.holds_own", &own);
  if (response->extensions != NULL)
    g_variant_lookup (response->extensions, "resync", "b", &told);
  if (told && !in_resync)
    {
      /* The office's digest counts what this answer took already. */
      if (!start_resync (store, config, response, &own, error))
        return FALSE;
      *again = TRUE;
    }
  else
    {
      /* Each id is taken once: an outbox changeset leaves in the
       * transaction that applies the answer naming it. */
      for (guint i = 0; i < response->accepted->len; i++)
        ombud_holds_digest_toggle (&own, g_bytes_get_data (response->accepted->pdata[i], NULL), TRUE);
    }
  if (in_resync && !response->more
      && !ombud_sync_kv_delete (store, "sync.resync", error))
    return FALSE;
  return save (store, "sync.holds_own", &own, error);
}
