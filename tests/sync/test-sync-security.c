/* test-sync-security.c: what ombud-office refuses, and that a refusal changes nothing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Over real HTTP on loopback, against a real office in this process and
 * laptops enrolled with it: requests from devices the office does not know,
 * under the wrong key, replayed, from a device still waiting for its
 * confirmation, carrying another device's changeset or another ombud's
 * case, certifying or granting without being a coordinator, and plain
 * garbage.  Each refusal must leave the office's state exactly as it was
 * (office_state() below) and the office serving the next laptop.  Then
 * revocation: the wipe, the new office key epoch, and that a forged
 * "revoked" answer wipes nothing; and that nothing a team writes can be
 * read in the office's files.
 *
 * The requests made by hand are built the way the sync engine's
 * seal_request() builds them, so that what the office refuses differs from
 * a request it accepts only in the one thing each test changes.
 */
#include "office-fixture.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sqlite3.h>
#include <string.h>
#include <zstd.h>

#include "ombud-cert.h"
#include "ombud-envelope.h"
#include "ombud-migrations.h"
#include "ombud-seal.h"
#include "ombud-sync-message.h"
#include "ombud-sync-state.h"

#define MIB              (1024 * 1024)
#define SIG_DOMAIN       "ombud-sig-v1"
#define CS_AD_DOMAIN     "ombud-cs-v1"
#define ENV_AD_DOMAIN    "ombud-env-v1"
#define ENV_AD_SIZE      (sizeof ENV_AD_DOMAIN - 1 + OMBUD_ENVELOPE_HEADER_SIZE)
#define SEAL_HEADER_END  77   /* version(1) ‖ the 76 bytes of PROTOCOL.md §3's header */
#define PART_PREFIX      29   /* tier(1) ‖ key_epoch(4) ‖ nonce(24) */
#define GRANT_GRANTER    30   /* PROTOCOL.md §2: the granter's device id in a grant */

static const guint8 team_subject[16];

/* ---- a team: a coordinator, Anna with two laptops, Bertil with one ---- */

typedef struct {
  TestOffice *office;
  TestLaptop *coord;
  TestLaptop *a1, *a2;
  TestLaptop *b1;
  OmbudHttp  *http;     /* the test's own client, for the requests made by hand */
} Team;

static Team *
team_new (void)
{
  Team *t = g_new0 (Team, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *municipality = NULL;
  OmbudHttpOptions options = { 0 };

  t->office = test_office_new (NULL, NULL);
  t->coord = test_laptop_new (t->office, NULL, "Cecilia Samordnare", TRUE);
  municipality = ombud_caseload_add_municipality (t->coord->replica->caseload, "2380", "Östersund",
                                                  50000, &error);
  g_assert_no_error (error);
  t->a1 = test_laptop_new (t->office, NULL, "Anna Ombud", FALSE);
  t->a2 = test_laptop_new (t->office, NULL, "Anna Ombud", FALSE);
  t->b1 = test_laptop_new (t->office, NULL, "Bertil Ombud", FALSE);
  test_laptop_admit (t->coord, t->a1);
  test_laptop_admit (t->coord, t->a2);
  test_laptop_admit (t->coord, t->b1);
  t->http = ombud_http_new (&options);
  return t;
}

static void
team_free (Team *t)
{
  ombud_http_free (t->http);
  test_laptop_free (t->coord);
  test_laptop_free (t->a1);
  test_laptop_free (t->a2);
  test_laptop_free (t->b1);
  test_office_free (t->office);
  g_free (t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Team, team_free)

/* The refusal tests share one team.  Each compares the office's state
 * before and after its own requests, so what an earlier test left there
 * does not matter; and making a team's laptops is most of a test's time
 * under AddressSanitizer. */
static Team *shared_team;

static Team *
team_get (void)
{
  if (shared_team == NULL)
    shared_team = team_new ();
  return shared_team;
}

/* test_laptop_sync(), saying why when it fails. */
static void
sync_ok (TestLaptop *laptop)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = test_laptop_try_sync (laptop, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
}

/* ---- the laptop's side, as the sync engine has it ---- */

static OmbudKeyring *
keyring_of (TestLaptop *laptop)
{
  return ombud_caseload_get_keyring (laptop->replica->caseload);
}

static OmbudIdentity *
identity_of (TestLaptop *laptop)
{
  return ombud_keyring_get_identity (keyring_of (laptop));
}

static OmbudSyncConfig *
config_of (TestLaptop *laptop)
{
  g_autoptr(GError) error = NULL;
  OmbudSyncConfig *config = ombud_sync_config_load (laptop->replica->store, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static char *
ombud_id_of (TestLaptop *laptop)
{
  g_autoptr(OmbudSyncConfig) config = config_of (laptop);

  g_assert_nonnull (config->ombud_id);
  return g_strdup (config->ombud_id);
}

/* The envelope's session keys, as sync_round() makes them. */
static void
session_keys (TestLaptop   *laptop,
              OmbudSecret **rx,
              OmbudSecret **tx)
{
  g_autoptr(OmbudSyncConfig) config = config_of (laptop);

  g_assert_true (ombud_identity_session_keys (identity_of (laptop), config->office_box_pk, rx, tx));
}

/* A request header as seal_request() makes it: strictly newer than the
 * laptop's last request, and saved as its last before it leaves, so that
 * the laptop's own next sync is newer still. */
static OmbudEnvelopeHeader
next_header (TestLaptop *laptop)
{
  g_autoptr(OmbudSyncConfig) config = config_of (laptop);
  g_autoptr(GError) error = NULL;
  OmbudEnvelopeHeader h = { .kind = OMBUD_ENVELOPE_REQUEST };

  memcpy (h.org_id, config->org_id, 16);
  h.device_id = test_laptop_device_id (laptop);
  randombytes_buf (h.request_id, sizeof h.request_id);
  h.time_ms = MAX (g_get_real_time () / 1000, config->last_request_ms + 1);
  config->last_request_ms = h.time_ms;
  g_assert_true (ombud_sync_config_save (laptop->replica->store, config, &error));
  g_assert_no_error (error);
  return h;
}

/* An empty request at the laptop's cursor, as build_request() starts one. */
static OmbudSyncRequest *
new_request (TestLaptop *laptop)
{
  g_autoptr(OmbudSyncConfig) config = config_of (laptop);
  OmbudSyncRequest *req = ombud_sync_request_new ();

  req->cursor = config->cursor;
  req->directory = config->directory;
  return req;
}

static GBytes *
seal_body (TestLaptop *laptop,
           GBytes     *body)
{
  g_autoptr(OmbudSecret) rx = NULL;
  g_autoptr(OmbudSecret) tx = NULL;
  OmbudEnvelopeHeader h = next_header (laptop);

  session_keys (laptop, &rx, &tx);
  return ombud_envelope_seal (&h, body, ombud_secret_get_data (tx));
}

static GBytes *
seal_request (TestLaptop       *laptop,
              OmbudSyncRequest *req)
{
  g_autoptr(GBytes) body = ombud_sync_request_encode (req);

  return seal_body (laptop, body);
}

static GBytes *
seal_empty_request (TestLaptop *laptop)
{
  g_autoptr(OmbudSyncRequest) req = new_request (laptop);

  return seal_request (laptop, req);
}

/* A request carrying one sealed changeset. */
static GBytes *
seal_push (TestLaptop *laptop,
           GBytes     *sealed)
{
  g_autoptr(OmbudSyncRequest) req = new_request (laptop);

  g_ptr_array_add (req->changesets, g_bytes_ref (sealed));
  return seal_request (laptop, req);
}

static GBytes *
seal_changeset_as (TestLaptop     *laptop,
                   OmbudChangeset *cs)
{
  g_autoptr(OmbudSyncConfig) config = config_of (laptop);
  g_autoptr(GError) error = NULL;
  GBytes *sealed = ombud_seal_changeset (cs, config->org_id, identity_of (laptop), keyring_of (laptop), &error);

  g_assert_no_error (error);
  return sealed;
}

/* The newest changeset in the laptop's outbox, sealed by the laptop. */
static GBytes *
seal_latest_change (TestLaptop *laptop)
{
  sqlite3 *db = ombud_store_get_db (laptop->replica->store);
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(OmbudChangeset) cs = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT body FROM outbox ORDER BY seq DESC LIMIT 1", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  body = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  sqlite3_finalize (stmt);
  cs = ombud_changeset_decode (body, &error);
  g_assert_no_error (error);
  return seal_changeset_as (laptop, cs);
}

static char *
add_case (TestLaptop *laptop,
          const char *client_name)
{
  g_autoptr(GError) error = NULL;
  OmbudCaseInput in = { client_name, "Östersund", "woman", 1961, FALSE, FALSE, NULL };
  char *id = ombud_caseload_add_case (laptop->replica->caseload, &in, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

static void
add_note (TestLaptop *laptop,
          const char *case_id,
          const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = ombud_caseload_add_note (laptop->replica->caseload, case_id, text, TRUE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
}

/* ---- the office's side ---- */

static void
append_digest (GString *out,
               GBytes  *bytes)
{
  g_autofree char *sum = NULL;

  if (bytes == NULL)
    {
      g_string_append (out, "none");
      return;
    }
  sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  g_string_append_len (out, sum, 16);
}

static void
append_hex (GString      *out,
            const guint8 *data,
            gsize         len)
{
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, "%02x", data[i]);
}

static void
append_device (GString            *out,
               OmbudOfficeBackend *backend,
               guint64             device_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeDevice) d = ombud_office_backend_get_device (backend, device_id, &error);
  g_autoptr(GPtrArray) grants = NULL;

  g_assert_no_error (error);
  g_string_append_printf (out, "device %016" G_GINT64_MODIFIER "x: state %d role %d ombud %s seen %"
                          G_GINT64_FORMAT "\n  last request %" G_GINT64_FORMAT " id ",
                          d->device_id, d->state, d->role, d->ombud_id ? d->ombud_id : "-",
                          d->last_seen_ms, d->last_request_ms);
  append_hex (out, d->last_request_id, sizeof d->last_request_id);
  g_string_append (out, " hash ");
  append_hex (out, d->last_request_hash, sizeof d->last_request_hash);
  g_string_append_printf (out, "\n  last response %u ", d->last_response_status);
  append_digest (out, d->last_response);
  grants = ombud_office_backend_list_grants (backend, device_id, &error);
  g_assert_no_error (error);
  g_string_append_printf (out, "\n  grants %u:", grants->len);
  for (guint i = 0; i < grants->len; i++)
    {
      g_string_append_c (out, ' ');
      append_digest (out, grants->pdata[i]);
    }
  g_string_append_c (out, '\n');
}

/* Everything a request could change at the office, as text, so that a
 * difference shows in the assertion's message. */
static char *
office_state (TestOffice *office)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GPtrArray) changesets = NULL;
  g_autoptr(GPtrArray) certs = NULL;
  g_autoptr(GBytes) escrow = NULL;
  GString *out = g_string_new (NULL);
  gboolean more = TRUE;
  gint64 last_seq, directory;

  last_seq = ombud_office_backend_get_last_seq (backend, &error);
  g_assert_no_error (error);
  directory = ombud_office_backend_get_directory_seq (backend, &error);
  g_assert_no_error (error);
  g_string_append_printf (out, "last seq %" G_GINT64_FORMAT ", directory %" G_GINT64_FORMAT "\n",
                          last_seq, directory);

  changesets = ombud_office_backend_list_changesets (backend, 0, 0, TRUE, NULL, G_MAXINT32, &more, &error);
  g_assert_no_error (error);
  g_assert_false (more);
  g_string_append_printf (out, "changesets %u\n", changesets->len);
  for (guint i = 0; i < changesets->len; i++)
    {
      OmbudOfficeChangeset *cs = changesets->pdata[i];

      g_string_append_printf (out, "  %" G_GINT64_FORMAT " by %016" G_GINT64_MODIFIER "x case ",
                              cs->seq, cs->author_device);
      append_hex (out, cs->case_id, 16);
      g_string_append_c (out, ' ');
      append_digest (out, cs->sealed);
      g_string_append_c (out, '\n');
    }

  certs = ombud_office_backend_list_certs (backend, &error);
  g_assert_no_error (error);
  g_string_append_printf (out, "certificates %u:", certs->len);
  for (guint i = 0; i < certs->len; i++)
    {
      g_string_append_c (out, ' ');
      append_digest (out, certs->pdata[i]);
    }
  escrow = ombud_office_backend_get_blob (backend, "office-key-escrow", &error);
  g_assert_no_error (error);
  g_string_append (out, "\nescrow ");
  append_digest (out, escrow);
  g_string_append_c (out, '\n');

  devices = ombud_office_backend_list_devices (backend, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < devices->len; i++)
    append_device (out, backend, ((OmbudOfficeDevice *) devices->pdata[i])->device_id);
  return g_string_free (out, FALSE);
}

/* The office holds what it held before, and goes on serving: a normal
 * sync of another laptop works. */
static void
assert_unchanged (Team       *t,
                  const char *before,
                  TestLaptop *other)
{
  g_autofree char *after = office_state (t->office);

  g_assert_cmpstr (after, ==, before);
  sync_ok (other);
}

static OmbudHttpResponse *
post_sync (Team   *t,
           GBytes *body)
{
  g_autofree char *url = g_strconcat (t->office->url, "/v1/sync", NULL);
  g_autoptr(GError) error = NULL;
  OmbudHttpResponse *response = ombud_http_post (t->http, url, body, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
  return response;
}

/* The first word of a refusal: PROTOCOL.md §7's code. */
static char *
refusal_code (OmbudHttpResponse *response)
{
  gsize len;
  const char *data = g_bytes_get_data (response->body, &len);
  const char *space = memchr (data, ' ', len);

  return g_strndup (data, space ? (gsize) (space - data) : len);
}

static void
expect_refusal (Team       *t,
                GBytes     *body,
                guint       status,
                const char *code)
{
  g_autoptr(OmbudHttpResponse) response = post_sync (t, body);
  g_autofree char *got = refusal_code (response);

  g_assert_cmpuint (response->status, ==, status);
  g_assert_cmpstr (got, ==, code);
}

/* A body the office will not read to its end: it answers 413 and closes,
 * and the client may still be sending then (EPIPE, a cut).  Either way it
 * was refused; what the office holds is checked by the caller. */
static void
expect_refused_or_cut (Team       *t,
                       GBytes     *body,
                       guint       status,
                       const char *code)
{
  g_autofree char *url = g_strconcat (t->office->url, "/v1/sync", NULL);
  g_autoptr(OmbudHttp) http = ombud_http_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudHttpResponse) response = ombud_http_post (http, url, body, NULL, &error);
  g_autofree char *got = NULL;

  if (response == NULL)
    {
      g_assert_error (error, OMBUD_HTTP_ERROR, OMBUD_HTTP_ERROR_CUT);
      return;
    }
  got = refusal_code (response);
  g_assert_cmpuint (response->status, ==, status);
  g_assert_cmpstr (got, ==, code);
}

/* The office's answer to request, opened as the engine's exchange() does:
 * addressed to this device and this request. */
static OmbudSyncResponse *
open_answer (TestLaptop        *laptop,
             GBytes            *request,
             OmbudHttpResponse *response)
{
  g_autoptr(OmbudSecret) rx = NULL;
  g_autoptr(OmbudSecret) tx = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  OmbudEnvelopeHeader asked, h;
  OmbudSyncResponse *resp;

  g_assert_true (ombud_envelope_parse_header (request, &asked, NULL));
  session_keys (laptop, &rx, &tx);
  body = ombud_envelope_open (response->body, ombud_secret_get_data (rx), &h, &error);
  g_assert_no_error (error);
  g_assert_cmpint (h.kind, ==, OMBUD_ENVELOPE_RESPONSE);
  g_assert_cmpuint (h.device_id, ==, test_laptop_device_id (laptop));
  g_assert_cmpmem (h.request_id, 16, asked.request_id, 16);
  resp = ombud_sync_response_decode (body, &error);
  g_assert_no_error (error);
  return resp;
}

static OmbudHttpResponse *
expect_accepted (Team       *t,
                 TestLaptop *laptop,
                 GBytes     *request)
{
  OmbudHttpResponse *response = post_sync (t, request);
  g_autoptr(OmbudSyncResponse) resp = NULL;

  g_assert_cmpuint (response->status, ==, 200);
  resp = open_answer (laptop, request, response);
  g_assert_cmpuint (resp->state, ==, OMBUD_SYNC_STATE_CONFIRMED);
  return response;
}

static OmbudOfficeDeviceState
office_device_state (TestOffice *office,
                     TestLaptop *laptop)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeDevice) d = ombud_office_backend_get_device (backend, test_laptop_device_id (laptop), &error);

  g_assert_no_error (error);
  return d->state;
}

static gint64
office_last_seq (TestOffice *office)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
  g_autoptr(GError) error = NULL;
  gint64 seq = ombud_office_backend_get_last_seq (backend, &error);

  g_assert_no_error (error);
  return seq;
}

/* ---- 1. a device the office does not know ---- */

static void
test_unknown_device (void)
{
  Team *t = team_get ();
  g_autoptr(OmbudIdentity) stranger = ombud_identity_generate ();
  g_autoptr(OmbudSyncConfig) config = config_of (t->a1);
  g_autoptr(OmbudSyncRequest) req = new_request (t->a1);
  g_autoptr(GBytes) body = ombud_sync_request_encode (req);
  g_autoptr(OmbudSecret) rx = NULL;
  g_autoptr(OmbudSecret) tx = NULL;
  g_autoptr(GBytes) envelope = NULL;
  g_autoptr(GBytes) other_org = NULL;
  g_autoptr(GBytes) unknown_id = NULL;
  g_autofree char *before = office_state (t->office);
  OmbudEnvelopeHeader h = { .kind = OMBUD_ENVELOPE_REQUEST, .time_ms = g_get_real_time () / 1000 };

  /* A device of its own making, properly sealed to the office's key. */
  memcpy (h.org_id, config->org_id, 16);
  h.device_id = ombud_identity_get_device_id (stranger);
  randombytes_buf (h.request_id, sizeof h.request_id);
  g_assert_true (ombud_identity_session_keys (stranger, config->office_box_pk, &rx, &tx));
  envelope = ombud_envelope_seal (&h, body, ombud_secret_get_data (tx));
  expect_refusal (t, envelope, 401, "unknown-device");

  /* An enrolled device's keys under an id nobody has. */
  g_clear_pointer (&rx, ombud_secret_free);
  g_clear_pointer (&tx, ombud_secret_free);
  session_keys (t->a1, &rx, &tx);
  h.device_id = test_laptop_device_id (t->a1) ^ 1;
  unknown_id = ombud_envelope_seal (&h, body, ombud_secret_get_data (tx));
  expect_refusal (t, unknown_id, 401, "unknown-device");

  /* An enrolled device, addressed to another organisation. */
  h.device_id = test_laptop_device_id (t->a1);
  h.org_id[0] ^= 0x80;
  other_org = ombud_envelope_seal (&h, body, ombud_secret_get_data (tx));
  expect_refusal (t, other_org, 403, "wrong-org");

  assert_unchanged (t, before, t->b1);
}

/* ---- 2. sealed under the wrong key ---- */

/* The envelope with one byte changed. */
static GBytes *
with_byte_flipped (GBytes *envelope,
                   gsize   offset)
{
  gsize len;
  guint8 *copy = g_memdup2 (g_bytes_get_data (envelope, &len), g_bytes_get_size (envelope));

  g_assert_cmpuint (offset, <, len);
  copy[offset] ^= 0x01;
  return g_bytes_new_take (copy, len);
}

static void
test_not_authentic (void)
{
  Team *t = team_get ();
  g_autoptr(OmbudSyncRequest) req = new_request (t->a1);
  g_autoptr(GBytes) body = ombud_sync_request_encode (req);
  g_autoptr(OmbudSecret) a_rx = NULL;
  g_autoptr(OmbudSecret) a_tx = NULL;
  g_autoptr(OmbudSecret) b_rx = NULL;
  g_autoptr(OmbudSecret) b_tx = NULL;
  g_autoptr(OmbudSecret) random_key = ombud_secret_new_random (OMBUD_SESSION_KEY_SIZE);
  g_autoptr(GBytes) real = NULL;
  g_autoptr(OmbudHttpResponse) accepted = NULL;
  g_autofree char *before = NULL;
  g_autoptr(GPtrArray) forged = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  OmbudEnvelopeHeader h = next_header (t->a1);
  OmbudEnvelopeHeader readdressed;

  session_keys (t->a1, &a_rx, &a_tx);
  session_keys (t->b1, &b_rx, &b_tx);
  real = ombud_envelope_seal (&h, body, ombud_secret_get_data (a_tx));
  before = office_state (t->office);

  /* Anna's laptop's header, sealed with: a random key; Bertil's laptop's
   * own session key; the key for the other direction. */
  g_ptr_array_add (forged, ombud_envelope_seal (&h, body, ombud_secret_get_data (random_key)));
  g_ptr_array_add (forged, ombud_envelope_seal (&h, body, ombud_secret_get_data (b_tx)));
  g_ptr_array_add (forged, ombud_envelope_seal (&h, body, ombud_secret_get_data (a_rx)));
  /* The real envelope with its clear header altered (the request id, the
   * time), or its ciphertext, or its tag. */
  g_ptr_array_add (forged, with_byte_flipped (real, 30));
  g_ptr_array_add (forged, with_byte_flipped (real, 45));
  g_ptr_array_add (forged, with_byte_flipped (real, OMBUD_ENVELOPE_HEADER_SIZE + 24));
  g_ptr_array_add (forged, with_byte_flipped (real, g_bytes_get_size (real) - 1));
  /* Re-addressed to Bertil's laptop, whose keys the office then uses. */
  readdressed = h;
  readdressed.device_id = test_laptop_device_id (t->b1);
  g_ptr_array_add (forged, ombud_envelope_seal (&readdressed, body, ombud_secret_get_data (a_tx)));
  for (guint i = 0; i < forged->len; i++)
    expect_refusal (t, forged->pdata[i], 401, "not-authentic");

  assert_unchanged (t, before, t->b1);
  /* The control: the very envelope the forgeries were made from is taken. */
  accepted = expect_accepted (t, t->a1, real);
  sync_ok (t->a1);
}

/* ---- 3. replayed requests ---- */

static void
test_replayed (void)
{
  Team *t = team_get ();
  g_autoptr(GBytes) first = seal_empty_request (t->a1);
  g_autoptr(GBytes) latest = NULL;
  g_autoptr(GBytes) resealed = NULL;
  g_autoptr(OmbudHttpResponse) first_answer = NULL;
  g_autoptr(OmbudHttpResponse) latest_answer = NULL;
  g_autoptr(OmbudHttpResponse) again = NULL;
  g_autoptr(OmbudSyncRequest) req = new_request (t->a1);
  g_autoptr(GBytes) body = ombud_sync_request_encode (req);
  g_autoptr(OmbudSecret) rx = NULL;
  g_autoptr(OmbudSecret) tx = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after_sync = NULL;
  OmbudEnvelopeHeader h;

  first_answer = expect_accepted (t, t->a1, first);
  latest = seal_empty_request (t->a1);
  latest_answer = expect_accepted (t, t->a1, latest);
  before = office_state (t->office);

  /* The older request again. */
  expect_refusal (t, first, 409, "replayed");
  /* The latest request's id and time, sealed again: other bytes, so not a
   * retry of it, and no newer than it. */
  g_assert_true (ombud_envelope_parse_header (latest, &h, NULL));
  session_keys (t->a1, &rx, &tx);
  resealed = ombud_envelope_seal (&h, body, ombud_secret_get_data (tx));
  expect_refusal (t, resealed, 409, "replayed");
  /* The latest request, byte for byte: a retry after a cut connection,
   * answered with the very bytes it was answered with. */
  again = post_sync (t, latest);
  g_assert_cmpuint (again->status, ==, 200);
  g_assert_true (g_bytes_equal (again->body, latest_answer->body));
  g_clear_pointer (&again, ombud_http_response_free);
  again = post_sync (t, latest);
  g_assert_true (g_bytes_equal (again->body, latest_answer->body));
  assert_unchanged (t, before, t->b1);

  /* Once the laptop has made another request, the latest is a replay too. */
  sync_ok (t->a1);
  after_sync = office_state (t->office);
  expect_refusal (t, latest, 409, "replayed");
  expect_refusal (t, first, 409, "replayed");
  assert_unchanged (t, after_sync, t->coord);
}

/* ---- 4. a device waiting for its confirmation ---- */

static void
test_pending_push (void)
{
  Team *t = team_get ();
  g_autoptr(TestLaptop) pending = test_laptop_new (t->office, NULL, "Petra Ombud", FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *municipality = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *before = NULL;
  g_autoptr(GBytes) own = NULL;
  g_autoptr(GBytes) anna = NULL;
  g_autoptr(GBytes) push_own = NULL;
  g_autoptr(GBytes) push_anna = NULL;
  g_autoptr(GBytes) push_route = NULL;
  g_autoptr(GBytes) push_grant = NULL;
  g_autoptr(GBytes) grant = NULL;
  g_autoptr(GBytes) waiting = NULL;
  g_autoptr(OmbudSyncRequest) route_req = NULL;
  g_autoptr(OmbudSyncRequest) grant_req = NULL;
  g_autoptr(OmbudHttpResponse) answer = NULL;
  g_autoptr(OmbudSyncResponse) resp = NULL;
  g_autofree char *anna_ombud = ombud_id_of (t->a1);
  guint8 case_raw[16];

  sync_ok (pending);
  g_assert_cmpint (office_device_state (t->office, pending), ==, OMBUD_OFFICE_DEVICE_PENDING);

  /* It cannot seal without the office key; an office key of its own
   * making seals a changeset the office cannot tell from a real one. */
  g_assert_cmpuint (ombud_keyring_create_office_key (keyring_of (pending), &error), ==, 1);
  g_assert_no_error (error);
  municipality = ombud_caseload_add_municipality (pending->replica->caseload, "2309", "Krokom", 15000, &error);
  g_assert_no_error (error);
  own = seal_latest_change (pending);
  push_own = seal_push (pending, own);

  /* A real changeset of Anna's laptop, copied. */
  case_id = add_case (t->a1, "Klara Klient");
  anna = seal_latest_change (t->a1);
  push_anna = seal_push (pending, anna);

  /* A route for the case, and a grant of its own office key. */
  route_req = new_request (pending);
  g_assert_true (ombud_uuid_parse (case_id, case_raw));
  ombud_sync_request_add_route (route_req, case_raw, anna_ombud);
  push_route = seal_request (pending, route_req);
  grant = ombud_keyring_make_grant (keyring_of (pending), OMBUD_KEY_OFFICE, 1, team_subject,
                                    test_laptop_device_id (t->b1),
                                    ombud_identity_get_box_pk (identity_of (t->b1)), &error);
  g_assert_no_error (error);
  grant_req = new_request (pending);
  g_ptr_array_add (grant_req->grants, g_bytes_ref (grant));
  push_grant = seal_request (pending, grant_req);

  before = office_state (t->office);
  expect_refusal (t, push_own, 403, "not-confirmed");
  expect_refusal (t, push_anna, 403, "not-confirmed");
  expect_refusal (t, push_route, 403, "not-confirmed");
  expect_refusal (t, push_grant, 403, "not-confirmed");
  assert_unchanged (t, before, t->b1);

  /* It is still served as what it is: a device waiting, told nothing. */
  waiting = seal_empty_request (pending);
  answer = post_sync (t, waiting);
  g_assert_cmpuint (answer->status, ==, 200);
  resp = open_answer (pending, waiting, answer);
  g_assert_cmpuint (resp->state, ==, OMBUD_SYNC_STATE_PENDING);
  g_assert_cmpuint (resp->changesets->len, ==, 0);
  g_assert_cmpuint (resp->devices->len, ==, 0);
  g_assert_cmpuint (resp->grants->len, ==, 0);
  sync_ok (t->a1);
}

/* ---- 5. a changeset another device wrote ---- */

/* The sealed changeset with its signature replaced by signer's. */
static GBytes *
resigned (GBytes     *sealed,
          TestLaptop *signer)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (sealed, &len);
  gsize body = len - OMBUD_SIGNATURE_SIZE;
  gsize domain = strlen (SIG_DOMAIN);
  g_autofree guint8 *message = g_malloc (domain + body);
  guint8 *out = g_malloc (len);

  memcpy (message, SIG_DOMAIN, domain);
  memcpy (message + domain, p, body);
  memcpy (out, p, body);
  ombud_identity_sign (identity_of (signer), message, domain + body, out + body);
  return g_bytes_new_take (out, len);
}

static void
test_foreign_changeset (void)
{
  Team *t = team_get ();
  g_autofree char *anna_case = add_case (t->a1, "Alva Klient");
  g_autofree char *bertil_case = add_case (t->b1, "Bo Klient");
  g_autoptr(GBytes) anna = seal_latest_change (t->a1);
  g_autoptr(GBytes) bertil = seal_latest_change (t->b1);
  g_autoptr(GBytes) bertil_by_anna = resigned (bertil, t->a1);
  g_autoptr(OmbudSyncRequest) both = new_request (t->a1);
  g_autoptr(GBytes) push_bertil = NULL;
  g_autoptr(GBytes) push_resigned = NULL;
  g_autoptr(GBytes) push_both = NULL;
  g_autoptr(GBytes) other_org = NULL;
  g_autoptr(GBytes) push_other_org = NULL;
  g_autoptr(OmbudChangeset) cs = NULL;
  g_autoptr(OmbudSyncConfig) config = config_of (t->a1);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  gint64 seq;

  /* Bertil's laptop's changeset as it is, from Anna's laptop. */
  push_bertil = seal_push (t->a1, bertil);
  /* Bertil's laptop's header, signed by Anna's laptop. */
  push_resigned = seal_push (t->a1, bertil_by_anna);
  /* Anna's own, and then Bertil's: all or nothing. */
  g_ptr_array_add (both->changesets, g_bytes_ref (anna));
  g_ptr_array_add (both->changesets, g_bytes_ref (bertil));
  push_both = seal_request (t->a1, both);
  /* Anna's laptop's own, for another organisation. */
  config->org_id[3] ^= 0x10;
  cs = ombud_changeset_new (ombud_migrations_latest (), test_laptop_device_id (t->a1), anna_case);
  ombud_changeset_add (cs, "client_case", anna_case, "gender", g_variant_new_string ("man"),
                       OMBUD_HLC_MAKE (g_get_real_time () / 1000, 0), NULL, 0);
  other_org = ombud_seal_changeset (cs, config->org_id, identity_of (t->a1), keyring_of (t->a1), &error);
  g_assert_no_error (error);
  push_other_org = seal_push (t->a1, other_org);

  before = office_state (t->office);
  expect_refusal (t, push_bertil, 403, "forbidden");
  expect_refusal (t, push_resigned, 403, "forbidden");
  expect_refusal (t, push_both, 403, "forbidden");
  expect_refusal (t, push_other_org, 403, "forbidden");
  assert_unchanged (t, before, t->coord);

  /* Each laptop's own goes through, from itself. */
  seq = office_last_seq (t->office);
  sync_ok (t->a1);
  sync_ok (t->b1);
  g_assert_cmpint (office_last_seq (t->office), >, seq);
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM outbox WHERE hold IS NULL"), ==, 0);
  g_assert_cmpint (test_laptop_count (t->b1, "SELECT count(*) FROM outbox WHERE hold IS NULL"), ==, 0);
}

/* ---- 6. a case of another ombud ---- */

static char *
office_route (TestOffice *office,
              const char *case_id)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
  g_autoptr(GError) error = NULL;
  guint8 raw[16];
  char *route;

  g_assert_true (ombud_uuid_parse (case_id, raw));
  route = ombud_office_backend_get_route (backend, raw, &error);
  g_assert_no_error (error);
  return route;
}

static void
test_other_ombuds_case (void)
{
  Team *t = team_get ();
  g_autofree char *anna_ombud = ombud_id_of (t->a1);
  g_autofree char *bertil_ombud = ombud_id_of (t->b1);
  g_autofree char *anna_case = add_case (t->a1, "Astrid Klient");
  g_autofree char *route = NULL;
  g_autofree char *before = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(OmbudChangeset) cs = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GBytes) push = NULL;
  g_autoptr(GBytes) push_route = NULL;
  g_autoptr(OmbudSyncRequest) route_req = NULL;
  OmbudSealHeader h;
  guint8 case_raw[16];

  sync_ok (t->a1);
  route = office_route (t->office, anna_case);
  g_assert_cmpstr (route, ==, anna_ombud);

  /* Bertil's laptop, with its own identity and the real office key, writes
   * an office-tier field of Anna's case. */
  cs = ombud_changeset_new (ombud_migrations_latest (), test_laptop_device_id (t->b1), anna_case);
  ombud_changeset_add (cs, "client_case", anna_case, "gender", g_variant_new_string ("man"),
                       OMBUD_HLC_MAKE (g_get_real_time () / 1000, 0), NULL, 0);
  sealed = seal_changeset_as (t->b1, cs);
  g_assert_true (ombud_seal_parse (sealed, &h, NULL));
  g_assert_cmpuint (h.n_parts, ==, 1);
  g_assert_cmpuint (h.parts[0].tier, ==, OMBUD_SEAL_TIER_OFFICE);
  g_assert_cmpuint (h.parts[0].key_epoch, ==, 1);
  push = seal_push (t->b1, sealed);
  /* … or claims it for Bertil outright. */
  route_req = new_request (t->b1);
  g_assert_true (ombud_uuid_parse (anna_case, case_raw));
  ombud_sync_request_add_route (route_req, case_raw, bertil_ombud);
  push_route = seal_request (t->b1, route_req);

  before = office_state (t->office);
  expect_refusal (t, push, 403, "forbidden");
  expect_refusal (t, push_route, 403, "forbidden");
  assert_unchanged (t, before, t->a2);

  g_clear_pointer (&route, g_free);
  route = office_route (t->office, anna_case);
  g_assert_cmpstr (route, ==, anna_ombud);
  /* Anna's other laptop has the case as Anna wrote it; Bertil's never sees it. */
  sync_ok (t->b1);
  sql = g_strdup_printf ("SELECT count(*) FROM client_case WHERE id = '%s' AND gender = 'woman'", anna_case);
  g_assert_cmpint (test_laptop_count (t->a2, sql), ==, 1);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT count(*) FROM client_case WHERE id = '%s'", anna_case);
  g_assert_cmpint (test_laptop_count (t->b1, sql), ==, 0);
}

/* ---- 7. certificates and office key grants from an ombud's laptop ---- */

static GBytes *
seal_extension (TestLaptop *laptop,
                const char *name,
                GBytes     *value)
{
  g_autoptr(OmbudSyncRequest) req = new_request (laptop);
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert_value (&dict, name,
                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, g_bytes_get_data (value, NULL),
                                                          g_bytes_get_size (value), 1));
  req->extensions = g_variant_ref_sink (g_variant_dict_end (&dict));
  return seal_request (laptop, req);
}

static void
test_ombud_certifies (void)
{
  Team *t = team_get ();
  g_autoptr(TestLaptop) pending = test_laptop_new (t->office, NULL, "Petra Ombud", FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *anna_ombud = ombud_id_of (t->a1);
  g_autofree char *before = NULL;
  g_autoptr(GBytes) cert = NULL;
  g_autoptr(GBytes) self_cert = NULL;
  g_autoptr(GBytes) grant = NULL;
  g_autoptr(GBytes) escrow = NULL;
  g_autoptr(OmbudSyncRequest) cert_req = new_request (t->a1);
  g_autoptr(OmbudSyncRequest) self_req = new_request (t->a1);
  g_autoptr(OmbudSyncRequest) grant_req = new_request (t->a1);
  g_autoptr(OmbudSyncRequest) forged_req = new_request (t->a1);
  g_autoptr(GBytes) push_cert = NULL;
  g_autoptr(GBytes) push_self_cert = NULL;
  g_autoptr(GBytes) push_grant = NULL;
  g_autoptr(GBytes) push_forged = NULL;
  g_autoptr(GBytes) push_escrow = NULL;
  OmbudIdentity *p = identity_of (pending);
  OmbudCert c = { .role = OMBUD_DEVICE_ROLE_OMBUD };
  guint64 coord_id = test_laptop_device_id (t->coord);
  guint8 escrow_bytes[72];
  guint8 *forged;

  sync_ok (pending);

  /* Anna's laptop certifies the new laptop as Anna's … */
  memcpy (c.sign_pk, ombud_identity_get_sign_pk (p), 32);
  memcpy (c.box_pk, ombud_identity_get_box_pk (p), 32);
  g_assert_true (ombud_uuid_parse (anna_ombud, c.ombud_id));
  cert = ombud_cert_make (&c, identity_of (t->a1));
  g_ptr_array_add (cert_req->certs, g_bytes_ref (cert));
  push_cert = seal_request (t->a1, cert_req);
  /* … and itself as a coordinator's. */
  c.role = OMBUD_DEVICE_ROLE_COORDINATOR;
  memcpy (c.sign_pk, ombud_identity_get_sign_pk (identity_of (t->a1)), 32);
  memcpy (c.box_pk, ombud_identity_get_box_pk (identity_of (t->a1)), 32);
  self_cert = ombud_cert_make (&c, identity_of (t->a1));
  g_ptr_array_add (self_req->certs, g_bytes_ref (self_cert));
  push_self_cert = seal_request (t->a1, self_req);

  /* It grants the office key, which it holds, to the new laptop. */
  grant = ombud_keyring_make_grant (keyring_of (t->a1), OMBUD_KEY_OFFICE, 1, team_subject,
                                    test_laptop_device_id (pending), ombud_identity_get_box_pk (p), &error);
  g_assert_no_error (error);
  g_ptr_array_add (grant_req->grants, g_bytes_ref (grant));
  push_grant = seal_request (t->a1, grant_req);
  /* The same grant, claiming the coordinator's laptop granted it. */
  forged = g_memdup2 (g_bytes_get_data (grant, NULL), OMBUD_GRANT_SIZE);
  for (guint i = 0; i < 8; i++)
    forged[GRANT_GRANTER + i] = (guint8) (coord_id >> (8 * i));
  g_ptr_array_add (forged_req->grants, g_bytes_new_take (forged, OMBUD_GRANT_SIZE));
  push_forged = seal_request (t->a1, forged_req);
  /* It leaves an office key escrow of its own. */
  randombytes_buf (escrow_bytes, sizeof escrow_bytes);
  escrow = g_bytes_new (escrow_bytes, sizeof escrow_bytes);
  push_escrow = seal_extension (t->a1, "office-key-escrow", escrow);

  before = office_state (t->office);
  expect_refusal (t, push_cert, 403, "forbidden");
  expect_refusal (t, push_self_cert, 403, "forbidden");
  expect_refusal (t, push_grant, 403, "forbidden");
  expect_refusal (t, push_forged, 403, "forbidden");
  expect_refusal (t, push_escrow, 403, "forbidden");
  assert_unchanged (t, before, t->coord);

  g_assert_cmpint (office_device_state (t->office, pending), ==, OMBUD_OFFICE_DEVICE_PENDING);
  g_assert_cmpint (office_device_state (t->office, t->a1), ==, OMBUD_OFFICE_DEVICE_CONFIRMED);
  sync_ok (pending);
  g_assert_cmpuint (ombud_keyring_get_office_epoch (keyring_of (pending), NULL), ==, 0);
}

/* ---- 8. malformed bodies ---- */

/* An envelope around packed, which is not what ombud_envelope_seal() would
 * have compressed: the header is a real one's, the rest sealed as §5 says. */
static GBytes *
seal_packed (const OmbudEnvelopeHeader *h,
             const guint8              *packed,
             gsize                      packed_len,
             const guint8               key[OMBUD_SESSION_KEY_SIZE])
{
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) model = ombud_envelope_seal (h, empty, key);
  gsize head = OMBUD_ENVELOPE_HEADER_SIZE, domain = strlen (ENV_AD_DOMAIN);
  gsize out_len = head + 24 + packed_len + 16;
  guint8 *out = g_malloc (out_len);
  guint8 ad[ENV_AD_SIZE];

  memcpy (out, g_bytes_get_data (model, NULL), head);
  randombytes_buf (out + head, 24);
  memcpy (ad, ENV_AD_DOMAIN, domain);
  memcpy (ad + domain, out, head);
  crypto_aead_xchacha20poly1305_ietf_encrypt (out + head + 24, NULL, packed, packed_len, ad, sizeof ad,
                                              NULL, out + head, key);
  return g_bytes_new_take (out, out_len);
}

/* A body the office must turn away with 400 or 401: never a 5xx. */
static void
expect_bad_request (Team   *t,
                    GBytes *body)
{
  g_autoptr(OmbudHttpResponse) response = post_sync (t, body);
  g_autofree char *code = refusal_code (response);

  if (response->status != 400 && response->status != 401)
    g_error ("a bad body of %zu bytes got HTTP %u (%s)", g_bytes_get_size (body), response->status, code);
  g_assert_true (g_str_equal (code, "malformed") || g_str_equal (code, "not-authentic"));
}

static void
expect_bad_bytes (Team         *t,
                  const guint8 *data,
                  gsize         len)
{
  g_autoptr(GBytes) body = g_bytes_new (data, len);

  expect_bad_request (t, body);
}

/* body, sealed properly by the laptop, is not a sync request. */
static void
expect_bad_inside (Team       *t,
                   TestLaptop *laptop,
                   GBytes     *body)
{
  g_autoptr(GBytes) envelope = seal_body (laptop, body);

  expect_bad_request (t, envelope);
}

/* packed, sealed properly by the laptop, is not one whole zstd frame. */
static void
expect_bad_frame (Team         *t,
                  TestLaptop   *laptop,
                  const guint8 *packed,
                  gsize         packed_len)
{
  g_autoptr(OmbudSecret) rx = NULL;
  g_autoptr(OmbudSecret) tx = NULL;
  g_autoptr(GBytes) envelope = NULL;
  OmbudEnvelopeHeader h = next_header (laptop);

  session_keys (laptop, &rx, &tx);
  envelope = seal_packed (&h, packed, packed_len, ombud_secret_get_data (tx));
  expect_bad_request (t, envelope);
}

static void
test_malformed (void)
{
  Team *t = team_get ();
  g_autofree char *case_id = add_case (t->a1, "Maja Klient");
  g_autoptr(GBytes) sealed = seal_latest_change (t->a1);
  g_autoptr(GBytes) real = seal_push (t->a1, sealed);
  g_autoptr(OmbudSecret) rx = NULL;
  g_autoptr(OmbudSecret) tx = NULL;
  g_autoptr(OmbudEnrolRequest) enrol = ombud_enrol_request_new ();
  g_autoptr(OmbudSyncRequest) future = new_request (t->a1);
  g_autoptr(OmbudSyncRequest) empty_req = new_request (t->a1);
  g_autoptr(OmbudSyncResponse) answer = ombud_sync_response_new ();
  g_autoptr(GBytes) enrol_body = NULL;
  g_autoptr(GBytes) answer_body = NULL;
  g_autoptr(GBytes) noise_body = NULL;
  g_autoptr(GBytes) empty_body = ombud_sync_request_encode (empty_req);
  g_autoptr(GBytes) no_body = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) unsupported = NULL;
  g_autoptr(GBytes) response_kind = NULL;
  g_autoptr(GBytes) huge = NULL;
  g_autoptr(GBytes) bomb = NULL;
  g_autoptr(GBytes) oversized = NULL;
  g_autoptr(OmbudHttpResponse) accepted = NULL;
  g_autofree char *before = NULL;
  g_autofree guint8 *zeros = g_malloc0 (65 * MIB);
  g_autofree guint8 *frame = g_malloc (ZSTD_compressBound (g_bytes_get_size (empty_body)) + 1);
  g_autofree guint8 *headed = g_malloc (OMBUD_ENVELOPE_HEADER_SIZE + 200);
  const guint8 *real_data = g_bytes_get_data (real, NULL);
  gsize frame_len;
  guint8 noise[200];
  OmbudEnvelopeHeader h;

  session_keys (t->a1, &rx, &tx);
  randombytes_buf (noise, sizeof noise);
  before = office_state (t->office);

  /* Nothing; ten random bytes; a real envelope's header, then noise. */
  expect_bad_bytes (t, noise, 0);
  expect_bad_bytes (t, noise, 10);
  memcpy (headed, real_data, OMBUD_ENVELOPE_HEADER_SIZE);
  memcpy (headed + OMBUD_ENVELOPE_HEADER_SIZE, noise, 200);
  expect_bad_bytes (t, headed, OMBUD_ENVELOPE_HEADER_SIZE + 200);

  /* The real envelope cut short, at every length. */
  for (gsize len = 0; len < g_bytes_get_size (real); len++)
    expect_bad_bytes (t, real_data, len);

  /* Sealed properly, but what is inside is not a sync request: an
   * enrolment request, a sync response, noise, an unknown protocol. */
  enrol->code = g_strdup ("2345-6789-ABCD-EFGH-JKLM");
  enrol->name = g_strdup ("laptop");
  enrol_body = ombud_enrol_request_encode (enrol);
  expect_bad_inside (t, t->a1, enrol_body);
  answer_body = ombud_sync_response_encode (answer);
  expect_bad_inside (t, t->a1, answer_body);
  noise_body = g_bytes_new (noise, sizeof noise);
  expect_bad_inside (t, t->a1, noise_body);
  future->protocol = OMBUD_SYNC_PROTOCOL + 1;
  unsupported = seal_request (t->a1, future);
  expect_refusal (t, unsupported, 400, "unsupported-protocol");

  /* Sealed properly around what is not one whole zstd frame: noise, and a
   * real frame of a real request with a byte after it. */
  expect_bad_frame (t, t->a1, noise, sizeof noise);
  frame_len = ZSTD_compress (frame, ZSTD_compressBound (g_bytes_get_size (empty_body)),
                             g_bytes_get_data (empty_body, NULL), g_bytes_get_size (empty_body), 3);
  g_assert_false (ZSTD_isError (frame_len));
  frame[frame_len] = 0;
  expect_bad_frame (t, t->a1, frame, frame_len + 1);

  /* A response-kind envelope sent as a request. */
  h = next_header (t->a1);
  h.kind = OMBUD_ENVELOPE_RESPONSE;
  response_kind = ombud_envelope_seal (&h, empty_body, ombud_secret_get_data (tx));
  expect_bad_request (t, response_kind);

  /* A small envelope that would expand past the envelope's bound, and a
   * body past the server's: 413 for both. */
  h = next_header (t->a1);
  huge = g_bytes_new_static (zeros, 65 * MIB);
  bomb = ombud_envelope_seal (&h, huge, ombud_secret_get_data (tx));
  g_assert_cmpuint (g_bytes_get_size (bomb), <, 64 * 1024);
  expect_refusal (t, bomb, 413, "too-large");
  oversized = g_bytes_new_static (zeros, 17 * MIB);
  expect_refused_or_cut (t, oversized, 413, "too-large");

  assert_unchanged (t, before, t->b1);

  /* The control: the envelope every truncation was cut from is taken. */
  accepted = expect_accepted (t, t->a1, real);
  g_assert_cmpint (office_last_seq (t->office), >, 0);
  sync_ok (t->a1);
}

/* ---- 9. revocation ---- */

/* Whether key opens the office part of a sealed changeset: the AEAD of
 * PROTOCOL.md §3, done here by hand so that any key can be tried. */
static gboolean
office_part_opens (GBytes       *sealed,
                   const guint8  key[OMBUD_KEY_SIZE],
                   guint32      *epoch)
{
  const guint8 *p = g_bytes_get_data (sealed, NULL);
  gsize domain = strlen (CS_AD_DOMAIN);
  OmbudSealHeader h;
  guint8 ad[11 + 60 + 1 + 4 + 16];

  g_assert_cmpuint (domain, ==, 11);
  g_assert_true (ombud_seal_parse (sealed, &h, NULL));
  for (guint i = 0; i < h.n_parts; i++)
    {
      const guint8 *part = p + h.parts[i].offset;
      gsize cipher_len = h.parts[i].length - PART_PREFIX;
      g_autofree guint8 *plain = g_malloc (cipher_len);

      if (h.parts[i].tier != OMBUD_SEAL_TIER_OFFICE)
        continue;
      *epoch = h.parts[i].key_epoch;
      memcpy (ad, CS_AD_DOMAIN, domain);
      memcpy (ad + domain, p + 1, 60);
      ad[domain + 60] = part[0];
      memcpy (ad + domain + 61, part + 1, 4);
      memcpy (ad + domain + 65, p + 61, SEAL_HEADER_END - 61);
      return crypto_aead_xchacha20poly1305_ietf_decrypt (plain, NULL, NULL, part + PART_PREFIX, cipher_len,
                                                         ad, sizeof ad, part + 5, key) == 0;
    }
  g_assert_not_reached ();
}

/* The newest changeset at the office written by laptop. */
static GBytes *
office_latest_by (TestOffice *office,
                  TestLaptop *laptop)
{
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (office);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  gboolean more;

  all = ombud_office_backend_list_changesets (backend, 0, 0, TRUE, NULL, G_MAXINT32, &more, &error);
  g_assert_no_error (error);
  for (guint i = all->len; i > 0; i--)
    {
      OmbudOfficeChangeset *cs = all->pdata[i - 1];

      if (cs->author_device == test_laptop_device_id (laptop))
        return g_bytes_ref (cs->sealed);
    }
  g_assert_not_reached ();
}

static void
office_key (TestLaptop *laptop,
            guint32     epoch,
            guint8      key[OMBUD_KEY_SIZE])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudSecret) secret = ombud_keyring_lookup (keyring_of (laptop), OMBUD_KEY_OFFICE, epoch,
                                                        team_subject, &error);

  g_assert_no_error (error);
  memcpy (key, ombud_secret_get_data (secret), OMBUD_KEY_SIZE);
}

static void
assert_profile_files (TestLaptop *laptop,
                      gboolean    present)
{
  const char *dir = ombud_store_get_profile_dir (laptop->replica->store);
  static const char *const names[] = { "ombud.key", "ombud.db" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS) != present)
        g_error ("%s is %s", path, present ? "gone" : "still there");
    }
}

static guint32
epoch_of (TestLaptop *laptop)
{
  g_autoptr(GError) error = NULL;
  guint32 epoch = ombud_keyring_get_office_epoch (keyring_of (laptop), &error);

  g_assert_no_error (error);
  return epoch;
}

static void
test_revoked (void)
{
  g_autoptr(Team) t = team_new ();
  g_autoptr(OmbudOfficeBackend) backend = test_office_backend (t->office);
  g_autoptr(GError) error = NULL;
  g_autofree char *case_id = add_case (t->a1, "Rut Klient");
  g_autoptr(GBytes) before_revocation = NULL;
  g_autoptr(GBytes) after_revocation = NULL;
  g_autoptr(GBytes) late_push = NULL;
  g_autoptr(GBytes) a2_change = NULL;
  g_autoptr(GPtrArray) a2_grants = NULL;
  g_autoptr(OmbudHttpResponse) late_answer = NULL;
  g_autoptr(OmbudSyncResponse) late_resp = NULL;
  g_autofree char *before = NULL;
  guint8 old_key[OMBUD_KEY_SIZE], new_key[OMBUD_KEY_SIZE];
  guint8 a2_rx[OMBUD_SESSION_KEY_SIZE];
  guint32 epoch = 0;

  /* Before: a changeset under epoch 1, which Anna's second laptop's key opens. */
  sync_ok (t->a1);
  before_revocation = office_latest_by (t->office, t->a1);
  office_key (t->a2, 1, old_key);
  g_assert_true (office_part_opens (before_revocation, old_key, &epoch));
  g_assert_cmpuint (epoch, ==, 1);
  /* A request of the second laptop's, made now and sent once it is
   * revoked, and the key that would open the answer. */
  {
    g_autoptr(OmbudSecret) rx = NULL;
    g_autoptr(OmbudSecret) tx = NULL;
    g_autofree char *mine = add_case (t->a2, "Sixten Klient");

    a2_change = seal_latest_change (t->a2);
    late_push = seal_push (t->a2, a2_change);
    session_keys (t->a2, &rx, &tx);
    memcpy (a2_rx, ombud_secret_get_data (rx), sizeof a2_rx);
  }

  g_assert_true (ombud_office_backend_set_device_state (backend, test_laptop_device_id (t->a2),
                                                        OMBUD_OFFICE_DEVICE_REVOKED, NULL, &error));
  g_assert_no_error (error);

  /* Its next sync: told, sealed by the office, and wiped. */
  g_assert_false (test_laptop_try_sync (t->a2, &error));
  g_assert_error (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REVOKED);
  g_clear_error (&error);
  assert_profile_files (t->a2, FALSE);

  /* What it sent before it knew gets it nothing and stores nothing. */
  before = office_state (t->office);
  late_answer = post_sync (t, late_push);
  g_assert_cmpuint (late_answer->status, ==, 403);
  {
    g_autoptr(GBytes) body = NULL;
    OmbudEnvelopeHeader h;

    body = ombud_envelope_open (late_answer->body, a2_rx, &h, &error);
    g_assert_no_error (error);
    late_resp = ombud_sync_response_decode (body, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (late_resp->state, ==, OMBUD_SYNC_STATE_REVOKED);
  g_assert_cmpuint (late_resp->changesets->len, ==, 0);
  g_assert_cmpuint (late_resp->grants->len, ==, 0);
  g_assert_cmpuint (late_resp->devices->len, ==, 0);
  {
    g_autofree char *after = office_state (t->office);
    g_assert_cmpstr (after, ==, before);
  }

  /* The coordinator's next sync moves the office key on; the others get it. */
  g_assert_cmpuint (epoch_of (t->coord), ==, 1);
  sync_ok (t->coord);
  g_assert_cmpuint (epoch_of (t->coord), ==, 2);
  sync_ok (t->a1);
  sync_ok (t->b1);
  g_assert_cmpuint (epoch_of (t->a1), ==, 2);
  g_assert_cmpuint (epoch_of (t->b1), ==, 2);
  a2_grants = ombud_office_backend_list_grants (backend, test_laptop_device_id (t->a2), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < a2_grants->len; i++)
    {
      const guint8 *g = g_bytes_get_data (a2_grants->pdata[i], NULL);
      guint32 granted = (guint32) g[2] | (guint32) g[3] << 8 | (guint32) g[4] << 16 | (guint32) g[5] << 24;

      if (g[1] == OMBUD_KEY_OFFICE)
        g_assert_cmpuint (granted, ==, 1);
    }

  /* What is written now is sealed under epoch 2, which the revoked
   * laptop's key does not open and the coordinator's does. */
  add_note (t->a1, case_id, "written after the revocation");
  sync_ok (t->a1);
  after_revocation = office_latest_by (t->office, t->a1);
  office_key (t->coord, 2, new_key);
  g_assert_false (office_part_opens (after_revocation, old_key, &epoch));
  g_assert_cmpuint (epoch, ==, 2);
  g_assert_true (office_part_opens (after_revocation, new_key, &epoch));

  /* And the team goes on: Anna's note reaches the coordinator, and the
   * remaining devices converge — a team record written after the rotation
   * too, which every one of them opens under epoch 2. */
  sync_ok (t->coord);
  g_assert_cmpint (test_laptop_count (t->coord, "SELECT count(*) FROM note"), >=, 1);
  {
    g_autofree char *m = ombud_caseload_add_municipality (t->coord->replica->caseload, "2361", "Härjedalen",
                                                          10000, &error);
    g_assert_no_error (error);
  }
  sync_ok (t->coord);
  sync_ok (t->a1);
  sync_ok (t->b1);
  sync_ok (t->coord);
  g_assert_cmpint (test_laptop_count (t->b1, "SELECT count(*) FROM municipality WHERE name = 'Härjedalen'"), ==, 1);
  test_laptops_assert_same (t->coord, t->a1, "%s", "SELECT id, code, name FROM municipality ORDER BY id");
  test_laptops_assert_same (t->coord, t->b1, "%s", "SELECT id, code, name FROM municipality ORDER BY id");
  test_laptops_assert_same (t->coord, t->a1, "%s",
                            "SELECT id, municipality_id, gender, birth_year, assigned_ombud FROM client_case ORDER BY id");
  test_laptops_assert_same (t->a1, t->coord, "%s", "SELECT id, case_id FROM note ORDER BY id");
  g_assert_cmpint (test_laptop_count (t->a1, "SELECT count(*) FROM sync_held"), ==, 0);
  g_assert_cmpint (test_laptop_count (t->b1, "SELECT count(*) FROM sync_held"), ==, 0);
  sodium_memzero (old_key, sizeof old_key);
  sodium_memzero (new_key, sizeof new_key);
}

/* A server of the test's own on 127.0.0.1 that answers every request with
 * the same status and body, or with the request's own bytes. */
typedef struct {
  struct MHD_Daemon *daemon;
  char              *url;
  GMutex             lock;
  guint              status;
  GBytes            *answer;    /* NULL: send the request back */
  guint              requests;
} FakeOffice;

static enum MHD_Result
fake_handle (void                  *cls,
             struct MHD_Connection *c,
             const char            *url G_GNUC_UNUSED,
             const char            *method G_GNUC_UNUSED,
             const char            *version G_GNUC_UNUSED,
             const char            *upload_data,
             size_t                *upload_data_size,
             void                 **con_cls)
{
  FakeOffice *self = cls;
  GByteArray *body = *con_cls;
  g_autoptr(GBytes) answer = NULL;
  struct MHD_Response *response;
  enum MHD_Result ret;
  guint status;

  if (body == NULL)
    {
      *con_cls = g_byte_array_new ();
      return MHD_YES;
    }
  if (*upload_data_size > 0)
    {
      g_byte_array_append (body, (const guint8 *) upload_data, *upload_data_size);
      *upload_data_size = 0;
      return MHD_YES;
    }
  g_mutex_lock (&self->lock);
  status = self->status;
  answer = self->answer ? g_bytes_ref (self->answer) : g_bytes_new (body->data, body->len);
  self->requests++;
  g_mutex_unlock (&self->lock);
  response = MHD_create_response_from_buffer (g_bytes_get_size (answer), (void *) g_bytes_get_data (answer, NULL),
                                              MHD_RESPMEM_MUST_COPY);
  ret = MHD_queue_response (c, status, response);
  MHD_destroy_response (response);
  return ret;
}

static void
fake_completed (void                            *cls G_GNUC_UNUSED,
                struct MHD_Connection           *c G_GNUC_UNUSED,
                void                           **con_cls,
                enum MHD_RequestTerminationCode  toe G_GNUC_UNUSED)
{
  if (*con_cls != NULL)
    g_byte_array_unref (*con_cls);
  *con_cls = NULL;
}

static FakeOffice *
fake_office_new (void)
{
  FakeOffice *self = g_new0 (FakeOffice, 1);
  struct sockaddr_in addr = { .sin_family = AF_INET };

  g_mutex_init (&self->lock);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  self->daemon = MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, fake_handle, self,
                                   MHD_OPTION_SOCK_ADDR, &addr,
                                   MHD_OPTION_NOTIFY_COMPLETED, fake_completed, NULL,
                                   MHD_OPTION_END);
  g_assert_nonnull (self->daemon);
  self->url = g_strdup_printf ("http://127.0.0.1:%u",
                               MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_BIND_PORT)->port);
  return self;
}

static void
fake_office_answer (FakeOffice *self,
                    guint       status,
                    GBytes     *answer)
{
  g_mutex_lock (&self->lock);
  self->status = status;
  g_clear_pointer (&self->answer, g_bytes_unref);
  self->answer = answer ? g_bytes_ref (answer) : NULL;
  g_mutex_unlock (&self->lock);
}

static void
fake_office_free (FakeOffice *self)
{
  MHD_stop_daemon (self->daemon);
  g_clear_pointer (&self->answer, g_bytes_unref);
  g_mutex_clear (&self->lock);
  g_free (self->url);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeOffice, fake_office_free)

static void
point_at (TestLaptop *laptop,
          const char *url)
{
  g_autoptr(OmbudSyncConfig) config = config_of (laptop);
  g_autoptr(GError) error = NULL;

  g_free (config->url);
  config->url = g_strdup (url);
  g_assert_true (ombud_sync_config_save (laptop->replica->store, config, &error));
  g_assert_no_error (error);
}

/* A "revoked" answer, the way the office seals one, but under key. */
static GBytes *
revoked_answer (TestLaptop   *laptop,
                const guint8  key[OMBUD_SESSION_KEY_SIZE])
{
  g_autoptr(OmbudSyncConfig) config = config_of (laptop);
  g_autoptr(OmbudSyncResponse) resp = ombud_sync_response_new ();
  g_autoptr(GBytes) body = NULL;
  OmbudEnvelopeHeader h = { .kind = OMBUD_ENVELOPE_RESPONSE, .time_ms = g_get_real_time () / 1000 };

  resp->state = OMBUD_SYNC_STATE_REVOKED;
  body = ombud_sync_response_encode (resp);
  memcpy (h.org_id, config->org_id, 16);
  h.device_id = test_laptop_device_id (laptop);
  randombytes_buf (h.request_id, sizeof h.request_id);
  return ombud_envelope_seal (&h, body, key);
}

static void
test_forged_revocation (void)
{
  g_autoptr(TestOffice) office = test_office_new (NULL, NULL);
  g_autoptr(TestLaptop) laptop = test_laptop_new (office, NULL, "Cecilia Samordnare", TRUE);
  g_autoptr(FakeOffice) fake = fake_office_new ();
  g_autoptr(OmbudSecret) random_key = ombud_secret_new_random (OMBUD_SESSION_KEY_SIZE);
  g_autoptr(OmbudSecret) rx = NULL;
  g_autoptr(OmbudSecret) tx = NULL;
  g_autoptr(GBytes) noise = NULL;
  g_autoptr(GBytes) forged_random = NULL;
  g_autoptr(GBytes) forged_own_key = NULL;
  g_autofree char *municipality = NULL;
  g_autoptr(GError) error = NULL;
  guint8 bytes[64];
  struct {
    guint   status;
    GBytes *answer;
  } forgeries[5];

  sync_ok (laptop);
  municipality = ombud_caseload_add_municipality (laptop->replica->caseload, "2321", "Åre", 11000, &error);
  g_assert_no_error (error);
  session_keys (laptop, &rx, &tx);
  randombytes_buf (bytes, sizeof bytes);
  noise = g_bytes_new (bytes, sizeof bytes);
  forged_random = revoked_answer (laptop, ombud_secret_get_data (random_key));
  /* Sealed with the laptop's own sending key: what a forger who had that
   * key, or one who sends the laptop's request back, could make. */
  forged_own_key = revoked_answer (laptop, ombud_secret_get_data (tx));
  forgeries[0].status = 403, forgeries[0].answer = noise;
  forgeries[1].status = 403, forgeries[1].answer = forged_random;
  forgeries[2].status = 403, forgeries[2].answer = forged_own_key;
  forgeries[3].status = 403, forgeries[3].answer = NULL;  /* the request, sent back */
  forgeries[4].status = 200, forgeries[4].answer = forged_random;

  point_at (laptop, fake->url);
  for (guint i = 0; i < G_N_ELEMENTS (forgeries); i++)
    {
      fake_office_answer (fake, forgeries[i].status, forgeries[i].answer);
      g_assert_false (test_laptop_try_sync (laptop, &error));
      g_assert_nonnull (error);
      if (g_error_matches (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REVOKED))
        g_error ("forgery %u (HTTP %u) was taken for a revocation: %s", i, forgeries[i].status, error->message);
      g_clear_error (&error);
      assert_profile_files (laptop, TRUE);
      g_assert_cmpint (test_laptop_count (laptop, "SELECT count(*) FROM municipality WHERE name = 'Åre'"), ==, 1);
    }
  g_assert_cmpuint (fake->requests, ==, G_N_ELEMENTS (forgeries));

  /* Back at the real office, the laptop syncs as before. */
  point_at (laptop, office->url);
  sync_ok (laptop);
  g_assert_cmpint (test_laptop_count (laptop, "SELECT count(*) FROM outbox WHERE hold IS NULL"), ==, 0);
}

/* ---- 10. nothing in clear at the office ---- */

static const char *const markers[] = {
  "Zebulon-Klientnamn-7Q3",      /* client tier: a client's name */
  "Ximena-Kontakt-4W8",          /* client tier: a client's contact */
  "Quirinus-Anteckning-9K2",     /* client tier: a note */
  "Vrakholm-Kommun-5J1",         /* office tier: a municipality's name */
  "Yxbrist-Beskrivning-2T6",     /* office tier: a deficiency's description */
};

static void
assert_no_marker_in (const char *dir)
{
  for (guint i = 0; i < G_N_ELEMENTS (markers); i++)
    {
      g_autoptr(GPtrArray) found = test_files_containing (dir, markers[i]);

      if (found->len > 0)
        g_error ("“%s” is readable in %s", markers[i], (char *) found->pdata[0]);
    }
}

static gboolean
dir_has_file_ending (const char *dir,
                     const char *suffix)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, suffix))
      return TRUE;
  return FALSE;
}

static void
test_nothing_in_clear (void)
{
  g_autoptr(Team) t = team_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *municipality = NULL;
  g_autofree char *deficiency = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *control = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(GBytes) control_bytes = NULL;
  g_autoptr(GPtrArray) found = NULL;
  TestLaptop *all[] = { t->coord, t->a1, t->a2, t->b1 };

  municipality = ombud_caseload_add_municipality (t->coord->replica->caseload, "2313", markers[3], 5000, &error);
  g_assert_no_error (error);
  case_id = add_case (t->a1, markers[0]);
  g_assert_true (ombud_caseload_set_field (t->a1->replica->caseload, "client_case", case_id, "client_contact",
                                           g_variant_new_string (markers[1]), &error));
  g_assert_no_error (error);
  add_note (t->a1, case_id, markers[2]);
  deficiency = ombud_caseload_add_deficiency (t->a1->replica->caseload, "local", "forsakringskassan",
                                              markers[4], "Östersund", &error);
  g_assert_no_error (error);
  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < G_N_ELEMENTS (all); i++)
      sync_ok (all[i]);

  /* Everything went through the office: each marker reached the laptops it is for. */
  sql = g_strdup_printf ("SELECT count(*) FROM client_case WHERE client_name = '%s' AND client_contact = '%s'",
                         markers[0], markers[1]);
  g_assert_cmpint (test_laptop_count (t->a2, sql), ==, 1);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT count(*) FROM note WHERE body = '%s'", markers[2]);
  g_assert_cmpint (test_laptop_count (t->a2, sql), ==, 1);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT count(*) FROM municipality WHERE name = '%s'", markers[3]);
  g_assert_cmpint (test_laptop_count (t->b1, sql), ==, 1);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT count(*) FROM deficiency WHERE description = '%s'", markers[4]);
  g_assert_cmpint (test_laptop_count (t->coord, sql), ==, 1);

  /* While the office runs, with its write-ahead log, and once it stopped. */
  g_assert_true (dir_has_file_ending (t->office->dir, "-wal"));
  assert_no_marker_in (t->office->dir);
  test_office_stop (t->office);
  assert_no_marker_in (t->office->dir);

  /* The control: the same scan finds a marker put there in clear. */
  control = g_build_filename (t->office->dir, "control.txt", NULL);
  control_bytes = g_bytes_new_static (markers[4], strlen (markers[4]));
  test_write_file (control, control_bytes);
  found = test_files_containing (t->office->dir, markers[4]);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (found->pdata[0], ==, control);
  g_assert_true (test_file_contains (control, markers[4]));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_add_func ("/sync/security/unknown-device", test_unknown_device);
  g_test_add_func ("/sync/security/not-authentic", test_not_authentic);
  g_test_add_func ("/sync/security/replayed", test_replayed);
  g_test_add_func ("/sync/security/pending-push", test_pending_push);
  g_test_add_func ("/sync/security/foreign-changeset", test_foreign_changeset);
  g_test_add_func ("/sync/security/other-ombuds-case", test_other_ombuds_case);
  g_test_add_func ("/sync/security/ombud-certifies", test_ombud_certifies);
  g_test_add_func ("/sync/security/malformed", test_malformed);
  g_test_add_func ("/sync/security/forged-revocation", test_forged_revocation);
  g_test_add_func ("/sync/security/nothing-in-clear", test_nothing_in_clear);
  /* Last: a failure in the wipe aborts the program, and should hide no
   * other test. */
  g_test_add_func ("/sync/security/revoked", test_revoked);
  status = g_test_run ();
  g_clear_pointer (&shared_team, team_free);
  return status;
}
