/* caseload-gen.c: a large, realistic caseload written through the public API
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like shared/ombud-demo.c, but at a region's scale and with notes that are
 * not drawn from a handful of fixed texts: the history is planned first,
 * every case's dates drawn from the seed, then played in date order through
 * OmbudCaseload's one write path on a clock the generator moves day by day,
 * so that events, contacts, notes and versions carry the dates they would
 * have had and the outbox holds what the team would have synced.
 *
 * Every person is made up from common Swedish first names and surnames; no
 * real person is meant.  Municipality codes are the real kommunkoder;
 * populations and distances are rough, not official figures.
 */
#include "caseload-gen.h"

#include <string.h>

#include "ombud-caseload.h"

#define NEVER G_MAXINT

typedef struct {
  const char *code;
  const char *name;
  int         population;
  int         km;          /* a rough round trip from the team's office */
} Place;

static const Place places[] = {
  { "2303", "Ragunda", 5500, 180 },      { "2305", "Bräcke", 6500, 140 },
  { "2309", "Krokom", 15500, 50 },       { "2313", "Strömsund", 11500, 200 },
  { "2321", "Åre", 12000, 170 },         { "2326", "Berg", 7000, 150 },
  { "2361", "Härjedalen", 10000, 360 },  { "2380", "Östersund", 64000, 14 },
  { "2260", "Ånge", 9000, 110 },         { "2262", "Timrå", 18000, 30 },
  { "2280", "Härnösand", 25000, 60 },    { "2281", "Sundsvall", 99000, 12 },
  { "2282", "Kramfors", 18000, 90 },     { "2283", "Sollefteå", 19000, 130 },
  { "2284", "Örnsköldsvik", 56000, 20 }, { "2480", "Umeå", 130000, 10 },
  { "2481", "Lycksele", 12000, 140 },    { "2482", "Skellefteå", 75000, 16 },
  { "2506", "Arjeplog", 2700, 300 },     { "2510", "Jokkmokk", 5000, 240 },
  { "2523", "Gällivare", 17000, 150 },   { "2580", "Luleå", 79000, 12 },
  { "2581", "Piteå", 42000, 60 },        { "2584", "Kiruna", 22000, 200 },
};

static const char *const women[] = {
  "Anna", "Eva", "Maria", "Karin", "Kristina", "Lena", "Sara", "Emma", "Malin", "Johanna",
  "Ida", "Elin", "Linda", "Sofia", "Helena", "Ingrid", "Marie", "Camilla", "Jenny", "Therese",
  "Åsa", "Agneta", "Birgitta", "Märta", "Sölve", "Annika", "Frida", "Hanna", "Louise", "Ylva",
};
static const char *const men[] = {
  "Erik", "Lars", "Karl", "Anders", "Johan", "Per", "Mikael", "Niklas", "Daniel", "Jonas",
  "Fredrik", "Stefan", "Mattias", "Magnus", "Oskar", "Tommy", "Roger", "Kent", "Patrik", "Göran",
  "Åke", "Björn", "Örjan", "Bengt", "Håkan", "Jörgen", "Nils", "Olof", "Ulf", "Torbjörn",
};
static const char *const others[] = { "Alex", "Robin", "Kim", "Sam", "Charlie", "Love", "Mika" };
static const char *const surnames[] = {
  "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
  "Svensson", "Gustafsson", "Jonsson", "Hansson", "Lindberg", "Lindström", "Holm", "Sjöberg",
  "Wikström", "Öberg", "Näslund", "Hägglund", "Forsberg", "Berglund", "Sundqvist", "Åström",
  "Lundgren", "Bergström", "Nyström", "Mattsson", "Jakobsson", "Engström", "Hedlund", "Lundin",
  "Öhman", "Åberg", "Söderberg", "Strömberg", "Ekström", "Dahlberg", "Löfgren", "Sandström",
  "Marklund", "Lindqvist", "Nordin", "Backman", "Granström", "Hällström", "Boström", "Ångström",
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
static const Weighted actor_codes[] = {
  { "", 35 }, { "forsakringskassan", 22 }, { "social_services", 20 }, { "psychiatry", 16 },
  { "primary_care", 10 }, { "arbetsformedlingen", 10 }, { "kronofogden", 7 }, { "landlord", 7 },
  { "bank", 4 }, { "legal_aid", 2 }, { "other", 2 },
};
static const Weighted outcomes[] = { { "met", 5 }, { "partly_met", 3 }, { "not_met", 2 } };

static const struct { const char *area, *text; } goals[] = {
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

static const char *const deficiency_texts[] = {
  "Beslut om aktivitetsersättning tar över fem månader; klienterna står utan inkomst under tiden.",
  "Ingen handläggare för boendestöd under sommaren; ansökningar ligger obehandlade i sex veckor.",
  "Kallelser skickas bara digitalt; klienter utan e-legitimation missar sina tider.",
  "Hyrläkare byts var tredje vecka; klienterna får ingen fast läkarkontakt.",
  "Stängda lokalkontor: klienter i glesbygd väntas sköta allt digitalt.",
  "Inga lägenheter med hyra som går att betala med sjukersättning.",
};

/* ---- notes ------------------------------------------------------------------ */

/* Slots: %A an actor, %P a person, %M a municipality, %W a weekday, %N a
 * small number, %K an amount in kronor, %T a month, %D a date. */
static const char *const sentences[] = {
  "Vi gick igenom brevet från %A tillsammans.",
  "Klienten vill ansöka om aktivitetsersättning och jag hjälper till med blanketten.",
  "Följde med till %A på %W.",
  "Ringde %A tillsammans och bad om en avbetalningsplan på %K i månaden.",
  "Hyresvärden har skickat en påminnelse om hyran för %T.",
  "Vi skrev ett brev och bad om anstånd till %D.",
  "Klienten vill ha kontakt med %P igen.",
  "Möte med %A om boendestöd i %M.",
  "Läkarintyget behöver kompletteras innan ansökan kan skickas.",
  "Klienten valde att inte överklaga beslutet just nu.",
  "Gick igenom budgeten: el och telefon är betalda, %K kvar till mat.",
  "Pratade om sysselsättning och träffpunkten i %M.",
  "Inskrivningsmöte hos %A bokat till %W %D.",
  "Banken har spärrat kortet; vi beställde ett nytt på kontoret i %M.",
  "Klienten har fått beslut om bostadstillägg på %K.",
  "Samordnad individuell plan: mötet med %A flyttades %N dagar.",
  "Långt samtal om vad klienten vill uppnå med stödet.",
  "Ansökan om god man har skickats till tingsrätten.",
  "Klienten svarade inte på %N samtal; jag skickar ett brev.",
  "Vi åkte tillsammans till %A i %M.",
  "%P ringde och var orolig för klienten.",
  "Klienten berättade att %P har hjälpt till med tvätten.",
  "Skulden hos Kronofogden är nu %K.",
  "Överklagandet skickades till förvaltningsrätten %D.",
  "Klienten fick en ny tid hos tandvården om %N dagar.",
  "Receptet på apoteket var inte förnyat; vi ringde vårdcentralen.",
  "Färdtjänsten kom inte; vi tog bussen till %M i stället.",
  "Klienten är nöjd med lägenheten men vill byta till en mindre.",
  "Vi sökte lägenheter via bostadsförmedlingen i %M.",
  "Sjukpenningen drogs in i %T; vi begärde omprövning hos Försäkringskassan.",
  "Klienten har börjat på arbetsträningen tre dagar i veckan.",
  "Kuratorn på psykiatrin föreslog en samtalsgrupp på %W.",
  "Elräkningen på %K betalades efter påminnelse.",
  "Vi övade på att handla och betala med kort i affären.",
  "Klienten vill träffas mer sällan, ungefär var %N:e dag.",
  "Ansökan om försörjningsstöd lämnades in till socialtjänsten i %M.",
  "CSN har skickat ett krav på %K; vi ansöker om nedsättning.",
  "Skatteverket behöver en ny adress; vi gjorde flyttanmälan.",
  "Besök hos %P i %M tillsammans med klienten.",
  "Klienten var trött och ville korta mötet till %N minuter.",
  "Boendestödet kommer två gånger i veckan från och med %W.",
  "Vi förberedde frågor till läkaren om medicinen.",
  "Utredningen hos Arbetsförmedlingen är klar i %T.",
  "Klienten fick avslag på ansökan om sjukersättning; vi läste beslutet och överklagar.",
  "Hyresskulden på %K är betald och vräkningen stoppad.",
  "Den gode mannen tar över kontakterna med banken från %D.",
  "Vi sorterade posten: %N brev, varav två räkningar och en kallelse.",
  "Klienten mår bättre och har börjat promenera varje dag.",
  "Migrationsverket har begärt kompletterande handlingar till %D.",
  "Frivården och socialtjänsten har ett gemensamt möte på %W.",
  "Återbetalningskravet från Försäkringskassan på %K skrevs av.",
  "Klienten har svårt att sova och vill prata med psykiatrin om det.",
  "Vi fyllde i blanketten för färdtjänst och skickade den till %M.",
  "Hemtjänsten i %M har inte kommit på %N dagar.",
  "Klienten fick sitt första lönebesked från arbetsträningen.",
  "Vi pratade om julen och vilka klienten vill träffa då.",
};

static const char *const note_actors[] = {
  "Försäkringskassan", "Arbetsförmedlingen", "socialtjänsten", "psykiatrin", "vårdcentralen",
  "Kronofogden", "hyresvärden", "banken", "tandvården", "överförmyndaren", "tingsrätten",
  "budget- och skuldrådgivningen", "boendestödet", "kuratorn", "Migrationsverket", "apoteket",
  "färdtjänsten", "Skatteverket", "CSN", "frivården", "beroendemottagningen", "hemtjänsten",
};
static const char *const relations[] = {
  "systern", "brodern", "mamma", "pappa", "sonen", "dottern", "grannen", "handläggaren",
  "läkaren", "kontaktpersonen", "gode mannen", "sjuksköterskan", "vännen", "kusinen",
};
static const char *const weekdays[] = { "måndag", "tisdag", "onsdag", "torsdag", "fredag" };
static const char *const months[] = {
  "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
  "oktober", "november", "december",
};

/* ---- the plan ------------------------------------------------------------------ */

typedef struct {
  char *id;
  int   day;  /* a deadline's due day */
} Slot;

typedef struct {
  char        *id;
  const Place *place;
  const char  *gender;
  char        *name;
  int          birth_year;
  gboolean     minor_children;
  guint        ombud;
  int          requested;
  int          started;   /* NEVER: not (yet) */
  int          ends;      /* closed or referred on; NEVER: still open */
  gboolean     referred;
  const char  *reason;    /* closure reason, or referral target */
  GPtrArray   *slots;     /* Slot: the records it gathers, by plan order */
} Case;

/* Within a day, in this order. */
typedef enum {
  ACT_ADD,
  ACT_REFER,
  ACT_START,
  ACT_REASSIGN,
  ACT_GOAL,
  ACT_CONTACT,
  ACT_NOTE,
  ACT_DEADLINE,
  ACT_FIX_CONTACT,
  ACT_REWRITE_NOTE,
  ACT_DEADLINE_DONE,
  ACT_GOAL_OUTCOME,
  ACT_CLOSE,
  ACT_DEFICIENCY,
} ActionKind;

typedef struct {
  int        day;
  ActionKind kind;
  guint      seq;
  guint      c;     /* case index */
  guint      arg;   /* slot, ombud or text index */
} Action;

typedef struct {
  const ClGenParams *params;
  ClGenSummary      *summary;
  GRand             *rand;
  GDate              first;     /* day 0 */
  int                last;      /* today */
  gint64             now_ms;    /* the caseload's clock */
  gint64             real_ms;   /* never past the real time */
  OmbudCaseload     *caseload;
  guint              n_ombuds;
  char             **ombuds;    /* ids */
  guint             *ombud_place;
  Case              *cases;
  GArray            *actions;
} Gen;

static void
slot_free (Slot *s)
{
  g_free (s->id);
  g_free (s);
}

static gint64
gen_clock (gpointer data)
{
  Gen *g = data;

  g->now_ms += 5;
  return MIN (g->now_ms, g->real_ms);
}

static char *
day_text (Gen *g,
          int  day)
{
  GDate date = g->first;

  g_date_add_days (&date, day);
  return g_strdup_printf ("%04d-%02d-%02d", g_date_get_year (&date), g_date_get_month (&date),
                          g_date_get_day (&date));
}

static int
workday_from (Gen *g,
              int  day)
{
  GDate date = g->first;

  g_date_add_days (&date, day);
  while (g_date_get_weekday (&date) >= G_DATE_SATURDAY)
    {
      g_date_add_days (&date, 1);
      day++;
    }
  return day;
}

/* The clock goes to 08:00 on the day, local time, and never back. */
static void
set_day (Gen *g,
         int  day)
{
  GDate date = g->first;
  g_autoptr(GDateTime) morning = NULL;

  g_date_add_days (&date, day);
  morning = g_date_time_new_local (g_date_get_year (&date), g_date_get_month (&date),
                                   g_date_get_day (&date), 8, 0, 0);
  g->now_ms = MAX (g->now_ms, g_date_time_to_unix (morning) * 1000);
}

static int
between (Gen *g,
         int  lo,
         int  hi)
{
  return g_rand_int_range (g->rand, lo, hi + 1);
}

static gboolean
chance (Gen    *g,
        double  p)
{
  return g_rand_double (g->rand) < p;
}

static const char *
pick_weighted (Gen            *g,
               const Weighted *w,
               guint           n)
{
  int total = 0, r;

  for (guint i = 0; i < n; i++)
    total += w[i].weight;
  r = g_rand_int_range (g->rand, 0, total);
  for (guint i = 0; i < n; i++)
    if ((r -= w[i].weight) < 0)
      return w[i].code;
  return w[n - 1].code;
}

#define PICK(g, array) ((array)[g_rand_int_range ((g)->rand, 0, G_N_ELEMENTS (array))])
#define PICK_WEIGHTED(g, array) pick_weighted ((g), (array), G_N_ELEMENTS (array))

static guint
pick_place (Gen *g)
{
  int total = 0, r;

  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    total += places[i].population;
  r = g_rand_int_range (g->rand, 0, total);
  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    if ((r -= places[i].population) < 0)
      return i;
  return G_N_ELEMENTS (places) - 1;
}

/* An ombud who works in the place, or anyone when no one does. */
static guint
pick_ombud (Gen         *g,
            const Place *place,
            guint        not_this)
{
  guint start = g_rand_int_range (g->rand, 0, g->n_ombuds);

  for (guint k = 0; k < g->n_ombuds; k++)
    {
      guint i = (start + k) % g->n_ombuds;

      if (&places[g->ombud_place[i]] == place && i != not_this)
        return i;
    }
  return start;
}

static void
add_action (Gen        *g,
            int         day,
            ActionKind  kind,
            guint       c,
            guint       arg)
{
  Action a = { day, kind, g->actions->len, c, arg };

  g_array_append_val (g->actions, a);
}

static guint
add_slot (Case *c,
          int   day)
{
  Slot *s = g_new0 (Slot, 1);

  s->day = day;
  g_ptr_array_add (c->slots, s);
  return c->slots->len - 1;
}

static void
plan_person (Gen  *g,
             Case *c,
             guint index)
{
  const char *first;

  c->gender = PICK_WEIGHTED (g, genders);
  first = g_str_equal (c->gender, "woman") ? PICK (g, women)
          : g_str_equal (c->gender, "man") ? PICK (g, men) : PICK (g, others);
  /* Clients may stay anonymous: the ombud then writes a pseudonym. */
  if (chance (g, 0.05))
    c->name = g_strdup_printf ("Anonym %u", index + 1);
  else
    c->name = g_strdup_printf ("%s %s", first, PICK (g, surnames));
  c->birth_year = 1948 + (between (g, 0, 56) + between (g, 0, 56)) / 2;
  c->minor_children = chance (g, 0.18);
}

static int
plan_wait (Gen *g)
{
  double r = g_rand_double (g->rand);

  if (r < 0.3)
    return between (g, 0, 5);
  if (r < 0.8)
    return between (g, 6, 35);
  return between (g, 36, 90);
}

/* 5 to 30 meetings over the case's planned length; those after today have
 * not happened yet.  Some get their minutes corrected a few days later. */
static void
plan_contacts (Gen   *g,
               guint  ci,
               int    planned_end)
{
  Case *c = &g->cases[ci];
  int n = between (g, 5, 30);
  int span = planned_end - c->started;

  for (int k = 0; k < n; k++)
    {
      int day = workday_from (g, c->started + span * k / n + (k ? between (g, -3, 3) : 0));
      guint slot;

      if (day > planned_end || day > g->last)
        break;
      slot = add_slot (c, day);
      add_action (g, day, ACT_CONTACT, ci, slot);
      if (chance (g, 0.12))
        {
          int fix = day + between (g, 1, 7);

          if (fix < c->ends && fix <= g->last)
            add_action (g, fix, ACT_FIX_CONTACT, ci, slot);
        }
    }
}

/* About notes_per_case notes from the request to the closure or today,
 * some rewritten later. */
static void
plan_notes (Gen   *g,
            guint  ci)
{
  Case *c = &g->cases[ci];
  int avg = (int) g->params->notes_per_case;
  int n = between (g, avg * 2 / 5, avg * 8 / 5);
  int end = MIN (c->ends - 1, g->last);

  for (int k = 0; k < n; k++)
    {
      int day = between (g, c->requested, MAX (c->requested, end));
      guint slot = add_slot (c, day);

      add_action (g, day, ACT_NOTE, ci, slot);
      if (chance (g, 0.08))
        {
          int later = day + between (g, 1, 20);

          if (later < c->ends && later <= g->last)
            add_action (g, later, ACT_REWRITE_NOTE, ci, slot);
        }
    }
}

static void
plan_goals (Gen   *g,
            guint  ci)
{
  Case *c = &g->cases[ci];
  int n = between (g, 1, 3);

  for (int k = 0; k < n; k++)
    {
      int day = workday_from (g, c->started + between (g, 5, 25));
      guint slot;

      if (day >= c->ends || day > g->last)
        continue;
      slot = add_slot (c, day);
      add_action (g, day, ACT_GOAL, ci, slot);
      if (c->ends <= g->last)
        add_action (g, c->ends, ACT_GOAL_OUTCOME, ci, slot);
    }
}

static void
plan_deadlines (Gen   *g,
                guint  ci)
{
  Case *c = &g->cases[ci];
  int n = between (g, 0, 2);

  for (int k = 0; k < n; k++)
    {
      int day = workday_from (g, c->started + between (g, 3, 200));
      guint slot;
      int due;

      if (day >= c->ends || day > g->last)
        continue;
      due = day + between (g, 14, 56);
      slot = add_slot (c, due);
      add_action (g, day, ACT_DEADLINE, ci, slot);
      /* Met on the due day, or cleared when the case closes before it. */
      if (MIN (due, c->ends) <= g->last)
        add_action (g, MIN (due, c->ends), ACT_DEADLINE_DONE, ci, slot);
    }
}

static void
plan_case (Gen   *g,
           guint  ci,
           int    requested)
{
  Case *c = &g->cases[ci];
  int planned_end;

  c->slots = g_ptr_array_new_with_free_func ((GDestroyNotify) slot_free);
  c->place = &places[pick_place (g)];
  plan_person (g, c, ci);
  c->requested = requested;
  c->started = c->ends = NEVER;
  if (chance (g, 0.07))
    {
      c->referred = TRUE;
      c->reason = PICK_WEIGHTED (g, referral_targets);
      c->ends = workday_from (g, requested + between (g, 3, 25));
    }
  else
    c->started = workday_from (g, requested + plan_wait (g));
  planned_end = c->started == NEVER ? c->ends
                : workday_from (g, c->started + (between (g, 90, 780) + between (g, 90, 780)) / 2);
  if (c->started != NEVER && planned_end <= g->last)
    {
      c->ends = planned_end;
      c->reason = PICK_WEIGHTED (g, closure_reasons);
    }
  c->ombud = pick_ombud (g, c->place, G_MAXUINT);

  add_action (g, requested, ACT_ADD, ci, 0);
  plan_notes (g, ci);
  if (c->referred && c->ends <= g->last)
    add_action (g, c->ends, ACT_REFER, ci, 0);
  if (c->started > g->last)
    return;
  add_action (g, c->started, ACT_START, ci, 0);
  plan_goals (g, ci);
  plan_contacts (g, ci, planned_end);
  plan_deadlines (g, ci);
  if (planned_end - c->started > 200 && chance (g, 0.06))
    {
      int day = workday_from (g, (c->started + planned_end) / 2);

      if (day <= g->last && day < c->ends)
        add_action (g, day, ACT_REASSIGN, ci, pick_ombud (g, c->place, c->ombud));
    }
  if (c->ends <= g->last)
    add_action (g, c->ends, ACT_CLOSE, ci, 0);
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

/* Requests spread evenly over the working days, the last few days aside. */
static void
plan (Gen *g)
{
  guint n = g->params->n_cases;
  guint n_deficiencies = MAX (4, n / 250);

  for (guint i = 0; i < g->n_ombuds; i++)
    g->ombud_place[i] = pick_place (g);
  for (guint i = 0; i < n; i++)
    plan_case (g, i, workday_from (g, (int) ((gint64) (g->last - 10) * i / n)));
  for (guint i = 0; i < n_deficiencies; i++)
    add_action (g, workday_from (g, (int) ((gint64) (g->last - 10) * (i + 1) / (n_deficiencies + 1))),
                ACT_DEFICIENCY, 0, i % G_N_ELEMENTS (deficiency_texts));
  g_array_sort (g->actions, compare_actions);
}

/* ---- playing it ----------------------------------------------------------------- */

static void
append_slot (Gen        *g,
             GString    *out,
             char        slot)
{
  switch (slot)
    {
    case 'A': g_string_append (out, PICK (g, note_actors)); break;
    case 'P':
      g_string_append_printf (out, "%s %s", PICK (g, relations),
                              chance (g, 0.5) ? PICK (g, women) : PICK (g, men));
      break;
    case 'M': g_string_append (out, places[pick_place (g)].name); break;
    case 'W': g_string_append (out, PICK (g, weekdays)); break;
    case 'N': g_string_append_printf (out, "%d", between (g, 2, 30)); break;
    case 'K': g_string_append_printf (out, "%d kr", 50 * between (g, 4, 500)); break;
    case 'T': g_string_append (out, PICK (g, months)); break;
    case 'D': g_string_append_printf (out, "den %d %s", between (g, 1, 28), PICK (g, months)); break;
    default: g_string_append_c (out, slot);
    }
}

static char *
note_text (Gen *g)
{
  GString *out = g_string_new (NULL);
  int n = between (g, 2, 5);

  for (int i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      for (const char *p = PICK (g, sentences); *p; p++)
        {
          if (*p == '%' && p[1])
            append_slot (g, out, *++p);
          else
            g_string_append_c (out, *p);
        }
    }
  return g_string_free (out, FALSE);
}

static gboolean
add_team (Gen     *g,
          GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    {
      g_autofree char *id = ombud_caseload_add_municipality (g->caseload, places[i].code, places[i].name,
                                                             places[i].population, error);
      if (id == NULL)
        return FALSE;
      g->summary->municipalities++;
    }
  for (guint i = 0; i < g->n_ombuds; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s %s", i % 2 ? PICK (g, men) : PICK (g, women),
                                               PICK (g, surnames));

      g->ombuds[i] = ombud_caseload_add_ombud (g->caseload, name, i % 12 ? "ombud" : "coordinator", error);
      if (g->ombuds[i] == NULL)
        return FALSE;
      g->summary->ombuds++;
    }
  return TRUE;
}

static gboolean
do_add (Gen           *g,
        const Action  *a,
        GError       **error)
{
  Case *c = &g->cases[a->c];
  g_autofree char *on = day_text (g, a->day);
  OmbudCaseInput in = {
    .client_name = c->name, .municipality = c->place->name, .gender = c->gender,
    .birth_year = c->birth_year, .has_minor_children = c->minor_children,
    .queued = TRUE, .requested_on = on,  /* started by its own event */
  };

  c->id = ombud_caseload_add_case (g->caseload, &in, error);
  g->summary->cases++;
  g->summary->transactions++;
  return c->id != NULL && ombud_caseload_assign_case (g->caseload, c->id, g->ombuds[c->ombud], error);
}

static int
meeting_minutes (Gen        *g,
                 const char *form)
{
  if (g_str_equal (form, "phone"))
    return 5 * between (g, 2, 8);
  if (g_str_equal (form, "video"))
    return 5 * between (g, 4, 12);
  return 5 * between (g, 9, 30);
}

static gboolean
do_contact (Gen           *g,
            const Action  *a,
            GError       **error)
{
  Case *c = &g->cases[a->c];
  Slot *s = g_ptr_array_index (c->slots, a->arg);
  g_autofree char *on = day_text (g, a->day);
  const char *who[3] = { NULL, NULL, NULL };
  OmbudContactInput in = { .on_date = on, .form = PICK_WEIGHTED (g, forms), .actors = who };
  const char *first = PICK_WEIGHTED (g, actor_codes);
  const char *second = PICK_WEIGHTED (g, actor_codes);

  if (*first)
    who[0] = first;
  if (*first && *second && !g_str_equal (first, second) && chance (g, 0.3))
    who[1] = second;
  in.minutes = meeting_minutes (g, in.form);
  /* Meetings at home or in a neutral place mean a drive, at about 70 km/h. */
  if (g_str_equal (in.form, "home_visit") || g_str_equal (in.form, "neutral_place"))
    {
      in.km = c->place->km + between (g, -c->place->km / 5, c->place->km / 5);
      in.travel_minutes = 5 * ((in.km * 60 / 70 + 4) / 5);
    }
  s->id = ombud_caseload_add_contact (g->caseload, c->id, &in, error);
  g->summary->contacts++;
  return s->id != NULL;
}

static gboolean
do_note (Gen           *g,
         const Action  *a,
         GError       **error)
{
  Slot *s = g_ptr_array_index (g->cases[a->c].slots, a->arg);
  g_autofree char *text = note_text (g);

  s->id = ombud_caseload_add_note (g->caseload, g->cases[a->c].id, text, TRUE, error);
  g->summary->notes++;
  return s->id != NULL;
}

static gboolean
do_goal (Gen           *g,
         const Action  *a,
         GError       **error)
{
  Slot *s = g_ptr_array_index (g->cases[a->c].slots, a->arg);
  guint i = g_rand_int_range (g->rand, 0, G_N_ELEMENTS (goals));

  s->id = ombud_caseload_add_goal (g->caseload, g->cases[a->c].id, goals[i].area, goals[i].text, error);
  g->summary->goals++;
  return s->id != NULL;
}

static gboolean
do_deadline (Gen           *g,
             const Action  *a,
             GError       **error)
{
  Slot *s = g_ptr_array_index (g->cases[a->c].slots, a->arg);
  g_autofree char *due = day_text (g, s->day);

  s->id = ombud_caseload_add_deadline (g->caseload, g->cases[a->c].id, due, PICK (g, deadline_texts), error);
  g->summary->deadlines++;
  return s->id != NULL;
}

/* A later change to one field of a record written before. */
static gboolean
do_edit (Gen           *g,
         const Action  *a,
         const char    *table,
         const char    *field,
         GVariant      *value,
         GError       **error)
{
  Slot *s = g_ptr_array_index (g->cases[a->c].slots, a->arg);

  g->summary->edits++;
  return ombud_caseload_set_field (g->caseload, table, s->id, field, value, error);
}

static gboolean
do_rewrite_note (Gen           *g,
                 const Action  *a,
                 GError       **error)
{
  g_autofree char *text = note_text (g);

  return do_edit (g, a, "note", "body", g_variant_new_string (text), error);
}

static gboolean
do_deficiency (Gen           *g,
               const Action  *a,
               GError       **error)
{
  static const char *const levels[] = { "caseworker", "local", "central" };
  static const char *const actors[] = { "forsakringskassan", "social_services", "psychiatry", "primary_care" };
  g_autofree char *id = ombud_caseload_add_deficiency (g->caseload, PICK (g, levels), PICK (g, actors),
                                                       deficiency_texts[a->arg],
                                                       places[pick_place (g)].name, error);

  g->summary->deficiencies++;
  return id != NULL;
}

static gboolean
play_action (Gen           *g,
             const Action  *a,
             GError       **error)
{
  g_autofree char *on = day_text (g, a->day);
  Case *c = &g->cases[a->c];

  g->summary->transactions++;
  switch (a->kind)
    {
    case ACT_ADD: return do_add (g, a, error);
    case ACT_REFER:
      g->summary->referred++;
      return ombud_caseload_refer_case (g->caseload, c->id, c->reason, on, error);
    case ACT_START: return ombud_caseload_start_case (g->caseload, c->id, on, error);
    case ACT_REASSIGN:
      c->ombud = a->arg;
      return ombud_caseload_assign_case (g->caseload, c->id, g->ombuds[a->arg], error);
    case ACT_GOAL: return do_goal (g, a, error);
    case ACT_CONTACT: return do_contact (g, a, error);
    case ACT_NOTE: return do_note (g, a, error);
    case ACT_DEADLINE: return do_deadline (g, a, error);
    case ACT_FIX_CONTACT:
      return do_edit (g, a, "contact", "minutes", g_variant_new_int64 (5 * between (g, 3, 24)), error);
    case ACT_REWRITE_NOTE: return do_rewrite_note (g, a, error);
    case ACT_DEADLINE_DONE: return do_edit (g, a, "deadline", "done", g_variant_new_int64 (1), error);
    case ACT_GOAL_OUTCOME:
      return do_edit (g, a, "goal", "outcome", g_variant_new_string (PICK_WEIGHTED (g, outcomes)), error);
    case ACT_CLOSE:
      g->summary->closed++;
      return ombud_caseload_close_case (g->caseload, c->id, c->reason, on, error);
    case ACT_DEFICIENCY: return do_deficiency (g, a, error);
    default: g_assert_not_reached ();
    }
}

static gboolean
play (Gen     *g,
      GError **error)
{
  gint64 started = g_get_monotonic_time ();
  guint step = MAX (1, g->actions->len / 10);

  for (guint i = 0; i < g->actions->len; i++)
    {
      const Action *a = &g_array_index (g->actions, Action, i);

      set_day (g, a->day);
      if (!play_action (g, a, error))
        {
          g_prefix_error (error, "action %u (kind %d, day %d): ", i, a->kind, a->day);
          return FALSE;
        }
      if ((i + 1) % step == 0)
        g_printerr ("  built %u%% (%u of %u writes) in %.0f s\n", (i + 1) * 100 / g->actions->len,
                    i + 1, g->actions->len, (g_get_monotonic_time () - started) / 1e6);
    }
  return TRUE;
}

/* ---- setting up ------------------------------------------------------------------ */

static void
gen_init (Gen               *g,
          const ClGenParams *params,
          ClGenSummary      *summary)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *first = NULL, *last = NULL;
  GDate today;

  memset (summary, 0, sizeof *summary);
  g->params = params;
  g->summary = summary;
  g->rand = g_rand_new_with_seed (params->seed);
  g->real_ms = g_date_time_to_unix (now) * 1000;
  g_date_set_dmy (&today, g_date_time_get_day_of_month (now), g_date_time_get_month (now),
                  g_date_time_get_year (now));
  g->first = today;
  g_date_subtract_years (&g->first, params->years);
  g->last = g_date_days_between (&g->first, &today);
  g->n_ombuds = MAX (4, params->n_cases / 100);
  g->ombuds = g_new0 (char *, g->n_ombuds + 1);
  g->ombud_place = g_new0 (guint, g->n_ombuds);
  g->cases = g_new0 (Case, params->n_cases);
  g->actions = g_array_new (FALSE, FALSE, sizeof (Action));
  set_day (g, 0);

  first = day_text (g, 0);
  last = day_text (g, g->last);
  g_strlcpy (summary->first_day, first, sizeof summary->first_day);
  g_strlcpy (summary->last_day, last, sizeof summary->last_day);
}

static void
gen_clear (Gen *g)
{
  g_clear_object (&g->caseload);
  for (guint i = 0; i < g->params->n_cases; i++)
    {
      g_free (g->cases[i].id);
      g_free (g->cases[i].name);
      g_clear_pointer (&g->cases[i].slots, g_ptr_array_unref);
    }
  g_free (g->cases);
  g_strfreev (g->ombuds);
  g_free (g->ombud_place);
  g_array_unref (g->actions);
  g_rand_free (g->rand);
}

gboolean
cl_gen_fill (OmbudStore         *store,
             const ClGenParams  *params,
             ClGenSummary       *summary,
             GError            **error)
{
  Gen g = { 0 };
  gboolean ok;

  g_return_val_if_fail (OMBUD_IS_STORE (store), FALSE);

  gen_init (&g, params, summary);
  /* A new store's clock has stamped nothing but the seeds (time 0), so it
   * can start in the past. */
  g.caseload = ombud_caseload_new_with_clock (store, gen_clock, &g, error);
  ok = g.caseload != NULL;
  if (ok)
    {
      plan (&g);
      ok = add_team (&g, error) && play (&g, error);
    }
  gen_clear (&g);
  return ok;
}

const char *const *
cl_gen_first_names (guint *n)
{
  *n = G_N_ELEMENTS (women);
  return women;
}

const char *const *
cl_gen_surnames (guint *n)
{
  *n = G_N_ELEMENTS (surnames);
  return surnames;
}
