/* ombud-demo.c: a made-up team caseload for demonstrations and tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PO team in Jämtland from 1 January two years ago to today.  The history
 * is planned first, every case's dates drawn from the seed, and then played
 * in date order through the caseload's one write path on a clock the demo
 * moves day by day: events, contacts, notes and versions carry the dates
 * they would have had, and the outbox holds what the team would have synced.
 *
 * Every person is made up from common Swedish first names and surnames; no
 * real person is meant.  Municipality codes are the real kommunkoder.
 */
#include "ombud-demo.h"
#include "ombud-error.h"

#include <string.h>

#include "ombud-caseload-private.h"
#include "ombud-changeset.h"
#include "ombud-migrations.h"
#include "ombud-queries.h"
#include "ombud-vfs.h"

/* Another laptop of the team, the author of the demo's concurrent edits. */
#define OTHER_DEVICE G_GUINT64_CONSTANT (0x0de70a11ce000002)

#define MINUTE_MS G_GINT64_CONSTANT (60000)
#define NEVER     G_MAXINT

typedef struct {
  const char *code;        /* kommunkod */
  const char *name;
  int         population;  /* approximate, rounded: not official figures */
  int         km;          /* a rough round trip by road from the office in Östersund */
} Place;

static const Place places[] = {
  { "2303", "Ragunda",     5500, 180 },
  { "2305", "Bräcke",      6500, 140 },
  { "2309", "Krokom",     15500,  50 },
  { "2313", "Strömsund",  11500, 200 },
  { "2321", "Åre",        12000, 170 },
  { "2326", "Berg",        7000, 150 },
  { "2361", "Härjedalen", 10000, 360 },
  { "2380", "Östersund",  64000,  14 },
};

typedef struct {
  const char *name;
  gboolean    coordinator;
  const char *codes;  /* the municipalities whose cases they take */
} Member;

static const Member team[] = {
  { "Eva Strand", TRUE, "" },
  { "Karin Öberg", FALSE, "2380" },
  { "Johan Lindqvist", FALSE, "2380 2309" },
  { "Maria Sundin", FALSE, "2321 2309 2380" },
  { "Per Hedlund", FALSE, "2313 2303 2305" },
  { "Lena Wikström", FALSE, "2361 2326" },
};

static const char *const women[] = {
  "Anna", "Eva", "Maria", "Karin", "Kristina", "Lena", "Sara", "Emma", "Malin", "Johanna",
  "Ida", "Elin", "Linda", "Sofia", "Helena", "Ingrid", "Marie", "Camilla", "Jenny", "Therese",
};
static const char *const men[] = {
  "Erik", "Lars", "Karl", "Anders", "Johan", "Per", "Mikael", "Niklas", "Daniel", "Jonas",
  "Fredrik", "Stefan", "Mattias", "Magnus", "Oskar", "Tommy", "Roger", "Kent", "Patrik", "Göran",
};
static const char *const others[] = { "Alex", "Robin", "Kim", "Sam", "Charlie" };
static const char *const surnames[] = {
  "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
  "Svensson", "Gustafsson", "Jonsson", "Hansson", "Lindberg", "Lindström", "Holm", "Sjöberg",
  "Wikström", "Öberg", "Näslund", "Hägglund", "Forsberg", "Berglund", "Sundqvist", "Åström",
};

typedef struct {
  const char *code;
  int         weight;
} Weighted;

static const Weighted genders[] = { { "woman", 52 }, { "man", 44 }, { "other", 2 }, { "unknown", 2 } };
static const Weighted closure_reasons[] = {
  { "goals_met", 40 }, { "client_ended", 15 }, { "lost_contact", 12 }, { "moved", 8 },
  { "other_service", 12 }, { "outside_target_group", 5 }, { "deceased", 2 }, { "other", 6 },
};
static const Weighted referral_targets[] = {
  { "social_services", 5 }, { "psychiatry", 3 }, { "primary_care", 2 }, { "legal_aid", 1 }, { "other", 1 },
};
static const Weighted forms[] = {
  { "home_visit", 35 }, { "phone", 25 }, { "neutral_place", 15 }, { "office", 15 }, { "video", 10 },
};
static const Weighted actors[] = {
  { "", 35 }, { "forsakringskassan", 22 }, { "social_services", 20 }, { "psychiatry", 16 },
  { "primary_care", 10 }, { "arbetsformedlingen", 10 }, { "kronofogden", 7 }, { "landlord", 7 },
  { "bank", 4 }, { "legal_aid", 2 }, { "other", 2 },
};

typedef struct {
  const char *area;
  const char *text;
} Goal;

static const Goal goals[] = {
  { "economy", "Få en avbetalningsplan hos Kronofogden" },
  { "economy", "Ha en budget som går ihop varje månad" },
  { "housing", "Behålla lägenheten" },
  { "housing", "Hitta ett eget boende" },
  { "income", "Få beslut om aktivitetsersättning" },
  { "income", "Söka bostadstillägg" },
  { "care", "Få en fast läkarkontakt inom psykiatrin" },
  { "care", "Gå på tandvården igen" },
  { "work", "Komma igång med en daglig sysselsättning" },
  { "work", "Pröva arbetsträning" },
  { "social", "Träffa någon utanför hemmet varje vecka" },
  { "social", "Ta upp kontakten med familjen igen" },
  { "legal", "Få hjälp av en god man" },
  { "legal", "Överklaga beslutet om indragen ersättning" },
  { "daily_life", "Klara tvätt och inköp själv" },
  { "daily_life", "Komma ut på en promenad varje dag" },
};

static const char *const notes[] = {
  "Vi gick igenom brevet från Försäkringskassan tillsammans. Klienten vill ansöka om aktivitetsersättning; jag hjälper till med blanketten.",
  "Följde med till vårdcentralen. Klienten förde själv fram det som var viktigt och fick en ny tid om tre veckor.",
  "Ringde Kronofogden tillsammans och bad om en avbetalningsplan. Svar väntas inom två veckor.",
  "Hyresvärden har skickat en påminnelse. Vi skrev ett brev och bad om anstånd till den 25:e.",
  "Klienten vill ha kontakt med sin syster igen. Vi pratade om hur ett första samtal kan gå till.",
  "Möte med socialtjänsten om boendestöd. Handläggaren återkommer med beslut.",
  "Läkarintyget behöver kompletteras innan ansökan kan skickas. Klienten bokar tid själv.",
  "Klienten valde att inte gå vidare med överklagandet just nu. Vi tar upp det igen i nästa månad.",
  "Gick igenom månadens budget. El och telefon är betalda, hyran betalas på fredag.",
  "Pratade om sysselsättning. Klienten är nyfiken på träffpunkten i kommunen och vill gå dit en gång med mig.",
  "Inskrivningsmöte på Arbetsförmedlingen bokat. Vi förberedde vad klienten vill säga.",
  "Banken har spärrat kortet. Vi besökte kontoret tillsammans och beställde ett nytt.",
  "Klienten har fått beslut om bostadstillägg. Vi läste beslutet tillsammans.",
  "Samordnad individuell plan: mötet flyttades, ny tid om två veckor.",
  "Klienten är nöjd med hur det går med lägenheten och vill träffas mer sällan.",
  "Långt samtal om vad klienten vill uppnå med stödet. Målen skrivs om till nästa gång.",
  "Vi ansökte om god man. Tingsrätten har fått ansökan.",
  "Klienten har inte svarat på två samtal. Jag skickar ett brev och hör av mig igen om en vecka.",
};

static const char *const drafts[] = {
  "Utkast: förslag till brev till Försäkringskassan om omprövning. Läses upp för klienten nästa gång.",
  "Utkast: sammanfattning inför mötet med socialtjänsten, klienten har inte godkänt den än.",
  "Utkast: frågor att ställa till hyresvärden om reparationerna.",
};

static const char *const deadline_texts[] = {
  "Sista dag att överklaga Försäkringskassans beslut",
  "Komplettering till Försäkringskassan",
  "Svar till Kronofogden om avbetalningsplan",
  "Läkarintyg ska lämnas in",
  "Ansökan om bostadstillägg",
  "Uppföljningsmöte med socialtjänsten",
  "Ansökan om förlängd aktivitetsersättning",
  "Svar till hyresvärden",
};

typedef struct {
  const char *level;
  const char *actor;
  const char *municipality;  /* NULL: the whole region or the country */
  const char *text;
} Deficiency;

static const Deficiency deficiencies[] = {
  { "central", "forsakringskassan", NULL,
    "Beslut om aktivitetsersättning tar över fem månader; klienterna står utan inkomst under tiden." },
  { "local", "social_services", "Strömsund",
    "Ingen handläggare för boendestöd under sommaren; ansökningar ligger obehandlade i sex veckor." },
  { "caseworker", "psychiatry", NULL,
    "Kallelser skickas bara digitalt; klienter utan e-legitimation missar sina tider." },
  { "local", "primary_care", "Härjedalen",
    "Hyrläkare byts var tredje vecka; klienterna får ingen fast läkarkontakt." },
  { "central", "arbetsformedlingen", NULL,
    "Stängda lokalkontor: klienter i glesbygd väntas sköta allt digitalt." },
  { "local", "landlord", "Åre",
    "Inga lägenheter med hyra som går att betala med sjukersättning." },
  { "caseworker", "kronofogden", NULL,
    "Ansökningar om skuldsanering avvisas för formfel när klienten fyllt i dem utan stöd." },
  { "local", "social_services", "Ragunda",
    "Lång väntan på beslut om god man; räkningar hinner gå till inkasso under tiden." },
};

/* ---- the plan -------------------------------------------------------------- */

typedef struct {
  char *id;    /* once written */
  int   day;   /* a deadline's due day */
  guint text;  /* index into goals or deadline_texts */
} Slot;

typedef struct {
  char        *id;
  char        *name;
  const char  *first_name;
  const char  *surname;     /* NULL for a client who stays anonymous */
  const Place *place;
  const char  *gender;
  int          birth_year;
  gboolean     minor_children;
  guint        ombud;
  int          requested;
  int          started;     /* NEVER: not (yet) */
  int          ends;        /* closed or referred on, planned; NEVER: still open */
  gboolean     referred;
  const char  *reason;      /* closure reason, or referral target */
  GPtrArray   *goals;       /* Slot */
  GPtrArray   *deadlines;   /* Slot */
  char        *last_contact;
} DemoCase;

typedef enum {
  ACT_ADD,
  ACT_REFER,
  ACT_START,
  ACT_REASSIGN,
  ACT_GOAL,
  ACT_CONTACT,
  ACT_NOTE,
  ACT_DEADLINE,
  ACT_DEADLINE_DONE,
  ACT_CLOSE,
  ACT_DEFICIENCY,
  ACT_DRAFT,
  ACT_CONFLICTS,
} ActionKind;

typedef struct {
  int         day;
  ActionKind  kind;
  guint       seq;   /* keeps the plan's order within a day and kind */
  DemoCase   *c;
  guint       arg;
} Action;

typedef struct {
  GRand            *rand;
  GDate             first;     /* day 0 */
  int               last;      /* today */
  gint64            now_ms;    /* the caseload's clock */
  gint64            real_ms;   /* never past the real time */
  OmbudCaseload    *caseload;
  char             *ombuds[G_N_ELEMENTS (team)];
  GPtrArray        *cases;     /* DemoCase */
  GArray           *actions;   /* Action */
  OmbudDemoSummary *summary;
} Demo;

static void
slot_free (Slot *s)
{
  g_free (s->id);
  g_free (s);
}

static void
demo_case_free (DemoCase *c)
{
  g_free (c->id);
  g_free (c->name);
  g_free (c->last_contact);
  g_ptr_array_unref (c->goals);
  g_ptr_array_unref (c->deadlines);
  g_free (c);
}

static gint64
demo_clock (gpointer data)
{
  Demo *d = data;

  /* Each write a moment after the last, as on a real laptop. */
  d->now_ms += 250;
  return MIN (d->now_ms, d->real_ms);
}

static void
date_of (Demo  *d,
         int    day,
         GDate *out)
{
  *out = d->first;
  g_date_add_days (out, day);
}

static char *
day_text (Demo *d,
          int   day)
{
  GDate date;

  date_of (d, day, &date);
  return g_strdup_printf ("%04d-%02d-%02d", g_date_get_year (&date), g_date_get_month (&date),
                          g_date_get_day (&date));
}

static int
workday_from (Demo *d,
              int   day)
{
  GDate date;

  date_of (d, day, &date);
  while (g_date_get_weekday (&date) >= G_DATE_SATURDAY)
    {
      g_date_add_days (&date, 1);
      day++;
    }
  return day;
}

static int
workday_before (Demo *d,
                int   day)
{
  GDate date;

  date_of (d, --day, &date);
  while (g_date_get_weekday (&date) >= G_DATE_SATURDAY)
    {
      g_date_subtract_days (&date, 1);
      day--;
    }
  return day;
}

/* The clock goes to 08:00 on the day, local time, and never back. */
static void
set_day (Demo *d,
         int   day)
{
  GDate date;
  g_autoptr(GDateTime) morning = NULL;
  gint64 ms;

  date_of (d, day, &date);
  morning = g_date_time_new_local (g_date_get_year (&date), g_date_get_month (&date),
                                   g_date_get_day (&date), 8, 0, 0);
  ms = g_date_time_to_unix (morning) * 1000;
  d->now_ms = MAX (d->now_ms, ms);
}

static int
between (Demo *d,
         int   lo,
         int   hi)
{
  return g_rand_int_range (d->rand, lo, hi + 1);
}

static gboolean
chance (Demo   *d,
        double  p)
{
  return g_rand_double (d->rand) < p;
}

static const char *
pick_weighted (Demo           *d,
               const Weighted *w,
               guint           n)
{
  int total = 0, r;

  for (guint i = 0; i < n; i++)
    total += w[i].weight;
  r = g_rand_int_range (d->rand, 0, total);
  for (guint i = 0; i < n; i++)
    if ((r -= w[i].weight) < 0)
      return w[i].code;
  return w[n - 1].code;
}

#define PICK(d, array) ((array)[g_rand_int_range ((d)->rand, 0, G_N_ELEMENTS (array))])
#define PICK_WEIGHTED(d, array) pick_weighted ((d), (array), G_N_ELEMENTS (array))

static void
add_action (Demo       *d,
            int         day,
            ActionKind  kind,
            DemoCase   *c,
            guint       arg)
{
  Action a = { day, kind, d->actions->len, c, arg };

  g_array_append_val (d->actions, a);
}

static const Place *
pick_place (Demo *d)
{
  int total = 0, r;

  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    total += places[i].population;
  r = g_rand_int_range (d->rand, 0, total);
  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    if ((r -= places[i].population) < 0)
      return &places[i];
  return &places[G_N_ELEMENTS (places) - 1];
}

static gboolean
covers (guint        member,
        const Place *place)
{
  return strstr (team[member].codes, place->code) != NULL;
}

static guint
open_cases_of (Demo  *d,
               guint  member,
               int    day)
{
  guint n = 0;

  for (guint i = 0; i < d->cases->len; i++)
    {
      DemoCase *c = g_ptr_array_index (d->cases, i);

      n += c->ombud == member && c->requested <= day && c->ends > day;
    }
  return n;
}

/* The ombud covering the municipality who has the fewest open cases. */
static guint
pick_ombud (Demo        *d,
            const Place *place,
            int          day,
            guint        other_than)
{
  guint best = 0, best_load = G_MAXUINT;

  for (guint m = 0; m < G_N_ELEMENTS (team); m++)
    {
      guint load;

      if (!covers (m, place) || m == other_than)
        continue;
      load = open_cases_of (d, m, day);
      if (load < best_load)
        {
          best = m;
          best_load = load;
        }
    }
  return best;
}

static void
plan_person (Demo     *d,
             DemoCase *c)
{
  c->gender = PICK_WEIGHTED (d, genders);
  c->first_name = g_str_equal (c->gender, "woman") ? PICK (d, women)
                  : g_str_equal (c->gender, "man") ? PICK (d, men) : PICK (d, others);
  c->surname = PICK (d, surnames);
  /* Clients may stay anonymous: the ombud then writes a pseudonym. */
  if (chance (d, 0.05))
    {
      c->surname = NULL;
      c->name = g_strdup_printf ("Anonym %u", d->cases->len + 1);
    }
  else
    c->name = g_strdup_printf ("%s %s", c->first_name, c->surname);
  /* 1948 to 2004, most in between */
  c->birth_year = 1948 + (between (d, 0, 56) + between (d, 0, 56)) / 2;
  c->minor_children = chance (d, 0.18);
}

static int
plan_wait (Demo *d)
{
  double r = g_rand_double (d->rand);

  if (r < 0.3)
    return between (d, 0, 5);
  if (r < 0.8)
    return between (d, 6, 35);
  return between (d, 36, 90);
}

static void
plan_goals (Demo     *d,
            DemoCase *c)
{
  guint n = between (d, 1, 3);
  guint first = g_rand_int_range (d->rand, 0, G_N_ELEMENTS (goals));

  for (guint i = 0; i < n; i++)
    {
      int day = workday_from (d, c->started + between (d, 5, 25));
      Slot *s = g_new0 (Slot, 1);

      /* every other goal text is in another area */
      s->text = (first + i * 2 + between (d, 0, 1)) % G_N_ELEMENTS (goals);
      if (day >= c->ends || day > d->last)
        {
          slot_free (s);
          continue;
        }
      g_ptr_array_add (c->goals, s);
      add_action (d, day, ACT_GOAL, c, c->goals->len - 1);
    }
}

static void
plan_deadline (Demo     *d,
               DemoCase *c,
               int       day)
{
  Slot *s = g_new0 (Slot, 1);

  s->day = day + between (d, 14, 56);
  s->text = g_rand_int_range (d->rand, 0, G_N_ELEMENTS (deadline_texts));
  g_ptr_array_add (c->deadlines, s);
  add_action (d, day, ACT_DEADLINE, c, c->deadlines->len - 1);
  /* Met on the day, or cleared when the case closes before it. */
  if (MIN (s->day, c->ends) <= d->last)
    add_action (d, MIN (s->day, c->ends), ACT_DEADLINE_DONE, c, c->deadlines->len - 1);
}

/* 5 to 30 meetings over the case's planned length; those after today have
 * not happened yet. */
static void
plan_contacts (Demo     *d,
               DemoCase *c,
               int       planned_end)
{
  int n = between (d, 5, 30);
  int span = planned_end - c->started;
  int n_deadlines = between (d, 0, 2);

  for (int k = 0; k < n; k++)
    {
      int day = workday_from (d, c->started + span * k / n + (k ? between (d, -3, 3) : 0));

      if (day > planned_end || day > d->last)
        break;
      add_action (d, day, ACT_CONTACT, c, 0);
      if (chance (d, 0.2))
        add_action (d, day, ACT_NOTE, c, 0);
      if (n_deadlines > 0 && chance (d, 0.25))
        {
          plan_deadline (d, c, day);
          n_deadlines--;
        }
    }
}

static void
plan_reassignment (Demo     *d,
                   DemoCase *c,
                   int       planned_end)
{
  int day = workday_from (d, (c->started + planned_end) / 2);
  guint to = pick_ombud (d, c->place, day, c->ombud);

  if (to != 0 && to != c->ombud && day <= d->last && day < c->ends)
    add_action (d, day, ACT_REASSIGN, c, to);
}

/* A case from its request on; a waiting one is still on the queue today. */
static void
plan_case (Demo     *d,
           int       requested,
           gboolean  waiting)
{
  DemoCase *c = g_new0 (DemoCase, 1);
  int planned_end;

  c->goals = g_ptr_array_new_with_free_func ((GDestroyNotify) slot_free);
  c->deadlines = g_ptr_array_new_with_free_func ((GDestroyNotify) slot_free);
  c->place = pick_place (d);
  plan_person (d, c);
  c->requested = requested;
  c->started = c->ends = NEVER;
  if (!waiting && chance (d, 0.07))
    {
      c->referred = TRUE;
      c->reason = PICK_WEIGHTED (d, referral_targets);
      c->ends = workday_from (d, requested + between (d, 3, 25));
    }
  else if (!waiting)
    c->started = workday_from (d, requested + plan_wait (d));
  planned_end = c->started == NEVER ? c->ends
                : workday_from (d, c->started + (between (d, 90, 780) + between (d, 90, 780)) / 2);
  if (c->started != NEVER && planned_end <= d->last)
    {
      c->ends = planned_end;
      c->reason = PICK_WEIGHTED (d, closure_reasons);
    }
  c->ombud = pick_ombud (d, c->place, requested, 0);
  g_ptr_array_add (d->cases, c);

  add_action (d, requested, ACT_ADD, c, 0);
  if (c->referred && c->ends <= d->last)
    add_action (d, c->ends, ACT_REFER, c, 0);
  if (c->started > d->last)
    return;
  add_action (d, c->started, ACT_START, c, 0);
  plan_goals (d, c);
  plan_contacts (d, c, planned_end);
  if (planned_end - c->started > 200 && chance (d, 0.06))
    plan_reassignment (d, c, planned_end);
  if (c->ends <= d->last)
    add_action (d, c->ends, ACT_CLOSE, c, 0);
}

static int
compare_actions (gconstpointer a,
                 gconstpointer b)
{
  const Action *x = a, *y = b;

  if (x->day != y->day)
    return x->day < y->day ? -1 : 1;
  if (x->kind != y->kind)
    return x->kind < y->kind ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* About 80 requests a year for the team, on working days. */
static void
plan (Demo *d)
{
  int conflicts_day = workday_before (d, d->last);

  for (int day = 0; day <= d->last; day++)
    if (workday_from (d, day) == day && chance (d, 0.31))
      plan_case (d, day, FALSE);
  /* and, whatever the seed, a queue behind them */
  for (int i = 3; i >= 1; i--)
    plan_case (d, workday_before (d, d->last - 4 * i), TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (deficiencies); i++)
    add_action (d, workday_from (d, d->last * (int) (i + 1) / (int) (G_N_ELEMENTS (deficiencies) + 1)),
                ACT_DEFICIENCY, NULL, i);
  for (guint i = 0; i < G_N_ELEMENTS (drafts); i++)
    add_action (d, conflicts_day, ACT_DRAFT, NULL, i);
  add_action (d, conflicts_day, ACT_CONFLICTS, NULL, 0);
  g_array_sort (d->actions, compare_actions);
}

/* ---- playing it ------------------------------------------------------------ */

static gboolean
add_team (Demo    *d,
          GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    {
      g_autofree char *id = ombud_caseload_add_municipality (d->caseload, places[i].code, places[i].name,
                                                             places[i].population, error);
      if (id == NULL)
        return FALSE;
      d->summary->municipalities++;
    }
  for (guint i = 0; i < G_N_ELEMENTS (team); i++)
    {
      d->ombuds[i] = ombud_caseload_add_ombud (d->caseload, team[i].name,
                                               team[i].coordinator ? "coordinator" : "ombud", error);
      if (d->ombuds[i] == NULL)
        return FALSE;
      d->summary->ombuds++;
      d->summary->coordinators += team[i].coordinator;
    }
  return TRUE;
}

static gboolean
do_add (Demo          *d,
        const Action  *a,
        GError       **error)
{
  DemoCase *c = a->c;
  g_autofree char *on = day_text (d, a->day);
  OmbudCaseInput in = {
    .client_name = c->name, .municipality = c->place->name, .gender = c->gender,
    .birth_year = c->birth_year, .has_minor_children = c->minor_children,
    .queued = TRUE, .requested_on = on,  /* started by its own event */
  };

  c->id = ombud_caseload_add_case (d->caseload, &in, error);
  d->summary->cases++;
  return c->id != NULL && ombud_caseload_assign_case (d->caseload, c->id, d->ombuds[c->ombud], error);
}

static int
meeting_minutes (Demo       *d,
                 const char *form)
{
  if (g_str_equal (form, "phone"))
    return 5 * between (d, 2, 8);
  if (g_str_equal (form, "video"))
    return 5 * between (d, 4, 12);
  return 5 * between (d, 9, 30);
}

/* Meetings at home or in a neutral place mean a drive from the office,
 * long in the outer municipalities; at about 70 km/h on their roads. */
static void
plan_travel (Demo              *d,
             const Place       *place,
             OmbudContactInput *in)
{
  if (!g_str_equal (in->form, "home_visit") && !g_str_equal (in->form, "neutral_place"))
    return;
  in->km = place->km + between (d, -place->km / 5, place->km / 5);
  in->travel_minutes = 5 * ((in->km * 60 / 70 + 4) / 5);
}

static gboolean
do_contact (Demo          *d,
            const Action  *a,
            GError       **error)
{
  DemoCase *c = a->c;
  g_autofree char *on = day_text (d, a->day);
  const char *who[3] = { NULL, NULL, NULL };
  OmbudContactInput in = { .on_date = on, .form = PICK_WEIGHTED (d, forms), .actors = who };
  const char *first = PICK_WEIGHTED (d, actors);
  const char *second = PICK_WEIGHTED (d, actors);

  if (*first)
    who[0] = first;
  if (*first && *second && !g_str_equal (first, second) && chance (d, 0.3))
    who[1] = second;
  in.minutes = meeting_minutes (d, in.form);
  plan_travel (d, c->place, &in);
  g_free (c->last_contact);
  c->last_contact = ombud_caseload_add_contact (d->caseload, c->id, &in, error);
  d->summary->contacts++;
  return c->last_contact != NULL;
}

static gboolean
do_goal (Demo          *d,
         const Action  *a,
         GError       **error)
{
  Slot *s = g_ptr_array_index (a->c->goals, a->arg);

  s->id = ombud_caseload_add_goal (d->caseload, a->c->id, goals[s->text].area, goals[s->text].text, error);
  d->summary->goals++;
  return s->id != NULL;
}

static gboolean
do_deadline (Demo          *d,
             const Action  *a,
             GError       **error)
{
  Slot *s = g_ptr_array_index (a->c->deadlines, a->arg);
  g_autofree char *due = day_text (d, s->day);

  s->id = ombud_caseload_add_deadline (d->caseload, a->c->id, due, deadline_texts[s->text], error);
  d->summary->deadlines++;
  return s->id != NULL;
}

static gboolean
do_deadline_done (Demo          *d,
                  const Action  *a,
                  GError       **error)
{
  Slot *s = g_ptr_array_index (a->c->deadlines, a->arg);

  return ombud_caseload_set_field (d->caseload, "deadline", s->id, "done", g_variant_new_int64 (1), error);
}

static gboolean
do_note (Demo          *d,
         const Action  *a,
         GError       **error)
{
  g_autofree char *id = ombud_caseload_add_note (d->caseload, a->c->id, PICK (d, notes), TRUE, error);

  d->summary->notes++;
  return id != NULL;
}

static gboolean
do_deficiency (Demo          *d,
               const Action  *a,
               GError       **error)
{
  const Deficiency *def = &deficiencies[a->arg];
  g_autofree char *id = ombud_caseload_add_deficiency (d->caseload, def->level, def->actor, def->text,
                                                       def->municipality, error);

  d->summary->deficiencies++;
  return id != NULL;
}

typedef gboolean (*CaseFits) (Demo     *d,
                              DemoCase *c,
                              int       day);

/* The next open case, newest first, that fits; *cursor keeps them apart. */
static DemoCase *
open_case (Demo     *d,
           int       day,
           guint    *cursor,
           CaseFits  fits)
{
  while (*cursor < d->cases->len)
    {
      DemoCase *c = g_ptr_array_index (d->cases, d->cases->len - 1 - (*cursor)++);

      if (c->id != NULL && c->started <= day && c->ends > day && (fits == NULL || fits (d, c, day)))
        return c;
    }
  return NULL;
}

static gboolean
do_draft (Demo          *d,
          const Action  *a,
          GError       **error)
{
  guint cursor = a->arg * 3;
  DemoCase *c = open_case (d, a->day, &cursor, NULL);
  g_autofree char *id = NULL;

  if (c == NULL)
    return TRUE;
  id = ombud_caseload_add_note (d->caseload, c->id, drafts[a->arg], FALSE, error);
  d->summary->notes++;
  d->summary->drafts++;
  return id != NULL;
}

/* ---- conflicts --------------------------------------------------------------- */

/* This replica sets the field while another laptop, offline, set it too
 * from the same version; the other laptop's change then arrives. */
static gboolean
concurrent_edit (Demo        *d,
                 const char  *table,
                 const char  *record,
                 const char  *case_id,
                 const char  *field,
                 GVariant    *mine_value,
                 GVariant    *theirs_value,
                 gint64       theirs_offset_ms,
                 GError     **error)
{
  g_autoptr(GVariant) mine = g_variant_ref_sink (mine_value);
  g_autoptr(GVariant) theirs = g_variant_ref_sink (theirs_value);
  g_autoptr(GArray) bases = NULL;
  g_autoptr(OmbudChangeset) cs = NULL;
  g_autoptr(GBytes) bytes = NULL;
  OmbudHlcTime when = OMBUD_HLC_MAKE (d->now_ms + theirs_offset_ms, 0);

  bases = ombud_merge_heads (ombud_caseload_get_merge (d->caseload), table, record, field, error);
  if (bases == NULL || !ombud_caseload_set_field (d->caseload, table, record, field, mine, error))
    return FALSE;
  cs = ombud_changeset_new (ombud_migrations_latest (), OTHER_DEVICE, case_id);
  ombud_changeset_add (cs, table, record, field, theirs, when,
                       (const OmbudVersionId *) (void *) bases->data, bases->len);
  bytes = ombud_changeset_encode (cs);
  return ombud_caseload_apply_changeset (d->caseload, bytes, error);
}

static gboolean
has_surname (Demo     *d G_GNUC_UNUSED,
             DemoCase *c,
             int       day G_GNUC_UNUSED)
{
  return c->surname != NULL;
}

static gboolean
has_contact (Demo     *d G_GNUC_UNUSED,
             DemoCase *c,
             int       day G_GNUC_UNUSED)
{
  return c->last_contact != NULL;
}

static Slot *
first_written (GPtrArray *slots,
               int        due_after)
{
  for (guint i = 0; i < slots->len; i++)
    {
      Slot *s = g_ptr_array_index (slots, i);

      if (s->id != NULL && s->day > due_after)
        return s;
    }
  return NULL;
}

static gboolean
has_upcoming_deadline (Demo     *d G_GNUC_UNUSED,
                       DemoCase *c,
                       int       day)
{
  return first_written (c->deadlines, day) != NULL;
}

static gboolean
has_goal (Demo     *d G_GNUC_UNUSED,
          DemoCase *c,
          int       day G_GNUC_UNUSED)
{
  return first_written (c->goals, -1) != NULL;
}

static gboolean
has_other_ombud (Demo     *d,
                 DemoCase *c,
                 int       day)
{
  return pick_ombud (d, c->place, day, c->ombud) != 0;
}

static gboolean
conflict_on_name (Demo      *d,
                  DemoCase  *c,
                  GError   **error)
{
  g_autofree char *initial = g_utf8_substring (c->surname, 0, 1);
  g_autofree char *mine = g_strdup_printf ("%s %s-%s", c->first_name, c->surname, PICK (d, surnames));
  g_autofree char *theirs = g_strdup_printf ("%s %s.", c->first_name, initial);

  return concurrent_edit (d, "client_case", c->id, c->id, "client_name", g_variant_new_string (mine),
                          g_variant_new_string (theirs), -40 * MINUTE_MS, error);
}

static gboolean
conflict_on_deadline (Demo      *d,
                      DemoCase  *c,
                      int        day,
                      GError   **error)
{
  Slot *s = first_written (c->deadlines, day);
  g_autofree char *mine = day_text (d, s->day + 7);
  g_autofree char *theirs = day_text (d, s->day + 14);

  return concurrent_edit (d, "deadline", s->id, c->id, "due_on", g_variant_new_string (mine),
                          g_variant_new_string (theirs), -25 * MINUTE_MS, error);
}

static gboolean
conflict_on_goal (Demo      *d,
                  DemoCase  *c,
                  GError   **error)
{
  Slot *s = first_written (c->goals, -1);
  g_autofree char *mine = g_strdup_printf ("%s, med stöd av ombudet", goals[s->text].text);
  g_autofree char *theirs = g_strdup_printf ("%s inom ett halvår", goals[s->text].text);

  return concurrent_edit (d, "goal", s->id, c->id, "body", g_variant_new_string (mine),
                          g_variant_new_string (theirs), -5 * MINUTE_MS, error);
}

/* Five fields edited on two devices at once: some where the other device
 * wrote last (its value shows, this one's is set aside), some the other way. */
static gboolean
make_conflicts (Demo      *d,
                int        day,
                GError   **error)
{
  guint cursor = 0;
  DemoCase *c;
  gboolean ok = TRUE;

  if (ok && (c = open_case (d, day, &cursor, has_surname)))
    ok = conflict_on_name (d, c, error);
  if (ok && (c = open_case (d, day, &cursor, has_contact)))
    ok = concurrent_edit (d, "contact", c->last_contact, c->id, "minutes", g_variant_new_int64 (90),
                          g_variant_new_int64 (120), 15 * MINUTE_MS, error);
  if (ok && (c = open_case (d, day, &cursor, has_upcoming_deadline)))
    ok = conflict_on_deadline (d, c, day, error);
  if (ok && (c = open_case (d, day, &cursor, has_other_ombud)))
    ok = concurrent_edit (d, "client_case", c->id, c->id, "assigned_ombud",
                          g_variant_new_string (d->ombuds[pick_ombud (d, c->place, day, c->ombud)]),
                          g_variant_new_string (d->ombuds[0]), 10 * MINUTE_MS, error);
  if (ok && (c = open_case (d, day, &cursor, has_goal)))
    ok = conflict_on_goal (d, c, error);
  return ok;
}

static gboolean
play_action (Demo          *d,
             const Action  *a,
             GError       **error)
{
  g_autofree char *on = day_text (d, a->day);
  DemoCase *c = a->c;

  switch (a->kind)
    {
    case ACT_ADD: return do_add (d, a, error);
    case ACT_REFER: return ombud_caseload_refer_case (d->caseload, c->id, c->reason, on, error);
    case ACT_START: return ombud_caseload_start_case (d->caseload, c->id, on, error);
    case ACT_REASSIGN:
      c->ombud = a->arg;
      return ombud_caseload_assign_case (d->caseload, c->id, d->ombuds[a->arg], error);
    case ACT_GOAL: return do_goal (d, a, error);
    case ACT_CONTACT: return do_contact (d, a, error);
    case ACT_NOTE: return do_note (d, a, error);
    case ACT_DEADLINE: return do_deadline (d, a, error);
    case ACT_DEADLINE_DONE: return do_deadline_done (d, a, error);
    case ACT_CLOSE: return ombud_caseload_close_case (d->caseload, c->id, c->reason, on, error);
    case ACT_DEFICIENCY: return do_deficiency (d, a, error);
    case ACT_DRAFT: return do_draft (d, a, error);
    case ACT_CONFLICTS: return make_conflicts (d, a->day, error);
    default: g_assert_not_reached ();
    }
}

static gboolean
play (Demo    *d,
      GError **error)
{
  for (guint i = 0; i < d->actions->len; i++)
    {
      const Action *a = &g_array_index (d->actions, Action, i);

      set_day (d, a->day);
      if (!play_action (d, a, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- setting up and summing up ---------------------------------------------- */

static void
demo_init (Demo             *d,
           guint32           seed,
           OmbudDemoSummary *summary)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GDate today;
  g_autofree char *first = NULL, *last = NULL;

  d->rand = g_rand_new_with_seed (seed);
  d->real_ms = g_date_time_to_unix (now) * 1000;
  g_date_set_dmy (&today, g_date_time_get_day_of_month (now), g_date_time_get_month (now),
                  g_date_time_get_year (now));
  g_date_set_dmy (&d->first, 1, G_DATE_JANUARY, g_date_get_year (&today) - 2);
  d->last = g_date_days_between (&d->first, &today);
  d->cases = g_ptr_array_new_with_free_func ((GDestroyNotify) demo_case_free);
  d->actions = g_array_new (FALSE, FALSE, sizeof (Action));
  d->summary = summary;
  set_day (d, 0);

  first = day_text (d, 0);
  last = day_text (d, d->last);
  g_strlcpy (summary->first_day, first, sizeof summary->first_day);
  g_strlcpy (summary->last_day, last, sizeof summary->last_day);
}

static void
demo_clear (Demo *d)
{
  g_clear_object (&d->caseload);
  for (guint i = 0; i < G_N_ELEMENTS (d->ombuds); i++)
    g_free (d->ombuds[i]);
  g_ptr_array_unref (d->cases);
  g_array_unref (d->actions);
  g_rand_free (d->rand);
}

#define refuse(error, ...) ombud_fail ((error), OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_STATE, __VA_ARGS__)

/* A profile that holds nothing but the schema's seeds, which are written at
 * time 0, has never stamped a version with its clock: nothing can sort
 * wrongly if that clock starts again in the demo's past.  Opening a profile
 * to read it moves the clock, so without this a first "case list" would
 * spoil it for the demo. */
static gboolean
rewind_unused_clock (sqlite3  *db,
                     GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean unused = FALSE;

  if (sqlite3_prepare_v2 (db, "SELECT NOT EXISTS (SELECT 1 FROM version WHERE hlc != 0 OR device != 0)",
                          -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    unused = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return !unused || ombud_vfs_exec (db, "UPDATE clock SET last = 0", error);
}

/* A clock that has stamped versions cannot go back to the demo's January,
 * so the demo needs a profile with nothing in it. */
static gboolean
demo_open (Demo        *d,
           OmbudStore  *store,
           GError     **error)
{
  g_autoptr(GVariant) cases = NULL;
  g_autofree char *today = NULL;

  if (!rewind_unused_clock (ombud_store_get_db (store), error))
    return FALSE;
  d->caseload = ombud_caseload_new_with_clock (store, demo_clock, d, error);
  if (d->caseload == NULL || (cases = ombud_queries_list_cases (d->caseload, error)) == NULL)
    return FALSE;
  if (g_variant_n_children (cases) > 0)
    return refuse (error, "this profile already has cases; demo data goes into a new profile");
  today = ombud_caseload_today (d->caseload);
  if (g_strcmp0 (today, d->summary->first_day) != 0)
    return refuse (error, "this profile has been in use since %s; demo data goes into a new profile", today);
  return TRUE;
}

static gboolean
sum_up (Demo    *d,
        GError **error)
{
  g_autoptr(GVariant) cases = ombud_queries_list_cases (d->caseload, error);
  g_autoptr(GVariant) conflicts = NULL;
  GVariantIter iter;
  const char *status;
  GVariant *row;

  if (cases == NULL || (conflicts = ombud_queries_list_conflicts (d->caseload, error)) == NULL)
    return FALSE;
  d->summary->conflicts = g_variant_n_children (conflicts);
  g_variant_iter_init (&iter, cases);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      if (g_variant_lookup (row, "status", "&s", &status))
        {
          d->summary->active += g_str_equal (status, "active");
          d->summary->queued += g_str_equal (status, "queued");
          d->summary->closed += g_str_equal (status, "closed");
          d->summary->referred += g_str_equal (status, "referred");
        }
      g_variant_unref (row);
    }
  return TRUE;
}

gboolean
ombud_demo_fill_summary (OmbudStore        *store,
                         guint32            seed,
                         OmbudDemoSummary  *summary,
                         GError           **error)
{
  OmbudDemoSummary unused = { 0 };
  Demo d = { 0 };
  gboolean ok;

  g_return_val_if_fail (OMBUD_IS_STORE (store), FALSE);

  if (summary == NULL)
    summary = &unused;
  memset (summary, 0, sizeof *summary);
  demo_init (&d, seed, summary);
  ok = demo_open (&d, store, error);
  if (ok)
    {
      sqlite3 *db = ombud_store_get_db (store);

      /* Thousands of small transactions: syncing the WAL after each would
       * take most of a minute.  A demo cut short by a crash is made again;
       * NORMAL in WAL mode still never leaves the database inconsistent. */
      plan (&d);
      ok = ombud_vfs_exec (db, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=20000", error)
           && add_team (&d, error) && play (&d, error) && sum_up (&d, error);
      ok = ombud_vfs_exec (db, "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=1000", ok ? error : NULL) && ok;
    }
  demo_clear (&d);
  return ok;
}

gboolean
ombud_demo_fill (OmbudStore  *store,
                 guint32      seed,
                 GError     **error)
{
  return ombud_demo_fill_summary (store, seed, NULL, error);
}
