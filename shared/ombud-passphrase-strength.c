/* ombud-passphrase-strength.c: a simple, honest estimate of a new passphrase's strength
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-passphrase-strength.h"

#include <math.h>
#include <string.h>

#define MIN_CHARS 8
#define RUN_BITS  1.0
#define WORD_BITS 2.5   /* about a diceware word (12.9 bits) over its five letters */

/* Lists of leaked passwords start like this, in both languages the team
 * writes; a short list catches the obvious, which is what a hint is for. */
static const char *const common[] = {
  "password", "passw0rd", "qwerty", "qwertyuiop", "asdfgh", "asdfghjkl", "letmein", "welcome",
  "iloveyou", "admin", "dragon", "monkey", "football", "baseball", "sunshine", "princess",
  "master", "shadow", "superman", "trustno1", "abc123", "changeme", "secret", "whatever",
  "lösenord", "losenord", "hemligt", "sommar", "vinter", "hösten", "våren", "sverige",
  "hejsan", "hejhej", "älskling", "jagälskardig", "fotboll", "hockey", "kalle", "anka",
  "kalleanka", "stockholm", "göteborg", "malmö", "östersund", "jämtland", "qwertyåäö",
  "mittlösenord", "lösen", "ombud", "personligtombud", "godkänd", "välkommen",
};

typedef enum {
  CLASS_LOWER = 1 << 0,
  CLASS_UPPER = 1 << 1,
  CLASS_DIGIT = 1 << 2,
  CLASS_PUNCT = 1 << 3,
  CLASS_OTHER = 1 << 4,
} CharClass;

static CharClass
char_class (gunichar c)
{
  if (c < 0x80)
    {
      if (g_ascii_islower (c))
        return CLASS_LOWER;
      if (g_ascii_isupper (c))
        return CLASS_UPPER;
      if (g_ascii_isdigit (c))
        return CLASS_DIGIT;
      return CLASS_PUNCT;
    }
  return CLASS_OTHER;
}

static double
pool_bits (guint classes)
{
  guint pool = 0;

  pool += classes & CLASS_LOWER ? 26 : 0;
  pool += classes & CLASS_UPPER ? 26 : 0;
  pool += classes & CLASS_DIGIT ? 10 : 0;
  pool += classes & CLASS_PUNCT ? 33 : 0;
  pool += classes & CLASS_OTHER ? 30 : 0;
  return log2 (MAX (pool, 2u));
}

/* Case-folded, with what people append to a word to pass a rule removed. */
static gboolean
is_common (const char *passphrase)
{
  g_autofree char *folded = g_utf8_casefold (passphrase, -1);
  g_autofree char *normal = g_utf8_normalize (folded, -1, G_NORMALIZE_NFC);
  gsize len = strlen (normal);

  while (len > 0 && (g_ascii_isdigit (normal[len - 1]) || g_ascii_ispunct (normal[len - 1])
                     || normal[len - 1] == ' '))
    normal[--len] = '\0';
  if (len == 0)
    return TRUE;   /* digits and punctuation only: "123456", "!!!!" */
  for (guint i = 0; i < G_N_ELEMENTS (common); i++)
    if (strcmp (normal, common[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
continues_run (gunichar prev2,
               gunichar prev,
               gunichar c,
               glong    index)
{
  gint64 step = (gint64) c - (gint64) prev;

  if (index == 0)
    return FALSE;
  if (step == 0)
    return TRUE;
  /* A sequence needs three in a row: "ab" alone is two letters. */
  return index >= 2 && (step == 1 || step == -1) && (gint64) prev - (gint64) prev2 == step;
}

/* Letters that make up a word (a run of three or more) are worth what a
 * character of chosen words is worth, not what a random one would be. */
static gboolean
in_word (const gunichar *chars,
         glong           n,
         glong           i)
{
  glong start = i, end = i;

  if (!g_unichar_isalpha (chars[i]))
    return FALSE;
  while (start > 0 && g_unichar_isalpha (chars[start - 1]))
    start--;
  while (end + 1 < n && g_unichar_isalpha (chars[end + 1]))
    end++;
  return end - start + 1 >= 3;
}

OmbudPassphraseStrength
ombud_passphrase_strength (const char *passphrase)
{
  OmbudPassphraseStrength out = { OMBUD_PASSPHRASE_WEAK, 0.0, OMBUD_PASSPHRASE_HINT_EMPTY };
  g_autofree gunichar *chars = NULL;
  glong n_chars = 0;
  guint classes = 0, n_run = 0;
  double per_char;

  if (passphrase == NULL || *passphrase == '\0' || !g_utf8_validate (passphrase, -1, NULL))
    return out;

  chars = g_utf8_to_ucs4_fast (passphrase, -1, &n_chars);
  for (glong i = 0; i < n_chars; i++)
    classes |= char_class (chars[i]);
  per_char = pool_bits (classes);
  for (glong i = 0; i < n_chars; i++)
    {
      if (continues_run (i >= 2 ? chars[i - 2] : 0, i >= 1 ? chars[i - 1] : 0, chars[i], i))
        {
          n_run++;
          out.bits += RUN_BITS;
        }
      else
        out.bits += in_word (chars, n_chars, i) ? WORD_BITS : per_char;
    }

  if (is_common (passphrase))
    {
      out.bits = MIN (out.bits, 10.0);
      out.hint = OMBUD_PASSPHRASE_HINT_COMMON;
      return out;
    }
  if (n_chars < MIN_CHARS)
    {
      out.hint = OMBUD_PASSPHRASE_HINT_TOO_SHORT;
      return out;
    }

  out.level = out.bits < 40 ? OMBUD_PASSPHRASE_WEAK
            : out.bits < 60 ? OMBUD_PASSPHRASE_FAIR
            : out.bits < 80 ? OMBUD_PASSPHRASE_GOOD
            : OMBUD_PASSPHRASE_STRONG;
  if (out.level == OMBUD_PASSPHRASE_STRONG)
    out.hint = NULL;
  else if (n_run * 3 >= (guint) n_chars)
    out.hint = OMBUD_PASSPHRASE_HINT_REPETITIVE;
  else
    out.hint = OMBUD_PASSPHRASE_HINT_ADD_WORDS;
  return out;
}
