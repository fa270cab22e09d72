/* ombud-office-retention.h: a closed case's client tier, shredded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §9.  The office cannot read whether a case is closed or
 * how long ago: a coordinator's device, which can, asks for each case past
 * its retention period, and the office deletes every changeset of it that
 * carries a client tier and every grant of its key.
 */
#pragma once

#include <glib.h>

#include "ombud-office-backend.h"

G_BEGIN_DECLS

/* The request's "shred-cases" extension (aay of case ids).  Only a
 * coordinator's device may ask (FORBIDDEN otherwise); asking again for a
 * case shredded already changes nothing.  *n_shredded counts the cases
 * that lost anything: the caller scrubs the store after its commit. */
gboolean  ombud_office_take_shred_requests (OmbudOfficeBackend      *backend,
                                            const OmbudOfficeDevice *device,
                                            GVariant                *extensions,
                                            gint64                   now_ms,
                                            guint                   *n_shredded,
                                            GError                 **error);

G_END_DECLS
