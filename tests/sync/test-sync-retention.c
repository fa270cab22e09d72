/* test-sync-retention.c: the office shreds a closed case's client tier
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Over real HTTP on loopback (sync/PROTOCOL.md §9): Anna closes a case in
 * 2020; her coordinator's laptop keeps closed cases 30 days.  At the
 * coordinator's next sync the office deletes the case's client tier and
 * every grant of its key: no byte of them is left in any file of the
 * office's data directory (the test captured the sealed client parts and
 * the grants beforehand), while another case's are all still there.  The
 * statistics do not move, on the coordinator's laptop nor on a coordinator
 * laptop set up afterwards from the office alone.
 */
#include "office-fixture.h"

#include <string.h>

#include "ombud-caseload-private.h"
#include "ombud-closure.h"
#include "ombud-key-bundle.h"
#include "ombud-keyring.h"
#include "ombud-office-handover.h"
#include "ombud-office-retention.h"
#include "ombud-seal.h"
#include "ombud-sync-keybundle.h"
#include "ombud-stats.h"

static void
must (gboolean  ok,
      GError   *error)
{
  g_assert_no_error (error);
  g_assert_true (ok);
}

/* A case from 2020, closed then, with client text in every kind of record. */
static char *
old_case (TestLaptop *laptop,
          const char *name)
{
  OmbudCaseload *caseload = laptop->replica->caseload;
  g_autoptr(GError) error = NULL;
  OmbudCaseInput in = { name, "Östersund", "man", 1958, FALSE, TRUE, "2020-01-07" };
  OmbudContactInput meeting = { "2020-02-03", 60, "home_visit", NULL, 22, 30 };
  g_autofree char *id = ombud_caseload_add_case (caseload, &in, &error);
  g_autofree char *note = NULL, *contact = NULL, *note_text = g_strconcat ("anteckning om ", name, NULL);

  g_assert_no_error (error);
  must (ombud_caseload_start_case (caseload, id, "2020-01-20", &error), error);
  note = ombud_caseload_add_note (caseload, id, note_text, TRUE, &error);
  g_assert_no_error (error);
  contact = ombud_caseload_add_contact (caseload, id, &meeting, &error);
  g_assert_no_error (error);
  must (ombud_caseload_set_field (caseload, "client_case", id, "client_contact",
                                  g_variant_new_string ("Storgatan 1, Östersund"), &error), error);
  return g_steal_pointer (&id);
}

/* The sealed changeset's client part, past its clear tier and epoch:
 * nonce, ciphertext, tag. */
static void
add_client_parts (GBytes    *sealed,
                  GPtrArray *out)
{
  OmbudSealHeader h;

  g_assert_true (ombud_seal_parse (sealed, &h, NULL));
  for (guint p = 0; p < h.n_parts; p++)
    if (h.parts[p].tier == OMBUD_SEAL_TIER_CLIENT)
      g_ptr_array_add (out, g_bytes_new_from_bytes (sealed, h.parts[p].offset + 5, h.parts[p].length - 5));
}

/* Every sealed client part and case-key grant of the case the office holds:
 * the bytes a scan of its files looks for. */
static GPtrArray *
client_bytes_at_office (TestOffice *office,
                        const char *case_id,
                        GPtrArray  *recipients)
{
  g_autoptr(GPtrArray) all = test_office_list_changesets (office);
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint8 raw[16];

  g_assert_true (ombud_uuid_parse (case_id, raw));
  for (guint i = 0; i < all->len; i++)
    {
      OmbudOfficeChangeset *cs = all->pdata[i];

      if (memcmp (cs->case_id, raw, 16) == 0)
        add_client_parts (cs->sealed, out);
    }
  for (guint r = 0; r < recipients->len; r++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) grants = ombud_office_backend_list_grants (backend, *(guint64 *) recipients->pdata[r],
                                                                       &error);
      g_assert_no_error (error);
      for (guint i = 0; i < grants->len; i++)
        {
          const guint8 *g = g_bytes_get_data (grants->pdata[i], NULL);

          if (g[1] == OMBUD_KEY_CASE && memcmp (g + 6, raw, 16) == 0)
            g_ptr_array_add (out, g_bytes_ref (grants->pdata[i]));
        }
    }
  return out;
}

/* The case's entries in the ombud's key bundle at the office. */
static void
add_bundle_entries (TestOffice *office,
                    TestLaptop *laptop,
                    const char *case_id,
                    GPtrArray  *out)
{
  g_autoptr(GPtrArray) entries = test_office_bundle_entries (office, laptop, case_id);

  g_assert_cmpuint (entries->len, >=, 1);
  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (out, g_bytes_ref (entries->pdata[i]));
}

/* How many of the byte strings some file under dir holds. */
static guint
found_in_files (const char *dir,
                GPtrArray  *needles)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint found = 0;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_false (g_file_test (path, G_FILE_TEST_IS_DIR));
      g_ptr_array_add (files, test_read_file (path));
    }
  g_assert_cmpuint (files->len, >=, 1);
  for (guint n = 0; n < needles->len; n++)
    {
      gsize len;
      const char *needle = g_bytes_get_data (needles->pdata[n], &len);

      for (guint f = 0; f < files->len; f++)
        {
          gsize size;
          const char *data = g_bytes_get_data (files->pdata[f], &size);

          if (memmem (data, size, needle, len) != NULL)
            {
              found++;
              break;
            }
        }
    }
  return found;
}

static gint64
resyncs (TestLaptop *laptop)
{
  g_autofree char *n = ombud_store_get (laptop->replica->store, "sync.resyncs", NULL);

  return n ? g_ascii_strtoll (n, NULL, 10) : 0;
}

static char *
stats_text (TestLaptop *laptop,
            int         year)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) stats = ombud_stats_year (laptop->replica->caseload, year, &error);

  g_assert_no_error (error);
  return g_variant_print (stats, FALSE);
}

static void
test_shred_after_retention (void)
{
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autoptr(TestLaptop) coord = test_laptop_new (office, NULL, "Cecilia Samordnare", TRUE);
  g_autoptr(TestLaptop) anna = test_laptop_new (office, NULL, "Anna Ombud", FALSE);
  g_autoptr(TestLaptop) anna2 = test_laptop_new (office, NULL, "Anna Ombud", FALSE);
  g_autoptr(TestLaptop) coord2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *m = ombud_caseload_add_municipality (coord->replica->caseload, "2380", "Östersund", 61000, &error);
  g_autofree char *closed = NULL, *open = NULL;
  g_autofree char *stats_2020 = NULL, *stats_now = NULL;
  g_autoptr(GPtrArray) recipients = g_ptr_array_new ();
  g_autoptr(GPtrArray) shredded = NULL;
  g_autoptr(GPtrArray) kept = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  guint64 anna2_id;
  int this_year = g_date_time_get_year (now);

  g_assert_no_error (error);
  test_laptop_admit (coord, anna);
  test_laptop_admit (coord, anna2);
  test_laptop_sync (anna);
  /* Anna keeps a key bundle: the office holds each case key sealed to it. */
  g_assert_true (ombud_sync_key_bundle_set_passphrase (anna->replica->caseload, "Fjällräv i snön 1988", 20,
                                                       OMBUD_BUNDLE_MIN_OPSLIMIT, OMBUD_BUNDLE_MIN_MEMLIMIT, &error));
  g_assert_no_error (error);
  closed = old_case (anna, "Klient Stängd");
  open = old_case (anna, "Klient Öppen");
  must (ombud_caseload_close_case (anna->replica->caseload, closed, "goals_met", "2020-06-30", &error), error);
  /* Anna's laptop grants both keys to her other one: the office holds the
   * grants. */
  test_laptop_sync (anna);
  test_laptop_sync (anna2);
  test_laptop_sync (coord);
  anna2_id = test_laptop_device_id (anna2);
  g_ptr_array_add (recipients, &anna2_id);
  g_assert_cmpint (test_laptop_count (anna2, "SELECT count(*) FROM client_case WHERE client_name = 'Klient Stängd'"), ==, 1);

  test_laptop_sync (anna);   /* the bundle's entries go with the request after the keys */
  shredded = client_bytes_at_office (office, closed, recipients);
  kept = client_bytes_at_office (office, open, recipients);
  g_assert_cmpuint (shredded->len, >=, 2);   /* a client part and a grant at least */
  g_assert_cmpuint (kept->len, >=, 2);
  add_bundle_entries (office, anna, closed, shredded);
  add_bundle_entries (office, anna, open, kept);
  g_assert_cmpuint (shredded->len, >=, 3);   /* and the bundle's entry */
  g_assert_cmpuint (kept->len, >=, 3);
  g_assert_cmpuint (found_in_files (office->dir, shredded), ==, shredded->len);
  g_assert_cmpuint (found_in_files (office->dir, kept), ==, kept->len);
  stats_2020 = stats_text (coord, 2020);
  stats_now = stats_text (coord, this_year);

  must (ombud_closure_set_retention_days (coord->replica->caseload, 30, &error), error);
  test_laptop_sync (coord);

  /* Nothing of the closed case's client tier or key in any file; all of
   * the other's. */
  g_assert_cmpuint (found_in_files (office->dir, shredded), ==, 0);
  g_assert_cmpuint (found_in_files (office->dir, kept), ==, kept->len);
  {
    g_autoptr(GPtrArray) left = client_bytes_at_office (office, closed, recipients);
    g_assert_cmpuint (left->len, ==, 0);
  }
  /* The statistics, on the coordinator's laptop … */
  {
    g_autofree char *after_2020 = stats_text (coord, 2020);
    g_autofree char *after_now = stats_text (coord, this_year);

    g_assert_cmpstr (after_2020, ==, stats_2020);
    g_assert_cmpstr (after_now, ==, stats_now);
  }
  /* … and on one set up now from what the office kept. */
  coord2 = test_laptop_new (office, NULL, "Cecilia Samordnare", TRUE);
  test_laptop_admit (coord, coord2);
  test_laptop_sync (coord2);
  {
    g_autofree char *fresh_2020 = stats_text (coord2, 2020);
    g_autofree char *fresh_now = stats_text (coord2, this_year);

    g_assert_cmpstr (fresh_2020, ==, stats_2020);
    g_assert_cmpstr (fresh_now, ==, stats_now);
  }
  /* Asking again, and the others syncing on, change nothing; the author of
   * the changesets shredding deleted does not take it for divergence. */
  test_laptop_sync (anna);
  test_laptop_sync (anna2);
  test_laptop_sync (coord);
  g_assert_cmpuint (found_in_files (office->dir, shredded), ==, 0);
  g_assert_cmpint (resyncs (anna), ==, 0);
  g_assert_cmpint (resyncs (anna2), ==, 0);
  g_assert_cmpint (resyncs (coord), ==, 0);
  g_assert_cmpint (test_laptop_count (coord, "SELECT count(*) FROM outbox WHERE hold IS NULL"), ==, 0);
}

/* The client parts of a changeset in the laptop's outbox, as sealed. */
static GPtrArray *
client_parts_in_outbox (TestLaptop *laptop,
                        const char *case_id)
{
  sqlite3 *db = ombud_caseload_get_db (laptop->replica->caseload);
  sqlite3_stmt *stmt = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT sealed FROM outbox WHERE case_id = ?1 AND sealed IS NOT NULL",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, case_id, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GBytes) sealed = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));

      add_client_parts (sealed, out);
    }
  sqlite3_finalize (stmt);
  return out;
}

/* Anna's second laptop, offline since before the case was shredded, wrote a
 * note to it: the office turns that client part away (it would bring back
 * what shredding took) and takes no grant of the case's key again; the
 * laptop keeps the edit, and once it destroys the case's client tier itself
 * what is left (the office tier) goes through. */
static void
test_late_client_part_turned_away (void)
{
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autoptr(TestLaptop) coord = test_laptop_new (office, NULL, "Cecilia Samordnare", TRUE);
  g_autoptr(TestLaptop) anna = test_laptop_new (office, NULL, "Anna Ombud", FALSE);
  g_autoptr(TestLaptop) anna2 = test_laptop_new (office, NULL, "Anna Ombud", FALSE);
  g_autoptr(TestLaptop) anna3 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *m = ombud_caseload_add_municipality (coord->replica->caseload, "2380", "Östersund", 61000, &error);
  g_autofree char *closed = NULL, *open = NULL, *late = NULL, *stats_2020 = NULL;
  g_autofree char *outbox_sql = NULL;
  g_autoptr(GPtrArray) late_parts = NULL;
  g_autoptr(GPtrArray) recipients = g_ptr_array_new ();
  guint64 anna3_id;

  g_assert_no_error (error);
  test_laptop_admit (coord, anna);
  test_laptop_admit (coord, anna2);
  test_laptop_sync (anna);
  closed = old_case (anna, "Klient Sen");
  open = old_case (anna, "Klient Kvar");
  test_laptop_sync (anna);
  test_laptop_sync (anna2);

  /* Offline now, anna2 writes to the case, which anna closes meanwhile and
   * the coordinator's laptop has shredded. */
  late = ombud_caseload_add_note (anna2->replica->caseload, closed, "sen anteckning om Klient Sen", TRUE, &error);
  g_assert_no_error (error);
  must (ombud_caseload_close_case (anna->replica->caseload, closed, "goals_met", "2020-06-30", &error), error);
  test_laptop_sync (anna);
  test_laptop_sync (coord);
  stats_2020 = stats_text (coord, 2020);
  must (ombud_closure_set_retention_days (coord->replica->caseload, 30, &error), error);
  test_laptop_sync (coord);

  test_laptop_sync (anna2);
  late_parts = client_parts_in_outbox (anna2, closed);
  g_assert_cmpuint (late_parts->len, >=, 1);
  g_assert_cmpuint (found_in_files (office->dir, late_parts), ==, 0);
  outbox_sql = g_strdup_printf ("SELECT count(*) FROM outbox WHERE case_id = '%s'", closed);
  g_assert_cmpint (test_laptop_count (anna2, outbox_sql), >=, 1);

  /* A device admitted now gets the open case's key, never the shredded one's. */
  anna3 = test_laptop_new (office, NULL, "Anna Ombud", FALSE);
  test_laptop_admit (coord, anna3);
  test_laptop_sync (anna3);
  test_laptop_sync (anna);
  test_laptop_sync (anna2);
  anna3_id = test_laptop_device_id (anna3);
  g_ptr_array_add (recipients, &anna3_id);
  {
    g_autoptr(GPtrArray) open_grants = client_bytes_at_office (office, open, recipients);
    g_autoptr(GPtrArray) closed_left = client_bytes_at_office (office, closed, recipients);

    g_assert_cmpuint (open_grants->len, >=, 1);
    g_assert_cmpuint (closed_left->len, ==, 0);
  }

  /* Destroyed on anna2 as well: the office tier of its edit goes through. */
  must (ombud_closure_destroy_client_tier (anna2->replica->caseload, closed, &error), error);
  test_laptop_sync (anna2);
  g_assert_cmpint (test_laptop_count (anna2, outbox_sql), ==, 0);
  {
    g_autoptr(GPtrArray) recipients_none = g_ptr_array_new ();
    g_autoptr(GPtrArray) left = client_bytes_at_office (office, closed, recipients_none);

    g_assert_cmpuint (left->len, ==, 0);
  }
  g_assert_cmpuint (found_in_files (office->dir, late_parts), ==, 0);
  test_laptop_sync (coord);
  {
    g_autofree char *after_2020 = stats_text (coord, 2020);

    g_assert_cmpstr (after_2020, ==, stats_2020);
  }
}

/* The period is the organisation's: set on a coordinator's laptop, it
 * reaches Anna's, which destroys the closed case's client tier by it the
 * next time it applies the setting (at every opening).  Anna's laptop may
 * not set it, and a version an ombud's device wrote anyway is not followed. */
static void
test_retention_is_the_organisations (void)
{
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autoptr(TestLaptop) coord = test_laptop_new (office, NULL, "Cecilia Samordnare", TRUE);
  g_autoptr(TestLaptop) anna = test_laptop_new (office, NULL, "Anna Ombud", FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *m = ombud_caseload_add_municipality (coord->replica->caseload, "2380", "Östersund", 61000, &error);
  g_autofree char *closed = NULL, *open = NULL;

  g_assert_no_error (error);
  test_laptop_admit (coord, anna);
  test_laptop_sync (anna);
  closed = old_case (anna, "Klient Gammal");
  open = old_case (anna, "Klient Pågår");
  must (ombud_caseload_close_case (anna->replica->caseload, closed, "goals_met", "2020-06-30", &error), error);

  g_assert_false (ombud_closure_set_retention_days (anna->replica->caseload, 30, &error));
  g_assert_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_STATE);
  g_clear_error (&error);
  must (ombud_closure_apply_retention_setting (anna->replica->caseload, &error), error);
  g_assert_cmpint (test_laptop_count (anna, "SELECT count(*) FROM client_case WHERE client_name = 'Klient Gammal'"), ==, 1);

  must (ombud_closure_set_retention_days (coord->replica->caseload, 30, &error), error);
  test_laptop_sync (coord);
  test_laptop_sync (anna);
  g_assert_cmpint (ombud_closure_get_retention_days (anna->replica->caseload), ==, 30);
  must (ombud_closure_apply_retention_setting (anna->replica->caseload, &error), error);
  g_assert_cmpint (test_laptop_count (anna, "SELECT count(*) FROM client_case WHERE client_name = 'Klient Gammal'"), ==, 0);
  g_assert_cmpint (test_laptop_count (anna, "SELECT count(*) FROM client_case WHERE client_name = 'Klient Pågår'"), ==, 1);

  /* An ombud's device writing the record itself: nobody follows it. */
  must (ombud_caseload_set_retention_days (anna->replica->caseload, 0, &error), error);
  test_laptop_sync (anna);
  test_laptop_sync (coord);
  g_assert_cmpint (ombud_closure_get_retention_days (coord->replica->caseload), ==, -1);
  g_assert_cmpint (ombud_closure_get_retention_days (anna->replica->caseload), ==, -1);
}

/* Only a coordinator's device may have the office delete anything. */
static void
test_shred_only_for_coordinators (void)
{
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
  g_autoptr(GError) error = NULL;
  OmbudOfficeDevice device = { .device_id = 7, .role = OMBUD_OFFICE_ROLE_OMBUD, .ombud_id = (char *) "x" };
  guint8 case_id[16];
  GVariantBuilder list;
  g_autoptr(GVariant) ext = NULL;
  guint n = 99;

  memset (case_id, 0x42, sizeof case_id);
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aay"));
  g_variant_builder_add_value (&list, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, case_id, 16, 1));
  ext = g_variant_ref_sink (g_variant_new_parsed ("{'shred-cases': %v}", g_variant_builder_end (&list)));
  g_assert_false (ombud_office_take_shred_requests (backend, &device, ext, 0, &n, &error));
  g_assert_error (error, OMBUD_OFFICE_HANDOVER_ERROR, OMBUD_OFFICE_HANDOVER_ERROR_FORBIDDEN);
  g_assert_cmpuint (n, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/retention/shred-after-retention", test_shred_after_retention);
  g_test_add_func ("/sync/retention/organisation-wide", test_retention_is_the_organisations);
  g_test_add_func ("/sync/retention/late-client-part", test_late_client_part_turned_away);
  g_test_add_func ("/sync/retention/only-coordinators", test_shred_only_for_coordinators);
  return g_test_run ();
}
