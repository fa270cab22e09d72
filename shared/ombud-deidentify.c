/* ombud-deidentify.c: does a system-deficiency text look like it names a client?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-deidentify.h"

#include <string.h>

#include "ombud-caseload-private.h"
#include "ombud-vfs.h"

#define MIN_SINGLE_WORD_CHARS 4

struct _OmbudDeidentifyNames
{
  GHashTable *single;      /* key -> itself: words worth a warning alone */
  GHashTable *by_first;    /* first key -> GPtrArray of GStrv: whole names of two words or more */
};

typedef struct {
  gsize  start;
  gsize  end;
  char  *key;
} Word;

static void
word_clear (gpointer data)
{
  g_free (((Word *) data)->key);
}

/* Marks belong to the word: a decomposed "Öberg" is O, U+0308, b, e, r, g. */
static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || g_unichar_ismark (c);
}

static char *
word_key (const char *start,
          gsize       len)
{
  g_autofree char *folded = g_utf8_casefold (start, (gssize) len);

  return g_utf8_normalize (folded, -1, G_NORMALIZE_NFC);
}

/* The words of text, up to its first invalid byte. */
static GArray *
split_words (const char *text)
{
  GArray *words = g_array_new (FALSE, FALSE, sizeof (Word));
  const char *end = NULL;
  const char *p = text;

  g_array_set_clear_func (words, word_clear);
  g_utf8_validate (text, -1, &end);
  while (p < end)
    {
      const char *start;

      while (p < end && !is_word_char (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      if (p >= end)
        break;
      start = p;
      while (p < end && is_word_char (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      {
        Word w = { start - text, p - text, word_key (start, p - start) };
        g_array_append_val (words, w);
      }
    }
  return words;
}

OmbudDeidentifyNames *
ombud_deidentify_names_new (void)
{
  OmbudDeidentifyNames *self = g_new0 (OmbudDeidentifyNames, 1);

  self->single = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->by_first = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_ptr_array_unref);
  return self;
}

void
ombud_deidentify_names_free (OmbudDeidentifyNames *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->single);
  g_hash_table_unref (self->by_first);
  g_free (self);
}

void
ombud_deidentify_names_add (OmbudDeidentifyNames *self,
                            const char           *name)
{
  g_autoptr(GArray) words = NULL;
  GPtrArray *same_first;
  GStrv keys;

  g_return_if_fail (self != NULL);
  if (name == NULL)
    return;
  words = split_words (name);
  for (guint i = 0; i < words->len; i++)
    {
      Word *w = &g_array_index (words, Word, i);

      if (g_utf8_strlen (w->key, -1) >= MIN_SINGLE_WORD_CHARS && !g_hash_table_contains (self->single, w->key))
        g_hash_table_add (self->single, g_strdup (w->key));
    }
  if (words->len < 2)
    return;

  keys = g_new0 (char *, words->len + 1);
  for (guint i = 0; i < words->len; i++)
    keys[i] = g_strdup (g_array_index (words, Word, i).key);
  same_first = g_hash_table_lookup (self->by_first, keys[0]);
  if (same_first == NULL)
    {
      same_first = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
      g_hash_table_insert (self->by_first, g_strdup (keys[0]), same_first);
    }
  g_ptr_array_add (same_first, keys);
}

OmbudDeidentifyNames *
ombud_deidentify_names_from_caseload (OmbudCaseload  *caseload,
                                      GError        **error)
{
  g_autoptr(OmbudDeidentifyNames) names = ombud_deidentify_names_new ();
  sqlite3_stmt *stmt = ombud_merge_statement (ombud_caseload_get_merge (caseload),
    "SELECT client_name FROM client_case WHERE deleted = 0 AND client_name IS NOT NULL", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ombud_deidentify_names_add (names, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ombud_vfs_set_sqlite_error (error, ombud_caseload_get_db (caseload), rc, "could not read the clients' names");
      return NULL;
    }
  return g_steal_pointer (&names);
}

/* ---- names ------------------------------------------------------------------------ */

/* Between two words of a whole name: white space (a line break too),
 * hyphens, commas, full stops. */
static gboolean
joins_name (const char *text,
            gsize       from,
            gsize       to)
{
  for (gsize i = from; i < to; i++)
    if (text[i] == '\0' || !strchr (" \t\r\n-,.", text[i]))
      return FALSE;
  return TRUE;
}

/* How many words from words[i] on make a whole name, or 0. */
static guint
whole_name_at (const OmbudDeidentifyNames *names,
               const char                 *text,
               GArray                     *words,
               guint                       i)
{
  GPtrArray *candidates = g_hash_table_lookup (names->by_first, g_array_index (words, Word, i).key);
  guint best = 0;

  for (guint c = 0; candidates != NULL && c < candidates->len; c++)
    {
      GStrv keys = g_ptr_array_index (candidates, c);
      guint n = g_strv_length (keys), k;

      if (i + n > words->len || n <= best)
        continue;
      for (k = 1; k < n; k++)
        {
          Word *prev = &g_array_index (words, Word, i + k - 1);
          Word *w = &g_array_index (words, Word, i + k);

          if (strcmp (w->key, keys[k]) != 0 || !joins_name (text, prev->end, w->start))
            break;
        }
      if (k == n)
        best = n;
    }
  return best;
}

static void
add_warning (GArray              *warnings,
             OmbudDeidentifyKind  kind,
             gsize                start,
             gsize                end)
{
  OmbudDeidentifyWarning w = { kind, start, end };

  g_array_append_val (warnings, w);
}

static void
scan_names (const OmbudDeidentifyNames *names,
            const char                 *text,
            GArray                     *warnings)
{
  g_autoptr(GArray) words = split_words (text);

  for (guint i = 0; i < words->len; )
    {
      Word *w = &g_array_index (words, Word, i);
      guint n = whole_name_at (names, text, words, i);

      if (n > 0)
        {
          add_warning (warnings, OMBUD_DEIDENTIFY_NAME, w->start, g_array_index (words, Word, i + n - 1).end);
          i += n;
          continue;
        }
      if (g_hash_table_contains (names->single, w->key))
        add_warning (warnings, OMBUD_DEIDENTIFY_NAME, w->start, w->end);
      i++;
    }
}

/* ---- personal identity and coordination numbers ------------------------------------ */

static int
digits_value (const char *p,
              guint       n)
{
  int v = 0;

  for (guint i = 0; i < n; i++)
    v = v * 10 + (p[i] - '0');
  return v;
}

static gboolean
date_exists (int year,
             int month,
             int day)
{
  return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1
         && day <= g_date_get_days_in_month ((GDateMonth) month, (GDateYear) year);
}

/* Whether the date part is a date that exists; and whether the day is a
 * coordination number's (60 added). */
static gboolean
check_date (const char *date,
            guint       n_date,
            gboolean   *coordination)
{
  int year = digits_value (date, n_date - 4);
  int month = digits_value (date + n_date - 4, 2);
  int day = digits_value (date + n_date - 2, 2);

  *coordination = day > 60;
  if (*coordination)
    day -= 60;
  if (n_date == 8)
    return year >= 1800 && year <= 2099 && date_exists (year, month, day);
  return date_exists (1900 + year, month, day) || date_exists (2000 + year, month, day);
}

/* Luhn over YYMMDDNNN: weights 2, 1, 2, … and the digit sums of the products. */
static gboolean
luhn_ok (const char *ten)
{
  int sum = 0;

  for (int i = 0; i < 9; i++)
    {
      int p = (ten[i] - '0') * (i % 2 == 0 ? 2 : 1);
      sum += p / 10 + p % 10;
    }
  return (10 - sum % 10) % 10 == ten[9] - '0';
}

static gboolean
preceded_by_alnum (const char *text,
                   const char *p)
{
  const char *prev = g_utf8_find_prev_char (text, p);

  return prev != NULL && g_unichar_isalnum (g_utf8_get_char (prev));
}

static guint
digit_run (const char *p)
{
  guint n = 0;

  while (g_ascii_isdigit (p[n]))
    n++;
  return n;
}

/* A candidate at p (a run of n digits with nothing alphanumeric before it):
 * its length in bytes, or 0. */
static gsize
number_at (const char          *p,
           guint                n,
           OmbudDeidentifyKind *kind,
           gboolean            *report)
{
  char ten[10];
  guint n_date;
  gboolean separated = FALSE, coordination;
  gsize len;

  if ((n == 6 || n == 8) && (p[n] == '-' || p[n] == '+') && digit_run (p + n + 1) == 4)
    {
      separated = TRUE;
      n_date = n;
      len = n + 5;
    }
  else if (n == 10 || n == 12)
    {
      n_date = n - 4;
      len = n;
    }
  else
    return 0;
  if (g_unichar_isalnum (g_utf8_get_char (p + len)))
    return 0;
  if (!check_date (p, n_date, &coordination))
    return 0;

  /* The check digit is over the short form: YYMMDD and NNNN. */
  memcpy (ten, p + n_date - 6, 6);
  memcpy (ten + 6, p + (separated ? n_date + 1 : n_date), 4);
  if (luhn_ok (ten))
    {
      *kind = coordination ? OMBUD_DEIDENTIFY_COORDINATION_NUMBER : OMBUD_DEIDENTIFY_PERSONAL_NUMBER;
      *report = TRUE;
    }
  else
    {
      *kind = OMBUD_DEIDENTIFY_NUMBER_NEAR_MISS;
      *report = separated || n_date == 8;
    }
  return len;
}

static void
scan_numbers (const char *text,
              GArray     *warnings)
{
  const char *end = NULL;
  const char *p = text;

  g_utf8_validate (text, -1, &end);
  while (p < end)
    {
      guint n;
      OmbudDeidentifyKind kind;
      gboolean report = FALSE;
      gsize len;

      if (!g_ascii_isdigit (*p) || preceded_by_alnum (text, p))
        {
          p = g_utf8_next_char (p);
          continue;
        }
      n = digit_run (p);
      len = p + n <= end ? number_at (p, n, &kind, &report) : 0;
      if (len > 0 && p + len <= end && report)
        add_warning (warnings, kind, p - text, p - text + len);
      p += len > 0 ? len : n;
    }
}

/* ---- both ------------------------------------------------------------------------- */

static gint
by_start (gconstpointer a,
          gconstpointer b)
{
  const OmbudDeidentifyWarning *x = a, *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

GArray *
ombud_deidentify_scan (const OmbudDeidentifyNames *names,
                       const char                 *text)
{
  GArray *warnings = g_array_new (FALSE, FALSE, sizeof (OmbudDeidentifyWarning));

  g_return_val_if_fail (text != NULL, warnings);

  if (names != NULL)
    scan_names (names, text, warnings);
  scan_numbers (text, warnings);
  g_array_sort (warnings, by_start);
  return warnings;
}
