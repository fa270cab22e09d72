/* bench-search.c: the case list's search field, keystroke by keystroke, on 10,000 cases
 *
 *   ninja -C build && ./build/bench/app/bench-search [--quick] [--reps=N]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store: bench/caseload's 10,000 cases and about 100,000 notes
 * (caseload-gen.c), built once and kept in $OMBUD_BENCH_DIR (default
 * /tmp/ombud-bench-caseload), shared with bench-caseload-search.
 *
 * "ours" is ombud_queries_case_summaries (caseload, &filter, &error): what
 * the window runs on each keystroke of the case list's search field, the
 * whole GListStore of OmbudCaseSummary made.  Figures, p50 and p95 over
 * every call of --reps passes (the first pass after opening is a warm-up):
 *   - a surname, a client's full name and two municipalities typed one
 *     character at a time ("s", "sj", "sjö", …);
 *   - the list unfiltered, and with the list's other filters (active cases
 *     in one municipality, deadlines within 7 days).
 * "baseline" is SELECT count(*) FROM client_case on the same connection in
 * the same run: the floor of one statement through the encrypted store.
 * Goal (issue "The field app"): keystroke to results < 50 ms.
 *
 * Measured 2026-12-01 on the 2-core build machine, load average 5 to 8,
 * --reps=3: keystrokes that narrow to a few hundred cases or fewer take
 * 1–12 ms (full name p50 4 ms, surname p50 12 ms); a keystroke whose
 * results are (nearly) all 10,000 cases — the first letter, a word in most
 * notes — takes as long as the unfiltered list, about 220 ms, most of it
 * reading 10,000 cases' dates, deadlines and unsent changes and making
 * their objects.  The store's outbox here holds every change since it was
 * built (347,000, never synced), the worst case for the unsent counts.
 *
 * stdout: one JSON line per figure; progress to stderr.
 */
#include <glib.h>
#include <locale.h>
#include <stdio.h>

#include "caseload-common.h"
#include "ombud-case-summary.h"
#include "ombud-vfs.h"

#define N_CASES 10000
#define NOTES_PER_CASE 10

typedef struct {
  const char *name;
  GPtrArray  *filters;   /* OmbudCaseFilter *, owned; texts owned by texts */
  GPtrArray  *texts;
} Series;

static void
series_free (Series *s)
{
  g_ptr_array_unref (s->filters);
  g_ptr_array_unref (s->texts);
  g_free (s);
}

static Series *
series_new (const char *name)
{
  Series *s = g_new0 (Series, 1);

  s->name = name;
  s->filters = g_ptr_array_new_with_free_func (g_free);
  s->texts = g_ptr_array_new_with_free_func (g_free);
  return s;
}

static void
add_typed (Series     *s,
           const char *text)
{
  glong n = g_utf8_strlen (text, -1);

  for (glong i = 1; i <= n; i++)
    {
      OmbudCaseFilter *f = g_new0 (OmbudCaseFilter, 1);
      char *prefix = g_utf8_substring (text, 0, i);

      g_ptr_array_add (s->texts, prefix);
      f->text = prefix;
      g_ptr_array_add (s->filters, f);
    }
}

static void
add_filter (Series                *s,
            const OmbudCaseFilter *filter)
{
  g_ptr_array_add (s->filters, g_memdup2 (filter, sizeof *filter));
}

static gboolean
time_call (OmbudCaseload          *caseload,
           const OmbudCaseFilter  *filter,
           double                 *ms,
           guint                  *n_rows,
           GError                **error)
{
  double t0 = cl_now ();
  g_autoptr(GListStore) list = ombud_queries_case_summaries (caseload, filter, error);

  *ms = (cl_now () - t0) * 1000.0;
  if (list == NULL)
    return FALSE;
  *n_rows = g_list_model_get_n_items (G_LIST_MODEL (list));
  return TRUE;
}

static gboolean
time_baseline (sqlite3  *db,
               double   *ms,
               GError  **error)
{
  double t0 = cl_now ();
  gint64 n;

  if (!cl_query_int (db, "SELECT count(*) FROM client_case", &n, error))
    return FALSE;
  *ms = (cl_now () - t0) * 1000.0;
  return TRUE;
}

static gboolean
measure_series (OmbudCaseload  *caseload,
                Series         *s,
                guint           reps,
                GError        **error)
{
  sqlite3 *db = ombud_store_get_db (ombud_caseload_get_store (caseload));
  guint n = s->filters->len;
  g_autofree double *ours = g_new0 (double, n * reps);
  g_autofree double *base = g_new0 (double, n * reps);
  g_autofree char *p50 = g_strdup_printf ("app_search_%s_p50", s->name);
  g_autofree char *p95 = g_strdup_printf ("app_search_%s_p95", s->name);
  GString *rows = g_string_new (NULL);

  for (guint pass = 0; pass <= reps; pass++)
    for (guint i = 0; i < n; i++)
      {
        double ms, base_ms;
        guint n_rows;

        if (!time_call (caseload, g_ptr_array_index (s->filters, i), &ms, &n_rows, error)
            || !time_baseline (db, &base_ms, error))
          {
            g_string_free (rows, TRUE);
            return FALSE;
          }
        if (pass == 0)
          {
            g_string_append_printf (rows, " %u", n_rows);
            continue;
          }
        ours[(pass - 1) * n + i] = ms;
        base[(pass - 1) * n + i] = base_ms;
      }
  g_printerr ("%s: %u calls a pass; rows:%s\n", s->name, n, rows->str);
  g_string_free (rows, TRUE);
  cl_print (p50, cl_percentile (ours, n * reps, 0.5), cl_percentile (base, n * reps, 0.5), "ms");
  cl_print (p95, cl_percentile (ours, n * reps, 0.95), cl_percentile (base, n * reps, 0.95), "ms");
  return TRUE;
}

static GPtrArray *
make_series (OmbudCaseload  *caseload,
             GError        **error)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) series_free);
  guint n_first, n_sur;
  const char *const *first = cl_gen_first_names (&n_first);
  const char *const *sur = cl_gen_surnames (&n_sur);
  g_autofree char *full = g_strdup_printf ("%s %s", first[3 % n_first], sur[5 % n_sur]);
  g_autoptr(GVariant) places = ombud_queries_municipalities (caseload, error);
  char *place_id = NULL;
  Series *s;

  if (places == NULL)
    {
      g_ptr_array_unref (all);
      return NULL;
    }
  for (gsize i = 0; i < g_variant_n_children (places); i++)
    {
      g_autoptr(GVariant) p = g_variant_get_child_value (places, i);
      const char *name;

      if (place_id == NULL && g_variant_lookup (p, "name", "&s", &name) && g_str_equal (name, "Östersund"))
        g_variant_lookup (p, "id", "s", &place_id);
    }

  s = series_new ("surname");
  add_typed (s, sur[0]);
  g_ptr_array_add (all, s);
  s = series_new ("full_name");
  add_typed (s, full);
  g_ptr_array_add (all, s);
  s = series_new ("municipality");
  add_typed (s, "Örnsköldsvik");
  add_typed (s, "Kiruna");
  g_ptr_array_add (all, s);

  s = series_new ("unfiltered");
  add_filter (s, &(OmbudCaseFilter) { 0 });
  g_ptr_array_add (all, s);
  s = series_new ("filters");
  if (place_id != NULL)
    g_ptr_array_add (s->texts, place_id);   /* the series owns it */
  add_filter (s, &(OmbudCaseFilter) { .statuses = OMBUD_CASE_STATUS_FLAG (OMBUD_CASE_STATUS_ACTIVE),
                                      .municipality_id = place_id });
  add_filter (s, &(OmbudCaseFilter) { .deadline_within_days = 7 });
  g_ptr_array_add (all, s);
  return all;
}

static gboolean
run_bench (const ClOptions  *opts,
           GError          **error)
{
  ClGenParams params = { opts->quick ? N_CASES / 10 : N_CASES, NOTES_PER_CASE, 4, 4711 };
  g_auto(ClBuilt) built = { 0 };
  g_autoptr(OmbudStore) store = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(GPtrArray) series = NULL;

  if (!cl_ensure_store (opts, opts->quick ? "caseload-1000" : "caseload-10000", &params, TRUE, &built, error))
    return FALSE;
  g_printerr ("store: %u cases, %u notes (%s to %s)\n", built.summary.cases, built.summary.notes,
              built.summary.first_day, built.summary.last_day);
  if ((store = cl_store_open (built.profile_dir, error)) == NULL
      || (caseload = ombud_caseload_new (store, error)) == NULL
      || (series = make_series (caseload, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < series->len; i++)
    if (!measure_series (caseload, g_ptr_array_index (series, i), opts->reps, error))
      return FALSE;
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_auto(ClOptions) opts = { 0 };
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  if (!cl_options_parse (&opts, "The case list's search, keystroke by keystroke, on 10,000 cases.", 5,
                         &argc, &argv, &error)
      || !run_bench (&opts, &error))
    {
      g_printerr ("bench-search: %s\n", error->message);
      return 1;
    }
  return 0;
}
