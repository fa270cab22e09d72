/* test-desktop-integration.c: the desktop file, the metainfo and the
 * GSettings schema validate, and agree on the app id
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "data-tool.h"

/* desktop-file-validate exits 0 on warnings and hints; any line it prints
 * is a finding. */
static void
test_desktop_file_validates (void)
{
  const char *argv[] = { data_tool_env ("OMBUD_DESKTOP_FILE_VALIDATE"),
                         data_tool_env ("OMBUD_DESKTOP_FILE"), NULL };
  g_auto(DataToolResult) r = { 0 };
  g_autofree char *said = NULL;

  data_tool_run (argv, NULL, &r);
  said = data_tool_describe (&r);
  if (r.status != 0 || *r.out != '\0' || *r.err != '\0')
    g_test_message ("desktop-file-validate:\n%s", said);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "");
  g_assert_cmpstr (r.err, ==, "");
}

static void
test_desktop_file_names_app (void)
{
  const char *path = data_tool_env ("OMBUD_DESKTOP_FILE");
  const char *app_id = data_tool_env ("OMBUD_APP_ID");
  g_autoptr(GKeyFile) desktop = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *basename = g_path_get_basename (path);
  g_autofree char *expected = g_strconcat (app_id, ".desktop", NULL);
  g_autofree char *icon = NULL;
  g_autofree char *exec = NULL;
  g_auto(GStrv) exec_argv = NULL;

  g_assert_cmpstr (basename, ==, expected);
  g_key_file_load_from_file (desktop, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  icon = g_key_file_get_string (desktop, "Desktop Entry", "Icon", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (icon, ==, app_id);
  exec = g_key_file_get_string (desktop, "Desktop Entry", "Exec", &error);
  g_assert_no_error (error);
  g_assert_true (g_shell_parse_argv (exec, NULL, &exec_argv, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (exec_argv[0], ==, "ombud");
}

/* --strict fails on errors, warnings and infos; pedantic hints stay
 * allowed, because the fixed app id has capitals, which AppStream only
 * hints against (cid-contains-uppercase-letter). */
static void
test_metainfo_validates (void)
{
  const char *argv[] = { data_tool_env ("OMBUD_APPSTREAMCLI"), "validate", "--no-net",
                         "--strict", data_tool_env ("OMBUD_METAINFO_FILE"), NULL };
  g_auto(DataToolResult) r = { 0 };
  g_autofree char *said = NULL;

  data_tool_run (argv, NULL, &r);
  said = data_tool_describe (&r);
  if (r.status != 0)
    g_test_message ("appstreamcli validate:\n%s", said);
  g_assert_cmpint (r.status, ==, 0);
}

/* The validator's verdict depends on --strict: a metainfo without its
 * content rating only gets an info, which has to fail the check. */
static void
test_metainfo_info_fails (void)
{
  g_autofree char *xml = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ombud-metainfo-XXXXXX", NULL);
  g_autofree char *spoilt_path = g_build_filename (dir, "se.ombud.Ombud.metainfo.xml", NULL);
  g_autoptr(GString) spoilt = NULL;
  const char *argv[] = { data_tool_env ("OMBUD_APPSTREAMCLI"), "validate", "--no-net",
                         "--strict", spoilt_path, NULL };
  g_auto(DataToolResult) r = { 0 };

  g_assert_true (g_file_get_contents (data_tool_env ("OMBUD_METAINFO_FILE"), &xml, NULL, NULL));
  spoilt = g_string_new (xml);
  g_assert_cmpuint (g_string_replace (spoilt, "<content_rating type=\"oars-1.1\"/>", "", 0), ==, 1);
  g_assert_true (g_file_set_contents (spoilt_path, spoilt->str, -1, NULL));

  data_tool_run (argv, NULL, &r);
  g_assert_cmpint (r.status, !=, 0);
  g_assert_nonnull (strstr (r.out, "content-rating-missing"));
  g_assert_cmpint (g_remove (spoilt_path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static char *
element_text (const char *xml,
              const char *open_tag)
{
  const char *start = strstr (xml, open_tag);
  const char *end;

  if (start == NULL)
    return NULL;
  start += strlen (open_tag);
  end = strchr (start, '<');
  return end ? g_strndup (start, end - start) : NULL;
}

static void
test_metainfo_names_app (void)
{
  const char *app_id = data_tool_env ("OMBUD_APP_ID");
  g_autofree char *xml = NULL;
  g_autofree char *id = NULL;
  g_autofree char *launchable = NULL;
  g_autofree char *binary = NULL;
  g_autofree char *release = NULL;
  g_autofree char *desktop_id = g_strconcat (app_id, ".desktop", NULL);
  g_autofree char *basename = g_path_get_basename (data_tool_env ("OMBUD_METAINFO_FILE"));
  g_autofree char *expected = g_strconcat (app_id, ".metainfo.xml", NULL);

  g_assert_cmpstr (basename, ==, expected);
  g_assert_true (g_file_get_contents (data_tool_env ("OMBUD_METAINFO_FILE"), &xml, NULL, NULL));
  id = element_text (xml, "<id>");
  launchable = element_text (xml, "<launchable type=\"desktop-id\">");
  binary = element_text (xml, "<binary>");
  release = g_strdup_printf ("<release version=\"%s\" date=\"", data_tool_env ("OMBUD_VERSION"));
  g_assert_cmpstr (id, ==, app_id);
  g_assert_cmpstr (launchable, ==, desktop_id);
  g_assert_cmpstr (binary, ==, "ombud");
  g_assert_nonnull (strstr (xml, release));
}

static void
test_schema_compiles_strictly (void)
{
  g_autofree char *data_dir = data_tool_source_path ("data", NULL);
  const char *argv[] = { data_tool_env ("OMBUD_GLIB_COMPILE_SCHEMAS"), "--strict",
                         "--dry-run", data_dir, NULL };
  g_auto(DataToolResult) r = { 0 };
  g_autofree char *said = NULL;

  data_tool_run (argv, NULL, &r);
  said = data_tool_describe (&r);
  if (r.status != 0 || *r.err != '\0')
    g_test_message ("glib-compile-schemas --strict:\n%s", said);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
}

static void
assert_key (GSettingsSchema *schema,
            const char      *name,
            const char      *type,
            const char      *default_value)
{
  g_autoptr(GSettingsSchemaKey) key = g_settings_schema_get_key (schema, name);
  g_autoptr(GVariant) value = g_settings_schema_key_get_default_value (key);
  g_autofree char *printed = g_variant_print (value, FALSE);

  g_assert_cmpstr ((const char *) g_settings_schema_key_get_value_type (key), ==, type);
  g_assert_cmpstr (printed, ==, default_value);
}

static void
assert_range (GSettingsSchema *schema,
              const char      *name,
              guint32          min,
              guint32          max)
{
  g_autoptr(GSettingsSchemaKey) key = g_settings_schema_get_key (schema, name);
  guint32 probes[] = { min - 1, min, max, max + 1 };

  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_uint32 (probes[i]));
      gboolean inside = probes[i] >= min && probes[i] <= max;

      g_assert_cmpint (g_settings_schema_key_range_check (key, value), ==, inside);
    }
}

/* The schema the tests compile into the build folder, as the app reads it
 * through GSETTINGS_SCHEMA_DIR (tests/meson.build). */
static void
test_schema_keys (void)
{
  const char *app_id = data_tool_env ("OMBUD_APP_ID");
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_auto(GStrv) keys = NULL;

  g_assert_nonnull (source);
  schema = g_settings_schema_source_lookup (source, app_id, FALSE);
  g_assert_nonnull (schema);
  g_assert_cmpstr (g_settings_schema_get_path (schema), ==, "/se/ombud/Ombud/");

  keys = g_settings_schema_list_keys (schema);
  g_assert_cmpuint (g_strv_length (keys), ==, 7);
  assert_key (schema, "auto-lock-minutes", "u", "5");
  assert_key (schema, "sync-interval-minutes", "u", "15");
  assert_key (schema, "profile-dir", "s", "''");
  assert_key (schema, "window-width", "i", "1000");
  assert_key (schema, "window-height", "i", "700");
  assert_key (schema, "window-maximized", "b", "false");
  assert_key (schema, "notify-deadlines", "b", "true");
  assert_range (schema, "auto-lock-minutes", 1, 120);
  assert_range (schema, "sync-interval-minutes", 1, 240);

  /* what the app will do: the memory backend keeps the test off dconf */
  settings = g_settings_new (app_id);
  g_assert_cmpuint (g_settings_get_uint (settings, "auto-lock-minutes"), ==, 5);
  g_assert_true (g_settings_set_uint (settings, "auto-lock-minutes", 30));
  g_assert_cmpuint (g_settings_get_uint (settings, "auto-lock-minutes"), ==, 30);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/desktop-file/validates", test_desktop_file_validates);
  g_test_add_func ("/desktop-file/names-app", test_desktop_file_names_app);
  g_test_add_func ("/metainfo/validates", test_metainfo_validates);
  g_test_add_func ("/metainfo/info-fails", test_metainfo_info_fails);
  g_test_add_func ("/metainfo/names-app", test_metainfo_names_app);
  g_test_add_func ("/schema/compiles-strictly", test_schema_compiles_strictly);
  g_test_add_func ("/schema/keys", test_schema_keys);

  return g_test_run ();
}
