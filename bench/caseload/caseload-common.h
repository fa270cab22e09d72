/* caseload-common.h: what the caseload benchmarks share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "caseload-gen.h"
#include "ombud-caseload.h"
#include "ombud-store.h"

G_BEGIN_DECLS

#define CL_PASSPHRASE "korrekt häst batteri häftklammer"

typedef struct {
  gboolean  quick;
  guint     reps;        /* runs (or passes) per figure */
  char     *cache_dir;   /* built stores, kept between runs */
  char     *sql_profile; /* where to write a per-statement profile, or NULL */
  char    **pragmas;     /* PRAGMAs for both sides of the catch-up, or NULL */
} ClOptions;

void        cl_options_clear        (ClOptions          *opts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ClOptions, cl_options_clear)
gboolean    cl_options_parse        (ClOptions          *opts,
                                     const char         *summary,
                                     guint               default_reps,
                                     int                *argc,
                                     char             ***argv,
                                     GError            **error);

/* ---- figures ---------------------------------------------------------------- */

double      cl_now                  (void);
double      cl_median               (const double       *values,
                                     guint               n);
double      cl_percentile           (const double       *values,
                                     guint               n,
                                     double              p);
void        cl_print                (const char         *bench,
                                     double              ours,
                                     double              baseline,
                                     const char         *unit);

/* ---- stores ------------------------------------------------------------------- */

/* A built store in the cache folder, and what built it. */
typedef struct {
  char         *profile_dir;
  char         *plain_path;   /* the plain copy, or NULL when not asked for */
  ClGenSummary  summary;
  double        build_seconds;
  gboolean      built_now;
} ClBuilt;

void        cl_built_clear          (ClBuilt            *built);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ClBuilt, cl_built_clear)

/* Builds the store NAME in the cache folder with PARAMS unless a complete
 * one from the same parameters is there; with WITH_PLAIN, also its plain
 * copy (see cl_plain_copy).  Takes a lock on the cache folder meanwhile. */
gboolean    cl_ensure_store         (const ClOptions    *opts,
                                     const char         *name,
                                     const ClGenParams  *params,
                                     gboolean            with_plain,
                                     ClBuilt            *out,
                                     GError            **error);

const OmbudKdfLimits *cl_fast_kdf   (void);
OmbudStore *cl_store_open           (const char         *profile_dir,
                                     GError            **error);
OmbudStore *cl_store_create         (const char         *profile_dir,
                                     GError            **error);

/* ---- plain SQLite ------------------------------------------------------------- */

/* The store's connection settings, to give the baseline the same. */
typedef struct {
  char journal_mode[16];
  int  synchronous;
  int  cache_size;
  int  foreign_keys;
  int  secure_delete;
  int  temp_store;
} ClSettings;

gboolean    cl_settings_read        (sqlite3            *db,
                                     ClSettings         *out,
                                     GError            **error);
sqlite3    *cl_plain_open           (const char         *path,
                                     const ClSettings   *settings,
                                     GError            **error);
/* A page-for-page copy of an open store's database into a plain file
 * through SQLite's default VFS (sqlite3_backup): the same b-trees, the same
 * 4096-byte pages with the same 40 reserved bytes (zero here), unsealed. */
gboolean    cl_plain_copy           (sqlite3            *store_db,
                                     const char         *path,
                                     GError            **error);

gboolean    cl_query_int            (sqlite3            *db,
                                     const char         *sql,
                                     gint64             *out,
                                     GError            **error);

/* ---- where the time goes ----------------------------------------------------- */

/* Adds up the time of every statement run on DB (sqlite3_trace_v2's
 * PROFILE event) by its SQL text; a trigger's work counts in the statement
 * that fired it. */
typedef struct _ClSqlProfile ClSqlProfile;

ClSqlProfile *cl_sql_profile_new    (sqlite3            *db);
void        cl_sql_profile_write    (ClSqlProfile       *self,
                                     const char         *path,
                                     double              wall_seconds);
void        cl_sql_profile_free     (ClSqlProfile       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ClSqlProfile, cl_sql_profile_free)

char       *cl_temp_dir             (const char         *prefix);
void        cl_rm_rf                (const char         *path);

G_END_DECLS
