/* ombud-envelope.h: the sealed body of every /v1/sync request and response
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROTOCOL.md §5.  The body is compressed, then sealed between the device's
 * and the office's X25519 keys (crypto_kx session keys, XChaCha20-Poly1305),
 * with the clear header bound in as associated data, so that a proxy that
 * terminates TLS sees only sizes, and a replayed, altered or re-addressed
 * envelope does not open.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OMBUD_ENVELOPE_ERROR (ombud_envelope_error_quark ())

typedef enum {
  OMBUD_ENVELOPE_ERROR_MALFORMED,      /* not an envelope of a version known here */
  OMBUD_ENVELOPE_ERROR_NOT_AUTHENTIC,  /* does not open under this key and header */
  OMBUD_ENVELOPE_ERROR_TOO_LARGE,      /* expands beyond OMBUD_ENVELOPE_MAX_BODY */
} OmbudEnvelopeError;

typedef enum {
  OMBUD_ENVELOPE_REQUEST  = 1,
  OMBUD_ENVELOPE_RESPONSE = 2,
} OmbudEnvelopeKind;

#define OMBUD_ENVELOPE_HEADER_SIZE 50
#define OMBUD_ENVELOPE_OVERHEAD    (OMBUD_ENVELOPE_HEADER_SIZE + 24 + 16)
#define OMBUD_ENVELOPE_MAX_BODY    (64 * 1024 * 1024)
#define OMBUD_SESSION_KEY_SIZE     32

typedef struct {
  OmbudEnvelopeKind kind;
  guint8            org_id[16];
  guint64           device_id;
  guint8            request_id[16];
  gint64            time_ms;      /* the sender's clock */
} OmbudEnvelopeHeader;

GQuark   ombud_envelope_error_quark  (void);

/* The clear header alone, for routing before any key is chosen. */
gboolean ombud_envelope_parse_header (GBytes                    *envelope,
                                      OmbudEnvelopeHeader       *header,
                                      GError                   **error);
/* zstd, then sealed under key (the sender's tx session key). */
GBytes  *ombud_envelope_seal         (const OmbudEnvelopeHeader *header,
                                      GBytes                    *body,
                                      const guint8               key[OMBUD_SESSION_KEY_SIZE]);
/* Opens with key (the receiver's rx session key) and returns the body;
 * header receives the authenticated clear header. */
GBytes  *ombud_envelope_open         (GBytes                    *envelope,
                                      const guint8               key[OMBUD_SESSION_KEY_SIZE],
                                      OmbudEnvelopeHeader       *header,
                                      GError                   **error);

/* The office's side of crypto_kx; FALSE for a device key that is not a
 * valid point.  (The device's side is ombud_identity_session_keys.) */
gboolean ombud_envelope_office_keys  (const guint8               office_box_pk[32],
                                      const guint8               office_box_sk[32],
                                      const guint8               device_box_pk[32],
                                      guint8                     rx[OMBUD_SESSION_KEY_SIZE],
                                      guint8                     tx[OMBUD_SESSION_KEY_SIZE]);

G_END_DECLS
