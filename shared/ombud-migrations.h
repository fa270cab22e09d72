/* ombud-migrations.h: numbered, transactional schema migrations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define OMBUD_MIGRATION_ERROR (ombud_migration_error_quark ())

typedef enum {
  OMBUD_MIGRATION_ERROR_NEWER,   /* the database was migrated by a newer Ombud */
  OMBUD_MIGRATION_ERROR_FAILED,  /* a step failed and was rolled back */
} OmbudMigrationError;

typedef struct {
  int         version;  /* 1, 2, 3, ... in order, never reused */
  const char *sql;
} OmbudMigration;

GQuark                ombud_migration_error_quark (void);

const OmbudMigration *ombud_migrations_get        (guint                *n_migrations);
int                   ombud_migrations_latest     (void);

gboolean              ombud_migrations_apply      (sqlite3              *db,
                                                   const OmbudMigration *migrations,
                                                   guint                 n_migrations,
                                                   int                   target_version,
                                                   GError              **error);

G_END_DECLS
