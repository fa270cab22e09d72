/* ombud-guard.c: what keeps a laptop's replica shut after N days without a sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On disk: "OMBUDGRD" ‖ version u32 LE ‖ nonce(24) ‖ XChaCha20-Poly1305 of
 * the fields below, with the first twelve bytes as associated data ‖ an
 * unkeyed BLAKE2b-128 of everything before it.  The unkeyed hash tells a
 * damaged file (CORRUPTED) from a wrong passphrase, as in the key file.
 *
 * Fields (little-endian): last_sync i64, stale_days u32, has_share u8,
 * share(32), guard public key(32), guard secret key(32), org id(16),
 * device id u64, url length u16 ‖ url, pin length u16 ‖ pin, CA file
 * length u16 ‖ CA file.
 */
#include "ombud-guard.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#define MAGIC        "OMBUDGRD"
#define VERSION      1
#define HEADER_BYTES 12
#define NONCE_BYTES  crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES    crypto_aead_xchacha20poly1305_ietf_ABYTES
#define CHECK_BYTES  16
#define FIXED_BYTES  (8 + 4 + 1 + 32 + 32 + 32 + 16 + 8)
#define MAX_TEXT     4096

G_DEFINE_QUARK (ombud-guard-error-quark, ombud_guard_error)

OmbudGuard *
ombud_guard_new (void)
{
  /* Holds the share and the guard's secret key: locked, guarded memory. */
  OmbudGuard *guard = sodium_malloc (sizeof *guard);

  g_assert (guard != NULL);
  memset (guard, 0, sizeof *guard);
  crypto_box_keypair (guard->public_key, guard->secret_key);
  return guard;
}

void
ombud_guard_free (OmbudGuard *guard)
{
  if (guard == NULL)
    return;
  g_free (guard->url);
  g_free (guard->pinned_key);
  g_free (guard->ca_file);
  sodium_free (guard);  /* zeroes it */
}

/* Its own key, so that nothing else sealed under the key file's key can be
 * passed off as a guard. */
static void
file_key (OmbudSecret *kek,
          guint8       out[crypto_aead_xchacha20poly1305_ietf_KEYBYTES])
{
  static const char label[] = "ombud-guard-file-v1";

  crypto_generichash (out, crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
                      (const guint8 *) label, sizeof label - 1,
                      ombud_secret_get_data (kek), ombud_secret_get_size (kek));
}

static void
put_le (guint8  *p,
        guint64  v,
        guint    n)
{
  for (guint i = 0; i < n; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

static guint64
get_le (const guint8 *p,
        guint         n)
{
  guint64 v = 0;

  for (guint i = 0; i < n; i++)
    v |= (guint64) p[i] << (8 * i);
  return v;
}

static gsize
text_len (const char *s)
{
  return s ? strlen (s) : 0;
}

static OmbudSecret *
encode (const OmbudGuard *g)
{
  gsize ulen = text_len (g->url), plen = text_len (g->pinned_key), clen = text_len (g->ca_file);
  OmbudSecret *plain = ombud_secret_new (FIXED_BYTES + 2 + ulen + 2 + plen + 2 + clen);
  guint8 *p = ombud_secret_get_data (plain);

  put_le (p, (guint64) g->last_sync, 8); p += 8;
  put_le (p, g->stale_days, 4); p += 4;
  *p++ = g->has_share ? 1 : 0;
  memcpy (p, g->share, 32); p += 32;
  memcpy (p, g->public_key, 32); p += 32;
  memcpy (p, g->secret_key, 32); p += 32;
  memcpy (p, g->org_id, 16); p += 16;
  put_le (p, g->device_id, 8); p += 8;
  put_le (p, ulen, 2); p += 2;
  memcpy (p, g->url ? g->url : "", ulen); p += ulen;
  put_le (p, plen, 2); p += 2;
  memcpy (p, g->pinned_key ? g->pinned_key : "", plen); p += plen;
  put_le (p, clen, 2); p += 2;
  memcpy (p, g->ca_file ? g->ca_file : "", clen);
  return plain;
}

static char *
take_text (const guint8 **p,
           const guint8  *end)
{
  gsize len;
  char *s;

  if (end - *p < 2)
    return NULL;
  len = get_le (*p, 2);
  *p += 2;
  if ((gsize) (end - *p) < len || len > MAX_TEXT)
    return NULL;
  s = g_strndup ((const char *) *p, len);
  *p += len;
  return s;
}

static OmbudGuard *
decode (const guint8 *p,
        gsize         len)
{
  g_autoptr(OmbudGuard) g = NULL;
  const guint8 *end = p + len;

  if (len < FIXED_BYTES + 6)
    return NULL;
  g = ombud_guard_new ();
  g->last_sync = (gint64) get_le (p, 8); p += 8;
  g->stale_days = get_le (p, 4); p += 4;
  if (*p > 1)
    return NULL;
  g->has_share = *p++ == 1;
  memcpy (g->share, p, 32); p += 32;
  memcpy (g->public_key, p, 32); p += 32;
  memcpy (g->secret_key, p, 32); p += 32;
  memcpy (g->org_id, p, 16); p += 16;
  g->device_id = get_le (p, 8); p += 8;
  g->url = take_text (&p, end);
  if (g->url == NULL)
    return NULL;
  g->pinned_key = take_text (&p, end);
  if (g->pinned_key == NULL)
    return NULL;
  g->ca_file = take_text (&p, end);
  if (g->ca_file == NULL || p != end)
    return NULL;
  if (*g->ca_file == '\0')
    g_clear_pointer (&g->ca_file, g_free);
  if (*g->url == '\0')
    g_clear_pointer (&g->url, g_free);
  if (*g->pinned_key == '\0')
    g_clear_pointer (&g->pinned_key, g_free);
  return g_steal_pointer (&g);
}

OmbudGuard *
ombud_guard_load (const char   *path,
                  OmbudSecret  *kek,
                  GError      **error)
{
  g_autofree guint8 *data = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(OmbudSecret) plain = NULL;
  guint8 key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], check[CHECK_BYTES];
  gsize len = 0, body;
  OmbudGuard *guard;
  int rc;

  if (!g_file_get_contents (path, (char **) &data, &len, &local_error))
    {
      g_set_error (error, OMBUD_GUARD_ERROR,
                   g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                   ? OMBUD_GUARD_ERROR_NOT_FOUND : OMBUD_GUARD_ERROR_FAILED,
                   "cannot read %s: %s", path, local_error->message);
      return NULL;
    }
  if (len < HEADER_BYTES + NONCE_BYTES + TAG_BYTES + CHECK_BYTES || memcmp (data, MAGIC, 8) != 0)
    goto damaged;
  if (get_le (data + 8, 4) > VERSION)
    {
      g_set_error (error, OMBUD_GUARD_ERROR, OMBUD_GUARD_ERROR_UNSUPPORTED_VERSION,
                   "the guard file was written by a newer Ombud");
      return NULL;
    }
  crypto_generichash (check, CHECK_BYTES, data, len - CHECK_BYTES, NULL, 0);
  if (get_le (data + 8, 4) != VERSION || sodium_memcmp (check, data + len - CHECK_BYTES, CHECK_BYTES) != 0)
    goto damaged;

  body = len - HEADER_BYTES - NONCE_BYTES - CHECK_BYTES;
  plain = ombud_secret_new (body - TAG_BYTES);
  file_key (kek, key);
  rc = crypto_aead_xchacha20poly1305_ietf_decrypt (ombud_secret_get_data (plain), NULL, NULL,
                                                   data + HEADER_BYTES + NONCE_BYTES, body,
                                                   data, HEADER_BYTES, data + HEADER_BYTES, key);
  sodium_memzero (key, sizeof key);
  if (rc != 0)
    {
      g_set_error_literal (error, OMBUD_GUARD_ERROR, OMBUD_GUARD_ERROR_WRONG_PASSPHRASE,
                           "wrong passphrase");
      return NULL;
    }
  guard = decode (ombud_secret_get_data (plain), ombud_secret_get_size (plain));
  if (guard != NULL)
    return guard;

damaged:
  g_set_error (error, OMBUD_GUARD_ERROR, OMBUD_GUARD_ERROR_CORRUPTED,
               "the guard file %s is damaged", path);
  return NULL;
}

/* As the key file is written (ombud-keyfile.c), and then the folder flushed
 * too: the key file is guarded only after this rename is on the disk. */
static gboolean
write_all_durably (const char    *path,
                   const guint8  *data,
                   gsize          len,
                   GError       **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) local_error = NULL;
  int dfd, saved = 0;

  if (!g_file_set_contents_full (path, (const char *) data, len, G_FILE_SET_CONTENTS_CONSISTENT
                                 | G_FILE_SET_CONTENTS_DURABLE, 0600, &local_error))
    {
      g_set_error (error, OMBUD_GUARD_ERROR, OMBUD_GUARD_ERROR_FAILED, "cannot write %s: %s", path,
                   local_error->message);
      return FALSE;
    }
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || fsync (dfd) != 0)
    saved = errno;
  if (dfd >= 0)
    close (dfd);
  if (saved != 0)
    {
      g_set_error (error, OMBUD_GUARD_ERROR, OMBUD_GUARD_ERROR_FAILED,
                   "cannot flush %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
ombud_guard_save (const char        *path,
                  OmbudSecret       *kek,
                  const OmbudGuard  *guard,
                  GError           **error)
{
  g_autoptr(OmbudSecret) plain = encode (guard);
  gsize plen = ombud_secret_get_size (plain);
  gsize len = HEADER_BYTES + NONCE_BYTES + plen + TAG_BYTES + CHECK_BYTES;
  g_autofree guint8 *data = g_malloc (len);
  guint8 key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];

  memcpy (data, MAGIC, 8);
  put_le (data + 8, VERSION, 4);
  randombytes_buf (data + HEADER_BYTES, NONCE_BYTES);
  file_key (kek, key);
  crypto_aead_xchacha20poly1305_ietf_encrypt (data + HEADER_BYTES + NONCE_BYTES, NULL,
                                              ombud_secret_get_data (plain), plen,
                                              data, HEADER_BYTES, NULL, data + HEADER_BYTES, key);
  sodium_memzero (key, sizeof key);
  crypto_generichash (data + len - CHECK_BYTES, CHECK_BYTES, data, len - CHECK_BYTES, NULL, 0);
  return write_all_durably (path, data, len, error);
}

gboolean
ombud_guard_is_stale (const OmbudGuard *guard,
                      gint64            now)
{
  return !guard->has_share || now > guard->last_sync + (gint64) guard->stale_days * 86400;
}

gint64
ombud_guard_days_since (const OmbudGuard *guard,
                        gint64            now)
{
  return MAX (now - guard->last_sync, 0) / 86400;
}

gboolean
ombud_guard_open_share (OmbudGuard    *guard,
                        const guint8  *sealed,
                        gsize          sealed_len,
                        GError       **error)
{
  guint8 *plain;
  guint32 days;

  if (sealed_len != crypto_box_SEALBYTES + OMBUD_GUARD_SHARE_BYTES + 4)
    goto bad;
  plain = sodium_malloc (OMBUD_GUARD_SHARE_BYTES + 4);
  if (crypto_box_seal_open (plain, sealed, sealed_len, guard->public_key, guard->secret_key) != 0)
    {
      sodium_free (plain);
      goto bad;
    }
  days = (guint32) get_le (plain + OMBUD_GUARD_SHARE_BYTES, 4);
  if (days < 1 || days > 3650)
    {
      sodium_free (plain);
      goto bad;
    }
  memcpy (guard->share, plain, OMBUD_GUARD_SHARE_BYTES);
  guard->has_share = TRUE;
  guard->stale_days = days;
  sodium_free (plain);
  return TRUE;

bad:
  g_set_error_literal (error, OMBUD_GUARD_ERROR, OMBUD_GUARD_ERROR_CORRUPTED,
                       "the office's share does not open with this laptop's guard key");
  return FALSE;
}
