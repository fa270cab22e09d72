/* ombud-office-handler.c: what the office answers to /v1/enrol and /v1/sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync/PROTOCOL.md §4–§7.  The office opens the envelope (it is one end of
 * it) but never a changeset: it checks what it can see — the author's
 * signature, the organisation, the route of the case, the time stamp —
 * stores, and routes.  Every refusal happens before anything is written or
 * rolls the request's transaction back, so a refused request changes nothing.
 */
#include "ombud-office-handler.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "ombud-bytes.h"
#include "ombud-cert.h"
#include "ombud-envelope.h"
#include "ombud-error.h"
#include "ombud-office-handover.h"
#include "ombud-office-retention.h"
#include "ombud-identity.h"
#include "ombud-keyring.h"
#include "ombud-office-digest.h"
#include "ombud-office-escrow.h"
#include "ombud-office-guard.h"
#include "ombud-office-keybundle.h"
#include "ombud-seal.h"
#include "ombud-sync-message.h"

#define INVITE_DOMAIN     "ombud-invite-v1"
#define CODE_ALPHABET     "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
#define CODE_CHARS        20
#define FUTURE_BOUND_MS   (10 * 60 * 1000)
#define DEFAULT_BUDGET    (1024 * 1024)
#define MIN_BUDGET        (16 * 1024)
#define MAX_BUDGET        (8 * 1024 * 1024)
#define GRANT_RECIPIENT   22
#define GRANT_GRANTER     30

static const guint8 zero_case[16];

/* A refusal: PROTOCOL.md §7's code and a sentence, in clear. */
static GBytes *
refuse (guint              *status,
        OmbudOfficeOutcome *outcome,
        guint               http_status,
        const char         *code,
        const char         *format,
        ...) G_GNUC_PRINTF (5, 6);

static GBytes *
refuse (guint              *status,
        OmbudOfficeOutcome *outcome,
        guint               http_status,
        const char         *code,
        const char         *format,
        ...)
{
  g_autofree char *message = NULL;
  va_list args;
  char *line;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  *status = http_status;
  g_strlcpy (outcome->error_code, code, sizeof outcome->error_code);
  line = g_strdup_printf ("%s %s\n", code, message);
  return g_bytes_new_take (line, strlen (line));
}

/* The office's own clock and keys */

static gboolean
invite_hash (const char *code,
             guint8      out[32])
{
  char normal[CODE_CHARS];
  guint n = 0;
  crypto_generichash_state state;

  /* People type codes with or without dashes, in either case. */
  for (const char *p = code; *p; p++)
    {
      char c = g_ascii_toupper (*p);

      if (c == '-' || c == ' ')
        continue;
      if (n == CODE_CHARS || strchr (CODE_ALPHABET, c) == NULL)
        return FALSE;
      normal[n++] = c;
    }
  if (n != CODE_CHARS)
    return FALSE;
  crypto_generichash_init (&state, NULL, 0, 32);
  crypto_generichash_update (&state, (const guint8 *) INVITE_DOMAIN, strlen (INVITE_DOMAIN));
  crypto_generichash_update (&state, (const guint8 *) normal, CODE_CHARS);
  crypto_generichash_final (&state, out, 32);
  return TRUE;
}

char *
ombud_office_make_invite (OmbudOfficeBackend *backend,
                          const char         *person,
                          OmbudOfficeRole     role,
                          gint64              now_ms,
                          gint64              valid_ms,
                          GError            **error)
{
  GString *code = g_string_new (NULL);
  guint8 hash[32];

  for (guint i = 0; i < CODE_CHARS; i++)
    {
      if (i > 0 && i % 4 == 0)
        g_string_append_c (code, '-');
      g_string_append_c (code, CODE_ALPHABET[randombytes_uniform (32)]);
    }
  g_assert (invite_hash (code->str, hash));
  if (!ombud_office_backend_add_invite (backend, hash, person, role, now_ms + valid_ms, error))
    {
      g_string_free (code, TRUE);
      return NULL;
    }
  return g_string_free (code, FALSE);
}

char *
ombud_office_init_org (OmbudOfficeBackend *backend,
                       const char         *org_name,
                       GError            **error)
{
  OmbudOfficeOrg org = { .name = (char *) org_name };
  char *fingerprint;

  randombytes_buf (org.org_id, sizeof org.org_id);
  crypto_sign_keypair (org.sign_pk, org.sign_sk);
  crypto_box_keypair (org.box_pk, org.box_sk);
  if (!ombud_office_backend_init_org (backend, &org, error))
    fingerprint = NULL;
  else
    fingerprint = ombud_fingerprint_text (org.sign_pk, org.box_pk);
  sodium_memzero (org.sign_sk, sizeof org.sign_sk);
  sodium_memzero (org.box_sk, sizeof org.box_sk);
  return fingerprint;
}

/* /v1/enrol */

static gboolean
has_founding_coordinator (OmbudOfficeBackend *backend,
                           GError            **error)
{
  g_autoptr(GPtrArray) devices = ombud_office_backend_list_devices (backend, error);

  for (guint i = 0; devices && i < devices->len; i++)
    {
      OmbudOfficeDevice *d = devices->pdata[i];
      /* A revoked coordinator counts: the organisation was founded, and a
       * new coordinator is confirmed by another, never by enrolment. */
      if (d->role == OMBUD_OFFICE_ROLE_COORDINATOR && d->state != OMBUD_OFFICE_DEVICE_PENDING)
        return TRUE;
    }
  return FALSE;
}

static GBytes *
enrol_reply (const OmbudOfficeOrg     *org,
             const OmbudOfficeDevice  *device)
{
  g_autoptr(OmbudEnrolResponse) r = ombud_enrol_response_new ();

  memcpy (r->org_id, org->org_id, 16);
  r->org_name = g_strdup (org->name);
  memcpy (r->office_sign_pk, org->sign_pk, 32);
  memcpy (r->office_box_pk, org->box_pk, 32);
  r->person = g_strdup (device->person);
  r->role = device->role;
  r->state = device->state;
  return ombud_enrol_response_encode (r);
}

/* Which device a code enrolled, kept so that a laptop whose answer was lost
 * on the way can ask again with the same code and keys. */
static char *
enrolled_by_name (const guint8 hash[32])
{
  GString *name = g_string_new ("enrolled-by:");

  for (guint i = 0; i < 32; i++)
    g_string_append_printf (name, "%02x", hash[i]);
  return g_string_free (name, FALSE);
}

static GBytes *
enrol_again (OmbudOfficeBackend      *backend,
             const OmbudOfficeOrg    *org,
             const guint8             hash[32],
             const OmbudOfficeDevice *device,
             guint                   *status,
             OmbudOfficeOutcome      *outcome)
{
  g_autofree char *name = enrolled_by_name (hash);
  g_autoptr(GBytes) blob = ombud_office_backend_get_blob (backend, name, NULL);
  g_autoptr(OmbudOfficeDevice) existing = NULL;
  guint8 id[8];

  ombud_put_u64 (id, device->device_id);
  if (blob == NULL || g_bytes_get_size (blob) != 8 || memcmp (g_bytes_get_data (blob, NULL), id, 8) != 0
      || (existing = ombud_office_backend_get_device (backend, device->device_id, NULL)) == NULL
      || memcmp (existing->box_pk, device->box_pk, 32) != 0)
    return refuse (status, outcome, 403, "bad-code", "the enrolment code is unknown, used or expired");
  *status = 200;
  return enrol_reply (org, existing);
}

static GBytes *
enrol_device (OmbudOfficeBackend      *backend,
              const OmbudOfficeOrg    *org,
              const OmbudEnrolRequest *req,
              OmbudOfficeDevice       *device,
              gint64                   now_ms,
              guint                   *status,
              OmbudOfficeOutcome      *outcome)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeDevice) existing = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GBytes) enrolled_by = NULL;
  guint8 hash[32], id[8];
  OmbudOfficeRole role;
  gboolean first;

  if (!invite_hash (req->code, hash))
    return refuse (status, outcome, 403, "bad-code", "the enrolment code is unknown, used or expired");
  if (!ombud_office_backend_take_invite (backend, hash, now_ms, &device->person, &role, &error))
    {
      if (!g_error_matches (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND))
        return refuse (status, outcome, 503, "unavailable", "%s", error->message);
      return enrol_again (backend, org, hash, device, status, outcome);
    }
  existing = ombud_office_backend_get_device (backend, device->device_id, NULL);
  if (existing != NULL)
    return refuse (status, outcome, 409, "exists", "this device is enrolled already");
  first = role == OMBUD_OFFICE_ROLE_COORDINATOR && !has_founding_coordinator (backend, &error);
  if (error)
    return refuse (status, outcome, 503, "unavailable", "%s", error->message);
  device->role = role;
  /* DESIGN.md §5: the first coordinator is trusted by enrolment alone. */
  device->state = first ? OMBUD_OFFICE_DEVICE_CONFIRMED : OMBUD_OFFICE_DEVICE_PENDING;
  device->enrolled_ms = now_ms;
  name = enrolled_by_name (hash);
  ombud_put_u64 (id, device->device_id);
  enrolled_by = g_bytes_new (id, sizeof id);
  if (!ombud_office_backend_add_device (backend, device, &error)
      || !ombud_office_backend_put_blob (backend, name, enrolled_by, &error))
    {
      if (g_error_matches (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_EXISTS))
        return refuse (status, outcome, 409, "exists", "this device's keys are enrolled already");
      return refuse (status, outcome, 503, "unavailable", "%s", error->message);
    }
  *status = 200;
  return enrol_reply (org, device);
}

GBytes *
ombud_office_handle_enrol (OmbudOfficeBackend *backend,
                           GBytes             *body,
                           gint64              now_ms,
                           guint              *status,
                           OmbudOfficeOutcome *outcome)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudEnrolRequest) req = NULL;
  g_autoptr(OmbudOfficeOrg) org = NULL;
  g_autoptr(OmbudOfficeDevice) device = g_new0 (OmbudOfficeDevice, 1);
  GBytes *reply;

  memset (outcome, 0, sizeof *outcome);
  req = ombud_enrol_request_decode (body, &error);
  if (req == NULL)
    return refuse (status, outcome, 400, "malformed", "%s", error->message);
  org = ombud_office_backend_get_org (backend, &error);
  if (org == NULL)
    return refuse (status, outcome, 503, "unavailable", "the office is not set up: %s", error->message);

  device->device_id = ombud_device_id_from_sign_pk (req->sign_pk);
  memcpy (device->sign_pk, req->sign_pk, 32);
  memcpy (device->box_pk, req->box_pk, 32);
  device->name = g_utf8_substring (req->name, 0, MIN (g_utf8_strlen (req->name, -1), 64));
  outcome->device_id = device->device_id;

  if (!ombud_office_backend_begin (backend, &error))
    return refuse (status, outcome, 503, "unavailable", "%s", error->message);
  reply = enrol_device (backend, org, req, device, now_ms, status, outcome);
  if (*status != 200 || !ombud_office_backend_commit (backend, &error))
    {
      ombud_office_backend_rollback (backend);
      if (*status == 200)
        {
          g_bytes_unref (reply);
          return refuse (status, outcome, 503, "unavailable", "%s", error->message);
        }
    }
  return reply;
}

/* /v1/sync */

typedef struct {
  OmbudOfficeBackend *backend;
  OmbudOfficeOrg     *org;
  OmbudOfficeDevice  *device;
  OmbudSyncRequest   *request;
  OmbudSyncResponse  *response;
  gint64              now_ms;
  guint              *status;
  OmbudOfficeOutcome *outcome;
  GBytes             *refusal;   /* set by the first check that fails */
  gboolean            own_too;   /* a resync: the device's own changesets come back too (§10.2) */
  guint               shredded;  /* cases shredded: scrub the store after the commit */
} SyncCall;

static gboolean
deny (SyncCall   *call,
      guint       http_status,
      const char *code,
      const char *format,
      ...) G_GNUC_PRINTF (4, 5);

static gboolean
deny (SyncCall   *call,
      guint       http_status,
      const char *code,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_clear_pointer (&call->refusal, g_bytes_unref);
  call->refusal = refuse (call->status, call->outcome, http_status, code, "%s", message);
  return FALSE;
}

static gboolean
storage_failed (SyncCall *call,
                GError   *error)
{
  return deny (call, 503, "unavailable", "the office store failed: %s",
               error ? error->message : "unknown error");
}

static gboolean
is_coordinator (const OmbudOfficeDevice *device)
{
  return device->role == OMBUD_OFFICE_ROLE_COORDINATOR;
}

/* The signing key a certificate must verify under: the requester's own;
 * or, for one the recovery key made in the founder's name (PROTOCOL.md
 * §10.3), the founder's, and only from the device it certifies. */
static gboolean
certifier_key (SyncCall *call,
               GBytes   *bytes,
               guint8    sign_pk[32])
{
  g_autoptr(OmbudOfficeDevice) founder = NULL;
  OmbudCert cert;

  memcpy (sign_pk, call->device->sign_pk, 32);
  if (!ombud_cert_parse (bytes, &cert, NULL) || !cert.by_recovery_key)
    return TRUE;
  if (cert.subject != call->device->device_id
      || (founder = ombud_office_backend_get_device (call->backend, cert.certifier, NULL)) == NULL)
    return deny (call, 403, "forbidden", "a recovery certificate of another device, or in the name of none");
  memcpy (sign_pk, founder->sign_pk, 32);
  return TRUE;
}

/* Certificates: a confirmed coordinator's word for a device of this
 * organisation, with the keys and role the office enrolled. */
static gboolean
take_cert (SyncCall *call,
           GBytes   *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeDevice) subject = NULL;
  g_autofree char *ombud_id = NULL;
  OmbudCert cert;
  gboolean role_coordinator;
  guint8 sign_pk[32];

  if (!is_coordinator (call->device))
    return deny (call, 403, "forbidden", "only a coordinator's device may certify devices");
  if (!certifier_key (call, bytes, sign_pk))
    return FALSE;
  if (!ombud_cert_verify (bytes, sign_pk, &cert, &error))
    return deny (call, 403, "forbidden", "a certificate: %s", error->message);
  subject = ombud_office_backend_get_device (call->backend, cert.subject, NULL);
  role_coordinator = cert.role == OMBUD_DEVICE_ROLE_COORDINATOR;
  if (subject == NULL || memcmp (subject->box_pk, cert.box_pk, 32) != 0
      || role_coordinator != is_coordinator (subject))
    return deny (call, 403, "forbidden",
                 "a certificate for a device, keys or role this office did not enrol");
  ombud_id = ombud_uuid_format (cert.ombud_id);
  if (*ombud_id == '\0')
    return deny (call, 400, "malformed", "a certificate that names no ombud");
  if (!ombud_office_backend_add_cert (call->backend, cert.subject, cert.certifier, bytes, &error))
    return storage_failed (call, error);
  /* A revoked device's certificate is kept, so that a device admitted later
   * can still follow the chain through it (a coordinator recovered with the
   * recovery key has no other way back to the old team); it is gone all the
   * same. */
  if (subject->state != OMBUD_OFFICE_DEVICE_REVOKED && subject->ombud_id == NULL
      && !ombud_office_backend_set_device_state (call->backend, cert.subject,
                                                 OMBUD_OFFICE_DEVICE_CONFIRMED, ombud_id, &error))
    return storage_failed (call, error);
  return TRUE;
}

/* Grants are sealed to their recipient; the office reads only the
 * PROTOCOL.md §2 header to file them. */
static gboolean
take_grant (SyncCall *call,
            GBytes   *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeDevice) recipient = NULL;
  gsize len;
  const guint8 *g = g_bytes_get_data (bytes, &len);
  gboolean shredded = FALSE;
  guint32 epoch;

  if (len != OMBUD_GRANT_SIZE || g[0] != 1 || (g[1] != OMBUD_KEY_OFFICE && g[1] != OMBUD_KEY_CASE))
    return deny (call, 400, "malformed", "a key grant of the wrong size, version or kind");
  if (ombud_get_u64 (g + GRANT_GRANTER) != call->device->device_id)
    return deny (call, 403, "forbidden", "a key grant from another device");
  if (g[1] == OMBUD_KEY_OFFICE && !is_coordinator (call->device))
    return deny (call, 403, "forbidden", "only a coordinator's device may grant the office key");
  recipient = ombud_office_backend_get_device (call->backend, ombud_get_u64 (g + GRANT_RECIPIENT), NULL);
  if (recipient == NULL)
    return deny (call, 403, "forbidden", "a key grant to a device that is not enrolled");
  /* Granted before its owner heard of the revocation: it goes nowhere. */
  if (recipient->state == OMBUD_OFFICE_DEVICE_REVOKED)
    return TRUE;
  epoch = ombud_get_u32 (g + 2);
  /* The key of a shredded case goes nowhere again. */
  if (g[1] == OMBUD_KEY_CASE)
    {
      if (!ombud_office_backend_case_is_shredded (call->backend, g + 6, &shredded, &error))
        return storage_failed (call, error);
      if (shredded)
        return TRUE;
    }
  if (!ombud_office_backend_add_grant (call->backend, recipient->device_id, g[1], epoch, g + 6,
                                       bytes, &error))
    return storage_failed (call, error);
  return TRUE;
}

/* A case belongs to the ombud it is routed to; a coordinator may route any
 * case, an ombud's device only claim one nobody has. */
static gboolean
take_route (SyncCall     *call,
            const guint8  case_id[16],
            const char   *ombud_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *current = NULL;
  g_autofree char *canonical = NULL;
  guint8 raw[16];

  if (memcmp (case_id, zero_case, 16) == 0 || !ombud_uuid_parse (ombud_id, raw)
      || memcmp (raw, zero_case, 16) == 0)
    return deny (call, 400, "malformed", "a route needs a case and an ombud id");
  /* One spelling of an id, as devices write them. */
  canonical = ombud_uuid_format (raw);
  ombud_id = canonical;
  current = ombud_office_backend_get_route (call->backend, case_id, &error);
  if (error)
    return storage_failed (call, error);
  if (g_strcmp0 (current, ombud_id) == 0)
    return TRUE;
  if (!is_coordinator (call->device)
      && (current != NULL || g_strcmp0 (call->device->ombud_id, ombud_id) != 0))
    return deny (call, 403, "forbidden", "the case is another ombud's");
  if (!ombud_office_backend_set_route (call->backend, case_id, ombud_id, &error))
    return storage_failed (call, error);
  return TRUE;
}

/* A refusal from ombud-office-handover.c, as PROTOCOL.md §7 names it. */
static gboolean
handover_refused (SyncCall *call,
                  GError   *error)
{
  if (g_error_matches (error, OMBUD_OFFICE_HANDOVER_ERROR, OMBUD_OFFICE_HANDOVER_ERROR_MALFORMED))
    return deny (call, 400, "malformed", "%s", error->message);
  if (g_error_matches (error, OMBUD_OFFICE_HANDOVER_ERROR, OMBUD_OFFICE_HANDOVER_ERROR_FORBIDDEN))
    return deny (call, 403, "forbidden", "%s", error->message);
  return storage_failed (call, error);
}

/* A case routed away from this device's ombud still takes the edits its
 * devices made before they heard of it, until each has handed it over
 * (PROTOCOL.md §9). */
static gboolean
pushed_by_former_owner (SyncCall              *call,
                        const OmbudSealHeader *h,
                        gboolean              *allowed)
{
  g_autoptr(GError) error = NULL;

  if (!ombud_office_former_owner_may_push (call->backend, call->device, h->case_id, allowed, &error))
    return handover_refused (call, error);
  return TRUE;
}

static gboolean
check_case_owner (SyncCall               *call,
                  const OmbudSealHeader  *h)
{
  gboolean former = FALSE;

  if (memcmp (h->case_id, zero_case, 16) == 0 || is_coordinator (call->device))
    return TRUE;
  if (call->device->ombud_id == NULL)
    return deny (call, 403, "not-confirmed", "this device has no ombud yet");
  if (!pushed_by_former_owner (call, h, &former))
    return FALSE;
  return former || take_route (call, h->case_id, call->device->ombud_id);
}

/* A client part for a case shredded here would bring back what shredding
 * took: it is turned away (PROTOCOL.md §9.5), and the author keeps it. */
static gboolean
check_not_shredded (SyncCall              *call,
                    const OmbudSealHeader *h,
                    gboolean              *shredded)
{
  g_autoptr(GError) error = NULL;

  *shredded = FALSE;
  if (!ombud_seal_header_has_tier (h, OMBUD_SEAL_TIER_CLIENT))
    return TRUE;
  if (!ombud_office_backend_case_is_shredded (call->backend, h->case_id, shredded, &error))
    return storage_failed (call, error);
  return TRUE;
}

static gboolean
take_changeset (SyncCall *call,
                GBytes   *sealed)
{
  g_autoptr(GError) error = NULL;
  OmbudOfficeChangeset stored = { 0 };
  OmbudSealHeader h;
  gboolean is_new, shredded;

  if (!ombud_seal_verify (sealed, call->org->org_id, call->device->sign_pk, &h, &error))
    {
      if (g_error_matches (error, OMBUD_SEAL_ERROR, OMBUD_SEAL_ERROR_MALFORMED))
        return deny (call, 400, "malformed", "a changeset: %s", error->message);
      return deny (call, 403, "forbidden", "a changeset: %s", error->message);
    }
  /* The HLC's upper 48 bits are milliseconds. */
  if ((gint64) (h.max_hlc >> 16) > call->now_ms + FUTURE_BOUND_MS)
    {
      ombud_sync_response_add_rejection (call->response, h.changeset_id, OMBUD_SYNC_REJECT_FUTURE,
                                         "stamped ahead of the office's clock");
      return TRUE;
    }
  if (!check_case_owner (call, &h))
    return FALSE;
  if (!check_not_shredded (call, &h, &shredded))
    return FALSE;
  if (shredded)
    {
      ombud_sync_response_add_rejection (call->response, h.changeset_id, OMBUD_SYNC_REJECT_SHREDDED,
                                         "the case's client tier was shredded at the office");
      return TRUE;
    }
  memcpy (stored.changeset_id, h.changeset_id, 16);
  memcpy (stored.case_id, h.case_id, 16);
  stored.author_device = h.author_device;
  stored.max_hlc = h.max_hlc;
  stored.sealed = sealed;
  if (!ombud_office_backend_put_changeset (call->backend, &stored, &is_new, &error))
    {
      /* Other bytes under an id this office holds: the author re-sealed it
       * (a case closed meanwhile dropped its client tier from the outbox).
       * What is held stays; the author may forget its copy. */
      if (!g_error_matches (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_EXISTS))
        return storage_failed (call, error);
      is_new = FALSE;
    }
  call->outcome->n_pushed += is_new;
  g_ptr_array_add (call->response->accepted, g_bytes_new (h.changeset_id, 16));
  return TRUE;
}

/* The office key sealed under the organisation's recovery key: the office
 * keeps it for the day every coordinator laptop is gone, unable to open it. */
static gboolean
take_escrow (SyncCall *call)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) blob = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (call->request->extensions == NULL
      || (blob = g_variant_lookup_value (call->request->extensions, "office-key-escrow",
                                         G_VARIANT_TYPE_BYTESTRING)) == NULL)
    return TRUE;
  if (!is_coordinator (call->device))
    return deny (call, 403, "forbidden", "only a coordinator's device may leave the office key escrow");
  bytes = g_variant_get_data_as_bytes (blob);
  if (g_bytes_get_size (bytes) > 4096)
    return deny (call, 400, "malformed", "an office key escrow of %zu bytes", g_bytes_get_size (bytes));
  if (!ombud_office_backend_put_blob (call->backend, "office-key-escrow", bytes, &error))
    return storage_failed (call, error);
  return TRUE;
}

/* After the changesets: a device says it purged a case only once the
 * office holds its edits to it. */
static gboolean
take_handover_reports (SyncCall *call)
{
  g_autoptr(GError) error = NULL;

  if (!ombud_office_take_handed_over (call->backend, call->device, call->request->extensions, &error))
    return handover_refused (call, error);
  return TRUE;
}

/* After the changesets: the coordinator's restatement of a case's office
 * tier, in the same request or before, stays (PROTOCOL.md §9). */
static gboolean
take_shred_requests (SyncCall *call)
{
  g_autoptr(GError) error = NULL;

  if (!ombud_office_take_shred_requests (call->backend, call->device, call->request->extensions, call->now_ms,
                                         &call->shredded, &error))
    return handover_refused (call, error);
  return TRUE;
}

static gboolean
take_pushed (SyncCall *call)
{
  OmbudSyncRequest *req = call->request;

  if (call->device->state != OMBUD_OFFICE_DEVICE_CONFIRMED
      && (req->changesets->len || req->grants->len || req->certs->len || req->routes->len
          || g_variant_n_children (req->extensions) > 0))
    return deny (call, 403, "not-confirmed",
                 "this device is waiting for a coordinator to confirm it");
  for (guint i = 0; i < req->certs->len; i++)
    if (!take_cert (call, req->certs->pdata[i]))
      return FALSE;
  for (guint i = 0; i < req->grants->len; i++)
    if (!take_grant (call, req->grants->pdata[i]))
      return FALSE;
  for (guint i = 0; i < req->routes->len; i++)
    {
      OmbudSyncRoute *r = req->routes->pdata[i];
      if (!take_route (call, r->case_id, r->ombud_id))
        return FALSE;
    }
  for (guint i = 0; i < req->changesets->len; i++)
    if (!take_changeset (call, req->changesets->pdata[i]))
      return FALSE;
  return take_handover_reports (call) && take_shred_requests (call) && take_escrow (call);
}

static gboolean
pull_changesets (SyncCall *call)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  OmbudSyncResponse *resp = call->response;
  gsize budget = call->request->budget ? call->request->budget : DEFAULT_BUDGET;
  gint64 last;

  budget = CLAMP (budget, MIN_BUDGET, MAX_BUDGET);
  resp->cursor = call->request->cursor;
  list = ombud_office_backend_list_changesets (call->backend, call->request->cursor,
                                               call->own_too ? 0 : call->device->device_id,
                                               is_coordinator (call->device),
                                               call->device->ombud_id, budget, &resp->more, &error);
  if (list == NULL)
    return storage_failed (call, error);
  for (guint i = 0; i < list->len; i++)
    {
      OmbudOfficeChangeset *cs = list->pdata[i];
      g_ptr_array_add (resp->changesets, g_bytes_ref (cs->sealed));
      resp->cursor = cs->seq;
    }
  call->outcome->n_pulled = list->len;
  /* With nothing more for this device, everything up to the newest seq is
   * either sent or not for it: the cursor can move past it all. */
  if (!resp->more)
    {
      last = ombud_office_backend_get_last_seq (call->backend, &error);
      if (error)
        return storage_failed (call, error);
      resp->cursor = MAX (resp->cursor, last);
    }
  return TRUE;
}

static void
add_device (OmbudSyncResponse       *resp,
            const OmbudOfficeDevice *d)
{
  OmbudSyncDevice *out = ombud_sync_device_new ();

  out->device_id = d->device_id;
  memcpy (out->sign_pk, d->sign_pk, 32);
  memcpy (out->box_pk, d->box_pk, 32);
  out->person = g_strdup (d->person);
  out->role = d->role;
  out->state = d->state;
  out->name = g_strdup (d->name);
  g_ptr_array_add (resp->devices, out);
}

/* The newest office key epoch granted, and whether a revoked device holds
 * it: then the next coordinator to sync must move the key on (§6.7). */
static guint32
rotation_due (SyncCall   *call,
              GPtrArray  *devices,
              GError    **error)
{
  guint32 newest = 0;
  gboolean revoked_holds_newest = FALSE;

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < devices->len; i++)
      {
        OmbudOfficeDevice *d = devices->pdata[i];
        g_autoptr(GPtrArray) grants = ombud_office_backend_list_grants (call->backend, d->device_id, error);

        if (grants == NULL)
          return 0;
        for (guint j = 0; j < grants->len; j++)
          {
            const guint8 *g = g_bytes_get_data (grants->pdata[j], NULL);
            guint32 epoch = ombud_get_u32 (g + 2);

            if (g[1] != OMBUD_KEY_OFFICE)
              continue;
            if (pass == 0)
              newest = MAX (newest, epoch);
            else if (epoch == newest && d->state == OMBUD_OFFICE_DEVICE_REVOKED)
              revoked_holds_newest = TRUE;
          }
      }
  return revoked_holds_newest ? newest + 1 : 0;
}

static void
append_refs (GPtrArray *to,
             GPtrArray *from)
{
  for (guint i = 0; i < from->len; i++)
    g_ptr_array_add (to, g_bytes_ref (from->pdata[i]));
}

/* Whether a rotation is due changes only with the directory: the answer is
 * kept with the directory sequence it was worked out at. */
static guint32
rotation_due_cached (SyncCall   *call,
                     gint64      directory,
                     GError    **error)
{
  g_autoptr(GBytes) cached = ombud_office_backend_get_blob (call->backend, "rotation-check", error);
  g_autoptr(GPtrArray) devices = NULL;
  g_autofree char *text = NULL;
  gint64 seq = -1;
  guint32 epoch = 0;

  if (*error != NULL)
    return 0;
  if (cached != NULL && g_bytes_get_size (cached) < 64)
    {
      g_autofree char *s = g_strndup (g_bytes_get_data (cached, NULL), g_bytes_get_size (cached));
      if (sscanf (s, "%" G_GINT64_FORMAT " %" G_GUINT32_FORMAT, &seq, &epoch) == 2 && seq == directory)
        return epoch;
    }
  devices = ombud_office_backend_list_devices (call->backend, error);
  if (devices == NULL)
    return 0;
  epoch = rotation_due (call, devices, error);
  if (*error != NULL)
    return 0;
  text = g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GUINT32_FORMAT, directory, epoch);
  {
    g_autoptr(GBytes) blob = g_bytes_new (text, strlen (text));
    ombud_office_backend_put_blob (call->backend, "rotation-check", blob, error);
  }
  return epoch;
}

static gboolean
send_directory (SyncCall *call)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GPtrArray) certs = NULL;
  g_autoptr(GPtrArray) grants = NULL;
  OmbudSyncResponse *resp = call->response;
  guint32 rotate;

  resp->directory = ombud_office_backend_get_directory_seq (call->backend, &error);
  if (error)
    return storage_failed (call, error);
  if (is_coordinator (call->device))
    {
      rotate = rotation_due_cached (call, resp->directory, &error);
      if (error)
        return storage_failed (call, error);
      if (rotate)
        resp->extensions = g_variant_ref_sink (g_variant_new_parsed ("{'rotate-office-key': <%u>}", rotate));
    }
  if (resp->directory <= call->request->directory)
    return TRUE;
  devices = ombud_office_backend_list_devices (call->backend, &error);
  certs = devices ? ombud_office_backend_list_certs (call->backend, &error) : NULL;
  grants = certs ? ombud_office_backend_list_grants (call->backend, call->device->device_id, &error) : NULL;
  if (grants == NULL)
    return storage_failed (call, error);
  for (guint i = 0; i < devices->len; i++)
    add_device (resp, devices->pdata[i]);
  append_refs (resp->certs, certs);
  append_refs (resp->grants, grants);
  return TRUE;
}

/* PROTOCOL.md §10.3: a coordinator laptop proving the recovery key is
 * confirmed before its pushes are screened. */
static gboolean
recover_office (SyncCall *call)
{
  g_autoptr(GError) error = NULL;

  if (ombud_office_recovery_claim (call->backend, call->org->org_id, call->device, call->request, &error))
    return TRUE;
  if (g_error_matches (error, OMBUD_OFFICE_BUNDLE_ERROR, OMBUD_OFFICE_BUNDLE_ERROR_FORBIDDEN))
    return deny (call, 403, "forbidden", "%s", error->message);
  return storage_failed (call, error);
}

/* PROTOCOL.md §10: what devices keep at the office over time. */
static gboolean
serve_devices_over_time (SyncCall *call)
{
  g_autoptr(GError) error = NULL;

  if (ombud_office_key_bundle_serve (call->backend, call->device, call->request, call->response, &error)
      && ombud_office_guard_serve (call->backend, call->device, call->request, call->response, &error)
      && ombud_office_escrow_serve (call->backend, call->org->org_id, call->device, call->request, call->response,
                                    &error)
      && ombud_office_check_holds (call->backend, call->device, call->request, call->response, &call->own_too,
                                   &error))
    return TRUE;
  if (error != NULL && error->domain == OMBUD_OFFICE_BACKEND_ERROR)
    return storage_failed (call, error);
  if (g_error_matches (error, OMBUD_OFFICE_BUNDLE_ERROR, OMBUD_OFFICE_BUNDLE_ERROR_FORBIDDEN))
    return deny (call, 403, "forbidden", "%s", error->message);
  if (g_error_matches (error, OMBUD_OFFICE_BUNDLE_ERROR, OMBUD_OFFICE_BUNDLE_ERROR_MALFORMED))
    return deny (call, 400, "malformed", "%s", error->message);
  return storage_failed (call, error);
}

static gboolean
answer (SyncCall *call)
{
  call->response->state = call->device->state;
  if (call->device->state != OMBUD_OFFICE_DEVICE_CONFIRMED)
    return TRUE;
  return send_directory (call) && serve_devices_over_time (call) && pull_changesets (call);
}

static GBytes *
seal_response (SyncCall                  *call,
               const OmbudEnvelopeHeader *request,
               const guint8               tx[OMBUD_SESSION_KEY_SIZE])
{
  g_autoptr(GBytes) body = ombud_sync_response_encode (call->response);
  OmbudEnvelopeHeader h = *request;

  h.kind = OMBUD_ENVELOPE_RESPONSE;
  h.time_ms = call->now_ms;
  return ombud_envelope_seal (&h, body, tx);
}

/* Revocation, a repeat, a replay: decided on the device as the transaction
 * sees it, so that two copies of a request racing in two workers are
 * taken one after the other (PROTOCOL.md §5).  NULL when none applies. */
static GBytes *
screen_request (SyncCall                  *call,
                const OmbudEnvelopeHeader *h,
                const guint8               hash[32],
                const guint8               tx[OMBUD_SESSION_KEY_SIZE])
{
  OmbudOfficeDevice *d = call->device;

  if (d->state == OMBUD_OFFICE_DEVICE_REVOKED)
    {
      call->response->state = OMBUD_SYNC_STATE_REVOKED;
      g_strlcpy (call->outcome->error_code, "revoked", sizeof call->outcome->error_code);
      *call->status = 403;
      return seal_response (call, h, tx);
    }
  /* The last request again, byte for byte: a retry after a cut connection
   * gets the same answer and changes nothing. */
  if (d->last_response && memcmp (h->request_id, d->last_request_id, 16) == 0
      && memcmp (hash, d->last_request_hash, 32) == 0)
    {
      *call->status = d->last_response_status;
      return g_bytes_ref (d->last_response);
    }
  if (h->time_ms <= d->last_request_ms)
    /* The last time goes with it: a laptop restored from an old copy of its
     * profile moves its clock past it and goes on (PROTOCOL.md §10.2). */
    return refuse (call->status, call->outcome, 409, "replayed",
                   "the request is not newer than this device's last one (last %" G_GINT64_FORMAT ")",
                   d->last_request_ms);
  return NULL;
}

static gboolean
decode_request (SyncCall *call,
                GBytes   *body)
{
  g_autoptr(GError) error = NULL;

  call->request = ombud_sync_request_decode (body, &error);
  if (call->request == NULL)
    return deny (call, 400, "malformed", "%s", error->message);
  if (call->request->protocol != OMBUD_SYNC_PROTOCOL)
    return deny (call, 400, "unsupported-protocol", "protocol %u is not spoken here", call->request->protocol);
  return TRUE;
}

/* The request, opened: screened, then the work, in one transaction. */
static GBytes *
serve_request (SyncCall                  *call,
               GBytes                    *envelope,
               GBytes                    *body,
               const OmbudEnvelopeHeader *h,
               const guint8               tx[OMBUD_SESSION_KEY_SIZE])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeDevice) current = NULL;
  guint8 hash[32];
  GBytes *reply;

  crypto_generichash (hash, sizeof hash, g_bytes_get_data (envelope, NULL), g_bytes_get_size (envelope), NULL, 0);
  if (!ombud_office_backend_begin (call->backend, &error))
    return refuse (call->status, call->outcome, 503, "unavailable", "%s", error->message);
  current = ombud_office_backend_get_device (call->backend, call->device->device_id, &error);
  if (current == NULL)
    {
      ombud_office_backend_rollback (call->backend);
      return refuse (call->status, call->outcome, 503, "unavailable", "%s", error->message);
    }
  call->device = current;
  reply = screen_request (call, h, hash, tx);
  if (reply != NULL)
    {
      ombud_office_backend_rollback (call->backend);
      return reply;
    }
  if (decode_request (call, body) && recover_office (call) && take_pushed (call) && answer (call))
    {
      *call->status = 200;
      reply = seal_response (call, h, tx);
      if (ombud_office_backend_set_last_request (call->backend, current->device_id, h->time_ms, h->request_id,
                                                 hash, reply, 200, call->now_ms, &error)
          && ombud_office_backend_commit (call->backend, &error))
        {
          /* What was deleted must not linger in free pages or the log; a
           * failure here leaves it to the next shredding request. */
          if (call->shredded > 0)
            ombud_office_backend_scrub (call->backend, NULL);
          return reply;
        }
      g_bytes_unref (reply);
      storage_failed (call, error);
    }
  ombud_office_backend_rollback (call->backend);
  return g_steal_pointer (&call->refusal);
}

GBytes *
ombud_office_handle_sync (OmbudOfficeBackend *backend,
                          GBytes             *envelope,
                          gint64              now_ms,
                          guint              *status,
                          OmbudOfficeOutcome *outcome)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeOrg) org = NULL;
  g_autoptr(OmbudOfficeDevice) device = NULL;
  g_autoptr(OmbudSyncResponse) response = ombud_sync_response_new ();
  g_autoptr(GBytes) body = NULL;
  OmbudEnvelopeHeader h;
  guint8 rx[OMBUD_SESSION_KEY_SIZE], tx[OMBUD_SESSION_KEY_SIZE];
  SyncCall call = { .backend = backend, .response = response, .now_ms = now_ms,
                    .status = status, .outcome = outcome };
  GBytes *reply;

  memset (outcome, 0, sizeof *outcome);
  if (!ombud_envelope_parse_header (envelope, &h, &error) || h.kind != OMBUD_ENVELOPE_REQUEST)
    return refuse (status, outcome, 400, "malformed", "%s", error ? error->message : "not a request");
  outcome->device_id = h.device_id;
  org = ombud_office_backend_get_org (backend, &error);
  if (org == NULL)
    return refuse (status, outcome, 503, "unavailable", "the office is not set up: %s", error->message);
  if (memcmp (h.org_id, org->org_id, 16) != 0)
    return refuse (status, outcome, 403, "wrong-org", "this office serves another organisation");
  device = ombud_office_backend_get_device (backend, h.device_id, &error);
  if (device == NULL && !g_error_matches (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND))
    return refuse (status, outcome, 503, "unavailable", "%s", error->message);
  if (device == NULL)
    return refuse (status, outcome, 401, "unknown-device", "no device %016" G_GINT64_MODIFIER "x is enrolled here",
                   h.device_id);
  if (!ombud_envelope_office_keys (org->box_pk, org->box_sk, device->box_pk, rx, tx))
    return refuse (status, outcome, 401, "not-authentic", "the device's key is not usable");
  body = ombud_envelope_open (envelope, rx, &h, &error);
  if (body == NULL)
    {
      sodium_memzero (rx, sizeof rx);
      sodium_memzero (tx, sizeof tx);
      if (g_error_matches (error, OMBUD_ENVELOPE_ERROR, OMBUD_ENVELOPE_ERROR_NOT_AUTHENTIC))
        return refuse (status, outcome, 401, "not-authentic", "%s", error->message);
      if (g_error_matches (error, OMBUD_ENVELOPE_ERROR, OMBUD_ENVELOPE_ERROR_TOO_LARGE))
        return refuse (status, outcome, 413, "too-large", "%s", error->message);
      return refuse (status, outcome, 400, "malformed", "%s", error->message);
    }
  call.org = org;
  call.device = device;
  reply = serve_request (&call, envelope, body, &h, tx);
  sodium_memzero (rx, sizeof rx);
  sodium_memzero (tx, sizeof tx);
  g_clear_pointer (&call.request, ombud_sync_request_free);
  g_clear_pointer (&call.refusal, g_bytes_unref);
  return reply;
}
