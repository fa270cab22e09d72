/* cli.h: what ombud-cli's command files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ombud-caseload.h"
#include "ombud-store.h"

G_BEGIN_DECLS

/* Exit statuses; ombud-cli --help says what each means. */
enum {
  CLI_OK = 0,
  CLI_FAILED = 1,            /* also: no such case, or not possible in its status */
  CLI_USAGE = 2,             /* bad arguments; nothing was written */
  CLI_WRONG_PASSPHRASE = 2,
  CLI_CORRUPTED = 3,
  CLI_BUSY = 4,
  CLI_UNSUPPORTED = 5,
  CLI_OFFLINE = 6,           /* the office could not be reached: nothing lost, try again */
  CLI_REVOKED = 7,           /* the office revoked this device: its replica was wiped */
  CLI_STALE = 8,             /* no sync for stale_days: locked until "ombud-cli sync" (§10.4) */
};

/* Usage errors found by ombud-cli itself, before the store is opened. */
#define CLI_ERROR (cli_error_quark ())
typedef enum {
  CLI_ERROR_USAGE,
  CLI_ERROR_FAILED,
} CliError;

typedef struct _CliCall CliCall;
typedef int (*CliRun) (CliCall *call);

typedef struct {
  const char *group;     /* "case" in "case add"; NULL for one-word commands */
  const char *name;
  const char *synopsis;  /* its arguments and options, for --help and errors */
  int         min_args;  /* positional arguments */
  int         max_args;
  CliRun      run;
  const char *help;
} CliCommand;

struct _CliCall {
  const CliCommand *command;
  OmbudStore       *store;
  int               argc;   /* what follows the command's name */
  char            **argv;
};

GQuark         cli_error_quark      (void);

/* cli-errors.c */
int            cli_fail             (GError            *error);
char          *cli_command_name     (const CliCommand  *command);

/* cli-args.c: each command's options may come anywhere among its
 * arguments; on success *out_args holds exactly the positional ones. */
gboolean       cli_parse            (CliCall           *call,
                                     const GOptionEntry *entries,
                                     GStrv             *out_args,
                                     GError           **error);
gboolean       cli_check_literal    (CliCall           *call,
                                     GError           **error);
gboolean       cli_check_date       (const char        *option,
                                     const char        *value,
                                     GError           **error);
gboolean       cli_parse_int        (const char        *option,
                                     const char        *value,
                                     int                min,
                                     int                max,
                                     int               *out,
                                     GError           **error);
gboolean       cli_check_choice     (const char        *option,
                                     const char        *value,
                                     const char *const *choices,
                                     GError           **error);
gboolean       cli_require          (const char        *option,
                                     const char        *value,
                                     GError           **error);

/* cli-passphrase.c */
char          *cli_read_line        (const char        *prompt,
                                     GError           **error);
char          *cli_read_new_passphrase (GError        **error);
gboolean       cli_unlock           (OmbudStore        *store,
                                     GError           **error);
/* As cli_unlock; a profile locked for want of a sync (STALE) first asks
 * the office for its share (PROTOCOL.md §10.4). */
gboolean       cli_unlock_syncing   (OmbudStore        *store,
                                     GError           **error);
OmbudCaseload *cli_open             (CliCall           *call,
                                     GError           **error);

/* cli-output.c */
typedef struct _CliTable CliTable;

void           cli_print            (const char        *format,
                                     ...) G_GNUC_PRINTF (1, 2);
void           cli_print_json       (GVariant          *value);
char          *cli_value_text       (GVariant          *dict,
                                     const char        *key);
gint64         cli_value_int        (GVariant          *dict,
                                     const char        *key);
char          *cli_time_text        (gint64             unix_ms);
GHashTable    *cli_code_labels      (OmbudCaseload     *caseload,
                                     GError           **error);
const char    *cli_code_label       (GHashTable        *labels,
                                     const char        *kind,
                                     const char        *code);

CliTable      *cli_table_new        (const char        *first_heading,
                                     ...) G_GNUC_NULL_TERMINATED;
void           cli_table_set_max_width (CliTable       *table,
                                     guint              column,
                                     guint              max_chars);
void           cli_table_add        (CliTable          *table,
                                     const char        *first_cell,
                                     ...);
void           cli_table_print      (CliTable          *table,
                                     const char        *indent);
void           cli_table_free       (CliTable          *table);
void           cli_print_fields     (const char *const *labels,
                                     const char *const *values,
                                     guint              n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliTable, cli_table_free)

/* The commands, by file. */
int cli_enrol (CliCall *call);
int cli_sync (CliCall *call);
int cli_status (CliCall *call);
int cli_devices (CliCall *call);
int cli_confirm (CliCall *call);
int cli_policy (CliCall *call);
int cli_recovery_passphrase (CliCall *call);
int cli_recover_keys (CliCall *call);
int cli_recover_office (CliCall *call);
int cli_init (CliCall *call);
int cli_unlock_check (CliCall *call);
int cli_passwd (CliCall *call);
int cli_put (CliCall *call);
int cli_get (CliCall *call);
int cli_integrity (CliCall *call);

int cli_case_add (CliCall *call);
int cli_case_list (CliCall *call);
int cli_case_start (CliCall *call);
int cli_case_close (CliCall *call);
int cli_case_refer (CliCall *call);
int cli_case_assign (CliCall *call);
int cli_case_set (CliCall *call);
int cli_case_purge (CliCall *call);
int cli_export (CliCall *call);
int cli_retention (CliCall *call);
int cli_stats (CliCall *call);

int cli_case_show (CliCall *call);

int cli_search (CliCall *call);

int cli_note_add (CliCall *call);
int cli_note_approve (CliCall *call);
int cli_contact_add (CliCall *call);
int cli_goal_add (CliCall *call);
int cli_deadline_add (CliCall *call);

int cli_municipality_add (CliCall *call);
int cli_municipality_list (CliCall *call);
int cli_ombud_add (CliCall *call);
int cli_ombud_list (CliCall *call);
int cli_deficiency_add (CliCall *call);
GHashTable *cli_ombud_names (OmbudCaseload *caseload,
                             GError       **error);
int cli_codes (CliCall *call);

int cli_conflicts (CliCall *call);
int cli_resolve (CliCall *call);

int cli_demo_data (CliCall *call);

G_END_DECLS
