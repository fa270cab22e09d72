/* ombud-sync-message.c: the messages of /v1/enrol and /v1/sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-sync-message.h"

#include <string.h>

#include "ombud-error.h"

#define ENROL_REQUEST_TYPE  "(sayays)"
#define ENROL_RESPONSE_TYPE "(aysayaysuu)"
#define SYNC_REQUEST_TYPE   "(uttuaaya(ays)aayaaya{sv})"
#define SYNC_RESPONSE_TYPE  "(uuaaya(ayus)aaytbta(tayaysuus)aayaaya{sv})"

G_DEFINE_QUARK (ombud-sync-message-error-quark, ombud_sync_message_error)

/* Building */

static GVariant *
bytes_value (const guint8 *data,
             gsize         len)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1);
}

static GVariant *
gbytes_value (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return bytes_value (data, len);
}

static GVariant *
bytes_list_value (GPtrArray *list)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aay"));
  for (guint i = 0; list && i < list->len; i++)
    g_variant_builder_add_value (&b, gbytes_value (list->pdata[i]));
  return g_variant_builder_end (&b);
}

/* For "@a{sv}": g_variant_new takes its own reference of a value that is
 * not floating. */
static GVariant *
extensions_value (GVariant *extensions)
{
  if (extensions)
    return extensions;
  return g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0);
}

/* PROTOCOL.md: little-endian on the wire, whatever the host. */
static GVariant *
to_wire_order (GVariant *value)
{
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    return g_variant_byteswap (value);
  return g_variant_ref (value);
}

static GBytes *
finish (GVariant *value)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (value);
  g_autoptr(GVariant) wire = to_wire_order (owned);

  return g_variant_get_data_as_bytes (wire);
}

/* Reading.  A value of the right type in normal form is all decoding
 * accepts; after that only sizes are left to check. */

static GVariant *
parse (GBytes      *bytes,
       const char  *type,
       const char  *what,
       GError     **error)
{
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (type), bytes, FALSE));

  if (!g_variant_is_normal_form (value))
    {
      ombud_fail (error, OMBUD_SYNC_MESSAGE_ERROR, OMBUD_SYNC_MESSAGE_ERROR_MALFORMED,
                  "%s is not of the form PROTOCOL.md gives", what);
      return NULL;
    }
  return to_wire_order (value);
}

static gboolean
get_fixed (GVariant    *value,
           guint8      *out,
           gsize        size,
           const char  *what,
           GError     **error)
{
  gsize len;
  const guint8 *data = g_variant_get_fixed_array (value, &len, 1);

  if (len != size)
    return ombud_fail (error, OMBUD_SYNC_MESSAGE_ERROR, OMBUD_SYNC_MESSAGE_ERROR_MALFORMED,
                       "%s has %zu bytes where %zu are expected", what, len, size);
  memcpy (out, data, size);
  return TRUE;
}

static GBytes *
get_gbytes (GVariant *value)
{
  gsize len;
  const guint8 *data = g_variant_get_fixed_array (value, &len, 1);

  return g_bytes_new (data, len);
}

static GPtrArray *
get_bytes_list (GVariant *list)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize n = g_variant_n_children (list);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) item = g_variant_get_child_value (list, i);
      g_ptr_array_add (out, get_gbytes (item));
    }
  return out;
}

static GVariant *
child (GVariant *tuple,
       gsize     index)
{
  return g_variant_get_child_value (tuple, index);
}

static GPtrArray *
child_bytes_list (GVariant *tuple,
                  gsize     index)
{
  g_autoptr(GVariant) list = child (tuple, index);

  return get_bytes_list (list);
}

static gboolean
child_fixed (GVariant    *tuple,
             gsize        index,
             guint8      *out,
             gsize        size,
             const char  *what,
             GError     **error)
{
  g_autoptr(GVariant) value = child (tuple, index);

  return get_fixed (value, out, size, what, error);
}

/* Enrolment */

OmbudEnrolRequest *
ombud_enrol_request_new (void)
{
  return g_new0 (OmbudEnrolRequest, 1);
}

void
ombud_enrol_request_free (OmbudEnrolRequest *self)
{
  if (self == NULL)
    return;
  g_free (self->code);
  g_free (self->name);
  g_free (self);
}

GBytes *
ombud_enrol_request_encode (const OmbudEnrolRequest *self)
{
  return finish (g_variant_new ("(s@ay@ays)", self->code ? self->code : "",
                                bytes_value (self->sign_pk, 32), bytes_value (self->box_pk, 32),
                                self->name ? self->name : ""));
}

OmbudEnrolRequest *
ombud_enrol_request_decode (GBytes  *bytes,
                            GError **error)
{
  g_autoptr(GVariant) v = parse (bytes, ENROL_REQUEST_TYPE, "the enrolment request", error);
  g_autoptr(OmbudEnrolRequest) self = NULL;

  if (v == NULL)
    return NULL;
  self = ombud_enrol_request_new ();
  g_variant_get_child (v, 0, "s", &self->code);
  g_variant_get_child (v, 3, "s", &self->name);
  if (!child_fixed (v, 1, self->sign_pk, 32, "the signing key", error)
      || !child_fixed (v, 2, self->box_pk, 32, "the box key", error))
    return NULL;
  return g_steal_pointer (&self);
}

OmbudEnrolResponse *
ombud_enrol_response_new (void)
{
  return g_new0 (OmbudEnrolResponse, 1);
}

void
ombud_enrol_response_free (OmbudEnrolResponse *self)
{
  if (self == NULL)
    return;
  g_free (self->org_name);
  g_free (self->person);
  g_free (self);
}

GBytes *
ombud_enrol_response_encode (const OmbudEnrolResponse *self)
{
  return finish (g_variant_new ("(@ays@ay@aysuu)", bytes_value (self->org_id, 16),
                                self->org_name ? self->org_name : "",
                                bytes_value (self->office_sign_pk, 32),
                                bytes_value (self->office_box_pk, 32),
                                self->person ? self->person : "", self->role, self->state));
}

OmbudEnrolResponse *
ombud_enrol_response_decode (GBytes  *bytes,
                             GError **error)
{
  g_autoptr(GVariant) v = parse (bytes, ENROL_RESPONSE_TYPE, "the enrolment response", error);
  g_autoptr(OmbudEnrolResponse) self = NULL;

  if (v == NULL)
    return NULL;
  self = ombud_enrol_response_new ();
  g_variant_get_child (v, 1, "s", &self->org_name);
  g_variant_get_child (v, 4, "s", &self->person);
  g_variant_get_child (v, 5, "u", &self->role);
  g_variant_get_child (v, 6, "u", &self->state);
  if (!child_fixed (v, 0, self->org_id, 16, "the organisation id", error)
      || !child_fixed (v, 2, self->office_sign_pk, 32, "the office's signing key", error)
      || !child_fixed (v, 3, self->office_box_pk, 32, "the office's box key", error))
    return NULL;
  return g_steal_pointer (&self);
}

/* Sync request */

static void
route_free (OmbudSyncRoute *route)
{
  g_free (route->ombud_id);
  g_free (route);
}

static GPtrArray *
bytes_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

OmbudSyncRequest *
ombud_sync_request_new (void)
{
  OmbudSyncRequest *self = g_new0 (OmbudSyncRequest, 1);

  self->protocol = OMBUD_SYNC_PROTOCOL;
  self->changesets = bytes_array_new ();
  self->routes = g_ptr_array_new_with_free_func ((GDestroyNotify) route_free);
  self->grants = bytes_array_new ();
  self->certs = bytes_array_new ();
  return self;
}

void
ombud_sync_request_free (OmbudSyncRequest *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->changesets);
  g_ptr_array_unref (self->routes);
  g_ptr_array_unref (self->grants);
  g_ptr_array_unref (self->certs);
  g_clear_pointer (&self->extensions, g_variant_unref);
  g_free (self);
}

void
ombud_sync_request_add_route (OmbudSyncRequest *self,
                              const guint8      case_id[16],
                              const char       *ombud_id)
{
  OmbudSyncRoute *route = g_new0 (OmbudSyncRoute, 1);

  memcpy (route->case_id, case_id, 16);
  route->ombud_id = g_strdup (ombud_id);
  g_ptr_array_add (self->routes, route);
}

GBytes *
ombud_sync_request_encode (const OmbudSyncRequest *self)
{
  GVariantBuilder routes;

  g_variant_builder_init (&routes, G_VARIANT_TYPE ("a(ays)"));
  for (guint i = 0; i < self->routes->len; i++)
    {
      OmbudSyncRoute *r = self->routes->pdata[i];
      g_variant_builder_add (&routes, "(@ays)", bytes_value (r->case_id, 16), r->ombud_id);
    }
  return finish (g_variant_new ("(uttu@aaya(ays)@aay@aay@a{sv})", self->protocol,
                                (guint64) self->cursor, (guint64) self->directory, self->budget,
                                bytes_list_value (self->changesets), &routes,
                                bytes_list_value (self->grants), bytes_list_value (self->certs),
                                extensions_value (self->extensions)));
}

static gboolean
decode_routes (OmbudSyncRequest  *self,
               GVariant          *list,
               GError           **error)
{
  gsize n = g_variant_n_children (list);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) item = g_variant_get_child_value (list, i);
      g_autofree char *ombud_id = NULL;
      guint8 case_id[16];

      g_variant_get_child (item, 1, "s", &ombud_id);
      if (!child_fixed (item, 0, case_id, 16, "a route's case id", error))
        return FALSE;
      ombud_sync_request_add_route (self, case_id, ombud_id);
    }
  return TRUE;
}

OmbudSyncRequest *
ombud_sync_request_decode (GBytes  *bytes,
                           GError **error)
{
  g_autoptr(GVariant) v = parse (bytes, SYNC_REQUEST_TYPE, "the sync request", error);
  g_autoptr(OmbudSyncRequest) self = NULL;
  g_autoptr(GVariant) routes = NULL;
  guint64 cursor, directory;

  if (v == NULL)
    return NULL;
  self = ombud_sync_request_new ();
  g_variant_get_child (v, 0, "u", &self->protocol);
  g_variant_get_child (v, 1, "t", &cursor);
  g_variant_get_child (v, 2, "t", &directory);
  g_variant_get_child (v, 3, "u", &self->budget);
  if (cursor > G_MAXINT64 || directory > G_MAXINT64)
    {
      ombud_fail (error, OMBUD_SYNC_MESSAGE_ERROR, OMBUD_SYNC_MESSAGE_ERROR_MALFORMED,
                  "the sync request's cursor is out of range");
      return NULL;
    }
  self->cursor = (gint64) cursor;
  self->directory = (gint64) directory;
  g_ptr_array_unref (self->changesets);
  self->changesets = child_bytes_list (v, 4);
  routes = child (v, 5);
  if (!decode_routes (self, routes, error))
    return NULL;
  g_ptr_array_unref (self->grants);
  self->grants = child_bytes_list (v, 6);
  g_ptr_array_unref (self->certs);
  self->certs = child_bytes_list (v, 7);
  self->extensions = child (v, 8);
  return g_steal_pointer (&self);
}

/* Sync response */

static void
rejection_free (OmbudSyncRejection *r)
{
  g_free (r->message);
  g_free (r);
}

OmbudSyncDevice *
ombud_sync_device_new (void)
{
  return g_new0 (OmbudSyncDevice, 1);
}

void
ombud_sync_device_free (OmbudSyncDevice *self)
{
  if (self == NULL)
    return;
  g_free (self->person);
  g_free (self->name);
  g_free (self);
}

OmbudSyncResponse *
ombud_sync_response_new (void)
{
  OmbudSyncResponse *self = g_new0 (OmbudSyncResponse, 1);

  self->protocol = OMBUD_SYNC_PROTOCOL;
  self->accepted = bytes_array_new ();
  self->rejected = g_ptr_array_new_with_free_func ((GDestroyNotify) rejection_free);
  self->changesets = bytes_array_new ();
  self->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) ombud_sync_device_free);
  self->certs = bytes_array_new ();
  self->grants = bytes_array_new ();
  return self;
}

void
ombud_sync_response_free (OmbudSyncResponse *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->accepted);
  g_ptr_array_unref (self->rejected);
  g_ptr_array_unref (self->changesets);
  g_ptr_array_unref (self->devices);
  g_ptr_array_unref (self->certs);
  g_ptr_array_unref (self->grants);
  g_clear_pointer (&self->extensions, g_variant_unref);
  g_free (self);
}

void
ombud_sync_response_add_rejection (OmbudSyncResponse   *self,
                                   const guint8         changeset_id[16],
                                   OmbudSyncRejectCode  code,
                                   const char          *message)
{
  OmbudSyncRejection *r = g_new0 (OmbudSyncRejection, 1);

  memcpy (r->changeset_id, changeset_id, 16);
  r->code = code;
  r->message = g_strdup (message);
  g_ptr_array_add (self->rejected, r);
}

GBytes *
ombud_sync_response_encode (const OmbudSyncResponse *self)
{
  GVariantBuilder rejected, devices;

  g_variant_builder_init (&rejected, G_VARIANT_TYPE ("a(ayus)"));
  for (guint i = 0; i < self->rejected->len; i++)
    {
      OmbudSyncRejection *r = self->rejected->pdata[i];
      g_variant_builder_add (&rejected, "(@ayus)", bytes_value (r->changeset_id, 16),
                             r->code, r->message ? r->message : "");
    }
  g_variant_builder_init (&devices, G_VARIANT_TYPE ("a(tayaysuus)"));
  for (guint i = 0; i < self->devices->len; i++)
    {
      OmbudSyncDevice *d = self->devices->pdata[i];
      g_variant_builder_add (&devices, "(t@ay@aysuus)", d->device_id,
                             bytes_value (d->sign_pk, 32), bytes_value (d->box_pk, 32),
                             d->person ? d->person : "", d->role, d->state, d->name ? d->name : "");
    }
  return finish (g_variant_new ("(uu@aaya(ayus)@aaytbta(tayaysuus)@aay@aay@a{sv})",
                                self->protocol, self->state, bytes_list_value (self->accepted),
                                &rejected, bytes_list_value (self->changesets),
                                (guint64) self->cursor, self->more, (guint64) self->directory,
                                &devices, bytes_list_value (self->certs),
                                bytes_list_value (self->grants), extensions_value (self->extensions)));
}

static gboolean
decode_rejected (OmbudSyncResponse  *self,
                 GVariant           *list,
                 GError            **error)
{
  gsize n = g_variant_n_children (list);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) item = g_variant_get_child_value (list, i);
      g_autofree char *message = NULL;
      guint8 id[16];
      guint32 code;

      g_variant_get_child (item, 1, "u", &code);
      g_variant_get_child (item, 2, "s", &message);
      if (!child_fixed (item, 0, id, 16, "a rejected changeset's id", error))
        return FALSE;
      ombud_sync_response_add_rejection (self, id, code, message);
    }
  return TRUE;
}

static gboolean
decode_devices (OmbudSyncResponse  *self,
                GVariant           *list,
                GError            **error)
{
  gsize n = g_variant_n_children (list);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) item = g_variant_get_child_value (list, i);
      g_autoptr(OmbudSyncDevice) d = ombud_sync_device_new ();

      g_variant_get_child (item, 0, "t", &d->device_id);
      g_variant_get_child (item, 3, "s", &d->person);
      g_variant_get_child (item, 4, "u", &d->role);
      g_variant_get_child (item, 5, "u", &d->state);
      g_variant_get_child (item, 6, "s", &d->name);
      if (!child_fixed (item, 1, d->sign_pk, 32, "a device's signing key", error)
          || !child_fixed (item, 2, d->box_pk, 32, "a device's box key", error))
        return FALSE;
      g_ptr_array_add (self->devices, g_steal_pointer (&d));
    }
  return TRUE;
}

static gboolean
check_ids (GPtrArray   *ids,
           GError     **error)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_bytes_get_size (ids->pdata[i]) != 16)
      return ombud_fail (error, OMBUD_SYNC_MESSAGE_ERROR, OMBUD_SYNC_MESSAGE_ERROR_MALFORMED,
                         "an accepted changeset id is not 16 bytes");
  return TRUE;
}

OmbudSyncResponse *
ombud_sync_response_decode (GBytes  *bytes,
                            GError **error)
{
  g_autoptr(GVariant) v = parse (bytes, SYNC_RESPONSE_TYPE, "the sync response", error);
  g_autoptr(OmbudSyncResponse) self = NULL;
  g_autoptr(GVariant) rejected = NULL;
  g_autoptr(GVariant) devices = NULL;
  guint64 cursor, directory;

  if (v == NULL)
    return NULL;
  self = ombud_sync_response_new ();
  g_variant_get_child (v, 0, "u", &self->protocol);
  g_variant_get_child (v, 1, "u", &self->state);
  g_variant_get_child (v, 5, "t", &cursor);
  g_variant_get_child (v, 6, "b", &self->more);
  g_variant_get_child (v, 7, "t", &directory);
  if (cursor > G_MAXINT64 || directory > G_MAXINT64)
    {
      ombud_fail (error, OMBUD_SYNC_MESSAGE_ERROR, OMBUD_SYNC_MESSAGE_ERROR_MALFORMED,
                  "the sync response's cursor is out of range");
      return NULL;
    }
  self->cursor = (gint64) cursor;
  self->directory = (gint64) directory;
  g_ptr_array_unref (self->accepted);
  self->accepted = child_bytes_list (v, 2);
  rejected = child (v, 3);
  devices = child (v, 8);
  if (!check_ids (self->accepted, error) || !decode_rejected (self, rejected, error)
      || !decode_devices (self, devices, error))
    return NULL;
  g_ptr_array_unref (self->changesets);
  self->changesets = child_bytes_list (v, 4);
  g_ptr_array_unref (self->certs);
  self->certs = child_bytes_list (v, 9);
  g_ptr_array_unref (self->grants);
  self->grants = child_bytes_list (v, 10);
  self->extensions = child (v, 11);
  return g_steal_pointer (&self);
}
