/* ombud-error.c: setting an error and returning FALSE in one step
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-error.h"

gboolean
ombud_fail (GError    **error,
            GQuark      domain,
            int         code,
            const char *format,
            ...)
{
  va_list ap;

  va_start (ap, format);
  if (error != NULL)
    *error = g_error_new_valist (domain, code, format, ap);
  va_end (ap);
  return FALSE;
}
