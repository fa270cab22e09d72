/* ombud-http.c: one HTTP POST through libcurl, for the sync engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One easy handle in a multi handle of its own per client.  The connection
 * cache lives in the multi handle, so consecutive POSTs to one server reuse
 * one TCP (and TLS) connection.  The transfer is driven here rather than by
 * curl_easy_perform() so that a cancellation is seen within POLL_MS even
 * while nothing moves on the wire: libcurl calls its progress callback only
 * about once a second on a stalled transfer.
 *
 * Proxies: libcurl's default environment handling is left on, so
 * http_proxy, https_proxy, all_proxy and no_proxy (lower case; HTTP_PROXY in
 * upper case is ignored by libcurl) route requests through a proxy.  HTTPS
 * then goes through a CONNECT tunnel and is verified end to end as usual.
 *
 * Bodies are never logged and never put into error messages.
 */
#include "ombud-http.h"

#include <curl/curl.h>

#define DEFAULT_CONNECT_TIMEOUT_S   20
#define DEFAULT_LOW_SPEED_TIMEOUT_S 60
#define DEFAULT_MAX_RESPONSE        (64 * 1024 * 1024)
#define POLL_MS                     100

struct _OmbudHttp {
  CURLM             *multi;
  CURL              *curl;
  struct curl_slist *headers;
  CURLcode           setup_result;  /* the first setopt that failed, if any */
  const char        *setup_what;
  gsize              max_response;
  char               errbuf[CURL_ERROR_SIZE];

  /* The call in progress */
  GByteArray        *received;
  gboolean           too_large;
  gboolean           headers_ended;  /* the blank line after the last header came */
  GCancellable      *cancellable;
};

G_DEFINE_QUARK (ombud-http-error-quark, ombud_http_error)

static gpointer
global_init (gpointer data G_GNUC_UNUSED)
{
  return GINT_TO_POINTER (curl_global_init (CURL_GLOBAL_DEFAULT));
}

static CURLcode
global_init_once (void)
{
  static GOnce once = G_ONCE_INIT;

  return GPOINTER_TO_INT (g_once (&once, global_init, NULL));
}

static size_t
on_write (char   *data,
          size_t  size,
          size_t  nmemb,
          void   *user_data)
{
  OmbudHttp *self = user_data;
  gsize n = size * nmemb;

  if (n > self->max_response - self->received->len)
    {
      self->too_large = TRUE;
      return 0;  /* CURLE_WRITE_ERROR */
    }
  g_byte_array_append (self->received, (const guint8 *) data, n);
  return n;
}

/* libcurl 7.88 takes a connection that closes inside the response's
 * headers for a whole response with an empty body; only the blank line that
 * ends the headers says they all came. */
static size_t
on_header (char   *data,
           size_t  size,
           size_t  nmemb,
           void   *user_data)
{
  OmbudHttp *self = user_data;
  gsize n = size * nmemb;

  if ((n == 2 && data[0] == '\r' && data[1] == '\n') || (n == 1 && data[0] == '\n'))
    self->headers_ended = TRUE;
  else if (n >= 5 && g_ascii_strncasecmp (data, "HTTP/", 5) == 0)
    self->headers_ended = FALSE;  /* a new response's status line: interim ones have headers too */
  return n;
}

static int
on_progress (void       *user_data,
             curl_off_t  dltotal G_GNUC_UNUSED,
             curl_off_t  dlnow G_GNUC_UNUSED,
             curl_off_t  ultotal G_GNUC_UNUSED,
             curl_off_t  ulnow G_GNUC_UNUSED)
{
  OmbudHttp *self = user_data;

  return g_cancellable_is_cancelled (self->cancellable) ? 1 : 0;
}

/* Records the first failing option; ombud_http_post() reports it, so that a
 * pin or CA file that could not be set never leads to a laxer connection. */
#define SETOPT(self, option, value) \
  setopt_check ((self), curl_easy_setopt ((self)->curl, (option), (value)), #option)

static void
setopt_check (OmbudHttp  *self,
              CURLcode    result,
              const char *what)
{
  if (result != CURLE_OK && self->setup_result == CURLE_OK)
    {
      self->setup_result = result;
      self->setup_what = what;
    }
}

static void
setup_tls (OmbudHttp              *self,
           const OmbudHttpOptions *options)
{
  SETOPT (self, CURLOPT_SSL_VERIFYPEER, 1L);
  SETOPT (self, CURLOPT_SSL_VERIFYHOST, 2L);
  if (options->ca_file != NULL)
    {
      /* Instead of the system's store, not beside it: Debian's libcurl
       * also looks in /etc/ssl/certs unless told otherwise. */
      SETOPT (self, CURLOPT_CAINFO, options->ca_file);
      SETOPT (self, CURLOPT_CAPATH, (char *) NULL);
    }
  if (options->pinned_key != NULL)
    SETOPT (self, CURLOPT_PINNEDPUBLICKEY, options->pinned_key);
}

static void
setup_transfer (OmbudHttp              *self,
                const OmbudHttpOptions *options)
{
  long connect_s = options->connect_timeout_s ? options->connect_timeout_s : DEFAULT_CONNECT_TIMEOUT_S;
  long low_speed_s = options->low_speed_timeout_s ? options->low_speed_timeout_s : DEFAULT_LOW_SPEED_TIMEOUT_S;
  curl_off_t max_file = (curl_off_t) MIN (self->max_response, (gsize) G_MAXINT64);

  SETOPT (self, CURLOPT_NOSIGNAL, 1L);
  SETOPT (self, CURLOPT_ERRORBUFFER, self->errbuf);
  SETOPT (self, CURLOPT_PROTOCOLS_STR, "http,https");
  SETOPT (self, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_1_1);
  SETOPT (self, CURLOPT_POST, 1L);
  SETOPT (self, CURLOPT_HTTPHEADER, self->headers);
  SETOPT (self, CURLOPT_CONNECTTIMEOUT, connect_s);
  SETOPT (self, CURLOPT_LOW_SPEED_LIMIT, 1L);
  SETOPT (self, CURLOPT_LOW_SPEED_TIME, low_speed_s);
  SETOPT (self, CURLOPT_MAXFILESIZE_LARGE, max_file);
  SETOPT (self, CURLOPT_WRITEFUNCTION, on_write);
  SETOPT (self, CURLOPT_WRITEDATA, self);
  SETOPT (self, CURLOPT_HEADERFUNCTION, on_header);
  SETOPT (self, CURLOPT_HEADERDATA, self);
  SETOPT (self, CURLOPT_XFERINFOFUNCTION, on_progress);
  SETOPT (self, CURLOPT_XFERINFODATA, self);
  SETOPT (self, CURLOPT_NOPROGRESS, 0L);
}

/* Never fails: when libcurl cannot be set up (out of memory, or its TLS
 * library failed to initialise) every ombud_http_post() reports it. */
OmbudHttp *
ombud_http_new (const OmbudHttpOptions *options)
{
  static const OmbudHttpOptions defaults = { 0 };
  OmbudHttp *self = g_new0 (OmbudHttp, 1);
  CURLcode init = global_init_once ();

  if (options == NULL)
    options = &defaults;
  self->max_response = options->max_response ? options->max_response : DEFAULT_MAX_RESPONSE;
  if (init != CURLE_OK)
    {
      setopt_check (self, init, "curl_global_init");
      return self;
    }

  self->multi = curl_multi_init ();
  self->curl = curl_easy_init ();
  self->headers = curl_slist_append (NULL, "Content-Type: application/octet-stream");
  if (self->headers != NULL)
    self->headers = curl_slist_append (self->headers, "Expect:");
  if (self->multi == NULL || self->curl == NULL || self->headers == NULL)
    {
      setopt_check (self, CURLE_OUT_OF_MEMORY, "curl_easy_init");
      return self;
    }
  setup_transfer (self, options);
  setup_tls (self, options);
  return self;
}

void
ombud_http_free (OmbudHttp *self)
{
  if (self == NULL)
    return;
  if (self->curl != NULL)
    curl_easy_cleanup (self->curl);
  if (self->multi != NULL)
    curl_multi_cleanup (self->multi);
  curl_slist_free_all (self->headers);
  g_free (self);
}

void
ombud_http_response_free (OmbudHttpResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response);
}

static OmbudHttpError
error_code_for (OmbudHttp *self,
                CURLcode   result)
{
  switch (result)
    {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return OMBUD_HTTP_ERROR_OFFLINE;
    case CURLE_OPERATION_TIMEDOUT:
      return OMBUD_HTTP_ERROR_TIMEOUT;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
      return OMBUD_HTTP_ERROR_CUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return OMBUD_HTTP_ERROR_TLS;
    case CURLE_FILESIZE_EXCEEDED:
      return OMBUD_HTTP_ERROR_TOO_LARGE;
    case CURLE_WRITE_ERROR:
      return self->too_large ? OMBUD_HTTP_ERROR_TOO_LARGE : OMBUD_HTTP_ERROR_FAILED;
    case CURLE_ABORTED_BY_CALLBACK:
      return g_cancellable_is_cancelled (self->cancellable)
             ? OMBUD_HTTP_ERROR_CANCELLED : OMBUD_HTTP_ERROR_FAILED;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
      return OMBUD_HTTP_ERROR_INVALID;
    default:
      return OMBUD_HTTP_ERROR_FAILED;
    }
}

/* One line, with libcurl's own detail when it left any. */
static void
set_error (OmbudHttp  *self,
           CURLcode    result,
           GError    **error)
{
  OmbudHttpError code = error_code_for (self, result);
  g_autofree char *detail = g_strdelimit (g_strstrip (g_strdup (self->errbuf)), "\r\n", ' ');

  if (code == OMBUD_HTTP_ERROR_TOO_LARGE)
    g_set_error (error, OMBUD_HTTP_ERROR, code,
                 "HTTP response larger than %" G_GSIZE_FORMAT " bytes", self->max_response);
  else if (code == OMBUD_HTTP_ERROR_CANCELLED)
    g_set_error_literal (error, OMBUD_HTTP_ERROR, code, "HTTP request cancelled");
  else if (*detail != '\0')
    g_set_error (error, OMBUD_HTTP_ERROR, code, "HTTP request failed: %s (%s)",
                 detail, curl_easy_strerror (result));
  else
    g_set_error (error, OMBUD_HTTP_ERROR, code, "HTTP request failed: %s",
                 curl_easy_strerror (result));
}

static void
on_cancelled (GCancellable *cancellable G_GNUC_UNUSED,
              gpointer      user_data)
{
  OmbudHttp *self = user_data;

  curl_multi_wakeup (self->multi);  /* thread-safe */
}

/* Whether the transfer has finished, and how. */
static gboolean
transfer_done (OmbudHttp *self,
               CURLcode  *result)
{
  CURLMsg *msg;
  int left;

  while ((msg = curl_multi_info_read (self->multi, &left)) != NULL)
    if (msg->msg == CURLMSG_DONE && msg->easy_handle == self->curl)
      {
        *result = msg->data.result;
        return TRUE;
      }
  return FALSE;
}

static CURLcode
multi_failed (OmbudHttp *self,
              CURLMcode  code)
{
  g_strlcpy (self->errbuf, curl_multi_strerror (code), sizeof self->errbuf);
  return code == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT;
}

static CURLcode
drive (OmbudHttp *self)
{
  CURLcode result = CURLE_OK;
  CURLMcode code;
  int running;

  for (;;)
    {
      code = curl_multi_perform (self->multi, &running);
      if (code != CURLM_OK)
        return multi_failed (self, code);
      if (transfer_done (self, &result))
        return result;
      if (g_cancellable_is_cancelled (self->cancellable))
        return CURLE_ABORTED_BY_CALLBACK;
      code = curl_multi_poll (self->multi, NULL, 0, POLL_MS, NULL);
      if (code != CURLM_OK)
        return multi_failed (self, code);
    }
}

static CURLcode
run (OmbudHttp *self)
{
  CURLcode result;
  CURLMcode code;
  gulong handler = 0;

  code = curl_multi_add_handle (self->multi, self->curl);
  if (code != CURLM_OK)
    return multi_failed (self, code);
  if (self->cancellable != NULL)
    handler = g_cancellable_connect (self->cancellable, G_CALLBACK (on_cancelled), self, NULL);
  result = drive (self);
  g_cancellable_disconnect (self->cancellable, handler);
  /* Keeps the connection in the multi handle's cache when it is reusable,
   * closes it otherwise (an abandoned transfer). */
  curl_multi_remove_handle (self->multi, self->curl);
  return result;
}

static guint64
info_off (CURL     *curl,
          CURLINFO  info)
{
  curl_off_t value = 0;

  curl_easy_getinfo (curl, info, &value);
  return value > 0 ? (guint64) value : 0;
}

static guint64
info_long (CURL     *curl,
           CURLINFO  info)
{
  long value = 0;

  curl_easy_getinfo (curl, info, &value);
  return value > 0 ? (guint64) value : 0;
}

static OmbudHttpResponse *
response_new (OmbudHttp *self)
{
  OmbudHttpResponse *response = g_new0 (OmbudHttpResponse, 1);

  response->status = (guint) info_long (self->curl, CURLINFO_RESPONSE_CODE);
  response->body = g_byte_array_free_to_bytes (g_steal_pointer (&self->received));
  response->bytes_sent = info_off (self->curl, CURLINFO_SIZE_UPLOAD_T)
                         + info_long (self->curl, CURLINFO_REQUEST_SIZE);
  response->bytes_received = info_off (self->curl, CURLINFO_SIZE_DOWNLOAD_T)
                             + info_long (self->curl, CURLINFO_HEADER_SIZE);
  response->connections = (guint) info_long (self->curl, CURLINFO_NUM_CONNECTS);
  return response;
}

static gboolean
prepare (OmbudHttp     *self,
         const char    *url,
         GBytes        *body,
         GError       **error)
{
  gsize size = 0;
  const guint8 *data = body != NULL ? g_bytes_get_data (body, &size) : NULL;
  CURLcode result;

  if (self->setup_result != CURLE_OK)
    {
      g_set_error (error, OMBUD_HTTP_ERROR, error_code_for (self, self->setup_result),
                   "HTTP client setup failed at %s: %s",
                   self->setup_what, curl_easy_strerror (self->setup_result));
      return FALSE;
    }
  self->errbuf[0] = '\0';
  /* libcurl reads the body in place (no copy) while the call runs. */
  result = curl_easy_setopt (self->curl, CURLOPT_POSTFIELDS, data != NULL ? (const char *) data : "");
  if (result == CURLE_OK)
    result = curl_easy_setopt (self->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) size);
  if (result == CURLE_OK)
    result = curl_easy_setopt (self->curl, CURLOPT_URL, url);
  if (result != CURLE_OK)
    {
      set_error (self, result, error);
      return FALSE;
    }
  return TRUE;
}

OmbudHttpResponse *
ombud_http_post (OmbudHttp     *self,
                 const char    *url,
                 GBytes        *body,
                 GCancellable  *cancellable,
                 GError       **error)
{
  OmbudHttpResponse *response = NULL;
  CURLcode result;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!prepare (self, url, body, error))
    return NULL;
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error_literal (error, OMBUD_HTTP_ERROR, OMBUD_HTTP_ERROR_CANCELLED, "HTTP request cancelled");
      return NULL;
    }

  self->received = g_byte_array_new ();
  self->too_large = FALSE;
  self->headers_ended = FALSE;
  self->cancellable = cancellable;
  result = run (self);
  if (result == CURLE_OK && !self->headers_ended)
    g_set_error_literal (error, OMBUD_HTTP_ERROR, OMBUD_HTTP_ERROR_CUT,
                         "the connection closed inside the response's headers");
  else if (result == CURLE_OK)
    response = response_new (self);
  else
    set_error (self, result, error);

  g_clear_pointer (&self->received, g_byte_array_unref);
  self->cancellable = NULL;
  /* Leaves no pointer into the caller's body behind. */
  curl_easy_setopt (self->curl, CURLOPT_POSTFIELDS, "");
  curl_easy_setopt (self->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) 0);
  return response;
}
