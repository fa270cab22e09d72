/* crash-workload.h: the crash writer's workload, shared with the checker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything transaction N does is a pure function of N, so the test can
 * compute exactly what the database must hold after any number of
 * transactions without trusting anything the writer says except "committed".
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Run once per start; harmless when the schema is already there. */
#define CRASH_SCHEMA_SQL \
  "CREATE TABLE IF NOT EXISTS rows (" \
  "  seq INTEGER PRIMARY KEY," \
  "  gen INTEGER NOT NULL," \
  "  payload BLOB NOT NULL);" \
  "CREATE INDEX IF NOT EXISTS rows_gen ON rows (gen);" \
  "CREATE TABLE IF NOT EXISTS meta (" \
  "  id INTEGER PRIMARY KEY CHECK (id = 1)," \
  "  last_txn INTEGER NOT NULL);" \
  "INSERT OR IGNORE INTO meta VALUES (1, 0);"

/* Larger than any payload crash_payload_size() returns. */
#define CRASH_PAYLOAD_MAX 16384

/* Transaction N inserts row N with generation N, then sets the generation of
 * row crash_update_target (N) to N (if that row still exists), then deletes
 * row crash_delete_target (N), and finally records N in meta.last_txn.
 * A target of 0 means none. */
gint64 crash_update_target (gint64 txn);
gint64 crash_delete_target (gint64 txn);

gsize  crash_payload_size  (gint64  seq,
                            gint64  gen);
void   crash_payload_fill  (gint64  seq,
                            gint64  gen,
                            guint8 *buf,
                            gsize   size);

G_END_DECLS
