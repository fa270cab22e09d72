/* ombud-office-escrow.c: the office's side of the office key escrow and of
 * recovering the office key (sync/PROTOCOL.md §10.3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Blobs: "office-key-escrow" (epoch 1, §6.7), "office-key-escrow-anchor"
 * (the first one taken stays), "office-key-escrow:E" for each later epoch
 * (the first one taken stays).  The office can open none of them.
 */
#include "ombud-office-escrow.h"

#include "ombud-error.h"
#include "ombud-escrow.h"

#define ANCHOR_BLOB "office-key-escrow-anchor"

static GBytes *
lookup_bytes (GVariant   *extensions,
              const char *key)
{
  g_autoptr(GVariant) v = NULL;

  if (extensions == NULL
      || (v = g_variant_lookup_value (extensions, key, G_VARIANT_TYPE_BYTESTRING)) == NULL)
    return NULL;
  return g_variant_get_data_as_bytes (v);
}

static gboolean
fail (GError                **error,
      OmbudOfficeBundleError  code,
      const char             *message,
      GError                 *cause)
{
  return ombud_fail (error, OMBUD_OFFICE_BUNDLE_ERROR, code, "%s%s%s", message,
                     cause ? ": " : "", cause ? cause->message : "");
}

gboolean
ombud_office_recovery_claim (OmbudOfficeBackend  *backend,
                             const guint8         org_id[16],
                             OmbudOfficeDevice   *device,
                             OmbudSyncRequest    *request,
                             GError             **error)
{
  g_autoptr(GBytes) claim = lookup_bytes (request->extensions, "recover-office");
  g_autoptr(GBytes) anchor = NULL;
  g_autoptr(GError) local_error = NULL;
  OmbudEscrowAnchor parsed;

  if (claim == NULL)
    return TRUE;
  if (device->role != OMBUD_OFFICE_ROLE_COORDINATOR)
    return fail (error, OMBUD_OFFICE_BUNDLE_ERROR_FORBIDDEN, "only a coordinator's laptop may recover the office key", NULL);
  anchor = ombud_office_backend_get_blob (backend, ANCHOR_BLOB, &local_error);
  if (local_error != NULL)
    return fail (error, OMBUD_OFFICE_BUNDLE_ERROR_STORE, "the office store failed", local_error);
  if (anchor == NULL || !ombud_escrow_anchor_parse (anchor, org_id, &parsed, NULL))
    return fail (error, OMBUD_OFFICE_BUNDLE_ERROR_FORBIDDEN, "this office holds no escrow for a recovery key", NULL);
  /* The recovery key's signature over this device's id and keys is the
   * organisation's word, as a coordinator's certificate is. */
  if (!ombud_recovery_claim_verify (claim, parsed.sign_pk, org_id, device->device_id, device->sign_pk, device->box_pk))
    return fail (error, OMBUD_OFFICE_BUNDLE_ERROR_FORBIDDEN,
                 "the claim is not signed by this organisation's recovery key", NULL);
  if (device->state == OMBUD_OFFICE_DEVICE_PENDING)
    {
      if (!ombud_office_backend_set_device_state (backend, device->device_id, OMBUD_OFFICE_DEVICE_CONFIRMED,
                                                  NULL, &local_error))
        return fail (error, OMBUD_OFFICE_BUNDLE_ERROR_STORE, "the office store failed", local_error);
      device->state = OMBUD_OFFICE_DEVICE_CONFIRMED;
    }
  return TRUE;
}

static gboolean
put_first (OmbudOfficeBackend  *backend,
           const char          *name,
           GBytes              *bytes,
           GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) held = ombud_office_backend_get_blob (backend, name, &local_error);

  if (local_error == NULL && held == NULL)
    ombud_office_backend_put_blob (backend, name, bytes, &local_error);
  if (local_error != NULL)
    return fail (error, OMBUD_OFFICE_BUNDLE_ERROR_STORE, "the office store failed", local_error);
  return TRUE;
}

static gboolean
take_epochs (OmbudOfficeBackend  *backend,
             GVariant            *list,
             GError             **error)
{
  GVariantIter iter;
  GVariant *child;

  g_variant_iter_init (&iter, list);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = child;
      g_autoptr(GBytes) escrow = g_variant_get_data_as_bytes (child);
      guint32 epoch = ombud_escrow_epoch_number (escrow);
      g_autofree char *name = g_strdup_printf ("office-key-escrow:%u", epoch);

      if (epoch < 2)
        return fail (error, OMBUD_OFFICE_BUNDLE_ERROR_MALFORMED, "an office key escrow of the wrong size or epoch", NULL);
      if (!put_first (backend, name, escrow, error))
        return FALSE;
    }
  return TRUE;
}

/* Epoch 1's escrow, the anchor and every later epoch, for a recovery. */
static gboolean
answer_recovery (OmbudOfficeBackend  *backend,
                 GVariantDict        *add,
                 GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) v1 = ombud_office_backend_get_blob (backend, "office-key-escrow", &local_error);
  g_autoptr(GBytes) anchor = local_error ? NULL : ombud_office_backend_get_blob (backend, ANCHOR_BLOB, &local_error);
  GVariantBuilder later;

  if (local_error != NULL)
    return fail (error, OMBUD_OFFICE_BUNDLE_ERROR_STORE, "the office store failed", local_error);
  if (v1 == NULL || anchor == NULL)
    return fail (error, OMBUD_OFFICE_BUNDLE_ERROR_FORBIDDEN, "this office holds no office key escrow", NULL);
  g_variant_builder_init (&later, G_VARIANT_TYPE ("aay"));
  for (guint32 e = 2;; e++)
    {
      g_autofree char *name = g_strdup_printf ("office-key-escrow:%u", e);
      g_autoptr(GBytes) escrow = ombud_office_backend_get_blob (backend, name, &local_error);

      if (local_error != NULL)
        {
          g_variant_builder_clear (&later);
          return fail (error, OMBUD_OFFICE_BUNDLE_ERROR_STORE, "the office store failed", local_error);
        }
      if (escrow == NULL)
        break;
      g_variant_builder_add_value (&later, g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, escrow, TRUE));
    }
  g_variant_dict_insert_value (add, "office-key-escrows",
                               g_variant_new ("(@ay@ay@aay)",
                                              g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, anchor, TRUE),
                                              g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, v1, TRUE),
                                              g_variant_builder_end (&later)));
  return TRUE;
}

gboolean
ombud_office_escrow_serve (OmbudOfficeBackend      *backend,
                           const guint8             org_id[16],
                           const OmbudOfficeDevice *device,
                           OmbudSyncRequest        *request,
                           OmbudSyncResponse       *response,
                           GError                 **error)
{
  GVariant *ext = request->extensions;
  g_autoptr(GBytes) anchor = lookup_bytes (ext, "office-key-escrow-anchor");
  g_autoptr(GBytes) claim = lookup_bytes (ext, "recover-office");
  g_autoptr(GVariant) epochs = NULL;
  gboolean want = FALSE;
  GVariantDict add;

  if (ext == NULL)
    return TRUE;
  epochs = g_variant_lookup_value (ext, "office-key-escrow-epochs", G_VARIANT_TYPE ("aay"));
  g_variant_lookup (ext, "office-key-escrow-anchor-want", "b", &want);
  if (anchor == NULL && epochs == NULL && !want && claim == NULL)
    return TRUE;
  if (device->role != OMBUD_OFFICE_ROLE_COORDINATOR)
    return fail (error, OMBUD_OFFICE_BUNDLE_ERROR_FORBIDDEN, "only a coordinator's device keeps the office key escrow", NULL);
  if (anchor != NULL)
    {
      OmbudEscrowAnchor parsed;

      if (!ombud_escrow_anchor_parse (anchor, org_id, &parsed, NULL))
        return fail (error, OMBUD_OFFICE_BUNDLE_ERROR_MALFORMED, "not this organisation's escrow anchor", NULL);
      if (!put_first (backend, ANCHOR_BLOB, anchor, error))
        return FALSE;
    }
  if (epochs != NULL && !take_epochs (backend, epochs, error))
    return FALSE;
  g_variant_dict_init (&add, NULL);
  if (want)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GBytes) held = ombud_office_backend_get_blob (backend, ANCHOR_BLOB, &local_error);

      if (local_error != NULL)
        {
          g_variant_dict_clear (&add);
          return fail (error, OMBUD_OFFICE_BUNDLE_ERROR_STORE, "the office store failed", local_error);
        }
      if (held != NULL)
        g_variant_dict_insert_value (&add, "office-key-escrow-anchor",
                                     g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, held, TRUE));
    }
  if (claim != NULL && !answer_recovery (backend, &add, error))
    {
      g_variant_dict_clear (&add);
      return FALSE;
    }
  ombud_office_add_extensions (response, &add);
  return TRUE;
}
