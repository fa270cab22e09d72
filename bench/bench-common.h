/* bench-common.h: a caseload-shaped dataset, and what the benchmarks share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* DESIGN.md §1: a team laptop holds about 40 cases; each case gathers about
 * 50 notes and 30 contacts, a few goals and deadlines. */
#define BENCH_CASELOAD_CASES     40
#define BENCH_NOTES_PER_CASE     50
#define BENCH_CONTACTS_PER_CASE  30
#define BENCH_GOALS_PER_CASE      5
#define BENCH_DEADLINES_PER_CASE  4

/* What the app's own SQL would need; not the app's schema. */
typedef struct _BenchDataset BenchDataset;

typedef enum {
  BENCH_LOAD_AS_SAVED,   /* one transaction per note or contact, as the ombud saves them */
  BENCH_LOAD_BATCHED,    /* one transaction per case, as a first sync brings them */
} BenchLoadMode;

BenchDataset *bench_dataset_new          (guint           n_cases,
                                          guint32         seed);
void          bench_dataset_free         (BenchDataset   *self);
guint         bench_dataset_get_n_cases  (BenchDataset   *self);

gboolean      bench_schema_create        (sqlite3        *db,
                                          GError        **error);
gboolean      bench_dataset_load         (BenchDataset   *self,
                                          sqlite3        *db,
                                          BenchLoadMode   mode,
                                          GError        **error);

/* These run each transaction, or each round of reads, on every database in
 * turn (who goes first rotates), and add up the time each one took: the
 * sides of a comparison meet the same disk and the same neighbours. */
gboolean      bench_dataset_load_timed   (BenchDataset   *self,
                                          sqlite3       **dbs,
                                          guint           n_dbs,
                                          BenchLoadMode   mode,
                                          double         *seconds,
                                          GError        **error);
gboolean      bench_read_workload_timed  (BenchDataset   *self,
                                          sqlite3       **dbs,
                                          guint           n_dbs,
                                          guint           n_rounds,
                                          guint32         seed,
                                          double         *seconds,
                                          gsize          *checksums,
                                          GError        **error);

/* The connection settings of the app's store, to give the baseline. */
typedef struct {
  char journal_mode[16];
  int  synchronous;
  int  cache_size;
  int  foreign_keys;
  int  secure_delete;
} BenchSettings;

gboolean      bench_settings_read        (sqlite3        *db,
                                          BenchSettings  *out,
                                          GError        **error);
sqlite3      *bench_plain_open           (const char     *path,
                                          const BenchSettings *settings,
                                          GError        **error);

double        bench_now                  (void);
double        bench_median               (const double   *values,
                                          guint           n);
void          bench_print                (const char     *bench,
                                          double          ours,
                                          double          baseline,
                                          const char     *unit);
char         *bench_make_tmpdir          (GError        **error);
void          bench_rm_rf                (const char     *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchDataset, bench_dataset_free)

G_END_DECLS
