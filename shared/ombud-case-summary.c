/* ombud-case-summary.c: one row of the case list, and the query that fills the list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-case-summary.h"

#include <stdio.h>

#include "ombud-caseload-private.h"
#include "ombud-queries.h"
#include "ombud-vfs.h"

G_DEFINE_ENUM_TYPE (OmbudCaseStatus, ombud_case_status,
  G_DEFINE_ENUM_VALUE (OMBUD_CASE_STATUS_QUEUED, "queued"),
  G_DEFINE_ENUM_VALUE (OMBUD_CASE_STATUS_ACTIVE, "active"),
  G_DEFINE_ENUM_VALUE (OMBUD_CASE_STATUS_REFERRED, "referred"),
  G_DEFINE_ENUM_VALUE (OMBUD_CASE_STATUS_CLOSED, "closed"))

G_DEFINE_ENUM_TYPE (OmbudSyncState, ombud_sync_state,
  G_DEFINE_ENUM_VALUE (OMBUD_SYNC_STATE_AT_OFFICE, "at-office"),
  G_DEFINE_ENUM_VALUE (OMBUD_SYNC_STATE_LOCAL, "local"),
  G_DEFINE_ENUM_VALUE (OMBUD_SYNC_STATE_CONFLICT, "conflict"))

/* The string fields, in the order the query selects them. */
enum {
  F_ID,
  F_TITLE,
  F_MUNICIPALITY_ID,
  F_MUNICIPALITY_NAME,
  F_OMBUD_ID,
  F_OMBUD_NAME,
  F_REQUESTED_ON,
  F_STARTED_ON,
  F_CLOSED_ON,
  F_NEXT_DEADLINE,
  N_FIELDS
};

struct _OmbudCaseSummary
{
  GObject         parent_instance;

  char           *fields[N_FIELDS];
  char           *short_id;
  OmbudCaseStatus status;
  OmbudSyncState  sync_state;
  guint           unsent;
  guint           conflicts;
};

G_DEFINE_FINAL_TYPE (OmbudCaseSummary, ombud_case_summary, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_TITLE,
  PROP_MUNICIPALITY_ID,
  PROP_MUNICIPALITY_NAME,
  PROP_ASSIGNED_OMBUD_ID,
  PROP_ASSIGNED_OMBUD_NAME,
  PROP_REQUESTED_ON,
  PROP_STARTED_ON,
  PROP_CLOSED_ON,
  PROP_NEXT_DEADLINE,
  PROP_SHORT_ID,
  PROP_STATUS,
  PROP_SYNC_STATE,
  PROP_UNSENT,
  PROP_CONFLICTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ombud_case_summary_finalize (GObject *object)
{
  OmbudCaseSummary *self = OMBUD_CASE_SUMMARY (object);

  for (guint i = 0; i < N_FIELDS; i++)
    g_free (self->fields[i]);
  g_free (self->short_id);
  G_OBJECT_CLASS (ombud_case_summary_parent_class)->finalize (object);
}

static void
ombud_case_summary_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  OmbudCaseSummary *self = OMBUD_CASE_SUMMARY (object);

  if (prop_id >= PROP_ID && prop_id <= PROP_NEXT_DEADLINE)
    {
      g_value_set_string (value, self->fields[prop_id - PROP_ID]);
      return;
    }
  switch (prop_id)
    {
    case PROP_SHORT_ID: g_value_set_string (value, self->short_id); break;
    case PROP_STATUS: g_value_set_enum (value, self->status); break;
    case PROP_SYNC_STATE: g_value_set_enum (value, self->sync_state); break;
    case PROP_UNSENT: g_value_set_uint (value, self->unsent); break;
    case PROP_CONFLICTS: g_value_set_uint (value, self->conflicts); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_case_summary_class_init (OmbudCaseSummaryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  static const char *const names[] = {
    "id", "title", "municipality-id", "municipality-name", "assigned-ombud-id",
    "assigned-ombud-name", "requested-on", "started-on", "closed-on", "next-deadline",
  };

  object_class->finalize = ombud_case_summary_finalize;
  object_class->get_property = ombud_case_summary_get_property;

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == N_FIELDS);
  for (guint i = 0; i < N_FIELDS; i++)
    properties[PROP_ID + i] = g_param_spec_string (names[i], NULL, NULL, NULL, ro);
  properties[PROP_SHORT_ID] = g_param_spec_string ("short-id", NULL, NULL, NULL, ro);
  properties[PROP_STATUS] = g_param_spec_enum ("status", NULL, NULL, OMBUD_TYPE_CASE_STATUS,
                                               OMBUD_CASE_STATUS_QUEUED, ro);
  properties[PROP_SYNC_STATE] = g_param_spec_enum ("sync-state", NULL, NULL, OMBUD_TYPE_SYNC_STATE,
                                                   OMBUD_SYNC_STATE_LOCAL, ro);
  properties[PROP_UNSENT] = g_param_spec_uint ("unsent", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_CONFLICTS] = g_param_spec_uint ("conflicts", NULL, NULL, 0, G_MAXUINT, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ombud_case_summary_init (OmbudCaseSummary *self)
{
  self->sync_state = OMBUD_SYNC_STATE_LOCAL;
}

const char *ombud_case_summary_get_id (OmbudCaseSummary *self) { return self->fields[F_ID]; }
const char *ombud_case_summary_get_title (OmbudCaseSummary *self) { return self->fields[F_TITLE]; }
const char *ombud_case_summary_get_short_id (OmbudCaseSummary *self) { return self->short_id; }
OmbudCaseStatus ombud_case_summary_get_status (OmbudCaseSummary *self) { return self->status; }
const char *ombud_case_summary_get_municipality_id (OmbudCaseSummary *self) { return self->fields[F_MUNICIPALITY_ID]; }
const char *ombud_case_summary_get_municipality_name (OmbudCaseSummary *self) { return self->fields[F_MUNICIPALITY_NAME]; }
const char *ombud_case_summary_get_assigned_ombud_id (OmbudCaseSummary *self) { return self->fields[F_OMBUD_ID]; }
const char *ombud_case_summary_get_assigned_ombud_name (OmbudCaseSummary *self) { return self->fields[F_OMBUD_NAME]; }
const char *ombud_case_summary_get_requested_on (OmbudCaseSummary *self) { return self->fields[F_REQUESTED_ON]; }
const char *ombud_case_summary_get_started_on (OmbudCaseSummary *self) { return self->fields[F_STARTED_ON]; }
const char *ombud_case_summary_get_closed_on (OmbudCaseSummary *self) { return self->fields[F_CLOSED_ON]; }
const char *ombud_case_summary_get_next_deadline (OmbudCaseSummary *self) { return self->fields[F_NEXT_DEADLINE]; }
OmbudSyncState ombud_case_summary_get_sync_state (OmbudCaseSummary *self) { return self->sync_state; }
guint ombud_case_summary_get_unsent (OmbudCaseSummary *self) { return self->unsent; }
guint ombud_case_summary_get_conflicts (OmbudCaseSummary *self) { return self->conflicts; }

/* ---- the query ------------------------------------------------------------------ */

/* One statement: the cases the cheap filters (search, municipality) leave
 * are read once into k, with case_state's dates (migration 2's view,
 * spelled out so that each is one seek in migration 7's index and a narrow
 * search pays for its own rows only), their next deadline, unsent changes
 * and conflicts (few: counted once and joined, conflict.case_id has no
 * index); the status and the filters on it follow.  Columns:
 * N_FIELDS strings, then status, unsent, conflicts. */
#define SUMMARY_CASES \
  "WITH conflicted AS (SELECT case_id, count(*) AS n FROM conflict GROUP BY case_id)," \
  " k AS MATERIALIZED (SELECT c.id, c.client_name, c.municipality_id, m.name AS municipality_name," \
  " c.assigned_ombud, o.name AS ombud_name," \
  " (SELECT min(on_date) FROM case_event e WHERE e.case_id = c.id AND e.kind = 'requested' AND e.deleted = 0)" \
  "   AS requested_on," \
  " (SELECT min(on_date) FROM case_event e WHERE e.case_id = c.id AND e.kind = 'started' AND e.deleted = 0)" \
  "   AS started_on," \
  " (SELECT max(on_date) FROM case_event e WHERE e.case_id = c.id AND e.kind = 'closed' AND e.deleted = 0)" \
  "   AS closed_on," \
  " (SELECT min(due_on) FROM deadline d WHERE d.case_id = c.id AND d.deleted = 0 AND coalesce(d.done, 0) = 0)" \
  "   AS next_deadline," \
  " EXISTS (SELECT 1 FROM case_event e WHERE e.case_id = c.id AND e.kind = 'referred' AND e.deleted = 0)" \
  "   AS referred," \
  " (SELECT count(*) FROM outbox u WHERE u.case_id = c.id) AS unsent," \
  " coalesce(x.n, 0) AS conflicts" \
  " FROM client_case c" \
  " LEFT JOIN municipality m ON m.id = c.municipality_id" \
  " LEFT JOIN ombud o ON o.id = c.assigned_ombud" \
  " LEFT JOIN conflicted x ON x.case_id = c.id" \
  " WHERE c.deleted = 0"

#define SUMMARY_ROWS \
  ") SELECT id, client_name, municipality_id, municipality_name, assigned_ombud, ombud_name," \
  " requested_on, started_on, closed_on, next_deadline, status, unsent, conflicts" \
  " FROM (SELECT k.*, CASE WHEN closed_on IS NOT NULL THEN 3 WHEN referred THEN 2" \
  "  WHEN started_on IS NOT NULL THEN 1 ELSE 0 END AS status FROM k)" \
  " WHERE 1"

#define SUMMARY_ORDER \
  " ORDER BY status >= 2, next_deadline IS NULL, next_deadline, client_name COLLATE NOCASE, id"

enum { P_TEXT = 1, P_STATUSES, P_MUNICIPALITY, P_DEADLINE };

/* Only the clauses the filter uses are in the SQL: an FTS MATCH must not see
 * a NULL expression, and the planner does best without OR-ed placeholders.
 * Each shape is prepared once and kept (ombud_merge_statement).  A search
 * hit's case comes from search_doc (migration 7), not the FTS row. */
static char *
summary_sql (gboolean text,
             gboolean statuses,
             gboolean municipality,
             gboolean deadline)
{
  GString *sql = g_string_new (SUMMARY_CASES);

  if (text)
    g_string_append (sql, " AND c.id IN (SELECT d.case_id FROM search s JOIN search_doc d ON d.docid = s.rowid"
                          " WHERE search MATCH ?1)");
  if (municipality)
    g_string_append (sql, " AND c.municipality_id = ?3");
  g_string_append (sql, SUMMARY_ROWS);
  if (statuses)
    g_string_append (sql, " AND (?2 >> status) & 1");
  if (deadline)
    g_string_append (sql, " AND next_deadline <= ?4");
  g_string_append (sql, SUMMARY_ORDER);
  return g_string_free (sql, FALSE);
}

static char *
date_after (const char *today,
            guint       days)
{
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) end = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  int y, m, d;

  if (sscanf (today, "%d-%d-%d", &y, &m, &d) != 3)
    return NULL;
  start = g_date_time_new (utc, y, m, d, 12, 0, 0);
  if (start == NULL)
    return NULL;
  end = g_date_time_add_days (start, (int) MIN (days, 100000u));
  return end ? g_date_time_format (end, "%Y-%m-%d") : NULL;
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text ? g_strdup ((const char *) text) : NULL;
}

static OmbudCaseSummary *
summary_from_row (sqlite3_stmt *stmt,
                  gboolean      synced)
{
  OmbudCaseSummary *self = g_object_new (OMBUD_TYPE_CASE_SUMMARY, NULL);

  for (int i = 0; i < N_FIELDS; i++)
    self->fields[i] = column_dup (stmt, i);
  self->short_id = g_strndup (self->fields[F_ID] ? self->fields[F_ID] : "", 8);
  self->status = (OmbudCaseStatus) sqlite3_column_int (stmt, N_FIELDS);
  self->unsent = (guint) sqlite3_column_int64 (stmt, N_FIELDS + 1);
  self->conflicts = (guint) sqlite3_column_int64 (stmt, N_FIELDS + 2);
  if (self->conflicts > 0)
    self->sync_state = OMBUD_SYNC_STATE_CONFLICT;
  else if (self->unsent > 0 || !synced)
    self->sync_state = OMBUD_SYNC_STATE_LOCAL;
  else
    self->sync_state = OMBUD_SYNC_STATE_AT_OFFICE;
  return self;
}

gboolean
ombud_queries_has_synced (OmbudCaseload *caseload)
{
  /* Written by the sync engine (sync/ombud-sync-state.c) after each sync
   * that went through. */
  g_autofree char *last = ombud_store_get (ombud_caseload_get_store (caseload),
                                           "sync.last_success_ms", NULL);

  return last != NULL && g_ascii_strtoll (last, NULL, 10) > 0;
}

static gboolean
bind_filter (OmbudCaseload          *caseload,
             sqlite3_stmt           *stmt,
             const OmbudCaseFilter  *filter,
             const char             *expr,
             GError                **error)
{
  if (expr != NULL)
    sqlite3_bind_text (stmt, P_TEXT, expr, -1, SQLITE_TRANSIENT);
  if (filter->statuses != 0)
    sqlite3_bind_int64 (stmt, P_STATUSES, filter->statuses);
  if (filter->municipality_id != NULL)
    sqlite3_bind_text (stmt, P_MUNICIPALITY, filter->municipality_id, -1, SQLITE_TRANSIENT);
  if (filter->deadline_within_days > 0)
    {
      g_autofree char *today = ombud_caseload_today (caseload);
      g_autofree char *until = date_after (today, filter->deadline_within_days);

      if (until == NULL)
        {
          g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_FAILED,
                       "could not tell the date %u days after %s", filter->deadline_within_days, today);
          return FALSE;
        }
      sqlite3_bind_text (stmt, P_DEADLINE, until, -1, SQLITE_TRANSIENT);
    }
  return TRUE;
}

GListStore *
ombud_queries_case_summaries (OmbudCaseload          *caseload,
                              const OmbudCaseFilter  *filter,
                              GError                **error)
{
  static const OmbudCaseFilter everything = { 0 };
  g_autofree char *expr = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GListStore) store = NULL;
  sqlite3_stmt *stmt;
  gboolean synced;
  int rc;

  g_return_val_if_fail (OMBUD_IS_CASELOAD (caseload), NULL);

  if (filter == NULL)
    filter = &everything;
  if (filter->text != NULL)
    expr = ombud_queries_fts_expression (filter->text);
  sql = summary_sql (expr != NULL, filter->statuses != 0, filter->municipality_id != NULL,
                     filter->deadline_within_days > 0);
  stmt = ombud_merge_statement (ombud_caseload_get_merge (caseload), sql, error);
  if (stmt == NULL || !bind_filter (caseload, stmt, filter, expr, error))
    return NULL;

  synced = ombud_queries_has_synced (caseload);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (found, summary_from_row (stmt, synced));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, ombud_caseload_get_db (caseload), rc, "could not read the caseload");
      return NULL;
    }

  store = g_list_store_new (OMBUD_TYPE_CASE_SUMMARY);
  g_list_store_splice (store, 0, 0, found->pdata, found->len);
  return g_steal_pointer (&store);
}

GVariant *
ombud_queries_municipalities (OmbudCaseload  *caseload,
                              GError        **error)
{
  sqlite3_stmt *stmt = ombud_merge_statement (ombud_caseload_get_merge (caseload),
    "SELECT id, code, name FROM municipality WHERE deleted = 0 AND name IS NOT NULL"
    " ORDER BY name COLLATE NOCASE, id", error);
  GVariantBuilder list;
  int rc;

  if (stmt == NULL)
    return NULL;
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      GVariantBuilder row;

      g_variant_builder_init (&row, G_VARIANT_TYPE_VARDICT);
      for (int c = 0; c < 3; c++)
        {
          const char *text = (const char *) sqlite3_column_text (stmt, c);

          g_variant_builder_add (&row, "{sv}", sqlite3_column_name (stmt, c),
                                 text ? g_variant_new_string (text)
                                      : g_variant_new_maybe (G_VARIANT_TYPE_STRING, NULL));
        }
      g_variant_builder_add_value (&list, g_variant_builder_end (&row));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_variant_builder_clear (&list);
      ombud_vfs_set_sqlite_error (error, ombud_caseload_get_db (caseload), rc, "could not read the municipalities");
      return NULL;
    }
  return g_variant_ref_sink (g_variant_builder_end (&list));
}
