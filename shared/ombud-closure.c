/* ombud-closure.c: closing a case: the client's export, then the client tier destroyed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Ombuds keep no journal: when a case closes, what was written with the
 * client is handed to them (the export) and then destroyed, and only the
 * office tier stays, as the statistics record (DESIGN.md §1, §3).
 *
 * Destroying is one transaction through the writer, so it syncs like any
 * edit: every client-tier field of every record of the case becomes NULL,
 * the notes are deleted and client_case.client_tier_destroyed says why.
 * A new version cannot reach what older versions, conflicts and unsent
 * changesets still hold, so those are purged here, in the same transaction;
 * other replicas do the same purge when the change reaches them
 * (ombud_closure_follow_destroyed).  Freed cells and pages are zeroed by
 * secure_delete (ombud-store.c); afterwards FTS5's index is merged, the
 * database rewritten (VACUUM) and the WAL checkpointed and truncated, so no
 * stale copy or old page image survives either (see scrub_after).
 */
#include "ombud-closure.h"

#include <string.h>

#include "ombud-caseload-private.h"
#include "ombud-changeset.h"
#include "ombud-fields.h"
#include "ombud-identity.h"
#include "ombud-queries.h"
#include "ombud-vfs.h"

/* ---- the export ----------------------------------------------------------------- */

/* Missing values are maybe-typed nothing (ombud-queries.c): those give NULL. */
static const char *
dict_text (GVariant   *dict,
           const char *key)
{
  const char *text = NULL;

  return g_variant_lookup (dict, key, "&s", &text) ? text : NULL;
}

static gboolean
dict_int (GVariant   *dict,
          const char *key,
          gint64     *out)
{
  return g_variant_lookup (dict, key, "x", out);
}

static const char *
or_dash (const char *text)
{
  return text && *text ? text : "–";
}

/* "kind:code" -> Swedish label, from the team's code table. */
static GHashTable *
code_labels (OmbudCaseload  *caseload,
             GError        **error)
{
  g_autoptr(GVariant) codes = ombud_queries_list_codes (caseload, NULL, error);
  g_autoptr(GHashTable) labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GVariantIter iter;
  GVariant *code;

  if (codes == NULL)
    return NULL;
  g_variant_iter_init (&iter, codes);
  while ((code = g_variant_iter_next_value (&iter)))
    {
      const char *kind = dict_text (code, "kind"), *name = dict_text (code, "code");
      const char *label = dict_text (code, "label_sv");

      if (kind && name && label)
        g_hash_table_insert (labels, g_strconcat (kind, ":", name, NULL), g_strdup (label));
      g_variant_unref (code);
    }
  return g_steal_pointer (&labels);
}

typedef struct {
  GString    *out;
  GHashTable *labels;
} Export;

/* A retired or unknown code still shows, as itself. */
static const char *
label (Export     *e,
       const char *kind,
       const char *code)
{
  g_autofree char *key = NULL;
  const char *found;

  if (code == NULL)
    return NULL;
  key = g_strconcat (kind, ":", code, NULL);
  found = g_hash_table_lookup (e->labels, key);
  return found ? found : code;
}

static const char *
word (const char * const *pairs,
      const char          *value)
{
  for (guint i = 0; value && pairs[i]; i += 2)
    if (strcmp (pairs[i], value) == 0)
      return pairs[i + 1];
  return value;
}

static void
heading (Export     *e,
         const char *title)
{
  g_string_append_printf (e->out, "\n%s\n", title);
  for (const char *p = title; *p; p = g_utf8_next_char (p))
    g_string_append_c (e->out, '=');
  g_string_append_c (e->out, '\n');
}

static void
line (Export     *e,
      const char *name,
      const char *value)
{
  g_string_append_printf (e->out, "%s: %s\n", name, or_dash (value));
}

/* Free text keeps its own lines, each indented under its item. */
static void
block (Export     *e,
       const char *text)
{
  g_auto(GStrv) lines = g_strsplit (or_dash (text), "\n", -1);

  for (guint i = 0; lines[i]; i++)
    g_string_append_printf (e->out, "    %s\n", lines[i]);
}

static void
none_if_empty (Export   *e,
               GVariant *list)
{
  if (g_variant_n_children (list) == 0)
    g_string_append (e->out, "(inga)\n");
}

static char *
client_contact (OmbudCaseload  *caseload,
                const char     *case_id,
                GError        **error)
{
  /* The one client-tier field ombud_queries_show_case does not return. */
  sqlite3_stmt *stmt = ombud_merge_statement (ombud_caseload_get_merge (caseload),
    "SELECT client_contact FROM client_case WHERE id = ?1", error);
  char *contact = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, case_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    contact = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return contact ? contact : g_strdup ("");
}

static void
export_client (Export     *e,
               GVariant   *c,
               const char *contact)
{
  static const char *genders[] = { "woman", "kvinna", "man", "man", "other", "annat", "unknown", "okänt", NULL };
  g_autofree char *year = NULL;
  gint64 n;

  heading (e, "Klienten");
  line (e, "Namn", dict_text (c, "name"));
  line (e, "Kontaktuppgifter", contact);
  line (e, "Kommun", dict_text (c, "municipality"));
  line (e, "Kön", word (genders, dict_text (c, "gender")));
  if (dict_int (c, "birth_year", &n))
    year = g_strdup_printf ("%" G_GINT64_FORMAT, n);
  line (e, "Födelseår", year);
  line (e, "Har minderåriga barn", dict_int (c, "has_minor_children", &n) ? (n ? "ja" : "nej") : NULL);
  line (e, "Ombud", dict_text (c, "assigned_ombud"));
}

static void
export_case (Export   *e,
             GVariant *c)
{
  static const char *states[] = {
    "queued", "i kö", "active", "pågående", "closed", "avslutat", "referred", "hänvisat", NULL
  };

  heading (e, "Uppdraget");
  line (e, "Status", word (states, dict_text (c, "status")));
  line (e, "Begärt", dict_text (c, "requested_on"));
  line (e, "Påbörjat", dict_text (c, "started_on"));
  line (e, "Avslutat", dict_text (c, "closed_on"));
  line (e, "Orsak till avslut", label (e, "closure_reason", dict_text (c, "closure_reason")));
  if (dict_text (c, "referred_on"))
    {
      line (e, "Hänvisat", dict_text (c, "referred_on"));
      line (e, "Hänvisat till", label (e, "actor", dict_text (c, "referral_target")));
    }
}

static void
export_goals (Export   *e,
              GVariant *goals)
{
  static const char *outcomes[] = { "open", "pågår", NULL };
  GVariantIter iter;
  GVariant *g;

  heading (e, "Överenskommelse och mål");
  none_if_empty (e, goals);
  g_variant_iter_init (&iter, goals);
  while ((g = g_variant_iter_next_value (&iter)))
    {
      g_string_append_printf (e->out, "- %s\n", or_dash (label (e, "life_area", dict_text (g, "area"))));
      block (e, dict_text (g, "body"));
      g_string_append_printf (e->out, "    Uppföljning: %s. Utfall: %s.\n",
                              or_dash (dict_text (g, "review_on")),
                              or_dash (word (outcomes, dict_text (g, "outcome"))));
      g_variant_unref (g);
    }
}

/* actors is a JSON array of codes, ["bank","legal_aid"]; codes are [a-z_]. */
static char *
actor_labels (Export     *e,
              const char *actors)
{
  g_auto(GStrv) codes = g_strsplit_set (actors ? actors : "", "[]\", ", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; codes[i]; i++)
    if (*codes[i])
      g_string_append_printf (out, "%s%s", out->len ? ", " : "", label (e, "actor", codes[i]));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
export_contacts (Export   *e,
                 GVariant *contacts)
{
  GVariantIter iter;
  GVariant *c;

  heading (e, "Kontakter");
  none_if_empty (e, contacts);
  g_variant_iter_init (&iter, contacts);
  while ((c = g_variant_iter_next_value (&iter)))
    {
      g_autofree char *actors = actor_labels (e, dict_text (c, "actors"));
      gint64 minutes = 0, km = 0, travel = 0;

      dict_int (c, "minutes", &minutes);
      dict_int (c, "km", &km);
      dict_int (c, "travel_minutes", &travel);
      g_string_append_printf (e->out, "- %s, %" G_GINT64_FORMAT " min, %s\n",
                              or_dash (dict_text (c, "on_date")), minutes,
                              or_dash (label (e, "contact_form", dict_text (c, "form"))));
      g_string_append_printf (e->out, "    Aktörer: %s\n", or_dash (actors));
      g_string_append_printf (e->out, "    Resa: %" G_GINT64_FORMAT " km, %" G_GINT64_FORMAT " min\n",
                              km, travel);
      g_variant_unref (c);
    }
}

static void
export_notes (Export   *e,
              GVariant *notes)
{
  GVariantIter iter;
  GVariant *n;

  heading (e, "Anteckningar");
  none_if_empty (e, notes);
  g_variant_iter_init (&iter, notes);
  while ((n = g_variant_iter_next_value (&iter)))
    {
      gint64 approved = 0;

      dict_int (n, "approved", &approved);
      g_string_append_printf (e->out, "- %s (%s)\n", or_dash (dict_text (n, "written_on")),
                              approved ? "godkänd av klienten" : "utkast, inte godkänt");
      block (e, dict_text (n, "body"));
      g_variant_unref (n);
    }
}

static void
export_deadlines (Export   *e,
                  GVariant *deadlines)
{
  GVariantIter iter;
  GVariant *d;

  heading (e, "Tidsfrister");
  none_if_empty (e, deadlines);
  g_variant_iter_init (&iter, deadlines);
  while ((d = g_variant_iter_next_value (&iter)))
    {
      gint64 done = 0;

      dict_int (d, "done", &done);
      g_string_append_printf (e->out, "- %s (%s)\n", or_dash (dict_text (d, "due_on")),
                              done ? "klar" : "inte klar");
      block (e, dict_text (d, "body"));
      g_variant_unref (d);
    }
}

static void
export_list (Export      *e,
             GVariant    *c,
             const char  *name,
             void       (*section) (Export *, GVariant *))
{
  g_autoptr(GVariant) list = g_variant_lookup_value (c, name, G_VARIANT_TYPE ("aa{sv}"));

  if (list == NULL)
    list = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARDICT, NULL, 0));
  section (e, list);
}

char *
ombud_closure_export_text (OmbudCaseload  *caseload,
                           const char     *case_id,
                           GError        **error)
{
  g_autoptr(GVariant) c = NULL;
  g_autoptr(GHashTable) labels = NULL;
  g_autofree char *status = NULL;
  g_autofree char *contact = NULL;
  g_autofree char *today = NULL;
  g_autoptr(GString) out = NULL;
  Export e;

  g_return_val_if_fail (OMBUD_IS_CASELOAD (caseload), NULL);

  /* An unknown case is refused here: ombud_queries_show_case clears an
   * uninitialised GVariantDict on that path. */
  status = ombud_caseload_case_status (caseload, case_id, error);
  if (status == NULL)
    return NULL;
  c = ombud_queries_show_case (caseload, case_id, error);
  if (c == NULL
      || (labels = code_labels (caseload, error)) == NULL
      || (contact = client_contact (caseload, case_id, error)) == NULL)
    return NULL;

  today = ombud_caseload_today (caseload);
  out = g_string_new (NULL);
  e = (Export) { out, labels };
  g_string_append_printf (out, "Personligt ombud: allt som finns sparat om dig\nUtskrivet %s\n", today);
  export_client (&e, c, contact);
  export_case (&e, c);
  export_list (&e, c, "goals", export_goals);
  export_list (&e, c, "contacts", export_contacts);
  export_list (&e, c, "notes", export_notes);
  export_list (&e, c, "deadlines", export_deadlines);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
ombud_closure_export_to_file (OmbudCaseload  *caseload,
                              const char     *case_id,
                              const char     *path,
                              GError        **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  text = ombud_closure_export_text (caseload, case_id, error);
  /* The client's own copy, asked for: only the user may read it, and it is
   * whole on disk before the client tier can be destroyed. */
  return text != NULL
         && g_file_set_contents_full (path, text, -1,
                                      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                      0600, error);
}

/* ---- destroying the client tier --------------------------------------------------- */

static gboolean
step_done (OmbudCaseload  *caseload,
           sqlite3_stmt   *stmt,
           const char     *what,
           GError        **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, ombud_caseload_get_db (caseload), rc, what);
      return FALSE;
    }
  return TRUE;
}

/* Rows of TABLE that belong to the case: the case itself, or those naming
 * it in case_id.  SQL text of ombud-fields.c's names only; ?1 is the case. */
static char *
case_rows (const OmbudTable *table)
{
  return g_strdup_printf ("SELECT id FROM %s WHERE %s = ?1", table->name,
                          strcmp (table->name, "client_case") == 0 ? "id" : "case_id");
}

/* Every record of the case in TABLE, deleted ones too: a deleted note
 * keeps its text. */
static GPtrArray *
case_records (OmbudCaseload     *caseload,
              const OmbudTable  *table,
              const char        *case_id,
              GError           **error)
{
  g_autofree char *sql = case_rows (table);
  sqlite3_stmt *stmt = ombud_merge_statement (ombud_caseload_get_merge (caseload), sql, error);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, case_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, ombud_caseload_get_db (caseload), rc, "could not read the case");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static gboolean
has_client_tier (const OmbudTable *table)
{
  for (const OmbudField *f = table->fields; f->name; f++)
    if (f->tier == OMBUD_TIER_CLIENT)
      return TRUE;
  return FALSE;
}

static gboolean
null_client_fields (OmbudWriter       *writer,
                    const OmbudTable  *table,
                    const char        *record,
                    GError           **error)
{
  for (const OmbudField *f = table->fields; f->name; f++)
    if (f->tier == OMBUD_TIER_CLIENT && !ombud_writer_set (writer, table->name, record, f->name, NULL, error))
      return FALSE;
  /* Notes are the client's story as a whole, not only their text. */
  return strcmp (table->name, "note") != 0
         || ombud_writer_set (writer, table->name, record, "deleted", g_variant_new_int64 (1), error);
}

/* The change that syncs: a NULL version of every client-tier field that
 * replaces every version this replica has. */
static gboolean
write_destruction (OmbudCaseload  *caseload,
                   OmbudWriter    *writer,
                   const char     *case_id,
                   GError        **error)
{
  guint n;
  const OmbudTable *tables = ombud_tables_get (&n);

  for (guint t = 0; t < n; t++)
    {
      g_autoptr(GPtrArray) records = NULL;

      if (!tables[t].per_case || !has_client_tier (&tables[t]))
        continue;
      records = case_records (caseload, &tables[t], case_id, error);
      if (records == NULL)
        return FALSE;
      for (guint r = 0; r < records->len; r++)
        if (!null_client_fields (writer, &tables[t], g_ptr_array_index (records, r), error))
          return FALSE;
    }
  return ombud_writer_set (writer, "client_case", case_id, "client_tier_destroyed",
                           g_variant_new_int64 (1), error);
}

static gboolean
run_for_case (OmbudCaseload  *caseload,
              const char     *sql,
              const char     *case_id,
              GError        **error)
{
  sqlite3_stmt *stmt = ombud_merge_statement (ombud_caseload_get_merge (caseload), sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, case_id, -1, SQLITE_TRANSIENT);
  return step_done (caseload, stmt, "could not destroy the client tier", error);
}

/* One client-tier field of all the case's records: its current value (the
 * search triggers follow), every older version, every conflict. */
static gboolean
purge_field (OmbudCaseload     *caseload,
             const OmbudTable  *table,
             const OmbudField  *field,
             const char        *case_id,
             GError           **error)
{
  g_autofree char *rows = case_rows (table);
  g_autofree char *current = g_strdup_printf ("UPDATE %s SET %s = NULL WHERE id IN (%s) AND %s IS NOT NULL",
                                              table->name, field->name, rows, field->name);
  g_autofree char *versions = g_strdup_printf ("UPDATE version SET value = NULL WHERE tbl = '%s' AND field = '%s'"
                                               " AND rec IN (%s) AND value IS NOT NULL",
                                               table->name, field->name, rows);
  g_autofree char *conflicts = g_strdup_printf ("DELETE FROM conflict WHERE tbl = '%s' AND field = '%s'"
                                                " AND rec IN (%s)", table->name, field->name, rows);

  return run_for_case (caseload, current, case_id, error)
         && run_for_case (caseload, versions, case_id, error)
         && run_for_case (caseload, conflicts, case_id, error);
}

static gboolean
is_client_change (const OmbudChange *c)
{
  gboolean known;

  return ombud_field_tier (c->table, c->field, &known) == OMBUD_TIER_CLIENT && known;
}

/* Drops the client-tier changes; returns how many. */
static guint
drop_client_changes (OmbudChangeset *cs)
{
  guint dropped = 0;

  for (guint i = cs->changes->len; i > 0; i--)
    if (is_client_change (g_ptr_array_index (cs->changes, i - 1)))
      {
        g_ptr_array_remove_index (cs->changes, i - 1);
        dropped++;
      }
  return dropped;
}

static gboolean
rewrite_changeset (OmbudCaseload  *caseload,
                   sqlite3_int64   seq,
                   GBytes         *body,
                   GError        **error)
{
  OmbudMerge *merge = ombud_caseload_get_merge (caseload);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(OmbudChangeset) cs = ombud_changeset_decode (body, &local_error);
  g_autoptr(GBytes) rewritten = NULL;
  sqlite3_stmt *stmt;

  /* This device wrote it: one it cannot read is damage, and leaving it
   * could leave the client's text behind. */
  if (cs == NULL)
    {
      g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_MALFORMED,
                   "an unsent changeset cannot be read: %s", local_error->message);
      return FALSE;
    }
  if (drop_client_changes (cs) == 0)
    return TRUE;
  if (cs->changes->len == 0)
    {
      stmt = ombud_merge_statement (merge, "DELETE FROM outbox WHERE seq = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, seq);
      return step_done (caseload, stmt, "could not rewrite the outbox", error);
    }
  /* Same id: a receiver that already has the original ignores it.  What
   * was sealed from the original goes too. */
  rewritten = ombud_changeset_encode (cs);
  stmt = ombud_merge_statement (merge, "UPDATE outbox SET body = ?2, sealed = NULL WHERE seq = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_blob (stmt, 2, g_bytes_get_data (rewritten, NULL), g_bytes_get_size (rewritten), SQLITE_STATIC);
  return step_done (caseload, stmt, "could not rewrite the outbox", error);
}

/* Unsent changesets of the case keep their office-tier changes only. */
static gboolean
purge_outbox (OmbudCaseload  *caseload,
              const char     *case_id,
              GError        **error)
{
  sqlite3_stmt *stmt = ombud_merge_statement (ombud_caseload_get_merge (caseload),
    "SELECT seq, body FROM outbox WHERE case_id = ?1 ORDER BY seq", error);
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (sqlite3_int64));
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, case_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      sqlite3_int64 seq = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (seqs, seq);
      g_ptr_array_add (bodies, g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1)));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, ombud_caseload_get_db (caseload), rc, "could not read the outbox");
      return FALSE;
    }
  for (guint i = 0; i < bodies->len; i++)
    if (!rewrite_changeset (caseload, g_array_index (seqs, sqlite3_int64, i),
                            g_ptr_array_index (bodies, i), error))
      return FALSE;
  return TRUE;
}

gboolean
ombud_closure_strip_turned_away (OmbudCaseload  *caseload,
                                 const char     *changeset_id,
                                 gboolean       *stripped,
                                 GError        **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(GBytes) body = NULL;
  sqlite3_int64 seq = 0;
  int rc;

  g_return_val_if_fail (OMBUD_IS_CASELOAD (caseload), FALSE);

  stmt = ombud_merge_statement (ombud_caseload_get_merge (caseload),
    "SELECT o.seq, o.body FROM outbox o JOIN client_case c ON c.id = o.case_id"
    " WHERE o.id = ?1 AND c.client_tier_destroyed = 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, changeset_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      seq = sqlite3_column_int64 (stmt, 0);
      body = g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, ombud_caseload_get_db (caseload), rc, "could not read the outbox");
      return FALSE;
    }
  *stripped = body != NULL;
  return body == NULL || rewrite_changeset (caseload, seq, body, error);
}

/* What a new version cannot reach on this replica.  Runs inside the
 * caller's transaction; writes no version. */
static gboolean
purge_case (OmbudCaseload  *caseload,
            const char     *case_id,
            GError        **error)
{
  guint n;
  const OmbudTable *tables = ombud_tables_get (&n);

  for (guint t = 0; t < n; t++)
    {
      if (!tables[t].per_case)
        continue;
      for (const OmbudField *f = tables[t].fields; f->name; f++)
        if (f->tier == OMBUD_TIER_CLIENT && !purge_field (caseload, &tables[t], f, case_id, error))
          return FALSE;
    }
  return purge_outbox (caseload, case_id, error);
}

static gboolean
checkpoint_truncate (OmbudCaseload  *caseload,
                     GError        **error)
{
  sqlite3 *db = ombud_caseload_get_db (caseload);
  sqlite3_stmt *stmt = ombud_merge_statement (ombud_caseload_get_merge (caseload),
                                              "PRAGMA wal_checkpoint(TRUNCATE)", error);
  int rc, busy = 1;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    busy = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, "checkpoint failed");
      return FALSE;
    }
  if (busy)
    {
      g_set_error_literal (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_FAILED,
                           "the write-ahead log is in use");
      return FALSE;
    }
  return TRUE;
}

/* secure_delete zeroes the cells and pages a transaction frees, but not
 * everything that held the text:
 * - FTS5 keeps a deleted row's terms in its index segments until they are
 *   merged;
 * - a B-tree page rebuilt by a rebalance keeps stale copies of cells that
 *   moved away in its unallocated middle, which secure_delete never visits
 *   (tests/closure: "nothing-left-many-cases" finds them in the outbox's
 *   pages without this); VACUUM writes every page afresh;
 * - the WAL keeps old page images until a checkpoint; TRUNCATE empties it.
 * VACUUM's temporary copy is in memory (temp_store=MEMORY, ombud-vfs.c).
 *
 * Fails when the database is busy (a statement still reading, say); what
 * was committed stays committed, and running it again is safe. */
static gboolean
scrub_after (OmbudCaseload  *caseload,
             GError        **error)
{
  sqlite3 *db = ombud_caseload_get_db (caseload);

  if (ombud_vfs_exec (db, "INSERT INTO search(search) VALUES('optimize')", error)
      && ombud_vfs_exec (db, "VACUUM", error)
      && checkpoint_truncate (caseload, error))
    return TRUE;
  g_prefix_error (error, "the client's information is destroyed, but old copies may remain in the store: ");
  return FALSE;
}

/* The status is read inside the transaction, so nothing can close or
 * reopen the case between the check and the write. */
static gboolean
destroy_one (OmbudCaseload  *caseload,
             const char     *case_id,
             GError        **error)
{
  g_autoptr(OmbudWriter) writer = ombud_caseload_begin (caseload, case_id, error);
  g_autofree char *status = NULL;

  if (writer == NULL || (status = ombud_caseload_case_status (caseload, case_id, error)) == NULL)
    return FALSE;
  if (strcmp (status, "closed") != 0)
    {
      g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_STATE,
                   "cannot destroy the client's information while the case is %s", status);
      return FALSE;
    }
  /* Purged before the commit writes the destruction's own changeset to the
   * outbox: that one holds only NULLs and must go out as it is. */
  return write_destruction (caseload, writer, case_id, error)
         && purge_case (caseload, case_id, error)
         && ombud_writer_commit (writer, error);
}

gboolean
ombud_closure_destroy_client_tier (OmbudCaseload  *caseload,
                                   const char     *case_id,
                                   GError        **error)
{
  g_return_val_if_fail (OMBUD_IS_CASELOAD (caseload), FALSE);

  if (case_id == NULL)
    {
      g_set_error_literal (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_NOT_FOUND, "no case");
      return FALSE;
    }
  return destroy_one (caseload, case_id, error) && scrub_after (caseload, error);
}

static GPtrArray *
case_ids (OmbudCaseload  *caseload,
          const char     *sql,
          const char     *arg1,
          const char     *arg2,
          GError        **error)
{
  sqlite3_stmt *stmt = ombud_merge_statement (ombud_caseload_get_merge (caseload), sql, error);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (stmt == NULL)
    return NULL;
  if (arg1)
    sqlite3_bind_text (stmt, 1, arg1, -1, SQLITE_TRANSIENT);
  if (arg2)
    sqlite3_bind_text (stmt, 2, arg2, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, ombud_caseload_get_db (caseload), rc, "could not read the cases");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

guint
ombud_closure_apply_retention (OmbudCaseload  *caseload,
                               int             retention_days,
                               GError        **error)
{
  g_autofree char *today = NULL, *offset = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GError) local_error = NULL;
  guint destroyed = 0;

  g_return_val_if_fail (OMBUD_IS_CASELOAD (caseload), 0);

  if (retention_days < 0)
    {
      g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_INVALID,
                   "a retention period cannot be negative (%d days)", retention_days);
      return 0;
    }
  today = ombud_caseload_today (caseload);
  offset = g_strdup_printf ("-%d days", retention_days);
  /* More than retention_days ago: closed strictly before today minus them. */
  due = case_ids (caseload,
                  "SELECT s.id FROM case_state s JOIN client_case c ON c.id = s.id"
                  " WHERE s.closed_on < date(?1, ?2) AND coalesce(c.client_tier_destroyed, 0) = 0"
                  " ORDER BY s.closed_on, s.id",
                  today, offset, error);
  if (due == NULL)
    return 0;
  for (guint i = 0; i < due->len && local_error == NULL; i++)
    if (destroy_one (caseload, g_ptr_array_index (due, i), &local_error))
      destroyed++;
  /* Whatever was destroyed before a failure is scrubbed all the same. */
  if (destroyed > 0 && local_error == NULL)
    scrub_after (caseload, &local_error);
  else if (destroyed > 0)
    scrub_after (caseload, NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return 0;
    }
  return destroyed;
}

/* A case destroyed elsewhere whose client tier is still here: in its
 * records (a concurrent edit that won), its versions or its conflicts. */
static char *
leftover_sql (void)
{
  g_autoptr(GString) sql = g_string_new ("SELECT c.id FROM client_case c WHERE c.client_tier_destroyed = 1 AND (0");
  guint n;
  const OmbudTable *tables = ombud_tables_get (&n);

  for (guint t = 0; t < n; t++)
    {
      gboolean is_case = strcmp (tables[t].name, "client_case") == 0;
      const char *scope = is_case ? "id" : "case_id";

      if (!tables[t].per_case)
        continue;
      for (const OmbudField *f = tables[t].fields; f->name; f++)
        {
          if (f->tier != OMBUD_TIER_CLIENT)
            continue;
          g_string_append_printf (sql,
                                  " OR EXISTS (SELECT 1 FROM %s r WHERE r.%s = c.id AND r.%s IS NOT NULL)"
                                  " OR EXISTS (SELECT 1 FROM version v WHERE v.tbl = '%s' AND v.field = '%s'"
                                  "   AND v.value IS NOT NULL AND v.rec IN (SELECT id FROM %s WHERE %s = c.id))"
                                  " OR EXISTS (SELECT 1 FROM conflict x WHERE x.tbl = '%s' AND x.field = '%s'"
                                  "   AND x.rec IN (SELECT id FROM %s WHERE %s = c.id))",
                                  tables[t].name, scope, f->name,
                                  tables[t].name, f->name, tables[t].name, scope,
                                  tables[t].name, f->name, tables[t].name, scope);
        }
    }
  g_string_append (sql, ") ORDER BY c.id");
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

gboolean
ombud_closure_follow_destroyed (OmbudCaseload  *caseload,
                                GError        **error)
{
  sqlite3 *db;
  g_autofree char *sql = leftover_sql ();
  g_autoptr(GPtrArray) cases = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (OMBUD_IS_CASELOAD (caseload), FALSE);

  db = ombud_caseload_get_db (caseload);
  cases = case_ids (caseload, sql, NULL, NULL, error);
  if (cases == NULL)
    return FALSE;
  if (cases->len == 0)
    return TRUE;
  if (!ombud_vfs_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (guint i = 0; ok && i < cases->len; i++)
    ok = purge_case (caseload, g_ptr_array_index (cases, i), error);
  if (!ok || !ombud_vfs_exec (db, "COMMIT", error))
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return scrub_after (caseload, error);
}

/* Before the period was the organisation's, each profile kept its own. */
#define RETENTION_KEY "retention-days"

/* Enrolled as an ombud's laptop: "sync.role" is the role enrolment gave
 * (1: coordinator).  A profile never enrolled answers to no one. */
static gboolean
is_ombud_laptop (OmbudStore *store)
{
  g_autofree char *role = ombud_store_get (store, "sync.role", NULL);

  return role != NULL && strcmp (role, "1") != 0;
}

gboolean
ombud_closure_set_retention_days (OmbudCaseload  *caseload,
                                  int             retention_days,
                                  GError        **error)
{
  if (retention_days < -1 || retention_days > 36500)
    {
      g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_INVALID,
                   "a retention period is 0 to 36500 days, not %d", retention_days);
      return FALSE;
    }
  if (is_ombud_laptop (ombud_caseload_get_store (caseload)))
    {
      g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_STATE,
                   "the retention period is the organisation's: a coordinator's laptop sets it");
      return FALSE;
    }
  return ombud_caseload_set_retention_days (caseload, retention_days, error);
}

/* The newest version's author must be one whose word counts: this laptop
 * unless it is an ombud's, or a device it trusts as a coordinator.  An
 * ombud's device cannot have every laptop destroy (or keep) client text. */
static gboolean
author_sets_retention (OmbudCaseload *caseload,
                       guint64        author)
{
  OmbudStore *store = ombud_caseload_get_store (caseload);
  g_autoptr(OmbudKnownDevice) known = NULL;

  if (author == ombud_caseload_get_device_id (caseload))
    return !is_ombud_laptop (store);
  known = ombud_known_device_lookup (store, author, NULL);
  return known != NULL && known->trusted && known->role == OMBUD_DEVICE_ROLE_COORDINATOR;
}

/* -1 when no period is set, or when the newest word on it is not one to
 * follow (keeping text is the side to err on). */
int
ombud_closure_get_retention_days (OmbudCaseload *caseload)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *text = NULL;
  gboolean found = FALSE, honoured = FALSE;
  gint64 days = -1;

  if (sqlite3_prepare_v2 (ombud_caseload_get_db (caseload),
                          "SELECT o.retention_days, v.device FROM organisation o"
                          " JOIN version v ON v.tbl = 'organisation' AND v.rec = o.id AND v.field = 'retention_days'"
                          " WHERE o.id = ?1 ORDER BY v.hlc DESC, v.device DESC LIMIT 1", -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, OMBUD_ORGANISATION_RECORD, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          found = TRUE;
          days = sqlite3_column_type (stmt, 0) == SQLITE_INTEGER ? sqlite3_column_int64 (stmt, 0) : -1;
          honoured = author_sets_retention (caseload, (guint64) sqlite3_column_int64 (stmt, 1));
        }
    }
  sqlite3_finalize (stmt);
  if (found)
    return honoured && days >= 0 && days <= 36500 ? (int) days : -1;
  text = ombud_store_get (ombud_caseload_get_store (caseload), RETENTION_KEY, NULL);
  if (text == NULL || !g_ascii_string_to_signed (text, 10, -1, 36500, &days, NULL))
    return -1;
  return (int) days;
}

gboolean
ombud_closure_apply_retention_setting (OmbudCaseload  *caseload,
                                       GError        **error)
{
  int days = ombud_closure_get_retention_days (caseload);
  GError *local_error = NULL;

  if (days < 0)
    return TRUE;
  ombud_closure_apply_retention (caseload, days, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}
