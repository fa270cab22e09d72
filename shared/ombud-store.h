/* ombud-store.h: a user profile's encrypted replica
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

#include "ombud-keyfile.h"

G_BEGIN_DECLS

#define OMBUD_STORE_ERROR (ombud_store_error_quark ())

typedef enum {
  OMBUD_STORE_ERROR_WRONG_PASSPHRASE,
  OMBUD_STORE_ERROR_CORRUPTED,            /* damaged, tampered with, or another key */
  OMBUD_STORE_ERROR_BUSY,                 /* the profile is open in another process */
  OMBUD_STORE_ERROR_UNSUPPORTED_VERSION,  /* newer schema or key file, or an untested SQLite */
  OMBUD_STORE_ERROR_NO_PROFILE,
  OMBUD_STORE_ERROR_EXISTS,
  OMBUD_STORE_ERROR_LOCKED,               /* the store must be unlocked first */
  OMBUD_STORE_ERROR_NOT_FOUND,
  OMBUD_STORE_ERROR_INVALID,              /* a bad argument, e.g. an empty passphrase */
  OMBUD_STORE_ERROR_FAILED,
} OmbudStoreError;

#define OMBUD_TYPE_STORE (ombud_store_get_type ())
G_DECLARE_FINAL_TYPE (OmbudStore, ombud_store, OMBUD, STORE, GObject)

GQuark      ombud_store_error_quark        (void);

OmbudStore *ombud_store_new                (const char            *profile_dir);
const char *ombud_store_get_profile_dir    (OmbudStore            *self);
gboolean    ombud_store_get_unlocked       (OmbudStore            *self);
gboolean    ombud_store_exists             (OmbudStore            *self);

gboolean    ombud_store_create             (OmbudStore            *self,
                                            const char            *passphrase,
                                            const OmbudKdfLimits  *limits,
                                            GError               **error);
gboolean    ombud_store_unlock             (OmbudStore            *self,
                                            const char            *passphrase,
                                            GError               **error);
void        ombud_store_unlock_async       (OmbudStore            *self,
                                            const char            *passphrase,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
gboolean    ombud_store_unlock_finish      (OmbudStore            *self,
                                            GAsyncResult          *result,
                                            GError               **error);
void        ombud_store_lock               (OmbudStore            *self);
gboolean    ombud_store_change_passphrase  (OmbudStore            *self,
                                            const char            *old_passphrase,
                                            const char            *new_passphrase,
                                            GError               **error);

sqlite3    *ombud_store_get_db             (OmbudStore            *self);
int         ombud_store_get_schema_version (OmbudStore            *self);

gboolean    ombud_store_put                (OmbudStore            *self,
                                            const char            *key,
                                            const char            *value,
                                            GError               **error);
char       *ombud_store_get                (OmbudStore            *self,
                                            const char            *key,
                                            GError               **error);
gboolean    ombud_store_check_integrity    (OmbudStore            *self,
                                            GError               **error);
gboolean    ombud_store_backup             (OmbudStore            *self,
                                            const char            *dest_dir,
                                            GError               **error);

G_END_DECLS
