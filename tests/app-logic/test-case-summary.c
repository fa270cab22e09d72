/* test-case-summary.c: the case list's rows, filters, order and sync marks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app-logic-fixture.h"
#include "ombud-case-summary.h"
#include "ombud-migrations.h"

typedef struct {
  TestReplica *r;
  char        *anna;     /* Östersund, active, deadline in 3 days, a note about kronofogden */
  char        *bertil;   /* Krokom, queued, deadline in 20 days */
  char        *cecilia;  /* Östersund, closed */
  char        *david;    /* Krokom, referred, an overdue deadline */
  char        *erik;     /* Östersund, active, no deadline */
  char        *ostersund;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->r = app_replica_new ();
  f->anna = app_add_case (f->r, "Anna Sjöberg", "Östersund", FALSE);
  f->bertil = app_add_case (f->r, "Bertil Åström", "Krokom", TRUE);
  f->cecilia = app_add_case (f->r, "Cecilia Lind", "Östersund", FALSE);
  f->david = app_add_case (f->r, "David Ek", "Krokom", TRUE);
  f->erik = app_add_case (f->r, "Erik Sjödin", "Östersund", FALSE);
  g_free (app_add_deadline (f->r, f->anna, "2026-03-05", "Överklagandet till förvaltningsrätten"));
  g_free (app_add_deadline (f->r, f->bertil, "2026-03-22", "Ansökan om bostadstillägg"));
  g_free (app_add_deadline (f->r, f->david, "2026-02-20", "Svar till kronofogden"));
  g_free (ombud_caseload_add_note (f->r->caseload, f->anna, "Ringde kronofogden om skulden", TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (ombud_caseload_close_case (f->r->caseload, f->cecilia, "goals_met", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ombud_caseload_refer_case (f->r->caseload, f->david, "psychiatry", NULL, &error));
  g_assert_no_error (error);
  f->ostersund = app_field_text (f->r, "SELECT id FROM municipality WHERE name = 'Östersund'");
}

static void
fixture_tear_down (Fixture       *f,
                   G_GNUC_UNUSED gconstpointer data)
{
  test_replica_free (f->r);
  g_free (f->anna);
  g_free (f->bertil);
  g_free (f->cecilia);
  g_free (f->david);
  g_free (f->erik);
  g_free (f->ostersund);
}

static GListStore *
summaries (Fixture               *f,
           const OmbudCaseFilter *filter)
{
  g_autoptr(GError) error = NULL;
  GListStore *list = ombud_queries_case_summaries (f->r->caseload, filter, &error);

  g_assert_no_error (error);
  g_assert_nonnull (list);
  return list;
}

static OmbudCaseSummary *
nth (GListStore *list,
     guint       i)
{
  /* The store keeps its own reference; tests hold the list. */
  OmbudCaseSummary *s = g_list_model_get_item (G_LIST_MODEL (list), i);

  g_object_unref (s);
  return s;
}

/* The titles in order, comma-separated. */
static char *
titles (GListStore *list)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    g_string_append_printf (out, "%s%s", i ? "," : "", ombud_case_summary_get_title (nth (list, i)));
  return g_string_free (out, FALSE);
}

static char *
titles_for (Fixture               *f,
            const OmbudCaseFilter *filter)
{
  g_autoptr(GListStore) list = summaries (f, filter);

  return titles (list);
}

static OmbudCaseSummary *
find (GListStore *list,
      const char *id)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    if (g_strcmp0 (ombud_case_summary_get_id (nth (list, i)), id) == 0)
      return nth (list, i);
  g_assert_not_reached ();
}

static void
test_fields_and_order (Fixture       *f,
                       G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GListStore) list = summaries (f, NULL);
  g_autofree char *order = titles (list);
  OmbudCaseSummary *anna = find (list, f->anna);
  OmbudCaseSummary *cecilia = find (list, f->cecilia);
  OmbudCaseSummary *bertil = find (list, f->bertil);
  g_autofree char *municipality = NULL;

  /* Open cases first, nearest deadline first, then names; then referred and closed. */
  g_assert_cmpstr (order, ==, "Anna Sjöberg,Bertil Åström,Erik Sjödin,David Ek,Cecilia Lind");

  g_assert_cmpstr (ombud_case_summary_get_title (anna), ==, "Anna Sjöberg");
  g_assert_cmpint (ombud_case_summary_get_status (anna), ==, OMBUD_CASE_STATUS_ACTIVE);
  g_assert_cmpstr (ombud_case_summary_get_municipality_name (anna), ==, "Östersund");
  g_assert_cmpstr (ombud_case_summary_get_municipality_id (anna), ==, f->ostersund);
  g_assert_cmpstr (ombud_case_summary_get_requested_on (anna), ==, APP_TODAY);
  g_assert_cmpstr (ombud_case_summary_get_started_on (anna), ==, APP_TODAY);
  g_assert_null (ombud_case_summary_get_closed_on (anna));
  g_assert_cmpstr (ombud_case_summary_get_next_deadline (anna), ==, "2026-03-05");
  g_assert_true (g_str_has_prefix (f->anna, ombud_case_summary_get_short_id (anna)));
  g_assert_cmpuint (strlen (ombud_case_summary_get_short_id (anna)), ==, 8);

  g_assert_cmpint (ombud_case_summary_get_status (bertil), ==, OMBUD_CASE_STATUS_QUEUED);
  g_assert_null (ombud_case_summary_get_started_on (bertil));
  g_assert_cmpint (ombud_case_summary_get_status (cecilia), ==, OMBUD_CASE_STATUS_CLOSED);
  g_assert_cmpstr (ombud_case_summary_get_closed_on (cecilia), ==, APP_TODAY);
  g_assert_null (ombud_case_summary_get_next_deadline (cecilia));

  /* The same through GObject properties, as list item factories bind them. */
  g_object_get (anna, "municipality-name", &municipality, NULL);
  g_assert_cmpstr (municipality, ==, "Östersund");
  {
    OmbudCaseStatus st;
    g_object_get (cecilia, "status", &st, NULL);
    g_assert_cmpint (st, ==, OMBUD_CASE_STATUS_CLOSED);
    g_autoptr(GEnumClass) klass = g_type_class_ref (OMBUD_TYPE_CASE_STATUS);
    g_assert_cmpstr (g_enum_get_value (klass, st)->value_nick, ==, "closed");
  }
}

static void
test_assigned_ombud (Fixture       *f,
                     G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *karin = ombud_caseload_add_ombud (f->r->caseload, "Karin Öberg", "ombud", &error);
  g_autoptr(GListStore) list = NULL;

  g_assert_no_error (error);
  g_assert_true (ombud_caseload_assign_case (f->r->caseload, f->erik, karin, &error));
  g_assert_no_error (error);
  list = summaries (f, NULL);
  g_assert_cmpstr (ombud_case_summary_get_assigned_ombud_id (find (list, f->erik)), ==, karin);
  g_assert_cmpstr (ombud_case_summary_get_assigned_ombud_name (find (list, f->erik)), ==, "Karin Öberg");
}

static void
test_filters (Fixture       *f,
              G_GNUC_UNUSED gconstpointer data)
{
  OmbudCaseFilter open = { .statuses = OMBUD_CASE_STATUS_FLAG (OMBUD_CASE_STATUS_ACTIVE)
                                       | OMBUD_CASE_STATUS_FLAG (OMBUD_CASE_STATUS_QUEUED) };
  OmbudCaseFilter closed = { .statuses = OMBUD_CASE_STATUS_FLAG (OMBUD_CASE_STATUS_CLOSED) };
  OmbudCaseFilter here = { .municipality_id = f->ostersund };
  OmbudCaseFilter week = { .deadline_within_days = 7 };
  OmbudCaseFilter month = { .deadline_within_days = 30 };
  OmbudCaseFilter open_here_week = { .statuses = open.statuses, .municipality_id = f->ostersund,
                                     .deadline_within_days = 7 };
  OmbudCaseFilter nowhere = { .municipality_id = "no-such-municipality" };
  g_autofree char *t_open = titles_for (f, &open);
  g_autofree char *t_closed = titles_for (f, &closed);
  g_autofree char *t_here = titles_for (f, &here);
  g_autofree char *t_week = titles_for (f, &week);
  g_autofree char *t_month = titles_for (f, &month);
  g_autofree char *t_all3 = titles_for (f, &open_here_week);
  g_autofree char *t_nowhere = titles_for (f, &nowhere);

  g_assert_cmpstr (t_open, ==, "Anna Sjöberg,Bertil Åström,Erik Sjödin");
  g_assert_cmpstr (t_closed, ==, "Cecilia Lind");
  g_assert_cmpstr (t_here, ==, "Anna Sjöberg,Erik Sjödin,Cecilia Lind");
  /* Overdue (David's, 20 February) counts as soon. */
  g_assert_cmpstr (t_week, ==, "Anna Sjöberg,David Ek");
  g_assert_cmpstr (t_month, ==, "Anna Sjöberg,Bertil Åström,David Ek");
  g_assert_cmpstr (t_all3, ==, "Anna Sjöberg");
  g_assert_cmpstr (t_nowhere, ==, "");
}

static void
test_done_deadline_is_not_next (Fixture       *f,
                                G_GNUC_UNUSED gconstpointer data)
{
  g_autofree char *id = app_field_text (f->r, "SELECT id FROM deadline WHERE due_on = '2026-03-05'");
  g_autoptr(GError) error = NULL;
  g_autoptr(GListStore) list = NULL;

  g_assert_true (ombud_caseload_set_field (f->r->caseload, "deadline", id, "done",
                                           g_variant_new_int64 (1), &error));
  g_assert_no_error (error);
  list = summaries (f, NULL);
  g_assert_null (ombud_case_summary_get_next_deadline (find (list, f->anna)));
}

static void
test_search_narrows_each_keystroke (Fixture       *f,
                                    G_GNUC_UNUSED gconstpointer data)
{
  const char *typed[] = { "s", "sj", "sjö", "sjöb", "sjöberg" };
  const char *expect[] = {
    /* Word prefixes only: Anna (Sjöberg, skulden), Erik (Sjödin), David (Svar);
     * not Bertil ("Ansökan" holds an s, but starts no word with one). */
    "Anna Sjöberg,Erik Sjödin,David Ek",
    "Anna Sjöberg,Erik Sjödin",
    "Anna Sjöberg,Erik Sjödin",
    "Anna Sjöberg",
    "Anna Sjöberg",
  };
  guint previous = G_MAXUINT;

  for (guint i = 0; i < G_N_ELEMENTS (typed); i++)
    {
      OmbudCaseFilter filter = { .text = typed[i] };
      g_autoptr(GListStore) list = summaries (f, &filter);
      g_autofree char *got = titles (list);
      guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

      g_assert_cmpstr (got, ==, expect[i]);
      g_assert_cmpuint (n, <=, previous);
      previous = n;
    }
}

static void
test_search_matches_case_text (Fixture       *f,
                               G_GNUC_UNUSED gconstpointer data)
{
  OmbudCaseFilter note = { .text = "KRONOFOGDEN" };   /* a note (Anna) and a deadline (David) */
  OmbudCaseFilter upper = { .text = "ÅSTRÖM" };       /* case-insensitive beyond ASCII */
  OmbudCaseFilter two = { .text = "anna sjö" };
  OmbudCaseFilter with_status = { .text = "kronofogden",
                                  .statuses = OMBUD_CASE_STATUS_FLAG (OMBUD_CASE_STATUS_REFERRED) };
  OmbudCaseFilter none = { .text = "zzzz" };
  g_autofree char *t_note = titles_for (f, &note);
  g_autofree char *t_upper = titles_for (f, &upper);
  g_autofree char *t_two = titles_for (f, &two);
  g_autofree char *t_with_status = titles_for (f, &with_status);
  g_autofree char *t_none = titles_for (f, &none);

  g_assert_cmpstr (t_note, ==, "Anna Sjöberg,David Ek");
  g_assert_cmpstr (t_upper, ==, "Bertil Åström");
  g_assert_cmpstr (t_two, ==, "Anna Sjöberg");
  g_assert_cmpstr (t_with_status, ==, "David Ek");
  g_assert_cmpstr (t_none, ==, "");
}

/* What the user types is words, never FTS syntax: no error, and text
 * without a word filters nothing. */
static void
test_search_syntax_is_text (Fixture       *f,
                            G_GNUC_UNUSED gconstpointer data)
{
  static const struct { const char *text; guint n; } odd[] = {
    { "\"", 5 }, { "(", 5 }, { "  ", 5 }, { "*", 5 },
    { "sjö*", 2 }, { "-anna", 1 }, { "^anna", 1 }, { "anna:", 1 }, { "text:anna", 0 },
    { "NEAR(anna", 0 }, { "anna AND", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (odd); i++)
    {
      OmbudCaseFilter filter = { .text = odd[i].text };
      g_autoptr(GListStore) list = summaries (f, &filter);

      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, odd[i].n);
    }
}

static void
test_sync_state (Fixture       *f,
                 G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GListStore) before = summaries (f, NULL);
  g_autoptr(GListStore) after = NULL;
  g_autoptr(GError) error = NULL;

  /* Never synced: everything is saved here only. */
  g_assert_false (ombud_queries_has_synced (f->r->caseload));
  for (guint i = 0; i < 5; i++)
    {
      g_assert_cmpint (ombud_case_summary_get_sync_state (nth (before, i)), ==, OMBUD_SYNC_STATE_LOCAL);
      g_assert_cmpuint (ombud_case_summary_get_unsent (nth (before, i)), >, 0);
    }

  /* A sync went through and took everything but Bertil's changes. */
  g_assert_true (ombud_store_put (f->r->store, "sync.last_success_ms", "1772445700000", &error));
  g_assert_no_error (error);
  {
    g_autofree char *sql = g_strdup_printf ("DELETE FROM outbox WHERE case_id IS NOT '%s'", f->bertil);
    app_exec (f->r, sql);
  }
  after = summaries (f, NULL);
  g_assert_true (ombud_queries_has_synced (f->r->caseload));
  g_assert_cmpint (ombud_case_summary_get_sync_state (find (after, f->anna)), ==, OMBUD_SYNC_STATE_AT_OFFICE);
  g_assert_cmpuint (ombud_case_summary_get_unsent (find (after, f->anna)), ==, 0);
  g_assert_cmpint (ombud_case_summary_get_sync_state (find (after, f->bertil)), ==, OMBUD_SYNC_STATE_LOCAL);

  /* A draft note waits in the outbox under a hold: saved here only. */
  g_free (ombud_caseload_add_note (f->r->caseload, f->erik, "Utkast", FALSE, &error));
  g_assert_no_error (error);
  g_clear_object (&after);
  after = summaries (f, NULL);
  g_assert_cmpint (ombud_case_summary_get_sync_state (find (after, f->erik)), ==, OMBUD_SYNC_STATE_LOCAL);
  g_assert_cmpint (ombud_case_summary_get_sync_state (find (after, f->anna)), ==, OMBUD_SYNC_STATE_AT_OFFICE);
}

/* Two replicas edit the same name: the case has a conflict, whatever its outbox. */
static void
test_conflict_state (void)
{
  g_autoptr(TestReplica) a = app_replica_new ();
  g_autoptr(TestReplica) b = test_replica_new (APP_T0 + 100);
  g_autofree char *id = app_add_case (a, "Greta Nilsson", "Krokom", FALSE);
  g_autofree char *other = app_add_case (a, "Harald Berg", "Krokom", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GListStore) list = NULL;

  app_deliver (a, b);
  g_assert_true (ombud_caseload_set_field (a->caseload, "client_case", id, "client_name",
                                           g_variant_new_string ("Greta A"), &error));
  g_assert_true (ombud_caseload_set_field (b->caseload, "client_case", id, "client_name",
                                           g_variant_new_string ("Greta B"), &error));
  g_assert_no_error (error);
  app_deliver (b, a);
  g_assert_cmpint (app_count (a, "SELECT count(*) FROM conflict"), ==, 1);

  list = ombud_queries_case_summaries (a->caseload, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ombud_case_summary_get_sync_state (find (list, id)), ==, OMBUD_SYNC_STATE_CONFLICT);
  g_assert_cmpuint (ombud_case_summary_get_conflicts (find (list, id)), ==, 1);
  g_assert_cmpint (ombud_case_summary_get_sync_state (find (list, other)), ==, OMBUD_SYNC_STATE_LOCAL);
  g_assert_cmpuint (ombud_case_summary_get_conflicts (find (list, other)), ==, 0);
}

/* A device that cannot read the client tier: no title, and the UI gets the short id. */
static void
test_no_title (Fixture       *f,
               G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GListStore) list = NULL;
  g_autofree char *sql = g_strdup_printf ("UPDATE client_case SET client_name = NULL WHERE id = '%s'", f->erik);

  app_exec (f->r, sql);
  list = summaries (f, NULL);
  g_assert_null (ombud_case_summary_get_title (find (list, f->erik)));
  g_assert_nonnull (ombud_case_summary_get_short_id (find (list, f->erik)));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 5);
}

static void
test_deleted_case_is_gone (Fixture       *f,
                           G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *order = NULL;

  g_assert_true (ombud_caseload_delete (f->r->caseload, "client_case", f->bertil, &error));
  g_assert_no_error (error);
  order = titles_for (f, NULL);
  g_assert_cmpstr (order, ==, "Anna Sjöberg,Erik Sjödin,David Ek,Cecilia Lind");
}

static void
test_municipalities (Fixture       *f,
                     G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) list = ombud_queries_municipalities (f->r->caseload, &error);
  const char *name = NULL, *id = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (list), ==, 2);
  {
    g_autoptr(GVariant) first = g_variant_get_child_value (list, 0);
    g_autoptr(GVariant) second = g_variant_get_child_value (list, 1);

    g_assert_true (g_variant_lookup (first, "name", "&s", &name));
    g_assert_cmpstr (name, ==, "Krokom");
    g_assert_true (g_variant_lookup (second, "name", "&s", &name));
    g_assert_cmpstr (name, ==, "Östersund");
    g_assert_true (g_variant_lookup (second, "id", "&s", &id));
    g_assert_cmpstr (id, ==, f->ostersund);
    g_assert_true (g_variant_lookup (second, "code", "&s", &name));
    g_assert_cmpstr (name, ==, "2380");
  }
}


static char *
doc_case (sqlite3    *db,
          const char *rec)
{
  g_autofree char *sql = g_strdup_printf ("SELECT case_id FROM search_doc WHERE rec = '%s'", rec);
  sqlite3_stmt *stmt = NULL;
  char *out = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0))
    out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return out;
}

static void
exec_ok (sqlite3    *db,
         const char *sql)
{
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
}

/* Migration 7 gives every search document its case: those indexed before
 * it, and later ones whichever field arrives first (as the merge writes
 * them: the row, then one UPDATE per field). */
static void
test_search_doc_case_migration (void)
{
  sqlite3 *db = NULL;
  guint n;
  const OmbudMigration *list = ombud_migrations_get (&n);
  g_autoptr(GError) error = NULL;
  g_autofree char *old_note = NULL, *old_case = NULL, *body_first = NULL, *case_first = NULL;

  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  g_assert_true (ombud_migrations_apply (db, list, n, 6, &error));
  g_assert_no_error (error);
  exec_ok (db, "INSERT INTO client_case (id) VALUES ('case-1');"
               "UPDATE client_case SET client_name = 'Anna' WHERE id = 'case-1';"
               "INSERT INTO note (id) VALUES ('note-1');"
               "UPDATE note SET body = 'kronofogden' WHERE id = 'note-1';"
               "UPDATE note SET case_id = 'case-1' WHERE id = 'note-1';");
  g_assert_true (ombud_migrations_apply (db, list, n, ombud_migrations_latest (), &error));
  g_assert_no_error (error);
  old_note = doc_case (db, "note-1");
  old_case = doc_case (db, "case-1");
  g_assert_cmpstr (old_note, ==, "case-1");
  g_assert_cmpstr (old_case, ==, "case-1");

  exec_ok (db, "INSERT INTO note (id) VALUES ('note-2');"
               "UPDATE note SET body = 'hyresvärden' WHERE id = 'note-2';"
               "UPDATE note SET case_id = 'case-1' WHERE id = 'note-2';"
               "INSERT INTO goal (id) VALUES ('goal-1');"
               "UPDATE goal SET case_id = 'case-1' WHERE id = 'goal-1';"
               "UPDATE goal SET body = 'egen bostad' WHERE id = 'goal-1';");
  body_first = doc_case (db, "note-2");
  case_first = doc_case (db, "goal-1");
  g_assert_cmpstr (body_first, ==, "case-1");
  g_assert_cmpstr (case_first, ==, "case-1");
  sqlite3_close (db);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/case-summary/fields-and-order", test_fields_and_order);
  ADD ("/case-summary/assigned-ombud", test_assigned_ombud);
  ADD ("/case-summary/filters", test_filters);
  ADD ("/case-summary/done-deadline-is-not-next", test_done_deadline_is_not_next);
  ADD ("/case-summary/search-narrows-each-keystroke", test_search_narrows_each_keystroke);
  ADD ("/case-summary/search-matches-case-text", test_search_matches_case_text);
  ADD ("/case-summary/search-syntax-is-text", test_search_syntax_is_text);
  ADD ("/case-summary/sync-state", test_sync_state);
  ADD ("/case-summary/no-title", test_no_title);
  ADD ("/case-summary/deleted-case-is-gone", test_deleted_case_is_gone);
  ADD ("/case-summary/municipalities", test_municipalities);
#undef ADD
  g_test_add_func ("/case-summary/conflict-state", test_conflict_state);
  g_test_add_func ("/case-summary/search-doc-case-migration", test_search_doc_case_migration);
  return g_test_run ();
}
