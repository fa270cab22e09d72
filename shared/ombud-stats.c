/* ombud-stats.c: the team's yearly statistics, counted from recorded events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DESIGN.md §3: figures are computed from recorded events, never typed in,
 * with one definition in code per figure.  Each figure below is one function
 * with its definition in the comment above it and one set-based query,
 * grouped by municipality (and by gender and age band where it counts
 * cases).  Every row a query returns is added to its municipality's row and
 * to the totals as it is read, and every municipality a row names gets a
 * row, so the municipality table always sums to the totals (the Jämtland
 * 2012 report's table did not).
 *
 * Each call first reads the cases and the year's contacts once into
 * in-memory temp tables (temp_store=MEMORY: they never reach a file), and
 * every figure is counted from that one snapshot: one year of 10,000 cases
 * stays well under the 200 ms the app allows it.  All of it happens inside
 * a savepoint that is rolled back at the end, so the figures come from one
 * consistent read and nothing is left behind.
 *
 * Parameters of every query: ?1 the year, ?2 its 1 January (J), ?3 its 31
 * December (D), ?4 the next 1 January.  Dates are TEXT 'YYYY-MM-DD', so
 * comparing them as text compares them as dates.
 */
#include "ombud-stats.h"

#include <string.h>

#include "ombud-caseload-private.h"
#include "ombud-vfs.h"

#define JAN1      "?2"
#define DEC31     "?3"
#define NEXT_JAN1 "?4"

/* ---- the snapshot ------------------------------------------------------------ */

/* mid is the case's municipality record id ('' if it has none yet); a case
 * whose municipality is missing or deleted still counts, under that id. */
#define CREATE_SNAPSHOT \
  "CREATE TEMP TABLE IF NOT EXISTS ombud_stats_case (id TEXT PRIMARY KEY, mid TEXT, mname TEXT," \
  "  mcode TEXT, gender TEXT, born INTEGER, requested_on TEXT, started_on TEXT, closed_on TEXT," \
  "  referred_on TEXT);" \
  "CREATE TEMP TABLE IF NOT EXISTS ombud_stats_contact (case_id TEXT, on_date TEXT, mid TEXT," \
  "  mname TEXT, mcode TEXT, form TEXT, minutes INTEGER, actors TEXT, km INTEGER," \
  "  travel_minutes INTEGER);" \
  "CREATE TEMP TABLE IF NOT EXISTS ombud_stats_contact_kind (mid TEXT, mname TEXT, mcode TEXT," \
  "  form TEXT, actors TEXT, contacts INTEGER, minutes INTEGER, km INTEGER, travel_minutes INTEGER);"

/* Every case not deleted, with its municipality, gender and birth year ... */
#define SNAPSHOT_CASES \
  "INSERT INTO temp.ombud_stats_case (id, mid, mname, mcode, gender, born)" \
  " SELECT c.id, coalesce(c.municipality_id, ''), coalesce(m.name, c.municipality_id, ''), m.code," \
  " coalesce(c.gender, 'unknown'), c.birth_year" \
  " FROM client_case c LEFT JOIN municipality m ON m.id = c.municipality_id" \
  " WHERE c.deleted = 0"

/* ... and its dates as the case_state view defines them (the first
 * request, start and referral, the last closure; deleted events aside),
 * read in one pass over case_event: the view's subqueries, an index search
 * per date per case, cost more than all the figures together on a large
 * caseload.  tests/stats checks that the two agree, with undone and
 * concurrent events. */
#define SNAPSHOT_CASE_DATES \
  "UPDATE temp.ombud_stats_case AS k SET requested_on = e.requested_on," \
  " started_on = e.started_on, closed_on = e.closed_on, referred_on = e.referred_on" \
  " FROM (SELECT case_id," \
  "   min(CASE WHEN kind = 'requested' THEN on_date END) AS requested_on," \
  "   min(CASE WHEN kind = 'started' THEN on_date END) AS started_on," \
  "   max(CASE WHEN kind = 'closed' THEN on_date END) AS closed_on," \
  "   min(CASE WHEN kind = 'referred' THEN on_date END) AS referred_on" \
  "   FROM case_event WHERE deleted = 0 GROUP BY case_id) AS e" \
  " WHERE k.id = e.case_id"

/* The year's contacts of cases not deleted, under the case's municipality.
 * CROSS JOIN keeps the cases outside, so each case's contacts of the year
 * are found through contact_case (case_id, on_date) rather than by reading
 * every contact ever recorded. */
#define SNAPSHOT_CONTACTS \
  "INSERT INTO temp.ombud_stats_contact SELECT t.case_id, t.on_date, k.mid, k.mname, k.mcode," \
  " coalesce(t.form, 'unknown'), coalesce(t.minutes, 0), t.actors," \
  " coalesce(t.km, 0), coalesce(t.travel_minutes, 0)" \
  " FROM temp.ombud_stats_case k CROSS JOIN contact t ON t.case_id = k.id" \
  " WHERE t.deleted = 0 AND t.on_date BETWEEN " JAN1 " AND " DEC31

/* The same contacts summed per municipality, form and list of actors: the
 * contact figures read these few rows rather than sorting every contact
 * once per figure. */
#define SNAPSHOT_CONTACT_KINDS \
  "INSERT INTO temp.ombud_stats_contact_kind SELECT mid, mname, mcode, form, actors, count(*)," \
  " sum(minutes), sum(km), sum(travel_minutes) FROM temp.ombud_stats_contact GROUP BY mid, form, actors"

/* ---- pieces of the definitions ---------------------------------------------------- */

/* Referred cases never became clients and are in no client figure. */
#define CLIENT "referred_on IS NULL"

/* Active on a date X: started on or before X and not closed by X; a case
 * closed on X is not active on X. */
/* Active at the end of day x: started on or before it, not closed on or
 * before it.  Active at the start of day x: started before it, not closed
 * before it.  1 January is counted at its start and 31 December at its end,
 * so that a year balances: active_jan1 + new - closed = active_dec31, and
 * unique_clients = active_jan1 + new. */
#define ACTIVE_ON(x) "(started_on <= " x " AND (closed_on IS NULL OR closed_on > " x "))"
#define ACTIVE_AT_START_OF(x) "(started_on < " x " AND (closed_on IS NULL OR closed_on >= " x "))"

#define WITHIN_YEAR(column) "(" column " BETWEEN " JAN1 " AND " DEC31 ")"

/* Only a birth year is known.  Figures at a point in time use the age on
 * that day (on 1 January everyone is still a year younger than they turn
 * that year); figures over the year use the age reached during it. */
#define AGE_ON_JAN1  "(?1 - 1 - born)"
#define AGE_ON_DEC31 "(?1 - born)"
#define AGE_IN_YEAR  "(?1 - born)"

#define BAND(age) \
  "CASE WHEN born IS NULL THEN 'unknown'" \
  " WHEN " age " <= 17 THEN '0-17' WHEN " age " <= 24 THEN '18-24'" \
  " WHEN " age " <= 34 THEN '25-34' WHEN " age " <= 44 THEN '35-44'" \
  " WHEN " age " <= 54 THEN '45-54' WHEN " age " <= 64 THEN '55-64' ELSE '65+' END"

/* A count of cases per municipality, gender and age band.  Columns: mid,
 * mname, mcode, gender, band, figure, value. */
#define COUNT_CASES(figure, age, where) \
  "SELECT mid, mname, mcode, gender, " BAND (age) " AS band, " figure " AS figure, count(*)" \
  " FROM temp.ombud_stats_case AS k WHERE " where \
  " GROUP BY mid, gender, band, figure ORDER BY mname, mid, gender, band, figure"

/* ---- tallies ------------------------------------------------------------------------- */

typedef enum {
  ACTIVE_JAN1,
  NEW,
  CLOSED,
  ACTIVE_DEC31,
  UNIQUE_CLIENTS,
  REFERRED,
  QUEUED_DEC31,
  N_COUNTS
} Count;

static const char *const count_names[N_COUNTS] = {
  "active_jan1", "new", "closed", "active_dec31", "unique_clients", "referred", "queued_dec31",
};

/* One municipality's figures, or the totals. */
typedef struct {
  char     *id;
  char     *name;
  char     *code;
  gint64    counts[N_COUNTS];
  gboolean  has_wait;
  double    median_wait_days;
  gint64    contacts;
  gint64    contact_minutes;
  gint64    km;
  gint64    travel_minutes;
  gint64    population;
  gint64    client_days;
  double    client_months;
  gint64    ombud_minutes;
  double    share_population;
  double    share_client_months;
  double    share_ombud_time;
} Tally;

static void
tally_free (Tally *t)
{
  g_free (t->id);
  g_free (t->name);
  g_free (t->code);
  g_free (t);
}

typedef struct {
  OmbudCaseload   *caseload;
  int              year;
  char            *jan1;
  char            *dec31;
  char            *next_jan1;
  GHashTable      *areas;     /* municipality id → Tally */
  Tally            total;
  GVariantBuilder  groups;
  GVariantBuilder  by_form;
  GVariantBuilder  by_actor;
  GVariantBuilder  deficiencies;
} Stats;

static void
stats_clear (Stats *s)
{
  g_clear_pointer (&s->jan1, g_free);
  g_clear_pointer (&s->dec31, g_free);
  g_clear_pointer (&s->next_jan1, g_free);
  g_clear_pointer (&s->areas, g_hash_table_unref);
  g_variant_builder_clear (&s->groups);
  g_variant_builder_clear (&s->by_form);
  g_variant_builder_clear (&s->by_actor);
  g_variant_builder_clear (&s->deficiencies);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Stats, stats_clear)

static void
stats_init (Stats         *s,
            OmbudCaseload *caseload,
            int            year)
{
  memset (s, 0, sizeof *s);
  s->caseload = caseload;
  s->year = year;
  s->jan1 = g_strdup_printf ("%04d-01-01", year);
  s->dec31 = g_strdup_printf ("%04d-12-31", year);
  s->next_jan1 = g_strdup_printf ("%04d-01-01", year + 1);
  s->areas = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) tally_free);
  g_variant_builder_init (&s->groups, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_init (&s->by_form, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_init (&s->by_actor, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_init (&s->deficiencies, G_VARIANT_TYPE ("aa{sv}"));
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

/* The tally of the municipality in columns 0–2 (id, name, code). */
static Tally *
tally_of_row (Stats        *s,
              sqlite3_stmt *stmt)
{
  const char *id = column_text (stmt, 0);
  Tally *t = g_hash_table_lookup (s->areas, id ? id : "");

  if (t == NULL)
    {
      t = g_new0 (Tally, 1);
      t->id = g_strdup (id ? id : "");
      t->name = g_strdup (column_text (stmt, 1) ? column_text (stmt, 1) : t->id);
      t->code = g_strdup (column_text (stmt, 2));
      g_hash_table_insert (s->areas, t->id, t);
    }
  return t;
}

/* ---- running queries ------------------------------------------------------------------ */

typedef void (*RowFunc) (Stats        *s,
                         sqlite3_stmt *stmt);

static void
bind_year (Stats        *s,
           sqlite3_stmt *stmt)
{
  int n = sqlite3_bind_parameter_count (stmt);

  if (n >= 1)
    sqlite3_bind_int (stmt, 1, s->year);
  if (n >= 2)
    sqlite3_bind_text (stmt, 2, s->jan1, -1, SQLITE_STATIC);
  if (n >= 3)
    sqlite3_bind_text (stmt, 3, s->dec31, -1, SQLITE_STATIC);
  if (n >= 4)
    sqlite3_bind_text (stmt, 4, s->next_jan1, -1, SQLITE_STATIC);
}

/* Runs one statement with the year's parameters, handing each row to ROW. */
static gboolean
run (Stats       *s,
     const char  *sql,
     RowFunc      row,
     GError     **error)
{
  sqlite3_stmt *stmt = ombud_merge_statement (ombud_caseload_get_merge (s->caseload), sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  bind_year (s, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    if (row != NULL)
      row (s, stmt);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, ombud_caseload_get_db (s->caseload), rc,
                                  "could not count the statistics");
      return FALSE;
    }
  return TRUE;
}

static void
add_int (GVariantBuilder *row,
         const char      *key,
         gint64           value)
{
  g_variant_builder_add (row, "{sv}", key, g_variant_new_int64 (value));
}

static void
add_double (GVariantBuilder *row,
            const char      *key,
            double           value)
{
  g_variant_builder_add (row, "{sv}", key, g_variant_new_double (value));
}

/* Text from other replicas was never checked here: invalid UTF-8 is
 * repaired rather than handed to g_variant_new_string(). */
static void
add_text (GVariantBuilder *row,
          const char      *key,
          const char      *value)
{
  GVariant *v;

  if (value == NULL)
    v = g_variant_new_maybe (G_VARIANT_TYPE_STRING, NULL);
  else if (g_utf8_validate (value, -1, NULL))
    v = g_variant_new_string (value);
  else
    v = g_variant_new_take_string (g_utf8_make_valid (value, -1));
  g_variant_builder_add (row, "{sv}", key, v);
}

static int
count_index (const char *figure)
{
  for (int i = 0; i < N_COUNTS; i++)
    if (g_strcmp0 (count_names[i], figure) == 0)
      return i;
  return -1;  /* "closed:<reason>": in the groups only */
}

/* A row of COUNT_CASES: one line of the groups, added to its municipality
 * and to the totals. */
static void
case_row (Stats        *s,
          sqlite3_stmt *stmt)
{
  Tally *t = tally_of_row (s, stmt);
  const char *figure = column_text (stmt, 5);
  gint64 value = sqlite3_column_int64 (stmt, 6);
  int i = count_index (figure);
  GVariantBuilder row;

  g_variant_builder_init (&row, G_VARIANT_TYPE_VARDICT);
  add_text (&row, "municipality", t->name);
  add_text (&row, "gender", column_text (stmt, 3));
  add_text (&row, "age_band", column_text (stmt, 4));
  add_text (&row, "figure", figure);
  add_int (&row, "value", value);
  g_variant_builder_add_value (&s->groups, g_variant_builder_end (&row));
  if (i >= 0)
    {
      t->counts[i] += value;
      s->total.counts[i] += value;
    }
}

static gboolean
count_cases (Stats       *s,
             const char  *sql,
             GError     **error)
{
  return run (s, sql, case_row, error);
}

/* ---- the figures over cases --------------------------------------------------------------- */

/* active_jan1: clients active as 1 January began (started before it, not
 * closed before it), by their age on 1 January. */
static gboolean
figure_active_jan1 (Stats   *s,
                    GError **error)
{
  return count_cases (s, COUNT_CASES ("'active_jan1'", AGE_ON_JAN1, CLIENT " AND " ACTIVE_AT_START_OF (JAN1)),
                      error);
}

/* new: clients whose case started during the year, by age reached in it. */
static gboolean
figure_new (Stats   *s,
            GError **error)
{
  return count_cases (s, COUNT_CASES ("'new'", AGE_IN_YEAR, CLIENT " AND " WITHIN_YEAR ("started_on")),
                      error);
}

/* closed: clients whose case closed during the year, by age reached in it;
 * in all ("closed") and per closure reason ("closed:<reason code>", the
 * reason as case_state gives it: that of the last closure). */
static gboolean
figure_closed (Stats   *s,
               GError **error)
{
  return count_cases (s, COUNT_CASES ("'closed'", AGE_IN_YEAR, CLIENT " AND " WITHIN_YEAR ("closed_on")),
                      error)
         && count_cases (s, COUNT_CASES ("'closed:' || coalesce((SELECT s.closure_reason FROM case_state s"
                                         " WHERE s.id = k.id), 'unknown')", AGE_IN_YEAR,
                                         CLIENT " AND " WITHIN_YEAR ("closed_on")),
                         error);
}

/* active_dec31: clients active on 31 December (a case closed that day is
 * not), by their age on 31 December. */
static gboolean
figure_active_dec31 (Stats   *s,
                     GError **error)
{
  return count_cases (s, COUNT_CASES ("'active_dec31'", AGE_ON_DEC31, CLIENT " AND " ACTIVE_ON (DEC31)),
                      error);
}

/* unique_clients: clients active on at least one day of the year, each case
 * once: started on or before 31 December and not closed before 1 January.
 * A case opened and closed within the year counts once. */
static gboolean
figure_unique_clients (Stats   *s,
                       GError **error)
{
  return count_cases (s, COUNT_CASES ("'unique_clients'", AGE_IN_YEAR,
                                      CLIENT " AND started_on <= " DEC31
                                      " AND (closed_on IS NULL OR closed_on >= " JAN1 ")"),
                      error);
}

/* referred: cases referred elsewhere during the year, by age reached in it.
 * They never became clients. */
static gboolean
figure_referred (Stats   *s,
                 GError **error)
{
  return count_cases (s, COUNT_CASES ("'referred'", AGE_IN_YEAR, WITHIN_YEAR ("referred_on")), error);
}

/* queued_dec31: cases waiting on 31 December: requested on or before it,
 * and not started, referred or closed by then; by age on 31 December. */
static gboolean
figure_queued_dec31 (Stats   *s,
                     GError **error)
{
  return count_cases (s, COUNT_CASES ("'queued_dec31'", AGE_ON_DEC31,
                                      "requested_on <= " DEC31
                                      " AND (started_on IS NULL OR started_on > " DEC31 ")"
                                      " AND (referred_on IS NULL OR referred_on > " DEC31 ")"
                                      " AND (closed_on IS NULL OR closed_on > " DEC31 ")"),
                      error);
}

static void
wait_row (Stats        *s,
          sqlite3_stmt *stmt)
{
  Tally *t = sqlite3_column_type (stmt, 0) == SQLITE_NULL ? &s->total : tally_of_row (s, stmt);

  t->has_wait = TRUE;
  t->median_wait_days = sqlite3_column_double (stmt, 3);
}

/* median_wait_days: over client cases whose first contact ever (deleted
 * contacts aside) falls within the year, the median of the days from
 * request to that contact; with an even number of cases, the mean of the
 * middle two; none, no median.  A first contact within the year is the
 * case's first of the year with none before it.  Per municipality, and
 * over all cases for the totals (the NULL partition), in one query. */
static gboolean
figure_median_wait (Stats   *s,
                    GError **error)
{
  return run (s,
              "WITH f AS (SELECT case_id, min(on_date) AS first FROM temp.ombud_stats_contact"
              "   GROUP BY case_id),"
              " w AS MATERIALIZED (SELECT k.mid, k.mname, k.mcode,"
              "   julianday(f.first) - julianday(k.requested_on) AS days"
              "   FROM f JOIN temp.ombud_stats_case k ON k.id = f.case_id"
              "   WHERE k." CLIENT " AND k.requested_on IS NOT NULL"
              "   AND NOT EXISTS (SELECT 1 FROM contact p WHERE p.case_id = f.case_id"
              "     AND p.on_date < " JAN1 " AND p.deleted = 0)),"
              " a AS (SELECT mid, mname, mcode, days FROM w"
              "   UNION ALL SELECT NULL, NULL, NULL, days FROM w),"
              " r AS (SELECT mid, mname, mcode, days,"
              "   row_number() OVER (PARTITION BY mid ORDER BY days) AS i,"
              "   count(*) OVER (PARTITION BY mid) AS n FROM a)"
              " SELECT mid, mname, mcode, avg(days) FROM r"
              " WHERE i IN ((n + 1) / 2, (n + 2) / 2) GROUP BY mid",
              wait_row, error);
}

static void
client_days_row (Stats        *s,
                 sqlite3_stmt *stmt)
{
  Tally *t = tally_of_row (s, stmt);
  gint64 days = sqlite3_column_int64 (stmt, 3);

  t->client_days += days;
  s->total.client_days += days;
}

/* client_months: over client cases, the days each was active within the
 * year (active on a day as defined above: from the later of its start and
 * 1 January up to, not including, the earlier of its closure and the next
 * 1 January), times 12, divided by the days in the year.  A case active all
 * year is 12.0.  Counted here in whole days; made months in finish(). */
static gboolean
figure_client_months (Stats   *s,
                      GError **error)
{
  return run (s,
              "SELECT mid, mname, mcode, sum(max(0, CAST(julianday(min(coalesce(closed_on, " NEXT_JAN1 "),"
              "   " NEXT_JAN1 ")) - julianday(max(started_on, " JAN1 ")) AS INTEGER)))"
              " FROM temp.ombud_stats_case"
              " WHERE " CLIENT " AND started_on IS NOT NULL AND started_on <= " DEC31
              " GROUP BY mid ORDER BY mname, mid",
              client_days_row, error);
}

/* ---- the figures over contacts and deficiencies -------------------------------------------------------- */

static void
form_row (Stats        *s,
          sqlite3_stmt *stmt)
{
  Tally *t = tally_of_row (s, stmt);
  gint64 contacts = sqlite3_column_int64 (stmt, 4);
  gint64 minutes = sqlite3_column_int64 (stmt, 5);
  GVariantBuilder row;

  g_variant_builder_init (&row, G_VARIANT_TYPE_VARDICT);
  add_text (&row, "municipality", t->name);
  add_text (&row, "form", column_text (stmt, 3));
  add_int (&row, "contacts", contacts);
  add_int (&row, "minutes", minutes);
  g_variant_builder_add_value (&s->by_form, g_variant_builder_end (&row));

  t->contacts += contacts;
  t->contact_minutes += minutes;
  s->total.contacts += contacts;
  s->total.contact_minutes += minutes;
}

/* contacts_by_form: contacts dated within the year (of cases not deleted,
 * referred ones included: it is the ombud's work), per municipality of the
 * case and contact form: how many and their minutes.  Every contact has one
 * form, so these rows also give each municipality's contacts and
 * contact_minutes. */
static gboolean
figure_contacts_by_form (Stats   *s,
                         GError **error)
{
  return run (s,
              "SELECT mid, mname, mcode, form, sum(contacts), sum(minutes) FROM temp.ombud_stats_contact_kind"
              " GROUP BY mid, form ORDER BY mname, mid, form",
              form_row, error);
}

static void
actor_row (Stats        *s,
           sqlite3_stmt *stmt)
{
  Tally *t = tally_of_row (s, stmt);
  GVariantBuilder row;

  g_variant_builder_init (&row, G_VARIANT_TYPE_VARDICT);
  add_text (&row, "municipality", t->name);
  add_text (&row, "actor", column_text (stmt, 3));
  add_int (&row, "contacts", sqlite3_column_int64 (stmt, 4));
  add_int (&row, "minutes", sqlite3_column_int64 (stmt, 5));
  g_variant_builder_add_value (&s->by_actor, g_variant_builder_end (&row));
}

/* contacts_by_actor: the same contacts, per municipality and actor: how
 * many name the actor, and their minutes.  A contact naming several actors
 * counts once for each (so these rows do not sum to the contacts), and one
 * that names an actor twice counts once for it.  An actors value that is
 * not a JSON array (a bug elsewhere) names no one: it must not make
 * json_each fail the whole report. */
static gboolean
figure_contacts_by_actor (Stats   *s,
                          GError **error)
{
  return run (s,
              "SELECT x.mid, x.mname, x.mcode, j.value, sum(x.contacts), sum(x.minutes)"
              " FROM temp.ombud_stats_contact_kind x, json_each(CASE WHEN NOT json_valid(x.actors) THEN '[]'"
              "   WHEN json_type(x.actors) = 'array' THEN x.actors ELSE '[]' END) j"
              " WHERE j.type = 'text' AND (j.key = 0 OR NOT EXISTS (SELECT 1 FROM json_each(j.json) d"
              "   WHERE d.key < j.key AND d.value = j.value))"
              " GROUP BY x.mid, j.value ORDER BY x.mname, x.mid, j.value",
              actor_row, error);
}

static void
travel_row (Stats        *s,
            sqlite3_stmt *stmt)
{
  Tally *t = tally_of_row (s, stmt);
  gint64 km = sqlite3_column_int64 (stmt, 3);
  gint64 minutes = sqlite3_column_int64 (stmt, 4);

  t->km += km;
  t->travel_minutes += minutes;
  s->total.km += km;
  s->total.travel_minutes += minutes;
}

/* km, travel_minutes: the travel recorded on the year's contacts, per
 * municipality of the case. */
static gboolean
figure_travel (Stats   *s,
               GError **error)
{
  return run (s,
              "SELECT mid, mname, mcode, sum(km), sum(travel_minutes) FROM temp.ombud_stats_contact_kind"
              " GROUP BY mid ORDER BY mname, mid",
              travel_row, error);
}

static void
deficiency_row (Stats        *s,
                sqlite3_stmt *stmt)
{
  GVariantBuilder row;

  g_variant_builder_init (&row, G_VARIANT_TYPE_VARDICT);
  add_text (&row, "level", column_text (stmt, 0));
  add_text (&row, "actor", column_text (stmt, 1));
  add_int (&row, "count", sqlite3_column_int64 (stmt, 2));
  add_int (&row, "clients_affected", sqlite3_column_int64 (stmt, 3));
  g_variant_builder_add_value (&s->deficiencies, g_variant_builder_end (&row));
}

/* deficiencies: system deficiencies (not deleted, whatever their status)
 * reported within the year, per level and actor: how many, and the sum of
 * the clients each affects.  They belong to the team, not to a case, and
 * are not split by municipality. */
static gboolean
figure_deficiencies (Stats   *s,
                     GError **error)
{
  return run (s,
              "SELECT coalesce(level, 'unknown') AS l, coalesce(actor, 'unknown') AS a, count(*),"
              " coalesce(sum(clients_affected), 0)"
              " FROM deficiency WHERE deleted = 0 AND " WITHIN_YEAR ("reported_on")
              " GROUP BY l, a"
              " ORDER BY CASE l WHEN 'caseworker' THEN 0 WHEN 'local' THEN 1 WHEN 'central' THEN 2 ELSE 3 END,"
              " l, a",
              deficiency_row, error);
}

static void
municipality_row (Stats        *s,
                  sqlite3_stmt *stmt)
{
  Tally *t = tally_of_row (s, stmt);

  t->population = sqlite3_column_int64 (stmt, 3);
  s->total.population += t->population;
}

/* population: every municipality not deleted has a row, with or without
 * cases, and pays its population share of the cost: the service is there
 * for all its inhabitants. */
static gboolean
figure_population (Stats   *s,
                   GError **error)
{
  return run (s,
              "SELECT id, coalesce(name, id), code, coalesce(population, 0) FROM municipality"
              " WHERE deleted = 0",
              municipality_row, error);
}

/* ---- the cost split and the result ------------------------------------------------------------------------ */

static double
share (double part,
       double whole)
{
  return whole > 0 ? part / whole : 0.0;
}

static int
compare_tallies (gconstpointer a,
                 gconstpointer b)
{
  const Tally *x = *(const Tally **) a;
  const Tally *y = *(const Tally **) b;
  int by_name = strcmp (x->name, y->name);

  /* byte order, not the locale's: the same on every machine */
  return by_name != 0 ? by_name : strcmp (x->id, y->id);
}

/* The derived figures: client-months, ombud time (contact and travel
 * minutes) and each municipality's share of the three cost bases, a
 * fraction of the total over all municipalities (0 when that is 0).  The
 * totals' months and shares are the sums of the rows'. */
static GPtrArray *
finish (Stats *s)
{
  GPtrArray *rows = g_ptr_array_new ();
  double days_in_year = g_date_is_leap_year (s->year) ? 366.0 : 365.0;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, s->areas);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (rows, value);
  g_ptr_array_sort (rows, compare_tallies);
  for (guint i = 0; i < rows->len; i++)
    {
      Tally *t = g_ptr_array_index (rows, i);

      t->client_months = t->client_days * 12.0 / days_in_year;
      t->ombud_minutes = t->contact_minutes + t->travel_minutes;
      s->total.client_months += t->client_months;
    }
  s->total.ombud_minutes = s->total.contact_minutes + s->total.travel_minutes;
  for (guint i = 0; i < rows->len; i++)
    {
      Tally *t = g_ptr_array_index (rows, i);

      t->share_population = share (t->population, s->total.population);
      t->share_client_months = share (t->client_months, s->total.client_months);
      t->share_ombud_time = share (t->ombud_minutes, s->total.ombud_minutes);
      s->total.share_population += t->share_population;
      s->total.share_client_months += t->share_client_months;
      s->total.share_ombud_time += t->share_ombud_time;
    }
  return rows;
}

static GVariant *
tally_variant (const Tally *t,
               gboolean     named)
{
  GVariantBuilder row;

  g_variant_builder_init (&row, G_VARIANT_TYPE_VARDICT);
  if (named)
    {
      add_text (&row, "municipality", t->name);
      add_text (&row, "code", t->code);
    }
  for (int i = 0; i < N_COUNTS; i++)
    add_int (&row, count_names[i], t->counts[i]);
  g_variant_builder_add (&row, "{sv}", "median_wait_days",
                         t->has_wait ? g_variant_new_double (t->median_wait_days)
                                     : g_variant_new_maybe (G_VARIANT_TYPE_DOUBLE, NULL));
  add_int (&row, "contacts", t->contacts);
  add_int (&row, "contact_minutes", t->contact_minutes);
  add_int (&row, "km", t->km);
  add_int (&row, "travel_minutes", t->travel_minutes);
  add_int (&row, "population", t->population);
  add_double (&row, "client_months", t->client_months);
  add_int (&row, "ombud_minutes", t->ombud_minutes);
  add_double (&row, "share_population", t->share_population);
  add_double (&row, "share_client_months", t->share_client_months);
  add_double (&row, "share_ombud_time", t->share_ombud_time);
  return g_variant_builder_end (&row);
}

static GVariant *
result (Stats *s)
{
  g_autoptr(GPtrArray) rows = finish (s);
  GVariantBuilder municipalities;
  GVariantBuilder dict;

  g_variant_builder_init (&municipalities, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < rows->len; i++)
    g_variant_builder_add_value (&municipalities, tally_variant (g_ptr_array_index (rows, i), TRUE));

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  add_int (&dict, "year", s->year);
  g_variant_builder_add (&dict, "{sv}", "groups", g_variant_builder_end (&s->groups));
  g_variant_builder_add (&dict, "{sv}", "municipalities", g_variant_builder_end (&municipalities));
  g_variant_builder_add (&dict, "{sv}", "contacts_by_form", g_variant_builder_end (&s->by_form));
  g_variant_builder_add (&dict, "{sv}", "contacts_by_actor", g_variant_builder_end (&s->by_actor));
  g_variant_builder_add (&dict, "{sv}", "deficiencies", g_variant_builder_end (&s->deficiencies));
  g_variant_builder_add (&dict, "{sv}", "totals", tally_variant (&s->total, FALSE));
  return g_variant_ref_sink (g_variant_builder_end (&dict));
}

/* ---- the entry point ------------------------------------------------------------------------------------- */

typedef gboolean (*FigureFunc) (Stats   *s,
                                GError **error);

static gboolean
count_all (Stats   *s,
           GError **error)
{
  /* population first, so every municipality's row exists; the groups come
   * out in this order */
  static const FigureFunc figures[] = {
    figure_population, figure_active_jan1, figure_new, figure_closed, figure_active_dec31,
    figure_unique_clients, figure_referred, figure_queued_dec31, figure_median_wait,
    figure_client_months, figure_contacts_by_form, figure_contacts_by_actor, figure_travel,
    figure_deficiencies,
  };

  if (!run (s, SNAPSHOT_CASES, NULL, error)
      || !run (s, SNAPSHOT_CASE_DATES, NULL, error)
      || !run (s, SNAPSHOT_CONTACTS, NULL, error)
      || !run (s, SNAPSHOT_CONTACT_KINDS, NULL, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    if (!figures[i] (s, error))
      return FALSE;
  return TRUE;
}

GVariant *
ombud_stats_year (OmbudCaseload  *caseload,
                  int             year,
                  GError        **error)
{
  sqlite3 *db;
  g_auto(Stats) s = { 0 };
  gboolean ok;

  g_return_val_if_fail (OMBUD_IS_CASELOAD (caseload), NULL);

  /* the years a date of the caseload can have (ombud_caseload_check_date) */
  if (year < 1900 || year > 2999)
    {
      g_set_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_INVALID,
                   "the year must be between 1900 and 2999, not %d", year);
      return NULL;
    }
  db = ombud_caseload_get_db (caseload);
  stats_init (&s, caseload, year);
  /* The tables outlive the savepoint, so creating them is a schema change
   * only on a connection's first report. */
  if (!ombud_vfs_exec (db, CREATE_SNAPSHOT, error)
      || !ombud_vfs_exec (db, "SAVEPOINT ombud_stats", error))
    return NULL;
  ok = count_all (&s, error);
  /* The snapshot goes; nothing else was written. */
  sqlite3_exec (db, "ROLLBACK TO ombud_stats; RELEASE ombud_stats", NULL, NULL, NULL);
  return ok ? result (&s) : NULL;
}
