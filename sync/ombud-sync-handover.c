/* ombud-sync-handover.c: a case reassigned away from this laptop's ombud
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §9.  The lessons of CHT (edits to a reassigned contact
 * silently never sync) and OpenCRVS (unsynced changes discarded on
 * unassignment), shared/notes/sync-and-keys.md: push first, then purge,
 * never discard.  Every step runs inside the transaction that applies a
 * response, so it sees exactly what the office has acknowledged — the
 * outbox forgets a changeset, and the queue a grant, only in that same
 * transaction — and a crash anywhere leaves either the case whole with its
 * edits still queued, or the case gone with everything of it at the
 * office and the report to the office queued.
 */
#include "ombud-sync-handover.h"

#include <string.h>

#include "ombud-changeset.h"
#include "ombud-error.h"
#include "ombud-identity.h"
#include "ombud-fields.h"
#include "ombud-keyring.h"
#include "ombud-seal.h"
#include "ombud-sql.h"
#include "ombud-sync-directory.h"
#include "ombud-vfs.h"

#define REPORTS_KEY  "sync.handover.reports"   /* case ids purged, not yet reported */
#define SCRUB_KEY    "sync.handover.scrub"     /* a purge's freed pages wait for VACUUM */

#define OWNER_DEVICES "SELECT device_id, box_pk FROM known_device WHERE trusted = 1 AND ombud_id = ?1"

static sqlite3 *
db_of (OmbudCaseload *caseload)
{
  return ombud_store_get_db (ombud_caseload_get_store (caseload));
}

/* ---- reports to the office ------------------------------------------------ */

static GStrv
pending_reports (OmbudCaseload *caseload)
{
  g_autofree char *text = ombud_store_get (ombud_caseload_get_store (caseload), REPORTS_KEY, NULL);

  return text != NULL && *text ? g_strsplit (text, " ", -1) : g_new0 (char *, 1);
}

static gboolean
save_reports (OmbudCaseload  *caseload,
              GStrv           ids,
              GError        **error)
{
  g_autofree char *text = g_strjoinv (" ", ids);

  if (*text)
    return ombud_store_put (ombud_caseload_get_store (caseload), REPORTS_KEY, text, error);
  return ombud_vfs_exec (db_of (caseload), "DELETE FROM kv WHERE key = '" REPORTS_KEY "'", error);
}

gboolean
ombud_sync_handover_add_reports (OmbudCaseload     *caseload,
                                 OmbudSyncRequest  *req,
                                 gboolean          *sent,
                                 GError           **error)
{
  g_auto(GStrv) ids = pending_reports (caseload);
  GVariantBuilder list;
  GVariantDict dict;

  *sent = FALSE;
  if (ids[0] == NULL)
    return TRUE;
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aay"));
  for (guint i = 0; ids[i]; i++)
    {
      guint8 raw[16];

      if (!ombud_uuid_parse (ids[i], raw))
        return ombud_fail (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_MALFORMED,
                           "a handed-over case id is damaged: %s", ids[i]);
      g_variant_builder_add_value (&list, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, raw, 16, 1));
    }
  g_variant_dict_init (&dict, req->extensions);
  g_variant_dict_insert_value (&dict, OMBUD_SYNC_EXT_HANDED_OVER, g_variant_builder_end (&list));
  g_clear_pointer (&req->extensions, g_variant_unref);
  req->extensions = g_variant_ref_sink (g_variant_dict_end (&dict));
  *sent = TRUE;
  return TRUE;
}

/* The office took the request that carried the reports: forget them.
 * Cases purged since were not in it and stay. */
static gboolean
forget_reports (OmbudCaseload  *caseload,
                GError        **error)
{
  return ombud_vfs_exec (db_of (caseload), "DELETE FROM kv WHERE key = '" REPORTS_KEY "'", error);
}

static gboolean
add_report (OmbudCaseload  *caseload,
            const char     *case_id,
            GError        **error)
{
  g_auto(GStrv) ids = pending_reports (caseload);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) all = NULL;

  g_strv_builder_addv (builder, (const char **) ids);
  if (!g_strv_contains ((const char * const *) ids, case_id))
    g_strv_builder_add (builder, case_id);
  all = g_strv_builder_end (builder);
  return save_reports (caseload, all, error);
}

/* ---- which cases, and whether they are ready ------------------------------ */

typedef struct {
  char    *case_id;
  char    *owner;       /* the ombud it went to */
  gboolean consent;     /* the client agreed to hand the notes over */
} Handover;

static void
handover_free (Handover *h)
{
  g_free (h->case_id);
  g_free (h->owner);
  g_free (h);
}

/* The device wrote it itself, or this laptop trusts it in the role asked:
 * a coordinator, or (own_ombud) a device of this laptop's ombud. */
static gboolean
author_may (OmbudCaseload         *caseload,
            const OmbudSyncConfig *config,
            guint64                device,
            gboolean               own_ombud)
{
  g_autoptr(OmbudKnownDevice) known = NULL;

  if (device == ombud_caseload_get_device_id (caseload))
    return TRUE;
  known = ombud_known_device_lookup (ombud_caseload_get_store (caseload), device, NULL);
  if (known == NULL || !known->trusted)
    return FALSE;
  return known->role == OMBUD_DEVICE_ROLE_COORDINATOR
         || (own_ombud && g_strcmp0 (known->ombud_id, config->ombud_id) == 0);
}

/* Cases on this laptop that a coordinator gave to another ombud.  Only a
 * coordinator's signed word counts: a changeset of another ombud's device
 * claiming the case, even if an office forwarded it, moves nothing. */
static GPtrArray *
routed_away (OmbudCaseload         *caseload,
             const OmbudSyncConfig *config,
             GError               **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) handover_free);
  sqlite3_stmt *stmt = ombud_sql_prepare (db_of (caseload),
    "SELECT c.id, c.assigned_ombud,"
    " (SELECT v.device FROM version v WHERE v.tbl = 'client_case' AND v.rec = c.id"
    "   AND v.field = 'assigned_ombud' ORDER BY v.hlc DESC, v.device DESC LIMIT 1),"
    " coalesce (c.handover_consent, 0),"
    " (SELECT v.device FROM version v WHERE v.tbl = 'client_case' AND v.rec = c.id"
    "   AND v.field = 'handover_consent' ORDER BY v.hlc DESC, v.device DESC LIMIT 1)"
    " FROM client_case c WHERE c.assigned_ombud IS NOT NULL AND c.assigned_ombud <> ?1 ORDER BY c.id", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, config->ombud_id, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Handover *h;

      if (!author_may (caseload, config, (guint64) sqlite3_column_int64 (stmt, 2), FALSE))
        continue;
      h = g_new0 (Handover, 1);
      h->case_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      h->owner = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      /* Consent as a coordinator or this ombud recorded it. */
      h->consent = sqlite3_column_int (stmt, 3) == 1
                   && author_may (caseload, config, (guint64) sqlite3_column_int64 (stmt, 4), TRUE);
      g_ptr_array_add (out, h);
    }
  sqlite3_finalize (stmt);
  return g_steal_pointer (&out);
}

static gint64
count_for_case (OmbudCaseload *caseload,
                const char    *sql,
                const char    *arg)
{
  sqlite3_stmt *stmt = ombud_sql_prepare (db_of (caseload), sql, NULL);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

/* Grants of this case's key still waiting to reach the office. */
static gboolean
grants_queued (OmbudCaseload *caseload,
               const guint8   subject[16])
{
  sqlite3_stmt *stmt = ombud_sql_prepare (db_of (caseload), "SELECT body FROM sync_outgoing WHERE kind = ?1", NULL);
  gboolean found = FALSE;

  if (stmt == NULL)
    return TRUE;
  sqlite3_bind_int (stmt, 1, OMBUD_OUTGOING_GRANT);
  while (!found && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const guint8 *g = sqlite3_column_blob (stmt, 0);

      found = sqlite3_column_bytes (stmt, 0) == OMBUD_GRANT_SIZE && g[1] == OMBUD_KEY_CASE
              && memcmp (g + 6, subject, 16) == 0;
    }
  sqlite3_finalize (stmt);
  return found;
}

/* With consent, the key goes to every device of the new owner this laptop
 * trusts; the case stays until those grants are at the office.  Without a
 * trusted device of the new owner yet, it waits for one. */
static gboolean
key_handed (OmbudCaseload  *caseload,
            Handover       *h,
            gboolean       *ready,
            gboolean       *again,
            GError        **error)
{
  guint8 subject[16];
  guint32 epoch;

  *ready = TRUE;
  if (!h->consent || !ombud_uuid_parse (h->case_id, subject)
      || !ombud_keyring_get_case_epoch (ombud_caseload_get_keyring (caseload), subject, &epoch, NULL))
    return TRUE;
  if (count_for_case (caseload, "SELECT count(*) FROM known_device WHERE trusted = 1 AND ombud_id = ?1",
                      h->owner) <= 0)
    {
      *ready = FALSE;
      return TRUE;
    }
  if (!ombud_sync_grant_case_key_to (caseload, h->case_id, OWNER_DEVICES, h->owner, error))
    return FALSE;
  if (grants_queued (caseload, subject))
    {
      *ready = FALSE;
      *again = TRUE;
    }
  return TRUE;
}

/* ---- the purge -------------------------------------------------------------- */

static gboolean
run_text (sqlite3     *db,
          const char  *sql,
          const char  *arg,
          GError     **error)
{
  sqlite3_stmt *stmt = ombud_sql_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_STATIC);
  return ombud_sql_run (db, stmt, error);
}

/* Every row of one table that belongs to the case, and every version,
 * base, conflict and search entry of those rows.  SQL text of
 * ombud-fields.c's names only. */
static gboolean
purge_table (sqlite3          *db,
             const OmbudTable *table,
             const char       *case_id,
             GError          **error)
{
  const char *column = strcmp (table->name, "client_case") == 0 ? "id" : "case_id";
  g_autofree char *rows = g_strdup_printf ("SELECT id FROM %s WHERE %s = ?1", table->name, column);
  static const char *const side[] = { "version", "version_base", "conflict", "search_doc" };

  for (guint i = 0; i < G_N_ELEMENTS (side); i++)
    {
      g_autofree char *sql = g_strdup_printf ("DELETE FROM %s WHERE tbl = '%s' AND rec IN (%s)",
                                              side[i], table->name, rows);
      if (!run_text (db, sql, case_id, error))
        return FALSE;
    }
  {
    g_autofree char *sql = g_strdup_printf ("DELETE FROM %s WHERE %s = ?1", table->name, column);
    return run_text (db, sql, case_id, error);
  }
}

/* Changesets kept here (held for a key, or from a newer Ombud) that are the
 * case's: the office has them all. */
static gboolean
purge_kept (OmbudCaseload  *caseload,
            const char     *case_id,
            const guint8    subject[16],
            GError        **error)
{
  sqlite3 *db = db_of (caseload);
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) quarantined = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = ombud_sql_prepare (db, "SELECT id, body FROM sync_held", error);

  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GBytes) body = g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
      OmbudSealHeader h;

      if (ombud_seal_parse (body, &h, NULL) && memcmp (h.case_id, subject, 16) == 0)
        g_ptr_array_add (held, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
    }
  sqlite3_finalize (stmt);
  stmt = ombud_sql_prepare (db, "SELECT id, body FROM quarantine", error);
  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GBytes) body = g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
      g_autoptr(OmbudChangeset) cs = ombud_changeset_decode (body, NULL);

      if (cs != NULL && g_ascii_strcasecmp (cs->case_id, case_id) == 0)
        g_ptr_array_add (quarantined, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
    }
  sqlite3_finalize (stmt);
  for (guint i = 0; i < held->len; i++)
    if (!run_text (db, "DELETE FROM sync_held WHERE id = ?1", held->pdata[i], error))
      return FALSE;
  for (guint i = 0; i < quarantined->len; i++)
    if (!run_text (db, "DELETE FROM quarantine WHERE id = ?1", quarantined->pdata[i], error))
      return FALSE;
  return TRUE;
}

static gboolean
purge_case (OmbudCaseload  *caseload,
            const char     *case_id,
            GError        **error)
{
  sqlite3 *db = db_of (caseload);
  guint n;
  const OmbudTable *tables = ombud_tables_get (&n);
  guint8 subject[16];
  sqlite3_stmt *stmt;

  if (!ombud_uuid_parse (case_id, subject))
    return ombud_fail (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_MALFORMED, "a case id is damaged: %s", case_id);
  for (guint t = 0; t < n; t++)
    if ((tables[t].per_case || strcmp (tables[t].name, "client_case") == 0)
        && !purge_table (db, &tables[t], case_id, error))
      return FALSE;
  if (!run_text (db, "DELETE FROM conflict WHERE case_id = ?1", case_id, error)
      || !run_text (db, "DELETE FROM search WHERE case_id = ?1", case_id, error)
      || !purge_kept (caseload, case_id, subject, error)
      /* The office drops the bundle's entry at the report; should the case
       * come back, its entry goes again. */
      || !run_text (db, "DELETE FROM kv WHERE key = 'keybundle.done.' || lower(?1)", case_id, error)
      /* Should the case come back, its changesets are applied again. */
      || !run_text (db, "DELETE FROM applied WHERE case_id = ?1", case_id, error)
      || !ombud_keyring_destroy_case_key (ombud_caseload_get_keyring (caseload), case_id, error))
    return FALSE;
  stmt = ombud_sql_prepare (db, "DELETE FROM sync_granted WHERE kind = 2 AND subject = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, subject, 16, SQLITE_STATIC);
  return ombud_sql_run (db, stmt, error)
         && add_report (caseload, case_id, error)
         && ombud_store_put (ombud_caseload_get_store (caseload), SCRUB_KEY, "1", error);
}

/* One case routed away: purged once nothing of it waits here to go out. */
static gboolean
hand_over (OmbudCaseload  *caseload,
           Handover       *h,
           gboolean       *again,
           GError        **error)
{
  gboolean ready;

  /* Its edits not yet at the office, drafts the client has not approved
   * included: those never leave, so the case waits for them. */
  if (count_for_case (caseload, "SELECT count(*) FROM outbox WHERE case_id = ?1", h->case_id) != 0)
    return TRUE;
  if (!key_handed (caseload, h, &ready, again, error))
    return FALSE;
  if (!ready)
    return TRUE;
  if (!purge_case (caseload, h->case_id, error))
    return FALSE;
  *again = TRUE;   /* the report goes in the next request */
  return TRUE;
}

/* A case that came to this ombud from another with the client's consent
 * (its key came from the old owner), or one this device made a key of its
 * own for (PROTOCOL.md §9.3): no device of this ombud made the case, so
 * this one passes on the keys it holds to its ombud's other devices (a
 * laptop added later). */
static gboolean
pass_on_received_keys (OmbudCaseload          *caseload,
                       const OmbudSyncConfig  *config,
                       GError                **error)
{
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = ombud_sql_prepare (db_of (caseload),
    "SELECT c.id FROM client_case c WHERE c.deleted = 0 AND c.assigned_ombud = ?1"
    " AND (coalesce (c.handover_consent, 0) = 1 OR EXISTS (SELECT 1 FROM sync_key k WHERE k.kind = 2"
    "   AND k.epoch = ?3 AND lower (hex (k.subject)) = replace (lower (c.id), '-', '')))"
    " AND coalesce ((SELECT v.device FROM version v WHERE v.tbl = 'client_case' AND v.rec = c.id"
    "   AND v.field = 'municipality_id' ORDER BY v.hlc, v.device LIMIT 1), ?2) NOT IN"
    "   (SELECT ?2 UNION ALL SELECT device_id FROM known_device WHERE ombud_id = ?1)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, config->ombud_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) ombud_caseload_get_device_id (caseload));
  sqlite3_bind_int64 (stmt, 3, ombud_keyring_own_case_epoch (ombud_caseload_get_keyring (caseload)));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (cases, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  for (guint i = 0; i < cases->len; i++)
    if (!ombud_sync_grant_case_key_to (caseload, cases->pdata[i], OWNER_DEVICES, config->ombud_id, error))
      return FALSE;
  return TRUE;
}

gboolean
ombud_sync_handover_step (OmbudCaseload    *caseload,
                          OmbudSyncConfig  *config,
                          gboolean          reports_sent,
                          gboolean         *again,
                          GError          **error)
{
  g_autoptr(GPtrArray) cases = NULL;

  if (reports_sent && !forget_reports (caseload, error))
    return FALSE;
  /* Only an ombud's confirmed device owns cases. */
  if (config->role != 0 || config->ombud_id == NULL || config->state != OMBUD_SYNC_STATE_CONFIRMED)
    return TRUE;
  cases = routed_away (caseload, config, error);
  if (cases == NULL)
    return FALSE;
  for (guint i = 0; i < cases->len; i++)
    if (!hand_over (caseload, cases->pdata[i], again, error))
      return FALSE;
  return pass_on_received_keys (caseload, config, error);
}

/* ---- after the purge ---------------------------------------------------------- */

static gboolean
checkpoint_truncate (sqlite3  *db,
                     GError  **error)
{
  sqlite3_stmt *stmt = ombud_sql_prepare (db, "PRAGMA wal_checkpoint(TRUNCATE)", error);
  int busy = 1;

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    busy = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  if (busy)
    return ombud_fail (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_FAILED, "the write-ahead log is in use");
  return TRUE;
}

/* As a closed case's purge does (shared/ombud-closure.c): FTS5 segments,
 * rebalanced pages' slack and old WAL frames keep deleted text until the
 * index is merged, the file rewritten and the log emptied.  The flag goes
 * last, so a crash before it only means doing this again. */
gboolean
ombud_sync_handover_scrub (OmbudCaseload  *caseload,
                           GError        **error)
{
  sqlite3 *db = db_of (caseload);
  g_autofree char *pending = ombud_store_get (ombud_caseload_get_store (caseload), SCRUB_KEY, NULL);

  if (pending == NULL)
    return TRUE;
  if (ombud_vfs_exec (db, "INSERT INTO search(search) VALUES('optimize')", error)
      && ombud_vfs_exec (db, "VACUUM", error)
      && checkpoint_truncate (db, error)
      && ombud_vfs_exec (db, "DELETE FROM kv WHERE key = '" SCRUB_KEY "'", error)
      && checkpoint_truncate (db, error))
    return TRUE;
  g_prefix_error (error, "a case handed over is purged, but old copies may remain in the store: ");
  return FALSE;
}

/* ---- on the new owner's devices ------------------------------------------------- */

gboolean
ombud_sync_handover_any_declined (OmbudCaseload          *caseload,
                                  const OmbudSyncConfig  *config)
{
  sqlite3_stmt *stmt;
  gboolean any = FALSE;

  if (config->role != 0 || config->ombud_id == NULL)
    return FALSE;
  stmt = ombud_sql_prepare (db_of (caseload),
    "SELECT 1 FROM client_case c WHERE c.assigned_ombud = ?1 AND coalesce (c.handover_consent, 0) <> 1"
    " AND EXISTS (SELECT 1 FROM version v WHERE v.tbl = 'client_case' AND v.rec = c.id"
    "   AND v.field = 'assigned_ombud' AND v.value <> ?1) LIMIT 1", NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, config->ombud_id, -1, SQLITE_STATIC);
  any = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return any;
}

gboolean
ombud_sync_handover_declined (OmbudCaseload          *caseload,
                              const OmbudSyncConfig  *config,
                              const guint8            case_id[16],
                              guint64                 author)
{
  g_autofree char *id = NULL;
  sqlite3_stmt *stmt;
  gboolean declined = FALSE;

  if (config->role != 0 || config->ombud_id == NULL)
    return FALSE;
  id = ombud_uuid_format (case_id);
  stmt = ombud_sql_prepare (db_of (caseload),
    "SELECT 1 FROM client_case c JOIN known_device k ON k.device_id = ?3"
    " WHERE lower (c.id) = ?1 AND c.assigned_ombud = ?2 AND coalesce (c.handover_consent, 0) <> 1"
    " AND k.ombud_id IS NOT NULL AND k.ombud_id <> ?2"
    " AND EXISTS (SELECT 1 FROM version v WHERE v.tbl = 'client_case' AND v.rec = c.id"
    "   AND v.field = 'assigned_ombud' AND v.value = k.ombud_id)", NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, config->ombud_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) author);
  declined = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return declined;
}
