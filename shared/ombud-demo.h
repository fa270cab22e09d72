/* ombud-demo.h: a made-up team caseload for demonstrations and tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ombud-store.h"

G_BEGIN_DECLS

#define OMBUD_DEMO_DEFAULT_SEED 2380

typedef struct {
  char  first_day[11];   /* YYYY-MM-DD: the history runs from here ... */
  char  last_day[11];    /* ... to today */
  guint municipalities;
  guint ombuds;          /* coordinators included */
  guint coordinators;
  guint cases;
  guint active;
  guint queued;
  guint closed;
  guint referred;
  guint contacts;
  guint goals;
  guint notes;           /* drafts included */
  guint drafts;
  guint deadlines;
  guint deficiencies;
  guint conflicts;
} OmbudDemoSummary;

/* Fills an unlocked profile that holds no records yet with a PO team in
 * Jämtland: its eight municipalities, ombuds and a coordinator, and cases
 * from 1 January two years ago to today, the same for the same seed and
 * day.  Fails with OMBUD_CASELOAD_ERROR_STATE, writing nothing, on a
 * profile that has cases or other records of its own. */
gboolean ombud_demo_fill         (OmbudStore        *store,
                                  guint32            seed,
                                  GError           **error);
gboolean ombud_demo_fill_summary (OmbudStore        *store,
                                  guint32            seed,
                                  OmbudDemoSummary  *summary,
                                  GError           **error);

G_END_DECLS
