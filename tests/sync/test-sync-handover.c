/* test-sync-handover.c: a case reassigned from one ombud to another
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Over real HTTP on loopback (sync/PROTOCOL.md §9): a coordinator gives
 * Anna's case to Bertil while Bertil's laptop is offline and Anna's, also
 * offline, keeps editing the case in both tiers.  Then they sync in the
 * order coordinator, Anna, Bertil.  Afterwards Anna's laptop holds nothing
 * of the case — not a row, not a version, not the key, not a byte of the
 * client's text in its decrypted pages — while her other case is whole;
 * Bertil's holds the office tier always and the client tier exactly when
 * the client agreed; every edit Anna made is at the office and on
 * Bertil's laptop as far as consent allows; and the coordinator's view
 * equals Bertil's.
 */
#include "office-fixture.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "ombud-key-bundle.h"
#include "ombud-keyring.h"
#include "ombud-office-handover.h"
#include "ombud-secret.h"
#include "ombud-sync-keybundle.h"

static char *plain_dir;

typedef struct {
  TestOffice *office;
  TestLaptop *coord, *anna, *bertil;
  char       *x;            /* the case that changes hands */
  char       *y;            /* Anna's other case, which stays */
  GPtrArray  *markers_x;    /* client-tier text of x */
  GPtrArray  *markers_y;
  guint8      key_x[32];    /* x's case key, as Anna held it */
} Scene;

/* "Zq" and 14 random lowercase letters: found in clear only where the
 * client's text is. */
static char *
marker_new (GPtrArray *markers)
{
  char text[17] = "Zq";

  for (int i = 2; i < 16; i++)
    text[i] = (char) ('a' + g_test_rand_int_range (0, 26));
  text[16] = '\0';
  g_ptr_array_add (markers, g_strdup (text));
  return g_strdup (text);
}

/* A copy of every page of the live database, decrypted, free pages too. */
static GBytes *
decrypted_pages (TestLaptop *laptop)
{
  static guint serial;
  g_autofree char *name = g_strdup_printf ("plain-%u.db", serial++);
  g_autofree char *path = g_build_filename (plain_dir, name, NULL);
  gint64 pages = test_laptop_count (laptop, "PRAGMA page_count");
  sqlite3 *plain = NULL;
  sqlite3_backup *backup;
  GBytes *bytes;

  g_assert_cmpint (sqlite3_open (path, &plain), ==, SQLITE_OK);
  backup = sqlite3_backup_init (plain, "main", ombud_store_get_db (laptop->replica->store), "main");
  g_assert_nonnull (backup);
  g_assert_cmpint (sqlite3_backup_step (backup, -1), ==, SQLITE_DONE);
  g_assert_cmpint (sqlite3_backup_finish (backup), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (plain), ==, SQLITE_OK);
  bytes = test_read_file (path);
  g_unlink (path);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, (gsize) pages * 4096);
  return bytes;
}

static gboolean
bytes_contain (GBytes       *bytes,
               gconstpointer needle,
               gsize         len)
{
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  return memmem (data, size, needle, len) != NULL;
}

static gint64
count_x (TestLaptop *laptop,
         const char *format,
         const char *case_id)
{
  g_autofree char *sql = g_strdup_printf (format, case_id);

  return test_laptop_count (laptop, sql);
}

static char *
digest_x (TestLaptop *laptop,
          const char *format,
          const char *case_id)
{
  g_autofree char *sql = g_strdup_printf (format, case_id);

  return test_laptop_digest (laptop, sql);
}

static void
must (gboolean  ok,
      GError   *error)
{
  g_assert_no_error (error);
  g_assert_true (ok);
}

static char *
add_case (TestLaptop *laptop,
          GPtrArray  *markers)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = marker_new (markers);
  g_autofree char *contact = marker_new (markers);
  g_autofree char *note = marker_new (markers);
  g_autofree char *note_id = NULL;
  OmbudCaseInput in = { name, "Östersund", "woman", 1971, TRUE, FALSE, NULL };
  OmbudContactInput meeting = { NULL, 50, "home_visit", NULL, 14, 25 };
  g_autofree char *id = ombud_caseload_add_case (laptop->replica->caseload, &in, &error);
  g_autofree char *contact_id = NULL;

  g_assert_no_error (error);
  must (ombud_caseload_set_field (laptop->replica->caseload, "client_case", id, "client_contact",
                                  g_variant_new_string (contact), &error), error);
  note_id = ombud_caseload_add_note (laptop->replica->caseload, id, note, TRUE, &error);
  g_assert_no_error (error);
  contact_id = ombud_caseload_add_contact (laptop->replica->caseload, id, &meeting, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&id);
}

/* Whether the ombud's key bundle at the office holds an entry for the case. */
static gboolean
bundle_has (Scene      *s,
            TestLaptop *laptop,
            const char *case_id)
{
  g_autoptr(GPtrArray) entries = test_office_bundle_entries (s->office, laptop, case_id);

  return entries->len > 0;
}

static Scene *
scene_new (void)
{
  Scene *s = g_new0 (Scene, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *m = NULL;

  s->markers_x = g_ptr_array_new_with_free_func (g_free);
  s->markers_y = g_ptr_array_new_with_free_func (g_free);
  s->office = test_office_new (NULL, NULL);
  s->coord = test_laptop_new (s->office, NULL, "Cecilia Samordnare", TRUE);
  m = ombud_caseload_add_municipality (s->coord->replica->caseload, "2380", "Östersund", 61000, &error);
  g_assert_no_error (error);
  s->anna = test_laptop_new (s->office, NULL, "Anna Ombud", FALSE);
  s->bertil = test_laptop_new (s->office, NULL, "Bertil Ombud", FALSE);
  test_laptop_admit (s->coord, s->anna);
  test_laptop_admit (s->coord, s->bertil);
  /* Both keep key bundles at the office (PROTOCOL.md §10.1). */
  must (ombud_sync_key_bundle_set_passphrase (s->anna->replica->caseload, "Annas reservnyckel 1", 20,
                                              OMBUD_BUNDLE_MIN_OPSLIMIT, OMBUD_BUNDLE_MIN_MEMLIMIT, &error), error);
  must (ombud_sync_key_bundle_set_passphrase (s->bertil->replica->caseload, "Bertils reservnyckel", 20,
                                              OMBUD_BUNDLE_MIN_OPSLIMIT, OMBUD_BUNDLE_MIN_MEMLIMIT, &error), error);
  test_laptop_sync (s->bertil);
  test_laptop_sync (s->anna);   /* Anna's laptop learns of Bertil's */
  s->x = add_case (s->anna, s->markers_x);
  s->y = add_case (s->anna, s->markers_y);
  {
    g_autoptr(OmbudSecret) key = ombud_keyring_lookup_case (ombud_caseload_get_keyring (s->anna->replica->caseload),
                                                           s->x, &error);
    g_assert_no_error (error);
    memcpy (s->key_x, ombud_secret_get_data (key), 32);
  }
  test_laptop_sync (s->anna);
  test_laptop_sync (s->anna);   /* the bundle's entries follow the keys */
  g_assert_true (bundle_has (s, s->anna, s->x));
  test_laptop_sync (s->coord);
  /* Bertil's cursor passes the case's history while it is not his. */
  test_laptop_sync (s->bertil);
  g_assert_cmpint (count_x (s->bertil, "SELECT count(*) FROM client_case WHERE id = '%s'", s->x), ==, 0);
  return s;
}

static void
scene_free (Scene *s)
{
  test_laptop_free (s->coord);
  test_laptop_free (s->anna);
  test_laptop_free (s->bertil);
  test_office_free (s->office);
  g_ptr_array_unref (s->markers_x);
  g_ptr_array_unref (s->markers_y);
  g_free (s->x);
  g_free (s->y);
  g_free (s);
}

#define OFFICE_TIER "SELECT id, municipality_id, gender, birth_year, has_minor_children, deleted" \
                    " FROM client_case WHERE id = '%s'"
#define ASSIGNMENT  "SELECT assigned_ombud, handover_consent FROM client_case WHERE id = '%s'"
#define CLIENT_TIER "SELECT client_name, client_contact FROM client_case WHERE id = '%s'"
#define EVENTS      "SELECT id, kind, on_date, reason FROM case_event WHERE case_id = '%s' ORDER BY id"
#define CONTACTS    "SELECT id, on_date, minutes, form, km, travel_minutes FROM contact" \
                    " WHERE case_id = '%s' ORDER BY id"
#define NOTES       "SELECT id, body, approved FROM note WHERE case_id = '%s' ORDER BY id"
#define NOTE_ROWS   "SELECT id, approved, written_on FROM note WHERE case_id = '%s' ORDER BY id"

/* Every record of the case on the laptop, in every table that has them. */
static GPtrArray *
records_of (TestLaptop *laptop,
            const char *case_id)
{
  static const char *const tables[] = { "case_event", "goal", "contact", "note", "deadline", "attachment" };
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (ids, g_strdup (case_id));
  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT id FROM %s WHERE case_id = '%s' ORDER BY id", tables[t], case_id);
      g_autofree char *rows = test_laptop_digest (laptop, sql);
      g_auto(GStrv) lines = g_strsplit (rows, "\n", -1);

      for (guint i = 0; lines[i] && *lines[i]; i++)
        g_ptr_array_add (ids, g_strdup (lines[i]));
    }
  return ids;
}

/* Not a row, version, base, conflict, search entry, outbox entry, held
 * changeset or key of the case; not a byte of its client text or key in
 * the decrypted pages. */
static void
assert_nothing_of (TestLaptop *laptop,
                   Scene      *s,
                   GPtrArray  *records)
{
  static const char *const by_case[] = {
    "SELECT count(*) FROM client_case WHERE id = '%s'",
    "SELECT count(*) FROM case_event WHERE case_id = '%s'",
    "SELECT count(*) FROM contact WHERE case_id = '%s'",
    "SELECT count(*) FROM note WHERE case_id = '%s'",
    "SELECT count(*) FROM conflict WHERE case_id = '%s'",
    "SELECT count(*) FROM outbox WHERE case_id = '%s'",
    "SELECT count(*) FROM search WHERE case_id = '%s'",
    "SELECT count(*) FROM sync_key WHERE kind = 2 AND lower(hex(subject)) = replace('%s', '-', '')",
    "SELECT count(*) FROM sync_granted WHERE kind = 2 AND lower(hex(subject)) = replace('%s', '-', '')",
  };
  static const char *const by_record[] = {
    "SELECT count(*) FROM version WHERE rec = '%s'",
    "SELECT count(*) FROM version_base WHERE rec = '%s'",
    "SELECT count(*) FROM conflict WHERE rec = '%s'",
    "SELECT count(*) FROM search_doc WHERE rec = '%s'",
  };
  g_autoptr(GBytes) pages = decrypted_pages (laptop);

  for (guint i = 0; i < G_N_ELEMENTS (by_case); i++)
    g_assert_cmpint (count_x (laptop, by_case[i], s->x), ==, 0);
  g_assert_cmpuint (records->len, >=, 5);
  for (guint r = 0; r < records->len; r++)
    for (guint i = 0; i < G_N_ELEMENTS (by_record); i++)
      g_assert_cmpint (count_x (laptop, by_record[i], records->pdata[r]), ==, 0);
  g_assert_cmpint (test_laptop_count (laptop, "SELECT count(*) FROM sync_held"), ==, 0);
  for (guint i = 0; i < s->markers_x->len; i++)
    g_assert_false (bytes_contain (pages, s->markers_x->pdata[i], strlen (s->markers_x->pdata[i])));
  g_assert_false (bytes_contain (pages, s->key_x, sizeof s->key_x));
  /* The scan sees what is there: the other case's text is. */
  for (guint i = 0; i < s->markers_y->len; i++)
    g_assert_true (bytes_contain (pages, s->markers_y->pdata[i], strlen (s->markers_y->pdata[i])));
}

/* What Anna's laptop holds of the case just before it syncs: every edit,
 * both tiers.  Taken from it, compared with where they should end up. */
typedef struct {
  char *office, *events, *contacts, *note_rows, *client, *notes;
} Truth;

static void
truth_clear (Truth *t)
{
  g_free (t->office);
  g_free (t->events);
  g_free (t->contacts);
  g_free (t->note_rows);
  g_free (t->client);
  g_free (t->notes);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Truth, truth_clear)

static void
truth_take (Truth      *t,
            TestLaptop *laptop,
            const char *case_id)
{
  t->office = digest_x (laptop, OFFICE_TIER, case_id);
  t->events = digest_x (laptop, EVENTS, case_id);
  t->contacts = digest_x (laptop, CONTACTS, case_id);
  t->note_rows = digest_x (laptop, NOTE_ROWS, case_id);
  t->client = digest_x (laptop, CLIENT_TIER, case_id);
  t->notes = digest_x (laptop, NOTES, case_id);
}

static void
assert_office_tier (TestLaptop  *laptop,
                    const Truth *t,
                    const char  *case_id)
{
  g_autofree char *office = digest_x (laptop, OFFICE_TIER, case_id);
  g_autofree char *events = digest_x (laptop, EVENTS, case_id);
  g_autofree char *contacts = digest_x (laptop, CONTACTS, case_id);
  g_autofree char *note_rows = digest_x (laptop, NOTE_ROWS, case_id);

  g_assert_cmpstr (office, ==, t->office);
  g_assert_cmpstr (events, ==, t->events);
  g_assert_cmpstr (contacts, ==, t->contacts);
  g_assert_cmpstr (note_rows, ==, t->note_rows);
}

static gint64
resyncs (TestLaptop *laptop)
{
  g_autofree char *n = ombud_store_get (laptop->replica->store, "sync.resyncs", NULL);

  return n == NULL ? 0 : g_ascii_strtoll (n, NULL, 10);
}

static void
reassign (gboolean consent,
          gboolean back_again)
{
  Scene *s = scene_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *bertil_id = test_laptop_ombud_id (s->bertil);
  g_autofree char *anna_id = test_laptop_ombud_id (s->anna);
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *late_note = marker_new (s->markers_x);
  g_autofree char *late_contact = marker_new (s->markers_x);
  g_autofree char *late_y = marker_new (s->markers_y);
  g_autofree char *note_id = NULL, *contact_id = NULL, *y_note = NULL;
  g_auto(Truth) truth = { 0 };
  OmbudContactInput call = { NULL, 77, "phone", NULL, 0, 0 };

  /* The client's word, recorded by the ombud (yes) or by the coordinator
   * (no); either way before the reassignment. */
  if (consent)
    {
      must (ombud_caseload_set_field (s->anna->replica->caseload, "client_case", s->x, "handover_consent",
                                      g_variant_new_int64 (1), &error), error);
      test_laptop_sync (s->anna);
      test_laptop_sync (s->coord);
    }
  else
    must (ombud_caseload_set_field (s->coord->replica->caseload, "client_case", s->x, "handover_consent",
                                    g_variant_new_int64 (0), &error), error);
  must (ombud_caseload_assign_case (s->coord->replica->caseload, s->x, bertil_id, &error), error);
  test_laptop_sync (s->coord);

  /* Anna, offline, has not heard: she goes on in both tiers. */
  note_id = ombud_caseload_add_note (s->anna->replica->caseload, s->x, late_note, TRUE, &error);
  g_assert_no_error (error);
  contact_id = ombud_caseload_add_contact (s->anna->replica->caseload, s->x, &call, &error);
  g_assert_no_error (error);
  must (ombud_caseload_set_field (s->anna->replica->caseload, "client_case", s->x, "client_contact",
                                  g_variant_new_string (late_contact), &error), error);
  must (ombud_caseload_set_field (s->anna->replica->caseload, "client_case", s->x, "birth_year",
                                  g_variant_new_int64 (1950), &error), error);
  y_note = ombud_caseload_add_note (s->anna->replica->caseload, s->y, late_y, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (test_laptop_count (s->anna, "SELECT count(*) FROM outbox"), >, 0);
  truth_take (&truth, s->anna, s->x);
  records = records_of (s->anna, s->x);

  test_laptop_sync (s->coord);
  test_laptop_sync (s->anna);
  test_laptop_sync (s->bertil);

  /* Anna's laptop: nothing of x, all of y, nothing unsent. */
  assert_nothing_of (s->anna, s, records);
  g_assert_cmpint (test_laptop_count (s->anna, "SELECT count(*) FROM outbox"), ==, 0);
  g_assert_cmpint (count_x (s->anna, "SELECT count(*) FROM note WHERE case_id = '%s'", s->y), ==, 2);
  g_assert_cmpint (count_x (s->anna, "SELECT count(*) FROM client_case WHERE id = '%s' AND client_name IS NOT NULL",
                            s->y), ==, 1);

  /* Bertil's: the office tier, Anna's late edits in it included. */
  assert_office_tier (s->bertil, &truth, s->x);
  g_assert_cmpint (count_x (s->bertil, "SELECT count(*) FROM contact WHERE minutes = 77 AND case_id = '%s'", s->x), ==, 1);
  g_assert_cmpint (count_x (s->bertil, "SELECT birth_year FROM client_case WHERE id = '%s'", s->x), ==, 1950);
  {
    g_autofree char *assignment = digest_x (s->bertil, ASSIGNMENT, s->x);
    g_autofree char *expected = g_strdup_printf ("%s|%d\n", bertil_id, consent ? 1 : 0);
    g_assert_cmpstr (assignment, ==, expected);
  }
  g_assert_cmpint (test_laptop_count (s->bertil, "SELECT count(*) FROM sync_held"), ==, 0);
  /* … and the client tier exactly when the client agreed. */
  {
    g_autofree char *client = digest_x (s->bertil, CLIENT_TIER, s->x);
    g_autofree char *notes = digest_x (s->bertil, NOTES, s->x);
    g_autoptr(GBytes) pages = decrypted_pages (s->bertil);
    gint64 keys = count_x (s->bertil, "SELECT count(*) FROM sync_key WHERE kind = 2"
                                      " AND lower(hex(subject)) = replace('%s', '-', '')", s->x);

    if (consent)
      {
        g_assert_cmpstr (client, ==, truth.client);
        g_assert_cmpstr (notes, ==, truth.notes);
        g_assert_cmpint (keys, ==, 1);
      }
    else
      {
        g_assert_cmpstr (client, ==, "∅|∅\n");
        g_assert_cmpint (count_x (s->bertil, "SELECT count(*) FROM note WHERE case_id = '%s'"
                                             " AND body IS NOT NULL", s->x), ==, 0);
        g_assert_cmpint (count_x (s->bertil, "SELECT count(*) FROM version v JOIN note n ON n.id = v.rec"
                                             " WHERE n.case_id = '%s' AND v.field = 'body'", s->x), ==, 0);
        g_assert_cmpint (keys, ==, 0);
        for (guint i = 0; i < s->markers_x->len; i++)
          g_assert_false (bytes_contain (pages, s->markers_x->pdata[i], strlen (s->markers_x->pdata[i])));
        g_assert_false (bytes_contain (pages, s->key_x, sizeof s->key_x));
      }
    /* Never Anna's other case. */
    g_assert_cmpint (count_x (s->bertil, "SELECT count(*) FROM client_case WHERE id = '%s'", s->y), ==, 0);
  }

  /* The coordinator's view, once it has synced again, is Bertil's. */
  test_laptop_sync (s->coord);
  assert_office_tier (s->coord, &truth, s->x);
  test_laptops_assert_same (s->coord, s->bertil, ASSIGNMENT, s->x);

  /* The office: the case is Bertil's, and Anna's laptop has handed it over
   * (its pushes to it are no longer taken). */
  {
    g_autoptr(OmbudOfficeBackend) backend = test_office_backend (s->office);
    OmbudOfficeDevice anna_device = { .device_id = test_laptop_device_id (s->anna), .ombud_id = anna_id,
                                      .role = OMBUD_OFFICE_ROLE_OMBUD };
    guint8 raw[16];
    g_autofree char *route = NULL;
    gboolean allowed = TRUE;

    g_assert_true (ombud_uuid_parse (s->x, raw));
    route = ombud_office_backend_get_route (backend, raw, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (route, ==, bertil_id);
    must (ombud_office_former_owner_may_push (backend, &anna_device, raw, &allowed, &error), error);
    g_assert_false (allowed);
  }

  /* Another round changes nothing: nothing comes back to Anna. */
  test_laptop_sync (s->coord);
  test_laptop_sync (s->anna);
  test_laptop_sync (s->bertil);
  assert_nothing_of (s->anna, s, records);
  assert_office_tier (s->bertil, &truth, s->x);
  assert_office_tier (s->coord, &truth, s->x);
  /* A case that changed hands is not divergence (PROTOCOL.md §10.2): what
   * each laptop wrote and the office took is what the office says it is,
   * however the case's changesets reached each, so none of them pulls
   * everything again, now or later. */
  for (int i = 0; i < 3; i++)
    {
      test_laptop_sync (s->anna);
      test_laptop_sync (s->bertil);
      test_laptop_sync (s->coord);
    }
  assert_nothing_of (s->anna, s, records);
  assert_office_tier (s->bertil, &truth, s->x);
  /* The key bundles follow the case: out of Anna's, into Bertil's exactly
   * when his laptop holds the key; Anna's other case stays in hers. */
  g_assert_false (bundle_has (s, s->anna, s->x));
  g_assert_true (bundle_has (s, s->anna, s->y));
  g_assert_true (bundle_has (s, s->bertil, s->x) == consent);
  g_assert_cmpint (resyncs (s->anna), ==, 0);
  g_assert_cmpint (resyncs (s->bertil), ==, 0);
  g_assert_cmpint (resyncs (s->coord), ==, 0);

  /* Without consent Bertil still writes his own notes on the case: his
   * laptop seals them under a key of its own (not epoch 0, Anna's), which
   * his other laptop gets and Anna's never does. */
  if (!consent)
    {
      g_autoptr(GPtrArray) own_markers = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *own_note = marker_new (own_markers);
      g_autofree char *own_id = ombud_caseload_add_note (s->bertil->replica->caseload, s->x, own_note, TRUE, &error);
      g_autoptr(TestLaptop) bertil2 = test_laptop_new (s->office, NULL, "Bertil Ombud", FALSE);
      g_autofree char *sql = NULL;

      g_assert_no_error (error);
      test_laptop_sync (s->bertil);
      g_assert_cmpint (test_laptop_count (s->bertil, "SELECT count(*) FROM outbox"), ==, 0);
      g_assert_cmpint (count_x (s->bertil, "SELECT count(*) FROM sync_key WHERE kind = 2 AND epoch <> 0"
                                           " AND lower(hex(subject)) = replace('%s', '-', '')", s->x), ==, 1);
      test_laptop_admit (s->coord, bertil2);
      test_laptop_sync (bertil2);
      test_laptop_sync (s->bertil);
      test_laptop_sync (bertil2);
      sql = g_strdup_printf ("SELECT count(*) FROM note WHERE id = '%s' AND body = '%s'", own_id, own_note);
      g_assert_cmpint (test_laptop_count (bertil2, sql), ==, 1);
      test_laptop_sync (s->anna);
      test_laptop_sync (s->coord);
      assert_nothing_of (s->anna, s, records);
      g_assert_cmpint (count_x (s->anna, "SELECT count(*) FROM sync_key WHERE kind = 2"
                                         " AND lower(hex(subject)) = replace('%s', '-', '')", s->x), ==, 0);
      {
        g_autoptr(GBytes) pages = decrypted_pages (s->anna);

        g_assert_false (bytes_contain (pages, own_note, strlen (own_note)));
      }
    }

  /* The case comes back to Anna, the client agreeing: her laptop, which
   * purged it, applies its whole history again, her own changesets among it
   * (the office sends an ombud that gets a case back its own devices'
   * changesets too, and the laptop forgot having applied them), and takes
   * the key from Bertil's as from any former owner with consent. */
  if (back_again)
    {
      g_autofree char *assignment = NULL, *expected = g_strdup_printf ("%s|1\n", anna_id);

      /* The client agrees again, to this handover, as the coordinator records. */
      must (ombud_caseload_set_field (s->coord->replica->caseload, "client_case", s->x, "handover_consent",
                                      g_variant_new_int64 (1), &error), error);
      must (ombud_caseload_assign_case (s->coord->replica->caseload, s->x, anna_id, &error), error);
      for (int i = 0; i < 2; i++)
        {
          test_laptop_sync (s->coord);
          test_laptop_sync (s->bertil);
          test_laptop_sync (s->anna);
        }
      assert_office_tier (s->anna, &truth, s->x);
      assignment = digest_x (s->anna, ASSIGNMENT, s->x);
      g_assert_cmpstr (assignment, ==, expected);
      g_assert_cmpint (count_x (s->anna, "SELECT count(*) FROM contact WHERE minutes = 77 AND case_id = '%s'", s->x),
                       ==, 1);
      {
        g_autofree char *client = digest_x (s->anna, CLIENT_TIER, s->x);
        g_autofree char *notes = digest_x (s->anna, NOTES, s->x);

        g_assert_cmpstr (client, ==, truth.client);
        g_assert_cmpstr (notes, ==, truth.notes);
        g_assert_cmpint (test_laptop_count (s->anna, "SELECT count(*) FROM sync_held"), ==, 0);
      }
      g_assert_cmpint (count_x (s->bertil, "SELECT count(*) FROM client_case WHERE id = '%s'", s->x), ==, 0);
    }
  scene_free (s);
}

static void
test_with_consent (void)
{
  reassign (TRUE, FALSE);
}

static void
test_back_again (void)
{
  reassign (TRUE, TRUE);
}

static void
test_without_consent (void)
{
  reassign (FALSE, FALSE);
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp = NULL;
  int rc;

  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("handover-plain-XXXXXX", NULL);
  plain_dir = tmp;
  g_test_add_func ("/sync/handover/with-consent", test_with_consent);
  g_test_add_func ("/sync/handover/without-consent", test_without_consent);
  g_test_add_func ("/sync/handover/back-again", test_back_again);
  rc = g_test_run ();
  g_rmdir (plain_dir);
  return rc;
}
