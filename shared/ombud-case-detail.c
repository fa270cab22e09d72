/* ombud-case-detail.c: everything the case page shows, in one GVariant
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-case-detail.h"

#include "ombud-case-summary.h"
#include "ombud-caseload-private.h"
#include "ombud-queries.h"
#include "ombud-vfs.h"

static GVariant *
maybe_text (sqlite3_stmt *stmt,
            int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_variant_new_maybe (G_VARIANT_TYPE_STRING, text ? g_variant_new_string (text) : NULL);
}

static const char *
sync_state_nick (OmbudSyncState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (OMBUD_TYPE_SYNC_STATE);

  return g_enum_get_value (klass, state)->value_nick;
}

static gboolean
add_extras (OmbudCaseload  *caseload,
            const char     *case_id,
            GVariantDict   *dict,
            GError        **error)
{
  sqlite3_stmt *stmt = ombud_merge_statement (ombud_caseload_get_merge (caseload),
    "SELECT c.municipality_id, c.assigned_ombud,"
    " (SELECT count(*) FROM outbox u WHERE u.case_id = c.id),"
    " (SELECT count(*) FROM conflict x WHERE x.case_id = c.id)"
    " FROM client_case c WHERE c.id = ?1", error);
  gint64 unsent, conflicts;
  OmbudSyncState state;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, case_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      ombud_vfs_set_sqlite_error (error, ombud_caseload_get_db (caseload), rc, "could not read the case");
      return FALSE;
    }
  g_variant_dict_insert_value (dict, "municipality_id", maybe_text (stmt, 0));
  g_variant_dict_insert_value (dict, "assigned_ombud_id", maybe_text (stmt, 1));
  unsent = sqlite3_column_int64 (stmt, 2);
  conflicts = sqlite3_column_int64 (stmt, 3);
  sqlite3_reset (stmt);

  state = conflicts > 0 ? OMBUD_SYNC_STATE_CONFLICT
        : unsent > 0 || !ombud_queries_has_synced (caseload) ? OMBUD_SYNC_STATE_LOCAL
        : OMBUD_SYNC_STATE_AT_OFFICE;
  g_variant_dict_insert_value (dict, "unsent", g_variant_new_int64 (unsent));
  g_variant_dict_insert_value (dict, "sync_state", g_variant_new_string (sync_state_nick (state)));
  return TRUE;
}

GVariant *
ombud_queries_case_detail (OmbudCaseload  *caseload,
                           const char     *case_id,
                           GError        **error)
{
  g_autoptr(GVariant) shown = NULL;
  g_autoptr(GVariantDict) dict = NULL;

  g_return_val_if_fail (OMBUD_IS_CASELOAD (caseload), NULL);
  g_return_val_if_fail (case_id != NULL, NULL);

  shown = ombud_queries_show_case (caseload, case_id, error);
  if (shown == NULL)
    return NULL;
  dict = g_variant_dict_new (shown);
  if (!add_extras (caseload, case_id, dict, error))
    return NULL;
  return g_variant_ref_sink (g_variant_dict_end (dict));
}
