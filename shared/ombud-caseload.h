/* ombud-caseload.h: the caseload, and the one path every write takes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ombud-hlc.h"
#include "ombud-keyring.h"
#include "ombud-store.h"

G_BEGIN_DECLS

#define OMBUD_CASELOAD_ERROR (ombud_caseload_error_quark ())

typedef enum {
  OMBUD_CASELOAD_ERROR_INVALID,    /* a bad argument; the message names it */
  OMBUD_CASELOAD_ERROR_NOT_FOUND,  /* no such case, note or conflict */
  OMBUD_CASELOAD_ERROR_STATE,      /* not possible in the case's status */
  OMBUD_CASELOAD_ERROR_MALFORMED,  /* a changeset from elsewhere that cannot be read */
  OMBUD_CASELOAD_ERROR_FAILED,
} OmbudCaseloadError;

typedef struct {
  const char *client_name;
  const char *municipality;     /* Swedish name */
  const char *gender;           /* woman, man, other, unknown */
  int         birth_year;
  gboolean    has_minor_children;
  gboolean    queued;           /* on the queue rather than started today */
  const char *requested_on;     /* YYYY-MM-DD, or NULL for today */
} OmbudCaseInput;

typedef struct {
  const char  *on_date;         /* NULL for today */
  int          minutes;
  const char  *form;            /* contact_form code */
  const char **actors;          /* actor codes, NULL-terminated; may be NULL */
  int          km;
  int          travel_minutes;
} OmbudContactInput;

#define OMBUD_TYPE_CASELOAD (ombud_caseload_get_type ())
G_DECLARE_FINAL_TYPE (OmbudCaseload, ombud_caseload, OMBUD, CASELOAD, GObject)

GQuark         ombud_caseload_error_quark     (void);

OmbudCaseload *ombud_caseload_new             (OmbudStore               *store,
                                               GError                  **error);
OmbudCaseload *ombud_caseload_new_with_clock  (OmbudStore               *store,
                                               OmbudWallClock            wall_clock,
                                               gpointer                  clock_data,
                                               GError                  **error);
OmbudStore    *ombud_caseload_get_store       (OmbudCaseload            *self);
guint64        ombud_caseload_get_device_id   (OmbudCaseload            *self);
/* The keys this device holds, as the identity the caseload writes as. */
OmbudKeyring  *ombud_caseload_get_keyring     (OmbudCaseload            *self);
char          *ombud_caseload_today           (OmbudCaseload            *self);

/* The team's one organisation record */
#define OMBUD_ORGANISATION_RECORD "00000000-0000-4000-8000-00000000000a"

/* The organisation's policy: may coordinators read the client tier?  A
 * team record like any other; devices honour it only as a coordinator
 * wrote it (sync/PROTOCOL.md §6). */
gboolean       ombud_caseload_set_client_access (OmbudCaseload          *self,
                                               gboolean                  coordinators_read_client,
                                               GError                  **error);
/* The organisation record's retention period (days; -1: off).  Callers go
 * through ombud_closure_set_retention_days, which says who may. */
gboolean       ombud_caseload_set_retention_days (OmbudCaseload            *self,
                                                  int                       days,
                                                  GError                  **error);
char          *ombud_caseload_add_municipality (OmbudCaseload           *self,
                                               const char               *code,
                                               const char               *name,
                                               int                       population,
                                               GError                  **error);
char          *ombud_caseload_add_ombud       (OmbudCaseload            *self,
                                               const char               *name,
                                               const char               *role,
                                               GError                  **error);
char          *ombud_caseload_add_case        (OmbudCaseload            *self,
                                               const OmbudCaseInput     *input,
                                               GError                  **error);
gboolean       ombud_caseload_start_case      (OmbudCaseload            *self,
                                               const char               *case_id,
                                               const char               *on_date,
                                               GError                  **error);
gboolean       ombud_caseload_close_case      (OmbudCaseload            *self,
                                               const char               *case_id,
                                               const char               *reason,
                                               const char               *on_date,
                                               GError                  **error);
gboolean       ombud_caseload_refer_case      (OmbudCaseload            *self,
                                               const char               *case_id,
                                               const char               *actor,
                                               const char               *on_date,
                                               GError                  **error);
gboolean       ombud_caseload_assign_case     (OmbudCaseload            *self,
                                               const char               *case_id,
                                               const char               *ombud_id,
                                               GError                  **error);
char          *ombud_caseload_add_note        (OmbudCaseload            *self,
                                               const char               *case_id,
                                               const char               *text,
                                               gboolean                  approved,
                                               GError                  **error);
gboolean       ombud_caseload_approve_note    (OmbudCaseload            *self,
                                               const char               *note_id,
                                               GError                  **error);
char          *ombud_caseload_add_contact     (OmbudCaseload            *self,
                                               const char               *case_id,
                                               const OmbudContactInput  *input,
                                               GError                  **error);
char          *ombud_caseload_add_goal        (OmbudCaseload            *self,
                                               const char               *case_id,
                                               const char               *area,
                                               const char               *text,
                                               GError                  **error);
char          *ombud_caseload_add_deadline    (OmbudCaseload            *self,
                                               const char               *case_id,
                                               const char               *due_on,
                                               const char               *text,
                                               GError                  **error);
char          *ombud_caseload_add_deficiency  (OmbudCaseload            *self,
                                               const char               *level,
                                               const char               *actor,
                                               const char               *text,
                                               const char               *municipality,
                                               GError                  **error);
gboolean       ombud_caseload_set_field       (OmbudCaseload            *self,
                                               const char               *table,
                                               const char               *record,
                                               const char               *field,
                                               GVariant                 *value,
                                               GError                  **error);
gboolean       ombud_caseload_delete          (OmbudCaseload            *self,
                                               const char               *table,
                                               const char               *record,
                                               GError                  **error);
gboolean       ombud_caseload_resolve_conflict (OmbudCaseload           *self,
                                               const char               *conflict_id,
                                               gboolean                  keep_theirs,
                                               GError                  **error);

gboolean       ombud_caseload_apply_changeset (OmbudCaseload            *self,
                                               GBytes                   *changeset,
                                               GError                  **error);
/* After changesets applied inside the caller's own transaction, once it
 * has committed: purges what a case destroyed elsewhere left here. */
gboolean       ombud_caseload_settle          (OmbudCaseload            *self,
                                               GError                  **error);
GPtrArray     *ombud_caseload_get_outbox      (OmbudCaseload            *self,
                                               GError                  **error);
gboolean       ombud_caseload_retry_quarantine (OmbudCaseload           *self,
                                               guint                    *n_applied,
                                               GError                  **error);

G_END_DECLS
