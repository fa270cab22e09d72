/* ombud-cert.c: device certificates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   cert = version(1)=1 ‖ subject(u64) ‖ sign_pk(32) ‖ box_pk(32) ‖ role(1)
 *          ‖ ombud_id(16) ‖ certifier(u64) ‖ signature(64)
 *   signature = Ed25519 ("ombud-cert-v1" ‖ everything before it)
 *
 *   version 2 = the 98 bytes of version 1 (version byte 2) ‖ org_id(16)
 *               ‖ recovery sign_pk(32) ‖ endorsement(64) ‖ signature(64)
 *   endorsement = the certifier's Ed25519 ("ombud-recovery-endorse-v1"
 *                 ‖ org_id ‖ recovery sign_pk), made when it founded
 *   signature   = Ed25519 ("ombud-cert-v2" ‖ everything before it),
 *                 by the recovery key
 */
#include "ombud-cert.h"

#include <sodium.h>
#include <string.h>

#include "ombud-bytes.h"
#include "ombud-error.h"
#include "ombud-escrow.h"

#define CERT_VERSION 1
#define SIG_DOMAIN   "ombud-cert-v1"
#define SIGNED_SIZE  (OMBUD_CERT_SIZE - 64)
#define V2_DOMAIN    "ombud-cert-v2"
#define V2_SIGNED    (OMBUD_CERT_RECOVERY_SIZE - 64)

G_DEFINE_QUARK (ombud-cert-error-quark, ombud_cert_error)

static void
signed_message (const guint8 *cert,
                guint8        out[sizeof SIG_DOMAIN - 1 + SIGNED_SIZE])
{
  memcpy (out, SIG_DOMAIN, sizeof SIG_DOMAIN - 1);
  memcpy (out + sizeof SIG_DOMAIN - 1, cert, SIGNED_SIZE);
}

/* The 98 bytes both versions start with. */
static void
put_body (guint8          *out,
          guint8           version,
          const OmbudCert *cert,
          guint64          certifier)
{
  out[0] = version;
  ombud_put_u64 (out + 1, ombud_device_id_from_sign_pk (cert->sign_pk));
  memcpy (out + 9, cert->sign_pk, 32);
  memcpy (out + 41, cert->box_pk, 32);
  out[73] = cert->role == OMBUD_DEVICE_ROLE_COORDINATOR ? 1 : 0;
  memcpy (out + 74, cert->ombud_id, 16);
  ombud_put_u64 (out + 90, certifier);
}

GBytes *
ombud_cert_make (const OmbudCert *cert,
                 OmbudIdentity   *certifier)
{
  guint8 *out = g_malloc (OMBUD_CERT_SIZE);
  guint8 msg[sizeof SIG_DOMAIN - 1 + SIGNED_SIZE];

  put_body (out, CERT_VERSION, cert, ombud_identity_get_device_id (certifier));
  signed_message (out, msg);
  ombud_identity_sign (certifier, msg, sizeof msg, out + SIGNED_SIZE);
  return g_bytes_new_take (out, OMBUD_CERT_SIZE);
}

GBytes *
ombud_cert_make_recovery (const OmbudCert *cert,
                          guint64          founder,
                          const guint8     org_id[16],
                          const guint8     recovery_sign_pk[32],
                          const guint8     endorsement[64],
                          OmbudSecret     *recovery_sign_sk)
{
  guint8 *out = g_malloc (OMBUD_CERT_RECOVERY_SIZE);
  guint8 msg[sizeof V2_DOMAIN - 1 + V2_SIGNED];

  put_body (out, 2, cert, founder);
  memcpy (out + 98, org_id, 16);
  memcpy (out + 114, recovery_sign_pk, 32);
  memcpy (out + 146, endorsement, 64);
  memcpy (msg, V2_DOMAIN, sizeof V2_DOMAIN - 1);
  memcpy (msg + sizeof V2_DOMAIN - 1, out, V2_SIGNED);
  crypto_sign_detached (out + V2_SIGNED, NULL, msg, sizeof msg, ombud_secret_get_data (recovery_sign_sk));
  return g_bytes_new_take (out, OMBUD_CERT_RECOVERY_SIZE);
}

gboolean
ombud_cert_parse (GBytes     *bytes,
                  OmbudCert  *cert,
                  GError    **error)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (bytes, &len);
  gboolean v1 = len == OMBUD_CERT_SIZE && p[0] == CERT_VERSION && p[73] <= 1;
  /* A recovery key certifies coordinators only. */
  gboolean v2 = len == OMBUD_CERT_RECOVERY_SIZE && p[0] == 2 && p[73] == 1;

  if (!v1 && !v2)
    return ombud_fail (error, OMBUD_CERT_ERROR, OMBUD_CERT_ERROR_MALFORMED,
                       "not a device certificate of a version known here");
  cert->subject = ombud_get_u64 (p + 1);
  memcpy (cert->sign_pk, p + 9, 32);
  memcpy (cert->box_pk, p + 41, 32);
  cert->role = p[73] ? OMBUD_DEVICE_ROLE_COORDINATOR : OMBUD_DEVICE_ROLE_OMBUD;
  memcpy (cert->ombud_id, p + 74, 16);
  cert->certifier = ombud_get_u64 (p + 90);
  cert->by_recovery_key = v2;
  if (cert->subject != ombud_device_id_from_sign_pk (cert->sign_pk) || cert->certifier == 0
      || cert->certifier > G_MAXINT64)
    return ombud_fail (error, OMBUD_CERT_ERROR, OMBUD_CERT_ERROR_MALFORMED,
                       "a device certificate whose ids do not match its keys");
  return TRUE;
}

gboolean
ombud_cert_verify (GBytes       *bytes,
                   const guint8  certifier_sign_pk[32],
                   OmbudCert    *cert,
                   GError      **error)
{
  const guint8 *p = g_bytes_get_data (bytes, NULL);
  guint8 msg[sizeof SIG_DOMAIN - 1 + SIGNED_SIZE];
  gboolean good;

  if (!ombud_cert_parse (bytes, cert, error))
    return FALSE;
  if (cert->by_recovery_key)
    {
      guint8 msg2[sizeof V2_DOMAIN - 1 + V2_SIGNED];

      memcpy (msg2, V2_DOMAIN, sizeof V2_DOMAIN - 1);
      memcpy (msg2 + sizeof V2_DOMAIN - 1, p, V2_SIGNED);
      /* The certifier let this recovery key speak for it; the key did. */
      good = ombud_recovery_endorsement_verify (p + 146, p + 98, p + 114, certifier_sign_pk)
             && crypto_sign_verify_detached (p + V2_SIGNED, msg2, sizeof msg2, p + 114) == 0;
    }
  else
    {
      signed_message (p, msg);
      good = crypto_sign_verify_detached (p + SIGNED_SIZE, msg, sizeof msg, certifier_sign_pk) == 0;
    }
  if (cert->certifier != ombud_device_id_from_sign_pk (certifier_sign_pk) || !good)
    return ombud_fail (error, OMBUD_CERT_ERROR, OMBUD_CERT_ERROR_BAD_SIGNATURE,
                       "the device certificate is not signed by device %016" G_GINT64_MODIFIER "x",
                       cert->certifier);
  return TRUE;
}
