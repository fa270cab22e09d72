/* ombud-secret.h: key material in locked, guarded memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _OmbudSecret OmbudSecret;

OmbudSecret  *ombud_secret_new         (gsize         size);
OmbudSecret  *ombud_secret_new_random  (gsize         size);
guint8       *ombud_secret_get_data    (OmbudSecret  *self);
gsize         ombud_secret_get_size    (OmbudSecret  *self);
void          ombud_secret_free        (OmbudSecret  *self);

void          ombud_secret_hold_core_dumps_off (void);
void          ombud_secret_release_core_dumps  (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudSecret, ombud_secret_free)

G_END_DECLS
