/* ombud-sync-state.h: what a profile knows of its office, kept in the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here lives in the encrypted store's kv table under "sync.*",
 * and is written before the action that depends on it: the request time
 * before the request leaves, the cursor after the data it covers.
 */
#pragma once

#include <glib.h>

#include "ombud-store.h"

G_BEGIN_DECLS

typedef struct {
  char    *url;               /* the office's base URL, e.g. "https://office:8443" */
  char    *ca_file;           /* TLS: a CA bundle to trust, or NULL */
  char    *pinned_key;        /* TLS: "sha256//…", or NULL */
  guint8   org_id[16];
  char    *org_name;
  guint8   office_sign_pk[32];
  guint8   office_box_pk[32];
  char    *person;            /* whom the invite named */
  guint    role;              /* 0 ombud, 1 coordinator */
  guint    state;             /* OmbudSyncState as the office last said */
  char    *ombud_id;          /* this device's ombud, once a trusted certificate says so */
  guint64  confirmer;         /* the coordinator device that admitted this one; itself for the first */
  gboolean client_access;     /* it held the client tier at its last sync (policy, for coordinators) */
  gint64   cursor;
  gint64   directory;
  gint64   last_request_ms;
  gint64   last_success_ms;
  gint64   clock_offset_ms;   /* office clock minus this one, at the last sync */
} OmbudSyncConfig;

/* NULL without error when the profile is not enrolled. */
OmbudSyncConfig *ombud_sync_config_load (OmbudStore            *store,
                                         GError               **error);
gboolean         ombud_sync_config_save (OmbudStore            *store,
                                         const OmbudSyncConfig *config,
                                         GError               **error);
void             ombud_sync_config_free (OmbudSyncConfig       *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OmbudSyncConfig, ombud_sync_config_free)

G_END_DECLS
