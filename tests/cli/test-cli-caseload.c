/* test-cli-caseload.c: ombud-cli's caseload commands, run as the real
 * program: output, JSON, exit statuses, and that bad input writes nothing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sodium.h>
#include <string.h>

#include "ombud-caseload-private.h"
#include "ombud-changeset.h"
#include "ombud-migrations.h"
#include "ombud-queries.h"
#include "test-util.h"

#define PASS "lösenord-för-test"
#define OTHER_DEVICE G_GUINT64_CONSTANT (0x0123456789abcdef)


typedef struct {
  char   *root;
  char   *profile;
  char   *pass_file;  /* the passphrase, as the CLI reads it */
  char   *ombud;    /* an ombud of the team, made by the fixture */
  gint64  now;      /* the fixture's own caseload clock, ms */
} Fixture;

/* ---- running the program ----------------------------------------------------------- */

static TestCliResult
run_argv (const char *stdin_path,
          GPtrArray  *args)
{
  g_ptr_array_add (args, NULL);
  return test_cli_run (stdin_path, (const char * const *) args->pdata);
}

static TestCliResult
cli (Fixture    *f,
     const char *first,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (args, "-p");
  g_ptr_array_add (args, f->profile);
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  return run_argv (f->pass_file, args);
}

static TestCliResult
cli_strv (Fixture           *f,
          const char *const *words)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  g_ptr_array_add (args, "-p");
  g_ptr_array_add (args, f->profile);
  for (guint i = 0; words[i]; i++)
    g_ptr_array_add (args, (char *) words[i]);
  return run_argv (f->pass_file, args);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

static void
assert_ok (const TestCliResult *r)
{
  if (r->status != 0)
    g_error ("exit status %d; stderr: %s", r->status, r->err);
  g_assert_cmpstr (r->err, ==, "");
}

/* An error is one line on stderr and nothing on stdout. */
static void
assert_fails (const TestCliResult *r,
              int              status,
              const char      *message_part)
{
  if (r->status != status)
    g_error ("exit status %d, expected %d; stdout: %s stderr: %s", r->status, status, r->out, r->err);
  if (count_lines (r->err) != 1)
    g_error ("expected one line on stderr, got: %s", r->err);
  g_assert_true (g_str_has_prefix (r->err, "ombud-cli: "));
  if (strstr (r->err, message_part) == NULL)
    g_error ("stderr “%s” lacks “%s”", r->err, message_part);
  g_assert_cmpstr (r->out, ==, "");
}

/* The id an add command printed on its last line. */
static char *
last_line (const TestCliResult *r)
{
  g_auto(GStrv) lines = g_strsplit (g_strchomp (r->out), "\n", -1);
  guint n = g_strv_length (lines);

  g_assert_cmpuint (n, >, 0);
  return g_strdup (lines[n - 1]);
}

static char *
add_ok (Fixture    *f,
        const char *first,
        ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(TestCliResult) r = { 0 };
  va_list ap;

  g_ptr_array_add (args, "-p");
  g_ptr_array_add (args, f->profile);
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  r = run_argv (f->pass_file, args);
  assert_ok (&r);
  return last_line (&r);
}

/* ---- JSON ------------------------------------------------------------------------- */

static JsonNode *
json_of (const TestCliResult *r)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  assert_ok (r);
  node = json_from_string (r->out, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static JsonArray *
as_array (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_node_get_array (node);
}

static JsonObject *
as_object (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

/* The element whose MEMBER is VALUE, or NULL. */
static JsonObject *
find (JsonArray  *array,
      const char *member,
      const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);

      if (json_object_has_member (o, member)
          && g_strcmp0 (json_object_get_string_member_with_default (o, member, NULL), value) == 0)
        return o;
    }
  return NULL;
}

static const char *
str (JsonObject *o,
     const char *member)
{
  g_assert_true (json_object_has_member (o, member));
  return json_object_get_string_member_with_default (o, member, NULL);
}

static gint64
num (JsonObject *o,
     const char *member)
{
  g_assert_true (json_object_has_member (o, member));
  return json_object_get_int_member (o, member);
}

static JsonObject *
show_case (Fixture    *f,
           const char *id,
           JsonNode  **keep)
{
  g_auto(TestCliResult) r = cli (f, "case", "show", id, "--json", NULL);

  *keep = json_of (&r);
  return as_object (*keep);
}

/* ---- the profile ---------------------------------------------------------------------- */

static gint64
fixture_clock (gpointer data)
{
  Fixture *f = data;

  return f->now;
}

/* Through the API, with cheap Argon2id costs so that each run of the CLI
 * unlocks fast; the caseload is opened once so that its code tables are
 * seeded before any test compares states. */
static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(OmbudStore) store = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *m1 = NULL, *m2 = NULL;

  f->root = test_make_tmp_dir ("ombud-cli-caseload-XXXXXX");
  f->profile = g_build_filename (f->root, "profil", NULL);
  f->pass_file = g_build_filename (f->root, "passphrase", NULL);
  g_assert_true (g_file_set_contents (f->pass_file, PASS "\n", -1, NULL));
  f->now = g_get_real_time () / 1000;
  store = ombud_store_new (f->profile);
  g_assert_true (ombud_store_create (store, PASS, test_fast_limits (), &error));
  g_assert_no_error (error);
  if (data != NULL)  /* a profile that has never held a caseload */
    return;

  caseload = ombud_caseload_new_with_clock (store, fixture_clock, f, &error);
  g_assert_no_error (error);
  m1 = ombud_caseload_add_municipality (caseload, "2380", "Östersund", 64000, &error);
  g_assert_no_error (error);
  m2 = ombud_caseload_add_municipality (caseload, "2309", "Krokom", 15500, &error);
  g_assert_no_error (error);
  f->ombud = ombud_caseload_add_ombud (caseload, "Karin Öberg", "ombud", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data G_GNUC_UNUSED)
{
  test_rm_rf (f->root);
  g_free (f->root);
  g_free (f->profile);
  g_free (f->pass_file);
  g_free (f->ombud);
}

/* Every table's row count, the clock, the outbox's last entry, and what
 * the CLI shows: any write would change one of them. */
static char *
snapshot (Fixture *f)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(OmbudStore) store = ombud_store_new (f->profile);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db;

  g_assert_true (ombud_store_unlock (store, PASS, &error));
  db = ombud_store_get_db (store);
  sqlite3_prepare_v2 (db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1, &stmt, NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (tables, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  g_ptr_array_add (tables, NULL);
  for (guint i = 0; i < tables->len; i++)
    {
      const char *name = g_ptr_array_index (tables, i);
      g_autofree char *sql = name ? g_strdup_printf ("SELECT count(*) FROM \"%s\"", name)
                                  : g_strdup ("SELECT last FROM clock");

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_string_append_printf (out, "%s %lld\n", sql, (long long) sqlite3_column_int64 (stmt, 0));
      sqlite3_finalize (stmt);
    }
  ombud_store_lock (store);
  {
    g_auto(TestCliResult) cases = cli (f, "case", "list", "--json", NULL);
    g_auto(TestCliResult) conflicts = cli (f, "conflicts", "--json", NULL);

    assert_ok (&cases);
    assert_ok (&conflicts);
    g_string_append_printf (out, "%s%s", cases.out, conflicts.out);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gint64
count_rows (Fixture    *f,
            const char *sql)
{
  g_autoptr(OmbudStore) store = ombud_store_new (f->profile);
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_true (ombud_store_unlock (store, PASS, &error));
  g_assert_cmpint (sqlite3_prepare_v2 (ombud_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static char *
add_case (Fixture    *f,
          const char *name,
          gboolean    queued)
{
  if (queued)
    return add_ok (f, "case", "add", "--name", name, "--municipality", "Östersund", "--gender", "woman",
                   "--birth-year", "1980", "--queued", NULL);
  return add_ok (f, "case", "add", "--name", name, "--municipality", "Östersund", "--gender", "woman",
                 "--birth-year", "1980", NULL);
}

/* ---- cases -------------------------------------------------------------------------- */

/* The character column of NEEDLE in the line of TEXT that starts with PREFIX. */
static glong
column_in_line (const char *text,
                const char *prefix,
                const char *needle)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], prefix))
      {
        const char *at = strstr (lines[i], needle);

        g_assert_nonnull (at);
        return g_utf8_pointer_to_offset (lines[i], at);
      }
  g_error ("no line starts with “%s”", prefix);
}

static void
test_case_add_list_show (Fixture      *f,
                         gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *anna = add_case (f, "Anna Nilsson", FALSE);
  g_autofree char *erik = add_ok (f, "case", "add", "--queued", "--name", "Erik Öberg", "--gender", "man",
                                  "--municipality", "2309", "--birth-year", "1971", "--requested-on",
                                  "2025-03-04", "--minor-children", NULL);
  g_auto(TestCliResult) text = cli (f, "case", "list", NULL);
  g_auto(TestCliResult) list = cli (f, "case", "list", "--json", NULL);
  g_auto(TestCliResult) shown = cli (f, "case", "show", erik, NULL);
  g_autoptr(JsonNode) node = json_of (&list), show_node = NULL;
  JsonObject *a = find (as_array (node), "id", anna), *e = find (as_array (node), "id", erik), *s;

  g_assert_true (g_uuid_string_is_valid (anna));
  g_assert_cmpuint (json_array_get_length (as_array (node)), ==, 2);
  g_assert_nonnull (a);
  g_assert_cmpstr (str (a, "name"), ==, "Anna Nilsson");
  g_assert_cmpstr (str (a, "status"), ==, "active");
  g_assert_cmpstr (str (a, "municipality"), ==, "Östersund");
  g_assert_cmpint (num (a, "has_minor_children"), ==, 0);
  g_assert_nonnull (e);
  g_assert_cmpstr (str (e, "status"), ==, "queued");
  g_assert_cmpstr (str (e, "municipality"), ==, "Krokom");
  g_assert_cmpstr (str (e, "requested_on"), ==, "2025-03-04");
  g_assert_cmpint (num (e, "birth_year"), ==, 1971);
  g_assert_cmpint (num (e, "has_minor_children"), ==, 1);

  /* text: a header, one line per case, the summary; columns line up */
  assert_ok (&text);
  g_assert_true (g_str_has_prefix (text.out, "ID "));
  g_assert_nonnull (strstr (text.out, "Anna Nilsson"));
  g_assert_nonnull (strstr (text.out, "2 cases: 1 active, 1 queued, 0 closed, 0 referred"));
  /* counted in characters: "Öberg" is one byte longer than it looks */
  g_assert_cmpint (column_in_line (text.out, erik, "Krokom"), ==, column_in_line (text.out, "ID ", "MUNICIPALITY"));
  assert_ok (&shown);
  g_assert_nonnull (strstr (shown.out, "Erik Öberg"));
  g_assert_nonnull (strstr (shown.out, "Requested:       2025-03-04"));

  s = show_case (f, anna, &show_node);
  g_assert_cmpstr (str (s, "id"), ==, anna);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (s, "events")), ==, 2);
  g_assert_true (json_object_get_null_member (s, "closed_on"));
}

static void
test_case_status_changes (Fixture      *f,
                          gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *a = add_case (f, "Anna", TRUE), *b = add_case (f, "Berit", TRUE);
  g_autoptr(JsonNode) na = NULL, nb = NULL;
  g_autofree char *started = g_strdup_printf ("case %s started\n", a);
  JsonObject *oa, *ob;

  {
    g_auto(TestCliResult) start = cli (f, "case", "start", a, "--date", "2026-01-05", NULL);
    g_auto(TestCliResult) again = cli (f, "case", "start", a, NULL);
    g_auto(TestCliResult) close = cli (f, "case", "close", "--date", "2026-02-06", a, "--reason", "goals_met", NULL);
    g_auto(TestCliResult) close_queued = cli (f, "case", "close", b, "--reason", "moved", NULL);
    g_auto(TestCliResult) refer = cli (f, "case", "refer", b, "--to", "psychiatry", "--date", "2026-01-07", NULL);
    g_auto(TestCliResult) assign = cli (f, "case", "assign", a, "--to", f->ombud, NULL);
    g_auto(TestCliResult) consent = cli (f, "case", "set", a, "handover-consent", "yes", NULL);
    g_auto(TestCliResult) refusal = cli (f, "case", "set", b, "handover-consent", "no", NULL);
    g_auto(TestCliResult) missing = cli (f, "case", "start", "00000000-0000-4000-8000-00000000dead", NULL);

    assert_ok (&start);
    g_assert_cmpstr (start.out, ==, started);
    assert_fails (&again, 1, "cannot start a case that is active");
    assert_ok (&close);
    assert_fails (&close_queued, 1, "cannot close a case that is queued");
    assert_ok (&refer);
    assert_ok (&assign);
    assert_ok (&consent);
    assert_ok (&refusal);
    assert_fails (&missing, 1, "no case");
  }
  oa = show_case (f, a, &na);
  ob = show_case (f, b, &nb);
  g_assert_cmpstr (str (oa, "status"), ==, "closed");
  g_assert_cmpstr (str (oa, "started_on"), ==, "2026-01-05");
  g_assert_cmpstr (str (oa, "closed_on"), ==, "2026-02-06");
  g_assert_cmpstr (str (oa, "closure_reason"), ==, "goals_met");
  g_assert_cmpstr (str (oa, "assigned_ombud"), ==, "Karin Öberg");
  g_assert_cmpint (json_object_get_int_member (oa, "handover_consent"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (ob, "handover_consent"), ==, 0);
  g_assert_cmpstr (str (ob, "status"), ==, "referred");
  g_assert_cmpstr (str (ob, "referral_target"), ==, "psychiatry");
  {
    g_auto(TestCliResult) text = cli (f, "case", "show", a, NULL);

    assert_ok (&text);
    g_assert_nonnull (strstr (text.out, "2026-02-06, Målen uppnådda"));  /* the code's label */
  }
}

/* ---- records on a case ------------------------------------------------------------------ */

static void
test_records (Fixture      *f,
              gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *c = add_case (f, "Anna", FALSE);
  g_autofree char *draft = add_ok (f, "note", "add", c, "Utkast om bostaden", NULL);
  g_autofree char *approved = add_ok (f, "note", "add", "--approved", c, "Godkänd anteckning", NULL);
  g_autofree char *contact = add_ok (f, "contact", "add", c, "--date", "2026-01-08", "--minutes", "90",
                                     "--form", "home_visit", "--actor", "forsakringskassan", "--actor",
                                     "social_services", "--km", "180", "--travel-minutes", "150", NULL);
  g_autofree char *goal = add_ok (f, "goal", "add", c, "Behålla lägenheten", "--area", "housing", NULL);
  g_autofree char *deadline = add_ok (f, "deadline", "add", c, "--date", "2027-01-15", "Överklaga beslutet", NULL);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *s, *o;

  {
    g_auto(TestCliResult) approve = cli (f, "note", "approve", draft, NULL);
    g_auto(TestCliResult) no_note = cli (f, "note", "approve", "00000000-0000-4000-8000-00000000beef", NULL);

    assert_ok (&approve);
    assert_fails (&no_note, 1, "no note");
  }
  s = show_case (f, c, &node);
  o = find (json_object_get_array_member (s, "notes"), "id", draft);
  g_assert_cmpint (num (o, "approved"), ==, 1);
  g_assert_cmpstr (str (o, "body"), ==, "Utkast om bostaden");
  o = find (json_object_get_array_member (s, "notes"), "id", approved);
  g_assert_cmpint (num (o, "approved"), ==, 1);
  o = find (json_object_get_array_member (s, "contacts"), "id", contact);
  g_assert_cmpstr (str (o, "on_date"), ==, "2026-01-08");
  g_assert_cmpint (num (o, "minutes"), ==, 90);
  g_assert_cmpstr (str (o, "form"), ==, "home_visit");
  g_assert_cmpstr (str (o, "actors"), ==, "[\"forsakringskassan\",\"social_services\"]");
  g_assert_cmpint (num (o, "km"), ==, 180);
  g_assert_cmpint (num (o, "travel_minutes"), ==, 150);
  o = find (json_object_get_array_member (s, "goals"), "id", goal);
  g_assert_cmpstr (str (o, "area"), ==, "housing");
  g_assert_cmpstr (str (o, "body"), ==, "Behålla lägenheten");
  o = find (json_object_get_array_member (s, "deadlines"), "id", deadline);
  g_assert_cmpstr (str (o, "due_on"), ==, "2027-01-15");
  g_assert_cmpstr (str (s, "next_deadline"), ==, "2027-01-15");
  {
    g_auto(TestCliResult) text = cli (f, "case", "show", c, NULL);

    assert_ok (&text);
    g_assert_nonnull (strstr (text.out, "Försäkringskassan, Socialtjänsten"));
    g_assert_nonnull (strstr (text.out, "180 km, 150 min"));
    g_assert_nonnull (strstr (text.out, "Boende"));
  }
}

/* A draft stays in the outbox under a hold until the client approves it. */
static void
test_draft_note_is_held (Fixture      *f,
                         gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *c = add_case (f, "Anna", FALSE);
  g_autofree char *draft = add_ok (f, "note", "add", c, "Utkast", NULL);

  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM outbox WHERE hold IS NOT NULL"), ==, 1);
  {
    g_auto(TestCliResult) approve = cli (f, "note", "approve", draft, NULL);
    assert_ok (&approve);
  }
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM outbox WHERE hold IS NOT NULL"), ==, 0);
}

/* ---- the team ------------------------------------------------------------------------------ */

static void
test_team (Fixture      *f,
           gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *m = add_ok (f, "municipality", "add", "2321", "Åre", "--population", "12000", NULL);
  g_autofree char *o = add_ok (f, "ombud", "add", "--coordinator", "Eva Strand", NULL);
  g_autofree char *d = add_ok (f, "deficiency", "add", "--level", "central", "--actor", "forsakringskassan",
                               "--municipality", "Åre", "Långa handläggningstider", NULL);
  g_auto(TestCliResult) places = cli (f, "municipality", "list", "--json", NULL);
  g_auto(TestCliResult) places_text = cli (f, "municipality", "list", NULL);
  g_auto(TestCliResult) team = cli (f, "ombud", "list", "--json", NULL);
  g_auto(TestCliResult) team_text = cli (f, "ombud", "list", NULL);
  g_autoptr(JsonNode) pn = json_of (&places), tn = json_of (&team);
  JsonObject *are = find (as_array (pn), "code", "2321"), *eva = find (as_array (tn), "id", o);

  g_assert_cmpstr (m, ==, "municipality:2321");
  g_assert_cmpuint (json_array_get_length (as_array (pn)), ==, 3);
  g_assert_cmpstr (str (are, "name"), ==, "Åre");
  g_assert_cmpint (num (are, "population"), ==, 12000);
  assert_ok (&places_text);
  g_assert_nonnull (strstr (places_text.out, "2321  Åre"));
  g_assert_cmpstr (str (eva, "name"), ==, "Eva Strand");
  g_assert_cmpstr (str (eva, "role"), ==, "coordinator");
  assert_ok (&team_text);
  g_assert_nonnull (strstr (team_text.out, "Karin Öberg"));
  g_assert_true (g_uuid_string_is_valid (d));
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM deficiency WHERE level = 'central'"
                                  " AND municipality_id = 'municipality:2321'"), ==, 1);
}

static void
test_codes (Fixture      *f,
            gconstpointer data G_GNUC_UNUSED)
{
  g_auto(TestCliResult) all = cli (f, "codes", "--json", NULL);
  g_auto(TestCliResult) forms = cli (f, "codes", "contact_form", "--json", NULL);
  g_auto(TestCliResult) text = cli (f, "codes", "life_area", NULL);
  g_autoptr(JsonNode) an = json_of (&all), fn = json_of (&forms);
  JsonObject *home = find (as_array (fn), "code", "home_visit");

  g_assert_cmpuint (json_array_get_length (as_array (an)), >, json_array_get_length (as_array (fn)));
  g_assert_cmpuint (json_array_get_length (as_array (fn)), ==, 5);
  g_assert_cmpstr (str (home, "label_sv"), ==, "Hembesök");
  g_assert_cmpstr (str (home, "kind"), ==, "contact_form");
  assert_ok (&text);
  g_assert_nonnull (strstr (text.out, "Ekonomi och skulder"));
  g_assert_null (strstr (text.out, "Hembesök"));
}

static void
test_search (Fixture      *f,
             gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *c = add_case (f, "Anna Nilsson", FALSE);
  g_autofree char *n = add_ok (f, "note", "add", c, "Ringde Kronofogden om skulden", "--approved", NULL);
  g_auto(TestCliResult) json = cli (f, "search", "kronofog", "--json", NULL);
  g_auto(TestCliResult) text = cli (f, "search", "Kronofogden", NULL);
  g_auto(TestCliResult) none = cli (f, "search", "Arbetsförmedlingen", NULL);
  g_autofree char *other = add_ok (f, "note", "add", c, "Kronofogden igen", "--approved", NULL);
  g_auto(TestCliResult) limited = cli (f, "search", "--limit", "1", "--json", "Kronofogden", NULL);
  g_autoptr(JsonNode) ln = json_of (&limited);
  g_autoptr(JsonNode) node = json_of (&json);
  JsonObject *hit = find (as_array (node), "record", n);

  g_assert_cmpuint (json_array_get_length (as_array (node)), ==, 1);
  g_assert_cmpstr (str (hit, "case_id"), ==, c);
  g_assert_cmpstr (str (hit, "kind"), ==, "note");
  g_assert_cmpstr (str (hit, "name"), ==, "Anna Nilsson");
  assert_ok (&text);
  g_assert_nonnull (strstr (text.out, "[Kronofogden]"));
  assert_ok (&none);
  g_assert_cmpstr (none.out, ==, "nothing matches “Arbetsförmedlingen”\n");
  g_assert_cmpuint (json_array_get_length (as_array (ln)), ==, 1);
}

/* ---- conflicts -------------------------------------------------------------------------------- */

/* This replica edits a field while another device, from the same version,
 * edits it too, 500 ms earlier: this replica's value shows and the other
 * one is set aside as a conflict. */
static void
make_conflict (Fixture    *f,
               const char *case_id,
               const char *field,
               GVariant   *mine,
               GVariant   *theirs)
{
  g_autoptr(OmbudStore) store = ombud_store_new (f->profile);
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) bases = NULL;
  g_autoptr(OmbudChangeset) cs = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_assert_true (ombud_store_unlock (store, PASS, &error));
  f->now = MAX (f->now, g_get_real_time () / 1000) + 1000;
  caseload = ombud_caseload_new_with_clock (store, fixture_clock, f, &error);
  g_assert_no_error (error);
  bases = ombud_merge_heads (ombud_caseload_get_merge (caseload), "client_case", case_id, field, &error);
  g_assert_no_error (error);
  g_assert_true (ombud_caseload_set_field (caseload, "client_case", case_id, field, mine, &error));
  cs = ombud_changeset_new (ombud_migrations_latest (), OTHER_DEVICE, case_id);
  ombud_changeset_add (cs, "client_case", case_id, field, theirs, OMBUD_HLC_MAKE (f->now - 500, 0),
                       (const OmbudVersionId *) (void *) bases->data, bases->len);
  bytes = ombud_changeset_encode (cs);
  g_assert_true (ombud_caseload_apply_changeset (caseload, bytes, &error));
  g_assert_no_error (error);
}

static void
test_conflicts_and_resolve (Fixture      *f,
                            gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *a = add_case (f, "Anna", FALSE), *b = add_case (f, "Berit", FALSE);
  g_autoptr(JsonNode) node = NULL, after = NULL, na = NULL, nb = NULL;
  JsonObject *on_a, *on_b;
  g_autofree char *id_a = NULL, *id_b = NULL, *kept = NULL;

  {
    g_auto(TestCliResult) none = cli (f, "conflicts", NULL);

    assert_ok (&none);
    g_assert_cmpstr (none.out, ==, "no conflicts\n");
  }
  make_conflict (f, a, "client_name", g_variant_new_string ("Anna Mine"), g_variant_new_string ("Anna Theirs"));
  make_conflict (f, b, "birth_year", g_variant_new_int64 (1981), g_variant_new_int64 (1982));
  {
    g_auto(TestCliResult) json = cli (f, "conflicts", "--json", NULL);
    g_auto(TestCliResult) text = cli (f, "conflicts", NULL);

    node = json_of (&json);
    assert_ok (&text);
    g_assert_nonnull (strstr (text.out, "client_case.client_name"));
    g_assert_nonnull (strstr (text.out, "Anna Theirs"));
  }
  g_assert_cmpuint (json_array_get_length (as_array (node)), ==, 2);
  on_a = find (as_array (node), "case_id", a);
  on_b = find (as_array (node), "case_id", b);
  g_assert_cmpstr (str (on_a, "field"), ==, "client_name");
  g_assert_cmpstr (str (on_a, "mine"), ==, "Anna Mine");
  g_assert_cmpstr (str (on_a, "theirs"), ==, "Anna Theirs");
  g_assert_cmpstr (str (on_a, "theirs_device"), ==, "0123456789abcdef");
  g_assert_cmpint (num (on_b, "mine"), ==, 1981);
  g_assert_cmpint (num (on_b, "theirs"), ==, 1982);
  id_a = g_strdup (str (on_a, "id"));
  id_b = g_strdup (str (on_b, "id"));
  {
    g_auto(TestCliResult) keep_theirs = cli (f, "resolve", id_a, "--keep", "theirs", NULL);
    g_auto(TestCliResult) keep_mine = cli (f, "resolve", "--keep", "mine", id_b, NULL);
    g_auto(TestCliResult) gone = cli (f, "resolve", id_a, "--keep", "mine", NULL);
    g_auto(TestCliResult) json = cli (f, "conflicts", "--json", NULL);

    assert_ok (&keep_theirs);
    kept = g_strdup_printf ("conflict %s resolved: kept theirs\n", id_a);
    g_assert_cmpstr (keep_theirs.out, ==, kept);
    assert_ok (&keep_mine);
    assert_fails (&gone, 1, "no conflict");
    after = json_of (&json);
    g_assert_cmpuint (json_array_get_length (as_array (after)), ==, 0);
  }
  g_assert_cmpstr (str (show_case (f, a, &na), "name"), ==, "Anna Theirs");
  g_assert_cmpint (num (show_case (f, b, &nb), "birth_year"), ==, 1981);
}

/* ---- bad input ------------------------------------------------------------------------------ */

typedef struct {
  int         status;
  const char *message;
  const char *words[16];  /* %C stands for a case's id, %O for an ombud's */
} BadCall;

static const BadCall bad_calls[] = {
  { 2, "--municipality is required", { "case", "add", "--name", "X", "--gender", "man", "--birth-year", "1970" } },
  { 2, "no municipality called", { "case", "add", "--name", "X", "--municipality", "Narnia", "--gender", "man",
                                   "--birth-year", "1970" } },
  { 2, "--gender is woman, man, other or unknown", { "case", "add", "--name", "X", "--municipality", "2380",
                                                     "--gender", "kvinna", "--birth-year", "1970" } },
  { 2, "--birth-year must be a whole number", { "case", "add", "--name", "X", "--municipality", "2380",
                                                "--gender", "man", "--birth-year", "nittio" } },
  { 2, "the birth year must be between", { "case", "add", "--name", "X", "--municipality", "2380",
                                           "--gender", "man", "--birth-year", "1850" } },
  { 2, "--requested-on must be a date", { "case", "add", "--name", "X", "--municipality", "2380", "--gender",
                                          "man", "--birth-year", "1970", "--requested-on", "2025-13-01" } },
  { 2, "is in the future", { "case", "add", "--name", "X", "--municipality", "2380", "--gender", "man",
                             "--birth-year", "1970", "--requested-on", "2999-01-01" } },
  { 2, "the client's name is empty", { "case", "add", "--name", " ", "--municipality", "2380", "--gender",
                                       "man", "--birth-year", "1970" } },
  { 2, "Missing argument for --name", { "case", "add", "--name" } },
  { 2, "Unknown option --frob", { "case", "add", "--frob" } },
  { 2, "“case add” takes", { "case", "add", "extra", "--name", "X", "--municipality", "2380", "--gender", "man",
                             "--birth-year", "1970" } },
  { 2, "“case list” takes", { "case", "list", "extra" } },
  { 2, "Unknown option --csv", { "case", "list", "--csv" } },
  { 2, "“case show” takes ID", { "case", "show" } },
  { 2, "--date must be a date", { "case", "start", "%C", "--date", "igår" } },
  { 2, "is not one of the closure_reason codes", { "case", "close", "%C", "--reason", "bored" } },
  { 2, "--reason is required", { "case", "close", "%C" } },
  { 2, "actor codes (see", { "case", "refer", "%C", "--to", "santa" } },
  { 2, "no ombud", { "case", "assign", "%C", "--to", "nobody" } },
  { 2, "handover-consent is yes or no", { "case", "set", "%C", "handover-consent", "maybe" } },
  { 2, "no field", { "case", "set", "%C", "colour", "red" } },
  { 2, "“note add” takes", { "note", "add", "%C" } },
  { 2, "the note is empty", { "note", "add", "%C", "" } },
  { 2, "“note approve” takes", { "note", "approve" } },
  { 2, "is not one of the contact_form codes", { "contact", "add", "%C", "--date", "2026-01-02", "--minutes", "30",
                                       "--form", "telepathy", "--actor", "bank" } },
  { 2, "actor codes (see", { "contact", "add", "%C", "--date", "2026-01-02", "--minutes", "30", "--form",
                                "phone", "--actor", "bank", "--actor", "santa" } },
  { 2, "--minutes must be a whole number", { "contact", "add", "%C", "--date", "2026-01-02", "--minutes", "0",
                                             "--form", "phone", "--actor", "bank" } },
  { 2, "--minutes must be a whole number", { "contact", "add", "%C", "--date", "2026-01-02", "--minutes",
                                             "half an hour", "--form", "phone", "--actor", "bank" } },
  { 2, "--km and --travel-minutes go together", { "contact", "add", "%C", "--date", "2026-01-02", "--minutes",
                                                  "30", "--form", "phone", "--actor", "bank", "--km", "12" } },
  { 2, "--actor is required", { "contact", "add", "%C", "--date", "2026-01-02", "--minutes", "30", "--form",
                                "phone" } },
  { 2, "--date is required", { "contact", "add", "%C", "--minutes", "30", "--form", "phone", "--actor", "bank" } },
  { 2, "is not one of the life_area codes", { "goal", "add", "%C", "--area", "fishing", "Fiska" } },
  { 2, "--area is required", { "goal", "add", "%C", "Fiska" } },
  { 2, "--date must be a date", { "deadline", "add", "%C", "--date", "2026-02-30", "Överklaga" } },
  { 2, "--level is caseworker, local or central", { "deficiency", "add", "--level", "global", "--actor", "bank",
                                                      "Text" } },
  { 2, "actor codes (see", { "deficiency", "add", "--level", "local", "--actor", "santa", "Text" } },
  { 2, "no municipality called", { "deficiency", "add", "--level", "local", "--actor", "bank",
                                   "--municipality", "Narnia", "Text" } },
  { 2, "four digits", { "municipality", "add", "23", "Ragunda" } },
  { 2, "--population must be a whole number", { "municipality", "add", "2303", "Ragunda", "--population",
                                                "många" } },
  { 2, "“municipality list” takes", { "municipality", "list", "all" } },
  { 2, "the name is empty", { "ombud", "add", "" } },
  { 2, "“ombud add” takes NAME", { "ombud", "add", "Eva", "Strand" } },
  { 2, "“ombud list” takes", { "ombud", "list", "%O" } },
  { 2, "“search” takes QUERY", { "search" } },
  { 2, "--limit must be a whole number", { "search", "x", "--limit", "0" } },
  { 2, "“conflicts” takes", { "conflicts", "all" } },
  { 2, "--keep is mine or theirs", { "resolve", "0123456789abcdef", "--keep", "both" } },
  { 2, "--keep is required", { "resolve", "0123456789abcdef" } },
  { 2, "is not a kind of code", { "codes", "colours" } },
  { 2, "--seed must be a whole number", { "demo-data", "--seed", "many" } },
  { 2, "unknown command “case frob”", { "case", "frob" } },
  { 2, "“note” needs one of: add, approve", { "note" } },
  /* not found, or not possible now: a failure, and nothing written either */
  { 1, "no case", { "case", "start", "00000000-0000-4000-8000-00000000dead" } },
  { 1, "no case", { "note", "add", "00000000-0000-4000-8000-00000000dead", "Text" } },
  { 1, "cannot start a case that is active", { "case", "start", "%C" } },
  { 1, "cannot refer a case that is active", { "case", "refer", "%C", "--to", "psychiatry" } },
  { 1, "no note", { "note", "approve", "00000000-0000-4000-8000-00000000beef" } },
  { 1, "no conflict", { "resolve", "0123456789abcdef", "--keep", "mine" } },
};

static void
run_bad_call (Fixture       *f,
              const BadCall *bad,
              const char    *case_id)
{
  const char *words[G_N_ELEMENTS (bad->words) + 1] = { NULL };

  for (guint i = 0; bad->words[i]; i++)
    words[i] = g_str_equal (bad->words[i], "%C") ? case_id
               : g_str_equal (bad->words[i], "%O") ? f->ombud : bad->words[i];
  {
    g_auto(TestCliResult) r = cli_strv (f, words);
    g_autofree char *line = g_strjoinv (" ", (char **) words);

    g_test_message ("ombud-cli %s: exit %d", line, r.status);
    assert_fails (&r, bad->status, bad->message);
  }
}

static void
test_bad_input_writes_nothing (Fixture      *f,
                               gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *c = add_case (f, "Anna", FALSE);
  g_autofree char *before = NULL, *after = NULL;

  make_conflict (f, c, "client_name", g_variant_new_string ("Anna A"), g_variant_new_string ("Anna B"));
  before = snapshot (f);
  g_assert_nonnull (strstr (before, "outbox"));
  for (guint i = 0; i < G_N_ELEMENTS (bad_calls); i++)
    run_bad_call (f, &bad_calls[i], c);
  after = snapshot (f);
  g_assert_cmpstr (after, ==, before);
}

static void
test_wrong_passphrase (Fixture      *f,
                       gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *wrong = g_build_filename (f->root, "wrong", NULL);
  g_auto(TestCliResult) r = { 0 };

  g_assert_true (g_file_set_contents (wrong, "fel lösenord\n", -1, NULL));
  g_ptr_array_add (args, "-p");
  g_ptr_array_add (args, f->profile);
  g_ptr_array_add (args, "case");
  g_ptr_array_add (args, "list");
  r = run_argv (wrong, args);
  assert_fails (&r, 2, "wrong passphrase");
}

/* ---- usage ------------------------------------------------------------------------------------- */

static void
test_help_and_option_order (Fixture      *f,
                            gconstpointer data G_GNUC_UNUSED)
{
  static const char *const every[] = {
    "case add", "case list", "case show", "case start", "case close", "case refer", "case assign",
    "note add", "note approve", "contact add", "goal add", "deadline add", "deficiency add",
    "municipality add", "municipality list", "ombud add", "ombud list", "search", "conflicts",
    "resolve", "codes", "demo-data",
  };
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(TestCliResult) help = { 0 };
  g_auto(TestCliResult) one = cli (f, "contact", "add", "--help", NULL);
  g_autofree char *c = add_case (f, "Anna", FALSE);
  g_autofree char *dash = add_ok (f, "note", "add", c, "--approved", "--", "-5 kr på kontot", NULL);
  g_autoptr(JsonNode) node = NULL;

  g_ptr_array_add (args, "--help");
  help = run_argv ("/dev/null", args);
  assert_ok (&help);
  for (guint i = 0; i < G_N_ELEMENTS (every); i++)
    if (strstr (help.out, every[i]) == NULL)
      g_error ("--help does not mention “%s”", every[i]);
  g_assert_nonnull (strstr (help.out, "Exit status"));
  assert_ok (&one);
  g_assert_true (g_str_has_prefix (one.out, "Usage: ombud-cli --profile DIR contact add CASE_ID"));

  /* a text after "--" may start with a dash */
  g_assert_cmpstr (str (find (json_object_get_array_member (show_case (f, c, &node), "notes"), "id", dash), "body"),
                   ==, "-5 kr på kontot");
}

/* ---- demo-data -------------------------------------------------------------------------------- */

static void
test_demo_data (Fixture      *f,
                gconstpointer data G_GNUC_UNUSED)
{
  static const char *const codes[] = { "2303", "2305", "2309", "2313", "2321", "2326", "2361", "2380" };
  static const char *const names[] = { "Ragunda", "Bräcke", "Krokom", "Strömsund", "Åre", "Berg",
                                       "Härjedalen", "Östersund" };
  static const char *const statuses[] = { "active", "queued", "closed", "referred" };
  g_auto(TestCliResult) first_look = cli (f, "case", "list", NULL);  /* opens the profile: its clock moves */
  g_auto(TestCliResult) demo = cli (f, "demo-data", NULL);
  g_auto(TestCliResult) cases = cli (f, "case", "list", "--json", NULL);
  g_auto(TestCliResult) conflicts = cli (f, "conflicts", "--json", NULL);
  g_auto(TestCliResult) places = cli (f, "municipality", "list", "--json", NULL);
  g_auto(TestCliResult) integrity = cli (f, "integrity", NULL);
  g_autoptr(JsonNode) cn = json_of (&cases), xn = json_of (&conflicts), pn = json_of (&places);
  g_autofree char *before = NULL, *after = NULL;
  guint old_cases = 0;

  assert_ok (&first_look);
  assert_ok (&demo);
  g_assert_nonnull (strstr (demo.out, "8 municipalities, 6 ombuds (1 coordinator)"));
  g_assert_cmpuint (json_array_get_length (as_array (cn)), >=, 100);
  for (guint i = 0; i < json_array_get_length (as_array (cn)); i++)
    {
      JsonObject *c = json_array_get_object_element (as_array (cn), i);

      old_cases += g_strcmp0 (str (c, "requested_on"), "2025-01-01") < 0;
    }
  g_assert_cmpuint (old_cases, >, 20);  /* history, not today */
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    g_assert_nonnull (find (as_array (cn), "status", statuses[i]));
  g_assert_cmpuint (json_array_get_length (as_array (xn)), >=, 3);
  g_assert_cmpuint (json_array_get_length (as_array (pn)), ==, 8);
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    g_assert_cmpstr (str (find (as_array (pn), "code", codes[i]), "name"), ==, names[i]);
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM outbox WHERE hold IS NOT NULL"), >=, 1);
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM contact"), >, 1000);
  assert_ok (&integrity);

  before = snapshot (f);
  {
    g_auto(TestCliResult) again = cli (f, "demo-data", NULL);
    assert_fails (&again, 1, "already has cases");
  }
  after = snapshot (f);
  g_assert_cmpstr (after, ==, before);
}

/* A profile with records of its own (here, two municipalities and an
 * ombud) has a clock that stamped them: it cannot hold the demo's past. */
static void
test_demo_data_needs_new_profile (Fixture      *f,
                                  gconstpointer data G_GNUC_UNUSED)
{
  g_autofree char *before = snapshot (f);
  g_autofree char *after = NULL;
  g_auto(TestCliResult) demo = cli (f, "demo-data", NULL);

  assert_fails (&demo, 1, "demo data goes into a new profile");
  after = snapshot (f);
  g_assert_cmpstr (after, ==, before);
}

/* stats, export, purge and retention: the closing of a case end to end */
static void
test_stats_export_purge (Fixture      *f,
                         gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *year = g_date_time_format (now, "%Y");
  g_autofree char *export_path = g_build_filename (f->root, "export.txt", NULL);
  g_autofree char *id = add_ok (f, "case", "add", "--name", "Märta MARK-EXPORT-4b", "--municipality", "Krokom",
                                "--gender", "woman", "--birth-year", "1971", NULL);
  g_autofree char *note = add_ok (f, "note", "add", id, "Ansökan om bostadstillägg MARK-NOTE-4b", "--approved", NULL);
  g_autofree char *state = NULL;
  g_autoptr(JsonNode) stats = NULL;
  g_autoptr(GBytes) exported = NULL;
  GStatBuf st;

  {
    g_auto(TestCliResult) r = cli (f, "stats", "--year", year, "--json", NULL);
    JsonObject *totals;

    assert_ok (&r);
    stats = json_of (&r);
    totals = json_object_get_object_member (as_object (stats), "totals");
    g_assert_cmpint (num (totals, "new"), ==, 1);
    g_assert_cmpint (num (totals, "unique_clients"), ==, 1);
    g_assert_cmpint (num (totals, "active_dec31"), ==, 1);
  }
  {
    g_auto(TestCliResult) r = cli (f, "stats", "--year", year, NULL);
    assert_ok (&r);
    g_assert_nonnull (strstr (r.out, "Krokom"));
    g_assert_nonnull (strstr (r.out, "totalt"));
  }
  {
    g_auto(TestCliResult) r = cli (f, "export", id, export_path, NULL);
    assert_ok (&r);
    exported = test_read_file (export_path);
    g_assert_true (test_file_contains (export_path, "MARK-EXPORT-4b"));
    g_assert_true (test_file_contains (export_path, "MARK-NOTE-4b"));
    g_assert_cmpint (g_stat (export_path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  /* Irreversible: without --yes nothing happens; an open case is refused. */
  state = snapshot (f);
  {
    g_auto(TestCliResult) no_yes = cli (f, "case", "purge", id, NULL);
    g_auto(TestCliResult) open_case = cli (f, "case", "purge", id, "--yes", NULL);
    g_auto(TestCliResult) bad_year = cli (f, "stats", "--year", "soon", NULL);
    g_auto(TestCliResult) bad_days = cli (f, "retention", "--days", "-3", NULL);
    g_autofree char *after = NULL;

    assert_fails (&no_yes, 2, "--yes");
    assert_fails (&open_case, 1, "cannot");
    assert_fails (&bad_year, 2, "--year");
    assert_fails (&bad_days, 2, "--days");
    after = snapshot (f);
    g_assert_cmpstr (state, ==, after);
  }

  {
    g_auto(TestCliResult) close = cli (f, "case", "close", id, "--reason", "goals_met", NULL);
    g_auto(TestCliResult) s1 = { 0 };
    g_auto(TestCliResult) purge = { 0 };
    g_auto(TestCliResult) s2 = { 0 };
    g_auto(TestCliResult) show = { 0 };
    g_auto(TestCliResult) retention = { 0 };

    assert_ok (&close);
    s1 = cli (f, "stats", "--year", year, "--json", NULL);
    purge = cli (f, "case", "purge", id, "--yes", NULL);
    assert_ok (&purge);
    s2 = cli (f, "stats", "--year", year, "--json", NULL);
    assert_ok (&s2);
    /* the statistics record stays whole */
    g_assert_cmpstr (s1.out, ==, s2.out);
    show = cli (f, "case", "show", id, "--json", NULL);
    assert_ok (&show);
    g_assert_null (strstr (show.out, "MARK-EXPORT-4b"));
    g_assert_null (strstr (show.out, "MARK-NOTE-4b"));
    retention = cli (f, "retention", "--days", "0", NULL);
    assert_ok (&retention);
    g_assert_nonnull (strstr (retention.out, "0 case"));
  }
  (void) note;
}

#define ADD(name, fn, data) g_test_add (name, Fixture, data, fixture_set_up, fn, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  ADD ("/cli-caseload/case-add-list-show", test_case_add_list_show, NULL);
  ADD ("/cli-caseload/case-status-changes", test_case_status_changes, NULL);
  ADD ("/cli-caseload/records", test_records, NULL);
  ADD ("/cli-caseload/draft-note-is-held", test_draft_note_is_held, NULL);
  ADD ("/cli-caseload/team", test_team, NULL);
  ADD ("/cli-caseload/codes", test_codes, NULL);
  ADD ("/cli-caseload/search", test_search, NULL);
  ADD ("/cli-caseload/conflicts-and-resolve", test_conflicts_and_resolve, NULL);
  ADD ("/cli-caseload/bad-input-writes-nothing", test_bad_input_writes_nothing, NULL);
  ADD ("/cli-caseload/wrong-passphrase", test_wrong_passphrase, NULL);
  ADD ("/cli-caseload/help-and-option-order", test_help_and_option_order, NULL);
  ADD ("/cli-caseload/stats-export-purge", test_stats_export_purge, NULL);
  ADD ("/cli-caseload/demo-data", test_demo_data, "new profile");
  ADD ("/cli-caseload/demo-data-needs-new-profile", test_demo_data_needs_new_profile, NULL);

  return g_test_run ();
}
