/* ombud-session.c: one profile as the window sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Work is a queue of jobs for one worker thread.  The worker alone touches
 * the store, caseload and engine; each job ends with a snapshot of what the
 * window shows (unlocked, enrolled, changes waiting, last sync), which the
 * asking main context applies before it hands the job's result back.
 *
 * Locking must win over everything: ombud_session_lock() bumps a
 * generation at once, so reads still queued fail and snapshots taken before
 * it are ignored; writes already queued are still saved, then the keys go.
 */
#include "ombud-session.h"

#include <sodium.h>

#include "ombud-main-context.h"
#include "ombud-sql.h"
#include "ombud-store.h"
#include "ombud-sync-enrol.h"
#include "ombud-sync-guard.h"
#include "ombud-sync-state.h"

struct _OmbudSession
{
  GObject          parent_instance;

  char            *profile_dir;
  GThread         *thread;
  GAsyncQueue     *jobs;
  int              generation;      /* atomic: bumped by each lock */

  /* The worker's own. */
  OmbudStore      *store;
  OmbudCaseload   *caseload;
  OmbudSyncEngine *engine;

  /* The main context's mirror. */
  gboolean         unlocked;
  gboolean         enrolled;
  gboolean         syncing;
  OmbudSyncStatus  sync_status;
  char            *sync_error;
  gint64           last_success;
  guint            changes_waiting;
  gint64           clock_offset;
  GCancellable    *sync_cancellable;

  GMutex           flush_mutex;
  GCond            flush_cond;
  guint            flushes_done;
};

G_DEFINE_FINAL_TYPE (OmbudSession, ombud_session, G_TYPE_OBJECT)
G_DEFINE_QUARK (ombud-session-error-quark, ombud_session_error)

enum {
  PROP_0,
  PROP_PROFILE_DIR,
  PROP_UNLOCKED,
  PROP_ENROLLED,
  PROP_SYNCING,
  PROP_SYNC_STATUS,
  PROP_SYNC_ERROR,
  PROP_LAST_SUCCESS,
  PROP_CHANGES_WAITING,
  PROP_CLOCK_OFFSET,
  N_PROPS
};

enum {
  SIGNAL_CHANGED,
  SIGNAL_SYNC_PROGRESS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef enum {
  JOB_READ,
  JOB_WRITE,
  JOB_CREATE,
  JOB_UNLOCK,
  JOB_UNLOCK_SYNC,
  JOB_LOCK,
  JOB_ENROL,
  JOB_SYNC,
  JOB_FLUSH,
  JOB_QUIT,
} JobKind;

/* What the window shows of the profile, as the worker last saw it. */
typedef struct {
  gboolean        taken;
  gboolean        unlocked;
  gboolean        enrolled;
  gint64          last_success;
  guint           changes_waiting;
  gint64          clock_offset;
  gboolean        sync_done;
  OmbudSyncStatus sync_status;
  char           *sync_error;
  guint           pulled;
} Snapshot;

typedef struct {
  JobKind          kind;
  int              generation;
  OmbudSession    *session;
  GMainContext    *context;
  GTask           *task;
  GCancellable    *cancellable;
  OmbudSessionFunc func;
  gpointer         data;
  GDestroyNotify   data_free;
  GDestroyNotify   result_free;
  char            *secret;          /* sodium_malloc'd passphrase */
  char            *url;
  char            *code;
  char            *recovery_key;
  gpointer         result;
  GError          *error;
  Snapshot         snapshot;
} Job;

/* ---- jobs ----------------------------------------------------------------- */

static void
job_free (gpointer data)
{
  Job *job = data;

  if (job->data_free != NULL && job->data != NULL)
    job->data_free (job->data);
  if (job->result_free != NULL && job->result != NULL)
    job->result_free (job->result);
  if (job->secret != NULL)
    sodium_free (job->secret);
  g_free (job->url);
  g_free (job->code);
  g_free (job->recovery_key);
  g_free (job->snapshot.sync_error);
  g_clear_error (&job->error);
  g_clear_object (&job->cancellable);
  g_clear_object (&job->task);
  g_clear_pointer (&job->context, g_main_context_unref);
  g_clear_object (&job->session);
  g_free (job);
}

static char *
secret_dup (const char *text)
{
  size_t len = strlen (text);
  char *copy = sodium_malloc (len + 1);

  g_assert (copy != NULL);
  memcpy (copy, text, len + 1);
  return copy;
}

/* Flush and quit: no reference on the session, which they outlive or end. */
static Job *
bare_job (JobKind kind)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  return job;
}

static Job *
job_new (OmbudSession        *self,
         JobKind              kind,
         GCancellable        *cancellable,
         GAsyncReadyCallback  callback,
         gpointer             user_data)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->generation = g_atomic_int_get (&self->generation);
  job->session = g_object_ref (self);
  job->context = g_main_context_ref_thread_default ();
  if (cancellable != NULL)
    job->cancellable = g_object_ref (cancellable);
  if (callback != NULL)
    job->task = g_task_new (self, cancellable, callback, user_data);
  return job;
}

/* ---- the worker ----------------------------------------------------------- */

static void
take_snapshot (OmbudSession *self,
               Snapshot     *snapshot)
{
  g_autoptr(OmbudSyncConfig) config = NULL;

  snapshot->taken = TRUE;
  snapshot->unlocked = self->caseload != NULL;
  if (self->caseload == NULL)
    return;
  config = ombud_sync_config_load (self->store, NULL);
  snapshot->enrolled = config != NULL;
  if (config != NULL)
    {
      snapshot->last_success = config->last_success_ms;
      snapshot->clock_offset = config->clock_offset_ms;
    }
  snapshot->changes_waiting = (guint) MAX (0, ombud_sql_count (ombud_store_get_db (self->store),
                                                              "SELECT count(*) FROM outbox WHERE hold IS NULL"));
}

static void
close_profile (OmbudSession *self)
{
  g_clear_object (&self->engine);
  g_clear_object (&self->caseload);
  if (self->store != NULL && ombud_store_get_unlocked (self->store))
    ombud_store_lock (self->store);
}

static gboolean
open_caseload (OmbudSession  *self,
               GError       **error)
{
  self->caseload = ombud_caseload_new (self->store, error);
  if (self->caseload == NULL)
    {
      ombud_store_lock (self->store);
      return FALSE;
    }
  self->engine = ombud_sync_engine_new (self->caseload);
  return TRUE;
}

static gboolean
worker_unlock (OmbudSession  *self,
               Job           *job,
               GError       **error)
{
  if (self->caseload != NULL)
    return TRUE;
  if (job->kind == JOB_CREATE && !ombud_store_create (self->store, job->secret, NULL, error))
    return FALSE;
  if (!ombud_store_unlock (self->store, job->secret, error))
    return FALSE;
  return open_caseload (self, error);
}

static void
forward_progress (OmbudSyncEngine *engine,
                  guint            sent,
                  guint            received,
                  gpointer         user_data);

static gboolean
worker_sync (OmbudSession  *self,
             Job           *job,
             GError       **error)
{
  const OmbudSyncStats *stats;
  gulong handler;
  gboolean ok;

  handler = g_signal_connect (self->engine, "progress", G_CALLBACK (forward_progress), job);
  ok = ombud_sync_engine_sync (self->engine, job->cancellable, error);
  g_signal_handler_disconnect (self->engine, handler);
  stats = ombud_sync_engine_get_stats (self->engine);
  job->snapshot.sync_done = TRUE;
  job->snapshot.sync_status = ombud_sync_engine_get_status (self->engine);
  job->snapshot.sync_error = g_strdup (ombud_sync_engine_get_error_message (self->engine));
  job->snapshot.pulled = stats->pulled;
  if (!ok && g_error_matches (*error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REVOKED))
    close_profile (self);   /* the engine has wiped the replica */
  return ok;
}

/* PROTOCOL.md §10.4: a profile locked for want of a sync asks the office
 * for its share, unlocks, and syncs at once so that its unsynced edits go
 * out.  A sync that fails after that leaves it unlocked: the scheduler
 * tries again. */
static gboolean
worker_unlock_syncing (OmbudSession  *self,
                       Job           *job,
                       GError       **error)
{
  g_autoptr(GError) sync_error = NULL;

  if (self->caseload != NULL)
    return TRUE;
  if (!ombud_sync_guard_fetch_share (self->store, job->secret, job->cancellable, error)
      || !worker_unlock (self, job, error))
    return FALSE;
  if (!worker_sync (self, job, &sync_error)
      && g_error_matches (sync_error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REVOKED))
    {
      g_propagate_error (error, g_steal_pointer (&sync_error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
worker_enrol (OmbudSession  *self,
              Job           *job,
              GError       **error)
{
  g_autofree char *fingerprint = NULL;
  g_autofree char *recovery_key = NULL;
  OmbudHttpOptions tls = { 0 };   /* the system's certificate authorities */

  if (!ombud_sync_enrol (self->caseload, job->url, job->code, &tls,
                         &fingerprint, &recovery_key, error))
    return FALSE;
  job->result = g_strdup (fingerprint);
  job->result_free = g_free;
  /* Only the organisation's first coordinator gets a recovery key: the
   * window then shows it once (ombud_session_enrol_finish). */
  job->recovery_key = g_steal_pointer (&recovery_key);
  return TRUE;
}

static gboolean
job_is_stale (OmbudSession *self,
              Job          *job)
{
  return job->generation != g_atomic_int_get (&self->generation);
}

static void
worker_run (OmbudSession *self,
            Job          *job)
{
  GError *error = NULL;
  gboolean needs_caseload = job->kind == JOB_READ || job->kind == JOB_WRITE
                            || job->kind == JOB_ENROL || job->kind == JOB_SYNC;
  gboolean ok = TRUE;

  if (g_cancellable_set_error_if_cancelled (job->cancellable, &error))
    ok = FALSE;
  else if (needs_caseload && (self->caseload == NULL || (job->kind != JOB_WRITE && job_is_stale (self, job))))
    {
      g_set_error_literal (&error, OMBUD_SESSION_ERROR, OMBUD_SESSION_ERROR_LOCKED,
                           "The profile is locked");
      ok = FALSE;
    }
  else
    switch (job->kind)
      {
      case JOB_READ:
      case JOB_WRITE:
        job->result = job->func (self->caseload, job->data, job->cancellable, &error);
        ok = job->result != NULL;
        break;
      case JOB_CREATE:
      case JOB_UNLOCK:
        ok = worker_unlock (self, job, &error);
        break;
      case JOB_UNLOCK_SYNC:
        ok = worker_unlock_syncing (self, job, &error);
        break;
      case JOB_LOCK:
        close_profile (self);
        break;
      case JOB_ENROL:
        ok = worker_enrol (self, job, &error);
        break;
      case JOB_SYNC:
        ok = worker_sync (self, job, &error);
        break;
      case JOB_FLUSH:
      case JOB_QUIT:
        break;
      }
  if (job->secret != NULL)
    g_clear_pointer (&job->secret, sodium_free);
  if (!ok)
    job->error = error;
  if (job->kind != JOB_READ)
    take_snapshot (self, &job->snapshot);
}

static void
finish_flush (OmbudSession *self)
{
  g_mutex_lock (&self->flush_mutex);
  self->flushes_done++;
  g_cond_broadcast (&self->flush_cond);
  g_mutex_unlock (&self->flush_mutex);
}

static gboolean job_finish_in_caller (gpointer data);

static gpointer
worker_main (gpointer data)
{
  OmbudSession *self = data;

  for (;;)
    {
      Job *job = g_async_queue_pop (self->jobs);

      if (job->kind == JOB_QUIT)
        {
          g_free (job);
          break;
        }
      if (job->kind == JOB_FLUSH)
        {
          /* Freed first: the waiting caller may drop the last reference. */
          g_free (job);
          finish_flush (self);
          continue;
        }
      worker_run (self, job);
      ombud_main_context_post (job->context, job_finish_in_caller, job, job_free);
    }
  close_profile (self);
  g_clear_object (&self->store);
  return NULL;
}

/* ---- back in the caller's main context ------------------------------------- */

static void
set_bool (OmbudSession *self, gboolean *field, gboolean value, int prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_int64 (OmbudSession *self, gint64 *field, gint64 value, int prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
apply_sync_result (OmbudSession   *self,
                   const Snapshot *snapshot)
{
  if (self->sync_status != snapshot->sync_status)
    {
      self->sync_status = snapshot->sync_status;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_STATUS]);
    }
  if (g_strcmp0 (self->sync_error, snapshot->sync_error) != 0)
    {
      g_free (self->sync_error);
      self->sync_error = g_strdup (snapshot->sync_error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_ERROR]);
    }
}

static void
apply_snapshot (OmbudSession   *self,
                const Snapshot *snapshot)
{
  g_object_freeze_notify (G_OBJECT (self));
  set_bool (self, &self->unlocked, snapshot->unlocked, PROP_UNLOCKED);
  if (snapshot->unlocked)
    {
      set_bool (self, &self->enrolled, snapshot->enrolled, PROP_ENROLLED);
      set_int64 (self, &self->last_success, snapshot->last_success, PROP_LAST_SUCCESS);
      set_int64 (self, &self->clock_offset, snapshot->clock_offset, PROP_CLOCK_OFFSET);
      if (self->changes_waiting != snapshot->changes_waiting)
        {
          self->changes_waiting = snapshot->changes_waiting;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHANGES_WAITING]);
        }
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
job_finish_in_caller (gpointer data)
{
  Job *job = data;
  OmbudSession *self = job->session;
  gboolean stale = job_is_stale (self, job);

  if (job->kind == JOB_SYNC)
    {
      g_clear_object (&self->sync_cancellable);
      set_bool (self, &self->syncing, FALSE, PROP_SYNCING);
      if (job->snapshot.sync_done)
        apply_sync_result (self, &job->snapshot);
    }
  /* A snapshot from before a lock would show the profile open again. */
  if (job->snapshot.taken && (!stale || !job->snapshot.unlocked))
    apply_snapshot (self, &job->snapshot);
  if (job->error == NULL && (job->kind == JOB_WRITE || (job->kind == JOB_SYNC && job->snapshot.pulled > 0)))
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);

  if (job->task == NULL)
    return G_SOURCE_REMOVE;
  if (job->error == NULL && stale
      && (job->kind == JOB_UNLOCK || job->kind == JOB_UNLOCK_SYNC || job->kind == JOB_CREATE))
    g_set_error_literal (&job->error, OMBUD_SESSION_ERROR, OMBUD_SESSION_ERROR_LOCKED,
                         "The profile was locked again");
  if (job->recovery_key != NULL)
    g_task_set_task_data (job->task, g_steal_pointer (&job->recovery_key), g_free);
  if (job->error != NULL)
    g_task_return_error (job->task, g_steal_pointer (&job->error));
  else
    g_task_return_pointer (job->task, g_steal_pointer (&job->result), g_steal_pointer (&job->result_free));
  return G_SOURCE_REMOVE;
}

typedef struct {
  OmbudSession *session;
  guint         sent;
  guint         received;
} Progress;

static gboolean
emit_progress (gpointer data)
{
  Progress *progress = data;

  g_signal_emit (progress->session, signals[SIGNAL_SYNC_PROGRESS], 0, progress->sent, progress->received);
  return G_SOURCE_REMOVE;
}

static void
progress_free (gpointer data)
{
  Progress *progress = data;

  g_object_unref (progress->session);
  g_free (progress);
}

static void
forward_progress (OmbudSyncEngine *engine,
                  guint            sent,
                  guint            received,
                  gpointer         user_data)
{
  Job *job = user_data;
  Progress *progress = g_new0 (Progress, 1);

  (void) engine;
  progress->session = g_object_ref (job->session);
  progress->sent = sent;
  progress->received = received;
  ombud_main_context_post (job->context, emit_progress, progress, progress_free);
}

/* ---- GObject --------------------------------------------------------------- */

static void
ombud_session_finalize (GObject *object)
{
  OmbudSession *self = OMBUD_SESSION (object);
  g_async_queue_push (self->jobs, bare_job (JOB_QUIT));
  g_thread_join (self->thread);
  g_async_queue_unref (self->jobs);
  g_clear_object (&self->sync_cancellable);
  g_free (self->sync_error);
  g_free (self->profile_dir);
  g_mutex_clear (&self->flush_mutex);
  g_cond_clear (&self->flush_cond);
  G_OBJECT_CLASS (ombud_session_parent_class)->finalize (object);
}

static void
ombud_session_constructed (GObject *object)
{
  OmbudSession *self = OMBUD_SESSION (object);

  G_OBJECT_CLASS (ombud_session_parent_class)->constructed (object);
  self->store = ombud_store_new (self->profile_dir);
  self->jobs = g_async_queue_new ();
  self->thread = g_thread_new ("ombud-session", worker_main, self);
}

static void
ombud_session_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  OmbudSession *self = OMBUD_SESSION (object);

  switch (prop_id)
    {
    case PROP_PROFILE_DIR: g_value_set_string (value, self->profile_dir); break;
    case PROP_UNLOCKED: g_value_set_boolean (value, self->unlocked); break;
    case PROP_ENROLLED: g_value_set_boolean (value, self->enrolled); break;
    case PROP_SYNCING: g_value_set_boolean (value, self->syncing); break;
    case PROP_SYNC_STATUS: g_value_set_uint (value, self->sync_status); break;
    case PROP_SYNC_ERROR: g_value_set_string (value, self->sync_error); break;
    case PROP_LAST_SUCCESS: g_value_set_int64 (value, self->last_success); break;
    case PROP_CHANGES_WAITING: g_value_set_uint (value, self->changes_waiting); break;
    case PROP_CLOCK_OFFSET: g_value_set_int64 (value, self->clock_offset); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_session_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  OmbudSession *self = OMBUD_SESSION (object);

  switch (prop_id)
    {
    case PROP_PROFILE_DIR: self->profile_dir = g_value_dup_string (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_session_class_init (OmbudSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = ombud_session_constructed;
  object_class->finalize = ombud_session_finalize;
  object_class->get_property = ombud_session_get_property;
  object_class->set_property = ombud_session_set_property;

  properties[PROP_PROFILE_DIR] =
    g_param_spec_string ("profile-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNLOCKED] = g_param_spec_boolean ("unlocked", NULL, NULL, FALSE, ro);
  properties[PROP_ENROLLED] = g_param_spec_boolean ("enrolled", NULL, NULL, FALSE, ro);
  properties[PROP_SYNCING] = g_param_spec_boolean ("syncing", NULL, NULL, FALSE, ro);
  /* An OmbudSyncStatus. */
  properties[PROP_SYNC_STATUS] =
    g_param_spec_uint ("sync-status", NULL, NULL, 0, OMBUD_SYNC_STATUS_ERROR, OMBUD_SYNC_STATUS_IDLE, ro);
  properties[PROP_SYNC_ERROR] = g_param_spec_string ("sync-error", NULL, NULL, NULL, ro);
  /* Milliseconds since the epoch; 0 before the first. */
  properties[PROP_LAST_SUCCESS] =
    g_param_spec_int64 ("last-success", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_CHANGES_WAITING] =
    g_param_spec_uint ("changes-waiting", NULL, NULL, 0, G_MAXUINT, 0, ro);
  /* The office's clock minus ours at the last sync, in milliseconds. */
  properties[PROP_CLOCK_OFFSET] =
    g_param_spec_int64 ("clock-offset", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * OmbudSession::changed:
   *
   * The caseload changed: a write committed or a sync brought something.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * OmbudSession::sync-progress:
   * @sent: changesets the office has taken so far in this sync
   * @received: changesets received so far
   */
  signals[SIGNAL_SYNC_PROGRESS] =
    g_signal_new ("sync-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
ombud_session_init (OmbudSession *self)
{
  g_mutex_init (&self->flush_mutex);
  g_cond_init (&self->flush_cond);
}

/* ---- public ---------------------------------------------------------------- */

OmbudSession *
ombud_session_new (const char *profile_dir)
{
  g_return_val_if_fail (profile_dir != NULL, NULL);
  return g_object_new (OMBUD_TYPE_SESSION, "profile-dir", profile_dir, NULL);
}

const char *ombud_session_get_profile_dir (OmbudSession *self) { return self->profile_dir; }
gboolean ombud_session_get_unlocked (OmbudSession *self) { return self->unlocked; }
gboolean ombud_session_get_enrolled (OmbudSession *self) { return self->enrolled; }
gboolean ombud_session_get_syncing (OmbudSession *self) { return self->syncing; }
OmbudSyncStatus ombud_session_get_sync_status (OmbudSession *self) { return self->sync_status; }
const char *ombud_session_get_sync_error (OmbudSession *self) { return self->sync_error; }
gint64 ombud_session_get_last_success (OmbudSession *self) { return self->last_success; }
guint ombud_session_get_changes_waiting (OmbudSession *self) { return self->changes_waiting; }
gint64 ombud_session_get_clock_offset (OmbudSession *self) { return self->clock_offset; }

gboolean
ombud_session_get_exists (OmbudSession *self)
{
  g_autofree char *key_file = g_build_filename (self->profile_dir, "ombud.key", NULL);

  return g_file_test (key_file, G_FILE_TEST_EXISTS);
}

static void
push (OmbudSession *self,
      Job          *job)
{
  g_async_queue_push (self->jobs, job);
}

static void
push_unlock (OmbudSession        *self,
             JobKind              kind,
             const char          *passphrase,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  Job *job = job_new (self, kind, cancellable, callback, user_data);

  job->secret = secret_dup (passphrase);
  push (self, job);
}

void
ombud_session_create_async (OmbudSession        *self,
                            const char          *passphrase,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  push_unlock (self, JOB_CREATE, passphrase, cancellable, callback, user_data);
}

static gboolean
finish_boolean (OmbudSession  *self,
                GAsyncResult  *result,
                GError       **error)
{
  g_autoptr(GError) failure = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_task_propagate_pointer (G_TASK (result), &failure);
  if (failure == NULL)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&failure));
  return FALSE;
}

gboolean
ombud_session_create_finish (OmbudSession  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return finish_boolean (self, result, error);
}

void
ombud_session_unlock_async (OmbudSession        *self,
                            const char          *passphrase,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  push_unlock (self, JOB_UNLOCK, passphrase, cancellable, callback, user_data);
}

gboolean
ombud_session_unlock_finish (OmbudSession  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return finish_boolean (self, result, error);
}

void
ombud_session_unlock_by_syncing_async (OmbudSession        *self,
                                       const char          *passphrase,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  push_unlock (self, JOB_UNLOCK_SYNC, passphrase, cancellable, callback, user_data);
}

gboolean
ombud_session_unlock_by_syncing_finish (OmbudSession  *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  return finish_boolean (self, result, error);
}

void
ombud_session_lock (OmbudSession *self)
{
  g_atomic_int_inc (&self->generation);
  if (self->sync_cancellable != NULL)
    g_cancellable_cancel (self->sync_cancellable);
  set_bool (self, &self->unlocked, FALSE, PROP_UNLOCKED);
  push (self, job_new (self, JOB_LOCK, NULL, NULL, NULL));
}

static void
push_func (OmbudSession        *self,
           JobKind              kind,
           OmbudSessionFunc     func,
           gpointer             data,
           GDestroyNotify       data_free,
           GDestroyNotify       result_free,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  Job *job = job_new (self, kind, cancellable, callback, user_data);

  job->func = func;
  job->data = data;
  job->data_free = data_free;
  job->result_free = result_free;
  push (self, job);
}

void
ombud_session_run_async (OmbudSession        *self,
                         OmbudSessionFunc     func,
                         gpointer             data,
                         GDestroyNotify       data_free,
                         GDestroyNotify       result_free,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  push_func (self, JOB_READ, func, data, data_free, result_free, cancellable, callback, user_data);
}

void
ombud_session_write_async (OmbudSession        *self,
                           OmbudSessionFunc     func,
                           gpointer             data,
                           GDestroyNotify       data_free,
                           GDestroyNotify       result_free,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  push_func (self, JOB_WRITE, func, data, data_free, result_free, cancellable, callback, user_data);
}

gpointer
ombud_session_run_finish (OmbudSession  *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ombud_session_enrol_async (OmbudSession        *self,
                           const char          *url,
                           const char          *code,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  Job *job = job_new (self, JOB_ENROL, cancellable, callback, user_data);

  job->url = g_strdup (url);
  job->code = g_strdup (code);
  push (self, job);
}

char *
ombud_session_enrol_finish (OmbudSession  *self,
                            GAsyncResult  *result,
                            char         **recovery_key,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  if (recovery_key != NULL)
    *recovery_key = g_strdup (g_task_get_task_data (G_TASK (result)));
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ombud_session_sync_async (OmbudSession        *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  Job *job;

  if (self->syncing)
    {
      g_task_report_new_error (self, callback, user_data, ombud_session_sync_async,
                               OMBUD_SESSION_ERROR, OMBUD_SESSION_ERROR_BUSY,
                               "A sync is already running");
      return;
    }
  /* The session's own cancellable, so that locking can stop the sync; the
   * caller's cancels it too. */
  self->sync_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    g_cancellable_connect (cancellable, G_CALLBACK (g_cancellable_cancel),
                           g_object_ref (self->sync_cancellable), g_object_unref);
  job = job_new (self, JOB_SYNC, self->sync_cancellable, callback, user_data);
  set_bool (self, &self->syncing, TRUE, PROP_SYNCING);
  push (self, job);
}

gboolean
ombud_session_sync_finish (OmbudSession  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return finish_boolean (self, result, error);
}

void
ombud_session_flush (OmbudSession *self)
{
  guint target;

  g_mutex_lock (&self->flush_mutex);
  target = self->flushes_done + 1;
  g_mutex_unlock (&self->flush_mutex);
  push (self, bare_job (JOB_FLUSH));
  g_mutex_lock (&self->flush_mutex);
  while (self->flushes_done < target)
    g_cond_wait (&self->flush_cond, &self->flush_mutex);
  g_mutex_unlock (&self->flush_mutex);
}
