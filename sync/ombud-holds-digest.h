/* ombud-holds-digest.h: a digest of the set of changesets a device holds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROTOCOL.md §10.2.  A count and the XOR of BLAKE2b-256 over each id: the
 * same set gives the same digest whatever the order it was built in, and
 * either side adds one id at a time (the device as changesets come and go,
 * the office from its table).  It detects drift, not an adversary: the
 * office that compares it could order a resync anyway.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 count;
  guint8  xor[32];
} OmbudHoldsDigest;

void      ombud_holds_digest_toggle   (OmbudHoldsDigest       *digest,
                                       const guint8            id[16],
                                       gboolean                add);
gboolean  ombud_holds_digest_equal    (const OmbudHoldsDigest *a,
                                       const OmbudHoldsDigest *b);
/* "(tay)": the count and the 32 bytes. */
GVariant *ombud_holds_digest_to_variant   (const OmbudHoldsDigest *digest);
gboolean  ombud_holds_digest_from_variant (GVariant               *value,
                                           OmbudHoldsDigest       *digest);
/* "COUNT:HEX", for the profile's kv table. */
char     *ombud_holds_digest_to_text      (const OmbudHoldsDigest *digest);
gboolean  ombud_holds_digest_from_text    (const char             *text,
                                           OmbudHoldsDigest       *digest);

G_END_DECLS
