/* ombud-migrations.c: numbered, transactional schema migrations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The schema's version is PRAGMA user_version.  Each step runs in its own
 * transaction together with the version bump, so a failed step leaves the
 * database exactly at the version before it.  Steps are append-only: once a
 * version has shipped its SQL never changes.
 */
#include "ombud-migrations.h"

#include "ombud-vfs.h"

G_DEFINE_QUARK (ombud-migration-error-quark, ombud_migration_error)

static const OmbudMigration migrations[] = {
  { 1,
    "CREATE TABLE kv ("
    "  key   TEXT PRIMARY KEY NOT NULL,"
    "  value TEXT NOT NULL"
    ") STRICT, WITHOUT ROWID;" },
};

const OmbudMigration *
ombud_migrations_get (guint *n_migrations)
{
  *n_migrations = G_N_ELEMENTS (migrations);
  return migrations;
}

int
ombud_migrations_latest (void)
{
  return migrations[G_N_ELEMENTS (migrations) - 1].version;
}

static int
user_version (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

static gboolean
apply_one (sqlite3               *db,
           const OmbudMigration  *m,
           GError               **error)
{
  g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", m->version);
  g_autoptr(GError) local_error = NULL;

  if (!ombud_vfs_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (ombud_vfs_exec (db, m->sql, &local_error)
      && ombud_vfs_exec (db, bump, &local_error)
      && ombud_vfs_exec (db, "COMMIT", &local_error))
    return TRUE;

  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  g_set_error (error, OMBUD_MIGRATION_ERROR, OMBUD_MIGRATION_ERROR_FAILED,
               "schema migration to version %d failed: %s", m->version, local_error->message);
  return FALSE;
}

gboolean
ombud_migrations_apply (sqlite3               *db,
                        const OmbudMigration  *list,
                        guint                  n,
                        int                    target_version,
                        GError               **error)
{
  int current = user_version (db);

  if (current < 0)
    return ombud_vfs_exec (db, "PRAGMA user_version", error);
  if (current > list[n - 1].version)
    {
      g_set_error (error, OMBUD_MIGRATION_ERROR, OMBUD_MIGRATION_ERROR_NEWER,
                   "the store has schema version %d; this Ombud knows up to %d. "
                   "Install a newer Ombud to open it.", current, list[n - 1].version);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      const OmbudMigration *m = &list[i];

      if (m->version <= current || m->version > target_version)
        continue;
      if (!apply_one (db, m, error))
        return FALSE;
    }
  return TRUE;
}
