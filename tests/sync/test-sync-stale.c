/* test-sync-stale.c: a laptop that stops syncing locks its replica (PROTOCOL.md §10.4)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Over real HTTP on loopback against a real ombud-office: the share the
 * office hands a confirmed laptop, the lock past stale_days (the share gone
 * from every file of the profile), unlocking by syncing, a revoked laptop
 * that gets no share and is wiped, and /v1/share's refusals.
 */
#include <sodium.h>
#include <string.h>

#include "office-fixture.h"
#include "ombud-envelope.h"
#include "ombud-http.h"
#include "ombud-keyring.h"
#include "ombud-office-guard.h"
#include "ombud-sync-guard.h"

#define PASS "lösenfras"
#define DAY  (24 * 60 * 60)

typedef struct {
  TestOffice *office;
  TestLaptop *coord;
  TestLaptop *anna;
  gint64      now;   /* Anna's laptop's clock, Unix seconds */
} Team;

static gint64
laptop_clock (gpointer data)
{
  return *(gint64 *) data;
}

static void
team_free (Team *t)
{
  test_laptop_free (t->anna);
  test_laptop_free (t->coord);
  test_office_free (t->office);
  g_free (t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Team, team_free)

static OmbudStore *
store_of (TestLaptop *l)
{
  return l->replica->store;
}

static Team *
team_new (void)
{
  Team *t = g_new0 (Team, 1);
  g_autofree char *municipality = NULL;
  g_autoptr(GError) error = NULL;

  t->office = test_office_new (NULL, NULL);
  t->coord = test_laptop_new (t->office, t->office->url, "Kim Samordnare", TRUE);
  municipality = ombud_caseload_add_municipality (t->coord->replica->caseload, "2380", "Östersund",
                                                  50000, &error);
  g_assert_no_error (error);
  test_laptop_sync (t->coord);
  t->anna = test_laptop_new (t->office, t->office->url, "Anna Ombud", FALSE);
  t->now = g_get_real_time () / G_USEC_PER_SEC;
  ombud_store_set_clock (store_of (t->anna), laptop_clock, &t->now);
  test_laptop_admit (t->coord, t->anna);
  /* Confirmed: it registers its guard key, and the answer guards it. */
  test_laptop_sync (t->anna);
  test_laptop_sync (t->anna);
  g_assert_true (ombud_store_is_guarded (store_of (t->anna)));
  return t;
}

/* The share as the office holds it for the laptop. */
static void
office_share (Team       *t,
              TestLaptop *l,
              guint8      share[32])
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (t->office);
  g_autoptr(GError) error = NULL;
  guint8 pk[32];
  gboolean found = FALSE;

  g_assert_true (ombud_office_backend_get_guard (backend, test_laptop_device_id (l), pk, share, &found, &error));
  g_assert_no_error (error);
  g_assert_true (found);
}

static gboolean
profile_holds (TestLaptop   *l,
               const guint8 *needle,
               gsize         len)
{
  const char *dir = ombud_store_get_profile_dir (store_of (l));
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GBytes) bytes = NULL;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      bytes = test_read_file (path);
      if (memmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), needle, len) != NULL)
        return TRUE;
    }
  return FALSE;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

/* Every file of the profile, for "nothing changed". */
static char *
profile_state (TestLaptop *l)
{
  const char *dir = ombud_store_get_profile_dir (store_of (l));
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new (NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);
      g_autofree char *sum = NULL;
      g_autoptr(GBytes) bytes = NULL;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || g_str_has_suffix (names->pdata[i], ".lock"))
        continue;
      bytes = test_read_file (path);
      sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
      g_string_append_printf (out, "%s %s\n", (char *) names->pdata[i], sum);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* As closing the app: the engine and the caseload go, the store locks. */
static void
close_laptop (TestLaptop *l)
{
  g_clear_object (&l->engine);
  g_clear_object (&l->replica->caseload);
  ombud_store_lock (store_of (l));
}

static void
open_laptop (TestLaptop *l)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_store_unlock (store_of (l), PASS, &error));
  g_assert_no_error (error);
  test_replica_reopen (l->replica);
  l->engine = ombud_sync_engine_new (l->replica->caseload);
}

static void
assert_stale (TestLaptop *l)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (ombud_store_unlock (store_of (l), PASS, &error));
  g_assert_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_STALE);
  g_assert_false (ombud_store_get_unlocked (store_of (l)));
}

static char *
add_case (TestLaptop *l,
          const char *client_name)
{
  g_autoptr(GError) error = NULL;
  OmbudCaseInput in = { client_name, "Östersund", "woman", 1961, FALSE, FALSE, NULL };
  char *id = ombud_caseload_add_case (l->replica->caseload, &in, &error);

  g_assert_no_error (error);
  return id;
}

static void
test_stale_and_unlock_by_syncing (void)
{
  g_autoptr(Team) t = team_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL, *after = NULL, *case_id = NULL;
  guint8 share[32];

  office_share (t, t->anna, share);
  /* The share is sealed to the laptop in every answer, never in clear. */
  g_assert_false (profile_holds (t->anna, share, sizeof share));

  /* An edit that does not reach the office yet. */
  case_id = add_case (t->anna, "Greta Glömd");
  close_laptop (t->anna);

  /* Within the deadline (30 days): it opens offline as before. */
  t->now += 30 * DAY - 60;
  open_laptop (t->anna);
  close_laptop (t->anna);

  /* Past it: STALE; the share is erased, and the passphrase alone opens
   * nothing. */
  t->now += 2 * DAY;
  assert_stale (t->anna);
  g_assert_false (profile_holds (t->anna, share, sizeof share));
  {
    g_autofree char *key_path = g_build_filename (ombud_store_get_profile_dir (store_of (t->anna)),
                                                  "ombud.key", NULL);
    g_autoptr(OmbudSecret) key = NULL;

    g_assert_false (ombud_keyfile_unwrap (key_path, PASS, &key, NULL, NULL, &error));
    g_assert_error (error, OMBUD_KEYFILE_ERROR, OMBUD_KEYFILE_ERROR_GUARDED);
    g_clear_error (&error);
  }
  /* Setting the clock back does not help once the share is gone. */
  t->now -= 10 * DAY;
  assert_stale (t->anna);
  t->now += 10 * DAY;

  /* The office down: a clear error, nothing changed. */
  before = profile_state (t->anna);
  test_office_stop (t->office);
  g_assert_false (ombud_sync_guard_fetch_share (store_of (t->anna), PASS, NULL, &error));
  g_assert_error (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_OFFLINE);
  g_clear_error (&error);
  after = profile_state (t->anna);
  g_assert_cmpstr (after, ==, before);
  assert_stale (t->anna);

  /* A wrong passphrase asks for nothing. */
  test_office_start (t->office);
  g_assert_false (ombud_sync_guard_fetch_share (store_of (t->anna), "fel", NULL, &error));
  g_assert_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);

  /* The office up: unlock by syncing, and the edit goes out. */
  g_assert_true (ombud_sync_guard_fetch_share (store_of (t->anna), PASS, NULL, &error));
  g_assert_no_error (error);
  open_laptop (t->anna);
  test_laptop_sync (t->anna);
  test_laptop_sync (t->coord);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM client_case WHERE id = '%s'", case_id);
    g_assert_cmpint (test_laptop_count (t->coord, sql), ==, 1);
  }
  close_laptop (t->anna);
  /* And the deadline runs again from that sync. */
  t->now += 29 * DAY;
  open_laptop (t->anna);
}

static void
test_revoked_past_deadline (void)
{
  g_autoptr(Team) t = team_new ();
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (t->office);
  g_autoptr(GError) error = NULL;
  const char *dir = ombud_store_get_profile_dir (store_of (t->anna));
  guint64 anna = test_laptop_device_id (t->anna);

  close_laptop (t->anna);
  g_assert_true (ombud_office_backend_set_device_state (backend, anna,
                                                        OMBUD_OFFICE_DEVICE_REVOKED, NULL, &error));
  g_assert_no_error (error);
  t->now += 31 * DAY;
  assert_stale (t->anna);
  g_assert_false (ombud_sync_guard_fetch_share (store_of (t->anna), PASS, NULL, &error));
  g_assert_error (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REVOKED);
  g_clear_error (&error);
  for (const char *const *name = (const char *const[]) { "ombud.key", "ombud.guard", "ombud.db", NULL };
       *name; name++)
    {
      g_autofree char *path = g_build_filename (dir, *name, NULL);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
}

/* The organisation's stale_days reaches the laptop with the share. */
static void
test_office_stale_days (void)
{
  g_autoptr(Team) t = team_new ();
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(OmbudOfficeBackend) backend = test_office_backend (t->office);
    g_assert_true (ombud_office_guard_set_stale_days (backend, 3, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (ombud_office_guard_get_stale_days (backend, &error), ==, 3);
  }
  test_laptop_sync (t->anna);
  close_laptop (t->anna);
  t->now += 3 * DAY - 60;
  open_laptop (t->anna);
  close_laptop (t->anna);
  t->now += 120;
  assert_stale (t->anna);
}

static GBytes *
share_body (guint8        version,
            const guint8 *org,
            guint64       device_id,
            gsize         len)
{
  guint8 b[32] = { 0 };

  b[0] = version;
  memcpy (b + 1, org, 16);
  for (guint i = 0; i < 8; i++)
    b[17 + i] = (device_id >> (8 * i)) & 0xff;
  return g_bytes_new (b, len);
}

/* Takes body. */
static guint
post_share (Team   *t,
            GBytes *sent)
{
  g_autoptr(GBytes) body = sent;
  g_autoptr(OmbudHttp) http = ombud_http_new (&(OmbudHttpOptions) { 0 });
  g_autofree char *url = g_strconcat (t->office->url, "/v1/share", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudHttpResponse) r = ombud_http_post (http, url, body, NULL, &error);

  g_assert_no_error (error);
  return r->status;
}

static void
test_office_refusals (void)
{
  g_autoptr(Team) t = team_new ();
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (t->office);
  g_autoptr(OmbudOfficeOrg) org = ombud_office_backend_get_org (backend, NULL);
  g_autoptr(GError) error = NULL;
  guint64 anna = test_laptop_device_id (t->anna);
  guint8 other_org[16] = { 1 }, pk[32], share[32];
  gboolean found = TRUE;

  /* Malformed: the wrong size or version. */
  g_assert_cmpuint (post_share (t, share_body (1, org->org_id, anna, 24)), ==, 400);
  g_assert_cmpuint (post_share (t, share_body (1, org->org_id, anna, 26)), ==, 400);
  g_assert_cmpuint (post_share (t, share_body (2, org->org_id, anna, 25)), ==, 400);
  /* Unknown: no such device, another organisation. */
  g_assert_cmpuint (post_share (t, share_body (1, org->org_id, 0x123456789, 25)), ==, 404);
  g_assert_cmpuint (post_share (t, share_body (1, other_org, anna, 25)), ==, 404);
  /* Nothing stored for the device that asked about it. */
  g_assert_true (ombud_office_backend_get_guard (backend, 0x123456789, pk, share, &found, &error));
  g_assert_false (found);
  /* The real one gets its sealed share (84 bytes). */
  g_assert_cmpuint (post_share (t, share_body (1, org->org_id, anna, 25)), ==, 200);
}

/* A request of the laptop's own, sealed as the engine seals one, whose
 * guard-key is not 32 bytes. */
static GBytes *
seal_bad_guard_key (TestLaptop *l)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudSyncConfig) config = ombud_sync_config_load (store_of (l), &error);
  g_autoptr(OmbudSyncRequest) req = ombud_sync_request_new ();
  g_autoptr(OmbudSecret) rx = NULL;
  g_autoptr(OmbudSecret) tx = NULL;
  g_autoptr(GBytes) body = NULL;
  OmbudEnvelopeHeader h = { .kind = OMBUD_ENVELOPE_REQUEST };
  OmbudIdentity *me = ombud_keyring_get_identity (ombud_caseload_get_keyring (l->replica->caseload));
  guint8 short_key[31] = { 9 };
  GVariantDict dict;

  g_assert_no_error (error);
  req->cursor = config->cursor;
  req->directory = config->directory;
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert_value (&dict, "guard-key",
                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, short_key, sizeof short_key, 1));
  req->extensions = g_variant_ref_sink (g_variant_dict_end (&dict));
  memcpy (h.org_id, config->org_id, 16);
  h.device_id = test_laptop_device_id (l);
  randombytes_buf (h.request_id, sizeof h.request_id);
  h.time_ms = MAX (g_get_real_time () / 1000, config->last_request_ms + 1);
  config->last_request_ms = h.time_ms;
  g_assert_true (ombud_sync_config_save (store_of (l), config, &error));
  g_assert_true (ombud_identity_session_keys (me, config->office_box_pk, &rx, &tx));
  body = ombud_sync_request_encode (req);
  return ombud_envelope_seal (&h, body, ombud_secret_get_data (tx));
}

static void
test_malformed_guard_key (void)
{
  g_autoptr(Team) t = team_new ();
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (t->office);
  g_autoptr(OmbudHttp) http = ombud_http_new (&(OmbudHttpOptions) { 0 });
  g_autofree char *url = g_strconcat (t->office->url, "/v1/sync", NULL);
  g_autoptr(GBytes) sealed = seal_bad_guard_key (t->anna);
  g_autoptr(OmbudHttpResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  guint8 pk_before[32], pk_after[32], share_before[32], share_after[32];
  gboolean found = FALSE;

  g_assert_true (ombud_office_backend_get_guard (backend, test_laptop_device_id (t->anna), pk_before,
                                                 share_before, &found, &error));
  g_assert_true (found);
  r = ombud_http_post (http, url, sealed, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->status, ==, 400);
  g_assert_true (g_bytes_get_size (r->body) >= 9
                 && memcmp (g_bytes_get_data (r->body, NULL), "malformed", 9) == 0);
  /* Nothing changed: the same key and share. */
  g_assert_true (ombud_office_backend_get_guard (backend, test_laptop_device_id (t->anna), pk_after,
                                                 share_after, &found, &error));
  g_assert_cmpmem (pk_after, 32, pk_before, 32);
  g_assert_cmpmem (share_after, 32, share_before, 32);
  /* And the laptop's own next sync goes on as before. */
  test_laptop_sync (t->anna);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/sync/stale/unlock-by-syncing", test_stale_and_unlock_by_syncing);
  g_test_add_func ("/sync/stale/revoked", test_revoked_past_deadline);
  g_test_add_func ("/sync/stale/office-refusals", test_office_refusals);
  g_test_add_func ("/sync/stale/office-stale-days", test_office_stale_days);
  g_test_add_func ("/sync/stale/malformed-guard-key", test_malformed_guard_key);

  return g_test_run ();
}
