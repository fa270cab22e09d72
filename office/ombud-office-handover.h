/* ombud-office-handover.h: a case's former owner, and its handover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §9.  The office routes; it cannot read who a case was
 * given to or why.  A coordinator's route moves a case; the old owner's
 * devices may still push their edits to it and then say they purged it.
 */
#pragma once

#include <glib.h>

#include "ombud-office-backend.h"

G_BEGIN_DECLS

#define OMBUD_OFFICE_HANDOVER_ERROR (ombud_office_handover_error_quark ())

typedef enum {
  OMBUD_OFFICE_HANDOVER_ERROR_MALFORMED,   /* 400 malformed */
  OMBUD_OFFICE_HANDOVER_ERROR_FORBIDDEN,   /* 403 forbidden */
  OMBUD_OFFICE_HANDOVER_ERROR_STORAGE,     /* 503 unavailable */
} OmbudOfficeHandoverError;

#define OMBUD_EXT_HANDED_OVER  "handed-over"
#define OMBUD_EXT_SHRED_CASES  "shred-cases"

GQuark    ombud_office_handover_error_quark (void);

/* The list of 16-byte case ids an extension carries under key (aay); NULL
 * when the key is absent, or with MALFORMED for anything else. */
GVariant *ombud_office_extension_ids         (GVariant                *extensions,
                                              const char              *key,
                                              GError                 **error);

/* Whether a changeset of case_id, routed to another ombud than the
 * device's, may be taken from this device: its ombud owned the case and
 * the device has not handed it over yet. */
gboolean  ombud_office_former_owner_may_push (OmbudOfficeBackend      *backend,
                                              const OmbudOfficeDevice *device,
                                              const guint8             case_id[16],
                                              gboolean                *allowed,
                                              GError                 **error);

/* The request's "handed-over" extension (aay of 16-byte case ids): each
 * case this device purged after it was routed away from its ombud.  A case
 * it never formerly owned is ignored. */
gboolean  ombud_office_take_handed_over      (OmbudOfficeBackend      *backend,
                                              const OmbudOfficeDevice *device,
                                              GVariant                *extensions,
                                              GError                 **error);

G_END_DECLS
