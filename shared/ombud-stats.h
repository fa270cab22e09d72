/* ombud-stats.h: the team's yearly statistics, counted from recorded events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ombud-caseload.h"

G_BEGIN_DECLS

/* Every figure of DESIGN.md §3 for one calendar year, as an a{sv}; see
 * ombud-stats.c for the one definition of each figure. */
GVariant *ombud_stats_year (OmbudCaseload  *caseload,
                            int             year,
                            GError        **error);

G_END_DECLS
