/* office-fixture.c: a real ombud-office on loopback and laptops that sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "office-fixture.h"

#include <sqlite3.h>
#include <string.h>

#include "ombud-key-bundle.h"
#include "ombud-keyring.h"
#include "ombud-office-handler.h"
#include "ombud-sync-state.h"

TestOffice *
test_office_new (const char *tls_cert,
                 const char *tls_key)
{
  TestOffice *self = g_new0 (TestOffice, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeBackend) backend = NULL;
  g_autofree char *fingerprint = NULL;

  self->dir = test_make_tmp_dir ("ombud-office-XXXXXX");
  self->tls_cert = g_strdup (tls_cert);
  self->tls_key = g_strdup (tls_key);
  backend = ombud_office_backend_open_sqlite (self->dir, TRUE, &error);
  g_assert_no_error (error);
  fingerprint = ombud_office_init_org (backend, "PO Jämtland", &error);
  g_assert_no_error (error);
  g_assert_nonnull (fingerprint);
  test_office_start (self);
  return self;
}

void
test_office_start (TestOffice *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", self->port);

  g_assert_null (self->server);
  self->server = ombud_office_server_new (self->dir, listen, self->tls_cert, self->tls_key, &error);
  g_assert_no_error (error);
  g_assert_true (ombud_office_server_start (self->server, &error));
  g_assert_no_error (error);
  self->port = ombud_office_server_get_port (self->server);
  if (self->url == NULL)
    self->url = ombud_office_server_get_url (self->server);
}

void
test_office_stop (TestOffice *self)
{
  g_clear_pointer (&self->server, ombud_office_server_free);
}

OmbudOfficeBackend *
test_office_backend (TestOffice *self)
{
  g_autoptr(GError) error = NULL;
  OmbudOfficeBackend *backend = ombud_office_backend_open_sqlite (self->dir, FALSE, &error);

  g_assert_no_error (error);
  return backend;
}

char *
test_office_invite (TestOffice *self,
                    const char *person,
                    gboolean    coordinator)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (self);
  g_autoptr(GError) error = NULL;
  char *code = ombud_office_make_invite (backend, person,
                                         coordinator ? OMBUD_OFFICE_ROLE_COORDINATOR : OMBUD_OFFICE_ROLE_OMBUD,
                                         g_get_real_time () / 1000, 24 * 3600 * 1000, &error);

  g_assert_no_error (error);
  return code;
}

void
test_office_free (TestOffice *self)
{
  if (self == NULL)
    return;
  test_office_stop (self);
  test_rm_rf (self->dir);
  g_free (self->dir);
  g_free (self->url);
  g_free (self->tls_cert);
  g_free (self->tls_key);
  g_free (self);
}

TestLaptop *
test_laptop_new (TestOffice *office,
                 const char *url,
                 const char *person,
                 gboolean    coordinator)
{
  TestLaptop *self = g_new0 (TestLaptop, 1);
  g_autofree char *code = test_office_invite (office, person, coordinator);
  g_autofree char *recovery = NULL;
  g_autoptr(GError) error = NULL;
  OmbudHttpOptions tls = { .ca_file = office->tls_cert };

  self->person = g_strdup (person);
  self->replica = test_replica_new (g_get_real_time () / 1000);
  self->engine = ombud_sync_engine_new (self->replica->caseload);
  g_assert_true (ombud_sync_enrol (self->replica->caseload, url ? url : office->url, code, &tls,
                                   &self->fingerprint, &recovery, &error));
  g_assert_no_error (error);
  return self;
}

gboolean
test_laptop_try_sync (TestLaptop  *self,
                      GError     **error)
{
  return ombud_sync_engine_sync (self->engine, NULL, error);
}

void
test_laptop_sync (TestLaptop *self)
{
  g_autoptr(GError) error = NULL;

  gboolean ok = test_laptop_try_sync (self, &error);

  /* The error first: it says why. */
  g_assert_no_error (error);
  g_assert_true (ok);
}

guint64
test_laptop_device_id (TestLaptop *self)
{
  return ombud_caseload_get_device_id (self->replica->caseload);
}

void
test_laptop_admit (TestLaptop *coordinator,
                   TestLaptop *laptop)
{
  g_autoptr(GError) error = NULL;

  test_laptop_sync (laptop);
  test_laptop_sync (coordinator);
  g_assert_true (ombud_sync_confirm (coordinator->replica->caseload, test_laptop_device_id (laptop), NULL, &error));
  g_assert_no_error (error);
  test_laptop_sync (coordinator);
  test_laptop_sync (laptop);
}

gint64
test_laptop_count (TestLaptop *self,
                   const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (ombud_store_get_db (self->replica->store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

/* Every row of the query, each column as text, one line per row: equal
 * digests mean equal results. */
char *
test_laptop_digest (TestLaptop *self,
                    const char *sql)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_assert_cmpint (sqlite3_prepare_v2 (ombud_store_get_db (self->replica->store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      for (int c = 0; c < sqlite3_column_count (stmt); c++)
        {
          const char *text = (const char *) sqlite3_column_text (stmt, c);
          g_string_append_printf (out, "%s%s", c ? "|" : "", text ? text : "∅");
        }
      g_string_append_c (out, '\n');
    }
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

void
test_laptops_assert_same (TestLaptop *x,
                          TestLaptop *y,
                          const char *format,
                          const char *arg)
{
  g_autofree char *sql = g_strdup_printf (format, arg);
  g_autofree char *dx = test_laptop_digest (x, sql);
  g_autofree char *dy = test_laptop_digest (y, sql);

  g_assert_cmpstr (dx, ==, dy);
}

void
test_laptop_free (TestLaptop *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->engine);
  test_replica_free (self->replica);
  g_free (self->person);
  g_free (self->fingerprint);
  g_free (self);
}

char *
test_laptop_ombud_id (TestLaptop *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudSyncConfig) config = ombud_sync_config_load (self->replica->store, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_nonnull (config->ombud_id);
  return g_strdup (config->ombud_id);
}

GPtrArray *
test_office_list_changesets (TestOffice *self)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (self);
  g_autoptr(GError) error = NULL;
  gboolean more = TRUE;
  GPtrArray *all = ombud_office_backend_list_changesets (backend, 0, 0, TRUE, NULL, G_MAXSIZE, &more, &error);

  g_assert_no_error (error);
  g_assert_nonnull (all);
  g_assert_false (more);
  return all;
}

GPtrArray *
test_office_bundle_entries (TestOffice *office,
                            TestLaptop *laptop,
                            const char *case_id)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
  g_autoptr(GError) error = NULL;
  g_autofree char *ombud = test_laptop_ombud_id (laptop);
  g_autofree char *name = g_strdup_printf ("key-bundle-entries:%s", ombud);
  g_autoptr(GBytes) all = ombud_office_backend_get_blob (backend, name, &error);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const guint8 *data;
  gsize len = 0;
  guint8 raw[16];

  g_assert_no_error (error);
  g_assert_true (ombud_uuid_parse (case_id, raw));
  data = all ? g_bytes_get_data (all, &len) : NULL;
  for (gsize off = 0; off + OMBUD_BUNDLE_ENTRY_SIZE <= len; off += OMBUD_BUNDLE_ENTRY_SIZE)
    {
      g_autoptr(GBytes) one = g_bytes_new (data + off, OMBUD_BUNDLE_ENTRY_SIZE);
      OmbudBundleEntry e;

      g_assert_true (ombud_bundle_entry_parse (one, &e, NULL));
      if (memcmp (e.case_id, raw, 16) == 0)
        g_ptr_array_add (out, g_bytes_ref (one));
    }
  return out;
}
