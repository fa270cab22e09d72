/* test-icons.c: the app icons render, the full-colour one as a shape with
 * room around it, the symbolic one in the one colour GTK recolours
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <string.h>

#include "data-tool.h"
#include "test-util.h"

static char *
icon_path (const char *kind,
           const char *suffix)
{
  g_autofree char *name = g_strconcat (data_tool_env ("OMBUD_APP_ID"), suffix, ".svg", NULL);

  return data_tool_source_path ("data", "icons", "hicolor", kind, "apps", name, NULL);
}

/* rsvg-convert's rendering of svg at size × size, loaded back. */
static GdkPixbuf *
render (const char *svg,
        int         size)
{
  g_autofree char *dir = test_make_tmp_dir ("ombud-icon-XXXXXX");
  g_autofree char *png = g_build_filename (dir, "icon.png", NULL);
  g_autofree char *size_text = g_strdup_printf ("%d", size);
  const char *argv[] = { data_tool_env ("OMBUD_RSVG_CONVERT"), "-w", size_text, "-h", size_text,
                         "-o", png, svg, NULL };
  g_auto(DataToolResult) r = { 0 };
  g_autofree char *said = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autofree char *bytes = NULL;
  gsize length = 0;
  GdkPixbuf *pixbuf;

  data_tool_run (argv, NULL, &r);
  said = data_tool_describe (&r);
  if (r.status != 0 || *r.err != '\0')
    g_test_message ("rsvg-convert %s:\n%s", svg, said);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");

  /* By type: with the test's isolated XDG_DATA_DIRS there is no
   * shared-mime-info to sniff the format with. */
  g_assert_true (g_file_get_contents (png, &bytes, &length, NULL));
  loader = gdk_pixbuf_loader_new_with_type ("png", &error);
  g_assert_no_error (error);
  g_assert_true (gdk_pixbuf_loader_write (loader, (const guchar *) bytes, length, &error));
  g_assert_no_error (error);
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  g_assert_no_error (error);
  pixbuf = g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, size);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, size);
  g_assert_true (gdk_pixbuf_get_has_alpha (pixbuf));
  g_assert_cmpint (gdk_pixbuf_get_n_channels (pixbuf), ==, 4);
  test_rm_rf (dir);
  return pixbuf;
}

static const guchar *
pixel (GdkPixbuf *pixbuf,
       int        x,
       int        y)
{
  return gdk_pixbuf_read_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf) + x * 4;
}

/* The drawing's own canvas is 128 × 128 (the HIG's grid). */
static void
test_full_colour_canvas (void)
{
  g_autofree char *svg = icon_path ("scalable", "");
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (svg, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "viewBox=\"0 0 128 128\""));
}

/* Rendered at 128 and 32 pixels: a solid shape covering much of the
 * canvas, transparent corners, and more than one colour. */
static void
test_full_colour_renders (void)
{
  g_autofree char *svg = icon_path ("scalable", "");
  const int sizes[] = { 128, 32 };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(GdkPixbuf) icon = render (svg, sizes[s]);
      g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);
      int size = sizes[s];
      guint opaque = 0;

      for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
          {
            const guchar *p = pixel (icon, x, y);

            if (p[3] != 255)
              continue;
            opaque++;
            g_hash_table_add (colours, GUINT_TO_POINTER ((p[0] >> 4) << 8 | (p[1] >> 4) << 4 | p[2] >> 4));
          }
      g_test_message ("%d px: %u%% opaque, %u colours", size, opaque * 100 / (size * size),
                      g_hash_table_size (colours));
      g_assert_cmpuint (opaque * 100 / (size * size), >=, 40);
      g_assert_cmpuint (opaque * 100 / (size * size), <=, 90);
      g_assert_cmpuint (g_hash_table_size (colours), >=, 4);
      g_assert_cmpint (pixel (icon, 0, 0)[3], ==, 0);
      g_assert_cmpint (pixel (icon, size - 1, 0)[3], ==, 0);
    }
}

/* Every colour the symbolic source names is #2e3436: GTK recolours that
 * one, anything else would show through. */
static void
test_symbolic_source_one_colour (void)
{
  g_autofree char *svg = icon_path ("symbolic", "-symbolic");
  g_autofree char *text = NULL;
  guint colours = 0;

  g_assert_true (g_file_get_contents (svg, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "viewBox=\"0 0 16 16\""));
  for (const char *p = strchr (text, '#'); p != NULL; p = strchr (p + 1, '#'))
    {
      g_assert_cmpint (g_ascii_strncasecmp (p, "#2e3436", 7), ==, 0);
      colours++;
    }
  g_assert_cmpuint (colours, >, 0);
  g_assert_null (strstr (text, "rgb("));
  g_assert_null (strstr (text, "<image"));
}

/* At its own 16 pixels, every drawn pixel is #2e3436 (edges only differ in
 * alpha) and the shape fills a fair part of the square. */
static void
test_symbolic_renders (void)
{
  g_autofree char *svg = icon_path ("symbolic", "-symbolic");
  g_autoptr(GdkPixbuf) icon = render (svg, 16);
  guint drawn = 0;

  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 16; x++)
      {
        const guchar *p = pixel (icon, x, y);

        if (p[3] < 64)
          continue;
        drawn++;
        g_assert_cmpint (ABS (p[0] - 0x2e), <=, 4);
        g_assert_cmpint (ABS (p[1] - 0x34), <=, 4);
        g_assert_cmpint (ABS (p[2] - 0x36), <=, 4);
      }
  g_test_message ("16 px: %u pixels drawn", drawn);
  g_assert_cmpuint (drawn, >=, 16 * 16 / 3);
  g_assert_cmpuint (drawn, <, 16 * 16);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/icons/full-colour/canvas", test_full_colour_canvas);
  g_test_add_func ("/icons/full-colour/renders", test_full_colour_renders);
  g_test_add_func ("/icons/symbolic/source-one-colour", test_symbolic_source_one_colour);
  g_test_add_func ("/icons/symbolic/renders", test_symbolic_renders);

  return g_test_run ();
}
