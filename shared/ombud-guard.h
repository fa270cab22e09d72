/* ombud-guard.h: what keeps a laptop's replica shut after N days without a sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §10.4.  The profile file ombud.guard, sealed under a
 * subkey of the passphrase-derived key, holds the office's share (while the
 * laptop is within its deadline), the time of the last successful sync, the
 * organisation's stale_days, the guard key pair the office seals the share
 * to, and what the laptop needs to ask for the share before its store opens.
 */
#pragma once

#include <glib.h>

#include "ombud-secret.h"

G_BEGIN_DECLS

#define OMBUD_GUARD_ERROR (ombud_guard_error_quark ())

typedef enum {
  OMBUD_GUARD_ERROR_WRONG_PASSPHRASE,
  OMBUD_GUARD_ERROR_CORRUPTED,            /* truncated or altered */
  OMBUD_GUARD_ERROR_UNSUPPORTED_VERSION,  /* written by a newer Ombud */
  OMBUD_GUARD_ERROR_NOT_FOUND,
  OMBUD_GUARD_ERROR_FAILED,
} OmbudGuardError;

#define OMBUD_GUARD_FILE        "ombud.guard"
#define OMBUD_GUARD_SHARE_BYTES 32
#define OMBUD_GUARD_KEY_BYTES   32

typedef struct _OmbudGuard {
  gint64   last_sync;      /* Unix seconds of the last successful sync */
  guint32  stale_days;
  gboolean has_share;
  guint8   share[OMBUD_GUARD_SHARE_BYTES];
  guint8   public_key[OMBUD_GUARD_KEY_BYTES];   /* X25519, crypto_box */
  guint8   secret_key[OMBUD_GUARD_KEY_BYTES];
  guint8   org_id[16];
  guint64  device_id;
  char    *url;            /* the office; NULL until the first share */
  char    *pinned_key;     /* NULL without a TLS pin */
  char    *ca_file;        /* NULL: the system's CAs */
} OmbudGuard;

GQuark      ombud_guard_error_quark (void);

/* A new guard with a fresh key pair, no share, nothing synced yet. */
OmbudGuard *ombud_guard_new         (void);
void        ombud_guard_free        (OmbudGuard    *guard);

/* kek is the passphrase-derived key of the profile's key file. */
OmbudGuard *ombud_guard_load        (const char    *path,
                                     OmbudSecret   *kek,
                                     GError       **error);
/* Atomically and durably: a temporary file, fsync, rename, fsync of the
 * folder. */
gboolean    ombud_guard_save        (const char    *path,
                                     OmbudSecret   *kek,
                                     const OmbudGuard *guard,
                                     GError       **error);

/* Past the deadline at now (Unix seconds)? */
gboolean    ombud_guard_is_stale    (const OmbudGuard *guard,
                                     gint64         now);
/* Whole days since the last sync, for messages. */
gint64      ombud_guard_days_since  (const OmbudGuard *guard,
                                     gint64         now);

/* Opens crypto_box_seal(share ‖ stale_days u32 LE) with the guard's key
 * pair into the guard (not saved). */
gboolean    ombud_guard_open_share  (OmbudGuard    *guard,
                                     const guint8  *sealed,
                                     gsize          sealed_len,
                                     GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudGuard, ombud_guard_free)

G_END_DECLS
