/* ombud-sync-engine.c: a laptop's side of sync with the office
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROTOCOL.md §5–§7.  A sync is a few rounds of one request each: push what
 * the outbox holds (sealed once, so a retry sends the same bytes), the grants
 * and certificates owed, and pull what the office has for this device.  A
 * response is applied in one transaction together with the cursor that
 * covers it, so a crash or a cut never loses or repeats anything: the outbox
 * forgets a changeset only once the office has said it holds it.
 */
#include "ombud-sync-engine.h"

#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

#include "ombud-backoff.h"
#include "ombud-cert.h"
#include "ombud-closure.h"
#include "ombud-envelope.h"
#include "ombud-error.h"
#include "ombud-fields.h"
#include "ombud-identity.h"
#include "ombud-keyring.h"
#include "ombud-main-context.h"
#include "ombud-seal.h"
#include "ombud-sql.h"
#include "ombud-sync-digest.h"
#include "ombud-sync-directory.h"
#include "ombud-sync-escrow.h"
#include "ombud-sync-guard.h"
#include "ombud-sync-keybundle.h"
#include "ombud-sync-handover.h"
#include "ombud-sync-retention.h"
#include "ombud-sync-message.h"
#include "ombud-sync-outbox.h"
#include "ombud-sync-private.h"
#include "ombud-sync-state.h"
#include "ombud-vfs.h"

#define PUSH_BUDGET    (512 * 1024)
#define PULL_BUDGET    (256 * 1024)
#define COALESCE_CAP   (64 * 1024)
#define MAX_ROUNDS     10000

struct _OmbudSyncEngine {
  GObject          parent_instance;

  OmbudCaseload   *caseload;
  OmbudSyncStatus  status;
  char            *error_message;
  gint64           last_success;
  guint            changes_waiting;
  gint64           clock_offset;
  OmbudSyncStats   stats;
  guint32          budget;
  guint            backoff_base_ms;
  guint            backoff_cap_ms;
  GMainContext    *caller_context;   /* where an async sync reports progress; NULL: this thread */
};

G_DEFINE_FINAL_TYPE (OmbudSyncEngine, ombud_sync_engine, G_TYPE_OBJECT)
G_DEFINE_QUARK (ombud-sync-error-quark, ombud_sync_error)

enum {
  PROP_0,
  PROP_CASELOAD,
  PROP_STATUS,
  PROP_ERROR_MESSAGE,
  PROP_LAST_SUCCESS,
  PROP_CHANGES_WAITING,
  PROP_CLOCK_OFFSET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What one round leaves for the next */
typedef struct {
  OmbudSyncEngine   *engine;
  OmbudSyncConfig   *config;
  OmbudHttp         *http;
  GCancellable      *cancellable;
  GArray            *outgoing_sent;   /* gint64 seq of sync_outgoing rows in the request */
  gboolean           replayed;        /* refused as older than the last request the office took */
  guint              number;          /* of this round in the sync, from 0 */
  gboolean           escrow_sent;
  gboolean           reports_sent;    /* cases handed over, told to the office (PROTOCOL.md §9) */
  GStrv              shred_sent;      /* cases the office was asked to shred (PROTOCOL.md §9) */
  gboolean           wants_client;    /* an ombud's device, or a coordinator's the policy lets read */
  gboolean           again;
} Round;

/* ---- the object ---------------------------------------------------------- */

static void
ombud_sync_engine_finalize (GObject *object)
{
  OmbudSyncEngine *self = (OmbudSyncEngine *) object;

  g_clear_object (&self->caseload);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->caller_context, g_main_context_unref);
  G_OBJECT_CLASS (ombud_sync_engine_parent_class)->finalize (object);
}

static void
ombud_sync_engine_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  OmbudSyncEngine *self = OMBUD_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_CASELOAD: g_value_set_object (value, self->caseload); break;
    case PROP_STATUS: g_value_set_int (value, self->status); break;
    case PROP_ERROR_MESSAGE: g_value_set_string (value, self->error_message); break;
    case PROP_LAST_SUCCESS: g_value_set_int64 (value, self->last_success); break;
    case PROP_CHANGES_WAITING: g_value_set_uint (value, self->changes_waiting); break;
    case PROP_CLOCK_OFFSET: g_value_set_int64 (value, self->clock_offset); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_sync_engine_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  OmbudSyncEngine *self = OMBUD_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_CASELOAD: self->caseload = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_sync_engine_class_init (OmbudSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ombud_sync_engine_finalize;
  object_class->get_property = ombud_sync_engine_get_property;
  object_class->set_property = ombud_sync_engine_set_property;

  properties[PROP_CASELOAD] =
    g_param_spec_object ("caseload", NULL, NULL, OMBUD_TYPE_CASELOAD,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] =
    g_param_spec_int ("status", NULL, NULL, OMBUD_SYNC_STATUS_IDLE, OMBUD_SYNC_STATUS_ERROR,
                      OMBUD_SYNC_STATUS_IDLE, ro);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL, ro);
  properties[PROP_LAST_SUCCESS] =
    g_param_spec_int64 ("last-success", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_CHANGES_WAITING] =
    g_param_spec_uint ("changes-waiting", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_CLOCK_OFFSET] =
    g_param_spec_int64 ("clock-offset", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * OmbudSyncEngine::progress:
   * @sent: changesets the office has taken so far in this sync
   * @received: changesets received so far
   *
   * After each request of a sync, in the thread (or, for _async, the
   * main context) the sync was started from.
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
ombud_sync_engine_init (OmbudSyncEngine *self)
{
  self->budget = PULL_BUDGET;
  self->backoff_base_ms = 2000;
  self->backoff_cap_ms = 5 * 60 * 1000;
}

OmbudSyncEngine *
ombud_sync_engine_new (OmbudCaseload *caseload)
{
  return g_object_new (OMBUD_TYPE_SYNC_ENGINE, "caseload", caseload, NULL);
}

OmbudSyncStatus ombud_sync_engine_get_status (OmbudSyncEngine *self) { return self->status; }
const char *ombud_sync_engine_get_error_message (OmbudSyncEngine *self) { return self->error_message; }
gint64 ombud_sync_engine_get_last_success (OmbudSyncEngine *self) { return self->last_success; }
guint ombud_sync_engine_get_changes_waiting (OmbudSyncEngine *self) { return self->changes_waiting; }
gint64 ombud_sync_engine_get_clock_offset (OmbudSyncEngine *self) { return self->clock_offset; }
const OmbudSyncStats *ombud_sync_engine_get_stats (OmbudSyncEngine *self) { return &self->stats; }

void
ombud_sync_engine_set_budget (OmbudSyncEngine *self,
                              guint32          budget)
{
  self->budget = budget;
}

void
ombud_sync_engine_set_backoff (OmbudSyncEngine *self,
                               guint            base_ms,
                               guint            cap_ms)
{
  self->backoff_base_ms = base_ms;
  self->backoff_cap_ms = cap_ms;
}

/* ---- the store ------------------------------------------------------------ */

static sqlite3 *
db_of (OmbudSyncEngine *self)
{
  return ombud_store_get_db (ombud_caseload_get_store (self->caseload));
}

/* ---- building a request --------------------------------------------------- */

/* Cases this laptop made before it knew whose it is are its ombud's. */
static gboolean
claim_unassigned_cases (Round   *round,
                        GError **error)
{
  OmbudCaseload *caseload = round->engine->caseload;
  OmbudKeyring *keyring = ombud_caseload_get_keyring (caseload);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = db_of (round->engine);
  sqlite3_stmt *stmt;

  if (round->config->role != 0 || round->config->ombud_id == NULL)
    return TRUE;
  stmt = ombud_sql_prepare (db, "SELECT id FROM client_case WHERE assigned_ombud IS NULL AND deleted = 0", error);
  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(OmbudSecret) key = ombud_keyring_lookup_case (keyring, ids->pdata[i], NULL);

      if (key != NULL
          && !ombud_caseload_assign_case (caseload, ids->pdata[i], round->config->ombud_id, error))
        return FALSE;
    }
  return TRUE;
}

/* A coordinator's assignment, or an ombud's new case, tells the office
 * whose devices a case goes to (PROTOCOL.md §6). */
static void
add_routes (Round            *round,
            OmbudSyncRequest *req,
            OmbudChangeset   *cs)
{
  guint8 case_id[16];

  for (guint i = 0; i < cs->changes->len; i++)
    {
      OmbudChange *c = cs->changes->pdata[i];
      const char *ombud_id;

      if (strcmp (c->table, "client_case") != 0 || strcmp (c->field, "assigned_ombud") != 0
          || c->value == NULL || !g_variant_is_of_type (c->value, G_VARIANT_TYPE_STRING)
          || !ombud_uuid_parse (c->record, case_id))
        continue;
      ombud_id = g_variant_get_string (c->value, NULL);
      if (round->config->role == 1 || g_strcmp0 (ombud_id, round->config->ombud_id) == 0)
        ombud_sync_request_add_route (req, case_id, ombud_id);
    }
}

static gboolean
store_sealed (sqlite3   *db,
              gint64     seq,
              GBytes    *sealed,
              GError   **error)
{
  sqlite3_stmt *stmt = ombud_sql_prepare (db, "UPDATE outbox SET sealed = ?2 WHERE seq = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_blob (stmt, 2, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed), SQLITE_STATIC);
  return ombud_sql_run (db, stmt, error);
}

/* As ombud-seal.c splits it: a changeset with a client part. */
static gboolean
has_client_change (const OmbudChangeset *cs)
{
  for (guint i = 0; i < cs->changes->len; i++)
    {
      const OmbudChange *c = cs->changes->pdata[i];

      if (ombud_field_tier (c->table, c->field, NULL) == OMBUD_TIER_CLIENT)
        return TRUE;
    }
  return FALSE;
}

/* Client text of a case that came to this device's ombud from another, and
 * no key of the case here: it came without the client's consent to hand
 * the notes over, or the key is still on its way.  Either way the new
 * owner seals what it writes under a key of its own, which the former
 * owner never gets (PROTOCOL.md §9.3). */
static gboolean
makes_own_case_key (Round                *round,
                    const OmbudChangeset *plain,
                    const GError         *error)
{
  OmbudKeyring *keyring = ombud_caseload_get_keyring (round->engine->caseload);
  guint8 subject[16];
  guint32 epoch;

  sqlite3_stmt *stmt;
  gboolean mine;

  if (!g_error_matches (error, OMBUD_SEAL_ERROR, OMBUD_SEAL_ERROR_MISSING_KEY)
      || round->config->role != 0 || round->config->ombud_id == NULL
      || !ombud_uuid_parse (plain->case_id, subject)
      || ombud_keyring_get_case_epoch (keyring, subject, &epoch, NULL)
      || !has_client_change (plain))
    return FALSE;
  /* Of this ombud now, made by another ombud's device (ombud-sync-handover.c
   * passes such keys on).  A case a coordinator took in, or this ombud's
   * own, gets its key from the device that made it. */
  stmt = ombud_sql_prepare (db_of (round->engine),
    "SELECT 1 FROM client_case c JOIN known_device k ON k.device_id ="
    "  (SELECT v.device FROM version v WHERE v.tbl = 'client_case' AND v.rec = c.id"
    "   AND v.field = 'municipality_id' ORDER BY v.hlc, v.device LIMIT 1)"
    " WHERE c.id = ?1 AND c.deleted = 0 AND lower (c.assigned_ombud) = lower (?2)"
    " AND k.role = 'ombud' AND lower (k.ombud_id) <> lower (?2)", NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, plain->case_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, round->config->ombud_id, -1, SQLITE_STATIC);
  mine = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return mine;
}

/* Sealed once and kept: the same bytes on every retry.  A changeset whose
 * key this device lacks yet waits in the outbox. */
static GBytes *
sealed_outbox_entry (Round          *round,
                     sqlite3_stmt   *row,
                     OmbudChangeset **plain,
                     GError        **error)
{
  OmbudKeyring *keyring = ombud_caseload_get_keyring (round->engine->caseload);
  g_autoptr(GBytes) body = g_bytes_new (sqlite3_column_blob (row, 1), sqlite3_column_bytes (row, 1));
  g_autoptr(GError) local_error = NULL;
  GBytes *sealed;

  *plain = ombud_changeset_decode (body, error);
  if (*plain == NULL)
    return NULL;
  if (sqlite3_column_type (row, 2) == SQLITE_BLOB)
    return g_bytes_new (sqlite3_column_blob (row, 2), sqlite3_column_bytes (row, 2));
  sealed = ombud_seal_changeset (*plain, round->config->org_id, ombud_keyring_get_identity (keyring),
                                 keyring, &local_error);
  if (sealed == NULL && makes_own_case_key (round, *plain, local_error))
    {
      g_clear_error (&local_error);
      if (ombud_keyring_create_own_case_key (keyring, (*plain)->case_id, error) == 0)
        return NULL;
      sealed = ombud_seal_changeset (*plain, round->config->org_id, ombud_keyring_get_identity (keyring),
                                     keyring, &local_error);
    }
  if (sealed == NULL)
    {
      if (!g_error_matches (local_error, OMBUD_SEAL_ERROR, OMBUD_SEAL_ERROR_MISSING_KEY))
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!store_sealed (db_of (round->engine), sqlite3_column_int64 (row, 0), sealed, error))
    g_clear_pointer (&sealed, g_bytes_unref);
  return sealed;
}

static gboolean
add_outbox (Round            *round,
            OmbudSyncRequest *req,
            GError          **error)
{
  sqlite3 *db = db_of (round->engine);
  sqlite3_stmt *stmt = ombud_sql_prepare (db, "SELECT seq, body, sealed FROM outbox WHERE hold IS NULL ORDER BY seq", error);
  gsize total = 0;
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(OmbudChangeset) plain = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GBytes) sealed = sealed_outbox_entry (round, stmt, &plain, &local_error);

      if (local_error != NULL)
        {
          sqlite3_finalize (stmt);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (sealed == NULL)
        continue;
      if (total > 0 && total + g_bytes_get_size (sealed) > PUSH_BUDGET)
        {
          round->again = TRUE;
          break;
        }
      total += g_bytes_get_size (sealed);
      add_routes (round, req, plain);
      g_ptr_array_add (req->changesets, g_steal_pointer (&sealed));
    }
  sqlite3_finalize (stmt);
  return TRUE;
}

static gboolean
add_outgoing (Round            *round,
              OmbudSyncRequest *req,
              GError          **error)
{
  sqlite3 *db = db_of (round->engine);
  sqlite3_stmt *stmt = ombud_sql_prepare (db, "SELECT seq, kind, body FROM sync_outgoing ORDER BY seq", error);

  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      GBytes *body = g_bytes_new (sqlite3_column_blob (stmt, 2), sqlite3_column_bytes (stmt, 2));

      g_ptr_array_add (sqlite3_column_int (stmt, 1) == OMBUD_OUTGOING_CERT ? req->certs : req->grants, body);
      g_array_append_val (round->outgoing_sent, seq);
    }
  sqlite3_finalize (stmt);
  return TRUE;
}

/* The office key sealed under the recovery key, until the office has it. */
static void
add_escrow (Round            *round,
            OmbudSyncRequest *req)
{
  g_autofree char *hex = ombud_store_get (ombud_caseload_get_store (round->engine->caseload),
                                          "sync.escrow_pending", NULL);
  g_autoptr(GByteArray) blob = g_byte_array_new ();
  GVariantDict dict;

  if (hex == NULL || round->config->state != OMBUD_SYNC_STATE_CONFIRMED)
    return;
  for (const char *p = hex; p[0] && p[1]; p += 2)
    {
      guint8 b = (guint8) (g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]));
      g_byte_array_append (blob, &b, 1);
    }
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert_value (&dict, "office-key-escrow",
                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, blob->data, blob->len, 1));
  req->extensions = g_variant_ref_sink (g_variant_dict_end (&dict));
  round->escrow_sent = TRUE;
}

static OmbudSyncRequest *
build_request (Round   *round,
               GError **error)
{
  g_autoptr(OmbudSyncRequest) req = ombud_sync_request_new ();
  OmbudSyncConfig *config = round->config;

  req->cursor = config->cursor;
  req->directory = config->directory;
  req->budget = round->engine->budget;
  if (config->state == OMBUD_SYNC_STATE_CONFIRMED && !claim_unassigned_cases (round, error))
    return NULL;
  /* Sealing stores each changeset's sealed bytes: one transaction, not
   * one commit (and fsync) per changeset. */
  if (config->state == OMBUD_SYNC_STATE_CONFIRMED)
    {
      sqlite3 *db = db_of (round->engine);

      /* Two steps, each kept once done: a sync cut short (a laptop lid
       * closed) does not start the joining over. */
      if (!ombud_sync_retention_prepare (round->engine->caseload, config, error)
          || !ombud_vfs_exec (db, "BEGIN IMMEDIATE", error))
        return NULL;
      if (!ombud_sync_grant_case_keys (round->engine->caseload, config, error)
          || ombud_sync_outbox_coalesce (db, COALESCE_CAP, error) < 0
          || !ombud_vfs_exec (db, "COMMIT", error)
          || !ombud_vfs_exec (db, "BEGIN IMMEDIATE", error)
          || !add_outbox (round, req, error)
          || !add_outgoing (round, req, error)
          || !ombud_vfs_exec (db, "COMMIT", error))
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return NULL;
        }
    }
  add_escrow (round, req);
  if (!ombud_sync_escrow_request (round->engine->caseload, config, req, error))
    return NULL;
  if (config->state == OMBUD_SYNC_STATE_CONFIRMED
      && (!ombud_sync_key_bundle_request (round->engine->caseload, config, req, error)
          || !ombud_sync_guard_request (round->engine->caseload, config, req, error)
          || !ombud_sync_digest_request (round->engine->caseload, config, req, round->number == 0, error)
          || !ombud_sync_handover_add_reports (round->engine->caseload, req, &round->reports_sent, error)
          || !ombud_sync_retention_add (round->engine->caseload, req, &round->shred_sent, error)))
    return NULL;
  return g_steal_pointer (&req);
}

/* ---- applying a response -------------------------------------------------- */

typedef enum {
  OPENED_WHOLE,         /* applied, or nothing in it is for this device */
  OPENED_PART,          /* one tier applied; the other waits for its key */
  KEPT,                 /* nothing applied yet */
} Opened;

/* A changeset applied without one of its tiers goes in under an id of its
 * own, so that the whole one still applies when the missing key arrives;
 * the versions they share are the same and merge as one. */
static void
partial_id (OmbudChangeset   *cs,
            OmbudSealMissing  missing)
{
  guint8 raw[16];
  crypto_generichash_state state;
  const char *domain = missing & OMBUD_SEAL_MISSING_CLIENT ? "ombud-office-tier-v1" : "ombud-client-tier-v1";

  crypto_generichash_init (&state, NULL, 0, sizeof raw);
  crypto_generichash_update (&state, (const guint8 *) domain, strlen (domain));
  crypto_generichash_update (&state, (const guint8 *) cs->id, strlen (cs->id));
  crypto_generichash_final (&state, raw, sizeof raw);
  raw[6] = (raw[6] & 0x0f) | 0x40;
  raw[8] = (raw[8] & 0x3f) | 0x80;
  g_free (cs->id);
  cs->id = ombud_uuid_format (raw);
}

static gboolean
author_key (OmbudSyncEngine *self,
            guint64          author,
            guint8           sign_pk[32])
{
  OmbudIdentity *me = ombud_keyring_get_identity (ombud_caseload_get_keyring (self->caseload));
  g_autoptr(OmbudKnownDevice) known = NULL;

  if (author == ombud_identity_get_device_id (me))
    {
      memcpy (sign_pk, ombud_identity_get_sign_pk (me), 32);
      return TRUE;
    }
  known = ombud_known_device_lookup (ombud_caseload_get_store (self->caseload), author, NULL);
  if (known == NULL || !known->trusted)
    return FALSE;
  memcpy (sign_pk, known->sign_pk, 32);
  return TRUE;
}

/* Whether this device waits for a changeset's client tier: not on a
 * coordinator's laptop the policy keeps from it, nor on a new owner's for
 * what the old owner wrote when the client did not agree to hand it over
 * (PROTOCOL.md §9). */
static gboolean
client_wanted (Round                 *round,
               const OmbudSealHeader *h)
{
  return round->wants_client
         && !ombud_sync_handover_declined (round->engine->caseload, round->config, h->case_id, h->author_device);
}

/* Opens and applies one sealed changeset as far as this device's keys go.
 * What cannot be opened — its author not trusted yet, a key not here yet,
 * or bytes that do not authenticate — is kept, never applied. */
static Opened
open_and_apply (Round    *round,
                GBytes   *sealed,
                GError  **error)
{
  OmbudSyncEngine *self = round->engine;
  g_autoptr(OmbudChangeset) cs = NULL;
  g_autoptr(GBytes) plain = NULL;
  OmbudSealMissing missing;
  OmbudSealHeader h;
  guint8 sign_pk[32];
  Opened result = OPENED_WHOLE;

  if (!ombud_seal_parse (sealed, &h, NULL) || !author_key (self, h.author_device, sign_pk))
    return KEPT;
  cs = ombud_seal_open (sealed, round->config->org_id, sign_pk, ombud_caseload_get_keyring (self->caseload),
                        &missing, NULL);
  /* Only a client tier, on a coordinator's laptop the policy keeps from
   * it: nothing here is for this device (PROTOCOL.md §6). */
  if (cs == NULL && missing == OMBUD_SEAL_MISSING_CLIENT && !client_wanted (round, &h))
    return OPENED_WHOLE;
  if (cs == NULL)
    return KEPT;
  /* A coordinator the policy keeps from the client tier applies the office
   * tier and is done; should the policy change, a full pull brings the
   * whole changesets again. */
  if (missing != OMBUD_SEAL_MISSING_NONE)
    {
      partial_id (cs, missing);
      result = missing == OMBUD_SEAL_MISSING_CLIENT && !client_wanted (round, &h) ? OPENED_WHOLE : OPENED_PART;
    }
  plain = ombud_changeset_encode (cs);
  if (!ombud_caseload_apply_changeset (self->caseload, plain, error))
    {
      /* One this replica cannot read is kept, not fatal to the sync; a
       * store that fails is. */
      if (g_error_matches (*error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_MALFORMED))
        g_clear_error (error);
      return KEPT;
    }
  return result;
}

static gboolean
hold (sqlite3   *db,
      GBytes    *sealed,
      GError   **error)
{
  OmbudSealHeader h;
  g_autofree char *id = NULL;
  sqlite3_stmt *stmt;

  if (!ombud_seal_parse (sealed, &h, NULL))
    return TRUE;  /* not even a changeset: nothing to keep */
  id = ombud_uuid_format (h.changeset_id);
  stmt = ombud_sql_prepare (db, "INSERT OR IGNORE INTO sync_held (id, author, body) VALUES (?1, ?2, ?3)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) h.author_device);
  sqlite3_bind_blob (stmt, 3, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed), SQLITE_STATIC);
  return ombud_sql_run (db, stmt, error);
}

static gboolean
apply_pulled (Round              *round,
              OmbudSyncResponse  *resp,
              GError            **error)
{
  sqlite3 *db = db_of (round->engine);

  for (guint i = 0; i < resp->changesets->len; i++)
    {
      GBytes *sealed = resp->changesets->pdata[i];
      Opened opened = open_and_apply (round, sealed, error);

      if (*error != NULL)
        return FALSE;
      if (opened != OPENED_WHOLE && !hold (db, sealed, error))
        return FALSE;
      round->engine->stats.pulled++;
    }
  return TRUE;
}

/* Keys arrived: what was kept for want of them may open now. */
static gboolean
retry_held (Round   *round,
            GError **error)
{
  sqlite3 *db = db_of (round->engine);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  sqlite3_stmt *stmt = ombud_sql_prepare (db, "SELECT id, body FROM sync_held", error);

  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (bodies, g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1)));
    }
  sqlite3_finalize (stmt);
  for (guint i = 0; i < ids->len; i++)
    {
      if (open_and_apply (round, bodies->pdata[i], error) != OPENED_WHOLE)
        {
          if (*error != NULL)
            return FALSE;
          continue;
        }
      stmt = ombud_sql_prepare (db, "DELETE FROM sync_held WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, ids->pdata[i], -1, SQLITE_STATIC);
      if (!ombud_sql_run (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* Held for a client tier that will never come: the consent to hand it over
 * arrived after the changeset (PROTOCOL.md §9).  Its office tier applies
 * and the sealed client tier goes. */
static gboolean
drop_declined (Round   *round,
               GError **error)
{
  sqlite3 *db = db_of (round->engine);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  sqlite3_stmt *stmt;

  if (!round->wants_client || ombud_sql_count (db, "SELECT count(*) FROM sync_held") == 0
      || !ombud_sync_handover_any_declined (round->engine->caseload, round->config))
    return TRUE;
  stmt = ombud_sql_prepare (db, "SELECT id, body FROM sync_held", error);
  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GBytes) body = g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
      OmbudSealHeader h;

      if (!ombud_seal_parse (body, &h, NULL) || client_wanted (round, &h))
        continue;
      g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (bodies, g_steal_pointer (&body));
    }
  sqlite3_finalize (stmt);
  for (guint i = 0; i < ids->len; i++)
    {
      if (open_and_apply (round, bodies->pdata[i], error) != OPENED_WHOLE)
        {
          if (*error != NULL)
            return FALSE;
          continue;
        }
      stmt = ombud_sql_prepare (db, "DELETE FROM sync_held WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, ids->pdata[i], -1, SQLITE_STATIC);
      if (!ombud_sql_run (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
forget_sent (Round              *round,
             OmbudSyncResponse  *resp,
             GError            **error)
{
  sqlite3 *db = db_of (round->engine);

  for (guint i = 0; i < resp->accepted->len; i++)
    {
      g_autofree char *id = ombud_uuid_format (g_bytes_get_data (resp->accepted->pdata[i], NULL));
      sqlite3_stmt *stmt = ombud_sql_prepare (db, "DELETE FROM outbox WHERE id = ?1", error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
      if (!ombud_sql_run (db, stmt, error))
        return FALSE;
      round->engine->stats.pushed++;
    }
  for (guint i = 0; i < resp->rejected->len; i++)
    {
      OmbudSyncRejection *r = resp->rejected->pdata[i];
      g_autofree char *id = ombud_uuid_format (r->changeset_id);
      gboolean stripped = FALSE;

      if (r->code == OMBUD_SYNC_REJECT_SHREDDED
          && !ombud_closure_strip_turned_away (round->engine->caseload, id, &stripped, error))
        return FALSE;
      /* What is left can go at once. */
      round->again |= stripped;
    }
  for (guint i = 0; i < round->outgoing_sent->len; i++)
    {
      sqlite3_stmt *stmt = ombud_sql_prepare (db, "DELETE FROM sync_outgoing WHERE seq = ?1", error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, g_array_index (round->outgoing_sent, gint64, i));
      if (!ombud_sql_run (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* §6.7: a revoked device held the newest office key; the next coordinator
 * makes a new epoch and grants it to every device still in good standing. */
static gboolean
rotate_office_key (Round              *round,
                   OmbudSyncResponse  *resp,
                   GError            **error)
{
  OmbudKeyring *keyring = ombud_caseload_get_keyring (round->engine->caseload);
  sqlite3 *db = db_of (round->engine);
  guint32 wanted = 0, epoch;
  sqlite3_stmt *stmt;

  if (round->config->role != 1 || resp->extensions == NULL
      || !g_variant_lookup (resp->extensions, "rotate-office-key", "u", &wanted))
    return TRUE;
  epoch = ombud_keyring_get_office_epoch (keyring, error);
  if (*error != NULL)
    return FALSE;
  if (epoch == 0 || epoch >= wanted)
    return TRUE;
  if (ombud_keyring_create_office_key (keyring, error) == 0)
    return FALSE;
  stmt = ombud_sql_prepare (db, "SELECT d.device_id, d.box_pk FROM sync_directory d JOIN known_device k"
                      " ON k.device_id = d.device_id AND k.trusted = 1 WHERE d.state = 1", error);
  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      guint8 box_pk[32];

      if (sqlite3_column_bytes (stmt, 1) != 32)
        continue;
      memcpy (box_pk, sqlite3_column_blob (stmt, 1), 32);
      if (!ombud_sync_grant_office_keys (round->engine->caseload, (guint64) sqlite3_column_int64 (stmt, 0),
                                         box_pk, error))
        {
          sqlite3_finalize (stmt);
          return FALSE;
        }
    }
  sqlite3_finalize (stmt);
  round->again = TRUE;
  return TRUE;
}

static guint
count_keys (sqlite3 *db)
{
  return (guint) ombud_sql_count (db, "SELECT count(*) FROM sync_key");
}

/* The directory, when it moved: trust first, then the keys granted; a grant
 * for a case this replica does not have yet is tried again once the
 * response's changesets are in, and while one still waits the directory
 * is asked for again next time. */
static gboolean
take_directory (Round              *round,
                OmbudSyncResponse  *resp,
                guint              *waiting,
                GError            **error)
{
  *waiting = 0;
  if (resp->directory <= round->config->directory)
    return TRUE;
  if (!ombud_sync_directory_apply (round->engine->caseload, round->config, resp, error))
    return FALSE;
  *waiting = ombud_sync_accept_grants (round->engine->caseload, resp->grants, error);
  return *waiting != G_MAXUINT;
}

static gboolean
take_late_grants (Round              *round,
                  OmbudSyncResponse  *resp,
                  guint              *waiting,
                  GError            **error)
{
  if (*waiting == 0)
    return TRUE;
  *waiting = ombud_sync_accept_grants (round->engine->caseload, resp->grants, error);
  return *waiting != G_MAXUINT;
}

/* Everything a response says, and the cursor that covers it, in one
 * transaction. */
static gboolean
apply_response (Round              *round,
                OmbudSyncResponse  *resp,
                GError            **error)
{
  OmbudSyncConfig *config = round->config;
  sqlite3 *db = db_of (round->engine);
  OmbudStore *store = ombud_caseload_get_store (round->engine->caseload);
  guint keys_before, new_keys = 0, waiting = 0;
  gboolean directory_moved = resp->directory > config->directory;
  gboolean retry_due = ombud_sync_held_retry_due (store);
  gboolean ok;

  if (!ombud_vfs_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  keys_before = count_keys (db);
  config->state = resp->state;
  ok = take_directory (round, resp, &waiting, error)
       && forget_sent (round, resp, error)
       && (!round->escrow_sent
           || ombud_vfs_exec (db, "DELETE FROM kv WHERE key = 'sync.escrow_pending'", error))
       && ombud_sync_key_bundle_response (round->engine->caseload, config, resp, error)
       && ombud_sync_escrow_response (round->engine->caseload, config, resp, error)
       && apply_pulled (round, resp, error)
       && take_late_grants (round, resp, &waiting, error)
       && (((new_keys = count_keys (db) - MIN (keys_before, count_keys (db))) == 0 && !directory_moved
            && !retry_due)
           || (retry_held (round, error) && (!retry_due || ombud_sync_held_retry_done (store, error))))
       && drop_declined (round, error)
       && rotate_office_key (round, resp, error)
       /* What came in may call for keys to go out: a new trusted laptop of
        * this ombud, a case assigned, the policy turned on. */
       && (config->state != OMBUD_SYNC_STATE_CONFIRMED
           || ombud_sync_grant_case_keys (round->engine->caseload, config, error))
       /* Last: it must see what the office has now acknowledged. */
       && ombud_sync_handover_step (round->engine->caseload, config, round->reports_sent, &round->again, error)
       && ombud_sync_retention_step (round->engine->caseload, (const char * const *) round->shred_sent,
                                     &round->again, error);
  if (ok)
    {
      if (waiting == 0)
        config->directory = MAX (config->directory, resp->directory);
      config->cursor = resp->cursor;
      config->last_success_ms = g_get_real_time () / 1000;
      ok = ombud_sync_digest_response (round->engine->caseload, config, resp, &round->again, error)
           && ombud_sync_config_save (ombud_caseload_get_store (round->engine->caseload), config, error)
           && ombud_vfs_exec (db, "COMMIT", error);
    }
  if (!ok)
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  /* The sync succeeded: the share renews the deadline (§10.4). */
  if (!ombud_sync_guard_response (round->engine->caseload, config, resp, error))
    return FALSE;
  if (resp->more || new_keys > 0
      || (guint) ombud_sql_count (db, "SELECT count(*) FROM sync_outgoing") > 0)
    round->again = TRUE;
  return ombud_caseload_settle (round->engine->caseload, error);
}

/* ---- progress ------------------------------------------------------------- */

typedef struct {
  OmbudSyncEngine *engine;
  guint            sent;
  guint            received;
} Progress;

static gboolean
emit_progress (gpointer data)
{
  Progress *p = data;

  g_signal_emit (p->engine, signals[SIGNAL_PROGRESS], 0, p->sent, p->received);
  return G_SOURCE_REMOVE;
}

static void
progress_free (gpointer data)
{
  Progress *p = data;

  g_object_unref (p->engine);
  g_free (p);
}

static void
report_progress (OmbudSyncEngine *self)
{
  Progress *p = g_new0 (Progress, 1);

  p->engine = g_object_ref (self);
  p->sent = self->stats.pushed;
  p->received = self->stats.pulled;
  if (self->caller_context == NULL)
    {
      emit_progress (p);
      progress_free (p);
    }
  else
    ombud_main_context_post (self->caller_context, emit_progress, p, progress_free);
}

/* ---- one round ------------------------------------------------------------ */

gboolean
ombud_sync_fail_from_http (GError  *http_error,
                           GError **error)
{
  OmbudSyncError code = OMBUD_SYNC_ERROR_OFFLINE;

  if (g_error_matches (http_error, OMBUD_HTTP_ERROR, OMBUD_HTTP_ERROR_CANCELLED))
    code = OMBUD_SYNC_ERROR_CANCELLED;
  else if (g_error_matches (http_error, OMBUD_HTTP_ERROR, OMBUD_HTTP_ERROR_TLS))
    code = OMBUD_SYNC_ERROR_TLS;
  else if (g_error_matches (http_error, OMBUD_HTTP_ERROR, OMBUD_HTTP_ERROR_INVALID))
    code = OMBUD_SYNC_ERROR_FAILED;
  return ombud_fail (error, OMBUD_SYNC_ERROR, code, "%s", http_error->message);
}



/* The replica of a revoked device goes: the key file first, overwritten
 * before it is unlinked, so that what is left of the database on the disk
 * cannot be opened by anyone (DESIGN.md §5).  The store stays open — the
 * caller's caseload still has statements on it — and the caller locks it
 * when it sees OMBUD_SYNC_ERROR_REVOKED; nothing more reaches the disk. */
static void
wipe_profile (OmbudStore *store)
{
  ombud_sync_wipe_profile_dir (ombud_store_get_profile_dir (store));
}

/* PROTOCOL.md §10.2: a profile restored from an old copy sends request
 * times the office has seen; it takes the office's last one and goes on.
 * The line is not authenticated, so it can only move the clock forward,
 * and not beyond what a signed 64-bit time holds. */
static gboolean
catch_up_request_time (Round       *round,
                       const char  *line,
                       GError     **error)
{
  const char *last = strstr (line, "(last ");
  gint64 office_last;
  char *end = NULL;

  if (!g_str_has_prefix (line, "replayed ") || last == NULL)
    return TRUE;
  office_last = g_ascii_strtoll (last + 6, &end, 10);
  if (end == last + 6 || *end != ')' || office_last <= round->config->last_request_ms
      || office_last >= G_MAXINT64 / 2)
    return TRUE;
  round->config->last_request_ms = office_last;
  round->replayed = TRUE;
  return ombud_sync_config_save (ombud_caseload_get_store (round->engine->caseload), round->config, error);
}

static gboolean
handle_refusal (Round                      *round,
                OmbudHttpResponse          *http,
                const OmbudEnvelopeHeader  *sent,
                const guint8                rx[OMBUD_SESSION_KEY_SIZE],
                GError                    **error)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(OmbudSyncResponse) resp = NULL;
  g_autofree char *line = NULL;
  OmbudEnvelopeHeader h;

  /* Only the office's sealed answer to this very request can make this
   * laptop wipe itself. */
  if (http->status == 403 && (body = ombud_envelope_open (http->body, rx, &h, NULL)) != NULL
      && h.kind == OMBUD_ENVELOPE_RESPONSE && memcmp (h.request_id, sent->request_id, 16) == 0
      && h.device_id == sent->device_id
      && (resp = ombud_sync_response_decode (body, NULL)) != NULL
      && resp->state == OMBUD_SYNC_STATE_REVOKED)
    {
      wipe_profile (ombud_caseload_get_store (round->engine->caseload));
      return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REVOKED,
                   "the office has revoked this device; its copy of the caseload has been wiped");
    }
  line = g_strndup (g_bytes_get_data (http->body, NULL), MIN (g_bytes_get_size (http->body), 200));
  g_strchomp (g_strdelimit (line, "\r\n", ' '));
  if (!g_utf8_validate (line, -1, NULL))
    g_clear_pointer (&line, g_free);
  if (http->status == 409 && line != NULL && !catch_up_request_time (round, line, error))
    return FALSE;
  if (http->status >= 500)
    return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_OFFLINE, "the office is unavailable (HTTP %u): %s",
                 http->status, line ? line : "");
  return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REFUSED, "the office refused the sync (HTTP %u): %s",
               http->status, line ? line : "");
}

static GBytes *
seal_request (Round            *round,
              OmbudSyncRequest *req,
              const guint8      tx[OMBUD_SESSION_KEY_SIZE],
              GError          **error)
{
  OmbudSyncConfig *config = round->config;
  OmbudEnvelopeHeader h = { .kind = OMBUD_ENVELOPE_REQUEST };
  g_autoptr(GBytes) body = ombud_sync_request_encode (req);

  memcpy (h.org_id, config->org_id, 16);
  h.device_id = ombud_caseload_get_device_id (round->engine->caseload);
  randombytes_buf (h.request_id, sizeof h.request_id);
  /* Strictly after the last request, whatever the wall clock did, and
   * saved before it leaves: the office refuses anything not newer (§5). */
  h.time_ms = MAX (g_get_real_time () / 1000, config->last_request_ms + 1);
  config->last_request_ms = h.time_ms;
  if (!ombud_sync_config_save (ombud_caseload_get_store (round->engine->caseload), config, error))
    return NULL;
  return ombud_envelope_seal (&h, body, tx);
}

static gboolean
exchange (Round            *round,
          GBytes           *envelope,
          const guint8      rx[OMBUD_SESSION_KEY_SIZE],
          GError          **error)
{
  OmbudEnvelopeHeader sent;
  OmbudSyncEngine *self = round->engine;
  g_autofree char *url = g_strconcat (round->config->url, "/v1/sync", NULL);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(OmbudHttpResponse) http = ombud_http_post (round->http, url, envelope, round->cancellable, &local_error);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(OmbudSyncResponse) resp = NULL;
  OmbudEnvelopeHeader h;

  if (http == NULL)
    return ombud_sync_fail_from_http (local_error, error);
  g_assert (ombud_envelope_parse_header (envelope, &sent, NULL));
  self->stats.requests++;
  self->stats.connections += http->connections;
  self->stats.bytes_sent += http->bytes_sent;
  self->stats.bytes_received += http->bytes_received;
  if (http->status != 200)
    return handle_refusal (round, http, &sent, rx, error);
  body = ombud_envelope_open (http->body, rx, &h, &local_error);
  /* The answer to this request, not a replay of an older one. */
  if (body != NULL && (h.kind != OMBUD_ENVELOPE_RESPONSE || h.device_id != sent.device_id
                       || memcmp (h.request_id, sent.request_id, 16) != 0
                       || memcmp (h.org_id, sent.org_id, 16) != 0))
    g_clear_pointer (&body, g_bytes_unref);
  if (body == NULL || (resp = ombud_sync_response_decode (body, &local_error)) == NULL)
    return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_NOT_AUTHENTIC, "the office's answer is not authentic: %s",
                 local_error ? local_error->message : "addressed to another request");
  round->config->clock_offset_ms = h.time_ms - g_get_real_time () / 1000;
  if (!apply_response (round, resp, error))
    return FALSE;
  report_progress (self);
  return TRUE;
}

static gboolean
sync_round (Round   *round,
            GError **error)
{
  OmbudIdentity *me = ombud_keyring_get_identity (ombud_caseload_get_keyring (round->engine->caseload));
  g_autoptr(OmbudSecret) rx = NULL;
  g_autoptr(OmbudSecret) tx = NULL;
  g_autoptr(OmbudSyncRequest) req = NULL;
  g_autoptr(GBytes) envelope = NULL;

  round->again = FALSE;
  round->escrow_sent = FALSE;
  round->reports_sent = FALSE;
  g_clear_pointer (&round->shred_sent, g_strfreev);
  round->wants_client = round->config->role == 0
                        || ombud_sync_client_access (round->engine->caseload, round->config);
  /* The policy now lets this coordinator read the client tier: what came
   * before without it comes again, whole (PROTOCOL.md §6).  The digest
   * (§10.2) counts only this device's own changesets: it stays. */
  if (round->wants_client && !round->config->client_access)
    round->config->cursor = 0;
  round->config->client_access = round->wants_client;
  g_array_set_size (round->outgoing_sent, 0);
  if (!ombud_identity_session_keys (me, round->config->office_box_pk, &rx, &tx))
    return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_FAILED, "the office's key is not usable");
  req = build_request (round, error);
  if (req == NULL)
    return FALSE;
  envelope = seal_request (round, req, ombud_secret_get_data (tx), error);
  return envelope != NULL && exchange (round, envelope, ombud_secret_get_data (rx), error);
}

/* ---- a whole sync ----------------------------------------------------------- */

static OmbudHttp *
http_for (const OmbudSyncConfig *config)
{
  OmbudHttpOptions options = { .ca_file = config->ca_file, .pinned_key = config->pinned_key };

  return ombud_http_new (&options);
}

static void
set_status (OmbudSyncEngine *self,
            OmbudSyncStatus  status,
            const char      *message)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->status != status)
    {
      self->status = status;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
  if (g_strcmp0 (self->error_message, message) != 0)
    {
      g_free (self->error_message);
      self->error_message = g_strdup (message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* What a sync ends with, worked out where it ran: the caller's thread only
 * sets properties from it. */
typedef struct {
  OmbudSyncConfig *config;    /* NULL when the profile is not enrolled, or wiped */
  GError          *failure;
  guint            waiting;
  guint            held;
} SyncOutcome;

static void
sync_outcome_free (SyncOutcome *outcome)
{
  g_clear_pointer (&outcome->config, ombud_sync_config_free);
  g_clear_error (&outcome->failure);
  g_free (outcome);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncOutcome, sync_outcome_free)

static void
update_counts (OmbudSyncEngine   *self,
               const SyncOutcome *outcome)
{
  const OmbudSyncConfig *config = outcome->config;

  self->stats.held = outcome->held;
  if (self->last_success != config->last_success_ms)
    {
      self->last_success = config->last_success_ms;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SUCCESS]);
    }
  if (self->clock_offset != config->clock_offset_ms)
    {
      self->clock_offset = config->clock_offset_ms;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK_OFFSET]);
    }
  if (self->changes_waiting != outcome->waiting)
    {
      self->changes_waiting = outcome->waiting;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHANGES_WAITING]);
    }
}

static gboolean
run_rounds (OmbudSyncEngine  *self,
            OmbudSyncConfig  *config,
            GCancellable     *cancellable,
            GError          **error)
{
  g_autoptr(OmbudHttp) http = http_for (config);
  g_autoptr(GArray) sent = g_array_new (FALSE, FALSE, sizeof (gint64));
  Round round = { .engine = self, .config = config, .http = http, .cancellable = cancellable,
                  .outgoing_sent = sent };
  gboolean caught_up = FALSE, done = FALSE, failed = FALSE;

  for (guint n = 0; n < MAX_ROUNDS && !done && !failed; n++)
    {
      failed = g_cancellable_set_error_if_cancelled (cancellable, error);
      if (failed)
        break;
      round.replayed = FALSE;
      round.number = n;
      if (!sync_round (&round, error))
        {
          /* Once: with its clock past the office's last, the round again. */
          failed = !round.replayed || caught_up;
          if (!failed)
            {
              caught_up = TRUE;
              g_clear_error (error);
              n--;
            }
          continue;
        }
      done = !round.again || config->state != OMBUD_SYNC_STATE_CONFIRMED;
    }
  g_clear_pointer (&round.shred_sent, g_strfreev);
  if (done || failed)
    return done;
  return ombud_fail (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_FAILED,
                     "the office kept asking for more after %u requests", MAX_ROUNDS);
}

/* The work of a sync, with no property touched: it may run in a worker
 * thread while the properties belong to the caller's. */
static SyncOutcome *
sync_core (OmbudSyncEngine *self,
           GCancellable    *cancellable)
{
  OmbudStore *store = ombud_caseload_get_store (self->caseload);
  SyncOutcome *outcome = g_new0 (SyncOutcome, 1);
  g_autoptr(OmbudSyncConfig) config = NULL;
  GError **failure = &outcome->failure;

  memset (&self->stats, 0, sizeof self->stats);
  config = ombud_sync_config_load (store, failure);
  if (config == NULL)
    {
      if (*failure == NULL)
        g_set_error_literal (failure, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_NOT_ENROLLED,
                             "this profile is not enrolled with an office");
      return outcome;
    }
  if (!run_rounds (self, config, cancellable, failure)
      && g_error_matches (*failure, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (failure);
      g_set_error_literal (failure, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_CANCELLED, "the sync was cancelled");
    }
  if (g_error_matches (*failure, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REVOKED))
    return outcome;
  /* A case handed over leaves no trace in the file (PROTOCOL.md §9). */
  if (!ombud_sync_handover_scrub (self->caseload, *failure ? NULL : failure) && *failure == NULL)
    g_set_error_literal (failure, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_FAILED,
                         "a case handed over could not be scrubbed from the store");
  /* A failed sync still shows the state it reached, as saved. */
  outcome->config = *failure ? ombud_sync_config_load (store, NULL) : g_steal_pointer (&config);
  outcome->waiting = (guint) ombud_sql_count (db_of (self), "SELECT count(*) FROM outbox WHERE hold IS NULL");
  outcome->held = (guint) ombud_sql_count (db_of (self), "SELECT count(*) FROM sync_held");
  return outcome;
}

static gboolean
sync_end (OmbudSyncEngine   *self,
          const SyncOutcome *outcome)
{
  const GError *failure = outcome->failure;

  if (outcome->config != NULL)
    update_counts (self, outcome);
  if (failure == NULL)
    set_status (self, OMBUD_SYNC_STATUS_IDLE, NULL);
  else
    set_status (self, g_error_matches (failure, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_OFFLINE)
                        ? OMBUD_SYNC_STATUS_OFFLINE : OMBUD_SYNC_STATUS_ERROR,
                failure->message);
  return failure == NULL;
}

gboolean
ombud_sync_engine_sync (OmbudSyncEngine  *self,
                        GCancellable     *cancellable,
                        GError          **error)
{
  g_autoptr(SyncOutcome) outcome = NULL;

  g_return_val_if_fail (OMBUD_IS_SYNC_ENGINE (self), FALSE);

  set_status (self, OMBUD_SYNC_STATUS_SYNCING, NULL);
  outcome = sync_core (self, cancellable);
  if (sync_end (self, outcome))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&outcome->failure));
  return FALSE;
}

static void
sync_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  (void) task_data;
  g_task_return_pointer (task, sync_core (source, cancellable), (GDestroyNotify) sync_outcome_free);
}

void
ombud_sync_engine_sync_async (OmbudSyncEngine     *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, ombud_sync_engine_sync_async);
  g_clear_pointer (&self->caller_context, g_main_context_unref);
  self->caller_context = g_main_context_ref_thread_default ();
  set_status (self, OMBUD_SYNC_STATUS_SYNCING, NULL);
  g_task_run_in_thread (task, sync_thread);
}

gboolean
ombud_sync_engine_sync_finish (OmbudSyncEngine  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_autoptr(SyncOutcome) outcome = g_task_propagate_pointer (G_TASK (result), NULL);

  g_return_val_if_fail (outcome != NULL, FALSE);
  g_clear_pointer (&self->caller_context, g_main_context_unref);
  if (sync_end (self, outcome))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&outcome->failure));
  return FALSE;
}

/* Sleeps for ms unless cancelled first; runs in the syncing thread. */
static gboolean
wait_cancellable (guint         ms,
                  GCancellable *cancellable)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  gint64 now;

  while ((now = g_get_monotonic_time ()) < deadline)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      g_usleep (MIN (deadline - now, 20000));
    }
  return !g_cancellable_is_cancelled (cancellable);
}

gboolean
ombud_sync_engine_sync_with_retry (OmbudSyncEngine  *self,
                                   guint             max_tries,
                                   GCancellable     *cancellable,
                                   GError          **error)
{
  OmbudBackoff backoff;
  gboolean ok = FALSE;

  ombud_backoff_init (&backoff, self->backoff_base_ms, self->backoff_cap_ms, 0);
  for (guint attempt = 1; attempt <= MAX (max_tries, 1); attempt++)
    {
      g_autoptr(GError) local_error = NULL;

      ok = ombud_sync_engine_sync (self, cancellable, &local_error);
      if (ok || !g_error_matches (local_error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_OFFLINE)
          || attempt == MAX (max_tries, 1)
          || !wait_cancellable (ombud_backoff_fail (&backoff), cancellable))
        {
          if (!ok)
            g_propagate_error (error, g_steal_pointer (&local_error));
          break;
        }
    }
  ombud_backoff_clear (&backoff);
  return ok;
}
