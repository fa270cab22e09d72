/* ombud-codes.h: the editable code tables and their seeds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *kind;
  const char *code;
  const char *label_sv;
  const char *label_en;
} OmbudCodeSeed;

/* closure_reason, life_area, actor, contact_form */
const OmbudCodeSeed *ombud_code_seeds      (guint       *n_seeds);
gboolean             ombud_code_kind_valid (const char  *kind);
char                *ombud_code_record_id  (const char  *kind,
                                            const char  *code);

G_END_DECLS
