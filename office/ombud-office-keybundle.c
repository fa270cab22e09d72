/* ombud-office-keybundle.c: the office's side of the ombuds' key bundles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two blobs per ombud: "key-bundle-anchor:OMBUD" (the anchor) and
 * "key-bundle-entries:OMBUD" (entries of 217 bytes, one per case, end to
 * end).  Entries are merged in, never replaced wholesale, inside the
 * request's transaction, so two laptops of one ombud adding keys at the
 * same time lose none.
 */
#include "ombud-office-keybundle.h"

#include <string.h>

#include "ombud-error.h"
#include "ombud-key-bundle.h"
#include "ombud-keyring.h"

#define MAX_ENTRIES 100000

G_DEFINE_QUARK (ombud-office-bundle-error-quark, ombud_office_bundle_error)

void
ombud_office_add_extensions (OmbudSyncResponse *response,
                             GVariantDict      *add)
{
  g_autoptr(GVariant) extra = g_variant_ref_sink (g_variant_dict_end (add));
  GVariantDict merged;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_dict_init (&merged, response->extensions);
  g_variant_iter_init (&iter, extra);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_variant_dict_insert_value (&merged, key, value);
      g_variant_unref (value);
    }
  g_clear_pointer (&response->extensions, g_variant_unref);
  response->extensions = g_variant_ref_sink (g_variant_dict_end (&merged));
}

static char *
blob_name (const char *what,
           const char *ombud_id)
{
  return g_strdup_printf ("key-bundle-%s:%s", what, ombud_id);
}

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
has_key (GVariant   *extensions,
         const char *key)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (extensions, key, NULL);

  return v != NULL;
}

static gboolean
store_failed (GError  *cause,
              GError **error)
{
  return ombud_fail (error, OMBUD_OFFICE_BUNDLE_ERROR, OMBUD_OFFICE_BUNDLE_ERROR_STORE,
                     "the office store failed: %s", cause ? cause->message : "unknown error");
}

/* The anchor is the device's own, for its own ombud, at costs no client
 * would refuse. */
static gboolean
take_anchor (OmbudOfficeBackend      *backend,
             const OmbudOfficeDevice *device,
             GBytes                  *bytes,
             GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *anchor_name = blob_name ("anchor", device->ombud_id);
  g_autofree char *entries_name = blob_name ("entries", device->ombud_id);
  g_autofree char *ombud = NULL;
  g_autoptr(GBytes) old = NULL;
  OmbudBundleAnchor anchor, old_anchor;

  if (!ombud_bundle_anchor_verify (bytes, device->sign_pk, &anchor, &local_error))
    {
      if (g_error_matches (local_error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_BAD_SIGNATURE))
        return ombud_fail (error, OMBUD_OFFICE_BUNDLE_ERROR, OMBUD_OFFICE_BUNDLE_ERROR_FORBIDDEN,
                           "a key bundle anchor: %s", local_error->message);
      return ombud_fail (error, OMBUD_OFFICE_BUNDLE_ERROR, OMBUD_OFFICE_BUNDLE_ERROR_MALFORMED,
                         "a key bundle anchor: %s", local_error->message);
    }
  ombud = ombud_uuid_format (anchor.ombud_id);
  if (g_ascii_strcasecmp (ombud, device->ombud_id) != 0)
    return ombud_fail (error, OMBUD_OFFICE_BUNDLE_ERROR, OMBUD_OFFICE_BUNDLE_ERROR_FORBIDDEN,
                       "a key bundle anchor for another ombud's cases");
  old = ombud_office_backend_get_blob (backend, anchor_name, &local_error);
  if (local_error != NULL)
    return store_failed (local_error, error);
  /* A new passphrase: what was sealed to the old key is no use now. */
  if (old != NULL && (!ombud_bundle_anchor_parse (old, &old_anchor, NULL)
                      || memcmp (old_anchor.bundle_pk, anchor.bundle_pk, 32) != 0))
    {
      g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
      if (!ombud_office_backend_put_blob (backend, entries_name, empty, &local_error))
        return store_failed (local_error, error);
    }
  if (!ombud_office_backend_put_blob (backend, anchor_name, bytes, &local_error))
    return store_failed (local_error, error);
  return TRUE;
}

static gboolean
has_case (GByteArray   *entries,
          const guint8  case_id[16])
{
  OmbudBundleEntry e;

  for (gsize off = 0; off + OMBUD_BUNDLE_ENTRY_SIZE <= entries->len; off += OMBUD_BUNDLE_ENTRY_SIZE)
    {
      g_autoptr(GBytes) one = g_bytes_new_static (entries->data + off, OMBUD_BUNDLE_ENTRY_SIZE);
      if (ombud_bundle_entry_parse (one, &e, NULL) && memcmp (e.case_id, case_id, 16) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Entries: the device's own, for its own ombud.  One sealed to an anchor
 * that is not the current one is dropped (the device hears of the new
 * anchor in this answer and seals again); a case held already keeps the
 * entry it has. */
static gboolean
take_entries (OmbudOfficeBackend      *backend,
              const OmbudOfficeDevice *device,
              GVariant                *list,
              GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *anchor_name = blob_name ("anchor", device->ombud_id);
  g_autofree char *entries_name = blob_name ("entries", device->ombud_id);
  g_autoptr(GBytes) anchor_bytes = NULL;
  g_autoptr(GBytes) held = NULL;
  g_autoptr(GByteArray) entries = g_byte_array_new ();
  OmbudBundleAnchor anchor;
  gboolean changed = FALSE, shredded = FALSE;
  GVariantIter iter;
  GVariant *child;

  anchor_bytes = ombud_office_backend_get_blob (backend, anchor_name, &local_error);
  held = local_error ? NULL : ombud_office_backend_get_blob (backend, entries_name, &local_error);
  if (local_error != NULL)
    return store_failed (local_error, error);
  if (held != NULL)
    g_byte_array_append (entries, g_bytes_get_data (held, NULL), g_bytes_get_size (held));
  g_variant_iter_init (&iter, list);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = child;
      g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (child);
      g_autofree char *ombud = NULL;
      OmbudBundleEntry e;

      if (!ombud_bundle_entry_parse (bytes, &e, &local_error))
        return ombud_fail (error, OMBUD_OFFICE_BUNDLE_ERROR, OMBUD_OFFICE_BUNDLE_ERROR_MALFORMED,
                           "a key bundle entry: %s", local_error->message);
      ombud = ombud_uuid_format (e.ombud_id);
      if (!ombud_bundle_entry_verify (bytes, device->sign_pk, &e, NULL)
          || g_ascii_strcasecmp (ombud, device->ombud_id) != 0)
        return ombud_fail (error, OMBUD_OFFICE_BUNDLE_ERROR, OMBUD_OFFICE_BUNDLE_ERROR_FORBIDDEN,
                           "a key bundle entry not signed by this device, or for another ombud");
      if (anchor_bytes == NULL || !ombud_bundle_anchor_parse (anchor_bytes, &anchor, NULL)
          || memcmp (anchor.bundle_pk, e.bundle_pk, 32) != 0 || has_case (entries, e.case_id))
        continue;
      /* A shredded case's key is kept nowhere again (§9.5). */
      if (!ombud_office_backend_case_is_shredded (backend, e.case_id, &shredded, &local_error))
        return store_failed (local_error, error);
      if (shredded)
        continue;
      if (entries->len / OMBUD_BUNDLE_ENTRY_SIZE >= MAX_ENTRIES)
        return ombud_fail (error, OMBUD_OFFICE_BUNDLE_ERROR, OMBUD_OFFICE_BUNDLE_ERROR_MALFORMED,
                           "a key bundle of more than %u cases", MAX_ENTRIES);
      g_byte_array_append (entries, g_bytes_get_data (bytes, NULL), OMBUD_BUNDLE_ENTRY_SIZE);
      changed = TRUE;
    }
  if (changed)
    {
      g_autoptr(GBytes) out = g_bytes_new (entries->data, entries->len);
      if (!ombud_office_backend_put_blob (backend, entries_name, out, &local_error))
        return store_failed (local_error, error);
    }
  return TRUE;
}

gboolean
ombud_office_key_bundle_forget_entry (OmbudOfficeBackend  *backend,
                                      const char          *ombud_id,
                                      const guint8         case_id[16],
                                      GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = blob_name ("entries", ombud_id);
  g_autoptr(GBytes) held = ombud_office_backend_get_blob (backend, name, &local_error);
  g_autoptr(GByteArray) kept = g_byte_array_new ();
  const guint8 *data;
  gsize len;

  if (local_error != NULL)
    return store_failed (local_error, error);
  if (held == NULL)
    return TRUE;
  data = g_bytes_get_data (held, &len);
  for (gsize off = 0; off + OMBUD_BUNDLE_ENTRY_SIZE <= len; off += OMBUD_BUNDLE_ENTRY_SIZE)
    {
      g_autoptr(GBytes) one = g_bytes_new_static (data + off, OMBUD_BUNDLE_ENTRY_SIZE);
      OmbudBundleEntry e;

      if (!ombud_bundle_entry_parse (one, &e, NULL) || memcmp (e.case_id, case_id, 16) != 0)
        g_byte_array_append (kept, data + off, OMBUD_BUNDLE_ENTRY_SIZE);
    }
  if (kept->len == len)
    return TRUE;
  {
    g_autoptr(GBytes) out = g_bytes_new (kept->data, kept->len);

    if (!ombud_office_backend_put_blob (backend, name, out, &local_error))
      return store_failed (local_error, error);
  }
  return TRUE;
}

gboolean
ombud_office_key_bundle_forget_case (OmbudOfficeBackend  *backend,
                                     const guint8         case_id[16],
                                     GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) devices = ombud_office_backend_list_devices (backend, &local_error);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (devices == NULL)
    return store_failed (local_error, error);
  /* Whoever owned the case may hold an entry: every ombud's bundle. */
  for (guint i = 0; i < devices->len; i++)
    {
      OmbudOfficeDevice *d = devices->pdata[i];

      if (d->ombud_id == NULL || !g_hash_table_add (seen, d->ombud_id))
        continue;
      if (!ombud_office_key_bundle_forget_entry (backend, d->ombud_id, case_id, error))
        return FALSE;
    }
  return TRUE;
}

static const guint8 *
anchor_pk (GBytes *anchor)
{
  return (const guint8 *) g_bytes_get_data (anchor, NULL) + OMBUD_BUNDLE_ANCHOR_PK;
}

/* The anchor when the device holds another, and the entries when asked. */
static gboolean
answer (OmbudOfficeBackend      *backend,
        const OmbudOfficeDevice *device,
        GVariant                *extensions,
        OmbudSyncResponse       *response,
        GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *anchor_name = blob_name ("anchor", device->ombud_id);
  g_autofree char *entries_name = blob_name ("entries", device->ombud_id);
  g_autoptr(GBytes) have = lookup_bytes (extensions, "key-bundle-have");
  g_autoptr(GBytes) anchor_bytes = NULL;
  gboolean fetch = FALSE;
  GVariantDict add;

  g_variant_lookup (extensions, "key-bundle-fetch", "b", &fetch);
  anchor_bytes = ombud_office_backend_get_blob (backend, anchor_name, &local_error);
  if (local_error != NULL)
    return store_failed (local_error, error);
  g_variant_dict_init (&add, NULL);
  /* What is stored passed take_anchor; the device checks it again anyway. */
  if (anchor_bytes != NULL && g_bytes_get_size (anchor_bytes) == OMBUD_BUNDLE_ANCHOR_SIZE
      && (fetch || have == NULL || g_bytes_get_size (have) != 32
          || memcmp (g_bytes_get_data (have, NULL), anchor_pk (anchor_bytes), 32) != 0))
    g_variant_dict_insert_value (&add, "key-bundle-anchor",
                                 g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, anchor_bytes, TRUE));
  if (fetch)
    {
      g_autoptr(GBytes) held = ombud_office_backend_get_blob (backend, entries_name, &local_error);
      GVariantBuilder list;
      gsize len = 0;
      const guint8 *data = held ? g_bytes_get_data (held, &len) : NULL;

      if (local_error != NULL)
        {
          g_variant_dict_clear (&add);
          return store_failed (local_error, error);
        }
      g_variant_builder_init (&list, G_VARIANT_TYPE ("aay"));
      for (gsize off = 0; off + OMBUD_BUNDLE_ENTRY_SIZE <= len; off += OMBUD_BUNDLE_ENTRY_SIZE)
        g_variant_builder_add_value (&list, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data + off,
                                                                       OMBUD_BUNDLE_ENTRY_SIZE, 1));
      g_variant_dict_insert_value (&add, "key-bundle-entries", g_variant_builder_end (&list));
    }
  ombud_office_add_extensions (response, &add);
  return TRUE;
}

gboolean
ombud_office_key_bundle_serve (OmbudOfficeBackend      *backend,
                               const OmbudOfficeDevice *device,
                               OmbudSyncRequest        *request,
                               OmbudSyncResponse       *response,
                               GError                 **error)
{
  GVariant *extensions = request->extensions;
  g_autoptr(GBytes) anchor = lookup_bytes (extensions, "key-bundle-anchor");
  g_autoptr(GVariant) entries = NULL;
  gboolean asks;

  if (extensions == NULL)
    return TRUE;
  entries = g_variant_lookup_value (extensions, "key-bundle-entries", G_VARIANT_TYPE ("aay"));
  asks = anchor != NULL || entries != NULL || has_key (extensions, "key-bundle-have")
         || has_key (extensions, "key-bundle-fetch");
  if (!asks)
    return TRUE;
  /* Only that ombud's own devices: not a coordinator's, not another's. */
  if (device->role != OMBUD_OFFICE_ROLE_OMBUD || device->state != OMBUD_OFFICE_DEVICE_CONFIRMED
      || device->ombud_id == NULL)
    return ombud_fail (error, OMBUD_OFFICE_BUNDLE_ERROR, OMBUD_OFFICE_BUNDLE_ERROR_FORBIDDEN,
                       "only a confirmed ombud's device keeps a key bundle");
  return (anchor == NULL || take_anchor (backend, device, anchor, error))
         && (entries == NULL || take_entries (backend, device, entries, error))
         && answer (backend, device, extensions, response, error);
}
