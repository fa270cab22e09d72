/* ombud-passphrase-strength.h: a simple, honest estimate of a new passphrase's strength
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rule.  Characters are counted in Unicode characters.  A passphrase on
 * the list of common passwords (Swedish and English, compared case-folded,
 * also with trailing digits, punctuation and spaces removed: "Sommar2024!"
 * is "sommar") is weak.  Otherwise the estimate in bits adds up, per
 * character:
 *   - 1 bit for a character that continues a run: the same as the one
 *     before, or the third or later of a sequence ("abc", "321");
 *   - 2.5 bits for a letter in a run of three or more letters (a word:
 *     about what a diceware word gives per letter);
 *   - otherwise log2 of the pool the passphrase's classes make (lower case
 *     26, upper case 26, digits 10, ASCII punctuation and space 33, any
 *     other character — å, ä, ö, é … — 30).
 * Under 40 bits is weak, under 60 fair, under 80 good, else strong; fewer
 * than 8 characters is weak whatever the sum.  Four ordinary words
 * ("korrekt häst batteri häftklammer", 87 bits) are strong, two are fair, a
 * word and a digit weak.  The hint: "repetitive" when runs are a third or
 * more of it, else "add-words".  It is an estimate for a hint, not a gate:
 * the store accepts any non-empty passphrase.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  OMBUD_PASSPHRASE_WEAK,
  OMBUD_PASSPHRASE_FAIR,
  OMBUD_PASSPHRASE_GOOD,
  OMBUD_PASSPHRASE_STRONG,
} OmbudPassphraseLevel;

/* The hint keys the window translates; NULL hint when strong. */
#define OMBUD_PASSPHRASE_HINT_EMPTY      "empty"       /* nothing typed yet */
#define OMBUD_PASSPHRASE_HINT_TOO_SHORT  "too-short"   /* fewer than 8 characters */
#define OMBUD_PASSPHRASE_HINT_COMMON     "common"      /* a well-known password */
#define OMBUD_PASSPHRASE_HINT_REPETITIVE "repetitive"  /* runs or sequences make up much of it */
#define OMBUD_PASSPHRASE_HINT_ADD_WORDS  "add-words"   /* longer is the way: add a word or two */

typedef struct {
  OmbudPassphraseLevel level;
  double               bits;   /* the estimate the level comes from */
  const char          *hint;   /* a static OMBUD_PASSPHRASE_HINT_*, or NULL */
} OmbudPassphraseStrength;

OmbudPassphraseStrength ombud_passphrase_strength (const char *passphrase);

G_END_DECLS
