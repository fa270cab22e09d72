/* ombud-vfs-private.h: test hooks of the encrypting VFS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ombud-vfs.h"

G_BEGIN_DECLS

/* The crash test's negative control turns this off to show that the test
 * catches the WAL-checksum trap; nothing else may. */
void ombud_vfs_set_zero_reserved (OmbudVfs *self,
                                  gboolean  zero_reserved);

G_END_DECLS
