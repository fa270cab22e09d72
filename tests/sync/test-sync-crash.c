/* test-sync-crash.c: a laptop killed in the middle of a sync loses nothing
 * and sends nothing twice
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real ombud-cli, killed with SIGKILL at random moments while it pushes
 * the demo team's caseload (some five thousand changesets) to a real office
 * and while another laptop pulls its share: every try starts where the
 * last left off, and in the end the office holds each changeset once and
 * the receiving laptop holds exactly what the sender wrote for it.
 */
#include <signal.h>
#include <string.h>

#include "office-fixture.h"
#include "ombud-seal.h"
#include "ombud-sql.h"
#include "ombud-sync-state.h"

#define PASSPHRASE "demo-passphrase"
#define MAX_TRIES  60

typedef struct {
  TestOffice *office;
  char       *dir;
  char       *stdin_path;
  GRand      *rand;
  guint       kills;
  guint       startup_ms;
} Fixture;

static TestCliResult
cli (Fixture            *f,
     const char         *profile,
     const char * const *args)
{
  return test_cli_run_profile (f->stdin_path, profile, args);
}

static void
cli_ok (Fixture            *f,
        const char         *profile,
        const char * const *args)
{
  g_auto(TestCliResult) r = cli (f, profile, args);

  if (r.status != 0)
    g_error ("ombud-cli %s: %s", args[0], r.err);
}

static gboolean
kill_it (gpointer data)
{
  g_subprocess_send_signal (data, SIGKILL);
  return G_SOURCE_REMOVE;
}

static void
on_program_exit (GObject      *proc,
         GAsyncResult *result,
         gpointer      loop)
{
  g_assert_true (g_subprocess_wait_finish (G_SUBPROCESS (proc), result, NULL));
  g_main_loop_quit (loop);
}

/* One `ombud-cli sync`, killed at a random moment unless it ends first.
 * TRUE when it ran to the end, which must be a success. */
static gboolean
sync_until_killed (Fixture    *f,
                   const char *profile,
                   guint       min_ms,
                   guint       max_ms)
{
  const char *argv[] = { g_getenv ("OMBUD_CLI"), "--profile", profile, "sync", NULL };
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);
  g_autoptr(GSource) timer = g_timeout_source_new (g_rand_int_range (f->rand, (gint32) min_ms, (gint32) max_ms));
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  gboolean killed;

  g_main_context_push_thread_default (context);
  g_subprocess_launcher_set_stdin_file_path (launcher, f->stdin_path);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (proc, NULL, on_program_exit, loop);
  g_source_set_callback (timer, kill_it, proc, NULL);
  g_source_attach (timer, context);
  g_main_loop_run (loop);
  g_source_destroy (timer);
  g_main_context_pop_thread_default (context);

  killed = g_subprocess_get_if_signaled (proc);
  if (killed)
    {
      g_assert_cmpint (g_subprocess_get_term_sig (proc), ==, SIGKILL);
      f->kills++;
      return FALSE;
    }
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  return TRUE;
}

/* Kills land between min_ms and max_ms after the start.  The first try is
 * cut early, so each phase sees at least one cut; after that the window
 * grows by a quarter with every try, so that a slow or busy machine (the
 * sanitizers, a parallel test) still gets through in a few tries. */
static void
sync_through_kills (Fixture    *f,
                    const char *profile,
                    guint       min_ms,
                    guint       max_ms)
{
  guint window = max_ms;

  for (guint tries = 0; tries < MAX_TRIES; tries++)
    {
      if (sync_until_killed (f, profile, min_ms, tries == 0 ? min_ms + 200 : window))
        return;
      if (tries > 0)
        window = MIN (window + window / 4, 120000);
    }
  g_error ("no sync of %s ran to its end in %u tries", profile, MAX_TRIES);
}

static OmbudStore *
open_profile (const char *profile)
{
  g_autoptr(OmbudStore) store = ombud_store_new (profile);
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_store_unlock (store, PASSPHRASE, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&store);
}

static char *
digest (OmbudStore *store,
        const char *sql)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (ombud_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int c = 0; c < sqlite3_column_count (stmt); c++)
        g_string_append_printf (out, "%s|", sqlite3_column_text (stmt, c) ? (const char *) sqlite3_column_text (stmt, c) : "∅");
      g_string_append_c (out, '\n');
    }
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

/* Every change in the outbox that may leave (not a held draft), as
 * "table|record|field|hlc" lines in a set. */
static GHashTable *
outbox_changes (OmbudStore *store)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (ombud_store_get_db (store), "SELECT body FROM outbox WHERE hold IS NULL",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GBytes) body = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
      g_autoptr(OmbudChangeset) cs = ombud_changeset_decode (body, NULL);

      g_assert_nonnull (cs);
      for (guint i = 0; i < cs->changes->len; i++)
        {
          OmbudChange *c = cs->changes->pdata[i];
          g_assert_true (g_hash_table_add (set, g_strdup_printf ("%s|%s|%s|%" G_GUINT64_FORMAT,
                                                                 c->table, c->record, c->field, c->hlc)));
        }
    }
  sqlite3_finalize (stmt);
  return set;
}

/* What the office holds from the sender, opened with the sender's keys:
 * each change exactly once, and exactly the changes that were to leave. */
static void
assert_office_holds (Fixture    *f,
                     OmbudStore *sender,
                     GHashTable *expected)
{
  g_autoptr(OmbudCaseload) caseload = ombud_caseload_new (sender, NULL);
  g_autoptr(OmbudSyncConfig) config = ombud_sync_config_load (sender, NULL);
  OmbudKeyring *keys = ombud_caseload_get_keyring (caseload);
  const guint8 *sign_pk = ombud_identity_get_sign_pk (ombud_keyring_get_identity (keys));
  g_autoptr(GPtrArray) stored = test_office_list_changesets (f->office);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_nonnull (config);
  for (guint i = 0; i < stored->len; i++)
    {
      OmbudOfficeChangeset *sealed = stored->pdata[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(OmbudChangeset) cs = NULL;

      if (sealed->author_device != ombud_caseload_get_device_id (caseload))
        continue;
      cs = ombud_seal_open (sealed->sealed, config->org_id, sign_pk, keys, NULL, &error);
      g_assert_no_error (error);
      for (guint k = 0; k < cs->changes->len; k++)
        {
          OmbudChange *c = cs->changes->pdata[k];
          char *line = g_strdup_printf ("%s|%s|%s|%" G_GUINT64_FORMAT, c->table, c->record, c->field, c->hlc);

          if (!g_hash_table_add (seen, line))
            g_error ("the office holds %s twice", line);
          if (!g_hash_table_contains (expected, line))
            g_error ("the office holds %s, which was not to leave", line);
        }
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, g_hash_table_size (expected));
}

static void
test_killed_mid_sync (void)
{
  Fixture fx = { 0 }, *f = &fx;
  g_autofree char *sender = NULL;
  g_autofree char *receiver = NULL;
  g_autofree char *c_code = NULL;
  g_autofree char *o_code = NULL;
  g_autofree char *device = NULL;
  g_autoptr(GHashTable) to_send = NULL;

  f->office = test_office_new (NULL, NULL);
  f->dir = test_make_tmp_dir ("ombud-sync-crash-XXXXXX");
  f->stdin_path = g_build_filename (f->dir, "passphrase", NULL);
  f->rand = g_rand_new_with_seed (g_test_rand_int ());
  g_assert_true (g_file_set_contents (f->stdin_path, PASSPHRASE "\n" PASSPHRASE "\n", -1, NULL));
  sender = g_build_filename (f->dir, "coordinator", NULL);
  receiver = g_build_filename (f->dir, "ombud", NULL);
  c_code = test_office_invite (f->office, "Eva Strand", TRUE);
  o_code = test_office_invite (f->office, "Karin Öberg", FALSE);

  cli_ok (f, sender, (const char *[]) { "init", NULL });
  cli_ok (f, sender, (const char *[]) { "demo-data", NULL });
  cli_ok (f, sender, (const char *[]) { "enrol", f->office->url, c_code, NULL });
  {
    g_autoptr(OmbudStore) store = open_profile (sender);
    to_send = outbox_changes (store);
  }
  g_assert_cmpuint (g_hash_table_size (to_send), >, 10000);
  /* How long a command takes before it syncs (Argon2id, much slower under
   * the sanitizers): the kills are timed from there. */
  {
    gint64 start = g_get_monotonic_time ();
    cli_ok (f, sender, (const char *[]) { "status", NULL });
    f->startup_ms = (guint) ((g_get_monotonic_time () - start) / 1000);
  }

  /* The push, killed again and again. */
  sync_through_kills (f, sender, f->startup_ms * 4 / 5, f->startup_ms + 600);
  {
    g_autoptr(OmbudStore) store = open_profile (sender);
    assert_office_holds (f, store, to_send);
    g_assert_cmpint (ombud_sql_count (ombud_store_get_db (store), "SELECT count(*) FROM outbox WHERE hold IS NULL"), ==, 0);
  }

  /* A laptop that pulls its share, killed again and again. */
  cli_ok (f, receiver, (const char *[]) { "init", NULL });
  cli_ok (f, receiver, (const char *[]) { "enrol", f->office->url, o_code, NULL });
  cli_ok (f, receiver, (const char *[]) { "sync", NULL });
  cli_ok (f, sender, (const char *[]) { "sync", NULL });
  {
    g_autoptr(OmbudStore) store = open_profile (receiver);
    g_autoptr(OmbudCaseload) caseload = ombud_caseload_new (store, NULL);
    device = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", ombud_caseload_get_device_id (caseload));
  }
  cli_ok (f, sender, (const char *[]) { "confirm", device, NULL });
  sync_through_kills (f, receiver, f->startup_ms * 4 / 5, f->startup_ms + 300);
  cli_ok (f, receiver, (const char *[]) { "sync", NULL });
  {
    g_autoptr(OmbudStore) from = open_profile (sender);
    g_autoptr(OmbudStore) to = open_profile (receiver);
    const char *karin = "(SELECT id FROM ombud WHERE name = 'Karin Öberg')";
    g_autofree char *cases = g_strdup_printf ("SELECT id, client_name, gender, birth_year, municipality_id FROM client_case"
                                              " WHERE assigned_ombud = %s ORDER BY id", karin);
    g_autofree char *notes = g_strdup_printf ("SELECT n.id, n.body, n.approved FROM note n JOIN client_case c"
                                              " ON c.id = n.case_id WHERE c.assigned_ombud = %s AND n.approved = 1 ORDER BY n.id", karin);
    g_autofree char *contacts = g_strdup_printf ("SELECT k.id, k.on_date, k.minutes FROM contact k JOIN client_case c"
                                                 " ON c.id = k.case_id WHERE c.assigned_ombud = %s ORDER BY k.id", karin);
    const char *const queries[] = { cases, notes, contacts };

    for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
      {
        g_autofree char *a = digest (from, queries[i]);
        g_autofree char *b = digest (to, queries[i]);

        /* Drafts stay on the laptop that wrote them: the sender's approved
         * notes are what the receiver must hold. */
        if (g_strcmp0 (a, b) != 0)
          g_error ("%s: %zu bytes sent, %zu held", queries[i], strlen (a), strlen (b));
      }
    {
      g_autofree char *n = g_strdup_printf ("SELECT count(*) FROM client_case WHERE assigned_ombud = %s"
                                            " AND client_name IS NOT NULL", karin);
      g_assert_cmpint (ombud_sql_count (ombud_store_get_db (to), n), >, 10);
    }
    g_assert_cmpint (ombud_sql_count (ombud_store_get_db (to), "SELECT count(*) FROM sync_held"), ==, 0);
    g_assert_true (ombud_store_check_integrity (to, NULL));
    g_assert_true (ombud_store_check_integrity (from, NULL));
  }
  g_test_message ("%u syncs killed", f->kills);
  g_assert_cmpuint (f->kills, >=, 2);

  test_office_free (f->office);
  test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->stdin_path);
  g_rand_free (f->rand);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/crash/killed-mid-sync", test_killed_mid_sync);
  return g_test_run ();
}
