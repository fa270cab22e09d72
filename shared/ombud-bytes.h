/* ombud-bytes.h: little-endian integers in byte strings, as PROTOCOL.md
 * writes every integer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

static inline void
ombud_put_u32 (guint8 *p, guint32 v)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static inline void
ombud_put_u64 (guint8 *p, guint64 v)
{
  for (guint i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static inline guint32
ombud_get_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static inline guint64
ombud_get_u64 (const guint8 *p)
{
  return (guint64) ombud_get_u32 (p) | (guint64) ombud_get_u32 (p + 4) << 32;
}

G_END_DECLS
