/* ombud-office-escrow.h: the office's side of the office key escrow and of
 * recovering the office key (sync/PROTOCOL.md §10.3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ombud-office-backend.h"
#include "ombud-office-keybundle.h"
#include "ombud-sync-message.h"

G_BEGIN_DECLS

/* A "recover-office" claim in the request: the device, enrolled with a
 * coordinator invite, proves the organisation's recovery key and is
 * confirmed on that proof (device->state is updated).  Before the pushes
 * are screened, inside the request's transaction.  Errors are
 * OMBUD_OFFICE_BUNDLE_ERROR's codes. */
gboolean  ombud_office_recovery_claim (OmbudOfficeBackend      *backend,
                                       const guint8             org_id[16],
                                       OmbudOfficeDevice       *device,
                                       OmbudSyncRequest        *request,
                                       GError                 **error);

/* The escrow anchor and later epochs a confirmed coordinator pushes, the
 * anchor it asks for, and, after a claim, every escrow. */
gboolean  ombud_office_escrow_serve   (OmbudOfficeBackend      *backend,
                                       const guint8             org_id[16],
                                       const OmbudOfficeDevice *device,
                                       OmbudSyncRequest        *request,
                                       OmbudSyncResponse       *response,
                                       GError                 **error);

G_END_DECLS
