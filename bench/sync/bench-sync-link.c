/* bench-sync-link.c: sync over a weak rural link, against its lower bound
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real ombud-office on loopback, a coordinator and an ombud's laptop A1
 * that talk to it directly; A1 makes a caseload of 40 clients with 50
 * approved notes each (200–600 characters of Swedish-looking text from a
 * seeded generator) and three contacts each, and syncs it to the office.  A
 * second laptop A2 of the same ombud talks to the office through
 * tests/net/ombud-netem, which emulates the link: 150 ms one way in each
 * direction, 32 KiB/s down, 16 KiB/s up.  Measured through the proxy:
 *
 *  a. initial: the first sync of A2 after it was admitted and A1 granted it
 *     the case keys, the one that brings the caseload.  Admission takes
 *     syncs of its own (A2 once while pending, the coordinator twice, A1
 *     twice); they run before, with the proxy transparent, and are not
 *     measured.  The measured sync is every request of one
 *     ombud_sync_engine_sync() call: directory, keys, all changesets.
 *  b. incremental: A2 edits 20 notes and writes 10 new ones; the coordinator
 *     has edited an office-tier field (birth year) of 5 of the cases and
 *     synced directly before; one sync of A2.
 *  c. empty: one more sync of A2 with nothing on either side.
 *  a'. (unless --no-variant) the initial sync of a third laptop A3 with the
 *     pull budget raised to 8 MiB (ombud_sync_engine_set_budget, the
 *     office's maximum), the measured effect of fewer round trips.
 *
 * For each: wall time, bytes up and down, HTTP requests and TCP connections
 * as the proxy counted them (payload bytes: HTTP headers and bodies, no
 * TCP/IP headers), each beside its lower bound:
 *
 *   bytes_down_lower: the changesets the office routes to the laptop for
 *     this sync, listed from the office's store (exactly what it will send),
 *     each opened with the laptop's keys after the sync, as the laptop
 *     applies it, and re-encoded with ombud_changeset_encode(); the
 *     concatenation of those encodings compressed as one zstd stream at
 *     level 3.  Directory, key grants and certificates are not counted.
 *   bytes_up_lower: the same for what the laptop pushes: the body column
 *     (ombud_changeset_encode() as the writer stored it) of its outbox rows
 *     that may leave (hold IS NULL), read before the sync, concatenated and
 *     compressed as one zstd stream at level 3.
 *   time_lower: 1 round trip (2 x 150 ms: the one request a sync cannot do
 *     without) + bytes_down_lower / 32 KiB/s + bytes_up_lower / 16 KiB/s.
 *     The TCP handshake is not counted: the proxy accepts on loopback and
 *     delays only payload, so no configuration can pay for it here; on a
 *     real link add 300 ms (and 300 ms more for TLS) to both sides.
 *   requests and connections: 1 each.
 *
 * A lower bound of 0 (nothing to push in the initial sync, nothing at all
 * in the empty one) gives "ratio": null.  The goals are printed to
 * stderr, met or missed, never asserted; so is a breakdown of where the
 * bytes and the time went (sealed-changeset framing, per-changeset
 * compression, round trips, HTTP), with estimates of what changes to the
 * product would bring (computed here from the same data, not applied).
 */
#include "office-fixture.h"

#include <locale.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <zdict.h>
#include <zstd.h>

#include "ombud-envelope.h"
#include "ombud-fields.h"
#include "ombud-netem.h"
#include "ombud-office-backend.h"
#include "ombud-seal.h"
#include "ombud-sync-message.h"
#include "ombud-sync-state.h"

#define LATENCY_MS       150
#define RATE_DOWN        (32 * 1024)
#define RATE_UP          (16 * 1024)
#define RTT_S            (2 * LATENCY_MS / 1000.0)
#define ZSTD_LEVEL       3
#define ENGINE_BUDGET    (256 * 1024)      /* PULL_BUDGET in sync/ombud-sync-engine.c */
#define VARIANT_BUDGET   (8 * 1024 * 1024) /* MAX_BUDGET in office/ombud-office-handler.c */
#define PART_FRAMING     45                /* OmbudSealPart.length beyond the compressed bytes */
#define SEAL_FRAMING     (1 + 76 + 1 + 64)   /* version, header, number of parts, signature */
#define DICT_SIZE        (16 * 1024)

typedef struct {
  guint   clients;
  guint   notes;
  guint   contacts;
  guint32 seed;
  gboolean variant;
  gboolean calibrate;
} Params;

/* ---- output ------------------------------------------------------------------- */

static void
emit (const char *bench,
      double      ours,
      double      baseline,
      const char *unit)
{
  if (baseline > 0)
    g_print ("{\"bench\":\"%s\",\"ours\":%.4g,\"baseline\":%.4g,\"ratio\":%.3f,\"unit\":\"%s\"}\n",
             bench, ours, baseline, ours / baseline, unit);
  else
    g_print ("{\"bench\":\"%s\",\"ours\":%.4g,\"baseline\":%.4g,\"ratio\":null,\"unit\":\"%s\"}\n",
             bench, ours, baseline, unit);
}

static gsize
zstd_size (const guint8 *data,
           gsize         len)
{
  gsize bound = ZSTD_compressBound (len);
  g_autofree guint8 *out = g_malloc (bound);
  gsize n = ZSTD_compress (out, bound, data, len, ZSTD_LEVEL);

  g_assert_false (ZSTD_isError (n));
  return n;
}

/* ---- Swedish-looking text --------------------------------------------------------
 *
 * Made up from Swedish function words, verbs, adjectives and compound nouns
 * built from stems (so the vocabulary is open, as a real one is), names,
 * places, dates, times and amounts, in a few sentence shapes.  Calibrated so
 * that the text of all notes compresses about as well as real prose does
 * (stderr says how well). */

static const char *const function_words[] = {
  "och", "att", "det", "som", "en", "på", "är", "av", "för", "med", "till", "den", "har", "inte",
  "om", "ett", "men", "var", "så", "kan", "när", "sin", "ska", "efter", "också", "bara", "mycket",
  "sedan", "nu", "där", "mot", "under", "vid", "från", "hade", "inget", "alla", "eller", "här",
  "kommer", "blev", "mer", "igen", "redan", "ännu", "ofta", "aldrig", "alltid", "tillsammans",
  "eftersom", "därför", "dock", "fortfarande", "ganska", "väldigt", "lite", "helt", "kanske",
};
static const char *const subjects[] = {
  "Klienten", "Hen", "Hon", "Han", "Jag", "Vi", "Handläggaren", "Dottern", "Sonen", "Läkaren",
  "Kontaktpersonen", "Boendestödjaren", "Gode mannen", "Sjuksköterskan", "Grannen", "Systern",
};
static const char *const verbs[] = {
  "ringde", "träffade", "skickade", "berättade om", "behöver", "vill ha", "fick", "lämnade in",
  "följde med till", "hjälpte till med", "överklagade", "ansökte om", "pratade om", "väntar på",
  "oroar sig för", "bokade", "tog upp", "läste igenom", "fyllde i", "undertecknade", "glömde",
  "hittade", "beställde", "avbokade", "kontaktade", "mejlade", "besökte", "diskuterade",
  "planerade", "förklarade", "sammanställde", "begärde", "fick avslag på", "fick beviljat",
};
static const char *const infinitives[] = {
  "ringa", "skicka", "kontakta", "boka", "överklaga", "söka", "fylla i", "lämna in", "ta med",
  "besöka", "förbereda", "läsa igenom", "höra av sig om", "följa upp", "begära", "kopiera",
};
static const char *const agreements[] = {
  "Vi kom överens om att", "Vi bestämde att", "Nästa steg blir att", "Det är oklart om",
  "Vi pratade om att", "Planen är att", "Hen tycker att", "Jag föreslog att", "Det är viktigt att",
  "Till nästa gång", "Om inget händer", "Innan mötet",
};
static const char *const adjectives[] = {
  "nya", "gamla", "långa", "korta", "viktiga", "svåra", "enkla", "senaste", "första", "andra",
  "skriftliga", "muntliga", "tillfälliga", "ekonomiska", "medicinska", "rättsliga", "stora",
  "oklara", "försenade", "kompletta", "ofullständiga", "aktuella", "tidigare", "nästa",
};
static const char *const stems[] = {
  "kommun", "social", "tjänst", "handläggar", "beslut", "bistånd", "ansökan", "boende", "stöd",
  "psykiatri", "vård", "central", "läkar", "besök", "möte", "samtal", "brev", "försäkring",
  "kassa", "sjuk", "penning", "hyres", "skuld", "lån", "bank", "konto", "avgift", "räkning",
  "mat", "pengar", "arbets", "förmedling", "praktik", "plats", "kontakt", "person", "förvaltar",
  "överförmyndar", "blankett", "intyg", "journal", "kopia", "hälso", "mående", "sömn", "medicin",
  "recept", "apotek", "tand", "akut", "mottagning", "buss", "kort", "färd", "tillstånd", "insats",
  "hem", "hjälp", "tid", "vecka", "kväll", "morgon", "lägenhet", "värd", "kontrakt", "el",
  "telefon", "abonnemang", "post", "ombud", "fullmakt", "skatte", "verk", "deklaration",
  "pension", "bostads", "tillägg", "aktivitet", "ersättning", "kurator", "skola", "förskola",
  "barn", "familj", "relation", "våld", "skydd", "polis", "anmälan", "dom", "tingsrätt",
  "advokat", "jurist", "utredning", "plan", "mål", "uppföljning", "remiss", "specialist",
  "behandling", "grupp", "dag", "verksamhet", "cykel", "bil", "körkort", "legitimation", "pass",
  "migration", "uppehålls", "arbete", "lön", "a-kassa", "facket", "studie", "medel", "csn",
  "budget", "spar", "inkasso", "kronofogde", "betalnings", "förläggande", "skulds", "sanering",
};
static const char *const suffixes[] = {
  "", "", "", "en", "et", "er", "erna", "ar", "arna", "na", "n", "s", "ens", "ets",
};
static const char *const prepositions[] = {
  "på", "i", "till", "med", "från", "hos", "om", "för", "inför", "efter", "under", "angående",
};
static const char *const when[] = {
  "i dag", "i går", "i förrgår", "på måndag", "på tisdag", "på onsdag", "på torsdag",
  "på fredag", "nästa vecka", "förra veckan", "efter lunch", "i morgon", "om två veckor",
  "i slutet av månaden", "innan helgen", "efter semestern",
};
static const char *const months[] = {
  "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
  "oktober", "november", "december",
};
static const char *const first_names[] = {
  "Anna", "Eva", "Maria", "Karin", "Kristina", "Lena", "Sara", "Emma", "Malin", "Johanna",
  "Erik", "Lars", "Karl", "Anders", "Johan", "Per", "Mikael", "Niklas", "Åke", "Björn",
  "Örjan", "Bengt", "Håkan", "Märta", "Åsa", "Ylva", "Robin", "Kim", "Göran", "Ingrid",
};
static const char *const surnames[] = {
  "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
  "Lindberg", "Lindström", "Sjöberg", "Wikström", "Öberg", "Näslund", "Hägglund", "Åström",
  "Lundgren", "Nyström", "Engström", "Hedlund", "Öhman", "Åberg", "Söderberg", "Marklund",
};
static const char *const orgs[] = {
  "Försäkringskassan", "socialtjänsten", "vårdcentralen", "Arbetsförmedlingen", "banken",
  "hyresvärden", "Skatteverket", "Kronofogden", "psykiatrin", "överförmyndaren", "apoteket",
};
static const char *const places[] = {
  "Östersund", "Krokom", "Åre", "Strömsund", "Bräcke", "Ragunda", "Berg", "Härjedalen",
};

/* Tuned so that the text of a whole caseload compresses about 3x as one
 * zstd -3 stream, as real prose does (--calibrate prints it). */
#define RARE_WORDS 0.55

#define PICK(rand, list) ((list)[g_rand_int_range ((rand), 0, G_N_ELEMENTS (list))])

/* Frequent words are frequent: a skewed pick from the front of the list. */
static const char *
pick_skewed (GRand              *rand,
             const char * const *list,
             guint               n)
{
  double u = g_rand_double (rand);

  return list[(guint) (u * u * n)];
}

/* The long tail of a real vocabulary: words seen once or twice in a
 * caseload (places, firms, medicines, rare words), made from syllables. */
static void
add_rare_word (GString *s,
               GRand   *rand)
{
  static const char *const onsets[] = {
    "", "b", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "sk", "st",
    "sp", "tr", "fr", "gr", "kl", "bl", "sj", "tj", "br", "dr", "fl", "kr", "sn", "sv",
  };
  static const char *const nuclei[] = { "a", "e", "i", "o", "u", "y", "å", "ä", "ö", "ei", "au" };
  static const char *const codas[] = {
    "", "", "n", "r", "l", "s", "t", "k", "ng", "nd", "rt", "st", "ll", "mm", "tt", "rk", "lm",
  };

  for (guint i = g_rand_int_range (rand, 2, 4); i > 0; i--)
    g_string_append_printf (s, "%s%s%s", PICK (rand, onsets), PICK (rand, nuclei), PICK (rand, codas));
}

static void
add_noun (GString *s,
          GRand   *rand)
{
  guint n_stems = 1 + (g_rand_double (rand) < 0.5) + (g_rand_double (rand) < 0.12);

  if (g_rand_double (rand) < RARE_WORDS)
    {
      add_rare_word (s, rand);
      return;
    }
  for (guint i = 0; i < n_stems; i++)
    g_string_append (s, PICK (rand, stems));
  g_string_append (s, PICK (rand, suffixes));
}

static void
add_object (GString *s,
            GRand   *rand)
{
  switch (g_rand_int_range (rand, 0, 6))
    {
    case 0:
      g_string_append_printf (s, "%s ", g_rand_boolean (rand) ? "en" : "ett");
      break;
    case 1:
      g_string_append_printf (s, "den %s ", PICK (rand, adjectives));
      break;
    case 2:
      g_string_append_printf (s, "%s ", PICK (rand, adjectives));
      break;
    default:
      break;
    }
  add_noun (s, rand);
}

static void
add_detail (GString *s,
            GRand   *rand)
{
  switch (g_rand_int_range (rand, 0, 9))
    {
    case 0:
      g_string_append_printf (s, " den %d %s", g_rand_int_range (rand, 1, 29), PICK (rand, months));
      break;
    case 1:
      g_string_append_printf (s, " kl. %d.%02d", g_rand_int_range (rand, 8, 18), 15 * g_rand_int_range (rand, 0, 4));
      break;
    case 2:
      g_string_append_printf (s, " på %d %03d kr", g_rand_int_range (rand, 1, 40), g_rand_int_range (rand, 0, 1000));
      break;
    case 3:
      g_string_append_printf (s, " hos %s", PICK (rand, orgs));
      break;
    case 4:
      g_string_append (s, " i ");
      if (g_rand_boolean (rand))
        g_string_append (s, PICK (rand, places));
      else
        {
          gsize at = s->len;

          add_rare_word (s, rand);
          s->str[at] = g_ascii_toupper (s->str[at]);
        }
      break;
    case 5:
      g_string_append_printf (s, " %s", PICK (rand, when));
      break;
    default:
      g_string_append_printf (s, " %s ", PICK (rand, prepositions));
      add_object (s, rand);
    }
}

static void
add_subject (GString *s,
             GRand   *rand)
{
  double u = g_rand_double (rand);

  if (u < 0.2)
    g_string_append_printf (s, "%s %s", PICK (rand, first_names), PICK (rand, surnames));
  else if (u < 0.35)
    g_string_append (s, PICK (rand, first_names));
  else
    g_string_append (s, PICK (rand, subjects));
}

static void
add_verb (GString *s,
          GRand   *rand)
{
  static const char *const auxiliaries[] = { "har", "hade", "ska", "vill", "måste", "kan", "brukar" };

  if (g_rand_double (rand) < 0.3)
    g_string_append_printf (s, "%s %s", PICK (rand, auxiliaries), PICK (rand, infinitives));
  else
    g_string_append (s, PICK (rand, verbs));
  if (g_rand_double (rand) < 0.3)
    g_string_append_printf (s, " %s", pick_skewed (rand, function_words, G_N_ELEMENTS (function_words)));
  else if (g_rand_double (rand) < 0.15)
    {
      g_string_append_c (s, ' ');
      add_rare_word (s, rand);
    }
}

static void
add_sentence (GString *s,
              GRand   *rand)
{
  gsize start = s->len;

  switch (g_rand_int_range (rand, 0, 6))
    {
    case 0:
      g_string_append_printf (s, "%s ", PICK (rand, when));
      add_verb (s, rand);
      g_string_append_c (s, ' ');
      add_subject (s, rand);
      break;
    case 1:
      add_subject (s, rand);
      g_string_append (s, " berättade att ");
      add_subject (s, rand);
      g_string_append_c (s, ' ');
      add_verb (s, rand);
      break;
    case 2:
      g_string_append_printf (s, "%s ", PICK (rand, agreements));
      add_subject (s, rand);
      g_string_append_printf (s, " ska %s", PICK (rand, infinitives));
      break;
    case 3:
      g_string_append_printf (s, "%s %s på %s ", PICK (rand, first_names), PICK (rand, surnames), PICK (rand, orgs));
      add_verb (s, rand);
      break;
    default:
      add_subject (s, rand);
      g_string_append_c (s, ' ');
      add_verb (s, rand);
    }
  g_string_append_c (s, ' ');
  add_object (s, rand);
  for (guint i = g_rand_int_range (rand, 0, 3); i > 0; i--)
    add_detail (s, rand);
  g_string_append (s, ". ");
  /* sentence case */
  if (g_ascii_islower (s->str[start]))
    s->str[start] = g_ascii_toupper (s->str[start]);
}

/* 200–600 characters (bytes of UTF-8), whole sentences. */
static char *
make_note (GRand *rand)
{
  GString *s = g_string_new (NULL);
  guint target = g_rand_int_range (rand, 200, 601);

  while (s->len < target)
    {
      gsize before = s->len;

      add_sentence (s, rand);
      if (s->len > 600 && before >= 200)
        {
          g_string_truncate (s, before);
          break;
        }
      if (s->len > 600)
        g_string_truncate (s, 600);
    }
  g_strchomp (s->str);
  s->len = strlen (s->str);
  /* a cut inside a character would not be valid UTF-8 */
  while (!g_utf8_validate (s->str, -1, NULL))
    g_string_truncate (s, s->len - 1);
  return g_string_free (s, FALSE);
}

/* How the text of a caseload's notes compresses, as one stream and note by
 * note; with --calibrate, a few samples too. */
static void
calibrate (const Params *p,
           gboolean      samples)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (p->seed);
  g_autoptr(GByteArray) text = g_byte_array_new ();
  guint64 alone = 0;

  for (guint i = 0; i < p->clients * p->notes; i++)
    {
      g_autofree char *note = make_note (rand);

      if (samples && i < 3)
        g_printerr ("# sample note: %s\n", note);
      g_byte_array_append (text, (const guint8 *) note, strlen (note));
      alone += zstd_size ((const guint8 *) note, strlen (note));
    }
  g_printerr ("# the note generator, %u notes: %u bytes (%.0f each); they compress %.2fx as one zstd -3 stream,"
              " %.2fx note by note\n", p->clients * p->notes, text->len, text->len / (double) (p->clients * p->notes),
              text->len / (double) zstd_size (text->data, text->len), text->len / (double) alone);
}

/* ---- the team -------------------------------------------------------------------- */

static const char *const municipality_names[] = { "Östersund", "Krokom", "Åre" };
static const char *const municipality_codes[] = { "2380", "2309", "2321" };

typedef struct {
  TestOffice  *office;
  NetemProxy  *proxy;
  char        *proxy_url;
  TestLaptop  *coord;
  TestLaptop  *a1;
  TestLaptop  *a2;
  GPtrArray   *case_ids;
  GPtrArray   *note_ids;
  GRand       *rand;
  guint64      note_chars;
} Team;

static double
now_s (void)
{
  return g_get_monotonic_time () / (double) G_USEC_PER_SEC;
}

static char *
ombud_id_of (TestLaptop *laptop)
{
  g_autoptr(OmbudSyncConfig) config = ombud_sync_config_load (laptop->replica->store, NULL);

  g_assert_nonnull (config);
  return g_strdup (config->ombud_id);
}

static gint64
cursor_of (TestLaptop *laptop)
{
  g_autoptr(OmbudSyncConfig) config = ombud_sync_config_load (laptop->replica->store, NULL);

  g_assert_nonnull (config);
  return config->cursor;
}

static void
make_caseload (Team         *t,
               const Params *p)
{
  OmbudCaseload *caseload = t->a1->replica->caseload;
  static const char *const genders[] = { "woman", "man", "woman", "man", "other" };
  static const char *const forms[] = { "home_visit", "phone", "office", "neutral_place", "video" };
  g_autoptr(GError) error = NULL;
  double start = now_s ();

  for (guint i = 0; i < p->clients; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s %s", PICK (t->rand, first_names), PICK (t->rand, surnames));
      OmbudCaseInput in = { name, municipality_names[i % G_N_ELEMENTS (municipality_names)],
                            PICK (t->rand, genders), g_rand_int_range (t->rand, 1940, 2004),
                            g_rand_boolean (t->rand), FALSE, NULL };
      char *id = ombud_caseload_add_case (caseload, &in, &error);

      g_assert_no_error (error);
      g_ptr_array_add (t->case_ids, id);
      for (guint c = 0; c < p->contacts; c++)
        {
          OmbudContactInput contact = { NULL, 15 * g_rand_int_range (t->rand, 1, 9), PICK (t->rand, forms),
                                        NULL, g_rand_int_range (t->rand, 0, 120), g_rand_int_range (t->rand, 0, 90) };
          g_autofree char *cid = ombud_caseload_add_contact (caseload, id, &contact, &error);

          g_assert_no_error (error);
        }
    }
  /* A day's notes go to many clients: interleaved, as months of work are. */
  for (guint n = 0; n < p->notes; n++)
    {
      for (guint i = 0; i < p->clients; i++)
        {
          g_autofree char *text = make_note (t->rand);
          char *id = ombud_caseload_add_note (caseload, t->case_ids->pdata[i], text, TRUE, &error);

          g_assert_no_error (error);
          t->note_chars += strlen (text);
          g_ptr_array_add (t->note_ids, id);
        }
      if ((n + 1) % 10 == 0)
        g_printerr ("# caseload: %u of %u notes per client (%.1f s)\n", n + 1, p->notes, now_s () - start);
    }
}

/* The office must hold a grant of every case key to the laptop. */
static guint
grants_for (Team       *t,
            TestLaptop *laptop)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (t->office);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) grants = ombud_office_backend_list_grants (backend, test_laptop_device_id (laptop), &error);

  g_assert_no_error (error);
  return grants->len;
}

static void
set_transparent (Team *t)
{
  NetemOptions none = { .seed = 1 };

  netem_proxy_set_options (t->proxy, &none);
}

static void
set_link (Team *t)
{
  NetemOptions rural = {
    .latency_ms_up = LATENCY_MS, .latency_ms_down = LATENCY_MS,
    .rate_up = RATE_UP, .rate_down = RATE_DOWN, .seed = 1,
  };

  netem_proxy_set_options (t->proxy, &rural);
}

/* Enrolled through the proxy (transparent now), admitted by the
 * coordinator, and given the case keys by A1: ready for the sync that
 * brings the caseload. */
static TestLaptop *
new_laptop_ready (Team         *t,
                  const Params *p)
{
  TestLaptop *laptop = test_laptop_new (t->office, t->proxy_url, "Anna Ombud", FALSE);
  g_autoptr(GError) error = NULL;

  set_transparent (t);
  test_laptop_sync (laptop);                  /* pending: the office sends nothing yet */
  test_laptop_sync (t->coord);
  g_assert_true (ombud_sync_confirm (t->coord->replica->caseload, test_laptop_device_id (laptop), NULL, &error));
  g_assert_no_error (error);
  test_laptop_sync (t->coord);                /* its certificate and the office key */
  test_laptop_sync (t->a1);                   /* A1 learns it may trust it ... */
  test_laptop_sync (t->a1);                   /* ... and grants it the case keys */
  g_assert_cmpuint (grants_for (t, laptop), >=, p->clients + 1);
  return laptop;
}

static Team *
team_new (const Params *p)
{
  Team *t = g_new0 (Team, 1);
  g_autoptr(GError) error = NULL;
  double start = now_s ();

  t->rand = g_rand_new_with_seed (p->seed);
  t->case_ids = g_ptr_array_new_with_free_func (g_free);
  t->note_ids = g_ptr_array_new_with_free_func (g_free);
  t->office = test_office_new (NULL, NULL);
  t->coord = test_laptop_new (t->office, NULL, "Cecilia Samordnare", TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (municipality_names); i++)
    {
      g_autofree char *id = ombud_caseload_add_municipality (t->coord->replica->caseload, municipality_codes[i],
                                                             municipality_names[i], 10000, &error);
      g_assert_no_error (error);
    }
  t->a1 = test_laptop_new (t->office, NULL, "Anna Ombud", FALSE);
  test_laptop_admit (t->coord, t->a1);
  make_caseload (t, p);
  test_laptop_sync (t->a1);
  g_printerr ("# A1 pushed %u changesets directly in %u requests\n",
              ombud_sync_engine_get_stats (t->a1->engine)->pushed,
              ombud_sync_engine_get_stats (t->a1->engine)->requests);
  t->proxy = netem_proxy_start (t->office->port, NULL, &error);
  g_assert_no_error (error);
  t->proxy_url = g_strdup_printf ("http://127.0.0.1:%u", netem_proxy_get_port (t->proxy));
  t->a2 = new_laptop_ready (t, p);
  g_printerr ("# set-up: %.1f s\n", now_s () - start);
  return t;
}

static void
team_free (Team *t)
{
  test_laptop_free (t->a2);
  test_laptop_free (t->a1);
  test_laptop_free (t->coord);
  netem_proxy_stop (t->proxy);
  test_office_free (t->office);
  g_ptr_array_unref (t->case_ids);
  g_ptr_array_unref (t->note_ids);
  g_rand_free (t->rand);
  g_free (t->proxy_url);
  g_free (t);
}

/* ---- the changed data ------------------------------------------------------------------ */

typedef struct {
  guint       n;
  guint       parts;
  guint64     plain;      /* sum plaintext encodings */
  guint64     alone;      /* sum zstd of each encoding alone */
  guint64     sealed;     /* sum sealed changesets */
  guint64     packed;     /* sum compressed bytes inside their parts */
  guint64     lower;      /* zstd of the concatenation: the lower bound */
  guint       cases;
  GByteArray *stream;     /* the plaintexts, concatenated */
  GHashTable *case_ids;
  GPtrArray  *sealed_list;/* GBytes, in order */
  GPtrArray  *plain_list; /* GBytes, in order */
} DataSet;

static DataSet *
data_set_new (void)
{
  DataSet *d = g_new0 (DataSet, 1);

  d->stream = g_byte_array_new ();
  d->case_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  d->sealed_list = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  d->plain_list = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  return d;
}

static void
data_set_free (DataSet *d)
{
  g_byte_array_unref (d->stream);
  g_hash_table_unref (d->case_ids);
  g_ptr_array_unref (d->sealed_list);
  g_ptr_array_unref (d->plain_list);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DataSet, data_set_free)

static void
data_set_add (DataSet    *d,
              GBytes     *plain,
              const char *case_id,
              GBytes     *sealed)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (plain, &len);

  d->n++;
  d->plain += len;
  g_ptr_array_add (d->plain_list, g_bytes_ref (plain));
  d->alone += zstd_size (data, len);
  g_byte_array_append (d->stream, data, len);
  g_hash_table_add (d->case_ids, g_strdup (case_id));
  if (sealed != NULL)
    {
      OmbudSealHeader h;

      g_assert_true (ombud_seal_parse (sealed, &h, NULL));
      d->sealed += g_bytes_get_size (sealed);
      d->parts += h.n_parts;
      for (guint i = 0; i < h.n_parts; i++)
        d->packed += h.parts[i].length - PART_FRAMING;
      g_ptr_array_add (d->sealed_list, g_bytes_ref (sealed));
    }
}

static void
data_set_finish (DataSet *d)
{
  d->lower = d->stream->len ? zstd_size (d->stream->data, d->stream->len) : 0;
  d->cases = g_hash_table_size (d->case_ids);
}

/* What the office will send (or has sent) the laptop after cursor `after`,
 * opened with the laptop's keys. */
static DataSet *
routed_to (Team       *t,
           TestLaptop *laptop,
           gint64      after)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (t->office);
  g_autoptr(OmbudSyncConfig) config = ombud_sync_config_load (laptop->replica->store, NULL);
  OmbudKeyring *keyring = ombud_caseload_get_keyring (laptop->replica->caseload);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  DataSet *d = data_set_new ();
  gboolean more;

  list = ombud_office_backend_list_changesets (backend, after, test_laptop_device_id (laptop), FALSE,
                                               config->ombud_id, G_MAXSIZE / 2, &more, &error);
  g_assert_no_error (error);
  g_assert_false (more);
  for (guint i = 0; i < list->len; i++)
    {
      OmbudOfficeChangeset *cs = list->pdata[i];
      g_autoptr(OmbudOfficeDevice) author = ombud_office_backend_get_device (backend, cs->author_device, &error);
      g_autoptr(OmbudChangeset) opened = NULL;
      g_autoptr(GBytes) plain = NULL;
      OmbudSealMissing missing = OMBUD_SEAL_MISSING_NONE;

      g_assert_no_error (error);
      opened = ombud_seal_open (cs->sealed, config->org_id, author->sign_pk, keyring, &missing, &error);
      g_assert_no_error (error);
      g_assert_cmpint (missing, ==, OMBUD_SEAL_MISSING_NONE);
      plain = ombud_changeset_encode (opened);
      data_set_add (d, plain, opened->case_id, cs->sealed);
    }
  data_set_finish (d);
  return d;
}

/* What the laptop will push, before the sync; sealed here as the engine
 * will seal it (same call, same keys: the same size), for the breakdown. */
static DataSet *
outbox_of (TestLaptop *laptop)
{
  g_autoptr(OmbudSyncConfig) config = ombud_sync_config_load (laptop->replica->store, NULL);
  OmbudKeyring *keyring = ombud_caseload_get_keyring (laptop->replica->caseload);
  sqlite3_stmt *stmt = NULL;
  DataSet *d = data_set_new ();

  g_assert_cmpint (sqlite3_prepare_v2 (ombud_store_get_db (laptop->replica->store),
                                       "SELECT body FROM outbox WHERE hold IS NULL ORDER BY seq", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GBytes) plain = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
      g_autoptr(GError) error = NULL;
      g_autoptr(OmbudChangeset) cs = ombud_changeset_decode (plain, &error);
      g_autoptr(GBytes) sealed = NULL;

      g_assert_no_error (error);
      sealed = ombud_seal_changeset (cs, config->org_id, ombud_keyring_get_identity (keyring), keyring, &error);
      g_assert_no_error (error);
      data_set_add (d, plain, cs->case_id, sealed);
    }
  sqlite3_finalize (stmt);
  data_set_finish (d);
  return d;
}

/* The size of one response envelope carrying all of d's sealed changesets
 * (nothing else), as ombud_sync_response_encode() and ombud_envelope_seal()
 * make it: what a pull with no budget would take, before HTTP. */
static gsize
one_envelope_size (DataSet  *d,
                   gboolean  request)
{
  g_autoptr(OmbudSyncResponse) resp = ombud_sync_response_new ();
  g_autoptr(OmbudSyncRequest) req = ombud_sync_request_new ();
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) envelope = NULL;
  OmbudEnvelopeHeader h = { .kind = request ? OMBUD_ENVELOPE_REQUEST : OMBUD_ENVELOPE_RESPONSE, .device_id = 1 };
  guint8 key[OMBUD_SESSION_KEY_SIZE] = { 0 };

  for (guint i = 0; d && i < d->sealed_list->len; i++)
    g_ptr_array_add (request ? req->changesets : resp->changesets, g_bytes_ref (d->sealed_list->pdata[i]));
  body = request ? ombud_sync_request_encode (req) : ombud_sync_response_encode (resp);
  envelope = ombud_envelope_seal (&h, body, key);
  return g_bytes_get_size (envelope);
}

/* ---- one measured sync ---------------------------------------------------------------- */

typedef struct {
  const char *name;
  double      wall;
  NetemStats  net;
  OmbudSyncStats engine;
  guint64     down_lower;
  guint64     up_lower;
  double      time_lower;
} Measured;

static void
measure_sync (Team       *t,
              TestLaptop *laptop,
              Measured   *m)
{
  double start;

  set_link (t);
  netem_proxy_reset_stats (t->proxy);
  g_printerr ("# %s: syncing over the link ...\n", m->name);
  start = now_s ();
  test_laptop_sync (laptop);
  m->wall = now_s () - start;
  netem_proxy_get_stats (t->proxy, &m->net);
  m->engine = *ombud_sync_engine_get_stats (laptop->engine);
  set_transparent (t);
}

static void
report (Measured *m,
        DataSet  *down,
        DataSet  *up)
{
  g_autofree char *time_name = g_strdup_printf ("link_%s_time", m->name);
  g_autofree char *down_name = g_strdup_printf ("link_%s_bytes_down", m->name);
  g_autofree char *up_name = g_strdup_printf ("link_%s_bytes_up", m->name);
  g_autofree char *total_name = g_strdup_printf ("link_%s_bytes_total", m->name);
  g_autofree char *req_name = g_strdup_printf ("link_%s_requests", m->name);
  g_autofree char *conn_name = g_strdup_printf ("link_%s_connections", m->name);

  m->down_lower = down ? down->lower : 0;
  m->up_lower = up ? up->lower : 0;
  m->time_lower = RTT_S + m->down_lower / (double) RATE_DOWN + m->up_lower / (double) RATE_UP;
  emit (time_name, m->wall, m->time_lower, "s");
  emit (down_name, m->net.bytes_down, m->down_lower, "B");
  emit (up_name, m->net.bytes_up, m->up_lower, "B");
  emit (total_name, m->net.bytes_down + m->net.bytes_up, m->down_lower + m->up_lower, "B");
  emit (req_name, m->net.http_requests, 1, "requests");
  emit (conn_name, m->net.connections, 1, "connections");
  g_printerr ("# %s: %.2f s (lower %.2f s), down %" G_GUINT64_FORMAT " B (lower %" G_GUINT64_FORMAT
              "), up %" G_GUINT64_FORMAT " B (lower %" G_GUINT64_FORMAT "), %u requests, %u connections;"
              " engine: %u requests, %u connections, pushed %u, pulled %u, held %u\n",
              m->name, m->wall, m->time_lower, m->net.bytes_down, m->down_lower, m->net.bytes_up, m->up_lower,
              m->net.http_requests, m->net.connections, m->engine.requests, m->engine.connections,
              m->engine.pushed, m->engine.pulled, m->engine.held);
}

/* Where the bytes and the time went. */
static void
breakdown (Measured   *m,
           DataSet    *down,
           DataSet    *up,
           guint32     budget)
{
  guint64 wire = m->net.bytes_down + m->net.bytes_up;
  double link_time = m->net.http_requests * RTT_S + m->net.bytes_down / (double) RATE_DOWN
                     + m->net.bytes_up / (double) RATE_UP;

  g_printerr ("#\n# ---- %s: breakdown ----\n", m->name);
  for (guint dir = 0; dir < 2; dir++)
    {
      DataSet *d = dir == 0 ? down : up;
      guint64 framing;

      if (d == NULL || d->n == 0)
        continue;
      framing = d->sealed - d->packed;
      g_printerr ("# %s: %u changesets (%u parts, %u cases), plaintext %" G_GUINT64_FORMAT " B\n"
                  "#   one zstd stream (the lower bound)      %9" G_GUINT64_FORMAT " B  %5.2fx\n"
                  "#   each changeset compressed alone         %9" G_GUINT64_FORMAT " B  %5.2fx\n"
                  "#   compressed part payloads when sealed    %9" G_GUINT64_FORMAT " B  %5.2fx\n"
                  "#   sealed changesets (with framing)        %9" G_GUINT64_FORMAT " B  %5.2fx"
                  "  (framing %" G_GUINT64_FORMAT " B = %.0f B each: header, parts, signature)\n",
                  dir == 0 ? "down" : "up", d->n, d->parts, d->cases, d->plain,
                  d->lower, 1.0,
                  d->alone, d->alone / (double) MAX (d->lower, 1),
                  d->packed, d->packed / (double) MAX (d->lower, 1),
                  d->sealed, d->sealed / (double) MAX (d->lower, 1), framing, framing / (double) d->n);
      g_printerr ("#   all in one %s envelope          %9" G_GSIZE_FORMAT " B  %5.2fx"
                  "  (its zstd finds only the repeated clear headers: ciphertext does not compress)\n",
                  dir == 0 ? "response" : "request ", one_envelope_size (d, dir == 1),
                  one_envelope_size (d, dir == 1) / (double) MAX (d->lower, 1));
      if (dir == 0)
        g_printerr ("#   pull budget %u KiB: at least %u responses for the changesets\n",
                    budget / 1024, MAX ((guint) ((d->sealed + budget - 1) / budget), 1));
    }
  g_printerr ("# on the wire: %" G_GUINT64_FORMAT " B down + %" G_GUINT64_FORMAT " B up in %u requests"
              " over %u connections; beyond one envelope each way with the changesets alone:"
              " %.0f B down, %.0f B up (%.0f B per request: HTTP headers, more envelopes,"
              " directory, certificates, grants)\n",
              m->net.bytes_down, m->net.bytes_up, m->net.http_requests, m->net.connections,
              (double) m->net.bytes_down - one_envelope_size (down, FALSE),
              (double) m->net.bytes_up - one_envelope_size (up, TRUE),
              ((double) wire - one_envelope_size (down, FALSE) - one_envelope_size (up, TRUE))
              / MAX (m->net.http_requests, 1));
  g_printerr ("# time: %.2f s measured; the link alone: %u round trips %.2f s + down %.2f s + up %.2f s"
              " = %.2f s; the rest (%.2f s) is work at both ends (opening, applying, fsync)\n",
              m->wall, m->net.http_requests, m->net.http_requests * RTT_S,
              m->net.bytes_down / (double) RATE_DOWN, m->net.bytes_up / (double) RATE_UP, link_time,
              m->wall - link_time);
}

/* The tier parts of a changeset as ombud_seal_changeset() splits it, each
 * encoded as it compresses it: [0] office, [1] client, NULL when empty. */
static GPtrArray *
split_parts (GBytes  *plain,
             char   **case_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudChangeset) cs = ombud_changeset_decode (plain, &error);
  GPtrArray *parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  if (case_id != NULL)
    *case_id = g_strdup (cs->case_id);
  g_assert_no_error (error);
  for (guint tier = OMBUD_TIER_OFFICE; tier <= OMBUD_TIER_CLIENT; tier++)
    {
      g_autoptr(OmbudChangeset) part = ombud_changeset_new (cs->schema, cs->device, cs->case_id);

      g_free (part->id);
      part->id = g_strdup (cs->id);
      for (guint i = 0; i < cs->changes->len; i++)
        {
          OmbudChange *c = cs->changes->pdata[i];
          const OmbudTable *table = ombud_table_lookup (c->table);
          const OmbudField *field = table ? ombud_table_lookup_field (table, c->field) : NULL;

          if (field != NULL && field->tier == tier)
            ombud_changeset_add (part, c->table, c->record, c->field, c->value,
                                 c->hlc, (const OmbudVersionId *) c->bases->data, c->bases->len);
        }
      g_ptr_array_add (parts, part->changes->len > 0 ? ombud_changeset_encode (part) : NULL);
    }
  return parts;
}

/* A zstd dictionary such as the app could ship: trained on the parts of
 * another caseload (its own replica, another seed, never synced). */
static GBytes *
train_dictionary (const Params *p)
{
  g_autoptr(TestReplica) replica = test_replica_new (g_get_real_time () / 1000);
  g_autoptr(GRand) rand = g_rand_new_with_seed (p->seed + 1);
  g_autoptr(GByteArray) samples = g_byte_array_new ();
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (size_t));
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *dict = g_malloc (DICT_SIZE);
  sqlite3_stmt *stmt = NULL;
  gsize len;

  for (guint i = 0; i < G_N_ELEMENTS (municipality_names); i++)
    {
      g_autofree char *id = ombud_caseload_add_municipality (replica->caseload, municipality_codes[i],
                                                             municipality_names[i], 10000, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s %s", PICK (rand, first_names), PICK (rand, surnames));
      OmbudCaseInput in = { name, municipality_names[i % 3], "woman", 1960 + (int) i, FALSE, FALSE, NULL };
      g_autofree char *id = ombud_caseload_add_case (replica->caseload, &in, &error);

      g_assert_no_error (error);
      for (guint c = 0; c < 3; c++)
        {
          OmbudContactInput contact = { NULL, 45, "phone", NULL, 10, 15 };
          g_autofree char *cid = ombud_caseload_add_contact (replica->caseload, id, &contact, &error);
          g_assert_no_error (error);
        }
      for (guint n = 0; n < 40; n++)
        {
          g_autofree char *text = make_note (rand);
          g_autofree char *nid = ombud_caseload_add_note (replica->caseload, id, text, TRUE, &error);
          g_assert_no_error (error);
        }
    }
  g_assert_cmpint (sqlite3_prepare_v2 (ombud_store_get_db (replica->store), "SELECT body FROM outbox ORDER BY seq",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GBytes) plain = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
      g_autoptr(GPtrArray) parts = split_parts (plain, NULL);

      for (guint i = 0; i < parts->len; i++)
        {
          size_t size;

          if (parts->pdata[i] == NULL)
            continue;
          size = g_bytes_get_size (parts->pdata[i]);
          g_byte_array_append (samples, g_bytes_get_data (parts->pdata[i], NULL), size);
          g_array_append_val (sizes, size);
        }
    }
  sqlite3_finalize (stmt);
  len = ZDICT_trainFromBuffer (dict, DICT_SIZE, samples->data, (const size_t *) sizes->data, sizes->len);
  g_assert_false (ZDICT_isError (len));
  return g_bytes_new (dict, len);
}

static gsize
compress_with (ZSTD_CCtx    *cctx,
               const guint8 *data,
               gsize         len,
               GBytes       *dict)
{
  g_autofree guint8 *out = g_malloc (ZSTD_compressBound (len));
  gsize n = ZSTD_compress_usingDict (cctx, out, ZSTD_compressBound (len), data, len,
                                     dict ? g_bytes_get_data (dict, NULL) : NULL,
                                     dict ? g_bytes_get_size (dict) : 0, ZSTD_LEVEL);

  g_assert_false (ZSTD_isError (n));
  return n;
}

/* The compressed size of every part of d with the dictionary. */
static guint64
packed_with (DataSet *d,
             GBytes  *dict)
{
  ZSTD_CCtx *cctx = ZSTD_createCCtx ();
  guint64 total = 0;

  for (guint i = 0; i < d->plain_list->len; i++)
    {
      g_autoptr(GPtrArray) parts = split_parts (d->plain_list->pdata[i], NULL);

      for (guint j = 0; j < parts->len; j++)
        if (parts->pdata[j] != NULL)
          total += compress_with (cctx, g_bytes_get_data (parts->pdata[j], NULL),
                                  g_bytes_get_size (parts->pdata[j]), dict);
    }
  ZSTD_freeCCtx (cctx);
  return total;
}

/* What d would take as one sealed changeset per case (a compaction of the
 * history, or an outbox coalesced per case before sealing): each tier's
 * parts of a case compressed together (with the dictionary when given),
 * and one changeset's framing per case as ombud-seal.c makes it. */
static guint64
grouped_size (DataSet *d,
              GBytes  *dict)
{
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_ptr_array_unref);
  ZSTD_CCtx *cctx = ZSTD_createCCtx ();
  GHashTableIter iter;
  gpointer value;
  guint64 total = 0;

  for (guint i = 0; i < d->plain_list->len; i++)
    {
      char *case_id = NULL;
      g_autoptr(GPtrArray) parts = split_parts (d->plain_list->pdata[i], &case_id);
      GPtrArray *tiers = g_hash_table_lookup (groups, case_id);

      if (tiers == NULL)
        {
          tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
          g_ptr_array_add (tiers, g_byte_array_new ());
          g_ptr_array_add (tiers, g_byte_array_new ());
          g_hash_table_insert (groups, case_id, tiers);
        }
      else
        g_free (case_id);
      for (guint t = 0; t < 2; t++)
        if (parts->pdata[t] != NULL)
          g_byte_array_append (tiers->pdata[t], g_bytes_get_data (parts->pdata[t], NULL),
                               g_bytes_get_size (parts->pdata[t]));
    }
  g_hash_table_iter_init (&iter, groups);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *tiers = value;

      total += SEAL_FRAMING;
      for (guint t = 0; t < 2; t++)
        {
          GByteArray *bytes = tiers->pdata[t];

          if (bytes->len > 0)
            total += PART_FRAMING + 4 + compress_with (cctx, bytes->data, bytes->len, dict);
        }
    }
  ZSTD_freeCCtx (cctx);
  return total;
}

/* The changesets' bytes replaced by `bytes`, everything else as measured:
 * the sync's bytes and its time on the link, as many responses as the pull
 * budget makes (at least the requests measured beyond those). */
static void
estimate_sync (const char *what,
               Measured   *m,
               DataSet    *d,
               gboolean    down,
               guint64     bytes,
               guint32     budget)
{
  double envelope = one_envelope_size (d, !down);
  guint rounds_now = MAX ((guint) ((d->sealed + budget - 1) / budget), 1);
  guint rounds = MAX ((guint) ((bytes + budget - 1) / budget), 1);
  double wire_down = down ? m->net.bytes_down - envelope + bytes : m->net.bytes_down;
  double wire_up = down ? m->net.bytes_up : m->net.bytes_up - envelope + bytes;
  double lower = m->down_lower + m->up_lower;

  if (m->net.http_requests > rounds_now)
    rounds += m->net.http_requests - rounds_now;
  g_printerr ("#   -> %s: %" G_GUINT64_FORMAT " B of changesets (%.2fx their lower bound); the sync"
              " %.0f B in all (%.2fx), %u requests, ~%.1f s on the link (%.2fx its lower bound)\n",
              what, bytes, bytes / (double) (down ? d->lower : m->up_lower),
              wire_down + wire_up, (wire_down + wire_up) / lower, rounds,
              rounds * RTT_S + wire_down / RATE_DOWN + wire_up / RATE_UP,
              (rounds * RTT_S + wire_down / RATE_DOWN + wire_up / RATE_UP) / m->time_lower);
}

/* Estimates of product changes, computed from the same data (not built). */
static void
estimate (const char *what,
          Measured   *m,
          DataSet    *d,
          gboolean    down,
          GBytes     *dict,
          guint32     budget)
{
  guint64 framing = d->sealed - d->packed;

  g_printerr ("# estimates for %s (%s; framing alone is %.2fx the lower bound):\n", m->name, what,
              framing / (double) d->lower);
  estimate_sync ("every part compressed with a 16 KiB zstd dictionary shipped with the app (trained"
                 " here on another caseload)", m, d, down, packed_with (d, dict) + framing, budget);
  estimate_sync ("one sealed changeset per case (compaction, or the outbox coalesced per case)", m, d, down,
                 grouped_size (d, NULL), budget);
  estimate_sync ("both", m, d, down, grouped_size (d, dict), budget);
}

static void
goal (const char *what,
      gboolean    met,
      const char *detail)
{
  g_printerr ("# goal %-58s %s  (%s)\n", what, met ? "MET   " : "MISSED", detail);
}

/* ---- the three syncs ---------------------------------------------------------------- */

static void
edit_on_a2 (Team *t)
{
  OmbudCaseload *caseload = t->a2->replica->caseload;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 20; i++)
    {
      const char *note = t->note_ids->pdata[g_rand_int_range (t->rand, 0, t->note_ids->len)];
      g_autofree char *sql = g_strdup_printf ("SELECT body FROM note WHERE id = '%s'", note);
      g_autofree char *body = test_laptop_digest (t->a2, sql);
      g_autofree char *extra = make_note (t->rand);
      g_autofree char *text = NULL;
      char *dot;

      /* a correction: the note as it was, with a sentence added */
      g_strchomp (body);
      if ((dot = strchr (extra, '.')) != NULL)
        dot[1] = '\0';
      text = g_strdup_printf ("%s %s", body, extra);
      g_assert_true (ombud_caseload_set_field (caseload, "note", note, "body", g_variant_new_string (text), &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *text = make_note (t->rand);
      g_autofree char *id = ombud_caseload_add_note (caseload, t->case_ids->pdata[g_rand_int_range (t->rand, 0, t->case_ids->len)],
                                                     text, TRUE, &error);
      g_assert_no_error (error);
    }
}

static void
edit_on_coordinator (Team *t)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 5; i++)
    {
      const char *case_id = t->case_ids->pdata[i * (t->case_ids->len / 5)];
      g_autofree char *sql = g_strdup_printf ("SELECT birth_year FROM client_case WHERE id = '%s'", case_id);
      gint64 year = test_laptop_count (t->coord, sql);

      g_assert_true (ombud_caseload_set_field (t->coord->replica->caseload, "client_case", case_id, "birth_year",
                                               g_variant_new_int64 (year + 1), &error));
      g_assert_no_error (error);
    }
  test_laptop_sync (t->coord);
}

static void
parse_args (int     argc,
            char  **argv,
            Params *p)
{
  p->clients = 40;
  p->notes = 50;
  p->contacts = 3;
  p->seed = 4711;
  p->variant = TRUE;
  p->calibrate = FALSE;
  for (int i = 1; i < argc; i++)
    {
      if (g_str_has_prefix (argv[i], "--clients="))
        p->clients = (guint) g_ascii_strtoull (argv[i] + 10, NULL, 10);
      else if (g_str_has_prefix (argv[i], "--notes="))
        p->notes = (guint) g_ascii_strtoull (argv[i] + 8, NULL, 10);
      else if (g_str_has_prefix (argv[i], "--seed="))
        p->seed = (guint32) g_ascii_strtoull (argv[i] + 7, NULL, 10);
      else if (strcmp (argv[i], "--no-variant") == 0)
        p->variant = FALSE;
      else if (strcmp (argv[i], "--calibrate") == 0)
        p->calibrate = TRUE;
      else
        {
          g_printerr ("usage: %s [--clients=40] [--notes=50] [--seed=4711] [--no-variant] [--calibrate]\n",
                      argv[0]);
          exit (2);
        }
    }
  p->clients = CLAMP (p->clients, 5, 400);
  p->notes = CLAMP (p->notes, 1, 500);
}

int
main (int    argc,
      char **argv)
{
  Params p;
  Team *t;
  Measured initial = { .name = "initial" }, incremental = { .name = "incremental" }, empty = { .name = "empty" };
  Measured variant = { .name = "initial_budget8m" };
  g_autoptr(DataSet) initial_down = NULL;
  g_autoptr(DataSet) incr_down = NULL;
  g_autoptr(DataSet) incr_up = NULL;
  g_autoptr(DataSet) variant_down = NULL;
  g_autofree char *ombud = NULL;
  g_autoptr(GBytes) dict = NULL;
  gint64 cursor;
  char detail[256];

  setlocale (LC_CTYPE, "");  /* for stderr only: numbers stay in the C locale */
  parse_args (argc, argv, &p);
  g_printerr ("# bench-sync-link: %u clients x %u notes (+%u contacts each), seed %u; link %u ms each way,"
              " %u KiB/s down, %u KiB/s up\n", p.clients, p.notes, p.contacts, p.seed, LATENCY_MS,
              RATE_DOWN / 1024, RATE_UP / 1024);
  calibrate (&p, p.calibrate);
  if (p.calibrate)
    return 0;
  t = team_new (&p);

  /* a. initial */
  cursor = cursor_of (t->a2);
  measure_sync (t, t->a2, &initial);
  ombud = ombud_id_of (t->a2);
  g_assert_cmpint (test_laptop_count (t->a2, "SELECT count(*) FROM note WHERE body IS NOT NULL"), ==,
                   (gint64) p.clients * p.notes);
  g_assert_cmpint (test_laptop_count (t->a2, "SELECT count(*) FROM sync_held"), ==, 0);
  initial_down = routed_to (t, t->a2, cursor);
  report (&initial, initial_down, NULL);

  /* b. incremental */
  edit_on_coordinator (t);
  edit_on_a2 (t);
  incr_up = outbox_of (t->a2);
  cursor = cursor_of (t->a2);
  measure_sync (t, t->a2, &incremental);
  incr_down = routed_to (t, t->a2, cursor);
  g_assert_cmpuint (incr_up->n, ==, 30);
  /* The 30 changesets leave joined per case (sync/ombud-sync-outbox.c). */
  g_assert_cmpuint (incremental.engine.pushed, >=, 1);
  g_assert_cmpuint (incremental.engine.pushed, <=, 30);
  g_assert_cmpint (test_laptop_count (t->a2, "SELECT count(*) FROM outbox WHERE hold IS NULL"), ==, 0);
  g_assert_cmpuint (incremental.engine.pulled, ==, incr_down->n);
  report (&incremental, incr_down, incr_up);

  /* c. empty */
  measure_sync (t, t->a2, &empty);
  g_assert_cmpuint (empty.engine.pushed + empty.engine.pulled, ==, 0);
  report (&empty, NULL, NULL);

  /* a'. the initial sync again, with the largest pull budget */
  if (p.variant)
    {
      g_autoptr(TestLaptop) a3 = new_laptop_ready (t, &p);

      ombud_sync_engine_set_budget (a3->engine, VARIANT_BUDGET);
      cursor = cursor_of (a3);
      measure_sync (t, a3, &variant);
      variant_down = routed_to (t, a3, cursor);
      report (&variant, variant_down, NULL);
    }

  /* the goals, the breakdowns and the estimates */
  g_printerr ("#\n# ---- goals (printed, not asserted) ----\n");
  g_snprintf (detail, sizeof detail, "%u requests", incremental.net.http_requests);
  goal ("incremental sync in one HTTP request", incremental.net.http_requests == 1, detail);
  g_snprintf (detail, sizeof detail, "%u requests", empty.net.http_requests);
  goal ("empty sync in one HTTP request", empty.net.http_requests == 1, detail);
  g_snprintf (detail, sizeof detail, "%.2fx", (incremental.net.bytes_down + incremental.net.bytes_up)
              / (double) (incremental.down_lower + incremental.up_lower));
  goal ("incremental bytes within 1.5x of the compressed changed data",
        incremental.net.bytes_down + incremental.net.bytes_up <= 1.5 * (incremental.down_lower + incremental.up_lower),
        detail);
  g_snprintf (detail, sizeof detail, "%.2fx", (initial.net.bytes_down + initial.net.bytes_up)
              / (double) initial.down_lower);
  goal ("initial bytes within 1.5x of the compressed changed data",
        initial.net.bytes_down + initial.net.bytes_up <= 1.5 * initial.down_lower, detail);
  g_snprintf (detail, sizeof detail, "%" G_GUINT64_FORMAT " B", empty.net.bytes_down + empty.net.bytes_up);
  goal ("empty sync under 2 KB in all", empty.net.bytes_down + empty.net.bytes_up < 2048, detail);
  g_snprintf (detail, sizeof detail, "%.2fx", initial.wall / initial.time_lower);
  goal ("initial sync within 1.3x of its lower bound (time)", initial.wall <= 1.3 * initial.time_lower, detail);

  dict = train_dictionary (&p);
  breakdown (&initial, initial_down, NULL, ENGINE_BUDGET);
  estimate ("the changesets down", &initial, initial_down, TRUE, dict, ENGINE_BUDGET);
  breakdown (&incremental, incr_down, incr_up, ENGINE_BUDGET);
  estimate ("the changesets up", &incremental, incr_up, FALSE, dict, ENGINE_BUDGET);
  estimate ("the changesets down", &incremental, incr_down, TRUE, dict, ENGINE_BUDGET);
  breakdown (&empty, NULL, NULL, ENGINE_BUDGET);
  if (p.variant)
    {
      breakdown (&variant, variant_down, NULL, VARIANT_BUDGET);
      g_printerr ("# measured effect of the 8 MiB budget on the initial sync: %u -> %u requests, %.2f -> %.2f s"
                  " (%.2fx -> %.2fx its lower bound)\n",
                  initial.net.http_requests, variant.net.http_requests, initial.wall, variant.wall,
                  initial.wall / initial.time_lower, variant.wall / variant.time_lower);
    }
  g_printerr ("# ombud %s; done\n", ombud);
  team_free (t);
  return 0;
}
