/* bench-common.c: a caseload-shaped dataset, and what the benchmarks share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The dataset is generated from a seed before any clock starts, so both
 * sides of a comparison store the very same bytes and the timing covers
 * SQLite and the VFS only.  The schema is the benchmark's own, shaped like
 * DESIGN.md §3 (cases, notes, contacts, goals, deadlines, with indexes and
 * an FTS5 index over notes); it is not the app's schema.
 */
#include "bench-common.h"

#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ombud-vfs.h"

#define ID_LEN 37

typedef struct {
  char        id[ID_LEN];
  const char *status;
  const char *municipality;
  const char *gender;
  int         birth_year;
  char        requested_on[11];
  char        started_on[11];
  const char *ombud;
  char       *client_name;
} Case;

typedef struct {
  char  id[ID_LEN];
  char  written_at[17];
  int   approved;
  char *body;
} Note;

typedef struct {
  char        id[ID_LEN];
  char        happened_on[11];
  int         duration_min;
  const char *form;
  const char *actor;
  int         travel_km;
  int         travel_min;
  char       *summary;
} Contact;

typedef struct {
  char        id[ID_LEN];
  const char *area;
  char       *body;
  char        review_on[11];
} Goal;

typedef struct {
  char  id[ID_LEN];
  char  due_on[11];
  char *what;
} Deadline;

struct _BenchDataset {
  guint     n_cases;
  Case     *cases;
  Note     *notes;      /* BENCH_NOTES_PER_CASE per case, case by case */
  Contact  *contacts;   /* likewise */
  Goal     *goals;
  Deadline *deadlines;
};

/* ---- generating ----------------------------------------------------------- */

/* Roughly by frequency: the generator prefers the words near the top. */
static const char *const words[] = {
  "och", "att", "det", "som", "en", "på", "är", "av", "för", "med", "till", "den", "har",
  "de", "inte", "om", "ett", "han", "hon", "men", "var", "jag", "så", "vi", "kan", "man",
  "när", "år", "nu", "efter", "upp", "ska", "vid", "också", "sedan", "hade", "bara", "mot",
  "klienten", "samtal", "möte", "brev", "beslut", "ansökan", "telefon", "hembesök", "pengar",
  "hyra", "räkning", "skuld", "handläggaren", "beslutet", "myndigheten", "kontakt", "stöd",
  "insats", "boende", "lägenhet", "hyresvärd", "försäkringskassan", "arbetsförmedlingen",
  "socialtjänsten", "psykiatrin", "primärvården", "kronofogden", "banken", "överklagande",
  "överklaga", "sjukersättning", "aktivitetsersättning", "bostadsbidrag", "försörjningsstöd",
  "skuldsanering", "avhysning", "betalningsanmärkning", "god", "man", "förvaltare", "läkarintyg",
  "vårdplan", "samordnad", "individuell", "plan", "ekonomi", "budget", "medicin", "mående",
  "sömn", "oro", "ångest", "familj", "barn", "syster", "bror", "mamma", "pappa", "nätverk",
  "arbete", "praktik", "daglig", "verksamhet", "sysselsättning", "utredning", "journal",
  "fullmakt", "e-legitimation", "bankid", "digital", "brevlåda", "kallelse", "tid", "vecka",
  "måndag", "tisdag", "onsdag", "torsdag", "fredag", "morgon", "eftermiddag", "buss",
  "resa", "kommunen", "regionen", "länsstyrelsen", "ombudet", "personligt", "uppdrag",
  "mål", "delmål", "uppföljning", "avslut", "systembrist", "återkoppling", "ärende",
  "blankett", "underskrift", "kopia", "intyg", "dom", "förvaltningsrätten", "tingsrätten",
  "advokat", "rättshjälp", "elräkning", "skulder", "avbetalningsplan", "inkasso", "ränta",
};

static const char *const statuses[] = {
  "active", "active", "active", "queued", "closed", "referred",
};
static const char *const municipalities[] = {
  "Berg", "Bräcke", "Härjedalen", "Krokom", "Ragunda", "Strömsund", "Åre", "Östersund",
};
static const char *const genders[] = { "woman", "man", "other" };
static const char *const ombuds[] = { "anna", "bengt", "cecilia", "david" };
static const char *const forms[] = { "home visit", "office", "neutral place", "phone", "video" };
static const char *const actors[] = {
  "Försäkringskassan", "Arbetsförmedlingen", "socialtjänst", "psykiatri", "primärvård",
  "Kronofogden", "hyresvärd", "bank", "rättshjälp",
};
static const char *const areas[] = {
  "economy", "housing", "income", "care", "work", "network", "legal", "daily life",
};

#define PICK(rand, list) ((list)[g_rand_int_range ((rand), 0, G_N_ELEMENTS (list))])

static char *
make_text (GRand *rand,
           int    min_len,
           int    max_len)
{
  int target = g_rand_int_range (rand, min_len, max_len + 1);
  GString *text = g_string_sized_new (target + 32);
  int in_sentence = 0;

  while ((int) text->len < target)
    {
      double u = g_rand_double (rand);

      g_string_append (text, words[(guint) (u * u * u * G_N_ELEMENTS (words))]);
      if (++in_sentence >= g_rand_int_range (rand, 6, 20))
        {
          g_string_append (text, ". ");
          in_sentence = 0;
        }
      else
        g_string_append_c (text, ' ');
    }
  return g_string_free (text, FALSE);
}

static void
make_id (GRand *rand,
         char   out[ID_LEN])
{
  guint32 a = g_rand_int (rand), b = g_rand_int (rand);
  guint32 c = g_rand_int (rand), d = g_rand_int (rand);

  g_snprintf (out, ID_LEN, "%08x-%04x-4%03x-%04x-%04x%08x",
              a, b >> 16, b & 0xfff, ((c >> 16) & 0x3fff) | 0x8000, c & 0xffff, d);
}

/* Days after 2022-01-01, as an ISO date. */
static void
make_date (int   day,
           char  out[11])
{
  g_autoptr(GDate) date = g_date_new_dmy (1, G_DATE_JANUARY, 2022);

  g_date_add_days (date, day);
  g_snprintf (out, 11, "%04d-%02d-%02d",
              g_date_get_year (date), g_date_get_month (date), g_date_get_day (date));
}

static void
make_case (GRand *rand,
           guint  i,
           Case  *c)
{
  make_id (rand, c->id);
  c->status = PICK (rand, statuses);
  c->municipality = PICK (rand, municipalities);
  c->gender = PICK (rand, genders);
  c->birth_year = g_rand_int_range (rand, 1945, 2004);
  make_date (g_rand_int_range (rand, 0, 300), c->requested_on);
  make_date (g_rand_int_range (rand, 300, 330), c->started_on);
  c->ombud = PICK (rand, ombuds);
  c->client_name = g_strdup_printf ("Klient %u", i + 1);
}

static void
make_note (GRand *rand,
           int    day,
           Note  *n)
{
  char date[11];

  make_id (rand, n->id);
  make_date (day, date);
  g_snprintf (n->written_at, sizeof n->written_at, "%sT%02d:%02d",
              date, g_rand_int_range (rand, 8, 18), g_rand_int_range (rand, 0, 60));
  n->approved = g_rand_int_range (rand, 0, 4) != 0;
  /* A few hundred bytes to 2 KB of text. */
  n->body = make_text (rand, 300, 2048);
}

static void
make_contact (GRand   *rand,
              int      day,
              Contact *c)
{
  make_id (rand, c->id);
  make_date (day, c->happened_on);
  c->duration_min = 15 * g_rand_int_range (rand, 1, 9);
  c->form = PICK (rand, forms);
  c->actor = PICK (rand, actors);
  c->travel_km = g_rand_int_range (rand, 0, 120);
  c->travel_min = c->travel_km + g_rand_int_range (rand, 0, 30);
  c->summary = make_text (rand, 40, 200);
}

static void
make_case_children (BenchDataset *self,
                    GRand        *rand,
                    guint         i)
{
  /* Notes and contacts spread over the two years after the case started. */
  for (guint k = 0; k < BENCH_NOTES_PER_CASE; k++)
    make_note (rand, 330 + k * 14, &self->notes[i * BENCH_NOTES_PER_CASE + k]);
  for (guint k = 0; k < BENCH_CONTACTS_PER_CASE; k++)
    make_contact (rand, 330 + k * 23, &self->contacts[i * BENCH_CONTACTS_PER_CASE + k]);
  for (guint k = 0; k < BENCH_GOALS_PER_CASE; k++)
    {
      Goal *g = &self->goals[i * BENCH_GOALS_PER_CASE + k];

      make_id (rand, g->id);
      g->area = PICK (rand, areas);
      g->body = make_text (rand, 60, 300);
      make_date (g_rand_int_range (rand, 400, 1000), g->review_on);
    }
  for (guint k = 0; k < BENCH_DEADLINES_PER_CASE; k++)
    {
      Deadline *d = &self->deadlines[i * BENCH_DEADLINES_PER_CASE + k];

      make_id (rand, d->id);
      make_date (g_rand_int_range (rand, 330, 1060), d->due_on);
      d->what = make_text (rand, 20, 80);
    }
}

BenchDataset *
bench_dataset_new (guint   n_cases,
                   guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  BenchDataset *self = g_new0 (BenchDataset, 1);

  self->n_cases = n_cases;
  self->cases = g_new0 (Case, n_cases);
  self->notes = g_new0 (Note, n_cases * BENCH_NOTES_PER_CASE);
  self->contacts = g_new0 (Contact, n_cases * BENCH_CONTACTS_PER_CASE);
  self->goals = g_new0 (Goal, n_cases * BENCH_GOALS_PER_CASE);
  self->deadlines = g_new0 (Deadline, n_cases * BENCH_DEADLINES_PER_CASE);
  for (guint i = 0; i < n_cases; i++)
    {
      make_case (rand, i, &self->cases[i]);
      make_case_children (self, rand, i);
    }
  return self;
}

void
bench_dataset_free (BenchDataset *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_cases; i++)
    g_free (self->cases[i].client_name);
  for (guint i = 0; i < self->n_cases * BENCH_NOTES_PER_CASE; i++)
    g_free (self->notes[i].body);
  for (guint i = 0; i < self->n_cases * BENCH_CONTACTS_PER_CASE; i++)
    g_free (self->contacts[i].summary);
  for (guint i = 0; i < self->n_cases * BENCH_GOALS_PER_CASE; i++)
    g_free (self->goals[i].body);
  for (guint i = 0; i < self->n_cases * BENCH_DEADLINES_PER_CASE; i++)
    g_free (self->deadlines[i].what);
  g_free (self->cases);
  g_free (self->notes);
  g_free (self->contacts);
  g_free (self->goals);
  g_free (self->deadlines);
  g_free (self);
}

guint
bench_dataset_get_n_cases (BenchDataset *self)
{
  return self->n_cases;
}

/* ---- schema --------------------------------------------------------------- */

static const char schema_sql[] =
  "CREATE TABLE bench_case ("
  "  id TEXT PRIMARY KEY NOT NULL, status TEXT NOT NULL, municipality TEXT NOT NULL,"
  "  gender TEXT NOT NULL, birth_year INTEGER NOT NULL, requested_on TEXT NOT NULL,"
  "  started_on TEXT, ombud TEXT NOT NULL, client_name TEXT NOT NULL,"
  "  updated_at TEXT NOT NULL);"
  "CREATE INDEX bench_case_municipality ON bench_case (municipality, status);"
  "CREATE TABLE bench_note ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  case_id TEXT NOT NULL REFERENCES bench_case (id) ON DELETE CASCADE,"
  "  written_at TEXT NOT NULL, approved INTEGER NOT NULL, body TEXT NOT NULL);"
  "CREATE INDEX bench_note_case ON bench_note (case_id, written_at);"
  "CREATE TABLE bench_contact ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  case_id TEXT NOT NULL REFERENCES bench_case (id) ON DELETE CASCADE,"
  "  happened_on TEXT NOT NULL, duration_min INTEGER NOT NULL, form TEXT NOT NULL,"
  "  actor TEXT NOT NULL, travel_km INTEGER NOT NULL, travel_min INTEGER NOT NULL,"
  "  summary TEXT NOT NULL);"
  "CREATE INDEX bench_contact_case ON bench_contact (case_id, happened_on);"
  "CREATE INDEX bench_contact_date ON bench_contact (happened_on);"
  "CREATE TABLE bench_goal ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  case_id TEXT NOT NULL REFERENCES bench_case (id) ON DELETE CASCADE,"
  "  area TEXT NOT NULL, body TEXT NOT NULL, review_on TEXT);"
  "CREATE INDEX bench_goal_case ON bench_goal (case_id);"
  "CREATE TABLE bench_deadline ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  case_id TEXT NOT NULL REFERENCES bench_case (id) ON DELETE CASCADE,"
  "  due_on TEXT NOT NULL, what TEXT NOT NULL);"
  "CREATE INDEX bench_deadline_case ON bench_deadline (case_id, due_on);"
  "CREATE VIRTUAL TABLE bench_note_fts USING fts5 ("
  "  body, content='bench_note', content_rowid='rowid');"
  "CREATE TRIGGER bench_note_ai AFTER INSERT ON bench_note BEGIN"
  "  INSERT INTO bench_note_fts (rowid, body) VALUES (new.rowid, new.body);"
  "END;";

gboolean
bench_schema_create (sqlite3  *db,
                     GError  **error)
{
  return ombud_vfs_exec (db, "BEGIN IMMEDIATE", error)
         && ombud_vfs_exec (db, schema_sql, error)
         && ombud_vfs_exec (db, "COMMIT", error);
}

/* ---- statements ----------------------------------------------------------- */

static gboolean
prepare_all (sqlite3        *db,
             const char     *const *sql,
             sqlite3_stmt  **stmts,
             guint           n,
             GError        **error)
{
  for (guint i = 0; i < n; i++)
    {
      int rc = sqlite3_prepare_v3 (db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &stmts[i], NULL);

      if (rc != SQLITE_OK)
        {
          ombud_vfs_set_sqlite_error (error, db, rc, sql[i]);
          return FALSE;
        }
    }
  return TRUE;
}

static void
finalize_all (sqlite3_stmt **stmts,
              guint          n)
{
  for (guint i = 0; i < n; i++)
    g_clear_pointer (&stmts[i], sqlite3_finalize);
}

static gboolean
step_done (sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, sqlite3_db_handle (stmt), rc, sqlite3_sql (stmt));
      return FALSE;
    }
  return TRUE;
}

static void
bind_texts (sqlite3_stmt *stmt,
            int           first,
            int           n,
            ...)
{
  va_list args;

  va_start (args, n);
  for (int i = 0; i < n; i++)
    sqlite3_bind_text (stmt, first + i, va_arg (args, const char *), -1, SQLITE_STATIC);
  va_end (args);
}

/* ---- the write-heavy workload --------------------------------------------- */

enum {
  W_BEGIN, W_COMMIT, W_CASE, W_TOUCH, W_NOTE, W_CONTACT, W_GOAL, W_DEADLINE, N_WRITE
};

static const char *const write_sql[N_WRITE] = {
  [W_BEGIN] = "BEGIN IMMEDIATE",
  [W_COMMIT] = "COMMIT",
  [W_CASE] = "INSERT INTO bench_case (id, status, municipality, gender, birth_year,"
             " requested_on, started_on, ombud, client_name, updated_at)"
             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?6)",
  [W_TOUCH] = "UPDATE bench_case SET updated_at = ?2 WHERE id = ?1",
  [W_NOTE] = "INSERT INTO bench_note (id, case_id, written_at, approved, body)"
             " VALUES (?1, ?2, ?3, ?4, ?5)",
  [W_CONTACT] = "INSERT INTO bench_contact (id, case_id, happened_on, duration_min, form,"
                " actor, travel_km, travel_min, summary)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
  [W_GOAL] = "INSERT INTO bench_goal (id, case_id, area, body, review_on)"
             " VALUES (?1, ?2, ?3, ?4, ?5)",
  [W_DEADLINE] = "INSERT INTO bench_deadline (id, case_id, due_on, what) VALUES (?1, ?2, ?3, ?4)",
};

typedef struct {
  BenchDataset *data;
  sqlite3_stmt *s[N_WRITE];
} Writer;

static gboolean
insert_case (Writer  *w,
             guint    i,
             GError **error)
{
  const Case *c = &w->data->cases[i];
  sqlite3_stmt *s = w->s[W_CASE];

  bind_texts (s, 1, 4, c->id, c->status, c->municipality, c->gender);
  sqlite3_bind_int (s, 5, c->birth_year);
  bind_texts (s, 6, 4, c->requested_on, c->started_on, c->ombud, c->client_name);
  if (!step_done (s, error))
    return FALSE;

  for (guint k = 0; k < BENCH_GOALS_PER_CASE; k++)
    {
      const Goal *g = &w->data->goals[i * BENCH_GOALS_PER_CASE + k];

      bind_texts (w->s[W_GOAL], 1, 5, g->id, c->id, g->area, g->body, g->review_on);
      if (!step_done (w->s[W_GOAL], error))
        return FALSE;
    }
  for (guint k = 0; k < BENCH_DEADLINES_PER_CASE; k++)
    {
      const Deadline *d = &w->data->deadlines[i * BENCH_DEADLINES_PER_CASE + k];

      bind_texts (w->s[W_DEADLINE], 1, 4, d->id, c->id, d->due_on, d->what);
      if (!step_done (w->s[W_DEADLINE], error))
        return FALSE;
    }
  return TRUE;
}

/* Saving a note also stamps its case, as the app's change tracking will. */
static gboolean
insert_note (Writer  *w,
             guint    i,
             guint    k,
             GError **error)
{
  const Case *c = &w->data->cases[i];
  const Note *n = &w->data->notes[i * BENCH_NOTES_PER_CASE + k];
  sqlite3_stmt *s = w->s[W_NOTE];

  bind_texts (s, 1, 3, n->id, c->id, n->written_at);
  sqlite3_bind_int (s, 4, n->approved);
  bind_texts (s, 5, 1, n->body);
  if (!step_done (s, error))
    return FALSE;
  bind_texts (w->s[W_TOUCH], 1, 2, c->id, n->written_at);
  return step_done (w->s[W_TOUCH], error);
}

static gboolean
insert_contact (Writer  *w,
                guint    i,
                guint    k,
                GError **error)
{
  const Case *c = &w->data->cases[i];
  const Contact *ct = &w->data->contacts[i * BENCH_CONTACTS_PER_CASE + k];
  sqlite3_stmt *s = w->s[W_CONTACT];

  bind_texts (s, 1, 3, ct->id, c->id, ct->happened_on);
  sqlite3_bind_int (s, 4, ct->duration_min);
  bind_texts (s, 5, 2, ct->form, ct->actor);
  sqlite3_bind_int (s, 7, ct->travel_km);
  sqlite3_bind_int (s, 8, ct->travel_min);
  bind_texts (s, 9, 1, ct->summary);
  if (!step_done (s, error))
    return FALSE;
  bind_texts (w->s[W_TOUCH], 1, 2, c->id, ct->happened_on);
  return step_done (w->s[W_TOUCH], error);
}

static gboolean
begin (Writer  *w,
       GError **error)
{
  return step_done (w->s[W_BEGIN], error);
}

static gboolean
commit (Writer  *w,
        GError **error)
{
  return step_done (w->s[W_COMMIT], error);
}

/* A whole case, as a first sync would bring it. */
static gboolean
insert_whole_case (Writer  *w,
                   guint    i,
                   GError **error)
{
  if (!insert_case (w, i, error))
    return FALSE;
  for (guint k = 0; k < BENCH_NOTES_PER_CASE; k++)
    if (!insert_note (w, i, k, error))
      return FALSE;
  for (guint k = 0; k < BENCH_CONTACTS_PER_CASE; k++)
    if (!insert_contact (w, i, k, error))
      return FALSE;
  return TRUE;
}

/* One transaction of the workload. */
typedef enum {
  STEP_INTAKE,
  STEP_NOTE,
  STEP_CONTACT,
  STEP_WHOLE_CASE,
} StepKind;

typedef struct {
  StepKind kind;
  guint    i;
  guint    k;
} Step;

static void
add_step (GArray   *steps,
          StepKind  kind,
          guint     i,
          guint     k)
{
  Step step = { kind, i, k };

  g_array_append_val (steps, step);
}

static gboolean
synced_case (guint i)
{
  return i % 10 == 9;
}

/* As saved, ombuds work on all their cases in turn: a note here, a contact
 * there, each saved on its own; every tenth case arrives whole, in one
 * transaction, as a sync would bring it.  Batched, every case does. */
static GArray *
plan_steps (BenchDataset  *self,
            BenchLoadMode  mode)
{
  GArray *steps = g_array_new (FALSE, FALSE, sizeof (Step));
  gboolean as_saved = mode == BENCH_LOAD_AS_SAVED;

  for (guint i = 0; as_saved && i < self->n_cases; i++)
    if (!synced_case (i))
      add_step (steps, STEP_INTAKE, i, 0);
  for (guint k = 0; as_saved && k < BENCH_NOTES_PER_CASE; k++)
    for (guint i = 0; i < self->n_cases; i++)
      {
        if (synced_case (i))
          continue;
        add_step (steps, STEP_NOTE, i, k);
        if (k < BENCH_CONTACTS_PER_CASE)
          add_step (steps, STEP_CONTACT, i, k);
      }
  for (guint i = 0; i < self->n_cases; i++)
    if (!as_saved || synced_case (i))
      add_step (steps, STEP_WHOLE_CASE, i, 0);
  return steps;
}

static gboolean
run_step (Writer      *w,
          const Step  *step,
          GError     **error)
{
  gboolean ok = begin (w, error);

  switch (step->kind)
    {
    case STEP_INTAKE: ok = ok && insert_case (w, step->i, error); break;
    case STEP_NOTE: ok = ok && insert_note (w, step->i, step->k, error); break;
    case STEP_CONTACT: ok = ok && insert_contact (w, step->i, step->k, error); break;
    case STEP_WHOLE_CASE: ok = ok && insert_whole_case (w, step->i, error); break;
    default: g_assert_not_reached ();
    }
  return ok && commit (w, error);
}

static void
writer_clear (Writer *w)
{
  if (w->s[W_BEGIN] != NULL && sqlite3_get_autocommit (sqlite3_db_handle (w->s[W_BEGIN])) == 0)
    sqlite3_exec (sqlite3_db_handle (w->s[W_BEGIN]), "ROLLBACK", NULL, NULL, NULL);
  finalize_all (w->s, N_WRITE);
}

static gboolean
run_steps (GArray   *steps,
           Writer   *writers,
           guint     n_dbs,
           double   *seconds,
           GError  **error)
{
  for (guint s = 0; s < steps->len; s++)
    for (guint j = 0; j < n_dbs; j++)
      {
        guint d = (s + j) % n_dbs;  /* who goes first rotates */
        double start = bench_now ();

        if (!run_step (&writers[d], &g_array_index (steps, Step, s), error))
          return FALSE;
        seconds[d] += bench_now () - start;
      }
  return TRUE;
}

gboolean
bench_dataset_load_timed (BenchDataset   *self,
                          sqlite3       **dbs,
                          guint           n_dbs,
                          BenchLoadMode   mode,
                          double         *seconds,
                          GError        **error)
{
  g_autoptr(GArray) steps = plan_steps (self, mode);
  g_autofree Writer *writers = g_new0 (Writer, n_dbs);
  gboolean ok = TRUE;

  for (guint d = 0; d < n_dbs; d++)
    {
      writers[d].data = self;
      seconds[d] = 0;
      ok = ok && prepare_all (dbs[d], write_sql, writers[d].s, N_WRITE, error);
    }
  ok = ok && run_steps (steps, writers, n_dbs, seconds, error);
  for (guint d = 0; d < n_dbs; d++)
    writer_clear (&writers[d]);
  return ok;
}

gboolean
bench_dataset_load (BenchDataset   *self,
                    sqlite3        *db,
                    BenchLoadMode   mode,
                    GError        **error)
{
  double seconds;

  return bench_dataset_load_timed (self, &db, 1, mode, &seconds, error);
}

/* ---- the read-heavy workload ---------------------------------------------- */

enum {
  R_CASE, R_NOTES, R_CONTACTS, R_GOALS, R_DEADLINES, R_SEARCH,
  R_BY_STATUS, R_BY_FORM, R_NOTES_BY_MUNICIPALITY, N_READ
};

static const char *const read_sql[N_READ] = {
  [R_CASE] = "SELECT * FROM bench_case WHERE id = ?1",
  [R_NOTES] = "SELECT id, written_at, approved, body FROM bench_note"
              " WHERE case_id = ?1 ORDER BY written_at DESC",
  [R_CONTACTS] = "SELECT happened_on, form, actor, duration_min, summary FROM bench_contact"
                 " WHERE case_id = ?1 ORDER BY happened_on DESC",
  [R_GOALS] = "SELECT area, body, review_on FROM bench_goal WHERE case_id = ?1",
  [R_DEADLINES] = "SELECT due_on, what FROM bench_deadline"
                  " WHERE case_id = ?1 AND due_on >= ?2 ORDER BY due_on",
  [R_SEARCH] = "SELECT n.case_id, n.written_at,"
               " snippet(bench_note_fts, 0, '[', ']', '…', 10)"
               " FROM bench_note_fts JOIN bench_note n ON n.rowid = bench_note_fts.rowid"
               " WHERE bench_note_fts MATCH ?1 ORDER BY rank LIMIT 20",
  [R_BY_STATUS] = "SELECT municipality, status, count(*) FROM bench_case"
                  " GROUP BY municipality, status",
  [R_BY_FORM] = "SELECT form, count(*), sum(duration_min), sum(travel_km) FROM bench_contact"
                " WHERE happened_on BETWEEN ?1 AND ?2 GROUP BY form",
  [R_NOTES_BY_MUNICIPALITY] = "SELECT c.municipality, count(*) FROM bench_note n"
                              " JOIN bench_case c ON c.id = n.case_id"
                              " WHERE n.written_at >= ?1 GROUP BY c.municipality",
};

static const char *const searches[] = {
  "kronofogden", "överklagande", "bostadsbidrag", "hyresvärd AND avhysning", "försäkring*",
  "\"god man\"", "psykiatrin OR primärvården", "skuldsanering", "NEAR(handläggaren beslutet, 5)",
  "sjukersättning NOT aktivitetsersättning", "läkarintyg", "inkasso AND ränta",
};

static const char *const years[][2] = {
  { "2022-01-01", "2022-12-31" }, { "2023-01-01", "2023-12-31" }, { "2024-01-01", "2024-12-31" },
};

/* Reads every column of every row, as a view showing them would. */
static gboolean
drain (sqlite3_stmt  *stmt,
       gsize         *checksum,
       GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    for (int i = 0; i < sqlite3_column_count (stmt); i++)
      *checksum += (gsize) sqlite3_column_bytes (stmt, i) + (gsize) sqlite3_column_int64 (stmt, i);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, sqlite3_db_handle (stmt), rc, sqlite3_sql (stmt));
      return FALSE;
    }
  return TRUE;
}

static gboolean
open_case (sqlite3_stmt **s,
           const Case    *c,
           gsize         *checksum,
           GError       **error)
{
  for (int q = R_CASE; q <= R_GOALS; q++)
    {
      sqlite3_bind_text (s[q], 1, c->id, -1, SQLITE_STATIC);
      if (!drain (s[q], checksum, error))
        return FALSE;
    }
  bind_texts (s[R_DEADLINES], 1, 2, c->id, "2023-06-01");
  return drain (s[R_DEADLINES], checksum, error);
}

static gboolean
statistics (sqlite3_stmt **s,
            guint          year_index,
            gsize         *checksum,
            GError       **error)
{
  const char *const *year = years[year_index];

  bind_texts (s[R_BY_FORM], 1, 2, year[0], year[1]);
  bind_texts (s[R_NOTES_BY_MUNICIPALITY], 1, 1, year[0]);
  return drain (s[R_BY_STATUS], checksum, error)
         && drain (s[R_BY_FORM], checksum, error)
         && drain (s[R_NOTES_BY_MUNICIPALITY], checksum, error);
}

/* A round opens a case and runs a search; every tenth also computes
 * statistics. */
typedef struct {
  guint    case_index;
  guint    search;
  guint    year;
  gboolean statistics;
} Round;

static gboolean
run_round (BenchDataset  *self,
           sqlite3_stmt **s,
           const Round   *round,
           gsize         *checksum,
           GError       **error)
{
  if (!open_case (s, &self->cases[round->case_index], checksum, error))
    return FALSE;
  sqlite3_bind_text (s[R_SEARCH], 1, searches[round->search], -1, SQLITE_STATIC);
  if (!drain (s[R_SEARCH], checksum, error))
    return FALSE;
  return !round->statistics || statistics (s, round->year, checksum, error);
}

static gboolean
run_rounds (BenchDataset   *self,
            sqlite3_stmt  **stmts,
            guint           n_dbs,
            guint           n_rounds,
            guint32         seed,
            double         *seconds,
            gsize          *checksums,
            GError        **error)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (guint r = 0; r < n_rounds; r++)
    {
      Round round = {
        .case_index = g_rand_int_range (rand, 0, self->n_cases),
        .search = g_rand_int_range (rand, 0, G_N_ELEMENTS (searches)),
        .year = g_rand_int_range (rand, 0, G_N_ELEMENTS (years)),
        .statistics = r % 10 == 0,
      };

      for (guint j = 0; j < n_dbs; j++)
        {
          guint d = (r + j) % n_dbs;  /* who goes first rotates */
          double start = bench_now ();

          if (!run_round (self, &stmts[d * N_READ], &round, &checksums[d], error))
            return FALSE;
          seconds[d] += bench_now () - start;
        }
    }
  return TRUE;
}

/* The checksums let the caller see that every database read the same. */
gboolean
bench_read_workload_timed (BenchDataset  *self,
                           sqlite3      **dbs,
                           guint          n_dbs,
                           guint          n_rounds,
                           guint32        seed,
                           double        *seconds,
                           gsize         *checksums,
                           GError       **error)
{
  g_autofree sqlite3_stmt **stmts = g_new0 (sqlite3_stmt *, n_dbs * N_READ);
  gboolean ok = TRUE;

  for (guint d = 0; d < n_dbs; d++)
    {
      seconds[d] = 0;
      checksums[d] = 0;
      ok = ok && prepare_all (dbs[d], read_sql, &stmts[d * N_READ], N_READ, error);
    }
  ok = ok && run_rounds (self, stmts, n_dbs, n_rounds, seed, seconds, checksums, error);
  finalize_all (stmts, n_dbs * N_READ);
  return ok;
}

/* ---- the baseline --------------------------------------------------------- */

static gboolean
pragma_text (sqlite3     *db,
             const char  *sql,
             char        *out,
             gsize        size,
             GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    g_strlcpy (out, (const char *) sqlite3_column_text (stmt, 0), size);
  else
    ombud_vfs_set_sqlite_error (error, db, rc, sql);
  sqlite3_finalize (stmt);
  return rc == SQLITE_ROW;
}

static gboolean
pragma_int (sqlite3     *db,
            const char  *sql,
            int         *out,
            GError     **error)
{
  char text[32];

  if (!pragma_text (db, sql, text, sizeof text, error))
    return FALSE;
  *out = atoi (text);
  return TRUE;
}

gboolean
bench_settings_read (sqlite3        *db,
                     BenchSettings  *out,
                     GError        **error)
{
  return pragma_text (db, "PRAGMA journal_mode", out->journal_mode, sizeof out->journal_mode, error)
         && pragma_int (db, "PRAGMA synchronous", &out->synchronous, error)
         && pragma_int (db, "PRAGMA cache_size", &out->cache_size, error)
         && pragma_int (db, "PRAGMA foreign_keys", &out->foreign_keys, error)
         && pragma_int (db, "PRAGMA secure_delete", &out->secure_delete, error);
}

/* Plain SQLite as anyone would run it: the default VFS, 4096-byte pages,
 * no reserved bytes, default temp store; the store's journal, sync, cache,
 * foreign-key and secure-delete settings. */
sqlite3 *
bench_plain_open (const char           *path,
                  const BenchSettings  *settings,
                  GError              **error)
{
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
              | SQLITE_OPEN_EXRESCODE;
  g_autofree char *pragmas =
    g_strdup_printf ("PRAGMA page_size=4096;"
                     "PRAGMA journal_mode=%s;"
                     "PRAGMA synchronous=%d;"
                     "PRAGMA cache_size=%d;"
                     "PRAGMA foreign_keys=%d;"
                     "PRAGMA secure_delete=%d;"
                     "SELECT count(*) FROM sqlite_schema;",
                     settings->journal_mode, settings->synchronous,
                     settings->cache_size, settings->foreign_keys, settings->secure_delete);
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (path, &db, flags, NULL);

  if (rc != SQLITE_OK)
    {
      ombud_vfs_set_sqlite_error (error, db, rc, path);
      sqlite3_close (db);
      return NULL;
    }
  if (!ombud_vfs_exec (db, pragmas, error))
    {
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

/* ---- measuring and reporting ---------------------------------------------- */

double
bench_now (void)
{
  return g_get_monotonic_time () / (double) G_USEC_PER_SEC;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

double
bench_median (const double *values,
              guint         n)
{
  g_autofree double *sorted = g_memdup2 (values, n * sizeof *values);

  g_return_val_if_fail (n > 0, 0.0);

  qsort (sorted, n, sizeof *sorted, compare_doubles);
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

void
bench_print (const char *bench,
             double      ours,
             double      baseline,
             const char *unit)
{
  char o[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE], r[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (o, sizeof o, "%.4g", ours);
  g_ascii_formatd (b, sizeof b, "%.4g", baseline);
  g_ascii_formatd (r, sizeof r, "%.3f", baseline > 0 ? ours / baseline : 0.0);
  printf ("{\"bench\":\"%s\",\"ours\":%s,\"baseline\":%s,\"ratio\":%s,\"unit\":\"%s\"}\n",
          bench, o, b, r, unit);
  fflush (stdout);
}

char *
bench_make_tmpdir (GError **error)
{
  return g_dir_make_tmp ("ombud-bench-XXXXXX", error);
}

void
bench_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        bench_rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}
