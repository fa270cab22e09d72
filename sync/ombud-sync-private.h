/* ombud-sync-private.h: what the sync engine's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sets *error in OMBUD_SYNC_ERROR from a transport error (a link that
 * failed is OFFLINE: try again) and returns FALSE. */
gboolean ombud_sync_fail_from_http (GError  *http_error,
                                    GError **error);

G_END_DECLS
