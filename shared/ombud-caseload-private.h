/* ombud-caseload-private.h: what shared/'s own modules use of the caseload
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "ombud-caseload.h"
#include "ombud-merge.h"
#include "ombud-writer.h"

G_BEGIN_DECLS

sqlite3     *ombud_caseload_get_db       (OmbudCaseload  *self);
OmbudMerge  *ombud_caseload_get_merge    (OmbudCaseload  *self);
OmbudWriter *ombud_caseload_begin        (OmbudCaseload  *self,
                                          const char     *case_id,
                                          GError        **error);
char        *ombud_caseload_case_status  (OmbudCaseload  *self,
                                          const char     *case_id,
                                          GError        **error);
gboolean     ombud_caseload_check_date   (const char     *what,
                                          const char     *date,
                                          GError        **error);
gboolean     ombud_caseload_check_code   (OmbudCaseload  *self,
                                          const char     *kind,
                                          const char     *code,
                                          GError        **error);

G_END_DECLS
