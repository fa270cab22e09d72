/* test-translations.c: po/sv.po is well-formed and complete, and the
 * desktop file and metainfo carry its Swedish
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "data-tool.h"
#include "test-util.h"

static void
test_msgfmt_check (void)
{
  g_autofree char *po = data_tool_source_path ("po", "sv.po", NULL);
  const char *argv[] = { data_tool_env ("OMBUD_MSGFMT"), "--check", "--check-format",
                         "-o", "/dev/null", po, NULL };
  g_auto(DataToolResult) r = { 0 };
  g_autofree char *said = NULL;

  data_tool_run (argv, NULL, &r);
  said = data_tool_describe (&r);
  if (r.status != 0)
    g_test_message ("msgfmt --check on po/sv.po failed:\n%s", said);
  g_assert_cmpint (r.status, ==, 0);
}

/* Writes a fresh template of every string POTFILES.in lists into dir. */
static char *
make_pot (const char *dir)
{
  g_autofree char *script = data_tool_source_path ("po", "update-translations.sh", NULL);
  char *pot = g_build_filename (dir, "ombud.pot", NULL);
  const char *argv[] = { script, "--pot", pot, NULL };
  g_auto(DataToolResult) r = { 0 };
  g_autofree char *said = NULL;

  data_tool_run (argv, dir, &r);
  said = data_tool_describe (&r);
  if (r.status != 0)
    g_test_message ("po/update-translations.sh --pot failed:\n%s", said);
  g_assert_cmpint (r.status, ==, 0);
  return pot;
}

/* msgcmp fails when a msgid of the template is missing from po, or only
 * untranslated or fuzzy there: exactly "not completely translated". */
static DataToolResult
compare (const char *po,
         const char *pot)
{
  const char *argv[] = { data_tool_env ("OMBUD_MSGCMP"), po, pot, NULL };
  DataToolResult r;

  data_tool_run (argv, NULL, &r);
  return r;
}

static void
test_complete (void)
{
  g_autofree char *dir = test_make_tmp_dir ("ombud-po-XXXXXX");
  g_autofree char *pot = make_pot (dir);
  g_autofree char *po = data_tool_source_path ("po", "sv.po", NULL);
  g_auto(DataToolResult) r = compare (po, pot);
  g_autofree char *said = data_tool_describe (&r);

  if (r.status != 0)
    g_test_message ("po/sv.po does not translate every string of the sources "
                    "(run po/update-translations.sh and translate):\n%s", said);
  g_assert_cmpint (r.status, ==, 0);
  test_rm_rf (dir);
}

/* Every file POTFILES.in lists gives the template at least one string: a
 * file xgettext cannot read (no ITS rules, wrong extension) would not. */
static void
test_every_listed_file_extracted (void)
{
  g_autofree char *dir = test_make_tmp_dir ("ombud-po-XXXXXX");
  g_autofree char *pot_path = make_pot (dir);
  g_autofree char *list_path = data_tool_source_path ("po", "POTFILES.in", NULL);
  g_autofree char *pot = NULL;
  g_autofree char *list = NULL;
  g_auto(GStrv) lines = NULL;
  guint files = 0;

  g_assert_true (g_file_get_contents (pot_path, &pot, NULL, NULL));
  g_assert_true (g_file_get_contents (list_path, &list, NULL, NULL));
  lines = g_strsplit (list, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *reference = NULL;
      const char *line = g_strstrip (lines[i]);

      if (*line == '\0' || *line == '#')
        continue;
      reference = g_strdup_printf ("#: %s:", line);
      if (strstr (pot, reference) == NULL)
        g_test_message ("no string extracted from %s", line);
      g_assert_nonnull (strstr (pot, reference));
      files++;
    }
  g_assert_cmpuint (files, >=, 3);
  test_rm_rf (dir);
}

/* The non-comment lines of a POTFILES.in. */
static GPtrArray *
listed_files (const char *potfiles_in)
{
  GPtrArray *listed = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents (potfiles_in, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (*line != '\0' && *line != '#')
        g_ptr_array_add (listed, g_strdup (line));
    }
  return listed;
}

static gboolean
has_strings (const char *path)
{
  static GRegex *c_call = NULL;
  g_autofree char *text = NULL;

  if (c_call == NULL)
    c_call = g_regex_new ("(^|[^A-Za-z0-9_])(_|N_|C_|NC_|ngettext|g_dngettext|g_dpgettext2)\\s*\\(",
                          G_REGEX_MULTILINE, 0, NULL);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  if (g_str_has_suffix (path, ".ui"))
    return strstr (text, "translatable=\"yes\"") != NULL;
  return g_str_has_suffix (path, ".c") && g_regex_match (c_call, text, 0, NULL);
}

/* Adds to unlisted the files under top/relative that mark strings for
 * translation but are not in listed. */
static void
find_unlisted (const char *top,
               const char *relative,
               GPtrArray  *listed,
               GString    *unlisted)
{
  g_autofree char *path = g_build_filename (top, relative, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (relative, name, NULL);
      g_autofree char *full = g_build_filename (top, child, NULL);

      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        find_unlisted (top, child, listed, unlisted);
      else if (has_strings (full)
               && !g_ptr_array_find_with_equal_func (listed, child, g_str_equal, NULL))
        g_string_append_printf (unlisted, " %s", child);
    }
}

/* Where the program's strings live: a file there that marks strings but
 * is missing from POTFILES.in would never reach sv.po, and the
 * completeness check would pass without them. */
static const char *source_dirs[] = { "app", "ui", "shared", "sync" };

static char *
unlisted_in (const char *top)
{
  g_autofree char *potfiles_in = g_build_filename (top, "po", "POTFILES.in", NULL);
  g_autoptr(GPtrArray) listed = listed_files (potfiles_in);
  GString *unlisted = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (source_dirs); i++)
    find_unlisted (top, source_dirs[i], listed, unlisted);
  return g_string_free (unlisted, FALSE);
}

static void
test_every_source_listed (void)
{
  g_autofree char *unlisted = unlisted_in (data_tool_env ("OMBUD_SOURCE_ROOT"));

  if (*unlisted != '\0')
    g_test_message ("files with translatable strings missing from po/POTFILES.in:%s", unlisted);
  g_assert_cmpstr (unlisted, ==, "");
}

/* ...and the scan does find such a file, a C file or a .ui template. */
static void
test_unlisted_source_detected (void)
{
  g_autofree char *top = test_make_tmp_dir ("ombud-po-XXXXXX");
  g_autofree char *po_dir = g_build_filename (top, "po", NULL);
  g_autofree char *ui_dir = g_build_filename (top, "ui", "widgets", NULL);
  g_autofree char *potfiles_in = g_build_filename (po_dir, "POTFILES.in", NULL);
  g_autofree char *c_file = g_build_filename (ui_dir, "ombud-window.c", NULL);
  g_autofree char *ui_file = g_build_filename (ui_dir, "ombud-window.ui", NULL);
  g_autofree char *plain_file = g_build_filename (ui_dir, "ombud-plain.c", NULL);
  g_autofree char *unlisted = NULL;

  g_assert_cmpint (g_mkdir_with_parents (po_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (ui_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (potfiles_in, "# none yet\n", -1, NULL));
  g_assert_true (g_file_set_contents (c_file, "label = _ (\"Cases\");\n", -1, NULL));
  g_assert_true (g_file_set_contents (ui_file, "<property name=\"label\" translatable=\"yes\">Cases</property>\n", -1, NULL));
  g_assert_true (g_file_set_contents (plain_file, "x = g_strdup_printf (\"%d\", n);\n", -1, NULL));

  unlisted = unlisted_in (top);
  g_assert_nonnull (strstr (unlisted, "ui/widgets/ombud-window.c"));
  g_assert_nonnull (strstr (unlisted, "ui/widgets/ombud-window.ui"));
  g_assert_null (strstr (unlisted, "ombud-plain.c"));

  g_assert_true (g_file_set_contents (potfiles_in,
                                      "ui/widgets/ombud-window.c\nui/widgets/ombud-window.ui\n",
                                      -1, NULL));
  g_clear_pointer (&unlisted, g_free);
  unlisted = unlisted_in (top);
  g_assert_cmpstr (unlisted, ==, "");
  test_rm_rf (top);
}

/* Rewrites the first translated entry after the header of po: its msgstr
 * emptied, or the entry marked fuzzy. */
static char *
spoil_po (const char *dir,
          gboolean    fuzzy)
{
  g_autofree char *po = data_tool_source_path ("po", "sv.po", NULL);
  char *out = g_build_filename (dir, fuzzy ? "fuzzy.po" : "untranslated.po", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GString) spoilt = NULL;
  const char *entry;
  const char *msgstr;
  const char *end;

  g_assert_true (g_file_get_contents (po, &text, NULL, NULL));
  entry = strstr (text, "\n#: ");
  g_assert_nonnull (entry);
  msgstr = strstr (entry, "\nmsgstr \"");
  g_assert_nonnull (msgstr);
  end = strstr (msgstr + 1, "\n\n");
  g_assert_nonnull (end);

  spoilt = g_string_new_len (text, entry + 1 - text);
  if (fuzzy)
    {
      g_string_append (spoilt, "#, fuzzy\n");
      g_string_append_len (spoilt, entry + 1, end - (entry + 1));
    }
  else
    {
      g_string_append_len (spoilt, entry + 1, msgstr + 1 - (entry + 1));
      g_string_append (spoilt, "msgstr \"\"");
    }
  g_string_append (spoilt, end);
  g_assert_true (g_file_set_contents (out, spoilt->str, -1, NULL));
  return out;
}

/* The completeness check is not a rubber stamp: one untranslated or fuzzy
 * entry fails it. */
static void
test_incomplete_detected (void)
{
  g_autofree char *dir = test_make_tmp_dir ("ombud-po-XXXXXX");
  g_autofree char *pot = make_pot (dir);

  for (int fuzzy = 0; fuzzy <= 1; fuzzy++)
    {
      g_autofree char *po = spoil_po (dir, fuzzy);
      g_auto(DataToolResult) r = compare (po, pot);

      g_assert_cmpint (r.status, !=, 0);
    }
  test_rm_rf (dir);
}

/* The installed desktop file carries Swedish for every translatable key
 * it has; only the name stays the same. */
static void
test_desktop_file_merged (void)
{
  g_autoptr(GKeyFile) desktop = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  const char *keys[] = { "Name", "GenericName", "Comment", "Keywords" };

  g_key_file_load_from_file (desktop, data_tool_env ("OMBUD_DESKTOP_FILE"),
                             G_KEY_FILE_KEEP_TRANSLATIONS, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *locale = g_key_file_get_locale_for_key (desktop, "Desktop Entry", keys[i], "sv");
      g_autofree char *en = g_key_file_get_value (desktop, "Desktop Entry", keys[i], &error);
      g_autofree char *sv = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (locale, ==, "sv");
      sv = g_key_file_get_locale_string (desktop, "Desktop Entry", keys[i], "sv", &error);
      g_assert_no_error (error);
      if (!g_str_equal (keys[i], "Name"))
        g_assert_cmpstr (sv, !=, en);
    }
}

typedef struct {
  GHashTable *plain;    /* element name -> count without xml:lang */
  GHashTable *swedish;  /* element name -> count with xml:lang="sv" */
} LangCount;

static void
count_element (GMarkupParseContext *context G_GNUC_UNUSED,
               const char          *name,
               const char         **attribute_names,
               const char         **attribute_values,
               gpointer             user_data,
               GError             **error G_GNUC_UNUSED)
{
  LangCount *count = user_data;
  const char *translatable[] = { "summary", "p", "li", "caption", NULL };
  const char *lang = NULL;
  GHashTable *table;

  if (!g_strv_contains (translatable, name))
    return;
  for (guint i = 0; attribute_names[i] != NULL; i++)
    if (g_str_equal (attribute_names[i], "xml:lang"))
      lang = attribute_values[i];
  if (lang != NULL && !g_str_equal (lang, "sv"))
    return;
  table = lang == NULL ? count->plain : count->swedish;
  g_hash_table_insert (table, (gpointer) g_intern_string (name),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (table, name)) + 1));
}

/* Every summary, paragraph, list item and screenshot caption of the
 * installed metainfo has its Swedish twin. */
static void
test_metainfo_merged (void)
{
  const char *translatable[] = { "summary", "p", "li", "caption", NULL };
  GMarkupParser parser = { .start_element = count_element };
  LangCount count = {
    g_hash_table_new (g_str_hash, g_str_equal),
    g_hash_table_new (g_str_hash, g_str_equal),
  };
  g_autoptr(GMarkupParseContext) context = g_markup_parse_context_new (&parser, 0, &count, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (data_tool_env ("OMBUD_METAINFO_FILE"), &xml, &length, NULL));
  g_assert_true (g_markup_parse_context_parse (context, xml, length, &error));
  g_assert_no_error (error);
  for (guint i = 0; translatable[i] != NULL; i++)
    {
      guint plain = GPOINTER_TO_UINT (g_hash_table_lookup (count.plain, translatable[i]));
      guint swedish = GPOINTER_TO_UINT (g_hash_table_lookup (count.swedish, translatable[i]));

      g_test_message ("<%s>: %u, in Swedish %u", translatable[i], plain, swedish);
      g_assert_cmpuint (plain, >, 0);
      g_assert_cmpuint (swedish, ==, plain);
    }
  g_hash_table_unref (count.plain);
  g_hash_table_unref (count.swedish);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/translations/msgfmt-check", test_msgfmt_check);
  g_test_add_func ("/translations/complete", test_complete);
  g_test_add_func ("/translations/every-listed-file-extracted", test_every_listed_file_extracted);
  g_test_add_func ("/translations/incomplete-detected", test_incomplete_detected);
  g_test_add_func ("/translations/every-source-listed", test_every_source_listed);
  g_test_add_func ("/translations/unlisted-source-detected", test_unlisted_source_detected);
  g_test_add_func ("/translations/desktop-file-merged", test_desktop_file_merged);
  g_test_add_func ("/translations/metainfo-merged", test_metainfo_merged);

  return g_test_run ();
}
