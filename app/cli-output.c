/* cli-output.c: what ombud-cli prints: aligned text for people, JSON for
 * scripts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Output is UTF-8 whatever the locale: g_print would turn "Östersund" into
 * "?stersund" under LANG=C, and scripts read these bytes.
 */
#include "cli.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "ombud-queries.h"

#define NOTHING "–"

void
cli_print (const char *format,
           ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  fputs (text, stdout);
}

/* Maybe-typed nothing becomes null, int64 a number, string a string. */
void
cli_print_json (GVariant *value)
{
  g_autoptr(JsonNode) node = json_gvariant_serialize (value);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  fputs (text, stdout);
  fputs ("\n", stdout);
}

static GVariant *
lookup (GVariant   *dict,
        const char *key)
{
  GVariant *value = g_variant_lookup_value (dict, key, NULL);

  if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE))
    {
      GVariant *inner = g_variant_get_maybe (value);

      g_variant_unref (value);
      value = inner;
    }
  return value;
}

/* A field of a query's row as text, or NULL when it has none. */
char *
cli_value_text (GVariant   *dict,
                const char *key)
{
  g_autoptr(GVariant) value = lookup (dict, key);

  if (value == NULL)
    return NULL;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (value, NULL);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
    return g_strdup_printf ("%g", g_variant_get_double (value));
  return g_variant_print (value, FALSE);
}

gint64
cli_value_int (GVariant   *dict,
               const char *key)
{
  g_autoptr(GVariant) value = lookup (dict, key);

  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return 0;
  return g_variant_get_int64 (value);
}

char *
cli_time_text (gint64 unix_ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (unix_ms / 1000);

  return time ? g_date_time_format (time, "%Y-%m-%d %H:%M") : g_strdup ("?");
}

/* ---- code labels ------------------------------------------------------------- */

static char *
label_key (const char *kind,
           const char *code)
{
  return g_strconcat (kind, "/", code, NULL);
}

GHashTable *
cli_code_labels (OmbudCaseload  *caseload,
                 GError        **error)
{
  g_autoptr(GVariant) codes = ombud_queries_list_codes (caseload, NULL, error);
  GHashTable *labels;
  GVariantIter iter;
  GVariant *row;

  if (codes == NULL)
    return NULL;
  labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_variant_iter_init (&iter, codes);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      g_autofree char *kind = cli_value_text (row, "kind");
      g_autofree char *code = cli_value_text (row, "code");

      g_hash_table_insert (labels, label_key (kind, code), cli_value_text (row, "label_sv"));
      g_variant_unref (row);
    }
  return labels;
}

/* The team's Swedish label for a code, or the code itself when the code
 * table no longer has it. */
const char *
cli_code_label (GHashTable *labels,
                const char *kind,
                const char *code)
{
  g_autofree char *key = NULL;
  const char *label;

  if (code == NULL)
    return NULL;
  key = label_key (kind, code);
  label = g_hash_table_lookup (labels, key);
  return label ? label : code;
}

/* ---- tables -------------------------------------------------------------------- */

struct _CliTable {
  guint      n_columns;
  GPtrArray *cells;      /* row by row, headings first */
  guint     *max_width;  /* in characters; 0 for no limit */
};

CliTable *
cli_table_new (const char *first_heading,
               ...)
{
  CliTable *table = g_new0 (CliTable, 1);
  va_list ap;

  table->cells = g_ptr_array_new_with_free_func (g_free);
  va_start (ap, first_heading);
  for (const char *h = first_heading; h != NULL; h = va_arg (ap, const char *))
    g_ptr_array_add (table->cells, g_strdup (h));
  va_end (ap);
  table->n_columns = table->cells->len;
  table->max_width = g_new0 (guint, table->n_columns);
  return table;
}

void
cli_table_free (CliTable *table)
{
  g_ptr_array_unref (table->cells);
  g_free (table->max_width);
  g_free (table);
}

void
cli_table_set_max_width (CliTable *table,
                         guint     column,
                         guint     max_chars)
{
  g_return_if_fail (column < table->n_columns && max_chars > 1);
  table->max_width[column] = max_chars;
}

/* One cell per column; NULL shows as a dash.  Line breaks in notes would
 * break the columns, so they become spaces. */
void
cli_table_add (CliTable   *table,
               const char *first_cell,
               ...)
{
  va_list ap;

  va_start (ap, first_cell);
  for (guint i = 0; i < table->n_columns; i++)
    {
      const char *cell = i == 0 ? first_cell : va_arg (ap, const char *);
      char *copy = g_strdup (cell ? cell : NOTHING);

      g_ptr_array_add (table->cells, g_strdelimit (copy, "\r\n\t", ' '));
    }
  va_end (ap);
}

static char *
fit (const char *cell,
     guint       max_chars)
{
  g_autofree char *head = NULL;

  if (max_chars == 0 || (guint) g_utf8_strlen (cell, -1) <= max_chars)
    return g_strdup (cell);
  head = g_utf8_substring (cell, 0, max_chars - 1);
  return g_strconcat (head, "…", NULL);
}

void
cli_table_print (CliTable   *table,
                 const char *indent)
{
  guint n_rows = table->cells->len / table->n_columns;
  g_autofree guint *width = g_new0 (guint, table->n_columns);
  g_autoptr(GPtrArray) shown = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < table->cells->len; i++)
    {
      guint column = i % table->n_columns;
      char *cell = fit (g_ptr_array_index (table->cells, i), table->max_width[column]);

      width[column] = MAX (width[column], (guint) g_utf8_strlen (cell, -1));
      g_ptr_array_add (shown, cell);
    }
  for (guint r = 0; r < n_rows; r++)
    {
      g_autoptr(GString) line = g_string_new (indent);

      for (guint c = 0; c < table->n_columns; c++)
        {
          const char *cell = g_ptr_array_index (shown, r * table->n_columns + c);

          g_string_append (line, cell);
          if (c + 1 < table->n_columns)
            for (guint pad = g_utf8_strlen (cell, -1); pad < width[c] + 2; pad++)
              g_string_append_c (line, ' ');
        }
      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      cli_print ("%s\n", line->str);
    }
}

/* "Label:  value" lines, the values lined up. */
void
cli_print_fields (const char *const *labels,
                  const char *const *values,
                  guint              n)
{
  guint width = 0;

  for (guint i = 0; i < n; i++)
    width = MAX (width, (guint) g_utf8_strlen (labels[i], -1));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GString) line = g_string_new (labels[i]);

      g_string_append_c (line, ':');
      for (guint pad = g_utf8_strlen (labels[i], -1); pad < width + 2; pad++)
        g_string_append_c (line, ' ');
      g_string_append (line, values[i] ? values[i] : NOTHING);
      cli_print ("%s\n", line->str);
    }
}
