/* ombud-office-retention.c: a closed case's client tier, shredded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §9.  A sealed changeset is signed whole, so the office
 * cannot cut its client part out and keep the rest: it deletes every
 * changeset of the case that has a client part.  The coordinator that asks
 * has first restated the case's office tier in a changeset of its own
 * (office part only), which stays; so does every changeset that never had
 * a client part.  With the grants of the case key and its entries in the
 * ombuds' key bundles gone as well, no copy of the key is left here to open
 * anything: the client tier is shredded.
 */
#include "ombud-office-retention.h"

#include "ombud-office-handover.h"
#include "ombud-office-keybundle.h"
#include "ombud-seal.h"

static gboolean
has_client_part (OmbudOfficeChangeset *cs)
{
  OmbudSealHeader h;

  /* Stored only after it parsed; one that no longer does is not kept. */
  return !ombud_seal_parse (cs->sealed, &h, NULL) || ombud_seal_header_has_tier (&h, OMBUD_SEAL_TIER_CLIENT);
}

static gboolean
storage (GError  *cause,
         GError **error)
{
  g_set_error (error, OMBUD_OFFICE_HANDOVER_ERROR, OMBUD_OFFICE_HANDOVER_ERROR_STORAGE,
               "the office store failed: %s", cause ? cause->message : "unknown error");
  return FALSE;
}

static gboolean
shred_one (OmbudOfficeBackend      *backend,
           const OmbudOfficeDevice *device,
           const guint8             case_id[16],
           gint64                   now_ms,
           GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) all = ombud_office_backend_list_case_changesets (backend, case_id, &local_error);
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (all == NULL)
    return storage (local_error, error);
  for (guint i = 0; i < all->len; i++)
    {
      OmbudOfficeChangeset *cs = all->pdata[i];

      if (has_client_part (cs))
        g_array_append_val (seqs, cs->seq);
    }
  if (!ombud_office_backend_shred_case (backend, case_id, seqs, device->device_id, now_ms, &local_error))
    return storage (local_error, error);
  /* The ombuds' key bundles hold the case key too, sealed to their
   * recovery passphrases. */
  if (!ombud_office_key_bundle_forget_case (backend, case_id, &local_error))
    return storage (local_error, error);
  return TRUE;
}

gboolean
ombud_office_take_shred_requests (OmbudOfficeBackend      *backend,
                                  const OmbudOfficeDevice *device,
                                  GVariant                *extensions,
                                  gint64                   now_ms,
                                  guint                   *n_shredded,
                                  GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GVariant) list = ombud_office_extension_ids (extensions, OMBUD_EXT_SHRED_CASES, &local_error);

  *n_shredded = 0;
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (list == NULL)
    return TRUE;
  /* Deleting is for those who can read that a case's time is up. */
  if (device->role != OMBUD_OFFICE_ROLE_COORDINATOR)
    {
      g_set_error (error, OMBUD_OFFICE_HANDOVER_ERROR, OMBUD_OFFICE_HANDOVER_ERROR_FORBIDDEN,
                   "only a coordinator's device may have a case's client tier shredded");
      return FALSE;
    }
  for (gsize i = 0; i < g_variant_n_children (list); i++)
    {
      g_autoptr(GVariant) id = g_variant_get_child_value (list, i);

      if (!shred_one (backend, device, g_variant_get_data (id), now_ms, error))
        return FALSE;
      (*n_shredded)++;
    }
  return TRUE;
}
