/* test-http.c: the sync engine's HTTP client and back-off
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server is libmicrohttpd on 127.0.0.1, one thread per connection, so
 * that a handler may stall; HTTPS through its GnuTLS, with a self-signed
 * certificate made by the openssl command.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <string.h>

#include "ombud-backoff.h"
#include "ombud-http.h"
#include "test-util.h"

#define BIG_SIZE   (256 * 1024)
#define CUT_AFTER  1000
#define SECRET     "SECRET-BODY-DO-NOT-LOG"

/* TLS material, made once in main() */
static char *tls_dir;
static char *tls_cert;        /* PEM text, for the server */
static char *tls_key;
static char *tls_ca_file;     /* the same certificate, as a file, for the client */
static char *tls_pin;         /* sha256//BASE64 of its public key */
static char *other_cert;      /* a certificate for other.example only */
static char *other_key;
static char *other_ca_file;

/* The server */

typedef struct {
  struct MHD_Daemon *daemon;
  gboolean           tls;
  guint              port;
  gint               connections;   /* atomic: TCP connections accepted */
  GMutex             lock;
  GCond              cond;
  gboolean           released;      /* stalled handlers may go */
  guint              stalled;       /* handlers stalled so far */
  char              *content_type;  /* of the last request */
  char              *expect;
  char              *version;
} Server;

static void
server_record_headers (Server                *s,
                       struct MHD_Connection *c,
                       const char            *version)
{
  g_mutex_lock (&s->lock);
  g_free (s->content_type);
  g_free (s->expect);
  g_free (s->version);
  s->content_type = g_strdup (MHD_lookup_connection_value (c, MHD_HEADER_KIND, "Content-Type"));
  s->expect = g_strdup (MHD_lookup_connection_value (c, MHD_HEADER_KIND, "Expect"));
  s->version = g_strdup (version);
  g_mutex_unlock (&s->lock);
}

/* Blocks until the test is over: the client gives up first. */
static void
server_stall (Server *s)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&s->lock);
  s->stalled++;
  g_cond_broadcast (&s->cond);
  while (!s->released && g_cond_wait_until (&s->cond, &s->lock, deadline))
    ;
  g_mutex_unlock (&s->lock);
}

static void
server_wait_stalled (Server *s)
{
  g_mutex_lock (&s->lock);
  while (s->stalled == 0)
    g_cond_wait (&s->cond, &s->lock);
  g_mutex_unlock (&s->lock);
}

static ssize_t
read_pattern (void     *cls G_GNUC_UNUSED,
              uint64_t  pos,
              char     *buf,
              size_t    max)
{
  size_t n = MIN (max, (size_t) (BIG_SIZE - pos));

  if (n == 0)
    return MHD_CONTENT_READER_END_OF_STREAM;
  memset (buf, 'x', n);
  return (ssize_t) n;
}

/* CUT_AFTER bytes of the announced BIG_SIZE, then the connection closes. */
static ssize_t
read_then_cut (void     *cls G_GNUC_UNUSED,
               uint64_t  pos,
               char     *buf,
               size_t    max)
{
  size_t n = MIN (max, (size_t) (CUT_AFTER - MIN (pos, CUT_AFTER)));

  if (n == 0)
    return MHD_CONTENT_READER_END_WITH_ERROR;
  memset (buf, 'x', n);
  return (ssize_t) n;
}

static struct MHD_Response *
server_route (Server     *s,
              const char *url,
              GByteArray *body,
              guint      *status)
{
  *status = MHD_HTTP_OK;
  if (g_str_equal (url, "/echo"))
    return MHD_create_response_from_buffer (body->len, body->data, MHD_RESPMEM_MUST_COPY);
  if (g_str_equal (url, "/big"))
    return MHD_create_response_from_callback (BIG_SIZE, 16 * 1024, read_pattern, NULL, NULL);
  if (g_str_equal (url, "/chunked"))
    return MHD_create_response_from_callback (MHD_SIZE_UNKNOWN, 16 * 1024, read_pattern, NULL, NULL);
  if (g_str_equal (url, "/cut"))
    return MHD_create_response_from_callback (BIG_SIZE, 256, read_then_cut, NULL, NULL);
  if (g_str_equal (url, "/stall"))
    {
      server_stall (s);
      return NULL;
    }
  *status = MHD_HTTP_NOT_FOUND;
  return MHD_create_response_from_buffer (8, (void *) "not here", MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result
server_respond (Server                *s,
                struct MHD_Connection *c,
                const char            *url,
                GByteArray            *body)
{
  struct MHD_Response *response;
  enum MHD_Result ret;
  guint status;

  response = server_route (s, url, body, &status);
  if (response == NULL)
    return MHD_NO;
  ret = MHD_queue_response (c, status, response);
  MHD_destroy_response (response);
  return ret;
}

static enum MHD_Result
server_handle (void                  *cls,
               struct MHD_Connection *c,
               const char            *url,
               const char            *method G_GNUC_UNUSED,
               const char            *version,
               const char            *upload_data,
               size_t                *upload_size,
               void                 **req_cls)
{
  Server *s = cls;
  GByteArray *body = *req_cls;

  if (body == NULL)
    {
      *req_cls = g_byte_array_new ();
      server_record_headers (s, c, version);
      return MHD_YES;
    }
  if (*upload_size > 0)
    {
      g_byte_array_append (body, (const guint8 *) upload_data, *upload_size);
      *upload_size = 0;
      return MHD_YES;
    }
  return server_respond (s, c, url, body);
}

static void
server_completed (void                            *cls G_GNUC_UNUSED,
                  struct MHD_Connection           *c G_GNUC_UNUSED,
                  void                           **req_cls,
                  enum MHD_RequestTerminationCode  toe G_GNUC_UNUSED)
{
  g_clear_pointer ((GByteArray **) req_cls, g_byte_array_unref);
}

static void
server_connection (void                                *cls,
                   struct MHD_Connection               *c G_GNUC_UNUSED,
                   void                               **socket_context G_GNUC_UNUSED,
                   enum MHD_ConnectionNotificationCode  toe)
{
  Server *s = cls;

  if (toe == MHD_CONNECTION_NOTIFY_STARTED)
    g_atomic_int_inc (&s->connections);
}

static Server *
server_new_with (const char *cert,
                 const char *key)
{
  Server *s = g_new0 (Server, 1);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;

  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->tls = cert != NULL;
  if (s->tls)
    flags |= MHD_USE_TLS;
  s->daemon = MHD_start_daemon (flags, 0, NULL, NULL, server_handle, s,
                                MHD_OPTION_SOCK_ADDR, &addr,
                                MHD_OPTION_NOTIFY_COMPLETED, server_completed, s,
                                MHD_OPTION_NOTIFY_CONNECTION, server_connection, s,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 30,
                                s->tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, key,
                                MHD_OPTION_HTTPS_MEM_CERT, cert,
                                MHD_OPTION_END);
  g_assert_nonnull (s->daemon);
  s->port = MHD_get_daemon_info (s->daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
  g_assert_cmpuint (s->port, >, 0);
  return s;
}

static Server *
server_new (void)
{
  return server_new_with (NULL, NULL);
}

static void
server_free (Server *s)
{
  g_mutex_lock (&s->lock);
  s->released = TRUE;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
  MHD_stop_daemon (s->daemon);
  g_free (s->content_type);
  g_free (s->expect);
  g_free (s->version);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_free)

static char *
server_url (Server     *s,
            const char *path)
{
  return g_strdup_printf ("%s://127.0.0.1:%u%s", s->tls ? "https" : "http", s->port, path);
}

static GBytes *
random_bytes (gsize size)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (size);
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = g_rand_int (rand) & 0xff;
  return g_bytes_new_take (data, size);
}

static void
assert_one_line_without_body (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_null (strstr (error->message, SECRET));
}

/* Round trips */

static void
check_echo (gsize size)
{
  g_autoptr(Server) s = server_new ();
  g_autoptr(OmbudHttp) http = ombud_http_new (&(OmbudHttpOptions) { 0 });
  g_autoptr(GBytes) body = random_bytes (size);
  g_autofree char *url = server_url (s, "/echo");
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudHttpResponse) r = ombud_http_post (http, url, body, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (g_bytes_equal (r->body, body));
  g_assert_cmpuint (r->connections, ==, 1);
  g_assert_cmpuint (r->bytes_sent, >, size + 60);
  g_assert_cmpuint (r->bytes_received, >, size + 40);
  g_assert_cmpstr (s->content_type, ==, "application/octet-stream");
  g_assert_null (s->expect);
  g_assert_cmpstr (s->version, ==, "HTTP/1.1");
}

static void
test_round_trip (void)
{
  check_echo (13);
}

/* Just over 1 MiB: libcurl 7.88 would add "Expect: 100-continue" here. */
static void
test_round_trip_large (void)
{
  check_echo (1024 * 1024 + 1024);
}

static void
test_empty_body (void)
{
  g_autoptr(Server) s = server_new ();
  g_autoptr(OmbudHttp) http = ombud_http_new (NULL);
  g_autofree char *url = server_url (s, "/echo");
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudHttpResponse) r = ombud_http_post (http, url, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (r->body), ==, 0);
}

static void
test_keep_alive (void)
{
  g_autoptr(Server) s = server_new ();
  g_autoptr(OmbudHttp) http = ombud_http_new (NULL);
  g_autoptr(GBytes) one = g_bytes_new_static ("one", 3);
  g_autoptr(GBytes) two = random_bytes (100000);
  g_autofree char *url = server_url (s, "/echo");
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudHttpResponse) r1 = ombud_http_post (http, url, one, NULL, &error);
  g_autoptr(OmbudHttpResponse) r2 = NULL;

  g_assert_no_error (error);
  r2 = ombud_http_post (http, url, two, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (r1->body, one));
  g_assert_true (g_bytes_equal (r2->body, two));
  g_assert_cmpuint (r1->connections, ==, 1);
  g_assert_cmpuint (r2->connections, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&s->connections), ==, 1);
  /* The counters are per call, not running totals. */
  g_assert_cmpuint (r2->bytes_sent, <, 100000 + 1000);
  g_assert_cmpuint (r2->bytes_received, <, 100000 + 1000);
}

static void
test_client_error (void)
{
  g_autoptr(Server) s = server_new ();
  g_autoptr(OmbudHttp) http = ombud_http_new (NULL);
  g_autoptr(GBytes) body = g_bytes_new_static ("x", 1);
  g_autofree char *url = server_url (s, "/nowhere");
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudHttpResponse) r = ombud_http_post (http, url, body, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (r->status, ==, 404);
  g_assert_cmpmem (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body), "not here", 8);
}

/* Failures */

static void
assert_post_fails (OmbudHttp      *http,
                   const char     *url,
                   OmbudHttpError  code)
{
  g_autoptr(GBytes) body = g_bytes_new_static (SECRET, strlen (SECRET));
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudHttpResponse) r = ombud_http_post (http, url, body, NULL, &error);

  g_test_message ("%s: %s", url, error ? error->message : "no error");
  g_assert_null (r);
  g_assert_error (error, OMBUD_HTTP_ERROR, (gint) code);
  assert_one_line_without_body (error);
}

static void
test_refused (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(OmbudHttp) http = ombud_http_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  /* Bound and never listening: the port is ours, and refuses. */
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u/echo",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  assert_post_fails (http, url, OMBUD_HTTP_ERROR_OFFLINE);
}

static void
test_cut (void)
{
  g_autoptr(Server) s = server_new ();
  g_autoptr(OmbudHttp) http = ombud_http_new (NULL);
  g_autofree char *url = server_url (s, "/cut");

  assert_post_fails (http, url, OMBUD_HTTP_ERROR_CUT);
}

/* A raw server that answers each connection with `reply` and closes. */
typedef struct {
  GSocket    *listener;
  const char *reply;
  GThread    *thread;
} RawServer;

static gpointer
raw_serve (gpointer data)
{
  RawServer *r = data;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GSocket) conn = g_socket_accept (r->listener, NULL, NULL);
      char buf[4096];

      if (conn == NULL)
        break;
      g_socket_set_timeout (conn, 5);
      g_socket_receive (conn, buf, sizeof buf, NULL, NULL);  /* the request; its content does not matter */
      g_socket_send (conn, r->reply, strlen (r->reply), NULL, NULL);
      g_socket_close (conn, NULL);
    }
  return NULL;
}

static char *
raw_server_start (RawServer  *r,
                  const char *reply)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  r->reply = reply;
  r->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (r->listener, any, TRUE, &error));
  g_assert_true (g_socket_listen (r->listener, &error));
  bound = g_socket_get_local_address (r->listener, &error);
  g_assert_no_error (error);
  r->thread = g_thread_new ("raw-server", raw_serve, r);
  return g_strdup_printf ("http://127.0.0.1:%u/", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

static void
raw_server_stop (RawServer *r)
{
  g_socket_shutdown (r->listener, TRUE, TRUE, NULL);
  g_socket_close (r->listener, NULL);
  g_thread_join (r->thread);
  g_object_unref (r->listener);
}

/* libcurl 7.88 takes a connection closed inside the headers for a whole
 * response with an empty body; it is a cut link, to be tried again. */
static void
test_cut_in_headers (void)
{
  static const char *const replies[] = { "HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nContent-Le" };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      RawServer r = { 0 };
      g_autofree char *url = raw_server_start (&r, replies[i]);
      g_autoptr(OmbudHttp) http = ombud_http_new (NULL);

      assert_post_fails (http, url, OMBUD_HTTP_ERROR_CUT);
      raw_server_stop (&r);
    }
}

static void
test_too_large (void)
{
  g_autoptr(Server) s = server_new ();
  g_autoptr(OmbudHttp) small = ombud_http_new (&(OmbudHttpOptions) { .max_response = BIG_SIZE - 1 });
  g_autoptr(OmbudHttp) exact = ombud_http_new (&(OmbudHttpOptions) { .max_response = BIG_SIZE });
  g_autoptr(GBytes) body = g_bytes_new_static ("x", 1);
  g_autofree char *big = server_url (s, "/big");
  g_autofree char *chunked = server_url (s, "/chunked");
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudHttpResponse) r1 = NULL;
  g_autoptr(OmbudHttpResponse) r2 = NULL;

  assert_post_fails (small, big, OMBUD_HTTP_ERROR_TOO_LARGE);      /* Content-Length */
  assert_post_fails (small, chunked, OMBUD_HTTP_ERROR_TOO_LARGE);  /* counted as it comes */

  r1 = ombud_http_post (exact, big, body, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (r1->body), ==, BIG_SIZE);
  r2 = ombud_http_post (exact, chunked, body, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (r2->body), ==, BIG_SIZE);
}

static void
test_invalid_url (void)
{
  g_autoptr(OmbudHttp) http = ombud_http_new (NULL);

  assert_post_fails (http, "ftp://127.0.0.1/echo", OMBUD_HTTP_ERROR_INVALID);
  assert_post_fails (http, "file:///etc/passwd", OMBUD_HTTP_ERROR_INVALID);
}

/* Stalls: cancellation and time-outs */

typedef struct {
  OmbudHttp         *http;
  char              *url;
  GCancellable      *cancellable;
  OmbudHttpResponse *response;
  GError            *error;
  gint64             ended;
} Call;

static gpointer
call_thread (gpointer data)
{
  Call *call = data;
  g_autoptr(GBytes) body = g_bytes_new_static (SECRET, strlen (SECRET));

  call->response = ombud_http_post (call->http, call->url, body, call->cancellable, &call->error);
  call->ended = g_get_monotonic_time ();
  return NULL;
}

static void
test_cancel (void)
{
  g_autoptr(Server) s = server_new ();
  g_autoptr(OmbudHttp) http = ombud_http_new (NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = server_url (s, "/stall");
  Call call = { http, url, cancellable, NULL, NULL, 0 };
  GThread *thread = g_thread_new ("post", call_thread, &call);
  gint64 cancelled;

  server_wait_stalled (s);
  g_usleep (150 * 1000);  /* well into the stall */
  cancelled = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  g_thread_join (thread);

  g_test_message ("returned %" G_GINT64_FORMAT " µs after the cancellation", call.ended - cancelled);
  g_assert_null (call.response);
  g_assert_error (call.error, OMBUD_HTTP_ERROR, OMBUD_HTTP_ERROR_CANCELLED);
  assert_one_line_without_body (call.error);
  g_assert_cmpint (call.ended - cancelled, <, 500 * 1000);
  g_clear_error (&call.error);
}

static void
test_cancelled_before (void)
{
  g_autoptr(Server) s = server_new ();
  g_autoptr(OmbudHttp) http = ombud_http_new (NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = server_url (s, "/echo");
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_null (ombud_http_post (http, url, NULL, cancellable, &error));
  g_assert_error (error, OMBUD_HTTP_ERROR, OMBUD_HTTP_ERROR_CANCELLED);
  g_assert_cmpint (g_atomic_int_get (&s->connections), ==, 0);
}

static void
test_timeout (void)
{
  g_autoptr(Server) s = server_new ();
  g_autoptr(OmbudHttp) http = ombud_http_new (&(OmbudHttpOptions) { .low_speed_timeout_s = 1 });
  g_autofree char *url = server_url (s, "/stall");
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  /* libcurl averages the speed over the last 5 s, and the request's own
   * bytes count: a stall is seen about 5 s + low_speed_timeout_s in. */
  assert_post_fails (http, url, OMBUD_HTTP_ERROR_TIMEOUT);
  took = g_get_monotonic_time () - start;
  g_test_message ("timed out after %" G_GINT64_FORMAT " ms", took / 1000);
  g_assert_cmpint (took, >=, 900 * 1000);
  g_assert_cmpint (took, <, 10 * G_TIME_SPAN_SECOND);
}

/* TLS */

static OmbudHttpResponse *
tls_post (const OmbudHttpOptions  *options,
          const char              *cert,
          const char              *key,
          GError                 **error)
{
  g_autoptr(Server) s = server_new_with (cert, key);
  g_autoptr(OmbudHttp) http = ombud_http_new (options);
  g_autoptr(GBytes) body = g_bytes_new_static (SECRET, strlen (SECRET));
  g_autofree char *url = server_url (s, "/echo");

  return ombud_http_post (http, url, body, NULL, error);
}

static void
assert_tls_works (const OmbudHttpOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudHttpResponse) r = tls_post (options, tls_cert, tls_key, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpmem (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body), SECRET, strlen (SECRET));
}

static void
assert_tls_refused (const OmbudHttpOptions *options,
                    const char             *cert,
                    const char             *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudHttpResponse) r = tls_post (options, cert, key, &error);

  g_test_message ("%s", error ? error->message : "no error");
  g_assert_null (r);
  g_assert_error (error, OMBUD_HTTP_ERROR, OMBUD_HTTP_ERROR_TLS);
  assert_one_line_without_body (error);
}

static void
test_tls_ca_file (void)
{
  assert_tls_works (&(OmbudHttpOptions) { .ca_file = tls_ca_file });
}

static void
test_tls_pinned (void)
{
  assert_tls_works (&(OmbudHttpOptions) { .ca_file = tls_ca_file, .pinned_key = tls_pin });
}

static void
test_tls_wrong_pin (void)
{
  OmbudHttpOptions options = {
    .ca_file = tls_ca_file,
    .pinned_key = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  };

  assert_tls_refused (&options, tls_cert, tls_key);
}

static void
test_tls_system_store (void)
{
  assert_tls_refused (&(OmbudHttpOptions) { 0 }, tls_cert, tls_key);
}

/* A pin narrows the trust; it does not replace verifying the chain. */
static void
test_tls_pin_alone (void)
{
  assert_tls_refused (&(OmbudHttpOptions) { .pinned_key = tls_pin }, tls_cert, tls_key);
}

/* A certificate the CA file trusts, for another host name. */
static void
test_tls_wrong_host (void)
{
  assert_tls_refused (&(OmbudHttpOptions) { .ca_file = other_ca_file }, other_cert, other_key);
}

/* Back-off */

static guint
expected_upper (guint base, guint cap, guint n)
{
  guint64 upper = base;

  for (guint i = 1; i < n && upper < cap; i++)
    upper *= 2;
  return (guint) MIN (upper, (guint64) cap);
}

static void
test_backoff_bounds (void)
{
  OmbudBackoff b;
  gboolean near_cap = FALSE;

  ombud_backoff_init (&b, 100, 5000, 7);
  for (guint n = 1; n <= 40; n++)
    {
      guint wait = ombud_backoff_fail (&b);

      g_assert_cmpuint (b.failures, ==, n);
      g_assert_cmpuint (wait, >=, 50);
      g_assert_cmpuint (wait, <=, expected_upper (100, 5000, n));
      near_cap |= wait > 4000;
    }
  g_assert_true (near_cap);
  ombud_backoff_clear (&b);
}

static void
test_backoff_grows (void)
{
  double previous_mean = 0;
  guint previous_max = 0;

  for (guint n = 1; n <= 8; n++)
    {
      guint64 sum = 0;
      guint max = 0;

      for (guint32 seed = 1; seed <= 300; seed++)
        {
          OmbudBackoff b;
          guint wait = 0;

          ombud_backoff_init (&b, 100, 100000, seed);
          for (guint i = 0; i < n; i++)
            wait = ombud_backoff_fail (&b);
          ombud_backoff_clear (&b);
          sum += wait;
          max = MAX (max, wait);
        }
      g_assert_cmpfloat (sum / 300.0, >, previous_mean);
      g_assert_cmpuint (max, >, previous_max);
      previous_mean = sum / 300.0;
      previous_max = max;
    }
}

static void
waits (guint32 seed,
       guint   out[8])
{
  OmbudBackoff b;

  ombud_backoff_init (&b, 1000, 600000, seed);
  for (guint i = 0; i < 8; i++)
    out[i] = ombud_backoff_fail (&b);
  ombud_backoff_clear (&b);
}

static void
test_backoff_jitter (void)
{
  guint a[8], b[8], again[8], r1[8], r2[8];
  g_autoptr(GHashTable) firsts = g_hash_table_new (NULL, NULL);

  waits (1, a);
  waits (2, b);
  waits (1, again);
  g_assert_cmpmem (a, sizeof a, again, sizeof again);
  g_assert_true (memcmp (a, b, sizeof a) != 0);
  waits (0, r1);
  waits (0, r2);
  g_assert_true (memcmp (r1, r2, sizeof r1) != 0);

  /* Laptops that failed together come back spread out. */
  for (guint32 seed = 1; seed <= 20; seed++)
    {
      guint w[8];

      waits (seed, w);
      g_hash_table_add (firsts, GUINT_TO_POINTER (w[0]));
    }
  g_assert_cmpuint (g_hash_table_size (firsts), >=, 15);
}

static void
test_backoff_reset (void)
{
  OmbudBackoff b;

  ombud_backoff_init (&b, 100, 60000, 3);
  for (guint i = 0; i < 12; i++)
    ombud_backoff_fail (&b);
  ombud_backoff_succeed (&b);
  g_assert_cmpuint (b.failures, ==, 0);
  for (guint i = 0; i < 50; i++)
    {
      g_assert_cmpuint (ombud_backoff_fail (&b), <=, 100);
      ombud_backoff_succeed (&b);
    }
  ombud_backoff_clear (&b);
}

static void
test_backoff_many_failures (void)
{
  OmbudBackoff b;

  ombud_backoff_init (&b, 1000, 3600000, 11);
  for (guint i = 1; i <= 1000; i++)
    {
      guint wait = ombud_backoff_fail (&b);

      g_assert_cmpuint (wait, >=, 500);
      g_assert_cmpuint (wait, <=, 3600000);
    }
  g_assert_cmpuint (b.failures, ==, 1000);
  ombud_backoff_clear (&b);

  /* Extremes: the largest base and cap, a counter about to wrap. */
  ombud_backoff_init (&b, G_MAXUINT, G_MAXUINT, 12);
  for (guint i = 0; i < 1000; i++)
    g_assert_cmpuint (ombud_backoff_fail (&b), >=, G_MAXUINT / 2);
  b.failures = G_MAXUINT - 1;
  ombud_backoff_fail (&b);
  ombud_backoff_fail (&b);
  g_assert_cmpuint (b.failures, ==, G_MAXUINT);
  ombud_backoff_clear (&b);

  /* A cap under base/2 still caps. */
  ombud_backoff_init (&b, 1000, 100, 13);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpuint (ombud_backoff_fail (&b), ==, 100);
  ombud_backoff_clear (&b);
}

/* Setup */

static void
make_cert (const char  *name,
           const char  *subject_alt,
           char       **cert,
           char       **key,
           char       **ca_file,
           char       **pin)
{
  g_autofree char *key_path = NULL;

  test_make_tls_cert (tls_dir, name, subject_alt, ca_file, &key_path, pin);
  g_assert_true (g_file_get_contents (*ca_file, cert, NULL, NULL));
  g_assert_true (g_file_get_contents (key_path, key, NULL, NULL));
}

static void
make_tls (void)
{
  g_autofree char *other_pin = NULL;

  tls_dir = test_make_tmp_dir ("ombud-http-XXXXXX");
  make_cert ("localhost", "IP:127.0.0.1,DNS:localhost", &tls_cert, &tls_key, &tls_ca_file, &tls_pin);
  make_cert ("other.example", "DNS:other.example", &other_cert, &other_key, &other_ca_file, &other_pin);
  g_assert_cmpuint (strlen (tls_pin), ==, 8 + 44);
}

static void
free_tls (void)
{
  test_rm_rf (tls_dir);
  g_clear_pointer (&tls_dir, g_free);
  g_clear_pointer (&tls_cert, g_free);
  g_clear_pointer (&tls_key, g_free);
  g_clear_pointer (&tls_ca_file, g_free);
  g_clear_pointer (&tls_pin, g_free);
  g_clear_pointer (&other_cert, g_free);
  g_clear_pointer (&other_key, g_free);
  g_clear_pointer (&other_ca_file, g_free);
}

int
main (int argc, char **argv)
{
  static const char * const proxy_vars[] = { "http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" };
  int status;

  /* The servers are local: no proxy from the caller's environment. */
  for (gsize i = 0; i < G_N_ELEMENTS (proxy_vars); i++)
    g_unsetenv (proxy_vars[i]);
  g_test_init (&argc, &argv, NULL);
  make_tls ();

  g_test_add_func ("/http/round-trip", test_round_trip);
  g_test_add_func ("/http/round-trip-1mib", test_round_trip_large);
  g_test_add_func ("/http/empty-body", test_empty_body);
  g_test_add_func ("/http/keep-alive", test_keep_alive);
  g_test_add_func ("/http/client-error", test_client_error);
  g_test_add_func ("/http/refused", test_refused);
  g_test_add_func ("/http/cut", test_cut);
  g_test_add_func ("/http/cut-in-headers", test_cut_in_headers);
  g_test_add_func ("/http/too-large", test_too_large);
  g_test_add_func ("/http/invalid-url", test_invalid_url);
  g_test_add_func ("/http/cancel", test_cancel);
  g_test_add_func ("/http/cancelled-before", test_cancelled_before);
  g_test_add_func ("/http/timeout", test_timeout);
  g_test_add_func ("/http/tls/ca-file", test_tls_ca_file);
  g_test_add_func ("/http/tls/pinned", test_tls_pinned);
  g_test_add_func ("/http/tls/wrong-pin", test_tls_wrong_pin);
  g_test_add_func ("/http/tls/system-store", test_tls_system_store);
  g_test_add_func ("/http/tls/pin-alone", test_tls_pin_alone);
  g_test_add_func ("/http/tls/wrong-host", test_tls_wrong_host);
  g_test_add_func ("/backoff/bounds", test_backoff_bounds);
  g_test_add_func ("/backoff/grows", test_backoff_grows);
  g_test_add_func ("/backoff/jitter", test_backoff_jitter);
  g_test_add_func ("/backoff/reset", test_backoff_reset);
  g_test_add_func ("/backoff/many-failures", test_backoff_many_failures);

  status = g_test_run ();
  free_tls ();
  return status;
}
