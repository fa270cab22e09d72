/* ombud-holds-digest.c: a digest of the set of changesets a device holds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-holds-digest.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define DOMAIN "ombud-holds-v1"

void
ombud_holds_digest_toggle (OmbudHoldsDigest *digest,
                           const guint8      id[16],
                           gboolean          add)
{
  crypto_generichash_state state;
  guint8 h[32];

  crypto_generichash_init (&state, NULL, 0, sizeof h);
  crypto_generichash_update (&state, (const guint8 *) DOMAIN, strlen (DOMAIN));
  crypto_generichash_update (&state, id, 16);
  crypto_generichash_final (&state, h, sizeof h);
  for (guint i = 0; i < sizeof h; i++)
    digest->xor[i] ^= h[i];
  digest->count += add ? 1 : (guint64) -1;
}

gboolean
ombud_holds_digest_equal (const OmbudHoldsDigest *a,
                          const OmbudHoldsDigest *b)
{
  return a->count == b->count && memcmp (a->xor, b->xor, sizeof a->xor) == 0;
}

GVariant *
ombud_holds_digest_to_variant (const OmbudHoldsDigest *digest)
{
  return g_variant_new ("(t@ay)", digest->count,
                        g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, digest->xor, sizeof digest->xor, 1));
}

gboolean
ombud_holds_digest_from_variant (GVariant         *value,
                                 OmbudHoldsDigest *digest)
{
  g_autoptr(GVariant) bytes = NULL;
  gsize len = 0;
  const guint8 *data;

  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE ("(tay)")))
    return FALSE;
  g_variant_get (value, "(t@ay)", &digest->count, &bytes);
  data = g_variant_get_fixed_array (bytes, &len, 1);
  if (len != sizeof digest->xor)
    return FALSE;
  memcpy (digest->xor, data, len);
  return TRUE;
}

char *
ombud_holds_digest_to_text (const OmbudHoldsDigest *digest)
{
  char hex[65];

  sodium_bin2hex (hex, sizeof hex, digest->xor, sizeof digest->xor);
  return g_strdup_printf ("%" G_GUINT64_FORMAT ":%s", digest->count, hex);
}

gboolean
ombud_holds_digest_from_text (const char       *text,
                              OmbudHoldsDigest *digest)
{
  char *end = NULL;
  gsize bin_len = 0;

  memset (digest, 0, sizeof *digest);
  if (text == NULL)
    return FALSE;
  digest->count = g_ascii_strtoull (text, &end, 10);
  if (end == text || *end != ':'
      || sodium_hex2bin (digest->xor, sizeof digest->xor, end + 1, strlen (end + 1), NULL, &bin_len, NULL) != 0
      || bin_len != sizeof digest->xor)
    {
      memset (digest, 0, sizeof *digest);
      return FALSE;
    }
  return TRUE;
}
