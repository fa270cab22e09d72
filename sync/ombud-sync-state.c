/* ombud-sync-state.c: what a profile knows of its office, kept in the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-sync-state.h"

#include <stdlib.h>
#include <string.h>

static char *
get (OmbudStore *store,
     const char *key)
{
  return ombud_store_get (store, key, NULL);
}

static gint64
get_int (OmbudStore *store,
         const char *key)
{
  g_autofree char *text = get (store, key);

  return text ? g_ascii_strtoll (text, NULL, 10) : 0;
}

static gboolean
get_hex (OmbudStore *store,
         const char *key,
         guint8     *out,
         gsize       size)
{
  g_autofree char *text = get (store, key);

  if (text == NULL || strlen (text) != size * 2)
    return FALSE;
  for (gsize i = 0; i < size; i++)
    {
      int hi = g_ascii_xdigit_value (text[2 * i]), lo = g_ascii_xdigit_value (text[2 * i + 1]);
      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

OmbudSyncConfig *
ombud_sync_config_load (OmbudStore  *store,
                        GError     **error)
{
  g_autoptr(OmbudSyncConfig) c = g_new0 (OmbudSyncConfig, 1);
  g_autoptr(GError) local_error = NULL;

  c->url = ombud_store_get (store, "sync.url", &local_error);
  if (c->url == NULL)
    {
      if (g_error_matches (local_error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_NOT_FOUND))
        return NULL;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!get_hex (store, "sync.org_id", c->org_id, 16)
      || !get_hex (store, "sync.office_sign_pk", c->office_sign_pk, 32)
      || !get_hex (store, "sync.office_box_pk", c->office_box_pk, 32))
    {
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_CORRUPTED,
                   "the profile's office settings are damaged");
      return NULL;
    }
  c->ca_file = get (store, "sync.ca_file");
  c->pinned_key = get (store, "sync.pinned_key");
  c->org_name = get (store, "sync.org_name");
  c->person = get (store, "sync.person");
  c->ombud_id = get (store, "sync.ombud_id");
  c->role = (guint) get_int (store, "sync.role");
  c->state = (guint) get_int (store, "sync.state");
  c->confirmer = (guint64) get_int (store, "sync.confirmer");
  c->client_access = get_int (store, "sync.client_access") != 0;
  c->cursor = get_int (store, "sync.cursor");
  c->directory = get_int (store, "sync.directory");
  c->last_request_ms = get_int (store, "sync.last_request_ms");
  c->last_success_ms = get_int (store, "sync.last_success_ms");
  c->clock_offset_ms = get_int (store, "sync.clock_offset_ms");
  return g_steal_pointer (&c);
}

static gboolean
put_int (OmbudStore  *store,
         const char  *key,
         gint64       value,
         GError     **error)
{
  char text[24];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, value);
  return ombud_store_put (store, key, text, error);
}

static gboolean
put_hex (OmbudStore    *store,
         const char    *key,
         const guint8  *data,
         gsize          size,
         GError       **error)
{
  g_autoptr(GString) text = g_string_sized_new (size * 2);

  for (gsize i = 0; i < size; i++)
    g_string_append_printf (text, "%02x", data[i]);
  return ombud_store_put (store, key, text->str, error);
}

static gboolean
put_opt (OmbudStore  *store,
         const char  *key,
         const char  *value,
         GError     **error)
{
  return value == NULL || ombud_store_put (store, key, value, error);
}

/* kv writes are one statement each; a sync's handful of them goes in one
 * transaction so that a crash never leaves half a state. */
gboolean
ombud_sync_config_save (OmbudStore            *store,
                        const OmbudSyncConfig *c,
                        GError               **error)
{
  sqlite3 *db = ombud_store_get_db (store);
  gboolean ok;

  if (sqlite3_exec (db, "SAVEPOINT sync_config", NULL, NULL, NULL) != SQLITE_OK)
    {
      g_set_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_FAILED, "could not save the sync state");
      return FALSE;
    }
  ok = ombud_store_put (store, "sync.url", c->url, error)
       && put_opt (store, "sync.ca_file", c->ca_file, error)
       && put_opt (store, "sync.pinned_key", c->pinned_key, error)
       && put_hex (store, "sync.org_id", c->org_id, 16, error)
       && put_hex (store, "sync.office_sign_pk", c->office_sign_pk, 32, error)
       && put_hex (store, "sync.office_box_pk", c->office_box_pk, 32, error)
       && put_opt (store, "sync.org_name", c->org_name, error)
       && put_opt (store, "sync.person", c->person, error)
       && put_opt (store, "sync.ombud_id", c->ombud_id, error)
       && put_int (store, "sync.role", c->role, error)
       && put_int (store, "sync.state", c->state, error)
       && put_int (store, "sync.confirmer", (gint64) c->confirmer, error)
       && put_int (store, "sync.client_access", c->client_access, error)
       && put_int (store, "sync.cursor", c->cursor, error)
       && put_int (store, "sync.directory", c->directory, error)
       && put_int (store, "sync.last_request_ms", c->last_request_ms, error)
       && put_int (store, "sync.last_success_ms", c->last_success_ms, error)
       && put_int (store, "sync.clock_offset_ms", c->clock_offset_ms, error);
  sqlite3_exec (db, ok ? "RELEASE sync_config" : "ROLLBACK TO sync_config; RELEASE sync_config",
                NULL, NULL, NULL);
  return ok;
}

void
ombud_sync_config_free (OmbudSyncConfig *c)
{
  if (c == NULL)
    return;
  g_free (c->url);
  g_free (c->ca_file);
  g_free (c->pinned_key);
  g_free (c->org_name);
  g_free (c->person);
  g_free (c->ombud_id);
  g_free (c);
}
