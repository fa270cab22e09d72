/* ombud-case-list-row.c: one row of the case list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-case-list-row.h"

#include <glib/gi18n.h>

struct _OmbudCaseListRow
{
  GtkWidget          parent_instance;

  GtkWidget         *box;
  GtkLabel          *title_label;
  GtkLabel          *subtitle_label;
  GtkLabel          *deadline_label;
  GtkImage          *sync_image;
  OmbudCaseSummary  *summary;
};

G_DEFINE_FINAL_TYPE (OmbudCaseListRow, ombud_case_list_row, GTK_TYPE_WIDGET)

GtkWidget *
ombud_case_list_row_new (void)
{
  return g_object_new (OMBUD_TYPE_CASE_LIST_ROW, NULL);
}

OmbudCaseSummary *
ombud_case_list_row_get_summary (OmbudCaseListRow *self)
{
  g_return_val_if_fail (OMBUD_IS_CASE_LIST_ROW (self), NULL);
  return self->summary;
}

char *
ombud_case_list_title (OmbudCaseSummary *summary)
{
  const char *title = ombud_case_summary_get_title (summary);

  if (title != NULL && *title != '\0')
    return g_strdup (title);
  /* Translators: a case whose client's name this laptop cannot read; %s is
   * the case's short id */
  return g_strdup_printf (_("Case %s"), ombud_case_summary_get_short_id (summary));
}

const char *
ombud_case_list_status_label (OmbudCaseStatus status)
{
  switch (status)
    {
    case OMBUD_CASE_STATUS_QUEUED: return C_("case status", "Queued");
    case OMBUD_CASE_STATUS_ACTIVE: return C_("case status", "Active");
    case OMBUD_CASE_STATUS_REFERRED: return C_("case status", "Referred");
    case OMBUD_CASE_STATUS_CLOSED: return C_("case status", "Closed");
    default: return "";
    }
}

static void
show_sync (OmbudCaseListRow *self,
           OmbudSyncState    sync)
{
  static const struct { const char *icon; const char *text; } marks[] = {
    [OMBUD_SYNC_STATE_AT_OFFICE] = { "emblem-ok-symbolic", N_("Saved at the office") },
    [OMBUD_SYNC_STATE_LOCAL] = { "computer-symbolic", N_("Saved on this laptop only") },
    [OMBUD_SYNC_STATE_CONFLICT] = { "dialog-warning-symbolic", N_("Has a conflict to resolve") },
  };
  const char *text = _(marks[sync].text);

  gtk_image_set_from_icon_name (self->sync_image, marks[sync].icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sync_image), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sync_image),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
  gtk_widget_remove_css_class (GTK_WIDGET (self->sync_image), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->sync_image), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->sync_image),
                            sync == OMBUD_SYNC_STATE_CONFLICT ? "warning" : "dim-label");
}

void
ombud_case_list_row_set_summary (OmbudCaseListRow *self,
                                 OmbudCaseSummary *summary)
{
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *deadline = NULL;
  const char *municipality, *next;

  g_return_if_fail (OMBUD_IS_CASE_LIST_ROW (self));
  g_set_object (&self->summary, summary);
  if (summary == NULL)
    {
      gtk_label_set_label (self->title_label, "");
      gtk_label_set_label (self->subtitle_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->deadline_label), FALSE);
      return;
    }
  title = ombud_case_list_title (summary);
  municipality = ombud_case_summary_get_municipality_name (summary);
  subtitle = g_strdup_printf ("%s · %s", municipality ? municipality : _("No municipality"),
                              ombud_case_list_status_label (ombud_case_summary_get_status (summary)));
  gtk_label_set_label (self->title_label, title);
  gtk_label_set_label (self->subtitle_label, subtitle);
  next = ombud_case_summary_get_next_deadline (summary);
  if (next != NULL)
    /* Translators: %s is a date, YYYY-MM-DD */
    deadline = g_strdup_printf (_("Next deadline %s"), next);
  gtk_label_set_label (self->deadline_label, deadline ? deadline : "");
  gtk_widget_set_visible (GTK_WIDGET (self->deadline_label), deadline != NULL);
  show_sync (self, ombud_case_summary_get_sync_state (summary));
}

static void
ombud_case_list_row_dispose (GObject *object)
{
  OmbudCaseListRow *self = OMBUD_CASE_LIST_ROW (object);

  g_clear_object (&self->summary);
  gtk_widget_dispose_template (GTK_WIDGET (self), OMBUD_TYPE_CASE_LIST_ROW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (ombud_case_list_row_parent_class)->dispose (object);
}

static void
ombud_case_list_row_class_init (OmbudCaseListRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ombud_case_list_row_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/ombud-case-list-row.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseListRow, box);
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseListRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseListRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseListRow, deadline_label);
  gtk_widget_class_bind_template_child (widget_class, OmbudCaseListRow, sync_image);
}

static void
ombud_case_list_row_init (OmbudCaseListRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
