/* ombud-sync-clock.h: is this laptop's clock far enough off to tell the user?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine's clock-offset is the office's clock minus this laptop's, in
 * milliseconds, as measured at the last sync (OmbudSyncConfig.clock_offset_ms;
 * a microsecond figure would invite a unit slip, so these take the engine's
 * own unit).  The office refuses changesets stamped more than 10 minutes
 * ahead of its clock (PROTOCOL.md: OMBUD_SYNC_REJECT_FUTURE), so a laptop
 * 10 minutes fast has its changes wait.  The window warns well before
 * that, at 2 minutes either way: a slow clock breaks nothing at the office,
 * but dates written today, deadlines "due today" and the notes' times are
 * wrong just the same.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OMBUD_SYNC_CLOCK_WARN_MS    (2 * 60 * 1000)
#define OMBUD_SYNC_CLOCK_REJECT_MS  (10 * 60 * 1000)

/* TRUE when the strip should say the clock is wrong: off by more than
 * OMBUD_SYNC_CLOCK_WARN_MS either way. */
gboolean ombud_sync_clock_is_off            (gint64 offset_ms);
/* TRUE when the office would refuse what this laptop writes now: it runs
 * more than OMBUD_SYNC_CLOCK_REJECT_MS ahead of the office. */
gboolean ombud_sync_clock_changes_would_wait (gint64 offset_ms);

G_END_DECLS
