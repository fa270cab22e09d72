/* ombud-hlc.c: hybrid logical clock
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Kulkarni et al., "Logical Physical Clocks" (2014): timestamps follow the
 * wall clock where it can, never run backwards when it does, and order every
 * event after the events it has seen.  The owner persists ombud_hlc_get_last()
 * with each write, so a restart continues where the clock stopped.
 */
#include "ombud-hlc.h"

struct _OmbudHlc {
  gint64          l;   /* milliseconds */
  guint           c;   /* counter within l */
  OmbudWallClock  wall_clock;
  gpointer        user_data;
};

gint64
ombud_wall_clock_real (gpointer user_data G_GNUC_UNUSED)
{
  return g_get_real_time () / 1000;
}

OmbudHlc *
ombud_hlc_new (OmbudHlcTime    last,
               OmbudWallClock  wall_clock,
               gpointer        user_data)
{
  OmbudHlc *self = g_new0 (OmbudHlc, 1);

  self->l = OMBUD_HLC_MILLIS (last);
  self->c = OMBUD_HLC_COUNTER (last);
  self->wall_clock = wall_clock ? wall_clock : ombud_wall_clock_real;
  self->user_data = user_data;
  return self;
}

void
ombud_hlc_free (OmbudHlc *self)
{
  g_free (self);
}

/* 65 536 events in one millisecond: borrow the next millisecond rather than
 * wrap the counter, which would sort an event before its predecessor. */
static OmbudHlcTime
pack (OmbudHlc *self)
{
  if (self->c > 0xffff)
    {
      self->l++;
      self->c = 0;
    }
  return OMBUD_HLC_MAKE (self->l, self->c);
}

static gint64
wall (OmbudHlc *self)
{
  gint64 pt = self->wall_clock (self->user_data);

  return CLAMP (pt, 0, (G_GINT64_CONSTANT (1) << 48) - 1);
}

OmbudHlcTime
ombud_hlc_now (OmbudHlc *self)
{
  gint64 pt = wall (self);
  gint64 prev = self->l;

  self->l = MAX (prev, pt);
  self->c = self->l == prev ? self->c + 1 : 0;
  return pack (self);
}

void
ombud_hlc_observe (OmbudHlc     *self,
                   OmbudHlcTime  remote)
{
  gint64 pt = wall (self);
  gint64 prev = self->l;
  gint64 lm = OMBUD_HLC_MILLIS (remote);
  guint cm = OMBUD_HLC_COUNTER (remote);

  self->l = MAX (MAX (prev, lm), pt);
  if (self->l == prev && self->l == lm)
    self->c = MAX (self->c, cm) + 1;
  else if (self->l == prev)
    self->c = self->c + 1;
  else if (self->l == lm)
    self->c = cm + 1;
  else
    self->c = 0;
  pack (self);
}

OmbudHlcTime
ombud_hlc_get_last (OmbudHlc *self)
{
  return OMBUD_HLC_MAKE (self->l, self->c);
}
