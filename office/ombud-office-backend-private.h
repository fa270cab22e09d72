/* ombud-office-backend-private.h: what a storage backend implements
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ombud-office-backend.c checks arguments, clears out-parameters and keeps
 * track of the caller's transaction, then calls one of these.  A backend
 * (SQLite now, PostgreSQL later) is a struct whose first member is an
 * OmbudOfficeBackend pointing at its class.  Every method that can fail
 * returns FALSE (or NULL) with *error set, and only then; a lookup that finds
 * nothing where the contract allows it reports through an out-parameter, so
 * that "nothing" and "failed" cannot be confused.  Arguments reaching a
 * method are already checked: device ids are in 1 .. G_MAXINT64, pointers
 * are not NULL unless the public header allows it.
 */
#pragma once

#include "ombud-office-backend.h"

G_BEGIN_DECLS

typedef struct _OmbudOfficeBackendClass OmbudOfficeBackendClass;

struct _OmbudOfficeBackend {
  const OmbudOfficeBackendClass *klass;
  gboolean                       in_transaction;  /* between begin and commit/rollback */
};

struct _OmbudOfficeBackendClass {
  const char *name;

  /* Frees the backend; a transaction still open has been rolled back. */
  void      (*free)     (OmbudOfficeBackend *self);

  gboolean  (*begin)    (OmbudOfficeBackend *self, GError **error);
  /* On failure the backend leaves no transaction open. */
  gboolean  (*commit)   (OmbudOfficeBackend *self, GError **error);
  void      (*rollback) (OmbudOfficeBackend *self);

  gboolean         (*init_org) (OmbudOfficeBackend *self, const OmbudOfficeOrg *org, GError **error);
  OmbudOfficeOrg  *(*get_org)  (OmbudOfficeBackend *self, GError **error);

  gboolean  (*add_invite)  (OmbudOfficeBackend *self, const guint8 code_hash[32], const char *person,
                            OmbudOfficeRole role, gint64 expires_ms, GError **error);
  gboolean  (*take_invite) (OmbudOfficeBackend *self, const guint8 code_hash[32], gint64 now_ms,
                            char **person, OmbudOfficeRole *role, GError **error);

  gboolean            (*add_device)       (OmbudOfficeBackend *self, const OmbudOfficeDevice *device,
                                           GError **error);
  OmbudOfficeDevice  *(*get_device)       (OmbudOfficeBackend *self, guint64 device_id, GError **error);
  GPtrArray          *(*list_devices)     (OmbudOfficeBackend *self, GError **error);
  gboolean            (*set_device_state) (OmbudOfficeBackend *self, guint64 device_id,
                                           OmbudOfficeDeviceState state, const char *ombud_id,
                                           GError **error);
  gboolean            (*set_last_request) (OmbudOfficeBackend *self, guint64 device_id, gint64 request_ms,
                                           const guint8 request_id[16], const guint8 request_hash[32],
                                           GBytes *response, guint response_status, gint64 seen_ms,
                                           GError **error);

  gboolean    (*add_cert)    (OmbudOfficeBackend *self, guint64 subject_device, guint64 certifier_device,
                              GBytes *cert, GError **error);
  GPtrArray  *(*list_certs)  (OmbudOfficeBackend *self, GError **error);
  gboolean    (*add_grant)   (OmbudOfficeBackend *self, guint64 recipient_device, guint kind, guint32 epoch,
                              const guint8 subject[16], GBytes *grant, GError **error);
  GPtrArray  *(*list_grants) (OmbudOfficeBackend *self, guint64 recipient_device, GError **error);

  gboolean  (*get_directory_seq) (OmbudOfficeBackend *self, gint64 *seq, GError **error);

  /* *ombud_id = NULL when the case has no route. */
  gboolean  (*get_route) (OmbudOfficeBackend *self, const guint8 case_id[16], char **ombud_id,
                          GError **error);
  /* Keeps the route's history as well (PROTOCOL.md §9). */
  gboolean  (*set_route) (OmbudOfficeBackend *self, const guint8 case_id[16], const char *ombud_id,
                          GError **error);
  gboolean  (*former_may_push) (OmbudOfficeBackend *self, const guint8 case_id[16], const char *ombud_id,
                                guint64 device_id, gboolean *allowed, GError **error);
  gboolean  (*set_handed_over) (OmbudOfficeBackend *self, const guint8 case_id[16], const char *ombud_id,
                                guint64 device_id, gboolean *recorded, GError **error);

  gboolean    (*put_changeset)   (OmbudOfficeBackend *self, const OmbudOfficeChangeset *cs,
                                  gboolean *stored, GError **error);
  /* ombud_id may be NULL (no cases routed by ombud); more is not NULL. */
  GPtrArray  *(*list_changesets) (OmbudOfficeBackend *self, gint64 after, guint64 exclude_author,
                                  gboolean all_cases, const char *ombud_id, gsize budget,
                                  gboolean *more, GError **error);
  gboolean    (*get_last_seq)    (OmbudOfficeBackend *self, gint64 *seq, GError **error);
  GBytes     *(*list_authored_ids) (OmbudOfficeBackend *self, guint64 device, GError **error);

  GPtrArray  *(*list_case_changesets) (OmbudOfficeBackend *self, const guint8 case_id[16], GError **error);
  gboolean    (*shred_case) (OmbudOfficeBackend *self, const guint8 case_id[16], GArray *seqs,
                             guint64 by_device, gint64 now_ms, GError **error);
  gboolean    (*case_is_shredded) (OmbudOfficeBackend *self, const guint8 case_id[16], gboolean *shredded,
                                   GError **error);
  gboolean    (*scrub)      (OmbudOfficeBackend *self, GError **error);

  gboolean  (*put_blob) (OmbudOfficeBackend *self, const char *name, GBytes *blob, GError **error);
  /* *blob = NULL when there is none by that name. */
  gboolean  (*get_blob) (OmbudOfficeBackend *self, const char *name, GBytes **blob, GError **error);

  /* §10.4.  new_share is kept only when the device has no guard row yet. */
  gboolean  (*put_guard_key) (OmbudOfficeBackend *self, guint64 device_id, const guint8 *guard_pk,
                              const guint8 *new_share, GError **error);
  gboolean  (*get_guard)     (OmbudOfficeBackend *self, guint64 device_id, guint8 *guard_pk,
                              guint8 *share, gboolean *found, GError **error);
};

/* The SQLite backend (ombud-office-sqlite.c). */
OmbudOfficeBackend *ombud_office_sqlite_open (const char  *data_dir,
                                              gboolean     create,
                                              GError     **error);
/* For tests: how long a writer waits for another before BUSY (default 5000). */
void                ombud_office_sqlite_set_busy_timeout (OmbudOfficeBackend *self,
                                                          int                 ms);

G_END_DECLS
