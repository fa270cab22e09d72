/* test-netem.c: the userspace link emulator (ombud-netem.h)
 *
 * Each case runs a small server of its own on 127.0.0.1 (echo, HTTP, a byte
 * source, or one that never answers) behind a proxy, and checks what the
 * client gets, what the server saw and what the proxy counted.  Timings are
 * checked as lower bounds only: these machines are noisy.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ombud-netem.h"

#define IO_TIMEOUT_S 10
#define KiB 1024
#define MiB (1024 * 1024)

/* Sockets */

static void
set_io_timeouts (int fd)
{
  struct timeval tv = { IO_TIMEOUT_S, 0 };

  /* Bounds every blocking call of the test, so that a bug fails, not hangs. */
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), ==, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv), ==, 0);
}

static int
client_connect (guint16 port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;

  g_assert_cmpint (fd, >=, 0);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  set_io_timeouts (fd);
  g_assert_cmpint (setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), ==, 0);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  return fd;
}

static gboolean
send_all (int           fd,
          const void   *data,
          gsize         len)
{
  const guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = send (fd, p, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static void
send_str (int         fd,
          const char *text)
{
  g_assert_true (send_all (fd, text, strlen (text)));
}

/* Everything until the end of the stream or an error (a cut may reset). */
static GByteArray *
recv_until_eof (int fd)
{
  GByteArray *got = g_byte_array_new ();
  guint8 buf[16 * KiB];

  for (;;)
    {
      ssize_t n = recv (fd, buf, sizeof buf, 0);

      if (n < 0 && errno == EINTR)
        continue;
      /* A timeout is a failure, not an end. */
      g_assert_true (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK));
      if (n <= 0)
        return got;
      g_byte_array_append (got, buf, (guint) n);
    }
}

static gboolean
fd_readable_within (int fd,
                    int timeout_ms)
{
  struct pollfd pfd = { fd, POLLIN, 0 };

  return poll (&pfd, 1, timeout_ms) > 0;
}

/* Buffered reading of HTTP/1.1 messages (for both ends) */

typedef struct {
  int         fd;
  GByteArray *buf;
} Reader;

static gboolean
reader_fill (Reader *r)
{
  guint8 tmp[16 * KiB];
  ssize_t n;

  do
    n = recv (r->fd, tmp, sizeof tmp, 0);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return FALSE;
  g_byte_array_append (r->buf, tmp, (guint) n);
  return TRUE;
}

static char *
reader_line (Reader *r)
{
  for (;;)
    {
      const guint8 *nl = r->buf->len > 0 ? memchr (r->buf->data, '\n', r->buf->len) : NULL;

      if (nl != NULL)
        {
          gsize n = (gsize) (nl - r->buf->data) + 1;
          char *line = g_strndup ((const char *) r->buf->data, n);

          g_byte_array_remove_range (r->buf, 0, (guint) n);
          return g_strchomp (line);
        }
      if (!reader_fill (r))
        return NULL;
    }
}

static gboolean
reader_take (Reader     *r,
             gsize       n,
             GByteArray *out)
{
  while (r->buf->len < n)
    if (!reader_fill (r))
      return FALSE;
  if (out != NULL)
    g_byte_array_append (out, r->buf->data, (guint) n);
  g_byte_array_remove_range (r->buf, 0, (guint) n);
  return TRUE;
}

static gboolean
reader_chunked_body (Reader     *r,
                     GByteArray *body)
{
  for (;;)
    {
      g_autofree char *size_line = reader_line (r);
      g_autofree char *crlf = NULL;
      guint64 size;

      if (size_line == NULL)
        return FALSE;
      size = g_ascii_strtoull (size_line, NULL, 16);
      if (size == 0)
        break;
      if (!reader_take (r, size, body) || (crlf = reader_line (r)) == NULL)
        return FALSE;
    }
  for (;;)
    {
      g_autofree char *trailer = reader_line (r);

      if (trailer == NULL)
        return FALSE;
      if (*trailer == '\0')
        return TRUE;
    }
}

/* Reads one message; returns its start line, or NULL at the end. */
static char *
reader_message (Reader     *r,
                GByteArray *body)
{
  g_autofree char *start = NULL;
  guint64 length = 0;
  gboolean chunked = FALSE;

  /* An empty line may come before a request. */
  do
    {
      g_free (start);
      if ((start = reader_line (r)) == NULL)
        return NULL;
    }
  while (*start == '\0');

  for (;;)
    {
      g_autofree char *line = reader_line (r);

      if (line == NULL)
        return NULL;
      if (*line == '\0')
        break;
      if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        length = g_ascii_strtoull (line + 15, NULL, 10);
      else if (g_ascii_strncasecmp (line, "Transfer-Encoding:", 18) == 0)
        chunked = strstr (line, "chunked") != NULL;
    }
  if (chunked ? !reader_chunked_body (r, body) : !reader_take (r, length, body))
    return NULL;
  return g_steal_pointer (&start);
}

/* The test's own server */

typedef enum {
  SERVER_ECHO,    /* sends back what it reads, then closes its side */
  SERVER_HTTP,    /* answers each request with "got <body length>" */
  SERVER_SOURCE,  /* sends SOURCE_LEN pattern bytes, then closes its side */
  SERVER_SILENT,  /* reads and never answers */
} ServerMode;

#define SOURCE_LEN (256 * KiB)

typedef struct {
  ServerMode  mode;
  int         listen_fd;
  int         wake[2];
  guint16     port;
  GThread    *accept_thread;
  GMutex      lock;
  GPtrArray  *threads;
  GArray     *open_fds;
  gint        connections;
  gint        closed;
  gint        requests;
} TestServer;

typedef struct {
  TestServer *server;
  int         fd;
} ServerConn;

static void
serve_echo (int fd)
{
  guint8 buf[16 * KiB];

  for (;;)
    {
      ssize_t n = recv (fd, buf, sizeof buf, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || !send_all (fd, buf, (gsize) n))
        break;
    }
  shutdown (fd, SHUT_WR);
}

static guint8
pattern_byte (gsize i)
{
  return (guint8) ((i * 7 + i / 251) & 0xff);
}

static void
serve_source (int fd)
{
  g_autofree guint8 *data = g_malloc (SOURCE_LEN);

  for (gsize i = 0; i < SOURCE_LEN; i++)
    data[i] = pattern_byte (i);
  /* A cut makes this fail: that is expected. */
  (void) send_all (fd, data, SOURCE_LEN);
  shutdown (fd, SHUT_WR);
  while (recv (fd, data, SOURCE_LEN, 0) > 0)
    ;
}

static void
serve_http (TestServer *server,
            int         fd)
{
  Reader r = { fd, g_byte_array_new () };

  for (;;)
    {
      g_autoptr(GByteArray) body = g_byte_array_new ();
      g_autofree char *start = reader_message (&r, body);
      g_autofree char *text = NULL;
      g_autofree char *response = NULL;

      if (start == NULL)
        break;
      g_atomic_int_inc (&server->requests);
      text = g_strdup_printf ("got %u", body->len);
      response = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
                                  strlen (text), text);
      if (!send_all (fd, response, strlen (response)))
        break;
    }
  g_byte_array_unref (r.buf);
}

static void
serve_silent (int fd)
{
  guint8 buf[4 * KiB];

  while (recv (fd, buf, sizeof buf, 0) > 0)
    ;
}

static gpointer
server_conn_main (gpointer data)
{
  ServerConn *conn = data;
  TestServer *server = conn->server;

  switch (server->mode)
    {
    case SERVER_ECHO:
      serve_echo (conn->fd);
      break;
    case SERVER_HTTP:
      serve_http (server, conn->fd);
      break;
    case SERVER_SOURCE:
      serve_source (conn->fd);
      break;
    case SERVER_SILENT:
    default:
      serve_silent (conn->fd);
      break;
    }

  /* Off the list before closing, so that stop never shuts a reused fd. */
  g_mutex_lock (&server->lock);
  for (guint i = 0; i < server->open_fds->len; i++)
    if (g_array_index (server->open_fds, int, i) == conn->fd)
      g_array_remove_index_fast (server->open_fds, i--);
  g_mutex_unlock (&server->lock);
  close (conn->fd);
  g_free (conn);
  g_atomic_int_inc (&server->closed);
  return NULL;
}

static gpointer
server_accept_main (gpointer data)
{
  TestServer *server = data;

  for (;;)
    {
      struct pollfd fds[2] = { { server->listen_fd, POLLIN, 0 }, { server->wake[0], POLLIN, 0 } };
      ServerConn *conn;
      int fd;

      if (poll (fds, 2, -1) < 0 && errno == EINTR)
        continue;
      if (fds[1].revents != 0)
        return NULL;
      fd = accept4 (server->listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd < 0)
        continue;
      set_io_timeouts (fd);
      g_atomic_int_inc (&server->connections);
      conn = g_new0 (ServerConn, 1);
      conn->server = server;
      conn->fd = fd;
      g_mutex_lock (&server->lock);
      g_array_append_val (server->open_fds, fd);
      g_ptr_array_add (server->threads, g_thread_new ("test-server", server_conn_main, conn));
      g_mutex_unlock (&server->lock);
    }
}

static TestServer *
server_start (ServerMode mode)
{
  TestServer *server = g_new0 (TestServer, 1);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
  socklen_t len = sizeof addr;

  server->mode = mode;
  g_mutex_init (&server->lock);
  server->threads = g_ptr_array_new ();
  server->open_fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_assert_cmpint (pipe2 (server->wake, O_CLOEXEC), ==, 0);
  server->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  g_assert_cmpint (server->listen_fd, >=, 0);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (server->listen_fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (server->listen_fd, 64), ==, 0);
  g_assert_cmpint (getsockname (server->listen_fd, (struct sockaddr *) &addr, &len), ==, 0);
  server->port = ntohs (addr.sin_port);
  server->accept_thread = g_thread_new ("test-accept", server_accept_main, server);
  return server;
}

static void
server_stop (TestServer *server)
{
  g_assert_cmpint (write (server->wake[1], "x", 1), ==, 1);
  g_thread_join (server->accept_thread);

  g_mutex_lock (&server->lock);
  for (guint i = 0; i < server->open_fds->len; i++)
    shutdown (g_array_index (server->open_fds, int, i), SHUT_RDWR);
  g_mutex_unlock (&server->lock);
  for (guint i = 0; i < server->threads->len; i++)
    g_thread_join (g_ptr_array_index (server->threads, i));

  g_ptr_array_unref (server->threads);
  g_array_unref (server->open_fds);
  close (server->listen_fd);
  close (server->wake[0]);
  close (server->wake[1]);
  g_mutex_clear (&server->lock);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestServer, server_stop)

static gboolean
wait_for_count (gint *counter,
                gint  want)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (g_atomic_int_get (counter) < want && g_get_monotonic_time () < deadline)
    g_usleep (5 * 1000);
  return g_atomic_int_get (counter) >= want;
}

/* Clients */

static GBytes *
random_payload (gsize   len,
                guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) g_rand_int_range (rand, 0, 256);
  return g_bytes_new_take (data, len);
}

typedef struct {
  int     fd;
  GBytes *payload;
} Writer;

static gpointer
writer_main (gpointer data)
{
  Writer *w = data;
  gsize len;
  const guint8 *bytes = g_bytes_get_data (w->payload, &len);

  /* May fail when the proxy cuts: the reader side checks what came. */
  (void) send_all (w->fd, bytes, len);
  shutdown (w->fd, SHUT_WR);
  return NULL;
}

/* Sends PAYLOAD through an echo path while reading, closes, returns the echo. */
static GByteArray *
echo_through (guint16  port,
              GBytes  *payload)
{
  Writer w = { client_connect (port), payload };
  GThread *writer = g_thread_new ("test-writer", writer_main, &w);
  GByteArray *got = recv_until_eof (w.fd);

  g_thread_join (writer);
  close (w.fd);
  return got;
}

static void
assert_same_bytes (GByteArray *got,
                   GBytes     *want)
{
  g_autofree char *got_sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, got->data, got->len);
  g_autofree char *want_sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, want);

  g_assert_cmpuint (got->len, ==, g_bytes_get_size (want));
  g_assert_cmpstr (got_sum, ==, want_sum);
}

static NetemProxy *
proxy_start (TestServer         *server,
             const NetemOptions *options)
{
  g_autoptr(GError) error = NULL;
  NetemProxy *proxy = netem_proxy_start (server->port, options, &error);

  g_assert_no_error (error);
  g_assert_nonnull (proxy);
  g_assert_cmpuint (netem_proxy_get_port (proxy), !=, 0);
  g_assert_cmpuint (netem_proxy_get_port (proxy), !=, server->port);
  return proxy;
}

static gdouble
seconds_since (gint64 start)
{
  return (gdouble) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

/* Pass-through */

static void
check_passthrough (const NetemOptions *options)
{
  g_autoptr(TestServer) server = server_start (SERVER_ECHO);
  g_autoptr(NetemProxy) proxy = proxy_start (server, options);
  g_autoptr(GBytes) payload = random_payload (MiB, 1);
  g_autoptr(GByteArray) got = echo_through (netem_proxy_get_port (proxy), payload);
  NetemStats stats;

  assert_same_bytes (got, payload);
  netem_proxy_get_stats (proxy, &stats);
  g_assert_cmpuint (stats.bytes_up, ==, MiB);
  g_assert_cmpuint (stats.bytes_down, ==, MiB);
  g_assert_cmpuint (stats.connections, ==, 1);
  g_assert_cmpuint (stats.cuts, ==, 0);
  g_assert_cmpuint (stats.http_requests, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&server->connections), ==, 1);

  netem_proxy_reset_stats (proxy);
  netem_proxy_get_stats (proxy, &stats);
  g_assert_cmpuint (stats.bytes_up + stats.bytes_down + stats.connections, ==, 0);
}

static void
test_passthrough (void)
{
  check_passthrough (NULL);
}

/* The same through queues: small latency and a cap fast enough to be quick. */
static void
test_passthrough_shaped (void)
{
  NetemOptions options = {
    .latency_ms_up = 10, .latency_ms_down = 15,
    .rate_up = 4 * MiB, .rate_down = 4 * MiB,
  };

  check_passthrough (&options);
}

/* Latency */

static void
test_latency (void)
{
  NetemOptions options = { .latency_ms_up = 100, .latency_ms_down = 150 };
  g_autoptr(TestServer) server = server_start (SERVER_ECHO);
  g_autoptr(NetemProxy) proxy = proxy_start (server, &options);
  int fd = client_connect (netem_proxy_get_port (proxy));

  for (guint i = 0; i < 3; i++)
    {
      guint8 out = (guint8) ('a' + i), in = 0;
      gint64 start = g_get_monotonic_time ();

      g_assert_true (send_all (fd, &out, 1));
      g_assert_cmpint (recv (fd, &in, 1, 0), ==, 1);
      g_assert_cmpint (in, ==, out);
      g_assert_cmpfloat (seconds_since (start), >=, 0.250);
    }
  close (fd);
}

/* Rate */

static void
check_rate (gboolean up)
{
  NetemOptions options = { 0 };
  g_autoptr(TestServer) server = server_start (SERVER_ECHO);
  g_autoptr(NetemProxy) proxy = NULL;
  g_autoptr(GBytes) payload = random_payload (64 * KiB, 2);
  g_autoptr(GByteArray) got = NULL;
  gint64 start;

  if (up)
    options.rate_up = 32 * KiB;
  else
    options.rate_down = 32 * KiB;
  proxy = proxy_start (server, &options);
  start = g_get_monotonic_time ();
  got = echo_through (netem_proxy_get_port (proxy), payload);
  /* 64 KiB at 32 KiB/s, less the bucket's 50 ms head start. */
  g_assert_cmpfloat (seconds_since (start), >=, 1.8);
  assert_same_bytes (got, payload);
}

static void
test_rate_up (void)
{
  check_rate (TRUE);
}

static void
test_rate_down (void)
{
  check_rate (FALSE);
}

/* Cuts */

static void
test_cut_range (void)
{
  NetemOptions options = {
    .cut_probability = 1.0, .cut_min_bytes = 10000, .cut_max_bytes = 50000, .seed = 7,
  };
  g_autoptr(TestServer) server = server_start (SERVER_SOURCE);
  g_autoptr(NetemProxy) proxy = proxy_start (server, &options);
  g_autoptr(GByteArray) whole = NULL;
  guint64 total = 0;
  guint lengths[5];
  gboolean all_same = TRUE;
  NetemStats stats;
  int fd;

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr(GByteArray) got = NULL;

      fd = client_connect (netem_proxy_get_port (proxy));
      got = recv_until_eof (fd);
      close (fd);
      g_assert_cmpuint (got->len, >=, 10000);
      g_assert_cmpuint (got->len, <=, 50000);
      for (gsize j = 0; j < got->len; j++)
        g_assert_cmpuint (got->data[j], ==, pattern_byte (j));
      lengths[i] = got->len;
      all_same = all_same && lengths[i] == lengths[0];
      total += got->len;
    }
  /* Drawn, not fixed. */
  g_assert_false (all_same);

  netem_proxy_get_stats (proxy, &stats);
  g_assert_cmpuint (stats.cuts, ==, G_N_ELEMENTS (lengths));
  g_assert_cmpuint (stats.bytes_down, ==, total);
  g_assert_cmpuint (stats.bytes_up, ==, 0);

  /* Cuts stop for new connections once the probability is 0. */
  options.cut_probability = 0;
  netem_proxy_set_options (proxy, &options);
  fd = client_connect (netem_proxy_get_port (proxy));
  whole = recv_until_eof (fd);
  close (fd);
  g_assert_cmpuint (whole->len, ==, SOURCE_LEN);
  netem_proxy_get_stats (proxy, &stats);
  g_assert_cmpuint (stats.cuts, ==, G_N_ELEMENTS (lengths));
}

/* The byte count of a cut adds up both directions. */
static void
test_cut_both_ways (void)
{
  NetemOptions options = {
    .cut_probability = 1.0, .cut_min_bytes = 20000, .cut_max_bytes = 30000, .seed = 3,
  };
  g_autoptr(TestServer) server = server_start (SERVER_ECHO);
  g_autoptr(NetemProxy) proxy = proxy_start (server, &options);
  g_autoptr(GBytes) payload = random_payload (48 * KiB, 4);
  g_autoptr(GByteArray) got = echo_through (netem_proxy_get_port (proxy), payload);
  NetemStats stats;

  netem_proxy_get_stats (proxy, &stats);
  g_assert_cmpuint (stats.cuts, ==, 1);
  g_assert_cmpuint (stats.bytes_up + stats.bytes_down, >=, 20000);
  g_assert_cmpuint (stats.bytes_up + stats.bytes_down, <=, 30000);
  g_assert_cmpuint (got->len, <=, stats.bytes_down);
  g_assert_cmpmem (got->data, got->len, g_bytes_get_data (payload, NULL), got->len);
}

/* HTTP */

static char *
read_response (Reader *r)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autofree char *start = reader_message (r, body);

  g_assert_nonnull (start);
  g_assert_cmpstr (start, ==, "HTTP/1.1 200 OK");
  return g_strndup ((const char *) body->data, body->len);
}

static void
assert_response (Reader     *r,
                 const char *want)
{
  g_autofree char *body = read_response (r);

  g_assert_cmpstr (body, ==, want);
}

static void
test_duplicate (void)
{
  NetemOptions options = { .duplicate_probability = 1.0, .seed = 5 };
  g_autoptr(TestServer) server = server_start (SERVER_HTTP);
  g_autoptr(NetemProxy) proxy = proxy_start (server, &options);
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  Reader r = { client_connect (netem_proxy_get_port (proxy)), buf };
  NetemStats stats;

  send_str (r.fd, "POST /sync HTTP/1.1\r\nHost: office\r\nContent-Length: 5\r\n\r\nhello");
  assert_response (&r, "got 5");
  g_assert_true (wait_for_count (&server->requests, 2));
  g_assert_cmpint (g_atomic_int_get (&server->connections), ==, 2);
  netem_proxy_get_stats (proxy, &stats);
  g_assert_cmpuint (stats.http_requests, ==, 1);
  g_assert_cmpuint (stats.duplicates, ==, 1);
  /* The duplicate's connection ends once its answer is read... */
  g_assert_true (wait_for_count (&server->closed, 1));
  /* ...and that answer went nowhere near the client. */
  g_assert_false (fd_readable_within (r.fd, 300));
  g_assert_cmpuint (buf->len, ==, 0);

  options.duplicate_probability = 0;
  netem_proxy_set_options (proxy, &options);
  send_str (r.fd, "GET /again HTTP/1.1\r\nHost: office\r\n\r\n");
  assert_response (&r, "got 0");
  g_usleep (100 * 1000);
  g_assert_cmpint (g_atomic_int_get (&server->requests), ==, 3);
  netem_proxy_get_stats (proxy, &stats);
  g_assert_cmpuint (stats.http_requests, ==, 2);
  g_assert_cmpuint (stats.duplicates, ==, 1);
  close (r.fd);
}

static void
test_http_keepalive (void)
{
  g_autoptr(TestServer) server = server_start (SERVER_HTTP);
  g_autoptr(NetemProxy) proxy = proxy_start (server, NULL);
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  g_autoptr(GByteArray) buf2 = g_byte_array_new ();
  g_autoptr(GString) pipelined = g_string_new ("POST /b HTTP/1.1\r\nHost: x\r\n"
                                               "content-length:   204800\r\n\r\n");
  Reader r = { client_connect (netem_proxy_get_port (proxy)), buf };
  Reader r2 = { -1, buf2 };
  NetemStats stats;

  /* A request in pieces, each its own segment. */
  send_str (r.fd, "GET /a HT");
  g_usleep (20 * 1000);
  send_str (r.fd, "TP/1.1\r\nHost: x\r");
  g_usleep (20 * 1000);
  send_str (r.fd, "\n\r\n");
  assert_response (&r, "got 0");

  /* Two at once, the first with a body longer than the proxy's chunks. */
  for (guint i = 0; i < 204800; i++)
    g_string_append_c (pipelined, (char) ('a' + i % 26));
  g_string_append (pipelined, "GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
  g_assert_true (send_all (r.fd, pipelined->str, pipelined->len));
  assert_response (&r, "got 204800");
  assert_response (&r, "got 0");

  send_str (r.fd, "POST /d HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n");
  assert_response (&r, "got 11");
  /* Still counted after a chunked body. */
  send_str (r.fd, "GET /f HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_response (&r, "got 0");

  /* A second connection, with a stray empty line first. */
  r2.fd = client_connect (netem_proxy_get_port (proxy));
  send_str (r2.fd, "\r\nDELETE /e HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  assert_response (&r2, "got 0");

  netem_proxy_get_stats (proxy, &stats);
  g_assert_cmpuint (stats.http_requests, ==, 6);
  g_assert_cmpuint (stats.connections, ==, 2);
  g_assert_cmpuint (stats.duplicates, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&server->requests), ==, 6);
  close (r.fd);
  close (r2.fd);
}

/* Refuse */

static void
test_refuse (void)
{
  NetemOptions options = { .refuse = TRUE };
  g_autoptr(TestServer) server = server_start (SERVER_ECHO);
  g_autoptr(NetemProxy) proxy = proxy_start (server, &options);
  g_autoptr(GBytes) ping = g_bytes_new_static ("ping", 4);
  g_autoptr(GByteArray) got = NULL;
  int fd = client_connect (netem_proxy_get_port (proxy));
  guint8 byte;
  ssize_t n;
  NetemStats stats;

  (void) send_all (fd, "x", 1);
  n = recv (fd, &byte, 1, 0);
  g_assert_true (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK));
  close (fd);
  netem_proxy_get_stats (proxy, &stats);
  g_assert_cmpuint (stats.connections, ==, 1);
  g_assert_cmpuint (stats.bytes_up, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&server->connections), ==, 0);

  options.refuse = FALSE;
  netem_proxy_set_options (proxy, &options);
  got = echo_through (netem_proxy_get_port (proxy), ping);
  assert_same_bytes (got, ping);
  g_assert_cmpint (g_atomic_int_get (&server->connections), ==, 1);
}

/* Capture */

static void
assert_bytes_equal (GBytes       *got,
                    const guint8 *want,
                    gsize         want_len)
{
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), want, want_len);
}

static void
assert_capture_empty (NetemProxy *proxy)
{
  for (guint up = 0; up < 2; up++)
    {
      g_autoptr(GBytes) got = netem_proxy_take_capture (proxy, up);

      g_assert_cmpuint (g_bytes_get_size (got), ==, 0);
    }
}

/* What passed, both ways, byte for byte: echoed, over HTTP with a duplicate
 * (not caught), and up to a cut. */
static void
test_capture (void)
{
  NetemOptions options = { .latency_ms_up = 2, .latency_ms_down = 3, .duplicate_probability = 1.0, .seed = 9 };
  NetemOptions cut = { .cut_probability = 1.0, .cut_min_bytes = 10000, .cut_max_bytes = 50000, .seed = 11 };
  g_autoptr(TestServer) echo = server_start (SERVER_ECHO);
  g_autoptr(TestServer) http = server_start (SERVER_HTTP);
  g_autoptr(TestServer) source = server_start (SERVER_SOURCE);
  g_autoptr(NetemProxy) proxy = proxy_start (echo, &options);
  g_autoptr(NetemProxy) http_proxy = proxy_start (http, &options);
  g_autoptr(NetemProxy) cut_proxy = proxy_start (source, &cut);
  g_autoptr(GBytes) payload = random_payload (300 * KiB, 8);
  g_autoptr(GBytes) up = NULL;
  g_autoptr(GBytes) down = NULL;
  g_autoptr(GByteArray) got = NULL;
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  const char *request = "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nsecret";
  const char *response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\ngot 6";
  Reader r = { -1, buf };
  NetemStats stats;
  int fd;

  /* Off: nothing is kept. */
  got = echo_through (netem_proxy_get_port (proxy), payload);
  assert_same_bytes (got, payload);
  assert_capture_empty (proxy);
  g_clear_pointer (&got, g_byte_array_unref);

  /* On: each direction as it went. */
  netem_proxy_reset_stats (proxy);
  netem_proxy_capture (proxy, TRUE);
  got = echo_through (netem_proxy_get_port (proxy), payload);
  assert_same_bytes (got, payload);
  up = netem_proxy_take_capture (proxy, TRUE);
  down = netem_proxy_take_capture (proxy, FALSE);
  netem_proxy_get_stats (proxy, &stats);
  assert_bytes_equal (up, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  assert_bytes_equal (down, got->data, got->len);
  g_assert_cmpuint (g_bytes_get_size (up), ==, stats.bytes_up);
  g_assert_cmpuint (g_bytes_get_size (down), ==, stats.bytes_down);
  /* Taken: gone. */
  assert_capture_empty (proxy);
  g_clear_pointer (&up, g_bytes_unref);
  g_clear_pointer (&down, g_bytes_unref);
  g_clear_pointer (&got, g_byte_array_unref);

  /* Turned off: what was caught stays, nothing more comes. */
  got = echo_through (netem_proxy_get_port (proxy), payload);
  netem_proxy_capture (proxy, FALSE);
  g_clear_pointer (&got, g_byte_array_unref);
  got = echo_through (netem_proxy_get_port (proxy), payload);
  up = netem_proxy_take_capture (proxy, TRUE);
  assert_bytes_equal (up, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  g_clear_pointer (&up, g_bytes_unref);
  g_clear_pointer (&got, g_byte_array_unref);

  /* HTTP: the request once, though the server got it twice. */
  netem_proxy_capture (http_proxy, TRUE);
  r.fd = client_connect (netem_proxy_get_port (http_proxy));
  send_str (r.fd, request);
  assert_response (&r, "got 6");
  g_assert_true (wait_for_count (&http->requests, 2));
  g_assert_true (wait_for_count (&http->closed, 1));
  close (r.fd);
  g_assert_true (wait_for_count (&http->closed, 2));
  up = netem_proxy_take_capture (http_proxy, TRUE);
  down = netem_proxy_take_capture (http_proxy, FALSE);
  assert_bytes_equal (up, (const guint8 *) request, strlen (request));
  assert_bytes_equal (down, (const guint8 *) response, strlen (response));
  netem_proxy_get_stats (http_proxy, &stats);
  g_assert_cmpuint (stats.duplicates, ==, 1);
  g_clear_pointer (&up, g_bytes_unref);
  g_clear_pointer (&down, g_bytes_unref);

  /* A cut: what reached the client, no more. */
  netem_proxy_capture (cut_proxy, TRUE);
  fd = client_connect (netem_proxy_get_port (cut_proxy));
  got = recv_until_eof (fd);
  close (fd);
  down = netem_proxy_take_capture (cut_proxy, FALSE);
  up = netem_proxy_take_capture (cut_proxy, TRUE);
  netem_proxy_get_stats (cut_proxy, &stats);
  g_assert_cmpuint (stats.cuts, ==, 1);
  g_assert_cmpuint (got->len, >=, 10000);
  g_assert_cmpuint (got->len, <=, 50000);
  assert_bytes_equal (down, got->data, got->len);
  g_assert_cmpuint (g_bytes_get_size (down), ==, stats.bytes_down);
  g_assert_cmpuint (g_bytes_get_size (up), ==, 0);
}

/* Stop */

static void
test_stop_with_open_connections (void)
{
  NetemOptions slow = { .latency_ms_up = 5000, .latency_ms_down = 5000 };
  NetemOptions dup = { .duplicate_probability = 1.0 };
  g_autoptr(TestServer) echo = server_start (SERVER_ECHO);
  g_autoptr(TestServer) silent = server_start (SERVER_SILENT);
  g_autoptr(GBytes) payload = random_payload (100 * KiB, 6);
  NetemProxy *queued = proxy_start (echo, &slow);
  NetemProxy *waiting = proxy_start (silent, &dup);
  int clients[4];
  gint64 start;

  /* Bytes held back by the latency... */
  for (guint i = 0; i < 3; i++)
    {
      clients[i] = client_connect (netem_proxy_get_port (queued));
      g_assert_true (send_all (clients[i], g_bytes_get_data (payload, NULL), g_bytes_get_size (payload)));
    }
  /* ...and a duplicate waiting for an answer that never comes. */
  clients[3] = client_connect (netem_proxy_get_port (waiting));
  send_str (clients[3], "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  g_assert_true (wait_for_count (&silent->connections, 2));

  start = g_get_monotonic_time ();
  netem_proxy_stop (queued);
  netem_proxy_stop (waiting);
  /* Far below the 5 s latency and the 30 s duplicate time-out. */
  g_assert_cmpfloat (seconds_since (start), <, 3.0);

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_autoptr(GByteArray) got = recv_until_eof (clients[i]);

      g_assert_cmpuint (got->len, ==, 0);
      close (clients[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/netem/passthrough", test_passthrough);
  g_test_add_func ("/netem/passthrough-shaped", test_passthrough_shaped);
  g_test_add_func ("/netem/latency", test_latency);
  g_test_add_func ("/netem/rate/up", test_rate_up);
  g_test_add_func ("/netem/rate/down", test_rate_down);
  g_test_add_func ("/netem/cut/range", test_cut_range);
  g_test_add_func ("/netem/cut/both-ways", test_cut_both_ways);
  g_test_add_func ("/netem/http/duplicate", test_duplicate);
  g_test_add_func ("/netem/http/keep-alive", test_http_keepalive);
  g_test_add_func ("/netem/refuse", test_refuse);
  g_test_add_func ("/netem/capture", test_capture);
  g_test_add_func ("/netem/stop-with-open-connections", test_stop_with_open_connections);

  return g_test_run ();
}
