/* crash-workload.c: the crash writer's workload, shared with the checker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "crash-workload.h"

#include <string.h>

/* splitmix64's finaliser: cheap, and good enough to spread the workload
 * over the whole file. */
static guint64
mix (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return x ^ (x >> 31);
}

static guint64
hash2 (gint64 a,
       gint64 b)
{
  return mix (mix ((guint64) a) ^ (guint64) b);
}

/* Any older row, so that pages all over the file get rewritten. */
gint64
crash_update_target (gint64 txn)
{
  if (txn < 2)
    return 0;
  return 1 + (gint64) (hash2 (txn, 1) % (guint64) (txn - 1));
}

/* One transaction in five frees a row, so the free list is in play too. */
gint64
crash_delete_target (gint64 txn)
{
  if (txn < 3 || hash2 (txn, 2) % 5 != 0)
    return 0;
  return 1 + (gint64) (hash2 (txn, 3) % (guint64) (txn - 1));
}

/* A quarter of the rows are bigger than a page, so overflow chains are
 * written, rewritten and freed as well. */
gsize
crash_payload_size (gint64 seq,
                    gint64 gen)
{
  guint64 h = hash2 (seq, gen);

  if (h % 4 == 0)
    return 4200 + (h >> 8) % 8000;
  return 16 + (h >> 8) % 900;
}

void
crash_payload_fill (gint64  seq,
                    gint64  gen,
                    guint8 *buf,
                    gsize   size)
{
  guint64 state = hash2 (gen, seq);

  for (gsize i = 0; i < size; i += sizeof state)
    {
      guint64 word = mix (state++);

      memcpy (buf + i, &word, MIN (sizeof word, size - i));
    }
}
