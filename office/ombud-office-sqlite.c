/* ombud-office-sqlite.c: the office's state in one SQLite file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DATA_DIR/office.db, in WAL mode with synchronous=FULL, so that a sync the
 * office answered survives a power cut.  Nothing in it is client data (see
 * ombud-office-backend.h), but it holds the office's secret keys: the
 * directory is 0700 and the file 0600.
 *
 * One connection per backend, used by one thread at a time.  Statements are
 * prepared once and kept; every use resets them on the way out (OfficeStmt),
 * because a statement left half-stepped holds a read transaction open.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ombud-office-backend-private.h"

#define SCHEMA_VERSION   3
#define BUSY_TIMEOUT_MS  5000

/* Version 1.  Ids and keys are blobs of their fixed size; device ids and HLCs
 * are u64 kept in INTEGER (device ids have the top bit clear, HLCs round-trip
 * through the cast).  Certificates and grants name enrolled devices. */
static const char schema_sql[] =
  "CREATE TABLE org ("
  "  id      INTEGER PRIMARY KEY CHECK (id = 1),"
  "  org_id  BLOB NOT NULL CHECK (length (org_id) = 16),"
  "  name    TEXT NOT NULL,"
  "  sign_pk BLOB NOT NULL CHECK (length (sign_pk) = 32),"
  "  sign_sk BLOB NOT NULL CHECK (length (sign_sk) = 64),"
  "  box_pk  BLOB NOT NULL CHECK (length (box_pk) = 32),"
  "  box_sk  BLOB NOT NULL CHECK (length (box_sk) = 32));"
  "CREATE TABLE invite ("
  "  code_hash  BLOB PRIMARY KEY CHECK (length (code_hash) = 32),"
  "  person     TEXT NOT NULL,"
  "  role       INTEGER NOT NULL CHECK (role IN (0, 1)),"
  "  expires_ms INTEGER NOT NULL,"
  "  used       INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1))) WITHOUT ROWID;"
  "CREATE TABLE device ("
  "  device_id            INTEGER PRIMARY KEY CHECK (device_id > 0),"
  "  sign_pk              BLOB NOT NULL UNIQUE CHECK (length (sign_pk) = 32),"
  "  box_pk               BLOB NOT NULL UNIQUE CHECK (length (box_pk) = 32),"
  "  person               TEXT NOT NULL,"
  "  name                 TEXT NOT NULL,"
  "  role                 INTEGER NOT NULL CHECK (role IN (0, 1)),"
  "  state                INTEGER NOT NULL CHECK (state IN (0, 1, 2)),"
  "  ombud_id             TEXT,"
  "  enrolled_ms          INTEGER NOT NULL,"
  "  last_seen_ms         INTEGER NOT NULL,"
  "  last_request_ms      INTEGER NOT NULL,"
  "  last_request_id      BLOB NOT NULL CHECK (length (last_request_id) = 16),"
  "  last_request_hash    BLOB NOT NULL CHECK (length (last_request_hash) = 32),"
  "  last_response        BLOB,"
  "  last_response_status INTEGER NOT NULL);"
  "CREATE INDEX device_by_enrolment ON device (enrolled_ms, device_id);"
  "CREATE TABLE cert ("
  "  subject   INTEGER NOT NULL REFERENCES device (device_id),"
  "  certifier INTEGER NOT NULL REFERENCES device (device_id),"
  "  body      BLOB NOT NULL,"
  "  PRIMARY KEY (subject, certifier));"
  "CREATE TABLE key_grant ("
  "  recipient INTEGER NOT NULL REFERENCES device (device_id),"
  "  kind      INTEGER NOT NULL,"
  "  epoch     INTEGER NOT NULL,"
  "  subject   BLOB NOT NULL CHECK (length (subject) = 16),"
  "  body      BLOB NOT NULL,"
  "  PRIMARY KEY (recipient, kind, epoch, subject));"
  "CREATE TABLE route ("
  "  case_id  BLOB PRIMARY KEY CHECK (length (case_id) = 16),"
  "  ombud_id TEXT NOT NULL) WITHOUT ROWID;"
  "CREATE INDEX route_by_ombud ON route (ombud_id, case_id);"
  /* AUTOINCREMENT: a seq is never handed out twice, even if the newest
   * changesets are ever deleted, so no device cursor can skip one. */
  "CREATE TABLE changeset ("
  "  seq          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  changeset_id BLOB NOT NULL UNIQUE CHECK (length (changeset_id) = 16),"
  "  case_id      BLOB NOT NULL CHECK (length (case_id) = 16),"
  "  author       INTEGER NOT NULL,"
  "  max_hlc      INTEGER NOT NULL,"
  "  sealed       BLOB NOT NULL);"
  "CREATE INDEX changeset_by_case ON changeset (case_id, seq);"
  "CREATE TABLE blob ("
  "  name TEXT PRIMARY KEY,"
  "  body BLOB NOT NULL);"
  "CREATE TABLE counter ("
  "  name  TEXT PRIMARY KEY,"
  "  value INTEGER NOT NULL) WITHOUT ROWID;"
  "INSERT INTO counter (name, value) VALUES ('directory', 0);"
  "PRAGMA user_version = 1;";

/* Version 2 (sync/PROTOCOL.md §9): reassignment and shredding.
 * - former_route: ombuds a case was routed away from, and the last seq at
 *   that moment; their devices may still push their edits to it and get
 *   the coordinators' changes to it until each reports it handed over.
 * - handed_over: which device of a former owner has purged the case.
 * - redelivery: a case's earlier changesets, sent again to the ombud it
 *   was routed to, under new seqs of the one sequence (a device's cursor
 *   had passed them).  Changeset seqs and redelivery seqs never collide:
 *   both are taken from sqlite_sequence's 'changeset' entry.
 * - shredded: cases whose client tier and case key grants are gone. */
static const char schema_v2_sql[] =
  "CREATE TABLE former_route ("
  "  case_id   BLOB NOT NULL CHECK (length (case_id) = 16),"
  "  ombud_id  TEXT NOT NULL,"
  "  since_seq INTEGER NOT NULL,"
  "  PRIMARY KEY (case_id, ombud_id)) WITHOUT ROWID;"
  "CREATE TABLE handed_over ("
  "  case_id   BLOB NOT NULL CHECK (length (case_id) = 16),"
  "  device_id INTEGER NOT NULL REFERENCES device (device_id),"
  "  ombud_id  TEXT NOT NULL,"
  "  PRIMARY KEY (case_id, device_id)) WITHOUT ROWID;"
  "CREATE TABLE redelivery ("
  "  seq           INTEGER PRIMARY KEY,"
  "  case_id       BLOB NOT NULL CHECK (length (case_id) = 16),"
  "  changeset_seq INTEGER NOT NULL REFERENCES changeset (seq) ON DELETE CASCADE,"
  "  ombud_id      TEXT NOT NULL);"
  "CREATE INDEX redelivery_by_ombud ON redelivery (ombud_id, seq);"
  "CREATE INDEX redelivery_by_changeset ON redelivery (changeset_seq);"
  "CREATE TABLE shredded ("
  "  case_id BLOB PRIMARY KEY CHECK (length (case_id) = 16),"
  "  by_device INTEGER NOT NULL,"
  "  at_ms   INTEGER NOT NULL) WITHOUT ROWID;"
  "PRAGMA user_version = 2;";

/* Version 3:
 * - shredded_changeset (PROTOCOL.md §9.5, §10.2): the id and author of each
 *   changeset shredding deleted.  A device's divergence digest counts the
 *   changesets of its own that the office took; these were taken, so the
 *   office's answer goes on counting them and their authors need not resync.
 * - changeset_by_author: that answer reads one device's changesets only.
 * - redelivery.to_authors (§9.1): set when the case goes back to an ombud who
 *   had it before, whose devices purged it: they get their own changesets
 *   of it again as well (otherwise a device never gets its own).
 * - device_guard (§10.4): per device, the guard public key it registered
 *   and the share the office seals to it in every answer, so that a laptop
 *   that stops syncing locks its replica after stale_days. */
static const char schema_v3_sql[] =
  "CREATE TABLE shredded_changeset ("
  "  changeset_id BLOB PRIMARY KEY CHECK (length (changeset_id) = 16),"
  "  author       INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE INDEX shredded_changeset_by_author ON shredded_changeset (author);"
  "CREATE INDEX changeset_by_author ON changeset (author);"
  "ALTER TABLE redelivery ADD COLUMN to_authors INTEGER NOT NULL DEFAULT 0;"
  "CREATE TABLE device_guard ("
  "  device_id INTEGER PRIMARY KEY REFERENCES device (device_id),"
  "  guard_pk  BLOB NOT NULL CHECK (length (guard_pk) = 32),"
  "  share     BLOB NOT NULL CHECK (length (share) = 32));"
  "PRAGMA user_version = 3;";

#define DEVICE_COLUMNS \
  "device_id, sign_pk, box_pk, person, name, role, state, ombud_id, enrolled_ms, last_seen_ms, " \
  "last_request_ms, last_request_id, last_request_hash, last_response, last_response_status"

#define DEVICE_LIST_COLUMNS \
  "device_id, sign_pk, box_pk, person, name, role, state, ombud_id, enrolled_ms, last_seen_ms, " \
  "last_request_ms, last_request_id, last_request_hash, NULL, last_response_status"

/* What a device may receive (ombud-office-backend.h): ?1 after, ?2 the
 * requesting device (whose own changesets it never gets), ?3 all cases,
 * ?4 its ombud id (NULL matches no route).  Three feeds, each in seq order:
 * the changesets routed to it; the history of cases routed to its ombud
 * after it had passed them (redelivery); and, on a former owner's devices
 * that have not handed the case over yet, the coordinators' changes to it
 * made after it was routed away (so that they see the reassignment, signed,
 * PROTOCOL.md §9). */
#define FEED_COLUMNS "changeset_id, c.case_id, author, max_hlc, sealed"
#define ROUTED_FEED \
  "SELECT c.seq, " FEED_COLUMNS " FROM changeset c WHERE c.seq > ?1 AND c.author <> ?2" \
  " AND (c.case_id = zeroblob (16) OR ?3 OR c.case_id IN (SELECT case_id FROM route WHERE ombud_id = ?4))" \
  " UNION ALL SELECT r.seq, " FEED_COLUMNS " FROM redelivery r JOIN changeset c ON c.seq = r.changeset_seq" \
  " WHERE NOT ?3 AND r.ombud_id = ?4 AND r.seq > ?1 AND (c.author <> ?2 OR r.to_authors)" \
  " AND r.case_id IN (SELECT case_id FROM route WHERE ombud_id = ?4)" \
  " UNION ALL SELECT c.seq, " FEED_COLUMNS " FROM former_route f JOIN changeset c ON c.case_id = f.case_id" \
  " WHERE NOT ?3 AND f.ombud_id = ?4 AND c.seq > ?1 AND c.seq > f.since_seq AND c.author <> ?2" \
  " AND c.author IN (SELECT device_id FROM device WHERE role = 1)" \
  " AND NOT EXISTS (SELECT 1 FROM handed_over h WHERE h.case_id = c.case_id AND h.device_id = ?2)"

/* The last seq handed out: redeliveries take seqs too, and shredding may
 * delete the newest changesets, so the sequence itself is asked. */
#define LAST_SEQ \
  "max (coalesce ((SELECT seq FROM sqlite_sequence WHERE name = 'changeset'), 0)," \
  " coalesce ((SELECT max (seq) FROM changeset), 0))"

typedef enum {
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_SAVEPOINT,
  STMT_RELEASE,
  STMT_ROLLBACK_TO,
  STMT_ORG_INSERT,
  STMT_ORG_SELECT,
  STMT_INVITE_INSERT,
  STMT_INVITE_TAKE,
  STMT_DEVICE_INSERT,
  STMT_DEVICE_SELECT,
  STMT_DEVICE_LIST,
  STMT_DEVICE_STATE_SELECT,
  STMT_DEVICE_STATE_UPDATE,
  STMT_DEVICE_LAST_REQUEST,
  STMT_DIRECTORY_BUMP,
  STMT_DIRECTORY_SELECT,
  STMT_CERT_SELECT,
  STMT_CERT_UPSERT,
  STMT_CERT_LIST,
  STMT_GRANT_SELECT,
  STMT_GRANT_UPSERT,
  STMT_GRANT_LIST,
  STMT_ROUTE_SELECT,
  STMT_ROUTE_UPSERT,
  STMT_CHANGESET_INSERT,
  STMT_CHANGESET_SELECT,
  STMT_CHANGESET_LIST,
  STMT_CHANGESET_MORE,
  STMT_CHANGESET_LAST_SEQ,
  STMT_BLOB_UPSERT,
  STMT_BLOB_SELECT,
  STMT_GUARD_UPSERT,
  STMT_GUARD_SELECT,
  STMT_CHANGESET_AUTHORED_IDS,
  STMT_FORMER_ADD,
  STMT_FORMER_CLEAR,
  STMT_HANDED_CLEAR,
  STMT_REDELIVER,
  STMT_SEQ_BUMP,
  STMT_FORMER_MAY_PUSH,
  STMT_HANDED_ADD,
  STMT_CASE_CHANGESETS,
  STMT_CHANGESET_DELETE,
  STMT_CHANGESET_REMEMBER_SHREDDED,
  STMT_CASE_GRANTS_DELETE,
  STMT_RESPONSES_FORGET,
  STMT_SHREDDED_ADD,
  STMT_SHREDDED_GET,
  N_STMTS
} StmtId;

static const char * const stmt_sql[N_STMTS] = {
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_SAVEPOINT] = "SAVEPOINT office_op",
  [STMT_RELEASE] = "RELEASE office_op",
  [STMT_ROLLBACK_TO] = "ROLLBACK TO office_op",
  [STMT_ORG_INSERT] =
    "INSERT INTO org (id, org_id, name, sign_pk, sign_sk, box_pk, box_sk) "
    "VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
  [STMT_ORG_SELECT] = "SELECT org_id, name, sign_pk, sign_sk, box_pk, box_sk FROM org WHERE id = 1",
  [STMT_INVITE_INSERT] =
    "INSERT INTO invite (code_hash, person, role, expires_ms) VALUES (?1, ?2, ?3, ?4)",
  /* One statement, so that two devices racing for one code cannot both win. */
  [STMT_INVITE_TAKE] =
    "UPDATE invite SET used = 1 WHERE code_hash = ?1 AND used = 0 AND expires_ms > ?2 "
    "RETURNING person, role",
  [STMT_DEVICE_INSERT] =
    "INSERT INTO device (" DEVICE_COLUMNS ") "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
  [STMT_DEVICE_SELECT] = "SELECT " DEVICE_COLUMNS " FROM device WHERE device_id = ?1",
  /* Not the stored responses: a directory of hundreds of devices is listed
   * often, and their last answers are tens of kilobytes each. */
  [STMT_DEVICE_LIST] = "SELECT " DEVICE_LIST_COLUMNS " FROM device ORDER BY enrolled_ms, device_id",
  [STMT_DEVICE_STATE_SELECT] = "SELECT state, ombud_id FROM device WHERE device_id = ?1",
  [STMT_DEVICE_STATE_UPDATE] =
    "UPDATE device SET state = ?2, ombud_id = coalesce (?3, ombud_id) WHERE device_id = ?1",
  [STMT_DEVICE_LAST_REQUEST] =
    "UPDATE device SET last_request_ms = ?2, last_request_id = ?3, last_request_hash = ?4, "
    "last_response = ?5, last_response_status = ?6, last_seen_ms = ?7 WHERE device_id = ?1",
  [STMT_DIRECTORY_BUMP] = "UPDATE counter SET value = value + 1 WHERE name = 'directory'",
  [STMT_DIRECTORY_SELECT] = "SELECT value FROM counter WHERE name = 'directory'",
  [STMT_CERT_SELECT] = "SELECT body FROM cert WHERE subject = ?1 AND certifier = ?2",
  [STMT_CERT_UPSERT] =
    "INSERT INTO cert (subject, certifier, body) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (subject, certifier) DO UPDATE SET body = excluded.body",
  [STMT_CERT_LIST] = "SELECT body FROM cert ORDER BY subject, certifier",
  [STMT_GRANT_SELECT] =
    "SELECT body FROM key_grant WHERE recipient = ?1 AND kind = ?2 AND epoch = ?3 AND subject = ?4",
  [STMT_GRANT_UPSERT] =
    "INSERT INTO key_grant (recipient, kind, epoch, subject, body) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (recipient, kind, epoch, subject) DO UPDATE SET body = excluded.body",
  [STMT_GRANT_LIST] = "SELECT body FROM key_grant WHERE recipient = ?1 ORDER BY kind, epoch, subject",
  [STMT_ROUTE_SELECT] = "SELECT ombud_id FROM route WHERE case_id = ?1",
  [STMT_ROUTE_UPSERT] =
    "INSERT INTO route (case_id, ombud_id) VALUES (?1, ?2) "
    "ON CONFLICT (case_id) DO UPDATE SET ombud_id = excluded.ombud_id",
  [STMT_CHANGESET_INSERT] =
    "INSERT INTO changeset (changeset_id, case_id, author, max_hlc, sealed) VALUES (?1, ?2, ?3, ?4, ?5)",
  [STMT_CHANGESET_SELECT] = "SELECT case_id, author, max_hlc, sealed FROM changeset WHERE changeset_id = ?1",
  /* A compound ORDER BY merges the three feeds, each read in seq order,
   * as they are stepped: nothing past the budget is read, let alone
   * sorted. */
  [STMT_CHANGESET_LIST] = ROUTED_FEED " ORDER BY 1",
  [STMT_CHANGESET_MORE] = "SELECT EXISTS (" ROUTED_FEED ")",
  /* Redeliveries take seqs too, and shredding may delete the newest
   * changesets: the sequence itself is the last seq handed out. */
  [STMT_CHANGESET_LAST_SEQ] = "SELECT " LAST_SEQ,
  [STMT_BLOB_UPSERT] =
    "INSERT INTO blob (name, body) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET body = excluded.body",
  [STMT_BLOB_SELECT] = "SELECT body FROM blob WHERE name = ?1",
  /* A new guard key keeps the device's share: it is made once. */
  [STMT_GUARD_UPSERT] =
    "INSERT INTO device_guard (device_id, guard_pk, share) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (device_id) DO UPDATE SET guard_pk = excluded.guard_pk",
  [STMT_GUARD_SELECT] = "SELECT guard_pk, share FROM device_guard WHERE device_id = ?1",
  /* PROTOCOL.md §10.2: what a device's digest counts, everything it wrote
   * that is stored here.  Not what was routed to it: routes change, and
   * what a pull sent depends on the routes at that pull. */
  [STMT_CHANGESET_AUTHORED_IDS] =
    "SELECT changeset_id FROM changeset WHERE author = ?1"
    " UNION ALL SELECT changeset_id FROM shredded_changeset WHERE author = ?1",
  [STMT_FORMER_ADD] =
    "INSERT INTO former_route (case_id, ombud_id, since_seq) VALUES (?1, ?2, " LAST_SEQ ") "
    "ON CONFLICT (case_id, ombud_id) DO UPDATE SET since_seq = excluded.since_seq",
  [STMT_FORMER_CLEAR] = "DELETE FROM former_route WHERE case_id = ?1 AND ombud_id = ?2",
  [STMT_HANDED_CLEAR] = "DELETE FROM handed_over WHERE case_id = ?1 AND ombud_id = ?2",
  [STMT_REDELIVER] =
    "INSERT INTO redelivery (seq, case_id, changeset_seq, ombud_id, to_authors) "
    "SELECT " LAST_SEQ " + row_number () OVER (ORDER BY seq), case_id, seq, ?2,"
    " EXISTS (SELECT 1 FROM former_route f WHERE f.case_id = ?1 AND f.ombud_id = ?2) "
    "FROM changeset WHERE case_id = ?1 ORDER BY seq",
  [STMT_SEQ_BUMP] =
    "UPDATE sqlite_sequence SET seq = (SELECT max (seq) FROM redelivery) "
    "WHERE name = 'changeset' AND seq < (SELECT max (seq) FROM redelivery)",
  [STMT_FORMER_MAY_PUSH] =
    "SELECT EXISTS (SELECT 1 FROM former_route WHERE case_id = ?1 AND ombud_id = ?2) "
    "AND NOT EXISTS (SELECT 1 FROM handed_over WHERE case_id = ?1 AND device_id = ?3)",
  [STMT_HANDED_ADD] =
    "INSERT OR IGNORE INTO handed_over (case_id, device_id, ombud_id) "
    "SELECT ?1, ?3, ?2 WHERE EXISTS (SELECT 1 FROM former_route WHERE case_id = ?1 AND ombud_id = ?2)",
  [STMT_CASE_CHANGESETS] =
    "SELECT seq, changeset_id, case_id, author, max_hlc, sealed FROM changeset WHERE case_id = ?1 ORDER BY seq",
  [STMT_CHANGESET_DELETE] = "DELETE FROM changeset WHERE seq = ?1",
  [STMT_CHANGESET_REMEMBER_SHREDDED] =
    "INSERT OR IGNORE INTO shredded_changeset (changeset_id, author)"
    " SELECT changeset_id, author FROM changeset WHERE seq = ?1",
  [STMT_CASE_GRANTS_DELETE] = "DELETE FROM key_grant WHERE kind = 2 AND subject = ?1",
  [STMT_RESPONSES_FORGET] = "UPDATE device SET last_response = NULL WHERE last_response IS NOT NULL",
  [STMT_SHREDDED_ADD] =
    "INSERT INTO shredded (case_id, by_device, at_ms) VALUES (?1, ?2, ?3) ON CONFLICT (case_id) DO NOTHING",
  [STMT_SHREDDED_GET] = "SELECT 1 FROM shredded WHERE case_id = ?1",
};

typedef struct {
  OmbudOfficeBackend  parent;
  sqlite3            *db;
  char               *path;
  sqlite3_stmt       *stmts[N_STMTS];
} OmbudOfficeSqlite;

static const OmbudOfficeBackendClass sqlite_class;

static OmbudOfficeSqlite *
SQL (OmbudOfficeBackend *backend)
{
  return (OmbudOfficeSqlite *) backend;
}

/* A cached statement on loan: reset and unbound when the borrower's scope
 * ends, so it holds no lock and points at no caller memory afterwards. */
typedef sqlite3_stmt OfficeStmt;

static void
office_stmt_release (OfficeStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OfficeStmt, office_stmt_release)

/* ---- errors ---- */

static int
error_code_for (int rc)
{
  switch (rc)
    {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
      return OMBUD_OFFICE_BACKEND_ERROR_EXISTS;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND;
    default:
      break;
    }
  /* BUSY after the busy timeout: another writer held the file that long. */
  if ((rc & 0xff) == SQLITE_BUSY)
    return OMBUD_OFFICE_BACKEND_ERROR_BUSY;
  return OMBUD_OFFICE_BACKEND_ERROR_FAILED;
}

/* Call while the failed statement is still on loan: its message is the
 * connection's latest. */
static gboolean
sql_fail (OmbudOfficeSqlite *self,
          int                rc,
          const char        *what,
          GError           **error)
{
  int primary = rc & 0xff;

  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
                 "%s: %s is damaged or not an office database (%s)", what, self->path,
                 sqlite3_errmsg (self->db));
  else
    g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, error_code_for (rc), "%s: %s", what,
                 sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
fail_damaged (OmbudOfficeSqlite *self,
              const char        *what,
              GError           **error)
{
  g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
               "%s: %s is damaged (a stored value has the wrong size or is missing)", what, self->path);
  return FALSE;
}

/* ---- statements ---- */

static OfficeStmt *
stmt_get (OmbudOfficeSqlite *self,
          StmtId             id,
          GError           **error)
{
  if (self->stmts[id] == NULL)
    {
      int rc = sqlite3_prepare_v3 (self->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                   &self->stmts[id], NULL);
      if (rc != SQLITE_OK)
        {
          sql_fail (self, rc, "Preparing a query", error);
          return NULL;
        }
    }
  return self->stmts[id];
}

/* The bind helpers return TRUE on success; on failure the connection's error
 * says why (sqlite3_errcode). */
static gboolean
bind_int (OfficeStmt *stmt, int i, gint64 value)
{
  return sqlite3_bind_int64 (stmt, i, value) == SQLITE_OK;
}

static gboolean
bind_blob (OfficeStmt *stmt, int i, gconstpointer data, gsize len)
{
  /* "" rather than NULL: an empty blob is not SQL NULL. */
  return sqlite3_bind_blob64 (stmt, i, len > 0 ? data : "", len, SQLITE_STATIC) == SQLITE_OK;
}

static gboolean
bind_bytes (OfficeStmt *stmt, int i, GBytes *bytes)
{
  gsize len;
  gconstpointer data;

  if (bytes == NULL)
    return sqlite3_bind_null (stmt, i) == SQLITE_OK;
  data = g_bytes_get_data (bytes, &len);
  return bind_blob (stmt, i, data, len);
}

static gboolean
bind_text (OfficeStmt *stmt, int i, const char *text)
{
  return sqlite3_bind_text (stmt, i, text, -1, SQLITE_STATIC) == SQLITE_OK;
}

static gboolean
bind_fail (OmbudOfficeSqlite *self, const char *what, GError **error)
{
  return sql_fail (self, sqlite3_errcode (self->db), what, error);
}

/* Steps to the end of a statement that returns no rows. */
static gboolean
step_done (OmbudOfficeSqlite *self,
           OfficeStmt        *stmt,
           const char        *what,
           GError           **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    return sql_fail (self, rc, what, error);
  return TRUE;
}

/* Steps once: *found says whether a row came. */
static gboolean
step_row (OmbudOfficeSqlite *self,
          OfficeStmt        *stmt,
          gboolean          *found,
          const char        *what,
          GError           **error)
{
  int rc = sqlite3_step (stmt);

  *found = rc == SQLITE_ROW;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return sql_fail (self, rc, what, error);
  return TRUE;
}

static gboolean
run (OmbudOfficeSqlite *self,
     StmtId             id,
     const char        *what,
     GError           **error)
{
  g_autoptr(OfficeStmt) stmt = stmt_get (self, id, error);

  return stmt != NULL && step_done (self, stmt, what, error);
}

/* Copies a blob column of a fixed size; FALSE if it has another size. */
static gboolean
column_fixed (OfficeStmt *stmt, int col, guint8 *out, gsize len)
{
  const void *data = sqlite3_column_blob (stmt, col);

  if (data == NULL || (gsize) sqlite3_column_bytes (stmt, col) != len)
    return FALSE;
  memcpy (out, data, len);
  return TRUE;
}

/* NULL for SQL NULL, else the blob (which may be empty). */
static GBytes *
column_bytes (OfficeStmt *stmt, int col)
{
  const void *data;
  int len;

  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    return NULL;
  data = sqlite3_column_blob (stmt, col);
  len = sqlite3_column_bytes (stmt, col);
  return g_bytes_new (data, (gsize) len);
}

static char *
column_text (OfficeStmt *stmt, int col)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, col));
}

static gboolean
column_equals (OfficeStmt *stmt, int col, gconstpointer data, gsize len)
{
  const void *stored = sqlite3_column_blob (stmt, col);

  return (gsize) sqlite3_column_bytes (stmt, col) == len && (len == 0 || memcmp (stored, data, len) == 0);
}

static gboolean
column_equals_bytes (OfficeStmt *stmt, int col, GBytes *bytes)
{
  gsize len;
  gconstpointer data = g_bytes_get_data (bytes, &len);

  return column_equals (stmt, col, data, len);
}

/* ---- transactions ---- */

/* Several statements that must happen together.  Outside the caller's
 * transaction: BEGIN IMMEDIATE, which waits for the write lock up front (a
 * deferred transaction that reads and then writes would fail at once when
 * another writer got in between).  Inside it: a savepoint, so that a failed
 * call leaves the caller's transaction as it was. */
typedef enum {
  SCOPE_TRANSACTION,
  SCOPE_SAVEPOINT,
} WriteScope;

static gboolean
write_begin (OmbudOfficeSqlite *self,
             WriteScope        *scope,
             GError           **error)
{
  *scope = sqlite3_get_autocommit (self->db) ? SCOPE_TRANSACTION : SCOPE_SAVEPOINT;
  if (*scope == SCOPE_TRANSACTION)
    return run (self, STMT_BEGIN, "Starting a transaction", error);
  return run (self, STMT_SAVEPOINT, "Starting a savepoint", error);
}

static gboolean
write_end (OmbudOfficeSqlite *self,
           WriteScope         scope,
           gboolean           ok,
           GError           **error)
{
  if (ok && scope == SCOPE_TRANSACTION && run (self, STMT_COMMIT, "Committing", error))
    return TRUE;
  if (ok && scope == SCOPE_SAVEPOINT && run (self, STMT_RELEASE, "Releasing a savepoint", error))
    return TRUE;

  /* Undo; errors here add nothing to the one already reported, and SQLite
   * may have rolled everything back itself (e.g. after an I/O error). */
  if (sqlite3_get_autocommit (self->db))
    return FALSE;
  if (scope == SCOPE_TRANSACTION)
    run (self, STMT_ROLLBACK, "Rolling back", NULL);
  else if (run (self, STMT_ROLLBACK_TO, "Rolling back a savepoint", NULL))
    run (self, STMT_RELEASE, "Releasing a savepoint", NULL);
  return FALSE;
}

static gboolean
sqlite_begin (OmbudOfficeBackend *backend,
              GError            **error)
{
  return run (SQL (backend), STMT_BEGIN, "Starting a transaction", error);
}

static gboolean
sqlite_commit (OmbudOfficeBackend *backend,
               GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);

  if (sqlite3_get_autocommit (self->db))
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
                   "Committing: the transaction was rolled back after an earlier error");
      return FALSE;
    }
  if (run (self, STMT_COMMIT, "Committing", error))
    return TRUE;
  if (!sqlite3_get_autocommit (self->db))
    run (self, STMT_ROLLBACK, "Rolling back", NULL);
  return FALSE;
}

static void
sqlite_rollback (OmbudOfficeBackend *backend)
{
  OmbudOfficeSqlite *self = SQL (backend);

  if (!sqlite3_get_autocommit (self->db))
    run (self, STMT_ROLLBACK, "Rolling back", NULL);
}

static gboolean
bump_directory (OmbudOfficeSqlite *self,
                GError           **error)
{
  const char *what = "Advancing the directory sequence";

  if (!run (self, STMT_DIRECTORY_BUMP, what, error))
    return FALSE;
  if (sqlite3_changes (self->db) != 1)
    return fail_damaged (self, what, error);
  return TRUE;
}

/* ---- organisation ---- */

static gboolean
sqlite_init_org (OmbudOfficeBackend   *backend,
                 const OmbudOfficeOrg *org,
                 GError              **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Storing the organisation";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_ORG_INSERT, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (!(bind_blob (stmt, 1, org->org_id, sizeof org->org_id) && bind_text (stmt, 2, org->name)
        && bind_blob (stmt, 3, org->sign_pk, sizeof org->sign_pk)
        && bind_blob (stmt, 4, org->sign_sk, sizeof org->sign_sk)
        && bind_blob (stmt, 5, org->box_pk, sizeof org->box_pk)
        && bind_blob (stmt, 6, org->box_sk, sizeof org->box_sk)))
    return bind_fail (self, what, error);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_EXISTS,
                   "%s: %s holds an organisation already", what, self->path);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return sql_fail (self, rc, what, error);
  return TRUE;
}

static OmbudOfficeOrg *
sqlite_get_org (OmbudOfficeBackend *backend,
                GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Reading the organisation";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_ORG_SELECT, error);
  g_autoptr(OmbudOfficeOrg) org = NULL;
  gboolean found;

  if (stmt == NULL || !step_row (self, stmt, &found, what, error))
    return NULL;
  if (!found)
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_INITIALISED,
                   "%s: there is none yet (run ombud-office init)", what);
      return NULL;
    }
  org = g_new0 (OmbudOfficeOrg, 1);
  org->name = column_text (stmt, 1);
  if (!(column_fixed (stmt, 0, org->org_id, sizeof org->org_id)
        && column_fixed (stmt, 2, org->sign_pk, sizeof org->sign_pk)
        && column_fixed (stmt, 3, org->sign_sk, sizeof org->sign_sk)
        && column_fixed (stmt, 4, org->box_pk, sizeof org->box_pk)
        && column_fixed (stmt, 5, org->box_sk, sizeof org->box_sk) && org->name != NULL))
    {
      fail_damaged (self, what, error);
      return NULL;
    }
  return g_steal_pointer (&org);
}

/* ---- invites ---- */

static gboolean
sqlite_add_invite (OmbudOfficeBackend *backend,
                   const guint8        code_hash[32],
                   const char         *person,
                   OmbudOfficeRole     role,
                   gint64              expires_ms,
                   GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Storing an invite";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_INVITE_INSERT, error);

  if (stmt == NULL)
    return FALSE;
  if (!(bind_blob (stmt, 1, code_hash, 32) && bind_text (stmt, 2, person) && bind_int (stmt, 3, role)
        && bind_int (stmt, 4, expires_ms)))
    return bind_fail (self, what, error);
  return step_done (self, stmt, what, error);
}

static gboolean
sqlite_take_invite (OmbudOfficeBackend *backend,
                    const guint8        code_hash[32],
                    gint64              now_ms,
                    char              **person,
                    OmbudOfficeRole    *role,
                    GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Taking an invite";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_INVITE_TAKE, error);
  g_autofree char *taken_person = NULL;
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  if (!(bind_blob (stmt, 1, code_hash, 32) && bind_int (stmt, 2, now_ms)))
    return bind_fail (self, what, error);
  if (!step_row (self, stmt, &found, what, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND,
                   "%s: the code is unknown, used or expired", what);
      return FALSE;
    }
  taken_person = column_text (stmt, 0);
  *role = (OmbudOfficeRole) sqlite3_column_int (stmt, 1);
  /* Outside a transaction the update commits when the statement ends. */
  if (!step_done (self, stmt, what, error))
    return FALSE;
  *person = g_steal_pointer (&taken_person);
  return TRUE;
}

/* ---- devices ---- */

static gboolean
insert_device (OmbudOfficeSqlite       *self,
               const OmbudOfficeDevice *d,
               GError                 **error)
{
  const char *what = "Storing a device";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_DEVICE_INSERT, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (!(bind_int (stmt, 1, (gint64) d->device_id) && bind_blob (stmt, 2, d->sign_pk, sizeof d->sign_pk)
        && bind_blob (stmt, 3, d->box_pk, sizeof d->box_pk) && bind_text (stmt, 4, d->person)
        && bind_text (stmt, 5, d->name) && bind_int (stmt, 6, d->role) && bind_int (stmt, 7, d->state)
        && bind_text (stmt, 8, d->ombud_id) && bind_int (stmt, 9, d->enrolled_ms)
        && bind_int (stmt, 10, d->last_seen_ms) && bind_int (stmt, 11, d->last_request_ms)
        && bind_blob (stmt, 12, d->last_request_id, sizeof d->last_request_id)
        && bind_blob (stmt, 13, d->last_request_hash, sizeof d->last_request_hash)
        && bind_bytes (stmt, 14, d->last_response) && bind_int (stmt, 15, d->last_response_status)))
    return bind_fail (self, what, error);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_EXISTS,
                   "%s: device %" G_GUINT64_FORMAT " or one of its keys is enrolled already", what,
                   d->device_id);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return sql_fail (self, rc, what, error);
  return TRUE;
}

static gboolean
sqlite_add_device (OmbudOfficeBackend      *backend,
                   const OmbudOfficeDevice *device,
                   GError                 **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  WriteScope scope;
  gboolean ok;

  if (!write_begin (self, &scope, error))
    return FALSE;
  ok = insert_device (self, device, error) && bump_directory (self, error);
  return write_end (self, scope, ok, error);
}

static OmbudOfficeDevice *
device_from_row (OmbudOfficeSqlite *self,
                 OfficeStmt        *stmt,
                 GError           **error)
{
  g_autoptr(OmbudOfficeDevice) d = g_new0 (OmbudOfficeDevice, 1);

  d->device_id = (guint64) sqlite3_column_int64 (stmt, 0);
  d->person = column_text (stmt, 3);
  d->name = column_text (stmt, 4);
  d->role = (OmbudOfficeRole) sqlite3_column_int (stmt, 5);
  d->state = (OmbudOfficeDeviceState) sqlite3_column_int (stmt, 6);
  d->ombud_id = column_text (stmt, 7);
  d->enrolled_ms = sqlite3_column_int64 (stmt, 8);
  d->last_seen_ms = sqlite3_column_int64 (stmt, 9);
  d->last_request_ms = sqlite3_column_int64 (stmt, 10);
  d->last_response = column_bytes (stmt, 13);
  d->last_response_status = (guint) sqlite3_column_int64 (stmt, 14);
  if (!(column_fixed (stmt, 1, d->sign_pk, sizeof d->sign_pk)
        && column_fixed (stmt, 2, d->box_pk, sizeof d->box_pk)
        && column_fixed (stmt, 11, d->last_request_id, sizeof d->last_request_id)
        && column_fixed (stmt, 12, d->last_request_hash, sizeof d->last_request_hash)
        && d->person != NULL && d->name != NULL))
    {
      fail_damaged (self, "Reading a device", error);
      return NULL;
    }
  return g_steal_pointer (&d);
}

static OmbudOfficeDevice *
sqlite_get_device (OmbudOfficeBackend *backend,
                   guint64             device_id,
                   GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Reading a device";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_DEVICE_SELECT, error);
  gboolean found;

  if (stmt == NULL)
    return NULL;
  if (!bind_int (stmt, 1, (gint64) device_id))
    {
      bind_fail (self, what, error);
      return NULL;
    }
  if (!step_row (self, stmt, &found, what, error))
    return NULL;
  if (!found)
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND,
                   "No device %" G_GUINT64_FORMAT, device_id);
      return NULL;
    }
  return device_from_row (self, stmt, error);
}

static GPtrArray *
sqlite_list_devices (OmbudOfficeBackend *backend,
                     GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Listing devices";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_DEVICE_LIST, error);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) ombud_office_device_free);
  gboolean found;

  if (stmt == NULL)
    return NULL;
  while (step_row (self, stmt, &found, what, error))
    {
      OmbudOfficeDevice *d;

      if (!found)
        return g_steal_pointer (&list);
      d = device_from_row (self, stmt, error);
      if (d == NULL)
        return NULL;
      g_ptr_array_add (list, d);
    }
  return NULL;
}

/* The device's state and ombud id as stored; NOT_FOUND without it. */
static gboolean
read_device_state (OmbudOfficeSqlite       *self,
                   guint64                  device_id,
                   OmbudOfficeDeviceState  *state,
                   char                   **ombud_id,
                   GError                 **error)
{
  const char *what = "Reading a device";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_DEVICE_STATE_SELECT, error);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  if (!bind_int (stmt, 1, (gint64) device_id))
    return bind_fail (self, what, error);
  if (!step_row (self, stmt, &found, what, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND,
                   "No device %" G_GUINT64_FORMAT, device_id);
      return FALSE;
    }
  *state = (OmbudOfficeDeviceState) sqlite3_column_int (stmt, 0);
  *ombud_id = column_text (stmt, 1);
  return TRUE;
}

static gboolean
update_device_state (OmbudOfficeSqlite      *self,
                     guint64                 device_id,
                     OmbudOfficeDeviceState  state,
                     const char             *ombud_id,
                     GError                **error)
{
  const char *what = "Changing a device's state";
  OmbudOfficeDeviceState old_state = OMBUD_OFFICE_DEVICE_PENDING;
  g_autofree char *old_ombud_id = NULL;
  g_autoptr(OfficeStmt) stmt = NULL;

  if (!read_device_state (self, device_id, &old_state, &old_ombud_id, error))
    return FALSE;
  /* Nothing changes: devices need not fetch the directory again. */
  if (old_state == state && (ombud_id == NULL || g_strcmp0 (ombud_id, old_ombud_id) == 0))
    return TRUE;
  stmt = stmt_get (self, STMT_DEVICE_STATE_UPDATE, error);
  if (stmt == NULL)
    return FALSE;
  if (!(bind_int (stmt, 1, (gint64) device_id) && bind_int (stmt, 2, state) && bind_text (stmt, 3, ombud_id)))
    return bind_fail (self, what, error);
  return step_done (self, stmt, what, error) && bump_directory (self, error);
}

static gboolean
sqlite_set_device_state (OmbudOfficeBackend     *backend,
                         guint64                 device_id,
                         OmbudOfficeDeviceState  state,
                         const char             *ombud_id,
                         GError                **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  WriteScope scope;
  gboolean ok;

  if (!write_begin (self, &scope, error))
    return FALSE;
  ok = update_device_state (self, device_id, state, ombud_id, error);
  return write_end (self, scope, ok, error);
}

static gboolean
sqlite_set_last_request (OmbudOfficeBackend *backend,
                         guint64             device_id,
                         gint64              request_ms,
                         const guint8        request_id[16],
                         const guint8        request_hash[32],
                         GBytes             *response,
                         guint               response_status,
                         gint64              seen_ms,
                         GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Recording a device's request";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_DEVICE_LAST_REQUEST, error);

  if (stmt == NULL)
    return FALSE;
  if (!(bind_int (stmt, 1, (gint64) device_id) && bind_int (stmt, 2, request_ms)
        && bind_blob (stmt, 3, request_id, 16) && bind_blob (stmt, 4, request_hash, 32)
        && bind_bytes (stmt, 5, response) && bind_int (stmt, 6, response_status)
        && bind_int (stmt, 7, seen_ms)))
    return bind_fail (self, what, error);
  if (!step_done (self, stmt, what, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND,
                   "No device %" G_GUINT64_FORMAT, device_id);
      return FALSE;
    }
  return TRUE;
}

/* ---- certificates and grants ---- */

/* Runs a SELECT body … statement (bound by the caller) and says whether the
 * stored body is exactly `body`. */
static gboolean
stored_body_is (OmbudOfficeSqlite *self,
                OfficeStmt        *stmt,
                GBytes            *body,
                gboolean          *same,
                const char        *what,
                GError           **error)
{
  gboolean found;

  if (!step_row (self, stmt, &found, what, error))
    return FALSE;
  *same = found && column_equals_bytes (stmt, 0, body);
  return TRUE;
}

static gboolean
store_cert (OmbudOfficeSqlite *self,
            guint64            subject,
            guint64            certifier,
            GBytes            *cert,
            GError           **error)
{
  const char *what = "Storing a certificate";
  g_autoptr(OfficeStmt) select = stmt_get (self, STMT_CERT_SELECT, error);
  g_autoptr(OfficeStmt) upsert = NULL;
  gboolean same = FALSE;

  if (select == NULL)
    return FALSE;
  if (!(bind_int (select, 1, (gint64) subject) && bind_int (select, 2, (gint64) certifier)))
    return bind_fail (self, what, error);
  if (!stored_body_is (self, select, cert, &same, what, error))
    return FALSE;
  if (same)
    return TRUE;
  upsert = stmt_get (self, STMT_CERT_UPSERT, error);
  if (upsert == NULL)
    return FALSE;
  if (!(bind_int (upsert, 1, (gint64) subject) && bind_int (upsert, 2, (gint64) certifier)
        && bind_bytes (upsert, 3, cert)))
    return bind_fail (self, what, error);
  return step_done (self, upsert, what, error) && bump_directory (self, error);
}

static gboolean
sqlite_add_cert (OmbudOfficeBackend *backend,
                 guint64             subject_device,
                 guint64             certifier_device,
                 GBytes             *cert,
                 GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  WriteScope scope;
  gboolean ok;

  if (!write_begin (self, &scope, error))
    return FALSE;
  ok = store_cert (self, subject_device, certifier_device, cert, error);
  return write_end (self, scope, ok, error);
}

/* All rows of a statement whose first column is a blob, as GBytes. */
static GPtrArray *
list_bodies (OmbudOfficeSqlite *self,
             OfficeStmt        *stmt,
             const char        *what,
             GError           **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gboolean found;

  while (step_row (self, stmt, &found, what, error))
    {
      if (!found)
        return g_steal_pointer (&list);
      g_ptr_array_add (list, column_bytes (stmt, 0));
    }
  return NULL;
}

static GPtrArray *
sqlite_list_certs (OmbudOfficeBackend *backend,
                   GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_CERT_LIST, error);

  if (stmt == NULL)
    return NULL;
  return list_bodies (self, stmt, "Listing certificates", error);
}

static gboolean
bind_grant_key (OfficeStmt *stmt, guint64 recipient, guint kind, guint32 epoch, const guint8 subject[16])
{
  return bind_int (stmt, 1, (gint64) recipient) && bind_int (stmt, 2, kind) && bind_int (stmt, 3, epoch)
         && bind_blob (stmt, 4, subject, 16);
}

static gboolean
store_grant (OmbudOfficeSqlite *self,
             guint64            recipient,
             guint              kind,
             guint32            epoch,
             const guint8       subject[16],
             GBytes            *grant,
             GError           **error)
{
  const char *what = "Storing a key grant";
  g_autoptr(OfficeStmt) select = stmt_get (self, STMT_GRANT_SELECT, error);
  g_autoptr(OfficeStmt) upsert = NULL;
  gboolean same = FALSE;

  if (select == NULL)
    return FALSE;
  if (!bind_grant_key (select, recipient, kind, epoch, subject))
    return bind_fail (self, what, error);
  if (!stored_body_is (self, select, grant, &same, what, error))
    return FALSE;
  if (same)
    return TRUE;
  upsert = stmt_get (self, STMT_GRANT_UPSERT, error);
  if (upsert == NULL)
    return FALSE;
  if (!(bind_grant_key (upsert, recipient, kind, epoch, subject) && bind_bytes (upsert, 5, grant)))
    return bind_fail (self, what, error);
  return step_done (self, upsert, what, error) && bump_directory (self, error);
}

static gboolean
sqlite_add_grant (OmbudOfficeBackend *backend,
                  guint64             recipient_device,
                  guint               kind,
                  guint32             epoch,
                  const guint8        subject[16],
                  GBytes             *grant,
                  GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  WriteScope scope;
  gboolean ok;

  if (!write_begin (self, &scope, error))
    return FALSE;
  ok = store_grant (self, recipient_device, kind, epoch, subject, grant, error);
  return write_end (self, scope, ok, error);
}

static GPtrArray *
sqlite_list_grants (OmbudOfficeBackend *backend,
                    guint64             recipient_device,
                    GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Listing key grants";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_GRANT_LIST, error);

  if (stmt == NULL)
    return NULL;
  if (!bind_int (stmt, 1, (gint64) recipient_device))
    {
      bind_fail (self, what, error);
      return NULL;
    }
  return list_bodies (self, stmt, what, error);
}

/* Runs a statement without parameters whose one row is one integer. */
static gboolean
select_int (OmbudOfficeSqlite *self,
            StmtId             id,
            gint64            *value,
            const char        *what,
            GError           **error)
{
  g_autoptr(OfficeStmt) stmt = stmt_get (self, id, error);
  gboolean found;

  if (stmt == NULL || !step_row (self, stmt, &found, what, error))
    return FALSE;
  if (!found)
    return fail_damaged (self, what, error);
  *value = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gboolean
sqlite_get_directory_seq (OmbudOfficeBackend *backend,
                          gint64             *seq,
                          GError            **error)
{
  return select_int (SQL (backend), STMT_DIRECTORY_SELECT, seq, "Reading the directory sequence", error);
}

/* ---- routes ---- */

static gboolean
sqlite_get_route (OmbudOfficeBackend *backend,
                  const guint8        case_id[16],
                  char              **ombud_id,
                  GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Reading a route";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_ROUTE_SELECT, error);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  if (!bind_blob (stmt, 1, case_id, 16))
    return bind_fail (self, what, error);
  if (!step_row (self, stmt, &found, what, error))
    return FALSE;
  *ombud_id = found ? column_text (stmt, 0) : NULL;
  return TRUE;
}

/* One statement of the case and an ombud id (?1, ?2). */
static gboolean
run_case_ombud (OmbudOfficeSqlite *self,
                StmtId             id,
                const guint8       case_id[16],
                const char        *ombud_id,
                const char        *what,
                GError           **error)
{
  g_autoptr(OfficeStmt) stmt = stmt_get (self, id, error);

  if (stmt == NULL)
    return FALSE;
  if (!(bind_blob (stmt, 1, case_id, 16) && bind_text (stmt, 2, ombud_id)))
    return bind_fail (self, what, error);
  return step_done (self, stmt, what, error);
}

/* PROTOCOL.md §9: the ombud it leaves becomes a former owner; the ombud it
 * goes to stops being one, and gets the case's history again. */
static gboolean
reroute (OmbudOfficeSqlite *self,
         const guint8       case_id[16],
         const char        *from,
         const char        *to,
         GError           **error)
{
  const char *what = "Storing a route";

  /* Redelivered before `to` stops being a former owner: an ombud getting a
   * case back gets its own devices' changesets too (they purged them). */
  return (from == NULL || run_case_ombud (self, STMT_FORMER_ADD, case_id, from, what, error))
         && run_case_ombud (self, STMT_REDELIVER, case_id, to, what, error)
         && run (self, STMT_SEQ_BUMP, what, error)
         && run_case_ombud (self, STMT_FORMER_CLEAR, case_id, to, what, error)
         && run_case_ombud (self, STMT_HANDED_CLEAR, case_id, to, what, error);
}

static gboolean
sqlite_set_route (OmbudOfficeBackend *backend,
                  const guint8        case_id[16],
                  const char         *ombud_id,
                  GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Storing a route";
  g_autofree char *current = NULL;
  WriteScope scope;
  gboolean ok;

  if (!write_begin (self, &scope, error))
    return FALSE;
  ok = sqlite_get_route (backend, case_id, &current, error);
  if (ok && g_strcmp0 (current, ombud_id) != 0)
    {
      g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_ROUTE_UPSERT, error);

      ok = stmt != NULL;
      if (ok && !(bind_blob (stmt, 1, case_id, 16) && bind_text (stmt, 2, ombud_id)))
        ok = bind_fail (self, what, error);
      ok = ok && step_done (self, stmt, what, error) && reroute (self, case_id, current, ombud_id, error);
    }
  return write_end (self, scope, ok, error);
}

static gboolean
sqlite_former_may_push (OmbudOfficeBackend *backend,
                        const guint8        case_id[16],
                        const char         *ombud_id,
                        guint64             device_id,
                        gboolean           *allowed,
                        GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Reading a former route";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_FORMER_MAY_PUSH, error);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  if (!(bind_blob (stmt, 1, case_id, 16) && bind_text (stmt, 2, ombud_id) && bind_int (stmt, 3, (gint64) device_id)))
    return bind_fail (self, what, error);
  if (!step_row (self, stmt, &found, what, error))
    return FALSE;
  *allowed = found && sqlite3_column_int (stmt, 0) != 0;
  return TRUE;
}

static gboolean
sqlite_set_handed_over (OmbudOfficeBackend *backend,
                        const guint8        case_id[16],
                        const char         *ombud_id,
                        guint64             device_id,
                        gboolean           *recorded,
                        GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Storing a handover";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_HANDED_ADD, error);

  if (stmt == NULL)
    return FALSE;
  if (!(bind_blob (stmt, 1, case_id, 16) && bind_text (stmt, 2, ombud_id) && bind_int (stmt, 3, (gint64) device_id)))
    return bind_fail (self, what, error);
  if (!step_done (self, stmt, what, error))
    return FALSE;
  *recorded = sqlite3_changes (self->db) > 0;
  return TRUE;
}

/* ---- changesets ---- */

/* After a clash on changeset_id: is the stored one this very changeset? */
static gboolean
changeset_matches_stored (OmbudOfficeSqlite          *self,
                          const OmbudOfficeChangeset *cs,
                          gboolean                   *same,
                          GError                    **error)
{
  const char *what = "Reading a changeset";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_CHANGESET_SELECT, error);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  if (!bind_blob (stmt, 1, cs->changeset_id, 16))
    return bind_fail (self, what, error);
  if (!step_row (self, stmt, &found, what, error))
    return FALSE;
  if (!found)
    return fail_damaged (self, what, error);
  *same = column_equals (stmt, 0, cs->case_id, 16)
          && (guint64) sqlite3_column_int64 (stmt, 1) == cs->author_device
          && (guint64) sqlite3_column_int64 (stmt, 2) == cs->max_hlc
          && column_equals_bytes (stmt, 3, cs->sealed);
  return TRUE;
}

static gboolean
sqlite_put_changeset (OmbudOfficeBackend         *backend,
                      const OmbudOfficeChangeset *cs,
                      gboolean                   *stored,
                      GError                    **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Storing a changeset";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_CHANGESET_INSERT, error);
  gboolean same = FALSE;
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (!(bind_blob (stmt, 1, cs->changeset_id, 16) && bind_blob (stmt, 2, cs->case_id, 16)
        && bind_int (stmt, 3, (gint64) cs->author_device) && bind_int (stmt, 4, (gint64) cs->max_hlc)
        && bind_bytes (stmt, 5, cs->sealed)))
    return bind_fail (self, what, error);
  /* Insert first: new changesets are the common case, and a clash aborts
   * only this statement.  Stored changesets never change, so comparing
   * afterwards needs no lock. */
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      *stored = TRUE;
      return TRUE;
    }
  if (rc != SQLITE_CONSTRAINT_UNIQUE)
    return sql_fail (self, rc, what, error);
  if (!changeset_matches_stored (self, cs, &same, error))
    return FALSE;
  if (!same)
    {
      const guint8 *id = cs->changeset_id;
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_EXISTS,
                   "%s: changeset %02x%02x%02x%02x… is stored already with other contents", what,
                   id[0], id[1], id[2], id[3]);
      return FALSE;
    }
  *stored = FALSE;
  return TRUE;
}

static OmbudOfficeChangeset *
changeset_from_row (OmbudOfficeSqlite *self,
                    OfficeStmt        *stmt,
                    GError           **error)
{
  g_autoptr(OmbudOfficeChangeset) cs = g_new0 (OmbudOfficeChangeset, 1);

  cs->seq = sqlite3_column_int64 (stmt, 0);
  cs->author_device = (guint64) sqlite3_column_int64 (stmt, 3);
  cs->max_hlc = (guint64) sqlite3_column_int64 (stmt, 4);
  cs->sealed = column_bytes (stmt, 5);
  if (!(column_fixed (stmt, 1, cs->changeset_id, 16) && column_fixed (stmt, 2, cs->case_id, 16)
        && cs->sealed != NULL))
    {
      fail_damaged (self, "Reading a changeset", error);
      return NULL;
    }
  return g_steal_pointer (&cs);
}

static gboolean
bind_routing (OfficeStmt *stmt, gint64 after, guint64 exclude_author, gboolean all_cases, const char *ombud_id)
{
  return bind_int (stmt, 1, after) && bind_int (stmt, 2, (gint64) exclude_author)
         && bind_int (stmt, 3, all_cases ? 1 : 0) && bind_text (stmt, 4, ombud_id);
}

/* Whether a routed changeset follows seq `after`. */
static gboolean
routed_after (OmbudOfficeSqlite *self,
              gint64             after,
              guint64            exclude_author,
              gboolean           all_cases,
              const char        *ombud_id,
              gboolean          *more,
              GError           **error)
{
  const char *what = "Listing changesets";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_CHANGESET_MORE, error);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  if (!bind_routing (stmt, after, exclude_author, all_cases, ombud_id))
    return bind_fail (self, what, error);
  if (!step_row (self, stmt, &found, what, error))
    return FALSE;
  *more = found && sqlite3_column_int (stmt, 0) != 0;
  return TRUE;
}

static GPtrArray *
sqlite_list_changesets (OmbudOfficeBackend *backend,
                        gint64              after,
                        guint64             exclude_author,
                        gboolean            all_cases,
                        const char         *ombud_id,
                        gsize               budget,
                        gboolean           *more,
                        GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Listing changesets";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_CHANGESET_LIST, error);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) ombud_office_changeset_free);
  gsize total = 0;
  gboolean found;

  *more = FALSE;
  if (stmt == NULL)
    return NULL;
  if (!bind_routing (stmt, after, exclude_author, all_cases, ombud_id))
    {
      bind_fail (self, what, error);
      return NULL;
    }
  while (total <= budget)
    {
      OmbudOfficeChangeset *cs;

      if (!step_row (self, stmt, &found, what, error))
        return NULL;
      if (!found)
        return g_steal_pointer (&list);
      cs = changeset_from_row (self, stmt, error);
      if (cs == NULL)
        return NULL;
      g_ptr_array_add (list, cs);
      total += g_bytes_get_size (cs->sealed);
    }
  /* Over budget.  The list statement is still open, so even outside a
   * transaction this sees the same snapshot as the rows above; asking
   * EXISTS saves loading the next sealed blob only to drop it. */
  if (!routed_after (self, ((OmbudOfficeChangeset *) g_ptr_array_index (list, list->len - 1))->seq,
                     exclude_author, all_cases, ombud_id, more, error))
    return NULL;
  return g_steal_pointer (&list);
}

static gboolean
sqlite_get_last_seq (OmbudOfficeBackend *backend,
                     gint64             *seq,
                     GError            **error)
{
  return select_int (SQL (backend), STMT_CHANGESET_LAST_SEQ, seq, "Reading the last changeset", error);
}

static GBytes *
sqlite_list_authored_ids (OmbudOfficeBackend *backend,
                          guint64             device,
                          GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Listing what a device wrote";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_CHANGESET_AUTHORED_IDS, error);
  g_autoptr(GByteArray) ids = g_byte_array_new ();
  gboolean found = TRUE;

  if (stmt == NULL)
    return NULL;
  if (!bind_int (stmt, 1, (gint64) device))
    {
      bind_fail (self, what, error);
      return NULL;
    }
  while (TRUE)
    {
      guint8 id[16];

      if (!step_row (self, stmt, &found, what, error))
        return NULL;
      if (!found)
        break;
      if (!column_fixed (stmt, 0, id, 16))
        {
          fail_damaged (self, what, error);
          return NULL;
        }
      g_byte_array_append (ids, id, 16);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&ids));
}

/* ---- shredding ---- */

static gboolean exec (OmbudOfficeSqlite *self, const char *sql, GError **error);

static GPtrArray *
sqlite_list_case_changesets (OmbudOfficeBackend *backend,
                             const guint8        case_id[16],
                             GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Listing a case's changesets";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_CASE_CHANGESETS, error);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) ombud_office_changeset_free);
  gboolean found = TRUE;

  if (stmt == NULL)
    return NULL;
  if (!bind_blob (stmt, 1, case_id, 16))
    {
      bind_fail (self, what, error);
      return NULL;
    }
  while (found)
    {
      OmbudOfficeChangeset *cs;

      if (!step_row (self, stmt, &found, what, error))
        return NULL;
      if (!found)
        break;
      cs = changeset_from_row (self, stmt, error);
      if (cs == NULL)
        return NULL;
      g_ptr_array_add (list, cs);
    }
  return g_steal_pointer (&list);
}

static gboolean
delete_seqs (OmbudOfficeSqlite *self,
             GArray            *seqs,
             GError           **error)
{
  const char *what = "Deleting a changeset";

  for (guint i = 0; i < seqs->len; i++)
    {
      /* Its id stays counted for its author's digest (schema v3). */
      static const StmtId steps[] = { STMT_CHANGESET_REMEMBER_SHREDDED, STMT_CHANGESET_DELETE };

      for (guint k = 0; k < G_N_ELEMENTS (steps); k++)
        {
          g_autoptr(OfficeStmt) stmt = stmt_get (self, steps[k], error);

          if (stmt == NULL)
            return FALSE;
          if (!bind_int (stmt, 1, g_array_index (seqs, gint64, i)))
            return bind_fail (self, what, error);
          if (!step_done (self, stmt, what, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
delete_case_grants (OmbudOfficeSqlite *self,
                    const guint8       case_id[16],
                    GError           **error)
{
  const char *what = "Deleting a case's key grants";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_CASE_GRANTS_DELETE, error);

  if (stmt == NULL)
    return FALSE;
  if (!bind_blob (stmt, 1, case_id, 16))
    return bind_fail (self, what, error);
  if (!step_done (self, stmt, what, error))
    return FALSE;
  return sqlite3_changes (self->db) == 0 || bump_directory (self, error);
}

static gboolean
mark_shredded (OmbudOfficeSqlite *self,
               const guint8       case_id[16],
               guint64            by_device,
               gint64             now_ms,
               GError           **error)
{
  const char *what = "Recording a shredded case";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_SHREDDED_ADD, error);

  if (stmt == NULL)
    return FALSE;
  if (!(bind_blob (stmt, 1, case_id, 16) && bind_int (stmt, 2, (gint64) by_device) && bind_int (stmt, 3, now_ms)))
    return bind_fail (self, what, error);
  return step_done (self, stmt, what, error);
}

static gboolean
sqlite_shred_case (OmbudOfficeBackend *backend,
                   const guint8        case_id[16],
                   GArray             *seqs,
                   guint64             by_device,
                   gint64              now_ms,
                   GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  WriteScope scope;
  gboolean ok;

  if (!write_begin (self, &scope, error))
    return FALSE;
  ok = delete_seqs (self, seqs, error)
       && delete_case_grants (self, case_id, error)
       && run (self, STMT_RESPONSES_FORGET, "Forgetting stored responses", error)
       && mark_shredded (self, case_id, by_device, now_ms, error);
  return write_end (self, scope, ok, error);
}

static gboolean
sqlite_case_is_shredded (OmbudOfficeBackend *backend,
                         const guint8        case_id[16],
                         gboolean           *shredded,
                         GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Reading whether a case was shredded";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_SHREDDED_GET, error);

  if (stmt == NULL)
    return FALSE;
  if (!bind_blob (stmt, 1, case_id, 16))
    return bind_fail (self, what, error);
  return step_row (self, stmt, shredded, what, error);
}

/* secure_delete (set on every connection) zeroes what a delete frees, but a
 * page rebuilt by a rebalance keeps stale cells in its unallocated middle,
 * and the WAL keeps old page images until a checkpoint: VACUUM writes every
 * page afresh, and a TRUNCATE checkpoint empties the log.  Another worker
 * reading at that moment keeps the log from emptying: try a few times. */
static gboolean
sqlite_scrub (OmbudOfficeBackend *backend,
              GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);

  if (!exec (self, "VACUUM", error))
    return FALSE;
  for (guint attempt = 0; attempt < 50; attempt++)
    {
      int log_frames = -1, checkpointed = -1;
      int rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log_frames, &checkpointed);

      if (rc == SQLITE_OK && log_frames == 0)
        return TRUE;
      if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
        return sql_fail (self, rc, "Emptying the write-ahead log", error);
      g_usleep (20 * 1000);
    }
  g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_BUSY,
               "Emptying the write-ahead log: %s is in use", self->path);
  return FALSE;
}

/* ---- blobs ---- */

static gboolean
sqlite_put_blob (OmbudOfficeBackend *backend,
                 const char         *name,
                 GBytes             *blob,
                 GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Storing a blob";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_BLOB_UPSERT, error);

  if (stmt == NULL)
    return FALSE;
  if (!(bind_text (stmt, 1, name) && bind_bytes (stmt, 2, blob)))
    return bind_fail (self, what, error);
  return step_done (self, stmt, what, error);
}

static gboolean
sqlite_get_blob (OmbudOfficeBackend *backend,
                 const char         *name,
                 GBytes            **blob,
                 GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Reading a blob";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_BLOB_SELECT, error);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  if (!bind_text (stmt, 1, name))
    return bind_fail (self, what, error);
  if (!step_row (self, stmt, &found, what, error))
    return FALSE;
  *blob = found ? column_bytes (stmt, 0) : NULL;
  return TRUE;
}

/* ---- guards (§10.4) ---- */

static gboolean
sqlite_put_guard_key (OmbudOfficeBackend *backend,
                      guint64             device_id,
                      const guint8       *guard_pk,
                      const guint8       *new_share,
                      GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Storing a guard key";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_GUARD_UPSERT, error);

  if (stmt == NULL)
    return FALSE;
  if (!(bind_int (stmt, 1, (gint64) device_id) && bind_blob (stmt, 2, guard_pk, 32)
        && bind_blob (stmt, 3, new_share, 32)))
    return bind_fail (self, what, error);
  return step_done (self, stmt, what, error);
}

static gboolean
sqlite_get_guard (OmbudOfficeBackend *backend,
                  guint64             device_id,
                  guint8             *guard_pk,
                  guint8             *share,
                  gboolean           *found,
                  GError            **error)
{
  OmbudOfficeSqlite *self = SQL (backend);
  const char *what = "Reading a guard";
  g_autoptr(OfficeStmt) stmt = stmt_get (self, STMT_GUARD_SELECT, error);

  if (stmt == NULL)
    return FALSE;
  if (!bind_int (stmt, 1, (gint64) device_id))
    return bind_fail (self, what, error);
  if (!step_row (self, stmt, found, what, error))
    return FALSE;
  if (*found && !(column_fixed (stmt, 0, guard_pk, 32) && column_fixed (stmt, 1, share, 32)))
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
                   "%s: the row is damaged", what);
      return FALSE;
    }
  return TRUE;
}

/* ---- opening ---- */

static void
sqlite_free (OmbudOfficeBackend *backend)
{
  OmbudOfficeSqlite *self = SQL (backend);

  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize (self->stmts[i]);
  /* The last connection to close checkpoints and removes the WAL. */
  sqlite3_close_v2 (self->db);
  g_free (self->path);
  g_free (self);
}

/* The directory 0700 and an empty office.db 0600 before SQLite opens it:
 * SQLite gives its -wal and -shm the database file's permissions. */
static gboolean
make_data_dir (const char *data_dir,
               const char *path,
               GError    **error)
{
  int fd;

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
                   "Cannot create %s: %s", data_dir, g_strerror (saved));
      return FALSE;
    }
  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno != EEXIST)
    {
      int saved = errno;
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
                   "Cannot create %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  if (fd >= 0)
    close (fd);
  return TRUE;
}

/* One-off statements at open time (the cache is for after the schema is
 * known); a single integer from the first row. */
static gboolean
query_int (OmbudOfficeSqlite *self,
           const char        *sql,
           gint64            *value,
           GError           **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
  gboolean ok;

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  ok = rc == SQLITE_ROW;
  if (ok)
    *value = sqlite3_column_int64 (stmt, 0);
  else
    sql_fail (self, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "Opening", error);
  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
exec (OmbudOfficeSqlite *self,
      const char        *sql,
      GError           **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return sql_fail (self, rc, "Opening", error);
  return TRUE;
}

static gboolean
set_wal (OmbudOfficeSqlite *self,
         GError           **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
  gboolean ok = FALSE;

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    ok = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "wal") == 0;
  if (rc != SQLITE_ROW)
    sql_fail (self, rc, "Opening", error);
  else if (!ok)
    g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
                 "Opening: %s cannot use write-ahead logging", self->path);
  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
configure (OmbudOfficeSqlite *self,
           GError           **error)
{
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
  /* No statement can rewrite the schema behind SQLite's back. */
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  /* A shredded case's bytes are zeroed where a delete frees them. */
  return exec (self, "PRAGMA synchronous = FULL", error) && exec (self, "PRAGMA foreign_keys = ON", error)
         && exec (self, "PRAGMA secure_delete = ON", error);
}

/* Creates the schema in one transaction, unless another connection opening
 * the same new file got there first. */
static gboolean
create_schema (OmbudOfficeSqlite *self,
               GError           **error)
{
  gint64 version = 0, n_objects = 0;
  gboolean ok;

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  ok = query_int (self, "PRAGMA user_version", &version, error)
       && query_int (self, "SELECT count (*) FROM sqlite_schema", &n_objects, error);
  /* Otherwise leave the file as it is: the caller reads the version again. */
  if (ok && version == 0 && n_objects == 0)
    ok = exec (self, schema_sql, error);
  if (ok)
    ok = exec (self, "COMMIT", error);
  if (!ok && !sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return ok;
}

/* Version 1 up to the newest, in one transaction, unless another
 * connection did it. */
static gboolean
upgrade_schema (OmbudOfficeSqlite *self,
                GError           **error)
{
  gint64 version = 0;
  gboolean ok;

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  ok = query_int (self, "PRAGMA user_version", &version, error);
  if (ok && version == 1)
    ok = exec (self, schema_v2_sql, error) && query_int (self, "PRAGMA user_version", &version, error);
  if (ok && version == 2)
    ok = exec (self, schema_v3_sql, error);
  if (ok)
    ok = exec (self, "COMMIT", error);
  if (!ok && !sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return ok;
}

static gboolean
fail_not_office (OmbudOfficeSqlite *self,
                 GError           **error)
{
  g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
               "Opening: %s is not an office database", self->path);
  return FALSE;
}

/* Only reads: a file that turns out not to be ours is left as it was. */
static gboolean
identify (OmbudOfficeSqlite *self,
          gboolean           create,
          gint64            *version,
          GError           **error)
{
  gint64 n_objects;

  if (!query_int (self, "PRAGMA user_version", version, error))
    return FALSE;
  if (*version > SCHEMA_VERSION)
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
                   "Opening: %s has schema version %" G_GINT64_FORMAT ", newer than this "
                   "ombud-office knows (%d)", self->path, *version, SCHEMA_VERSION);
      return FALSE;
    }
  if (*version >= 1)
    return TRUE;
  if (!query_int (self, "SELECT count (*) FROM sqlite_schema", &n_objects, error))
    return FALSE;
  if (n_objects != 0)
    return fail_not_office (self, error);
  if (!create)
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_INITIALISED,
                   "Opening: %s is empty (run ombud-office init)", self->path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_schema (OmbudOfficeSqlite *self,
              gboolean           create,
              GError           **error)
{
  gint64 version;

  if (!identify (self, create, &version, error) || !set_wal (self, error))
    return FALSE;
  if (version == SCHEMA_VERSION)
    return TRUE;
  if ((version == 0 && !create_schema (self, error))
      || !upgrade_schema (self, error)
      || !query_int (self, "PRAGMA user_version", &version, error))
    return FALSE;
  if (version != SCHEMA_VERSION)
    return fail_not_office (self, error);
  return TRUE;
}

OmbudOfficeBackend *
ombud_office_sqlite_open (const char *data_dir,
                          gboolean    create,
                          GError    **error)
{
  g_autofree char *path = g_build_filename (data_dir, "office.db", NULL);
  g_autoptr(OmbudOfficeBackend) backend = NULL;
  OmbudOfficeSqlite *self;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;  /* one thread at a time */
  int rc;

  if (create && !make_data_dir (data_dir, path, error))
    return NULL;
  if (!create && !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_INITIALISED,
                   "No office in %s (run ombud-office init)", data_dir);
      return NULL;
    }

  self = g_new0 (OmbudOfficeSqlite, 1);
  self->parent.klass = &sqlite_class;
  self->path = g_steal_pointer (&path);
  backend = &self->parent;

  rc = sqlite3_open_v2 (self->path, &self->db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
                   "Cannot open %s: %s", self->path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }
  if (!configure (self, error) || !check_schema (self, create, error))
    return NULL;
  return g_steal_pointer (&backend);
}

void
ombud_office_sqlite_set_busy_timeout (OmbudOfficeBackend *backend,
                                      int                 ms)
{
  g_return_if_fail (backend != NULL && backend->klass == &sqlite_class);

  sqlite3_busy_timeout (SQL (backend)->db, ms);
}

static const OmbudOfficeBackendClass sqlite_class = {
  .name = "sqlite",
  .free = sqlite_free,
  .begin = sqlite_begin,
  .commit = sqlite_commit,
  .rollback = sqlite_rollback,
  .init_org = sqlite_init_org,
  .get_org = sqlite_get_org,
  .add_invite = sqlite_add_invite,
  .take_invite = sqlite_take_invite,
  .add_device = sqlite_add_device,
  .get_device = sqlite_get_device,
  .list_devices = sqlite_list_devices,
  .set_device_state = sqlite_set_device_state,
  .set_last_request = sqlite_set_last_request,
  .add_cert = sqlite_add_cert,
  .list_certs = sqlite_list_certs,
  .add_grant = sqlite_add_grant,
  .list_grants = sqlite_list_grants,
  .get_directory_seq = sqlite_get_directory_seq,
  .get_route = sqlite_get_route,
  .set_route = sqlite_set_route,
  .former_may_push = sqlite_former_may_push,
  .set_handed_over = sqlite_set_handed_over,
  .list_case_changesets = sqlite_list_case_changesets,
  .shred_case = sqlite_shred_case,
  .case_is_shredded = sqlite_case_is_shredded,
  .scrub = sqlite_scrub,
  .put_changeset = sqlite_put_changeset,
  .list_changesets = sqlite_list_changesets,
  .get_last_seq = sqlite_get_last_seq,
  .list_authored_ids = sqlite_list_authored_ids,
  .put_blob = sqlite_put_blob,
  .get_blob = sqlite_get_blob,
  .put_guard_key = sqlite_put_guard_key,
  .get_guard = sqlite_get_guard,
};
