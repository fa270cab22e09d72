/* ombud-cert.h: device certificates, a coordinator's word for a device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROTOCOL.md §6.  A coordinator who has compared a new device's fingerprint
 * signs a certificate naming its keys, role and ombud; devices trust a
 * device only through certificates from devices they already trust, so an
 * office cannot add a device of its own.
 */
#pragma once

#include <glib.h>

#include "ombud-identity.h"
#include "ombud-secret.h"

G_BEGIN_DECLS

#define OMBUD_CERT_ERROR (ombud_cert_error_quark ())

typedef enum {
  OMBUD_CERT_ERROR_MALFORMED,
  OMBUD_CERT_ERROR_BAD_SIGNATURE,
} OmbudCertError;

#define OMBUD_CERT_SIZE          162   /* version 1 */
#define OMBUD_CERT_RECOVERY_SIZE 274   /* version 2: by the recovery key, in the founder's name */

typedef struct {
  guint64          subject;          /* derived from sign_pk */
  guint8           sign_pk[32];
  guint8           box_pk[32];
  OmbudDeviceRole  role;
  guint8           ombud_id[16];     /* the caseload's ombud record, as a raw UUID */
  guint64          certifier;
  gboolean         by_recovery_key;  /* version 2 (PROTOCOL.md §10.3) */
} OmbudCert;

GQuark   ombud_cert_error_quark (void);

/* Signed by certifier, whose device id becomes cert->certifier. */
GBytes  *ombud_cert_make        (const OmbudCert  *cert,
                                 OmbudIdentity    *certifier);
/* Version 2: signed with the organisation recovery key (recovery_sign_sk,
 * 64 bytes), carrying the founder's endorsement of that key; certifier is
 * the founder's device id.  Only coordinators are certified this way. */
GBytes  *ombud_cert_make_recovery (const OmbudCert *cert,
                                   guint64          founder,
                                   const guint8     org_id[16],
                                   const guint8     recovery_sign_pk[32],
                                   const guint8     endorsement[64],
                                   OmbudSecret     *recovery_sign_sk);
/* Strict parsing, no signature check: for routing at the office. */
gboolean ombud_cert_parse       (GBytes           *bytes,
                                 OmbudCert        *cert,
                                 GError          **error);
/* Parses and checks the signature with the certifier's signing key; for
 * version 2, the certifier's endorsement of the recovery key, and the
 * recovery key's signature. */
gboolean ombud_cert_verify      (GBytes           *bytes,
                                 const guint8      certifier_sign_pk[32],
                                 OmbudCert        *cert,
                                 GError          **error);

G_END_DECLS
