/* ombud-office-guard.c: the office's side of locking a laptop that stops syncing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The share is sealed anew for every answer (crypto_box_seal): only the
 * holder of the guard secret key, which never leaves the laptop's guard
 * file, can open it.  A revoked device gets none, ever.
 */
#include "ombud-office-guard.h"

#include <sodium.h>
#include <string.h>

#include "ombud-error.h"
#include "ombud-office-keybundle.h"

#define STALE_DAYS_BLOB  "guard-stale-days"
#define KEY_BYTES        32
#define SHARE_BYTES      32
#define SEALED_BYTES     (crypto_box_SEALBYTES + SHARE_BYTES + 4)
#define SHARE_REQUEST_V1 1
#define SHARE_REQUEST_BYTES (1 + 16 + 8)

guint
ombud_office_guard_get_stale_days (OmbudOfficeBackend  *backend,
                                   GError             **error)
{
  GError *local_error = NULL;
  g_autoptr(GBytes) blob = ombud_office_backend_get_blob (backend, STALE_DAYS_BLOB, &local_error);
  const guint8 *p;
  guint days;

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return 0;
    }
  if (blob == NULL || g_bytes_get_size (blob) != 4)
    return OMBUD_OFFICE_STALE_DAYS_DEFAULT;
  p = g_bytes_get_data (blob, NULL);
  days = p[0] | p[1] << 8 | p[2] << 16 | (guint) p[3] << 24;
  return days >= 1 && days <= OMBUD_OFFICE_STALE_DAYS_MAX ? days : OMBUD_OFFICE_STALE_DAYS_DEFAULT;
}

gboolean
ombud_office_guard_set_stale_days (OmbudOfficeBackend  *backend,
                                   guint                days,
                                   GError             **error)
{
  guint8 le[4] = { days & 0xff, (days >> 8) & 0xff, (days >> 16) & 0xff, (days >> 24) & 0xff };
  g_autoptr(GBytes) blob = g_bytes_new (le, sizeof le);

  g_return_val_if_fail (days >= 1 && days <= OMBUD_OFFICE_STALE_DAYS_MAX, FALSE);

  return ombud_office_backend_begin (backend, error)
         && ombud_office_backend_put_blob (backend, STALE_DAYS_BLOB, blob, error)
         && ombud_office_backend_commit (backend, error);
}

/* crypto_box_seal (share ‖ stale_days u32 LE, guard_pk), or NULL when the
 * device has registered no guard key. */
static GBytes *
sealed_share (OmbudOfficeBackend  *backend,
              guint64              device_id,
              GError             **error)
{
  guint8 guard_pk[KEY_BYTES], plain[SHARE_BYTES + 4], sealed[SEALED_BYTES];
  gboolean found = FALSE;
  guint days;

  if (!ombud_office_backend_get_guard (backend, device_id, guard_pk, plain, &found, error) || !found)
    return NULL;
  days = ombud_office_guard_get_stale_days (backend, error);
  if (days == 0)
    {
      sodium_memzero (plain, sizeof plain);
      return NULL;
    }
  for (guint i = 0; i < 4; i++)
    plain[SHARE_BYTES + i] = (days >> (8 * i)) & 0xff;
  crypto_box_seal (sealed, plain, sizeof plain, guard_pk);
  sodium_memzero (plain, sizeof plain);
  return g_bytes_new (sealed, sizeof sealed);
}

gboolean
ombud_office_guard_serve (OmbudOfficeBackend       *backend,
                          const OmbudOfficeDevice  *device,
                          OmbudSyncRequest         *request,
                          OmbudSyncResponse        *response,
                          GError                  **error)
{
  g_autoptr(GVariant) key = NULL;
  g_autoptr(GBytes) sealed = NULL;
  GError *local_error = NULL;
  GVariantDict add;

  if (device->state != OMBUD_OFFICE_DEVICE_CONFIRMED)
    return TRUE;
  if (request->extensions != NULL
      && (key = g_variant_lookup_value (request->extensions, "guard-key", NULL)) != NULL)
    {
      if (!g_variant_is_of_type (key, G_VARIANT_TYPE_BYTESTRING) || g_variant_get_size (key) != KEY_BYTES)
        return ombud_fail (error, OMBUD_OFFICE_BUNDLE_ERROR, OMBUD_OFFICE_BUNDLE_ERROR_MALFORMED,
                           "a guard key must be 32 bytes");
      if (!ombud_office_backend_put_guard_key (backend, device->device_id,
                                               g_variant_get_data (key), error))
        return FALSE;
    }
  sealed = sealed_share (backend, device->device_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (sealed == NULL)
    return TRUE;
  g_variant_dict_init (&add, NULL);
  g_variant_dict_insert_value (&add, "guard-share",
                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, g_bytes_get_data (sealed, NULL),
                                                          g_bytes_get_size (sealed), 1));
  ombud_office_add_extensions (response, &add);
  return TRUE;
}

static GBytes *
share_refuse (guint              *status,
              OmbudOfficeOutcome *outcome,
              guint               http_status,
              const char         *code,
              const char         *message)
{
  char *line = g_strdup_printf ("%s %s\n", code, message);

  *status = http_status;
  g_strlcpy (outcome->error_code, code, sizeof outcome->error_code);
  return g_bytes_new_take (line, strlen (line));
}

GBytes *
ombud_office_handle_share (OmbudOfficeBackend  *backend,
                           GBytes              *body,
                           guint               *status,
                           OmbudOfficeOutcome  *outcome)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeOrg) org = NULL;
  g_autoptr(OmbudOfficeDevice) device = NULL;
  g_autoptr(GBytes) sealed = NULL;
  const guint8 *p;
  gsize len;
  guint64 device_id = 0;

  memset (outcome, 0, sizeof *outcome);
  p = g_bytes_get_data (body, &len);
  if (len != SHARE_REQUEST_BYTES || p[0] != SHARE_REQUEST_V1)
    return share_refuse (status, outcome, 400, "malformed", "a share request is 25 bytes, version 1");
  for (guint i = 0; i < 8; i++)
    device_id |= (guint64) p[17 + i] << (8 * i);
  outcome->device_id = device_id;
  if (device_id == 0 || device_id > G_MAXINT64)
    return share_refuse (status, outcome, 404, "unknown-device", "no such device here");
  org = ombud_office_backend_get_org (backend, &error);
  if (org == NULL)
    return share_refuse (status, outcome, 503, "unavailable", "the office is not set up");
  device = ombud_office_backend_get_device (backend, device_id, &error);
  if (device == NULL && !g_error_matches (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND))
    return share_refuse (status, outcome, 503, "unavailable", "the office store failed");
  /* Another organisation's id and an unknown device look the same. */
  if (device == NULL || memcmp (p + 1, org->org_id, 16) != 0)
    return share_refuse (status, outcome, 404, "unknown-device", "no such device here");
  if (device->state == OMBUD_OFFICE_DEVICE_REVOKED)
    return share_refuse (status, outcome, 403, "revoked", "this device is revoked");
  if (device->state != OMBUD_OFFICE_DEVICE_CONFIRMED)
    return share_refuse (status, outcome, 404, "unknown-device", "no such device here");
  g_clear_error (&error);
  sealed = sealed_share (backend, device_id, &error);
  if (sealed == NULL && error != NULL)
    return share_refuse (status, outcome, 503, "unavailable", "the office store failed");
  if (sealed == NULL)
    return share_refuse (status, outcome, 404, "unknown-device", "no such device here");
  *status = 200;
  return g_steal_pointer (&sealed);
}
