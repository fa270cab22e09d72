/* test-sync-divergence.c: a laptop whose replica drifted from what the
 * office sent it repairs itself (PROTOCOL.md §10.2)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Over real HTTP on loopback.  Anna's laptop is backed up, syncs more
 * (edits of its own and of her second laptop), and is then restored from
 * the backup — an old cursor, old request times, its own later edits gone.
 * New edits are made on the restored replica; its next sync finds the
 * mismatch, pulls everything again and ends with all of it, and its new
 * edits reach the office and the other laptop.  Laptops that did not drift
 * never resync, nor does a restored one that had written nothing since.
 */
#include "office-fixture.h"

#include <glib/gstdio.h>
#include <sodium.h>
#include <sqlite3.h>

#include "ombud-key-bundle.h"
#include "ombud-sync-keybundle.h"
#include "ombud-sync-state.h"

#define PASSPHRASE "Ripa på fjället 2024"

typedef struct {
  TestOffice *office;
  TestLaptop *coord, *a1, *a2;
} Team;

static Team *
team_new (void)
{
  Team *t = g_new0 (Team, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *m = NULL;

  t->office = test_office_new (NULL, NULL);
  t->coord = test_laptop_new (t->office, NULL, "Cecilia Samordnare", TRUE);
  m = ombud_caseload_add_municipality (t->coord->replica->caseload, "2380", "Östersund", 60000, &error);
  g_assert_no_error (error);
  test_laptop_sync (t->coord);
  t->a1 = test_laptop_new (t->office, NULL, "Anna Ombud", FALSE);
  t->a2 = test_laptop_new (t->office, NULL, "Anna Ombud", FALSE);
  test_laptop_admit (t->coord, t->a1);
  test_laptop_admit (t->coord, t->a2);
  return t;
}

static void
team_free (Team *t)
{
  test_laptop_free (t->a1);
  test_laptop_free (t->a2);
  test_laptop_free (t->coord);
  test_office_free (t->office);
  g_free (t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Team, team_free)

static char *
add_case (TestLaptop *laptop,
          const char *client_name)
{
  g_autoptr(GError) error = NULL;
  OmbudCaseInput in = { client_name, "Östersund", "woman", 1961, FALSE, FALSE, NULL };
  char *id = ombud_caseload_add_case (laptop->replica->caseload, &in, &error);

  g_assert_no_error (error);
  return id;
}

static void
add_note (TestLaptop *laptop,
          const char *case_id,
          const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = ombud_caseload_add_note (laptop->replica->caseload, case_id, text, TRUE, &error);

  g_assert_no_error (error);
}

static gint64
resyncs (TestLaptop *laptop)
{
  g_autofree char *n = ombud_store_get (laptop->replica->store, "sync.resyncs", NULL);

  return n ? g_ascii_strtoll (n, NULL, 10) : 0;
}

/* The laptop's profile as the backup in dir left it: the app closed, the
 * files put back, the app opened again. */
static void
restore (TestLaptop *laptop,
         const char *dir)
{
  static const char *const files[] = { "ombud.key", "ombud.db", NULL };
  static const char *const gone[] = { "ombud.db-wal", "ombud.db-shm", NULL };
  TestReplica *r = laptop->replica;
  g_autoptr(GError) error = NULL;

  g_clear_object (&laptop->engine);
  g_clear_object (&r->caseload);
  ombud_store_lock (r->store);
  for (guint i = 0; gone[i]; i++)
    {
      g_autofree char *path = g_build_filename (r->dir, gone[i], NULL);
      g_unlink (path);
    }
  for (guint i = 0; files[i]; i++)
    {
      g_autofree char *from = g_build_filename (dir, files[i], NULL);
      g_autofree char *to = g_build_filename (r->dir, files[i], NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (from, &contents, &len, &error));
      g_assert_true (g_file_set_contents_full (to, contents, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error));
      g_assert_no_error (error);
    }
  g_assert_true (ombud_store_unlock (r->store, "lösenfras", &error));
  g_assert_no_error (error);
  test_replica_reopen (r);
  laptop->engine = ombud_sync_engine_new (r->caseload);
}

/* This laptop's clock ran an hour ahead at its last sync: the office's
 * record of its last request is in what is now the future. */
static void
clock_was_ahead (TestLaptop *laptop)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ahead = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / 1000 + 3600 * 1000);

  g_assert_true (ombud_store_put (laptop->replica->store, "sync.last_request_ms", ahead, &error));
  g_assert_no_error (error);
}

static const char notes_sql[] =
  "SELECT c.client_name, n.body FROM note n JOIN client_case c ON c.id = n.case_id ORDER BY n.body";

static void
test_restored_profile (void)
{
  g_autoptr(Team) t = team_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *c1 = add_case (t->a1, "Klient Ett");
  g_autofree char *c2 = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *theirs = NULL;
  g_autofree char *office_notes = NULL;

  add_note (t->a1, c1, "före kopian");
  g_assert_true (ombud_sync_key_bundle_set_passphrase (t->a1->replica->caseload, PASSPHRASE, strlen (PASSPHRASE),
                                                       OMBUD_BUNDLE_MIN_OPSLIMIT, OMBUD_BUNDLE_MIN_MEMLIMIT, &error));
  g_assert_no_error (error);
  test_laptop_sync (t->a1);
  test_laptop_sync (t->a2);

  /* The copy. */
  copy = test_make_tmp_dir ("ombud-old-copy-XXXXXX");
  g_assert_true (g_rmdir (copy) == 0);
  g_assert_true (ombud_store_backup (t->a1->replica->store, copy, &error));
  g_assert_no_error (error);

  /* More work after it, here and on the other laptop, all synced; the
   * laptop's clock runs ahead at its last sync. */
  add_note (t->a1, c1, "efter kopian, härifrån");
  c2 = add_case (t->a1, "Klient Två");
  add_note (t->a1, c2, "ny klient efter kopian");
  test_laptop_sync (t->a1);
  test_laptop_sync (t->a2);
  add_note (t->a2, c1, "efter kopian, från den andra");
  test_laptop_sync (t->a2);
  clock_was_ahead (t->a1);
  test_laptop_sync (t->a1);
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM note"), ==, 4);

  /* Restored from the copy: the later notes and the second case are gone. */
  restore (t->a1, copy);
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM note"), ==, 1);
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM client_case"), ==, 1);
  add_note (t->a1, c1, "efter återställningen");
  g_assert_cmpint (resyncs (t->a1), ==, 0);

  /* One sync: refused as a replay at first, it catches up its clock; the
   * digest differs; it pulls everything again, its own notes included. */
  test_laptop_sync (t->a1);
  g_assert_cmpint (resyncs (t->a1), ==, 1);
  g_assert_null (ombud_store_get (t->a1->replica->store, "sync.resync", NULL));
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM outbox"), ==, 0);
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM note"), ==, 5);
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM client_case"), ==, 2);
  /* The second case's key was made after the copy, on this laptop alone
   * of those that grant it: its client tier waits, kept, for the key. */
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM client_case WHERE client_name IS NOT NULL"), ==, 1);
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM sync_held"), >, 0);
  {
    guint imported = 0;

    g_assert_true (ombud_sync_recover_keys (t->a1->engine, t->a1->replica->caseload, PASSPHRASE,
                                            strlen (PASSPHRASE), &imported, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (imported, ==, 2);   /* both cases; the first it held already */
  }
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM client_case WHERE client_name IS NOT NULL"), ==, 2);
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM sync_held"), ==, 0);

  /* The new note reaches the other laptop; both hold the same. */
  test_laptop_sync (t->a2);
  test_laptop_sync (t->coord);
  test_laptops_assert_same (t->a1, t->a2, "%s", notes_sql);
  mine = test_laptop_digest (t->a1, notes_sql);
  g_assert_nonnull (strstr (mine, "efter återställningen"));
  g_assert_nonnull (strstr (mine, "efter kopian, härifrån"));
  g_assert_nonnull (strstr (mine, "ny klient efter kopian"));
  g_assert_nonnull (strstr (mine, "efter kopian, från den andra"));
  theirs = test_laptop_digest (t->coord, "SELECT count(*) FROM note");
  office_notes = g_strdup_printf ("%u\n", 5);
  g_assert_cmpstr (theirs, ==, office_notes);

  /* Repaired, it stays repaired; the others never resynced. */
  test_laptop_sync (t->a1);
  add_note (t->a2, c2, "sedan");
  test_laptop_sync (t->a2);
  test_laptop_sync (t->a1);
  test_laptop_sync (t->coord);
  g_assert_cmpint (resyncs (t->a1), ==, 1);
  g_assert_cmpint (resyncs (t->a2), ==, 0);
  g_assert_cmpint (resyncs (t->coord), ==, 0);
  test_laptops_assert_same (t->a1, t->a2, "%s", notes_sql);
  test_rm_rf (copy);
}

/* A copy that wrote nothing the office took after it is not divergence:
 * what it received after the copy comes again from its old cursor. */
static void
test_restored_reader (void)
{
  g_autoptr(Team) t = team_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *c1 = add_case (t->a1, "Klient Ett");

  add_note (t->a1, c1, "före kopian");
  test_laptop_sync (t->a1);
  test_laptop_sync (t->a2);
  copy = test_make_tmp_dir ("ombud-old-copy-XXXXXX");
  g_assert_true (g_rmdir (copy) == 0);
  g_assert_true (ombud_store_backup (t->a1->replica->store, copy, &error));
  g_assert_no_error (error);

  add_note (t->a2, c1, "efter kopian, från den andra");
  test_laptop_sync (t->a2);
  test_laptop_sync (t->a1);
  restore (t->a1, copy);
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM note"), ==, 1);

  test_laptop_sync (t->a1);
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM note"), ==, 2);
  test_laptops_assert_same (t->a1, t->a2, "%s", notes_sql);
  g_assert_cmpint (resyncs (t->a1), ==, 0);
  g_assert_cmpint (resyncs (t->a2), ==, 0);
  test_rm_rf (copy);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_add_func ("/sync/divergence/restored-profile", test_restored_profile);
  g_test_add_func ("/sync/divergence/restored-reader", test_restored_reader);
  return g_test_run ();
}
