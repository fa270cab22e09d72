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
} OmbudKeyfileError;

/* Argon2id costs, recorded in the key file beside the wrapped key. */
typedef struct {
  guint64 opslimit;
  gsize   memlimit;
} OmbudKdfLimits;

#define OMBUD_KEYFILE_SALT_BYTES 16

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

G_END_DECLS
