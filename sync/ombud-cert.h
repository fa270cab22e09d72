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

G_BEGIN_DECLS

#define OMBUD_CERT_ERROR (ombud_cert_error_quark ())

typedef enum {
  OMBUD_CERT_ERROR_MALFORMED,
  OMBUD_CERT_ERROR_BAD_SIGNATURE,
} OmbudCertError;

#define OMBUD_CERT_SIZE 162

typedef struct {
  guint64          subject;          /* derived from sign_pk */
  guint8           sign_pk[32];
  guint8           box_pk[32];
  OmbudDeviceRole  role;
  guint8           ombud_id[16];     /* the caseload's ombud record, as a raw UUID */
  guint64          certifier;
} OmbudCert;

GQuark   ombud_cert_error_quark (void);

/* Signed by certifier, whose device id becomes cert->certifier. */
GBytes  *ombud_cert_make        (const OmbudCert  *cert,
                                 OmbudIdentity    *certifier);
/* Strict parsing, no signature check: for routing at the office. */
gboolean ombud_cert_parse       (GBytes           *bytes,
                                 OmbudCert        *cert,
                                 GError          **error);
/* Parses and checks the signature with the certifier's signing key. */
gboolean ombud_cert_verify      (GBytes           *bytes,
                                 const guint8      certifier_sign_pk[32],
                                 OmbudCert        *cert,
                                 GError          **error);

G_END_DECLS
