/* ombud-conflicts-page.c: the ombud's unresolved conflicts, each resolved in a click
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One group per conflict: the field, and both versions side by side with
 * who wrote them and when; "Keep" on either resolves it
 * (ombud_caseload_resolve_conflict), a write that syncs like any other.
 */
#include "ombud-conflicts-page.h"

#include <glib/gi18n.h>

#include "ombud-queries.h"

struct _OmbudConflictsPage
{
  AdwBin              parent_instance;

  OmbudSession       *session;
  GCancellable       *load_cancellable;
  gboolean            loading;
  GPtrArray          *groups;
  guint               n_conflicts;

  AdwToastOverlay    *toasts;
  GtkStack           *stack;
  AdwPreferencesPage *page;
};

G_DEFINE_FINAL_TYPE (OmbudConflictsPage, ombud_conflicts_page, ADW_TYPE_BIN)

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

/* ---- reading ----------------------------------------------------------------- */

typedef struct {
  GVariant *conflicts;
  GVariant *cases;
  guint64   device;
} Loaded;

static void
loaded_free (gpointer data)
{
  Loaded *loaded = data;

  g_clear_pointer (&loaded->conflicts, g_variant_unref);
  g_clear_pointer (&loaded->cases, g_variant_unref);
  g_free (loaded);
}

static gpointer
load_conflicts (OmbudCaseload  *caseload,
                gpointer        data,
                GCancellable   *cancellable,
                GError        **error)
{
  Loaded *loaded = g_new0 (Loaded, 1);

  (void) data;
  (void) cancellable;
  loaded->device = ombud_caseload_get_device_id (caseload);
  if ((loaded->conflicts = ombud_queries_list_conflicts (caseload, error)) == NULL
      || (loaded->cases = ombud_queries_list_cases (caseload, error)) == NULL)
    {
      loaded_free (loaded);
      return NULL;
    }
  return loaded;
}

static const char *
text_of (GVariant   *dict,
         const char *key)
{
  const char *text = NULL;

  if (!g_variant_lookup (dict, key, "&s", &text))
    return NULL;
  return text;
}

/* A value as the field holds it: text, a number, or nothing. */
static char *
value_text (GVariant   *dict,
            const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);

  if (value == NULL || g_variant_is_of_type (value, G_VARIANT_TYPE ("ms")))
    return g_strdup (_("(empty)"));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (value, NULL);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (value));
  return g_variant_print (value, FALSE);
}

static const char *
field_label (const char *table,
             const char *field)
{
  static const struct { const char *table, *field, *label; } labels[] = {
    { "client_case", "client_name", N_("Name or pseudonym") },
    { "client_case", "client_contact", N_("How to reach the client") },
    { "client_case", "gender", N_("Gender") },
    { "client_case", "birth_year", N_("Birth year") },
    { "client_case", "has_minor_children", N_("Has children under 18") },
    { "client_case", "municipality_id", N_("Municipality") },
    { "client_case", "assigned_ombud", N_("Assigned ombud") },
    { "note", "body", N_("Note") },
    { "note", "approved", N_("Note approved") },
    { "goal", "body", N_("Goal") },
    { "goal", "review_on", N_("Goal review date") },
    { "goal", "area", N_("Goal life area") },
    { "deadline", "body", N_("Deadline") },
    { "deadline", "due_on", N_("Deadline date") },
    { "deadline", "done", N_("Deadline done") },
    { "contact", "minutes", N_("Contact minutes") },
    { "contact", "on_date", N_("Contact date") },
    { "contact", "form", N_("Contact form") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_strcmp0 (labels[i].table, table) == 0 && g_strcmp0 (labels[i].field, field) == 0)
      return _(labels[i].label);
  return field;
}

static char *
when_text (gint64 ms)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (ms / 1000);

  return when ? g_date_time_format (when, "%Y-%m-%d %H:%M") : g_strdup ("");
}

/* ---- resolving --------------------------------------------------------------- */

typedef struct {
  char     *conflict_id;
  gboolean  keep_theirs;
} Resolve;

static void
resolve_free (gpointer data)
{
  Resolve *resolve = data;

  g_free (resolve->conflict_id);
  g_free (resolve);
}

static gpointer
resolve_conflict (OmbudCaseload  *caseload,
                  gpointer        data,
                  GCancellable   *cancellable,
                  GError        **error)
{
  Resolve *resolve = data;

  (void) cancellable;
  if (!ombud_caseload_resolve_conflict (caseload, resolve->conflict_id, resolve->keep_theirs, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

static void
resolved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(OmbudConflictsPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (ombud_session_run_finish (OMBUD_SESSION (source), result, &error) == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Not resolved: %s"), error->message);
      AdwToast *toast = adw_toast_new (text);

      adw_toast_set_timeout (toast, 0);
      adw_toast_overlay_add_toast (self->toasts, toast);
      /* The buttons come back with the list as it is now. */
      g_signal_emit_by_name (self->session, "changed");
    }
}

static void
keep_clicked (GtkButton          *button,
              OmbudConflictsPage *self)
{
  GtkWidget *group = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_PREFERENCES_GROUP);
  Resolve *resolve = g_new0 (Resolve, 1);

  resolve->conflict_id = g_strdup (g_object_get_data (G_OBJECT (button), "ombud-conflict"));
  resolve->keep_theirs = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "ombud-theirs"));
  /* One click: the other button cannot resolve it a second time. */
  if (group != NULL)
    gtk_widget_set_sensitive (group, FALSE);
  ombud_session_write_async (self->session, resolve_conflict, resolve, resolve_free, NULL, NULL,
                             resolved, g_object_ref (self));
}

static void
open_case_clicked (GtkButton          *button,
                   OmbudConflictsPage *self)
{
  g_signal_emit (self, signals[SIGNAL_CASE_ACTIVATED], 0, g_object_get_data (G_OBJECT (button), "ombud-case"));
}

/* ---- showing ----------------------------------------------------------------- */

static GtkWidget *
version_row (OmbudConflictsPage *self,
             const char *conflict_id,
             const char *value,
             const char *who,
             gboolean    theirs)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *keep = gtk_button_new_with_mnemonic (_("_Keep"));
  g_autofree char *accessible = g_strdup_printf (theirs ? _("Keep theirs: %s") : _("Keep mine: %s"), value);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), value);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), who);
  gtk_widget_set_valign (keep, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (keep), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  g_object_set_data_full (G_OBJECT (keep), "ombud-conflict", g_strdup (conflict_id), g_free);
  g_object_set_data (G_OBJECT (keep), "ombud-theirs", GINT_TO_POINTER (theirs));
  g_signal_connect (keep, "clicked", G_CALLBACK (keep_clicked), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), keep);
  return row;
}

static char *
who_text (GVariant   *conflict,
          const char *side,
          guint64     device)
{
  g_autofree char *device_key = g_strdup_printf ("%s_device", side);
  g_autofree char *ms_key = g_strdup_printf ("%s_ms", side);
  g_autofree char *own = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", device);
  g_autofree char *when = NULL;
  gint64 ms = 0;
  const char *author = text_of (conflict, device_key);

  g_variant_lookup (conflict, ms_key, "x", &ms);
  when = when_text (ms);
  if (g_strcmp0 (author, own) == 0)
    return g_strdup_printf (_("This laptop · %s"), when);
  return g_strdup_printf (_("Another device (%.8s) · %s"), author ? author : "?", when);
}

static void
add_conflict (OmbudConflictsPage *self,
              GVariant           *conflict,
              GHashTable         *names,
              guint64             device)
{
  const char *id = text_of (conflict, "id");
  const char *case_id = text_of (conflict, "case_id");
  const char *name = case_id ? g_hash_table_lookup (names, case_id) : NULL;
  g_autofree char *mine = value_text (conflict, "mine");
  g_autofree char *theirs = value_text (conflict, "theirs");
  g_autofree char *mine_who = who_text (conflict, "mine", device);
  g_autofree char *theirs_who = who_text (conflict, "theirs", device);
  g_autofree char *title = g_strdup_printf ("%s · %s", name ? name : _("A case"),
                                            field_label (text_of (conflict, "table"), text_of (conflict, "field")));
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (case_id != NULL && *case_id)
    {
      GtkWidget *open = gtk_button_new_with_mnemonic (_("_Open Case"));
      gtk_widget_add_css_class (open, "flat");
      g_object_set_data_full (G_OBJECT (open), "ombud-case", g_strdup (case_id), g_free);
      g_signal_connect (open, "clicked", G_CALLBACK (open_case_clicked), self);
      adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), open);
    }
  {
    GtkWidget *row = version_row (self, id, mine, mine_who, FALSE);
    GtkWidget *tag = gtk_label_new (_("Mine"));
    gtk_widget_add_css_class (tag, "dim-label");
    gtk_widget_add_css_class (tag, "caption-heading");
    gtk_widget_set_size_request (tag, 56, -1);
    adw_action_row_add_prefix (ADW_ACTION_ROW (row), tag);
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  }
  {
    GtkWidget *row = version_row (self, id, theirs, theirs_who, TRUE);
    GtkWidget *tag = gtk_label_new (_("Theirs"));
    gtk_widget_add_css_class (tag, "dim-label");
    gtk_widget_add_css_class (tag, "caption-heading");
    gtk_widget_set_size_request (tag, 56, -1);
    adw_action_row_add_prefix (ADW_ACTION_ROW (row), tag);
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  }
  adw_preferences_page_add (self->page, ADW_PREFERENCES_GROUP (group));
  g_ptr_array_add (self->groups, group);
}

static void
show_loaded (OmbudConflictsPage *self,
             Loaded             *loaded)
{
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  gsize n = g_variant_n_children (loaded->conflicts);

  for (guint i = 0; i < self->groups->len; i++)
    adw_preferences_page_remove (self->page, g_ptr_array_index (self->groups, i));
  g_ptr_array_set_size (self->groups, 0);
  for (gsize i = 0; i < g_variant_n_children (loaded->cases); i++)
    {
      g_autoptr(GVariant) c = g_variant_get_child_value (loaded->cases, i);
      const char *id = text_of (c, "id"), *name = text_of (c, "name");
      if (id && name)
        g_hash_table_insert (names, (gpointer) id, (gpointer) name);
    }
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) conflict = g_variant_get_child_value (loaded->conflicts, i);
      add_conflict (self, conflict, names, loaded->device);
    }
  self->n_conflicts = n;
  gtk_stack_set_visible_child_name (self->stack, n ? "list" : "empty");
}

static void
set_loading (OmbudConflictsPage *self,
             gboolean            loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
conflicts_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(OmbudConflictsPage) self = user_data;
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
reload (OmbudConflictsPage *self)
{
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  if (self->session == NULL || !ombud_session_get_unlocked (self->session))
    return;
  self->load_cancellable = g_cancellable_new ();
  set_loading (self, TRUE);
  ombud_session_run_async (self->session, load_conflicts, NULL, NULL, loaded_free, self->load_cancellable,
                           conflicts_loaded, g_object_ref (self));
}

static void
session_changed (OmbudSession       *session,
                 OmbudConflictsPage *self)
{
  (void) session;
  reload (self);
}

static void
session_unlocked (OmbudSession       *session,
                  GParamSpec         *pspec,
                  OmbudConflictsPage *self)
{
  (void) pspec;
  if (ombud_session_get_unlocked (session))
    reload (self);
}

/* ---- GObject ----------------------------------------------------------------- */

static void
ombud_conflicts_page_constructed (GObject *object)
{
  OmbudConflictsPage *self = OMBUD_CONFLICTS_PAGE (object);

  G_OBJECT_CLASS (ombud_conflicts_page_parent_class)->constructed (object);
  if (self->session != NULL)
    {
      g_signal_connect (self->session, "changed", G_CALLBACK (session_changed), self);
      g_signal_connect (self->session, "notify::unlocked", G_CALLBACK (session_unlocked), self);
      reload (self);
    }
}

static void
ombud_conflicts_page_dispose (GObject *object)
{
  OmbudConflictsPage *self = OMBUD_CONFLICTS_PAGE (object);

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ombud_conflicts_page_parent_class)->dispose (object);
}

static void
ombud_conflicts_page_finalize (GObject *object)
{
  OmbudConflictsPage *self = OMBUD_CONFLICTS_PAGE (object);

  g_clear_pointer (&self->groups, g_ptr_array_unref);
  G_OBJECT_CLASS (ombud_conflicts_page_parent_class)->finalize (object);
}

static void
ombud_conflicts_page_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  OmbudConflictsPage *self = OMBUD_CONFLICTS_PAGE (object);

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
ombud_conflicts_page_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  OmbudConflictsPage *self = OMBUD_CONFLICTS_PAGE (object);

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
ombud_conflicts_page_class_init (OmbudConflictsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ombud_conflicts_page_constructed;
  object_class->dispose = ombud_conflicts_page_dispose;
  object_class->finalize = ombud_conflicts_page_finalize;
  object_class->get_property = ombud_conflicts_page_get_property;
  object_class->set_property = ombud_conflicts_page_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, OMBUD_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * OmbudConflictsPage::case-activated:
   * @case_id: the case to open
   */
  signals[SIGNAL_CASE_ACTIVATED] =
    g_signal_new ("case-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/widgets/ombud-conflicts-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudConflictsPage, toasts);
  gtk_widget_class_bind_template_child (widget_class, OmbudConflictsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, OmbudConflictsPage, page);
}

static void
ombud_conflicts_page_init (OmbudConflictsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->groups = g_ptr_array_new ();
}

GtkWidget *
ombud_conflicts_page_new (OmbudSession *session)
{
  return g_object_new (OMBUD_TYPE_CONFLICTS_PAGE, "session", session, NULL);
}

gboolean
ombud_conflicts_page_get_loading (OmbudConflictsPage *self)
{
  g_return_val_if_fail (OMBUD_IS_CONFLICTS_PAGE (self), FALSE);
  return self->loading;
}

guint
ombud_conflicts_page_get_n_conflicts (OmbudConflictsPage *self)
{
  g_return_val_if_fail (OMBUD_IS_CONFLICTS_PAGE (self), 0);
  return self->n_conflicts;
}
