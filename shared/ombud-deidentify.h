/* ombud-deidentify.h: does a system-deficiency text look like it names a client?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A deficiency report is about the system, never about a person, and it
 * goes to the office tier.  Before it is saved the window scans it and
 * highlights what looks identifying; the user decides.  Nothing here logs,
 * prints or keeps the text or the names.
 *
 * Names.  The names held in the caseload are the clients' names or
 * pseudonyms (client_case.client_name; the schema keeps no other person's
 * name).  Text and names are split into words (runs of letters and digits;
 * "Lind-Öberg" is two words) and compared case-folded and NFC-normalised, so
 * "ÖBERG", "öberg" and a decomposed "Öberg" are one word, and whole words
 * only ("Öbergs" or "Lindström" do not match "Öberg" or "Lind").  A client's
 * whole name in sequence (words separated only by white space, hyphens,
 * commas or full stops) is one warning spanning it.  A single word of a name is a
 * warning on its own only when it has at least 4 characters: "Bo", "Ek",
 * "Per" or "Li" are also ordinary words ("100 kr per månad") and would
 * warn on every other report.
 *
 * Personal identity and coordination numbers.  Digits standing alone (no
 * digit or letter just before or after) in the shapes YYMMDD-NNNN,
 * YYMMDD+NNNN, YYMMDDNNNN, YYYYMMDD-NNNN and YYYYMMDDNNNN.  The date must
 * exist (in either century for the short forms, 1800–2099 for the long);
 * a coordination number is the same with 60 added to the day.  The last
 * digit is the Luhn check digit over the nine digits YYMMDDNNN.  A near miss — the shape with a
 * dash or plus, or the twelve-digit shape, and a valid date, but a wrong
 * check digit — is reported as OMBUD_DEIDENTIFY_NUMBER_NEAR_MISS: a number
 * mistyped by a digit still points at one person.  Ten bare digits with a
 * wrong check digit are not reported: most are phone numbers or
 * references.  "2024-05-12" and other dates never match (the shapes need
 * six or eight digits before the separator and four after).
 */
#pragma once

#include "ombud-caseload.h"

G_BEGIN_DECLS

typedef enum {
  OMBUD_DEIDENTIFY_NAME,                  /* a name held in the caseload */
  OMBUD_DEIDENTIFY_PERSONAL_NUMBER,       /* personnummer, check digit right */
  OMBUD_DEIDENTIFY_COORDINATION_NUMBER,   /* samordningsnummer, check digit right */
  OMBUD_DEIDENTIFY_NUMBER_NEAR_MISS,      /* the shape and a date, the check digit wrong */
} OmbudDeidentifyKind;

typedef struct {
  OmbudDeidentifyKind kind;
  gsize               start;   /* byte offsets into the text: [start, end) */
  gsize               end;
} OmbudDeidentifyWarning;

/* The names to look for, prepared once and kept while the window shows the
 * report form. */
typedef struct _OmbudDeidentifyNames OmbudDeidentifyNames;

OmbudDeidentifyNames *ombud_deidentify_names_new           (void);
/* Ignores NULL and names without a word. */
void                  ombud_deidentify_names_add           (OmbudDeidentifyNames  *self,
                                                            const char            *name);
/* The clients' names and pseudonyms of every case this device holds. */
OmbudDeidentifyNames *ombud_deidentify_names_from_caseload (OmbudCaseload         *caseload,
                                                            GError               **error);
void                  ombud_deidentify_names_free          (OmbudDeidentifyNames  *self);

/* Warnings (OmbudDeidentifyWarning) in the order they start in the text,
 * not overlapping; empty when nothing looks identifying.  text must be
 * UTF-8; invalid UTF-8 is scanned up to its first invalid byte.  names may
 * be NULL (numbers only). */
GArray               *ombud_deidentify_scan                (const OmbudDeidentifyNames *names,
                                                            const char                 *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudDeidentifyNames, ombud_deidentify_names_free)

G_END_DECLS
