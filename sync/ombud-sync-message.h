/* ombud-sync-message.h: the messages of /v1/enrol and /v1/sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROTOCOL.md §4 and §6.  Each message is a GVariant in normal form (little
 * endian) of the type given there; decoding refuses anything else, and
 * checks every key and id for its size, so a handler never sees a short key.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OMBUD_SYNC_MESSAGE_ERROR (ombud_sync_message_error_quark ())

typedef enum {
  OMBUD_SYNC_MESSAGE_ERROR_MALFORMED,
} OmbudSyncMessageError;

#define OMBUD_SYNC_PROTOCOL 1

/* A device's state at the office */
typedef enum {
  OMBUD_SYNC_STATE_PENDING   = 0,
  OMBUD_SYNC_STATE_CONFIRMED = 1,
  OMBUD_SYNC_STATE_REVOKED   = 2,
} OmbudSyncState;

/* Why the office did not take one changeset; the device keeps it */
typedef enum {
  OMBUD_SYNC_REJECT_FUTURE = 1,   /* stamped beyond the office's clock + bound: retry later */
  OMBUD_SYNC_REJECT_SHREDDED = 2, /* a client part for a case shredded at the office: kept until
                                     the case's client tier is destroyed here too */
} OmbudSyncRejectCode;

typedef struct {
  char    *code;
  guint8   sign_pk[32];
  guint8   box_pk[32];
  char    *name;
} OmbudEnrolRequest;

typedef struct {
  guint8   org_id[16];
  char    *org_name;
  guint8   office_sign_pk[32];
  guint8   office_box_pk[32];
  char    *person;
  guint32  role;            /* 0 ombud, 1 coordinator */
  guint32  state;           /* OmbudSyncState */
} OmbudEnrolResponse;

typedef struct {
  guint8   case_id[16];
  char    *ombud_id;
} OmbudSyncRoute;

typedef struct {
  guint32     protocol;
  gint64      cursor;       /* the office seq this device has everything up to */
  gint64      directory;    /* the directory seq this device has seen */
  guint32     budget;       /* bytes of changesets wanted back; 0: the office's default */
  GPtrArray  *changesets;   /* GBytes: sealed changesets (PROTOCOL.md §3) */
  GPtrArray  *routes;       /* OmbudSyncRoute */
  GPtrArray  *grants;       /* GBytes: key grants (§2) */
  GPtrArray  *certs;        /* GBytes: device certificates (§6) */
  GVariant   *extensions;   /* a{sv}; never NULL after decode */
} OmbudSyncRequest;

typedef struct {
  guint8   changeset_id[16];
  guint32  code;            /* OmbudSyncRejectCode */
  char    *message;
} OmbudSyncRejection;

typedef struct {
  guint64  device_id;
  guint8   sign_pk[32];
  guint8   box_pk[32];
  char    *person;
  guint32  role;
  guint32  state;
  char    *name;
} OmbudSyncDevice;

typedef struct {
  guint32     protocol;
  guint32     state;        /* OmbudSyncState of the requesting device */
  GPtrArray  *accepted;     /* GBytes of 16: changeset ids now held at the office */
  GPtrArray  *rejected;     /* OmbudSyncRejection */
  GPtrArray  *changesets;   /* GBytes: sealed changesets for this device */
  gint64      cursor;
  gboolean    more;
  gint64      directory;    /* the directory seq; devices/certs/grants are sent only when it moved */
  GPtrArray  *devices;      /* OmbudSyncDevice */
  GPtrArray  *certs;        /* GBytes */
  GPtrArray  *grants;       /* GBytes: every grant to this device */
  GVariant   *extensions;
} OmbudSyncResponse;

GQuark              ombud_sync_message_error_quark (void);

OmbudEnrolRequest  *ombud_enrol_request_new        (void);
GBytes             *ombud_enrol_request_encode     (const OmbudEnrolRequest  *self);
OmbudEnrolRequest  *ombud_enrol_request_decode     (GBytes                   *bytes,
                                                    GError                  **error);
void                ombud_enrol_request_free       (OmbudEnrolRequest        *self);

OmbudEnrolResponse *ombud_enrol_response_new       (void);
GBytes             *ombud_enrol_response_encode    (const OmbudEnrolResponse *self);
OmbudEnrolResponse *ombud_enrol_response_decode    (GBytes                   *bytes,
                                                    GError                  **error);
void                ombud_enrol_response_free      (OmbudEnrolResponse       *self);

OmbudSyncRequest   *ombud_sync_request_new         (void);
GBytes             *ombud_sync_request_encode      (const OmbudSyncRequest   *self);
OmbudSyncRequest   *ombud_sync_request_decode      (GBytes                   *bytes,
                                                    GError                  **error);
void                ombud_sync_request_free        (OmbudSyncRequest         *self);
void                ombud_sync_request_add_route   (OmbudSyncRequest         *self,
                                                    const guint8              case_id[16],
                                                    const char               *ombud_id);

OmbudSyncResponse  *ombud_sync_response_new        (void);
GBytes             *ombud_sync_response_encode     (const OmbudSyncResponse  *self);
OmbudSyncResponse  *ombud_sync_response_decode     (GBytes                   *bytes,
                                                    GError                  **error);
void                ombud_sync_response_free       (OmbudSyncResponse        *self);
void                ombud_sync_response_add_rejection (OmbudSyncResponse     *self,
                                                    const guint8              changeset_id[16],
                                                    OmbudSyncRejectCode       code,
                                                    const char               *message);
OmbudSyncDevice    *ombud_sync_device_new          (void);
void                ombud_sync_device_free         (OmbudSyncDevice          *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudEnrolRequest, ombud_enrol_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudEnrolResponse, ombud_enrol_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudSyncRequest, ombud_sync_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudSyncResponse, ombud_sync_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudSyncDevice, ombud_sync_device_free)

G_END_DECLS
