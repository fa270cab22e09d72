/* ombud-office-server.h: the office's HTTP server (libmicrohttpd)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Routes POST /v1/enrol and POST /v1/sync to ombud-office-handler.h and
 * answers GET /v1/health.  Worker threads borrow a storage backend each
 * from a small pool, so one backend is never used by two threads at once.
 * One line per request goes to stderr; bodies are never logged.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OMBUD_OFFICE_SERVER_ERROR (ombud_office_server_error_quark ())

typedef enum {
  OMBUD_OFFICE_SERVER_ERROR_INVALID,   /* a bad listen address, or unusable TLS files */
  OMBUD_OFFICE_SERVER_ERROR_FAILED,    /* could not listen (address in use, TLS refused …) */
} OmbudOfficeServerError;

/* Requests with a larger body get 413 without being read. */
#define OMBUD_OFFICE_MAX_BODY (16 * 1024 * 1024)

typedef gint64 (*OmbudOfficeClock) (gpointer data);

typedef struct _OmbudOfficeServer OmbudOfficeServer;

GQuark             ombud_office_server_error_quark (void);

/* listen_addr: "127.0.0.1:8443" or "[::1]:0" (numeric; port 0 picks a free
 * one).  tls_cert_file and tls_key_file are PEM files, both or neither
 * (NULL: plain HTTP, e.g. behind a reverse proxy).  Fails with the
 * backend's error when data_dir holds no initialised office. */
OmbudOfficeServer *ombud_office_server_new       (const char         *data_dir,
                                                  const char         *listen_addr,
                                                  const char         *tls_cert_file,
                                                  const char         *tls_key_file,
                                                  GError            **error);
/* The clock handed to the handler (milliseconds since 1970); set it before
 * start.  Default: the real time. */
void               ombud_office_server_set_clock (OmbudOfficeServer  *self,
                                                  OmbudOfficeClock    now_ms,
                                                  gpointer            data);
/* Starts listening and serving on worker threads; returns at once. */
gboolean           ombud_office_server_start     (OmbudOfficeServer  *self,
                                                  GError            **error);
/* The port listened on (the real one when 0 was asked); 0 when stopped. */
guint16            ombud_office_server_get_port  (OmbudOfficeServer  *self);
/* "http://127.0.0.1:PORT" or "https://[::1]:PORT"; NULL when stopped. */
char              *ombud_office_server_get_url   (OmbudOfficeServer  *self);
/* Stops listening, lets requests in progress finish, and closes every
 * backend.  Safe to call when not started. */
void               ombud_office_server_stop      (OmbudOfficeServer  *self);
void               ombud_office_server_free      (OmbudOfficeServer  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudOfficeServer, ombud_office_server_free)

G_END_DECLS
