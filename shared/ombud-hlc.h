/* ombud-hlc.h: hybrid logical clock
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A timestamp: 48 bits of milliseconds since 1970, then a 16-bit counter,
 * so that timestamps sort as integers.  Ties between devices are broken by
 * the device id, which travels beside the timestamp. */
typedef guint64 OmbudHlcTime;

#define OMBUD_HLC_MILLIS(t)   ((gint64) ((t) >> 16))
#define OMBUD_HLC_COUNTER(t)  ((guint) ((t) & 0xffff))
#define OMBUD_HLC_MAKE(ms, c) ((((OmbudHlcTime) (ms)) << 16) | ((c) & 0xffff))

typedef gint64 (*OmbudWallClock) (gpointer user_data);  /* milliseconds since 1970 */

typedef struct _OmbudHlc OmbudHlc;

OmbudHlc     *ombud_hlc_new       (OmbudHlcTime    last,
                                   OmbudWallClock  wall_clock,
                                   gpointer        user_data);
void          ombud_hlc_free      (OmbudHlc       *self);

OmbudHlcTime  ombud_hlc_now       (OmbudHlc       *self);
void          ombud_hlc_observe   (OmbudHlc       *self,
                                   OmbudHlcTime    remote);
OmbudHlcTime  ombud_hlc_get_last  (OmbudHlc       *self);

gint64        ombud_wall_clock_real (gpointer      user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudHlc, ombud_hlc_free)

G_END_DECLS
