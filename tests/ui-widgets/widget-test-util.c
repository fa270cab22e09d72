/* widget-test-util.c: the widgets' tests' helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "widget-test-util.h"

#include <sodium.h>
#include <string.h>

#include "ombud-queries.h"
#include "test-util.h"

static gboolean
wake (gpointer data)
{
  (void) data;
  return G_SOURCE_CONTINUE;
}

void
wt_init (int    *argc,
         char ***argv)
{
  g_assert_cmpint (sodium_init (), >=, 0);
  gtk_test_init (argc, argv, NULL);
  adw_init ();
  /* Waits below block in the main loop; this wakes them to look again. */
  g_timeout_add (50, wake, NULL);
}

typedef struct {
  GAsyncResult *result;
} Wait;

static void
keep_result (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Wait *wait = user_data;

  (void) source;
  wait->result = g_object_ref (result);
}

WtProfile *
wt_profile_new (void)
{
  WtProfile *profile = g_new0 (WtProfile, 1);
  g_autoptr(GError) error = NULL;
  Wait wait = { 0 };

  profile->dir = test_make_tmp_dir ("ombud-widgets-XXXXXX");
  profile->session = ombud_session_new (profile->dir);
  ombud_session_create_async (profile->session, WT_PASSPHRASE, NULL, keep_result, &wait);
  WT_WAIT_UNTIL (wait.result != NULL);
  g_assert_true (ombud_session_create_finish (profile->session, wait.result, &error));
  g_assert_no_error (error);
  g_object_unref (wait.result);
  return profile;
}

void
wt_profile_free (WtProfile *profile)
{
  ombud_session_flush (profile->session);
  g_clear_object (&profile->session);
  test_rm_rf (profile->dir);
  g_free (profile->dir);
  g_free (profile);
}

static gpointer
run (OmbudSession     *session,
     gboolean          write,
     OmbudSessionFunc  func,
     gpointer          data)
{
  g_autoptr(GError) error = NULL;
  Wait wait = { 0 };
  gpointer result;

  if (write)
    ombud_session_write_async (session, func, data, NULL, NULL, NULL, keep_result, &wait);
  else
    ombud_session_run_async (session, func, data, NULL, NULL, NULL, keep_result, &wait);
  WT_WAIT_UNTIL (wait.result != NULL);
  result = ombud_session_run_finish (session, wait.result, &error);
  g_assert_no_error (error);
  g_object_unref (wait.result);
  return result;
}

gpointer wt_read (OmbudSession *session, OmbudSessionFunc func, gpointer data) { return run (session, FALSE, func, data); }
gpointer wt_write (OmbudSession *session, OmbudSessionFunc func, gpointer data) { return run (session, TRUE, func, data); }

static gpointer
add_case (OmbudCaseload  *caseload,
          gpointer        data,
          GCancellable   *cancellable,
          GError        **error)
{
  OmbudCaseInput in = { data, "Östersund", "woman", 1971, TRUE, TRUE, "2026-01-12" };
  g_autofree char *municipality = NULL, *ombud = NULL;
  char *id;

  (void) cancellable;
  municipality = ombud_caseload_add_municipality (caseload, "2380", "Östersund", 64000, NULL);
  ombud = ombud_caseload_add_ombud (caseload, "Karin Öberg", "ombud", error);
  if (ombud == NULL || (id = ombud_caseload_add_case (caseload, &in, error)) == NULL)
    return NULL;
  if (!ombud_caseload_assign_case (caseload, id, ombud, error))
    return NULL;
  return id;
}

char *
wt_add_case (OmbudSession *session,
             const char   *name)
{
  return wt_write (session, add_case, (gpointer) name);
}

static gpointer
show_case (OmbudCaseload  *caseload,
           gpointer        data,
           GCancellable   *cancellable,
           GError        **error)
{
  (void) cancellable;
  return ombud_queries_show_case (caseload, data, error);
}

GVariant *
wt_show_case (OmbudSession *session,
              const char   *case_id)
{
  return wt_read (session, show_case, (gpointer) case_id);
}

const char *
wt_text (GVariant   *dict,
         const char *key)
{
  const char *text = NULL;

  if (!g_variant_lookup (dict, key, "&s", &text))
    return NULL;
  return text;
}

gint64
wt_int (GVariant   *dict,
        const char *key)
{
  gint64 value = -1;

  g_variant_lookup (dict, key, "x", &value);
  return value;
}

GVariant *
wt_list_item (GVariant   *record,
              const char *list,
              gsize       n)
{
  g_autoptr(GVariant) items = g_variant_lookup_value (record, list, G_VARIANT_TYPE ("aa{sv}"));

  g_assert_nonnull (items);
  g_assert_cmpuint (n, <, g_variant_n_children (items));
  return g_variant_get_child_value (items, n);
}

GVariant *
wt_find_item (GVariant   *record,
              const char *list,
              const char *key,
              const char *value)
{
  for (gsize i = 0; i < wt_list_length (record, list); i++)
    {
      GVariant *item = wt_list_item (record, list, i);
      if (g_strcmp0 (wt_text (item, key), value) == 0)
        return item;
      g_variant_unref (item);
    }
  g_error ("no %s with %s %s", list, key, value);
}

gsize
wt_list_length (GVariant   *record,
                const char *list)
{
  g_autoptr(GVariant) items = g_variant_lookup_value (record, list, G_VARIANT_TYPE ("aa{sv}"));

  return items ? g_variant_n_children (items) : 0;
}

void
wt_wait (WtCondition  cond,
         gpointer     data,
         const char  *what)
{
  gint64 end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        g_error ("never happened: %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
}

void
wt_settle (void)
{
  for (int i = 0; i < 20; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
}

void
wt_show_window (GtkWindow *window,
                int        width,
                int        height)
{
  gtk_window_set_default_size (window, width, height);
  gtk_window_present (window);
  WT_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)) && gtk_widget_get_width (GTK_WIDGET (window)) > 0);
  wt_settle ();
}

GtkWindow *
wt_window_new (GtkWidget *child,
               int        width,
               int        height)
{
  GtkWindow *window = GTK_WINDOW (adw_window_new ());

  adw_window_set_content (ADW_WINDOW (window), child);
  wt_show_window (window, width, height);
  return window;
}

GtkWindow *
wt_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWindow *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        found = window;
    }
  return found;
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
      if (found)
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
label_with (GtkWidget *widget, gconstpointer text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_is_visible (widget)
         && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

static gboolean
of_type (GtkWidget *widget, gconstpointer type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

GtkWidget *wt_find_row (GtkWidget *root, const char *title) { return find (root, row_titled, title); }
GtkWidget *wt_find_button (GtkWidget *root, const char *label) { return find (root, button_labelled, label); }
GtkWidget *wt_find_label (GtkWidget *root, const char *text) { return find (root, label_with, text); }
GtkWidget *wt_find_type (GtkWidget *root, GType type) { return find (root, of_type, GSIZE_TO_POINTER (type)); }

guint
wt_count_rows (GtkWidget  *root,
               const char *title)
{
  guint n = row_titled (root, title) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    n += wt_count_rows (child, title);
  return n;
}

static void
count_paint (guint *painted)
{
  (*painted)++;
}

void
wt_screenshot (GtkWidget  *widget,
               const char *name)
{
  const char *dir = g_getenv ("OMBUD_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (dir == NULL)
    return;
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  WT_WAIT_UNTIL (gtk_widget_get_mapped (widget));
  wt_settle ();
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  path = g_build_filename (dir, name, NULL);
  /* A widget paintable shows what the widget drew in its last frame:
   * draw one now, with everything that has settled. */
  {
    GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
    guint painted = 0;
    gulong handler = g_signal_connect_swapped (clock, "after-paint", G_CALLBACK (count_paint), &painted);

    for (guint frames = 0; frames < 2; frames++)
      {
        guint target = painted + 1;
        gtk_widget_queue_draw (widget);
        WT_WAIT_UNTIL (painted >= target);
      }
    g_signal_handler_disconnect (clock, handler);
  }
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

/* ---- accessible names ------------------------------------------------------------ */

static gboolean
interactive (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget) || GTK_IS_SWITCH (widget)
         || GTK_IS_TEXT (widget) || GTK_IS_TEXT_VIEW (widget) || GTK_IS_DROP_DOWN (widget)
         || GTK_IS_SPIN_BUTTON (widget) || GTK_IS_CALENDAR (widget) || GTK_IS_ENTRY (widget);
}

static gboolean
has_name (GtkWidget *widget)
{
  GtkAccessible *accessible = GTK_ACCESSIBLE (widget);

  if (gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL)
      || gtk_test_accessible_has_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return TRUE;
  /* A button named by its own visible label. */
  if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) != NULL
      && *gtk_button_get_label (GTK_BUTTON (widget)) != '\0')
    return TRUE;
  if (GTK_IS_CHECK_BUTTON (widget) && gtk_check_button_get_label (GTK_CHECK_BUTTON (widget)) != NULL)
    return TRUE;
  return FALSE;
}

static void
collect_unnamed (GtkWidget *widget,
                 GString   *unnamed)
{
  if (!gtk_widget_get_visible (widget))
    return;
  if (interactive (widget) && gtk_widget_is_sensitive (widget) && !has_name (widget))
    {
      GtkWidget *parent = gtk_widget_get_parent (widget);
      g_string_append_printf (unnamed, "  %s (in %s %s)\n", G_OBJECT_TYPE_NAME (widget),
                              parent ? G_OBJECT_TYPE_NAME (parent) : "-",
                              ADW_IS_PREFERENCES_ROW (parent) ? adw_preferences_row_get_title (ADW_PREFERENCES_ROW (parent)) : "");
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_unnamed (child, unnamed);
}

void
wt_assert_accessible_names (GtkWidget *root)
{
  g_autoptr(GString) unnamed = g_string_new (NULL);

  collect_unnamed (root, unnamed);
  if (unnamed->len > 0)
    g_error ("interactive widgets without an accessible name under %s:\n%s", G_OBJECT_TYPE_NAME (root), unnamed->str);
}
