/* ombud-keyfile.h: the database key, wrapped under the passphrase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ombud-secret.h"

G_BEGIN_DECLS

#define OMBUD_KEYFILE_ERROR (ombud_keyfile_error_quark ())

typedef enum {
  OMBUD_KEYFILE_ERROR_WRONG_PASSPHRASE,
  OMBUD_KEYFILE_ERROR_CORRUPTED,            /* unreadable, truncated or altered */
  OMBUD_KEYFILE_ERROR_UNSUPPORTED_VERSION,  /* written by a newer Ombud */
  OMBUD_KEYFILE_ERROR_NOT_FOUND,
  OMBUD_KEYFILE_ERROR_FAILED,
  OMBUD_KEYFILE_ERROR_GUARDED,              /* guarded: needs the office's share too */
} OmbudKeyfileError;

/* Argon2id costs, recorded in the key file beside the wrapped key. */
typedef struct {
  guint64 opslimit;
  gsize   memlimit;
} OmbudKdfLimits;

#define OMBUD_KEYFILE_SALT_BYTES 16
#define OMBUD_KEYFILE_SHARE_BYTES 32

GQuark                ombud_keyfile_error_quark  (void);

const OmbudKdfLimits *ombud_kdf_limits_default   (void);

gboolean ombud_keyfile_write   (const char            *path,
                                const char            *passphrase,
                                const OmbudKdfLimits  *limits,
                                OmbudSecret           *key,
                                const guint8          *database_salt,
                                GError               **error);

gboolean ombud_keyfile_unwrap  (const char            *path,
                                const char            *passphrase,
                                OmbudSecret          **out_key,
                                guint8                *out_database_salt,
                                OmbudKdfLimits        *out_limits,
                                GError               **error);

gboolean ombud_keyfile_rewrap  (const char            *path,
                                const char            *old_passphrase,
                                const char            *new_passphrase,
                                GError               **error);

/* share NULL: an unguarded file.  out_kek (may be NULL) gets the
 * passphrase-derived key the file was written with. */
gboolean ombud_keyfile_write_full (const char            *path,
                                   const char            *passphrase,
                                   const OmbudKdfLimits  *limits,
                                   OmbudSecret           *key,
                                   const guint8          *database_salt,
                                   const guint8          *share,
                                   OmbudSecret          **out_kek,
                                   GError               **error);

/* The passphrase-derived key (no check of the passphrase: for a guarded
 * file only the guard file or the share can tell). */
OmbudSecret *ombud_keyfile_derive (const char          *path,
                                   const char          *passphrase,
                                   gboolean            *out_guarded,
                                   GError             **error);

/* Unwraps with the passphrase-derived key, and the share if guarded. */
gboolean ombud_keyfile_unwrap_with (const char         *path,
                                    OmbudSecret        *kek,
                                    const guint8       *share,
                                    OmbudSecret       **out_key,
                                    guint8             *out_database_salt,
                                    OmbudKdfLimits     *out_limits,
                                    GError            **error);

/* Rewrites an unguarded key file guarded under share, with the same salt
 * and costs (so kek stays its passphrase-derived key).  A guarded one stays
 * as it is. */
gboolean ombud_keyfile_guard       (const char         *path,
                                    OmbudSecret        *kek,
                                    const guint8       *share,
                                    GError            **error);

/* As ombud_keyfile_rewrap, for an unguarded file (a guarded one is GUARDED:
 * ombud-store.c rewrites it with its guard); out_new_kek gets the new
 * passphrase-derived key. */
gboolean ombud_keyfile_rewrap_full (const char         *path,
                                    const char         *old_passphrase,
                                    const char         *new_passphrase,
                                    OmbudSecret       **out_new_kek,
                                    GError            **error);

G_END_DECLS
