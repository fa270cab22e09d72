/* ombud-queries.c: reading the caseload
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-queries.h"

#include "ombud-caseload-private.h"
#include "ombud-vfs.h"

static GVariant *
column_variant (sqlite3_stmt *stmt,
                int           column)
{
  switch (sqlite3_column_type (stmt, column))
    {
    case SQLITE_INTEGER:
      return g_variant_new_int64 (sqlite3_column_int64 (stmt, column));
    case SQLITE_FLOAT:
      return g_variant_new_double (sqlite3_column_double (stmt, column));
    case SQLITE_TEXT:
      return g_variant_new_string ((const char *) sqlite3_column_text (stmt, column));
    default:
      return g_variant_new_maybe (G_VARIANT_TYPE_STRING, NULL);
    }
}

static GVariant *
row_variant (sqlite3_stmt *stmt)
{
  GVariantBuilder row;

  g_variant_builder_init (&row, G_VARIANT_TYPE_VARDICT);
  for (int c = 0; c < sqlite3_column_count (stmt); c++)
    g_variant_builder_add (&row, "{sv}", sqlite3_column_name (stmt, c), column_variant (stmt, c));
  return g_variant_builder_end (&row);
}

/* Runs SQL with up to two text parameters; every row becomes an a{sv}. */
static GVariant *
rows (OmbudCaseload  *caseload,
      const char     *sql,
      const char     *arg1,
      const char     *arg2,
      GError        **error)
{
  sqlite3 *db = ombud_caseload_get_db (caseload);
  sqlite3_stmt *stmt = ombud_merge_statement (ombud_caseload_get_merge (caseload), sql, error);
  GVariantBuilder list;
  int rc;

  if (stmt == NULL)
    return NULL;
  if (arg1)
    sqlite3_bind_text (stmt, 1, arg1, -1, SQLITE_TRANSIENT);
  if (arg2)
    sqlite3_bind_text (stmt, 2, arg2, -1, SQLITE_TRANSIENT);
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_variant_builder_add_value (&list, row_variant (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_variant_builder_clear (&list);
      ombud_vfs_set_sqlite_error (error, db, rc, "could not read the caseload");
      return NULL;
    }
  return g_variant_ref_sink (g_variant_builder_end (&list));
}

#define CASE_COLUMNS \
  "c.id, c.client_name AS name, c.client_contact AS contact," \
  " CASE WHEN s.closed_on IS NOT NULL THEN 'closed' WHEN s.referred_on IS NOT NULL THEN 'referred'" \
  "  WHEN s.started_on IS NOT NULL THEN 'active' ELSE 'queued' END AS status," \
  " m.name AS municipality, c.gender, c.birth_year, c.has_minor_children," \
  " s.requested_on, s.started_on, s.closed_on, s.closure_reason, s.referred_on, s.referral_target," \
  " o.name AS assigned_ombud, c.handover_consent," \
  " (SELECT min(due_on) FROM deadline d WHERE d.case_id = c.id AND d.deleted = 0 AND coalesce(d.done, 0) = 0)" \
  "   AS next_deadline," \
  " (SELECT count(*) FROM conflict x WHERE x.case_id = c.id) AS conflicts" \
  " FROM client_case c JOIN case_state s ON s.id = c.id" \
  " LEFT JOIN municipality m ON m.id = c.municipality_id" \
  " LEFT JOIN ombud o ON o.id = c.assigned_ombud"

GVariant *
ombud_queries_list_cases (OmbudCaseload  *caseload,
                          GError        **error)
{
  return rows (caseload,
               "SELECT " CASE_COLUMNS " WHERE c.deleted = 0"
               " ORDER BY CASE status WHEN 'active' THEN 0 WHEN 'queued' THEN 1 ELSE 2 END,"
               " c.client_name COLLATE NOCASE, c.id",
               NULL, NULL, error);
}

static void
add_list (GVariantDict  *dict,
          const char    *name,
          GVariant      *list)
{
  g_variant_dict_insert_value (dict, name, list);
  g_variant_unref (list);
}

GVariant *
ombud_queries_show_case (OmbudCaseload  *caseload,
                         const char     *case_id,
                         GError        **error)
{
  static const struct { const char *name, *sql; } parts[] = {
    { "events", "SELECT kind, on_date, reason, target FROM case_event"
                " WHERE case_id = ?1 AND deleted = 0 ORDER BY on_date, kind" },
    { "contacts", "SELECT id, on_date, minutes, form, actors, km, travel_minutes FROM contact"
                  " WHERE case_id = ?1 AND deleted = 0 ORDER BY on_date, id" },
    { "goals", "SELECT id, area, body, review_on, outcome FROM goal WHERE case_id = ?1 AND deleted = 0 ORDER BY id" },
    { "notes", "SELECT id, written_on, approved, body FROM note WHERE case_id = ?1 AND deleted = 0"
               " ORDER BY written_on, id" },
    { "deadlines", "SELECT id, due_on, body, done FROM deadline WHERE case_id = ?1 AND deleted = 0 ORDER BY due_on, id" },
  };
  g_autoptr(GVariant) found = rows (caseload, "SELECT " CASE_COLUMNS " WHERE c.id = ?1 AND c.deleted = 0",
                                    case_id, NULL, error);
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GVariantDict) dict = NULL;

  if (found == NULL)
    return NULL;
  if (g_variant_n_children (found) == 0)
    {
      g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_NOT_FOUND, "no case %s", case_id);
      return NULL;
    }
  record = g_variant_get_child_value (found, 0);
  dict = g_variant_dict_new (record);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      GVariant *list = rows (caseload, parts[i].sql, case_id, NULL, error);
      if (list == NULL)
        return NULL;
      add_list (dict, parts[i].name, list);
    }
  return g_variant_ref_sink (g_variant_dict_end (dict));
}

/* Words as the user typed them, each quoted so nothing is read as FTS5
 * syntax, the last one a prefix so results follow each keystroke. */
char *
ombud_queries_fts_expression (const char *query)
{
  GString *expr = g_string_new (NULL);
  GString *word = g_string_new (NULL);

  for (const char *p = query; ; p = g_utf8_next_char (p))
    {
      gunichar c = *p ? g_utf8_get_char (p) : 0;

      if (c != 0 && g_unichar_isalnum (c))
        {
          g_string_append_unichar (word, c);
          continue;
        }
      if (word->len > 0)
        {
          g_string_append_printf (expr, "%s\"%s\"", expr->len ? " " : "", word->str);
          g_string_truncate (word, 0);
        }
      if (c == 0)
        break;
    }
  g_string_free (word, TRUE);
  if (expr->len == 0)
    {
      g_string_free (expr, TRUE);
      return NULL;
    }
  g_string_append_c (expr, '*');
  return g_string_free (expr, FALSE);
}

GVariant *
ombud_queries_search (OmbudCaseload  *caseload,
                      const char     *query,
                      guint           limit,
                      GError        **error)
{
  g_autofree char *expr = ombud_queries_fts_expression (query ? query : "");
  g_autofree char *sql = g_strdup_printf (
    "SELECT s.case_id, d.tbl AS kind, d.rec AS record, c.client_name AS name,"
    " snippet(search, 0, '[', ']', '…', 10) AS snippet"
    " FROM search s JOIN search_doc d ON d.docid = s.rowid"
    " JOIN client_case c ON c.id = s.case_id AND c.deleted = 0"
    " WHERE search MATCH ?1"
    /* Ranking every match of a one-letter prefix takes most of 200 ms on a
     * large caseload; rank the newest 2,000 matches only. */
    "   AND s.rowid >= coalesce((SELECT rowid FROM search WHERE search MATCH ?1"
    "     ORDER BY rowid DESC LIMIT 1 OFFSET 1999), 0)"
    " ORDER BY rank LIMIT %u", limit ? limit : 50);

  if (expr == NULL)
    return g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARDICT, NULL, 0));
  return rows (caseload, sql, expr, NULL, error);
}

GVariant *
ombud_queries_list_conflicts (OmbudCaseload  *caseload,
                              GError        **error)
{
  /* Mine is what the replica shows: the field's newest version. */
  return rows (caseload,
               "SELECT x.id, x.tbl AS \"table\", x.rec AS record, x.field, x.case_id,"
               " (SELECT value FROM version v WHERE v.tbl = x.tbl AND v.rec = x.rec AND v.field = x.field"
               "   ORDER BY hlc DESC, device DESC LIMIT 1) AS mine,"
               " (SELECT hlc >> 16 FROM version v WHERE v.tbl = x.tbl AND v.rec = x.rec AND v.field = x.field"
               "   ORDER BY hlc DESC, device DESC LIMIT 1) AS mine_ms,"
               " (SELECT printf('%016x', device) FROM version v WHERE v.tbl = x.tbl AND v.rec = x.rec"
               "   AND v.field = x.field ORDER BY hlc DESC, device DESC LIMIT 1) AS mine_device,"
               " x.value AS theirs, x.hlc >> 16 AS theirs_ms, printf('%016x', x.device) AS theirs_device"
               " FROM conflict x ORDER BY x.case_id, x.tbl, x.rec, x.field, x.id",
               NULL, NULL, error);
}

GVariant *
ombud_queries_list_codes (OmbudCaseload  *caseload,
                          const char     *kind,
                          GError        **error)
{
  return rows (caseload,
               "SELECT kind, code, label_sv, label_en FROM code"
               " WHERE deleted = 0 AND coalesce(retired, 0) = 0 AND (?1 IS NULL OR kind = ?1)"
               " ORDER BY kind, sort_order, code",
               kind, NULL, error);
}
