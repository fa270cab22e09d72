/* ui-test-util.c: driving the real window in-process under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-test-util.h"

#include <curl/curl.h>
#include <sodium.h>
#include <sqlite3.h>

#include "ombud-sql.h"

void
ui_test_init (int    *argc,
              char ***argv)
{
  const char *dir = g_getenv ("OMBUD_SCREENSHOT_DIR");

  gtk_test_init (argc, argv, NULL);
  adw_init ();
  /* An animation whose widget is hidden before its end never ends (it waits
   * for frames that never come) and keeps itself alive: steps are immediate
   * here, as with reduced motion. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_assert_cmpint (curl_global_init (CURL_GLOBAL_DEFAULT), ==, CURLE_OK);
  if (dir != NULL)
    g_mkdir_with_parents (dir, 0755);
}

gboolean
ui_drain (void)
{
  gboolean any = FALSE;

  while (g_main_context_iteration (NULL, FALSE))
    any = TRUE;
  return any;
}

static gboolean
timed_out (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
ui_wait (UiCondition  condition,
         gpointer     data,
         const char  *what)
{
  gboolean expired = FALSE;
  guint timer = g_timeout_add_seconds (60, timed_out, &expired);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("waited a minute for %s", what);
  g_source_remove (timer);
}

void
ui_settle (OmbudSession *session)
{
  for (guint round = 0; round < 100; round++)
    {
      ombud_session_flush (session);
      if (!ui_drain ())
        return;
    }
  g_error ("the session did not settle");
}

typedef struct {
  UiAppBody body;
  gpointer  data;
  gboolean  ran;
} AppRun;

static void
app_activated (GApplication *application,
               AppRun       *run)
{
  OmbudApplication *app = OMBUD_APPLICATION (application);
  OmbudSession *session = ombud_application_get_session (app);
  OmbudWindow *window = ui_app_window (app);
  GList *windows;

  g_assert_nonnull (window);
  ui_window_resize (GTK_WINDOW (window), 1000, 700);
  ui_settle (session);
  run->body (app, window, run->data);
  run->ran = TRUE;

  ombud_session_lock (session);
  ui_settle (session);
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
    gtk_window_destroy (windows->data);
  ui_drain ();
  g_application_quit (application);
}

void
ui_app_run (const char *profile_dir,
            UiAppBody   body,
            gpointer    data)
{
  OmbudApplication *app = ombud_application_new (profile_dir);
  AppRun run = { body, data, FALSE };

  g_signal_connect_after (app, "activate", G_CALLBACK (app_activated), &run);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 0, NULL), ==, 0);
  g_assert_true (run.ran);
  g_object_add_weak_pointer (G_OBJECT (app), (gpointer *) &app);
  g_object_unref (app);
  ui_drain ();
  /* Nothing (a pending call, a timer) may keep the application alive. */
  g_assert_null (app);
}

OmbudWindow *
ui_app_window (OmbudApplication *app)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  for (GList *l = windows; l != NULL; l = l->next)
    if (OMBUD_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

typedef struct {
  GtkWidget *widget;
  int        width;
  int        height;
} Size;

static gboolean
has_size (gpointer data)
{
  Size *size = data;

  return gtk_widget_get_width (size->widget) == size->width
    && gtk_widget_get_height (size->widget) == size->height;
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

/* The size asked for includes the window's frame (solid client-side
 * decorations under Xvfb); the content is to be exactly width × height. */
void
ui_window_resize (GtkWindow *window,
                  int        width,
                  int        height)
{
  Size size = { GTK_WIDGET (window), width, height };
  int asked_width, asked_height;

  gtk_window_present (window);
  ui_wait (is_mapped, window, "the window on screen");
  gtk_window_get_default_size (window, &asked_width, &asked_height);
  ui_drain ();
  gtk_window_set_default_size (window,
                               width + MAX (0, asked_width - gtk_widget_get_width (GTK_WIDGET (window))),
                               height + MAX (0, asked_height - gtk_widget_get_height (GTK_WIDGET (window))));
  ui_wait (has_size, &size, "the window's size");
  ui_drain ();
}

gpointer
ui_child (gpointer    widget,
          GType       type,
          const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (child);
  return child;
}

GtkWindow *
ui_find_window (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

typedef gboolean (*Match) (GtkWidget *widget, gconstpointer data);

static GtkWidget *
find (GtkWidget     *root,
      Match          match,
      gconstpointer  data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find (child, match, data);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
row_titled (GtkWidget *widget, gconstpointer title)
{
  return ADW_IS_PREFERENCES_ROW (widget)
    && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
button_labelled (GtkWidget *widget, gconstpointer label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
of_type (GtkWidget *widget, gconstpointer type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

GtkWidget *ui_find_row (gpointer root, const char *title) { return find (root, row_titled, title); }
GtkWidget *ui_find_button (gpointer root, const char *label) { return find (root, button_labelled, label); }
GtkWidget *ui_find_type (gpointer root, GType type) { return find (root, of_type, GSIZE_TO_POINTER (type)); }

void
ui_click (gpointer button)
{
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (button)));
  /* Activation would emit ::clicked only after the pressed look's timeout. */
  g_signal_emit_by_name (button, "clicked");
}

void
ui_set_text (gpointer    editable,
             const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editable), text);
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

/* Lets the window lay out and paint what it shows now. */
static void
wait_for_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean flag = FALSE;
  gulong handler;

  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (painted), &flag);
  gtk_widget_queue_draw (widget);
  ui_wait (is_true, &flag, "a frame");
  g_signal_handler_disconnect (clock, handler);
  ui_drain ();
}

void
ui_screenshot (GtkWidget  *widget,
               const char *name)
{
  const char *dir = g_getenv ("OMBUD_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = 0, height = 0;

  if (dir == NULL)
    return;
  /* The paintable shows what the widget drew in its last frame; a frame
   * that drew nothing of it (another was pending) gives no node: try again. */
  for (guint tries = 0; node == NULL && tries < 10; tries++)
    {
      wait_for_frame (widget);
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      g_clear_object (&paintable);
      paintable = gtk_widget_paintable_new (widget);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot %s (%d×%d)", path, width, height);
}

typedef struct {
  GAsyncResult *result;
} Wait;

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  (void) source;
  ((Wait *) user_data)->result = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  return ((Wait *) data)->result != NULL;
}

gpointer
ui_session_run (OmbudSession     *session,
                OmbudSessionFunc  func,
                gpointer          data,
                GError          **error)
{
  Wait wait = { NULL };
  gpointer result;

  ombud_session_run_async (session, func, data, NULL, NULL, NULL, store_result, &wait);
  ui_wait (has_result, &wait, "the session's answer");
  result = ombud_session_run_finish (session, wait.result, error);
  g_object_unref (wait.result);
  return result;
}

static gpointer
count_func (OmbudCaseload  *caseload,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  gint64 *out = data;
  sqlite3 *db = ombud_store_get_db (ombud_caseload_get_store (caseload));
  const char *sql = (const char *) out[1];

  (void) cancellable; (void) error;
  out[0] = ombud_sql_count (db, sql);
  return GINT_TO_POINTER (1);
}

gint64
ui_session_count (OmbudSession *session,
                  const char   *sql,
                  const char   *arg)
{
  char *query = sqlite3_mprintf (sql, arg);
  gint64 box[2] = { -1, (gint64) (gintptr) query };
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (ui_session_run (session, count_func, box, &error));
  g_assert_no_error (error);
  sqlite3_free (query);
  return box[0];
}

/* ---- accessible names ----------------------------------------------------- */

static gboolean
interactive (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget) || GTK_IS_SWITCH (widget)
    || GTK_IS_TEXT (widget) || GTK_IS_TEXT_VIEW (widget) || GTK_IS_DROP_DOWN (widget)
    || GTK_IS_SPIN_BUTTON (widget) || GTK_IS_ENTRY (widget) || GTK_IS_MENU_BUTTON (widget)
    || GTK_IS_SEARCH_ENTRY (widget) || GTK_IS_PASSWORD_ENTRY (widget) || GTK_IS_LEVEL_BAR (widget);
}

static gboolean named_itself (GtkWidget *widget);

/* Whether widget is labelled by exactly this one widget. */
static gboolean
labelled_by (GtkWidget *widget,
             GtkWidget *label)
{
  g_autofree char *mismatch = gtk_test_accessible_check_relation (GTK_ACCESSIBLE (widget),
                                                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                                                  label, NULL);
  return mismatch == NULL;
}

/* GTK relates a button to its own child (an image, a box): that names it
 * only when the child carries words. */
static GtkWidget *
labelling_descendant (GtkWidget *widget,
                      GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;
      if (labelled_by (widget, child))
        return child;
      if ((found = labelling_descendant (widget, child)) != NULL)
        return found;
    }
  return NULL;
}

static gboolean
has_words (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return *gtk_label_get_text (GTK_LABEL (widget)) != '\0';
  if (named_itself (widget))
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_get_visible (child) && has_words (child))
      return TRUE;
  return FALSE;
}

static gboolean
named_itself (GtkWidget *widget)
{
  GtkAccessible *accessible = GTK_ACCESSIBLE (widget);
  GtkWidget *label;
  const char *text = NULL;

  if (gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL))
    return TRUE;
  if (GTK_IS_BUTTON (widget))
    text = gtk_button_get_label (GTK_BUTTON (widget));
  else if (GTK_IS_CHECK_BUTTON (widget))
    text = gtk_check_button_get_label (GTK_CHECK_BUTTON (widget));
  if (text != NULL && *text != '\0')
    return TRUE;
  if (!gtk_test_accessible_has_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return FALSE;
  label = labelling_descendant (widget, widget);
  /* Related to a label elsewhere (a row's title): named on purpose. */
  return label == NULL || has_words (label);
}

/* The parts GTK builds inside a widget (the text of an entry, the toggle
 * of a drop-down or menu button) are named by that widget. */
static gboolean
has_name (GtkWidget *widget)
{
  GtkWidget *parent = gtk_widget_get_parent (widget);

  if (named_itself (widget))
    return TRUE;
  for (guint up = 0; parent != NULL && up < 2; up++, parent = gtk_widget_get_parent (parent))
    if ((GTK_IS_MENU_BUTTON (parent) || ADW_IS_COMBO_ROW (parent) || GTK_IS_DROP_DOWN (parent) || GTK_IS_SPIN_BUTTON (parent)
         || GTK_IS_SEARCH_ENTRY (parent) || GTK_IS_PASSWORD_ENTRY (parent) || GTK_IS_ENTRY (parent))
        && named_itself (parent))
      return TRUE;
  return FALSE;
}

guint
ui_collect_unnamed (GtkWidget *root,
                    GString   *unnamed)
{
  guint n = 0;

  /* Hidden, or a stack's page that is not shown. */
  if (!gtk_widget_get_visible (root) || !gtk_widget_get_child_visible (root))
    return 0;
  if (interactive (root) && gtk_widget_is_sensitive (root) && !has_name (root))
    {
      GtkWidget *parent = gtk_widget_get_parent (root);
      GtkWidget *row = gtk_widget_get_ancestor (root, ADW_TYPE_PREFERENCES_ROW);
      g_string_append_printf (unnamed, "  %s (tooltip “%s”) in %s%s%s\n", G_OBJECT_TYPE_NAME (root),
                              gtk_widget_get_tooltip_text (root) ? gtk_widget_get_tooltip_text (root) : "",
                              parent ? G_OBJECT_TYPE_NAME (parent) : "-",
                              row ? " of the row " : "",
                              row ? adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)) : "");
      n++;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    n += ui_collect_unnamed (child, unnamed);
  return n;
}
