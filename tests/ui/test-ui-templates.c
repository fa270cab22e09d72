/* test-ui-templates.c: every template widget of the shell constructs, shows
 * and goes away without a warning (the test runs with fatal warnings and
 * criticals, so a missing property, child or callback fails it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-test-util.h"

#include "ombud-case-list-row.h"
#include "ombud-deficiency-dialog.h"
#include "ombud-new-case-dialog.h"
#include "ombud-preferences-window.h"
#include "test-util.h"

static void
show_in_window (GtkWidget *widget)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_child (GTK_WINDOW (window), widget);
  gtk_window_present (GTK_WINDOW (window));
  ui_drain ();
  gtk_window_destroy (GTK_WINDOW (window));
  ui_drain ();
}

static void
test_widgets (void)
{
  GType types[] = {
    OMBUD_TYPE_UNLOCK_PAGE, OMBUD_TYPE_SETUP_PAGE, OMBUD_TYPE_CASE_LIST, OMBUD_TYPE_CASE_LIST_ROW,
    OMBUD_TYPE_SYNC_BUTTON,
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      GtkWidget *widget = g_object_new (types[i], NULL);
      g_assert_true (GTK_IS_WIDGET (widget));
      g_assert_nonnull (gtk_widget_get_first_child (widget));
      show_in_window (widget);
    }
}

/* The window, its dialogs, preferences and shortcuts on a real profile. */
static void
window_and_dialogs (OmbudApplication *app,
                    OmbudWindow      *window,
                    gpointer          data)
{
  OmbudSession *session = ombud_application_get_session (app);
  GtkWindow *prefs;

  g_assert_cmpstr (ombud_window_get_page (window), ==, "setup");
  /* Preferences need an unlocked profile; the setup page makes one. */
  ui_set_text (ui_child (ombud_window_get_setup_page (window), OMBUD_TYPE_SETUP_PAGE, "passphrase_row"), UI_TEST_PASSPHRASE);
  ui_set_text (ui_child (ombud_window_get_setup_page (window), OMBUD_TYPE_SETUP_PAGE, "repeat_row"), UI_TEST_PASSPHRASE);
  ui_click (ui_child (ombud_window_get_setup_page (window), OMBUD_TYPE_SETUP_PAGE, "create_button"));
  ui_settle (session);
  g_assert_true (ombud_session_get_unlocked (session));

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  ui_settle (session);
  prefs = ui_find_window (OMBUD_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (prefs);
  /* Not enrolled: the office group offers enrolment. */
  g_assert_true (gtk_widget_get_visible (ui_child (prefs, OMBUD_TYPE_PREFERENCES_WINDOW, "enrol_row")));
  ui_screenshot (GTK_WIDGET (prefs), "preferences.png");
  gtk_window_destroy (prefs);

  g_action_group_activate_action (G_ACTION_GROUP (app), "shortcuts", NULL);
  ui_drain ();
  g_assert_nonnull (ui_find_window (GTK_TYPE_SHORTCUTS_WINDOW));
  gtk_window_destroy (ui_find_window (GTK_TYPE_SHORTCUTS_WINDOW));

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  ui_drain ();
  g_assert_nonnull (ui_find_window (ADW_TYPE_ABOUT_WINDOW));
  gtk_window_destroy (ui_find_window (ADW_TYPE_ABOUT_WINDOW));

  gtk_window_present (GTK_WINDOW (ombud_new_case_dialog_new (GTK_WINDOW (window), session)));
  ui_settle (session);
  g_assert_nonnull (ui_find_window (OMBUD_TYPE_NEW_CASE_DIALOG));
  gtk_window_destroy (ui_find_window (OMBUD_TYPE_NEW_CASE_DIALOG));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.report-deficiency", NULL));
  ui_settle (session);
  g_assert_nonnull (ui_find_window (OMBUD_TYPE_DEFICIENCY_DIALOG));
  gtk_window_destroy (ui_find_window (OMBUD_TYPE_DEFICIENCY_DIALOG));
  (void) data;
}

static void
test_window_and_dialogs (void)
{
  g_autofree char *dir = test_make_tmp_dir ("ombud-ui-templates-XXXXXX");

  ui_app_run (dir, window_and_dialogs, NULL);
  test_rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/templates/widgets", test_widgets);
  g_test_add_func ("/ui/templates/window-and-dialogs", test_window_and_dialogs);
  return g_test_run ();
}
