/* bench-window.c: the window's figures, in-process under a display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One JSON line per figure, each with a baseline measured in the same run:
 *   window_start_to_unlock      start to the unlock screen's first frame;
 *                               baseline: a bare libadwaita window's first frame
 *   window_unlock_to_list_demo  the key derived, to the demo team's case list
 *   window_unlock_to_list_10k   the same on bench/caseload's 10,000 cases;
 *                               baseline: the list's query alone, on the worker
 *   window_rss_10k              resident memory with the large store open and
 *                               listed; baseline: the window on the unlock page
 *   window_keystroke_10k        a search text set, to the list's next frame;
 *                               baseline: the query alone, on the worker
 * The demo profile is made in a temporary folder; the large store is
 * bench/caseload's, built once in $OMBUD_BENCH_DIR (a few minutes).
 */
#include <adwaita.h>
#include <curl/curl.h>
#include <locale.h>
#include <sodium.h>
#include <stdio.h>

#include "caseload-common.h"
#include "ombud-application.h"
#include "ombud-case-summary.h"
#include "ombud-demo.h"
#include "ombud-window.h"

#define N_CASES 10000

static gboolean
timed_out (gpointer user_data)
{
  g_error ("waited two minutes for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

static void
wait_for (gboolean   (*condition) (gpointer),
          gpointer     data,
          const char  *what)
{
  guint timer = g_timeout_add_seconds (120, timed_out, (gpointer) what);

  while (!condition (data))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timer);
}

static void
painted (GdkFrameClock *clock,
         gboolean      *flag)
{
  (void) clock;
  *flag = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* Until widget's window has painted a frame after now. */
static void
wait_frame (GtkWidget *widget)
{
  gboolean flag = FALSE;
  GdkFrameClock *clock;
  gulong handler;

  wait_for ((gboolean (*) (gpointer)) gtk_widget_get_mapped, widget, "the window on screen");
  clock = gtk_widget_get_frame_clock (widget);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (painted), &flag);
  gtk_widget_queue_draw (widget);
  wait_for (is_true, &flag, "a frame");
  g_signal_handler_disconnect (clock, handler);
}

static double
rss_mb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (line = strstr (status, "VmRSS:")) == NULL)
    return 0;
  return g_ascii_strtod (line + 6, NULL) / 1024.0;
}

/* ---- the application ------------------------------------------------------- */

typedef void (*AppBody) (OmbudApplication *app,
                         OmbudWindow      *window,
                         gpointer          data);

typedef struct {
  AppBody  body;
  gpointer data;
} AppRun;

static void
app_activated (GApplication *application,
               AppRun       *run)
{
  OmbudApplication *app = OMBUD_APPLICATION (application);
  OmbudSession *session = ombud_application_get_session (app);
  GList *windows;

  run->body (app, OMBUD_WINDOW (gtk_application_get_windows (GTK_APPLICATION (app))->data), run->data);
  ombud_session_lock (session);
  ombud_session_flush (session);
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
    gtk_window_destroy (windows->data);
  g_application_quit (application);
}

/* The application as `ombud --profile DIR` runs it, with body once the
 * window is up. */
static void
run_app (const char *profile_dir,
         AppBody     body,
         gpointer    data)
{
  OmbudApplication *app = ombud_application_new (profile_dir);
  AppRun run = { body, data };

  g_signal_connect_after (app, "activate", G_CALLBACK (app_activated), &run);
  if (g_application_run (G_APPLICATION (app), 0, NULL) != 0)
    g_error ("the application failed");
  g_object_unref (app);
}

static void
first_frame (OmbudApplication *app,
             OmbudWindow      *window,
             gpointer          data)
{
  (void) app;
  wait_frame (GTK_WIDGET (window));
  *(double *) data = cl_now ();
  g_assert_cmpstr (ombud_window_get_page (window), ==, "unlock");
}

static double
start_to_unlock_once (const char *profile_dir)
{
  double start = cl_now (), shown = 0;

  run_app (profile_dir, first_frame, &shown);
  return shown - start;
}

static double
bare_window_once (void)
{
  double start = cl_now ();
  GtkWidget *window = adw_window_new ();
  GtkWidget *page = adw_status_page_new ();
  double elapsed;

  adw_status_page_set_title (ADW_STATUS_PAGE (page), "Locked");
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), "system-lock-screen-symbolic");
  adw_window_set_content (ADW_WINDOW (window), page);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  wait_frame (window);
  elapsed = cl_now () - start;
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return elapsed;
}

/* ---- unlock to the list ------------------------------------------------------ */

typedef struct {
  OmbudCaseList *list;
  double         unlocked_at;
  gboolean       listed;
} UnlockRun;

static void
unlocked (OmbudSession *session,
          GParamSpec   *pspec,
          UnlockRun    *run)
{
  (void) pspec;
  if (ombud_session_get_unlocked (session) && run->unlocked_at == 0)
    run->unlocked_at = cl_now ();
}

static void
loaded (OmbudCaseList *list,
        UnlockRun     *run)
{
  if (run->unlocked_at > 0 && g_list_model_get_n_items (ombud_case_list_get_model (list)) > 0)
    run->listed = TRUE;
}

static void
unlock_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!ombud_session_unlock_finish (OMBUD_SESSION (source), result, &error))
    g_error ("unlock: %s", error->message);
  (void) user_data;
}

typedef struct {
  char  *text;
  double seconds;
} QueryTiming;

static gpointer
time_query (OmbudCaseload  *caseload,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  QueryTiming *timing = data;
  OmbudCaseFilter filter = { .text = timing->text };
  double start = cl_now ();
  g_autoptr(GListStore) store = ombud_queries_case_summaries (caseload, &filter, error);

  (void) cancellable;
  timing->seconds = cl_now () - start;
  return store ? GINT_TO_POINTER (1) : NULL;
}

static void
timed (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (ombud_session_run_finish (OMBUD_SESSION (source), result, &error) == NULL)
    g_error ("query: %s", error->message);
  *(gboolean *) user_data = TRUE;
}

/* The list's query alone, on the worker. */
static double
query_alone (OmbudSession *session,
             const char   *text)
{
  QueryTiming timing = { (char *) text, 0 };
  gboolean done = FALSE;

  ombud_session_run_async (session, time_query, &timing, NULL, NULL, NULL, timed, &done);
  wait_for (is_true, &done, "the query");
  return timing.seconds;
}

static gboolean
listed (gpointer data)
{
  return ((UnlockRun *) data)->listed;
}

/* Unlocks the profile of app and returns the time from the key derived to
 * the list's first frame with rows. */
static double
unlock_to_list (OmbudApplication *app,
                const char       *passphrase)
{
  OmbudWindow *window = OMBUD_WINDOW (gtk_application_get_windows (GTK_APPLICATION (app))->data);
  OmbudSession *session = ombud_application_get_session (app);
  UnlockRun run = { ombud_window_get_case_list (window), 0, FALSE };
  gulong on_unlocked = g_signal_connect (session, "notify::unlocked", G_CALLBACK (unlocked), &run);
  gulong on_loaded = g_signal_connect (run.list, "loaded", G_CALLBACK (loaded), &run);

  ombud_session_unlock_async (session, passphrase, NULL, unlock_done, NULL);
  wait_for (listed, &run, "the case list");
  wait_frame (GTK_WIDGET (window));
  g_signal_handler_disconnect (session, on_unlocked);
  g_signal_handler_disconnect (run.list, on_loaded);
  return cl_now () - run.unlocked_at;
}

typedef struct {
  const char *name;
  const char *passphrase;
  guint       reps;
  gboolean    with_rss;
} UnlockBench;

static void
unlock_bench (OmbudApplication *app,
              OmbudWindow      *window,
              gpointer          data)
{
  UnlockBench *b = data;
  g_autofree double *ours = g_new0 (double, b->reps);
  g_autofree double *base = g_new0 (double, b->reps);
  double rss_locked, rss_open = 0;
  OmbudSession *session = ombud_application_get_session (app);
  g_autofree char *bench = NULL;

  wait_frame (GTK_WIDGET (window));
  rss_locked = rss_mb ();
  for (guint i = 0; i < b->reps; i++)
    {
      ours[i] = unlock_to_list (app, b->passphrase);
      base[i] = query_alone (session, NULL);
      rss_open = MAX (rss_open, rss_mb ());
      if (i + 1 < b->reps)
        {
          ombud_session_lock (session);
          ombud_session_flush (session);
          while (g_main_context_iteration (NULL, FALSE))
            ;
        }
    }
  g_printerr ("%s: %u cases listed\n", b->name,
              g_list_model_get_n_items (ombud_case_list_get_model (ombud_window_get_case_list (window))));
  bench = g_strdup_printf ("window_unlock_to_list_%s", b->name);
  cl_print (bench, cl_median (ours, b->reps), cl_median (base, b->reps), "s");
  if (b->with_rss)
    cl_print ("window_rss_10k", rss_open, rss_locked, "MB");
}

static void
measure_unlock (const char *name,
                const char *profile_dir,
                const char *passphrase,
                guint       reps,
                gboolean    with_rss)
{
  UnlockBench b = { name, passphrase, reps, with_rss };

  run_app (profile_dir, unlock_bench, &b);
}

/* ---- keystrokes ---------------------------------------------------------------- */

typedef struct {
  OmbudCaseList *list;
  const char    *text;
} Answer;

static gboolean
answered (gpointer data)
{
  Answer *a = data;
  return g_strcmp0 (ombud_case_list_get_answered_text (a->list), a->text) == 0;
}

static void
keystrokes (OmbudApplication *app,
            OmbudWindow      *window,
            gpointer          data)
{
  guint reps = GPOINTER_TO_UINT (data);
  guint n_names = 0;
  const char *const *names = cl_gen_first_names (&n_names);
  OmbudSession *session = ombud_application_get_session (app);
  OmbudCaseList *list = ombud_window_get_case_list (window);
  g_autoptr(GArray) ours = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) base = g_array_new (FALSE, FALSE, sizeof (double));

  wait_frame (GTK_WIDGET (window));
  unlock_to_list (app, CL_PASSPHRASE);
  for (guint r = 0; r < reps; r++)
    for (guint i = 0; i < MIN (n_names, 8u); i++)
      {
        const char *name = names[(i * 7 + r) % n_names];
        /* Typed letter by letter, as the user does. */
        for (glong len = 1; len <= g_utf8_strlen (name, -1); len++)
          {
            g_autofree char *prefix = g_utf8_substring (name, 0, len);
            Answer answer = { list, prefix };
            double start = cl_now (), elapsed;

            ombud_case_list_search (list, prefix);
            wait_for (answered, &answer, "the search's answer");
            wait_frame (GTK_WIDGET (window));
            elapsed = cl_now () - start;
            g_array_append_val (ours, elapsed);
            elapsed = query_alone (session, prefix);
            g_array_append_val (base, elapsed);
          }
      }
  g_printerr ("keystrokes: %u, p95 %.1f ms\n", ours->len,
              1000 * cl_percentile ((double *) ours->data, ours->len, 0.95));
  cl_print ("window_keystroke_10k", cl_median ((double *) ours->data, ours->len),
            cl_median ((double *) base->data, base->len), "s");
}

static void
measure_keystrokes (const char *profile_dir,
                    guint       reps)
{
  run_app (profile_dir, keystrokes, GUINT_TO_POINTER (reps));
}

/* ---- the demo profile ------------------------------------------------------------ */

static char *
make_demo_profile (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("ombud-bench-window-XXXXXX", NULL);
  char *dir = g_build_filename (tmp, "profile", NULL);
  g_autoptr(OmbudStore) store = ombud_store_new (dir);
  g_autoptr(GError) error = NULL;
  double start = cl_now ();

  if (!ombud_store_create (store, CL_PASSPHRASE, cl_fast_kdf (), &error)
      || !ombud_store_unlock (store, CL_PASSPHRASE, &error)
      || !ombud_demo_fill (store, OMBUD_DEMO_DEFAULT_SEED, &error))
    g_error ("demo profile: %s", error->message);
  ombud_store_lock (store);
  g_printerr ("demo profile made in %.1f s\n", cl_now () - start);
  return dir;
}

static void
remove_tree (const char *path)
{
  const char *argv[] = { "rm", "-rf", path, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_auto(ClOptions) opts = { 0 };
  g_autoptr(GError) error = NULL;
  ClGenParams params = { 0 };
  g_auto(ClBuilt) built = { 0 };
  g_autofree char *demo = NULL;
  g_autofree char *demo_parent = NULL;
  g_autofree double *ours = NULL;
  g_autofree double *base = NULL;

  setlocale (LC_ALL, "");
  if (!cl_options_parse (&opts, "The window: start, unlock to the case list, memory, keystrokes.", 5,
                         &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (sodium_init () < 0 || curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return 1;
  gtk_init ();
  adw_init ();

  params = (ClGenParams) { opts.quick ? N_CASES / 10 : N_CASES, 10, 4, 4711 };
  if (!cl_ensure_store (&opts, opts.quick ? "caseload-1000" : "caseload-10000", &params, TRUE, &built, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  demo = make_demo_profile ();
  demo_parent = g_path_get_dirname (demo);

  ours = g_new0 (double, opts.reps);
  base = g_new0 (double, opts.reps);
  bare_window_once ();  /* icons, fonts and theme loaded once for both sides */
  for (guint i = 0; i < opts.reps; i++)
    {
      ours[i] = start_to_unlock_once (demo);
      base[i] = bare_window_once ();
    }
  cl_print ("window_start_to_unlock", cl_median (ours, opts.reps), cl_median (base, opts.reps), "s");

  measure_unlock ("demo", demo, CL_PASSPHRASE, opts.reps, FALSE);
  measure_unlock ("10k", built.profile_dir, CL_PASSPHRASE, MAX (1u, opts.reps / 2), TRUE);
  measure_keystrokes (built.profile_dir, 1);
  remove_tree (demo_parent);
  return 0;
}
