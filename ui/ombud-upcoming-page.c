/* ombud-upcoming-page.c: deadlines and goal reviews across the caseload
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ombud_queries_upcoming over a window that starts a year back (so what is
 * overdue shows) and reaches a quarter ahead, grouped by how soon: overdue,
 * today, the next seven days, later.  A row opens its case.
 */
#include "ombud-upcoming-page.h"

#include <glib/gi18n.h>

#include "ombud-upcoming.h"

/* How far back an overdue item is still shown, and how far ahead. */
#define DAYS_BACK  365
#define DAYS_AHEAD 90

struct _OmbudUpcomingPage
{
  AdwBin               parent_instance;

  OmbudSession        *session;
  GCancellable        *load_cancellable;
  gboolean             loading;
  GPtrArray           *rows;      /* (group, row) pairs */
  guint                n_items;

  GtkStack            *stack;
  AdwPreferencesGroup *overdue_group;
  AdwPreferencesGroup *today_group;
  AdwPreferencesGroup *week_group;
  AdwPreferencesGroup *later_group;
};

G_DEFINE_FINAL_TYPE (OmbudUpcomingPage, ombud_upcoming_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_LOADING,
  N_PROPS
};

enum {
  SIGNAL_CASE_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef struct {
  char     *today;
  GVariant *items;
} Loaded;

static void
loaded_free (gpointer data)
{
  Loaded *loaded = data;

  g_free (loaded->today);
  g_clear_pointer (&loaded->items, g_variant_unref);
  g_free (loaded);
}

static GDate *
parse_date (const char *text)
{
  GDate *date = g_date_new ();

  g_date_set_parse (date, text ? text : "");
  return date;
}

static char *
format_date (const GDate *date)
{
  return g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (date), g_date_get_month (date), g_date_get_day (date));
}

static gpointer
load_upcoming (OmbudCaseload  *caseload,
               gpointer        data,
               GCancellable   *cancellable,
               GError        **error)
{
  Loaded *loaded = g_new0 (Loaded, 1);
  GDate *from;
  g_autofree char *from_text = NULL;

  (void) data;
  (void) cancellable;
  loaded->today = ombud_caseload_today (caseload);
  from = parse_date (loaded->today);
  g_date_subtract_days (from, DAYS_BACK);
  from_text = format_date (from);
  g_date_free (from);
  loaded->items = ombud_queries_upcoming (caseload, from_text, DAYS_BACK + DAYS_AHEAD, error);
  if (loaded->items == NULL)
    {
      loaded_free (loaded);
      return NULL;
    }
  return loaded;
}

/* Plain or maybe text ("ms": case_title and text are nothing when not
 * readable here). */
static const char *
text_of (GVariant   *dict,
         const char *key)
{
  const char *text = NULL;

  if (g_variant_lookup (dict, key, "&s", &text) || g_variant_lookup (dict, key, "m&s", &text))
    return text;
  return NULL;
}

static void
row_activated (AdwActionRow      *row,
               OmbudUpcomingPage *self)
{
  g_signal_emit (self, signals[SIGNAL_CASE_ACTIVATED], 0, g_object_get_data (G_OBJECT (row), "ombud-case"));
}

static AdwPreferencesGroup *
group_for (OmbudUpcomingPage *self,
           const GDate       *today,
           const char        *date_text)
{
  g_autoptr(GDate) date = NULL;
  int days;

  date = parse_date (date_text);
  if (!g_date_valid (date))
    return self->later_group;
  days = g_date_days_between (today, date);
  if (days < 0)
    return self->overdue_group;
  if (days == 0)
    return self->today_group;
  if (days < 7)
    return self->week_group;
  return self->later_group;
}

static void
add_item (OmbudUpcomingPage *self,
          GVariant          *item,
          const GDate       *today)
{
  gboolean deadline = g_strcmp0 (text_of (item, "kind"), OMBUD_UPCOMING_DEADLINE) == 0;
  const char *title = text_of (item, "text");
  const char *client = text_of (item, "case_title");
  const char *date = text_of (item, "date");
  g_autofree char *subtitle = g_strdup_printf ("%s · %s · %s", date, client ? client : _("A case"),
                                               deadline ? _("Deadline") : _("Goal review"));
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (deadline ? "alarm-symbolic" : "object-select-symbolic");
  GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");
  AdwPreferencesGroup *group = group_for (self, today, date);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title ? title : (deadline ? _("Deadline") : _("Goal review")));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  deadline ? _("Deadline") : _("Goal review"), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "ombud-case", g_strdup (text_of (item, "case_id")), g_free);
  g_signal_connect (row, "activated", G_CALLBACK (row_activated), self);
  if (group == self->overdue_group)
    gtk_widget_add_css_class (icon, "error");
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->rows, group);
  g_ptr_array_add (self->rows, row);
}

static void
show_loaded (OmbudUpcomingPage *self,
             Loaded            *loaded)
{
  g_autoptr(GDate) today = parse_date (loaded->today);
  gsize n = g_variant_n_children (loaded->items);
  AdwPreferencesGroup *groups[] = { self->overdue_group, self->today_group, self->week_group, self->later_group };

  for (guint i = 0; i + 1 < self->rows->len; i += 2)
    adw_preferences_group_remove (g_ptr_array_index (self->rows, i), g_ptr_array_index (self->rows, i + 1));
  g_ptr_array_set_size (self->rows, 0);
  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    gtk_widget_set_visible (GTK_WIDGET (groups[g]), FALSE);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) item = g_variant_get_child_value (loaded->items, i);
      add_item (self, item, today);
    }
  for (guint i = 0; i < self->rows->len; i += 2)
    gtk_widget_set_visible (g_ptr_array_index (self->rows, i), TRUE);
  self->n_items = n;
  gtk_stack_set_visible_child_name (self->stack, n ? "list" : "empty");
}

static void
set_loading (OmbudUpcomingPage *self,
             gboolean           loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
upcoming_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(OmbudUpcomingPage) self = user_data;
  g_autoptr(GError) error = NULL;
  Loaded *loaded = ombud_session_run_finish (OMBUD_SESSION (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->load_cancellable);
  if (loaded != NULL)
    {
      show_loaded (self, loaded);
      loaded_free (loaded);
    }
  set_loading (self, FALSE);
}

static void
reload (OmbudUpcomingPage *self)
{
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  if (self->session == NULL || !ombud_session_get_unlocked (self->session))
    return;
  self->load_cancellable = g_cancellable_new ();
  set_loading (self, TRUE);
  ombud_session_run_async (self->session, load_upcoming, NULL, NULL, loaded_free, self->load_cancellable,
                           upcoming_loaded, g_object_ref (self));
}

static void
session_changed (OmbudSession      *session,
                 OmbudUpcomingPage *self)
{
  (void) session;
  reload (self);
}

static void
session_unlocked (OmbudSession      *session,
                  GParamSpec        *pspec,
                  OmbudUpcomingPage *self)
{
  (void) pspec;
  if (ombud_session_get_unlocked (session))
    reload (self);
}

static void
ombud_upcoming_page_constructed (GObject *object)
{
  OmbudUpcomingPage *self = OMBUD_UPCOMING_PAGE (object);

  G_OBJECT_CLASS (ombud_upcoming_page_parent_class)->constructed (object);
  if (self->session != NULL)
    {
      g_signal_connect (self->session, "changed", G_CALLBACK (session_changed), self);
      g_signal_connect (self->session, "notify::unlocked", G_CALLBACK (session_unlocked), self);
      reload (self);
    }
}

static void
ombud_upcoming_page_dispose (GObject *object)
{
  OmbudUpcomingPage *self = OMBUD_UPCOMING_PAGE (object);

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ombud_upcoming_page_parent_class)->dispose (object);
}

static void
ombud_upcoming_page_finalize (GObject *object)
{
  OmbudUpcomingPage *self = OMBUD_UPCOMING_PAGE (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  G_OBJECT_CLASS (ombud_upcoming_page_parent_class)->finalize (object);
}

static void
ombud_upcoming_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  OmbudUpcomingPage *self = OMBUD_UPCOMING_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_upcoming_page_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  OmbudUpcomingPage *self = OMBUD_UPCOMING_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_upcoming_page_class_init (OmbudUpcomingPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ombud_upcoming_page_constructed;
  object_class->dispose = ombud_upcoming_page_dispose;
  object_class->finalize = ombud_upcoming_page_finalize;
  object_class->get_property = ombud_upcoming_page_get_property;
  object_class->set_property = ombud_upcoming_page_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, OMBUD_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * OmbudUpcomingPage::case-activated:
   * @case_id: the case to open
   */
  signals[SIGNAL_CASE_ACTIVATED] =
    g_signal_new ("case-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/widgets/ombud-upcoming-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudUpcomingPage, stack);
  gtk_widget_class_bind_template_child (widget_class, OmbudUpcomingPage, overdue_group);
  gtk_widget_class_bind_template_child (widget_class, OmbudUpcomingPage, today_group);
  gtk_widget_class_bind_template_child (widget_class, OmbudUpcomingPage, week_group);
  gtk_widget_class_bind_template_child (widget_class, OmbudUpcomingPage, later_group);
}

static void
ombud_upcoming_page_init (OmbudUpcomingPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_ptr_array_new ();
}

GtkWidget *
ombud_upcoming_page_new (OmbudSession *session)
{
  return g_object_new (OMBUD_TYPE_UPCOMING_PAGE, "session", session, NULL);
}

gboolean
ombud_upcoming_page_get_loading (OmbudUpcomingPage *self)
{
  g_return_val_if_fail (OMBUD_IS_UPCOMING_PAGE (self), FALSE);
  return self->loading;
}

guint
ombud_upcoming_page_get_n_items (OmbudUpcomingPage *self)
{
  g_return_val_if_fail (OMBUD_IS_UPCOMING_PAGE (self), 0);
  return self->n_items;
}
