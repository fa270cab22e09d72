/* ombud-backoff.c: when to try again after a failed sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-backoff.h"

void
ombud_backoff_init (OmbudBackoff *self,
                    guint         base_ms,
                    guint         cap_ms,
                    guint32       seed)
{
  g_return_if_fail (self != NULL);

  self->base_ms = base_ms;
  self->cap_ms = cap_ms;
  self->failures = 0;
  self->rand = seed != 0 ? g_rand_new_with_seed (seed) : g_rand_new ();
}

void
ombud_backoff_clear (OmbudBackoff *self)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->rand, g_rand_free);
  self->failures = 0;
}

/* min(cap, base·2^(failures-1)), computed in 64 bits: base < 2^32 and the
 * shift stays under 32, so it cannot overflow however many failures. */
static guint
upper_bound (const OmbudBackoff *self)
{
  guint shift = MIN (self->failures - 1, 31u);
  guint64 upper = (guint64) self->base_ms << shift;

  return (guint) MIN (upper, (guint64) self->cap_ms);
}

/* Uniform in [lo, hi], hi - lo + 1 ≤ 2^32: a 32-bit draw scaled by
 * multiplication, so no modulo and no 32-bit range limit. */
static guint
uniform (GRand *rand,
         guint  lo,
         guint  hi)
{
  guint64 span = (guint64) hi - lo + 1;

  return lo + (guint) (((guint64) g_rand_int (rand) * span) >> 32);
}

guint
ombud_backoff_fail (OmbudBackoff *self)
{
  guint hi, lo;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (self->rand != NULL, 0);

  if (self->failures < G_MAXUINT)
    self->failures++;
  hi = upper_bound (self);
  lo = MIN (self->base_ms / 2, hi);  /* a cap under base/2 wins */
  return uniform (self->rand, lo, hi);
}

void
ombud_backoff_succeed (OmbudBackoff *self)
{
  g_return_if_fail (self != NULL);

  self->failures = 0;
}
