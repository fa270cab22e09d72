/* test-ui-session.c: the scripted session, driving the real window
 * through its pages, buttons and actions against a temporary profile:
 * create the profile, create a case, log a contact and add a note (the
 * case page's actions and dialogs), search for it, lock, unlock with a
 * wrong then the right passphrase, close the case; the store is checked
 * after each step.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sodium.h>

#include "ombud-case-list-row.h"
#include "ombud-case-page.h"
#include "ombud-close-case-dialog.h"
#include "ombud-contact-dialog.h"
#include "ombud-preferences-window.h"
#include "ombud-case-summary.h"
#include "ombud-new-case-dialog.h"
#include "ombud-sql.h"
#include "ombud-store.h"
#include "ombud-sync-engine.h"
#include "test-util.h"

#define CLIENT "Anna Testsson"
#define NOTE_WORD "Kronofogden"
#define NEW_PASSPHRASE "ett nytt lösenord för hösten"

typedef struct {
  char             *dir;
  OmbudApplication *app;
  OmbudWindow      *window;
  OmbudSession     *session;
  char             *case_id;
} Fixture;

static gboolean
step_is (gpointer data)
{
  gpointer *args = data;
  return g_strcmp0 (ombud_setup_page_get_step (args[0]), args[1]) == 0;
}

static gboolean
page_is (gpointer data)
{
  gpointer *args = data;
  return g_strcmp0 (ombud_window_get_page (args[0]), args[1]) == 0;
}

static void
wait_page (OmbudWindow *window,
           const char  *page)
{
  gpointer args[] = { window, (gpointer) page };
  ui_wait (page_is, args, page);
}

static gboolean
list_state_is (gpointer data)
{
  gpointer *args = data;
  return g_strcmp0 (ombud_case_list_get_state (args[0]), args[1]) == 0;
}

static void
wait_list_state (OmbudWindow *window,
                 const char  *state)
{
  gpointer args[] = { ombud_window_get_case_list (window), (gpointer) state };
  ui_wait (list_state_is, args, state);
}

static gboolean
unlock_idle (gpointer data)
{
  return !ombud_unlock_page_get_busy (data);
}

static OmbudCaseSummary *
row (OmbudWindow *window,
     guint        i)
{
  GListModel *model = ombud_case_list_get_model (ombud_window_get_case_list (window));
  g_autoptr(OmbudCaseSummary) item = g_list_model_get_item (model, i);

  g_assert_nonnull (item);
  return item;  /* the model holds it */
}

static guint
rows (OmbudWindow *window)
{
  return g_list_model_get_n_items (ombud_case_list_get_model (ombud_window_get_case_list (window)));
}

/* Step 1: the setup page creates the profile; the office comes later. */
static void
create_profile (Fixture *f)
{
  OmbudSetupPage *setup = ombud_window_get_setup_page (f->window);
  GtkWidget *create = ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "create_button");
  gpointer enrol_step[] = { setup, "enrol" };
  g_autofree char *key = g_build_filename (f->dir, "ombud.key", NULL);

  g_assert_cmpstr (ombud_window_get_page (f->window), ==, "setup");
  g_assert_cmpstr (ombud_setup_page_get_step (setup), ==, "create");
  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "passphrase_row"), "short");
  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "repeat_row"), "short");
  g_assert_false (gtk_widget_get_sensitive (create));  /* too short */
  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "passphrase_row"), UI_TEST_PASSPHRASE);
  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "repeat_row"), UI_TEST_PASSPHRASE "x");
  g_assert_false (gtk_widget_get_sensitive (create));  /* they differ */
  ui_set_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "repeat_row"), UI_TEST_PASSPHRASE);
  ui_click (create);
  /* Handed over and gone from the entries at once. */
  g_assert_cmpstr (gtk_editable_get_text (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "passphrase_row")), ==, "");
  ui_wait (step_is, enrol_step, "the enrol step");
  g_assert_true (g_file_test (key, G_FILE_TEST_EXISTS));
  g_assert_true (ombud_session_get_unlocked (f->session));
  g_assert_cmpstr (ombud_window_get_page (f->window), ==, "setup");

  ui_click (ui_child (setup, OMBUD_TYPE_SETUP_PAGE, "later_button"));
  wait_page (f->window, "main");
  wait_list_state (f->window, "empty");
  g_assert_cmpint (ui_session_count (f->session, "SELECT count(*) FROM client_case", NULL), ==, 0);
}

static gboolean
window_open (gpointer data)
{
  OmbudNewCaseDialog *dialog = data;
  return gtk_widget_get_visible (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "new_municipality_row"));
}

static gboolean
case_shown (gpointer data)
{
  Fixture *f = data;
  return rows (f->window) == 1 && ombud_window_get_case_id (f->window) != NULL;
}

static OmbudCaseListRow *
find_row (GtkWidget *widget)
{
  if (OMBUD_IS_CASE_LIST_ROW (widget))
    return OMBUD_CASE_LIST_ROW (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      OmbudCaseListRow *row = find_row (child);
      if (row != NULL && ombud_case_list_row_get_summary (row) != NULL)
        return row;
    }
  return NULL;
}

/* The row on screen says whose case it is, where, and that it is saved on
 * this laptop only. */
static void
assert_row_shows (OmbudWindow *window,
                  const char  *title,
                  const char  *subtitle,
                  const char  *sync)
{
  OmbudCaseListRow *row = find_row (GTK_WIDGET (ombud_window_get_case_list (window)));

  g_assert_nonnull (row);
  g_assert_cmpstr (gtk_label_get_label (ui_child (row, OMBUD_TYPE_CASE_LIST_ROW, "title_label")), ==, title);
  g_assert_cmpstr (gtk_label_get_label (ui_child (row, OMBUD_TYPE_CASE_LIST_ROW, "subtitle_label")), ==, subtitle);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (ui_child (row, OMBUD_TYPE_CASE_LIST_ROW, "sync_image")), ==, sync);
}

/* Step 2: the New Case dialog, on a profile without municipalities yet. */
static void
create_case (Fixture *f)
{
  OmbudNewCaseDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-case", NULL));
  dialog = OMBUD_NEW_CASE_DIALOG (ui_find_window (OMBUD_TYPE_NEW_CASE_DIALOG));
  g_assert_nonnull (dialog);
  ui_wait (window_open, dialog, "the municipality rows");
  ui_set_text (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "name_row"), CLIENT);
  ui_set_text (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "new_municipality_row"), "Strömsund");
  ui_set_text (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "municipality_code_row"), "23");
  g_assert_false (gtk_widget_get_sensitive (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "create_button")));
  ui_set_text (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "municipality_code_row"), "2313");
  gtk_spin_button_set_value (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "birth_year_spin"), 1961);
  ui_screenshot (GTK_WIDGET (dialog), "new-case.png");
  ui_click (ui_child (dialog, OMBUD_TYPE_NEW_CASE_DIALOG, "create_button"));
  ui_wait (case_shown, f, "the new case in the list");
  ui_settle (f->session);
  g_assert_null (ui_find_window (OMBUD_TYPE_NEW_CASE_DIALOG));

  f->case_id = g_strdup (ombud_case_summary_get_id (row (f->window, 0)));
  g_assert_cmpstr (ombud_window_get_case_id (f->window), ==, f->case_id);
  g_assert_cmpstr (ombud_case_summary_get_title (row (f->window, 0)), ==, CLIENT);
  g_assert_cmpint (ombud_case_summary_get_status (row (f->window, 0)), ==, OMBUD_CASE_STATUS_ACTIVE);
  g_assert_cmpint (ombud_case_summary_get_sync_state (row (f->window, 0)), ==, OMBUD_SYNC_STATE_LOCAL);
  assert_row_shows (f->window, CLIENT, "Strömsund · Active", "Saved on this laptop only");
  g_assert_cmpint (ui_session_count (f->session,
                                     "SELECT count(*) FROM client_case c JOIN municipality m ON m.id = c.municipality_id"
                                     " WHERE c.client_name = %Q AND m.name = 'Strömsund' AND c.birth_year = 1961",
                                     CLIENT), ==, 1);
}

static gboolean
contact_ready (gpointer data)
{
  return ombud_contact_dialog_get_ready (data);
}

static gboolean
window_gone (gpointer data)
{
  return ui_find_window (GPOINTER_TO_SIZE (data)) == NULL;
}

static gboolean
case_page_idle (gpointer data)
{
  return !ombud_case_page_get_loading (data);
}

/* Step 3: a contact and a note, through the case page's actions and dialogs. */
static void
log_contact (Fixture *f)
{
  GtkWidget *page = ombud_window_get_case_view (f->window);
  GtkWindow *dialog;
  GtkTextView *view;

  ui_wait (case_page_idle, page, "the case page");
  ui_screenshot (GTK_WIDGET (f->window), "case-detail.png");
  g_assert_true (gtk_widget_activate_action (page, "case.log-contact", NULL));
  dialog = ui_find_window (OMBUD_TYPE_CONTACT_DIALOG);
  g_assert_nonnull (dialog);
  ui_wait (contact_ready, dialog, "the contact dialog");
  ui_set_text (ui_find_row (dialog, "_Minutes"), "45");
  ui_set_text (ui_find_row (dialog, "_Kilometres"), "12");
  ui_set_text (ui_find_row (dialog, "Travel _time in minutes"), "20");
  ui_screenshot (GTK_WIDGET (dialog), "log-contact.png");
  ui_click (ui_find_button (dialog, "_Save"));
  ui_wait (window_gone, GSIZE_TO_POINTER (OMBUD_TYPE_CONTACT_DIALOG), "the contact to be saved");
  ui_settle (f->session);
  g_assert_cmpint (ui_session_count (f->session, "SELECT count(*) FROM contact WHERE case_id = %Q"
                                     " AND minutes = 45 AND km = 12 AND travel_minutes = 20", f->case_id), ==, 1);

  g_assert_true (gtk_widget_activate_action (page, "case.add-note", NULL));
  dialog = ui_find_window (ADW_TYPE_WINDOW);
  g_assert_nonnull (dialog);
  view = GTK_TEXT_VIEW (ui_find_type (dialog, GTK_TYPE_TEXT_VIEW));
  g_assert_nonnull (view);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view),
                            "Brev från " NOTE_WORD " om skulden; vi ringer dem på måndag.", -1);
  ui_click (ui_find_button (dialog, "_Save"));
  ui_wait (window_gone, GSIZE_TO_POINTER (ADW_TYPE_WINDOW), "the note to be saved");
  ui_settle (f->session);
  g_assert_cmpint (ui_session_count (f->session, "SELECT count(*) FROM note WHERE case_id = %Q"
                                     " AND body LIKE '%%Kronofogden om skulden%%'", f->case_id), ==, 1);
}

static gboolean
folded (gpointer data)
{
  return adw_leaflet_get_folded (data);
}

/* Down to 360 pixels the leaflet folds: the case alone with a back button,
 * which leads to the list. */
static void
narrow (Fixture *f)
{
  AdwLeaflet *leaflet = ombud_window_get_leaflet (f->window);
  GtkWidget *back = ui_child (f->window, OMBUD_TYPE_WINDOW, "back_button");

  ui_window_resize (GTK_WINDOW (f->window), 360, 700);
  ui_wait (folded, leaflet, "the leaflet to fold");
  g_assert_true (gtk_widget_get_visible (back));
  g_assert_true (gtk_widget_is_ancestor (ombud_window_get_case_view (f->window),
                                         adw_leaflet_get_visible_child (leaflet)));
  ui_screenshot (GTK_WIDGET (f->window), "narrow.png");
  ui_click (back);
  ui_drain ();
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == ui_child (f->window, OMBUD_TYPE_WINDOW, "sidebar"));
  /* Back on the list nothing is selected, so the same row opens again. */
  g_assert_null (ombud_case_list_get_selected_case_id (ombud_window_get_case_list (f->window)));
  ui_window_resize (GTK_WINDOW (f->window), 1000, 700);
  g_assert_false (adw_leaflet_get_folded (leaflet));
  g_assert_false (gtk_widget_get_visible (back));
}

static gboolean
answered (gpointer data)
{
  gpointer *args = data;
  return g_strcmp0 (ombud_case_list_get_answered_text (args[0]), args[1]) == 0;
}

/* Types text into the search entry as the user would (with the entry's
 * own delay) and waits for the list's answer. */
static void
type_search (Fixture    *f,
             const char *text)
{
  OmbudCaseList *list = ombud_window_get_case_list (f->window);
  gpointer args[] = { list, (gpointer) text };

  ui_set_text (ombud_case_list_get_search_entry (list), text);
  ui_wait (answered, args, "the search's answer");
  ui_settle (f->session);
}

/* Step 4: search finds the case by the note's word (a prefix, any case). */
static void
search (Fixture *f)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL));
  g_assert_true (gtk_search_bar_get_search_mode (ui_child (ombud_window_get_case_list (f->window),
                                                            OMBUD_TYPE_CASE_LIST, "search_bar")));
  type_search (f, "kronofog");
  g_assert_cmpuint (rows (f->window), ==, 1);
  g_assert_cmpstr (ombud_case_summary_get_id (row (f->window, 0)), ==, f->case_id);
  g_assert_cmpstr (ombud_case_list_get_state (ombud_window_get_case_list (f->window)), ==, "list");

  type_search (f, "försäkringskassan");
  g_assert_cmpuint (rows (f->window), ==, 0);
  g_assert_cmpstr (ombud_case_list_get_state (ombud_window_get_case_list (f->window)), ==, "no-results");

  type_search (f, NOTE_WORD);
  g_assert_cmpuint (rows (f->window), ==, 1);
}

/* Step 5: locking drops every shown thing and the keys. */
static void
lock (Fixture *f)
{
  g_autoptr(OmbudStore) store = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-case", NULL));
  g_assert_nonnull (ui_find_window (OMBUD_TYPE_NEW_CASE_DIALOG));
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "lock", NULL);
  ui_settle (f->session);
  g_assert_false (ombud_session_get_unlocked (f->session));
  g_assert_cmpstr (ombud_window_get_page (f->window), ==, "unlock");
  g_assert_cmpuint (rows (f->window), ==, 0);
  g_assert_null (ombud_window_get_case_id (f->window));
  g_assert_null (ui_find_window (OMBUD_TYPE_NEW_CASE_DIALOG));
  g_assert_cmpstr (gtk_editable_get_text (ombud_case_list_get_search_entry (ombud_window_get_case_list (f->window))),
                   ==, "");

  /* The profile as shared/ sees it, opened directly now that the session let go. */
  store = ombud_store_new (f->dir);
  g_assert_true (ombud_store_unlock (store, UI_TEST_PASSPHRASE, &error));
  g_assert_no_error (error);
  caseload = ombud_caseload_new (store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ombud_sql_count (ombud_store_get_db (store), "SELECT count(*) FROM note"), ==, 1);
  g_assert_cmpint (ombud_sql_count (ombud_store_get_db (store), "SELECT count(*) FROM contact"), ==, 1);
  g_clear_object (&caseload);
  ombud_store_lock (store);
}

/* Step 5½ (PROTOCOL.md §10.4): a profile guarded by an office share at a
 * sync in 2001 is stale: the page says so and offers Sync and Unlock,
 * which asks an office nobody answers at, and changes nothing.  The
 * unguarded key file is put back afterwards. */
static void
stale (Fixture *f)
{
  OmbudUnlockPage *page = ombud_window_get_unlock_page (f->window);
  GtkWidget *entry = ui_child (page, OMBUD_TYPE_UNLOCK_PAGE, "entry");
  GtkWidget *error_label = ui_child (page, OMBUD_TYPE_UNLOCK_PAGE, "error_label");
  GtkWidget *sync_button = ui_child (page, OMBUD_TYPE_UNLOCK_PAGE, "sync_button");
  g_autofree char *key_path = g_build_filename (f->dir, "ombud.key", NULL);
  g_autofree char *guard_path = g_build_filename (f->dir, "ombud.guard", NULL);
  g_autoptr(GBytes) unguarded = test_read_file (key_path);
  g_autoptr(GBytes) guarded = NULL;
  g_autoptr(GError) error = NULL;

  test_make_stale_profile (f->dir, UI_TEST_PASSPHRASE);
  g_assert_false (gtk_widget_get_visible (sync_button));
  ui_set_text (entry, UI_TEST_PASSPHRASE);
  g_signal_emit_by_name (entry, "activate");
  ui_wait (unlock_idle, page, "the stale profile's answer");
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (error_label)), "has not synced"));
  g_assert_true (gtk_widget_get_visible (sync_button));
  g_assert_false (gtk_widget_get_sensitive (sync_button));
  g_assert_false (ombud_session_get_unlocked (f->session));

  guarded = test_read_file (key_path);
  ui_set_text (entry, UI_TEST_PASSPHRASE);
  g_assert_true (gtk_widget_get_sensitive (sync_button));
  ui_click (sync_button);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  ui_wait (unlock_idle, page, "the office's (missing) answer");
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (error_label)), "could not be reached"));
  g_assert_false (ombud_session_get_unlocked (f->session));
  g_assert_cmpstr (ombud_window_get_page (f->window), ==, "unlock");
  {
    g_autoptr(GBytes) after = test_read_file (key_path);
    g_assert_true (g_bytes_equal (after, guarded));
  }

  g_assert_true (g_file_set_contents (key_path, g_bytes_get_data (unguarded, NULL),
                                      g_bytes_get_size (unguarded), NULL));
  g_assert_cmpint (g_unlink (guard_path), ==, 0);
  ombud_unlock_page_reset (page);
  g_assert_false (gtk_widget_get_visible (sync_button));
}

/* Step 6: a wrong passphrase is said inline; the right one opens the list again. */
static void
unlock (Fixture *f)
{
  OmbudUnlockPage *page = ombud_window_get_unlock_page (f->window);
  GtkWidget *entry = ui_child (page, OMBUD_TYPE_UNLOCK_PAGE, "entry");
  GtkWidget *error_label = ui_child (page, OMBUD_TYPE_UNLOCK_PAGE, "error_label");

  ui_screenshot (GTK_WIDGET (f->window), "unlock.png");
  g_assert_false (gtk_widget_get_sensitive (ui_child (page, OMBUD_TYPE_UNLOCK_PAGE, "unlock_button")));
  ui_set_text (entry, "not the passphrase");
  g_signal_emit_by_name (entry, "activate");  /* Enter */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  g_assert_true (ombud_unlock_page_get_busy (page));
  ui_wait (unlock_idle, page, "the wrong passphrase's answer");
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  g_assert_false (ombud_session_get_unlocked (f->session));
  g_assert_cmpstr (ombud_window_get_page (f->window), ==, "unlock");

  ui_set_text (entry, UI_TEST_PASSPHRASE);
  ui_click (ui_child (page, OMBUD_TYPE_UNLOCK_PAGE, "unlock_button"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  wait_page (f->window, "main");
  wait_list_state (f->window, "list");
  ui_settle (f->session);
  g_assert_cmpuint (rows (f->window), ==, 1);
  g_assert_false (gtk_widget_get_visible (error_label));
}

static gboolean
case_closed (gpointer data)
{
  Fixture *f = data;
  return ombud_window_get_case_id (f->window) == NULL;
}

/* Step 7: the case is closed through the case page: the client's copy as
 * a PDF, then the client tier destroyed after a confirmation. */
static void
close_it (Fixture *f)
{
  g_autofree char *pdf = g_build_filename (f->dir, "..", "ombud-ui-session-export.pdf", NULL);
  GtkWidget *page = ombud_window_get_case_view (f->window);
  g_autofree char *short_title = NULL;
  AdwMessageDialog *confirm;
  GtkWindow *dialog;

  g_assert_true (ombud_case_list_select_case (ombud_window_get_case_list (f->window), f->case_id));
  g_assert_cmpstr (ombud_window_get_case_id (f->window), ==, f->case_id);
  ui_wait (case_page_idle, page, "the case page");
  ui_screenshot (GTK_WIDGET (f->window), "case-list.png");
  g_assert_true (gtk_widget_activate_action (page, "case.close", NULL));
  dialog = ui_find_window (OMBUD_TYPE_CLOSE_CASE_DIALOG);
  g_assert_nonnull (dialog);
  ombud_close_case_dialog_set_export_filename (OMBUD_CLOSE_CASE_DIALOG (dialog), pdf);
  ui_wait ((UiCondition) ombud_close_case_dialog_get_ready, dialog, "the close dialog");
  ui_click (ui_find_button (dialog, "_Print…"));
  ui_settle (f->session);
  g_assert_true (g_file_test (pdf, G_FILE_TEST_IS_REGULAR));
  g_unlink (pdf);
  ui_click (ui_find_button (dialog, "Close Case and _Destroy…"));
  ui_drain ();
  confirm = ADW_MESSAGE_DIALOG (ui_find_window (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (confirm);
  adw_message_dialog_response (confirm, "destroy");
  ui_wait (case_closed, f, "the window to let go of the closed case");
  ui_settle (f->session);

  g_assert_cmpint (ui_session_count (f->session, "SELECT count(*) FROM case_state WHERE id = %Q AND closed_on IS NOT NULL",
                                     f->case_id), ==, 1);
  /* The client tier is gone: no name, no note. */
  g_assert_cmpint (ui_session_count (f->session, "SELECT count(*) FROM client_case WHERE id = %Q AND client_name IS NULL",
                                     f->case_id), ==, 1);
  g_assert_cmpint (ui_session_count (f->session, "SELECT count(*) FROM note WHERE case_id = %Q AND body IS NOT NULL", f->case_id), ==, 0);
  g_assert_cmpint (ombud_case_summary_get_status (row (f->window, 0)), ==, OMBUD_CASE_STATUS_CLOSED);
  short_title = g_strdup_printf ("Case %s", ombud_case_summary_get_short_id (row (f->window, 0)));
  assert_row_shows (f->window, short_title, "Strömsund · Closed", "Saved on this laptop only");
  type_search (f, NOTE_WORD);
  g_assert_cmpuint (rows (f->window), ==, 0);
}

static gboolean
passphrase_changed (gpointer data)
{
  return g_strcmp0 (adw_preferences_row_get_title (data), "Use at least 8 characters") == 0;
}

/* Step 8: the passphrase changes in the preferences (on the worker); the
 * old one no longer opens the profile, the new one does. */
static void
change_passphrase (Fixture *f)
{
  GtkWindow *prefs;
  AdwPreferencesRow *status;
  g_autoptr(OmbudStore) store = NULL;
  g_autoptr(GError) error = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  ui_settle (f->session);
  prefs = ui_find_window (OMBUD_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (prefs);
  status = ui_child (prefs, OMBUD_TYPE_PREFERENCES_WINDOW, "passphrase_status_row");
  ui_set_text (ui_child (prefs, OMBUD_TYPE_PREFERENCES_WINDOW, "current_row"), UI_TEST_PASSPHRASE);
  ui_set_text (ui_child (prefs, OMBUD_TYPE_PREFERENCES_WINDOW, "new_row"), NEW_PASSPHRASE);
  ui_set_text (ui_child (prefs, OMBUD_TYPE_PREFERENCES_WINDOW, "repeat_row"), NEW_PASSPHRASE "!");
  g_assert_false (gtk_widget_get_sensitive (ui_child (prefs, OMBUD_TYPE_PREFERENCES_WINDOW, "change_button")));
  ui_set_text (ui_child (prefs, OMBUD_TYPE_PREFERENCES_WINDOW, "repeat_row"), NEW_PASSPHRASE);
  ui_click (ui_child (prefs, OMBUD_TYPE_PREFERENCES_WINDOW, "change_button"));
  /* Handed over and gone from the rows at once. */
  g_assert_cmpstr (gtk_editable_get_text (ui_child (prefs, OMBUD_TYPE_PREFERENCES_WINDOW, "new_row")), ==, "");
  ui_wait (passphrase_changed, status, "the passphrase change");
  gtk_window_destroy (prefs);

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "lock", NULL);
  ui_settle (f->session);
  store = ombud_store_new (f->dir);
  g_assert_false (ombud_store_unlock (store, UI_TEST_PASSPHRASE, &error));
  g_assert_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_true (ombud_store_unlock (store, NEW_PASSPHRASE, &error));
  g_assert_no_error (error);
  ombud_store_lock (store);

  ui_set_text (ui_child (ombud_window_get_unlock_page (f->window), OMBUD_TYPE_UNLOCK_PAGE, "entry"), NEW_PASSPHRASE);
  ui_click (ui_child (ombud_window_get_unlock_page (f->window), OMBUD_TYPE_UNLOCK_PAGE, "unlock_button"));
  wait_page (f->window, "main");
  ui_settle (f->session);
}

/* The window locks itself after the auto-lock time without input. */
static void
auto_lock (Fixture *f)
{
  guint minutes = 0;

  g_object_get (f->app, "auto-lock-minutes", &minutes, NULL);
  g_assert_cmpuint (minutes, >, 0);
  g_assert_false (ombud_window_lock_if_idle (f->window, g_get_monotonic_time ()));
  g_assert_true (ombud_session_get_unlocked (f->session));
  g_assert_true (ombud_window_lock_if_idle (f->window, g_get_monotonic_time () + (gint64) minutes * 60 * G_USEC_PER_SEC
                                            + G_USEC_PER_SEC));
  ui_settle (f->session);
  g_assert_false (ombud_session_get_unlocked (f->session));
  g_assert_cmpstr (ombud_window_get_page (f->window), ==, "unlock");
  g_assert_cmpuint (rows (f->window), ==, 0);
}

static void
scripted_session (OmbudApplication *app,
                  OmbudWindow      *window,
                  gpointer          data)
{
  Fixture *f = data;

  f->app = app;
  f->window = window;
  f->session = ombud_application_get_session (app);
  create_profile (f);
  create_case (f);
  log_contact (f);
  narrow (f);
  search (f);
  lock (f);
  stale (f);
  unlock (f);
  close_it (f);
  change_passphrase (f);
  auto_lock (f);
}

static void
test_scripted_session (void)
{
  Fixture f = { 0 };

  f.dir = test_make_tmp_dir ("ombud-ui-session-XXXXXX");
  ui_app_run (f.dir, scripted_session, &f);
  test_rm_rf (f.dir);
  g_free (f.dir);
  g_free (f.case_id);
}

int
main (int    argc,
      char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/session/scripted", test_scripted_session);
  return g_test_run ();
}
