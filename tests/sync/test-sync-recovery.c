/* test-sync-recovery.c: a stolen laptop, its replacement, and the ombud's
 * key bundle at the office (PROTOCOL.md §10.1)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Over real HTTP on loopback.  The ombud's only laptop is revoked; a new
 * one is enrolled and confirmed, and gets every case key back with the
 * recovery passphrase alone — a wrong one gets nothing and says so.  Two
 * laptops of one ombud adding to the bundle at the same moment lose no
 * key; an office that swaps in another ombud's bundle or offers cheap
 * Argon2id costs gets no key sealed to it and no derivation.
 */
#include "office-fixture.h"

#include <sodium.h>
#include <sqlite3.h>

#include "ombud-cert.h"
#include "ombud-escrow.h"
#include "ombud-key-bundle.h"
#include "ombud-keyring.h"
#include "ombud-sync-directory.h"
#include "ombud-sync-escrow.h"
#include "ombud-sync-keybundle.h"
#include "ombud-sync-state.h"

#define PASSPHRASE "Fjällräv i snön 1987"
/* The floor, which tests may use; the default is 4× the memory. */
#define OPS        OMBUD_BUNDLE_MIN_OPSLIMIT
#define MEM        OMBUD_BUNDLE_MIN_MEMLIMIT

typedef struct {
  TestOffice *office;
  TestLaptop *coord;
} Org;

static Org *
org_new (void)
{
  Org *o = g_new0 (Org, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *m = NULL;

  o->office = test_office_new (NULL, NULL);
  o->coord = test_laptop_new (o->office, NULL, "Cecilia Samordnare", TRUE);
  m = ombud_caseload_add_municipality (o->coord->replica->caseload, "2380", "Östersund", 60000, &error);
  g_assert_no_error (error);
  test_laptop_sync (o->coord);
  return o;
}

static void
org_free (Org *o)
{
  test_laptop_free (o->coord);
  test_office_free (o->office);
  g_free (o);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Org, org_free)

static TestLaptop *
admitted (Org        *o,
          const char *person)
{
  TestLaptop *laptop = test_laptop_new (o->office, NULL, person, FALSE);

  test_laptop_admit (o->coord, laptop);
  return laptop;
}

static char *
add_case (TestLaptop *laptop,
          const char *client_name)
{
  g_autoptr(GError) error = NULL;
  OmbudCaseInput in = { client_name, "Östersund", "woman", 1961, FALSE, FALSE, NULL };
  char *id = ombud_caseload_add_case (laptop->replica->caseload, &in, &error);
  g_autofree char *note = NULL;

  g_assert_no_error (error);
  note = ombud_caseload_add_note (laptop->replica->caseload, id, client_name, TRUE, &error);
  g_assert_no_error (error);
  return id;
}

static void
set_passphrase (TestLaptop *laptop,
                const char *passphrase)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_sync_key_bundle_set_passphrase (laptop->replica->caseload, passphrase, strlen (passphrase),
                                                       OPS, MEM, &error));
  g_assert_no_error (error);
}

static GBytes *
office_blob (Org        *o,
             const char *what,
             const char *ombud_id)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (o->office);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("key-bundle-%s:%s", what, ombud_id);
  GBytes *blob = ombud_office_backend_get_blob (backend, name, &error);

  g_assert_no_error (error);
  return blob;
}

static void
put_office_blob (Org        *o,
                 const char *what,
                 const char *ombud_id,
                 GBytes     *blob)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (o->office);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("key-bundle-%s:%s", what, ombud_id);

  g_assert_true (ombud_office_backend_put_blob (backend, name, blob, &error));
  g_assert_no_error (error);
}

/* How many cases the office's bundle for this ombud holds an entry of. */
static gsize
office_entries (Org        *o,
                const char *ombud_id)
{
  g_autoptr(GBytes) blob = office_blob (o, "entries", ombud_id);

  if (blob == NULL)
    return 0;
  g_assert_cmpuint (g_bytes_get_size (blob) % OMBUD_BUNDLE_ENTRY_SIZE, ==, 0);
  return g_bytes_get_size (blob) / OMBUD_BUNDLE_ENTRY_SIZE;
}

static gint64
case_keys (TestLaptop *laptop)
{
  return test_laptop_count (laptop, "SELECT count(*) FROM sync_key WHERE kind = 2");
}

static gint64
readable_cases (TestLaptop *laptop)
{
  return test_laptop_count (laptop, "SELECT count(*) FROM client_case WHERE client_name IS NOT NULL");
}

static void
revoke_laptop (Org        *o,
        TestLaptop *laptop)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (o->office);
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_office_backend_set_device_state (backend, test_laptop_device_id (laptop),
                                                        OMBUD_OFFICE_DEVICE_REVOKED, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (test_laptop_try_sync (laptop, &error));
  g_assert_error (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REVOKED);
}

static gboolean
file_contains (const char   *path,
               const guint8 *needle,
               gsize         len)
{
  g_autofree char *contents = NULL;
  gsize size = 0;

  if (!g_file_get_contents (path, &contents, &size, NULL))
    return FALSE;
  return size >= len && memmem (contents, size, needle, len) != NULL;
}

/* Neither the passphrase nor any case key is in the office's files. */
static void
assert_office_blind (Org         *o,
                     TestLaptop  *laptop)
{
  static const char *const files[] = { "office.db", "office.db-wal", NULL };
  sqlite3_stmt *stmt = NULL;
  guint keys = 0;

  g_assert_cmpint (sqlite3_prepare_v2 (ombud_store_get_db (laptop->replica->store),
                                       "SELECT key FROM sync_key WHERE kind = 2", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    for (guint f = 0; files[f]; f++)
      {
        g_autofree char *path = g_build_filename (o->office->dir, files[f], NULL);
        g_assert_false (file_contains (path, sqlite3_column_blob (stmt, 0), 32));
        g_assert_false (file_contains (path, (const guint8 *) PASSPHRASE, strlen (PASSPHRASE)));
        keys++;
      }
  sqlite3_finalize (stmt);
  g_assert_cmpuint (keys, >, 0);
}

static void
test_stolen_laptop (void)
{
  g_autoptr(Org) o = org_new ();
  g_autoptr(TestLaptop) old = admitted (o, "Anna Ombud");
  g_autoptr(TestLaptop) spare = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *anna = test_laptop_ombud_id (old);
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;
  g_autofree char *later = NULL;
  guint imported = 99;
  const char *cases_sql = "SELECT c.id, c.client_name, group_concat(n.body, '|') FROM client_case c"
                          " LEFT JOIN note n ON n.case_id = c.id GROUP BY c.id ORDER BY c.id";

  /* Three cases before the passphrase is set, one after: all four reach
   * the bundle, as their keys appear. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("Klient %u Berg", i);
      g_autofree char *id = add_case (old, name);
    }
  test_laptop_sync (old);
  g_assert_cmpuint (office_entries (o, anna), ==, 0);
  set_passphrase (old, PASSPHRASE);
  test_laptop_sync (old);
  g_assert_cmpuint (office_entries (o, anna), ==, 3);
  {
    g_autofree char *id = add_case (old, "Klient 3 Dal");
  }
  test_laptop_sync (old);
  g_assert_cmpuint (office_entries (o, anna), ==, 4);
  g_assert_cmpint (case_keys (old), ==, 4);
  assert_office_blind (o, old);
  expected = test_laptop_digest (old, cases_sql);

  /* The laptop is stolen: revoked, it wipes itself at its next contact. */
  revoke_laptop (o, old);
  test_laptop_sync (o->coord);

  /* The replacement: enrolled and confirmed, it has the cases' office tier
   * and none of their keys. */
  spare = admitted (o, "Anna Ombud");
  {
    g_autofree char *spares = test_laptop_ombud_id (spare);
    g_assert_cmpstr (spares, ==, anna);
  }
  test_laptop_sync (spare);
  g_assert_cmpint (test_laptop_count (spare, "SELECT count(*) FROM client_case"), ==, 4);
  g_assert_cmpint (readable_cases (spare), ==, 0);
  g_assert_cmpint (case_keys (spare), ==, 0);

  /* A wrong passphrase: a clear error, and nothing imported. */
  g_assert_false (ombud_sync_recover_keys (spare->engine, spare->replica->caseload, "Fjällräv i snön 1988",
                                           strlen ("Fjällräv i snön 1988"), &imported, &error));
  g_assert_error (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_cmpuint (imported, ==, 0);
  g_assert_cmpint (case_keys (spare), ==, 0);
  g_assert_cmpint (readable_cases (spare), ==, 0);

  /* The passphrase alone brings every case back, notes and all. */
  g_assert_true (ombud_sync_recover_keys (spare->engine, spare->replica->caseload, PASSPHRASE,
                                          strlen (PASSPHRASE), &imported, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (imported, ==, 4);
  g_assert_cmpint (case_keys (spare), ==, 4);
  got = test_laptop_digest (spare, cases_sql);
  g_assert_cmpstr (got, ==, expected);
  g_assert_cmpint (test_laptop_count (spare, "SELECT count(*) FROM sync_held"), ==, 0);

  /* It carries the bundle on: a new case's key reaches it. */
  {
    g_autofree char *id = add_case (spare, "Klient 4 Sjö");
  }
  test_laptop_sync (spare);
  g_assert_cmpuint (office_entries (o, anna), ==, 5);
  later = test_laptop_digest (spare, "SELECT count(*) FROM kv WHERE key LIKE 'keybundle.done.%'");
  g_assert_cmpstr (later, ==, "5\n");
}

typedef struct {
  TestLaptop *laptop;
  gboolean    ok;
} SyncJob;

static gpointer
sync_in_thread (gpointer data)
{
  SyncJob *job = data;

  job->ok = test_laptop_try_sync (job->laptop, NULL);
  return NULL;
}

/* Both laptops of one ombud add keys at the same moment: the office merges
 * entries, so none is lost. */
static void
test_two_laptops (void)
{
  g_autoptr(Org) o = org_new ();
  g_autoptr(TestLaptop) a1 = admitted (o, "Anna Ombud");
  g_autoptr(TestLaptop) a2 = admitted (o, "Anna Ombud");
  g_autofree char *anna = test_laptop_ombud_id (a1);
  SyncJob job1 = { a1, FALSE }, job2 = { a2, FALSE };
  GThread *t1, *t2;

  set_passphrase (a1, PASSPHRASE);
  test_laptop_sync (a1);
  test_laptop_sync (a2);
  /* The second laptop took the first's anchor, which a trusted laptop of
   * the same ombud signed. */
  g_assert_cmpint (test_laptop_count (a2, "SELECT count(*) FROM kv WHERE key = 'keybundle.anchor'"), ==, 1);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *n1 = g_strdup_printf ("Ett %u", i);
      g_autofree char *n2 = g_strdup_printf ("Två %u", i);
      g_autofree char *c1 = add_case (a1, n1);
      g_autofree char *c2 = add_case (a2, n2);
    }
  t1 = g_thread_new ("a1", sync_in_thread, &job1);
  t2 = g_thread_new ("a2", sync_in_thread, &job2);
  g_thread_join (t1);
  g_thread_join (t2);
  g_assert_true (job1.ok);
  g_assert_true (job2.ok);
  g_assert_cmpuint (office_entries (o, anna), ==, 10);
  /* And after the keys cross over, still one entry per case. */
  test_laptop_sync (a1);
  test_laptop_sync (a2);
  test_laptop_sync (a1);
  g_assert_cmpint (case_keys (a1), ==, 10);
  g_assert_cmpint (case_keys (a2), ==, 10);
  g_assert_cmpuint (office_entries (o, anna), ==, 10);
}

/* An office that hands one ombud's laptops another's anchor, or an anchor
 * with cheap costs, gets no key sealed to it and no derivation. */
static void
test_office_swaps (void)
{
  g_autoptr(Org) o = org_new ();
  g_autoptr(TestLaptop) anna = admitted (o, "Anna Ombud");
  g_autoptr(TestLaptop) bertil = admitted (o, "Bertil Ombud");
  g_autoptr(TestLaptop) spare = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *anna_id = test_laptop_ombud_id (anna);
  g_autofree char *bertil_id = test_laptop_ombud_id (bertil);
  g_autoptr(GBytes) bertils = NULL;
  g_autoptr(GBytes) cheap = NULL;
  g_autofree char *c = add_case (anna, "Klient Swap");
  OmbudBundleAnchor anchor = { .opslimit = 2, .memlimit = 64 * 1024 * 1024 };
  guint imported = 0;

  /* Bertil's anchor in Anna's place. */
  set_passphrase (bertil, PASSPHRASE);
  test_laptop_sync (bertil);
  bertils = office_blob (o, "anchor", bertil_id);
  g_assert_nonnull (bertils);
  put_office_blob (o, "anchor", anna_id, bertils);
  test_laptop_sync (anna);
  g_assert_cmpint (test_laptop_count (anna, "SELECT count(*) FROM kv WHERE key LIKE 'keybundle.%'"), ==, 0);
  g_assert_cmpuint (office_entries (o, anna_id), ==, 0);

  /* A laptop refuses to make a cheap anchor itself. */
  g_assert_false (ombud_sync_key_bundle_set_passphrase (anna->replica->caseload, PASSPHRASE, strlen (PASSPHRASE),
                                                        2, 64 * 1024 * 1024, &error));
  g_assert_error (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_WEAK_COSTS);
  g_clear_error (&error);

  /* An anchor with cheap costs, even one signed by Anna's own laptop: her
   * laptop does not seal to it, and a replacement refuses to derive. */
  g_assert_true (ombud_uuid_parse (anna_id, anchor.ombud_id));
  randombytes_buf (anchor.salt, sizeof anchor.salt);
  randombytes_buf (anchor.bundle_pk, sizeof anchor.bundle_pk);
  cheap = ombud_bundle_anchor_make (&anchor, ombud_keyring_get_identity (ombud_caseload_get_keyring (anna->replica->caseload)));
  put_office_blob (o, "anchor", anna_id, cheap);
  test_laptop_sync (anna);
  g_assert_cmpint (test_laptop_count (anna, "SELECT count(*) FROM kv WHERE key LIKE 'keybundle.%'"), ==, 0);
  g_assert_cmpuint (office_entries (o, anna_id), ==, 0);
  spare = admitted (o, "Anna Ombud");
  g_assert_false (ombud_sync_recover_keys (spare->engine, spare->replica->caseload, PASSPHRASE,
                                           strlen (PASSPHRASE), &imported, &error));
  g_assert_error (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_WEAK_COSTS);
  g_clear_error (&error);
  g_assert_cmpuint (imported, ==, 0);

  /* Only the ombud's own laptops may fetch it: a coordinator asking is
   * refused, and so is another ombud's laptop. */
  g_assert_false (ombud_sync_recover_keys (o->coord->engine, o->coord->replica->caseload, PASSPHRASE,
                                           strlen (PASSPHRASE), &imported, &error));
  g_assert_error (error, OMBUD_BUNDLE_ERROR, OMBUD_BUNDLE_ERROR_NOT_READY);
  g_clear_error (&error);
}

/* The first coordinator, enrolled by hand to keep the recovery key the
 * fixture throws away. */
static TestLaptop *
founder (TestOffice  *office,
         char       **recovery)
{
  TestLaptop *self = g_new0 (TestLaptop, 1);
  g_autofree char *code = test_office_invite (office, "Cecilia Samordnare", TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *m = NULL;
  OmbudHttpOptions tls = { 0 };

  self->person = g_strdup ("Cecilia Samordnare");
  self->replica = test_replica_new (g_get_real_time () / 1000);
  self->engine = ombud_sync_engine_new (self->replica->caseload);
  g_assert_true (ombud_sync_enrol (self->replica->caseload, office->url, code, &tls, &self->fingerprint,
                                   recovery, &error));
  g_assert_no_error (error);
  g_assert_nonnull (*recovery);
  m = ombud_caseload_add_municipality (self->replica->caseload, "2380", "Östersund", 60000, &error);
  g_assert_no_error (error);
  test_laptop_sync (self);
  return self;
}

static void
office_key_of (TestLaptop *laptop,
               guint32     epoch,
               guint8      key[32])
{
  static const guint8 team[16];
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudSecret) k = ombud_keyring_lookup (ombud_caseload_get_keyring (laptop->replica->caseload),
                                                   OMBUD_KEY_OFFICE, epoch, team, &error);

  g_assert_no_error (error);
  memcpy (key, ombud_secret_get_data (k), 32);
}

static guint
office_state_of (TestOffice *office,
                 TestLaptop *laptop)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeDevice) d = ombud_office_backend_get_device (backend, test_laptop_device_id (laptop), &error);

  g_assert_no_error (error);
  return d->state;
}

static void
revoke_quietly (TestOffice *office,
                TestLaptop *laptop)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_office_backend_set_device_state (backend, test_laptop_device_id (laptop),
                                                        OMBUD_OFFICE_DEVICE_REVOKED, NULL, &error));
  g_assert_no_error (error);
}

/* Every coordinator laptop is gone.  A new one, enrolled with a coordinator
 * invite, waits: no one can confirm it, and the office does not.  With the
 * recovery key it proves the organisation's authority, restores every
 * office key epoch from the escrow, moves the key on past the revoked
 * coordinators, and confirms a new laptop, which gets every epoch and reads
 * what the new coordinator writes. */
static void
test_recover_office (void)
{
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autofree char *recovery = NULL;
  g_autoptr(TestLaptop) coord = founder (office, &recovery);
  g_autoptr(TestLaptop) coord2 = test_laptop_new (office, NULL, "Gustav Samordnare", TRUE);
  g_autoptr(TestLaptop) anna = test_laptop_new (office, NULL, "Anna Ombud", FALSE);
  g_autoptr(TestLaptop) anna2 = test_laptop_new (office, NULL, "Anna Ombud", FALSE);
  g_autoptr(TestLaptop) heir = NULL;
  g_autoptr(TestLaptop) bertil = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudSyncConfig) config = NULL;
  guint8 want[32], got[32];
  guint32 epochs = 99;

  test_laptop_admit (coord, coord2);
  test_laptop_admit (coord, anna);
  test_laptop_admit (coord, anna2);
  /* A revocation moves the office key to epoch 2; it goes into the escrow. */
  revoke_quietly (office, anna2);
  test_laptop_sync (coord);
  test_laptop_sync (coord);
  test_laptop_sync (coord2);
  test_laptop_sync (anna);
  g_assert_cmpint (test_laptop_count (anna, "SELECT max(epoch) FROM sync_key WHERE kind = 1"), ==, 2);
  {
    g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
    g_autoptr(GBytes) e2 = ombud_office_backend_get_blob (backend, "office-key-escrow:2", &error);
    g_autoptr(GBytes) e3 = ombud_office_backend_get_blob (backend, "office-key-escrow:3", &error);

    g_assert_no_error (error);
    g_assert_nonnull (e2);
    g_assert_null (e3);
  }

  /* Both coordinator laptops are gone. */
  revoke_quietly (office, coord);
  revoke_quietly (office, coord2);
  heir = test_laptop_new (office, NULL, "Cecilia Samordnare", TRUE);
  test_laptop_sync (heir);
  g_assert_cmpuint (office_state_of (office, heir), ==, OMBUD_OFFICE_DEVICE_PENDING);

  /* A key that is not the organisation's: refused, nothing changes. */
  g_assert_false (ombud_sync_recover_office (heir->engine, heir->replica->caseload,
                                             "2345-6789-ABCD-EFGH-JKLM-NPQR-STUV-WXYZ", &epochs, &error));
  g_assert_error (error, OMBUD_ESCROW_ERROR, OMBUD_ESCROW_ERROR_WRONG_KEY);
  g_clear_error (&error);
  g_assert_cmpuint (epochs, ==, 0);
  g_assert_cmpuint (office_state_of (office, heir), ==, OMBUD_OFFICE_DEVICE_PENDING);
  g_assert_cmpint (test_laptop_count (heir, "SELECT count(*) FROM sync_key"), ==, 0);
  /* Not a recovery key at all. */
  g_assert_false (ombud_sync_recover_office (heir->engine, heir->replica->caseload, "not a key", &epochs, &error));
  g_assert_error (error, OMBUD_ESCROW_ERROR, OMBUD_ESCROW_ERROR_MALFORMED);
  g_clear_error (&error);
  /* An ombud's laptop cannot use it. */
  g_assert_false (ombud_sync_recover_office (anna->engine, anna->replica->caseload, recovery, &epochs, &error));
  g_assert_error (error, OMBUD_ESCROW_ERROR, OMBUD_ESCROW_ERROR_NOT_READY);
  g_clear_error (&error);

  /* The recovery key: both epochs back, the very keys the team holds. */
  g_assert_true (ombud_sync_recover_office (heir->engine, heir->replica->caseload, recovery, &epochs, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (epochs, ==, 2);
  for (guint32 e = 1; e <= 2; e++)
    {
      office_key_of (anna, e, want);
      office_key_of (heir, e, got);
      g_assert_cmpmem (got, 32, want, 32);
    }
  g_assert_cmpuint (office_state_of (office, heir), ==, OMBUD_OFFICE_DEVICE_CONFIRMED);
  config = ombud_sync_config_load (heir->replica->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->state, ==, OMBUD_SYNC_STATE_CONFIRMED);
  g_assert_cmpuint (config->confirmer, ==, test_laptop_device_id (heir));

  /* The revoked coordinators held epoch 2: the heir moved the key on, and
   * escrowed the new epoch, chained to the one before. */
  g_assert_cmpint (test_laptop_count (heir, "SELECT max(epoch) FROM sync_key WHERE kind = 1"), ==, 3);
  {
    g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
    g_autoptr(GBytes) e3 = ombud_office_backend_get_blob (backend, "office-key-escrow:3", &error);

    g_assert_no_error (error);
    g_assert_nonnull (e3);
  }

  /* It admits a new laptop, which gets every epoch and reads the team. */
  bertil = test_laptop_new (office, NULL, "Bertil Ombud", FALSE);
  test_laptop_admit (heir, bertil);
  test_laptop_sync (bertil);
  g_assert_cmpint (test_laptop_count (bertil, "SELECT count(*) FROM sync_key WHERE kind = 1"), ==, 3);
  office_key_of (heir, 3, want);
  office_key_of (bertil, 3, got);
  g_assert_cmpmem (got, 32, want, 32);
  {
    g_autofree char *m = ombud_caseload_add_municipality (heir->replica->caseload, "2309", "Krokom", 15000, &error);
    g_assert_no_error (error);
  }
  test_laptop_sync (heir);
  test_laptop_sync (bertil);
  g_assert_cmpint (test_laptop_count (bertil, "SELECT count(*) FROM municipality WHERE name = 'Krokom'"), ==, 1);
  sodium_memzero (want, sizeof want);
  sodium_memzero (got, sizeof got);
}

/* Whether laptop trusts device (§6.9), and as what. */
static gboolean
trusts (TestLaptop *laptop,
        guint64     device,
        const char *role)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM known_device WHERE device_id = %" G_GINT64_FORMAT
                                          " AND trusted = 1 AND role = '%s'", (gint64) device, role);

  return test_laptop_count (laptop, sql) == 1;
}

static void
recover (TestLaptop *heir,
         const char *recovery)
{
  g_autoptr(GError) error = NULL;
  guint32 epochs = 0;

  g_assert_true (ombud_sync_recover_office (heir->engine, heir->replica->caseload, recovery, &epochs, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (epochs, >=, 1);
}

/* After a recovery the old team and the recovered coordinator trust each
 * other through the recovery key: the heir follows the founder the anchor
 * names to everyone the old coordinators certified, and its certificate by
 * the recovery key in the founder's name lets the old team follow it.  An
 * ombud laptop the old coordinator admitted and a second laptop of the same
 * ombud the heir admits share the case key and each other's changes, with
 * nothing held. */
static void
test_recovered_trust (void)
{
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autofree char *recovery = NULL;
  g_autoptr(TestLaptop) coord = founder (office, &recovery);
  g_autoptr(TestLaptop) coord2 = test_laptop_new (office, NULL, "Gustav Samordnare", TRUE);
  g_autoptr(TestLaptop) anna = test_laptop_new (office, NULL, "Anna Ombud", FALSE);
  g_autoptr(TestLaptop) heir = NULL;
  g_autoptr(TestLaptop) anna2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *anna_ombud = NULL;
  g_autofree char *anna2_ombud = NULL;
  g_autofree char *note = NULL;

  test_laptop_admit (coord, coord2);
  test_laptop_admit (coord, anna);
  case_id = add_case (anna, "Karin Klient");
  test_laptop_sync (anna);
  test_laptop_sync (coord);
  test_laptop_sync (coord2);

  revoke_quietly (office, coord);
  revoke_quietly (office, coord2);
  heir = test_laptop_new (office, NULL, "Cecilia Samordnare", TRUE);
  test_laptop_sync (heir);
  recover (heir, recovery);
  test_laptop_sync (heir);

  /* The heir trusts the founder, the coordinator the founder admitted, and
   * the ombud laptop they admitted; it reads what the old team wrote. */
  g_assert_true (trusts (heir, test_laptop_device_id (coord), "coordinator"));
  g_assert_true (trusts (heir, test_laptop_device_id (coord2), "coordinator"));
  g_assert_true (trusts (heir, test_laptop_device_id (anna), "ombud"));
  g_assert_cmpint (test_laptop_count (heir, "SELECT count(*) FROM sync_held"), ==, 0);
  g_assert_cmpint (test_laptop_count (heir, "SELECT count(*) FROM municipality WHERE name = 'Östersund'"), ==, 1);

  /* The old ombud laptop trusts the heir, and takes the office key epoch
   * the heir moved on to. */
  test_laptop_sync (anna);
  g_assert_true (trusts (anna, test_laptop_device_id (heir), "coordinator"));
  test_laptop_sync (heir);
  test_laptop_sync (anna);
  g_assert_cmpint (test_laptop_count (anna, "SELECT max(epoch) FROM sync_key WHERE kind = 1"), ==,
                   test_laptop_count (heir, "SELECT max(epoch) FROM sync_key WHERE kind = 1"));
  g_assert_cmpint (test_laptop_count (anna, "SELECT count(*) FROM sync_held"), ==, 0);

  /* Anna's new laptop, admitted by the heir, is Anna's: the old laptop
   * grants it the case key, and the two trust each other. */
  anna2 = test_laptop_new (office, NULL, "Anna Ombud", FALSE);
  test_laptop_admit (heir, anna2);
  anna_ombud = test_laptop_ombud_id (anna);
  anna2_ombud = test_laptop_ombud_id (anna2);
  g_assert_cmpstr (anna2_ombud, ==, anna_ombud);
  test_laptop_sync (anna);
  test_laptop_sync (anna2);
  g_assert_true (trusts (anna, test_laptop_device_id (anna2), "ombud"));
  g_assert_true (trusts (anna2, test_laptop_device_id (anna), "ombud"));
  g_assert_cmpint (case_keys (anna2), ==, 1);
  g_assert_cmpint (test_laptop_count (anna2, "SELECT count(*) FROM client_case WHERE client_name = 'Karin Klient'"), ==, 1);

  /* Each reads what the other writes, nothing held. */
  note = ombud_caseload_add_note (anna2->replica->caseload, case_id, "Ringde Karin", TRUE, &error);
  g_assert_no_error (error);
  test_laptop_sync (anna2);
  test_laptop_sync (anna);
  g_assert_cmpint (test_laptop_count (anna, "SELECT count(*) FROM note WHERE body = 'Ringde Karin'"), ==, 1);
  g_clear_pointer (&note, g_free);
  note = ombud_caseload_add_note (anna->replica->caseload, case_id, "Svar från kommunen", TRUE, &error);
  g_assert_no_error (error);
  test_laptop_sync (anna);
  test_laptop_sync (anna2);
  g_assert_cmpint (test_laptop_count (anna2, "SELECT count(*) FROM note WHERE body = 'Svar från kommunen'"), ==, 1);
  g_assert_cmpint (test_laptop_count (anna, "SELECT count(*) FROM sync_held"), ==, 0);
  g_assert_cmpint (test_laptop_count (anna2, "SELECT count(*) FROM sync_held"), ==, 0);
}

/* A certificate "by the recovery key in the founder's name" that the
 * office makes — with the founder's real endorsement but its own key, or
 * with its own key endorsed by a key of its own — verifies under nothing a
 * device trusts: the office's own coordinator stays untrusted everywhere,
 * and the office refuses it when pushed. */
static void
test_forged_recovery_cert (void)
{
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autofree char *recovery = NULL;
  g_autoptr(TestLaptop) coord = founder (office, &recovery);
  g_autoptr(TestLaptop) anna = test_laptop_new (office, NULL, "Anna Ombud", FALSE);
  g_autoptr(TestLaptop) rogue = test_laptop_new (office, NULL, "Rolf Falsk", TRUE);
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
  g_autoptr(OmbudSyncConfig) config = NULL;
  g_autoptr(GBytes) anchor_bytes = NULL;
  g_autoptr(GBytes) real_endorsed = NULL;
  g_autoptr(GBytes) own_endorsed = NULL;
  g_autoptr(OmbudSecret) fake_sk = ombud_secret_new (64);
  g_autoptr(OmbudIdentity) fake_founder = ombud_identity_generate ();
  g_autoptr(GError) error = NULL;
  OmbudIdentity *coord_id = ombud_keyring_get_identity (ombud_caseload_get_keyring (coord->replica->caseload));
  OmbudIdentity *rogue_identity = ombud_keyring_get_identity (ombud_caseload_get_keyring (rogue->replica->caseload));
  OmbudEscrowAnchor anchor;
  OmbudCert cert = { .role = OMBUD_DEVICE_ROLE_COORDINATOR };
  guint8 fake_pk[32], fake_endorsement[64], msg[25 + 48];
  guint64 founder_id = test_laptop_device_id (coord);
  guint64 rogue_id = test_laptop_device_id (rogue);

  test_laptop_admit (coord, anna);
  test_laptop_sync (rogue);
  config = ombud_sync_config_load (coord->replica->store, &error);
  g_assert_no_error (error);
  anchor_bytes = ombud_office_backend_get_blob (backend, "office-key-escrow-anchor", &error);
  g_assert_no_error (error);
  g_assert_true (ombud_escrow_anchor_parse (anchor_bytes, config->org_id, &anchor, &error));
  g_assert_no_error (error);
  g_assert_true (anchor.has_founder);
  g_assert_cmpmem (anchor.founder_sign_pk, 32, ombud_identity_get_sign_pk (coord_id), 32);

  crypto_sign_keypair (fake_pk, ombud_secret_get_data (fake_sk));
  memcpy (cert.sign_pk, ombud_identity_get_sign_pk (rogue_identity), 32);
  memcpy (cert.box_pk, ombud_identity_get_box_pk (rogue_identity), 32);
  memset (cert.ombud_id, 0x42, 16);
  /* The founder's real endorsement of r's key, but signed with another. */
  real_endorsed = ombud_cert_make_recovery (&cert, founder_id, config->org_id, anchor.sign_pk, anchor.endorsement,
                                            fake_sk);
  /* Another key, "endorsed" by a founder of the office's making. */
  memcpy (msg, "ombud-recovery-endorse-v1", 25);
  memcpy (msg + 25, config->org_id, 16);
  memcpy (msg + 41, fake_pk, 32);
  ombud_identity_sign (fake_founder, msg, sizeof msg, fake_endorsement);
  own_endorsed = ombud_cert_make_recovery (&cert, founder_id, config->org_id, fake_pk, fake_endorsement, fake_sk);
  {
    OmbudCert got;
    g_assert_false (ombud_cert_verify (real_endorsed, anchor.founder_sign_pk, &got, NULL));
    g_assert_false (ombud_cert_verify (own_endorsed, anchor.founder_sign_pk, &got, NULL));
  }

  /* The office confirms its coordinator and lists the certificates. */
  g_assert_true (ombud_office_backend_set_device_state (backend, rogue_id, OMBUD_OFFICE_DEVICE_CONFIRMED,
                                                        "00000000-0000-4000-8000-000000000042", &error));
  g_assert_no_error (error);
  g_assert_true (ombud_office_backend_add_cert (backend, rogue_id, founder_id, real_endorsed, &error));
  g_assert_no_error (error);
  test_laptop_sync (anna);
  test_laptop_sync (coord);
  g_assert_false (trusts (anna, rogue_id, "coordinator"));
  g_assert_false (trusts (coord, rogue_id, "coordinator"));
  g_assert_true (ombud_office_backend_add_cert (backend, rogue_id, founder_id, own_endorsed, &error));
  g_assert_no_error (error);
  test_laptop_sync (anna);
  test_laptop_sync (coord);
  g_assert_cmpint (test_laptop_count (anna, "SELECT count(*) FROM known_device WHERE trusted = 1"), ==, 1);
  g_assert_false (trusts (anna, rogue_id, "coordinator"));
  g_assert_false (trusts (coord, rogue_id, "coordinator"));

  /* Pushed by the office's coordinator itself: refused. */
  g_assert_true (ombud_sync_outgoing_add (rogue->replica->store, OMBUD_OUTGOING_CERT, own_endorsed, &error));
  g_assert_no_error (error);
  g_assert_false (test_laptop_try_sync (rogue, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "certificate"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_add_func ("/sync/recovery/stolen-laptop", test_stolen_laptop);
  g_test_add_func ("/sync/recovery/two-laptops", test_two_laptops);
  g_test_add_func ("/sync/recovery/office-swaps", test_office_swaps);
  g_test_add_func ("/sync/recovery/office-key", test_recover_office);
  g_test_add_func ("/sync/recovery/trust", test_recovered_trust);
  g_test_add_func ("/sync/recovery/forged-trust", test_forged_recovery_cert);
  return g_test_run ();
}
