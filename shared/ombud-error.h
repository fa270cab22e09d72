/* ombud-error.h: setting an error and returning FALSE in one step
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sets *error (when error is not NULL) and returns FALSE, so a check can
 * read: if (bad) return ombud_fail (error, DOMAIN, CODE, "…", …); */
gboolean ombud_fail (GError    **error,
                     GQuark      domain,
                     int         code,
                     const char *format,
                     ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
