/* ombud-migrations.c: numbered, transactional schema migrations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The schema's version is PRAGMA user_version.  Each step runs in its own
 * transaction together with the version bump, so a failed step leaves the
 * database exactly at the version before it.  Steps are append-only: once a
 * version has shipped its SQL never changes.
 */
#include "ombud-migrations.h"

#include "ombud-vfs.h"

G_DEFINE_QUARK (ombud-migration-error-quark, ombud_migration_error)

static const OmbudMigration migrations[] = {
  { 1,
    "CREATE TABLE kv ("
    "  key   TEXT PRIMARY KEY NOT NULL,"
    "  value TEXT NOT NULL"
    ") STRICT, WITHOUT ROWID;" },

  /* The caseload (DESIGN.md §3).  Synced tables hold the current value of
   * every field; which tier each field is in is said once, in
   * ombud-fields.c.  They have no NOT NULL or foreign-key constraints: the
   * fields of one record can arrive in any order from other replicas, and
   * the write path (ombud-caseload.c) validates what this device writes. */
  { 2,
    "CREATE TABLE organisation (id TEXT PRIMARY KEY NOT NULL, name TEXT,"
    "  deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE municipality (id TEXT PRIMARY KEY NOT NULL, code TEXT, name TEXT,"
    "  population INTEGER, deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE ombud (id TEXT PRIMARY KEY NOT NULL, name TEXT, role TEXT,"
    "  deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE device (id TEXT PRIMARY KEY NOT NULL, ombud_id TEXT, name TEXT,"
    "  deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE code (id TEXT PRIMARY KEY NOT NULL, kind TEXT, code TEXT, label_sv TEXT,"
    "  label_en TEXT, sort_order INTEGER, retired INTEGER, deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE client_case (id TEXT PRIMARY KEY NOT NULL, municipality_id TEXT, gender TEXT,"
    "  birth_year INTEGER, has_minor_children INTEGER, assigned_ombud TEXT,"
    "  handover_consent INTEGER, client_name TEXT, client_contact TEXT,"
    "  client_tier_destroyed INTEGER, deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE case_event (id TEXT PRIMARY KEY NOT NULL, case_id TEXT, kind TEXT,"
    "  on_date TEXT, reason TEXT, target TEXT, deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX case_event_case ON case_event (case_id, kind);"
    "CREATE TABLE goal (id TEXT PRIMARY KEY NOT NULL, case_id TEXT, area TEXT, body TEXT,"
    "  review_on TEXT, outcome TEXT, deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX goal_case ON goal (case_id);"
    "CREATE TABLE contact (id TEXT PRIMARY KEY NOT NULL, case_id TEXT, on_date TEXT,"
    "  minutes INTEGER, form TEXT, actors TEXT, km INTEGER, travel_minutes INTEGER,"
    "  ombud_id TEXT, deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX contact_case ON contact (case_id, on_date);"
    "CREATE TABLE note (id TEXT PRIMARY KEY NOT NULL, case_id TEXT, body TEXT, approved INTEGER,"
    "  written_on TEXT, deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX note_case ON note (case_id, written_on);"
    "CREATE TABLE deadline (id TEXT PRIMARY KEY NOT NULL, case_id TEXT, due_on TEXT, body TEXT,"
    "  done INTEGER, deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX deadline_case ON deadline (case_id);"
    "CREATE INDEX deadline_due ON deadline (due_on);"
    "CREATE TABLE deficiency (id TEXT PRIMARY KEY NOT NULL, level TEXT, actor TEXT,"
    "  municipality_id TEXT, area TEXT, clients_affected INTEGER, description TEXT, status TEXT,"
    "  reported_on TEXT, deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE attachment (id TEXT PRIMARY KEY NOT NULL, case_id TEXT, name TEXT, mime TEXT,"
    "  size INTEGER, blob_ref TEXT, deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX attachment_case ON attachment (case_id);"

    /* Every version of every field this replica has seen, and which earlier
     * versions each one replaced.  A field's heads are the versions nothing
     * replaced; the greatest (hlc, device) is its value, the others are its
     * conflicts.  That depends only on the set of versions seen, never on
     * the order they came in. */
    "CREATE TABLE version (tbl TEXT NOT NULL, rec TEXT NOT NULL, field TEXT NOT NULL,"
    "  hlc INTEGER NOT NULL, device INTEGER NOT NULL, value ANY,"
    "  PRIMARY KEY (tbl, rec, field, hlc, device)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE version_base (tbl TEXT NOT NULL, rec TEXT NOT NULL, field TEXT NOT NULL,"
    "  base_hlc INTEGER NOT NULL, base_device INTEGER NOT NULL,"
    "  hlc INTEGER NOT NULL, device INTEGER NOT NULL,"
    "  PRIMARY KEY (tbl, rec, field, base_hlc, base_device, hlc, device)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE conflict (id TEXT PRIMARY KEY NOT NULL, tbl TEXT NOT NULL, rec TEXT NOT NULL,"
    "  field TEXT NOT NULL, case_id TEXT, hlc INTEGER NOT NULL, device INTEGER NOT NULL,"
    "  value ANY) STRICT;"
    "CREATE INDEX conflict_field ON conflict (tbl, rec, field);"

    /* Changesets this device wrote and has not yet handed to the office;
     * hold names a draft note whose changes stay here until the client
     * approves it. */
    "CREATE TABLE outbox (seq INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, case_id TEXT,"
    "  hold TEXT, body BLOB NOT NULL) STRICT;"
    "CREATE INDEX outbox_hold ON outbox (hold) WHERE hold IS NOT NULL;"
    "CREATE TABLE applied (id TEXT PRIMARY KEY NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE TABLE quarantine (id TEXT PRIMARY KEY NOT NULL, schema INTEGER NOT NULL,"
    "  body BLOB NOT NULL) STRICT;"
    "CREATE TABLE clock (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL) STRICT;"
    "INSERT INTO clock VALUES (1, 0);"

    /* Search over the caseload, client-tier text included, kept by triggers
     * so that no write path can forget it. */
    "CREATE TABLE search_doc (docid INTEGER PRIMARY KEY, tbl TEXT NOT NULL, rec TEXT NOT NULL,"
    "  UNIQUE (tbl, rec)) STRICT;"
    "CREATE VIRTUAL TABLE search USING fts5 (text, case_id UNINDEXED,"
    "  tokenize = 'unicode61');"
    "CREATE VIEW search_source (tbl, rec, case_id, text, live) AS"
    "  SELECT 'client_case', id, id, client_name, deleted = 0 FROM client_case"
    "  UNION ALL SELECT 'note', id, case_id, body, deleted = 0 FROM note"
    "  UNION ALL SELECT 'goal', id, case_id, body, deleted = 0 FROM goal"
    "  UNION ALL SELECT 'deadline', id, case_id, body, deleted = 0 FROM deadline;"
    "CREATE TRIGGER search_case AFTER UPDATE ON client_case BEGIN"
    "  INSERT OR IGNORE INTO search_doc (tbl, rec) VALUES ('client_case', new.id);"
    "  DELETE FROM search WHERE rowid = (SELECT docid FROM search_doc WHERE tbl = 'client_case' AND rec = new.id);"
    "  INSERT INTO search (rowid, text, case_id) SELECT docid, new.client_name, new.id FROM search_doc"
    "    WHERE tbl = 'client_case' AND rec = new.id AND new.client_name IS NOT NULL AND new.deleted = 0;"
    "END;"
    "CREATE TRIGGER search_note AFTER UPDATE ON note BEGIN"
    "  INSERT OR IGNORE INTO search_doc (tbl, rec) VALUES ('note', new.id);"
    "  DELETE FROM search WHERE rowid = (SELECT docid FROM search_doc WHERE tbl = 'note' AND rec = new.id);"
    "  INSERT INTO search (rowid, text, case_id) SELECT docid, new.body, new.case_id FROM search_doc"
    "    WHERE tbl = 'note' AND rec = new.id AND new.body IS NOT NULL AND new.deleted = 0;"
    "END;"
    "CREATE TRIGGER search_goal AFTER UPDATE ON goal BEGIN"
    "  INSERT OR IGNORE INTO search_doc (tbl, rec) VALUES ('goal', new.id);"
    "  DELETE FROM search WHERE rowid = (SELECT docid FROM search_doc WHERE tbl = 'goal' AND rec = new.id);"
    "  INSERT INTO search (rowid, text, case_id) SELECT docid, new.body, new.case_id FROM search_doc"
    "    WHERE tbl = 'goal' AND rec = new.id AND new.body IS NOT NULL AND new.deleted = 0;"
    "END;"
    "CREATE TRIGGER search_deadline AFTER UPDATE ON deadline BEGIN"
    "  INSERT OR IGNORE INTO search_doc (tbl, rec) VALUES ('deadline', new.id);"
    "  DELETE FROM search WHERE rowid = (SELECT docid FROM search_doc WHERE tbl = 'deadline' AND rec = new.id);"
    "  INSERT INTO search (rowid, text, case_id) SELECT docid, new.body, new.case_id FROM search_doc"
    "    WHERE tbl = 'deadline' AND rec = new.id AND new.body IS NOT NULL AND new.deleted = 0;"
    "END;"

    /* A case's state is read from its events, never typed in. */
    "CREATE VIEW case_state AS SELECT c.id,"
    "  (SELECT min(on_date) FROM case_event e WHERE e.case_id = c.id AND e.kind = 'requested' AND e.deleted = 0) AS requested_on,"
    "  (SELECT min(on_date) FROM case_event e WHERE e.case_id = c.id AND e.kind = 'started' AND e.deleted = 0) AS started_on,"
    "  (SELECT max(on_date) FROM case_event e WHERE e.case_id = c.id AND e.kind = 'closed' AND e.deleted = 0) AS closed_on,"
    "  (SELECT reason FROM case_event e WHERE e.case_id = c.id AND e.kind = 'closed' AND e.deleted = 0"
    "     ORDER BY on_date DESC, id DESC LIMIT 1) AS closure_reason,"
    "  (SELECT min(on_date) FROM case_event e WHERE e.case_id = c.id AND e.kind = 'referred' AND e.deleted = 0) AS referred_on,"
    "  (SELECT target FROM case_event e WHERE e.case_id = c.id AND e.kind = 'referred' AND e.deleted = 0"
    "     ORDER BY on_date, id LIMIT 1) AS referral_target"
    "  FROM client_case c WHERE c.deleted = 0;" },

  /* Sync keys (sync/PROTOCOL.md §1–2).  This device's identity is a
   * singleton whose secret keys live only here, in the encrypted store, and
   * in locked memory.  Known devices are keyed by the id derived from their
   * signing key.  sync_key holds every office key epoch and case key this
   * device was granted or made; destroying a case key deletes its row. */
  { 3,
    "CREATE TABLE device_identity (id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  sign_pk BLOB NOT NULL, sign_sk BLOB NOT NULL,"
    "  box_pk BLOB NOT NULL, box_sk BLOB NOT NULL) STRICT;"
    "CREATE TABLE known_device (device_id INTEGER PRIMARY KEY,"
    "  sign_pk BLOB NOT NULL UNIQUE, box_pk BLOB NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('ombud', 'coordinator')),"
    "  trusted INTEGER NOT NULL DEFAULT 0, ombud_id TEXT) STRICT;"
    "CREATE TABLE sync_key (kind INTEGER NOT NULL CHECK (kind IN (1, 2)),"
    "  epoch INTEGER NOT NULL, subject BLOB NOT NULL, key BLOB NOT NULL,"
    "  PRIMARY KEY (kind, epoch, subject)) STRICT, WITHOUT ROWID;" },

  /* Search answers each keystroke: one- to three-letter prefixes get an index
   * of their own (bench/caseload/bench-caseload-search: p95 145 ms -> 5 ms on
   * 10,000 cases, with the bounded ranking in ombud-queries.c).  The index is
   * rebuilt from what is searchable now. */
  { 4,
    "DROP TABLE search;"
    "CREATE VIRTUAL TABLE search USING fts5 (text, case_id UNINDEXED,"
    "  tokenize = 'unicode61', prefix = '1 2 3');"
    "INSERT INTO search (rowid, text, case_id)"
    "  SELECT d.docid, s.text, s.case_id FROM search_doc d"
    "  JOIN search_source s ON s.tbl = d.tbl AND s.rec = d.rec"
    "  WHERE s.text IS NOT NULL AND s.live;" },

  /* Sync with the office (sync/PROTOCOL.md §5–§7).  An outbox changeset is
   * sealed once and kept sealed, so a retry after a cut connection sends the
   * very bytes the office may already hold.  sync_held keeps changesets
   * this device cannot open yet (keys on their way); sync_outgoing the
   * grants and certificates to send; sync_granted which case keys this
   * device has granted to whom; sync_directory the office's list of devices,
   * trusted or not. */
  { 5,
    "ALTER TABLE outbox ADD COLUMN sealed BLOB;"
    "CREATE TABLE sync_held (id TEXT PRIMARY KEY NOT NULL, author INTEGER NOT NULL,"
    "  body BLOB NOT NULL) STRICT;"
    "CREATE TABLE sync_outgoing (seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL"
    "  CHECK (kind IN (1, 2)), body BLOB NOT NULL) STRICT;"
    "CREATE TABLE sync_granted (recipient INTEGER NOT NULL, kind INTEGER NOT NULL,"
    "  epoch INTEGER NOT NULL, subject BLOB NOT NULL,"
    "  PRIMARY KEY (recipient, kind, epoch, subject)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE sync_directory (device_id INTEGER PRIMARY KEY, sign_pk BLOB NOT NULL,"
    "  box_pk BLOB NOT NULL, person TEXT NOT NULL, role INTEGER NOT NULL,"
    "  state INTEGER NOT NULL, name TEXT NOT NULL) STRICT;" },

  /* The organisation's policy on the client tier: when a coordinator turns
   * it on, case keys are also granted to coordinators' devices
   * (DESIGN.md §3, sync/PROTOCOL.md §6). */
  { 6,
    "ALTER TABLE organisation ADD COLUMN coordinators_read_client INTEGER;" },

  /* The window's case list (shared/ombud-case-summary.c) answers each
   * keystroke on 10,000 cases in one statement (bench/app/bench-search):
   * - a case's unsent changes are found through the outbox's case, not by
   *   reading every sealed body;
   * - case_state's dates come from the index alone;
   * - a search hit's case comes from search_doc, not from the FTS content
   *   row with the whole note in it: search_doc learns each document's case
   *   as the search triggers learn its text (in whichever order the fields
   *   arrive), and the documents indexed so far are filled in here. */
  { 7,
    "CREATE INDEX outbox_case ON outbox (case_id);"
    "CREATE INDEX case_event_state ON case_event (case_id, kind, deleted, on_date);"
    "ALTER TABLE search_doc ADD COLUMN case_id TEXT;"
    "UPDATE search_doc SET case_id = rec WHERE tbl = 'client_case';"
    "UPDATE search_doc SET case_id = (SELECT case_id FROM note WHERE note.id = search_doc.rec) WHERE tbl = 'note';"
    "UPDATE search_doc SET case_id = (SELECT case_id FROM goal WHERE goal.id = search_doc.rec) WHERE tbl = 'goal';"
    "UPDATE search_doc SET case_id = (SELECT case_id FROM deadline WHERE deadline.id = search_doc.rec)"
    "  WHERE tbl = 'deadline';"
    "CREATE TRIGGER search_doc_case AFTER UPDATE OF client_name ON client_case BEGIN"
    "  INSERT INTO search_doc (tbl, rec, case_id) VALUES ('client_case', new.id, new.id)"
    "    ON CONFLICT (tbl, rec) DO UPDATE SET case_id = excluded.case_id WHERE case_id IS NOT excluded.case_id;"
    "END;"
    "CREATE TRIGGER search_doc_note AFTER UPDATE OF case_id ON note BEGIN"
    "  INSERT INTO search_doc (tbl, rec, case_id) VALUES ('note', new.id, new.case_id)"
    "    ON CONFLICT (tbl, rec) DO UPDATE SET case_id = excluded.case_id WHERE case_id IS NOT excluded.case_id;"
    "END;"
    "CREATE TRIGGER search_doc_goal AFTER UPDATE OF case_id ON goal BEGIN"
    "  INSERT INTO search_doc (tbl, rec, case_id) VALUES ('goal', new.id, new.case_id)"
    "    ON CONFLICT (tbl, rec) DO UPDATE SET case_id = excluded.case_id WHERE case_id IS NOT excluded.case_id;"
    "END;"
    "CREATE TRIGGER search_doc_deadline AFTER UPDATE OF case_id ON deadline BEGIN"
    "  INSERT INTO search_doc (tbl, rec, case_id) VALUES ('deadline', new.id, new.case_id)"
    "    ON CONFLICT (tbl, rec) DO UPDATE SET case_id = excluded.case_id WHERE case_id IS NOT excluded.case_id;"
    "END;" },

  /* The organisation's retention period for closed cases' client tier, set
   * by a coordinator and followed by every laptop (sync/PROTOCOL.md §9.5);
   * it was a setting of each profile before. */
  { 8,
    "ALTER TABLE organisation ADD COLUMN retention_days INTEGER;" },

  /* Which case each applied changeset was of, so that a laptop that hands a
   * case over forgets having applied its changesets: should the case come
   * back, they are applied again (sync/PROTOCOL.md §9.2).  Rows from before
   * have none. */
  { 9,
    "ALTER TABLE applied ADD COLUMN case_id TEXT;"
    "CREATE INDEX applied_case ON applied (case_id) WHERE case_id IS NOT NULL;" },
};

const OmbudMigration *
ombud_migrations_get (guint *n_migrations)
{
  *n_migrations = G_N_ELEMENTS (migrations);
  return migrations;
}

int
ombud_migrations_latest (void)
{
  return migrations[G_N_ELEMENTS (migrations) - 1].version;
}

static int
user_version (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

static gboolean
apply_one (sqlite3               *db,
           const OmbudMigration  *m,
           GError               **error)
{
  g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", m->version);
  g_autoptr(GError) local_error = NULL;

  if (!ombud_vfs_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (ombud_vfs_exec (db, m->sql, &local_error)
      && ombud_vfs_exec (db, bump, &local_error)
      && ombud_vfs_exec (db, "COMMIT", &local_error))
    return TRUE;

  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  g_set_error (error, OMBUD_MIGRATION_ERROR, OMBUD_MIGRATION_ERROR_FAILED,
               "schema migration to version %d failed: %s", m->version, local_error->message);
  return FALSE;
}

gboolean
ombud_migrations_apply (sqlite3               *db,
                        const OmbudMigration  *list,
                        guint                  n,
                        int                    target_version,
                        GError               **error)
{
  int current = user_version (db);

  if (current < 0)
    return ombud_vfs_exec (db, "PRAGMA user_version", error);
  if (current > list[n - 1].version)
    {
      g_set_error (error, OMBUD_MIGRATION_ERROR, OMBUD_MIGRATION_ERROR_NEWER,
                   "the store has schema version %d; this Ombud knows up to %d. "
                   "Install a newer Ombud to open it.", current, list[n - 1].version);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      const OmbudMigration *m = &list[i];

      if (m->version <= current || m->version > target_version)
        continue;
      if (!apply_one (db, m, error))
        return FALSE;
    }
  return TRUE;
}
