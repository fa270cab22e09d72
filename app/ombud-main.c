/* ombud-main.c: the ombud window's entry point
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <curl/curl.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <sodium.h>
#include <sys/resource.h>

#include "ombud-application.h"

int
main (int    argc,
      char **argv)
{
  /* Unlocked keys and plaintext pages live in this process: never in a core file. */
  struct rlimit no_core = { 0, 0 };
  g_autoptr(OmbudApplication) app = NULL;

  if (setrlimit (RLIMIT_CORE, &no_core) != 0)
    g_warning ("could not turn off core dumps: %s", g_strerror (errno));
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (sodium_init () < 0)
    {
      g_printerr ("libsodium could not start\n");
      return 1;
    }
  /* Before any thread exists: the sync engine's workers use libcurl. */
  if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK)
    {
      g_printerr ("libcurl could not start\n");
      return 1;
    }

  app = ombud_application_new (NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
