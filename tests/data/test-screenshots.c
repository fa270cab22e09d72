/* test-screenshots.c: every screenshot the metainfo names is in
 * data/screenshots/, where the UI tests save them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <string.h>

#include "data-tool.h"

/* The file names the metainfo's <image> URLs end in, in order. */
static GPtrArray *
screenshot_names (void)
{
  const char *base = data_tool_env ("OMBUD_SCREENSHOT_BASE_URL");
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *xml = NULL;
  const char *p;

  g_assert_true (g_file_get_contents (data_tool_env ("OMBUD_METAINFO_FILE"), &xml, NULL, NULL));
  for (p = strstr (xml, "<image"); p != NULL; p = strstr (p, "<image"))
    {
      const char *url = strchr (p, '>');
      const char *end;

      g_assert_nonnull (url);
      url++;
      end = strchr (url, '<');
      g_assert_nonnull (end);
      if (!g_str_has_prefix (url, base))
        g_error ("screenshot URL %.*s is not under screenshot_base_url %s",
                 (int) (end - url), url, base);
      g_ptr_array_add (names, g_strndup (url + strlen (base), end - url - strlen (base)));
      p = end;
    }
  return names;
}

/* The six screens of the product's tour, as the UI tests name them. */
static void
test_metainfo_names_the_tour (void)
{
  const char *tour[] = { "case-list.png", "case-detail.png", "log-contact.png",
                         "narrow.png", "unlock.png", "sync-error.png", NULL };
  g_autoptr(GPtrArray) names = screenshot_names ();

  g_assert_cmpuint (names->len, ==, g_strv_length ((char **) tour));
  for (guint i = 0; tour[i] != NULL; i++)
    g_assert_true (g_ptr_array_find_with_equal_func (names, tour[i], g_str_equal, NULL));
}

static gboolean
is_png (const char *path)
{
  static const guchar signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autofree char *head = NULL;
  gsize length = 0;

  return g_file_get_contents (path, &head, &length, NULL)
         && length > sizeof signature
         && memcmp (head, signature, sizeof signature) == 0;
}

static void
test_screenshots_present (void)
{
  const char *dir = data_tool_env ("OMBUD_SCREENSHOTS_DIR");
  g_autoptr(GPtrArray) names = screenshot_names ();
  g_autoptr(GString) missing = g_string_new (NULL);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);

      if (!is_png (path))
        g_string_append_printf (missing, " %s", (const char *) names->pdata[i]);
    }
  if (missing->len > 0)
    g_test_message ("the metainfo names screenshots that %s lacks (or that are no PNG):%s; "
                    "the UI tests save them there, commit them", dir, missing->str);
  g_assert_cmpstr (missing->str, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/screenshots/metainfo-names-the-tour", test_metainfo_names_the_tour);
  g_test_add_func ("/screenshots/present", test_screenshots_present);

  return g_test_run ();
}
