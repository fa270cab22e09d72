/* ombud-store.c: a user profile's encrypted replica
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A profile folder holds ombud.key (the wrapped database key), ombud.db and
 * its WAL (every page sealed by the encrypting VFS) and ombud.lock, held
 * while the store is unlocked so that two processes never write one profile.
 * Once the office has handed out a share, ombud.guard (ombud-guard.c) too:
 * the key file then opens only with it, and unlocking past the deadline
 * erases it (PROTOCOL.md §10.4).
 */
#include "ombud-store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "ombud-guard.h"
#include "ombud-migrations.h"
#include "ombud-secret.h"
#include "ombud-vfs.h"

#define DB_NAME   "ombud.db"
#define KEY_NAME  "ombud.key"
#define LOCK_NAME "ombud.lock"
/* Pages stay decrypted in the cache; 16 MiB holds a whole caseload. */
#define CACHE_KIB 16384

struct _OmbudStore {
  GObject    parent_instance;

  char      *profile_dir;
  OmbudVfs  *vfs;
  sqlite3   *db;
  int        lock_fd;
  OmbudSecret *kek;        /* the passphrase-derived key, while unlocked */
  OmbudStoreClock clock;
  gpointer   clock_data;
};

G_DEFINE_FINAL_TYPE (OmbudStore, ombud_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (ombud-store-error-quark, ombud_store_error)

enum {
  PROP_0,
  PROP_PROFILE_DIR,
  PROP_UNLOCKED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What opening a profile produces; built off the main thread, then installed. */
typedef struct {
  OmbudVfs *vfs;
  sqlite3  *db;
  int       lock_fd;
  OmbudSecret *kek;
} Opened;

static void
opened_free (Opened *o)
{
  if (o == NULL)
    return;
  if (o->db)
    sqlite3_close (o->db);
  g_clear_pointer (&o->vfs, ombud_vfs_free);
  if (o->lock_fd >= 0)
    close (o->lock_fd);
  g_clear_pointer (&o->kek, ombud_secret_free);
  g_free (o);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Opened, opened_free)

static char *
profile_path (const char *dir,
              const char *name)
{
  return g_build_filename (dir, name, NULL);
}

/* Every module's error becomes one a caller of the store can act on. */
static void
propagate (GError **error,
           GError  *src)
{
  OmbudStoreError code = OMBUD_STORE_ERROR_FAILED;

  if (src->domain == OMBUD_KEYFILE_ERROR)
    {
      switch ((OmbudKeyfileError) src->code)
        {
        case OMBUD_KEYFILE_ERROR_WRONG_PASSPHRASE: code = OMBUD_STORE_ERROR_WRONG_PASSPHRASE; break;
        case OMBUD_KEYFILE_ERROR_CORRUPTED: code = OMBUD_STORE_ERROR_CORRUPTED; break;
        case OMBUD_KEYFILE_ERROR_UNSUPPORTED_VERSION: code = OMBUD_STORE_ERROR_UNSUPPORTED_VERSION; break;
        case OMBUD_KEYFILE_ERROR_NOT_FOUND: code = OMBUD_STORE_ERROR_NO_PROFILE; break;
        case OMBUD_KEYFILE_ERROR_FAILED: break;
        case OMBUD_KEYFILE_ERROR_GUARDED: code = OMBUD_STORE_ERROR_STALE; break;
        }
    }
  else if (src->domain == OMBUD_GUARD_ERROR)
    {
      switch ((OmbudGuardError) src->code)
        {
        case OMBUD_GUARD_ERROR_WRONG_PASSPHRASE: code = OMBUD_STORE_ERROR_WRONG_PASSPHRASE; break;
        case OMBUD_GUARD_ERROR_CORRUPTED: code = OMBUD_STORE_ERROR_CORRUPTED; break;
        case OMBUD_GUARD_ERROR_NOT_FOUND: code = OMBUD_STORE_ERROR_CORRUPTED; break;
        case OMBUD_GUARD_ERROR_UNSUPPORTED_VERSION: code = OMBUD_STORE_ERROR_UNSUPPORTED_VERSION; break;
        case OMBUD_GUARD_ERROR_FAILED: break;
        }
    }
  else if (src->domain == OMBUD_VFS_ERROR)
    {
      if (src->code == OMBUD_VFS_ERROR_UNTESTED_SQLITE)
        code = OMBUD_STORE_ERROR_UNSUPPORTED_VERSION;
      else if (src->code == OMBUD_VFS_ERROR_NOT_AUTHENTIC || src->code == OMBUD_VFS_ERROR_CORRUPT)
        code = OMBUD_STORE_ERROR_CORRUPTED;
    }
  else if (src->domain == OMBUD_MIGRATION_ERROR && src->code == OMBUD_MIGRATION_ERROR_NEWER)
    code = OMBUD_STORE_ERROR_UNSUPPORTED_VERSION;
  else if (src->domain == OMBUD_STORE_ERROR)
    code = src->code;

  g_set_error_literal (error, OMBUD_STORE_ERROR, code, src->message);
  g_error_free (src);
}

static int
acquire_profile_lock (const char  *dir,
                      GError     **error)
{
  g_autofree char *path = profile_path (dir, LOCK_NAME);
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_FAILED,
                   "cannot open %s: %s", path, g_strerror (saved));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;
      close (fd);
      if (saved == EWOULDBLOCK)
        g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_BUSY,
                     "the profile %s is open in another program", dir);
      else
        g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_FAILED,
                     "cannot lock %s: %s", path, g_strerror (saved));
      return -1;
    }
  return fd;
}

static gboolean
configure (sqlite3  *db,
           GError  **error)
{
  g_autofree char *pragmas =
    g_strdup_printf ("PRAGMA busy_timeout=5000;"
                     "PRAGMA journal_mode=WAL;"
                     "PRAGMA synchronous=FULL;"
                     "PRAGMA foreign_keys=ON;"
                     /* deleted content is overwritten, not left in free pages */
                     "PRAGMA secure_delete=ON;"
                     "PRAGMA cache_size=-%d;", CACHE_KIB);
  guint n;
  const OmbudMigration *list = ombud_migrations_get (&n);

  return ombud_vfs_exec (db, pragmas, error)
         && ombud_migrations_apply (db, list, n, ombud_migrations_latest (), error);
}

static Opened *
open_database (const char    *dir,
               int            lock_fd,
               OmbudSecret   *key,
               const guint8  *salt,
               gboolean       create,
               GError       **error)
{
  g_autoptr(Opened) o = g_new0 (Opened, 1);
  g_autofree char *db_path = profile_path (dir, DB_NAME);

  o->lock_fd = lock_fd;
  o->vfs = ombud_vfs_new (ombud_secret_get_data (key), salt, error);
  if (o->vfs == NULL)
    return NULL;
  o->db = ombud_vfs_open_db (o->vfs, db_path, create, error);
  if (o->db == NULL)
    return NULL;
  /* SQLite creates files 0644, and gives the WAL the database's mode. */
  if (create)
    g_chmod (db_path, 0600);
  if (!configure (o->db, error))
    return NULL;
  return g_steal_pointer (&o);
}

/* A passphrase change writes the new guard beside the old one first
 * (ombud.guard.new), then the key file, then renames: a crash in between
 * leaves the new guard to be found here under the new passphrase. */
static OmbudGuard *
load_guard (const char   *dir,
            OmbudSecret  *kek,
            GError      **error)
{
  g_autofree char *path = profile_path (dir, OMBUD_GUARD_FILE);
  g_autofree char *next = g_strconcat (path, ".new", NULL);
  GError *local_error = NULL;
  OmbudGuard *guard = ombud_guard_load (path, kek, &local_error);

  if (guard == NULL && g_file_test (next, G_FILE_TEST_EXISTS)
      && (guard = ombud_guard_load (next, kek, NULL)) != NULL)
    {
      g_clear_error (&local_error);
      g_rename (next, path);
    }
  if (guard == NULL)
    g_propagate_error (error, local_error);
  return guard;
}

/* PROTOCOL.md §10.4: past the deadline the share goes from the guard file
 * (durably) and the profile stays shut until a sync brings it again. */
static gboolean
check_deadline (const char   *dir,
                OmbudSecret  *kek,
                OmbudGuard   *guard,
                gint64        now,
                GError      **error)
{
  g_autofree char *path = profile_path (dir, OMBUD_GUARD_FILE);

  if (!ombud_guard_is_stale (guard, now))
    return TRUE;
  if (guard->has_share)
    {
      sodium_memzero (guard->share, sizeof guard->share);
      guard->has_share = FALSE;
      if (!ombud_guard_save (path, kek, guard, error))
        return FALSE;
    }
  g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_STALE,
               "This laptop has not synced with the office for %" G_GINT64_FORMAT " days; "
               "its cases stay locked until it syncs again",
               ombud_guard_days_since (guard, now));
  return FALSE;
}

static OmbudSecret *
unwrap_key (const char   *dir,
            const char   *passphrase,
            gint64        now,
            guint8       *salt,
            OmbudSecret **out_kek,
            GError      **error)
{
  g_autofree char *key_path = profile_path (dir, KEY_NAME);
  g_autoptr(OmbudSecret) kek = NULL;
  g_autoptr(OmbudGuard) guard = NULL;
  OmbudSecret *key = NULL;
  gboolean guarded = FALSE;

  kek = ombud_keyfile_derive (key_path, passphrase, &guarded, error);
  if (kek == NULL)
    return NULL;
  if (guarded)
    {
      guard = load_guard (dir, kek, error);
      if (guard == NULL || !check_deadline (dir, kek, guard, now, error))
        return NULL;
    }
  if (!ombud_keyfile_unwrap_with (key_path, kek, guard ? guard->share : NULL, &key, salt, NULL, error))
    return NULL;
  *out_kek = g_steal_pointer (&kek);
  return key;
}

static Opened *
open_profile (const char  *dir,
              const char  *passphrase,
              gint64       now,
              GError     **error)
{
  g_autofree char *key_path = profile_path (dir, KEY_NAME);
  g_autoptr(OmbudSecret) key = NULL;
  g_autoptr(OmbudSecret) kek = NULL;
  guint8 salt[OMBUD_KEYFILE_SALT_BYTES];
  GError *local_error = NULL;
  Opened *o;
  int lock_fd;

  if (!g_file_test (key_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_NO_PROFILE,
                   "there is no Ombud profile in %s", dir);
      return NULL;
    }
  lock_fd = acquire_profile_lock (dir, &local_error);
  if (lock_fd < 0 || (key = unwrap_key (dir, passphrase, now, salt, &kek, &local_error)) == NULL)
    {
      if (lock_fd >= 0)
        close (lock_fd);
      propagate (error, local_error);
      return NULL;
    }
  o = open_database (dir, lock_fd, key, salt, FALSE, &local_error);
  sodium_memzero (salt, sizeof salt);
  if (o == NULL)
    propagate (error, local_error);
  else
    o->kek = g_steal_pointer (&kek);
  return o;
}

static void
install (OmbudStore *self,
         Opened     *o)
{
  self->vfs = g_steal_pointer (&o->vfs);
  self->db = g_steal_pointer (&o->db);
  self->lock_fd = o->lock_fd;
  self->kek = g_steal_pointer (&o->kek);
  o->lock_fd = -1;
  opened_free (o);
  ombud_secret_hold_core_dumps_off ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNLOCKED]);
}

static gboolean
check_passphrase (const char  *passphrase,
                  GError     **error)
{
  if (passphrase == NULL || *passphrase == '\0')
    {
      g_set_error_literal (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_INVALID,
                           "the passphrase is empty");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_unlocked (OmbudStore  *self,
                GError     **error)
{
  if (self->db == NULL)
    {
      g_set_error_literal (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_LOCKED,
                           "the store is locked");
      return FALSE;
    }
  return TRUE;
}

static void
ombud_store_finalize (GObject *object)
{
  OmbudStore *self = (OmbudStore *) object;

  ombud_store_lock (self);
  g_free (self->profile_dir);

  G_OBJECT_CLASS (ombud_store_parent_class)->finalize (object);
}

static void
ombud_store_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  OmbudStore *self = OMBUD_STORE (object);

  switch (prop_id)
    {
    case PROP_PROFILE_DIR:
      g_value_set_string (value, self->profile_dir);
      break;
    case PROP_UNLOCKED:
      g_value_set_boolean (value, ombud_store_get_unlocked (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_store_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  OmbudStore *self = OMBUD_STORE (object);

  switch (prop_id)
    {
    case PROP_PROFILE_DIR:
      self->profile_dir = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_store_class_init (OmbudStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ombud_store_finalize;
  object_class->get_property = ombud_store_get_property;
  object_class->set_property = ombud_store_set_property;

  properties[PROP_PROFILE_DIR] =
    g_param_spec_string ("profile-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNLOCKED] =
    g_param_spec_boolean ("unlocked", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ombud_store_init (OmbudStore *self)
{
  self->lock_fd = -1;
}

OmbudStore *
ombud_store_new (const char *profile_dir)
{
  g_return_val_if_fail (profile_dir != NULL, NULL);

  return g_object_new (OMBUD_TYPE_STORE, "profile-dir", profile_dir, NULL);
}

const char *
ombud_store_get_profile_dir (OmbudStore *self)
{
  g_return_val_if_fail (OMBUD_IS_STORE (self), NULL);

  return self->profile_dir;
}

gboolean
ombud_store_get_unlocked (OmbudStore *self)
{
  g_return_val_if_fail (OMBUD_IS_STORE (self), FALSE);

  return self->db != NULL;
}

gboolean
ombud_store_exists (OmbudStore *self)
{
  g_autofree char *key_path = profile_path (self->profile_dir, KEY_NAME);

  return g_file_test (key_path, G_FILE_TEST_EXISTS);
}

static void
remove_database_files (const char *dir)
{
  static const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (DB_NAME, suffixes[i], NULL);
      g_autofree char *path = profile_path (dir, name);
      g_unlink (path);
    }
}

gboolean
ombud_store_create (OmbudStore            *self,
                    const char            *passphrase,
                    const OmbudKdfLimits  *limits,
                    GError               **error)
{
  g_autofree char *key_path = NULL;
  g_autoptr(OmbudSecret) key = NULL;
  guint8 salt[OMBUD_KEYFILE_SALT_BYTES];
  GError *local_error = NULL;
  Opened *o;
  int lock_fd;

  g_return_val_if_fail (OMBUD_IS_STORE (self), FALSE);

  if (!check_passphrase (passphrase, error))
    return FALSE;
  if (ombud_store_exists (self))
    {
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_EXISTS,
                   "there is already an Ombud profile in %s", self->profile_dir);
      return FALSE;
    }
  if (g_mkdir_with_parents (self->profile_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_FAILED,
                   "cannot create %s: %s", self->profile_dir, g_strerror (saved));
      return FALSE;
    }
  lock_fd = acquire_profile_lock (self->profile_dir, &local_error);
  if (lock_fd < 0)
    {
      propagate (error, local_error);
      return FALSE;
    }

  /* Left over from a creation that never wrote its key: unreadable anyway. */
  remove_database_files (self->profile_dir);
  key = ombud_secret_new_random (OMBUD_VFS_KEY_BYTES);
  randombytes_buf (salt, sizeof salt);
  key_path = profile_path (self->profile_dir, KEY_NAME);

  /* The key file goes last: a profile with a key file is a complete one. */
  o = open_database (self->profile_dir, lock_fd, key, salt, TRUE, &local_error);
  if (o == NULL
      || !ombud_keyfile_write_full (key_path, passphrase, limits, key, salt, NULL, &o->kek, &local_error))
    {
      if (o == NULL)
        close (lock_fd);
      opened_free (o);
      remove_database_files (self->profile_dir);
      propagate (error, local_error);
      return FALSE;
    }
  install (self, o);
  return TRUE;
}

gboolean
ombud_store_unlock (OmbudStore  *self,
                    const char  *passphrase,
                    GError     **error)
{
  Opened *o;

  g_return_val_if_fail (OMBUD_IS_STORE (self), FALSE);

  if (self->db != NULL)
    return TRUE;
  if (!check_passphrase (passphrase, error))
    return FALSE;
  o = open_profile (self->profile_dir, passphrase, ombud_store_now (self), error);
  if (o == NULL)
    return FALSE;
  install (self, o);
  return TRUE;
}

typedef struct {
  char *profile_dir;
  char *passphrase;  /* sodium_malloc'ed */
  gint64 now;
} UnlockData;

static void
unlock_data_free (UnlockData *data)
{
  g_free (data->profile_dir);
  sodium_free (data->passphrase);
  g_free (data);
}

static void
unlock_thread (GTask        *task,
               gpointer      source_object G_GNUC_UNUSED,
               gpointer      task_data,
               GCancellable *cancellable G_GNUC_UNUSED)
{
  UnlockData *data = task_data;
  GError *error = NULL;
  Opened *o = open_profile (data->profile_dir, data->passphrase, data->now, &error);

  if (o == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, o, (GDestroyNotify) opened_free);
}

void
ombud_store_unlock_async (OmbudStore          *self,
                          const char          *passphrase,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  UnlockData *data;
  GError *error = NULL;
  gsize len;

  g_return_if_fail (OMBUD_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ombud_store_unlock_async);
  if (!check_passphrase (passphrase, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  data = g_new0 (UnlockData, 1);
  data->profile_dir = g_strdup (self->profile_dir);
  data->now = ombud_store_now (self);
  len = strlen (passphrase) + 1;
  data->passphrase = sodium_malloc (len);
  memcpy (data->passphrase, passphrase, len);
  g_task_set_task_data (task, data, (GDestroyNotify) unlock_data_free);
  g_task_run_in_thread (task, unlock_thread);
}

gboolean
ombud_store_unlock_finish (OmbudStore    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  Opened *o;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  o = g_task_propagate_pointer (G_TASK (result), error);
  if (o == NULL)
    return FALSE;
  if (self->db != NULL)
    {
      opened_free (o);  /* unlocked meanwhile through another path */
      return TRUE;
    }
  install (self, o);
  return TRUE;
}

void
ombud_store_lock (OmbudStore *self)
{
  g_return_if_fail (OMBUD_IS_STORE (self));

  if (self->db == NULL)
    return;

  if (sqlite3_close (self->db) != SQLITE_OK)
    g_critical ("a statement on the store was left open while locking");
  self->db = NULL;
  g_clear_pointer (&self->vfs, ombud_vfs_free);
  close (self->lock_fd);
  self->lock_fd = -1;
  g_clear_pointer (&self->kek, ombud_secret_free);
  ombud_secret_release_core_dumps ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNLOCKED]);
}

/* A guarded profile: the guard goes under the new passphrase too, written
 * beside the old one first (see load_guard). */
static gboolean
change_guarded_passphrase (OmbudStore  *self,
                           const char  *old_passphrase,
                           const char  *new_passphrase,
                           GError     **error)
{
  g_autofree char *key_path = profile_path (self->profile_dir, KEY_NAME);
  g_autofree char *guard_path = profile_path (self->profile_dir, OMBUD_GUARD_FILE);
  g_autofree char *next = g_strconcat (guard_path, ".new", NULL);
  g_autoptr(OmbudSecret) kek = NULL;
  g_autoptr(OmbudSecret) new_kek = NULL;
  g_autoptr(OmbudGuard) guard = NULL;
  g_autoptr(OmbudSecret) key = NULL;
  guint8 salt[OMBUD_KEYFILE_SALT_BYTES];
  OmbudKdfLimits limits;

  kek = ombud_keyfile_derive (key_path, old_passphrase, NULL, error);
  if (kek == NULL || (guard = load_guard (self->profile_dir, kek, error)) == NULL
      || !check_deadline (self->profile_dir, kek, guard, ombud_store_now (self), error)
      || !ombud_keyfile_unwrap_with (key_path, kek, guard->share, &key, salt, &limits, error))
    return FALSE;
  /* A fresh salt, so a fresh passphrase-derived key: made by writing the
   * key file to a scratch path first, then the guard beside, then both. */
  {
    g_autofree char *scratch = g_strconcat (key_path, ".new", NULL);
    gboolean ok = ombud_keyfile_write_full (scratch, new_passphrase, &limits, key, salt,
                                            guard->share, &new_kek, error)
                  && ombud_guard_save (next, new_kek, guard, error);
    if (ok && g_rename (scratch, key_path) != 0)
      {
        int saved = errno;
        ok = FALSE;
        g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_FAILED,
                     "cannot replace %s: %s", key_path, g_strerror (saved));
      }
    g_unlink (scratch);
    sodium_memzero (salt, sizeof salt);
    if (!ok)
      {
        g_unlink (next);
        return FALSE;
      }
  }
  if (g_rename (next, guard_path) != 0)
    {
      int saved = errno;
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_FAILED,
                   "cannot replace %s: %s", guard_path, g_strerror (saved));
      return FALSE;
    }
  if (self->kek != NULL)
    {
      ombud_secret_free (self->kek);
      self->kek = g_steal_pointer (&new_kek);
    }
  return TRUE;
}

gboolean
ombud_store_change_passphrase (OmbudStore  *self,
                               const char  *old_passphrase,
                               const char  *new_passphrase,
                               GError     **error)
{
  g_autofree char *key_path = NULL;
  g_autoptr(OmbudSecret) new_kek = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (OMBUD_IS_STORE (self), FALSE);

  if (!check_passphrase (old_passphrase, error) || !check_passphrase (new_passphrase, error))
    return FALSE;
  if (ombud_store_is_guarded (self))
    {
      if (!change_guarded_passphrase (self, old_passphrase, new_passphrase, &local_error))
        {
          propagate (error, local_error);
          return FALSE;
        }
      return TRUE;
    }
  key_path = profile_path (self->profile_dir, KEY_NAME);
  if (!ombud_keyfile_rewrap_full (key_path, old_passphrase, new_passphrase, &new_kek, &local_error))
    {
      propagate (error, local_error);
      return FALSE;
    }
  if (self->kek != NULL)
    {
      ombud_secret_free (self->kek);
      self->kek = g_steal_pointer (&new_kek);
    }
  /* A guard without a share (made for the office, not yet answered) was
   * under the old passphrase: it goes, and the next sync makes a new one. */
  {
    g_autofree char *guard_path = profile_path (self->profile_dir, OMBUD_GUARD_FILE);
    g_unlink (guard_path);
  }
  return TRUE;
}

gboolean
ombud_store_open_guard (OmbudStore    *self,
                        const char    *passphrase,
                        OmbudGuard   **out_guard,
                        OmbudSecret  **out_kek,
                        GError       **error)
{
  g_autofree char *key_path = NULL;
  g_autoptr(OmbudSecret) kek = NULL;
  GError *local_error = NULL;
  OmbudGuard *guard;

  g_return_val_if_fail (OMBUD_IS_STORE (self), FALSE);

  if (!check_passphrase (passphrase, error))
    return FALSE;
  key_path = profile_path (self->profile_dir, KEY_NAME);
  kek = ombud_keyfile_derive (key_path, passphrase, NULL, &local_error);
  if (kek == NULL || (guard = load_guard (self->profile_dir, kek, &local_error)) == NULL)
    {
      propagate (error, local_error);
      return FALSE;
    }
  *out_guard = guard;
  *out_kek = g_steal_pointer (&kek);
  return TRUE;
}

gboolean
ombud_store_save_guard (OmbudStore     *self,
                        OmbudSecret    *kek,
                        const OmbudGuard *guard,
                        GError        **error)
{
  g_autofree char *path = profile_path (self->profile_dir, OMBUD_GUARD_FILE);
  GError *local_error = NULL;

  if (!ombud_guard_save (path, kek, guard, &local_error))
    {
      propagate (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static gint64
real_clock (gpointer user_data G_GNUC_UNUSED)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

void
ombud_store_set_clock (OmbudStore      *self,
                       OmbudStoreClock  clock,
                       gpointer         user_data)
{
  g_return_if_fail (OMBUD_IS_STORE (self));

  self->clock = clock;
  self->clock_data = user_data;
}

gint64
ombud_store_now (OmbudStore *self)
{
  g_return_val_if_fail (OMBUD_IS_STORE (self), 0);

  return self->clock ? self->clock (self->clock_data) : real_clock (NULL);
}

char *
ombud_store_get_guard_path (OmbudStore *self)
{
  return profile_path (self->profile_dir, OMBUD_GUARD_FILE);
}

gboolean
ombud_store_is_guarded (OmbudStore *self)
{
  g_autofree char *key_path = profile_path (self->profile_dir, KEY_NAME);
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  return g_key_file_load_from_file (kf, key_path, G_KEY_FILE_NONE, NULL)
         && g_key_file_get_boolean (kf, "Ombud Key", "Guarded", NULL);
}

static OmbudGuard *
guard_of (OmbudStore  *self,
          GError     **error)
{
  g_autofree char *path = profile_path (self->profile_dir, OMBUD_GUARD_FILE);
  GError *local_error = NULL;
  OmbudGuard *guard;

  if (!check_unlocked (self, error))
    return NULL;
  guard = load_guard (self->profile_dir, self->kek, &local_error);
  if (guard != NULL)
    return guard;
  if (!g_error_matches (local_error, OMBUD_GUARD_ERROR, OMBUD_GUARD_ERROR_NOT_FOUND))
    {
      propagate (error, local_error);
      return NULL;
    }
  g_clear_error (&local_error);
  guard = ombud_guard_new ();
  if (!ombud_guard_save (path, self->kek, guard, &local_error))
    {
      ombud_guard_free (guard);
      propagate (error, local_error);
      return NULL;
    }
  return guard;
}

gboolean
ombud_store_guard_public_key (OmbudStore  *self,
                              guint8      *out_public_key,
                              gboolean    *out_has_share,
                              GError     **error)
{
  g_autoptr(OmbudGuard) guard = NULL;

  g_return_val_if_fail (OMBUD_IS_STORE (self), FALSE);

  guard = guard_of (self, error);
  if (guard == NULL)
    return FALSE;
  memcpy (out_public_key, guard->public_key, OMBUD_GUARD_KEY_BYTES);
  *out_has_share = guard->has_share && ombud_store_is_guarded (self);
  return TRUE;
}

gboolean
ombud_store_guard_take_share (OmbudStore    *self,
                              const guint8  *sealed,
                              gsize          sealed_len,
                              const char    *url,
                              const char    *pinned_key,
                              const char    *ca_file,
                              const guint8  *org_id,
                              guint64        device_id,
                              GError       **error)
{
  g_autofree char *path = profile_path (self->profile_dir, OMBUD_GUARD_FILE);
  g_autofree char *key_path = profile_path (self->profile_dir, KEY_NAME);
  g_autoptr(OmbudGuard) guard = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (OMBUD_IS_STORE (self), FALSE);

  guard = guard_of (self, error);
  if (guard == NULL)
    return FALSE;
  if (!ombud_guard_open_share (guard, sealed, sealed_len, &local_error))
    {
      propagate (error, local_error);
      return FALSE;
    }
  guard->last_sync = ombud_store_now (self);
  g_free (guard->url);
  guard->url = g_strdup (url);
  g_free (guard->pinned_key);
  guard->pinned_key = g_strdup (pinned_key);
  g_free (guard->ca_file);
  guard->ca_file = g_strdup (ca_file);
  memcpy (guard->org_id, org_id, 16);
  guard->device_id = device_id;
  /* The guard first: a crash before the key file is rewritten leaves a
   * profile that still opens with the passphrase alone. */
  if (!ombud_guard_save (path, self->kek, guard, &local_error)
      || !ombud_keyfile_guard (key_path, self->kek, guard->share, &local_error))
    {
      propagate (error, local_error);
      return FALSE;
    }
  return TRUE;
}

sqlite3 *
ombud_store_get_db (OmbudStore *self)
{
  g_return_val_if_fail (OMBUD_IS_STORE (self), NULL);

  return self->db;
}

int
ombud_store_get_schema_version (OmbudStore *self)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  g_return_val_if_fail (OMBUD_IS_STORE (self), -1);

  if (self->db != NULL
      && sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

static void
set_db_error (OmbudStore  *self,
              GError     **error,
              int          rc,
              const char  *what)
{
  GError *local_error = NULL;

  ombud_vfs_set_sqlite_error (&local_error, self->db, rc, what);
  propagate (error, local_error);
}

gboolean
ombud_store_put (OmbudStore  *self,
                 const char  *key,
                 const char  *value,
                 GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (OMBUD_IS_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  if (!check_unlocked (self, error))
    return FALSE;
  rc = sqlite3_prepare_v2 (self->db,
                           "INSERT INTO kv (key, value) VALUES (?1, ?2) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, rc, "could not save the value");
      return FALSE;
    }
  return TRUE;
}

char *
ombud_store_get (OmbudStore  *self,
                 const char  *key,
                 GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;
  int rc;

  g_return_val_if_fail (OMBUD_IS_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  if (!check_unlocked (self, error))
    return NULL;
  rc = sqlite3_prepare_v2 (self->db, "SELECT value FROM kv WHERE key = ?1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
    }
  if (rc == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc == SQLITE_DONE)
    g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_NOT_FOUND, "no value for “%s”", key);
  else
    set_db_error (self, error, rc, "could not read the value");
  sqlite3_finalize (stmt);
  return value;
}

gboolean
ombud_store_check_integrity (OmbudStore  *self,
                             GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *first = NULL;
  int rc;

  g_return_val_if_fail (OMBUD_IS_STORE (self), FALSE);

  if (!check_unlocked (self, error))
    return FALSE;
  /* Reads every page, so every page is authenticated too. */
  rc = sqlite3_prepare_v2 (self->db, "PRAGMA integrity_check", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    first = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);

  if (rc != SQLITE_ROW)
    {
      set_db_error (self, error, rc, "integrity check failed");
      return FALSE;
    }
  if (g_strcmp0 (first, "ok") != 0)
    {
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_CORRUPTED,
                   "integrity check failed: %s", first);
      return FALSE;
    }
  return TRUE;
}

/* A backup is a profile folder of its own: the same key file, and a copy of
 * the database written through the same encrypting VFS, so it unlocks with the
 * same passphrase and holds no plaintext. */
gboolean
ombud_store_backup (OmbudStore  *self,
                    const char  *dest_dir,
                    GError     **error)
{
  g_autofree char *src_key = NULL, *dest_key = NULL, *dest_db = NULL;
  g_autofree char *key_bytes = NULL;
  sqlite3_backup *backup;
  sqlite3 *dest;
  GError *local_error = NULL;
  gsize key_len;
  int rc;

  g_return_val_if_fail (OMBUD_IS_STORE (self), FALSE);

  if (!check_unlocked (self, error))
    return FALSE;
  dest_key = profile_path (dest_dir, KEY_NAME);
  dest_db = profile_path (dest_dir, DB_NAME);
  if (g_file_test (dest_key, G_FILE_TEST_EXISTS) || g_file_test (dest_db, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_EXISTS,
                   "%s already holds a profile", dest_dir);
      return FALSE;
    }
  if (g_mkdir_with_parents (dest_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_FAILED,
                   "cannot create %s: %s", dest_dir, g_strerror (saved));
      return FALSE;
    }

  dest = ombud_vfs_open_db (self->vfs, dest_db, TRUE, &local_error);
  if (dest == NULL)
    {
      propagate (error, local_error);
      return FALSE;
    }
  backup = sqlite3_backup_init (dest, "main", self->db, "main");
  rc = backup ? sqlite3_backup_step (backup, -1) : sqlite3_errcode (dest);
  sqlite3_backup_finish (backup);
  if (rc != SQLITE_DONE)
    ombud_vfs_set_sqlite_error (&local_error, dest, rc, "backup failed");
  sqlite3_close (dest);

  src_key = profile_path (self->profile_dir, KEY_NAME);
  if (local_error == NULL
      && g_file_get_contents (src_key, &key_bytes, &key_len, &local_error))
    g_file_set_contents_full (dest_key, key_bytes, key_len,
                              G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                              0600, &local_error);
  /* A guarded key file opens only with its guard. */
  if (local_error == NULL)
    {
      g_autofree char *src_guard = profile_path (self->profile_dir, OMBUD_GUARD_FILE);
      g_autofree char *dest_guard = profile_path (dest_dir, OMBUD_GUARD_FILE);
      g_autofree char *guard_bytes = NULL;
      gsize guard_len;

      if (g_file_get_contents (src_guard, &guard_bytes, &guard_len, NULL))
        g_file_set_contents_full (dest_guard, guard_bytes, guard_len,
                                  G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                  0600, &local_error);
    }
  if (local_error != NULL)
    {
      remove_database_files (dest_dir);
      propagate (error, local_error);
      return FALSE;
    }
  return TRUE;
}
