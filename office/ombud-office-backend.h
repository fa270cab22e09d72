/* ombud-office-backend.h: the office's state behind one storage interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything ombud-office keeps goes through this interface: the SQLite file
 * (ombud-office-sqlite.c) is the embedded default, PostgreSQL comes later.
 * Nothing stored here is readable client data: sealed changesets, public
 * keys, sealed key grants, signed device certificates, hashes of one-time
 * codes, and the office's own key pair.
 *
 * One sync request is one transaction (begin … commit, or rollback on any
 * error), so a refused or failed request changes nothing.  Calls made
 * outside a transaction each commit on their own.  A backend is used by one
 * thread at a time; the server opens one per worker thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OMBUD_OFFICE_BACKEND_ERROR (ombud_office_backend_error_quark ())

typedef enum {
  OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND,
  OMBUD_OFFICE_BACKEND_ERROR_EXISTS,       /* a unique thing stored twice with other contents */
  OMBUD_OFFICE_BACKEND_ERROR_NOT_INITIALISED,
  OMBUD_OFFICE_BACKEND_ERROR_BUSY,         /* retry: the database is locked by another writer */
  OMBUD_OFFICE_BACKEND_ERROR_FAILED,
} OmbudOfficeBackendError;

typedef enum {
  OMBUD_OFFICE_ROLE_OMBUD = 0,
  OMBUD_OFFICE_ROLE_COORDINATOR = 1,
} OmbudOfficeRole;

typedef enum {
  OMBUD_OFFICE_DEVICE_PENDING = 0,
  OMBUD_OFFICE_DEVICE_CONFIRMED = 1,
  OMBUD_OFFICE_DEVICE_REVOKED = 2,
} OmbudOfficeDeviceState;

/* The organisation, made once by `ombud-office init`.  The office's own key
 * pairs seal the sync envelope (PROTOCOL.md §5); they open no data. */
typedef struct {
  guint8  org_id[16];
  char   *name;
  guint8  sign_pk[32];
  guint8  sign_sk[64];
  guint8  box_pk[32];
  guint8  box_sk[32];
} OmbudOfficeOrg;

typedef struct {
  guint64                 device_id;
  guint8                  sign_pk[32];
  guint8                  box_pk[32];
  char                   *person;        /* the name the invite was made for */
  char                   *name;          /* the device's own name, e.g. its host name */
  OmbudOfficeRole         role;
  OmbudOfficeDeviceState  state;
  char                   *ombud_id;      /* from its certificate (a caseload UUID); NULL until confirmed */
  gint64                  enrolled_ms;
  gint64                  last_seen_ms;  /* 0: never synced */
  /* Replay protection and idempotency (PROTOCOL.md §5): the last accepted
   * request of this device, and the response it got. */
  gint64                  last_request_ms;
  guint8                  last_request_id[16];
  guint8                  last_request_hash[32];  /* BLAKE2b-256 of the whole request envelope */
  GBytes                 *last_response;          /* NULL if none */
  guint                   last_response_status;
} OmbudOfficeDevice;

/* A sealed changeset as stored; seq is the office's, in one sequence per
 * organisation, and is what a device's cursor counts. */
typedef struct {
  gint64   seq;
  guint8   changeset_id[16];
  guint8   case_id[16];     /* zeros for the team's own records */
  guint64  author_device;
  guint64  max_hlc;
  GBytes  *sealed;
} OmbudOfficeChangeset;

typedef struct _OmbudOfficeBackend OmbudOfficeBackend;

GQuark              ombud_office_backend_error_quark (void);

/* Opens (creating when asked) the SQLite backend in data_dir/office.db. */
OmbudOfficeBackend *ombud_office_backend_open_sqlite (const char          *data_dir,
                                                      gboolean             create,
                                                      GError             **error);
void                ombud_office_backend_free        (OmbudOfficeBackend  *self);

gboolean  ombud_office_backend_begin     (OmbudOfficeBackend *self, GError **error);
gboolean  ombud_office_backend_commit    (OmbudOfficeBackend *self, GError **error);
void      ombud_office_backend_rollback  (OmbudOfficeBackend *self);

/* Organisation: EXISTS when one is there already; NOT_INITIALISED from get. */
gboolean        ombud_office_backend_init_org  (OmbudOfficeBackend   *self,
                                                const OmbudOfficeOrg *org,
                                                GError              **error);
OmbudOfficeOrg *ombud_office_backend_get_org   (OmbudOfficeBackend   *self,
                                                GError              **error);
void            ombud_office_org_free          (OmbudOfficeOrg       *org);

/* Invites: only a hash of the code is kept.  take() consumes an unexpired,
 * unused invite atomically and returns its person and role; NOT_FOUND for an
 * unknown, used or expired code. */
gboolean  ombud_office_backend_add_invite  (OmbudOfficeBackend *self,
                                            const guint8        code_hash[32],
                                            const char         *person,
                                            OmbudOfficeRole     role,
                                            gint64              expires_ms,
                                            GError            **error);
gboolean  ombud_office_backend_take_invite (OmbudOfficeBackend *self,
                                            const guint8        code_hash[32],
                                            gint64              now_ms,
                                            char              **person,
                                            OmbudOfficeRole    *role,
                                            GError            **error);

/* Devices.  add(): EXISTS when the id or a key is taken.  Every change to a
 * device (add, state, ombud_id) advances the directory sequence. */
gboolean           ombud_office_backend_add_device      (OmbudOfficeBackend      *self,
                                                         const OmbudOfficeDevice *device,
                                                         GError                 **error);
OmbudOfficeDevice *ombud_office_backend_get_device      (OmbudOfficeBackend      *self,
                                                         guint64                  device_id,
                                                         GError                 **error);
/* All devices, in order of enrolment: OmbudOfficeDevice, freed with the
 * array; without their last_response (NULL), which get_device gives. */
GPtrArray         *ombud_office_backend_list_devices    (OmbudOfficeBackend      *self,
                                                         GError                 **error);
gboolean           ombud_office_backend_set_device_state (OmbudOfficeBackend     *self,
                                                         guint64                  device_id,
                                                         OmbudOfficeDeviceState   state,
                                                         const char              *ombud_id,   /* NULL: leave as is */
                                                         GError                 **error);
/* Records the request just accepted and its response (which may be NULL
 * while the response is being built); never touches the directory sequence. */
gboolean           ombud_office_backend_set_last_request (OmbudOfficeBackend     *self,
                                                         guint64                  device_id,
                                                         gint64                   request_ms,
                                                         const guint8             request_id[16],
                                                         const guint8             request_hash[32],
                                                         GBytes                  *response,
                                                         guint                    response_status,
                                                         gint64                   seen_ms,
                                                         GError                 **error);
void               ombud_office_device_free             (OmbudOfficeDevice       *device);

/* Certificates (PROTOCOL.md §6): kept as given, one per (subject, certifier);
 * the same bytes again is fine, other bytes replace the old ones.  Advances
 * the directory sequence when anything changed. */
gboolean   ombud_office_backend_add_cert    (OmbudOfficeBackend *self,
                                             guint64             subject_device,
                                             guint64             certifier_device,
                                             GBytes             *cert,
                                             GError            **error);
/* Every certificate of the organisation: GBytes. */
GPtrArray *ombud_office_backend_list_certs  (OmbudOfficeBackend *self,
                                             GError            **error);

/* Key grants (PROTOCOL.md §2), one per (recipient, kind, epoch, subject);
 * storing the same again is fine, other bytes replace the old ones (a key
 * re-granted by another device).  Advances the directory sequence. */
gboolean   ombud_office_backend_add_grant   (OmbudOfficeBackend *self,
                                             guint64             recipient_device,
                                             guint               kind,
                                             guint32             epoch,
                                             const guint8        subject[16],
                                             GBytes             *grant,
                                             GError            **error);
/* Grants to one device: GBytes. */
GPtrArray *ombud_office_backend_list_grants (OmbudOfficeBackend *self,
                                             guint64             recipient_device,
                                             GError            **error);

/* The directory sequence: advanced by every change to devices, certificates
 * and grants; a device that has seen it gets no directory again. */
gint64     ombud_office_backend_get_directory_seq (OmbudOfficeBackend *self,
                                                   GError            **error);

/* Routes: which ombud (a caseload UUID) a case belongs to.  get(): NULL
 * without error when the case has no route. */
char      *ombud_office_backend_get_route   (OmbudOfficeBackend *self,
                                             const guint8        case_id[16],
                                             GError            **error);
/* Setting a route to another ombud also (PROTOCOL.md §9): makes the ombud
 * it had a former owner, whose devices may push to the case and receive the
 * coordinators' changes to it until each reports it handed over; and
 * queues the case's stored changesets for the new ombud's devices again,
 * under new seqs. */
gboolean   ombud_office_backend_set_route   (OmbudOfficeBackend *self,
                                             const guint8        case_id[16],
                                             const char         *ombud_id,
                                             GError            **error);
/* Whether a device of ombud_id may push to a case routed away from that
 * ombud: it is a former owner and this device has not handed it over. */
gboolean   ombud_office_backend_former_may_push (OmbudOfficeBackend *self,
                                                 const guint8        case_id[16],
                                                 const char         *ombud_id,
                                                 guint64             device_id,
                                                 gboolean           *allowed,
                                                 GError            **error);
/* Records that a former owner's device purged the case; *recorded is FALSE
 * when ombud_id is no former owner of it (nothing to record). */
gboolean   ombud_office_backend_set_handed_over (OmbudOfficeBackend *self,
                                                 const guint8        case_id[16],
                                                 const char         *ombud_id,
                                                 guint64             device_id,
                                                 gboolean           *recorded,
                                                 GError            **error);

/* Changesets.  put(): stores a new one with the next seq and returns TRUE
 * with *stored = TRUE; the same id with the same bytes again returns TRUE
 * with *stored = FALSE (idempotent); the same id with other bytes is EXISTS. */
gboolean   ombud_office_backend_put_changeset (OmbudOfficeBackend          *self,
                                               const OmbudOfficeChangeset  *cs,
                                               gboolean                    *stored,
                                               GError                     **error);
/* Changesets with seq > after, in seq order, that a device may receive: not
 * written by exclude_author, and either the team's own (zero case), or any
 * case when all_cases, or a case routed to ombud_id; and, when not
 * all_cases, the redeliveries to ombud_id of cases still routed to it and
 * the coordinators' changesets of cases ombud_id formerly owned that
 * exclude_author has not handed over (PROTOCOL.md §9.1), each under the
 * seq it is listed at.  Stops after the first
 * one that takes the total of sealed sizes past budget (so at least one is
 * always returned when any is left); *more says whether any is left after
 * the last returned.  OmbudOfficeChangeset, freed with the array. */
GPtrArray *ombud_office_backend_list_changesets (OmbudOfficeBackend *self,
                                                 gint64              after,
                                                 guint64             exclude_author,
                                                 gboolean            all_cases,
                                                 const char         *ombud_id,
                                                 gsize               budget,
                                                 gboolean           *more,
                                                 GError            **error);
gint64     ombud_office_backend_get_last_seq    (OmbudOfficeBackend *self,
                                                 GError            **error);
/* The ids (16 bytes each, end to end, in no set order) of every changeset
 * the office stores that device wrote (PROTOCOL.md §10.2). */
GBytes    *ombud_office_backend_list_authored_ids (OmbudOfficeBackend *self,
                                                   guint64             device,
                                                   GError            **error);
void       ombud_office_changeset_free          (OmbudOfficeChangeset *cs);

/* Shredding (PROTOCOL.md §9).  The changesets of one case, in seq order;
 * OmbudOfficeChangeset, freed with the array. */
GPtrArray *ombud_office_backend_list_case_changesets (OmbudOfficeBackend *self,
                                                      const guint8        case_id[16],
                                                      GError            **error);
/* Deletes the changesets named by seq (their redeliveries go with them),
 * every case-key grant of the case, and every device's stored last
 * response (it may hold them), and records the case as shredded by
 * by_device.  Advances the directory sequence when a grant went. */
gboolean   ombud_office_backend_shred_case (OmbudOfficeBackend *self,
                                            const guint8        case_id[16],
                                            GArray             *seqs,
                                            guint64             by_device,
                                            gint64              now_ms,
                                            GError            **error);
/* Whether the case was shredded (ombud_office_backend_shred_case). */
gboolean   ombud_office_backend_case_is_shredded (OmbudOfficeBackend *self,
                                                  const guint8        case_id[16],
                                                  gboolean           *shredded,
                                                  GError            **error);
/* Outside a transaction: rewrites the store so that nothing deleted stays
 * in its free pages or slack, and empties its write-ahead log. */
gboolean   ombud_office_backend_scrub      (OmbudOfficeBackend *self,
                                            GError            **error);

/* Opaque blobs by name (e.g. the office key escrow sealed under the
 * organisation recovery key).  get(): NULL without error when absent. */
gboolean   ombud_office_backend_put_blob (OmbudOfficeBackend *self,
                                          const char         *name,
                                          GBytes             *blob,
                                          GError            **error);
GBytes    *ombud_office_backend_get_blob (OmbudOfficeBackend *self,
                                          const char         *name,
                                          GError            **error);

/* PROTOCOL.md §10.4: a device's guard public key (32 bytes) and the share
 * (32 bytes) the office seals to it.  The share is made with the first
 * guard key the device registers and kept from then on; a later guard key
 * replaces the earlier one.  get(): *found FALSE without error when the
 * device has registered none. */
gboolean   ombud_office_backend_put_guard_key (OmbudOfficeBackend *self,
                                               guint64             device_id,
                                               const guint8       *guard_pk,
                                               GError            **error);
gboolean   ombud_office_backend_get_guard     (OmbudOfficeBackend *self,
                                               guint64             device_id,
                                               guint8             *guard_pk,
                                               guint8             *share,
                                               gboolean           *found,
                                               GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudOfficeBackend, ombud_office_backend_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudOfficeOrg, ombud_office_org_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudOfficeDevice, ombud_office_device_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudOfficeChangeset, ombud_office_changeset_free)

G_END_DECLS
