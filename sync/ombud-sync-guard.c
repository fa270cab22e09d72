/* ombud-sync-guard.c: a laptop's side of locking its replica when it stops syncing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-sync-guard.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ombud-error.h"
#include "ombud-guard.h"
#include "ombud-http.h"
#include "ombud-sync-engine.h"
#include "ombud-sync-private.h"

#define SHARE_REQUEST_V1 1

gboolean
ombud_sync_guard_request (OmbudCaseload     *caseload,
                          OmbudSyncConfig   *config,
                          OmbudSyncRequest  *request,
                          GError           **error)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  guint8 pk[OMBUD_GUARD_KEY_BYTES];
  gboolean has_share = FALSE;
  GVariantDict dict;

  if (config->state != OMBUD_SYNC_STATE_CONFIRMED)
    return TRUE;
  if (!ombud_store_guard_public_key (store, pk, &has_share, error))
    return FALSE;
  /* Once the office answers with a share it holds the key. */
  if (has_share)
    return TRUE;
  g_variant_dict_init (&dict, request->extensions);
  g_variant_dict_insert_value (&dict, "guard-key",
                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, pk, sizeof pk, 1));
  g_clear_pointer (&request->extensions, g_variant_unref);
  request->extensions = g_variant_ref_sink (g_variant_dict_end (&dict));
  return TRUE;
}

gboolean
ombud_sync_guard_response (OmbudCaseload      *caseload,
                           OmbudSyncConfig    *config,
                           OmbudSyncResponse  *response,
                           GError            **error)
{
  g_autoptr(GVariant) sealed = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;
  const guint8 *data;

  if (config->state != OMBUD_SYNC_STATE_CONFIRMED || response->extensions == NULL
      || (sealed = g_variant_lookup_value (response->extensions, "guard-share",
                                           G_VARIANT_TYPE_BYTESTRING)) == NULL)
    return TRUE;
  data = g_variant_get_fixed_array (sealed, &len, 1);
  if (!ombud_store_guard_take_share (ombud_caseload_get_store (caseload), data, len, config->url,
                                     config->pinned_key, config->ca_file, config->org_id,
                                     ombud_caseload_get_device_id (caseload), &local_error))
    return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_FAILED,
                       "the office's share could not be kept: %s", local_error->message);
  return TRUE;
}

void
ombud_sync_wipe_profile_dir (const char *dir)
{
  static const char *const files[] = { "ombud.key", "ombud.guard", "ombud.guard.new", "ombud.db",
                                       "ombud.db-wal", "ombud.db-shm", NULL };

  /* The key file first, overwritten before it is unlinked, so that what is
   * left of the database on the disk cannot be opened by anyone. */
  for (guint i = 0; files[i]; i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (g_file_get_contents (path, &contents, &len, NULL) && len > 0)
        {
          memset (contents, 0, len);
          g_file_set_contents_full (path, contents, len, G_FILE_SET_CONTENTS_DURABLE, 0600, NULL);
        }
      g_unlink (path);
    }
}

static GBytes *
share_request (const OmbudGuard *guard)
{
  guint8 body[1 + 16 + 8];

  body[0] = SHARE_REQUEST_V1;
  memcpy (body + 1, guard->org_id, 16);
  for (guint i = 0; i < 8; i++)
    body[17 + i] = (guard->device_id >> (8 * i)) & 0xff;
  return g_bytes_new (body, sizeof body);
}

gboolean
ombud_sync_guard_fetch_share (OmbudStore    *store,
                              const char    *passphrase,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr(OmbudGuard) guard = NULL;
  g_autoptr(OmbudSecret) kek = NULL;
  g_autoptr(OmbudHttp) http = NULL;
  g_autoptr(OmbudHttpResponse) answer = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *url = NULL;
  OmbudHttpOptions options = { 0 };
  const guint8 *sealed;
  gsize len;

  if (!ombud_store_open_guard (store, passphrase, &guard, &kek, error))
    return FALSE;
  if (guard->url == NULL)
    return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_NOT_ENROLLED,
                       "this profile has never had a share from an office");
  options.ca_file = guard->ca_file;
  options.pinned_key = guard->pinned_key;
  http = ombud_http_new (&options);
  url = g_strconcat (guard->url, "/v1/share", NULL);
  body = share_request (guard);
  answer = ombud_http_post (http, url, body, cancellable, &local_error);
  if (answer == NULL)
    return ombud_sync_fail_from_http (local_error, error);
  if (answer->status == 403 && g_bytes_get_size (answer->body) >= 7
      && memcmp (g_bytes_get_data (answer->body, NULL), "revoked", 7) == 0)
    {
      /* Unauthenticated, but it can only make this laptop wipe a replica
       * that it cannot open anyway without the office's share. */
      ombud_sync_wipe_profile_dir (ombud_store_get_profile_dir (store));
      return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REVOKED,
                         "the office has revoked this device; its copy of the caseload has been wiped");
    }
  if (answer->status >= 500)
    return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_OFFLINE,
                       "the office is unavailable (HTTP %u)", answer->status);
  if (answer->status != 200)
    return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REFUSED,
                       "the office refused the share (HTTP %u)", answer->status);
  sealed = g_bytes_get_data (answer->body, &len);
  if (!ombud_guard_open_share (guard, sealed, len, &local_error))
    return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_NOT_AUTHENTIC, "%s", local_error->message);
  guard->last_sync = ombud_store_now (store);
  return ombud_store_save_guard (store, kek, guard, error);
}
