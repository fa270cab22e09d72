/* ombud-escrow.c: the office key held for the organisation's
 * recovery key (PROTOCOL.md §10.3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-escrow.h"

#include <sodium.h>
#include <string.h>

#include "ombud-bytes.h"
#include "ombud-error.h"

#define ALPHABET       "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
#define ANCHOR_DOMAIN  "ombud-escrow-anchor-v1"
#define ANCHOR2_DOMAIN "ombud-escrow-anchor-v2"
#define ENDORSE_DOMAIN "ombud-recovery-endorse-v1"
#define CHAIN_DOMAIN   "ombud-escrow-chain-v1"
#define CLAIM_DOMAIN   "ombud-recover-office-v1"

G_DEFINE_QUARK (ombud-escrow-error-quark, ombud_escrow_error)

OmbudSecret *
ombud_recovery_key_parse (const char  *text,
                          GError     **error)
{
  g_autoptr(OmbudSecret) r = ombud_secret_new (OMBUD_RECOVERY_KEY_BYTES);
  guint8 *out = ombud_secret_get_data (r);
  guint bits = 0;

  memset (out, 0, OMBUD_RECOVERY_KEY_BYTES);
  for (const char *p = text; *p; p++)
    {
      const char *at;
      guint value;

      if (*p == '-' || *p == ' ')
        continue;
      at = strchr (ALPHABET, g_ascii_toupper (*p));
      if (at == NULL || *p == '\0' || bits >= OMBUD_RECOVERY_KEY_BYTES * 8)
        return ombud_fail (error, OMBUD_ESCROW_ERROR, OMBUD_ESCROW_ERROR_MALFORMED,
                           "not a recovery key: 32 characters of 2–9 and A–Z without I and O"), NULL;
      value = (guint) (at - ALPHABET);
      for (int b = 4; b >= 0; b--, bits++)
        if (value >> b & 1)
          out[bits / 8] |= (guint8) (0x80 >> bits % 8);
    }
  if (bits != OMBUD_RECOVERY_KEY_BYTES * 8)
    return ombud_fail (error, OMBUD_ESCROW_ERROR, OMBUD_ESCROW_ERROR_MALFORMED,
                       "not a recovery key: 32 characters of 2–9 and A–Z without I and O"), NULL;
  return g_steal_pointer (&r);
}

static void
derive (const guint8 *r,
        const char   *domain,
        guint8       *out,
        gsize         len)
{
  crypto_generichash (out, len, r, OMBUD_RECOVERY_KEY_BYTES, (const guint8 *) domain, strlen (domain));
}

OmbudRecoveryKeys *
ombud_recovery_keys_derive (OmbudSecret *r)
{
  OmbudRecoveryKeys *keys = g_new0 (OmbudRecoveryKeys, 1);
  g_autoptr(OmbudSecret) seed = ombud_secret_new (32);
  const guint8 *raw = ombud_secret_get_data (r);

  keys->wrap = ombud_secret_new (32);
  keys->box_sk = ombud_secret_new (32);
  keys->sign_sk = ombud_secret_new (64);
  /* §6.7: BLAKE2b-256 (message r, key "ombud-recovery-v1"). */
  derive (raw, "ombud-recovery-v1", ombud_secret_get_data (keys->wrap), 32);
  derive (raw, "ombud-recovery-box-v1", ombud_secret_get_data (seed), 32);
  crypto_box_seed_keypair (keys->box_pk, ombud_secret_get_data (keys->box_sk), ombud_secret_get_data (seed));
  derive (raw, "ombud-recovery-sign-v1", ombud_secret_get_data (seed), 32);
  crypto_sign_seed_keypair (keys->sign_pk, ombud_secret_get_data (keys->sign_sk), ombud_secret_get_data (seed));
  return keys;
}

void
ombud_recovery_keys_free (OmbudRecoveryKeys *keys)
{
  if (keys == NULL)
    return;
  ombud_secret_free (keys->wrap);
  ombud_secret_free (keys->box_sk);
  ombud_secret_free (keys->sign_sk);
  g_free (keys);
}

static void
sign (OmbudRecoveryKeys *keys,
      const char        *domain,
      guint8            *bytes,
      gsize              len)
{
  gsize dlen = strlen (domain);
  g_autofree guint8 *message = g_malloc (dlen + len);

  memcpy (message, domain, dlen);
  memcpy (message + dlen, bytes, len);
  crypto_sign_detached (bytes + len, NULL, message, dlen + len, ombud_secret_get_data (keys->sign_sk));
}

static gboolean
verify (const char   *domain,
        const guint8 *bytes,
        gsize         len,
        const guint8  sign_pk[32])
{
  gsize dlen = strlen (domain);
  g_autofree guint8 *message = g_malloc (dlen + len);

  memcpy (message, domain, dlen);
  memcpy (message + dlen, bytes, len);
  return crypto_sign_verify_detached (bytes + len, message, dlen + len, sign_pk) == 0;
}

/* What the founder signs: org_id ‖ the recovery signing key. */
static void
endorsed_message (const guint8 org_id[16],
                  const guint8 recovery_sign_pk[32],
                  guint8       out[sizeof ENDORSE_DOMAIN - 1 + 48])
{
  memcpy (out, ENDORSE_DOMAIN, sizeof ENDORSE_DOMAIN - 1);
  memcpy (out + sizeof ENDORSE_DOMAIN - 1, org_id, 16);
  memcpy (out + sizeof ENDORSE_DOMAIN - 1 + 16, recovery_sign_pk, 32);
}

gboolean
ombud_recovery_endorsement_verify (const guint8 endorsement[64],
                                   const guint8 org_id[16],
                                   const guint8 recovery_sign_pk[32],
                                   const guint8 founder_sign_pk[32])
{
  guint8 msg[sizeof ENDORSE_DOMAIN - 1 + 48];

  endorsed_message (org_id, recovery_sign_pk, msg);
  return crypto_sign_verify_detached (endorsement, msg, sizeof msg, founder_sign_pk) == 0;
}

GBytes *
ombud_escrow_anchor_make (const guint8       org_id[16],
                          OmbudRecoveryKeys *keys,
                          OmbudIdentity     *founder)
{
  guint8 *b = g_malloc (OMBUD_ESCROW_ANCHOR_V2_SIZE);
  guint8 msg[sizeof ENDORSE_DOMAIN - 1 + 48];

  b[0] = 2;
  memcpy (b + 1, org_id, 16);
  memcpy (b + 17, keys->box_pk, 32);
  memcpy (b + 49, keys->sign_pk, 32);
  memcpy (b + 81, ombud_identity_get_sign_pk (founder), 32);
  memcpy (b + 113, ombud_identity_get_box_pk (founder), 32);
  endorsed_message (org_id, keys->sign_pk, msg);
  ombud_identity_sign (founder, msg, sizeof msg, b + 145);
  sign (keys, ANCHOR2_DOMAIN, b, 209);
  return g_bytes_new_take (b, OMBUD_ESCROW_ANCHOR_V2_SIZE);
}

gboolean
ombud_escrow_anchor_parse (GBytes             *anchor,
                           const guint8        org_id[16],
                           OmbudEscrowAnchor  *out,
                           GError            **error)
{
  gsize len;
  const guint8 *b = g_bytes_get_data (anchor, &len);
  gboolean ok;

  memset (out, 0, sizeof *out);
  if (len == OMBUD_ESCROW_ANCHOR_SIZE && b[0] == 1)
    ok = memcmp (b + 1, org_id, 16) == 0 && verify (ANCHOR_DOMAIN, b, 81, b + 49);
  else if (len == OMBUD_ESCROW_ANCHOR_V2_SIZE && b[0] == 2)
    ok = memcmp (b + 1, org_id, 16) == 0 && verify (ANCHOR2_DOMAIN, b, 209, b + 49)
         && ombud_recovery_endorsement_verify (b + 145, org_id, b + 49, b + 81);
  else
    ok = FALSE;
  if (!ok)
    return ombud_fail (error, OMBUD_ESCROW_ERROR, OMBUD_ESCROW_ERROR_MALFORMED,
                       "not this organisation's escrow anchor");
  memcpy (out->box_pk, b + 17, 32);
  memcpy (out->sign_pk, b + 49, 32);
  if (b[0] == 2)
    {
      out->has_founder = TRUE;
      memcpy (out->founder_sign_pk, b + 81, 32);
      memcpy (out->founder_box_pk, b + 113, 32);
      memcpy (out->endorsement, b + 145, 64);
    }
  return TRUE;
}

static void
chain_tag (const guint8  org_id[16],
           const guint8 *epoch_and_sealed,
           const guint8  previous[32],
           guint8        tag[32])
{
  crypto_generichash_state state;

  crypto_generichash_init (&state, previous, 32, 32);
  crypto_generichash_update (&state, (const guint8 *) CHAIN_DOMAIN, strlen (CHAIN_DOMAIN));
  crypto_generichash_update (&state, org_id, 16);
  crypto_generichash_update (&state, epoch_and_sealed, 4 + 80);
  crypto_generichash_final (&state, tag, 32);
}

GBytes *
ombud_escrow_epoch_make (const guint8 org_id[16],
                         guint32      epoch,
                         const guint8 key[32],
                         const guint8 previous[32],
                         const guint8 box_pk[32])
{
  guint8 *b = g_malloc (OMBUD_ESCROW_EPOCH_SIZE);

  ombud_put_u32 (b, epoch);
  crypto_box_seal (b + 4, key, 32, box_pk);
  chain_tag (org_id, b, previous, b + 84);
  return g_bytes_new_take (b, OMBUD_ESCROW_EPOCH_SIZE);
}

guint32
ombud_escrow_epoch_number (GBytes *escrow)
{
  gsize len;
  const guint8 *b = g_bytes_get_data (escrow, &len);

  return len == OMBUD_ESCROW_EPOCH_SIZE ? ombud_get_u32 (b) : 0;
}

gboolean
ombud_escrow_epoch_open (GBytes            *escrow,
                         const guint8       org_id[16],
                         const guint8       previous[32],
                         OmbudRecoveryKeys *keys,
                         OmbudSecret       *key_out)
{
  gsize len;
  const guint8 *b = g_bytes_get_data (escrow, &len);
  guint8 tag[32];

  if (len != OMBUD_ESCROW_EPOCH_SIZE)
    return FALSE;
  chain_tag (org_id, b, previous, tag);
  return sodium_memcmp (tag, b + 84, 32) == 0
         && crypto_box_seal_open (ombud_secret_get_data (key_out), b + 4, 80, keys->box_pk,
                                  ombud_secret_get_data (keys->box_sk)) == 0;
}

gboolean
ombud_escrow_v1_open (GBytes            *escrow,
                      OmbudRecoveryKeys *keys,
                      OmbudSecret       *key_out)
{
  gsize len;
  const guint8 *b = g_bytes_get_data (escrow, &len);

  return len == OMBUD_ESCROW_V1_SIZE
         && crypto_aead_xchacha20poly1305_ietf_decrypt (ombud_secret_get_data (key_out), NULL, NULL, b + 24, 48,
                                                        (const guint8 *) "ombud-escrow-v1", 15, b,
                                                        ombud_secret_get_data (keys->wrap)) == 0;
}

GBytes *
ombud_recovery_claim_make (const guint8       org_id[16],
                           guint64            device_id,
                           const guint8       sign_pk[32],
                           const guint8       box_pk[32],
                           OmbudRecoveryKeys *keys)
{
  guint8 *b = g_malloc (OMBUD_RECOVERY_CLAIM_SIZE);

  memcpy (b, org_id, 16);
  ombud_put_u64 (b + 16, device_id);
  memcpy (b + 24, sign_pk, 32);
  memcpy (b + 56, box_pk, 32);
  sign (keys, CLAIM_DOMAIN, b, 88);
  return g_bytes_new_take (b, OMBUD_RECOVERY_CLAIM_SIZE);
}

gboolean
ombud_recovery_claim_verify (GBytes       *claim,
                             const guint8  recovery_sign_pk[32],
                             const guint8  org_id[16],
                             guint64       device_id,
                             const guint8  sign_pk[32],
                             const guint8  box_pk[32])
{
  gsize len;
  const guint8 *b = g_bytes_get_data (claim, &len);

  return len == OMBUD_RECOVERY_CLAIM_SIZE && memcmp (b, org_id, 16) == 0 && ombud_get_u64 (b + 16) == device_id
         && memcmp (b + 24, sign_pk, 32) == 0 && memcmp (b + 56, box_pk, 32) == 0
         && verify (CLAIM_DOMAIN, b, 88, recovery_sign_pk);
}
