/* ombud-vfs.h: an SQLite VFS shim that seals every page with XChaCha20-Poly1305
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define OMBUD_VFS_ERROR (ombud_vfs_error_quark ())

typedef enum {
  OMBUD_VFS_ERROR_UNTESTED_SQLITE,  /* the SQLite library is a version the shim was not tested on */
  OMBUD_VFS_ERROR_NOT_AUTHENTIC,    /* a page failed authentication: wrong key, plaintext, tampered */
  OMBUD_VFS_ERROR_CORRUPT,          /* pages authenticate but SQLite finds them inconsistent */
  OMBUD_VFS_ERROR_FAILED,           /* any other SQLite failure; the message says which */
} OmbudVfsError;

#define OMBUD_VFS_KEY_BYTES      32
#define OMBUD_VFS_SALT_BYTES     16
#define OMBUD_VFS_PAGE_SIZE      4096
/* nonce (24) + tag (16) live in each page's reserved bytes */
#define OMBUD_VFS_RESERVED_BYTES 40

typedef struct _OmbudVfs OmbudVfs;

GQuark      ombud_vfs_error_quark         (void);

gboolean    ombud_vfs_check_sqlite_version (int           version_number,
                                            GError      **error);

OmbudVfs   *ombud_vfs_new                 (const guint8  *key,
                                           const guint8  *salt,
                                           GError       **error);
void        ombud_vfs_free                (OmbudVfs      *self);
const char *ombud_vfs_get_name            (OmbudVfs      *self);

sqlite3    *ombud_vfs_open_db             (OmbudVfs      *self,
                                           const char    *path,
                                           gboolean       create,
                                           GError       **error);

gboolean    ombud_vfs_exec                (sqlite3       *db,
                                           const char    *sql,
                                           GError       **error);

void        ombud_vfs_set_sqlite_error    (GError       **error,
                                           sqlite3       *db,
                                           int            rc,
                                           const char    *what);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudVfs, ombud_vfs_free)

G_END_DECLS
