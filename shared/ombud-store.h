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
  OMBUD_STORE_ERROR_STALE,                /* no sync for stale_days: locked until it syncs (§10.4) */
} OmbudStoreError;

/* ombud-guard.h: the §10.4 guard file's contents. */
typedef struct _OmbudGuard OmbudGuard;

/* Unix seconds; the store's notion of now for the §10.4 deadline. */
typedef gint64 (*OmbudStoreClock) (gpointer user_data);

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

/* Tests move a laptop's clock with this; NULL restores the real one. */
void        ombud_store_set_clock          (OmbudStore            *self,
                                            OmbudStoreClock        clock,
                                            gpointer               user_data);
gint64      ombud_store_now                (OmbudStore            *self);
char       *ombud_store_get_guard_path     (OmbudStore            *self);
/* PROTOCOL.md §10.4, for the sync engine while the store is unlocked: the
 * guard's public key (the guard file is made on first use), whether the
 * guard holds a share already, and taking the office's sealed share (the
 * guard first, then the key file guarded). */
gboolean    ombud_store_guard_public_key   (OmbudStore            *self,
                                            guint8                *out_public_key,
                                            gboolean              *out_has_share,
                                            GError               **error);
gboolean    ombud_store_guard_take_share   (OmbudStore            *self,
                                            const guint8          *sealed,
                                            gsize                  sealed_len,
                                            const char            *url,
                                            const char            *pinned_key,
                                            const char            *ca_file,
                                            const guint8          *org_id,
                                            guint64                device_id,
                                            GError               **error);
gboolean    ombud_store_is_guarded         (OmbudStore            *self);
/* While locked (unlocking by syncing): the guard, opened with the
 * passphrase; out_kek gets the key it is sealed under.  And saving it
 * back under that key. */
gboolean    ombud_store_open_guard         (OmbudStore            *self,
                                            const char            *passphrase,
                                            OmbudGuard           **out_guard,
                                            OmbudSecret          **out_kek,
                                            GError               **error);
gboolean    ombud_store_save_guard         (OmbudStore            *self,
                                            OmbudSecret           *kek,
                                            const OmbudGuard      *guard,
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
