/* test-sync-e2e.c: laptops and a coordinator converge through ombud-office
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Over real HTTP on loopback: two ombuds (one with two laptops) and a
 * coordinator work offline in random orders and sync at random moments;
 * afterwards every device holds exactly what it should — its ombud's
 * cases with their client tier, the coordinator the office tier of all —
 * and the replicas agree field for field and conflict for conflict.
 */
#include "office-fixture.h"

#include <sqlite3.h>

#include "ombud-cert.h"
#include "ombud-sync-message.h"
#include "ombud-sync-state.h"

typedef struct {
  TestOffice *office;
  TestLaptop *coord;
  TestLaptop *a1, *a2, *b1;
  TestLaptop *all[4];
  GRand      *rand;
  guint       marks;
  GHashTable *creators;   /* case id -> the laptop that made it */
} Team;

static const char *const municipalities[] = { "Östersund", "Krokom", "Åre" };

static char *
ombud_id_of (TestLaptop *laptop)
{
  g_autoptr(OmbudSyncConfig) config = ombud_sync_config_load (laptop->replica->store, NULL);

  g_assert_nonnull (config);
  g_assert_nonnull (config->ombud_id);
  return g_strdup (config->ombud_id);
}

static Team *
team_new (guint32 seed)
{
  Team *t = g_new0 (Team, 1);
  g_autoptr(GError) error = NULL;
  static const char *codes[] = { "2380", "2309", "2321" };

  t->rand = g_rand_new_with_seed (seed);
  t->creators = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  t->office = test_office_new (NULL, NULL);
  t->coord = test_laptop_new (t->office, NULL, "Cecilia Samordnare", TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (municipalities); i++)
    {
      g_autofree char *id = ombud_caseload_add_municipality (t->coord->replica->caseload, codes[i],
                                                             municipalities[i], 10000, &error);
      g_assert_no_error (error);
    }
  t->a1 = test_laptop_new (t->office, NULL, "Anna Ombud", FALSE);
  t->a2 = test_laptop_new (t->office, NULL, "Anna Ombud", FALSE);
  t->b1 = test_laptop_new (t->office, NULL, "Bertil Ombud", FALSE);
  /* Work from before the laptop was confirmed waits for its keys. */
  {
    g_autofree char *early = ombud_caseload_add_deficiency (t->a1->replica->caseload, "local",
                                                            "forsakringskassan", "före-bekräftelse", NULL, &error);
    g_assert_no_error (error);
    test_laptop_sync (t->a1);
    g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM outbox"), ==, 1);
  }
  test_laptop_admit (t->coord, t->a1);
  test_laptop_admit (t->coord, t->a2);
  test_laptop_admit (t->coord, t->b1);
  t->all[0] = t->coord;
  t->all[1] = t->a1;
  t->all[2] = t->a2;
  t->all[3] = t->b1;
  return t;
}

static void
team_free (Team *t)
{
  for (guint i = 0; i < G_N_ELEMENTS (t->all); i++)
    test_laptop_free (t->all[i]);
  test_office_free (t->office);
  g_rand_free (t->rand);
  g_hash_table_unref (t->creators);
  g_free (t);
}

/* A random case of the laptop's own (assigned to its ombud), or NULL. */
static char *
some_case (Team       *t,
           TestLaptop *laptop)
{
  g_autofree char *ids = test_laptop_digest (laptop,
    "SELECT c.id FROM client_case c JOIN case_state s ON s.id = c.id"
    " WHERE c.deleted = 0 AND s.closed_on IS NULL AND c.client_tier_destroyed IS NOT 1"
    " AND c.client_name IS NOT NULL ORDER BY c.id");
  g_auto(GStrv) lines = g_strsplit (ids, "\n", -1);
  guint n = g_strv_length (lines);

  if (n <= 1)
    return NULL;
  return g_strdup (lines[g_rand_int_range (t->rand, 0, (gint32) n - 1)]);
}

static void
do_something (Team       *t,
              TestLaptop *laptop)
{
  OmbudCaseload *caseload = laptop->replica->caseload;
  g_autoptr(GError) error = NULL;
  g_autofree char *case_id = some_case (t, laptop);
  g_autofree char *text = g_strdup_printf ("mark-%u", t->marks++);
  g_autofree char *made = NULL;
  static const char *genders[] = { "woman", "man", "other" };
  guint what = g_rand_int_range (t->rand, 0, 6);

  if (case_id == NULL || what == 0)
    {
      OmbudCaseInput in = { text, municipalities[g_rand_int_range (t->rand, 0, 3)],
                            genders[g_rand_int_range (t->rand, 0, 3)], g_rand_int_range (t->rand, 1940, 2005),
                            FALSE, FALSE, NULL };
      made = ombud_caseload_add_case (caseload, &in, &error);
      if (made)
        g_hash_table_insert (t->creators, g_strdup (made), laptop);
      /* The coordinator takes a case in and gives it to an ombud. */
      if (made && laptop == t->coord)
        {
          g_autofree char *owner = ombud_id_of (g_rand_boolean (t->rand) ? t->a1 : t->b1);
          ombud_caseload_assign_case (caseload, made, owner, &error);
        }
    }
  else if (what == 1)
    made = ombud_caseload_add_note (caseload, case_id, text, TRUE, &error);
  else if (what == 2)
    {
      OmbudContactInput in = { NULL, 45, "home_visit", NULL, 12, 20 };
      made = ombud_caseload_add_contact (caseload, case_id, &in, &error);
    }
  else if (what == 3)
    ombud_caseload_set_field (caseload, "client_case", case_id, "birth_year",
                              g_variant_new_int64 (g_rand_int_range (t->rand, 1940, 2005)), &error);
  else if (what == 4)
    ombud_caseload_set_field (caseload, "client_case", case_id, "client_contact",
                              g_variant_new_string (text), &error);
  else
    ombud_caseload_close_case (caseload, case_id, "goals_met", NULL, &error);
  g_assert_no_error (error);
}

static void
sync_all (Team *t)
{
  for (guint round = 0; round < 3; round++)
    for (guint i = 0; i < G_N_ELEMENTS (t->all); i++)
      test_laptop_sync (t->all[(i + round) % G_N_ELEMENTS (t->all)]);
}

#define OFFICE_TIER "SELECT id, municipality_id, gender, birth_year, assigned_ombud FROM client_case" \
                    " WHERE deleted = 0 AND assigned_ombud = '%s' ORDER BY id"
#define CLIENT_TIER "SELECT id, client_name, client_contact FROM client_case" \
                    " WHERE deleted = 0 AND assigned_ombud = '%s' ORDER BY id"
#define EVENTS      "SELECT e.id, e.kind, e.on_date FROM case_event e JOIN client_case c ON c.id = e.case_id" \
                    " WHERE c.assigned_ombud = '%s' ORDER BY e.id"
#define NOTES       "SELECT n.id, n.body FROM note n JOIN client_case c ON c.id = n.case_id" \
                    " WHERE c.assigned_ombud = '%s' ORDER BY n.id"
#define CONFLICTS   "SELECT f.tbl, f.rec, f.field, f.hlc, f.device FROM conflict f" \
                    " JOIN client_case c ON c.id = f.case_id WHERE c.assigned_ombud = '%s'" \
                    " AND f.field NOT IN ('client_name', 'client_contact', 'body') ORDER BY 1, 2, 3, 4, 5"

static gint64
count_for (TestLaptop *laptop,
           const char *format,
           const char *ombud_id)
{
  g_autofree char *sql = g_strdup_printf (format, ombud_id);

  return test_laptop_count (laptop, sql);
}

static void
assert_converged (Team *t)
{
  g_autofree char *a = ombud_id_of (t->a1);
  g_autofree char *b = ombud_id_of (t->b1);
  g_autofree char *a2 = ombud_id_of (t->a2);

  g_assert_cmpstr (a, ==, a2);
  g_assert_cmpstr (a, !=, b);
  for (guint i = 0; i < G_N_ELEMENTS (t->all); i++)
    {
      g_assert_cmpint (test_laptop_count (t->all[i], "SELECT count(*) FROM outbox WHERE hold IS NULL"), ==, 0);
      g_assert_cmpint (test_laptop_count (t->all[i], "SELECT count(*) FROM sync_held"), ==, 0);
      test_laptops_assert_same (t->all[i], t->coord, "SELECT id, name, code%s FROM municipality ORDER BY id", "");
      test_laptops_assert_same (t->all[i], t->coord, "SELECT id, name, role%s FROM ombud ORDER BY id", "");
      g_assert_cmpint (test_laptop_count (t->all[i], "SELECT count(*) FROM deficiency"
                                                     " WHERE description = 'före-bekräftelse'"), ==, 1);
    }
  /* Anna's two laptops hold the same cases, client tier and all. */
  g_assert_cmpint (count_for (t->a1, "SELECT count(*) FROM client_case WHERE assigned_ombud = '%s'", a), >, 0);
  test_laptops_assert_same (t->a1, t->a2, OFFICE_TIER, a);
  test_laptops_assert_same (t->a1, t->a2, CLIENT_TIER, a);
  test_laptops_assert_same (t->a1, t->a2, NOTES, a);
  test_laptops_assert_same (t->a1, t->a2, EVENTS, a);
  test_laptops_assert_same (t->a1, t->a2, CONFLICTS, a);
  /* Each ombud's laptops hold nothing of the other's cases. */
  g_assert_cmpint (count_for (t->b1, "SELECT count(*) FROM client_case WHERE assigned_ombud = '%s'", a), ==, 0);
  g_assert_cmpint (count_for (t->a1, "SELECT count(*) FROM client_case WHERE assigned_ombud = '%s'", b), ==, 0);
  g_assert_cmpint (count_for (t->a2, "SELECT count(*) FROM client_case WHERE assigned_ombud = '%s'", b), ==, 0);
  g_assert_cmpint (count_for (t->b1, "SELECT count(*) FROM note n JOIN client_case c ON c.id = n.case_id"
                                     " WHERE c.assigned_ombud = '%s'", a), ==, 0);
  /* The coordinator: the office tier of every case, equal to the owners'. */
  test_laptops_assert_same (t->coord, t->a1, OFFICE_TIER, a);
  test_laptops_assert_same (t->coord, t->b1, OFFICE_TIER, b);
  test_laptops_assert_same (t->coord, t->a1, EVENTS, a);
  test_laptops_assert_same (t->coord, t->b1, EVENTS, b);
  test_laptops_assert_same (t->coord, t->a1, CONFLICTS, a);
  test_laptops_assert_same (t->coord, t->b1, CONFLICTS, b);
  /* … and none of the client tier of the cases an ombud made; those it
   * took in itself it made the key of, and their owners got it. */
  {
    GHashTableIter iter;
    gpointer id, creator;

    g_hash_table_iter_init (&iter, t->creators);
    while (g_hash_table_iter_next (&iter, &id, &creator))
      {
        g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM client_case WHERE id = '%s'"
                                                " AND (client_name IS NOT NULL OR client_contact IS NOT NULL)",
                                                (char *) id);
        g_autofree char *notes = g_strdup_printf ("SELECT count(*) FROM note WHERE case_id = '%s'"
                                                  " AND body IS NOT NULL", (char *) id);
        gboolean by_coord = creator == (gpointer) t->coord;

        g_assert_cmpint (test_laptop_count (t->coord, sql), ==, by_coord ? 1 : 0);
        if (!by_coord)
          g_assert_cmpint (test_laptop_count (t->coord, notes), ==, 0);
      }
  }
}

static void
test_team_converges (void)
{
  for (guint32 seed = 1; seed <= 3; seed++)
    {
      Team *t = team_new (seed);

      for (guint step = 0; step < 60; step++)
        {
          TestLaptop *laptop = t->all[g_rand_int_range (t->rand, 0, G_N_ELEMENTS (t->all))];

          do_something (t, laptop);
          if (g_rand_double (t->rand) < 0.25)
            test_laptop_sync (laptop);
        }
      sync_all (t);
      assert_converged (t);
      team_free (t);
    }
}

static gint64
client_names (TestLaptop *laptop,
              const char *case_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM client_case WHERE id = '%s'"
                                          " AND client_name IS NOT NULL", case_id);

  return test_laptop_count (laptop, sql);
}

/* The organisation's policy: coordinators read the client tier only once a
 * coordinator turns it on; an ombud's laptop cannot turn it on for them. */
static void
test_coordinators_read_client (void)
{
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autoptr(TestLaptop) coord = test_laptop_new (office, NULL, "Cecilia Samordnare", TRUE);
  g_autoptr(TestLaptop) a1 = test_laptop_new (office, NULL, "Anna Ombud", FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *m = ombud_caseload_add_municipality (coord->replica->caseload, "2380", "Östersund", 1, &error);
  OmbudCaseInput in = { "Klient Policy", "Östersund", "man", 1966, FALSE, FALSE, NULL };
  g_autofree char *case_id = NULL;

  g_assert_no_error (error);
  test_laptop_admit (coord, a1);
  g_assert_true (ombud_caseload_set_client_access (a1->replica->caseload, TRUE, &error));
  g_assert_no_error (error);
  case_id = ombud_caseload_add_case (a1->replica->caseload, &in, &error);
  g_assert_no_error (error);
  test_laptop_sync (a1);
  test_laptop_sync (coord);
  test_laptop_sync (a1);
  test_laptop_sync (coord);
  g_assert_cmpint (client_names (coord, case_id), ==, 0);

  g_assert_true (ombud_caseload_set_client_access (coord->replica->caseload, TRUE, &error));
  g_assert_no_error (error);
  test_laptop_sync (coord);
  test_laptop_sync (a1);
  test_laptop_sync (coord);
  g_assert_cmpint (client_names (coord, case_id), ==, 1);
  g_assert_cmpint (test_laptop_count (coord, "SELECT count(*) FROM sync_held"), ==, 0);
}

/* An office that lists a "coordinator" of its own making, certifying the
 * real ones, gains no one's trust: the first coordinator trusts no one on
 * first use, and a later device only the coordinator that confirmed it. */
static void
test_office_cannot_plant_a_coordinator (void)
{
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autoptr(TestLaptop) coord = test_laptop_new (office, NULL, "Cecilia Samordnare", TRUE);
  g_autoptr(TestLaptop) a1 = test_laptop_new (office, NULL, "Anna Ombud", FALSE);
  g_autoptr(OmbudIdentity) planted = ombud_identity_generate ();
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
  g_autoptr(GError) error = NULL;
  OmbudOfficeDevice device = { .device_id = ombud_identity_get_device_id (planted), .person = (char *) "Mallory",
                               .name = (char *) "office", .role = OMBUD_OFFICE_ROLE_COORDINATOR,
                               .state = OMBUD_OFFICE_DEVICE_CONFIRMED, .ombud_id = (char *) "" };
  TestLaptop *victims[] = { coord, a1 };

  test_laptop_admit (coord, a1);
  memcpy (device.sign_pk, ombud_identity_get_sign_pk (planted), 32);
  memcpy (device.box_pk, ombud_identity_get_box_pk (planted), 32);
  g_assert_true (ombud_office_backend_add_device (backend, &device, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (victims); i++)
    {
      guint64 victim = test_laptop_device_id (victims[i]);
      OmbudCert cert = { .role = i == 0 ? OMBUD_DEVICE_ROLE_COORDINATOR : OMBUD_DEVICE_ROLE_OMBUD };
      g_autoptr(GBytes) bytes = NULL;

      memcpy (cert.sign_pk, ombud_identity_get_sign_pk (ombud_keyring_get_identity (
                ombud_caseload_get_keyring (victims[i]->replica->caseload))), 32);
      memcpy (cert.box_pk, ombud_identity_get_box_pk (ombud_keyring_get_identity (
                ombud_caseload_get_keyring (victims[i]->replica->caseload))), 32);
      memset (cert.ombud_id, 0x77, 16);
      bytes = ombud_cert_make (&cert, planted);
      g_assert_true (ombud_office_backend_add_cert (backend, victim, device.device_id, bytes, &error));
      g_assert_no_error (error);
    }
  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < G_N_ELEMENTS (victims); i++)
      test_laptop_sync (victims[i]);
  for (guint i = 0; i < G_N_ELEMENTS (victims); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM known_device WHERE device_id = %" G_GINT64_FORMAT
                                              " AND trusted = 1", (gint64) device.device_id);
      g_assert_cmpint (test_laptop_count (victims[i], sql), ==, 0);
    }
  /* … and the real coordinator did not vouch for it either. */
  {
    g_autoptr(GPtrArray) certs = ombud_office_backend_list_certs (backend, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < certs->len; i++)
      {
        OmbudCert parsed;
        g_assert_true (ombud_cert_parse (certs->pdata[i], &parsed, NULL));
        if (parsed.subject == device.device_id)
          g_assert_cmpuint (parsed.certifier, ==, device.device_id);
      }
  }
}

typedef struct {
  GMainLoop *loop;
  GThread   *main_thread;
  guint      progress_calls;
  guint      last_sent;
  guint      status_changes;
  gboolean   all_in_main_thread;
  gboolean   ok;
} AsyncWatch;

static void
on_progress (OmbudSyncEngine *engine,
             guint            sent,
             guint            received,
             AsyncWatch      *w)
{
  (void) engine;
  (void) received;
  w->progress_calls++;
  w->last_sent = sent;
  w->all_in_main_thread &= g_thread_self () == w->main_thread;
}

static void
on_status (GObject    *engine,
           GParamSpec *pspec,
           AsyncWatch *w)
{
  (void) engine;
  (void) pspec;
  w->status_changes++;
  w->all_in_main_thread &= g_thread_self () == w->main_thread;
}

static void
on_synced (GObject      *engine,
           GAsyncResult *result,
           gpointer      data)
{
  AsyncWatch *w = data;
  g_autoptr(GError) error = NULL;

  w->ok = ombud_sync_engine_sync_finish (OMBUD_SYNC_ENGINE (engine), result, &error);
  g_assert_no_error (error);
  g_main_loop_quit (w->loop);
}

/* The window's way: the sync runs in a worker thread while the main loop
 * turns, and every report arrives in the main thread. */
static void
test_async_reports_progress (void)
{
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autoptr(TestLaptop) coord = test_laptop_new (office, NULL, "Cecilia Samordnare", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  AsyncWatch w = { .loop = loop, .main_thread = g_thread_self (), .all_in_main_thread = TRUE };
  OmbudSyncEngine *engine = coord->engine;

  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *code = g_strdup_printf ("%04u", 1000 + i);
      g_autofree char *id = ombud_caseload_add_municipality (coord->replica->caseload, code, code, 1, &error);
      g_assert_no_error (error);
    }
  ombud_sync_engine_set_budget (engine, 16 * 1024);
  g_signal_connect (engine, "progress", G_CALLBACK (on_progress), &w);
  g_signal_connect (engine, "notify::status", G_CALLBACK (on_status), &w);
  ombud_sync_engine_sync_async (engine, NULL, on_synced, &w);
  g_assert_cmpint (ombud_sync_engine_get_status (engine), ==, OMBUD_SYNC_STATUS_SYNCING);
  g_main_loop_run (loop);
  g_assert_true (w.ok);
  g_assert_true (w.all_in_main_thread);
  g_assert_cmpuint (w.progress_calls, >=, 1);
  /* The municipalities and the coordinator's ombud record, joined into as
   * few changesets as the outbox makes of them. */
  g_assert_cmpuint (w.last_sent, >=, 1);
  g_assert_cmpuint (w.last_sent, ==, ombud_sync_engine_get_stats (engine)->pushed);
  g_assert_cmpuint (w.status_changes, >=, 2);
  g_assert_cmpint (ombud_sync_engine_get_status (engine), ==, OMBUD_SYNC_STATUS_IDLE);
  g_assert_cmpuint (ombud_sync_engine_get_changes_waiting (engine), ==, 0);
  g_assert_cmpint (ombud_sync_engine_get_last_success (engine), >, 0);
  g_assert_cmpint (ABS (ombud_sync_engine_get_clock_offset (engine)), <, 60 * 1000);
}

static guint
post_enrol (TestOffice    *office,
            const char    *code,
            OmbudIdentity *identity)
{
  g_autoptr(OmbudEnrolRequest) req = ombud_enrol_request_new ();
  g_autoptr(OmbudHttp) http = ombud_http_new (NULL);
  g_autofree char *url = g_strconcat (office->url, "/v1/enrol", NULL);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(OmbudHttpResponse) r = NULL;
  g_autoptr(GError) error = NULL;

  req->code = g_strdup (code);
  memcpy (req->sign_pk, ombud_identity_get_sign_pk (identity), 32);
  memcpy (req->box_pk, ombud_identity_get_box_pk (identity), 32);
  req->name = g_strdup ("laptop");
  body = ombud_enrol_request_encode (req);
  r = ombud_http_post (http, url, body, NULL, &error);
  g_assert_no_error (error);
  return r->status;
}

/* An answer to an enrolment lost on the way: the same laptop may ask again
 * with the same code; another may not use it. */
static void
test_enrol_retry (void)
{
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autofree char *code = test_office_invite (office, "Anna Ombud", FALSE);
  g_autoptr(OmbudIdentity) laptop = ombud_identity_generate ();
  g_autoptr(OmbudIdentity) other = ombud_identity_generate ();

  g_assert_cmpuint (post_enrol (office, code, laptop), ==, 200);
  g_assert_cmpuint (post_enrol (office, code, laptop), ==, 200);
  g_assert_cmpuint (post_enrol (office, code, other), ==, 403);
  {
    g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) devices = ombud_office_backend_list_devices (backend, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (devices->len, ==, 1);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/e2e/team-converges", test_team_converges);
  g_test_add_func ("/sync/e2e/coordinators-read-client", test_coordinators_read_client);
  g_test_add_func ("/sync/e2e/office-cannot-plant-a-coordinator", test_office_cannot_plant_a_coordinator);
  g_test_add_func ("/sync/e2e/async-reports-progress", test_async_reports_progress);
  g_test_add_func ("/sync/e2e/enrol-retry", test_enrol_retry);
  return g_test_run ();
}
