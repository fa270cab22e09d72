/* ombud-keyfile.c: the database key, wrapped under the passphrase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The database key is random.  What is on disk is that key sealed with
 * XChaCha20-Poly1305 under a key derived from the passphrase with Argon2id,
 * so a passphrase change rewrites this small file and nothing else.  The
 * Argon2id costs and the database salt are bound in as associated data, and
 * an unkeyed hash over every field tells a damaged file from a wrong
 * passphrase.
 *
 * A guarded key file (PROTOCOL.md §10.4) wraps the database key under
 * BLAKE2b-256(key = passphrase-derived key, "ombud-guard-v1" ‖ share), the
 * share being what the office hands a confirmed laptop: without it the
 * passphrase alone opens nothing.  Whether a file is guarded is bound into
 * the associated data, so that flag cannot be flipped unnoticed.
 */
#include "ombud-keyfile.h"

#include <sodium.h>
#include <string.h>

#define GROUP        "Ombud Key"
#define VERSION      1
#define KEY_BYTES    32
#define NONCE_BYTES  crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define WRAPPED_BYTES (KEY_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define CHECK_BYTES  16

G_DEFINE_QUARK (ombud-keyfile-error-quark, ombud_keyfile_error)

typedef struct {
  OmbudKdfLimits limits;
  guint8 pw_salt[crypto_pwhash_SALTBYTES];
  guint8 db_salt[OMBUD_KEYFILE_SALT_BYTES];
  guint8 nonce[NONCE_BYTES];
  guint8 wrapped[WRAPPED_BYTES];
  gboolean guarded;
} WrappedKey;

const OmbudKdfLimits *
ombud_kdf_limits_default (void)
{
  /* About half a second and 256 MiB on the team's laptops (see
   * bench/bench-unlock.c): slow for a guesser, bearable at every unlock. */
  static const OmbudKdfLimits limits = {
    crypto_pwhash_OPSLIMIT_MODERATE,
    crypto_pwhash_MEMLIMIT_MODERATE,
  };
  return &limits;
}

static void
associated_data (const WrappedKey *w,
                 guint8            ad[64])
{
  memset (ad, 0, 64);
  memcpy (ad, "ombud-key-v1", 12);
  ad[12] = w->guarded ? 1 : 0;
  for (int i = 0; i < 8; i++)
    {
      ad[16 + i] = (w->limits.opslimit >> (8 * i)) & 0xff;
      ad[24 + i] = ((guint64) w->limits.memlimit >> (8 * i)) & 0xff;
    }
  memcpy (ad + 32, w->db_salt, OMBUD_KEYFILE_SALT_BYTES);
}

static void
check_value (const WrappedKey *w,
             guint8            out[CHECK_BYTES])
{
  guint8 ad[64];

  associated_data (w, ad);
  crypto_generichash_state st;
  crypto_generichash_init (&st, NULL, 0, CHECK_BYTES);
  crypto_generichash_update (&st, ad, sizeof ad);
  crypto_generichash_update (&st, w->pw_salt, sizeof w->pw_salt);
  crypto_generichash_update (&st, w->nonce, sizeof w->nonce);
  crypto_generichash_update (&st, w->wrapped, sizeof w->wrapped);
  crypto_generichash_final (&st, out, CHECK_BYTES);
}

static OmbudSecret *
derive_kek (const char            *passphrase,
            const guint8          *pw_salt,
            const OmbudKdfLimits  *limits,
            GError               **error)
{
  g_autoptr(OmbudSecret) kek = ombud_secret_new (KEY_BYTES);

  if (crypto_pwhash (ombud_secret_get_data (kek), KEY_BYTES, passphrase, strlen (passphrase),
                     pw_salt, limits->opslimit, limits->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
    {
      g_set_error (error, OMBUD_KEYFILE_ERROR, OMBUD_KEYFILE_ERROR_FAILED,
                   "not enough memory to derive the key from the passphrase");
      return NULL;
    }
  return g_steal_pointer (&kek);
}

static gboolean
get_bytes (GKeyFile  *kf,
           const char *name,
           guint8    *out,
           gsize      size)
{
  g_autofree char *text = g_key_file_get_string (kf, GROUP, name, NULL);
  g_autofree guint8 *raw = NULL;
  gsize len = 0;

  if (text == NULL)
    return FALSE;
  raw = g_base64_decode (text, &len);
  if (len != size)
    return FALSE;
  memcpy (out, raw, size);
  return TRUE;
}

static void
set_bytes (GKeyFile     *kf,
           const char   *name,
           const guint8 *data,
           gsize         size)
{
  g_autofree char *text = g_base64_encode (data, size);

  g_key_file_set_string (kf, GROUP, name, text);
}

static gboolean
load (const char  *path,
      WrappedKey  *w,
      GError     **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  guint8 check[CHECK_BYTES], expected[CHECK_BYTES];
  g_autofree char *kdf = NULL;
  gint64 version;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, OMBUD_KEYFILE_ERROR, OMBUD_KEYFILE_ERROR_NOT_FOUND,
                     "no key file at %s", path);
      else
        g_set_error (error, OMBUD_KEYFILE_ERROR, OMBUD_KEYFILE_ERROR_CORRUPTED,
                     "the key file %s is damaged: %s", path, local_error->message);
      return FALSE;
    }

  version = g_key_file_get_int64 (kf, GROUP, "Version", NULL);
  if (version > VERSION)
    {
      g_set_error (error, OMBUD_KEYFILE_ERROR, OMBUD_KEYFILE_ERROR_UNSUPPORTED_VERSION,
                   "the key file was written by a newer Ombud (format %" G_GINT64_FORMAT ")", version);
      return FALSE;
    }

  kdf = g_key_file_get_string (kf, GROUP, "Kdf", NULL);
  w->limits.opslimit = g_key_file_get_uint64 (kf, GROUP, "OpsLimit", NULL);
  w->limits.memlimit = g_key_file_get_uint64 (kf, GROUP, "MemLimit", NULL);
  if (version != VERSION
      || g_strcmp0 (kdf, "argon2id13") != 0
      || !get_bytes (kf, "PassphraseSalt", w->pw_salt, sizeof w->pw_salt)
      || !get_bytes (kf, "DatabaseSalt", w->db_salt, sizeof w->db_salt)
      || !get_bytes (kf, "Nonce", w->nonce, sizeof w->nonce)
      || !get_bytes (kf, "WrappedKey", w->wrapped, sizeof w->wrapped)
      || !get_bytes (kf, "Check", check, sizeof check)
      || w->limits.opslimit < crypto_pwhash_OPSLIMIT_MIN
      || w->limits.memlimit < crypto_pwhash_MEMLIMIT_MIN
      || w->limits.memlimit > G_MAXSIZE / 2)
    goto damaged;

  w->guarded = g_key_file_get_boolean (kf, GROUP, "Guarded", NULL);
  check_value (w, expected);
  if (sodium_memcmp (check, expected, CHECK_BYTES) != 0)
    goto damaged;
  return TRUE;

damaged:
  g_set_error (error, OMBUD_KEYFILE_ERROR, OMBUD_KEYFILE_ERROR_CORRUPTED,
               "the key file %s is damaged", path);
  return FALSE;
}

static gboolean
save (const char        *path,
      const WrappedKey  *w,
      GError           **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *data = NULL;
  guint8 check[CHECK_BYTES];
  gsize len;

  check_value (w, check);
  g_key_file_set_int64 (kf, GROUP, "Version", VERSION);
  g_key_file_set_string (kf, GROUP, "Kdf", "argon2id13");
  g_key_file_set_uint64 (kf, GROUP, "OpsLimit", w->limits.opslimit);
  g_key_file_set_uint64 (kf, GROUP, "MemLimit", w->limits.memlimit);
  set_bytes (kf, "PassphraseSalt", w->pw_salt, sizeof w->pw_salt);
  set_bytes (kf, "DatabaseSalt", w->db_salt, sizeof w->db_salt);
  set_bytes (kf, "Nonce", w->nonce, sizeof w->nonce);
  set_bytes (kf, "WrappedKey", w->wrapped, sizeof w->wrapped);
  set_bytes (kf, "Check", check, sizeof check);
  if (w->guarded)
    g_key_file_set_boolean (kf, GROUP, "Guarded", TRUE);
  data = g_key_file_to_data (kf, &len, NULL);

  /* Durable before we return: the passphrase change or the new profile is
   * only "done" once the new wrapping survives a power cut. */
  return g_file_set_contents_full (path, data, len,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

/* The key the database key is wrapped under: the passphrase-derived key,
 * or for a guarded file that key bound to the office's share. */
static OmbudSecret *
wrapping_key (OmbudSecret   *kek,
              const guint8  *share)
{
  static const char label[] = "ombud-guard-v1";
  OmbudSecret *wk = ombud_secret_new (KEY_BYTES);
  crypto_generichash_state st;

  if (share == NULL)
    {
      memcpy (ombud_secret_get_data (wk), ombud_secret_get_data (kek), KEY_BYTES);
      return wk;
    }
  crypto_generichash_init (&st, ombud_secret_get_data (kek), KEY_BYTES, KEY_BYTES);
  crypto_generichash_update (&st, (const guint8 *) label, sizeof label - 1);
  crypto_generichash_update (&st, share, OMBUD_KEYFILE_SHARE_BYTES);
  crypto_generichash_final (&st, ombud_secret_get_data (wk), KEY_BYTES);
  sodium_memzero (&st, sizeof st);
  return wk;
}

static void
seal_key (WrappedKey    *w,
          OmbudSecret   *kek,
          const guint8  *share,
          OmbudSecret   *key)
{
  g_autoptr(OmbudSecret) wk = wrapping_key (kek, share);
  guint8 ad[64];

  w->guarded = share != NULL;
  randombytes_buf (w->nonce, sizeof w->nonce);
  associated_data (w, ad);
  crypto_aead_xchacha20poly1305_ietf_encrypt (w->wrapped, NULL, ombud_secret_get_data (key),
                                              KEY_BYTES, ad, sizeof ad, NULL, w->nonce,
                                              ombud_secret_get_data (wk));
}

static gboolean
wrap (WrappedKey            *w,
      const char            *passphrase,
      const OmbudKdfLimits  *limits,
      OmbudSecret           *key,
      const guint8          *share,
      OmbudSecret          **out_kek,
      GError               **error)
{
  g_autoptr(OmbudSecret) kek = NULL;

  w->limits = *limits;
  randombytes_buf (w->pw_salt, sizeof w->pw_salt);
  kek = derive_kek (passphrase, w->pw_salt, limits, error);
  if (kek == NULL)
    return FALSE;
  seal_key (w, kek, share, key);
  if (out_kek)
    *out_kek = g_steal_pointer (&kek);
  return TRUE;
}

static OmbudSecret *
unwrap_with (const WrappedKey  *w,
             OmbudSecret       *kek,
             const guint8      *share,
             GError           **error)
{
  g_autoptr(OmbudSecret) wk = NULL;
  g_autoptr(OmbudSecret) key = NULL;
  guint8 ad[64];

  if (w->guarded && share == NULL)
    {
      g_set_error_literal (error, OMBUD_KEYFILE_ERROR, OMBUD_KEYFILE_ERROR_GUARDED,
                           "the key file opens only with the office's share");
      return NULL;
    }
  wk = wrapping_key (kek, w->guarded ? share : NULL);
  associated_data (w, ad);
  key = ombud_secret_new (KEY_BYTES);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt (ombud_secret_get_data (key), NULL, NULL,
                                                  w->wrapped, sizeof w->wrapped, ad, sizeof ad,
                                                  w->nonce, ombud_secret_get_data (wk)) != 0)
    {
      g_set_error_literal (error, OMBUD_KEYFILE_ERROR, OMBUD_KEYFILE_ERROR_WRONG_PASSPHRASE,
                           "wrong passphrase");
      return NULL;
    }
  return g_steal_pointer (&key);
}

static OmbudSecret *
unwrap (const WrappedKey  *w,
        const char        *passphrase,
        const guint8      *share,
        GError           **error)
{
  g_autoptr(OmbudSecret) kek = derive_kek (passphrase, w->pw_salt, &w->limits, error);

  if (kek == NULL)
    return NULL;
  return unwrap_with (w, kek, share, error);
}

gboolean
ombud_keyfile_write (const char            *path,
                     const char            *passphrase,
                     const OmbudKdfLimits  *limits,
                     OmbudSecret           *key,
                     const guint8          *database_salt,
                     GError               **error)
{
  return ombud_keyfile_write_full (path, passphrase, limits, key, database_salt, NULL, NULL, error);
}

gboolean
ombud_keyfile_write_full (const char            *path,
                          const char            *passphrase,
                          const OmbudKdfLimits  *limits,
                          OmbudSecret           *key,
                          const guint8          *database_salt,
                          const guint8          *share,
                          OmbudSecret          **out_kek,
                          GError               **error)
{
  g_autoptr(OmbudSecret) kek = NULL;
  WrappedKey w = { 0 };

  g_return_val_if_fail (ombud_secret_get_size (key) == KEY_BYTES, FALSE);

  memcpy (w.db_salt, database_salt, sizeof w.db_salt);
  if (!wrap (&w, passphrase, limits ? limits : ombud_kdf_limits_default (), key, share, &kek, error)
      || !save (path, &w, error))
    return FALSE;
  if (out_kek)
    *out_kek = g_steal_pointer (&kek);
  return TRUE;
}

/* An unwrapped key and what the file records beside it, to the caller. */
static gboolean
give_out (const WrappedKey  *w,
          OmbudSecret       *key,
          OmbudSecret      **out_key,
          guint8            *out_database_salt,
          OmbudKdfLimits    *out_limits)
{
  *out_key = key;
  if (out_database_salt)
    memcpy (out_database_salt, w->db_salt, sizeof w->db_salt);
  if (out_limits)
    *out_limits = w->limits;
  return TRUE;
}

gboolean
ombud_keyfile_unwrap (const char      *path,
                      const char      *passphrase,
                      OmbudSecret    **out_key,
                      guint8          *out_database_salt,
                      OmbudKdfLimits  *out_limits,
                      GError         **error)
{
  WrappedKey w;
  OmbudSecret *key;

  if (!load (path, &w, error))
    return FALSE;
  key = unwrap (&w, passphrase, NULL, error);
  return key != NULL && give_out (&w, key, out_key, out_database_salt, out_limits);
}

OmbudSecret *
ombud_keyfile_derive (const char  *path,
                      const char  *passphrase,
                      gboolean    *out_guarded,
                      GError     **error)
{
  WrappedKey w;

  if (!load (path, &w, error))
    return NULL;
  if (out_guarded)
    *out_guarded = w.guarded;
  return derive_kek (passphrase, w.pw_salt, &w.limits, error);
}

gboolean
ombud_keyfile_unwrap_with (const char      *path,
                           OmbudSecret     *kek,
                           const guint8    *share,
                           OmbudSecret    **out_key,
                           guint8          *out_database_salt,
                           OmbudKdfLimits  *out_limits,
                           GError         **error)
{
  WrappedKey w;
  OmbudSecret *key;

  if (!load (path, &w, error))
    return FALSE;
  key = unwrap_with (&w, kek, share, error);
  return key != NULL && give_out (&w, key, out_key, out_database_salt, out_limits);
}

gboolean
ombud_keyfile_guard (const char    *path,
                     OmbudSecret   *kek,
                     const guint8  *share,
                     GError       **error)
{
  g_autoptr(OmbudSecret) key = NULL;
  WrappedKey w;

  if (!load (path, &w, error))
    return FALSE;
  if (w.guarded)
    return TRUE;
  key = unwrap_with (&w, kek, NULL, error);
  if (key == NULL)
    return FALSE;
  /* The same salt and costs: the passphrase-derived key stays the one the
   * guard file is sealed under. */
  seal_key (&w, kek, share, key);
  return save (path, &w, error);
}

gboolean
ombud_keyfile_rewrap (const char  *path,
                      const char  *old_passphrase,
                      const char  *new_passphrase,
                      GError     **error)
{
  return ombud_keyfile_rewrap_full (path, old_passphrase, new_passphrase, NULL, error);
}

gboolean
ombud_keyfile_rewrap_full (const char    *path,
                           const char    *old_passphrase,
                           const char    *new_passphrase,
                           OmbudSecret  **out_new_kek,
                           GError       **error)
{
  g_autoptr(OmbudSecret) key = NULL;
  g_autoptr(OmbudSecret) kek = NULL;
  WrappedKey w;

  if (!load (path, &w, error))
    return FALSE;
  key = unwrap (&w, old_passphrase, NULL, error);
  if (key == NULL)
    return FALSE;
  /* The recorded costs stay: they were chosen for this profile at creation. */
  if (!wrap (&w, new_passphrase, &w.limits, key, NULL, &kek, error)
      || !save (path, &w, error))
    return FALSE;
  if (out_new_kek)
    *out_new_kek = g_steal_pointer (&kek);
  return TRUE;
}
