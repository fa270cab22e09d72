/* ombud-vfs.c: an SQLite VFS shim that seals every page with XChaCha20-Poly1305
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every page of the main database, of its WAL and of its rollback journal is
 * sealed under the database key with a fresh random nonce; the database salt
 * and the page number are the associated data, so a page moved to another
 * position or another database does not authenticate.  Nonce and tag sit in
 * the page's reserved bytes, which SQLite leaves alone.
 *
 * SQLite's own metadata (the WAL header and frame headers, the journal
 * header, page numbers and checksums) is written as SQLite gives it.  Any
 * write whose shape the shim does not know is refused rather than guessed at,
 * and temporary files are refused outright: with temp_store=MEMORY SQLite has
 * no reason to make one, and one that it did make would hold plaintext.
 *
 * See shared/notes/encrypting-vfs.md for the traps this file steers around.
 */
#include "ombud-vfs-private.h"

#include <sodium.h>
#include <string.h>

#define PAGE_SIZE       OMBUD_VFS_PAGE_SIZE
#define RESERVED        OMBUD_VFS_RESERVED_BYTES
#define USABLE          (PAGE_SIZE - RESERVED)
#define NONCE_BYTES     crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES       crypto_aead_xchacha20poly1305_ietf_ABYTES
#define WAL_HEADER      32
#define WAL_FRAME_HDR   24
#define WAL_FRAME       (WAL_FRAME_HDR + PAGE_SIZE)
/* Journal headers always start on a multiple of the smallest sector SQLite
 * uses; a journal record's page never does (see journal_write). */
#define JOURNAL_ALIGN   512
#define AD_BYTES        (8 + OMBUD_VFS_SALT_BYTES + 4)

G_STATIC_ASSERT (NONCE_BYTES + TAG_BYTES == RESERVED);

/* SQLite versions whose I/O shapes this shim was checked against. */
static const int tested_sqlite_versions[] = { 3040001 };

struct _OmbudVfs {
  sqlite3_vfs   base;            /* must stay first: SQLite sees this */
  sqlite3_vfs  *real;
  guint8       *key;             /* sodium_malloc'ed */
  guint8        salt[OMBUD_VFS_SALT_BYTES];
  char         *name;
  gboolean      zero_reserved;
};

typedef enum {
  FILE_MAIN_DB,
  FILE_WAL,
  FILE_JOURNAL,
} FileKind;

typedef struct {
  sqlite3_file  base;            /* must stay first */
  OmbudVfs     *vfs;
  FileKind      kind;
  guint8       *page;            /* PAGE_SIZE scratch for sealing */
  sqlite3_file *real;            /* the underlying file, right after this struct */
} OmbudFile;

G_DEFINE_QUARK (ombud-vfs-error-quark, ombud_vfs_error)

/* ---- sealing ------------------------------------------------------------- */

static void
page_ad (const OmbudVfs *vfs,
         guint32         pgno,
         guint8          ad[AD_BYTES])
{
  memcpy (ad, "OMBUDPG1", 8);
  memcpy (ad + 8, vfs->salt, OMBUD_VFS_SALT_BYTES);
  ad[24] = pgno & 0xff;
  ad[25] = (pgno >> 8) & 0xff;
  ad[26] = (pgno >> 16) & 0xff;
  ad[27] = (pgno >> 24) & 0xff;
}

static void
seal_page (const OmbudVfs *vfs,
           guint32         pgno,
           const guint8   *plain,
           guint8         *out)
{
  guint8 ad[AD_BYTES];
  guint8 *nonce = out + USABLE;
  guint8 *tag = nonce + NONCE_BYTES;

  page_ad (vfs, pgno, ad);
  randombytes_buf (nonce, NONCE_BYTES);
  crypto_aead_xchacha20poly1305_ietf_encrypt_detached (out, tag, NULL, plain, USABLE,
                                                       ad, sizeof ad, NULL, nonce, vfs->key);
}

/* Decrypts in place.  On success the reserved bytes are zeroed: SQLite's WAL
 * checksums cover them as they were in memory when the frame was written, and
 * in memory they are always zero. */
static gboolean
open_page (const OmbudVfs *vfs,
           guint32         pgno,
           guint8         *page)
{
  guint8 ad[AD_BYTES];
  guint8 nonce[NONCE_BYTES];
  guint8 tag[TAG_BYTES];

  page_ad (vfs, pgno, ad);
  memcpy (nonce, page + USABLE, NONCE_BYTES);
  memcpy (tag, page + USABLE + NONCE_BYTES, TAG_BYTES);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached (page, NULL, page, USABLE, tag,
                                                           ad, sizeof ad, nonce, vfs->key) != 0)
    return FALSE;
  if (vfs->zero_reserved)
    memset (page + USABLE, 0, RESERVED);
  return TRUE;
}

static guint32
get_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Page 1 carries the layout every other page relies on: refuse to write one
 * that would let SQLite put content where nonce and tag go. */
static gboolean
header_is_sealable (const guint8 *page1)
{
  guint page_size = ((guint) page1[16] << 8) | page1[17];

  return page_size == PAGE_SIZE && page1[20] == RESERVED;
}

static int
seal_and_write (OmbudFile    *f,
                guint32       pgno,
                const guint8 *plain,
                sqlite3_int64 offset)
{
  if (pgno == 1 && !header_is_sealable (plain))
    return SQLITE_IOERR_WRITE;
  seal_page (f->vfs, pgno, plain, f->page);
  return f->real->pMethods->xWrite (f->real, f->page, PAGE_SIZE, offset);
}

/* The page number of a WAL page or journal record is written just before the
 * page, by an earlier call; read it back from the file. */
static int
read_pgno (OmbudFile     *f,
           sqlite3_int64  offset,
           guint32       *pgno)
{
  guint8 be[4];
  int rc = f->real->pMethods->xRead (f->real, be, 4, offset);

  if (rc != SQLITE_OK)
    return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_DATA : rc;
  *pgno = get_be32 (be);
  return SQLITE_OK;
}

/* ---- main database -------------------------------------------------------- */

static int
main_read (OmbudFile     *f,
           guint8        *buf,
           int            amount,
           sqlite3_int64  offset)
{
  sqlite3_int64 page_start = offset - offset % PAGE_SIZE;
  guint32 pgno = (guint32) (page_start / PAGE_SIZE) + 1;
  gboolean whole = amount == PAGE_SIZE && offset == page_start;
  guint8 *page = whole ? buf : f->page;
  int rc;

  if (offset + amount > page_start + PAGE_SIZE)
    return SQLITE_IOERR_READ;

  rc = f->real->pMethods->xRead (f->real, page, PAGE_SIZE, page_start);
  if (rc == SQLITE_IOERR_SHORT_READ)
    {
      sqlite3_int64 size = 0;

      /* Past the end is how SQLite learns a database is new; a page cut
       * short inside the file is damage. */
      if (f->real->pMethods->xFileSize (f->real, &size) != SQLITE_OK || size > page_start)
        return SQLITE_IOERR_DATA;
      memset (buf, 0, amount);
      return SQLITE_IOERR_SHORT_READ;
    }
  if (rc != SQLITE_OK)
    return rc;

  if (!open_page (f->vfs, pgno, page))
    rc = SQLITE_IOERR_DATA;
  else if (!whole)
    memcpy (buf, page + (offset - page_start), amount);
  if (!whole)
    sodium_memzero (f->page, PAGE_SIZE);
  return rc;
}

static int
main_write (OmbudFile     *f,
            const guint8  *buf,
            int            amount,
            sqlite3_int64  offset)
{
  if (amount != PAGE_SIZE || offset % PAGE_SIZE != 0)
    return SQLITE_IOERR_WRITE;
  return seal_and_write (f, (guint32) (offset / PAGE_SIZE) + 1, buf, offset);
}

/* ---- write-ahead log ------------------------------------------------------
 *
 * Layout: a 32-byte header, then frames of a 24-byte header (page number
 * first) and one page.  SQLite writes a frame as header, then page; it may
 * later rewrite the page alone, or the header alone.  It reads pages alone,
 * and during recovery whole frames.
 */

static int
wal_read (OmbudFile     *f,
          guint8        *buf,
          int            amount,
          sqlite3_int64  offset)
{
  sqlite3_int64 within = (offset - WAL_HEADER) % WAL_FRAME;
  int rc;

  if (offset + amount <= WAL_HEADER)
    return f->real->pMethods->xRead (f->real, buf, amount, offset);
  if (offset < WAL_HEADER)
    return SQLITE_IOERR_READ;

  if (within == 0 && amount == WAL_FRAME)
    {
      rc = f->real->pMethods->xRead (f->real, buf, amount, offset);
      if (rc != SQLITE_OK)
        return rc;
      /* A frame that does not authenticate is a torn frame: hand back its
       * bytes so that SQLite's checksum ends the log there. */
      open_page (f->vfs, get_be32 (buf), buf + WAL_FRAME_HDR);
      return SQLITE_OK;
    }

  if (within == WAL_FRAME_HDR && amount == PAGE_SIZE)
    {
      guint32 pgno;

      rc = read_pgno (f, offset - WAL_FRAME_HDR, &pgno);
      if (rc != SQLITE_OK)
        return rc;
      rc = f->real->pMethods->xRead (f->real, buf, amount, offset);
      if (rc != SQLITE_OK)
        return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_DATA : rc;
      return open_page (f->vfs, pgno, buf) ? SQLITE_OK : SQLITE_IOERR_DATA;
    }

  /* Frame-header fields alone (SQLite re-reads checksums). */
  if (within + amount <= WAL_FRAME_HDR)
    return f->real->pMethods->xRead (f->real, buf, amount, offset);

  return SQLITE_IOERR_READ;
}

static int
wal_write (OmbudFile     *f,
           const guint8  *buf,
           int            amount,
           sqlite3_int64  offset)
{
  sqlite3_int64 within = (offset - WAL_HEADER) % WAL_FRAME;

  if (offset == 0 && amount == WAL_HEADER)
    return f->real->pMethods->xWrite (f->real, buf, amount, offset);
  if (offset < WAL_HEADER)
    return SQLITE_IOERR_WRITE;

  if (within == 0 && amount == WAL_FRAME_HDR)
    return f->real->pMethods->xWrite (f->real, buf, amount, offset);

  if (within == WAL_FRAME_HDR && amount == PAGE_SIZE)
    {
      guint32 pgno;
      int rc = read_pgno (f, offset - WAL_FRAME_HDR, &pgno);

      if (rc != SQLITE_OK)
        return rc;
      return seal_and_write (f, pgno, buf, offset);
    }

  return SQLITE_IOERR_WRITE;
}

/* ---- rollback journal -----------------------------------------------------
 *
 * Layout: a header at a sector boundary, then records of a 4-byte page
 * number, the page, and a 4-byte checksum, each written by its own call.
 * Records start right after a header, so with 4096-byte pages a record's page
 * sits 4 bytes past a multiple of 8 from a sector boundary and never on one.
 */

static gboolean
is_journal_page (int           amount,
                 sqlite3_int64 offset)
{
  return amount == PAGE_SIZE && offset % JOURNAL_ALIGN != 0;
}

static int
journal_read (OmbudFile     *f,
              guint8        *buf,
              int            amount,
              sqlite3_int64  offset)
{
  guint32 pgno;
  int rc;

  if (!is_journal_page (amount, offset))
    return f->real->pMethods->xRead (f->real, buf, amount, offset);

  rc = read_pgno (f, offset - 4, &pgno);
  if (rc == SQLITE_OK)
    rc = f->real->pMethods->xRead (f->real, buf, amount, offset);
  if (rc != SQLITE_OK)
    return rc;
  /* As in the WAL: a torn record fails SQLite's own checksum, which ends
   * the playback where the journal stopped being whole. */
  open_page (f->vfs, pgno, buf);
  return SQLITE_OK;
}

static int
journal_write (OmbudFile     *f,
               const guint8  *buf,
               int            amount,
               sqlite3_int64  offset)
{
  guint32 pgno;
  int rc;

  if (is_journal_page (amount, offset))
    {
      rc = read_pgno (f, offset - 4, &pgno);
      if (rc != SQLITE_OK)
        return rc;
      return seal_and_write (f, pgno, buf, offset);
    }
  /* Page numbers, checksums, and headers (which start on a sector). */
  if (amount == 4 || offset % JOURNAL_ALIGN == 0)
    return f->real->pMethods->xWrite (f->real, buf, amount, offset);
  return SQLITE_IOERR_WRITE;
}

/* ---- sqlite3_io_methods ---------------------------------------------------- */

static int
file_read (sqlite3_file  *file,
           void          *buf,
           int            amount,
           sqlite3_int64  offset)
{
  OmbudFile *f = (OmbudFile *) file;

  switch (f->kind)
    {
    case FILE_MAIN_DB: return main_read (f, buf, amount, offset);
    case FILE_WAL: return wal_read (f, buf, amount, offset);
    case FILE_JOURNAL: return journal_read (f, buf, amount, offset);
    default: g_assert_not_reached ();
    }
}

static int
file_write (sqlite3_file  *file,
            const void    *buf,
            int            amount,
            sqlite3_int64  offset)
{
  OmbudFile *f = (OmbudFile *) file;

  switch (f->kind)
    {
    case FILE_MAIN_DB: return main_write (f, buf, amount, offset);
    case FILE_WAL: return wal_write (f, buf, amount, offset);
    case FILE_JOURNAL: return journal_write (f, buf, amount, offset);
    default: g_assert_not_reached ();
    }
}

static int
file_close (sqlite3_file *file)
{
  OmbudFile *f = (OmbudFile *) file;
  int rc = f->real->pMethods ? f->real->pMethods->xClose (f->real) : SQLITE_OK;

  sodium_memzero (f->page, PAGE_SIZE);
  sqlite3_free (f->page);
  f->page = NULL;
  return rc;
}

#define REAL(file) (((OmbudFile *) (file))->real)

static int
file_truncate (sqlite3_file *file, sqlite3_int64 size)
{
  return REAL (file)->pMethods->xTruncate (REAL (file), size);
}

static int
file_sync (sqlite3_file *file, int flags)
{
  return REAL (file)->pMethods->xSync (REAL (file), flags);
}

static int
file_size (sqlite3_file *file, sqlite3_int64 *size)
{
  return REAL (file)->pMethods->xFileSize (REAL (file), size);
}

static int
file_lock (sqlite3_file *file, int level)
{
  return REAL (file)->pMethods->xLock (REAL (file), level);
}

static int
file_unlock (sqlite3_file *file, int level)
{
  return REAL (file)->pMethods->xUnlock (REAL (file), level);
}

static int
file_check_reserved_lock (sqlite3_file *file, int *out)
{
  return REAL (file)->pMethods->xCheckReservedLock (REAL (file), out);
}

static int
file_control (sqlite3_file *file, int op, void *arg)
{
  OmbudFile *f = (OmbudFile *) file;
  int rc;

  if (op == SQLITE_FCNTL_MMAP_SIZE)
    {
      /* A memory map would let SQLite read ciphertext without us. */
      *(sqlite3_int64 *) arg = 0;
      return SQLITE_OK;
    }

  rc = f->real->pMethods->xFileControl (f->real, op, arg);
  if (op == SQLITE_FCNTL_VFSNAME && rc == SQLITE_OK)
    {
      char *inner = *(char **) arg;
      *(char **) arg = sqlite3_mprintf ("%s/%z", f->vfs->name, inner);
    }
  return rc;
}

static int
file_sector_size (sqlite3_file *file)
{
  return REAL (file)->pMethods->xSectorSize (REAL (file));
}

static int
file_device_characteristics (sqlite3_file *file)
{
  /* Claiming powersafe overwrite stops SQLite from padding WAL commits to a
   * sector, which splits a frame across two writes the shim cannot seal.
   * The unix VFS claims it too unless told otherwise. */
  return REAL (file)->pMethods->xDeviceCharacteristics (REAL (file))
         | SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}

static int
file_shm_map (sqlite3_file *file, int region, int size, int extend, void volatile **out)
{
  return REAL (file)->pMethods->xShmMap (REAL (file), region, size, extend, out);
}

static int
file_shm_lock (sqlite3_file *file, int offset, int n, int flags)
{
  return REAL (file)->pMethods->xShmLock (REAL (file), offset, n, flags);
}

static void
file_shm_barrier (sqlite3_file *file)
{
  REAL (file)->pMethods->xShmBarrier (REAL (file));
}

static int
file_shm_unmap (sqlite3_file *file, int delete_flag)
{
  return REAL (file)->pMethods->xShmUnmap (REAL (file), delete_flag);
}

static int
file_fetch (sqlite3_file  *file G_GNUC_UNUSED,
            sqlite3_int64  offset G_GNUC_UNUSED,
            int            amount G_GNUC_UNUSED,
            void         **out)
{
  *out = NULL;
  return SQLITE_OK;
}

static int
file_unfetch (sqlite3_file  *file G_GNUC_UNUSED,
              sqlite3_int64  offset G_GNUC_UNUSED,
              void          *page G_GNUC_UNUSED)
{
  return SQLITE_OK;
}

static const sqlite3_io_methods file_methods = {
  .iVersion = 3,
  .xClose = file_close,
  .xRead = file_read,
  .xWrite = file_write,
  .xTruncate = file_truncate,
  .xSync = file_sync,
  .xFileSize = file_size,
  .xLock = file_lock,
  .xUnlock = file_unlock,
  .xCheckReservedLock = file_check_reserved_lock,
  .xFileControl = file_control,
  .xSectorSize = file_sector_size,
  .xDeviceCharacteristics = file_device_characteristics,
  .xShmMap = file_shm_map,
  .xShmLock = file_shm_lock,
  .xShmBarrier = file_shm_barrier,
  .xShmUnmap = file_shm_unmap,
  .xFetch = file_fetch,
  .xUnfetch = file_unfetch,
};

/* ---- sqlite3_vfs ----------------------------------------------------------- */

static gboolean
kind_from_flags (int       flags,
                 FileKind *kind)
{
  if (flags & SQLITE_OPEN_MAIN_DB)
    *kind = FILE_MAIN_DB;
  else if (flags & SQLITE_OPEN_WAL)
    *kind = FILE_WAL;
  else if (flags & SQLITE_OPEN_MAIN_JOURNAL)
    *kind = FILE_JOURNAL;
  else
    return FALSE;  /* temp, transient, sub- and super-journals: never plaintext on disk */
  return TRUE;
}

static int
vfs_open (sqlite3_vfs  *base,
          const char   *name,
          sqlite3_file *file,
          int           flags,
          int          *out_flags)
{
  OmbudVfs *vfs = (OmbudVfs *) base;
  OmbudFile *f = (OmbudFile *) file;
  FileKind kind;
  int rc;

  memset (f, 0, sizeof *f);
  if (name == NULL || !kind_from_flags (flags, &kind))
    return SQLITE_CANTOPEN;

  f->vfs = vfs;
  f->kind = kind;
  f->real = (sqlite3_file *) &f[1];
  f->page = sqlite3_malloc (PAGE_SIZE);
  if (f->page == NULL)
    return SQLITE_NOMEM;

  rc = vfs->real->xOpen (vfs->real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK)
    {
      sqlite3_free (f->page);
      f->page = NULL;
      return rc;
    }
  f->base.pMethods = &file_methods;
  return SQLITE_OK;
}

#define REAL_VFS(base) (((OmbudVfs *) (base))->real)

static int
vfs_delete (sqlite3_vfs *base, const char *name, int sync_dir)
{
  return REAL_VFS (base)->xDelete (REAL_VFS (base), name, sync_dir);
}

static int
vfs_access (sqlite3_vfs *base, const char *name, int flags, int *out)
{
  return REAL_VFS (base)->xAccess (REAL_VFS (base), name, flags, out);
}

static int
vfs_full_pathname (sqlite3_vfs *base, const char *name, int n, char *out)
{
  return REAL_VFS (base)->xFullPathname (REAL_VFS (base), name, n, out);
}

static int
vfs_randomness (sqlite3_vfs *base G_GNUC_UNUSED, int n, char *out)
{
  randombytes_buf (out, n);
  return n;
}

static int
vfs_sleep (sqlite3_vfs *base, int microseconds)
{
  return REAL_VFS (base)->xSleep (REAL_VFS (base), microseconds);
}

static int
vfs_current_time (sqlite3_vfs *base, double *out)
{
  return REAL_VFS (base)->xCurrentTime (REAL_VFS (base), out);
}

static int
vfs_get_last_error (sqlite3_vfs *base, int n, char *out)
{
  return REAL_VFS (base)->xGetLastError (REAL_VFS (base), n, out);
}

static int
vfs_current_time_int64 (sqlite3_vfs *base, sqlite3_int64 *out)
{
  return REAL_VFS (base)->xCurrentTimeInt64 (REAL_VFS (base), out);
}

/* ---- public API ---------------------------------------------------------- */

gboolean
ombud_vfs_check_sqlite_version (int      version_number,
                                GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (tested_sqlite_versions); i++)
    if (tested_sqlite_versions[i] == version_number)
      return TRUE;

  g_set_error (error, OMBUD_VFS_ERROR, OMBUD_VFS_ERROR_UNTESTED_SQLITE,
               "SQLite %d.%d.%d has not been tested with the encrypting store; "
               "refusing to open it (tested: 3.40.1)",
               version_number / 1000000, version_number / 1000 % 1000, version_number % 1000);
  return FALSE;
}

OmbudVfs *
ombud_vfs_new (const guint8  *key,
               const guint8  *salt,
               GError       **error)
{
  static gint counter;
  OmbudVfs *self;
  sqlite3_vfs *real;
  int rc;

  g_return_val_if_fail (key != NULL && salt != NULL, NULL);

  if (!ombud_vfs_check_sqlite_version (sqlite3_libversion_number (), error))
    return NULL;
  if (sodium_init () < 0)
    {
      g_set_error (error, OMBUD_VFS_ERROR, OMBUD_VFS_ERROR_FAILED, "libsodium failed to initialise");
      return NULL;
    }
  real = sqlite3_vfs_find (NULL);
  if (real == NULL || real->iVersion < 2)
    {
      g_set_error (error, OMBUD_VFS_ERROR, OMBUD_VFS_ERROR_FAILED, "no usable default SQLite VFS");
      return NULL;
    }

  self = g_new0 (OmbudVfs, 1);
  self->real = real;
  self->key = sodium_malloc (OMBUD_VFS_KEY_BYTES);
  memcpy (self->key, key, OMBUD_VFS_KEY_BYTES);
  memcpy (self->salt, salt, OMBUD_VFS_SALT_BYTES);
  self->name = g_strdup_printf ("ombud-%d", g_atomic_int_add (&counter, 1));
  self->zero_reserved = TRUE;

  self->base.iVersion = 2;
  self->base.szOsFile = sizeof (OmbudFile) + real->szOsFile;
  self->base.mxPathname = real->mxPathname;
  self->base.zName = self->name;
  self->base.xOpen = vfs_open;
  self->base.xDelete = vfs_delete;
  self->base.xAccess = vfs_access;
  self->base.xFullPathname = vfs_full_pathname;
  self->base.xRandomness = vfs_randomness;
  self->base.xSleep = vfs_sleep;
  self->base.xCurrentTime = vfs_current_time;
  self->base.xGetLastError = vfs_get_last_error;
  self->base.xCurrentTimeInt64 = vfs_current_time_int64;

  rc = sqlite3_vfs_register (&self->base, 0);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, OMBUD_VFS_ERROR, OMBUD_VFS_ERROR_FAILED,
                   "could not register the encrypting VFS: %s", sqlite3_errstr (rc));
      ombud_vfs_free (self);
      return NULL;
    }
  return self;
}

void
ombud_vfs_free (OmbudVfs *self)
{
  if (self == NULL)
    return;
  sqlite3_vfs_unregister (&self->base);
  sodium_free (self->key);
  sodium_memzero (self->salt, sizeof self->salt);
  g_free (self->name);
  g_free (self);
}

const char *
ombud_vfs_get_name (OmbudVfs *self)
{
  return self->name;
}

void
ombud_vfs_set_zero_reserved (OmbudVfs *self,
                             gboolean  zero_reserved)
{
  self->zero_reserved = zero_reserved;
}

void
ombud_vfs_set_sqlite_error (GError     **error,
                            sqlite3     *db,
                            int          rc,
                            const char  *what)
{
  int extended = db ? sqlite3_extended_errcode (db) : rc;

  if (extended == SQLITE_IOERR_DATA)
    g_set_error (error, OMBUD_VFS_ERROR, OMBUD_VFS_ERROR_NOT_AUTHENTIC,
                 "%s: the database did not authenticate; it is damaged, or was written "
                 "with another key", what);
  else if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
    g_set_error (error, OMBUD_VFS_ERROR, OMBUD_VFS_ERROR_CORRUPT,
                 "%s: the database is damaged (%s)", what, sqlite3_errstr (rc));
  else
    g_set_error (error, OMBUD_VFS_ERROR, OMBUD_VFS_ERROR_FAILED, "%s: %s", what,
                 db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
}

gboolean
ombud_vfs_exec (sqlite3     *db,
                const char  *sql,
                GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, "SQL failed");
      return FALSE;
    }
  return TRUE;
}

static gboolean
prepare_connection (sqlite3  *db,
                    GError  **error)
{
  int reserve = RESERVED;

  /* Temp tables, big sorts and VACUUM would otherwise spill plaintext to
   * temp files; mmap would read around the shim. */
  if (!ombud_vfs_exec (db, "PRAGMA temp_store=MEMORY; PRAGMA mmap_size=0;"
                           "PRAGMA page_size=4096;", error))
    return FALSE;
  /* Only takes effect on a new database; an existing one keeps the layout
   * in its header, which the shim checks on every write of page 1. */
  sqlite3_file_control (db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
  /* Read page 1 now, so a wrong key fails here and not at first use. */
  return ombud_vfs_exec (db, "SELECT count(*) FROM sqlite_schema", error);
}

sqlite3 *
ombud_vfs_open_db (OmbudVfs    *self,
                   const char  *path,
                   gboolean     create,
                   GError     **error)
{
  sqlite3 *db = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  int rc;

  if (create)
    flags |= SQLITE_OPEN_CREATE;
  rc = sqlite3_open_v2 (path, &db, flags, self->name);
  if (rc != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, "could not open the database");
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 1);
  /* Until the database has authenticated, closing must not checkpoint: a
   * connection that could not read the WAL would fold what it did read into
   * the database and delete the rest. */
  sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  if (!prepare_connection (db, error))
    {
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);
  return db;
}
