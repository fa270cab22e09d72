/* ombud-codes-model.c: a code table as the widgets show it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-codes-model.h"

#include "ombud-queries.h"

struct _OmbudCodeList
{
  GPtrArray *codes;
  GPtrArray *labels;
};

gpointer
ombud_codes_load (OmbudCaseload  *caseload,
                  gpointer        data,
                  GCancellable   *cancellable,
                  GError        **error)
{
  (void) data;
  (void) cancellable;
  return ombud_queries_list_codes (caseload, NULL, error);
}

static char *
lookup_text (GVariant   *row,
             const char *key)
{
  const char *text = NULL;

  if (g_variant_lookup (row, key, "&s", &text))
    return g_strdup (text);
  return NULL;
}

OmbudCodeList *
ombud_code_list_new (GVariant   *codes,
                     const char *kind)
{
  OmbudCodeList *self = g_new0 (OmbudCodeList, 1);
  gsize n = codes ? g_variant_n_children (codes) : 0;

  self->codes = g_ptr_array_new_with_free_func (g_free);
  self->labels = g_ptr_array_new_with_free_func (g_free);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) row = g_variant_get_child_value (codes, i);
      g_autofree char *row_kind = lookup_text (row, "kind");
      char *code, *label;

      if (g_strcmp0 (row_kind, kind) != 0 || (code = lookup_text (row, "code")) == NULL)
        continue;
      label = lookup_text (row, "label_sv");
      if (label == NULL || *label == '\0')
        {
          g_free (label);
          label = g_strdup (code);
        }
      g_ptr_array_add (self->codes, code);
      g_ptr_array_add (self->labels, label);
    }
  return self;
}

void
ombud_code_list_free (OmbudCodeList *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->codes);
  g_ptr_array_unref (self->labels);
  g_free (self);
}

guint
ombud_code_list_get_n_items (OmbudCodeList *self)
{
  return self->codes->len;
}

const char *
ombud_code_list_get_code (OmbudCodeList *self,
                          guint          position)
{
  if (position >= self->codes->len)
    return NULL;
  return g_ptr_array_index (self->codes, position);
}

guint
ombud_code_list_find (OmbudCodeList *self,
                      const char    *code)
{
  for (guint i = 0; code != NULL && i < self->codes->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->codes, i), code) == 0)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

const char *
ombud_code_list_get_label (OmbudCodeList *self,
                           const char    *code)
{
  guint i = ombud_code_list_find (self, code);

  return i == GTK_INVALID_LIST_POSITION ? code : g_ptr_array_index (self->labels, i);
}

GListModel *
ombud_code_list_new_model (OmbudCodeList *self)
{
  GtkStringList *model = gtk_string_list_new (NULL);

  for (guint i = 0; i < self->labels->len; i++)
    gtk_string_list_append (model, g_ptr_array_index (self->labels, i));
  return G_LIST_MODEL (model);
}
