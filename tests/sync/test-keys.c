/* test-keys.c: device identities and key grants (sync/PROTOCOL.md §1–2)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sodium.h>
#include <string.h>

#include "sync-fixture.h"
#include "ombud-vfs.h"

#define ALPHABET "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

static const guint8 office_subject[16];

/* Identities */

static void
test_identity_persists (void)
{
  g_autoptr(TestReplica) r = test_replica_new (1700000000000);
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudIdentity) first = ombud_identity_load_or_create (r->store, &error);
  g_autoptr(OmbudIdentity) again = NULL;
  g_autofree char *fp1 = NULL, *fp2 = NULL;

  g_assert_no_error (error);
  fp1 = ombud_identity_get_fingerprint (first);
  g_clear_object (&r->caseload);
  ombud_store_lock (r->store);
  g_assert_null (ombud_identity_load_or_create (r->store, &error));
  g_assert_error (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_LOCKED);
  g_clear_error (&error);

  g_assert_true (ombud_store_unlock (r->store, "lösenfras", &error));
  g_assert_no_error (error);
  again = ombud_identity_load_or_create (r->store, &error);
  g_assert_no_error (error);
  fp2 = ombud_identity_get_fingerprint (again);
  g_assert_cmpuint (ombud_identity_get_device_id (first), ==, ombud_identity_get_device_id (again));
  g_assert_cmpstr (fp1, ==, fp2);
  g_assert_cmpmem (ombud_identity_get_sign_pk (first), 32, ombud_identity_get_sign_pk (again), 32);
  g_assert_cmpmem (ombud_identity_get_box_pk (first), 32, ombud_identity_get_box_pk (again), 32);
}

static void
test_identity_profiles_differ (void)
{
  g_autoptr(Party) a = party_new (1700000000000);
  g_autoptr(Party) b = party_new (1700000000000);
  g_autofree char *fa = ombud_identity_get_fingerprint (a->id);
  g_autofree char *fb = ombud_identity_get_fingerprint (b->id);

  g_assert_cmpuint (ombud_identity_get_device_id (a->id), !=, ombud_identity_get_device_id (b->id));
  g_assert_cmpstr (fa, !=, fb);
}

/* The fingerprint, computed here another way: a 160-bit big-endian number
 * read 5 bits at a time from the top, through a bit accumulator. */
static char *
reference_fingerprint (const guint8 *sign_pk,
                       const guint8 *box_pk)
{
  guint8 msg[11 + 64], fp[20];
  GString *out = g_string_new (NULL);
  guint32 acc = 0;
  guint bits = 0, n = 0;

  memcpy (msg, "ombud-fp-v1", 11);
  memcpy (msg + 11, sign_pk, 32);
  memcpy (msg + 43, box_pk, 32);
  crypto_generichash (fp, 20, msg, sizeof msg, NULL, 0);
  for (guint i = 0; i < 20; i++)
    {
      acc = (acc << 8) | fp[i];
      bits += 8;
      while (bits >= 5)
        {
          if (n > 0 && n % 4 == 0)
            g_string_append_c (out, ' ');
          g_string_append_c (out, ALPHABET[(acc >> (bits - 5)) & 31]);
          bits -= 5;
          n++;
        }
    }
  g_assert_cmpuint (bits, ==, 0);
  return g_string_free (out, FALSE);
}

static void
test_identity_fingerprint_format (void)
{
  for (guint round = 0; round < 50; round++)
    {
      g_autoptr(OmbudIdentity) id = ombud_identity_generate ();
      g_autofree char *fp = ombud_identity_get_fingerprint (id);
      g_autofree char *ref = reference_fingerprint (ombud_identity_get_sign_pk (id),
                                                    ombud_identity_get_box_pk (id));

      g_assert_true (g_regex_match_simple ("^([2-9A-HJ-NP-Z]{4} ){7}[2-9A-HJ-NP-Z]{4}$", fp, 0, 0));
      g_assert_cmpuint (strlen (fp), ==, OMBUD_FINGERPRINT_LEN);
      g_assert_cmpstr (fp, ==, ref);
    }
}

static void
test_identity_device_id (void)
{
  guint8 pk[32], hash[32];

  for (guint i = 0; i < 32; i++)
    pk[i] = (guint8) i;
  crypto_generichash (hash, 32, pk, 32, NULL, 0);
  /* little-endian u64 of the first 8 bytes, top bit cleared */
  hash[7] &= 0x7f;
  {
    guint64 le;

    memcpy (&le, hash, 8);
    g_assert_cmpuint (ombud_device_id_from_sign_pk (pk), ==, GUINT64_FROM_LE (le));
  }

  for (guint round = 0; round < 50; round++)
    {
      g_autoptr(OmbudIdentity) id = ombud_identity_generate ();

      g_assert_cmpuint (ombud_identity_get_device_id (id), ==,
                        ombud_device_id_from_sign_pk (ombud_identity_get_sign_pk (id)));
      g_assert_cmpuint (ombud_identity_get_device_id (id), <=, G_MAXINT64);
      g_assert_cmpuint (ombud_identity_get_device_id (id), !=, 0);
    }
}

static void
test_identity_corrupted (void)
{
  g_autoptr(TestReplica) r = test_replica_new (1700000000000);
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudIdentity) id = ombud_identity_load_or_create (r->store, &error);
  g_autoptr(OmbudIdentity) bad = NULL;

  g_assert_no_error (error);
  /* A box public key that is not the secret key's: refused, not used. */
  g_assert_true (ombud_vfs_exec (ombud_store_get_db (r->store),
                                 "UPDATE device_identity SET box_pk = zeroblob(32)", &error));
  bad = ombud_identity_load_or_create (r->store, &error);
  g_assert_null (bad);
  g_assert_error (error, OMBUD_IDENTITY_ERROR, OMBUD_IDENTITY_ERROR_CORRUPTED);
}

static void
test_known_device_keys_fixed (void)
{
  g_autoptr(Party) a = party_new (1700000000000);
  g_autoptr(Party) b = party_new (1700000000000);
  g_autoptr(OmbudKnownDevice) known = NULL;
  g_autoptr(GError) error = NULL;
  guint8 other_box[32];

  party_know (a, b, OMBUD_DEVICE_ROLE_OMBUD, FALSE, NULL);
  party_know (a, b, OMBUD_DEVICE_ROLE_OMBUD, TRUE, "ombud-1");  /* confirmed later */
  known = ombud_known_device_lookup (a->replica->store, ombud_identity_get_device_id (b->id), &error);
  g_assert_no_error (error);
  g_assert_true (known->trusted);
  g_assert_cmpstr (known->ombud_id, ==, "ombud-1");

  /* The same signing key with another box key is another device: refused. */
  randombytes_buf (other_box, sizeof other_box);
  g_assert_false (ombud_known_device_save (a->replica->store, ombud_identity_get_sign_pk (b->id), other_box,
                                           OMBUD_DEVICE_ROLE_COORDINATOR, TRUE, NULL, &error));
  g_assert_error (error, OMBUD_IDENTITY_ERROR, OMBUD_IDENTITY_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_null (ombud_known_device_lookup (a->replica->store, 12345, &error));
  g_assert_error (error, OMBUD_IDENTITY_ERROR, OMBUD_IDENTITY_ERROR_NOT_FOUND);
}

/* Grants */

static GBytes *
grant_for (Party        *from,
           Party        *to,
           OmbudKeyKind  kind,
           guint32       epoch,
           const guint8 *subject)
{
  g_autoptr(GError) error = NULL;
  GBytes *grant = ombud_keyring_make_grant (from->keys, kind, epoch, subject,
                                            ombud_identity_get_device_id (to->id),
                                            ombud_identity_get_box_pk (to->id), &error);

  g_assert_no_error (error);
  return grant;
}

static void
assert_same_key (Party        *a,
                 Party        *b,
                 OmbudKeyKind  kind,
                 guint32       epoch,
                 const guint8 *subject)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudSecret) ka = ombud_keyring_lookup (a->keys, kind, epoch, subject, &error);
  g_autoptr(OmbudSecret) kb = ombud_keyring_lookup (b->keys, kind, epoch, subject, &error);

  g_assert_no_error (error);
  g_assert_cmpmem (ombud_secret_get_data (ka), 32, ombud_secret_get_data (kb), 32);
}

static void
test_grant_layout (void)
{
  g_autoptr(Party) coord = party_new (1700000000000);
  g_autoptr(Party) b = party_new (1700000000000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) grant = NULL;
  const guint8 *g;
  gsize len;
  guint8 subject[16];

  g_assert_cmpuint (ombud_keyring_create_office_key (coord->keys, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpuint (ombud_keyring_create_office_key (coord->keys, &error), ==, 2);
  grant = grant_for (coord, b, OMBUD_KEY_OFFICE, 2, office_subject);
  g = g_bytes_get_data (grant, &len);

  /* version ‖ kind ‖ epoch ‖ subject ‖ recipient ‖ granter ‖ sealed(80) ‖ signature(64) */
  g_assert_cmpuint (len, ==, 1 + 1 + 4 + 16 + 8 + 8 + 80 + 64);
  g_assert_cmpuint (g[0], ==, 1);
  g_assert_cmpuint (g[1], ==, 1);
  g_assert_cmpmem (g + 2, 4, "\x02\0\0\0", 4);
  g_assert_true (sodium_is_zero (g + 6, 16));
  for (guint i = 0; i < 8; i++)
    {
      g_assert_cmpuint (g[22 + i], ==, (ombud_identity_get_device_id (b->id) >> (8 * i)) & 0xff);
      g_assert_cmpuint (g[30 + i], ==, (ombud_identity_get_device_id (coord->id) >> (8 * i)) & 0xff);
    }
  g_assert_cmpint (crypto_sign_verify_detached (g + 118, g, 118, ombud_identity_get_sign_pk (coord->id)), ==, 0);

  /* a case key: kind 2, epoch 0, the case's raw UUID */
  g_assert_true (ombud_keyring_create_case_key (coord->keys, "0f8fad5b-d9cb-469f-a165-70867728950e", &error));
  g_assert_true (ombud_uuid_parse ("0f8fad5b-d9cb-469f-a165-70867728950e", subject));
  g_assert_cmpmem (subject, 4, "\x0f\x8f\xad\x5b", 4);
  g_clear_pointer (&grant, g_bytes_unref);
  grant = grant_for (coord, b, OMBUD_KEY_CASE, 0, subject);
  g = g_bytes_get_data (grant, &len);
  g_assert_cmpuint (g[1], ==, 2);
  g_assert_cmpmem (g + 2, 4, "\0\0\0\0", 4);
  g_assert_cmpmem (g + 6, 16, subject, 16);
}

static void
test_grant_round_trip (void)
{
  g_autoptr(Party) coord = party_new (1700000000000);
  g_autoptr(Party) b = party_new (1700000000000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) grant = NULL;
  g_autoptr(OmbudSecret) missing = NULL;

  g_assert_cmpuint (ombud_keyring_get_office_epoch (b->keys, &error), ==, 0);
  g_assert_cmpuint (ombud_keyring_create_office_key (coord->keys, &error), ==, 1);
  party_know (b, coord, OMBUD_DEVICE_ROLE_COORDINATOR, TRUE, NULL);
  party_grant (coord, b, OMBUD_KEY_OFFICE, 1, office_subject);
  assert_same_key (coord, b, OMBUD_KEY_OFFICE, 1, office_subject);
  g_assert_cmpuint (ombud_keyring_get_office_epoch (b->keys, &error), ==, 1);

  /* Accepting the same grant again is harmless. */
  grant = grant_for (coord, b, OMBUD_KEY_OFFICE, 1, office_subject);
  g_assert_true (ombud_keyring_accept_grant (b->keys, grant, &error));
  g_assert_no_error (error);

  /* Rotation: epoch 2 arrives, epoch 1 stays. */
  g_assert_cmpuint (ombud_keyring_create_office_key (coord->keys, &error), ==, 2);
  party_grant (coord, b, OMBUD_KEY_OFFICE, 2, office_subject);
  assert_same_key (coord, b, OMBUD_KEY_OFFICE, 1, office_subject);
  assert_same_key (coord, b, OMBUD_KEY_OFFICE, 2, office_subject);
  g_assert_cmpuint (ombud_keyring_get_office_epoch (b->keys, &error), ==, 2);

  missing = ombud_keyring_lookup (b->keys, OMBUD_KEY_OFFICE, 3, office_subject, &error);
  g_assert_null (missing);
  g_assert_error (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_MISSING_KEY);
}

static void
expect_refused (Party  *to,
                GBytes *grant,
                int     code)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (ombud_keyring_accept_grant (to->keys, grant, &error));
  g_assert_error (error, OMBUD_KEYRING_ERROR, code);
}

static void
test_grant_refused (void)
{
  g_autoptr(Party) coord = party_new (1700000000000);
  g_autoptr(Party) stranger = party_new (1700000000000);
  g_autoptr(Party) ombud = party_new (1700000000000);
  g_autoptr(Party) b = party_new (1700000000000);
  g_autoptr(Party) c = party_new (1700000000000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) from_stranger = NULL, from_ombud = NULL, to_c = NULL, good = NULL;
  g_autoptr(OmbudSecret) none = NULL;

  g_assert_cmpuint (ombud_keyring_create_office_key (coord->keys, &error), ==, 1);
  g_assert_cmpuint (ombud_keyring_create_office_key (stranger->keys, &error), ==, 1);
  g_assert_cmpuint (ombud_keyring_create_office_key (ombud->keys, &error), ==, 1);
  party_know (b, coord, OMBUD_DEVICE_ROLE_COORDINATOR, TRUE, NULL);

  /* Not known at all, then known but not confirmed. */
  from_stranger = grant_for (stranger, b, OMBUD_KEY_OFFICE, 1, office_subject);
  expect_refused (b, from_stranger, OMBUD_KEYRING_ERROR_UNKNOWN_GRANTER);
  party_know (b, stranger, OMBUD_DEVICE_ROLE_COORDINATOR, FALSE, NULL);
  expect_refused (b, from_stranger, OMBUD_KEYRING_ERROR_NOT_TRUSTED);

  /* A confirmed ombud's device may not hand out the office key. */
  party_know (b, ombud, OMBUD_DEVICE_ROLE_OMBUD, TRUE, "ombud-1");
  from_ombud = grant_for (ombud, b, OMBUD_KEY_OFFICE, 1, office_subject);
  expect_refused (b, from_ombud, OMBUD_KEYRING_ERROR_NOT_TRUSTED);

  /* Someone else's grant. */
  to_c = grant_for (coord, c, OMBUD_KEY_OFFICE, 1, office_subject);
  expect_refused (b, to_c, OMBUD_KEYRING_ERROR_NOT_FOR_ME);

  none = ombud_keyring_lookup (b->keys, OMBUD_KEY_OFFICE, 1, office_subject, &error);
  g_assert_null (none);
  g_assert_error (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_MISSING_KEY);
  g_clear_error (&error);

  /* A good grant still works afterwards, and then another key for the same
   * epoch (the stranger's, now trusted) is a conflict, never a swap. */
  good = grant_for (coord, b, OMBUD_KEY_OFFICE, 1, office_subject);
  g_assert_true (ombud_keyring_accept_grant (b->keys, good, &error));
  g_assert_no_error (error);
  party_know (b, stranger, OMBUD_DEVICE_ROLE_COORDINATOR, TRUE, NULL);
  expect_refused (b, from_stranger, OMBUD_KEYRING_ERROR_CONFLICT);
  assert_same_key (coord, b, OMBUD_KEY_OFFICE, 1, office_subject);
}

static void
test_grant_tampered (void)
{
  g_autoptr(Party) coord = party_new (1700000000000);
  g_autoptr(Party) b = party_new (1700000000000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) grant = NULL;
  gsize len;
  const guint8 *orig;

  g_assert_cmpuint (ombud_keyring_create_office_key (coord->keys, &error), ==, 1);
  party_know (b, coord, OMBUD_DEVICE_ROLE_COORDINATOR, TRUE, NULL);
  grant = grant_for (coord, b, OMBUD_KEY_OFFICE, 1, office_subject);
  orig = g_bytes_get_data (grant, &len);

  /* Every byte flipped: refused, and no key taken. */
  for (gsize i = 0; i < len; i++)
    {
      g_autofree guint8 *copy = g_memdup2 (orig, len);
      g_autoptr(GBytes) bad = NULL;

      copy[i] ^= 0x20;
      bad = g_bytes_new (copy, len);
      g_assert_false (ombud_keyring_accept_grant (b->keys, bad, &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  /* Every truncation, and one byte too many. */
  for (gsize n = 0; n <= len + 1; n++)
    {
      g_autofree guint8 *copy = g_malloc0 (len + 1);
      g_autoptr(GBytes) cut = NULL;

      if (n == len)
        continue;
      memcpy (copy, orig, MIN (n, len));
      cut = g_bytes_new (copy, n);
      expect_refused (b, cut, OMBUD_KEYRING_ERROR_MALFORMED);
    }

  /* The sealed key altered and the grant signed again by its own granter:
   * the signature passes, the box does not open. */
  {
    g_autofree guint8 *copy = g_memdup2 (orig, len);
    g_autoptr(GBytes) bad = NULL;

    copy[38 + 40] ^= 1;
    ombud_identity_sign (coord->id, copy, 118, copy + 118);
    bad = g_bytes_new (copy, len);
    expect_refused (b, bad, OMBUD_KEYRING_ERROR_NOT_AUTHENTIC);
  }
  g_assert_cmpuint (ombud_keyring_get_office_epoch (b->keys, &error), ==, 0);
}

static void
test_grant_case_key_by_owner (void)
{
  const char *case_id = "5d0ef6a7-4f6b-4c8e-9a55-1c3f2a9b7e10";
  g_autoptr(Party) owner = party_new (1700000000000);
  g_autoptr(Party) other = party_new (1700000000000);
  g_autoptr(Party) coord = party_new (1700000000000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) from_other = NULL, office_from_owner = NULL;
  guint8 subject[16];

  g_assert_true (ombud_uuid_parse (case_id, subject));
  g_assert_true (ombud_keyring_create_case_key (owner->keys, case_id, &error));
  g_assert_false (ombud_keyring_create_case_key (owner->keys, case_id, &error));
  g_assert_error (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (ombud_keyring_create_case_key (other->keys, case_id, &error));

  /* The coordinator's replica knows the case is ombud-1's. */
  party_exec (coord, "INSERT INTO client_case (id, assigned_ombud) VALUES"
                     " ('5d0ef6a7-4f6b-4c8e-9a55-1c3f2a9b7e10', 'ombud-1')");
  party_know (coord, owner, OMBUD_DEVICE_ROLE_OMBUD, TRUE, "ombud-1");
  party_know (coord, other, OMBUD_DEVICE_ROLE_OMBUD, TRUE, "ombud-2");

  from_other = grant_for (other, coord, OMBUD_KEY_CASE, 0, subject);
  expect_refused (coord, from_other, OMBUD_KEYRING_ERROR_NOT_TRUSTED);
  party_grant (owner, coord, OMBUD_KEY_CASE, 0, subject);
  assert_same_key (owner, coord, OMBUD_KEY_CASE, 0, subject);

  /* The owner's device still may not grant the office key. */
  g_assert_cmpuint (ombud_keyring_create_office_key (owner->keys, &error), ==, 1);
  office_from_owner = grant_for (owner, coord, OMBUD_KEY_OFFICE, 1, office_subject);
  expect_refused (coord, office_from_owner, OMBUD_KEYRING_ERROR_NOT_TRUSTED);

  /* Crypto-shredding: the key is gone, and cannot be granted on. */
  g_assert_true (ombud_keyring_destroy_case_key (coord->keys, case_id, &error));
  g_assert_null (ombud_keyring_lookup_case (coord->keys, case_id, &error));
  g_assert_error (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_MISSING_KEY);
  g_clear_error (&error);
  g_assert_null (ombud_keyring_make_grant (coord->keys, OMBUD_KEY_CASE, 0, subject, 1,
                                           ombud_identity_get_box_pk (owner->id), &error));
  g_assert_error (error, OMBUD_KEYRING_ERROR, OMBUD_KEYRING_ERROR_MISSING_KEY);
}

static void
test_uuid (void)
{
  guint8 raw[16];
  g_autofree char *text = NULL, *team = NULL;

  g_assert_true (ombud_uuid_parse ("0F8FAD5B-D9CB-469F-A165-70867728950E", raw));
  text = ombud_uuid_format (raw);
  g_assert_cmpstr (text, ==, "0f8fad5b-d9cb-469f-a165-70867728950e");
  g_assert_true (ombud_uuid_parse ("", raw));
  g_assert_true (sodium_is_zero (raw, 16));
  team = ombud_uuid_format (raw);
  g_assert_cmpstr (team, ==, "");
  g_assert_false (ombud_uuid_parse ("00000000-0000-0000-0000-000000000000", raw));
  g_assert_false (ombud_uuid_parse ("0f8fad5b-d9cb-469f-a165-70867728950", raw));
  g_assert_false (ombud_uuid_parse ("0f8fad5b-d9cb-469f-a165-70867728950eX", raw));
  g_assert_false (ombud_uuid_parse ("0f8fad5bd-9cb-469f-a165-70867728950e", raw));
  g_assert_false (ombud_uuid_parse ("0f8fad5b-d9cb-469f-a165-70867728950g", raw));
  g_assert_false (ombud_uuid_parse ("case-x", raw));
}

int
main (int argc, char **argv)
{
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/identity/persists", test_identity_persists);
  g_test_add_func ("/identity/profiles-differ", test_identity_profiles_differ);
  g_test_add_func ("/identity/fingerprint", test_identity_fingerprint_format);
  g_test_add_func ("/identity/device-id", test_identity_device_id);
  g_test_add_func ("/identity/corrupted", test_identity_corrupted);
  g_test_add_func ("/identity/known-device", test_known_device_keys_fixed);
  g_test_add_func ("/keys/uuid", test_uuid);
  g_test_add_func ("/keys/grant-layout", test_grant_layout);
  g_test_add_func ("/keys/grant-round-trip", test_grant_round_trip);
  g_test_add_func ("/keys/grant-refused", test_grant_refused);
  g_test_add_func ("/keys/grant-tampered", test_grant_tampered);
  g_test_add_func ("/keys/case-key-by-owner", test_grant_case_key_by_owner);

  return g_test_run ();
}
