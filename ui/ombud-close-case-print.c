/* ombud-close-case-print.c: the client's export as printed pages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Laid out once in ::begin-print with the print context's Pango (so what is
 * measured is what is drawn), then drawn page by page.  A heading never
 * ends a page: it moves to the next with the line under it.
 */
#include "ombud-close-case-print.h"

#include <glib/gi18n.h>

typedef enum {
  KIND_TITLE,
  KIND_HEADING,
  KIND_BODY,
} Kind;

typedef struct {
  PangoLayout *layout;
  int          page;
  double       y;
} Item;

typedef struct {
  char   **lines;
  GArray  *items;
  int      n_pages;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  for (guint i = 0; job->items && i < job->items->len; i++)
    g_object_unref (g_array_index (job->items, Item, i).layout);
  g_clear_pointer (&job->items, g_array_unref);
  g_strfreev (job->lines);
  g_free (job);
}

static gboolean
is_underline (const char *line)
{
  if (line == NULL || *line == '\0')
    return FALSE;
  for (const char *p = line; *p; p++)
    if (*p != '=')
      return FALSE;
  return TRUE;
}

static PangoLayout *
make_layout (GtkPrintContext *context,
             const char      *text,
             Kind             kind,
             double           width)
{
  static const char *fonts[] = { "Sans Bold 18", "Sans Bold 13", "Sans 10.5" };
  PangoLayout *layout = gtk_print_context_create_pango_layout (context);
  PangoFontDescription *font = pango_font_description_from_string (fonts[kind]);

  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (layout, *text ? text : " ", -1);
  return layout;
}

static double
layout_height (PangoLayout *layout)
{
  int height;

  pango_layout_get_size (layout, NULL, &height);
  return (double) height / PANGO_SCALE;
}

/* Room left at the foot of each page for its number. */
static const double footer = 28.0;

static void
begin_print (GtkPrintOperation *operation,
             GtkPrintContext   *context,
             Job               *job)
{
  double width = gtk_print_context_get_width (context);
  double room = gtk_print_context_get_height (context) - footer;
  double y = 0;
  int page = 0;

  g_array_set_size (job->items, 0);
  for (guint i = 0; job->lines[i]; i++)
    {
      Kind kind = i == 0 ? KIND_TITLE : is_underline (job->lines[i + 1]) ? KIND_HEADING : KIND_BODY;
      Item item = { make_layout (context, job->lines[i], kind, width), 0, 0 };
      double height = layout_height (item.layout);
      double before = kind == KIND_HEADING && y > 0 ? 14 : 0;
      double keep = height;

      if (kind == KIND_HEADING)
        {
          i++;   /* the underline is the heading's style, not text */
          keep += 2 * height;
        }
      if (y > 0 && y + before + keep > room)
        {
          page++;
          y = 0;
          before = 0;
        }
      item.page = page;
      item.y = y + before;
      y = item.y + height + (kind == KIND_BODY ? 2 : 8);
      g_array_append_val (job->items, item);
    }
  job->n_pages = page + 1;
  gtk_print_operation_set_n_pages (operation, job->n_pages);
}

static void
draw_page (GtkPrintOperation *operation,
           GtkPrintContext   *context,
           int                page_nr,
           Job               *job)
{
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  g_autoptr(PangoLayout) number = NULL;
  g_autofree char *number_text = NULL;
  int number_width;

  (void) operation;
  cairo_set_source_rgb (cr, 0, 0, 0);
  for (guint i = 0; i < job->items->len; i++)
    {
      Item *item = &g_array_index (job->items, Item, i);

      if (item->page != page_nr)
        continue;
      cairo_move_to (cr, 0, item->y);
      pango_cairo_show_layout (cr, item->layout);
    }
  number_text = g_strdup_printf (_("Page %d of %d"), page_nr + 1, job->n_pages);
  number = make_layout (context, number_text, KIND_BODY, gtk_print_context_get_width (context));
  pango_layout_set_width (number, -1);
  pango_layout_get_size (number, &number_width, NULL);
  cairo_move_to (cr, (gtk_print_context_get_width (context) - (double) number_width / PANGO_SCALE) / 2,
                 gtk_print_context_get_height (context) - footer + 10);
  pango_cairo_show_layout (cr, number);
}

GtkPrintOperation *
ombud_close_case_print_new (const char *text)
{
  GtkPrintOperation *operation = gtk_print_operation_new ();
  Job *job = g_new0 (Job, 1);

  job->lines = g_strsplit (text, "\n", -1);
  job->items = g_array_new (FALSE, FALSE, sizeof (Item));
  g_object_set_data_full (G_OBJECT (operation), "ombud-print-job", job, job_free);
  /* No client's name in a job name a print queue would show. */
  gtk_print_operation_set_job_name (operation, _("Client export"));
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_embed_page_setup (operation, TRUE);
  g_signal_connect (operation, "begin-print", G_CALLBACK (begin_print), job);
  g_signal_connect (operation, "draw-page", G_CALLBACK (draw_page), job);
  return operation;
}
