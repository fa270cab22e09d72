/* ombud-office-server.c: the office's HTTP server (libmicrohttpd)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libmicrohttpd calls on_request() several times per request: once when
 * the headers are in (we route and refuse what we can before reading a
 * byte of body), once per piece of body, and once more when the body is
 * complete (we call the handler).  on_completed() writes the log line and
 * frees the request, whether or not a response went out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "ombud-office-guard.h"
#include "ombud-office-handler.h"
#include "ombud-office-server.h"

/* Event-driven workers: a slow client on a rural link holds no thread while
 * its bytes trickle in; only the handler's own work blocks one. */
#define N_THREADS          4
#define CONNECTION_LIMIT   256
#define IDLE_TIMEOUT_S     60
#define LOG_PATH_MAX       120

G_DEFINE_QUARK (ombud-office-server-error-quark, ombud_office_server_error)

struct _OmbudOfficeServer {
  char                    *data_dir;
  char                    *host;        /* numeric, as in the URL */
  guint16                  listen_port; /* as asked: 0 picks one */
  gboolean                 ipv6;
  struct sockaddr_storage  address;
  char                    *tls_cert;    /* PEM; NULL for plain HTTP */
  char                    *tls_key;

  OmbudOfficeClock         now_ms;
  gpointer                 clock_data;

  struct MHD_Daemon       *daemon;
  guint16                  port;

  GMutex                   lock;        /* guards idle, starting and start_message */
  GPtrArray               *idle;        /* OmbudOfficeBackend, not in use by any thread */
  gboolean                 starting;    /* in MHD_start_daemon() */
  char                    *start_message; /* what libmicrohttpd logged first while starting */
};

typedef enum {
  ROUTE_NONE,
  ROUTE_HEALTH,
  ROUTE_ENROL,
  ROUTE_SYNC,
  ROUTE_SHARE,
} Route;

typedef struct {
  gint64              start_us;
  Route               route;
  char               *method;      /* printable, for the log */
  char               *path;
  char                remote[INET6_ADDRSTRLEN];
  GByteArray         *body;        /* NULL when none is wanted, or once over the limit */
  guint64             received;
  guint               status;      /* 0 until a response is queued */
  gsize               sent;
  OmbudOfficeOutcome  outcome;
} Request;

static gint64
real_clock (gpointer data G_GNUC_UNUSED)
{
  return g_get_real_time () / 1000;
}

/* ---- the listen address and TLS files ---- */

/* "HOST:PORT" or "[HOST]:PORT", HOST numeric: an office server should not
 * depend on name resolution to decide where it listens. */
static gboolean
parse_listen (OmbudOfficeServer  *self,
              const char         *listen,
              GError            **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) sockaddr = NULL;
  const char *colon;
  guint64 port;

  if (listen[0] == '[')
    {
      const char *close = strchr (listen, ']');

      colon = close != NULL && close[1] == ':' ? close + 1 : NULL;
      if (colon != NULL)
        host = g_strndup (listen + 1, close - listen - 1);
    }
  else
    {
      colon = strrchr (listen, ':');
      /* a bare IPv6 address cannot be told apart from its port */
      if (colon != NULL && memchr (listen, ':', colon - listen) == NULL)
        host = g_strndup (listen, colon - listen);
    }
  if (host != NULL)
    inet = g_inet_address_new_from_string (host);
  if (inet == NULL || (listen[0] == '[') != (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
      || !g_ascii_string_to_unsigned (colon + 1, 10, 0, G_MAXUINT16, &port, NULL))
    {
      g_set_error (error, OMBUD_OFFICE_SERVER_ERROR, OMBUD_OFFICE_SERVER_ERROR_INVALID,
                   "“%s” is not a listen address: give ADDRESS:PORT with a numeric address, "
                   "e.g. 127.0.0.1:8443 or [::1]:8443", listen);
      return FALSE;
    }

  sockaddr = g_inet_socket_address_new (inet, port);
  if (!g_socket_address_to_native (sockaddr, &self->address, sizeof self->address, error))
    return FALSE;
  self->ipv6 = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6;
  self->listen_port = port;
  self->host = g_inet_address_to_string (inet);
  return TRUE;
}

static char *
read_pem (const char  *what,
          const char  *path,
          GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      g_set_error (error, OMBUD_OFFICE_SERVER_ERROR, OMBUD_OFFICE_SERVER_ERROR_INVALID,
                   "cannot read the TLS %s: %s", what, local->message);
      return NULL;
    }
  if (strstr (text, "-----BEGIN ") == NULL)
    {
      g_set_error (error, OMBUD_OFFICE_SERVER_ERROR, OMBUD_OFFICE_SERVER_ERROR_INVALID,
                   "the TLS %s %s is not in PEM form", what, path);
      return NULL;
    }
  return g_steal_pointer (&text);
}

/* A private key should not linger in freed memory. */
static void
free_secret_text (char *text)
{
  if (text != NULL)
    explicit_bzero (text, strlen (text));
  g_free (text);
}

/* ---- the backend pool ---- */

static OmbudOfficeBackend *
borrow_backend (OmbudOfficeServer  *self,
                GError            **error)
{
  OmbudOfficeBackend *backend = NULL;

  g_mutex_lock (&self->lock);
  if (self->idle->len > 0)
    backend = g_ptr_array_steal_index_fast (self->idle, self->idle->len - 1);
  g_mutex_unlock (&self->lock);

  /* Opened lazily: at most one per request in progress, so no more than
   * the workers can use at once. */
  if (backend == NULL)
    backend = ombud_office_backend_open_sqlite (self->data_dir, FALSE, error);
  return backend;
}

static void
return_backend (OmbudOfficeServer  *self,
                OmbudOfficeBackend *backend)
{
  /* a handler that forgot its transaction must not hand it to the next
   * request (a no-op otherwise) */
  ombud_office_backend_rollback (backend);
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->idle, backend);
  g_mutex_unlock (&self->lock);
}

/* ---- requests ---- */

/* Client-chosen text reaches the log only as short printable ASCII. */
static char *
printable (const char *text,
           gsize       max)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p && out->len < max; p++)
    g_string_append_c (out, g_ascii_isgraph (*p) ? *p : '?');
  return g_string_free (out, FALSE);
}

static void
remote_address (struct MHD_Connection *connection,
                char                   out[INET6_ADDRSTRLEN])
{
  const union MHD_ConnectionInfo *info =
    MHD_get_connection_info (connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *sa = info != NULL ? info->client_addr : NULL;

  g_strlcpy (out, "-", INET6_ADDRSTRLEN);
  if (sa != NULL && sa->sa_family == AF_INET)
    inet_ntop (AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, out, INET6_ADDRSTRLEN);
  else if (sa != NULL && sa->sa_family == AF_INET6)
    inet_ntop (AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr, out, INET6_ADDRSTRLEN);
}

static Request *
request_new (struct MHD_Connection *connection,
             const char            *url,
             const char            *method)
{
  Request *req = g_new0 (Request, 1);

  req->start_us = g_get_monotonic_time ();
  req->method = printable (method, 16);
  req->path = printable (url, LOG_PATH_MAX);
  remote_address (connection, req->remote);
  if (strcmp (url, "/v1/health") == 0)
    req->route = ROUTE_HEALTH;
  else if (strcmp (url, "/v1/enrol") == 0)
    req->route = ROUTE_ENROL;
  else if (strcmp (url, "/v1/sync") == 0)
    req->route = ROUTE_SYNC;
  else if (strcmp (url, "/v1/share") == 0)
    req->route = ROUTE_SHARE;
  return req;
}

static void
request_free (Request *req)
{
  if (req->body != NULL)
    g_byte_array_unref (req->body);
  g_free (req->method);
  g_free (req->path);
  g_free (req);
}

static void
unref_bytes (void *bytes)
{
  g_bytes_unref (bytes);
}

/* Takes body. */
static enum MHD_Result
respond (struct MHD_Connection *connection,
         Request               *req,
         guint                  status,
         const char            *content_type,
         GBytes                *body,
         const char            *allow)
{
  struct MHD_Response *response;
  enum MHD_Result result;
  gsize size;
  gconstpointer data = g_bytes_get_data (body, &size);

  response = MHD_create_response_from_buffer_with_free_callback_cls (size, (void *) data,
                                                                     unref_bytes, body);
  if (response == NULL)
    {
      g_bytes_unref (body);
      return MHD_NO;
    }
  MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  MHD_add_response_header (response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  if (allow != NULL)
    MHD_add_response_header (response, MHD_HTTP_HEADER_ALLOW, allow);
  result = MHD_queue_response (connection, status, response);
  MHD_destroy_response (response);
  if (result == MHD_YES)
    {
      req->status = status;
      req->sent = size;
    }
  return result;
}

/* The server's own answers: one line, "CODE message". */
static enum MHD_Result
respond_error (struct MHD_Connection *connection,
               Request               *req,
               guint                  status,
               const char            *code,
               const char            *message)
{
  char *line = g_strdup_printf ("%s %s\n", code, message);

  return respond (connection, req, status, "text/plain; charset=utf-8",
                  g_bytes_new_take (line, strlen (line)), NULL);
}

static enum MHD_Result
respond_wrong_method (struct MHD_Connection *connection,
                      Request               *req,
                      const char            *allow)
{
  char *line = g_strdup_printf ("wrong-method use %s\n", allow);

  return respond (connection, req, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                  g_bytes_new_take (line, strlen (line)), allow);
}

/* Headers are in, no body read yet: refuse what can be refused now. */
static enum MHD_Result
begin_request (struct MHD_Connection *connection,
               Request               *req,
               const char            *method)
{
  const char *length, *encoding;
  guint64 declared = 0;

  if (req->route == ROUTE_NONE)
    return respond_error (connection, req, MHD_HTTP_NOT_FOUND, "not-found", "no such endpoint");

  if (req->route == ROUTE_HEALTH)
    {
      if (strcmp (method, MHD_HTTP_METHOD_GET) != 0 && strcmp (method, MHD_HTTP_METHOD_HEAD) != 0)
        return respond_wrong_method (connection, req, "GET, HEAD");
      return respond (connection, req, MHD_HTTP_OK, "text/plain; charset=utf-8",
                      g_bytes_new_static ("ok\n", 3), NULL);
    }

  if (strcmp (method, MHD_HTTP_METHOD_POST) != 0)
    return respond_wrong_method (connection, req, "POST");

  length = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  encoding = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
  if (length == NULL && (encoding == NULL || g_ascii_strcasecmp (encoding, "chunked") != 0))
    return respond_error (connection, req, MHD_HTTP_BAD_REQUEST, "malformed",
                          "a POST needs a Content-Length");
  if (length != NULL && !g_ascii_string_to_unsigned (length, 10, 0, G_MAXUINT64, &declared, NULL))
    return respond_error (connection, req, MHD_HTTP_BAD_REQUEST, "malformed", "a bad Content-Length");
  if (declared > OMBUD_OFFICE_MAX_BODY)
    return respond_error (connection, req, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                          "the body is larger than 16 MiB");

  /* grown as bytes come, not sized by a Content-Length that may lie */
  req->body = g_byte_array_sized_new (MIN (declared, 64 * 1024));
  return MHD_YES;
}

/* A piece of the body.  Content-Length was checked, but a chunked body has
 * none, so the running total is what counts. */
static enum MHD_Result
receive (Request    *req,
         const char *data,
         size_t      size)
{
  req->received += size;
  if (req->received <= OMBUD_OFFICE_MAX_BODY)
    {
      g_byte_array_append (req->body, (const guint8 *) data, size);
      return MHD_YES;
    }
  /* libmicrohttpd cannot answer before the body ends: drop what came, and
   * give up on a client that keeps sending well past the limit. */
  g_clear_pointer (&req->body, g_byte_array_unref);
  return req->received <= 2 * (guint64) OMBUD_OFFICE_MAX_BODY ? MHD_YES : MHD_NO;
}

static enum MHD_Result
dispatch (OmbudOfficeServer     *self,
          struct MHD_Connection *connection,
          Request               *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  OmbudOfficeBackend *backend;
  GBytes *out;
  guint status = 0;

  if (req->body == NULL)
    return respond_error (connection, req, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                          "the body is larger than 16 MiB");

  backend = borrow_backend (self, &error);
  if (backend == NULL)
    {
      fprintf (stderr, "ombud-office: cannot open the office store: %s\n", error->message);
      return respond_error (connection, req, MHD_HTTP_INTERNAL_SERVER_ERROR, "server-error",
                            "the office store cannot be opened");
    }

  body = g_byte_array_free_to_bytes (g_steal_pointer (&req->body));
  if (req->route == ROUTE_ENROL)
    out = ombud_office_handle_enrol (backend, body, self->now_ms (self->clock_data), &status, &req->outcome);
  else if (req->route == ROUTE_SHARE)
    out = ombud_office_handle_share (backend, body, &status, &req->outcome);
  else
    out = ombud_office_handle_sync (backend, body, self->now_ms (self->clock_data), &status, &req->outcome);
  return_backend (self, backend);

  if (out == NULL || status < 200 || status > 599)
    {
      g_clear_pointer (&out, g_bytes_unref);
      return respond_error (connection, req, MHD_HTTP_INTERNAL_SERVER_ERROR, "server-error",
                            "the request could not be handled");
    }
  return respond (connection, req, status, "application/octet-stream", out, NULL);
}

static enum MHD_Result
on_request (void                  *cls,
            struct MHD_Connection *connection,
            const char            *url,
            const char            *method,
            const char            *version G_GNUC_UNUSED,
            const char            *upload_data,
            size_t                *upload_data_size,
            void                 **con_cls)
{
  OmbudOfficeServer *self = cls;
  Request *req = *con_cls;

  if (req == NULL)
    {
      *con_cls = req = request_new (connection, url, method);
      return begin_request (connection, req, method);
    }
  if (*upload_data_size > 0)
    {
      size_t size = *upload_data_size;

      *upload_data_size = 0;
      /* answered already (refused early): nothing more to keep */
      return req->status != 0 ? MHD_YES : receive (req, upload_data, size);
    }
  return req->status != 0 ? MHD_YES : dispatch (self, connection, req);
}

static const char *
termination_text (enum MHD_RequestTerminationCode toe)
{
  switch (toe)
    {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
      return NULL;
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
      return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
      return "shutdown";
    case MHD_REQUEST_TERMINATED_READ_ERROR:
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
      return "cut";
    case MHD_REQUEST_TERMINATED_WITH_ERROR:
    default:
      return "error";
    }
}

/* One line per request: who, what, how it ended; never a body. */
static void
log_request (const Request                   *req,
             enum MHD_RequestTerminationCode  toe)
{
  gint64 now_us = g_get_real_time ();
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (now_us / G_USEC_PER_SEC);
  g_autofree char *stamp = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S");
  g_autoptr(GString) line = g_string_new (NULL);
  const char *end = termination_text (toe);
  const OmbudOfficeOutcome *o = &req->outcome;
  gsize code_len = strnlen (o->error_code, sizeof o->error_code);

  g_string_append_printf (line, "%s.%03dZ %s %s %s ", stamp, (int) (now_us / 1000 % 1000),
                          req->remote, req->method, req->path);
  if (req->status != 0)
    g_string_append_printf (line, "%u", req->status);
  else
    g_string_append_c (line, '-');
  g_string_append_printf (line, " in=%" G_GUINT64_FORMAT " out=%" G_GSIZE_FORMAT " ms=%" G_GINT64_FORMAT,
                          req->received, req->sent, (g_get_monotonic_time () - req->start_us) / 1000);
  if (o->device_id != 0)
    g_string_append_printf (line, " device=%016" G_GINT64_MODIFIER "x", o->device_id);
  else
    g_string_append (line, " device=-");
  g_string_append_printf (line, " pushed=%u pulled=%u error=%.*s", o->n_pushed, o->n_pulled,
                          code_len > 0 ? (int) code_len : 1, code_len > 0 ? o->error_code : "-");
  if (end != NULL)
    g_string_append_printf (line, " end=%s", end);
  g_string_append_c (line, '\n');
  /* one write, so that lines of concurrent requests do not interleave */
  fputs (line->str, stderr);
  fflush (stderr);
}

static void
on_completed (void                            *cls G_GNUC_UNUSED,
              struct MHD_Connection           *connection G_GNUC_UNUSED,
              void                           **con_cls,
              enum MHD_RequestTerminationCode  toe)
{
  Request *req = *con_cls;

  /* NULL: libmicrohttpd refused the request before calling us */
  if (req == NULL)
    return;
  log_request (req, toe);
  request_free (req);
  *con_cls = NULL;
}

/* While starting, the first message is kept for the error (the ones
 * after it tend to say only that starting failed); afterwards each is
 * logged. */
static void
on_mhd_log (void       *cls,
            const char *format,
            va_list     ap)
{
  OmbudOfficeServer *self = cls;
  g_autofree char *message = g_strdup_vprintf (format, ap);
  gboolean keep;

  g_strchomp (message);
  g_mutex_lock (&self->lock);
  keep = self->starting;
  if (keep && self->start_message == NULL)
    self->start_message = g_steal_pointer (&message);
  g_mutex_unlock (&self->lock);
  if (!keep)
    fprintf (stderr, "ombud-office: microhttpd: %s\n", message);
}

/* ---- the server ---- */

OmbudOfficeServer *
ombud_office_server_new (const char  *data_dir,
                         const char  *listen_addr,
                         const char  *tls_cert_file,
                         const char  *tls_key_file,
                         GError     **error)
{
  g_autoptr(OmbudOfficeServer) self = NULL;
  g_autoptr(OmbudOfficeBackend) backend = NULL;
  g_autoptr(OmbudOfficeOrg) org = NULL;

  g_return_val_if_fail (data_dir != NULL && listen_addr != NULL, NULL);

  self = g_new0 (OmbudOfficeServer, 1);
  g_mutex_init (&self->lock);
  self->idle = g_ptr_array_new_with_free_func ((GDestroyNotify) ombud_office_backend_free);
  self->data_dir = g_strdup (data_dir);
  self->now_ms = real_clock;

  if (!parse_listen (self, listen_addr, error))
    return NULL;
  if ((tls_cert_file == NULL) != (tls_key_file == NULL))
    {
      g_set_error_literal (error, OMBUD_OFFICE_SERVER_ERROR, OMBUD_OFFICE_SERVER_ERROR_INVALID,
                           "TLS needs both a certificate and its key");
      return NULL;
    }
  if (tls_cert_file != NULL
      && ((self->tls_cert = read_pem ("certificate", tls_cert_file, error)) == NULL
          || (self->tls_key = read_pem ("key", tls_key_file, error)) == NULL))
    return NULL;

  /* Refuse to serve a data directory without an organisation, now rather
   * than at the first request; the backend then waits in the pool. */
  backend = ombud_office_backend_open_sqlite (data_dir, FALSE, error);
  if (backend == NULL || (org = ombud_office_backend_get_org (backend, error)) == NULL)
    return NULL;
  g_ptr_array_add (self->idle, g_steal_pointer (&backend));

  return g_steal_pointer (&self);
}

void
ombud_office_server_set_clock (OmbudOfficeServer *self,
                               OmbudOfficeClock   now_ms,
                               gpointer           data)
{
  g_return_if_fail (self->daemon == NULL);

  self->now_ms = now_ms != NULL ? now_ms : real_clock;
  self->clock_data = data;
}

gboolean
ombud_office_server_start (OmbudOfficeServer  *self,
                           GError            **error)
{
  struct MHD_OptionItem options[10];
  unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
  const union MHD_DaemonInfo *info;
  g_autofree char *why = NULL;
  guint n = 0;
  int saved_errno;

  g_return_val_if_fail (self->daemon == NULL, FALSE);

  if (self->tls_cert != NULL && MHD_is_feature_supported (MHD_FEATURE_TLS) != MHD_YES)
    {
      g_set_error_literal (error, OMBUD_OFFICE_SERVER_ERROR, OMBUD_OFFICE_SERVER_ERROR_FAILED,
                           "this libmicrohttpd has no TLS");
      return FALSE;
    }

  /* Two-pointer options pass the first as an intptr_t (microhttpd.h); the
   * logger comes first, or the options before it log on their own. */
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) on_mhd_log, self };
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_SOCK_ADDR, 0, &self->address };
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_THREAD_POOL_SIZE, N_THREADS, NULL };
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT, NULL };
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S, NULL };
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) on_completed, self };
  if (self->tls_cert != NULL)
    {
      flags |= MHD_USE_TLS;
      options[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_CERT, 0, self->tls_cert };
      options[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_KEY, 0, self->tls_key };
    }
  if (self->ipv6)
    flags |= MHD_USE_IPv6;
  options[n++] = (struct MHD_OptionItem) { MHD_OPTION_END, 0, NULL };
  g_assert (n <= G_N_ELEMENTS (options));

  g_mutex_lock (&self->lock);
  self->starting = TRUE;
  g_mutex_unlock (&self->lock);
  /* the port only for libmicrohttpd's messages: SOCK_ADDR says where */
  self->daemon = MHD_start_daemon (flags, self->listen_port, NULL, NULL, on_request, self,
                                   MHD_OPTION_ARRAY, options, MHD_OPTION_END);
  saved_errno = errno;
  g_mutex_lock (&self->lock);
  self->starting = FALSE;
  why = g_steal_pointer (&self->start_message);
  g_mutex_unlock (&self->lock);

  if (self->daemon == NULL)
    {
      g_set_error (error, OMBUD_OFFICE_SERVER_ERROR, OMBUD_OFFICE_SERVER_ERROR_FAILED,
                   "cannot listen on %s%s%s:%u: %s", self->ipv6 ? "[" : "", self->host,
                   self->ipv6 ? "]" : "", self->listen_port, why != NULL ? why : g_strerror (saved_errno));
      return FALSE;
    }
  if (why != NULL)
    fprintf (stderr, "ombud-office: microhttpd: %s\n", why);

  info = MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_BIND_PORT);
  self->port = info != NULL ? info->port : 0;
  return TRUE;
}

guint16
ombud_office_server_get_port (OmbudOfficeServer *self)
{
  return self->port;
}

char *
ombud_office_server_get_url (OmbudOfficeServer *self)
{
  if (self->daemon == NULL)
    return NULL;
  return g_strdup_printf ("%s://%s%s%s:%u", self->tls_cert != NULL ? "https" : "http",
                          self->ipv6 ? "[" : "", self->host, self->ipv6 ? "]" : "", self->port);
}

void
ombud_office_server_stop (OmbudOfficeServer *self)
{
  /* returns once every worker has finished its request and exited */
  g_clear_pointer (&self->daemon, MHD_stop_daemon);
  self->port = 0;
  g_ptr_array_set_size (self->idle, 0);
}

void
ombud_office_server_free (OmbudOfficeServer *self)
{
  if (self == NULL)
    return;
  ombud_office_server_stop (self);
  g_ptr_array_unref (self->idle);
  g_mutex_clear (&self->lock);
  g_free (self->start_message);
  free_secret_text (self->tls_key);
  g_free (self->tls_cert);
  g_free (self->host);
  g_free (self->data_dir);
  g_free (self);
}
