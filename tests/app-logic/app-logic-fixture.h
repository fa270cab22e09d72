/* app-logic-fixture.h: a small caseload the app-logic tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ombud-caseload-private.h"
#include "test-util.h"

G_BEGIN_DECLS

#define APP_T0 G_GINT64_CONSTANT (1772445600000)  /* 2026-03-02 10:00 UTC, a Monday */
#define APP_TODAY "2026-03-02"

/* A replica at APP_T0 with Östersund and Krokom and one ombud. */
TestReplica *app_replica_new        (void);
char        *app_add_case           (TestReplica  *r,
                                     const char   *name,
                                     const char   *municipality,
                                     gboolean      queued);
char        *app_add_deadline       (TestReplica  *r,
                                     const char   *case_id,
                                     const char   *due_on,
                                     const char   *text);
char        *app_field_text         (TestReplica  *r,
                                     const char   *sql);
gint64       app_count              (TestReplica  *r,
                                     const char   *sql);
void         app_exec               (TestReplica  *r,
                                     const char   *sql);
/* Hands r's outbox entries not yet handed on to to. */
void         app_deliver            (TestReplica  *from,
                                     TestReplica  *to);

G_END_DECLS
