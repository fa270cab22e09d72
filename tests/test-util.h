/* test-util.h: helpers shared by the test programs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ombud-caseload.h"
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

/* A self-signed certificate for name (with subjectAltName san, e.g.
 * "IP:127.0.0.1,DNS:localhost") made by the openssl command in dir, and
 * its public key pin in libcurl's "sha256//BASE64" form. */
void      test_make_tls_cert       (const char  *dir,
                                    const char  *name,
                                    const char  *san,
                                    char       **cert_path,
                                    char       **key_path,
                                    char       **pin);

/* ombud-cli run as the real program ($OMBUD_CLI), standard input from a
 * file so that a command failing before it reads cannot SIGPIPE the test. */
typedef struct {
  int   status;
  char *out;
  char *err;
} TestCliResult;

void          test_cli_result_clear (TestCliResult      *result);
/* ombud-cli --profile PROFILE args…, standard input from stdin_path. */
TestCliResult test_cli_run_profile  (const char          *stdin_path,
                                     const char          *profile,
                                     const char * const  *args);
/* program with args, as launcher (its flags must pipe stdout and stderr)
 * sets it up: standard input, environment. */
TestCliResult test_program_run      (GSubprocessLauncher *launcher,
                                     const char          *program,
                                     const char * const  *args);
TestCliResult test_cli_run          (const char         *stdin_path,
                                     const char * const *args);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TestCliResult, test_cli_result_clear)

/* A replica in a temporary profile, on a clock of its own that moves 3 ms
 * at every reading, starting at start_ms. */
typedef struct {
  char          *dir;
  OmbudStore    *store;
  OmbudCaseload *caseload;
  gint64         now;
  guint          taken;  /* outbox entries already handed on */
} TestReplica;

TestReplica  *test_replica_new      (gint64              start_ms);
void          test_replica_free     (TestReplica        *replica);
/* Closes and opens the caseload again, as a restart of the app would. */
void          test_replica_reopen   (TestReplica        *replica);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestReplica, test_replica_free)

/* Guards the (locked, unguarded) profile with a share as if its last sync
 * with an office at an address nobody answers had been in 2001: it is
 * stale from now on (PROTOCOL.md §10.4). */
void          test_make_stale_profile (const char       *profile_dir,
                                       const char       *passphrase);

G_END_DECLS
