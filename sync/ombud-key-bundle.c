/* ombud-key-bundle.c: the ombud's key bundle at the office (PROTOCOL.md §10.1)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-key-bundle.h"

#include <sodium.h>
#include <string.h>

#include "ombud-bytes.h"
#include "ombud-error.h"

#define VERSION        1
#define ANCHOR_DOMAIN  "ombud-bundle-anchor-v1"
#define ENTRY_DOMAIN   "ombud-bundle-entry-v1"
#define SEED_DOMAIN    "ombud-bundle-v1"

/* Anchor offsets */
#define A_OMBUD   1
#define A_OPS     17
#define A_MEM     25
#define A_SALT    33
#define A_PK      OMBUD_BUNDLE_ANCHOR_PK
#define A_SIGNER  81
#define A_SIG     89

/* Entry offsets */
#define E_OMBUD   1
#define E_PK      17
#define E_CASE    49
#define E_AUTHOR  65
#define E_SEALED  73
#define E_SIG     153

G_STATIC_ASSERT (A_SIG + crypto_sign_BYTES == OMBUD_BUNDLE_ANCHOR_SIZE);
G_STATIC_ASSERT (E_SIG + crypto_sign_BYTES == OMBUD_BUNDLE_ENTRY_SIZE);
G_STATIC_ASSERT (E_SIG - E_SEALED == 32 + crypto_box_SEALBYTES);

G_DEFINE_QUARK (ombud-bundle-error-quark, ombud_bundle_error)

static void
sign_with_domain (OmbudIdentity *me,
                  const char    *domain,
                  guint8        *bytes,
                  gsize          signed_len)
{
  gsize dlen = strlen (domain);
  g_autofree guint8 *message = g_malloc (dlen + signed_len);

  memcpy (message, domain, dlen);
  memcpy (message + dlen, bytes, signed_len);
  ombud_identity_sign (me, message, dlen + signed_len, bytes + signed_len);
}

static gboolean
verify_with_domain (const char    *domain,
                    const guint8  *bytes,
                    gsize          signed_len,
                    const guint8   sign_pk[32])
{
  gsize dlen = strlen (domain);
  g_autofree guint8 *message = g_malloc (dlen + signed_len);

  memcpy (message, domain, dlen);
  memcpy (message + dlen, bytes, signed_len);
  return crypto_sign_verify_detached (bytes + signed_len, message, dlen + signed_len, sign_pk) == 0;
}

gboolean
ombud_bundle_anchor_parse (GBytes             *bytes,
                           OmbudBundleAnchor  *out,
                           GError            **error)
{
  gsize len;
  const guint8 *b = g_bytes_get_data (bytes, &len);

  if (len != OMBUD_BUNDLE_ANCHOR_SIZE || b[0] != VERSION)
    return ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_MALFORMED,
                       "a key bundle anchor of the wrong size or version");
  memcpy (out->ombud_id, b + A_OMBUD, 16);
  out->opslimit = ombud_get_u64 (b + A_OPS);
  out->memlimit = ombud_get_u64 (b + A_MEM);
  memcpy (out->salt, b + A_SALT, OMBUD_BUNDLE_SALT_SIZE);
  memcpy (out->bundle_pk, b + A_PK, 32);
  out->signer = ombud_get_u64 (b + A_SIGNER);
  if (sodium_is_zero (out->ombud_id, 16) || out->signer == 0 || out->signer > G_MAXINT64)
    return ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_MALFORMED,
                       "a key bundle anchor without an ombud or a signer");
  if (out->opslimit < OMBUD_BUNDLE_MIN_OPSLIMIT || out->memlimit < OMBUD_BUNDLE_MIN_MEMLIMIT)
    return ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_WEAK_COSTS,
                       "the key bundle's Argon2id costs (%" G_GUINT64_FORMAT " passes, %" G_GUINT64_FORMAT
                       " MiB) are below this client's floor", out->opslimit, out->memlimit >> 20);
  if (out->opslimit > OMBUD_BUNDLE_MAX_OPSLIMIT || out->memlimit > OMBUD_BUNDLE_MAX_MEMLIMIT)
    return ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_MALFORMED,
                       "the key bundle's Argon2id costs are beyond what this client derives");
  return TRUE;
}

gboolean
ombud_bundle_anchor_verify (GBytes             *bytes,
                            const guint8        sign_pk[32],
                            OmbudBundleAnchor  *out,
                            GError            **error)
{
  if (!ombud_bundle_anchor_parse (bytes, out, error))
    return FALSE;
  if (ombud_device_id_from_sign_pk (sign_pk) != out->signer
      || !verify_with_domain (ANCHOR_DOMAIN, g_bytes_get_data (bytes, NULL), A_SIG, sign_pk))
    return ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_BAD_SIGNATURE,
                       "the key bundle anchor is not signed by the device it names");
  return TRUE;
}

GBytes *
ombud_bundle_anchor_make (OmbudBundleAnchor *anchor,
                          OmbudIdentity     *me)
{
  guint8 *b = g_malloc0 (OMBUD_BUNDLE_ANCHOR_SIZE);

  anchor->signer = ombud_identity_get_device_id (me);
  b[0] = VERSION;
  memcpy (b + A_OMBUD, anchor->ombud_id, 16);
  ombud_put_u64 (b + A_OPS, anchor->opslimit);
  ombud_put_u64 (b + A_MEM, anchor->memlimit);
  memcpy (b + A_SALT, anchor->salt, OMBUD_BUNDLE_SALT_SIZE);
  memcpy (b + A_PK, anchor->bundle_pk, 32);
  ombud_put_u64 (b + A_SIGNER, anchor->signer);
  sign_with_domain (me, ANCHOR_DOMAIN, b, A_SIG);
  return g_bytes_new_take (b, OMBUD_BUNDLE_ANCHOR_SIZE);
}

gboolean
ombud_bundle_entry_parse (GBytes            *bytes,
                          OmbudBundleEntry  *out,
                          GError           **error)
{
  gsize len;
  const guint8 *b = g_bytes_get_data (bytes, &len);

  if (len != OMBUD_BUNDLE_ENTRY_SIZE || b[0] != VERSION)
    return ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_MALFORMED,
                       "a key bundle entry of the wrong size or version");
  memcpy (out->ombud_id, b + E_OMBUD, 16);
  memcpy (out->bundle_pk, b + E_PK, 32);
  memcpy (out->case_id, b + E_CASE, 16);
  out->author = ombud_get_u64 (b + E_AUTHOR);
  memcpy (out->sealed, b + E_SEALED, sizeof out->sealed);
  if (sodium_is_zero (out->ombud_id, 16) || sodium_is_zero (out->case_id, 16)
      || out->author == 0 || out->author > G_MAXINT64)
    return ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_MALFORMED,
                       "a key bundle entry without an ombud, a case or an author");
  return TRUE;
}

gboolean
ombud_bundle_entry_verify (GBytes            *bytes,
                           const guint8       sign_pk[32],
                           OmbudBundleEntry  *out,
                           GError           **error)
{
  if (!ombud_bundle_entry_parse (bytes, out, error))
    return FALSE;
  if (ombud_device_id_from_sign_pk (sign_pk) != out->author
      || !verify_with_domain (ENTRY_DOMAIN, g_bytes_get_data (bytes, NULL), E_SIG, sign_pk))
    return ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_BAD_SIGNATURE,
                       "a key bundle entry is not signed by the device it names");
  return TRUE;
}

GBytes *
ombud_bundle_entry_make (const OmbudBundleAnchor *anchor,
                         const guint8             case_id[16],
                         const guint8             case_key[32],
                         OmbudIdentity           *me)
{
  guint8 *b = g_malloc0 (OMBUD_BUNDLE_ENTRY_SIZE);

  b[0] = VERSION;
  memcpy (b + E_OMBUD, anchor->ombud_id, 16);
  memcpy (b + E_PK, anchor->bundle_pk, 32);
  memcpy (b + E_CASE, case_id, 16);
  ombud_put_u64 (b + E_AUTHOR, ombud_identity_get_device_id (me));
  crypto_box_seal (b + E_SEALED, case_key, 32, anchor->bundle_pk);
  sign_with_domain (me, ENTRY_DOMAIN, b, E_SIG);
  return g_bytes_new_take (b, OMBUD_BUNDLE_ENTRY_SIZE);
}

OmbudSecret *
ombud_bundle_derive (const char              *passphrase,
                     gsize                    passphrase_len,
                     const OmbudBundleAnchor *costs,
                     guint8                   pk[32],
                     GError                 **error)
{
  g_autoptr(OmbudSecret) stretched = ombud_secret_new (32);
  g_autoptr(OmbudSecret) seed = ombud_secret_new (crypto_box_SEEDBYTES);
  OmbudSecret *sk = ombud_secret_new (crypto_box_SECRETKEYBYTES);
  crypto_generichash_state state;
  guint8 costs_le[16];

  if (crypto_pwhash (ombud_secret_get_data (stretched), 32, passphrase, passphrase_len, costs->salt,
                     costs->opslimit, (size_t) costs->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
    {
      ombud_secret_free (sk);
      ombud_fail (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_FAILED,
                  "not enough memory to derive the key bundle's key (%" G_GUINT64_FORMAT " MiB)",
                  costs->memlimit >> 20);
      return NULL;
    }
  /* The ombud and the costs are bound into the seed as well as the salt:
   * the same passphrase gives another key for another ombud. */
  ombud_put_u64 (costs_le, costs->opslimit);
  ombud_put_u64 (costs_le + 8, costs->memlimit);
  crypto_generichash_init (&state, ombud_secret_get_data (stretched), 32, crypto_box_SEEDBYTES);
  crypto_generichash_update (&state, (const guint8 *) SEED_DOMAIN, strlen (SEED_DOMAIN));
  crypto_generichash_update (&state, costs->ombud_id, 16);
  crypto_generichash_update (&state, costs_le, sizeof costs_le);
  crypto_generichash_final (&state, ombud_secret_get_data (seed), crypto_box_SEEDBYTES);
  crypto_box_seed_keypair (pk, ombud_secret_get_data (sk), ombud_secret_get_data (seed));
  return sk;
}

gboolean
ombud_bundle_entry_open (const OmbudBundleEntry *entry,
                         const guint8            pk[32],
                         OmbudSecret            *sk,
                         OmbudSecret            *key)
{
  return sodium_memcmp (entry->bundle_pk, pk, 32) == 0
         && crypto_box_seal_open (ombud_secret_get_data (key), entry->sealed, sizeof entry->sealed,
                                  pk, ombud_secret_get_data (sk)) == 0;
}
