/* ombud-case-list.c: the sidebar's case list with search, filters and empty states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every change of the search text, a filter or the caseload asks the
 * session once more; a newer question cancels the one before, so the
 * list only ever shows the answer to the latest.
 */
#include "ombud-case-list.h"

#include <glib/gi18n.h>

#include "ombud-case-list-query.h"
#include "ombud-case-list-row.h"

#define DEADLINE_SOON_DAYS 14

struct _OmbudCaseList
{
  GtkWidget           parent_instance;

  GtkSearchBar       *search_bar;
  GtkSearchEntry     *search_entry;
  GtkDropDown        *status_dropdown;
  GtkDropDown        *municipality_dropdown;
  GtkStringList      *municipality_model;
  GtkToggleButton    *deadline_toggle;
  GtkStack           *stack;
  GtkListView        *list_view;
  AdwStatusPage      *no_results_page;

  OmbudSession       *session;
  GListStore         *store;
  GtkSingleSelection *selection;
  GCancellable       *cancellable;
  gboolean            search_mode;
  gboolean            updating_municipalities;
  char               *answered_text;
  char               *asked_text;        /* the search text of the latest question */
  GStrv               municipality_ids;  /* beside the dropdown's names, from index 1 */
};

G_DEFINE_FINAL_TYPE (OmbudCaseList, ombud_case_list, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SEARCH_MODE,
  PROP_SELECTED_CASE_ID,
  N_PROPS
};

enum {
  SIGNAL_LOADED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The status dropdown's items after "Any status". */
static const OmbudCaseStatus statuses[] = {
  OMBUD_CASE_STATUS_QUEUED, OMBUD_CASE_STATUS_ACTIVE, OMBUD_CASE_STATUS_REFERRED, OMBUD_CASE_STATUS_CLOSED,
};

GListModel *
ombud_case_list_get_model (OmbudCaseList *self)
{
  g_return_val_if_fail (OMBUD_IS_CASE_LIST (self), NULL);
  return G_LIST_MODEL (self->store);
}

GtkEditable *
ombud_case_list_get_search_entry (OmbudCaseList *self)
{
  g_return_val_if_fail (OMBUD_IS_CASE_LIST (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}

void
ombud_case_list_set_key_capture_widget (OmbudCaseList *self,
                                        GtkWidget     *widget)
{
  g_return_if_fail (OMBUD_IS_CASE_LIST (self));
  gtk_search_bar_set_key_capture_widget (self->search_bar, widget);
}

const char *
ombud_case_list_get_answered_text (OmbudCaseList *self)
{
  g_return_val_if_fail (OMBUD_IS_CASE_LIST (self), NULL);
  return self->answered_text;
}

const char *
ombud_case_list_get_state (OmbudCaseList *self)
{
  g_return_val_if_fail (OMBUD_IS_CASE_LIST (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
ombud_case_list_get_selected_case_id (OmbudCaseList *self)
{
  OmbudCaseSummary *summary;

  g_return_val_if_fail (OMBUD_IS_CASE_LIST (self), NULL);
  summary = gtk_single_selection_get_selected_item (self->selection);
  return summary ? ombud_case_summary_get_id (summary) : NULL;
}

static guint
position_of (OmbudCaseList *self,
             const char    *case_id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  for (guint i = 0; case_id != NULL && i < n; i++)
    {
      g_autoptr(OmbudCaseSummary) summary = g_list_model_get_item (G_LIST_MODEL (self->store), i);
      if (g_strcmp0 (ombud_case_summary_get_id (summary), case_id) == 0)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

gboolean
ombud_case_list_select_case (OmbudCaseList *self,
                             const char    *case_id)
{
  guint position;

  g_return_val_if_fail (OMBUD_IS_CASE_LIST (self), FALSE);
  position = position_of (self, case_id);
  if (position == GTK_INVALID_LIST_POSITION)
    return FALSE;
  gtk_single_selection_set_selected (self->selection, position);
  return TRUE;
}

void
ombud_case_list_unselect (OmbudCaseList *self)
{
  g_return_if_fail (OMBUD_IS_CASE_LIST (self));
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

/* ---- asking the session --------------------------------------------------- */

static void
fill_filter (OmbudCaseList       *self,
             OmbudCaseListFilter *filter)
{
  guint status = gtk_drop_down_get_selected (self->status_dropdown);
  guint municipality = gtk_drop_down_get_selected (self->municipality_dropdown);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  filter->text = *text ? g_strdup (text) : NULL;
  filter->statuses = status > 0 && status <= G_N_ELEMENTS (statuses) ? OMBUD_CASE_STATUS_FLAG (statuses[status - 1]) : 0;
  filter->municipality_id = municipality > 0 && self->municipality_ids != NULL
    && municipality <= g_strv_length (self->municipality_ids)
    ? g_strdup (self->municipality_ids[municipality - 1]) : NULL;
  filter->deadline_days = gtk_toggle_button_get_active (self->deadline_toggle) ? DEADLINE_SOON_DAYS : 0;
}

/* The filter keeps its choice (by id) when the municipalities change. */
static void
update_municipalities (OmbudCaseList *self,
                       GVariant      *municipalities)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->municipality_model));
  guint selected = gtk_drop_down_get_selected (self->municipality_dropdown);
  gsize count = g_variant_n_children (municipalities);
  g_autofree char *chosen = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  gboolean same = self->municipality_ids != NULL && g_strv_length (self->municipality_ids) == count;

  for (gsize i = 0; i < count; i++)
    {
      g_autoptr(GVariant) row = g_variant_get_child_value (municipalities, i);
      char *id = NULL, *name = NULL;
      g_variant_lookup (row, "id", "s", &id);
      g_variant_lookup (row, "name", "s", &name);
      g_ptr_array_add (ids, id ? id : g_strdup (""));
      g_ptr_array_add (names, name ? name : g_strdup (""));
      same = same && g_strcmp0 (self->municipality_ids[i], ids->pdata[i]) == 0;
    }
  g_ptr_array_add (ids, NULL);
  g_ptr_array_add (names, NULL);
  if (same)
    {
      g_strfreev ((GStrv) g_ptr_array_steal (ids, NULL));
      return;
    }
  if (selected > 0 && self->municipality_ids != NULL && selected <= g_strv_length (self->municipality_ids))
    chosen = g_strdup (self->municipality_ids[selected - 1]);
  g_strfreev (self->municipality_ids);
  self->municipality_ids = (GStrv) g_ptr_array_steal (ids, NULL);
  self->updating_municipalities = TRUE;
  gtk_string_list_splice (self->municipality_model, 1, n - 1, (const char *const *) names->pdata);
  selected = 0;
  for (guint i = 0; chosen != NULL && self->municipality_ids[i] != NULL; i++)
    if (g_strcmp0 (self->municipality_ids[i], chosen) == 0)
      selected = i + 1;
  gtk_drop_down_set_selected (self->municipality_dropdown, selected);
  self->updating_municipalities = FALSE;
}

static void
show_state (OmbudCaseList       *self,
            OmbudCaseListResult *result)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (!result->any_case)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->store)) == 0)
    {
      g_autofree char *description = NULL;
      if (*text != '\0')
        /* Translators: %s is what the user searched for */
        description = g_strdup_printf (_("No case matches “%s”."), text);
      else
        description = g_strdup (_("No case matches the filters."));
      adw_status_page_set_description (self->no_results_page, description);
      gtk_stack_set_visible_child_name (self->stack, "no-results");
    }
  else
    gtk_stack_set_visible_child_name (self->stack, "list");
}

static void
query_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(OmbudCaseList) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudCaseListResult) answer = ombud_session_run_finish (OMBUD_SESSION (source), result, &error);
  g_autofree char *selected = NULL;
  guint n_old, n_new;
  g_autofree gpointer *items = NULL;

  if (answer == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          && !g_error_matches (error, OMBUD_SESSION_ERROR, OMBUD_SESSION_ERROR_LOCKED))
        g_warning ("The case list could not be read: %s", error->message);
      return;
    }
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  g_clear_object (&self->cancellable);

  selected = g_strdup (ombud_case_list_get_selected_case_id (self));
  n_old = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  n_new = g_list_model_get_n_items (G_LIST_MODEL (answer->items));
  items = g_new0 (gpointer, n_new + 1);
  for (guint i = 0; i < n_new; i++)
    items[i] = g_list_model_get_item (G_LIST_MODEL (answer->items), i);
  g_list_store_splice (self->store, 0, n_old, items, n_new);
  for (guint i = 0; i < n_new; i++)
    g_object_unref (items[i]);

  if (selected == NULL || !ombud_case_list_select_case (self, selected))
    gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  update_municipalities (self, answer->municipalities);
  show_state (self, answer);
  g_free (self->answered_text);
  self->answered_text = g_strdup (answer->text);
  g_signal_emit (self, signals[SIGNAL_LOADED], 0);
}

void
ombud_case_list_reload (OmbudCaseList *self)
{
  OmbudCaseListFilter filter = { 0 };

  g_return_if_fail (OMBUD_IS_CASE_LIST (self));
  if (self->session == NULL || !ombud_session_get_unlocked (self->session))
    return;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  fill_filter (self, &filter);
  g_free (self->asked_text);
  self->asked_text = g_strdup (filter.text ? filter.text : "");
  ombud_session_run_async (self->session, ombud_case_list_query, ombud_case_list_filter_copy (&filter),
                           (GDestroyNotify) ombud_case_list_filter_free,
                           (GDestroyNotify) ombud_case_list_result_free, self->cancellable,
                           query_done, g_object_ref (self));
  g_free (filter.text);
  g_free (filter.municipality_id);
}

void
ombud_case_list_clear (OmbudCaseList *self)
{
  g_return_if_fail (OMBUD_IS_CASE_LIST (self));
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_list_store_remove_all (self->store);
  g_clear_pointer (&self->answered_text, g_free);
  g_clear_pointer (&self->asked_text, g_free);
  self->updating_municipalities = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_drop_down_set_selected (self->status_dropdown, 0);
  gtk_string_list_splice (self->municipality_model, 1,
                          g_list_model_get_n_items (G_LIST_MODEL (self->municipality_model)) - 1, NULL);
  g_clear_pointer (&self->municipality_ids, g_strfreev);
  gtk_drop_down_set_selected (self->municipality_dropdown, 0);
  gtk_toggle_button_set_active (self->deadline_toggle, FALSE);
  self->updating_municipalities = FALSE;
  g_object_set (self, "search-mode", FALSE, NULL);
  gtk_stack_set_visible_child_name (self->stack, "loading");
}

void
ombud_case_list_search (OmbudCaseList *self,
                        const char    *text)
{
  g_return_if_fail (OMBUD_IS_CASE_LIST (self));
  g_object_set (self, "search-mode", TRUE, NULL);
  g_signal_handlers_block_matched (self->search_entry, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
  g_signal_handlers_unblock_matched (self->search_entry, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  ombud_case_list_reload (self);
}

/* The entry reports a change after its typing delay, also for a text
 * ombud_case_list_search () has already asked about. */
static void
search_changed (OmbudCaseList *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (!self->updating_municipalities && g_strcmp0 (text, self->asked_text) != 0)
    ombud_case_list_reload (self);
}

static void
stop_search (OmbudCaseList *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  g_object_set (self, "search-mode", FALSE, NULL);
}

static void
filter_changed (OmbudCaseList *self)
{
  if (!self->updating_municipalities)
    ombud_case_list_reload (self);
}

static void
session_unlocked_changed (OmbudCaseList *self)
{
  if (ombud_session_get_unlocked (self->session))
    ombud_case_list_reload (self);
  else
    ombud_case_list_clear (self);
}

void
ombud_case_list_set_session (OmbudCaseList *self,
                             OmbudSession  *session)
{
  g_return_if_fail (OMBUD_IS_CASE_LIST (self));
  if (self->session == session)
    return;
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  ombud_case_list_clear (self);
  g_set_object (&self->session, session);
  if (session != NULL)
    {
      g_signal_connect_swapped (session, "changed", G_CALLBACK (ombud_case_list_reload), self);
      /* A sync that only sent changes moves rows to "at the office". */
      g_signal_connect_swapped (session, "notify::last-success", G_CALLBACK (ombud_case_list_reload), self);
      g_signal_connect_swapped (session, "notify::unlocked", G_CALLBACK (session_unlocked_changed), self);
      ombud_case_list_reload (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

/* ---- rows ------------------------------------------------------------------ */

static void
row_setup (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  (void) factory; (void) user_data;
  gtk_list_item_set_child (list_item, ombud_case_list_row_new ());
}

static void
row_bind (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  OmbudCaseSummary *summary = gtk_list_item_get_item (list_item);
  GtkWidget *row = gtk_list_item_get_child (list_item);
  g_autofree char *title = ombud_case_list_title (summary);

  (void) factory; (void) user_data;
  ombud_case_list_row_set_summary (OMBUD_CASE_LIST_ROW (row), summary);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
}

static void
row_unbind (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  (void) factory; (void) user_data;
  ombud_case_list_row_set_summary (OMBUD_CASE_LIST_ROW (gtk_list_item_get_child (list_item)), NULL);
}

static void
selection_changed (OmbudCaseList *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_CASE_ID]);
}

/* ---- GObject ---------------------------------------------------------------- */

static void
ombud_case_list_dispose (GObject *object)
{
  OmbudCaseList *self = OMBUD_CASE_LIST (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), OMBUD_TYPE_CASE_LIST);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  g_clear_object (&self->store);
  g_clear_pointer (&self->answered_text, g_free);
  g_clear_pointer (&self->asked_text, g_free);
  g_clear_pointer (&self->municipality_ids, g_strfreev);
  G_OBJECT_CLASS (ombud_case_list_parent_class)->dispose (object);
}

static void
ombud_case_list_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  OmbudCaseList *self = OMBUD_CASE_LIST (object);

  switch (prop_id)
    {
    case PROP_SESSION: g_value_set_object (value, self->session); break;
    case PROP_SEARCH_MODE: g_value_set_boolean (value, self->search_mode); break;
    case PROP_SELECTED_CASE_ID: g_value_set_string (value, ombud_case_list_get_selected_case_id (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_case_list_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  OmbudCaseList *self = OMBUD_CASE_LIST (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      ombud_case_list_set_session (self, g_value_get_object (value));
      break;
    case PROP_SEARCH_MODE:
      if (self->search_mode == g_value_get_boolean (value))
        return;
      self->search_mode = g_value_get_boolean (value);
      if (self->search_mode)
        gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ombud_case_list_class_init (OmbudCaseListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ombud_case_list_dispose;
  object_class->get_property = ombud_case_list_get_property;
  object_class->set_property = ombud_case_list_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, OMBUD_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCH_MODE] =
    g_param_spec_boolean ("search-mode", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_CASE_ID] =
    g_param_spec_string ("selected-case-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The list shows the answer to the latest question (tests, benchmarks). */
  signals[SIGNAL_LOADED] =
    g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/ombud-case-list.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseList, search_bar);
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseList, search_entry);
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseList, status_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseList, municipality_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseList, municipality_model);
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseList, deadline_toggle);
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseList, stack);
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseList, list_view);
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseList, no_results_page);
  gtk_widget_class_bind_template_callback (widget_class, search_changed);
  gtk_widget_class_bind_template_callback (widget_class, stop_search);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, row_setup);
  gtk_widget_class_bind_template_callback (widget_class, row_bind);
  gtk_widget_class_bind_template_callback (widget_class, row_unbind);
}

static void
ombud_case_list_init (OmbudCaseList *self)
{
  self->store = g_list_store_new (OMBUD_TYPE_CASE_SUMMARY);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->store)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->selection, "selection-changed", G_CALLBACK (selection_changed), self);
  g_signal_connect_swapped (self->selection, "notify::selected", G_CALLBACK (selection_changed), self);
}
