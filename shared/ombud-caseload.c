/* ombud-caseload.c: the caseload, and the one path every write takes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each public write here is one SQLite transaction and one changeset
 * (ombud-writer.c); input is checked before anything is written, so a bad
 * argument writes nothing.  Reads are in ombud-queries.c.
 */
#include "ombud-caseload-private.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ombud-changeset.h"
#include "ombud-closure.h"
#include "ombud-codes.h"
#include "ombud-error.h"
#include "ombud-fields.h"
#include "ombud-identity.h"
#include "ombud-keyring.h"
#include "ombud-migrations.h"
#include "ombud-vfs.h"

#define MAX_TEXT 100000

struct _OmbudCaseload {
  GObject     parent_instance;

  OmbudStore *store;
  sqlite3    *db;
  OmbudMerge *merge;
  OmbudHlc   *hlc;
  guint64     device;
  OmbudKeyring *keyring;
  gboolean    destroyed_pending;
};

G_DEFINE_FINAL_TYPE (OmbudCaseload, ombud_caseload, G_TYPE_OBJECT)
G_DEFINE_QUARK (ombud-caseload-error-quark, ombud_caseload_error)

enum {
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define invalid(error, ...) ombud_fail ((error), OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_INVALID, __VA_ARGS__)

/* ---- the object ------------------------------------------------------------ */

static void
ombud_caseload_finalize (GObject *object)
{
  OmbudCaseload *self = (OmbudCaseload *) object;

  g_clear_pointer (&self->merge, ombud_merge_free);
  g_clear_pointer (&self->hlc, ombud_hlc_free);
  g_clear_pointer (&self->keyring, ombud_keyring_free);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (ombud_caseload_parent_class)->finalize (object);
}

static void
ombud_caseload_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  OmbudCaseload *self = OMBUD_CASELOAD (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_caseload_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  OmbudCaseload *self = OMBUD_CASELOAD (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_caseload_class_init (OmbudCaseloadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ombud_caseload_finalize;
  object_class->get_property = ombud_caseload_get_property;
  object_class->set_property = ombud_caseload_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, OMBUD_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ombud_caseload_init (OmbudCaseload *self G_GNUC_UNUSED)
{
}

static gboolean
query_int64 (sqlite3       *db,
             const char    *sql,
             sqlite3_int64 *out)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    {
      *out = sqlite3_column_int64 (stmt, 0);
      found = TRUE;
    }
  sqlite3_finalize (stmt);
  return found;
}

/* This device's id is derived from its signing key (sync/PROTOCOL.md §1),
 * so every version it writes can be checked against its signature. */
static gboolean
load_device_id (OmbudCaseload  *self,
                GError        **error)
{
  g_autoptr(OmbudIdentity) identity = ombud_identity_load_or_create (self->store, error);

  if (identity == NULL)
    return FALSE;
  self->device = ombud_identity_get_device_id (identity);
  self->keyring = ombud_keyring_new (self->store, identity);
  return TRUE;
}

static gboolean
seed_codes (OmbudCaseload  *self,
            GError        **error)
{
  g_autoptr(OmbudChangeset) cs = ombud_changeset_new (ombud_migrations_latest (), 0, "");
  g_autoptr(GBytes) bytes = NULL;
  guint n;
  const OmbudCodeSeed *seeds = ombud_code_seeds (&n);
  sqlite3_int64 seeded = 0;

  /* The seeds' changeset id is fixed too: applied once, then known. */
  g_free (cs->id);
  cs->id = g_strdup ("00000000-0000-4000-8000-000000000002");
  if (query_int64 (self->db, "SELECT count(*) FROM applied WHERE id = '00000000-0000-4000-8000-000000000002'", &seeded)
      && seeded > 0)
    return TRUE;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = ombud_code_record_id (seeds[i].kind, seeds[i].code);
      const char *fields[] = { "kind", "code", "label_sv", "label_en" };
      const char *values[] = { seeds[i].kind, seeds[i].code, seeds[i].label_sv, seeds[i].label_en };

      for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
        ombud_changeset_add (cs, "code", id, fields[f], g_variant_new_string (values[f]), 0, NULL, 0);
      ombud_changeset_add (cs, "code", id, "sort_order", g_variant_new_int64 (i), 0, NULL, 0);
    }
  bytes = ombud_changeset_encode (cs);
  return ombud_caseload_apply_changeset (self, bytes, error);
}

OmbudCaseload *
ombud_caseload_new_with_clock (OmbudStore      *store,
                               OmbudWallClock   wall_clock,
                               gpointer         clock_data,
                               GError         **error)
{
  g_autoptr(OmbudCaseload) self = NULL;
  sqlite3_int64 last = 0;

  g_return_val_if_fail (OMBUD_IS_STORE (store), NULL);

  if (!ombud_store_get_unlocked (store))
    {
      g_set_error_literal (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_LOCKED, "the store is locked");
      return NULL;
    }
  self = g_object_new (OMBUD_TYPE_CASELOAD, "store", store, NULL);
  self->db = ombud_store_get_db (store);
  self->merge = ombud_merge_new (self->db);
  query_int64 (self->db, "SELECT last FROM clock WHERE id = 1", &last);
  self->hlc = ombud_hlc_new ((OmbudHlcTime) last, wall_clock, clock_data);
  /* Retention runs at every opening: a laptop's closed cases lose their
   * client tier on time even if nobody asks. */
  if (!load_device_id (self, error)
      || !seed_codes (self, error)
      || !ombud_caseload_retry_quarantine (self, NULL, error)
      || !ombud_closure_apply_retention_setting (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

OmbudCaseload *
ombud_caseload_new (OmbudStore  *store,
                    GError     **error)
{
  return ombud_caseload_new_with_clock (store, NULL, NULL, error);
}

OmbudStore *
ombud_caseload_get_store (OmbudCaseload *self)
{
  return self->store;
}

OmbudKeyring *
ombud_caseload_get_keyring (OmbudCaseload *self)
{
  return self->keyring;
}

guint64
ombud_caseload_get_device_id (OmbudCaseload *self)
{
  return self->device;
}

sqlite3 *
ombud_caseload_get_db (OmbudCaseload *self)
{
  return self->db;
}

OmbudMerge *
ombud_caseload_get_merge (OmbudCaseload *self)
{
  return self->merge;
}

/* Today on the caseload's clock, in local time: the ombud's day. */
char *
ombud_caseload_today (OmbudCaseload *self)
{
  gint64 ms = OMBUD_HLC_MILLIS (ombud_hlc_now (self->hlc));
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (ms / 1000);

  return g_date_time_format (now, "%Y-%m-%d");
}

OmbudWriter *
ombud_caseload_begin (OmbudCaseload  *self,
                      const char     *case_id,
                      GError        **error)
{
  return ombud_writer_begin (self->db, self->merge, self->hlc, self->device, case_id, error);
}

/* ---- checks on input ----------------------------------------------------------- */

gboolean
ombud_caseload_check_date (const char  *what,
                           const char  *date,
                           GError     **error)
{
  int y, m, d;
  char tail;

  if (date == NULL || strlen (date) != 10
      || sscanf (date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3
      || !g_date_valid_dmy (d, m, y) || y < 1900 || y > 2999)
    return invalid (error, "%s must be a date as YYYY-MM-DD, not “%s”", what, date ? date : "");
  return TRUE;
}

static gboolean
check_text (const char  *what,
            const char  *text,
            GError     **error)
{
  const char *p = text;

  while (p && *p && g_ascii_isspace (*p))
    p++;
  if (p == NULL || *p == '\0')
    return invalid (error, "%s is empty", what);
  if (!g_utf8_validate (text, -1, NULL) || strlen (text) > MAX_TEXT)
    return invalid (error, "%s is not valid text of at most %d bytes", what, MAX_TEXT);
  return TRUE;
}

static gboolean
lookup_one (OmbudCaseload *self,
            const char    *sql,
            const char    *arg1,
            const char    *arg2,
            char         **out)
{
  sqlite3_stmt *stmt = ombud_merge_statement (self->merge, sql, NULL);
  gboolean found = FALSE;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, arg1, -1, SQLITE_STATIC);
  if (arg2)
    sqlite3_bind_text (stmt, 2, arg2, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      if (out)
        *out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_reset (stmt);
  return found;
}

gboolean
ombud_caseload_check_code (OmbudCaseload  *self,
                           const char     *kind,
                           const char     *code,
                           GError        **error)
{
  if (code == NULL
      || !lookup_one (self, "SELECT id FROM code WHERE kind = ?1 AND code = ?2 AND deleted = 0"
                            " AND coalesce(retired, 0) = 0", kind, code, NULL))
    return invalid (error, "“%s” is not one of the %s codes (see ombud-cli codes %s)", code ? code : "", kind, kind);
  return TRUE;
}

static char *
municipality_id (OmbudCaseload  *self,
                 const char     *name,
                 GError        **error)
{
  char *id = NULL;

  if (name == NULL
      || !lookup_one (self, "SELECT id FROM municipality WHERE deleted = 0 AND (name = ?1 OR code = ?1)",
                      name, NULL, &id))
    invalid (error, "no municipality called “%s”", name ? name : "");
  return id;
}

/* The case's status, from its events. */
char *
ombud_caseload_case_status (OmbudCaseload  *self,
                            const char     *case_id,
                            GError        **error)
{
  char *status = NULL;

  if (case_id == NULL
      || !lookup_one (self,
                      "SELECT CASE WHEN closed_on IS NOT NULL THEN 'closed'"
                      " WHEN referred_on IS NOT NULL THEN 'referred'"
                      " WHEN started_on IS NOT NULL THEN 'active' ELSE 'queued' END"
                      " FROM case_state WHERE id = ?1", case_id, NULL, &status))
    g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_NOT_FOUND,
                 "no case %s", case_id ? case_id : "");
  return status;
}

static gboolean
check_case_status (OmbudCaseload  *self,
                   const char     *case_id,
                   const char     *doing,
                   const char    **allowed,
                   GError        **error)
{
  g_autofree char *status = ombud_caseload_case_status (self, case_id, error);

  if (status == NULL)
    return FALSE;
  if (!g_strv_contains (allowed, status))
    {
      g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_STATE,
                   "cannot %s a case that is %s", doing, status);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_case_open (OmbudCaseload  *self,
                 const char     *case_id,
                 GError        **error)
{
  static const char *open_states[] = { "queued", "active", NULL };

  return check_case_status (self, case_id, "add to", open_states, error);
}

/* ---- writing records --------------------------------------------------------------- */

typedef struct {
  const char *field;
  GVariant   *value;
} FieldValue;

#define TEXT(s)  ((s) ? g_variant_new_string (s) : NULL)
#define INT(i)   g_variant_new_int64 (i)

/* A new record, or new values for an existing one, in one transaction.
 * Takes the (floating) values, whatever happens. */
static gboolean
write_record (OmbudCaseload    *self,
              const char       *case_id,
              const char       *table,
              const char       *record,
              const FieldValue *fields,
              guint             n_fields,
              GError          **error)
{
  g_autoptr(OmbudWriter) writer = NULL;
  gboolean ok;

  for (guint i = 0; i < n_fields; i++)
    if (fields[i].value)
      g_variant_ref_sink (fields[i].value);
  writer = ombud_caseload_begin (self, case_id, error);
  ok = writer != NULL;
  for (guint i = 0; ok && i < n_fields; i++)
    ok = ombud_writer_set (writer, table, record, fields[i].field, fields[i].value, error);
  ok = ok && ombud_writer_commit (writer, error);
  for (guint i = 0; i < n_fields; i++)
    if (fields[i].value)
      g_variant_unref (fields[i].value);
  return ok;
}

static char *
new_record (OmbudCaseload    *self,
            const char       *case_id,
            const char       *table,
            const FieldValue *fields,
            guint             n_fields,
            GError          **error)
{
  g_autofree char *id = g_uuid_string_random ();

  if (!write_record (self, case_id, table, id, fields, n_fields, error))
    return NULL;
  return g_steal_pointer (&id);
}

static void
sink_all (const FieldValue *fields,
          guint             n_fields)
{
  for (guint i = 0; i < n_fields; i++)
    if (fields[i].value)
      g_variant_unref (g_variant_ref_sink (fields[i].value));
}
gboolean
ombud_caseload_set_client_access (OmbudCaseload  *self,
                                  gboolean        coordinators_read_client,
                                  GError        **error)
{
  FieldValue fields[] = { { "coordinators_read_client", INT (coordinators_read_client ? 1 : 0) } };

  return write_record (self, "", "organisation", OMBUD_ORGANISATION_RECORD, fields, 1, error);
}

gboolean
ombud_caseload_set_retention_days (OmbudCaseload  *self,
                                   int             days,
                                   GError        **error)
{
  FieldValue fields[] = { { "retention_days", INT (days) } };

  return write_record (self, "", "organisation", OMBUD_ORGANISATION_RECORD, fields, 1, error);
}

char *
ombud_caseload_add_municipality (OmbudCaseload  *self,
                                 const char     *code,
                                 const char     *name,
                                 int             population,
                                 GError        **error)
{
  g_autofree char *id = NULL;

  if (code == NULL || strlen (code) != 4 || strspn (code, "0123456789") != 4)
    {
      invalid (error, "a municipality code has four digits (kommunkod), not “%s”", code ? code : "");
      return NULL;
    }
  if (!check_text ("the municipality's name", name, error))
    return NULL;
  if (population < 0)
    {
      invalid (error, "the population cannot be negative");
      return NULL;
    }
  /* One record per municipality, whoever adds it first. */
  id = g_strdup_printf ("municipality:%s", code);
  {
    FieldValue fields[] = {
      { "code", TEXT (code) }, { "name", TEXT (name) }, { "population", INT (population) },
    };
    if (!write_record (self, "", "municipality", id, fields, G_N_ELEMENTS (fields), error))
      return NULL;
  }
  return g_steal_pointer (&id);
}

char *
ombud_caseload_add_ombud (OmbudCaseload  *self,
                          const char     *name,
                          const char     *role,
                          GError        **error)
{
  static const char *roles[] = { "ombud", "coordinator", NULL };

  if (!check_text ("the name", name, error))
    return NULL;
  if (role == NULL || !g_strv_contains (roles, role))
    {
      invalid (error, "a role is ombud or coordinator, not “%s”", role ? role : "");
      return NULL;
    }
  {
    FieldValue fields[] = { { "name", TEXT (name) }, { "role", TEXT (role) } };
    return new_record (self, "", "ombud", fields, G_N_ELEMENTS (fields), error);
  }
}

static gboolean
check_case_input (OmbudCaseload         *self,
                  const OmbudCaseInput  *in,
                  char                 **out_municipality,
                  GError               **error)
{
  static const char *genders[] = { "woman", "man", "other", "unknown", NULL };
  g_autofree char *today = ombud_caseload_today (self);
  int this_year = atoi (today);

  if (!check_text ("the client's name", in->client_name, error))
    return FALSE;
  if (in->gender == NULL || !g_strv_contains (genders, in->gender))
    return invalid (error, "gender is woman, man, other or unknown, not “%s”", in->gender ? in->gender : "");
  if (in->birth_year < 1900 || in->birth_year > this_year)
    return invalid (error, "the birth year must be between 1900 and %d", this_year);
  if (in->requested_on && !ombud_caseload_check_date ("the request date", in->requested_on, error))
    return FALSE;
  *out_municipality = municipality_id (self, in->municipality, error);
  return *out_municipality != NULL;
}

static gboolean
add_event (OmbudWriter  *writer,
           const char   *case_id,
           const char   *kind,
           const char   *on_date,
           const char   *reason,
           const char   *target,
           GError      **error)
{
  g_autofree char *id = g_uuid_string_random ();

  return ombud_writer_set (writer, "case_event", id, "case_id", TEXT (case_id), error)
         && ombud_writer_set (writer, "case_event", id, "kind", TEXT (kind), error)
         && ombud_writer_set (writer, "case_event", id, "on_date", TEXT (on_date), error)
         && (reason == NULL || ombud_writer_set (writer, "case_event", id, "reason", TEXT (reason), error))
         && (target == NULL || ombud_writer_set (writer, "case_event", id, "target", TEXT (target), error));
}

/* DESIGN.md §5: the device that creates a case makes its key, in the same
 * transaction, and the case is its ombud's from the start (once the device
 * knows whose it is: sync sets "sync.ombud_id" when it is confirmed). */
static gboolean
claim_case (OmbudCaseload  *self,
            OmbudWriter    *writer,
            const char     *case_id,
            GError        **error)
{
  g_autofree char *ombud_id = ombud_store_get (self->store, "sync.ombud_id", NULL);

  if (!ombud_keyring_create_case_key (self->keyring, case_id, error))
    return FALSE;
  return ombud_id == NULL
         || ombud_writer_set (writer, "client_case", case_id, "assigned_ombud", TEXT (ombud_id), error);
}

char *
ombud_caseload_add_case (OmbudCaseload         *self,
                         const OmbudCaseInput  *in,
                         GError               **error)
{
  g_autofree char *municipality = NULL;
  g_autofree char *today = ombud_caseload_today (self);
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(OmbudWriter) writer = NULL;
  const char *requested = in->requested_on ? in->requested_on : today;

  if (!check_case_input (self, in, &municipality, error))
    return NULL;
  if (g_strcmp0 (requested, today) > 0)
    {
      invalid (error, "the request date %s is in the future", requested);
      return NULL;
    }
  writer = ombud_caseload_begin (self, id, error);
  if (writer == NULL
      || !ombud_writer_set (writer, "client_case", id, "client_name", TEXT (in->client_name), error)
      || !ombud_writer_set (writer, "client_case", id, "municipality_id", TEXT (municipality), error)
      || !ombud_writer_set (writer, "client_case", id, "gender", TEXT (in->gender), error)
      || !ombud_writer_set (writer, "client_case", id, "birth_year", INT (in->birth_year), error)
      || !ombud_writer_set (writer, "client_case", id, "has_minor_children", INT (in->has_minor_children), error)
      || !add_event (writer, id, "requested", requested, NULL, NULL, error)
      || (!in->queued && !add_event (writer, id, "started", today, NULL, NULL, error))
      || !claim_case (self, writer, id, error)
      || !ombud_writer_commit (writer, error))
    return NULL;
  return g_steal_pointer (&id);
}

static gboolean
change_status (OmbudCaseload  *self,
               const char     *case_id,
               const char     *doing,
               const char    **allowed,
               const char     *kind,
               const char     *on_date,
               const char     *reason,
               const char     *target,
               GError        **error)
{
  g_autofree char *today = ombud_caseload_today (self);
  g_autoptr(OmbudWriter) writer = NULL;

  if (on_date && !ombud_caseload_check_date ("the date", on_date, error))
    return FALSE;
  if (!check_case_status (self, case_id, doing, allowed, error))
    return FALSE;
  writer = ombud_caseload_begin (self, case_id, error);
  return writer != NULL
         && add_event (writer, case_id, kind, on_date ? on_date : today, reason, target, error)
         && ombud_writer_commit (writer, error);
}

gboolean
ombud_caseload_start_case (OmbudCaseload  *self,
                           const char     *case_id,
                           const char     *on_date,
                           GError        **error)
{
  static const char *from[] = { "queued", NULL };

  return change_status (self, case_id, "start", from, "started", on_date, NULL, NULL, error);
}

gboolean
ombud_caseload_close_case (OmbudCaseload  *self,
                           const char     *case_id,
                           const char     *reason,
                           const char     *on_date,
                           GError        **error)
{
  static const char *from[] = { "active", NULL };

  return ombud_caseload_check_code (self, "closure_reason", reason, error)
         && change_status (self, case_id, "close", from, "closed", on_date, reason, NULL, error);
}

gboolean
ombud_caseload_refer_case (OmbudCaseload  *self,
                           const char     *case_id,
                           const char     *actor,
                           const char     *on_date,
                           GError        **error)
{
  static const char *from[] = { "queued", NULL };

  return ombud_caseload_check_code (self, "actor", actor, error)
         && change_status (self, case_id, "refer", from, "referred", on_date, NULL, actor, error);
}

gboolean
ombud_caseload_assign_case (OmbudCaseload  *self,
                            const char     *case_id,
                            const char     *ombud_id,
                            GError        **error)
{
  g_autofree char *status = ombud_caseload_case_status (self, case_id, error);

  if (status == NULL)
    return FALSE;
  if (ombud_id == NULL || !lookup_one (self, "SELECT id FROM ombud WHERE id = ?1 AND deleted = 0", ombud_id, NULL, NULL))
    return invalid (error, "no ombud %s", ombud_id ? ombud_id : "");
  {
    FieldValue fields[] = { { "assigned_ombud", TEXT (ombud_id) } };
    return write_record (self, case_id, "client_case", case_id, fields, 1, error);
  }
}

char *
ombud_caseload_add_note (OmbudCaseload  *self,
                         const char     *case_id,
                         const char     *text,
                         gboolean        approved,
                         GError        **error)
{
  g_autofree char *today = ombud_caseload_today (self);

  if (!check_text ("the note", text, error) || !check_case_open (self, case_id, error))
    return NULL;
  {
    /* approved goes first: a draft is a draft from its first field on */
    FieldValue fields[] = {
      { "approved", INT (approved) }, { "case_id", TEXT (case_id) }, { "body", TEXT (text) },
      { "written_on", TEXT (today) },
    };
    return new_record (self, case_id, "note", fields, G_N_ELEMENTS (fields), error);
  }
}

gboolean
ombud_caseload_approve_note (OmbudCaseload  *self,
                             const char     *note_id,
                             GError        **error)
{
  g_autofree char *case_id = NULL;

  if (note_id == NULL
      || !lookup_one (self, "SELECT case_id FROM note WHERE id = ?1 AND deleted = 0", note_id, NULL, &case_id))
    {
      g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_NOT_FOUND, "no note %s", note_id ? note_id : "");
      return FALSE;
    }
  {
    FieldValue fields[] = { { "approved", INT (1) } };
    return write_record (self, case_id, "note", note_id, fields, 1, error);
  }
}

static char *
actors_json (OmbudCaseload  *self,
             const char    **actors,
             GError        **error)
{
  GString *json = g_string_new ("[");

  for (guint i = 0; actors && actors[i]; i++)
    {
      if (!ombud_caseload_check_code (self, "actor", actors[i], error))
        {
          g_string_free (json, TRUE);
          return NULL;
        }
      /* codes are [a-z_]: nothing to escape */
      g_string_append_printf (json, "%s\"%s\"", i ? "," : "", actors[i]);
    }
  g_string_append_c (json, ']');
  return g_string_free (json, FALSE);
}

char *
ombud_caseload_add_contact (OmbudCaseload            *self,
                            const char               *case_id,
                            const OmbudContactInput  *in,
                            GError                  **error)
{
  g_autofree char *today = ombud_caseload_today (self);
  g_autofree char *actors = NULL;

  if ((in->on_date && !ombud_caseload_check_date ("the contact date", in->on_date, error))
      || !ombud_caseload_check_code (self, "contact_form", in->form, error))
    return NULL;
  if (in->minutes <= 0 || in->minutes > 24 * 60)
    {
      invalid (error, "minutes must be between 1 and %d", 24 * 60);
      return NULL;
    }
  if (in->km < 0 || in->km > 5000 || in->travel_minutes < 0 || in->travel_minutes > 24 * 60)
    {
      invalid (error, "travel must be 0–5000 km and 0–%d minutes", 24 * 60);
      return NULL;
    }
  actors = actors_json (self, in->actors, error);
  if (actors == NULL || !check_case_open (self, case_id, error))
    return NULL;
  {
    FieldValue fields[] = {
      { "case_id", TEXT (case_id) }, { "on_date", TEXT (in->on_date ? in->on_date : today) },
      { "minutes", INT (in->minutes) }, { "form", TEXT (in->form) }, { "actors", TEXT (actors) },
      { "km", INT (in->km) }, { "travel_minutes", INT (in->travel_minutes) },
    };
    return new_record (self, case_id, "contact", fields, G_N_ELEMENTS (fields), error);
  }
}

char *
ombud_caseload_add_goal (OmbudCaseload  *self,
                         const char     *case_id,
                         const char     *area,
                         const char     *text,
                         GError        **error)
{
  if (!ombud_caseload_check_code (self, "life_area", area, error)
      || !check_text ("the goal", text, error)
      || !check_case_open (self, case_id, error))
    return NULL;
  {
    FieldValue fields[] = {
      { "case_id", TEXT (case_id) }, { "area", TEXT (area) }, { "body", TEXT (text) },
      { "outcome", TEXT ("open") },
    };
    return new_record (self, case_id, "goal", fields, G_N_ELEMENTS (fields), error);
  }
}

char *
ombud_caseload_add_deadline (OmbudCaseload  *self,
                             const char     *case_id,
                             const char     *due_on,
                             const char     *text,
                             GError        **error)
{
  if (!ombud_caseload_check_date ("the deadline", due_on, error)
      || !check_text ("the deadline's text", text, error)
      || !check_case_open (self, case_id, error))
    return NULL;
  {
    FieldValue fields[] = {
      { "case_id", TEXT (case_id) }, { "due_on", TEXT (due_on) }, { "body", TEXT (text) },
      { "done", INT (0) },
    };
    return new_record (self, case_id, "deadline", fields, G_N_ELEMENTS (fields), error);
  }
}

char *
ombud_caseload_add_deficiency (OmbudCaseload  *self,
                               const char     *level,
                               const char     *actor,
                               const char     *text,
                               const char     *municipality,
                               GError        **error)
{
  static const char *levels[] = { "caseworker", "local", "central", NULL };
  g_autofree char *today = ombud_caseload_today (self);
  g_autofree char *municipality_ref = NULL;

  if (level == NULL || !g_strv_contains (levels, level))
    {
      invalid (error, "the level is caseworker, local or central, not “%s”", level ? level : "");
      return NULL;
    }
  if (!ombud_caseload_check_code (self, "actor", actor, error)
      || !check_text ("the description", text, error))
    return NULL;
  if (municipality && (municipality_ref = municipality_id (self, municipality, error)) == NULL)
    return NULL;
  {
    FieldValue fields[] = {
      { "level", TEXT (level) }, { "actor", TEXT (actor) }, { "description", TEXT (text) },
      { "municipality_id", TEXT (municipality_ref) }, { "status", TEXT ("draft") },
      { "reported_on", TEXT (today) }, { "clients_affected", INT (1) },
    };
    return new_record (self, "", "deficiency", fields, G_N_ELEMENTS (fields), error);
  }
}

/* The case a record belongs to: itself for a case, its case_id otherwise. */
static char *
case_of (OmbudCaseload    *self,
         const OmbudTable *table,
         const char       *record)
{
  g_autofree char *sql = NULL;
  char *case_id = NULL;

  if (!table->per_case)
    return g_strdup ("");
  if (strcmp (table->name, "client_case") == 0)
    return g_strdup (record);
  sql = g_strdup_printf ("SELECT case_id FROM %s WHERE id = ?1", table->name);
  lookup_one (self, sql, record, NULL, &case_id);
  return case_id ? case_id : g_strdup ("");
}

/* A record this replica can edit: not deleted, and for a case's records,
 * known whole enough to say which case, since every changeset names its
 * case.  One whose creation has not arrived yet waits. */
static gboolean
record_exists (OmbudCaseload    *self,
               const OmbudTable *table,
               const char       *record)
{
  gboolean needs_case = table->per_case && strcmp (table->name, "client_case") != 0;
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM %s WHERE id = ?1 AND deleted = 0%s",
                                          table->name, needs_case ? " AND case_id IS NOT NULL" : "");

  return record != NULL && lookup_one (self, sql, record, NULL, NULL);
}

gboolean
ombud_caseload_set_field (OmbudCaseload  *self,
                          const char     *table_name,
                          const char     *record,
                          const char     *field_name,
                          GVariant       *value,
                          GError        **error)
{
  const OmbudTable *table = table_name ? ombud_table_lookup (table_name) : NULL;
  const OmbudField *field = table && field_name ? ombud_table_lookup_field (table, field_name) : NULL;
  OmbudChange probe = { (char *) table_name, (char *) record, (char *) field_name, value, 0, NULL };
  g_autofree char *case_id = NULL;
  FieldValue fields[] = { { field_name, value } };

  if (field == NULL)
    {
      sink_all (fields, 1);
      return invalid (error, "no field %s.%s", table_name ? table_name : "", field_name ? field_name : "");
    }
  if (!record_exists (self, table, record))
    {
      sink_all (fields, 1);
      g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_NOT_FOUND, "no %s %s", table_name, record);
      return FALSE;
    }
  if (!ombud_merge_check (&probe, NULL)
      || (value && field->type == OMBUD_FIELD_DATE
          && !ombud_caseload_check_date (field_name, g_variant_get_string (value, NULL), NULL)))
    {
      sink_all (fields, 1);
      return invalid (error, "not a valid value for %s.%s", table_name, field_name);
    }
  case_id = case_of (self, table, record);
  return write_record (self, case_id, table_name, record, fields, 1, error);
}

gboolean
ombud_caseload_delete (OmbudCaseload  *self,
                       const char     *table,
                       const char     *record,
                       GError        **error)
{
  return ombud_caseload_set_field (self, table, record, "deleted", INT (1), error);
}

static GVariant *
variant_from_column (sqlite3_stmt *stmt,
                     int           column)
{
  switch (sqlite3_column_type (stmt, column))
    {
    case SQLITE_INTEGER: return INT (sqlite3_column_int64 (stmt, column));
    case SQLITE_TEXT: return TEXT ((const char *) sqlite3_column_text (stmt, column));
    default: return NULL;
    }
}

/* The value the field shows now. */
static GVariant *
current_value (OmbudCaseload *self,
               const char    *table,
               const char    *record,
               const char    *field)
{
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM %s WHERE id = ?1", field, table);
  sqlite3_stmt *stmt = ombud_merge_statement (self->merge, sql, NULL);
  GVariant *value = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, record, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = variant_from_column (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

gboolean
ombud_caseload_resolve_conflict (OmbudCaseload  *self,
                                 const char     *conflict_id,
                                 gboolean        keep_theirs,
                                 GError        **error)
{
  sqlite3_stmt *stmt = ombud_merge_statement (self->merge,
    "SELECT tbl, rec, field, case_id, value FROM conflict WHERE id = ?1", error);
  g_autofree char *table = NULL, *record = NULL, *field = NULL, *case_id = NULL;
  GVariant *theirs = NULL;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, conflict_id, -1, SQLITE_STATIC);
  if (conflict_id == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_NOT_FOUND,
                   "no conflict %s", conflict_id ? conflict_id : "");
      return FALSE;
    }
  table = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  record = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  field = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  case_id = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  if (keep_theirs)
    theirs = variant_from_column (stmt, 4);
  sqlite3_reset (stmt);

  /* Theirs is the value set aside; mine is what the field shows now.  Either
   * way a new version replaces every head, and the conflict is gone on every
   * replica that receives it. */
  {
    FieldValue fields[] = { { field, keep_theirs ? theirs : current_value (self, table, record, field) } };
    return write_record (self, case_id, table, record, fields, 1, error);
  }
}

/* ---- changesets from elsewhere -------------------------------------------------------- */

static gboolean
already_applied (OmbudCaseload *self,
                 const char    *id)
{
  return lookup_one (self, "SELECT id FROM applied WHERE id = ?1", id, NULL, NULL);
}

static gboolean
quarantine (OmbudCaseload   *self,
            OmbudChangeset  *cs,
            GBytes          *bytes,
            GError         **error)
{
  sqlite3_stmt *stmt = ombud_merge_statement (self->merge,
    "INSERT INTO quarantine (id, schema, body) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, cs->id, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, cs->schema);
  sqlite3_bind_blob (stmt, 3, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, self->db, rc, "could not keep a changeset aside");
      return FALSE;
    }
  return TRUE;
}

static gboolean
step_stmt (OmbudCaseload  *self,
           sqlite3_stmt   *stmt,
           GError        **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, self->db, rc, "could not apply a changeset");
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_changes (OmbudCaseload   *self,
               OmbudChangeset  *cs,
               GError         **error)
{
  sqlite3_stmt *stmt;

  for (guint i = 0; i < cs->changes->len; i++)
    {
      OmbudChange *c = g_ptr_array_index (cs->changes, i);
      g_autoptr(GError) local_error = NULL;

      /* Seeds carry time 0: nothing to learn, and observing would move the
       * saved clock to now on a mere read. */
      if (c->hlc != 0)
        ombud_hlc_observe (self->hlc, c->hlc);
      if (ombud_merge_apply (self->merge, cs->case_id, c, cs->device, NULL, &local_error))
        continue;
      if (local_error->domain == OMBUD_MERGE_ERROR)
        g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_MALFORMED,
                     "changeset %s: %s", cs->id, local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  stmt = ombud_merge_statement (self->merge, "INSERT INTO applied (id, case_id) VALUES (?1, NULLIF (?2, ''))",
                                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, cs->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, cs->case_id, -1, SQLITE_STATIC);
  if (!step_stmt (self, stmt, error))
    return FALSE;
  stmt = ombud_merge_statement (self->merge, "UPDATE clock SET last = ?1 WHERE id = 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) ombud_hlc_get_last (self->hlc));
  return step_stmt (self, stmt, error);
}

static gboolean
case_is_destroyed (OmbudCaseload *self,
                   const char    *case_id)
{
  return lookup_one (self, "SELECT id FROM client_case WHERE id = ?1 AND client_tier_destroyed = 1",
                     case_id, NULL, NULL);
}

gboolean
ombud_caseload_apply_changeset (OmbudCaseload  *self,
                                GBytes         *bytes,
                                GError        **error)
{
  g_autoptr(OmbudChangeset) cs = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean nested;

  cs = ombud_changeset_decode (bytes, &local_error);
  if (cs == NULL)
    {
      g_set_error_literal (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_MALFORMED, local_error->message);
      return FALSE;
    }
  if (already_applied (self, cs->id))
    return TRUE;
  /* From a newer Ombud: kept, not dropped, until this one is upgraded. */
  if (cs->schema > (guint) ombud_migrations_latest ())
    return quarantine (self, cs, bytes, error);

  /* Inside a caller's transaction (sync applies a whole response in one),
   * a savepoint; the purge that follows a destroyed case rewrites the
   * database, so it waits for ombud_caseload_settle. */
  nested = !sqlite3_get_autocommit (self->db);
  if (!ombud_vfs_exec (self->db, nested ? "SAVEPOINT apply" : "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!apply_changes (self, cs, error))
    {
      sqlite3_exec (self->db, nested ? "ROLLBACK TO apply; RELEASE apply" : "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (!ombud_vfs_exec (self->db, nested ? "RELEASE apply" : "COMMIT", error))
    return FALSE;
  /* A case whose client tier was destroyed elsewhere, or a late edit to one:
   * nothing of the client's may stay here. */
  if (*cs->case_id && case_is_destroyed (self, cs->case_id))
    {
      if (nested)
        {
          self->destroyed_pending = TRUE;
          return TRUE;
        }
      return ombud_closure_follow_destroyed (self, error);
    }
  return TRUE;
}

gboolean
ombud_caseload_settle (OmbudCaseload  *self,
                       GError        **error)
{
  if (!self->destroyed_pending)
    return TRUE;
  self->destroyed_pending = FALSE;
  return ombud_closure_follow_destroyed (self, error);
}

GPtrArray *
ombud_caseload_get_outbox (OmbudCaseload  *self,
                           GError        **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  sqlite3_stmt *stmt = ombud_merge_statement (self->merge,
    "SELECT body FROM outbox WHERE hold IS NULL ORDER BY seq", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, self->db, rc, "could not read the outbox");
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* After an upgrade, what was kept aside can be applied. */
gboolean
ombud_caseload_retry_quarantine (OmbudCaseload  *self,
                                 guint          *n_applied,
                                 GError        **error)
{
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = ombud_merge_statement (self->merge,
    "SELECT id, body FROM quarantine WHERE schema <= ?1", error);
  guint applied = 0;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, ombud_migrations_latest ());
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (bodies, g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1)));
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < bodies->len; i++)
    {
      if (!ombud_caseload_apply_changeset (self, g_ptr_array_index (bodies, i), error))
        return FALSE;
      stmt = ombud_merge_statement (self->merge, "DELETE FROM quarantine WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, g_ptr_array_index (ids, i), -1, SQLITE_STATIC);
      sqlite3_step (stmt);
      sqlite3_reset (stmt);
      applied++;
    }
  if (n_applied)
    *n_applied = applied;
  return TRUE;
}
