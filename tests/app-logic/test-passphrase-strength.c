/* test-passphrase-strength.c: the strength estimate and its hints
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-passphrase-strength.h"

typedef struct {
  const char           *passphrase;
  OmbudPassphraseLevel  level;
  const char           *hint;
} Case;

static void
check (const Case *cases,
       guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      OmbudPassphraseStrength s = ombud_passphrase_strength (cases[i].passphrase);

      g_test_message ("case %u: level %d, %.1f bits, hint %s", i, s.level, s.bits, s.hint ? s.hint : "-");
      g_assert_cmpint (s.level, ==, cases[i].level);
      g_assert_cmpstr (s.hint, ==, cases[i].hint);
    }
}

static void
test_empty_and_short (void)
{
  static const Case cases[] = {
    { NULL, OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_EMPTY },
    { "", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_EMPTY },
    { "x", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_TOO_SHORT },
    /* Seven characters of every class are still too short. */
    { "Ab3$Zq!", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_TOO_SHORT },
  };

  check (cases, G_N_ELEMENTS (cases));
}

static void
test_common (void)
{
  static const Case cases[] = {
    { "password", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_COMMON },
    { "Lösenord", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_COMMON },
    { "LÖSENORD123", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_COMMON },
    { "Sommar2024!", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_COMMON },
    { "qwertyuiop", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_COMMON },
    { "12345678", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_COMMON },
    { "!!!!!!!!!!", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_COMMON },
    /* In the list is the whole passphrase, not a word inside one. */
    { "sommar vid sjön i juli", OMBUD_PASSPHRASE_GOOD, OMBUD_PASSPHRASE_HINT_ADD_WORDS },
  };

  check (cases, G_N_ELEMENTS (cases));
}

static void
test_runs (void)
{
  static const Case cases[] = {
    { "aaaaaaaaaaaaaaaa", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_REPETITIVE },
    { "abcdefghijklmnop", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_REPETITIVE },
    { "zyxwvutsrqponmlk", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_REPETITIVE },
    { "Tr0llkarl11111111111", OMBUD_PASSPHRASE_FAIR, OMBUD_PASSPHRASE_HINT_REPETITIVE },
  };
  OmbudPassphraseStrength run = ombud_passphrase_strength ("Tr0llkarl11111111111");
  OmbudPassphraseStrength varied = ombud_passphrase_strength ("Tr0llkarl17#4!9%2&8*");

  check (cases, G_N_ELEMENTS (cases));
  /* The same length and classes, the run replaced: worth far more. */
  g_assert_cmpfloat (varied.bits, >, run.bits + 40);
}

static void
test_levels (void)
{
  static const Case cases[] = {
    { "tallskog", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_ADD_WORDS },
    { "Tallskog7", OMBUD_PASSPHRASE_WEAK, OMBUD_PASSPHRASE_HINT_ADD_WORDS },
    { "tallskog granris", OMBUD_PASSPHRASE_FAIR, OMBUD_PASSPHRASE_HINT_ADD_WORDS },
    { "tallskog granris blåbär", OMBUD_PASSPHRASE_GOOD, OMBUD_PASSPHRASE_HINT_ADD_WORDS },
    { "korrekt häst batteri häftklammer", OMBUD_PASSPHRASE_STRONG, NULL },
    /* Sixteen random characters of every class. */
    { "K8#vq!Lm2$Rt9&Wz", OMBUD_PASSPHRASE_STRONG, NULL },
  };
  OmbudPassphraseStrength one = ombud_passphrase_strength ("tallskog granris");
  OmbudPassphraseStrength two = ombud_passphrase_strength ("tallskog granris blåbär");

  check (cases, G_N_ELEMENTS (cases));
  /* Another word adds at least what its letters are worth. */
  g_assert_cmpfloat (two.bits, >=, one.bits + 6 * 2.5);
}

/* Non-ASCII letters count as a class of their own, and multi-byte
 * characters count once each. */
static void
test_unicode (void)
{
  OmbudPassphraseStrength ascii = ombud_passphrase_strength ("aaobbcxx");
  OmbudPassphraseStrength swedish = ombud_passphrase_strength ("åäöbbcxx");
  OmbudPassphraseStrength short_multibyte = ombud_passphrase_strength ("åäöåäöå");   /* 7 characters, 14 bytes */
  OmbudPassphraseStrength invalid = ombud_passphrase_strength ("abc\xff\xfe" "defghij");

  g_assert_cmpfloat (swedish.bits, >, ascii.bits);
  g_assert_cmpstr (short_multibyte.hint, ==, OMBUD_PASSPHRASE_HINT_TOO_SHORT);
  g_assert_cmpint (invalid.level, ==, OMBUD_PASSPHRASE_WEAK);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/passphrase-strength/empty-and-short", test_empty_and_short);
  g_test_add_func ("/passphrase-strength/common", test_common);
  g_test_add_func ("/passphrase-strength/runs", test_runs);
  g_test_add_func ("/passphrase-strength/levels", test_levels);
  g_test_add_func ("/passphrase-strength/unicode", test_unicode);
  return g_test_run ();
}
