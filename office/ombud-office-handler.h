/* ombud-office-handler.h: what the office answers to /v1/enrol and /v1/sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Independent of HTTP: the server (ombud-office-server.c) hands over the
 * body of a POST and sends back what comes out.  sync/PROTOCOL.md §4–§7.
 */
#pragma once

#include <glib.h>

#include "ombud-office-backend.h"

G_BEGIN_DECLS

/* What one request did, for the log line (never a payload). */
typedef struct {
  guint64 device_id;       /* 0 when unknown */
  guint   n_pushed;        /* changesets stored */
  guint   n_pulled;        /* changesets returned */
  char    error_code[24];  /* "" on success, else PROTOCOL.md §7's code */
} OmbudOfficeOutcome;

/* Each returns the response body and sets *status to the HTTP status.  A
 * response with status >= 400 changed nothing.  now_ms is the office's
 * clock (tests pass their own). */
GBytes *ombud_office_handle_enrol (OmbudOfficeBackend *backend,
                                   GBytes             *body,
                                   gint64              now_ms,
                                   guint              *status,
                                   OmbudOfficeOutcome *outcome);
GBytes *ombud_office_handle_sync  (OmbudOfficeBackend *backend,
                                   GBytes             *body,
                                   gint64              now_ms,
                                   guint              *status,
                                   OmbudOfficeOutcome *outcome);

/* The office's admin commands that need more than storage. */
/* Makes the organisation and the office's key pairs; returns the office's
 * fingerprint (PROTOCOL.md §1, over its sign and box public keys). */
char   *ombud_office_init_org     (OmbudOfficeBackend *backend,
                                   const char         *org_name,
                                   GError            **error);
/* A one-time enrolment code "XXXX-XXXX-XXXX-XXXX-XXXX" (100 random bits in
 * PROTOCOL.md §1's alphabet), valid for valid_ms; only its hash is stored. */
char   *ombud_office_make_invite  (OmbudOfficeBackend *backend,
                                   const char         *person,
                                   OmbudOfficeRole     role,
                                   gint64              now_ms,
                                   gint64              valid_ms,
                                   GError            **error);

G_END_DECLS
