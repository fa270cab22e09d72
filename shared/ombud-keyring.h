/* ombud-keyring.h: the office key epochs and case keys this device holds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ombud-identity.h"
#include "ombud-secret.h"
#include "ombud-store.h"

G_BEGIN_DECLS

#define OMBUD_KEYRING_ERROR (ombud_keyring_error_quark ())

typedef enum {
  OMBUD_KEYRING_ERROR_INVALID,        /* a bad argument, e.g. a case id that is not a UUID */
  OMBUD_KEYRING_ERROR_MALFORMED,      /* a grant of the wrong size or an unknown version or kind */
  OMBUD_KEYRING_ERROR_NOT_FOR_ME,     /* a grant to another device */
  OMBUD_KEYRING_ERROR_UNKNOWN_GRANTER,/* signed by a device not known here (yet): keep it, retry later */
  OMBUD_KEYRING_ERROR_NOT_TRUSTED,    /* signed by a known device that may not grant this key */
  OMBUD_KEYRING_ERROR_BAD_SIGNATURE,
  OMBUD_KEYRING_ERROR_NOT_AUTHENTIC,  /* the sealed key does not open */
  OMBUD_KEYRING_ERROR_CONFLICT,       /* this device already holds another key under that name */
  OMBUD_KEYRING_ERROR_EXISTS,
  OMBUD_KEYRING_ERROR_MISSING_KEY,    /* this device does not hold that key */
  OMBUD_KEYRING_ERROR_FAILED,
} OmbudKeyringError;

typedef enum {
  OMBUD_KEY_OFFICE = 1,
  OMBUD_KEY_CASE   = 2,
} OmbudKeyKind;

#define OMBUD_KEY_SIZE     32
#define OMBUD_SUBJECT_SIZE 16
#define OMBUD_GRANT_SIZE   182  /* PROTOCOL.md §2 */

typedef struct _OmbudKeyring OmbudKeyring;

GQuark        ombud_keyring_error_quark        (void);

/* UUID text ⇄ 16 raw bytes.  "" is the team's: 16 zero bytes, and back. */
gboolean      ombud_uuid_parse                 (const char     *text,
                                                guint8          out[OMBUD_SUBJECT_SIZE]);
char         *ombud_uuid_format                (const guint8    raw[OMBUD_SUBJECT_SIZE]);

OmbudKeyring *ombud_keyring_new                (OmbudStore     *store,
                                                OmbudIdentity  *me);
void          ombud_keyring_free               (OmbudKeyring   *self);
OmbudIdentity *ombud_keyring_get_identity      (OmbudKeyring   *self);

/* The newest office key epoch held here, 0 if none. */
guint32       ombud_keyring_get_office_epoch   (OmbudKeyring   *self,
                                                GError        **error);
/* A new random office key at the next epoch (1 for the first coordinator);
 * earlier epochs stay. */
guint32       ombud_keyring_create_office_key  (OmbudKeyring   *self,
                                                GError        **error);
gboolean      ombud_keyring_create_case_key    (OmbudKeyring   *self,
                                                const char     *case_id,
                                                GError        **error);
/* A case has one key per epoch (PROTOCOL.md §2).  Epoch 0 is the key the
 * device that made the case made.  An owner's device that must seal client
 * text of a case and holds no key of it (the case came to its ombud without
 * the client's consent to hand the old notes over) makes a key of its own
 * at an epoch derived from its device id: the former owner never gets it.
 * Client parts are sealed under the newest epoch held. */
gboolean      ombud_keyring_get_case_epoch     (OmbudKeyring   *self,
                                                const guint8    subject[OMBUD_SUBJECT_SIZE],
                                                guint32        *epoch,
                                                GError        **error);
GArray       *ombud_keyring_list_case_epochs   (OmbudKeyring   *self,
                                                const guint8    subject[OMBUD_SUBJECT_SIZE],
                                                GError        **error);
guint32       ombud_keyring_own_case_epoch     (OmbudKeyring   *self);
/* A key at that epoch; returns the epoch, 0 with an error. */
guint32       ombud_keyring_create_own_case_key (OmbudKeyring  *self,
                                                 const char    *case_id,
                                                 GError       **error);
/* Crypto-shredding: forgets every key of the case; the caller purges it. */
gboolean      ombud_keyring_destroy_case_key   (OmbudKeyring   *self,
                                                const char     *case_id,
                                                GError        **error);

/* Keeps a key recovered from outside the grant path (the ombud's key
 * bundle, the office key escrow): the same key again is fine, another key
 * under that name is CONFLICT. */
gboolean      ombud_keyring_import             (OmbudKeyring   *self,
                                                OmbudKeyKind    kind,
                                                guint32         epoch,
                                                const guint8    subject[OMBUD_SUBJECT_SIZE],
                                                const guint8    key[OMBUD_KEY_SIZE],
                                                GError        **error);

/* The key named (kind, epoch, subject), in locked memory; NULL and
 * MISSING_KEY when this device does not hold it.  Case keys have epoch 0. */
OmbudSecret  *ombud_keyring_lookup             (OmbudKeyring   *self,
                                                OmbudKeyKind    kind,
                                                guint32         epoch,
                                                const guint8    subject[OMBUD_SUBJECT_SIZE],
                                                GError        **error);
OmbudSecret  *ombud_keyring_lookup_case        (OmbudKeyring   *self,
                                                const char     *case_id,
                                                GError        **error);

/* A grant of a key held here to another device (PROTOCOL.md §2). */
GBytes       *ombud_keyring_make_grant         (OmbudKeyring   *self,
                                                OmbudKeyKind    kind,
                                                guint32         epoch,
                                                const guint8    subject[OMBUD_SUBJECT_SIZE],
                                                guint64         recipient_device,
                                                const guint8    recipient_box_pk[OMBUD_BOX_PUBLIC_SIZE],
                                                GError        **error);
/* Checks a grant to this device and keeps its key.  Accepted when signed by
 * a trusted coordinator device, or, for a case key, by a trusted device of
 * the ombud the case is assigned to.  Accepting the same key again is fine. */
gboolean      ombud_keyring_accept_grant       (OmbudKeyring   *self,
                                                GBytes         *grant,
                                                GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudKeyring, ombud_keyring_free)

G_END_DECLS
