/* ombud-sync-outbox.h: the outbox made ready to leave
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* Joins the unsealed, unheld outbox changesets of each case into as few
 * changesets as fit in cap bytes each, in the caller's transaction.  A
 * small changeset sealed alone carries some 240 bytes of header, tags and
 * signature and compresses poorly; a case's day of notes sealed together
 * costs that once and compresses as one text (bench/sync/bench-sync-link).
 * The versions inside are unchanged, so merging sees the same thing.
 * Returns how many changesets were joined, or -1 and the error. */
gint  ombud_sync_outbox_coalesce (sqlite3  *db,
                                  gsize     cap,
                                  GError  **error);

G_END_DECLS
