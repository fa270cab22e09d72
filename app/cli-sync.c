/* cli-sync.c: enrolment, confirmation and sync with the office
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"

#include <sqlite3.h>

#include "ombud-identity.h"
#include "ombud-sync-directory.h"
#include "ombud-sync-engine.h"
#include "ombud-sync-enrol.h"
#include "ombud-sync-message.h"
#include "ombud-sync-state.h"

static const char *const states[] = { "pending", "confirmed", "revoked" };
static const char *const roles[] = { "ombud", "coordinator" };

static const char *
state_name (guint state)
{
  return state < G_N_ELEMENTS (states) ? states[state] : "unknown";
}

static char *
own_fingerprint (OmbudCaseload *caseload)
{
  return ombud_identity_get_fingerprint (ombud_keyring_get_identity (ombud_caseload_get_keyring (caseload)));
}

int
cli_enrol (CliCall *call)
{
  g_autofree char *ca_file = NULL;
  g_autofree char *pin = NULL;
  const GOptionEntry entries[] = {
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, NULL, NULL },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &pin, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autofree char *office_fp = NULL;
  g_autofree char *recovery = NULL;
  g_autofree char *mine = NULL;
  OmbudHttpOptions tls = { 0 };
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL)
    return cli_fail (error);
  tls.ca_file = ca_file;
  tls.pinned_key = pin;
  if (!ombud_sync_enrol (caseload, args[0], args[1], &tls, &office_fp, &recovery, &error))
    return cli_fail (error);
  mine = own_fingerprint (caseload);
  cli_print ("Enrolled with the office at %s.\n", args[0]);
  cli_print ("Office fingerprint:      %s\n", office_fp);
  cli_print ("This device's fingerprint: %s\n", mine);
  if (recovery != NULL)
    {
      cli_print ("You are the organisation's first coordinator: this laptop made the office key.\n");
      cli_print ("Organisation recovery key (write it down and keep it safe; it is shown only now):\n");
      cli_print ("  %s\n", recovery);
    }
  else
    cli_print ("A coordinator must now confirm this device, comparing the fingerprint above.\n");
  return CLI_OK;
}

int
cli_sync (CliCall *call)
{
  int retries = 1;
  g_autofree char *retry_text = NULL;
  const GOptionEntry entries[] = {
    { "retry", 0, 0, G_OPTION_ARG_STRING, &retry_text, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(OmbudSyncEngine) engine = NULL;
  g_autoptr(OmbudSyncConfig) config = NULL;
  const OmbudSyncStats *stats;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || (retry_text && !cli_parse_int ("--retry", retry_text, 1, 100, &retries, &error))
      || !cli_unlock_syncing (call->store, &error)
      || (caseload = ombud_caseload_new (call->store, &error)) == NULL)
    return cli_fail (error);
  engine = ombud_sync_engine_new (caseload);
  if (!ombud_sync_engine_sync_with_retry (engine, retries, NULL, &error))
    return cli_fail (error);
  stats = ombud_sync_engine_get_stats (engine);
  config = ombud_sync_config_load (ombud_caseload_get_store (caseload), &error);
  if (config == NULL)
    return cli_fail (error);
  if (config->state == OMBUD_SYNC_STATE_PENDING)
    {
      g_autofree char *mine = own_fingerprint (caseload);
      cli_print ("Waiting for a coordinator to confirm this device (fingerprint %s).\n", mine);
      return CLI_OK;
    }
  cli_print ("Synced: sent %u, received %u changes in %u requests; %u waiting here",
             stats->pushed, stats->pulled, stats->requests, ombud_sync_engine_get_changes_waiting (engine));
  if (stats->held > 0)
    cli_print (", %u kept until their keys arrive", stats->held);
  cli_print (".\n");
  if (ABS (config->clock_offset_ms) > 5 * 60 * 1000)
    cli_print ("This computer's clock is off by %" G_GINT64_FORMAT " minutes from the office's.\n",
               -config->clock_offset_ms / 60000);
  return CLI_OK;
}

int
cli_status (CliCall *call)
{
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(OmbudSyncConfig) config = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *last = NULL;
  sqlite3 *db;
  GError *error = NULL;
  int waiting = 0, held = 0;
  sqlite3_stmt *stmt = NULL;

  if (!cli_parse (call, NULL, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL)
    return cli_fail (error);
  config = ombud_sync_config_load (ombud_caseload_get_store (caseload), &error);
  if (error)
    return cli_fail (error);
  mine = own_fingerprint (caseload);
  cli_print ("Device:              %016" G_GINT64_MODIFIER "x\n", ombud_caseload_get_device_id (caseload));
  cli_print ("Fingerprint:         %s\n", mine);
  if (config == NULL)
    {
      cli_print ("Office:              not enrolled (ombud-cli enrol URL CODE)\n");
      return CLI_OK;
    }
  db = ombud_store_get_db (ombud_caseload_get_store (caseload));
  if (sqlite3_prepare_v2 (db, "SELECT (SELECT count(*) FROM outbox WHERE hold IS NULL),"
                              " (SELECT count(*) FROM sync_held)", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    {
      waiting = sqlite3_column_int (stmt, 0);
      held = sqlite3_column_int (stmt, 1);
    }
  sqlite3_finalize (stmt);
  last = config->last_success_ms ? cli_time_text (config->last_success_ms) : g_strdup ("never");
  cli_print ("Office:              %s (%s)\n", config->url, config->org_name ? config->org_name : "");
  cli_print ("Role:                %s, %s\n", roles[config->role == 1], state_name (config->state));
  cli_print ("Last synced:         %s\n", last);
  cli_print ("Changes waiting:     %d\n", waiting);
  cli_print ("Kept for their keys: %d\n", held);
  if (ABS (config->clock_offset_ms) > 5 * 60 * 1000)
    cli_print ("Clock:               off by %" G_GINT64_FORMAT " minutes from the office's\n",
               -config->clock_offset_ms / 60000);
  return CLI_OK;
}

int
cli_devices (CliCall *call)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(CliTable) table = cli_table_new ("DEVICE", "PERSON", "ROLE", "STATE", "TRUSTED", "FINGERPRINT", NULL);
  GVariantBuilder list;
  sqlite3_stmt *stmt = NULL;
  GError *error = NULL;
  int rc;

  if (!cli_parse (call, entries, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL)
    return cli_fail (error);
  rc = sqlite3_prepare_v2 (ombud_store_get_db (ombud_caseload_get_store (caseload)),
                           "SELECT d.device_id, d.person, d.role, d.state, d.sign_pk, d.box_pk,"
                           " coalesce(k.trusted, 0) FROM sync_directory d"
                           " LEFT JOIN known_device k ON k.device_id = d.device_id ORDER BY d.person, d.device_id",
                           -1, &stmt, NULL);
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  while (rc == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autofree char *id = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", (guint64) sqlite3_column_int64 (stmt, 0));
      g_autofree char *fp = NULL;
      const char *person = (const char *) sqlite3_column_text (stmt, 1);
      const char *role = roles[sqlite3_column_int (stmt, 2) == 1];
      const char *state = state_name ((guint) sqlite3_column_int (stmt, 3));
      gboolean mine = (guint64) sqlite3_column_int64 (stmt, 0) == ombud_caseload_get_device_id (caseload);
      gboolean trusted = mine || sqlite3_column_int (stmt, 6) != 0;

      if (sqlite3_column_bytes (stmt, 4) != 32 || sqlite3_column_bytes (stmt, 5) != 32)
        continue;
      fp = ombud_fingerprint_text (sqlite3_column_blob (stmt, 4), sqlite3_column_blob (stmt, 5));
      cli_table_add (table, id, person, role, state, mine ? "this device" : trusted ? "yes" : "no", fp, NULL);
      g_variant_builder_add_parsed (&list, "{'id': <%s>, 'person': <%s>, 'role': <%s>, 'state': <%s>,"
                                    " 'trusted': <%b>, 'fingerprint': <%s>}",
                                    id, person, role, state, trusted, fp);
    }
  sqlite3_finalize (stmt);
  if (json)
    cli_print_json (g_variant_builder_end (&list));
  else
    {
      g_variant_builder_clear (&list);
      cli_table_print (table, "");
    }
  return CLI_OK;
}

int
cli_confirm (CliCall *call)
{
  g_autofree char *ombud_id = NULL;
  const GOptionEntry entries[] = {
    { "ombud", 0, 0, G_OPTION_ARG_STRING, &ombud_id, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(OmbudSyncEngine) engine = NULL;
  GError *error = NULL;
  guint64 device;
  char *end = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL)
    return cli_fail (error);
  device = g_ascii_strtoull (args[0], &end, 16);
  if (end == args[0] || *end != '\0')
    return cli_fail (g_error_new (CLI_ERROR, CLI_ERROR_USAGE, "“%s” is not a device id", args[0]));
  if (!ombud_sync_confirm (caseload, device, ombud_id, &error))
    return cli_fail (error);
  engine = ombud_sync_engine_new (caseload);
  if (!ombud_sync_engine_sync (engine, NULL, &error))
    return cli_fail (error);
  cli_print ("Confirmed device %s; it gets its keys at its next sync.\n", args[0]);
  return CLI_OK;
}

int
cli_policy (CliCall *call)
{
  g_autofree char *client = NULL;
  const GOptionEntry entries[] = {
    { "coordinators-read-client", 0, 0, G_OPTION_ARG_STRING, &client, NULL, NULL },
    { NULL }
  };
  static const char *const on_off[] = { "on", "off", NULL };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(OmbudSyncConfig) config = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || (client && !cli_check_choice ("--coordinators-read-client", client, on_off, &error))
      || (caseload = cli_open (call, &error)) == NULL)
    return cli_fail (error);
  config = ombud_sync_config_load (ombud_caseload_get_store (caseload), &error);
  if (error)
    return cli_fail (error);
  if (client != NULL)
    {
      if (config == NULL || config->role != 1)
        return cli_fail (g_error_new (CLI_ERROR, CLI_ERROR_FAILED,
                                      "only a coordinator's laptop sets the organisation's policy"));
      if (!ombud_caseload_set_client_access (caseload, g_str_equal (client, "on"), &error))
        return cli_fail (error);
    }
  cli_print ("Coordinators read the client tier: %s\n",
             config && ombud_sync_client_access (caseload, config) ? "on" : "off");
  return CLI_OK;
}
