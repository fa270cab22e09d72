/* ombud-office-handover.c: a case's former owner, and its handover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §9.  What a former owner's device may do is narrow: push
 * its own changesets to the case until it says it purged it, and say so
 * for itself only.  Anything it sends for a case its ombud never owned
 * changes nothing.
 */
#include "ombud-office-handover.h"

#include <string.h>

#include "ombud-office-keybundle.h"

G_DEFINE_QUARK (ombud-office-handover-error-quark, ombud_office_handover_error)

static gboolean
storage (GError  *cause,
         GError **error)
{
  g_set_error (error, OMBUD_OFFICE_HANDOVER_ERROR, OMBUD_OFFICE_HANDOVER_ERROR_STORAGE,
               "the office store failed: %s", cause ? cause->message : "unknown error");
  return FALSE;
}

gboolean
ombud_office_former_owner_may_push (OmbudOfficeBackend      *backend,
                                    const OmbudOfficeDevice *device,
                                    const guint8             case_id[16],
                                    gboolean                *allowed,
                                    GError                 **error)
{
  g_autoptr(GError) local_error = NULL;

  *allowed = FALSE;
  if (device->ombud_id == NULL || device->role != OMBUD_OFFICE_ROLE_OMBUD)
    return TRUE;
  if (!ombud_office_backend_former_may_push (backend, case_id, device->ombud_id, device->device_id,
                                             allowed, &local_error))
    return storage (local_error, error);
  return TRUE;
}

GVariant *
ombud_office_extension_ids (GVariant    *extensions,
         const char  *key,
         GError     **error)
{
  g_autoptr(GVariant) list = NULL;

  if (extensions == NULL)
    return NULL;
  list = g_variant_lookup_value (extensions, key, NULL);
  if (list == NULL)
    return NULL;
  if (!g_variant_is_of_type (list, G_VARIANT_TYPE ("aay")))
    {
      g_set_error (error, OMBUD_OFFICE_HANDOVER_ERROR, OMBUD_OFFICE_HANDOVER_ERROR_MALFORMED,
                   "“%s” is not a list of case ids", key);
      return NULL;
    }
  for (gsize i = 0; i < g_variant_n_children (list); i++)
    {
      g_autoptr(GVariant) id = g_variant_get_child_value (list, i);
      static const guint8 zero[16];

      if (g_variant_get_size (id) != 16 || memcmp (g_variant_get_data (id), zero, 16) == 0)
        {
          g_set_error (error, OMBUD_OFFICE_HANDOVER_ERROR, OMBUD_OFFICE_HANDOVER_ERROR_MALFORMED,
                       "“%s” holds something that is not a case id", key);
          return NULL;
        }
    }
  return g_steal_pointer (&list);
}

gboolean
ombud_office_take_handed_over (OmbudOfficeBackend      *backend,
                               const OmbudOfficeDevice *device,
                               GVariant                *extensions,
                               GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GVariant) list = ombud_office_extension_ids (extensions, OMBUD_EXT_HANDED_OVER, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (list == NULL)
    return TRUE;
  /* Only an ombud's device has cases to hand over; from anyone else the
   * list means nothing. */
  if (device->role != OMBUD_OFFICE_ROLE_OMBUD || device->ombud_id == NULL)
    return TRUE;
  for (gsize i = 0; i < g_variant_n_children (list); i++)
    {
      g_autoptr(GVariant) id = g_variant_get_child_value (list, i);
      gboolean recorded;

      if (!ombud_office_backend_set_handed_over (backend, g_variant_get_data (id), device->ombud_id,
                                                 device->device_id, &recorded, &local_error))
        return storage (local_error, error);
      /* The case is another ombud's now: a replacement laptop of this one
       * has no business recovering its key from the bundle. */
      if (recorded && !ombud_office_key_bundle_forget_entry (backend, device->ombud_id, g_variant_get_data (id),
                                                             &local_error))
        return storage (local_error, error);
    }
  return TRUE;
}
