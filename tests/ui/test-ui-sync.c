/* test-ui-sync.c: sync in the window against a real ombud-office on
 * loopback: enrol through the setup page (both sides see the same office
 * fingerprint), make a change in the window, sync now, and find it on the
 * coordinator's laptop; stop the office, change again, sync: the offline
 * strip shows, the change is kept, and a sync after the office is back
 * delivers it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-test-util.h"

#include "office-fixture.h"
#include "ombud-case-list-row.h"
#include "ombud-new-case-dialog.h"

typedef struct {
  char             *dir;
  TestOffice       *office;
  TestLaptop       *coordinator;
  OmbudApplication *app;
  OmbudWindow      *window;
  OmbudSession     *session;
  gboolean          finished;
  gboolean          failed;
} Fixture;

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
step_is (gpointer data)
{
  gpointer *args = data;
  return g_strcmp0 (ombud_setup_page_get_step (args[0]), args[1]) == 0;
}

static void
on_sync_finished (OmbudApplication *app,
                  gboolean          on_request,
                  GError           *error,
                  Fixture          *f)
{
  (void) app; (void) on_request;
  f->finished = TRUE;
  f->failed = error != NULL;
}

static gboolean
sync_started (gpointer data)
{
  Fixture *f = data;
  return ombud_application_sync (f->app, TRUE);
}

/* As the user's Sync Now: waits for a sync the scheduler may be running,
 * then runs one of its own to the end. */
static gboolean
sync_now (Fixture *f)
{
  ui_settle (f->session);
  ui_wait (sync_started, f, "a sync to start");
  f->finished = FALSE;
  ui_wait (is_true, &f->finished, "the sync to finish");
  ui_settle (f->session);
  return !f->failed;
}

static gpointer
device_id (OmbudCaseload  *caseload,
           gpointer        data,
           GCancellable   *cancellable,
           GError        **error)
{
  (void) data; (void) cancellable; (void) error;
  return g_memdup2 ((guint64[]) { ombud_caseload_get_device_id (caseload) }, sizeof (guint64));
}

static void
enrol (Fixture *f)
{
  OmbudSetupPage *setup = ombud_window_get_setup_page (f->window);
  g_autofree char *code = test_office_invite (f->office, "Karin Öberg", FALSE);
  gpointer enrol_step[] = { setup, "enrol" };
  gpointer fingerprints_step[] = { setup, "fingerprints" };
  g_autofree guint64 *device = NULL;
  g_autoptr(GError) error = NULL;

  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "passphrase_row"), UI_TEST_PASSPHRASE);
  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "repeat_row"), UI_TEST_PASSPHRASE);
  ui_click (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "create_button"));
  ui_wait (step_is, enrol_step, "the enrol step");

  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "url_row"), f->office->url);
  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "code_row"), code);
  ui_click (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "enrol_button"));
  ui_wait (step_is, fingerprints_step, "the fingerprints");
  ui_settle (f->session);
  g_assert_true (ombud_session_get_enrolled (f->session));
  /* What the coordinator saw when enrolling is what this laptop shows. */
  g_assert_cmpstr (adw_action_row_get_subtitle (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "office_fingerprint_row")),
                   ==, f->coordinator->fingerprint);
  g_assert_cmpuint (strlen (adw_action_row_get_subtitle (ui_child (setup, OMBUD_TYPE_SETUP_PAGE,
                                                                    "device_fingerprint_row"))), >, 8);
  ui_click (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "fingerprints_done_button"));
  g_assert_cmpstr (ombud_window_get_page (f->window), ==, "main");

  /* The coordinator compares and confirms the laptop. */
  device = ui_session_run (f->session, device_id, NULL, &error);
  g_assert_no_error (error);
  test_laptop_sync (f->coordinator);
  g_assert_true (ombud_sync_confirm (f->coordinator->replica->caseload, *device, NULL, &error));
  g_assert_no_error (error);
  test_laptop_sync (f->coordinator);
  g_assert_true (sync_now (f));
}

static gboolean
municipalities_loaded (gpointer data)
{
  return gtk_widget_get_visible (ui_child (data, OMBUD_TYPE_NEW_CASE_DIALOG, "municipality_row"))
    && adw_combo_row_get_selected (ui_child (data, OMBUD_TYPE_NEW_CASE_DIALOG, "municipality_row"))
       != GTK_INVALID_LIST_POSITION;
}

static gboolean
dialog_gone (gpointer data)
{
  (void) data;
  return ui_find_window (OMBUD_TYPE_NEW_CASE_DIALOG) == NULL;
}

/* A case through the New Case dialog, with the team's municipality. */
static void
new_case (Fixture    *f,
          const char *client)
{
  GtkWindow *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-case", NULL));
  dialog = ui_find_window (OMBUD_TYPE_NEW_CASE_DIALOG);
  g_assert_nonnull (dialog);
  ui_wait (municipalities_loaded, dialog, "the team's municipalities");
  ui_set_text (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "name_row"), client);
  ui_click (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "create_button"));
  ui_wait (dialog_gone, NULL, "the dialog to save and close");
  ui_settle (f->session);
}

static OmbudSyncState
listed_sync_state (Fixture    *f,
                   const char *client)
{
  GListModel *model = ombud_case_list_get_model (ombud_window_get_case_list (f->window));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(OmbudCaseSummary) summary = g_list_model_get_item (model, i);
      if (g_strcmp0 (ombud_case_summary_get_title (summary), client) == 0)
        return ombud_case_summary_get_sync_state (summary);
    }
  g_error ("%s is not in the list", client);
}

static gboolean
coordinator_has (Fixture    *f,
                 const char *case_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM client_case WHERE id = '%s'", case_id);

  test_laptop_sync (f->coordinator);
  return test_laptop_count (f->coordinator, sql) == 1;
}

static char *
case_id_of (Fixture    *f,
            const char *client)
{
  GListModel *model = ombud_case_list_get_model (ombud_window_get_case_list (f->window));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(OmbudCaseSummary) summary = g_list_model_get_item (model, i);
      if (g_strcmp0 (ombud_case_summary_get_title (summary), client) == 0)
        return g_strdup (ombud_case_summary_get_id (summary));
    }
  g_error ("%s is not in the list", client);
}

static void
sync_in_window (OmbudApplication *app,
                OmbudWindow      *window,
                gpointer          data)
{
  Fixture *f = data;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  GtkRevealer *strip;

  f->app = app;
  f->window = window;
  f->session = ombud_application_get_session (app);
  g_signal_connect (app, "sync-finished", G_CALLBACK (on_sync_finished), f);
  strip = ombud_window_get_strip (f->window);

  enrol (f);
  g_assert_cmpint (ombud_session_get_last_success (f->session), >, 0);

  /* A change made in the window reaches the coordinator's laptop. */
  new_case (f, "Anna Testsson");
  first = case_id_of (f, "Anna Testsson");
  g_assert_cmpint (listed_sync_state (f, "Anna Testsson"), ==, OMBUD_SYNC_STATE_LOCAL);
  g_assert_cmpuint (ombud_session_get_changes_waiting (f->session), >, 0);
  g_assert_true (sync_now (f));
  g_assert_cmpuint (ombud_session_get_changes_waiting (f->session), ==, 0);
  g_assert_cmpint (listed_sync_state (f, "Anna Testsson"), ==, OMBUD_SYNC_STATE_AT_OFFICE);
  g_assert_true (coordinator_has (f, first));
  g_assert_false (gtk_revealer_get_reveal_child (strip));

  /* The office goes away: the edit stays here, the strip says so. */
  test_office_stop (f->office);
  new_case (f, "Bertil Provsson");
  second = case_id_of (f, "Bertil Provsson");
  g_assert_false (sync_now (f));
  g_assert_cmpint (ombud_session_get_sync_status (f->session), ==, OMBUD_SYNC_STATUS_OFFLINE);
  g_assert_true (gtk_revealer_get_reveal_child (strip));
  g_assert_cmpstr (ombud_window_get_strip_text (f->window), ==, "Offline — your work is saved on this laptop");
  g_assert_cmpstr (ombud_sync_button_get_state_text (ombud_window_get_sync_button (f->window)), ==, "Offline");
  g_assert_cmpuint (ombud_session_get_changes_waiting (f->session), >, 0);
  g_assert_cmpint (listed_sync_state (f, "Bertil Provsson"), ==, OMBUD_SYNC_STATE_LOCAL);
  g_assert_cmpint (ui_session_count (f->session, "SELECT count(*) FROM client_case WHERE id = %Q", second), ==, 1);
  g_assert_true (ombud_case_list_select_case (ombud_window_get_case_list (f->window), second));
  ui_screenshot (GTK_WIDGET (f->window), "sync-error.png");

  /* Back again: the next sync delivers it and the strip goes. */
  test_office_start (f->office);
  g_assert_true (sync_now (f));
  g_assert_false (gtk_revealer_get_reveal_child (strip));
  g_assert_cmpuint (ombud_session_get_changes_waiting (f->session), ==, 0);
  g_assert_cmpint (listed_sync_state (f, "Bertil Provsson"), ==, OMBUD_SYNC_STATE_AT_OFFICE);
  g_assert_true (coordinator_has (f, second));
}

static void
test_sync_in_window (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *municipality = NULL;

  f.office = test_office_new (NULL, NULL);
  f.coordinator = test_laptop_new (f.office, f.office->url, "Eva Strand", TRUE);
  municipality = ombud_caseload_add_municipality (f.coordinator->replica->caseload, "2313", "Strömsund", 11500, &error);
  g_assert_no_error (error);
  test_laptop_sync (f.coordinator);

  f.dir = test_make_tmp_dir ("ombud-ui-sync-XXXXXX");
  ui_app_run (f.dir, sync_in_window, &f);
  test_rm_rf (f.dir);
  g_free (f.dir);
  test_laptop_free (f.coordinator);
  test_office_free (f.office);
}

/* The organisation's first coordinator enrols through the window: the
 * recovery key is shown once, Continue waits for "written down", and the
 * key leaves the screen afterwards. */
static void
first_coordinator (OmbudApplication *app,
                   OmbudWindow      *window,
                   gpointer          data)
{
  TestOffice *office = data;
  OmbudSetupPage *setup = ombud_window_get_setup_page (window);
  OmbudSession *session = ombud_application_get_session (app);
  g_autofree char *code = test_office_invite (office, "Eva Strand", TRUE);
  gpointer enrol_step[] = { setup, "enrol" };
  gpointer fingerprints_step[] = { setup, "fingerprints" };
  GtkLabel *key = ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "recovery_label");
  GtkWidget *done = ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "recovery_done_button");

  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "passphrase_row"), UI_TEST_PASSPHRASE);
  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "repeat_row"), UI_TEST_PASSPHRASE);
  ui_click (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "create_button"));
  ui_wait (step_is, enrol_step, "the enrol step");
  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "url_row"), office->url);
  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "code_row"), code);
  ui_click (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "enrol_button"));
  ui_wait (step_is, fingerprints_step, "the fingerprints");
  ui_settle (session);
  g_assert_true (ombud_session_get_enrolled (session));
  ui_click (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "fingerprints_done_button"));
  g_assert_cmpstr (ombud_setup_page_get_step (setup), ==, "recovery");
  g_assert_cmpstr (ombud_window_get_page (window), ==, "setup");
  g_assert_cmpuint (strlen (gtk_label_get_label (key)), >=, 16);
  g_assert_false (gtk_widget_get_sensitive (done));
  gtk_check_button_set_active (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "recovery_check"), TRUE);
  ui_click (done);
  g_assert_cmpstr (ombud_window_get_page (window), ==, "main");
  g_assert_cmpstr (gtk_label_get_label (key), ==, "");
}

static void
test_first_coordinator (void)
{
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autofree char *dir = test_make_tmp_dir ("ombud-ui-first-XXXXXX");

  ui_app_run (dir, first_coordinator, office);
  test_rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/sync/office-on-loopback", test_sync_in_window);
  g_test_add_func ("/ui/sync/first-coordinator", test_first_coordinator);
  return g_test_run ();
}
