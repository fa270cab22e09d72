/* ombud-seal.h: sealed changesets, the unit the office stores and routes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ombud-changeset.h"
#include "ombud-identity.h"
#include "ombud-keyring.h"

G_BEGIN_DECLS

#define OMBUD_SEAL_ERROR (ombud_seal_error_quark ())

/* Opening fails at the first of PROTOCOL.md §3's steps that does not pass;
 * the message names the step. */
typedef enum {
  OMBUD_SEAL_ERROR_INVALID,        /* sealing: a changeset that cannot be sealed as it is */
  OMBUD_SEAL_ERROR_MALFORMED,      /* step 1: not a sealed changeset of a version known here */
  OMBUD_SEAL_ERROR_BAD_SIGNATURE,  /* step 2: not signed by that author's key */
  OMBUD_SEAL_ERROR_WRONG_AUTHOR,   /* step 2: the header names another device than the signer */
  OMBUD_SEAL_ERROR_WRONG_ORG,      /* step 2: for another organisation */
  OMBUD_SEAL_ERROR_MISSING_KEY,    /* sealing, or step 3 when no part could be opened: keep it */
  OMBUD_SEAL_ERROR_NOT_AUTHENTIC,  /* step 3: a part does not open under its key and header */
  OMBUD_SEAL_ERROR_TOO_LARGE,      /* step 4: a part expands beyond OMBUD_SEAL_MAX_PART */
  OMBUD_SEAL_ERROR_INCONSISTENT,   /* step 4: the contents disagree with the header or tier */
} OmbudSealError;

#define OMBUD_SEAL_MAX_PART (16 * 1024 * 1024)
#define OMBUD_ORG_ID_SIZE   16

/* On the wire */
typedef enum {
  OMBUD_SEAL_TIER_OFFICE = 1,
  OMBUD_SEAL_TIER_CLIENT = 2,
} OmbudSealTier;

/* Which tiers a device could not open for want of a key. */
typedef enum {
  OMBUD_SEAL_MISSING_NONE   = 0,
  OMBUD_SEAL_MISSING_OFFICE = 1 << 0,
  OMBUD_SEAL_MISSING_CLIENT = 1 << 1,
} OmbudSealMissing;

typedef struct {
  OmbudSealTier tier;
  guint32       key_epoch;
  gsize         offset;    /* of the part (its tier byte) in the sealed bytes */
  gsize         length;    /* of the whole part: tier to tag */
} OmbudSealPart;

/* What the office may read: everything outside the parts. */
typedef struct {
  guint8        org_id[OMBUD_ORG_ID_SIZE];
  guint8        changeset_id[16];
  guint8        case_id[16];     /* zeros for the team's own records */
  guint64       author_device;
  guint32       schema;
  guint64       min_hlc;
  guint64       max_hlc;
  guint         n_parts;
  OmbudSealPart parts[2];
} OmbudSealHeader;

GQuark          ombud_seal_error_quark (void);

GBytes         *ombud_seal_changeset   (const OmbudChangeset *cs,
                                        const guint8          org_id[OMBUD_ORG_ID_SIZE],
                                        OmbudIdentity        *author,
                                        OmbudKeyring         *keys,
                                        GError              **error);

/* Step 1 only: strict parsing, no keys, no signature check. */
gboolean        ombud_seal_parse       (GBytes               *sealed,
                                        OmbudSealHeader      *header,
                                        GError              **error);

/* Whether a parsed changeset carries a part of that tier. */
gboolean        ombud_seal_header_has_tier (const OmbudSealHeader *header,
                                            OmbudSealTier          tier);

/* Steps 1–2: what the office checks before it stores a changeset. */
gboolean        ombud_seal_verify      (GBytes               *sealed,
                                        const guint8          org_id[OMBUD_ORG_ID_SIZE],
                                        const guint8          author_sign_pk[OMBUD_SIGN_PUBLIC_SIZE],
                                        OmbudSealHeader      *header,
                                        GError              **error);

/* Steps 1–4.  Returns the changeset as its author wrote it, or, when this
 * device lacks the key of one tier, the part it could open, with *missing
 * saying which tier is absent.  When no part can be opened: NULL,
 * OMBUD_SEAL_ERROR_MISSING_KEY and *missing set. */
OmbudChangeset *ombud_seal_open        (GBytes               *sealed,
                                        const guint8          org_id[OMBUD_ORG_ID_SIZE],
                                        const guint8          author_sign_pk[OMBUD_SIGN_PUBLIC_SIZE],
                                        OmbudKeyring         *keys,
                                        OmbudSealMissing     *missing,
                                        GError              **error);

G_END_DECLS
