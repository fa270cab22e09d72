/* ombud-http.h: one HTTP POST through libcurl, for the sync engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OMBUD_HTTP_ERROR (ombud_http_error_quark ())

typedef enum {
  OMBUD_HTTP_ERROR_OFFLINE,     /* no route, DNS failure, connection refused: try later */
  OMBUD_HTTP_ERROR_TIMEOUT,     /* no progress within the timeout */
  OMBUD_HTTP_ERROR_CUT,         /* the connection broke mid-exchange: try again */
  OMBUD_HTTP_ERROR_TLS,         /* certificate or pin did not verify: do not retry blindly */
  OMBUD_HTTP_ERROR_TOO_LARGE,   /* the response passed max_response bytes */
  OMBUD_HTTP_ERROR_CANCELLED,
  OMBUD_HTTP_ERROR_INVALID,     /* a bad URL or option */
  OMBUD_HTTP_ERROR_FAILED,
} OmbudHttpError;

typedef struct {
  const char *ca_file;          /* PEM CA bundle to trust instead of the system's; NULL for the system's */
  const char *pinned_key;       /* libcurl CURLOPT_PINNEDPUBLICKEY form, e.g. "sha256//BASE64"; NULL for none */
  guint       connect_timeout_s;  /* 0: 20 s */
  guint       low_speed_timeout_s;/* abort when under 1 byte/s for this long; 0: 60 s */
  gsize       max_response;     /* 0: 64 MiB */
} OmbudHttpOptions;

typedef struct {
  guint   status;               /* HTTP status */
  GBytes *body;
  guint64 bytes_sent;           /* request body bytes and headers, as libcurl counts them */
  guint64 bytes_received;
  guint   connections;          /* new TCP connections this call opened (0 when one was reused) */
} OmbudHttpResponse;

typedef struct _OmbudHttp OmbudHttp;

GQuark             ombud_http_error_quark   (void);

/* A client keeps its connection between calls (HTTP keep-alive), so a sync
 * of several requests opens one TCP connection.  Not thread-safe: one
 * thread at a time. */
OmbudHttp         *ombud_http_new           (const OmbudHttpOptions *options);
void               ombud_http_free          (OmbudHttp              *self);

/* POSTs body (Content-Type: application/octet-stream) to url and returns the
 * response whatever its status; NULL and an error only when no complete
 * response arrived.  Blocks: call it from a worker thread.  cancellable
 * aborts it within about 100 ms. */
OmbudHttpResponse *ombud_http_post          (OmbudHttp              *self,
                                             const char             *url,
                                             GBytes                 *body,
                                             GCancellable           *cancellable,
                                             GError                **error);
void               ombud_http_response_free (OmbudHttpResponse      *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudHttp, ombud_http_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudHttpResponse, ombud_http_response_free)

G_END_DECLS
