/* ombud-backoff.h: when to try again after a failed sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exponential back-off with full jitter: after the n-th failure in a row the
 * next try waits a uniformly random time in [base/2, min(cap, base·2^(n-1))],
 * so that laptops that lost the office at the same moment do not all return
 * at the same moment.  A success resets it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint   base_ms;      /* the first wait's upper bound */
  guint   cap_ms;       /* no wait is longer */
  guint   failures;     /* in a row */
  GRand  *rand;
} OmbudBackoff;

void    ombud_backoff_init     (OmbudBackoff *self,
                                guint         base_ms,
                                guint         cap_ms,
                                guint32       seed);   /* 0: a random seed */
void    ombud_backoff_clear    (OmbudBackoff *self);
/* Records a failure and returns how long to wait before the next try. */
guint   ombud_backoff_fail     (OmbudBackoff *self);
void    ombud_backoff_succeed  (OmbudBackoff *self);

G_END_DECLS
