/* test-widget-dialogs.c: the dialogs the window opens on its own:
 * OmbudContactDialog constructs named and ready; OmbudDeficiencyDialog
 * warns, as the description is typed, on a client's name and a valid
 * personal identity number (not on a date), highlights them, asks before
 * saving them, and saves a clean report with every field.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-contact-dialog.h"
#include "ombud-deficiency-dialog.h"
#include "ombud-sql.h"
#include "test-util.h"
#include "widget-test-util.h"

/* A valid personal identity number (Luhn check digit 6). */
#define PERSONNUMMER "19811218-9876"

static void
test_contact_dialog_constructs (void)
{
  g_autoptr(WtProfile) profile = wt_profile_new ();
  g_autofree char *case_id = wt_add_case (profile->session, "Cecilia Holm");
  GtkWindow *dialog = ombud_contact_dialog_new (NULL, profile->session, case_id);

  wt_show_window (dialog, 480, 600);
  WT_WAIT_UNTIL (ombud_contact_dialog_get_ready (OMBUD_CONTACT_DIALOG (dialog)));
  wt_assert_accessible_names (GTK_WIDGET (dialog));
  /* Escape cancels. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "window.close", NULL));
  wt_settle ();
  g_assert_null (wt_find_toplevel (OMBUD_TYPE_CONTACT_DIALOG));
}

static void
type_description (GtkWindow  *dialog,
                  const char *text)
{
  GtkTextView *view = GTK_TEXT_VIEW (wt_find_type (GTK_WIDGET (dialog), GTK_TYPE_TEXT_VIEW));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text, -1);
  wt_settle ();
}

static gboolean
flagged (GtkWindow  *dialog,
         const char *word)
{
  GtkTextView *view = GTK_TEXT_VIEW (wt_find_type (GTK_WIDGET (dialog), GTK_TYPE_TEXT_VIEW));
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextTag *tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "identifying");
  GtkTextIter start, match;

  gtk_text_buffer_get_start_iter (buffer, &start);
  g_assert_true (gtk_text_iter_forward_search (&start, word, 0, &match, NULL, NULL));
  return gtk_text_iter_has_tag (&match, tag);
}

static guint
n_warnings (GtkWindow *dialog)
{
  g_auto(GStrv) warnings = ombud_deficiency_dialog_dup_warnings (OMBUD_DEFICIENCY_DIALOG (dialog));

  return g_strv_length (warnings);
}

typedef struct {
  gint64 count;
  char  *description;
  char  *level;
  char  *actor;
  char  *area;
  char  *municipality;
  gint64 clients;
} Stored;

static void
stored_free (Stored *stored)
{
  g_free (stored->description);
  g_free (stored->level);
  g_free (stored->actor);
  g_free (stored->area);
  g_free (stored->municipality);
  g_free (stored);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Stored, stored_free)

static char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* The test reads the store itself: no query in shared/ lists reports. */
static gpointer
read_reports (OmbudCaseload  *caseload,
              gpointer        data,
              GCancellable   *cancellable,
              GError        **error)
{
  sqlite3 *db = ombud_store_get_db (ombud_caseload_get_store (caseload));
  Stored *stored = g_new0 (Stored, 1);
  sqlite3_stmt *stmt = NULL;

  (void) data;
  (void) cancellable;
  (void) error;
  stored->count = ombud_sql_count (db, "SELECT count(*) FROM deficiency WHERE deleted = 0");
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT d.description, d.level, d.actor, d.area, m.name, d.clients_affected"
                                       " FROM deficiency d LEFT JOIN municipality m ON m.id = d.municipality_id"
                                       " WHERE d.deleted = 0", -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      stored->description = column_text (stmt, 0);
      stored->level = column_text (stmt, 1);
      stored->actor = column_text (stmt, 2);
      stored->area = column_text (stmt, 3);
      stored->municipality = column_text (stmt, 4);
      stored->clients = sqlite3_column_int64 (stmt, 5);
    }
  sqlite3_finalize (stmt);
  return stored;
}

static void
test_deficiency (void)
{
  g_autoptr(WtProfile) profile = wt_profile_new ();
  g_autofree char *case_id = wt_add_case (profile->session, "Elsa Öberg");
  GtkWindow *dialog = ombud_deficiency_dialog_new (NULL, profile->session);
  g_autoptr(Stored) before = NULL;
  g_autoptr(Stored) after = NULL;
  g_auto(GStrv) warnings = NULL;
  AdwMessageDialog *confirm;

  wt_show_window (dialog, 560, 760);
  WT_WAIT_UNTIL (ombud_deficiency_dialog_get_ready (OMBUD_DEFICIENCY_DIALOG (dialog)));

  /* A date is no number of a person. */
  type_description (dialog, "Beslutet kom först 2024-05-12, fyra månader efter ansökan.");
  g_assert_cmpuint (n_warnings (dialog), ==, 0);

  type_description (dialog, "Handläggaren nämnde Öberg vid namn och skrev " PERSONNUMMER
                            " i beslutet den 2024-05-12.");
  warnings = ombud_deficiency_dialog_dup_warnings (OMBUD_DEFICIENCY_DIALOG (dialog));
  g_assert_cmpuint (g_strv_length (warnings), ==, 2);
  g_assert_cmpstr (warnings[0], ==, "“Öberg” is the name of a client");
  g_assert_cmpstr (warnings[1], ==, "“" PERSONNUMMER "” looks like a personal identity number");
  g_assert_nonnull (wt_find_label (GTK_WIDGET (dialog), "“Öberg” is the name of a client"));
  g_assert_true (flagged (dialog, "Öberg"));
  g_assert_true (flagged (dialog, PERSONNUMMER));
  g_assert_false (flagged (dialog, "2024-05-12"));
  g_assert_false (flagged (dialog, "Handläggaren"));

  adw_combo_row_set_selected (ADW_COMBO_ROW (wt_find_row (GTK_WIDGET (dialog), "_Level")), 1);          /* local */
  adw_combo_row_set_selected (ADW_COMBO_ROW (wt_find_row (GTK_WIDGET (dialog), "_Authority or actor")), 0);   /* Försäkringskassan */
  adw_combo_row_set_selected (ADW_COMBO_ROW (wt_find_row (GTK_WIDGET (dialog), "_Municipality")), 1);    /* Östersund */
  adw_combo_row_set_selected (ADW_COMBO_ROW (wt_find_row (GTK_WIDGET (dialog), "Life _area")), 3);       /* income */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (wt_find_type (GTK_WIDGET (dialog), GTK_TYPE_SPIN_BUTTON)), 3);
  wt_screenshot (GTK_WIDGET (dialog), "deficiency.png");
  wt_assert_accessible_names (GTK_WIDGET (dialog));

  /* Save asks first while warnings remain; going back saves nothing. */
  g_signal_emit_by_name (wt_find_button (GTK_WIDGET (dialog), "_Save"), "clicked");
  WT_WAIT_UNTIL ((confirm = ADW_MESSAGE_DIALOG (wt_find_toplevel (ADW_TYPE_MESSAGE_DIALOG))) != NULL);
  adw_message_dialog_response (confirm, "edit");
  ombud_session_flush (profile->session);
  wt_settle ();
  before = wt_read (profile->session, read_reports, NULL);
  g_assert_cmpint (before->count, ==, 0);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));

  /* De-identified, it saves at once with every field. */
  type_description (dialog, "Handläggaren skrev klientens personnummer i beslutet den 2024-05-12.");
  g_assert_cmpuint (n_warnings (dialog), ==, 0);
  g_signal_emit_by_name (wt_find_button (GTK_WIDGET (dialog), "_Save"), "clicked");
  ombud_session_flush (profile->session);
  wt_settle ();
  g_assert_null (wt_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_null (wt_find_toplevel (OMBUD_TYPE_DEFICIENCY_DIALOG));
  after = wt_read (profile->session, read_reports, NULL);
  g_assert_cmpint (after->count, ==, 1);
  g_assert_cmpstr (after->description, ==, "Handläggaren skrev klientens personnummer i beslutet den 2024-05-12.");
  g_assert_cmpstr (after->level, ==, "local");
  g_assert_cmpstr (after->actor, ==, "forsakringskassan");
  g_assert_cmpstr (after->area, ==, "income");
  g_assert_cmpstr (after->municipality, ==, "Östersund");
  g_assert_cmpint (after->clients, ==, 3);
}

int
main (int argc, char **argv)
{
  wt_init (&argc, &argv);
  g_test_add_func ("/dialogs/contact-constructs", test_contact_dialog_constructs);
  g_test_add_func ("/dialogs/deficiency", test_deficiency);
  return g_test_run ();
}
