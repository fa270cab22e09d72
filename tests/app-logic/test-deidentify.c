/* test-deidentify.c: names and identity numbers in a deficiency text
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "app-logic-fixture.h"
#include "ombud-deidentify.h"

/* The warnings as "KIND:covered text" joined by "|": spans and kinds at once. */
static char *
describe (const OmbudDeidentifyNames *names,
          const char                 *text)
{
  g_autoptr(GArray) warnings = ombud_deidentify_scan (names, text);
  static const char *const kinds[] = { "name", "pnr", "snr", "near" };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < warnings->len; i++)
    {
      OmbudDeidentifyWarning *w = &g_array_index (warnings, OmbudDeidentifyWarning, i);

      g_assert_cmpuint (w->start, <, w->end);
      g_assert_cmpuint (w->end, <=, strlen (text));
      if (i > 0)
        g_assert_cmpuint (g_array_index (warnings, OmbudDeidentifyWarning, i - 1).end, <=, w->start);
      g_string_append_printf (out, "%s%s:%.*s", i ? "|" : "", kinds[w->kind],
                              (int) (w->end - w->start), text + w->start);
    }
  return g_string_free (out, FALSE);
}

typedef struct {
  const char *text;
  const char *expect;
} Case;

static void
check (const OmbudDeidentifyNames *names,
       const Case                 *cases,
       guint                       n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *got = describe (names, cases[i].text);

      g_test_message ("case %u", i);
      g_assert_cmpstr (got, ==, cases[i].expect);
    }
}

static void
test_personal_numbers (void)
{
  static const Case cases[] = {
    { "811218-9876", "pnr:811218-9876" },
    { "Klientens nr är 811218-9876.", "pnr:811218-9876" },
    { "811218+9876 (över hundra år)", "pnr:811218+9876" },
    { "8112189876", "pnr:8112189876" },
    { "19811218-9876", "pnr:19811218-9876" },
    { "198112189876", "pnr:198112189876" },
    { "121212-1212 och 811218-9876", "pnr:121212-1212|pnr:811218-9876" },
    /* 29 February exists in 2000, not in 1900: the short form may be either. */
    { "000229-1235", "pnr:000229-1235" },
    { "(811218-9876)", "pnr:811218-9876" },
    { "nr:811218-9876,", "pnr:811218-9876" },
  };

  check (NULL, cases, G_N_ELEMENTS (cases));
}

static void
test_coordination_numbers (void)
{
  static const Case cases[] = {
    { "samordningsnummer 811278-9873", "snr:811278-9873" },
    { "198112789873", "snr:198112789873" },
    /* Day 18 + 60 = 78 exists; 32 + 60 = 92 does not. */
    { "811292-9873", "" },
  };

  check (NULL, cases, G_N_ELEMENTS (cases));
}

static void
test_near_misses (void)
{
  static const Case cases[] = {
    /* The shape, a date, a wrong check digit: mistyped, still someone's. */
    { "811218-9875", "near:811218-9875" },
    { "811218+9875", "near:811218+9875" },
    { "198112189875", "near:198112189875" },
    { "19811218-9875", "near:19811218-9875" },
    /* Ten bare digits with a wrong check digit: phone numbers, references. */
    { "8112189875", "" },
    { "Ring 0701234567 eller 0731112233", "" },
  };

  check (NULL, cases, G_N_ELEMENTS (cases));
}

static void
test_not_numbers (void)
{
  static const Case cases[] = {
    { "2024-05-12", "" },
    { "Mötet 2024-05-12 kl 10:30, dnr 2024-123456", "" },
    { "20240512", "" },
    { "Beslut 2024-05-12-1234", "" },
    { "811232-9876", "" },          /* 32 December */
    { "811318-9876", "" },          /* month 13 */
    { "010229-1234", "" },          /* 29 February 1901 or 2001 */
    { "21001231-1234", "" },        /* the twelve-digit form's century is 18, 19 or 20 */
    { "A811218-9876", "" },         /* part of a longer token */
    { "811218-98761", "" },
    { "1811218-9876", "" },
    { "811218-9876x", "" },
    { "8112189876543", "" },
    { "811218 9876", "" },          /* a space is no separator of these shapes */
    { "123 456 789", "" },
    { "Belopp 2450 kr, 12 000 kr", "" },
    { "", "" },
  };

  check (NULL, cases, G_N_ELEMENTS (cases));
}

static OmbudDeidentifyNames *
team_names (void)
{
  OmbudDeidentifyNames *names = ombud_deidentify_names_new ();

  ombud_deidentify_names_add (names, "Karin Öberg");
  ombud_deidentify_names_add (names, "Per Ek");
  ombud_deidentify_names_add (names, "Li");
  ombud_deidentify_names_add (names, "Anna-Lena Sjöberg");
  ombud_deidentify_names_add (names, "Gustav Lind");
  ombud_deidentify_names_add (names, NULL);
  ombud_deidentify_names_add (names, "  ");
  return names;
}

static void
test_names (void)
{
  g_autoptr(OmbudDeidentifyNames) names = team_names ();
  static const Case cases[] = {
    { "Träffade karin öberg i går", "name:karin öberg" },
    { "ÖBERG ringde", "name:ÖBERG" },
    { "Samtal med O\xcc\x88" "berg om bostaden", "name:O\xcc\x88" "berg" },   /* decomposed Ö */
    { "Karin, Öberg.", "name:Karin, Öberg" },
    { "Karin\nÖberg", "name:Karin\nÖberg" },
    { "Karin har ingen god man", "name:Karin" },
    { "Anna-Lena Sjöberg fick avslag", "name:Anna-Lena Sjöberg" },
    { "Per Ek kom inte", "name:Per Ek" },
    { "Gustav Lind och Karin Öberg", "name:Gustav Lind|name:Karin Öberg" },
    /* Whole words only. */
    { "Öbergs bostad", "" },
    { "Lindström, Lindqvist och linden", "" },
    { "Karinsson", "" },
    /* Short name words alone are ordinary words. */
    { "100 kr per månad", "" },
    { "Li och Ek", "" },
    /* Names and numbers together, in order. */
    { "811218-9876 är Sjöberg", "pnr:811218-9876|name:Sjöberg" },
    { "Handläggningstiden hos Försäkringskassan är för lång", "" },
  };

  check (names, cases, G_N_ELEMENTS (cases));
}

/* Invalid UTF-8 ends the scan: nothing after it is read. */
static void
test_invalid_utf8 (void)
{
  g_autoptr(OmbudDeidentifyNames) names = team_names ();
  g_autofree char *got = describe (names, "Öberg \xff 811218-9876");

  g_assert_cmpstr (got, ==, "name:Öberg");
}

static void
test_names_from_caseload (void)
{
  g_autoptr(TestReplica) r = app_replica_new ();
  g_autofree char *kept = app_add_case (r, "Märta Åberg", "Krokom", FALSE);
  g_autofree char *gone = app_add_case (r, "Sixten Holm", "Krokom", FALSE);
  g_autoptr(OmbudDeidentifyNames) names = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;

  g_assert_true (ombud_caseload_delete (r->caseload, "client_case", gone, &error));
  g_assert_no_error (error);
  names = ombud_deidentify_names_from_caseload (r->caseload, &error);
  g_assert_no_error (error);
  got = describe (names, "märta åberg och sixten holm väntar");
  g_assert_cmpstr (got, ==, "name:märta åberg");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/deidentify/personal-numbers", test_personal_numbers);
  g_test_add_func ("/deidentify/coordination-numbers", test_coordination_numbers);
  g_test_add_func ("/deidentify/near-misses", test_near_misses);
  g_test_add_func ("/deidentify/not-numbers", test_not_numbers);
  g_test_add_func ("/deidentify/names", test_names);
  g_test_add_func ("/deidentify/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/deidentify/names-from-caseload", test_names_from_caseload);
  return g_test_run ();
}
