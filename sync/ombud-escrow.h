/* ombud-escrow.h: the office key held for the organisation's
 * recovery key (PROTOCOL.md §10.3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The recovery key r (160 bits, shown once to the first coordinator) gives
 * three keys: the wrap of epoch 1's escrow (§6.7), an X25519 key pair each
 * later epoch is sealed to, and an Ed25519 key pair whose signature is the
 * proof of authority that lets a new coordinator laptop take over when
 * every coordinator laptop is gone.
 */
#pragma once

#include <glib.h>

#include "ombud-identity.h"
#include "ombud-secret.h"

G_BEGIN_DECLS

#define OMBUD_ESCROW_ERROR (ombud_escrow_error_quark ())

typedef enum {
  OMBUD_ESCROW_ERROR_MALFORMED,
  OMBUD_ESCROW_ERROR_WRONG_KEY,     /* the recovery key does not open this organisation's escrow */
  OMBUD_ESCROW_ERROR_NOT_AUTHENTIC,
  OMBUD_ESCROW_ERROR_NO_ESCROW,
  OMBUD_ESCROW_ERROR_NOT_READY,
} OmbudEscrowError;

#define OMBUD_RECOVERY_KEY_BYTES   20
#define OMBUD_ESCROW_V1_SIZE       72
#define OMBUD_ESCROW_ANCHOR_SIZE   145   /* version 1, made before the anchor named its founder */
#define OMBUD_ESCROW_ANCHOR_V2_SIZE 273
#define OMBUD_RECOVERY_ENDORSEMENT_SIZE 64
#define OMBUD_ESCROW_EPOCH_SIZE    116
#define OMBUD_RECOVERY_CLAIM_SIZE  152

typedef struct {
  OmbudSecret *wrap;       /* 32: epoch 1's escrow key */
  OmbudSecret *box_sk;     /* 32 */
  guint8       box_pk[32];
  OmbudSecret *sign_sk;    /* 64 */
  guint8       sign_pk[32];
} OmbudRecoveryKeys;

/* What an anchor says.  Version 2 also names the founding coordinator,
 * who let the recovery key certify coordinators in its name. */
typedef struct {
  guint8   box_pk[32];
  guint8   sign_pk[32];
  gboolean has_founder;
  guint8   founder_sign_pk[32];
  guint8   founder_box_pk[32];
  guint8   endorsement[OMBUD_RECOVERY_ENDORSEMENT_SIZE];
} OmbudEscrowAnchor;

GQuark             ombud_escrow_error_quark     (void);

/* "ABCD-EFGH-…" (32 characters of PROTOCOL.md §1's alphabet, dashes and
 * spaces ignored, either case) into r. */
OmbudSecret       *ombud_recovery_key_parse     (const char              *text,
                                                 GError                 **error);
OmbudRecoveryKeys *ombud_recovery_keys_derive   (OmbudSecret             *r);
void               ombud_recovery_keys_free     (OmbudRecoveryKeys       *keys);

/* Version 2: version(1) ‖ org_id(16) ‖ box_pk(32) ‖ sign_pk(32)
 * ‖ founder sign_pk(32) ‖ founder box_pk(32) ‖ endorsement(64) by the
 * founder ‖ signature(64) by sign_pk. */
GBytes            *ombud_escrow_anchor_make     (const guint8             org_id[16],
                                                 OmbudRecoveryKeys       *keys,
                                                 OmbudIdentity           *founder);
/* Either version; checks the anchor's own signature and, in version 2, the
 * founder's endorsement. */
gboolean           ombud_escrow_anchor_parse    (GBytes                  *anchor,
                                                 const guint8             org_id[16],
                                                 OmbudEscrowAnchor       *out,
                                                 GError                 **error);
/* The founder's signature over ("ombud-recovery-endorse-v1" ‖ org_id ‖
 * recovery sign_pk): the recovery key may certify coordinators in its name. */
gboolean           ombud_recovery_endorsement_verify (const guint8        endorsement[64],
                                                 const guint8             org_id[16],
                                                 const guint8             recovery_sign_pk[32],
                                                 const guint8             founder_sign_pk[32]);

/* Epoch e ≥ 2: epoch(u32) ‖ crypto_box_seal (key, box_pk) ‖ tag(32), the
 * tag keyed by epoch e − 1's key. */
GBytes            *ombud_escrow_epoch_make      (const guint8             org_id[16],
                                                 guint32                  epoch,
                                                 const guint8             key[32],
                                                 const guint8             previous[32],
                                                 const guint8             box_pk[32]);
guint32            ombud_escrow_epoch_number    (GBytes                  *escrow);
gboolean           ombud_escrow_epoch_open      (GBytes                  *escrow,
                                                 const guint8             org_id[16],
                                                 const guint8             previous[32],
                                                 OmbudRecoveryKeys       *keys,
                                                 OmbudSecret             *key_out);
/* Epoch 1 (§6.7's 72 bytes). */
gboolean           ombud_escrow_v1_open         (GBytes                  *escrow,
                                                 OmbudRecoveryKeys       *keys,
                                                 OmbudSecret             *key_out);

/* org_id(16) ‖ device(u64) ‖ sign_pk(32) ‖ box_pk(32) ‖ signature(64) by
 * the recovery signing key: this device speaks for the organisation. */
GBytes            *ombud_recovery_claim_make    (const guint8             org_id[16],
                                                 guint64                  device_id,
                                                 const guint8             sign_pk[32],
                                                 const guint8             box_pk[32],
                                                 OmbudRecoveryKeys       *keys);
gboolean           ombud_recovery_claim_verify  (GBytes                  *claim,
                                                 const guint8             recovery_sign_pk[32],
                                                 const guint8             org_id[16],
                                                 guint64                  device_id,
                                                 const guint8             sign_pk[32],
                                                 const guint8             box_pk[32]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudRecoveryKeys, ombud_recovery_keys_free)

G_END_DECLS
