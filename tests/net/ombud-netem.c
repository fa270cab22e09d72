/* ombud-netem.c: an in-process TCP proxy that emulates a poor link
 *
 * Plain sockets and poll(): every socket is non-blocking and every poll()
 * also watches a pipe that netem_proxy_stop() writes once and nobody reads,
 * so that all threads wake and leave, wherever they wait.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-netem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#define CHUNK_SIZE          (64 * 1024)
/* Beyond this many bytes waiting in one direction we stop reading, so that a
 * capped link pushes back on the sender instead of buffering without end. */
#define QUEUE_CAP           (1024 * 1024)
#define HEADER_CAP          (64 * 1024)
#define LINE_CAP            4096
#define DUPLICATE_CAP       (16 * 1024 * 1024)
#define CONNECT_TIMEOUT_US  (10 * G_USEC_PER_SEC)
#define DUPLICATE_TIMEOUT_US (30 * G_USEC_PER_SEC)
/* The bucket holds 50 ms worth of bytes: small enough that a short transfer
 * cannot beat the cap, large enough that writes are not byte by byte. */
#define BURST_DIVISOR       20.0

/* A thread to join: its last act is to set done. */
typedef struct {
  GThread *thread;
  gint     done;
} Worker;

struct _NetemProxy {
  GMutex        lock;
  NetemOptions  options;
  NetemStats    stats;
  gboolean      capturing;
  GByteArray   *captured[2]; /* up, down; NULL until capture was first on */
  GRand        *rand;
  gboolean      stopping;
  GPtrArray    *workers;
  GThread      *accept_thread;
  int           listen_fd;
  int           wake_fd[2];
  guint16       port;
  guint16       target_port;
};

/* Sockets */

static void
set_error_from_errno (GError    **error,
                      int         saved_errno,
                      const char *what)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "netem: %s: %s", what, g_strerror (saved_errno));
}

/* Waits for EVENTS on FD; FALSE on stop, timeout or a poll() error. */
static gboolean
wait_fd (int     fd,
         short   events,
         int     wake_fd,
         gint64  deadline)
{
  for (;;)
    {
      struct pollfd fds[2] = { { fd, events, 0 }, { wake_fd, POLLIN, 0 } };
      gint64 left = deadline - g_get_monotonic_time ();
      int r;

      if (left <= 0)
        return FALSE;
      r = poll (fds, 2, (int) MIN ((left + 999) / 1000, INT_MAX));
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0 || fds[1].revents != 0)
        return FALSE;
      if (fds[0].revents != 0)
        return TRUE;
    }
}

static void
set_nodelay (int fd)
{
  int one = 1;

  /* We write small, paced pieces: Nagle would hold them back. */
  (void) setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void
close_with_reset (int fd)
{
  struct linger linger = { 1, 0 };

  (void) setsockopt (fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
  close (fd);
}

/* A non-blocking socket connected to 127.0.0.1:PORT, or -1 with errno. */
static int
connect_loopback (guint16 port,
                  int     wake_fd,
                  gint64  deadline)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int err = 0;
  socklen_t len = sizeof err;

  if (fd < 0)
    return -1;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0)
    goto connected;
  if (errno != EINPROGRESS)
    goto failed;
  if (!wait_fd (fd, POLLOUT, wake_fd, deadline))
    {
      errno = ETIMEDOUT;
      goto failed;
    }
  if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
    goto failed;
  if (err != 0)
    {
      errno = err;
      goto failed;
    }
connected:
  set_nodelay (fd);
  return fd;
failed:
  err = errno;
  close (fd);
  errno = err;
  return -1;
}

static gboolean
send_all (int           fd,
          const guint8 *data,
          gsize         len,
          int           wake_fd,
          gint64        deadline)
{
  while (len > 0)
    {
      ssize_t n = send (fd, data, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          if (!wait_fd (fd, POLLOUT, wake_fd, deadline))
            return FALSE;
          continue;
        }
      if (n < 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Workers */

static Worker *
worker_start (NetemProxy  *self,
              const char  *name,
              GThreadFunc  func,
              gpointer     data,
              Worker     **worker_out)
{
  Worker *worker = g_new0 (Worker, 1);
  g_autoptr(GError) error = NULL;

  /* Under the lock, so that stop() either sees this worker or refuses it. */
  g_mutex_lock (&self->lock);
  if (!self->stopping)
    {
      *worker_out = worker;
      worker->thread = g_thread_try_new (name, func, data, &error);
      if (worker->thread != NULL)
        g_ptr_array_add (self->workers, worker);
    }
  g_mutex_unlock (&self->lock);

  if (worker->thread == NULL)
    {
      if (error != NULL)
        g_warning ("netem: %s", error->message);
      *worker_out = NULL;
      g_free (worker);
      return NULL;
    }
  return worker;
}

static void
workers_join (GPtrArray *done)
{
  for (guint i = 0; i < done->len; i++)
    {
      Worker *worker = g_ptr_array_index (done, i);

      g_thread_join (worker->thread);
      g_free (worker);
    }
}

/* Joins the threads that have ended, so a long benchmark does not pile
 * them up. */
static void
workers_reap (NetemProxy *self)
{
  g_autoptr(GPtrArray) done = g_ptr_array_new ();

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->workers->len;)
    {
      Worker *worker = g_ptr_array_index (self->workers, i);

      if (g_atomic_int_get (&worker->done))
        g_ptr_array_add (done, g_ptr_array_steal_index_fast (self->workers, i));
      else
        i++;
    }
  g_mutex_unlock (&self->lock);
  workers_join (done);
}

/* HTTP/1.x message framing */

typedef enum {
  HTTP_HEAD,
  HTTP_BODY,
  HTTP_CHUNK_SIZE,
  HTTP_CHUNK_DATA,
  HTTP_CHUNK_END,
  HTTP_TRAILER,
  HTTP_UNTIL_EOF,
  HTTP_FAILED,
} HttpState;

typedef struct {
  HttpState   state;
  gboolean    response;      /* parsing responses, not requests */
  gboolean    head_request;  /* responses are to HEAD: no body */
  gboolean    complete;
  gboolean    overflow;      /* message too large to keep */
  GByteArray *message;       /* the current message, to replay; NULL: not kept */
  GByteArray *scratch;       /* header section, or the current chunk line */
  gsize       line_start;
  guint64     left;          /* bytes of body or chunk still to come */
  guint       status;
} HttpParser;

typedef void (*HttpMessageFunc) (HttpParser *parser,
                                 gpointer    user_data);

static void
http_parser_init (HttpParser *p,
                  gboolean    response,
                  gboolean    keep)
{
  memset (p, 0, sizeof *p);
  p->response = response;
  p->scratch = g_byte_array_new ();
  p->message = keep ? g_byte_array_new () : NULL;
}

static void
http_parser_clear (HttpParser *p)
{
  g_clear_pointer (&p->scratch, g_byte_array_unref);
  g_clear_pointer (&p->message, g_byte_array_unref);
}

static void
http_reset (HttpParser *p)
{
  p->state = HTTP_HEAD;
  p->complete = FALSE;
  p->overflow = FALSE;
  p->line_start = 0;
  p->left = 0;
  p->status = 0;
  g_byte_array_set_size (p->scratch, 0);
  if (p->message != NULL)
    g_byte_array_set_size (p->message, 0);
}

static gboolean
http_parse_start_line (HttpParser *p,
                       const char *line)
{
  g_autofree char *code = NULL;
  guint64 status;

  if (!p->response)
    return g_ascii_isupper (line[0]) && strstr (line, " HTTP/") != NULL;
  if (!g_str_has_prefix (line, "HTTP/") || strchr (line, ' ') == NULL)
    return FALSE;
  code = g_strndup (strchr (line, ' ') + 1, 3);
  if (!g_ascii_string_to_unsigned (code, 10, 100, 999, &status, NULL))
    return FALSE;
  p->status = (guint) status;
  return TRUE;
}

/* Chooses what follows the header section, from its framing headers. */
static void
http_after_head (HttpParser *p,
                 gboolean    has_length,
                 guint64     length,
                 gboolean    chunked)
{
  gboolean no_body = p->response && (p->status < 200 || p->status == 204 ||
                                     p->status == 304 || p->head_request);

  if (no_body)
    p->complete = TRUE;
  else if (chunked)
    p->state = HTTP_CHUNK_SIZE;
  else if (has_length && length > 0)
    {
      p->state = HTTP_BODY;
      p->left = length;
    }
  else if (has_length || !p->response)
    p->complete = TRUE;
  else
    p->state = HTTP_UNTIL_EOF;  /* a response framed by the close */
}

static gboolean
http_parse_head (HttpParser *p)
{
  g_autofree char *head = g_strndup ((const char *) p->scratch->data, p->scratch->len);
  g_auto(GStrv) lines = g_strsplit (head, "\n", -1);
  gboolean has_length = FALSE, chunked = FALSE;
  guint64 length = 0;

  if (!http_parse_start_line (p, g_strchomp (lines[0])))
    return FALSE;
  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');
      const char *name, *value;

      if (colon == NULL)
        continue;
      *colon = '\0';
      name = g_strstrip (lines[i]);
      value = g_strstrip (colon + 1);
      if (g_ascii_strcasecmp (name, "Content-Length") == 0)
        {
          if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &length, NULL))
            return FALSE;
          has_length = TRUE;
        }
      else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
        {
          g_autofree char *lower = g_ascii_strdown (value, -1);

          chunked = strstr (lower, "chunked") != NULL;
        }
    }
  http_after_head (p, has_length, length, chunked);
  return TRUE;
}

/* Moves bytes up to and including the next newline into scratch. */
static gsize
http_take_line (HttpParser   *p,
                const guint8 *data,
                gsize         len,
                gboolean     *line_done)
{
  const guint8 *newline = memchr (data, '\n', len);
  gsize n = newline != NULL ? (gsize) (newline - data) + 1 : len;

  g_byte_array_append (p->scratch, data, (guint) n);
  *line_done = newline != NULL;
  return n;
}

static gboolean
http_line_is_empty (HttpParser *p)
{
  gsize len = p->scratch->len - p->line_start;

  return len == 1 || (len == 2 && p->scratch->data[p->line_start] == '\r');
}

static void
http_end_head_line (HttpParser *p)
{
  if (!http_line_is_empty (p))
    {
      p->line_start = p->scratch->len;
      return;
    }
  /* An empty line before the start line is allowed between messages. */
  if (p->line_start != 0 && !http_parse_head (p))
    p->state = HTTP_FAILED;
  g_byte_array_set_size (p->scratch, 0);
  p->line_start = 0;
}

static void
http_end_chunk_line (HttpParser *p)
{
  gboolean empty = http_line_is_empty (p);
  g_autofree char *line = g_strndup ((const char *) p->scratch->data, p->scratch->len);
  char *end = NULL;
  guint64 size;

  g_byte_array_set_size (p->scratch, 0);
  switch (p->state)
    {
    case HTTP_CHUNK_SIZE:
      size = g_ascii_strtoull (line, &end, 16);
      if (end == line)
        p->state = HTTP_FAILED;
      else if (size == 0)
        p->state = HTTP_TRAILER;
      else
        {
          p->state = HTTP_CHUNK_DATA;
          p->left = size;
        }
      break;
    case HTTP_CHUNK_END:
      p->state = empty ? HTTP_CHUNK_SIZE : HTTP_FAILED;
      break;
    case HTTP_TRAILER:
      p->complete = empty;
      break;
    case HTTP_HEAD:
    case HTTP_BODY:
    case HTTP_CHUNK_DATA:
    case HTTP_UNTIL_EOF:
    case HTTP_FAILED:
    default:
      g_assert_not_reached ();
    }
}

/* Consumes some of DATA (at least one byte); sets p->complete at the end of
 * a message. */
static gsize
http_step (HttpParser   *p,
           const guint8 *data,
           gsize         len)
{
  gboolean line_done = FALSE;
  gsize n;

  switch (p->state)
    {
    case HTTP_HEAD:
      n = http_take_line (p, data, len, &line_done);
      if (line_done)
        http_end_head_line (p);
      else if (p->scratch->len > HEADER_CAP)
        p->state = HTTP_FAILED;
      return n;
    case HTTP_BODY:
    case HTTP_CHUNK_DATA:
      n = (gsize) MIN ((guint64) len, p->left);
      p->left -= n;
      if (p->left == 0 && p->state == HTTP_BODY)
        p->complete = TRUE;
      else if (p->left == 0)
        p->state = HTTP_CHUNK_END;
      return n;
    case HTTP_CHUNK_SIZE:
    case HTTP_CHUNK_END:
    case HTTP_TRAILER:
      n = http_take_line (p, data, len, &line_done);
      if (line_done)
        http_end_chunk_line (p);
      else if (p->scratch->len > LINE_CAP)
        p->state = HTTP_FAILED;
      return n;
    case HTTP_UNTIL_EOF:
    case HTTP_FAILED:
    default:
      return len;
    }
}

static void
http_keep (HttpParser   *p,
           const guint8 *data,
           gsize         n)
{
  if (p->message == NULL || p->overflow)
    return;
  if (p->message->len + n > DUPLICATE_CAP)
    {
      p->overflow = TRUE;
      return;
    }
  g_byte_array_append (p->message, data, (guint) n);
}

static void
http_feed (HttpParser     *p,
           const guint8   *data,
           gsize           len,
           HttpMessageFunc func,
           gpointer        user_data)
{
  while (len > 0 && p->state != HTTP_FAILED)
    {
      gsize n = http_step (p, data, len);

      http_keep (p, data, n);
      data += n;
      len -= n;
      if (p->complete)
        {
          func (p, user_data);
          http_reset (p);
        }
    }
}

/* The peer closed: that ends a response framed by the close. */
static void
http_finish (HttpParser     *p,
             HttpMessageFunc func,
             gpointer        user_data)
{
  if (p->state == HTTP_UNTIL_EOF)
    {
      func (p, user_data);
      http_reset (p);
    }
}

/* Duplicated requests */

typedef struct {
  NetemProxy *proxy;
  Worker     *worker;
  GBytes     *request;
  gboolean    answered;
} Duplicate;

static void
duplicate_on_response (HttpParser *p,
                       gpointer    user_data)
{
  Duplicate *dup = user_data;

  /* A 100 Continue is not the answer yet. */
  if (p->status >= 200)
    dup->answered = TRUE;
}

/* Reads the response to the duplicate to its end, so that the server sees a
 * client that waited for it, and drops it. */
static void
duplicate_drain (Duplicate *dup,
                 int        fd,
                 gint64     deadline)
{
  gsize len;
  const guint8 *request = g_bytes_get_data (dup->request, &len);
  g_autofree guint8 *buf = g_malloc (CHUNK_SIZE);
  HttpParser parser;

  http_parser_init (&parser, TRUE, FALSE);
  parser.head_request = len >= 5 && memcmp (request, "HEAD ", 5) == 0;
  while (!dup->answered && parser.state != HTTP_FAILED &&
         wait_fd (fd, POLLIN, dup->proxy->wake_fd[0], deadline))
    {
      ssize_t n = recv (fd, buf, CHUNK_SIZE, 0);

      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        continue;
      if (n <= 0)
        {
          http_finish (&parser, duplicate_on_response, dup);
          break;
        }
      http_feed (&parser, buf, (gsize) n, duplicate_on_response, dup);
    }
  http_parser_clear (&parser);
}

static gpointer
duplicate_main (gpointer data)
{
  Duplicate *dup = data;
  NetemProxy *self = dup->proxy;
  Worker *worker = dup->worker;
  gint64 deadline = g_get_monotonic_time () + DUPLICATE_TIMEOUT_US;
  int fd = connect_loopback (self->target_port, self->wake_fd[0], deadline);
  gsize len;
  const guint8 *request = g_bytes_get_data (dup->request, &len);

  if (fd >= 0)
    {
      if (send_all (fd, request, len, self->wake_fd[0], deadline))
        duplicate_drain (dup, fd, deadline);
      close (fd);
    }
  g_bytes_unref (dup->request);
  g_free (dup);
  g_atomic_int_set (&worker->done, 1);
  return NULL;
}

static void
duplicate_launch (NetemProxy *self,
                  GBytes     *request)
{
  Duplicate *dup = g_new0 (Duplicate, 1);

  dup->proxy = self;
  dup->request = g_bytes_ref (request);
  if (worker_start (self, "netem-dup", duplicate_main, dup, &dup->worker) == NULL)
    {
      g_bytes_unref (dup->request);
      g_free (dup);
      return;
    }
  g_mutex_lock (&self->lock);
  self->stats.duplicates++;
  g_mutex_unlock (&self->lock);
}

/* Proxied connections */

typedef struct {
  gint64     release;   /* monotonic µs: arrival + latency */
  gsize      len;
  gsize      off;
  GPtrArray *duplicates; /* GBytes: requests that end in this chunk, to replay */
  guint8     data[];
} Chunk;

static void
chunk_free (Chunk *chunk)
{
  g_clear_pointer (&chunk->duplicates, g_ptr_array_unref);
  g_free (chunk);
}

typedef struct {
  int      src;
  int      dst;
  gboolean up;
  GQueue   chunks;
  gsize    queued;
  gboolean src_eof;
  gboolean dst_shut;
  gboolean want_write;
  gdouble  tokens;
  gint64   refilled;
} Direction;

typedef struct {
  NetemProxy *proxy;
  Worker     *worker;
  int         client_fd;
  int         server_fd;
  guint64     cut_after;  /* G_MAXUINT64: not cut */
  guint64     forwarded;
  Direction   dirs[2];    /* up, down */
  HttpParser  parser;
  Chunk      *reading;    /* the chunk the parser is fed from */
  guint8     *buf;
} Connection;

typedef enum {
  PUMP_GO_ON,
  PUMP_CLOSE,
} PumpResult;

static Connection *
connection_new (NetemProxy *self,
                int         client_fd,
                guint64     cut_after)
{
  Connection *c = g_new0 (Connection, 1);

  c->proxy = self;
  c->client_fd = client_fd;
  c->server_fd = -1;
  c->cut_after = cut_after;
  c->buf = g_malloc (CHUNK_SIZE);
  http_parser_init (&c->parser, FALSE, TRUE);
  for (guint i = 0; i < 2; i++)
    {
      g_queue_init (&c->dirs[i].chunks);
      c->dirs[i].up = i == 0;
      /* Full, clamped to the burst size at first use. */
      c->dirs[i].tokens = G_MAXDOUBLE;
      c->dirs[i].refilled = g_get_monotonic_time ();
    }
  return c;
}

static void
connection_free (Connection *c)
{
  for (guint i = 0; i < 2; i++)
    g_queue_clear_full (&c->dirs[i].chunks, (GDestroyNotify) chunk_free);
  if (c->client_fd >= 0)
    close (c->client_fd);
  if (c->server_fd >= 0)
    close (c->server_fd);
  http_parser_clear (&c->parser);
  g_free (c->buf);
  g_free (c);
}

static void
connection_on_request (HttpParser *p,
                       gpointer    user_data)
{
  Connection *c = user_data;
  NetemProxy *self = c->proxy;
  gboolean duplicate;

  g_mutex_lock (&self->lock);
  self->stats.http_requests++;
  duplicate = !p->overflow && self->options.duplicate_probability > 0 &&
              g_rand_double (self->rand) < self->options.duplicate_probability;
  g_mutex_unlock (&self->lock);

  if (!duplicate)
    return;
  if (c->reading->duplicates == NULL)
    c->reading->duplicates = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_ptr_array_add (c->reading->duplicates, g_bytes_new (p->message->data, p->message->len));
}

/* Counted first: whoever sees the close may read the stats at once. */
static void
connection_cut (Connection *c)
{
  g_mutex_lock (&c->proxy->lock);
  c->proxy->stats.cuts++;
  g_mutex_unlock (&c->proxy->lock);
  shutdown (c->client_fd, SHUT_RDWR);
  shutdown (c->server_fd, SHUT_RDWR);
}

/* How many bytes the bucket lets out now, or 0 and when to come back. */
static gsize
bucket_allowance (Direction *dir,
                  guint      rate,
                  gsize      want,
                  gint64     now,
                  gint64    *wake_at)
{
  gdouble burst = MAX (rate / BURST_DIVISOR, 1.0);
  gdouble need = MIN ((gdouble) want, burst);

  dir->tokens = MIN (burst, dir->tokens + (gdouble) (now - dir->refilled) * rate / G_USEC_PER_SEC);
  dir->refilled = now;
  if (dir->tokens < need)
    {
      gint64 wait = (gint64) ((need - dir->tokens) * G_USEC_PER_SEC / rate) + 1;

      *wake_at = MIN (*wake_at, now + wait);
      return 0;
    }
  return MIN (want, (gsize) dir->tokens);
}

/* Counts, and captures when asked, N bytes just forwarded from DATA. */
static void
stats_add_bytes (NetemProxy   *self,
                 gboolean      up,
                 const guint8 *data,
                 gsize         n)
{
  g_mutex_lock (&self->lock);
  if (up)
    self->stats.bytes_up += n;
  else
    self->stats.bytes_down += n;
  if (self->capturing)
    g_byte_array_append (self->captured[up ? 0 : 1], data, (guint) n);
  g_mutex_unlock (&self->lock);
}

static void
chunk_done (Connection *c,
            Direction  *dir)
{
  Chunk *chunk = g_queue_pop_head (&dir->chunks);

  for (guint i = 0; chunk->duplicates != NULL && i < chunk->duplicates->len; i++)
    duplicate_launch (c->proxy, g_ptr_array_index (chunk->duplicates, i));
  chunk_free (chunk);
}

/* Writes what is due in DIR; lowers *wake_at to when more will be. */
static PumpResult
direction_flush (Connection *c,
                 Direction  *dir,
                 guint       rate,
                 gint64      now,
                 gint64     *wake_at)
{
  dir->want_write = FALSE;
  if (rate == 0)
    {
      dir->tokens = G_MAXDOUBLE;
      dir->refilled = now;
    }
  while (!g_queue_is_empty (&dir->chunks))
    {
      Chunk *chunk = g_queue_peek_head (&dir->chunks);
      gsize want = chunk->len - chunk->off;
      ssize_t n;

      if (chunk->release > now)
        {
          *wake_at = MIN (*wake_at, chunk->release);
          return PUMP_GO_ON;
        }
      if (rate > 0 && (want = bucket_allowance (dir, rate, want, now, wake_at)) == 0)
        return PUMP_GO_ON;
      want = (gsize) MIN ((guint64) want, c->cut_after - c->forwarded);

      n = send (dir->dst, chunk->data + chunk->off, want, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          dir->want_write = TRUE;
          return PUMP_GO_ON;
        }
      if (n < 0)
        return PUMP_CLOSE;

      stats_add_bytes (c->proxy, dir->up, chunk->data + chunk->off, (gsize) n);
      chunk->off += (gsize) n;
      dir->queued -= (gsize) n;
      c->forwarded += (guint64) n;
      if (rate > 0)
        dir->tokens -= (gdouble) n;
      if (c->forwarded >= c->cut_after)
        {
          connection_cut (c);
          return PUMP_CLOSE;
        }
      if (chunk->off == chunk->len)
        chunk_done (c, dir);
    }
  /* Half-close: the sender's end of stream goes on once its bytes have. */
  if (dir->src_eof && !dir->dst_shut)
    {
      shutdown (dir->dst, SHUT_WR);
      dir->dst_shut = TRUE;
    }
  return PUMP_GO_ON;
}

static void
direction_read (Connection *c,
                Direction  *dir,
                guint       latency_ms)
{
  ssize_t n = recv (dir->src, c->buf, CHUNK_SIZE, 0);
  Chunk *chunk;

  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
    return;
  /* A reset reads as the end of the stream: what came before still goes on. */
  if (n <= 0)
    {
      dir->src_eof = TRUE;
      return;
    }
  chunk = g_malloc0 (sizeof *chunk + (gsize) n);
  chunk->release = g_get_monotonic_time () + (gint64) latency_ms * 1000;
  chunk->len = (gsize) n;
  memcpy (chunk->data, c->buf, (gsize) n);
  g_queue_push_tail (&dir->chunks, chunk);
  dir->queued += (gsize) n;

  if (dir->up)
    {
      c->reading = chunk;
      http_feed (&c->parser, chunk->data, chunk->len, connection_on_request, c);
      c->reading = NULL;
    }
}

static gboolean
direction_wants_read (Direction *dir)
{
  return !dir->src_eof && dir->queued < QUEUE_CAP;
}

static void
poll_set (struct pollfd *pfd,
          int            fd,
          gboolean       read,
          gboolean       write)
{
  pfd->events = (short) ((read ? POLLIN : 0) | (write ? POLLOUT : 0));
  /* An fd with nothing to wait for would still report POLLHUP at once. */
  pfd->fd = pfd->events != 0 ? fd : -1;
  pfd->revents = 0;
}

static void
connection_pump (Connection *c)
{
  NetemProxy *self = c->proxy;
  Direction *up = &c->dirs[0], *down = &c->dirs[1];

  if (c->cut_after == 0)
    {
      connection_cut (c);
      return;
    }
  for (;;)
    {
      struct pollfd fds[3];
      guint latency[2], rate[2];
      gint64 now = g_get_monotonic_time ();
      gint64 wake_at = G_MAXINT64;
      int timeout = -1;

      g_mutex_lock (&self->lock);
      latency[0] = self->options.latency_ms_up;
      latency[1] = self->options.latency_ms_down;
      rate[0] = self->options.rate_up;
      rate[1] = self->options.rate_down;
      g_mutex_unlock (&self->lock);

      for (guint i = 0; i < 2; i++)
        if (direction_flush (c, &c->dirs[i], rate[i], now, &wake_at) == PUMP_CLOSE)
          return;
      if (up->dst_shut && down->dst_shut)
        return;

      poll_set (&fds[0], c->client_fd, direction_wants_read (up), down->want_write);
      poll_set (&fds[1], c->server_fd, direction_wants_read (down), up->want_write);
      poll_set (&fds[2], self->wake_fd[0], TRUE, FALSE);
      if (wake_at != G_MAXINT64)
        timeout = (int) CLAMP ((wake_at - g_get_monotonic_time () + 999) / 1000, 0, INT_MAX);
      if (poll (fds, G_N_ELEMENTS (fds), timeout) < 0 && errno != EINTR)
        return;
      if (fds[2].revents != 0)
        return;
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR) && (fds[0].events & POLLIN))
        direction_read (c, up, latency[0]);
      if (fds[1].revents & (POLLIN | POLLHUP | POLLERR) && (fds[1].events & POLLIN))
        direction_read (c, down, latency[1]);
    }
}

static gpointer
connection_main (gpointer data)
{
  Connection *c = data;
  NetemProxy *self = c->proxy;
  Worker *worker = c->worker;

  c->server_fd = connect_loopback (self->target_port, self->wake_fd[0],
                                   g_get_monotonic_time () + CONNECT_TIMEOUT_US);
  if (c->server_fd >= 0)
    {
      c->dirs[0].src = c->client_fd;
      c->dirs[0].dst = c->server_fd;
      c->dirs[1].src = c->server_fd;
      c->dirs[1].dst = c->client_fd;
      connection_pump (c);
    }
  connection_free (c);
  g_atomic_int_set (&worker->done, 1);
  return NULL;
}

/* Accepting */

static guint64
draw_cut (NetemProxy         *self,
          const NetemOptions *options)
{
  guint64 lo = MIN (options->cut_min_bytes, options->cut_max_bytes);
  guint64 hi = MAX (options->cut_min_bytes, options->cut_max_bytes);
  gdouble offset;

  if (options->cut_probability <= 0 ||
      g_rand_double (self->rand) >= options->cut_probability)
    return G_MAXUINT64;
  /* Uniform over [lo, hi]; a guard, as doubles round near 2^64. */
  offset = g_rand_double (self->rand) * ((gdouble) (hi - lo) + 1.0);
  if (offset >= (gdouble) (hi - lo))
    return hi;
  return lo + (guint64) offset;
}

static void
accept_one (NetemProxy *self,
            int         fd)
{
  NetemOptions options;
  Connection *c;
  guint64 cut_after;

  g_mutex_lock (&self->lock);
  self->stats.connections++;
  options = self->options;
  cut_after = options.refuse ? G_MAXUINT64 : draw_cut (self, &options);
  g_mutex_unlock (&self->lock);

  if (options.refuse)
    {
      close_with_reset (fd);
      return;
    }
  set_nodelay (fd);
  c = connection_new (self, fd, cut_after);
  if (worker_start (self, "netem-conn", connection_main, c, &c->worker) == NULL)
    connection_free (c);
}

static gpointer
accept_main (gpointer data)
{
  NetemProxy *self = data;

  for (;;)
    {
      struct pollfd fds[2] = { { self->listen_fd, POLLIN, 0 }, { self->wake_fd[0], POLLIN, 0 } };
      int fd;

      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          g_warning ("netem: poll: %s", g_strerror (errno));
          break;
        }
      if (fds[1].revents != 0)
        break;
      fd = accept4 (self->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        {
          /* Out of descriptors: the listener stays readable; do not spin. */
          if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            g_usleep (10 * 1000);
          continue;
        }
      workers_reap (self);
      accept_one (self, fd);
    }
  return NULL;
}

/* Public API */

static int
listen_loopback (guint16 *port,
                 GError **error)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int saved;

  if (fd < 0)
    {
      set_error_from_errno (error, errno, "socket");
      return -1;
    }
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 ||
      listen (fd, SOMAXCONN) < 0 ||
      getsockname (fd, (struct sockaddr *) &addr, &len) < 0)
    {
      saved = errno;
      close (fd);
      set_error_from_errno (error, saved, "listen on 127.0.0.1");
      return -1;
    }
  *port = ntohs (addr.sin_port);
  return fd;
}

NetemProxy *
netem_proxy_start (guint16             target_port,
                   const NetemOptions *options,
                   GError            **error)
{
  NetemProxy *self;
  guint16 port = 0;
  int listen_fd, wake_fd[2];

  g_return_val_if_fail (target_port != 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  listen_fd = listen_loopback (&port, error);
  if (listen_fd < 0)
    return NULL;
  if (pipe2 (wake_fd, O_CLOEXEC) < 0)
    {
      set_error_from_errno (error, errno, "pipe");
      close (listen_fd);
      return NULL;
    }

  self = g_new0 (NetemProxy, 1);
  g_mutex_init (&self->lock);
  if (options != NULL)
    self->options = *options;
  self->rand = g_rand_new_with_seed (self->options.seed);
  self->workers = g_ptr_array_new ();
  self->listen_fd = listen_fd;
  self->wake_fd[0] = wake_fd[0];
  self->wake_fd[1] = wake_fd[1];
  self->port = port;
  self->target_port = target_port;
  self->accept_thread = g_thread_try_new ("netem-accept", accept_main, self, error);
  if (self->accept_thread == NULL)
    {
      netem_proxy_stop (self);
      return NULL;
    }
  return self;
}

guint16
netem_proxy_get_port (NetemProxy *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}

void
netem_proxy_set_options (NetemProxy         *self,
                         const NetemOptions *options)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (options != NULL);

  g_mutex_lock (&self->lock);
  self->options = *options;
  g_rand_set_seed (self->rand, options->seed);
  g_mutex_unlock (&self->lock);
}

void
netem_proxy_get_stats (NetemProxy *self,
                       NetemStats *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  g_mutex_lock (&self->lock);
  *out = self->stats;
  g_mutex_unlock (&self->lock);
}

void
netem_proxy_reset_stats (NetemProxy *self)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  memset (&self->stats, 0, sizeof self->stats);
  g_mutex_unlock (&self->lock);
}

void
netem_proxy_capture (NetemProxy *self,
                     gboolean    on)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  self->capturing = on;
  for (guint i = 0; on && i < G_N_ELEMENTS (self->captured); i++)
    if (self->captured[i] == NULL)
      self->captured[i] = g_byte_array_new ();
  g_mutex_unlock (&self->lock);
}

GBytes *
netem_proxy_take_capture (NetemProxy *self,
                          gboolean    upstream)
{
  GByteArray *taken;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->lock);
  taken = self->captured[upstream ? 0 : 1];
  if (taken != NULL)
    self->captured[upstream ? 0 : 1] = g_byte_array_new ();
  g_mutex_unlock (&self->lock);
  if (taken == NULL)
    return g_bytes_new (NULL, 0);
  return g_byte_array_free_to_bytes (taken);
}

void
netem_proxy_stop (NetemProxy *self)
{
  g_autoptr(GPtrArray) workers = NULL;
  ssize_t n;

  if (self == NULL)
    return;

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_mutex_unlock (&self->lock);
  do
    n = write (self->wake_fd[1], "x", 1);
  while (n < 0 && errno == EINTR);

  if (self->accept_thread != NULL)
    g_thread_join (self->accept_thread);
  /* No worker starts once stopping is set, so this list is the last. */
  g_mutex_lock (&self->lock);
  workers = g_steal_pointer (&self->workers);
  g_mutex_unlock (&self->lock);
  workers_join (workers);

  close (self->listen_fd);
  close (self->wake_fd[0]);
  close (self->wake_fd[1]);
  g_rand_free (self->rand);
  for (guint i = 0; i < G_N_ELEMENTS (self->captured); i++)
    g_clear_pointer (&self->captured[i], g_byte_array_unref);
  g_mutex_clear (&self->lock);
  g_free (self);
}
