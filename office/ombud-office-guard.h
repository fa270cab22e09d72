/* ombud-office-guard.h: the office's side of locking a laptop that stops syncing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §10.4.  A confirmed device registers a guard public key
 * (extension guard-key); every answer to it then carries its share, sealed
 * to that key (guard-share).  POST /v1/share hands the same sealed share to
 * a laptop whose replica locked itself, before it can open its store.
 */
#pragma once

#include <glib.h>

#include "ombud-office-backend.h"
#include "ombud-office-handler.h"
#include "ombud-sync-message.h"

G_BEGIN_DECLS

#define OMBUD_OFFICE_STALE_DAYS_DEFAULT 30
#define OMBUD_OFFICE_STALE_DAYS_MAX     3650

/* The organisation's stale_days, kept in the office store. */
guint     ombud_office_guard_get_stale_days (OmbudOfficeBackend       *backend,
                                             GError                  **error);
gboolean  ombud_office_guard_set_stale_days (OmbudOfficeBackend       *backend,
                                             guint                     days,
                                             GError                  **error);

/* Inside a confirmed device's request transaction.  Errors are in
 * OMBUD_OFFICE_BUNDLE_ERROR's domain (MALFORMED → 400) or the backend's. */
gboolean  ombud_office_guard_serve          (OmbudOfficeBackend       *backend,
                                             const OmbudOfficeDevice  *device,
                                             OmbudSyncRequest         *request,
                                             OmbudSyncResponse        *response,
                                             GError                  **error);

/* POST /v1/share: status 200 with the sealed share, 400, 403, 404 or 503. */
GBytes   *ombud_office_handle_share         (OmbudOfficeBackend       *backend,
                                             GBytes                   *body,
                                             guint                    *status,
                                             OmbudOfficeOutcome       *outcome);

G_END_DECLS
