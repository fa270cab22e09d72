/* test-case-page.c: OmbudCasePage against a real profile: it shows the
 * case, saves edits the moment they are made, keeps an edit in progress
 * across a reload, logs a contact, adds and approves a note, adds goals and
 * deadlines, and closes the case with the client's PDF, after which the
 * client tier is gone and the office tier stays.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>

#include "ombud-case-page.h"
#include "ombud-close-case-dialog.h"
#include "ombud-contact-dialog.h"
#include "test-util.h"
#include "widget-test-util.h"

#define NOTE_TEXT "Elsa vill söka bostadstillägg före mars; hon tar med hyresavtalet."

typedef struct {
  WtProfile     *profile;
  char          *case_id;
  OmbudCasePage *page;
  GtkWindow     *window;
  guint          closed;
} Fixture;

static gpointer
seed_case (OmbudCaseload  *caseload,
           gpointer        data,
           GCancellable   *cancellable,
           GError        **error)
{
  const char *case_id = data;
  const char *actors[] = { "social_services", NULL };
  OmbudContactInput contact = { "2026-02-03", 50, "home_visit", actors, 14, 25 };
  g_autofree char *goal = NULL, *deadline = NULL, *note = NULL, *made = NULL;

  (void) cancellable;
  g_free (ombud_caseload_add_municipality (caseload, "2309", "Krokom", 15000, error));
  if (!ombud_caseload_start_case (caseload, case_id, "2026-01-20", error)
      || (goal = ombud_caseload_add_goal (caseload, case_id, "housing", "Eget kontrakt", error)) == NULL
      || (deadline = ombud_caseload_add_deadline (caseload, case_id, "2027-03-01", "Överklaga beslutet", error)) == NULL
      || (made = ombud_caseload_add_contact (caseload, case_id, &contact, error)) == NULL)
    return NULL;
  return GINT_TO_POINTER (1);
}

static void
closed (OmbudCasePage *page,
        Fixture       *fixture)
{
  (void) page;
  fixture->closed++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  (void) data;
  fixture->profile = wt_profile_new ();
  fixture->case_id = wt_add_case (fixture->profile->session, "Elsa Lindqvist");
  wt_write (fixture->profile->session, seed_case, fixture->case_id);
  fixture->page = OMBUD_CASE_PAGE (ombud_case_page_new (fixture->profile->session));
  g_signal_connect (fixture->page, "closed", G_CALLBACK (closed), fixture);
  fixture->window = wt_window_new (GTK_WIDGET (fixture->page), 1000, g_getenv ("WT_TALL") ? 1500 : 700);
  ombud_case_page_set_case_id (fixture->page, fixture->case_id);
  WT_WAIT_UNTIL (!ombud_case_page_get_loading (fixture->page));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  (void) data;
  gtk_window_destroy (fixture->window);
  wt_settle ();
  wt_profile_free (fixture->profile);
  g_free (fixture->case_id);
}

static GtkWidget *
root (Fixture *fixture)
{
  return GTK_WIDGET (fixture->page);
}

static const char *
subtitle_of (GtkWidget *root,
             const char *title)
{
  GtkWidget *row = wt_find_row (root, title);

  g_assert_nonnull (row);
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
}

static const char *
combo_text (GtkWidget  *root,
            const char *title)
{
  GtkWidget *row = wt_find_row (root, title);
  gpointer item;

  g_assert_nonnull (row);
  item = adw_combo_row_get_selected_item (ADW_COMBO_ROW (row));
  g_assert_nonnull (item);
  return gtk_string_object_get_string (GTK_STRING_OBJECT (item));
}

/* ---- tests ---------------------------------------------------------------------- */

static void
test_constructs (void)
{
  g_autoptr(WtProfile) profile = wt_profile_new ();
  GtkWidget *page = ombud_case_page_new (profile->session);
  GtkWindow *window = wt_window_new (page, 1000, 700);

  g_assert_null (ombud_case_page_get_case_id (OMBUD_CASE_PAGE (page)));
  g_assert_false (ombud_case_page_get_loading (OMBUD_CASE_PAGE (page)));
  /* Nothing to act on without a case. */
  g_assert_false (gtk_widget_activate_action (page, "case.close", NULL)
                  && wt_find_toplevel (OMBUD_TYPE_CLOSE_CASE_DIALOG) != NULL);
  gtk_window_destroy (window);
  wt_settle ();
}

static void
test_shows_case (Fixture       *fixture,
                 gconstpointer  data)
{
  GtkWidget *title;

  (void) data;
  title = wt_find_label (root (fixture), "Elsa Lindqvist");
  g_assert_nonnull (title);
  g_assert_true (gtk_widget_has_css_class (title, "title-1"));
  g_assert_nonnull (wt_find_label (root (fixture), "Active since 2026-01-20, requested 2026-01-12"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (wt_find_row (root (fixture), "Name or pseudonym"))), ==,
                   "Elsa Lindqvist");
  g_assert_cmpstr (combo_text (root (fixture), "Municipality"), ==, "Östersund");
  /* Nothing has been to an office: the page says so. */
  g_assert_true (g_str_has_prefix (subtitle_of (root (fixture), "At the office"),
                                   "Saved on this laptop only: "));
  g_assert_cmpstr (subtitle_of (root (fixture), "Assigned ombud"), ==, "Karin Öberg");
  g_assert_cmpstr (subtitle_of (root (fixture), "Next deadline"), ==, "2027-03-01");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (wt_find_row (root (fixture), "Gender"))), ==, 0);
  /* The store's Swedish labels for form, actors and life area. */
  g_assert_cmpstr (subtitle_of (root (fixture), "2026-02-03 · Hembesök"), ==,
                   "50 minutes · Socialtjänsten · travel 14 km, 25 min");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (wt_find_row (root (fixture), "Boende"))), ==, "Eget kontrakt");
  g_assert_cmpstr (subtitle_of (root (fixture), "Överklaga beslutet"), ==, "2027-03-01");
  g_assert_nonnull (wt_find_row (root (fixture), "No notes yet"));
  wt_screenshot (GTK_WIDGET (fixture->window), "case-detail-widgets.png");
  wt_assert_accessible_names (GTK_WIDGET (fixture->window));
}

static void
test_edit_saves (Fixture       *fixture,
                 gconstpointer  data)
{
  OmbudSession *session = fixture->profile->session;
  GtkWidget *name = wt_find_row (root (fixture), "Name or pseudonym");
  GtkWidget *gender = wt_find_row (root (fixture), "Gender");
  GtkWidget *goal = wt_find_row (root (fixture), "Boende");
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GVariant) goal_record = NULL;

  (void) data;
  gtk_editable_set_text (GTK_EDITABLE (name), "Elsa L.");
  g_signal_emit_by_name (name, "apply");
  adw_combo_row_set_selected (ADW_COMBO_ROW (gender), 1);
  {
    GtkWidget *municipality = wt_find_row (root (fixture), "Municipality");
    GListModel *names = adw_combo_row_get_model (ADW_COMBO_ROW (municipality));
    for (guint i = 0; i < g_list_model_get_n_items (names); i++)
      {
        g_autoptr(GtkStringObject) name = g_list_model_get_item (names, i);
        if (g_strcmp0 (gtk_string_object_get_string (name), "Krokom") == 0)
          adw_combo_row_set_selected (ADW_COMBO_ROW (municipality), i);
      }
  }
  gtk_editable_set_text (GTK_EDITABLE (goal), "Eget kontrakt före sommaren");
  g_signal_emit_by_name (goal, "apply");
  ombud_session_flush (session);
  wt_settle ();
  WT_WAIT_UNTIL (!ombud_case_page_get_loading (fixture->page));

  record = wt_show_case (session, fixture->case_id);
  g_assert_cmpstr (wt_text (record, "name"), ==, "Elsa L.");
  g_assert_cmpstr (wt_text (record, "gender"), ==, "man");
  g_assert_cmpstr (wt_text (record, "municipality"), ==, "Krokom");
  g_assert_cmpstr (combo_text (root (fixture), "Municipality"), ==, "Krokom");
  goal_record = wt_list_item (record, "goals", 0);
  g_assert_cmpstr (wt_text (goal_record, "body"), ==, "Eget kontrakt före sommaren");
  g_assert_nonnull (wt_find_label (root (fixture), "Elsa L."));
  g_assert_false (gtk_widget_has_css_class (name, "error"));
}

static gpointer
add_deadline_elsewhere (OmbudCaseload  *caseload,
                        gpointer        data,
                        GCancellable   *cancellable,
                        GError        **error)
{
  (void) cancellable;
  return ombud_caseload_add_deadline (caseload, data, "2027-01-15", "Läkarintyg", error);
}

/* A reload (another write, a sync) leaves text being typed alone, and a
 * write that fails keeps the text and marks the row. */
static void
test_edit_in_progress_survives (Fixture       *fixture,
                                gconstpointer  data)
{
  OmbudSession *session = fixture->profile->session;
  GtkWidget *contact = wt_find_row (root (fixture), "How to reach the client");
  g_autofree char *deadline = NULL;
  g_autoptr(GVariant) record = NULL;

  (void) data;
  gtk_editable_set_text (GTK_EDITABLE (contact), "070-123 45 67, helst efter tolv");
  deadline = wt_write (session, add_deadline_elsewhere, fixture->case_id);
  WT_WAIT_UNTIL (!ombud_case_page_get_loading (fixture->page));
  g_assert_nonnull (wt_find_row (root (fixture), "Läkarintyg"));
  g_assert_cmpstr (subtitle_of (root (fixture), "Next deadline"), ==, "2027-01-15");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (contact)), ==, "070-123 45 67, helst efter tolv");
  record = wt_show_case (session, fixture->case_id);
  g_assert_null (wt_text (record, "contact"));

  /* Locked under the user's hands: the write fails, the text stays. */
  ombud_session_lock (session);
  g_signal_emit_by_name (contact, "apply");
  WT_WAIT_UNTIL (gtk_widget_has_css_class (contact, "error"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (contact)), ==, "070-123 45 67, helst efter tolv");
  g_assert_nonnull (wt_find_type (root (fixture), ADW_TYPE_TOAST_OVERLAY));
}

static GtkWindow *
open_dialog (Fixture    *fixture,
             const char *action,
             GType       type)
{
  GtkWindow *dialog;

  g_assert_true (gtk_widget_activate_action (root (fixture), action, NULL));
  WT_WAIT_UNTIL ((dialog = wt_find_toplevel (type)) != NULL && gtk_widget_get_mapped (GTK_WIDGET (dialog)));
  wt_settle ();
  return dialog;
}

static gboolean
window_gone (gpointer data)
{
  GWeakRef *ref = data;
  g_autoptr(GObject) object = g_weak_ref_get (ref);

  return object == NULL || !gtk_widget_get_visible (GTK_WIDGET (object));
}

static void
wait_closed (GtkWindow *window)
{
  GWeakRef ref;

  g_weak_ref_init (&ref, window);
  wt_wait (window_gone, &ref, "the dialog to close");
  g_weak_ref_clear (&ref);
}

static GtkWidget *
text_of_row (GtkWidget *row)
{
  GtkWidget *text = wt_find_type (row, GTK_TYPE_TEXT);

  g_assert_nonnull (text);
  return text;
}

/* What Enter in the row's text does: its activate signal. */
static void
press_enter (GtkWidget *row)
{
  g_signal_emit_by_name (text_of_row (row), "activate");
}

static void
test_log_contact (Fixture       *fixture,
                  gconstpointer  data)
{
  GtkWindow *dialog = open_dialog (fixture, "case.log-contact", OMBUD_TYPE_CONTACT_DIALOG);
  GtkWidget *minutes = wt_find_row (GTK_WIDGET (dialog), "_Minutes");
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GVariant) contact = NULL;

  (void) data;
  WT_WAIT_UNTIL (ombud_contact_dialog_get_ready (OMBUD_CONTACT_DIALOG (dialog)));
  /* Focus starts on the minutes; the date is today. */
  g_assert_true (gtk_widget_is_ancestor (gtk_window_get_focus (dialog), minutes));
  {
    g_autofree char *today = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_local ();
    today = g_date_time_format (now, "%Y-%m-%d");
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (wt_find_row (GTK_WIDGET (dialog), "_Date"))), ==, today);
  }
  gtk_editable_set_text (GTK_EDITABLE (minutes), "45");
  gtk_editable_set_text (GTK_EDITABLE (wt_find_row (GTK_WIDGET (dialog), "_Date")), "2026-11-30");
  adw_combo_row_set_selected (ADW_COMBO_ROW (wt_find_row (GTK_WIDGET (dialog), "_Form")), 3);   /* Telefon */
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (wt_find_row (GTK_WIDGET (dialog), "_Others involved")), TRUE);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (wt_find_type (wt_find_row (GTK_WIDGET (dialog), "Försäkringskassan"),
                                                               GTK_TYPE_CHECK_BUTTON)), TRUE);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (wt_find_type (wt_find_row (GTK_WIDGET (dialog), "Psykiatrin"),
                                                               GTK_TYPE_CHECK_BUTTON)), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (wt_find_row (GTK_WIDGET (dialog), "_Kilometres")), "12");
  gtk_editable_set_text (GTK_EDITABLE (wt_find_row (GTK_WIDGET (dialog), "Travel _time in minutes")), "20");
  wt_settle ();
  wt_screenshot (GTK_WIDGET (dialog), "log-contact-dialog.png");
  wt_assert_accessible_names (GTK_WIDGET (dialog));

  /* Enter in the minutes saves. */
  press_enter (minutes);
  wait_closed (dialog);
  WT_WAIT_UNTIL (!ombud_case_page_get_loading (fixture->page));
  record = wt_show_case (fixture->profile->session, fixture->case_id);
  g_assert_cmpuint (wt_list_length (record, "contacts"), ==, 2);
  contact = wt_list_item (record, "contacts", 1);
  g_assert_cmpstr (wt_text (contact, "on_date"), ==, "2026-11-30");
  g_assert_cmpint (wt_int (contact, "minutes"), ==, 45);
  g_assert_cmpstr (wt_text (contact, "form"), ==, "phone");
  g_assert_cmpstr (wt_text (contact, "actors"), ==, "[\"forsakringskassan\",\"psychiatry\"]");
  g_assert_cmpint (wt_int (contact, "km"), ==, 12);
  g_assert_cmpint (wt_int (contact, "travel_minutes"), ==, 20);
  g_assert_nonnull (wt_find_row (root (fixture), "2026-11-30 · Telefon"));
}

static void
test_contact_refused_keeps_input (Fixture       *fixture,
                                  gconstpointer  data)
{
  GtkWindow *dialog = open_dialog (fixture, "case.log-contact", OMBUD_TYPE_CONTACT_DIALOG);
  GtkWidget *minutes = wt_find_row (GTK_WIDGET (dialog), "_Minutes");
  g_autoptr(GVariant) record = NULL;

  (void) data;
  WT_WAIT_UNTIL (ombud_contact_dialog_get_ready (OMBUD_CONTACT_DIALOG (dialog)));
  gtk_editable_set_text (GTK_EDITABLE (minutes), "ninety");
  press_enter (minutes);
  /* A button activated by Enter clicks a moment later. */
  WT_WAIT_UNTIL (wt_find_label (GTK_WIDGET (dialog), "Minutes must be a whole number from 1 to 1440.") != NULL);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (minutes)), ==, "ninety");
  record = wt_show_case (fixture->profile->session, fixture->case_id);
  g_assert_cmpuint (wt_list_length (record, "contacts"), ==, 1);
  gtk_window_close (dialog);
  wt_settle ();
  g_assert_null (wt_find_toplevel (OMBUD_TYPE_CONTACT_DIALOG));
}

static void
click (GtkWidget *button)
{
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
}

static void
test_note_added_and_approved (Fixture       *fixture,
                              gconstpointer  data)
{
  GtkWindow *dialog = open_dialog (fixture, "case.add-note", ADW_TYPE_WINDOW);
  GtkTextView *view = GTK_TEXT_VIEW (wt_find_type (GTK_WIDGET (dialog), GTK_TYPE_TEXT_VIEW));
  AdwMessageDialog *confirm;
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GVariant) note = NULL;
  g_autoptr(GVariant) approved = NULL;
  g_autoptr(GVariant) approved_note = NULL;

  (void) data;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), NOTE_TEXT, -1);
  wt_assert_accessible_names (GTK_WIDGET (dialog));
  click (wt_find_button (GTK_WIDGET (dialog), "_Save"));
  wait_closed (dialog);
  WT_WAIT_UNTIL (!ombud_case_page_get_loading (fixture->page));

  record = wt_show_case (fixture->profile->session, fixture->case_id);
  note = wt_list_item (record, "notes", 0);
  g_assert_cmpstr (wt_text (note, "body"), ==, NOTE_TEXT);
  g_assert_cmpint (wt_int (note, "approved"), ==, 0);
  g_assert_nonnull (wt_find_row (root (fixture), NOTE_TEXT));
  g_assert_nonnull (wt_find_label (root (fixture), "Draft"));

  /* Approving is a deliberate step: a button, then a question. */
  click (wt_find_button (wt_find_row (root (fixture), NOTE_TEXT), "_Approve…"));
  WT_WAIT_UNTIL ((confirm = ADW_MESSAGE_DIALOG (wt_find_toplevel (ADW_TYPE_MESSAGE_DIALOG))) != NULL);
  approved = wt_show_case (fixture->profile->session, fixture->case_id);
  approved_note = wt_list_item (approved, "notes", 0);
  g_assert_cmpint (wt_int (approved_note, "approved"), ==, 0);
  g_clear_pointer (&approved, g_variant_unref);
  g_clear_pointer (&approved_note, g_variant_unref);
  adw_message_dialog_response (confirm, "approve");
  ombud_session_flush (fixture->profile->session);
  wt_settle ();
  WT_WAIT_UNTIL (!ombud_case_page_get_loading (fixture->page));
  approved = wt_show_case (fixture->profile->session, fixture->case_id);
  approved_note = wt_list_item (approved, "notes", 0);
  g_assert_cmpint (wt_int (approved_note, "approved"), ==, 1);
  g_assert_nonnull (wt_find_label (root (fixture), "Approved"));
  g_assert_null (wt_find_button (wt_find_row (root (fixture), NOTE_TEXT), "_Approve…"));
}

static void
test_goal_and_deadline (Fixture       *fixture,
                        gconstpointer  data)
{
  GtkWindow *dialog = open_dialog (fixture, "case.add-goal", ADW_TYPE_WINDOW);
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GVariant) goal = NULL;
  g_autoptr(GVariant) deadline = NULL;
  GtkWidget *row;

  (void) data;
  adw_combo_row_set_selected (ADW_COMBO_ROW (wt_find_row (GTK_WIDGET (dialog), "Life area")), 0);   /* economy */
  gtk_editable_set_text (GTK_EDITABLE (wt_find_row (GTK_WIDGET (dialog), "_Goal")), "En budget som går ihop");
  gtk_editable_set_text (GTK_EDITABLE (wt_find_row (GTK_WIDGET (dialog), "_Review on (YYYY-MM-DD)")), "2027-02-30");
  click (wt_find_button (GTK_WIDGET (dialog), "_Save"));
  wt_settle ();
  /* Not a day: refused before anything is written, the text kept. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_nonnull (wt_find_label (GTK_WIDGET (dialog), "The review date must be a date like 2025-03-31."));
  gtk_editable_set_text (GTK_EDITABLE (wt_find_row (GTK_WIDGET (dialog), "_Review on (YYYY-MM-DD)")), "2027-02-28");
  wt_assert_accessible_names (GTK_WIDGET (dialog));
  click (wt_find_button (GTK_WIDGET (dialog), "_Save"));
  wait_closed (dialog);

  dialog = open_dialog (fixture, "case.add-deadline", ADW_TYPE_WINDOW);
  gtk_editable_set_text (GTK_EDITABLE (wt_find_row (GTK_WIDGET (dialog), "_What is due")), "Ansökan om god man");
  gtk_editable_set_text (GTK_EDITABLE (wt_find_row (GTK_WIDGET (dialog), "_Due on (YYYY-MM-DD)")), "2026-12-24");
  press_enter (wt_find_row (GTK_WIDGET (dialog), "_Due on (YYYY-MM-DD)"));
  wait_closed (dialog);
  ombud_session_flush (fixture->profile->session);
  wt_settle ();
  WT_WAIT_UNTIL (!ombud_case_page_get_loading (fixture->page));

  record = wt_show_case (fixture->profile->session, fixture->case_id);
  g_assert_cmpuint (wt_list_length (record, "goals"), ==, 2);
  goal = wt_find_item (record, "goals", "area", "economy");
  g_assert_cmpstr (wt_text (goal, "area"), ==, "economy");
  g_assert_cmpstr (wt_text (goal, "body"), ==, "En budget som går ihop");
  g_assert_cmpstr (wt_text (goal, "review_on"), ==, "2027-02-28");
  g_assert_nonnull (wt_find_row (root (fixture), "Ekonomi och skulder · review 2027-02-28"));
  deadline = wt_list_item (record, "deadlines", 0);
  g_assert_cmpstr (wt_text (deadline, "body"), ==, "Ansökan om god man");
  g_assert_cmpstr (subtitle_of (root (fixture), "Next deadline"), ==, "2026-12-24");

  /* Done, then deleted. */
  row = wt_find_row (root (fixture), "Ansökan om god man");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (wt_find_type (row, GTK_TYPE_CHECK_BUTTON)), TRUE);
  ombud_session_flush (fixture->profile->session);
  wt_settle ();
  WT_WAIT_UNTIL (!ombud_case_page_get_loading (fixture->page));
  g_clear_pointer (&record, g_variant_unref);
  g_clear_pointer (&deadline, g_variant_unref);
  record = wt_show_case (fixture->profile->session, fixture->case_id);
  deadline = wt_list_item (record, "deadlines", 0);
  g_assert_cmpint (wt_int (deadline, "done"), ==, 1);
  g_assert_cmpstr (subtitle_of (root (fixture), "Next deadline"), ==, "2027-03-01");
  row = wt_find_row (root (fixture), "Ansökan om god man");
  click (wt_find_type (row, GTK_TYPE_BUTTON) == NULL ? NULL : wt_find_button (row, NULL));
  ombud_session_flush (fixture->profile->session);
  wt_settle ();
  WT_WAIT_UNTIL (!ombud_case_page_get_loading (fixture->page));
  g_clear_pointer (&record, g_variant_unref);
  record = wt_show_case (fixture->profile->session, fixture->case_id);
  g_assert_cmpuint (wt_list_length (record, "deadlines"), ==, 1);
  g_assert_null (wt_find_row (root (fixture), "Ansökan om god man"));
}

static gpointer
add_approved_note (OmbudCaseload  *caseload,
                   gpointer        data,
                   GCancellable   *cancellable,
                   GError        **error)
{
  char *id;

  (void) cancellable;
  id = ombud_caseload_add_note (caseload, data, NOTE_TEXT, TRUE, error);
  /* Enough besides for the export to run over more than one page. */
  for (int i = 0; id != NULL && i < 60; i++)
    {
      g_autofree char *text = g_strdup_printf ("Uppföljning nummer %d: inget nytt.", i + 1);
      g_autofree char *more = ombud_caseload_add_note (caseload, data, text, TRUE, error);
      if (more == NULL)
        g_clear_pointer (&id, g_free);
    }
  return id;
}

static void
test_close_case (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *note = wt_write (fixture->profile->session, add_approved_note, fixture->case_id);
  g_autofree char *dir = test_make_tmp_dir ("ombud-export-XXXXXX");
  g_autofree char *pdf = g_build_filename (dir, "export.pdf", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GVariant) kept_goal = NULL;
  g_autoptr(GVariant) kept_contact = NULL;
  GtkWindow *dialog;
  GtkWidget *destroy;
  AdwMessageDialog *confirm;
  gsize length = 0;
  int status = -1;

  (void) data;
  WT_WAIT_UNTIL (!ombud_case_page_get_loading (fixture->page));
  dialog = open_dialog (fixture, "case.close", OMBUD_TYPE_CLOSE_CASE_DIALOG);
  ombud_close_case_dialog_set_export_filename (OMBUD_CLOSE_CASE_DIALOG (dialog), pdf);
  WT_WAIT_UNTIL (ombud_close_case_dialog_get_ready (OMBUD_CLOSE_CASE_DIALOG (dialog)));
  destroy = wt_find_button (GTK_WIDGET (dialog), "Close Case and _Destroy…");
  /* Nothing is destroyed before the client has their copy (or declined it). */
  g_assert_false (gtk_widget_get_sensitive (destroy));
  adw_combo_row_set_selected (ADW_COMBO_ROW (wt_find_row (GTK_WIDGET (dialog), "_Reason")), 3);   /* moved */
  gtk_editable_set_text (GTK_EDITABLE (wt_find_row (GTK_WIDGET (dialog), "Closed _on (YYYY-MM-DD)")), "2026-11-28");
  click (wt_find_button (GTK_WIDGET (dialog), "_Print…"));
  wt_settle ();

  g_assert_true (g_file_get_contents (pdf, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 4);
  g_assert_true (memcmp (contents, "%PDF", 4) == 0);
  {
    const char *argv[] = { "pdftotext", pdf, "-", NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                                 NULL, NULL, &text, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_cmpint (status, ==, 0);
    /* pdftotext may break the note's line anywhere; compare without breaks. */
    g_strdelimit (text, "\n", ' ');
    g_assert_nonnull (strstr (text, "Elsa Lindqvist"));
    g_assert_nonnull (strstr (text, "bostadstillägg"));
    g_assert_nonnull (strstr (text, "hyresavtalet"));
    g_assert_nonnull (strstr (text, "Page 1 of"));
    g_assert_nonnull (strstr (text, "Page 2 of"));
    g_assert_nonnull (strstr (text, "Uppföljning nummer 60: inget nytt."));
  }
  g_assert_true (gtk_widget_get_sensitive (destroy));
  if (g_getenv ("OMBUD_SCREENSHOT_DIR") != NULL)
    {
      /* Made-up test data: kept beside the screenshots to be looked at. */
      g_autofree char *copy = g_build_filename (g_getenv ("OMBUD_SCREENSHOT_DIR"), "close-case-export.pdf", NULL);
      g_assert_true (g_file_set_contents (copy, contents, (gssize) length, NULL));
    }
  wt_screenshot (GTK_WIDGET (dialog), "close-case.png");
  wt_assert_accessible_names (GTK_WIDGET (dialog));

  click (destroy);
  WT_WAIT_UNTIL ((confirm = ADW_MESSAGE_DIALOG (wt_find_toplevel (ADW_TYPE_MESSAGE_DIALOG))) != NULL);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (confirm), "destroyed on this laptop and at the office"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (confirm), "cannot be recovered"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (confirm, "destroy"), ==, ADW_RESPONSE_DESTRUCTIVE);
  wt_screenshot (GTK_WIDGET (confirm), "close-case-confirm.png");
  adw_message_dialog_response (confirm, "destroy");
  WT_WAIT_UNTIL (fixture->closed == 1);
  wt_settle ();
  g_assert_null (wt_find_toplevel (OMBUD_TYPE_CLOSE_CASE_DIALOG));
  WT_WAIT_UNTIL (!ombud_case_page_get_loading (fixture->page));

  record = wt_show_case (fixture->profile->session, fixture->case_id);
  g_assert_cmpstr (wt_text (record, "status"), ==, "closed");
  g_assert_cmpstr (wt_text (record, "closed_on"), ==, "2026-11-28");
  g_assert_cmpstr (wt_text (record, "closure_reason"), ==, "moved");
  /* The client tier is gone… */
  g_assert_null (wt_text (record, "name"));
  g_assert_cmpuint (wt_list_length (record, "notes"), ==, 0);
  kept_goal = wt_find_item (record, "goals", "area", "housing");
  g_assert_null (wt_text (kept_goal, "body"));
  /* …and the office tier stays. */
  g_assert_cmpstr (wt_text (record, "municipality"), ==, "Östersund");
  g_assert_cmpstr (wt_text (record, "gender"), ==, "woman");
  g_assert_cmpint (wt_int (record, "birth_year"), ==, 1971);
  kept_contact = wt_list_item (record, "contacts", 0);
  g_assert_cmpint (wt_int (kept_contact, "minutes"), ==, 50);
  g_assert_nonnull (wt_find_label (root (fixture), "Client information destroyed"));
  g_assert_false (gtk_widget_activate_action (root (fixture), "case.close", NULL)
                  && wt_find_toplevel (OMBUD_TYPE_CLOSE_CASE_DIALOG) != NULL);
  test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  wt_init (&argc, &argv);

  g_test_add_func ("/case-page/constructs", test_constructs);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/case-page/shows-case", test_shows_case);
  ADD ("/case-page/edit-saves", test_edit_saves);
  ADD ("/case-page/edit-in-progress-survives", test_edit_in_progress_survives);
  ADD ("/case-page/log-contact", test_log_contact);
  ADD ("/case-page/contact-refused-keeps-input", test_contact_refused_keeps_input);
  ADD ("/case-page/note-added-and-approved", test_note_added_and_approved);
  ADD ("/case-page/goal-and-deadline", test_goal_and_deadline);
  ADD ("/case-page/close-case", test_close_case);
#undef ADD
  return g_test_run ();
}
