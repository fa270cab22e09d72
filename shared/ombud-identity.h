/* ombud-identity.h: this device's signing and box keys, and the devices it knows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ombud-secret.h"
#include "ombud-store.h"

G_BEGIN_DECLS

#define OMBUD_IDENTITY_ERROR (ombud_identity_error_quark ())

typedef enum {
  OMBUD_IDENTITY_ERROR_INVALID,    /* a bad argument */
  OMBUD_IDENTITY_ERROR_NOT_FOUND,  /* no such device */
  OMBUD_IDENTITY_ERROR_CONFLICT,   /* a device id already stands for other keys */
  OMBUD_IDENTITY_ERROR_CORRUPTED,  /* stored keys that do not belong together */
  OMBUD_IDENTITY_ERROR_FAILED,
} OmbudIdentityError;

#define OMBUD_SIGN_PUBLIC_SIZE 32
#define OMBUD_BOX_PUBLIC_SIZE  32
#define OMBUD_SIGNATURE_SIZE   64
#define OMBUD_FINGERPRINT_LEN  39  /* 8 groups of 4, single spaces between */

typedef struct _OmbudIdentity OmbudIdentity;

GQuark         ombud_identity_error_quark    (void);

OmbudIdentity *ombud_identity_generate       (void);
OmbudIdentity *ombud_identity_load_or_create (OmbudStore          *store,
                                              GError             **error);
OmbudIdentity *ombud_identity_ref            (OmbudIdentity       *self);
void           ombud_identity_unref          (OmbudIdentity       *self);

guint64        ombud_identity_get_device_id  (OmbudIdentity       *self);
const guint8  *ombud_identity_get_sign_pk    (OmbudIdentity       *self);
const guint8  *ombud_identity_get_box_pk     (OmbudIdentity       *self);
char          *ombud_identity_get_fingerprint (OmbudIdentity      *self);

/* Ed25519 over data, with this device's signing key. */
void           ombud_identity_sign           (OmbudIdentity       *self,
                                              const guint8        *data,
                                              gsize                len,
                                              guint8               signature[OMBUD_SIGNATURE_SIZE]);
/* crypto_box_seal_open with this device's box key; FALSE if it does not open. */
gboolean       ombud_identity_unseal         (OmbudIdentity       *self,
                                              const guint8        *sealed,
                                              gsize                sealed_len,
                                              guint8              *out);

/* The sync envelope's session keys with the office (PROTOCOL.md §5);
 * FALSE for an office key that is not a valid point. */
gboolean       ombud_identity_session_keys   (OmbudIdentity       *self,
                                              const guint8         office_box_pk[OMBUD_BOX_PUBLIC_SIZE],
                                              OmbudSecret        **rx,
                                              OmbudSecret        **tx);

/* PROTOCOL.md §1: the first 8 bytes of BLAKE2b-256 (signing public key),
 * little-endian, top bit cleared. */
guint64        ombud_device_id_from_sign_pk  (const guint8         sign_pk[OMBUD_SIGN_PUBLIC_SIZE]);
/* "XXXX XXXX … XXXX": BLAKE2b-160 ("ombud-fp-v1" ‖ sign ‖ box), 5 bits a
 * character, most significant bit first. */
char          *ombud_fingerprint_text        (const guint8         sign_pk[OMBUD_SIGN_PUBLIC_SIZE],
                                              const guint8         box_pk[OMBUD_BOX_PUBLIC_SIZE]);

/* Other devices of the organisation, as this device has learnt them. */
typedef enum {
  OMBUD_DEVICE_ROLE_OMBUD,
  OMBUD_DEVICE_ROLE_COORDINATOR,
} OmbudDeviceRole;

typedef struct {
  guint64          device_id;   /* always derived from sign_pk */
  guint8           sign_pk[OMBUD_SIGN_PUBLIC_SIZE];
  guint8           box_pk[OMBUD_BOX_PUBLIC_SIZE];
  OmbudDeviceRole  role;
  gboolean         trusted;     /* confirmed by comparing fingerprints */
  char            *ombud_id;    /* whose laptop it is; may be NULL */
} OmbudKnownDevice;

gboolean          ombud_known_device_save    (OmbudStore          *store,
                                              const guint8         sign_pk[OMBUD_SIGN_PUBLIC_SIZE],
                                              const guint8         box_pk[OMBUD_BOX_PUBLIC_SIZE],
                                              OmbudDeviceRole      role,
                                              gboolean             trusted,
                                              const char          *ombud_id,
                                              GError             **error);
OmbudKnownDevice *ombud_known_device_lookup  (OmbudStore          *store,
                                              guint64              device_id,
                                              GError             **error);
void              ombud_known_device_free    (OmbudKnownDevice    *device);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudIdentity, ombud_identity_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudKnownDevice, ombud_known_device_free)

G_END_DECLS
