/* ombud-netem.h: an in-process TCP proxy that emulates a poor link
 *
 * The kernel of our machines has no netem qdisc, so latency, bandwidth caps,
 * cut connections and duplicated requests are made here, in user space,
 * between a client and a server on 127.0.0.1 (see
 * shared/notes/network-tests.md).  The proxy runs in threads of its own:
 * one accepting, one per proxied connection and one per duplicated request.
 *
 * Limits, by design:
 *  - the rate cap is a token bucket per direction *per connection* (it
 *    emulates one laptop's link carrying one connection at a time); two
 *    parallel connections each get the full rate;
 *  - latency is added per chunk as read (at most 64 KiB), in order; a chunk
 *    then leaves at the capped rate, so a full link queues like a real one;
 *  - HTTP/1.x requests are recognised by request line, headers and a
 *    Content-Length or chunked body; a connection that stops looking like
 *    HTTP is still proxied but no longer counted;
 *  - a duplicated request goes out after the original's last byte has been
 *    forwarded, on a fresh connection with no latency or rate cap, and its
 *    response is read to its end and dropped;
 *  - loopback only, IPv4 only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _NetemProxy NetemProxy;

typedef struct {
  guint    latency_ms_up;         /* one-way delay client->server per chunk, order kept */
  guint    latency_ms_down;       /* server->client */
  guint    rate_up;               /* bytes/s cap client->server, 0 = unlimited */
  guint    rate_down;             /* bytes/s cap server->client, 0 = unlimited */
  gdouble  cut_probability;       /* per new connection: chance that it is cut */
  guint64  cut_min_bytes;         /* a cut connection is closed (both sides, FIN, */
  guint64  cut_max_bytes;         /* RST if unread data) after a uniformly random
                                   * count in [min, max] of bytes forwarded, counted
                                   * over both directions */
  gdouble  duplicate_probability; /* per HTTP request: chance that it is also sent
                                   * to the server on a fresh connection, whose
                                   * response is dropped */
  gboolean refuse;                /* accept and at once reset every new connection */
  guint32  seed;                  /* all randomness comes from a GRand with this seed */
} NetemOptions;

typedef struct {
  guint64 bytes_up;               /* payload bytes forwarded client->server */
  guint64 bytes_down;             /* server->client */
  guint   connections;            /* accepted from clients (refused ones too) */
  guint   http_requests;          /* complete requests read from clients */
  guint   cuts;                   /* connections cut */
  guint   duplicates;             /* duplicated requests sent */
} NetemStats;

/* Listens on 127.0.0.1 on a free port and forwards to 127.0.0.1:target_port.
 * OPTIONS may be NULL: a transparent proxy. */
NetemProxy *netem_proxy_start       (guint16             target_port,
                                     const NetemOptions *options,
                                     GError            **error);
guint16     netem_proxy_get_port    (NetemProxy         *self);

/* Cut and refuse apply to connections accepted from now on; latency, rate
 * and duplicate_probability at once, to open connections too.  Reseeds the
 * random generator with options->seed. */
void        netem_proxy_set_options (NetemProxy         *self,
                                     const NetemOptions *options);
void        netem_proxy_get_stats   (NetemProxy         *self,
                                     NetemStats         *out);
void        netem_proxy_reset_stats (NetemProxy         *self);

/* Wire capture: while on, every payload byte forwarded on a proxied
 * connection is also kept, one stream per direction (upstream: client to
 * server) in the order written, so that the writes of parallel connections
 * interleave.  Exactly the bytes the stats count: not those of duplicated
 * requests, nor what a cut or a stop dropped.  Off at start; turning it off
 * keeps what was caught. */
void        netem_proxy_capture     (NetemProxy         *self,
                                     gboolean            on);
/* What was caught in one direction since the last take; never NULL. */
GBytes     *netem_proxy_take_capture (NetemProxy         *self,
                                      gboolean            upstream);

/* Closes every connection (queued bytes are dropped), joins the threads and
 * frees SELF.  NULL is allowed. */
void        netem_proxy_stop        (NetemProxy         *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetemProxy, netem_proxy_stop)

G_END_DECLS
