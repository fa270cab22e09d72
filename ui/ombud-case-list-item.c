/* ombud-case-list-item.c: one case as the case list shows it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-case-list-item.h"

#include <glib/gi18n.h>

struct _OmbudCaseListItem
{
  GObject           parent_instance;

  char             *id;
  char             *name;
  char             *status;
  char             *municipality;
  char             *next_deadline;
  OmbudCaseListSync sync;
};

G_DEFINE_FINAL_TYPE (OmbudCaseListItem, ombud_case_list_item, G_TYPE_OBJECT)

/* A text field of the row; NULL when it is missing or null. */
static char *
text_field (GVariant   *record,
            const char *name)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (record, name, NULL);
  g_autoptr(GVariant) inner = NULL;

  if (value == NULL)
    return NULL;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE))
    {
      inner = g_variant_get_maybe (value);
      if (inner == NULL)
        return NULL;
      g_variant_unref (value);
      value = g_variant_ref (inner);
    }
  return g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ? g_variant_dup_string (value, NULL) : NULL;
}

OmbudCaseListItem *
ombud_case_list_item_new (GVariant          *record,
                          OmbudCaseListSync  sync)
{
  OmbudCaseListItem *self = g_object_new (OMBUD_TYPE_CASE_LIST_ITEM, NULL);

  self->id = text_field (record, "id");
  self->name = text_field (record, "name");
  self->status = text_field (record, "status");
  self->municipality = text_field (record, "municipality");
  self->next_deadline = text_field (record, "next_deadline");
  self->sync = sync;
  return self;
}

const char *ombud_case_list_item_get_id (OmbudCaseListItem *self) { return self->id; }
const char *ombud_case_list_item_get_name (OmbudCaseListItem *self) { return self->name; }
const char *ombud_case_list_item_get_status (OmbudCaseListItem *self) { return self->status; }
const char *ombud_case_list_item_get_municipality (OmbudCaseListItem *self) { return self->municipality; }
const char *ombud_case_list_item_get_next_deadline (OmbudCaseListItem *self) { return self->next_deadline; }
OmbudCaseListSync ombud_case_list_item_get_sync (OmbudCaseListItem *self) { return self->sync; }

char *
ombud_case_list_item_dup_title (OmbudCaseListItem *self)
{
  g_return_val_if_fail (OMBUD_IS_CASE_LIST_ITEM (self), NULL);
  if (self->name != NULL && *self->name != '\0')
    return g_strdup (self->name);
  /* Translators: a case whose client's name this laptop cannot read; %s is
   * the start of the case's id */
  return g_strdup_printf (_("Case %.8s"), self->id ? self->id : "");
}

const char *
ombud_case_list_status_label (const char *status)
{
  if (g_strcmp0 (status, "queued") == 0)
    return C_("case status", "Queued");
  if (g_strcmp0 (status, "active") == 0)
    return C_("case status", "Active");
  if (g_strcmp0 (status, "referred") == 0)
    return C_("case status", "Referred");
  if (g_strcmp0 (status, "closed") == 0)
    return C_("case status", "Closed");
  return status ? status : "";
}

static void
ombud_case_list_item_finalize (GObject *object)
{
  OmbudCaseListItem *self = OMBUD_CASE_LIST_ITEM (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->status);
  g_free (self->municipality);
  g_free (self->next_deadline);
  G_OBJECT_CLASS (ombud_case_list_item_parent_class)->finalize (object);
}

static void
ombud_case_list_item_class_init (OmbudCaseListItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ombud_case_list_item_finalize;
}

static void
ombud_case_list_item_init (OmbudCaseListItem *self)
{
  (void) self;
}
