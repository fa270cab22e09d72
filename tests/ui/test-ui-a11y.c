/* test-ui-a11y.c: every interactive widget of the main views has an
 * accessible name: the unlock page, each step of the setup page, the case
 * list with its search and filters beside an open case, the New Case
 * dialog and the preferences.  The walker first proves it catches an
 * unnamed button.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-test-util.h"

#include "ombud-new-case-dialog.h"
#include "ombud-preferences-window.h"
#include "test-util.h"

static void
assert_all_named (GtkWidget  *root,
                  const char *view)
{
  g_autoptr(GString) unnamed = g_string_new (NULL);

  ui_drain ();
  if (ui_collect_unnamed (root, unnamed) > 0)
    g_error ("interactive widgets without an accessible name in %s:\n%s", view, unnamed->str);
}

/* The check is able to fail: an icon button with only a tooltip is caught,
 * and named it passes. */
static void
test_self_check (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *labelled = gtk_button_new_with_label ("Save");
  GtkWidget *icon = gtk_button_new_from_icon_name ("list-add-symbolic");
  g_autoptr(GString) unnamed = g_string_new (NULL);

  gtk_widget_set_tooltip_text (icon, "New Case");
  gtk_box_append (GTK_BOX (box), labelled);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
  ui_drain ();
  g_assert_cmpuint (ui_collect_unnamed (box, unnamed), ==, 1);
  g_assert_nonnull (strstr (unnamed->str, "GtkButton (tooltip “New Case”) in GtkBox"));

  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "New Case", -1);
  g_string_truncate (unnamed, 0);
  g_assert_cmpuint (ui_collect_unnamed (box, unnamed), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
  ui_drain ();
}

static gboolean
main_page (gpointer data)
{
  return g_strcmp0 (ombud_window_get_page (data), "main") == 0;
}

static gboolean
listed (gpointer data)
{
  return g_list_model_get_n_items (ombud_case_list_get_model (ombud_window_get_case_list (data))) == 1;
}

static gboolean
dialog_ready (gpointer data)
{
  (void) data;
  GtkWindow *dialog = ui_find_window (OMBUD_TYPE_NEW_CASE_DIALOG);
  return dialog != NULL && gtk_widget_get_visible (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "new_municipality_row"));
}

static gboolean
dialog_gone (gpointer data)
{
  (void) data;
  return ui_find_window (OMBUD_TYPE_NEW_CASE_DIALOG) == NULL;
}

static void
main_views (OmbudApplication *app,
            OmbudWindow      *window,
            gpointer          data)
{
  OmbudSession *session = ombud_application_get_session (app);
  OmbudSetupPage *setup = ombud_window_get_setup_page (window);
  GtkStack *steps = ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "stack");
  const char *step_names[] = { "create", "enrol", "fingerprints", "recovery" };
  GtkWindow *dialog;

  /* Every step of the setup, as the user would see it. */
  for (guint i = 0; i < G_N_ELEMENTS (step_names); i++)
    {
      gtk_stack_set_visible_child_name (steps, step_names[i]);
      assert_all_named (GTK_WIDGET (window), step_names[i]);
    }
  gtk_stack_set_visible_child_name (steps, "create");
  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "passphrase_row"), UI_TEST_PASSPHRASE);
  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "repeat_row"), UI_TEST_PASSPHRASE);
  ui_click (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "create_button"));
  ui_settle (session);
  ui_click (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "later_button"));
  ui_wait (main_page, window, "the main view");

  /* The New Case dialog, and a case to show. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-case", NULL));
  ui_wait (dialog_ready, NULL, "the New Case dialog");
  dialog = ui_find_window (OMBUD_TYPE_NEW_CASE_DIALOG);
  assert_all_named (GTK_WIDGET (dialog), "the New Case dialog");
  ui_set_text (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "name_row"), "Anna Testsson");
  ui_set_text (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "new_municipality_row"), "Åre");
  ui_set_text (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "municipality_code_row"), "2321");
  ui_click (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "create_button"));
  ui_wait (dialog_gone, NULL, "the case to be saved");
  ui_wait (listed, window, "the case in the list");
  ui_settle (session);

  /* The list with search and filters open, beside the case. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  ui_settle (session);
  g_assert_nonnull (ombud_window_get_case_id (window));
  assert_all_named (GTK_WIDGET (window), "the list and the case");

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  ui_settle (session);
  assert_all_named (GTK_WIDGET (ui_find_window (OMBUD_TYPE_PREFERENCES_WINDOW)), "the preferences");
  gtk_window_destroy (ui_find_window (OMBUD_TYPE_PREFERENCES_WINDOW));

  g_action_group_activate_action (G_ACTION_GROUP (app), "lock", NULL);
  ui_settle (session);
  g_assert_cmpstr (ombud_window_get_page (window), ==, "unlock");
  assert_all_named (GTK_WIDGET (window), "the unlock page");
  (void) data;
}

static void
test_main_views (void)
{
  g_autofree char *dir = test_make_tmp_dir ("ombud-ui-a11y-XXXXXX");

  ui_app_run (dir, main_views, NULL);
  test_rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/a11y/self-check", test_self_check);
  g_test_add_func ("/ui/a11y/main-views", test_main_views);
  return g_test_run ();
}
