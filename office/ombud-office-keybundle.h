/* ombud-office-keybundle.h: the office's side of the ombuds' key bundles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §10.1.  The office keeps, per ombud, the anchor one of
 * that ombud's devices signed and the entries they sealed to it; it checks
 * who signed what and whose they are, and hands them only to that ombud's
 * devices.  It can open none of it.
 */
#pragma once

#include <glib.h>

#include "ombud-office-backend.h"
#include "ombud-sync-message.h"

G_BEGIN_DECLS

#define OMBUD_OFFICE_BUNDLE_ERROR (ombud_office_bundle_error_quark ())

typedef enum {
  OMBUD_OFFICE_BUNDLE_ERROR_MALFORMED,  /* 400 malformed */
  OMBUD_OFFICE_BUNDLE_ERROR_FORBIDDEN,  /* 403 forbidden */
  OMBUD_OFFICE_BUNDLE_ERROR_STORE,      /* 503 unavailable */
} OmbudOfficeBundleError;

GQuark    ombud_office_bundle_error_quark (void);

/* Takes the key bundle extensions of a confirmed device's request and adds
 * the answer to response's extensions.  Inside the request's transaction:
 * on FALSE the caller rolls back and refuses. */
gboolean  ombud_office_key_bundle_serve   (OmbudOfficeBackend      *backend,
                                           const OmbudOfficeDevice *device,
                                           OmbudSyncRequest        *request,
                                           OmbudSyncResponse       *response,
                                           GError                 **error);

/* Adds the entries of add to the response's extensions (replacing keys it
 * has already). */
/* The ombud's bundle loses its entry for the case, if it has one: the case
 * was handed over to another ombud (§9.2). */
gboolean  ombud_office_key_bundle_forget_entry (OmbudOfficeBackend  *backend,
                                                const char          *ombud_id,
                                                const guint8         case_id[16],
                                                GError             **error);

/* Shredding (§9.5): every ombud's bundle loses its entry for the case. */
gboolean  ombud_office_key_bundle_forget_case (OmbudOfficeBackend  *backend,
                                               const guint8         case_id[16],
                                               GError             **error);

void      ombud_office_add_extensions     (OmbudSyncResponse       *response,
                                           GVariantDict            *add);

G_END_DECLS
