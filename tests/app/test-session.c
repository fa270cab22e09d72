/* test-session.c: OmbudSession, the window's way to a profile, without a
 * display: work runs on its worker, results and state come back in the
 * main context, locking wins, and a sync reaches a real office.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sodium.h>

#include "office-fixture.h"
#include "ombud-session.h"
#include "ombud-sql.h"
#include "ombud-store.h"

#define PASSPHRASE "en lång lösenfras för test"

typedef struct {
  GAsyncResult *result;
} Wait;

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Wait *wait = user_data;

  (void) source;
  wait->result = g_object_ref (result);
}

static GAsyncResult *
wait_for (Wait *wait)
{
  while (wait->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return wait->result;
}

static void
unlock (OmbudSession *session,
        const char   *passphrase,
        GError      **error)
{
  Wait wait = { 0 };

  ombud_session_unlock_async (session, passphrase, NULL, store_result, &wait);
  ombud_session_unlock_finish (session, wait_for (&wait), error);
  g_object_unref (wait.result);
}

static OmbudSession *
new_profile (char **dir)
{
  OmbudSession *session;
  Wait wait = { 0 };
  g_autoptr(GError) error = NULL;

  *dir = test_make_tmp_dir ("ombud-session-XXXXXX");
  session = ombud_session_new (*dir);
  g_assert_false (ombud_session_get_exists (session));
  ombud_session_create_async (session, PASSPHRASE, NULL, store_result, &wait);
  g_assert_true (ombud_session_create_finish (session, wait_for (&wait), &error));
  g_assert_no_error (error);
  g_object_unref (wait.result);
  g_assert_true (ombud_session_get_exists (session));
  g_assert_true (ombud_session_get_unlocked (session));
  return session;
}

static gpointer
add_municipality (OmbudCaseload  *caseload,
                  gpointer        data,
                  GCancellable   *cancellable,
                  GError        **error)
{
  g_autofree char *code = g_strdup_printf ("%04u", g_str_hash (data) % 10000);

  (void) cancellable;
  return ombud_caseload_add_municipality (caseload, code, data, 12000, error);
}

/* Runs on the worker; says which thread it ran on. */
static gpointer
count_municipalities (OmbudCaseload  *caseload,
                      gpointer        data,
                      GCancellable   *cancellable,
                      GError        **error)
{
  GThread **thread = data;
  sqlite3 *db = ombud_store_get_db (ombud_caseload_get_store (caseload));

  (void) cancellable;
  (void) error;
  *thread = g_thread_self ();
  return GINT_TO_POINTER (1 + (int) ombud_sql_count (db, "SELECT count(*) FROM municipality"));
}

static void
on_changed (OmbudSession *session,
            guint        *count)
{
  (void) session;
  (*count)++;
}

static int
municipalities (OmbudSession *session,
                GError      **error)
{
  GThread *thread = NULL;
  Wait wait = { 0 };
  gpointer result;

  ombud_session_run_async (session, count_municipalities, &thread, NULL, NULL, NULL, store_result, &wait);
  result = ombud_session_run_finish (session, wait_for (&wait), error);
  g_object_unref (wait.result);
  if (result == NULL)
    return -1;
  g_assert_true (thread != g_thread_self ());
  return GPOINTER_TO_INT (result) - 1;
}

static void
test_unlock_write_lock (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(OmbudSession) session = new_profile (&dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  guint changed = 0;
  Wait wait = { 0 };

  g_signal_connect (session, "changed", G_CALLBACK (on_changed), &changed);
  g_assert_cmpint (municipalities (session, &error), ==, 0);

  ombud_session_write_async (session, add_municipality, g_strdup ("Strömsund"), g_free, g_free,
                             NULL, store_result, &wait);
  id = ombud_session_run_finish (session, wait_for (&wait), &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  /* ::changed and the count of changes waiting come before the callback. */
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpuint (ombud_session_get_changes_waiting (session), >=, 1);
  g_assert_cmpint (municipalities (session, &error), ==, 1);

  /* A write asked for before the lock is saved; a read after it is refused. */
  ombud_session_write_async (session, add_municipality, g_strdup ("Åre"), g_free, g_free,
                             NULL, store_result, &wait);
  ombud_session_lock (session);
  g_assert_false (ombud_session_get_unlocked (session));
  g_assert_cmpint (municipalities (session, &error), ==, -1);
  g_assert_error (error, OMBUD_SESSION_ERROR, OMBUD_SESSION_ERROR_LOCKED);
  g_clear_error (&error);
  g_free (ombud_session_run_finish (session, wait_for (&wait), &error));
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  g_assert_false (ombud_session_get_unlocked (session));

  unlock (session, "not the passphrase", &error);
  g_assert_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_false (ombud_session_get_unlocked (session));
  g_assert_cmpint (municipalities (session, &error), ==, -1);
  g_clear_error (&error);

  unlock (session, PASSPHRASE, &error);
  g_assert_no_error (error);
  g_assert_true (ombud_session_get_unlocked (session));
  g_assert_cmpint (municipalities (session, &error), ==, 2);
  test_rm_rf (dir);
}

/* An unlock asked for, then a lock before it finished: the profile stays
 * locked and the unlock says so. */
static void
test_lock_wins_over_unlock (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(OmbudSession) session = new_profile (&dir);
  g_autoptr(GError) error = NULL;
  Wait wait = { 0 };

  ombud_session_lock (session);
  ombud_session_unlock_async (session, PASSPHRASE, NULL, store_result, &wait);
  ombud_session_lock (session);
  g_assert_false (ombud_session_unlock_finish (session, wait_for (&wait), &error));
  g_assert_error (error, OMBUD_SESSION_ERROR, OMBUD_SESSION_ERROR_LOCKED);
  g_object_unref (wait.result);
  ombud_session_flush (session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (ombud_session_get_unlocked (session));
  test_rm_rf (dir);
}

static void
on_progress (OmbudSession *session,
             guint         sent,
             guint         received,
             guint        *calls)
{
  (void) session;
  (void) sent;
  (void) received;
  (*calls)++;
}

static gboolean
run_sync (OmbudSession *session,
      GError      **error)
{
  Wait wait = { 0 };
  gboolean ok;

  ombud_session_sync_async (session, NULL, store_result, &wait);
  g_assert_true (ombud_session_get_syncing (session));
  ok = ombud_session_sync_finish (session, wait_for (&wait), error);
  g_object_unref (wait.result);
  g_assert_false (ombud_session_get_syncing (session));
  return ok;
}

/* Enrolment and sync through the session against a real office: a change
 * made through the session reaches the office, and the state the window
 * shows follows. */
static void
test_enrol_and_sync (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(OmbudSession) session = new_profile (&dir);
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autofree char *code = test_office_invite (office, "Eva Strand", TRUE);
  g_autofree char *fingerprint = NULL, *recovery = NULL, *id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) held = NULL;
  guint progress = 0;
  Wait wait = { 0 };

  g_assert_false (run_sync (session, &error));
  g_assert_error (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_NOT_ENROLLED);
  g_clear_error (&error);
  g_assert_false (ombud_session_get_enrolled (session));

  ombud_session_enrol_async (session, office->url, code, NULL, store_result, &wait);
  fingerprint = ombud_session_enrol_finish (session, wait_for (&wait), &recovery, &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  g_assert_nonnull (fingerprint);
  g_assert_nonnull (recovery);   /* the organisation's first coordinator */
  g_assert_true (ombud_session_get_enrolled (session));
  g_assert_cmpint (ombud_session_get_last_success (session), ==, 0);

  ombud_session_write_async (session, add_municipality, g_strdup ("Berg"), g_free, g_free,
                             NULL, store_result, &wait);
  id = ombud_session_run_finish (session, wait_for (&wait), &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  g_assert_cmpuint (ombud_session_get_changes_waiting (session), >, 0);

  g_signal_connect (session, "sync-progress", G_CALLBACK (on_progress), &progress);
  g_assert_true (run_sync (session, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (progress, >=, 1);
  g_assert_cmpuint (ombud_session_get_changes_waiting (session), ==, 0);
  g_assert_cmpint (ombud_session_get_last_success (session), >, 0);
  g_assert_cmpuint (ombud_session_get_sync_status (session), ==, OMBUD_SYNC_STATUS_IDLE);
  held = test_office_list_changesets (office);
  g_assert_cmpuint (held->len, >=, 1);

  /* The office goes away: the sync says offline, and nothing is lost. */
  test_office_stop (office);
  ombud_session_write_async (session, add_municipality, g_strdup ("Bräcke"), g_free, g_free,
                             NULL, store_result, &wait);
  g_free (ombud_session_run_finish (session, wait_for (&wait), &error));
  g_clear_object (&wait.result);
  g_assert_false (run_sync (session, &error));
  g_assert_error (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_OFFLINE);
  g_clear_error (&error);
  g_assert_cmpuint (ombud_session_get_sync_status (session), ==, OMBUD_SYNC_STATUS_OFFLINE);
  g_assert_cmpuint (ombud_session_get_changes_waiting (session), >, 0);
  test_office_start (office);
  g_assert_true (run_sync (session, &error));
  g_assert_cmpuint (ombud_session_get_changes_waiting (session), ==, 0);
  g_assert_cmpuint (ombud_session_get_sync_status (session), ==, OMBUD_SYNC_STATUS_IDLE);
  test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/session/unlock-write-lock", test_unlock_write_lock);
  g_test_add_func ("/session/lock-wins-over-unlock", test_lock_wins_over_unlock);
  g_test_add_func ("/session/enrol-and-sync", test_enrol_and_sync);
  return g_test_run ();
}
