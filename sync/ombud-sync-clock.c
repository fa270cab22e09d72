/* ombud-sync-clock.c: is this laptop's clock far enough off to tell the user?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-sync-clock.h"

gboolean
ombud_sync_clock_is_off (gint64 offset_ms)
{
  /* Compared without negating: -G_MININT64 does not exist. */
  return offset_ms > OMBUD_SYNC_CLOCK_WARN_MS || offset_ms < -OMBUD_SYNC_CLOCK_WARN_MS;
}

gboolean
ombud_sync_clock_changes_would_wait (gint64 offset_ms)
{
  /* Office minus laptop below -10 min: the laptop is more than 10 min ahead. */
  return offset_ms < -OMBUD_SYNC_CLOCK_REJECT_MS;
}
