/* test-util.h: helpers shared by the test programs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ombud-keyfile.h"

G_BEGIN_DECLS

/* Cheap Argon2id costs: tests create many profiles. */
const OmbudKdfLimits *test_fast_limits       (void);

char     *test_make_tmp_dir        (const char *template);
void      test_rm_rf               (const char *path);

/* Paths of the files under DIR (recursively) that contain NEEDLE. */
GPtrArray *test_files_containing   (const char *dir,
                                    const char *needle);
gboolean  test_file_contains       (const char *path,
                                    const char *needle);

void      test_flip_bit            (const char *path,
                                    gsize       offset,
                                    guint       bit);
void      test_copy_file           (const char *from,
                                    const char *to);
GBytes   *test_read_file           (const char *path);
void      test_write_file          (const char *path,
                                    GBytes     *bytes);

G_END_DECLS
