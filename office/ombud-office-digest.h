/* ombud-office-digest.h: the office's side of divergence repair
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §10.2.
 */
#pragma once

#include <glib.h>

#include "ombud-office-backend.h"
#include "ombud-sync-message.h"

G_BEGIN_DECLS

/* When the request carries "holds", compares it with the set of changesets
 * the office stores that the device wrote, less what this request pushed,
 * and, on a mismatch, tells it to resync and sends the digest of the whole
 * set (this request's pushes included) for it to start from.  *own_too: the request asks for its own changesets back (a
 * resync).  Inside the request's transaction. */
gboolean  ombud_office_check_holds (OmbudOfficeBackend      *backend,
                                    const OmbudOfficeDevice *device,
                                    OmbudSyncRequest        *request,
                                    OmbudSyncResponse       *response,
                                    gboolean                *own_too,
                                    GError                 **error);

G_END_DECLS
