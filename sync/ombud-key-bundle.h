/* ombud-key-bundle.h: the ombud's key bundle at the office (PROTOCOL.md §10.1)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A replacement laptop recovers its ombud's case keys from the office with
 * the ombud's recovery passphrase alone.  The bundle is an anchor — the
 * public half of an X25519 key pair whose seed comes from Argon2id of that
 * passphrase, with the costs and salt, signed by one of the ombud's devices
 * — and one entry per case key, sealed to that public key and signed by the
 * device that wrote it.  Any of the ombud's devices adds entries without
 * knowing the passphrase; only the passphrase opens them; the office keeps
 * both and can read neither.
 */
#pragma once

#include <glib.h>

#include "ombud-identity.h"
#include "ombud-secret.h"

G_BEGIN_DECLS

#define OMBUD_BUNDLE_ERROR (ombud_bundle_error_quark ())

typedef enum {
  OMBUD_BUNDLE_ERROR_MALFORMED,        /* not an anchor or entry of this format */
  OMBUD_BUNDLE_ERROR_WEAK_COSTS,       /* Argon2id costs below the floor this client accepts */
  OMBUD_BUNDLE_ERROR_BAD_SIGNATURE,    /* not signed by the device it names */
  OMBUD_BUNDLE_ERROR_NOT_TRUSTED,      /* signed by a device that may not speak for this ombud */
  OMBUD_BUNDLE_ERROR_WRONG_PASSPHRASE, /* the passphrase does not give the bundle's key */
  OMBUD_BUNDLE_ERROR_NO_BUNDLE,        /* the office holds no bundle for this ombud */
  OMBUD_BUNDLE_ERROR_NOT_READY,        /* this laptop is not a confirmed ombud's laptop yet */
  OMBUD_BUNDLE_ERROR_FAILED,
} OmbudBundleError;

#define OMBUD_BUNDLE_ANCHOR_SIZE 153
#define OMBUD_BUNDLE_ENTRY_SIZE  217
#define OMBUD_BUNDLE_SALT_SIZE   16
#define OMBUD_BUNDLE_ANCHOR_PK   49   /* where the bundle's public key sits in an anchor */

/* The floor: libsodium's MODERATE (3 passes over 256 MiB, about half a
 * second here).  A client refuses an anchor below it, whoever made it, so
 * an office cannot talk a device into sealing case keys to a cheap key.
 * New bundles use SENSITIVE (4 passes over 1 GiB, about 6 s). */
#define OMBUD_BUNDLE_MIN_OPSLIMIT     3ULL
#define OMBUD_BUNDLE_MIN_MEMLIMIT     (256ULL * 1024 * 1024)
#define OMBUD_BUNDLE_DEFAULT_OPSLIMIT 4ULL
#define OMBUD_BUNDLE_DEFAULT_MEMLIMIT (1024ULL * 1024 * 1024)
/* Above this the derivation is refused too: it would only exhaust memory. */
#define OMBUD_BUNDLE_MAX_MEMLIMIT     (4ULL * 1024 * 1024 * 1024)
#define OMBUD_BUNDLE_MAX_OPSLIMIT     64ULL

typedef struct {
  guint8   ombud_id[16];
  guint64  opslimit;
  guint64  memlimit;
  guint8   salt[OMBUD_BUNDLE_SALT_SIZE];
  guint8   bundle_pk[32];
  guint64  signer;
} OmbudBundleAnchor;

typedef struct {
  guint8   ombud_id[16];
  guint8   bundle_pk[32];
  guint8   case_id[16];
  guint64  author;
  guint8   sealed[80];
} OmbudBundleEntry;

GQuark       ombud_bundle_error_quark   (void);

/* Layout, version and costs within [floor, max]; the signature unchecked. */
gboolean     ombud_bundle_anchor_parse  (GBytes                  *bytes,
                                         OmbudBundleAnchor       *out,
                                         GError                 **error);
/* Parse, then the signature under sign_pk, whose device id must be the
 * anchor's signer. */
gboolean     ombud_bundle_anchor_verify (GBytes                  *bytes,
                                         const guint8             sign_pk[32],
                                         OmbudBundleAnchor       *out,
                                         GError                 **error);
/* Signs anchor (its signer becomes me's device id). */
GBytes      *ombud_bundle_anchor_make   (OmbudBundleAnchor       *anchor,
                                         OmbudIdentity           *me);

gboolean     ombud_bundle_entry_parse   (GBytes                  *bytes,
                                         OmbudBundleEntry        *out,
                                         GError                 **error);
gboolean     ombud_bundle_entry_verify  (GBytes                  *bytes,
                                         const guint8             sign_pk[32],
                                         OmbudBundleEntry        *out,
                                         GError                 **error);
/* A case key sealed to the anchor's key and signed by me. */
GBytes      *ombud_bundle_entry_make    (const OmbudBundleAnchor *anchor,
                                         const guint8             case_id[16],
                                         const guint8             case_key[32],
                                         OmbudIdentity           *me);

/* Argon2id (passphrase, salt, costs) and the ombud id give the bundle's key
 * pair: the secret key (32 bytes, locked memory) is returned, the public
 * key written to pk. */
OmbudSecret *ombud_bundle_derive        (const char              *passphrase,
                                         gsize                    passphrase_len,
                                         const OmbudBundleAnchor *costs,
                                         guint8                   pk[32],
                                         GError                 **error);
/* Opens an entry with the bundle's key pair into key (32 bytes). */
gboolean     ombud_bundle_entry_open    (const OmbudBundleEntry  *entry,
                                         const guint8             pk[32],
                                         OmbudSecret             *sk,
                                         OmbudSecret             *key);

G_END_DECLS
