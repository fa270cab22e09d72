/* sync-fixture.c: devices with identities and keyrings, for the sync tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sync-fixture.h"

#include "ombud-vfs.h"

Party *
party_new (gint64 start_ms)
{
  Party *self = g_new0 (Party, 1);
  g_autoptr(GError) error = NULL;

  self->replica = test_replica_new (start_ms);
  self->id = ombud_identity_load_or_create (self->replica->store, &error);
  g_assert_no_error (error);
  /* the caseload writes as the device its signing key names */
  g_assert_cmpuint (ombud_caseload_get_device_id (self->replica->caseload), ==,
                    ombud_identity_get_device_id (self->id));
  self->keys = ombud_keyring_new (self->replica->store, self->id);
  return self;
}

void
party_free (Party *self)
{
  if (self == NULL)
    return;
  ombud_keyring_free (self->keys);
  ombud_identity_unref (self->id);
  test_replica_free (self->replica);
  g_free (self);
}

void
party_know (Party           *self,
            Party           *other,
            OmbudDeviceRole  role,
            gboolean         trusted,
            const char      *ombud_id)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_known_device_save (self->replica->store, ombud_identity_get_sign_pk (other->id),
                                          ombud_identity_get_box_pk (other->id), role, trusted,
                                          ombud_id, &error));
  g_assert_no_error (error);
}

void
party_grant (Party        *from,
             Party        *to,
             OmbudKeyKind  kind,
             guint32       epoch,
             const guint8 *subject)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) grant = ombud_keyring_make_grant (from->keys, kind, epoch, subject,
                                                      ombud_identity_get_device_id (to->id),
                                                      ombud_identity_get_box_pk (to->id), &error);

  g_assert_no_error (error);
  g_assert_true (ombud_keyring_accept_grant (to->keys, grant, &error));
  g_assert_no_error (error);
}

void
party_exec (Party      *self,
            const char *sql)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_vfs_exec (ombud_store_get_db (self->replica->store), sql, &error));
  g_assert_no_error (error);
}
