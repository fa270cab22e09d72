/* ombud-seal.c: sealed changesets, the unit the office stores and routes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §3.  A changeset is split by tier (ombud-fields.c), each
 * part compressed (zstd) and sealed (XChaCha20-Poly1305) under its tier's
 * key with everything the office can see bound in as associated data, and
 * the whole signed by the author device.  Opening trusts nothing: it parses
 * strictly, checks the signature before any key is used, and bounds what a
 * part may expand to before allocating it.
 */
#include "ombud-seal.h"

#include <sodium.h>
#include <string.h>
#include <zstd.h>

#include "ombud-bytes.h"
#include "ombud-error.h"
#include "ombud-fields.h"
#include "ombud-migrations.h"

#define SEAL_VERSION  1
#define ZSTD_LEVEL    3
#define AD_DOMAIN     "ombud-cs-v1"
#define SIG_DOMAIN    "ombud-sig-v1"
#define HEADER_SIZE   (16 + 16 + 16 + 8 + 4 + 8 + 8)
#define NONCE_SIZE    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_SIZE      crypto_aead_xchacha20poly1305_ietf_ABYTES
#define PART_OVERHEAD (1 + 4 + NONCE_SIZE + TAG_SIZE)
#define AD_SIZE       (sizeof AD_DOMAIN - 1 + HEADER_SIZE + 1 + 4)
#define MAX_PARTS     2

G_STATIC_ASSERT (NONCE_SIZE == 24 && TAG_SIZE == 16);
G_STATIC_ASSERT (crypto_aead_xchacha20poly1305_ietf_KEYBYTES == OMBUD_KEY_SIZE);

G_DEFINE_QUARK (ombud-seal-error-quark, ombud_seal_error)

/* The header, as in the sealed bytes and in each part's AD. */
static void
write_header (const OmbudSealHeader *h,
              guint8                 out[HEADER_SIZE])
{
  memcpy (out, h->org_id, 16);
  memcpy (out + 16, h->changeset_id, 16);
  memcpy (out + 32, h->case_id, 16);
  ombud_put_u64 (out + 48, h->author_device);
  ombud_put_u32 (out + 56, h->schema);
  ombud_put_u64 (out + 60, h->min_hlc);
  ombud_put_u64 (out + 68, h->max_hlc);
}

static void
read_header (const guint8    *in,
             OmbudSealHeader *h)
{
  memcpy (h->org_id, in, 16);
  memcpy (h->changeset_id, in + 16, 16);
  memcpy (h->case_id, in + 32, 16);
  h->author_device = ombud_get_u64 (in + 48);
  h->schema = ombud_get_u32 (in + 56);
  h->min_hlc = ombud_get_u64 (in + 60);
  h->max_hlc = ombud_get_u64 (in + 68);
}

/* AD = "ombud-cs-v1" ‖ org ‖ changeset ‖ case ‖ author ‖ schema ‖ tier ‖
 *      key_epoch ‖ min_hlc ‖ max_hlc: the header with tier and epoch
 *      inserted before the HLC range, exactly as PROTOCOL.md §3 orders it. */
static void
build_ad (const OmbudSealHeader *h,
          OmbudSealTier          tier,
          guint32                epoch,
          guint8                 ad[AD_SIZE])
{
  guint8 header[HEADER_SIZE];
  gsize n = sizeof AD_DOMAIN - 1;

  write_header (h, header);
  memcpy (ad, AD_DOMAIN, n);
  memcpy (ad + n, header, 60);
  n += 60;
  ad[n++] = (guint8) tier;
  ombud_put_u32 (ad + n, epoch);
  n += 4;
  memcpy (ad + n, header + 60, 16);
}

static gboolean
seal_fail (GError    **error,
           int         code,
           const char *step,
           const char *why)
{
  return ombud_fail (error, OMBUD_SEAL_ERROR, code, "sealed changeset, %s: %s", step, why);
}

/* Sealing */

static gboolean
seal_header_from (const OmbudChangeset *cs,
                  const guint8         *org_id,
                  OmbudIdentity        *author,
                  OmbudSealHeader      *h,
                  GError              **error)
{
  const char *step = "sealing";

  memset (h, 0, sizeof *h);
  memcpy (h->org_id, org_id, 16);
  if (cs->device != ombud_identity_get_device_id (author))
    return seal_fail (error, OMBUD_SEAL_ERROR_INVALID, step,
                      "the changeset's device is not the sealing device");
  if (*cs->id == '\0' || !ombud_uuid_parse (cs->id, h->changeset_id))
    return seal_fail (error, OMBUD_SEAL_ERROR_INVALID, step, "the changeset id is not a UUID");
  if (!ombud_uuid_parse (cs->case_id, h->case_id))
    return seal_fail (error, OMBUD_SEAL_ERROR_INVALID, step, "the case id is not a UUID");
  if (cs->changes->len == 0)
    return seal_fail (error, OMBUD_SEAL_ERROR_INVALID, step, "the changeset is empty");
  h->author_device = cs->device;
  h->schema = cs->schema;
  h->min_hlc = G_MAXUINT64;
  for (guint i = 0; i < cs->changes->len; i++)
    {
      const OmbudChange *c = g_ptr_array_index (cs->changes, i);
      gboolean known;

      if (ombud_field_tier (c->table, c->field, &known) == OMBUD_TIER_CLIENT && known && *cs->case_id == '\0')
        return seal_fail (error, OMBUD_SEAL_ERROR_INVALID, step, "a client-tier change outside a case");
      if (!known)
        return seal_fail (error, OMBUD_SEAL_ERROR_INVALID, step, "a change to a field whose tier is not known");
      h->min_hlc = MIN (h->min_hlc, c->hlc);
      h->max_hlc = MAX (h->max_hlc, c->hlc);
    }
  return TRUE;
}

/* The changes of one tier, as a changeset with the original's id, case,
 * author and schema.  It borrows the changes: free it with
 * g_ptr_array_unref (part.changes) only. */
static OmbudChangeset
split_tier (const OmbudChangeset *cs,
            OmbudTier             tier)
{
  OmbudChangeset part = *cs;

  part.changes = g_ptr_array_new ();
  for (guint i = 0; i < cs->changes->len; i++)
    {
      OmbudChange *c = g_ptr_array_index (cs->changes, i);

      if (ombud_field_tier (c->table, c->field, NULL) == tier)
        g_ptr_array_add (part.changes, c);
    }
  return part;
}

static OmbudSecret *
part_key (OmbudKeyring          *keys,
          const OmbudSealHeader *h,
          OmbudSealTier          tier,
          guint32                epoch,
          GError               **error)
{
  if (tier == OMBUD_SEAL_TIER_OFFICE)
    return ombud_keyring_lookup (keys, OMBUD_KEY_OFFICE, epoch, (const guint8[16]) { 0 }, error);
  return ombud_keyring_lookup (keys, OMBUD_KEY_CASE, epoch, h->case_id, error);
}

/* Appends len ‖ part for the changes in part. */
static gboolean
append_part (GByteArray            *out,
             const OmbudSealHeader *h,
             const OmbudChangeset  *part,
             OmbudSealTier          tier,
             guint32                epoch,
             OmbudKeyring          *keys,
             GError               **error)
{
  g_autoptr(GBytes) plain = ombud_changeset_encode (part);
  g_autoptr(OmbudSecret) key = NULL;
  g_autofree guint8 *packed = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 ad[AD_SIZE], prefix[4 + 1 + 4 + NONCE_SIZE];
  gsize plain_len, packed_len, start;
  const guint8 *plain_data = g_bytes_get_data (plain, &plain_len);

  if (plain_len > OMBUD_SEAL_MAX_PART)
    return seal_fail (error, OMBUD_SEAL_ERROR_TOO_LARGE, "sealing", "a part is larger than 16 MiB");
  key = part_key (keys, h, tier, epoch, &local_error);
  if (key == NULL)
    return seal_fail (error, OMBUD_SEAL_ERROR_MISSING_KEY, "sealing", local_error->message);

  packed = g_malloc (ZSTD_compressBound (plain_len));
  packed_len = ZSTD_compress (packed, ZSTD_compressBound (plain_len), plain_data, plain_len, ZSTD_LEVEL);
  if (ZSTD_isError (packed_len))
    return seal_fail (error, OMBUD_SEAL_ERROR_INVALID, "sealing", ZSTD_getErrorName (packed_len));

  ombud_put_u32 (prefix, (guint32) (1 + 4 + NONCE_SIZE + packed_len + TAG_SIZE));
  prefix[4] = (guint8) tier;
  ombud_put_u32 (prefix + 5, epoch);
  randombytes_buf (prefix + 9, NONCE_SIZE);
  g_byte_array_append (out, prefix, sizeof prefix);

  build_ad (h, tier, epoch, ad);
  start = out->len;
  g_byte_array_set_size (out, start + packed_len + TAG_SIZE);
  crypto_aead_xchacha20poly1305_ietf_encrypt (out->data + start, NULL, packed, packed_len,
                                              ad, sizeof ad, NULL, prefix + 9,
                                              ombud_secret_get_data (key));
  sodium_memzero (packed, packed_len);
  return TRUE;
}

static gboolean
append_parts (GByteArray            *out,
              const OmbudChangeset  *cs,
              const OmbudSealHeader *h,
              OmbudKeyring          *keys,
              GError               **error)
{
  OmbudChangeset office = split_tier (cs, OMBUD_TIER_OFFICE);
  OmbudChangeset client = split_tier (cs, OMBUD_TIER_CLIENT);
  g_autoptr(GError) local_error = NULL;
  guint32 epoch = 0;
  guint8 n_parts = (office.changes->len > 0) + (client.changes->len > 0);
  gboolean ok = TRUE;

  if (office.changes->len > 0)
    {
      epoch = ombud_keyring_get_office_epoch (keys, &local_error);
      if (local_error != NULL)
        ok = seal_fail (error, OMBUD_SEAL_ERROR_MISSING_KEY, "sealing", local_error->message);
    }
  g_byte_array_append (out, &n_parts, 1);
  if (ok && office.changes->len > 0)
    ok = append_part (out, h, &office, OMBUD_SEAL_TIER_OFFICE, epoch, keys, error);
  if (ok && client.changes->len > 0)
    {
      guint32 case_epoch = 0;

      /* None held: epoch 0, whose lookup says MISSING_KEY. */
      ombud_keyring_get_case_epoch (keys, h->case_id, &case_epoch, &local_error);
      if (local_error != NULL)
        ok = seal_fail (error, OMBUD_SEAL_ERROR_MISSING_KEY, "sealing", local_error->message);
      else
        ok = append_part (out, h, &client, OMBUD_SEAL_TIER_CLIENT, case_epoch, keys, error);
    }
  g_ptr_array_unref (office.changes);
  g_ptr_array_unref (client.changes);
  return ok;
}

GBytes *
ombud_seal_changeset (const OmbudChangeset *cs,
                      const guint8          org_id[OMBUD_ORG_ID_SIZE],
                      OmbudIdentity        *author,
                      OmbudKeyring         *keys,
                      GError              **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  OmbudSealHeader h;
  guint8 header[HEADER_SIZE], version = SEAL_VERSION, sig[crypto_sign_BYTES];
  const gsize domain = sizeof SIG_DOMAIN - 1;

  if (!seal_header_from (cs, org_id, author, &h, error))
    return NULL;
  /* The signature covers "ombud-sig-v1" ‖ everything before it: build in
   * one buffer behind the domain, sign, then drop the domain. */
  g_byte_array_append (out, (const guint8 *) SIG_DOMAIN, domain);
  g_byte_array_append (out, &version, 1);
  write_header (&h, header);
  g_byte_array_append (out, header, sizeof header);
  if (!append_parts (out, cs, &h, keys, error))
    return NULL;
  ombud_identity_sign (author, out->data, out->len, sig);
  g_byte_array_append (out, sig, sizeof sig);
  g_byte_array_remove_range (out, 0, domain);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Step 1: parsing */

static gboolean
malformed (GError    **error,
           const char *why)
{
  return seal_fail (error, OMBUD_SEAL_ERROR_MALFORMED, "step 1 (parse)", why);
}

static gboolean
parse_part (const guint8    *data,
            gsize            offset,
            gsize            length,
            OmbudSealHeader *h,
            OmbudSealPart   *part,
            GError         **error)
{
  part->offset = offset;
  part->length = length;
  part->tier = data[offset];
  part->key_epoch = ombud_get_u32 (data + offset + 1);
  if (part->tier == OMBUD_SEAL_TIER_OFFICE && part->key_epoch == 0)
    return malformed (error, "an office part without a key epoch");
  if (part->tier == OMBUD_SEAL_TIER_CLIENT && sodium_is_zero (h->case_id, 16))
    return malformed (error, "a client part outside a case");
  if (part->tier != OMBUD_SEAL_TIER_OFFICE && part->tier != OMBUD_SEAL_TIER_CLIENT)
    return malformed (error, "a part of an unknown tier");
  return TRUE;
}

static gboolean
parse_header (const guint8    *data,
              gsize            len,
              OmbudSealHeader *h,
              GError         **error)
{
  if (len < 1 + HEADER_SIZE + 1 + crypto_sign_BYTES)
    return malformed (error, "too short");
  if (data[0] != SEAL_VERSION)
    return malformed (error, "an unknown version");
  read_header (data + 1, h);
  if (sodium_is_zero (h->changeset_id, 16))
    return malformed (error, "no changeset id");
  if (h->author_device == 0 || h->author_device > G_MAXINT64)
    return malformed (error, "not a device id");
  if (h->min_hlc > h->max_hlc)
    return malformed (error, "an HLC range that ends before it starts");
  h->n_parts = data[1 + HEADER_SIZE];
  if (h->n_parts < 1 || h->n_parts > MAX_PARTS)
    return malformed (error, "not one or two parts");
  return TRUE;
}

gboolean
ombud_seal_header_has_tier (const OmbudSealHeader *header,
                            OmbudSealTier          tier)
{
  for (guint i = 0; i < header->n_parts; i++)
    if (header->parts[i].tier == tier)
      return TRUE;
  return FALSE;
}

gboolean
ombud_seal_parse (GBytes          *sealed,
                  OmbudSealHeader *h,
                  GError         **error)
{
  gsize len, at = 1 + HEADER_SIZE + 1;
  const guint8 *data = g_bytes_get_data (sealed, &len);

  memset (h, 0, sizeof *h);
  if (!parse_header (data, len, h, error))
    return FALSE;
  for (guint i = 0; i < h->n_parts; i++)
    {
      gsize part_len;

      if (len - crypto_sign_BYTES - at < 4)
        return malformed (error, "a part length runs into the signature");
      part_len = ombud_get_u32 (data + at);
      at += 4;
      if (part_len < PART_OVERHEAD || part_len > len - crypto_sign_BYTES - at)
        return malformed (error, "a part length that does not fit");
      if (!parse_part (data, at, part_len, h, &h->parts[i], error))
        return FALSE;
      at += part_len;
    }
  if (h->n_parts == 2 && h->parts[0].tier == h->parts[1].tier)
    return malformed (error, "two parts of the same tier");
  if (at + crypto_sign_BYTES != len)
    return malformed (error, "bytes between the parts and the signature");
  return TRUE;
}

/* Step 2: the signature, the author, the organisation */

static gboolean
check_signature (GBytes                *sealed,
                 const OmbudSealHeader *h,
                 const guint8          *org_id,
                 const guint8          *author_sign_pk,
                 GError               **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (sealed, &len);
  const gsize domain = sizeof SIG_DOMAIN - 1, body = len - crypto_sign_BYTES;
  g_autofree guint8 *message = g_malloc (domain + body);
  const char *step = "step 2 (signature)";

  memcpy (message, SIG_DOMAIN, domain);
  memcpy (message + domain, data, body);
  if (crypto_sign_verify_detached (data + body, message, domain + body, author_sign_pk) != 0)
    return seal_fail (error, OMBUD_SEAL_ERROR_BAD_SIGNATURE, step,
                      "the signature does not verify under the author's key");
  if (ombud_device_id_from_sign_pk (author_sign_pk) != h->author_device)
    return seal_fail (error, OMBUD_SEAL_ERROR_WRONG_AUTHOR, step,
                      "the header names another author than the signing device");
  if (sodium_memcmp (h->org_id, org_id, OMBUD_ORG_ID_SIZE) != 0)
    return seal_fail (error, OMBUD_SEAL_ERROR_WRONG_ORG, step, "for another organisation");
  return TRUE;
}

/* Step 3: opening a part.  A part whose key this device lacks is skipped. */
typedef enum {
  PART_OPENED,
  PART_NO_KEY,
  PART_FAILED,
} PartResult;

static PartResult
open_part (GBytes                *sealed,
           const OmbudSealHeader *h,
           const OmbudSealPart   *part,
           OmbudKeyring          *keys,
           GByteArray           **out,
           GError               **error)
{
  const guint8 *p = (const guint8 *) g_bytes_get_data (sealed, NULL) + part->offset;
  gsize clen = part->length - 1 - 4 - NONCE_SIZE;
  g_autoptr(OmbudSecret) key = NULL;
  g_autoptr(GByteArray) plain = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 ad[AD_SIZE];

  key = part_key (keys, h, part->tier, part->key_epoch, &local_error);
  if (key == NULL && g_error_matches (local_error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_MISSING_KEY))
    return PART_NO_KEY;
  if (key == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return PART_FAILED;
    }
  build_ad (h, part->tier, part->key_epoch, ad);
  plain = g_byte_array_sized_new (clen - TAG_SIZE + 1);
  g_byte_array_set_size (plain, clen - TAG_SIZE);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt (plain->data, NULL, NULL, p + 1 + 4 + NONCE_SIZE, clen,
                                                  ad, sizeof ad, p + 5, ombud_secret_get_data (key)) != 0)
    {
      seal_fail (error, OMBUD_SEAL_ERROR_NOT_AUTHENTIC, "step 3 (open)",
                 part->tier == OMBUD_SEAL_TIER_OFFICE
                 ? "the office part does not open: tampered with, or another header"
                 : "the client part does not open: tampered with, or another header");
      return PART_FAILED;
    }
  *out = g_steal_pointer (&plain);
  return PART_OPENED;
}

/* Step 4: decompression, bounded.  A declared size is checked before any
 * allocation; a frame that does not declare its size is streamed and cut
 * off at the bound.  Exactly one frame, and nothing after it. */
static gboolean
too_large (GError **error)
{
  return seal_fail (error, OMBUD_SEAL_ERROR_TOO_LARGE, "step 4 (decompress)",
                    "a part expands beyond 16 MiB");
}

static GBytes *
decompress (const guint8  *in,
            gsize          in_len,
            GError       **error)
{
  unsigned long long declared = ZSTD_getFrameContentSize (in, in_len);
  g_autoptr(GByteArray) out = NULL;
  ZSTD_DCtx *dctx;
  ZSTD_inBuffer src = { in, in_len, 0 };
  gsize ret = 1;

  if (declared == ZSTD_CONTENTSIZE_ERROR)
    {
      seal_fail (error, OMBUD_SEAL_ERROR_INCONSISTENT, "step 4 (decompress)", "not a zstd frame");
      return NULL;
    }
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared > OMBUD_SEAL_MAX_PART)
    {
      too_large (error);
      return NULL;
    }
  out = g_byte_array_sized_new (declared != ZSTD_CONTENTSIZE_UNKNOWN ? (guint) declared : 4096);
  dctx = ZSTD_createDCtx ();
  /* A window no larger than the bound: a frame cannot make us hold more. */
  ZSTD_DCtx_setParameter (dctx, ZSTD_d_windowLogMax, 24);
  for (;;)
    {
      gsize had = out->len, room = MIN ((gsize) 1 << 16, OMBUD_SEAL_MAX_PART + 1 - had);
      gsize consumed = src.pos;
      ZSTD_outBuffer dst;

      g_byte_array_set_size (out, had + room);
      dst = (ZSTD_outBuffer) { out->data + had, room, 0 };
      ret = ZSTD_decompressStream (dctx, &dst, &src);
      g_byte_array_set_size (out, had + dst.pos);
      /* No progress at all: the frame is cut short. */
      if (ZSTD_isError (ret) || ret == 0 || out->len > OMBUD_SEAL_MAX_PART
          || (dst.pos == 0 && src.pos == consumed))
        break;
    }
  ZSTD_freeDCtx (dctx);

  if (out->len > OMBUD_SEAL_MAX_PART)
    too_large (error);
  else if (ZSTD_isError (ret) || ret != 0 || src.pos != src.size)
    seal_fail (error, OMBUD_SEAL_ERROR_INCONSISTENT, "step 4 (decompress)",
               ZSTD_isError (ret) ? ZSTD_getErrorName (ret) : "not exactly one whole zstd frame");
  else
    return g_byte_array_free_to_bytes (g_steal_pointer (&out));
  return NULL;
}

/* Step 4: the part's contents against the header and its tier. */
static gboolean
inconsistent (GError    **error,
              const char *why)
{
  return seal_fail (error, OMBUD_SEAL_ERROR_INCONSISTENT, "step 4 (decode)", why);
}

static gboolean
check_part (const OmbudChangeset  *cs,
            const OmbudSealHeader *h,
            OmbudSealTier          tier,
            GError               **error)
{
  guint8 raw[16];

  if (!ombud_uuid_parse (cs->id, raw) || memcmp (raw, h->changeset_id, 16) != 0)
    return inconsistent (error, "the changeset id is not the header's");
  if (!ombud_uuid_parse (cs->case_id, raw) || memcmp (raw, h->case_id, 16) != 0)
    return inconsistent (error, "the case is not the header's");
  if (cs->device != h->author_device || cs->schema != h->schema)
    return inconsistent (error, "the author or schema is not the header's");
  if (cs->changes->len == 0)
    return inconsistent (error, "an empty part");
  for (guint i = 0; i < cs->changes->len; i++)
    {
      const OmbudChange *c = g_ptr_array_index (cs->changes, i);
      gboolean known;
      OmbudTier t = ombud_field_tier (c->table, c->field, &known);

      if (c->hlc < h->min_hlc || c->hlc > h->max_hlc)
        return inconsistent (error, "a change stamped outside the header's HLC range");
      /* A field of a newer schema cannot be placed here; the caller
       * quarantines such a changeset anyway. */
      if (!known)
        {
          if (cs->schema <= (guint) ombud_migrations_latest ())
            return inconsistent (error, "a change to a field that does not exist");
          continue;
        }
      if ((t == OMBUD_TIER_OFFICE) != (tier == OMBUD_SEAL_TIER_OFFICE))
        return inconsistent (error, "a change in a part of the other tier");
    }
  return TRUE;
}

static OmbudChangeset *
open_one (GBytes                *sealed,
          const OmbudSealHeader *h,
          const OmbudSealPart   *part,
          OmbudKeyring          *keys,
          gboolean              *skipped,
          GError               **error)
{
  g_autoptr(GByteArray) packed = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(OmbudChangeset) cs = NULL;
  g_autoptr(GError) local_error = NULL;

  PartResult result = open_part (sealed, h, part, keys, &packed, error);

  *skipped = result == PART_NO_KEY;
  if (result != PART_OPENED)
    return NULL;
  plain = decompress (packed->data, packed->len, error);
  if (plain == NULL)
    return NULL;
  cs = ombud_changeset_decode (plain, &local_error);
  if (cs == NULL)
    {
      inconsistent (error, local_error->message);
      return NULL;
    }
  if (!check_part (cs, h, part->tier, error))
    return NULL;
  return g_steal_pointer (&cs);
}

/* The two parts back into one changeset.  The author stamps its changes in
 * increasing HLC order, so merging by HLC (office first on a tie) restores
 * the order it wrote them in; the order within each part is kept. */
static void
take_changes (OmbudChangeset *into,
              OmbudChangeset *office,
              OmbudChangeset *client)
{
  gsize n_office = 0, n_client = 0, i = 0, j = 0;
  gpointer *a = office ? g_ptr_array_steal (office->changes, &n_office) : NULL;
  gpointer *b = client ? g_ptr_array_steal (client->changes, &n_client) : NULL;

  while (i < n_office || j < n_client)
    {
      gboolean from_office = j == n_client
                             || (i < n_office && ((OmbudChange *) a[i])->hlc <= ((OmbudChange *) b[j])->hlc);

      g_ptr_array_add (into->changes, from_office ? a[i++] : b[j++]);
    }
  g_free (a);
  g_free (b);
}

gboolean
ombud_seal_verify (GBytes          *sealed,
                   const guint8     org_id[OMBUD_ORG_ID_SIZE],
                   const guint8     author_sign_pk[OMBUD_SIGN_PUBLIC_SIZE],
                   OmbudSealHeader *header,
                   GError         **error)
{
  return ombud_seal_parse (sealed, header, error)
         && check_signature (sealed, header, org_id, author_sign_pk, error);
}

OmbudChangeset *
ombud_seal_open (GBytes           *sealed,
                 const guint8      org_id[OMBUD_ORG_ID_SIZE],
                 const guint8      author_sign_pk[OMBUD_SIGN_PUBLIC_SIZE],
                 OmbudKeyring     *keys,
                 OmbudSealMissing *missing,
                 GError          **error)
{
  g_autoptr(OmbudChangeset) office = NULL;
  g_autoptr(OmbudChangeset) client = NULL;
  g_autoptr(OmbudChangeset) whole = NULL;
  OmbudChangeset **parts[2] = { &office, &client };
  OmbudChangeset *first = NULL;
  OmbudSealMissing lacked = OMBUD_SEAL_MISSING_NONE;
  OmbudSealHeader h;

  if (missing != NULL)
    *missing = OMBUD_SEAL_MISSING_NONE;
  if (!ombud_seal_parse (sealed, &h, error)
      || !check_signature (sealed, &h, org_id, author_sign_pk, error))
    return NULL;

  for (guint i = 0; i < h.n_parts; i++)
    {
      gboolean skipped;
      guint slot = h.parts[i].tier == OMBUD_SEAL_TIER_OFFICE ? 0 : 1;

      *parts[slot] = open_one (sealed, &h, &h.parts[i], keys, &skipped, error);
      if (skipped)
        lacked |= slot == 0 ? OMBUD_SEAL_MISSING_OFFICE : OMBUD_SEAL_MISSING_CLIENT;
      else if (*parts[slot] == NULL)
        return NULL;
      else
        first = *parts[slot];
    }
  if (missing != NULL)
    *missing = lacked;
  if (first == NULL)
    {
      seal_fail (error, OMBUD_SEAL_ERROR_MISSING_KEY, "step 3 (open)",
                 "this device holds the key of no part: keep it until the keys arrive");
      return NULL;
    }

  whole = ombud_changeset_new (first->schema, first->device, first->case_id);
  g_free (whole->id);
  whole->id = g_strdup (first->id);
  take_changes (whole, office, client);
  return g_steal_pointer (&whole);
}
