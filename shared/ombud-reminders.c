/* ombud-reminders.c: which upcoming items to notify today, once each
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-reminders.h"

#include <string.h>

#include "ombud-upcoming.h"

#define NOTIFIED_KEY "reminders.notified"

struct _OmbudReminders
{
  GObject        parent_instance;

  OmbudCaseload *caseload;
};

G_DEFINE_FINAL_TYPE (OmbudReminders, ombud_reminders, G_TYPE_OBJECT)

static void
ombud_reminders_dispose (GObject *object)
{
  OmbudReminders *self = OMBUD_REMINDERS (object);

  g_clear_object (&self->caseload);
  G_OBJECT_CLASS (ombud_reminders_parent_class)->dispose (object);
}

static void
ombud_reminders_class_init (OmbudRemindersClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ombud_reminders_dispose;
}

static void
ombud_reminders_init (G_GNUC_UNUSED OmbudReminders *self)
{
}

OmbudReminders *
ombud_reminders_new (OmbudCaseload *caseload)
{
  OmbudReminders *self;

  g_return_val_if_fail (OMBUD_IS_CASELOAD (caseload), NULL);

  self = g_object_new (OMBUD_TYPE_REMINDERS, NULL);
  self->caseload = g_object_ref (caseload);
  return self;
}

/* An id ends in its date: ".../YYYY-MM-DD". */
static const char *
id_date (const char *id)
{
  const char *slash = strrchr (id, '/');

  return slash ? slash + 1 : "";
}

/* Ids notified on today or later; earlier ones are of no more use. */
static GHashTable *
load_notified (OmbudStore *store,
               const char *today)
{
  GHashTable *notified = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *kept = ombud_store_get (store, NOTIFIED_KEY, NULL);
  g_auto(GStrv) ids = kept ? g_strsplit (kept, "\n", -1) : NULL;

  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    if (*ids[i] != '\0' && strcmp (id_date (ids[i]), today) >= 0)
      g_hash_table_add (notified, g_strdup (ids[i]));
  return notified;
}

static gboolean
save_notified (OmbudStore  *store,
               GHashTable  *notified,
               GError     **error)
{
  g_autofree char **ids = (char **) g_hash_table_get_keys_as_array (notified, NULL);
  g_autofree char *joined = g_strjoinv ("\n", ids);

  return ombud_store_put (store, NOTIFIED_KEY, joined, error);
}

GVariant *
ombud_reminders_take_due (OmbudReminders  *self,
                          GVariant        *upcoming,
                          GError         **error)
{
  OmbudStore *store;
  g_autofree char *today = NULL;
  g_autoptr(GHashTable) notified = NULL;
  GVariantBuilder due;
  GVariantIter iter;
  GVariant *item;
  guint n_due = 0;

  g_return_val_if_fail (OMBUD_IS_REMINDERS (self), NULL);
  g_return_val_if_fail (upcoming != NULL && g_variant_is_of_type (upcoming, G_VARIANT_TYPE ("aa{sv}")), NULL);

  store = ombud_caseload_get_store (self->caseload);
  today = ombud_caseload_today (self->caseload);
  notified = load_notified (store, today);
  g_variant_builder_init (&due, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_iter_init (&iter, upcoming);
  while ((item = g_variant_iter_next_value (&iter)))
    {
      const char *id = NULL, *date = NULL;

      if (g_variant_lookup (item, "id", "&s", &id) && g_variant_lookup (item, "date", "&s", &date)
          && strcmp (date, today) == 0 && !g_hash_table_contains (notified, id))
        {
          g_hash_table_add (notified, g_strdup (id));
          g_variant_builder_add_value (&due, item);
          n_due++;
        }
      g_variant_unref (item);
    }
  if (n_due > 0 && !save_notified (store, notified, error))
    {
      g_variant_builder_clear (&due);
      return NULL;
    }
  return g_variant_ref_sink (g_variant_builder_end (&due));
}

GVariant *
ombud_reminders_take_due_today (OmbudReminders  *self,
                                GError         **error)
{
  g_autoptr(GVariant) upcoming = NULL;

  g_return_val_if_fail (OMBUD_IS_REMINDERS (self), NULL);

  upcoming = ombud_queries_upcoming (self->caseload, NULL, 1, error);
  return upcoming ? ombud_reminders_take_due (self, upcoming, error) : NULL;
}
