/* bench-caseload-search.c: search latency over a region's caseload
 *
 *   ninja -C build && ./build/bench/caseload/bench-caseload-search [--quick] [--reps=N]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store: 10,000 cases and about 100,000 notes (--quick: a tenth), with
 * goals and deadlines, over four years (caseload-gen.c), built once through
 * the public API and kept in $OMBUD_BENCH_DIR (default
 * /tmp/ombud-bench-caseload); measured freshly opened.
 *
 * "ours" is ombud_queries_search (caseload, query, 50, &error) on the
 * encrypted store.  "baseline" is the same SQL (the same FTS5 MATCH
 * expression from ombud_queries_fts_expression, the same joins, ORDER BY
 * rank LIMIT 50, each row made the same a{sv}) on a plain copy of the same
 * database: sqlite3_backup through SQLite's default VFS, so the same pages
 * and b-trees, the FTS index in the same segments, the store's connection
 * settings (cache, temp store, ...); only the sealing differs.
 *
 * Queries (a few hundred, the same every run): words typed keystroke by
 * keystroke ("k", "kr", "kro", ... "kronofogden"), names typed the same way,
 * single words (Swedish, with å ä ö), two-word queries, client names.  Each
 * query runs on both sides in turn (who goes first alternates).  The first
 * pass after opening (SQLite's cache cold, the OS's warm) is reported on its
 * own; median and p95 are over --reps further passes.  Goal: p95 < 20 ms.
 *
 * stdout: one JSON line per figure; progress and the slowest queries go to
 * stderr.
 */
#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "caseload-common.h"
#include "ombud-queries.h"
#include "ombud-vfs.h"

#define LIMIT 50
#define N_CASES 10000
#define NOTES_PER_CASE 10

/* ---- the queries ------------------------------------------------------------ */

static const char *const typed_words[] = {
  "kronofogden", "försäkringskassan", "överklagandet", "läkarintyget", "bostadstillägg",
  "hyresvärden", "aktivitetsersättning", "tandvården", "skuldsanering", "arbetsträningen",
  "påminnelse", "färdtjänsten", "migrationsverket", "förvaltningsrätten", "härnösand",
  "örnsköldsvik", "åström", "sjöberg", "ångström",
};

static const char *const typed_names[] = {
  "karin öberg", "åke lindqvist", "anna sjöberg", "göran hällström", "märta åberg",
};

static const char *const single_words[] = {
  "klienten", "brev", "hyran", "budget", "lägenheten", "psykiatrin", "vårdcentralen",
  "socialtjänsten", "banken", "kortet", "apoteket", "medicinen", "promenera", "sysselsättning",
  "omprövning", "avslag", "sjukersättning", "vräkningen", "elräkningen", "posten", "kallelse",
  "tvätten", "julen", "2450", "kr", "mars", "tisdag", "Kiruna", "Umeå", "Luleå", "Östersund",
  "Åre", "Ånge", "Timrå", "Märta", "Örjan", "Håkan", "Sölve", "försörjningsstöd", "flyttanmälan",
  "återbetalningskravet", "hemtjänsten", "beroendemottagningen", "överförmyndaren", "tingsrätten",
  "samtalsgrupp", "arbetsträning", "anstånd", "avbetalningsplan", "läkarkontakt", "god",
  "nedsättning", "förlängd", "sjukpenningen", "Gällivare", "Jokkmokk", "Skellefteå", "Sollefteå",
  "Strömsund", "Härjedalen",
};

static const char *const two_words[] = {
  "brev försäkringskassan", "hyresvärden påminnelse", "god man", "ansökan bostadstillägg",
  "möte socialtjänsten", "kronofogden avbetalningsplan", "läkarintyget kompletteras",
  "psykiatrin samtalsgrupp", "tandvården tid", "arbetsträningen lönebesked", "budget mat",
  "elräkningen påminnelse", "överklagar beslutet", "hemtjänsten dagar", "färdtjänst blanketten",
  "Kiruna socialtjänsten", "Umeå bostadsförmedlingen", "sjukersättning avslag", "csn krav",
  "skatteverket adress",
};

static void
add_typed (GPtrArray  *queries,
           const char *text)
{
  glong n = g_utf8_strlen (text, -1);

  for (glong i = 1; i <= n; i++)
    g_ptr_array_add (queries, g_utf8_substring (text, 0, i));
}

static GPtrArray *
make_queries (void)
{
  GPtrArray *queries = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20);
  guint n_first, n_sur;
  const char *const *first = cl_gen_first_names (&n_first);
  const char *const *sur = cl_gen_surnames (&n_sur);

  for (guint i = 0; i < G_N_ELEMENTS (typed_words); i++)
    add_typed (queries, typed_words[i]);
  for (guint i = 0; i < G_N_ELEMENTS (typed_names); i++)
    add_typed (queries, typed_names[i]);
  for (guint i = 0; i < G_N_ELEMENTS (single_words); i++)
    g_ptr_array_add (queries, g_strdup (single_words[i]));
  for (guint i = 0; i < G_N_ELEMENTS (two_words); i++)
    g_ptr_array_add (queries, g_strdup (two_words[i]));
  for (guint i = 0; i < 30; i++)
    g_ptr_array_add (queries, g_strdup_printf ("%s %s", first[g_rand_int_range (rand, 0, n_first)],
                                               sur[g_rand_int_range (rand, 0, n_sur)]));
  return queries;
}

/* ---- the baseline ------------------------------------------------------------- */

/* ombud_queries_search's SQL, word for word. */
#define SEARCH_SQL \
  "SELECT s.case_id, d.tbl AS kind, d.rec AS record, c.client_name AS name," \
  " snippet(search, 0, '[', ']', '…', 10) AS snippet" \
  " FROM search s JOIN search_doc d ON d.docid = s.rowid" \
  " JOIN client_case c ON c.id = s.case_id AND c.deleted = 0" \
  " WHERE search MATCH ?1 ORDER BY rank LIMIT %u"

static GVariant *
column_variant (sqlite3_stmt *stmt,
                int           column)
{
  switch (sqlite3_column_type (stmt, column))
    {
    case SQLITE_INTEGER: return g_variant_new_int64 (sqlite3_column_int64 (stmt, column));
    case SQLITE_FLOAT: return g_variant_new_double (sqlite3_column_double (stmt, column));
    case SQLITE_TEXT: return g_variant_new_string ((const char *) sqlite3_column_text (stmt, column));
    default: return g_variant_new_maybe (G_VARIANT_TYPE_STRING, NULL);
    }
}

static GVariant *
plain_search (sqlite3_stmt  *stmt,
              const char    *query,
              GError       **error)
{
  g_autofree char *expr = ombud_queries_fts_expression (query);
  GVariantBuilder list;
  int rc;

  if (expr == NULL)
    return g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARDICT, NULL, 0));
  sqlite3_reset (stmt);
  sqlite3_bind_text (stmt, 1, expr, -1, SQLITE_TRANSIENT);
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      GVariantBuilder row;

      g_variant_builder_init (&row, G_VARIANT_TYPE_VARDICT);
      for (int c = 0; c < sqlite3_column_count (stmt); c++)
        g_variant_builder_add (&row, "{sv}", sqlite3_column_name (stmt, c), column_variant (stmt, c));
      g_variant_builder_add_value (&list, g_variant_builder_end (&row));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_variant_builder_clear (&list);
      ombud_vfs_set_sqlite_error (error, sqlite3_db_handle (stmt), rc, "plain search");
      return NULL;
    }
  return g_variant_ref_sink (g_variant_builder_end (&list));
}

/* ---- measuring ---------------------------------------------------------------- */

typedef struct {
  OmbudCaseload *caseload;
  sqlite3_stmt  *plain;
  GPtrArray     *queries;
  guint          n_rows;   /* over the first pass, both sides the same */
} Run;

enum { OURS, PLAIN };

static gboolean
time_one (Run         *run,
          int          side,
          const char  *query,
          double      *ms,
          gsize       *n_rows,
          GError     **error)
{
  double t0 = cl_now ();
  g_autoptr(GVariant) found = side == OURS
    ? ombud_queries_search (run->caseload, query, LIMIT, error)
    : plain_search (run->plain, query, error);

  *ms = (cl_now () - t0) * 1000.0;
  if (found == NULL)
    return FALSE;
  *n_rows = g_variant_n_children (found);
  return TRUE;
}

/* Every query on both sides, who goes first alternating; times in ms. */
static gboolean
one_pass (Run      *run,
          guint     pass,
          double   *times[2],
          GError  **error)
{
  for (guint i = 0; i < run->queries->len; i++)
    {
      const char *query = g_ptr_array_index (run->queries, i);
      gsize rows[2] = { 0, 0 };

      for (int k = 0; k < 2; k++)
        {
          int side = (i + pass + k) % 2;

          if (!time_one (run, side, query, &times[side][i], &rows[side], error))
            return FALSE;
        }
      if (rows[OURS] != rows[PLAIN])
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "“%s”: %zu rows from the store, %zu from the copy",
                       query, rows[OURS], rows[PLAIN]);
          return FALSE;
        }
      if (pass == 0)
        run->n_rows += rows[OURS];
    }
  return TRUE;
}

static void
report_slowest (Run          *run,
                const double *ours,
                const double *plain,
                guint         passes)
{
  guint n = run->queries->len;
  g_autofree double *worst = g_new0 (double, n);
  g_autofree double *worst_plain = g_new0 (double, n);

  for (guint p = 0; p < passes; p++)
    for (guint i = 0; i < n; i++)
      {
        worst[i] = MAX (worst[i], ours[p * n + i]);
        worst_plain[i] = MAX (worst_plain[i], plain[p * n + i]);
      }
  g_printerr ("slowest queries (ms, worst of the warm passes: ours / baseline):\n");
  for (guint k = 0; k < 12; k++)
    {
      guint at = 0;

      for (guint i = 1; i < n; i++)
        if (worst[i] > worst[at])
          at = i;
      if (worst[at] < 0)
        break;
      g_printerr ("  %8.1f / %8.1f  “%s”\n", worst[at], worst_plain[at],
                  (const char *) g_ptr_array_index (run->queries, at));
      worst[at] = -1;
    }
}

/* The length of the word being typed: one or two letters match most of
 * the index. */
static guint
last_word_length (const char *query)
{
  g_autofree char *expr = ombud_queries_fts_expression (query);
  const char *last;

  if (expr == NULL)
    return 0;
  last = strrchr (expr, ' ');
  last = last ? last + 1 : expr;
  /* "word"* */
  return (guint) MAX (0, g_utf8_strlen (last, -1) - 3);
}

static void
report_by_length (Run          *run,
                  const double *ours,
                  const double *plain,
                  guint         passes)
{
  static const char *const classes[] = { "last word of 1 letter", "of 2 letters", "of 3 or more" };
  guint n = run->queries->len;

  g_printerr ("by the length of the word being typed (warm passes; ms, ours / baseline):\n");
  for (guint k = 0; k < G_N_ELEMENTS (classes); k++)
    {
      g_autoptr(GArray) a = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) b = g_array_new (FALSE, FALSE, sizeof (double));

      for (guint i = 0; i < n; i++)
        if (MIN (last_word_length (g_ptr_array_index (run->queries, i)), 3) == k + 1)
          for (guint p = 0; p < passes; p++)
            {
              g_array_append_val (a, ours[p * n + i]);
              g_array_append_val (b, plain[p * n + i]);
            }
      g_printerr ("  %-22s %4u queries: median %6.1f / %6.1f, p95 %6.1f / %6.1f\n", classes[k], a->len / passes,
                  cl_median ((double *) a->data, a->len), cl_median ((double *) b->data, b->len),
                  cl_percentile ((double *) a->data, a->len, 0.95), cl_percentile ((double *) b->data, b->len, 0.95));
    }
}

static gboolean
measure (Run              *run,
         const ClOptions  *opts,
         GError          **error)
{
  guint n = run->queries->len;
  g_autofree double *first_ours = g_new0 (double, n), *first_plain = g_new0 (double, n);
  g_autofree double *ours = g_new0 (double, n * opts->reps), *plain = g_new0 (double, n * opts->reps);
  double *first[2] = { first_ours, first_plain };

  if (!one_pass (run, 0, first, error))
    return FALSE;
  for (guint p = 0; p < opts->reps; p++)
    {
      double *times[2] = { ours + p * n, plain + p * n };

      if (!one_pass (run, p + 1, times, error))
        return FALSE;
    }
  g_printerr ("%u queries, %u rows found; %u warm passes\n", n, run->n_rows, opts->reps);
  report_slowest (run, ours, plain, opts->reps);
  report_by_length (run, ours, plain, opts->reps);
  cl_print ("search_median", cl_median (ours, n * opts->reps), cl_median (plain, n * opts->reps), "ms");
  cl_print ("search_p95", cl_percentile (ours, n * opts->reps, 0.95),
            cl_percentile (plain, n * opts->reps, 0.95), "ms");
  cl_print ("search_first_pass_p95", cl_percentile (first_ours, n, 0.95),
            cl_percentile (first_plain, n, 0.95), "ms");
  return TRUE;
}

static gboolean
run_bench (const ClOptions  *opts,
           GError          **error)
{
  ClGenParams params = { opts->quick ? N_CASES / 10 : N_CASES, NOTES_PER_CASE, 4, 4711 };
  g_auto(ClBuilt) built = { 0 };
  g_autoptr(OmbudStore) store = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(GPtrArray) queries = make_queries ();
  g_autofree char *sql = g_strdup_printf (SEARCH_SQL, LIMIT);
  ClSettings settings;
  sqlite3 *plain_db = NULL;
  sqlite3_stmt *stmt = NULL;
  Run run = { 0 };
  gboolean ok;

  if (!cl_ensure_store (opts, opts->quick ? "caseload-1000" : "caseload-10000", &params, TRUE, &built, error))
    return FALSE;
  g_printerr ("store: %u cases, %u notes, %u contacts (%s to %s; built in %.0f s)\n", built.summary.cases,
              built.summary.notes, built.summary.contacts, built.summary.first_day, built.summary.last_day,
              built.build_seconds);
  if ((store = cl_store_open (built.profile_dir, error)) == NULL
      || (caseload = ombud_caseload_new (store, error)) == NULL
      || !cl_settings_read (ombud_store_get_db (store), &settings, error)
      || (plain_db = cl_plain_open (built.plain_path, &settings, error)) == NULL)
    return FALSE;
  if (sqlite3_prepare_v3 (plain_db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, plain_db, sqlite3_errcode (plain_db), "plain search");
      sqlite3_close (plain_db);
      return FALSE;
    }
  run = (Run) { caseload, stmt, queries, 0 };
  ok = measure (&run, opts, error);
  sqlite3_finalize (stmt);
  sqlite3_close (plain_db);
  return ok;
}

int
main (int    argc,
      char **argv)
{
  g_auto(ClOptions) opts = { 0 };
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  if (!cl_options_parse (&opts, "Search latency over 10,000 cases and 100,000 notes.", 3, &argc, &argv, &error)
      || !run_bench (&opts, &error))
    {
      g_printerr ("bench-caseload-search: %s\n", error->message);
      return 1;
    }
  return 0;
}
