/* test-protocol.c: the sync envelope, messages and device certificates
 * against damage, truncation and forgery (PROTOCOL.md §4–§6)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sodium.h>
#include <string.h>
#include <zstd.h>

#include "ombud-cert.h"
#include "ombud-envelope.h"
#include "ombud-escrow.h"
#include "ombud-identity.h"
#include "ombud-sync-message.h"
#include "test-util.h"

static OmbudEnvelopeHeader
some_header (void)
{
  OmbudEnvelopeHeader h = { .kind = OMBUD_ENVELOPE_REQUEST, .device_id = 0x1234567890abcdefULL & G_MAXINT64,
                            .time_ms = 1764547200000 };

  randombytes_buf (h.org_id, sizeof h.org_id);
  randombytes_buf (h.request_id, sizeof h.request_id);
  return h;
}

static void
test_envelope_round_trip (void)
{
  OmbudEnvelopeHeader h = some_header (), got;
  guint8 key[32];
  g_autoptr(GBytes) body = g_bytes_new_static ("en hemlig rad", 13);
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GBytes) opened = NULL;
  g_autoptr(GError) error = NULL;

  randombytes_buf (key, sizeof key);
  sealed = ombud_envelope_seal (&h, body, key);
  g_assert_null (memmem (g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed), "hemlig", 6));
  opened = ombud_envelope_open (sealed, key, &got, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (opened, body));
  g_assert_cmpuint (got.device_id, ==, h.device_id);
  g_assert_cmpint (got.time_ms, ==, h.time_ms);
  g_assert_cmpmem (got.request_id, 16, h.request_id, 16);
  g_assert_cmpmem (got.org_id, 16, h.org_id, 16);
}

/* Every bit of the header and of the sealed body is bound: a flip anywhere
 * is refused, and a cut at any length too. */
static void
test_envelope_tamper_and_truncate (void)
{
  OmbudEnvelopeHeader h = some_header (), got;
  guint8 key[32];
  g_autoptr(GBytes) body = g_bytes_new_static ("kontakt med Försäkringskassan", 30);
  g_autoptr(GBytes) sealed = NULL;
  gsize len;
  const guint8 *data;

  randombytes_buf (key, sizeof key);
  sealed = ombud_envelope_seal (&h, body, key);
  data = g_bytes_get_data (sealed, &len);
  for (gsize i = 0; i < len * 8; i++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, len);
      g_autoptr(GBytes) bad = NULL;
      g_autoptr(GBytes) opened = NULL;
      g_autoptr(GError) error = NULL;

      copy[i / 8] ^= 1 << (i % 8);
      bad = g_bytes_new (copy, len);
      opened = ombud_envelope_open (bad, key, &got, &error);
      g_assert_null (opened);
      g_assert_true (error->domain == OMBUD_ENVELOPE_ERROR);
    }
  for (gsize cut = 0; cut < len; cut++)
    {
      g_autoptr(GBytes) bad = g_bytes_new (data, cut);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) opened = ombud_envelope_open (bad, key, &got, &error);

      g_assert_null (opened);
      g_assert_nonnull (error);
    }
}

static void
test_envelope_wrong_key (void)
{
  OmbudEnvelopeHeader h = some_header (), got;
  guint8 key[32], other[32];
  g_autoptr(GBytes) body = g_bytes_new_static ("x", 1);
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GBytes) opened = NULL;
  g_autoptr(GError) error = NULL;

  randombytes_buf (key, sizeof key);
  memcpy (other, key, sizeof key);
  other[31] ^= 0x80;
  sealed = ombud_envelope_seal (&h, body, key);
  opened = ombud_envelope_open (sealed, other, &got, &error);
  g_assert_null (opened);
  g_assert_error (error, OMBUD_ENVELOPE_ERROR, OMBUD_ENVELOPE_ERROR_NOT_AUTHENTIC);
}

/* The two directions have different keys: a request cannot be reflected
 * back to the device as the office's answer. */
static void
test_envelope_session_keys (void)
{
  g_autoptr(OmbudIdentity) device = ombud_identity_generate ();
  g_autoptr(OmbudSecret) rx = NULL;
  g_autoptr(OmbudSecret) tx = NULL;
  guint8 office_pk[32], office_sk[32], office_rx[32], office_tx[32];

  crypto_box_keypair (office_pk, office_sk);
  g_assert_true (ombud_identity_session_keys (device, office_pk, &rx, &tx));
  g_assert_true (ombud_envelope_office_keys (office_pk, office_sk, ombud_identity_get_box_pk (device),
                                             office_rx, office_tx));
  g_assert_cmpmem (ombud_secret_get_data (tx), 32, office_rx, 32);
  g_assert_cmpmem (ombud_secret_get_data (rx), 32, office_tx, 32);
  g_assert_true (memcmp (office_rx, office_tx, 32) != 0);
}

/* A body that would expand past the bound is refused before allocating,
 * and so is a frame that does not declare its size. */
static void
test_envelope_bombs (void)
{
  OmbudEnvelopeHeader h = some_header (), got;
  guint8 key[32];
  gsize big = OMBUD_ENVELOPE_MAX_BODY + 1;
  g_autofree guint8 *zeros = g_malloc0 (big);
  g_autoptr(GBytes) body = g_bytes_new_static (zeros, big);
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GBytes) opened = NULL;
  g_autoptr(GError) error = NULL;

  randombytes_buf (key, sizeof key);
  sealed = ombud_envelope_seal (&h, body, key);
  g_assert_cmpuint (g_bytes_get_size (sealed), <, 64 * 1024);
  opened = ombud_envelope_open (sealed, key, &got, &error);
  g_assert_null (opened);
  g_assert_error (error, OMBUD_ENVELOPE_ERROR, OMBUD_ENVELOPE_ERROR_TOO_LARGE);
}

static void
test_messages_round_trip (void)
{
  g_autoptr(OmbudSyncRequest) req = ombud_sync_request_new ();
  g_autoptr(OmbudSyncRequest) back = NULL;
  g_autoptr(OmbudSyncResponse) resp = ombud_sync_response_new ();
  g_autoptr(OmbudSyncResponse) rback = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  OmbudSyncDevice *d = ombud_sync_device_new ();
  guint8 id[16] = { 1, 2, 3 };

  req->cursor = 42;
  req->directory = 7;
  req->budget = 65536;
  g_ptr_array_add (req->changesets, g_bytes_new_static ("abc", 3));
  ombud_sync_request_add_route (req, id, "0f8fad5b-d9cb-469f-a165-70867728950e");
  bytes = ombud_sync_request_encode (req);
  back = ombud_sync_request_decode (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->cursor, ==, 42);
  g_assert_cmpint (back->directory, ==, 7);
  g_assert_cmpuint (back->budget, ==, 65536);
  g_assert_cmpuint (back->changesets->len, ==, 1);
  g_assert_cmpuint (back->routes->len, ==, 1);
  g_assert_cmpstr (((OmbudSyncRoute *) back->routes->pdata[0])->ombud_id, ==, "0f8fad5b-d9cb-469f-a165-70867728950e");

  resp->state = OMBUD_SYNC_STATE_CONFIRMED;
  resp->cursor = 99;
  resp->more = TRUE;
  d->device_id = 5;
  d->person = g_strdup ("Anna Ombud");
  g_ptr_array_add (resp->devices, d);
  g_ptr_array_add (resp->accepted, g_bytes_new (id, 16));
  ombud_sync_response_add_rejection (resp, id, OMBUD_SYNC_REJECT_FUTURE, "ahead");
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = ombud_sync_response_encode (resp);
  rback = ombud_sync_response_decode (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rback->cursor, ==, 99);
  g_assert_true (rback->more);
  g_assert_cmpuint (rback->devices->len, ==, 1);
  g_assert_cmpstr (((OmbudSyncDevice *) rback->devices->pdata[0])->person, ==, "Anna Ombud");
  g_assert_cmpuint (rback->rejected->len, ==, 1);
}

/* Random and damaged bytes never decode and never crash. */
static void
test_messages_garbage (void)
{
  g_autoptr(OmbudSyncRequest) req = ombud_sync_request_new ();
  g_autoptr(GBytes) good = NULL;
  gsize len;
  const guint8 *data;

  g_ptr_array_add (req->changesets, g_bytes_new_static ("abc", 3));
  good = ombud_sync_request_encode (req);
  data = g_bytes_get_data (good, &len);
  for (guint round = 0; round < 2000; round++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, len);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      gsize cut = round < len ? round : len;
      OmbudSyncRequest *r;
      OmbudSyncResponse *s;
      OmbudEnrolRequest *e;

      if (round >= len)
        copy[g_random_int_range (0, (gint32) len)] = (guint8) g_random_int ();
      bytes = g_bytes_new (copy, cut);
      r = ombud_sync_request_decode (bytes, &error);
      if (r == NULL)
        g_assert_error (error, OMBUD_SYNC_MESSAGE_ERROR, OMBUD_SYNC_MESSAGE_ERROR_MALFORMED);
      g_clear_error (&error);
      s = ombud_sync_response_decode (bytes, NULL);
      e = ombud_enrol_request_decode (bytes, NULL);
      ombud_sync_request_free (r);
      ombud_sync_response_free (s);
      ombud_enrol_request_free (e);
    }
}

/* A key of the wrong size in an otherwise well-formed message. */
static void
test_messages_short_key (void)
{
  guint8 short_key[31] = { 0 };
  g_autoptr(GVariant) v = g_variant_ref_sink (g_variant_new ("(s@ay@ays)", "CODE",
    g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, short_key, sizeof short_key, 1),
    g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, short_key, sizeof short_key, 1), "laptop"));
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (v);
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudEnrolRequest) req = ombud_enrol_request_decode (bytes, &error);

  g_assert_null (req);
  g_assert_error (error, OMBUD_SYNC_MESSAGE_ERROR, OMBUD_SYNC_MESSAGE_ERROR_MALFORMED);
}

static void
test_cert (void)
{
  g_autoptr(OmbudIdentity) coordinator = ombud_identity_generate ();
  g_autoptr(OmbudIdentity) other = ombud_identity_generate ();
  g_autoptr(OmbudIdentity) device = ombud_identity_generate ();
  OmbudCert cert = { .role = OMBUD_DEVICE_ROLE_OMBUD }, got;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data;

  memcpy (cert.sign_pk, ombud_identity_get_sign_pk (device), 32);
  memcpy (cert.box_pk, ombud_identity_get_box_pk (device), 32);
  memset (cert.ombud_id, 0x5a, 16);
  bytes = ombud_cert_make (&cert, coordinator);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, OMBUD_CERT_SIZE);
  g_assert_true (ombud_cert_verify (bytes, ombud_identity_get_sign_pk (coordinator), &got, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (got.subject, ==, ombud_identity_get_device_id (device));
  g_assert_cmpuint (got.certifier, ==, ombud_identity_get_device_id (coordinator));
  g_assert_cmpint (got.role, ==, OMBUD_DEVICE_ROLE_OMBUD);

  /* Another device's key does not verify it. */
  g_assert_false (ombud_cert_verify (bytes, ombud_identity_get_sign_pk (other), &got, &error));
  g_assert_error (error, OMBUD_CERT_ERROR, OMBUD_CERT_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);

  /* Every byte is bound. */
  data = g_bytes_get_data (bytes, NULL);
  for (gsize i = 0; i < OMBUD_CERT_SIZE; i++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, OMBUD_CERT_SIZE);
      g_autoptr(GBytes) bad = NULL;

      copy[i] ^= 0x01;
      bad = g_bytes_new (copy, OMBUD_CERT_SIZE);
      g_assert_false (ombud_cert_verify (bad, ombud_identity_get_sign_pk (coordinator), &got, NULL));
    }
  for (gsize cut = 0; cut < OMBUD_CERT_SIZE; cut++)
    {
      g_autoptr(GBytes) bad = g_bytes_new (data, cut);
      g_assert_false (ombud_cert_parse (bad, &got, NULL));
    }
}

/* PROTOCOL.md §6.8 version 2 and §10.3's v2 anchor: the founder endorses
 * the recovery key in the anchor, and a certificate by the recovery key
 * verifies under the founder's key only with that endorsement and that
 * key's signature, every byte bound. */
static void
test_recovery_cert (void)
{
  g_autoptr(OmbudIdentity) founder = ombud_identity_generate ();
  g_autoptr(OmbudIdentity) other = ombud_identity_generate ();
  g_autoptr(OmbudIdentity) heir = ombud_identity_generate ();
  g_autoptr(OmbudSecret) r = ombud_secret_new_random (OMBUD_RECOVERY_KEY_BYTES);
  g_autoptr(OmbudSecret) r2 = ombud_secret_new_random (OMBUD_RECOVERY_KEY_BYTES);
  g_autoptr(OmbudRecoveryKeys) keys = ombud_recovery_keys_derive (r);
  g_autoptr(OmbudRecoveryKeys) keys2 = ombud_recovery_keys_derive (r2);
  g_autoptr(GBytes) anchor = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  OmbudEscrowAnchor parsed;
  OmbudCert cert = { .role = OMBUD_DEVICE_ROLE_COORDINATOR }, got;
  guint8 org_id[16], other_org[16];
  const guint8 *data;
  gsize len;

  randombytes_buf (org_id, sizeof org_id);
  memcpy (other_org, org_id, 16);
  other_org[0] ^= 1;
  anchor = ombud_escrow_anchor_make (org_id, keys, founder);
  g_assert_cmpuint (g_bytes_get_size (anchor), ==, OMBUD_ESCROW_ANCHOR_V2_SIZE);
  g_assert_true (ombud_escrow_anchor_parse (anchor, org_id, &parsed, &error));
  g_assert_no_error (error);
  g_assert_true (parsed.has_founder);
  g_assert_cmpmem (parsed.sign_pk, 32, keys->sign_pk, 32);
  g_assert_cmpmem (parsed.founder_sign_pk, 32, ombud_identity_get_sign_pk (founder), 32);
  g_assert_false (ombud_escrow_anchor_parse (anchor, other_org, &parsed, NULL));
  data = g_bytes_get_data (anchor, &len);
  for (gsize i = 0; i < len; i++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, len);
      g_autoptr(GBytes) bad = NULL;

      copy[i] ^= 0x01;
      bad = g_bytes_new (copy, len);
      g_assert_false (ombud_escrow_anchor_parse (bad, org_id, &parsed, NULL));
    }
  g_assert_true (ombud_escrow_anchor_parse (anchor, org_id, &parsed, NULL));

  memcpy (cert.sign_pk, ombud_identity_get_sign_pk (heir), 32);
  memcpy (cert.box_pk, ombud_identity_get_box_pk (heir), 32);
  memset (cert.ombud_id, 0x5a, 16);
  bytes = ombud_cert_make_recovery (&cert, ombud_identity_get_device_id (founder), org_id, keys->sign_pk,
                                    parsed.endorsement, keys->sign_sk);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, OMBUD_CERT_RECOVERY_SIZE);
  g_assert_true (ombud_cert_verify (bytes, ombud_identity_get_sign_pk (founder), &got, &error));
  g_assert_no_error (error);
  g_assert_true (got.by_recovery_key);
  g_assert_cmpuint (got.subject, ==, ombud_identity_get_device_id (heir));
  g_assert_cmpuint (got.certifier, ==, ombud_identity_get_device_id (founder));
  g_assert_cmpint (got.role, ==, OMBUD_DEVICE_ROLE_COORDINATOR);
  /* Not under another device's key. */
  g_assert_false (ombud_cert_verify (bytes, ombud_identity_get_sign_pk (other), &got, &error));
  g_assert_error (error, OMBUD_CERT_ERROR, OMBUD_CERT_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);
  data = g_bytes_get_data (bytes, NULL);
  for (gsize i = 0; i < OMBUD_CERT_RECOVERY_SIZE; i++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, OMBUD_CERT_RECOVERY_SIZE);
      g_autoptr(GBytes) bad = NULL;

      copy[i] ^= 0x01;
      bad = g_bytes_new (copy, OMBUD_CERT_RECOVERY_SIZE);
      g_assert_false (ombud_cert_verify (bad, ombud_identity_get_sign_pk (founder), &got, NULL));
    }
  g_clear_pointer (&bytes, g_bytes_unref);
  /* The founder's endorsement with another key's signature. */
  bytes = ombud_cert_make_recovery (&cert, ombud_identity_get_device_id (founder), org_id, keys->sign_pk,
                                    parsed.endorsement, keys2->sign_sk);
  g_assert_false (ombud_cert_verify (bytes, ombud_identity_get_sign_pk (founder), &got, NULL));
  g_clear_pointer (&bytes, g_bytes_unref);
  /* Another key, with the endorsement of r's. */
  bytes = ombud_cert_make_recovery (&cert, ombud_identity_get_device_id (founder), org_id, keys2->sign_pk,
                                    parsed.endorsement, keys2->sign_sk);
  g_assert_false (ombud_cert_verify (bytes, ombud_identity_get_sign_pk (founder), &got, NULL));
  g_clear_pointer (&bytes, g_bytes_unref);
  /* The recovery key certifies coordinators only. */
  cert.role = OMBUD_DEVICE_ROLE_OMBUD;
  bytes = ombud_cert_make_recovery (&cert, ombud_identity_get_device_id (founder), org_id, keys->sign_pk,
                                    parsed.endorsement, keys->sign_sk);
  g_assert_false (ombud_cert_parse (bytes, &got, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_add_func ("/protocol/envelope/round-trip", test_envelope_round_trip);
  g_test_add_func ("/protocol/envelope/tamper-and-truncate", test_envelope_tamper_and_truncate);
  g_test_add_func ("/protocol/envelope/wrong-key", test_envelope_wrong_key);
  g_test_add_func ("/protocol/envelope/session-keys", test_envelope_session_keys);
  g_test_add_func ("/protocol/envelope/bombs", test_envelope_bombs);
  g_test_add_func ("/protocol/messages/round-trip", test_messages_round_trip);
  g_test_add_func ("/protocol/messages/garbage", test_messages_garbage);
  g_test_add_func ("/protocol/messages/short-key", test_messages_short_key);
  g_test_add_func ("/protocol/cert", test_cert);
  g_test_add_func ("/protocol/recovery-cert", test_recovery_cert);
  return g_test_run ();
}
