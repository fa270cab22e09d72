/* ombud-office-digest.c: the office's side of divergence repair
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-office-digest.h"

#include "ombud-holds-digest.h"
#include "ombud-office-keybundle.h"

gboolean
ombud_office_check_holds (OmbudOfficeBackend      *backend,
                          const OmbudOfficeDevice *device,
                          OmbudSyncRequest        *request,
                          OmbudSyncResponse       *response,
                          gboolean                *own_too,
                          GError                 **error)
{
  g_autoptr(GVariant) holds = NULL;
  g_autoptr(GBytes) ids = NULL;
  OmbudHoldsDigest said, stored = { 0 }, before;
  GVariantDict add;
  const guint8 *data;
  gsize len;

  *own_too = FALSE;
  if (request->extensions == NULL)
    return TRUE;
  g_variant_lookup (request->extensions, "resync", "b", own_too);
  holds = g_variant_lookup_value (request->extensions, "holds", G_VARIANT_TYPE ("(tay)"));
  if (holds == NULL || !ombud_holds_digest_from_variant (holds, &said))
    return TRUE;
  ids = ombud_office_backend_list_authored_ids (backend, device->device_id, error);
  if (ids == NULL)
    return FALSE;
  data = g_bytes_get_data (ids, &len);
  for (gsize off = 0; off + 16 <= len; off += 16)
    ombud_holds_digest_toggle (&stored, data + off, TRUE);
  /* What this request pushed the device counts once it hears it was taken. */
  before = stored;
  for (guint i = 0; i < response->accepted->len; i++)
    ombud_holds_digest_toggle (&before, g_bytes_get_data (response->accepted->pdata[i], NULL), FALSE);
  if (ombud_holds_digest_equal (&said, &before))
    return TRUE;
  g_variant_dict_init (&add, NULL);
  g_variant_dict_insert (&add, "resync", "b", TRUE);
  g_variant_dict_insert_value (&add, "holds", ombud_holds_digest_to_variant (&stored));
  ombud_office_add_extensions (response, &add);
  return TRUE;
}
