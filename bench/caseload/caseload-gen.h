/* caseload-gen.h: a large, realistic caseload written through the public API
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ombud-store.h"

G_BEGIN_DECLS

/* Bump when what the generator writes changes: cached stores are rebuilt. */
#define CL_GEN_VERSION 1

typedef struct {
  guint   n_cases;
  guint   notes_per_case;  /* on average */
  guint   years;           /* the history ends today and starts this long before */
  guint32 seed;
} ClGenParams;

typedef struct {
  char  first_day[11];
  char  last_day[11];
  guint municipalities;
  guint ombuds;
  guint cases;
  guint referred;
  guint closed;
  guint contacts;
  guint notes;
  guint goals;
  guint deadlines;
  guint edits;
  guint deficiencies;
  guint transactions;
} ClGenSummary;

/* Fills a new, unlocked store: a region's PO teams (24 municipalities of
 * Jämtland, Västernorrland, Västerbotten and Norrbotten, an ombud per about
 * 100 cases) with N cases requested over the years up to today, played in
 * date order on a clock the generator moves, one transaction per action as
 * the app makes them: case requests and assignment, starts, referrals and
 * closures as events; 5 to 30 contacts over each case's life (those still
 * ahead of today not yet held); notes of two to five sentences from a large
 * vocabulary with names, places, actors and amounts; goals, deadlines, and
 * later edits (corrected minutes, rewritten notes, met deadlines, goal
 * outcomes, reassignments).  The same for the same parameters and day. */
gboolean cl_gen_fill (OmbudStore         *store,
                      const ClGenParams  *params,
                      ClGenSummary       *summary,
                      GError            **error);

/* What the generator names, for queries that find something. */
const char *const *cl_gen_first_names (guint *n);
const char *const *cl_gen_surnames    (guint *n);

G_END_DECLS
