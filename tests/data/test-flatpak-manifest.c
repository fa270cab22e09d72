/* test-flatpak-manifest.c: flatpak/se.ombud.Ombud.json loads in
 * flatpak-builder without a warning and keeps the sandbox's promises
 *
 * The GNOME runtime cannot be downloaded here, so nothing is built: this is
 * what can be checked offline (see the notes on Flatpak).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "data-tool.h"
#include "test-util.h"

/* Lines of flatpak-builder's output that mention a WARNING: unknown keys
 * and misspelt properties only warn, with exit status 0. */
static char *
warnings_in (const DataToolResult *r)
{
  g_autofree char *both = g_strconcat (r->out, "\n", r->err, NULL);
  g_auto(GStrv) lines = g_strsplit (both, "\n", -1);
  g_autoptr(GString) found = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "WARNING") != NULL)
      g_string_append_printf (found, "%s\n", lines[i]);
  return g_string_free (g_steal_pointer (&found), FALSE);
}

/* Runs in a folder of its own: flatpak-builder makes .flatpak-builder/ in
 * its working folder. */
static void
show_manifest (const char     *manifest,
               DataToolResult *r)
{
  g_autofree char *dir = test_make_tmp_dir ("ombud-flatpak-XXXXXX");
  const char *argv[] = { data_tool_env ("OMBUD_FLATPAK_BUILDER"), "--show-manifest",
                         manifest, NULL };

  data_tool_run (argv, dir, r);
  test_rm_rf (dir);
}

static void
test_show_manifest (void)
{
  g_autofree char *manifest = data_tool_source_path ("flatpak", "se.ombud.Ombud.json", NULL);
  g_auto(DataToolResult) r = { 0 };
  g_autofree char *said = NULL;
  g_autofree char *warnings = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *shown;

  show_manifest (manifest, &r);
  said = data_tool_describe (&r);
  warnings = warnings_in (&r);
  if (r.status != 0 || *warnings != '\0')
    g_test_message ("flatpak-builder --show-manifest:\n%s", said);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (warnings, ==, "");

  /* what it read back is the manifest, not an empty default */
  g_assert_true (json_parser_load_from_data (parser, r.out, -1, &error));
  g_assert_no_error (error);
  shown = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (shown, "id"), ==, data_tool_env ("OMBUD_APP_ID"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (shown, "modules")), ==, 2);
}

/* A misspelt key is caught by the WARNING check, not waved through. */
static void
test_unknown_key_warns (void)
{
  g_autofree char *manifest = data_tool_source_path ("flatpak", "se.ombud.Ombud.json", NULL);
  g_autofree char *dir = test_make_tmp_dir ("ombud-flatpak-XXXXXX");
  g_autofree char *spoilt_path = g_build_filename (dir, "se.ombud.Ombud.json", NULL);
  g_autofree char *json = NULL;
  g_autoptr(GString) spoilt = NULL;
  g_auto(DataToolResult) r = { 0 };
  g_autofree char *warnings = NULL;

  g_assert_true (g_file_get_contents (manifest, &json, NULL, NULL));
  spoilt = g_string_new (json);
  g_assert_cmpuint (g_string_replace (spoilt, "\"finish-args\"", "\"finish-arg\"", 1), ==, 1);
  g_assert_true (g_file_set_contents (spoilt_path, spoilt->str, -1, NULL));

  show_manifest (spoilt_path, &r);
  warnings = warnings_in (&r);
  g_assert_nonnull (strstr (warnings, "finish-arg"));
  test_rm_rf (dir);
}

static JsonObject *
load_manifest (JsonParser *parser)
{
  g_autofree char *manifest = data_tool_source_path ("flatpak", "se.ombud.Ombud.json", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_file (parser, manifest, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static GStrv
strings_of (JsonArray *array)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < json_array_get_length (array); i++)
    g_strv_builder_add (builder, json_array_get_string_element (array, i));
  return g_strv_builder_end (builder);
}

/* The notes' sandbox: network, IPC, Wayland with X11 fallback, GPU; no
 * file system at all (import and export go through the portal). */
static void
test_sandbox (void)
{
  const char *expected[] = { "--share=network", "--share=ipc", "--socket=wayland",
                             "--socket=fallback-x11", "--device=dri", NULL };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *manifest = load_manifest (parser);
  g_auto(GStrv) args = strings_of (json_object_get_array_member (manifest, "finish-args"));

  g_assert_cmpstr (json_object_get_string_member (manifest, "id"), ==, data_tool_env ("OMBUD_APP_ID"));
  g_assert_cmpstr (json_object_get_string_member (manifest, "runtime"), ==, "org.gnome.Platform");
  g_assert_cmpstr (json_object_get_string_member (manifest, "sdk"), ==, "org.gnome.Sdk");
  g_assert_cmpstr (json_object_get_string_member (manifest, "runtime-version"), ==, "43");
  g_assert_cmpstr (json_object_get_string_member (manifest, "command"), ==, "ombud");
  g_assert_cmpuint (g_strv_length (args), ==, g_strv_length ((char **) expected));
  for (guint i = 0; expected[i] != NULL; i++)
    g_assert_true (g_strv_contains ((const char * const *) args, expected[i]));
}

static void
assert_options_exist (JsonArray *config_opts)
{
  g_autofree char *options_path = data_tool_source_path ("meson_options.txt", NULL);
  g_autofree char *options = NULL;

  g_assert_true (g_file_get_contents (options_path, &options, NULL, NULL));
  for (guint i = 0; i < json_array_get_length (config_opts); i++)
    {
      const char *opt = json_array_get_string_element (config_opts, i);
      g_autofree char *name = NULL;
      g_autofree char *declared = NULL;

      g_assert_true (g_str_has_prefix (opt, "-D"));
      name = g_strndup (opt + 2, strcspn (opt + 2, "="));
      declared = g_strdup_printf ("option('%s',", name);
      if (strstr (options, declared) == NULL)
        g_error ("the manifest sets -D%s, which meson_options.txt does not declare", name);
    }
}

/* libsodium (in neither runtime) from its release tarball, checksummed;
 * then Ombud itself without the office server and without tests. */
static void
test_modules (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *manifest = load_manifest (parser);
  JsonArray *modules = json_object_get_array_member (manifest, "modules");
  JsonObject *sodium = json_array_get_object_element (modules, 0);
  JsonObject *ombud = json_array_get_object_element (modules, json_array_get_length (modules) - 1);
  JsonObject *tarball = json_array_get_object_element (json_object_get_array_member (sodium, "sources"), 0);
  JsonObject *dir = json_array_get_object_element (json_object_get_array_member (ombud, "sources"), 0);
  const char *sha256 = json_object_get_string_member (tarball, "sha256");
  g_auto(GStrv) opts = strings_of (json_object_get_array_member (ombud, "config-opts"));

  g_assert_cmpstr (json_object_get_string_member (sodium, "name"), ==, "libsodium");
  g_assert_cmpstr (json_object_get_string_member (tarball, "type"), ==, "archive");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (tarball, "url"),
                                   "/libsodium-1.0.18.tar.gz"));
  g_assert_cmpuint (strlen (sha256), ==, 64);
  g_assert_cmpuint (strspn (sha256, "0123456789abcdef"), ==, 64);

  g_assert_cmpstr (json_object_get_string_member (ombud, "name"), ==, "ombud");
  g_assert_cmpstr (json_object_get_string_member (ombud, "buildsystem"), ==, "meson");
  g_assert_cmpstr (json_object_get_string_member (dir, "type"), ==, "dir");
  g_assert_cmpstr (json_object_get_string_member (dir, "path"), ==, "..");
  g_assert_true (g_strv_contains ((const char * const *) opts, "-Doffice=false"));
  g_assert_true (g_strv_contains ((const char * const *) opts, "-Dtests=false"));
  assert_options_exist (json_object_get_array_member (ombud, "config-opts"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/flatpak/show-manifest", test_show_manifest);
  g_test_add_func ("/flatpak/unknown-key-warns", test_unknown_key_warns);
  g_test_add_func ("/flatpak/sandbox", test_sandbox);
  g_test_add_func ("/flatpak/modules", test_modules);

  return g_test_run ();
}
