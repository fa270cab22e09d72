/* ombud-office-backend.c: the storage interface, independent of any database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Checks what every backend would have to check, clears out-parameters, keeps
 * track of the caller's transaction and dispatches through the backend's
 * class (ombud-office-backend-private.h).  Nothing here knows SQL.
 */
#include <string.h>

#include "ombud-office-backend-private.h"

#include <sodium.h>

G_DEFINE_QUARK (ombud-office-backend-error-quark, ombud_office_backend_error)

/* Device ids are u64 with the top bit clear, and 0 is nobody (PROTOCOL.md
 * §1): every database keeps them in a signed 64-bit integer. */
static gboolean
device_id_valid (guint64 device_id)
{
  return device_id != 0 && device_id <= G_MAXINT64;
}

static gboolean
fail_no_device (guint64 device_id, GError **error)
{
  g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND,
               "No device %" G_GUINT64_FORMAT, device_id);
  return FALSE;
}

static gboolean
role_valid (OmbudOfficeRole role)
{
  return role == OMBUD_OFFICE_ROLE_OMBUD || role == OMBUD_OFFICE_ROLE_COORDINATOR;
}

static gboolean
state_valid (OmbudOfficeDeviceState state)
{
  return state == OMBUD_OFFICE_DEVICE_PENDING || state == OMBUD_OFFICE_DEVICE_CONFIRMED
         || state == OMBUD_OFFICE_DEVICE_REVOKED;
}

OmbudOfficeBackend *
ombud_office_backend_open_sqlite (const char *data_dir,
                                  gboolean    create,
                                  GError    **error)
{
  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return ombud_office_sqlite_open (data_dir, create, error);
}

void
ombud_office_backend_free (OmbudOfficeBackend *self)
{
  if (self == NULL)
    return;
  /* A request abandoned half way must not commit by closing. */
  if (self->in_transaction)
    ombud_office_backend_rollback (self);
  self->klass->free (self);
}

gboolean
ombud_office_backend_begin (OmbudOfficeBackend *self,
                            GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  if (!self->klass->begin (self, error))
    return FALSE;
  self->in_transaction = TRUE;
  return TRUE;
}

gboolean
ombud_office_backend_commit (OmbudOfficeBackend *self,
                             GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->in_transaction, FALSE);

  /* Whatever happens, the transaction is over: a failed commit was rolled
   * back by the backend, and a rollback after it is a no-op. */
  self->in_transaction = FALSE;
  return self->klass->commit (self, error);
}

void
ombud_office_backend_rollback (OmbudOfficeBackend *self)
{
  g_return_if_fail (self != NULL);

  /* Tolerated outside a transaction, so that "rollback on any error" is
   * right even when the error was a failed begin or commit. */
  if (!self->in_transaction)
    return;
  self->in_transaction = FALSE;
  self->klass->rollback (self);
}

/* ---- organisation ---- */

gboolean
ombud_office_backend_init_org (OmbudOfficeBackend   *self,
                               const OmbudOfficeOrg *org,
                               GError              **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (org != NULL && org->name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return self->klass->init_org (self, org, error);
}

OmbudOfficeOrg *
ombud_office_backend_get_org (OmbudOfficeBackend *self,
                              GError            **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return self->klass->get_org (self, error);
}

void
ombud_office_org_free (OmbudOfficeOrg *org)
{
  if (org == NULL)
    return;
  /* The office's secret keys: do not leave them in freed memory. */
  explicit_bzero (org->sign_sk, sizeof org->sign_sk);
  explicit_bzero (org->box_sk, sizeof org->box_sk);
  g_free (org->name);
  g_free (org);
}

/* ---- invites ---- */

gboolean
ombud_office_backend_add_invite (OmbudOfficeBackend *self,
                                 const guint8        code_hash[32],
                                 const char         *person,
                                 OmbudOfficeRole     role,
                                 gint64              expires_ms,
                                 GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (code_hash != NULL, FALSE);
  g_return_val_if_fail (person != NULL, FALSE);
  g_return_val_if_fail (role_valid (role), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return self->klass->add_invite (self, code_hash, person, role, expires_ms, error);
}

gboolean
ombud_office_backend_take_invite (OmbudOfficeBackend *self,
                                  const guint8        code_hash[32],
                                  gint64              now_ms,
                                  char              **person,
                                  OmbudOfficeRole    *role,
                                  GError            **error)
{
  g_autofree char *taken_person = NULL;
  OmbudOfficeRole taken_role = OMBUD_OFFICE_ROLE_OMBUD;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (code_hash != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (person != NULL)
    *person = NULL;
  if (role != NULL)
    *role = OMBUD_OFFICE_ROLE_OMBUD;
  if (!self->klass->take_invite (self, code_hash, now_ms, &taken_person, &taken_role, error))
    return FALSE;
  if (person != NULL)
    *person = g_steal_pointer (&taken_person);
  if (role != NULL)
    *role = taken_role;
  return TRUE;
}

/* ---- devices ---- */

gboolean
ombud_office_backend_add_device (OmbudOfficeBackend      *self,
                                 const OmbudOfficeDevice *device,
                                 GError                 **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (device != NULL, FALSE);
  g_return_val_if_fail (device->person != NULL && device->name != NULL, FALSE);
  g_return_val_if_fail (role_valid (device->role), FALSE);
  g_return_val_if_fail (state_valid (device->state), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!device_id_valid (device->device_id))
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
                   "Device id %" G_GUINT64_FORMAT " is out of range", device->device_id);
      return FALSE;
    }
  return self->klass->add_device (self, device, error);
}

OmbudOfficeDevice *
ombud_office_backend_get_device (OmbudOfficeBackend *self,
                                 guint64             device_id,
                                 GError            **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!device_id_valid (device_id))
    {
      fail_no_device (device_id, error);
      return NULL;
    }
  return self->klass->get_device (self, device_id, error);
}

GPtrArray *
ombud_office_backend_list_devices (OmbudOfficeBackend *self,
                                   GError            **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return self->klass->list_devices (self, error);
}

gboolean
ombud_office_backend_set_device_state (OmbudOfficeBackend     *self,
                                       guint64                 device_id,
                                       OmbudOfficeDeviceState  state,
                                       const char             *ombud_id,
                                       GError                **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (state_valid (state), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!device_id_valid (device_id))
    return fail_no_device (device_id, error);
  return self->klass->set_device_state (self, device_id, state, ombud_id, error);
}

gboolean
ombud_office_backend_set_last_request (OmbudOfficeBackend *self,
                                       guint64             device_id,
                                       gint64              request_ms,
                                       const guint8        request_id[16],
                                       const guint8        request_hash[32],
                                       GBytes             *response,
                                       guint               response_status,
                                       gint64              seen_ms,
                                       GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (request_id != NULL && request_hash != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!device_id_valid (device_id))
    return fail_no_device (device_id, error);
  return self->klass->set_last_request (self, device_id, request_ms, request_id, request_hash,
                                        response, response_status, seen_ms, error);
}

void
ombud_office_device_free (OmbudOfficeDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->person);
  g_free (device->name);
  g_free (device->ombud_id);
  g_clear_pointer (&device->last_response, g_bytes_unref);
  g_free (device);
}

/* ---- certificates and grants ---- */

gboolean
ombud_office_backend_add_cert (OmbudOfficeBackend *self,
                               guint64             subject_device,
                               guint64             certifier_device,
                               GBytes             *cert,
                               GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (cert != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!device_id_valid (subject_device))
    return fail_no_device (subject_device, error);
  if (!device_id_valid (certifier_device))
    return fail_no_device (certifier_device, error);
  return self->klass->add_cert (self, subject_device, certifier_device, cert, error);
}

GPtrArray *
ombud_office_backend_list_certs (OmbudOfficeBackend *self,
                                 GError            **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return self->klass->list_certs (self, error);
}

gboolean
ombud_office_backend_add_grant (OmbudOfficeBackend *self,
                                guint64             recipient_device,
                                guint               kind,
                                guint32             epoch,
                                const guint8        subject[16],
                                GBytes             *grant,
                                GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (subject != NULL, FALSE);
  g_return_val_if_fail (grant != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!device_id_valid (recipient_device))
    return fail_no_device (recipient_device, error);
  return self->klass->add_grant (self, recipient_device, kind, epoch, subject, grant, error);
}

GPtrArray *
ombud_office_backend_list_grants (OmbudOfficeBackend *self,
                                  guint64             recipient_device,
                                  GError            **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* No such device can hold a grant. */
  if (!device_id_valid (recipient_device))
    return g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  return self->klass->list_grants (self, recipient_device, error);
}

gint64
ombud_office_backend_get_directory_seq (OmbudOfficeBackend *self,
                                        GError            **error)
{
  gint64 seq = -1;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!self->klass->get_directory_seq (self, &seq, error))
    return -1;
  return seq;
}

/* ---- routes ---- */

char *
ombud_office_backend_get_route (OmbudOfficeBackend *self,
                                const guint8        case_id[16],
                                GError            **error)
{
  char *ombud_id = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (case_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!self->klass->get_route (self, case_id, &ombud_id, error))
    return NULL;
  return ombud_id;
}

gboolean
ombud_office_backend_set_route (OmbudOfficeBackend *self,
                                const guint8        case_id[16],
                                const char         *ombud_id,
                                GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (case_id != NULL, FALSE);
  g_return_val_if_fail (ombud_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return self->klass->set_route (self, case_id, ombud_id, error);
}

gboolean
ombud_office_backend_former_may_push (OmbudOfficeBackend *self,
                                      const guint8        case_id[16],
                                      const char         *ombud_id,
                                      guint64             device_id,
                                      gboolean           *allowed,
                                      GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (case_id != NULL && ombud_id != NULL && allowed != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *allowed = FALSE;
  return self->klass->former_may_push (self, case_id, ombud_id, device_id, allowed, error);
}

gboolean
ombud_office_backend_set_handed_over (OmbudOfficeBackend *self,
                                      const guint8        case_id[16],
                                      const char         *ombud_id,
                                      guint64             device_id,
                                      gboolean           *recorded,
                                      GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (case_id != NULL && ombud_id != NULL && recorded != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *recorded = FALSE;
  if (!device_id_valid (device_id))
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
                   "Device id %" G_GUINT64_FORMAT " is out of range", device_id);
      return FALSE;
    }
  return self->klass->set_handed_over (self, case_id, ombud_id, device_id, recorded, error);
}

/* ---- changesets ---- */

gboolean
ombud_office_backend_put_changeset (OmbudOfficeBackend         *self,
                                    const OmbudOfficeChangeset *cs,
                                    gboolean                   *stored,
                                    GError                    **error)
{
  gboolean was_stored = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (cs != NULL && cs->sealed != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (stored != NULL)
    *stored = FALSE;
  if (!device_id_valid (cs->author_device))
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
                   "Author device id %" G_GUINT64_FORMAT " is out of range", cs->author_device);
      return FALSE;
    }
  if (!self->klass->put_changeset (self, cs, &was_stored, error))
    return FALSE;
  if (stored != NULL)
    *stored = was_stored;
  return TRUE;
}

GPtrArray *
ombud_office_backend_list_changesets (OmbudOfficeBackend *self,
                                      gint64              after,
                                      guint64             exclude_author,
                                      gboolean            all_cases,
                                      const char         *ombud_id,
                                      gsize               budget,
                                      gboolean           *more,
                                      GError            **error)
{
  gboolean any_more = FALSE;
  GPtrArray *list;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (more != NULL)
    *more = FALSE;
  list = self->klass->list_changesets (self, after, exclude_author, all_cases, ombud_id, budget,
                                       &any_more, error);
  if (list != NULL && more != NULL)
    *more = any_more;
  return list;
}

gint64
ombud_office_backend_get_last_seq (OmbudOfficeBackend *self,
                                   GError            **error)
{
  gint64 seq = -1;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!self->klass->get_last_seq (self, &seq, error))
    return -1;
  return seq;
}

GBytes *
ombud_office_backend_list_authored_ids (OmbudOfficeBackend *self,
                                        guint64             device,
                                        GError            **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return self->klass->list_authored_ids (self, device, error);
}

void
ombud_office_changeset_free (OmbudOfficeChangeset *cs)
{
  if (cs == NULL)
    return;
  g_clear_pointer (&cs->sealed, g_bytes_unref);
  g_free (cs);
}

/* ---- shredding ---- */

GPtrArray *
ombud_office_backend_list_case_changesets (OmbudOfficeBackend *self,
                                           const guint8        case_id[16],
                                           GError            **error)
{
  g_return_val_if_fail (self != NULL && case_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return self->klass->list_case_changesets (self, case_id, error);
}

gboolean
ombud_office_backend_shred_case (OmbudOfficeBackend *self,
                                 const guint8        case_id[16],
                                 GArray             *seqs,
                                 guint64             by_device,
                                 gint64              now_ms,
                                 GError            **error)
{
  g_return_val_if_fail (self != NULL && case_id != NULL && seqs != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!device_id_valid (by_device))
    {
      g_set_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED,
                   "Device id %" G_GUINT64_FORMAT " is out of range", by_device);
      return FALSE;
    }
  return self->klass->shred_case (self, case_id, seqs, by_device, now_ms, error);
}

gboolean
ombud_office_backend_case_is_shredded (OmbudOfficeBackend *self,
                                       const guint8        case_id[16],
                                       gboolean           *shredded,
                                       GError            **error)
{
  g_return_val_if_fail (self != NULL && case_id != NULL && shredded != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *shredded = FALSE;
  return self->klass->case_is_shredded (self, case_id, shredded, error);
}

gboolean
ombud_office_backend_scrub (OmbudOfficeBackend *self,
                            GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  return self->klass->scrub (self, error);
}

/* ---- blobs ---- */

gboolean
ombud_office_backend_put_blob (OmbudOfficeBackend *self,
                               const char         *name,
                               GBytes             *blob,
                               GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (blob != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return self->klass->put_blob (self, name, blob, error);
}

GBytes *
ombud_office_backend_get_blob (OmbudOfficeBackend *self,
                               const char         *name,
                               GError            **error)
{
  GBytes *blob = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!self->klass->get_blob (self, name, &blob, error))
    return NULL;
  return blob;
}

/* ---- guards (§10.4) ---- */

gboolean
ombud_office_backend_put_guard_key (OmbudOfficeBackend *self,
                                    guint64             device_id,
                                    const guint8       *guard_pk,
                                    GError            **error)
{
  guint8 share[32];
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (device_id > 0 && device_id <= G_MAXINT64, FALSE);
  g_return_val_if_fail (guard_pk != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  randombytes_buf (share, sizeof share);
  ok = self->klass->put_guard_key (self, device_id, guard_pk, share, error);
  sodium_memzero (share, sizeof share);
  return ok;
}

gboolean
ombud_office_backend_get_guard (OmbudOfficeBackend *self,
                                guint64             device_id,
                                guint8             *guard_pk,
                                guint8             *share,
                                gboolean           *found,
                                GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (device_id > 0 && device_id <= G_MAXINT64, FALSE);
  g_return_val_if_fail (guard_pk != NULL && share != NULL && found != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *found = FALSE;
  return self->klass->get_guard (self, device_id, guard_pk, share, found, error);
}
