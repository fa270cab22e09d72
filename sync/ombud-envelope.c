/* ombud-envelope.c: the sealed body of every /v1/sync request and response
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   envelope = version(1)=1 ‖ kind(1) ‖ org_id(16) ‖ device_id(u64)
 *              ‖ request_id(16) ‖ time_ms(u64) ‖ nonce(24) ‖ ciphertext ‖ tag(16)
 *   AD       = "ombud-env-v1" ‖ the 50 header bytes
 *
 * The body is one whole zstd frame; it is decompressed with a bound, so a
 * small envelope cannot make the receiver allocate without limit.
 */
#include "ombud-envelope.h"

#include <sodium.h>
#include <string.h>
#include <zstd.h>

#include "ombud-bytes.h"
#include "ombud-error.h"

#define ENVELOPE_VERSION 1
#define AD_DOMAIN        "ombud-env-v1"
#define NONCE_SIZE       crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_SIZE         crypto_aead_xchacha20poly1305_ietf_ABYTES
#define ZSTD_LEVEL       3

G_STATIC_ASSERT (NONCE_SIZE == 24 && TAG_SIZE == 16);
G_STATIC_ASSERT (crypto_kx_SESSIONKEYBYTES == OMBUD_SESSION_KEY_SIZE);

G_DEFINE_QUARK (ombud-envelope-error-quark, ombud_envelope_error)

static void
write_header (const OmbudEnvelopeHeader *h,
              guint8                     out[OMBUD_ENVELOPE_HEADER_SIZE])
{
  out[0] = ENVELOPE_VERSION;
  out[1] = (guint8) h->kind;
  memcpy (out + 2, h->org_id, 16);
  ombud_put_u64 (out + 18, h->device_id);
  memcpy (out + 26, h->request_id, 16);
  ombud_put_u64 (out + 42, (guint64) h->time_ms);
}

static void
make_ad (const guint8 header[OMBUD_ENVELOPE_HEADER_SIZE],
         guint8       ad[sizeof AD_DOMAIN - 1 + OMBUD_ENVELOPE_HEADER_SIZE])
{
  memcpy (ad, AD_DOMAIN, sizeof AD_DOMAIN - 1);
  memcpy (ad + sizeof AD_DOMAIN - 1, header, OMBUD_ENVELOPE_HEADER_SIZE);
}

gboolean
ombud_envelope_parse_header (GBytes               *envelope,
                             OmbudEnvelopeHeader  *header,
                             GError              **error)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (envelope, &len);

  if (len < OMBUD_ENVELOPE_OVERHEAD)
    return ombud_fail (error, OMBUD_ENVELOPE_ERROR, OMBUD_ENVELOPE_ERROR_MALFORMED,
                       "an envelope of %zu bytes is too short", len);
  if (p[0] != ENVELOPE_VERSION)
    return ombud_fail (error, OMBUD_ENVELOPE_ERROR, OMBUD_ENVELOPE_ERROR_MALFORMED,
                       "envelope version %u is not known here", p[0]);
  if (p[1] != OMBUD_ENVELOPE_REQUEST && p[1] != OMBUD_ENVELOPE_RESPONSE)
    return ombud_fail (error, OMBUD_ENVELOPE_ERROR, OMBUD_ENVELOPE_ERROR_MALFORMED,
                       "envelope kind %u is not known", p[1]);
  header->kind = p[1];
  memcpy (header->org_id, p + 2, 16);
  header->device_id = ombud_get_u64 (p + 18);
  memcpy (header->request_id, p + 26, 16);
  header->time_ms = (gint64) ombud_get_u64 (p + 42);
  return TRUE;
}

GBytes *
ombud_envelope_seal (const OmbudEnvelopeHeader *header,
                     GBytes                    *body,
                     const guint8               key[OMBUD_SESSION_KEY_SIZE])
{
  gsize body_len, bound;
  const guint8 *body_data = g_bytes_get_data (body, &body_len);
  guint8 ad[sizeof AD_DOMAIN - 1 + OMBUD_ENVELOPE_HEADER_SIZE];
  g_autofree guint8 *packed = NULL;
  gsize packed_len;
  guint8 *out;
  gsize out_len;

  bound = ZSTD_compressBound (body_len);
  packed = g_malloc (bound);
  packed_len = ZSTD_compress (packed, bound, body_data, body_len, ZSTD_LEVEL);
  g_assert (!ZSTD_isError (packed_len));

  out_len = OMBUD_ENVELOPE_HEADER_SIZE + NONCE_SIZE + packed_len + TAG_SIZE;
  out = g_malloc (out_len);
  write_header (header, out);
  randombytes_buf (out + OMBUD_ENVELOPE_HEADER_SIZE, NONCE_SIZE);
  make_ad (out, ad);
  crypto_aead_xchacha20poly1305_ietf_encrypt (out + OMBUD_ENVELOPE_HEADER_SIZE + NONCE_SIZE, NULL,
                                              packed, packed_len, ad, sizeof ad, NULL,
                                              out + OMBUD_ENVELOPE_HEADER_SIZE, key);
  return g_bytes_new_take (out, out_len);
}

static GBytes *
decompress (const guint8  *packed,
            gsize          packed_len,
            GError       **error)
{
  unsigned long long size = ZSTD_getFrameContentSize (packed, packed_len);
  gsize frame_len = ZSTD_findFrameCompressedSize (packed, packed_len);
  guint8 *out;
  gsize got;

  /* The sender always writes the size into the frame: one that does not, or
   * that declares more than the bound, is refused before allocating. */
  if (ZSTD_isError (frame_len) || frame_len != packed_len
      || size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR)
    {
      ombud_fail (error, OMBUD_ENVELOPE_ERROR, OMBUD_ENVELOPE_ERROR_MALFORMED,
                  "the envelope's body is not one whole compressed frame");
      return NULL;
    }
  if (size > OMBUD_ENVELOPE_MAX_BODY)
    {
      ombud_fail (error, OMBUD_ENVELOPE_ERROR, OMBUD_ENVELOPE_ERROR_TOO_LARGE,
                  "the envelope's body would expand to %llu bytes", size);
      return NULL;
    }
  out = g_malloc (size > 0 ? size : 1);
  got = ZSTD_decompress (out, size, packed, packed_len);
  if (ZSTD_isError (got) || got != size)
    {
      g_free (out);
      ombud_fail (error, OMBUD_ENVELOPE_ERROR, OMBUD_ENVELOPE_ERROR_MALFORMED,
                  "the envelope's body does not decompress");
      return NULL;
    }
  return g_bytes_new_take (out, got);
}

GBytes *
ombud_envelope_open (GBytes               *envelope,
                     const guint8          key[OMBUD_SESSION_KEY_SIZE],
                     OmbudEnvelopeHeader  *header,
                     GError              **error)
{
  gsize len, sealed_len;
  const guint8 *p = g_bytes_get_data (envelope, &len);
  guint8 ad[sizeof AD_DOMAIN - 1 + OMBUD_ENVELOPE_HEADER_SIZE];
  g_autofree guint8 *packed = NULL;

  if (!ombud_envelope_parse_header (envelope, header, error))
    return NULL;
  sealed_len = len - OMBUD_ENVELOPE_HEADER_SIZE - NONCE_SIZE;
  packed = g_malloc (sealed_len - TAG_SIZE + 1);
  make_ad (p, ad);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt (packed, NULL, NULL,
                                                  p + OMBUD_ENVELOPE_HEADER_SIZE + NONCE_SIZE, sealed_len,
                                                  ad, sizeof ad, p + OMBUD_ENVELOPE_HEADER_SIZE, key) != 0)
    {
      ombud_fail (error, OMBUD_ENVELOPE_ERROR, OMBUD_ENVELOPE_ERROR_NOT_AUTHENTIC,
                  "the envelope does not open under this key and header");
      return NULL;
    }
  return decompress (packed, sealed_len - TAG_SIZE, error);
}

gboolean
ombud_envelope_office_keys (const guint8 office_box_pk[32],
                            const guint8 office_box_sk[32],
                            const guint8 device_box_pk[32],
                            guint8       rx[OMBUD_SESSION_KEY_SIZE],
                            guint8       tx[OMBUD_SESSION_KEY_SIZE])
{
  return crypto_kx_server_session_keys (rx, tx, office_box_pk, office_box_sk, device_box_pk) == 0;
}
