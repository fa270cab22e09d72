/* test-seal.c: sealed changesets (sync/PROTOCOL.md §3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Besides ombud-seal.c's own output, this file builds sealed changesets by
 * hand from the byte layout in PROTOCOL.md, with libsodium and zstd directly:
 * that checks the layout independently, and plays the malicious author (who
 * holds the keys) and the malicious office (who does not).
 */
#include <sodium.h>
#include <string.h>
#include <zstd.h>

#include "ombud-fields.h"
#include "ombud-seal.h"
#include "sync-fixture.h"

#define OFFICE_MARK "Qqofficemarkqq"
#define CLIENT_MARK "Qqclientmarkqq"
#define NOTE_MARK   "Qqnotemarkqq"

/* Offsets in the sealed bytes */
#define O_ORG     1
#define O_CSID    17
#define O_CASE    33
#define O_AUTHOR  49
#define O_SCHEMA  57
#define O_MIN     61
#define O_MAX     69
#define O_NPARTS  77
#define O_PART0   78

static const guint8 org[16] = "org:PO-Jamtland";
static const guint8 other_org[16] = "org:PO-Lappland";
static const guint8 zero16[16];

/* A world: author A (a coordinator, who holds every key), B with only the
 * office key, C with only the case key, and A's outbox. */
typedef struct {
  Party          *a, *b, *c;
  char           *case_id;
  OmbudChangeset *team_cs;   /* the municipality: office tier only */
  OmbudChangeset *case_cs;   /* the new case: both tiers */
  OmbudChangeset *note_cs;   /* a note: both tiers */
} World;

static void
world_free (World *w)
{
  party_free (w->a);
  party_free (w->b);
  party_free (w->c);
  g_free (w->case_id);
  ombud_changeset_free (w->team_cs);
  ombud_changeset_free (w->case_cs);
  ombud_changeset_free (w->note_cs);
  g_free (w);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (World, world_free)

static void
world_take_outbox (World *w)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outbox = ombud_caseload_get_outbox (w->a->replica->caseload, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (outbox->len, ==, 3);
  w->team_cs = ombud_changeset_decode (g_ptr_array_index (outbox, 0), &error);
  w->case_cs = ombud_changeset_decode (g_ptr_array_index (outbox, 1), &error);
  w->note_cs = ombud_changeset_decode (g_ptr_array_index (outbox, 2), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (w->team_cs->case_id, ==, "");
  g_assert_cmpstr (w->case_cs->case_id, ==, w->case_id);
  g_assert_cmpstr (w->note_cs->case_id, ==, w->case_id);
}

static World *
world_new (void)
{
  World *w = g_new0 (World, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *m = NULL, *note = NULL;
  OmbudCaseInput in = { CLIENT_MARK, OFFICE_MARK, "woman", 1980, FALSE, FALSE, NULL };
  guint8 subject[16];

  w->a = party_new (1700000000000);
  w->b = party_new (1700000000000);
  w->c = party_new (1700000000000);
  m = ombud_caseload_add_municipality (w->a->replica->caseload, "2380", OFFICE_MARK, 64000, &error);
  g_assert_no_error (error);
  w->case_id = ombud_caseload_add_case (w->a->replica->caseload, &in, &error);
  g_assert_no_error (error);
  note = ombud_caseload_add_note (w->a->replica->caseload, w->case_id, NOTE_MARK, TRUE, &error);
  g_assert_no_error (error);
  world_take_outbox (w);

  g_assert_cmpuint (ombud_keyring_create_office_key (w->a->keys, &error), ==, 1);
  /* The device that creates a case makes its key, in the same transaction. */
  {
    g_autoptr(OmbudSecret) made = ombud_keyring_lookup_case (w->a->keys, w->case_id, &error);
    g_assert_no_error (error);
    g_assert_nonnull (made);
  }
  g_assert_true (ombud_uuid_parse (w->case_id, subject));
  party_know (w->b, w->a, OMBUD_DEVICE_ROLE_COORDINATOR, TRUE, NULL);
  party_know (w->c, w->a, OMBUD_DEVICE_ROLE_COORDINATOR, TRUE, NULL);
  party_grant (w->a, w->b, OMBUD_KEY_OFFICE, 1, zero16);
  party_grant (w->a, w->c, OMBUD_KEY_CASE, 0, subject);
  return w;
}

static GBytes *
seal (World          *w,
      OmbudChangeset *cs)
{
  g_autoptr(GError) error = NULL;
  GBytes *sealed = ombud_seal_changeset (cs, org, w->a->id, w->a->keys, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sealed);
  return sealed;
}

static OmbudChangeset *
open_as (Party            *reader,
         Party            *author,
         GBytes           *sealed,
         OmbudSealMissing *missing,
         GError          **error)
{
  return ombud_seal_open (sealed, org, ombud_identity_get_sign_pk (author->id), reader->keys, missing, error);
}

static void
assert_same_changeset (const OmbudChangeset *x,
                       const OmbudChangeset *y)
{
  g_autoptr(GBytes) bx = ombud_changeset_encode (x);
  g_autoptr(GBytes) by = ombud_changeset_encode (y);

  g_assert_true (g_bytes_equal (bx, by));
}

static OmbudTier
tier_of (const OmbudChange *c)
{
  return ombud_table_lookup_field (ombud_table_lookup (c->table), c->field)->tier;
}

/* The changes of one tier, as the author's changeset with only those. */
static OmbudChangeset *
subset (const OmbudChangeset *cs,
        OmbudTier             tier)
{
  OmbudChangeset *out = ombud_changeset_new (cs->schema, cs->device, cs->case_id);

  g_free (out->id);
  out->id = g_strdup (cs->id);
  for (guint i = 0; i < cs->changes->len; i++)
    {
      OmbudChange *c = g_ptr_array_index (cs->changes, i);

      if (tier_of (c) == tier)
        ombud_changeset_add (out, c->table, c->record, c->field, c->value, c->hlc,
                             (OmbudVersionId *) (void *) c->bases->data, c->bases->len);
    }
  return out;
}

static void
expect_error (GBytes *sealed,
              Party  *reader,
              Party  *author,
              int     code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudChangeset) cs = open_as (reader, author, sealed, NULL, &error);

  g_assert_null (cs);
  g_assert_error (error, OMBUD_SEAL_ERROR, code);
}

/* Hand-built sealed changesets (PROTOCOL.md §3), with libsodium and zstd. */

typedef struct {
  guint8  org[16], csid[16], case_id[16];
  guint64 author;
  guint32 schema;
  guint64 min, max;
} Hdr;

typedef struct {
  guint8        tier;
  guint32       epoch;
  GBytes       *packed;  /* the zstd bytes, sealed as they are */
  const guint8 *key;
} PartSpec;

static void
le32 (guint8 *p, guint32 v)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static void
le64 (guint8 *p, guint64 v)
{
  for (guint i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static guint64
get_le64 (const guint8 *p)
{
  guint64 v = 0;

  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static Hdr
hdr_of (const OmbudChangeset *cs)
{
  Hdr h = { .author = cs->device, .schema = cs->schema, .min = G_MAXUINT64, .max = 0 };

  memcpy (h.org, org, 16);
  g_assert_true (ombud_uuid_parse (cs->id, h.csid));
  g_assert_true (ombud_uuid_parse (cs->case_id, h.case_id));
  for (guint i = 0; i < cs->changes->len; i++)
    {
      OmbudChange *c = g_ptr_array_index (cs->changes, i);
      h.min = MIN (h.min, c->hlc);
      h.max = MAX (h.max, c->hlc);
    }
  return h;
}

static void
hdr_bytes (const Hdr *h,
           guint8     out[76])
{
  memcpy (out, h->org, 16);
  memcpy (out + 16, h->csid, 16);
  memcpy (out + 32, h->case_id, 16);
  le64 (out + 48, h->author);
  le32 (out + 56, h->schema);
  le64 (out + 60, h->min);
  le64 (out + 68, h->max);
}

static void
ad_bytes (const Hdr *h,
          guint8     tier,
          guint32    epoch,
          guint8     ad[11 + 76 + 5])
{
  guint8 hb[76];

  hdr_bytes (h, hb);
  memcpy (ad, "ombud-cs-v1", 11);
  memcpy (ad + 11, hb, 60);   /* org, changeset, case, author, schema */
  ad[71] = tier;
  le32 (ad + 72, epoch);
  memcpy (ad + 76, hb + 60, 16);  /* min, max */
}

static GBytes *
build_sealed (const Hdr      *h,
              const PartSpec *parts,
              guint           n_parts,
              OmbudIdentity  *signer)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 hb[76], sig[64], one = 1, n = (guint8) n_parts;

  g_byte_array_append (out, (const guint8 *) "ombud-sig-v1", 12);
  g_byte_array_append (out, &one, 1);
  hdr_bytes (h, hb);
  g_byte_array_append (out, hb, sizeof hb);
  g_byte_array_append (out, &n, 1);
  for (guint i = 0; i < n_parts; i++)
    {
      gsize plen;
      const guint8 *plain = g_bytes_get_data (parts[i].packed, &plen);
      guint8 pre[4 + 1 + 4 + 24], ad[92];
      g_autofree guint8 *ct = g_malloc (plen + 16);

      le32 (pre, (guint32) (1 + 4 + 24 + plen + 16));
      pre[4] = parts[i].tier;
      le32 (pre + 5, parts[i].epoch);
      randombytes_buf (pre + 9, 24);
      ad_bytes (h, parts[i].tier, parts[i].epoch, ad);
      crypto_aead_xchacha20poly1305_ietf_encrypt (ct, NULL, plain, plen, ad, sizeof ad, NULL, pre + 9,
                                                  parts[i].key);
      g_byte_array_append (out, pre, sizeof pre);
      g_byte_array_append (out, ct, plen + 16);
    }
  ombud_identity_sign (signer, out->data, out->len, sig);
  g_byte_array_append (out, sig, sizeof sig);
  g_byte_array_remove_range (out, 0, 12);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static GBytes *
zstd_pack (GBytes *plain)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (plain, &len);
  gsize cap = ZSTD_compressBound (len);
  guint8 *out = g_malloc (cap);
  gsize n = ZSTD_compress (out, cap, data, len, 3);

  g_assert_false (ZSTD_isError (n));
  return g_bytes_new_take (out, n);
}

/* A frame that does not declare its size, as a streaming compressor makes. */
static GBytes *
zstd_pack_unsized (const guint8 *data,
                   gsize         len)
{
  ZSTD_CCtx *cctx = ZSTD_createCCtx ();
  gsize cap = ZSTD_compressBound (len) + 64;
  guint8 *out = g_malloc (cap);
  ZSTD_inBuffer in = { data, len, 0 };
  ZSTD_outBuffer dst = { out, cap, 0 };
  gsize left;

  ZSTD_CCtx_setParameter (cctx, ZSTD_c_contentSizeFlag, 0);
  do
    left = ZSTD_compressStream2 (cctx, &dst, &in, ZSTD_e_end);
  while (left != 0 && !ZSTD_isError (left));
  g_assert_false (ZSTD_isError (left));
  ZSTD_freeCCtx (cctx);
  g_assert_true (ZSTD_getFrameContentSize (out, dst.pos) == ZSTD_CONTENTSIZE_UNKNOWN);
  return g_bytes_new_take (out, dst.pos);
}

static GBytes *
pack_changeset (const OmbudChangeset *cs)
{
  g_autoptr(GBytes) plain = ombud_changeset_encode (cs);

  return zstd_pack (plain);
}

static OmbudSecret *
key_of (Party        *p,
        OmbudKeyKind  kind,
        guint32       epoch,
        const char   *case_id)
{
  g_autoptr(GError) error = NULL;
  guint8 subject[16];
  OmbudSecret *key;

  g_assert_true (ombud_uuid_parse (case_id ? case_id : "", subject));
  key = ombud_keyring_lookup (p->keys, kind, epoch, subject, &error);
  g_assert_no_error (error);
  return key;
}

/* Tests */

static void
test_round_trip (void)
{
  g_autoptr(World) w = world_new ();
  OmbudChangeset *all[] = { w->team_cs, w->case_cs, w->note_cs };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_autoptr(GBytes) sealed = seal (w, all[i]);
      g_autoptr(GError) error = NULL;
      OmbudSealMissing missing = 99;
      g_autoptr(OmbudChangeset) opened = open_as (w->a, w->a, sealed, &missing, &error);

      g_assert_no_error (error);
      g_assert_cmpint (missing, ==, OMBUD_SEAL_MISSING_NONE);
      assert_same_changeset (opened, all[i]);
    }
}

/* ombud-seal.c's bytes, checked against PROTOCOL.md §3 with libsodium. */
static void
test_layout (void)
{
  g_autoptr(World) w = world_new ();
  g_autoptr(GBytes) sealed = seal (w, w->case_cs);
  g_autoptr(OmbudSecret) office_key = key_of (w->a, OMBUD_KEY_OFFICE, 1, NULL);
  g_autoptr(OmbudChangeset) office = subset (w->case_cs, OMBUD_TIER_OFFICE);
  g_autoptr(GBytes) office_plain = ombud_changeset_encode (office);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *msg = NULL;
  g_autofree guint8 *packed = NULL;
  g_autofree guint8 *plain = NULL;
  Hdr h = hdr_of (w->case_cs);
  guint8 hb[76], ad[92];
  OmbudSealHeader parsed;
  gsize len, part_len, plain_len;
  const guint8 *s = g_bytes_get_data (sealed, &len);

  hdr_bytes (&h, hb);
  g_assert_cmpuint (s[0], ==, 1);
  g_assert_cmpmem (s + 1, 76, hb, 76);
  g_assert_cmpuint (s[O_NPARTS], ==, 2);

  /* signature over "ombud-sig-v1" ‖ everything before it */
  msg = g_malloc (12 + len - 64);
  memcpy (msg, "ombud-sig-v1", 12);
  memcpy (msg + 12, s, len - 64);
  g_assert_cmpint (crypto_sign_verify_detached (s + len - 64, msg, 12 + len - 64,
                                                ombud_identity_get_sign_pk (w->a->id)), ==, 0);

  /* the office part: tier 1, epoch 1, nonce, ciphertext ‖ tag under the AD */
  part_len = (guint32) get_le64 ((const guint8[8]) { s[O_PART0], s[O_PART0 + 1], s[O_PART0 + 2], s[O_PART0 + 3] });
  g_assert_cmpuint (s[O_PART0 + 4], ==, 1);
  g_assert_cmpmem (s + O_PART0 + 5, 4, "\x01\0\0\0", 4);
  ad_bytes (&h, 1, 1, ad);
  packed = g_malloc (part_len);
  g_assert_cmpint (crypto_aead_xchacha20poly1305_ietf_decrypt (packed, NULL, NULL, s + O_PART0 + 4 + 29,
                                                               part_len - 29, ad, sizeof ad, s + O_PART0 + 9,
                                                               ombud_secret_get_data (office_key)), ==, 0);
  plain_len = ZSTD_getFrameContentSize (packed, part_len - 45);
  g_assert_cmpuint (plain_len, ==, g_bytes_get_size (office_plain));
  plain = g_malloc (plain_len);
  g_assert_cmpuint (ZSTD_decompress (plain, plain_len, packed, part_len - 45), ==, plain_len);
  g_assert_cmpmem (plain, plain_len, g_bytes_get_data (office_plain, NULL), plain_len);

  /* the client part follows, tier 2, epoch 0 */
  g_assert_cmpuint (s[O_PART0 + 4 + part_len + 4], ==, 2);
  g_assert_cmpmem (s + O_PART0 + 4 + part_len + 5, 4, "\0\0\0\0", 4);

  /* and the office's parser reads the same */
  g_assert_true (ombud_seal_parse (sealed, &parsed, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (parsed.org_id, 16, org, 16);
  g_assert_cmpmem (parsed.changeset_id, 16, h.csid, 16);
  g_assert_cmpmem (parsed.case_id, 16, h.case_id, 16);
  g_assert_cmpuint (parsed.author_device, ==, ombud_identity_get_device_id (w->a->id));
  g_assert_cmpuint (parsed.schema, ==, w->case_cs->schema);
  g_assert_cmpuint (parsed.min_hlc, ==, h.min);
  g_assert_cmpuint (parsed.max_hlc, ==, h.max);
  g_assert_cmpuint (parsed.n_parts, ==, 2);
  g_assert_cmpuint (parsed.parts[0].tier, ==, OMBUD_SEAL_TIER_OFFICE);
  g_assert_cmpuint (parsed.parts[0].length, ==, part_len);
  g_assert_cmpuint (parsed.parts[1].tier, ==, OMBUD_SEAL_TIER_CLIENT);

  /* and what is built by hand from the spec opens */
  {
    g_autoptr(OmbudChangeset) client = subset (w->case_cs, OMBUD_TIER_CLIENT);
    g_autoptr(OmbudSecret) case_key = key_of (w->a, OMBUD_KEY_CASE, 0, w->case_id);
    g_autoptr(GBytes) p1 = pack_changeset (office), p2 = pack_changeset (client);
    PartSpec parts[] = { { 2, 0, p2, ombud_secret_get_data (case_key) },
                         { 1, 1, p1, ombud_secret_get_data (office_key) } };
    g_autoptr(GBytes) by_hand = build_sealed (&h, parts, 2, w->a->id);
    g_autoptr(OmbudChangeset) opened = open_as (w->a, w->a, by_hand, NULL, &error);

    g_assert_no_error (error);
    assert_same_changeset (opened, w->case_cs);
  }
}

static void
assert_no_marker (GBytes *sealed)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (sealed, &len);
  const char *marks[] = { OFFICE_MARK, CLIENT_MARK, NOTE_MARK };

  for (guint i = 0; i < G_N_ELEMENTS (marks); i++)
    g_assert_null (memmem (data, len, marks[i], strlen (marks[i])));
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return memmem (data, len, needle, strlen (needle)) != NULL;
}

static void
test_tier_split (void)
{
  g_autoptr(World) w = world_new ();
  OmbudChangeset *both[] = { w->case_cs, w->note_cs };
  g_autoptr(GBytes) team = seal (w, w->team_cs);
  g_autoptr(GBytes) team_plain = ombud_changeset_encode (w->team_cs);
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudChangeset) team_by_b = NULL;
  OmbudSealHeader h;
  OmbudSealMissing missing;

  /* The team's own changeset has one, office, part; B reads all of it. */
  g_assert_true (bytes_contain (team_plain, OFFICE_MARK));
  assert_no_marker (team);
  g_assert_true (ombud_seal_parse (team, &h, &error));
  g_assert_cmpuint (h.n_parts, ==, 1);
  g_assert_cmpuint (h.parts[0].tier, ==, OMBUD_SEAL_TIER_OFFICE);
  g_assert_true (sodium_is_zero (h.case_id, 16));
  team_by_b = open_as (w->b, w->a, team, &missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (missing, ==, OMBUD_SEAL_MISSING_NONE);
  assert_same_changeset (team_by_b, w->team_cs);

  for (guint i = 0; i < G_N_ELEMENTS (both); i++)
    {
      g_autoptr(GBytes) sealed = seal (w, both[i]);
      g_autoptr(GBytes) plain = ombud_changeset_encode (both[i]);
      g_autoptr(OmbudChangeset) office = subset (both[i], OMBUD_TIER_OFFICE);
      g_autoptr(OmbudChangeset) client = subset (both[i], OMBUD_TIER_CLIENT);
      g_autoptr(OmbudChangeset) by_b = NULL, by_c = NULL;

      /* the markers are there to find in the clear, and not in the seal */
      g_assert_true (bytes_contain (plain, i == 0 ? CLIENT_MARK : NOTE_MARK));
      assert_no_marker (sealed);
      g_assert_cmpuint (office->changes->len, >, 0);
      g_assert_cmpuint (client->changes->len, >, 0);

      by_b = open_as (w->b, w->a, sealed, &missing, &error);
      g_assert_no_error (error);
      g_assert_cmpint (missing, ==, OMBUD_SEAL_MISSING_CLIENT);
      assert_same_changeset (by_b, office);

      by_c = open_as (w->c, w->a, sealed, &missing, &error);
      g_assert_no_error (error);
      g_assert_cmpint (missing, ==, OMBUD_SEAL_MISSING_OFFICE);
      assert_same_changeset (by_c, client);
    }
}

static void
test_missing_keys (void)
{
  g_autoptr(World) w = world_new ();
  g_autoptr(Party) stranger = party_new (1700000000000);
  g_autoptr(GBytes) sealed = seal (w, w->case_cs);
  g_autoptr(GBytes) team = seal (w, w->team_cs);
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudChangeset) by_a = NULL;
  OmbudSealMissing missing;

  g_assert_null (open_as (stranger, w->a, sealed, &missing, &error));
  g_assert_error (error, OMBUD_SEAL_ERROR, OMBUD_SEAL_ERROR_MISSING_KEY);
  g_assert_cmpint (missing, ==, OMBUD_SEAL_MISSING_OFFICE | OMBUD_SEAL_MISSING_CLIENT);
  g_clear_error (&error);
  g_assert_null (open_as (w->c, w->a, team, &missing, &error));
  g_assert_error (error, OMBUD_SEAL_ERROR, OMBUD_SEAL_ERROR_MISSING_KEY);
  g_assert_cmpint (missing, ==, OMBUD_SEAL_MISSING_OFFICE);
  g_clear_error (&error);

  /* Crypto-shredding: once the case key is gone, the client tier is. */
  g_assert_true (ombud_keyring_destroy_case_key (w->a->keys, w->case_id, &error));
  by_a = open_as (w->a, w->a, sealed, &missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (missing, ==, OMBUD_SEAL_MISSING_CLIENT);
  g_assert_null (ombud_seal_changeset (w->note_cs, org, w->a->id, w->a->keys, &error));
  g_assert_error (error, OMBUD_SEAL_ERROR, OMBUD_SEAL_ERROR_MISSING_KEY);
  g_clear_error (&error);
  g_assert_null (ombud_seal_changeset (w->note_cs, org, w->a->id, stranger->keys, &error));
  g_assert_error (error, OMBUD_SEAL_ERROR, OMBUD_SEAL_ERROR_MISSING_KEY);
}

static void
test_seal_refuses (void)
{
  g_autoptr(World) w = world_new ();
  g_autoptr(OmbudChangeset) empty = ombud_changeset_new (w->team_cs->schema, w->team_cs->device, "");
  g_autoptr(OmbudChangeset) odd_case = ombud_changeset_new (w->team_cs->schema, w->team_cs->device, "case-x");
  g_autoptr(OmbudChangeset) team_note = ombud_changeset_new (w->team_cs->schema, w->team_cs->device, "");
  g_autoptr(GError) error = NULL;

  /* signed by a device other than the changeset's */
  g_assert_null (ombud_seal_changeset (w->case_cs, org, w->b->id, w->a->keys, &error));
  g_assert_error (error, OMBUD_SEAL_ERROR, OMBUD_SEAL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ombud_seal_changeset (empty, org, w->a->id, w->a->keys, &error));
  g_assert_error (error, OMBUD_SEAL_ERROR, OMBUD_SEAL_ERROR_INVALID);
  g_clear_error (&error);
  ombud_changeset_add (odd_case, "note", "n1", "approved", g_variant_new_int64 (1), 5, NULL, 0);
  g_assert_null (ombud_seal_changeset (odd_case, org, w->a->id, w->a->keys, &error));
  g_assert_error (error, OMBUD_SEAL_ERROR, OMBUD_SEAL_ERROR_INVALID);
  g_clear_error (&error);
  /* client text outside a case would have no key but the office's */
  ombud_changeset_add (team_note, "note", "n1", "body", g_variant_new_string ("x"), 5, NULL, 0);
  g_assert_null (ombud_seal_changeset (team_note, org, w->a->id, w->a->keys, &error));
  g_assert_error (error, OMBUD_SEAL_ERROR, OMBUD_SEAL_ERROR_INVALID);
}

static void
test_flip_every_byte (void)
{
  g_autoptr(World) w = world_new ();
  g_autoptr(GBytes) sealed = seal (w, w->case_cs);
  gsize len;
  const guint8 *orig = g_bytes_get_data (sealed, &len);

  for (gsize i = 0; i < len; i++)
    for (guint bit = 0; bit < 8; bit += 3)
      {
        g_autofree guint8 *copy = g_memdup2 (orig, len);
        g_autoptr(GBytes) bad = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(OmbudChangeset) cs = NULL;

        copy[i] ^= (guint8) (1u << bit);
        bad = g_bytes_new_take (g_steal_pointer (&copy), len);
        cs = open_as (w->a, w->a, bad, NULL, &error);
        g_assert_null (cs);
        g_assert_nonnull (error);
      }
}

static void
test_truncated (void)
{
  g_autoptr(World) w = world_new ();
  g_autoptr(GBytes) sealed = seal (w, w->note_cs);
  gsize len;
  const guint8 *orig = g_bytes_get_data (sealed, &len);

  for (gsize n = 0; n < len; n++)
    {
      /* a copy of exactly n bytes, so ASan sees any read past the end */
      g_autoptr(GBytes) cut = g_bytes_new (orig, n);
      OmbudSealHeader h;
      g_autoptr(GError) error = NULL;

      expect_error (cut, w->a, w->a, OMBUD_SEAL_ERROR_MALFORMED);
      g_assert_false (ombud_seal_parse (cut, &h, &error));
    }
  /* and one byte too many */
  {
    g_autofree guint8 *longer = g_malloc0 (len + 1);
    g_autoptr(GBytes) extra = NULL;

    memcpy (longer, orig, len);
    extra = g_bytes_new (longer, len + 1);
    expect_error (extra, w->a, w->a, OMBUD_SEAL_ERROR_MALFORMED);
  }
}

/* Each header field altered, then signed again: by another device (the
 * office, say) that lacks the keys, under its own key or claiming to be
 * the author. */
static void
test_header_restamped (void)
{
  g_autoptr(World) w = world_new ();
  g_autoptr(Party) office = party_new (1700000000000);
  g_autoptr(GBytes) sealed = seal (w, w->case_cs);
  const struct { gsize at, len; } fields[] = {
    { O_ORG, 16 }, { O_CSID, 16 }, { O_CASE, 16 }, { O_SCHEMA, 4 }, { O_MIN, 8 }, { O_MAX, 8 },
  };
  gsize len;
  const guint8 *orig = g_bytes_get_data (sealed, &len);

  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    for (guint resign_as_self = 0; resign_as_self < 2; resign_as_self++)
      {
        g_autofree guint8 *copy = g_memdup2 (orig, len);
        g_autoptr(GBytes) bad = NULL;
        guint8 *msg = g_malloc (12 + len - 64);

        /* the smallest change that keeps the header well formed */
        if (fields[f].at == O_MIN)
          le64 (copy + O_MIN, get_le64 (orig + O_MIN) - 1);
        else if (fields[f].at == O_MAX)
          le64 (copy + O_MAX, get_le64 (orig + O_MAX) + 1);
        else
          copy[fields[f].at + fields[f].len - 1] ^= 0x01;
        if (resign_as_self)
          le64 (copy + O_AUTHOR, ombud_identity_get_device_id (office->id));
        g_assert_true (memcmp (copy, orig, 1 + 76) != 0);

        memcpy (msg, "ombud-sig-v1", 12);
        memcpy (msg + 12, copy, len - 64);
        ombud_identity_sign (office->id, msg, 12 + len - 64, copy + len - 64);
        g_free (msg);
        bad = g_bytes_new (copy, len);

        /* under the real author's key the signature fails */
        expect_error (bad, w->a, w->a, OMBUD_SEAL_ERROR_BAD_SIGNATURE);
        if (!resign_as_self)
          /* under the office's own key, the author in the header is not it */
          expect_error (bad, w->a, office, OMBUD_SEAL_ERROR_WRONG_AUTHOR);
        else if (fields[f].at == O_ORG)
          expect_error (bad, w->a, office, OMBUD_SEAL_ERROR_WRONG_ORG);
        else
          {
            /* claiming to be the author: the parts are bound to the old header */
            expect_error (bad, w->a, office, OMBUD_SEAL_ERROR_NOT_AUTHENTIC);
            expect_error (bad, w->b, office, OMBUD_SEAL_ERROR_NOT_AUTHENTIC);
            /* re-routed to another case: C holds no key for it, keeps it */
            expect_error (bad, w->c, office, fields[f].at == O_CASE ? OMBUD_SEAL_ERROR_MISSING_KEY
                                                                    : OMBUD_SEAL_ERROR_NOT_AUTHENTIC);
          }
      }
  /* the author field alone altered and re-signed by the office */
  {
    g_autofree guint8 *copy = g_memdup2 (orig, len);
    g_autoptr(GBytes) bad = NULL;

    copy[O_AUTHOR] ^= 1;
    bad = g_bytes_new (copy, len);
    expect_error (bad, w->a, w->a, OMBUD_SEAL_ERROR_BAD_SIGNATURE);
  }
}

static void
test_wrong_org (void)
{
  g_autoptr(World) w = world_new ();
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudChangeset) cs = NULL;

  sealed = ombud_seal_changeset (w->case_cs, other_org, w->a->id, w->a->keys, &error);
  g_assert_no_error (error);
  expect_error (sealed, w->a, w->a, OMBUD_SEAL_ERROR_WRONG_ORG);
  cs = ombud_seal_open (sealed, other_org, ombud_identity_get_sign_pk (w->a->id), w->a->keys, NULL, &error);
  g_assert_no_error (error);
  assert_same_changeset (cs, w->case_cs);
}

/* Splicing: the office part of one changeset into another by the same
 * author.  The office cannot sign again; the author who does is caught by
 * the AD. */
static void
test_splice (void)
{
  g_autoptr(World) w = world_new ();
  g_autoptr(GBytes) x = seal (w, w->case_cs);
  g_autoptr(GBytes) y = seal (w, w->note_cs);
  g_autoptr(GByteArray) spliced = g_byte_array_new ();
  OmbudSealHeader hx, hy;
  const guint8 *dx = g_bytes_get_data (x, NULL), *dy = g_bytes_get_data (y, NULL);
  guint8 sig[64], len4[4];
  g_autoptr(GBytes) office_made = NULL, author_made = NULL;
  g_autoptr(GByteArray) msg = g_byte_array_new ();

  g_assert_true (ombud_seal_parse (x, &hx, NULL));
  g_assert_true (ombud_seal_parse (y, &hy, NULL));
  /* x's header and client part, y's office part */
  g_byte_array_append (spliced, dx, O_PART0);
  le32 (len4, (guint32) hy.parts[0].length);
  g_byte_array_append (spliced, len4, 4);
  g_byte_array_append (spliced, dy + hy.parts[0].offset, hy.parts[0].length);
  g_byte_array_append (spliced, dx + hx.parts[1].offset - 4, hx.parts[1].length + 4);
  g_byte_array_append (spliced, dx + g_bytes_get_size (x) - 64, 64);
  office_made = g_bytes_new (spliced->data, spliced->len);
  expect_error (office_made, w->a, w->a, OMBUD_SEAL_ERROR_BAD_SIGNATURE);

  g_byte_array_append (msg, (const guint8 *) "ombud-sig-v1", 12);
  g_byte_array_append (msg, spliced->data, spliced->len - 64);
  ombud_identity_sign (w->a->id, msg->data, msg->len, sig);
  memcpy (spliced->data + spliced->len - 64, sig, 64);
  author_made = g_bytes_new (spliced->data, spliced->len);
  expect_error (author_made, w->a, w->a, OMBUD_SEAL_ERROR_NOT_AUTHENTIC);
  expect_error (author_made, w->b, w->a, OMBUD_SEAL_ERROR_NOT_AUTHENTIC);
}

/* A malicious author holds the keys, so the AD cannot catch it: step 4's
 * checks of the contents against the header do. */
static void
test_contents_checked (void)
{
  g_autoptr(World) w = world_new ();
  g_autoptr(OmbudSecret) office_key = key_of (w->a, OMBUD_KEY_OFFICE, 1, NULL);
  g_autoptr(OmbudSecret) case_key = key_of (w->a, OMBUD_KEY_CASE, 0, w->case_id);
  g_autoptr(OmbudChangeset) office = subset (w->case_cs, OMBUD_TIER_OFFICE);
  g_autoptr(OmbudChangeset) client = subset (w->case_cs, OMBUD_TIER_CLIENT);
  g_autoptr(GBytes) p_office = pack_changeset (office);
  g_autoptr(GBytes) p_client = pack_changeset (client);
  g_autoptr(GBytes) p_whole = pack_changeset (w->case_cs);
  const guint8 *ok = ombud_secret_get_data (office_key), *ck = ombud_secret_get_data (case_key);
  Hdr h = hdr_of (w->case_cs);

  /* the HLC range narrowed at either end, so that a change falls outside */
  for (guint end = 0; end < 2; end++)
    {
      Hdr narrowed = h;
      PartSpec parts[] = { { 1, 1, p_office, ok }, { 2, 0, p_client, ck } };
      g_autoptr(GBytes) bad = NULL;

      if (end == 0)
        narrowed.min++;
      else
        narrowed.max--;
      bad = build_sealed (&narrowed, parts, 2, w->a->id);
      expect_error (bad, w->a, w->a, OMBUD_SEAL_ERROR_INCONSISTENT);
      /* the case's first change is its client's name, its last an event */
      g_assert_cmpint (tier_of (g_ptr_array_index (w->case_cs->changes, 0)), ==, OMBUD_TIER_CLIENT);
      g_assert_cmpint (tier_of (g_ptr_array_index (w->case_cs->changes, w->case_cs->changes->len - 1)), ==,
                       OMBUD_TIER_OFFICE);
      expect_error (bad, end == 0 ? w->c : w->b, w->a, OMBUD_SEAL_ERROR_INCONSISTENT);
    }
  /* client-tier changes in the office part */
  {
    PartSpec parts[] = { { 1, 1, p_whole, ok } };
    g_autoptr(GBytes) bad = build_sealed (&h, parts, 1, w->a->id);
    expect_error (bad, w->b, w->a, OMBUD_SEAL_ERROR_INCONSISTENT);
  }
  /* office-tier changes in the client part */
  {
    PartSpec parts[] = { { 2, 0, p_office, ck } };
    g_autoptr(GBytes) bad = build_sealed (&h, parts, 1, w->a->id);
    expect_error (bad, w->c, w->a, OMBUD_SEAL_ERROR_INCONSISTENT);
  }
  /* a part of another changeset under this header */
  {
    g_autoptr(OmbudChangeset) note_office = subset (w->note_cs, OMBUD_TIER_OFFICE);
    g_autoptr(GBytes) p_note = pack_changeset (note_office);
    Hdr wide = h;
    PartSpec parts[] = { { 1, 1, p_note, ok } };
    g_autoptr(GBytes) bad = NULL;

    wide.min = 0;
    wide.max = G_MAXUINT64;
    bad = build_sealed (&wide, parts, 1, w->a->id);
    expect_error (bad, w->b, w->a, OMBUD_SEAL_ERROR_INCONSISTENT);
  }
  /* another case, or the team's, inside than in the header */
  for (guint what = 0; what < 2; what++)
    {
      g_autoptr(OmbudChangeset) moved = subset (w->case_cs, OMBUD_TIER_OFFICE);
      g_autoptr(GBytes) p_moved = NULL;
      g_autoptr(GBytes) bad = NULL;
      PartSpec parts[] = { { 1, 1, NULL, ok } };

      g_free (moved->case_id);
      moved->case_id = what == 0 ? g_uuid_string_random () : g_strdup ("");
      p_moved = pack_changeset (moved);
      parts[0].packed = p_moved;
      bad = build_sealed (&h, parts, 1, w->a->id);
      expect_error (bad, w->b, w->a, OMBUD_SEAL_ERROR_INCONSISTENT);
    }
  /* another author or schema inside than in the header */
  for (guint what = 0; what < 2; what++)
    {
      Hdr other = h;
      PartSpec parts[] = { { 1, 1, p_office, ok } };
      g_autoptr(GBytes) bad = NULL;

      if (what == 0)
        other.schema++;
      else
        other.author = ombud_identity_get_device_id (w->b->id);
      bad = build_sealed (&other, parts, 1, what == 0 ? w->a->id : w->b->id);
      expect_error (bad, w->a, what == 0 ? w->a : w->b, OMBUD_SEAL_ERROR_INCONSISTENT);
    }
  /* structure: two parts of one tier, epoch 0 for the office key, a client
   * part in a team changeset */
  {
    PartSpec twice[] = { { 1, 1, p_office, ok }, { 1, 1, p_office, ok } };
    PartSpec epoch0[] = { { 1, 0, p_office, ok } };
    PartSpec client_team[] = { { 2, 0, p_client, ck } };
    Hdr team = h;
    g_autoptr(GBytes) b1 = build_sealed (&h, twice, 2, w->a->id);
    g_autoptr(GBytes) b2 = build_sealed (&h, epoch0, 1, w->a->id);
    g_autoptr(GBytes) b3 = NULL;
    g_autoptr(GBytes) b4 = build_sealed (&h, twice, 0, w->a->id);

    memset (team.case_id, 0, 16);
    b3 = build_sealed (&team, client_team, 1, w->a->id);
    expect_error (b1, w->a, w->a, OMBUD_SEAL_ERROR_MALFORMED);
    expect_error (b2, w->a, w->a, OMBUD_SEAL_ERROR_MALFORMED);
    expect_error (b3, w->a, w->a, OMBUD_SEAL_ERROR_MALFORMED);
    expect_error (b4, w->a, w->a, OMBUD_SEAL_ERROR_MALFORMED);
  }
}

static void
test_epochs (void)
{
  g_autoptr(World) w = world_new ();
  g_autoptr(Party) late = party_new (1700000000000);
  g_autoptr(GBytes) x = seal (w, w->team_cs);
  g_autoptr(GBytes) y = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudChangeset) bx = NULL, by = NULL, ly = NULL;
  OmbudSealHeader h;

  g_assert_cmpuint (ombud_keyring_create_office_key (w->a->keys, &error), ==, 2);
  y = seal (w, w->note_cs);
  g_assert_true (ombud_seal_parse (y, &h, &error));
  g_assert_cmpuint (h.parts[0].key_epoch, ==, 2);

  party_grant (w->a, w->b, OMBUD_KEY_OFFICE, 2, zero16);
  bx = open_as (w->b, w->a, x, NULL, &error);
  g_assert_no_error (error);
  by = open_as (w->b, w->a, y, NULL, &error);
  g_assert_no_error (error);
  assert_same_changeset (bx, w->team_cs);

  /* a device that joined at epoch 2 reads what is new, not what is old */
  party_know (late, w->a, OMBUD_DEVICE_ROLE_COORDINATOR, TRUE, NULL);
  party_grant (w->a, late, OMBUD_KEY_OFFICE, 2, zero16);
  ly = open_as (late, w->a, y, NULL, &error);
  g_assert_no_error (error);
  expect_error (x, late, w->a, OMBUD_SEAL_ERROR_MISSING_KEY);
}

/* A raw-block zstd frame that declares content_size bytes. */
static GBytes *
frame_claiming (guint64 content_size)
{
  guint8 f[4 + 1 + 8 + 3 + 1] = { 0x28, 0xb5, 0x2f, 0xfd, 0xe0 };

  le64 (f + 5, content_size);  /* Single_Segment, 8-byte Frame_Content_Size */
  f[13] = 0x09;                /* last block, raw, 1 byte */
  f[16] = 'x';
  return g_bytes_new (f, sizeof f);
}

static void
test_decompression_bomb (void)
{
  g_autoptr(World) w = world_new ();
  g_autoptr(OmbudSecret) office_key = key_of (w->a, OMBUD_KEY_OFFICE, 1, NULL);
  const guint8 *ok = ombud_secret_get_data (office_key);
  Hdr h = hdr_of (w->team_cs);
  const gsize big = OMBUD_SEAL_MAX_PART + 4096;
  g_autofree guint8 *zeros = g_malloc0 (big);
  g_autoptr(GBytes) zeros_bytes = g_bytes_new_static (zeros, big);
  g_autoptr(GBytes) tera = frame_claiming (G_GUINT64_CONSTANT (1) << 40);
  g_autoptr(GBytes) sized = zstd_pack (zeros_bytes);
  g_autoptr(GBytes) unsized = zstd_pack_unsized (zeros, big);
  GBytes *frames[] = { tera, sized, unsized };

  g_assert_cmpuint (ZSTD_getFrameContentSize (g_bytes_get_data (tera, NULL), g_bytes_get_size (tera)),
                    ==, G_GUINT64_CONSTANT (1) << 40);
  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      PartSpec parts[] = { { 1, 1, frames[i], ok } };
      g_autoptr(GBytes) bomb = build_sealed (&h, parts, 1, w->a->id);

      g_assert_cmpuint (g_bytes_get_size (frames[i]), <, 4096);
      expect_error (bomb, w->b, w->a, OMBUD_SEAL_ERROR_TOO_LARGE);
    }

  /* A frame that does not declare its size but stays small is fine. */
  {
    g_autoptr(GBytes) plain = ombud_changeset_encode (w->team_cs);
    g_autoptr(GBytes) packed = zstd_pack_unsized (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain));
    PartSpec parts[] = { { 1, 1, packed, ok } };
    g_autoptr(GBytes) sealed = build_sealed (&h, parts, 1, w->a->id);
    g_autoptr(GError) error = NULL;
    g_autoptr(OmbudChangeset) cs = open_as (w->b, w->a, sealed, NULL, &error);

    g_assert_no_error (error);
    assert_same_changeset (cs, w->team_cs);
  }
  /* A frame cut short, and one with bytes after it. */
  {
    g_autoptr(GBytes) packed = pack_changeset (w->team_cs);
    g_autoptr(GBytes) cut = g_bytes_new_from_bytes (packed, 0, g_bytes_get_size (packed) - 1);
    g_autoptr(GByteArray) longer = g_byte_array_new ();
    g_autoptr(GBytes) tail = NULL;
    PartSpec p1[] = { { 1, 1, cut, ok } };
    g_autoptr(GBytes) s1 = build_sealed (&h, p1, 1, w->a->id);
    g_autoptr(GBytes) s2 = NULL;

    g_byte_array_append (longer, g_bytes_get_data (packed, NULL), g_bytes_get_size (packed));
    g_byte_array_append (longer, (const guint8 *) "junk", 4);
    tail = g_bytes_new (longer->data, longer->len);
    s2 = build_sealed (&h, (PartSpec[]) { { 1, 1, tail, ok } }, 1, w->a->id);
    expect_error (s1, w->b, w->a, OMBUD_SEAL_ERROR_INCONSISTENT);
    expect_error (s2, w->b, w->a, OMBUD_SEAL_ERROR_INCONSISTENT);
  }
}

static void
test_fuzz (void)
{
  g_autoptr(World) w = world_new ();
  g_autoptr(GBytes) sealed = seal (w, w->case_cs);
  g_autoptr(OmbudSecret) office_key = key_of (w->a, OMBUD_KEY_OFFICE, 1, NULL);
  g_autoptr(GBytes) plain = ombud_changeset_encode (w->case_cs);
  gsize len;
  const guint8 *orig = g_bytes_get_data (sealed, &len);
  Hdr h = hdr_of (w->case_cs);
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());

  /* junk, and junk behind a valid version and header */
  for (guint i = 0; i < 3000; i++)
    {
      gsize n = g_rand_int_range (rand, 0, 400);
      g_autofree guint8 *junk = g_malloc (n + 1);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(OmbudChangeset) cs = NULL;

      for (gsize k = 0; k < n; k++)
        junk[k] = (guint8) g_rand_int (rand);
      if (i % 2 && n > O_PART0)
        memcpy (junk, orig, O_NPARTS + (i % 4 == 1));
      bytes = g_bytes_new (junk, n);
      cs = open_as (w->a, w->a, bytes, NULL, &error);
      g_assert_null (cs);
      g_assert_nonnull (error);
    }
  /* the real thing with a few random bytes changed */
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree guint8 *copy = g_memdup2 (orig, len);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(OmbudChangeset) cs = NULL;
      guint n = g_rand_int_range (rand, 1, 5);

      for (guint k = 0; k < n; k++)
        copy[g_rand_int_range (rand, 0, len)] ^= (guint8) g_rand_int_range (rand, 1, 256);
      bytes = g_bytes_new (copy, len);
      cs = open_as (w->a, w->a, bytes, NULL, &error);
      g_assert_null (cs);
      g_assert_nonnull (error);
    }
  /* behind a good signature and AD, as a malicious author could: junk
   * frames, and real frames of damaged changesets; no crash, and what
   * opens holds only office-tier changes in range */
  for (guint i = 0; i < 2000; i++)
    {
      gsize plen = g_bytes_get_size (plain);
      g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (plain, NULL), plen);
      g_autoptr(GBytes) damaged = NULL, packed = NULL, bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(OmbudChangeset) cs = NULL;

      for (guint k = 0; k < 1 + i % 3; k++)
        copy[g_rand_int_range (rand, 0, plen)] ^= (guint8) g_rand_int_range (rand, 1, 256);
      damaged = g_bytes_new (copy, i % 5 == 0 ? (gsize) g_rand_int_range (rand, 0, plen) : plen);
      packed = i % 7 == 0 ? g_bytes_ref (damaged) : zstd_pack (damaged);
      bytes = build_sealed (&h, (PartSpec[]) { { 1, 1, packed, ombud_secret_get_data (office_key) } }, 1,
                            w->a->id);
      cs = open_as (w->b, w->a, bytes, NULL, &error);
      g_assert_true ((cs == NULL) != (error == NULL));
      for (guint k = 0; cs && k < cs->changes->len; k++)
        {
          OmbudChange *c = g_ptr_array_index (cs->changes, k);
          g_assert_cmpint (tier_of (c), ==, OMBUD_TIER_OFFICE);
          g_assert_cmpuint (c->hlc, >=, h.min);
          g_assert_cmpuint (c->hlc, <=, h.max);
        }
    }
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/seal/round-trip", test_round_trip);
  g_test_add_func ("/seal/layout", test_layout);
  g_test_add_func ("/seal/tier-split", test_tier_split);
  g_test_add_func ("/seal/missing-keys", test_missing_keys);
  g_test_add_func ("/seal/refuses", test_seal_refuses);
  g_test_add_func ("/seal/epochs", test_epochs);
  g_test_add_func ("/seal/tamper/every-byte", test_flip_every_byte);
  g_test_add_func ("/seal/tamper/truncated", test_truncated);
  g_test_add_func ("/seal/tamper/header-restamped", test_header_restamped);
  g_test_add_func ("/seal/tamper/wrong-org", test_wrong_org);
  g_test_add_func ("/seal/tamper/splice", test_splice);
  g_test_add_func ("/seal/tamper/contents", test_contents_checked);
  g_test_add_func ("/seal/decompression-bomb", test_decompression_bomb);
  g_test_add_func ("/seal/fuzz", test_fuzz);

  return g_test_run ();
}
