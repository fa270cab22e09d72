/* sync-fixture.h: devices with identities and keyrings, for the sync tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ombud-identity.h"
#include "ombud-keyring.h"
#include "test-util.h"

G_BEGIN_DECLS

/* A profile whose caseload writes as its identity's device, as PROTOCOL.md
 * §1 requires of the device id in every changeset. */
typedef struct {
  TestReplica   *replica;
  OmbudIdentity *id;
  OmbudKeyring  *keys;
} Party;

Party   *party_new        (gint64           start_ms);
void     party_free       (Party           *self);
/* Makes other known to self. */
void     party_know       (Party           *self,
                           Party           *other,
                           OmbudDeviceRole  role,
                           gboolean         trusted,
                           const char      *ombud_id);
/* from grants a key it holds to to, which must accept it. */
void     party_grant      (Party           *from,
                           Party           *to,
                           OmbudKeyKind     kind,
                           guint32          epoch,
                           const guint8    *subject);
void     party_exec       (Party           *self,
                           const char      *sql);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Party, party_free)

G_END_DECLS
