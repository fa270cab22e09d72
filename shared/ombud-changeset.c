/* ombud-changeset.c: the field changes of one local transaction
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On the wire and in the outbox a changeset is a serialised GVariant of type
 * CHANGESET_TYPE (little-endian, normal form).  Decoding trusts nothing: a
 * changeset is read from other devices through the office.
 */
#include "ombud-changeset.h"

#include <string.h>

#define CHANGESET_TYPE "(sutsa(sssmvta(tt)))"
#define MAX_NAME 64

G_DEFINE_QUARK (ombud-changeset-error-quark, ombud_changeset_error)

static void
change_free (OmbudChange *c)
{
  g_free (c->table);
  g_free (c->record);
  g_free (c->field);
  g_clear_pointer (&c->value, g_variant_unref);
  g_array_unref (c->bases);
  g_free (c);
}

OmbudChangeset *
ombud_changeset_new (guint       schema,
                     guint64     device,
                     const char *case_id)
{
  OmbudChangeset *self = g_new0 (OmbudChangeset, 1);

  self->id = g_uuid_string_random ();
  self->schema = schema;
  self->device = device;
  self->case_id = g_strdup (case_id ? case_id : "");
  self->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) change_free);
  return self;
}

void
ombud_changeset_free (OmbudChangeset *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->case_id);
  g_ptr_array_unref (self->changes);
  g_free (self);
}

OmbudChange *
ombud_changeset_add (OmbudChangeset       *self,
                     const char           *table,
                     const char           *record,
                     const char           *field,
                     GVariant             *value,
                     OmbudHlcTime          hlc,
                     const OmbudVersionId *bases,
                     guint                 n_bases)
{
  OmbudChange *c = g_new0 (OmbudChange, 1);

  c->table = g_strdup (table);
  c->record = g_strdup (record);
  c->field = g_strdup (field);
  c->value = value ? g_variant_ref_sink (value) : NULL;
  c->hlc = hlc;
  c->bases = g_array_sized_new (FALSE, FALSE, sizeof (OmbudVersionId), n_bases);
  g_array_append_vals (c->bases, bases, n_bases);
  g_ptr_array_add (self->changes, c);
  return c;
}

GBytes *
ombud_changeset_encode (const OmbudChangeset *self)
{
  g_autoptr(GVariant) v = NULL;
  GVariantBuilder changes;

  g_variant_builder_init (&changes, G_VARIANT_TYPE ("a(sssmvta(tt))"));
  for (guint i = 0; i < self->changes->len; i++)
    {
      OmbudChange *c = g_ptr_array_index (self->changes, i);
      GVariantBuilder bases;

      g_variant_builder_init (&bases, G_VARIANT_TYPE ("a(tt)"));
      for (guint b = 0; b < c->bases->len; b++)
        {
          OmbudVersionId *id = &g_array_index (c->bases, OmbudVersionId, b);
          g_variant_builder_add (&bases, "(tt)", id->hlc, id->device);
        }
      g_variant_builder_add (&changes, "(sssmvta(tt))", c->table, c->record, c->field,
                             c->value, c->hlc, &bases);
    }
  v = g_variant_ref_sink (g_variant_new ("(sutsa(sssmvta(tt)))", self->id, self->schema,
                                         self->device, self->case_id, &changes));
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      GVariant *swapped = g_variant_byteswap (v);
      g_variant_unref (v);
      v = swapped;
    }
  return g_variant_get_data_as_bytes (v);
}

static gboolean
valid_name (const char *s)
{
  gsize len = strlen (s);

  if (len == 0 || len > MAX_NAME)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != ':' && *p != '.')
      return FALSE;
  return TRUE;
}

static gboolean
valid_value (GVariant *value)
{
  return value == NULL
         || g_variant_is_of_type (value, G_VARIANT_TYPE_INT64)
         || g_variant_is_of_type (value, G_VARIANT_TYPE_STRING);
}

static gboolean
malformed (GError    **error,
           const char *why)
{
  g_set_error (error, OMBUD_CHANGESET_ERROR, OMBUD_CHANGESET_ERROR_MALFORMED,
               "malformed changeset: %s", why);
  return FALSE;
}

static gboolean
read_change (OmbudChangeset  *self,
             GVariant        *item,
             GError         **error)
{
  const char *table, *record, *field;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariantIter) bases = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (OmbudVersionId));
  OmbudVersionId id;
  OmbudHlcTime hlc;

  g_variant_get (item, "(&s&s&smvta(tt))", &table, &record, &field, &value, &hlc, &bases);
  if (!valid_name (table) || !valid_name (field) || !valid_name (record))
    return malformed (error, "bad table, record or field name");
  if (!valid_value (value))
    return malformed (error, "a value of an unknown type");
  while (g_variant_iter_next (bases, "(tt)", &id.hlc, &id.device))
    g_array_append_val (ids, id);
  ombud_changeset_add (self, table, record, field, value, hlc,
                       (OmbudVersionId *) (void *) ids->data, ids->len);
  return TRUE;
}

OmbudChangeset *
ombud_changeset_decode (GBytes  *bytes,
                        GError **error)
{
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GVariant) changes = NULL;
  g_autoptr(OmbudChangeset) self = NULL;
  const char *id, *case_id;
  GVariantIter iter;
  GVariant *item;
  guint32 schema;
  guint64 device;

  v = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (CHANGESET_TYPE), bytes, FALSE));
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      GVariant *swapped = g_variant_byteswap (v);
      g_variant_unref (v);
      v = swapped;
    }
  if (!g_variant_is_normal_form (v))
    {
      malformed (error, "not in normal form");
      return NULL;
    }

  g_variant_get (v, "(&sut&s@a(sssmvta(tt)))", &id, &schema, &device, &case_id, &changes);
  if (!g_uuid_string_is_valid (id) || (*case_id && !valid_name (case_id)))
    {
      malformed (error, "bad changeset or case id");
      return NULL;
    }

  self = ombud_changeset_new (schema, device, case_id);
  g_free (self->id);
  self->id = g_strdup (id);
  g_variant_iter_init (&iter, changes);
  while ((item = g_variant_iter_next_value (&iter)))
    {
      gboolean ok = read_change (self, item, error);
      g_variant_unref (item);
      if (!ok)
        return NULL;
    }
  return g_steal_pointer (&self);
}
