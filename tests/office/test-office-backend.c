/* test-office-backend.c: the office's storage interface on its SQLite file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ombud-office-backend.h"
#include "ombud-office-backend-private.h"
#include "test-util.h"

#define T0 G_GINT64_CONSTANT (1767225600000)  /* 2026-01-01 00:00 UTC */

typedef struct {
  char               *dir;
  OmbudOfficeBackend *backend;
} Fixture;

static OmbudOfficeBackend *
open_backend (const char *dir, gboolean create)
{
  g_autoptr(GError) error = NULL;
  OmbudOfficeBackend *backend = ombud_office_backend_open_sqlite (dir, create, &error);

  g_assert_no_error (error);
  g_assert_nonnull (backend);
  return backend;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *parent = test_make_tmp_dir ("office-backend-XXXXXX");

  (void) data;
  /* A directory that does not exist yet: open(create) makes it. */
  f->dir = g_build_filename (parent, "data", NULL);
  f->backend = open_backend (f->dir, TRUE);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *parent = g_path_get_dirname (f->dir);

  (void) data;
  g_clear_pointer (&f->backend, ombud_office_backend_free);
  test_rm_rf (parent);
  g_free (f->dir);
}

static void
reopen (Fixture *f)
{
  g_clear_pointer (&f->backend, ombud_office_backend_free);
  f->backend = open_backend (f->dir, FALSE);
}

static gint64
dir_seq (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  gint64 seq = ombud_office_backend_get_directory_seq (f->backend, &error);

  g_assert_no_error (error);
  return seq;
}

static OmbudOfficeDevice *
make_device (guint64 id, OmbudOfficeRole role, gint64 enrolled_ms)
{
  OmbudOfficeDevice *d = g_new0 (OmbudOfficeDevice, 1);

  d->device_id = id;
  memset (d->sign_pk, 0, sizeof d->sign_pk);
  memcpy (d->sign_pk, &id, sizeof id);
  d->sign_pk[31] = 's';
  memcpy (d->box_pk, &id, sizeof id);
  d->box_pk[31] = 'b';
  d->person = g_strdup_printf ("Person %" G_GUINT64_FORMAT, id);
  d->name = g_strdup_printf ("laptop-%" G_GUINT64_FORMAT, id);
  d->role = role;
  d->state = OMBUD_OFFICE_DEVICE_PENDING;
  d->enrolled_ms = enrolled_ms;
  return d;
}

static void
add_device (Fixture *f, guint64 id, OmbudOfficeRole role, gint64 enrolled_ms)
{
  g_autoptr(OmbudOfficeDevice) d = make_device (id, role, enrolled_ms);
  g_autoptr(GError) error = NULL;

  g_assert_true (ombud_office_backend_add_device (f->backend, d, &error));
  g_assert_no_error (error);
}

static void
case_id_for (guint n, guint8 out[16])
{
  memset (out, 0, 16);
  if (n == 0)
    return;  /* the team's own records */
  out[0] = 0xca;
  memcpy (out + 1, &n, sizeof n);
}

/* A changeset whose sealed bytes are `size` copies of a byte of its number. */
static OmbudOfficeChangeset *
make_changeset (guint n, guint case_n, guint64 author, gsize size)
{
  OmbudOfficeChangeset *cs = g_new0 (OmbudOfficeChangeset, 1);
  guint8 *sealed = g_malloc (size + 1);

  memcpy (cs->changeset_id, &n, sizeof n);
  cs->changeset_id[15] = 0xc5;
  case_id_for (case_n, cs->case_id);
  cs->author_device = author;
  cs->max_hlc = ((guint64) T0 << 16) | n;
  memset (sealed, n & 0xff, size);
  cs->sealed = g_bytes_new_take (sealed, size);
  return cs;
}

static gboolean
put (Fixture *f, const OmbudOfficeChangeset *cs)
{
  g_autoptr(GError) error = NULL;
  gboolean stored = FALSE;

  g_assert_true (ombud_office_backend_put_changeset (f->backend, cs, &stored, &error));
  g_assert_no_error (error);
  return stored;
}

static GBytes *
bytes_of (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

/* ---- opening ---- */

static void
test_open_missing (void)
{
  g_autofree char *parent = test_make_tmp_dir ("office-backend-XXXXXX");
  g_autofree char *dir = g_build_filename (parent, "data", NULL);
  g_autofree char *db = g_build_filename (dir, "office.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeBackend) backend = NULL;
  struct stat st;

  backend = ombud_office_backend_open_sqlite (dir, FALSE, &error);
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_INITIALISED);
  g_assert_null (backend);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  backend = ombud_office_backend_open_sqlite (dir, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (backend);
  /* The office's secret keys live here. */
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (db, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);

  /* Opening with create again is fine and changes nothing. */
  g_clear_pointer (&backend, ombud_office_backend_free);
  backend = ombud_office_backend_open_sqlite (dir, TRUE, &error);
  g_assert_no_error (error);
  g_clear_pointer (&backend, ombud_office_backend_free);
  backend = ombud_office_backend_open_sqlite (dir, FALSE, &error);
  g_assert_no_error (error);
  g_clear_pointer (&backend, ombud_office_backend_free);

  /* An empty office.db (a crash before the schema) is not an office yet. */
  g_assert_cmpint (g_unlink (db), ==, 0);
  g_assert_true (g_file_set_contents (db, "", 0, NULL));
  backend = ombud_office_backend_open_sqlite (dir, FALSE, &error);
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_INITIALISED);
  g_assert_null (backend);

  test_rm_rf (parent);
}

/* ---- organisation ---- */

static void
fill_org (OmbudOfficeOrg *org, guint8 salt)
{
  memset (org->org_id, salt, sizeof org->org_id);
  memset (org->sign_pk, salt + 1, sizeof org->sign_pk);
  memset (org->sign_sk, salt + 2, sizeof org->sign_sk);
  memset (org->box_pk, salt + 3, sizeof org->box_pk);
  memset (org->box_sk, salt + 4, sizeof org->box_sk);
}

static void
test_org (Fixture *f, gconstpointer data)
{
  OmbudOfficeOrg org = { .name = (char *) "Ombudsbyrån Norr" };
  OmbudOfficeOrg other = { .name = (char *) "Another" };
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeOrg) got = NULL;

  (void) data;
  got = ombud_office_backend_get_org (f->backend, &error);
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_INITIALISED);
  g_assert_null (got);
  g_clear_error (&error);

  fill_org (&org, 10);
  g_assert_true (ombud_office_backend_init_org (f->backend, &org, &error));
  g_assert_no_error (error);

  fill_org (&other, 50);
  g_assert_false (ombud_office_backend_init_org (f->backend, &other, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_EXISTS);
  g_clear_error (&error);

  reopen (f);
  got = ombud_office_backend_get_org (f->backend, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->name, ==, org.name);
  g_assert_cmpmem (got->org_id, 16, org.org_id, 16);
  g_assert_cmpmem (got->sign_pk, 32, org.sign_pk, 32);
  g_assert_cmpmem (got->sign_sk, 64, org.sign_sk, 64);
  g_assert_cmpmem (got->box_pk, 32, org.box_pk, 32);
  g_assert_cmpmem (got->box_sk, 32, org.box_sk, 32);
}

/* ---- invites ---- */

static void
test_invites (Fixture *f, gconstpointer data)
{
  guint8 code[32], late[32], unknown[32];
  g_autoptr(GError) error = NULL;
  g_autofree char *person = NULL;
  OmbudOfficeRole role = OMBUD_OFFICE_ROLE_OMBUD;

  (void) data;
  memset (code, 1, sizeof code);
  memset (late, 2, sizeof late);
  memset (unknown, 3, sizeof unknown);
  g_assert_true (ombud_office_backend_add_invite (f->backend, code, "Anna", OMBUD_OFFICE_ROLE_COORDINATOR,
                                                  T0 + 1000, &error));
  g_assert_no_error (error);
  g_assert_true (ombud_office_backend_add_invite (f->backend, late, "Bo", OMBUD_OFFICE_ROLE_OMBUD, T0, &error));
  g_assert_no_error (error);

  /* A code is made once. */
  g_assert_false (ombud_office_backend_add_invite (f->backend, code, "Eve", OMBUD_OFFICE_ROLE_OMBUD,
                                                   T0 + 5000, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_EXISTS);
  g_clear_error (&error);

  g_assert_true (ombud_office_backend_take_invite (f->backend, code, T0 + 999, &person, &role, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (person, ==, "Anna");
  g_assert_cmpint (role, ==, OMBUD_OFFICE_ROLE_COORDINATOR);
  g_clear_pointer (&person, g_free);

  /* Single use, even within its time. */
  g_assert_false (ombud_office_backend_take_invite (f->backend, code, T0 + 1, &person, &role, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND);
  g_assert_null (person);
  g_clear_error (&error);

  /* Expired at its expiry time, and stays unused. */
  g_assert_false (ombud_office_backend_take_invite (f->backend, late, T0, &person, &role, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (ombud_office_backend_take_invite (f->backend, late, T0 - 1, NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (ombud_office_backend_take_invite (f->backend, unknown, T0, &person, &role, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND);
}

/* ---- devices ---- */

static void
assert_device_equal (const OmbudOfficeDevice *a, const OmbudOfficeDevice *b)
{
  g_assert_cmpuint (a->device_id, ==, b->device_id);
  g_assert_cmpmem (a->sign_pk, 32, b->sign_pk, 32);
  g_assert_cmpmem (a->box_pk, 32, b->box_pk, 32);
  g_assert_cmpstr (a->person, ==, b->person);
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpint (a->role, ==, b->role);
  g_assert_cmpint (a->state, ==, b->state);
  g_assert_cmpstr (a->ombud_id, ==, b->ombud_id);
  g_assert_cmpint (a->enrolled_ms, ==, b->enrolled_ms);
  g_assert_cmpint (a->last_seen_ms, ==, b->last_seen_ms);
  g_assert_cmpint (a->last_request_ms, ==, b->last_request_ms);
  g_assert_cmpmem (a->last_request_id, 16, b->last_request_id, 16);
  g_assert_cmpmem (a->last_request_hash, 32, b->last_request_hash, 32);
  g_assert_cmpuint (a->last_response_status, ==, b->last_response_status);
  g_assert_true ((a->last_response == NULL) == (b->last_response == NULL));
  if (a->last_response != NULL)
    g_assert_true (g_bytes_equal (a->last_response, b->last_response));
}

static void
test_devices (Fixture *f, gconstpointer data)
{
  g_autoptr(OmbudOfficeDevice) d = make_device (G_MAXINT64, OMBUD_OFFICE_ROLE_COORDINATOR, T0 + 10);
  g_autoptr(OmbudOfficeDevice) clash = NULL;
  g_autoptr(OmbudOfficeDevice) got = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  (void) data;
  list = ombud_office_backend_list_devices (f->backend, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* The largest id there is round-trips. */
  g_assert_true (ombud_office_backend_add_device (f->backend, d, &error));
  g_assert_no_error (error);
  got = ombud_office_backend_get_device (f->backend, d->device_id, &error);
  g_assert_no_error (error);
  assert_device_equal (got, d);
  g_clear_pointer (&got, ombud_office_device_free);

  /* The same id, or either key again, is EXISTS. */
  clash = make_device (G_MAXINT64, OMBUD_OFFICE_ROLE_OMBUD, T0);
  clash->sign_pk[30] = clash->box_pk[30] = 0x77;
  g_assert_false (ombud_office_backend_add_device (f->backend, clash, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_EXISTS);
  g_clear_error (&error);
  clash->device_id = 5;
  memcpy (clash->sign_pk, d->sign_pk, 32);
  g_assert_false (ombud_office_backend_add_device (f->backend, clash, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_EXISTS);
  g_clear_error (&error);
  clash->sign_pk[30] = 0x78;
  memcpy (clash->box_pk, d->box_pk, 32);
  g_assert_false (ombud_office_backend_add_device (f->backend, clash, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_EXISTS);
  g_clear_error (&error);

  /* Ids outside 1 .. 2^63-1 cannot exist. */
  clash->box_pk[30] = 0x78;
  clash->device_id = G_GUINT64_CONSTANT (1) << 63;
  g_assert_false (ombud_office_backend_add_device (f->backend, clash, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED);
  g_clear_error (&error);
  got = ombud_office_backend_get_device (f->backend, G_GUINT64_CONSTANT (1) << 63, &error);
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND);
  g_clear_error (&error);
  got = ombud_office_backend_get_device (f->backend, 42, &error);
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND);
  g_assert_null (got);
  g_clear_error (&error);

  /* Listed in order of enrolment, not of id. */
  add_device (f, 7, OMBUD_OFFICE_ROLE_OMBUD, T0 + 5);
  add_device (f, 3, OMBUD_OFFICE_ROLE_OMBUD, T0 + 20);
  list = ombud_office_backend_list_devices (f->backend, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpuint (((OmbudOfficeDevice *) list->pdata[0])->device_id, ==, 7);
  g_assert_cmpuint (((OmbudOfficeDevice *) list->pdata[1])->device_id, ==, G_MAXINT64);
  g_assert_cmpuint (((OmbudOfficeDevice *) list->pdata[2])->device_id, ==, 3);
  assert_device_equal (list->pdata[1], d);

  /* State: ombud_id NULL leaves it as it is. */
  g_assert_true (ombud_office_backend_set_device_state (f->backend, 7, OMBUD_OFFICE_DEVICE_CONFIRMED,
                                                        "ombud-uuid-7", &error));
  g_assert_no_error (error);
  g_assert_true (ombud_office_backend_set_device_state (f->backend, 7, OMBUD_OFFICE_DEVICE_REVOKED, NULL, &error));
  g_assert_no_error (error);
  got = ombud_office_backend_get_device (f->backend, 7, &error);
  g_assert_no_error (error);
  g_assert_cmpint (got->state, ==, OMBUD_OFFICE_DEVICE_REVOKED);
  g_assert_cmpstr (got->ombud_id, ==, "ombud-uuid-7");
  g_clear_pointer (&got, ombud_office_device_free);
  g_assert_false (ombud_office_backend_set_device_state (f->backend, 8, OMBUD_OFFICE_DEVICE_CONFIRMED, NULL,
                                                         &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

static void
test_last_request (Fixture *f, gconstpointer data)
{
  g_autoptr(OmbudOfficeDevice) got = NULL;
  g_autoptr(GBytes) response = bytes_of ("{\"ok\":true}");
  g_autoptr(GError) error = NULL;
  guint8 request_id[16], hash[32];
  gint64 seq;

  (void) data;
  add_device (f, 9, OMBUD_OFFICE_ROLE_OMBUD, T0);
  seq = dir_seq (f);
  memset (request_id, 0xab, sizeof request_id);
  memset (hash, 0xcd, sizeof hash);

  /* While the response is being built it is NULL… */
  g_assert_true (ombud_office_backend_set_last_request (f->backend, 9, T0 + 1, request_id, hash, NULL, 0,
                                                        T0 + 2, &error));
  g_assert_no_error (error);
  got = ombud_office_backend_get_device (f->backend, 9, &error);
  g_assert_no_error (error);
  g_assert_null (got->last_response);
  g_clear_pointer (&got, ombud_office_device_free);

  /* …then recorded with its status. */
  g_assert_true (ombud_office_backend_set_last_request (f->backend, 9, T0 + 1, request_id, hash, response, 200,
                                                        T0 + 3, &error));
  g_assert_no_error (error);
  got = ombud_office_backend_get_device (f->backend, 9, &error);
  g_assert_no_error (error);
  g_assert_cmpint (got->last_request_ms, ==, T0 + 1);
  g_assert_cmpmem (got->last_request_id, 16, request_id, 16);
  g_assert_cmpmem (got->last_request_hash, 32, hash, 32);
  g_assert_true (g_bytes_equal (got->last_response, response));
  g_assert_cmpuint (got->last_response_status, ==, 200);
  g_assert_cmpint (got->last_seen_ms, ==, T0 + 3);
  g_assert_cmpint (dir_seq (f), ==, seq);

  g_assert_false (ombud_office_backend_set_last_request (f->backend, 10, T0, request_id, hash, NULL, 0, T0,
                                                         &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND);
}

/* ---- the directory sequence ---- */

static void
test_directory_seq (Fixture *f, gconstpointer data)
{
  g_autoptr(OmbudOfficeDevice) dup = make_device (1, OMBUD_OFFICE_ROLE_OMBUD, T0);
  g_autoptr(GBytes) cert = bytes_of ("cert of 2 by 1");
  g_autoptr(GBytes) cert2 = bytes_of ("cert of 2 by 1, again");
  g_autoptr(GBytes) grant = bytes_of ("grant");
  g_autoptr(GBytes) grant2 = bytes_of ("grant, re-granted");
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  guint8 subject[16];
  gint64 seq;

  (void) data;
  memset (subject, 0x5e, sizeof subject);
  g_assert_cmpint (dir_seq (f), ==, 0);
  add_device (f, 1, OMBUD_OFFICE_ROLE_COORDINATOR, T0);
  add_device (f, 2, OMBUD_OFFICE_ROLE_OMBUD, T0 + 1);
  g_assert_cmpint (dir_seq (f), ==, 2);

  /* A refused add changes nothing. */
  g_assert_false (ombud_office_backend_add_device (f->backend, dup, &error));
  g_clear_error (&error);
  g_assert_cmpint (dir_seq (f), ==, 2);

  /* State: only a real change counts. */
  g_assert_true (ombud_office_backend_set_device_state (f->backend, 2, OMBUD_OFFICE_DEVICE_PENDING, NULL, &error));
  g_assert_cmpint (dir_seq (f), ==, 2);
  g_assert_true (ombud_office_backend_set_device_state (f->backend, 2, OMBUD_OFFICE_DEVICE_CONFIRMED, "o-2",
                                                        &error));
  g_assert_cmpint (dir_seq (f), ==, 3);
  g_assert_true (ombud_office_backend_set_device_state (f->backend, 2, OMBUD_OFFICE_DEVICE_CONFIRMED, "o-2",
                                                        &error));
  g_assert_true (ombud_office_backend_set_device_state (f->backend, 2, OMBUD_OFFICE_DEVICE_CONFIRMED, NULL,
                                                        &error));
  g_assert_cmpint (dir_seq (f), ==, 3);
  g_assert_true (ombud_office_backend_set_device_state (f->backend, 2, OMBUD_OFFICE_DEVICE_CONFIRMED, "o-2b",
                                                        &error));
  g_assert_cmpint (dir_seq (f), ==, 4);
  g_assert_no_error (error);

  /* Certificates: same bytes no change, other bytes replace. */
  g_assert_true (ombud_office_backend_add_cert (f->backend, 2, 1, cert, &error));
  g_assert_cmpint (dir_seq (f), ==, 5);
  g_assert_true (ombud_office_backend_add_cert (f->backend, 2, 1, cert, &error));
  g_assert_cmpint (dir_seq (f), ==, 5);
  g_assert_true (ombud_office_backend_add_cert (f->backend, 2, 1, cert2, &error));
  g_assert_cmpint (dir_seq (f), ==, 6);
  g_assert_true (ombud_office_backend_add_cert (f->backend, 1, 1, cert, &error));
  g_assert_cmpint (dir_seq (f), ==, 7);
  g_assert_no_error (error);
  list = ombud_office_backend_list_certs (f->backend, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_true (g_bytes_equal (list->pdata[0], cert));   /* (1, 1) */
  g_assert_true (g_bytes_equal (list->pdata[1], cert2));  /* (2, 1), replaced */
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Nothing about a device that is not enrolled. */
  g_assert_false (ombud_office_backend_add_cert (f->backend, 99, 1, cert, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (ombud_office_backend_add_grant (f->backend, 99, 1, 0, subject, grant, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (dir_seq (f), ==, 7);

  /* Grants, likewise, and listed per recipient. */
  g_assert_true (ombud_office_backend_add_grant (f->backend, 2, 1, 0, subject, grant, &error));
  g_assert_cmpint (dir_seq (f), ==, 8);
  g_assert_true (ombud_office_backend_add_grant (f->backend, 2, 1, 0, subject, grant, &error));
  g_assert_cmpint (dir_seq (f), ==, 8);
  g_assert_true (ombud_office_backend_add_grant (f->backend, 2, 1, 0, subject, grant2, &error));
  g_assert_cmpint (dir_seq (f), ==, 9);
  g_assert_true (ombud_office_backend_add_grant (f->backend, 2, 1, 1, subject, grant, &error));
  g_assert_true (ombud_office_backend_add_grant (f->backend, 1, 1, 0, subject, grant, &error));
  g_assert_cmpint (dir_seq (f), ==, 11);
  g_assert_no_error (error);
  list = ombud_office_backend_list_grants (f->backend, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_true (g_bytes_equal (list->pdata[0], grant2));  /* epoch 0, replaced */
  g_assert_true (g_bytes_equal (list->pdata[1], grant));   /* epoch 1 */
  g_clear_pointer (&list, g_ptr_array_unref);
  list = ombud_office_backend_list_grants (f->backend, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);

  /* Committed: it survives reopening. */
  seq = dir_seq (f);
  reopen (f);
  g_assert_cmpint (dir_seq (f), ==, seq);
}

/* ---- routes and blobs ---- */

static void
test_routes (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *route = NULL;
  guint8 case_id[16];

  (void) data;
  case_id_for (1, case_id);
  route = ombud_office_backend_get_route (f->backend, case_id, &error);
  g_assert_no_error (error);
  g_assert_null (route);

  g_assert_true (ombud_office_backend_set_route (f->backend, case_id, "ombud-a", &error));
  route = ombud_office_backend_get_route (f->backend, case_id, &error);
  g_assert_cmpstr (route, ==, "ombud-a");
  g_clear_pointer (&route, g_free);

  /* Reassigned. */
  g_assert_true (ombud_office_backend_set_route (f->backend, case_id, "ombud-b", &error));
  route = ombud_office_backend_get_route (f->backend, case_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (route, ==, "ombud-b");
}

static void
test_blobs (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) one = bytes_of ("escrow 1");
  g_autoptr(GBytes) two = bytes_of ("escrow 2");
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;

  (void) data;
  got = ombud_office_backend_get_blob (f->backend, "escrow", &error);
  g_assert_no_error (error);
  g_assert_null (got);

  g_assert_true (ombud_office_backend_put_blob (f->backend, "escrow", one, &error));
  g_assert_true (ombud_office_backend_put_blob (f->backend, "escrow", two, &error));
  g_assert_true (ombud_office_backend_put_blob (f->backend, "empty", empty, &error));
  g_assert_no_error (error);
  got = ombud_office_backend_get_blob (f->backend, "escrow", &error);
  g_assert_true (g_bytes_equal (got, two));
  g_clear_pointer (&got, g_bytes_unref);
  /* Empty is not absent. */
  got = ombud_office_backend_get_blob (f->backend, "empty", &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 0);
}

/* ---- changesets ---- */

static void
test_put_changeset (Fixture *f, gconstpointer data)
{
  g_autoptr(OmbudOfficeChangeset) a = make_changeset (1, 1, 7, 40);
  g_autoptr(OmbudOfficeChangeset) b = make_changeset (2, 0, 7, 40);
  g_autoptr(OmbudOfficeChangeset) other = make_changeset (1, 1, 7, 41);
  g_autoptr(OmbudOfficeChangeset) other_author = make_changeset (1, 1, 8, 40);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  gboolean stored = TRUE, more = TRUE;

  (void) data;
  g_assert_cmpint (ombud_office_backend_get_last_seq (f->backend, &error), ==, 0);
  g_assert_true (put (f, a));
  g_assert_true (put (f, b));
  g_assert_cmpint (ombud_office_backend_get_last_seq (f->backend, &error), ==, 2);

  /* A retry: accepted, not stored again. */
  g_assert_false (put (f, a));
  g_assert_cmpint (ombud_office_backend_get_last_seq (f->backend, &error), ==, 2);

  /* The same id with other contents. */
  g_assert_false (ombud_office_backend_put_changeset (f->backend, other, &stored, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_EXISTS);
  g_assert_false (stored);
  g_clear_error (&error);
  g_assert_false (ombud_office_backend_put_changeset (f->backend, other_author, &stored, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_EXISTS);
  g_clear_error (&error);

  list = ombud_office_backend_list_changesets (f->backend, 0, 0, TRUE, NULL, G_MAXSIZE, &more, &error);
  g_assert_no_error (error);
  g_assert_false (more);
  g_assert_cmpuint (list->len, ==, 2);
  {
    OmbudOfficeChangeset *got = list->pdata[0];
    g_assert_cmpint (got->seq, ==, 1);
    g_assert_cmpmem (got->changeset_id, 16, a->changeset_id, 16);
    g_assert_cmpmem (got->case_id, 16, a->case_id, 16);
    g_assert_cmpuint (got->author_device, ==, a->author_device);
    g_assert_cmpuint (got->max_hlc, ==, a->max_hlc);
    g_assert_true (g_bytes_equal (got->sealed, a->sealed));
    g_assert_cmpint (((OmbudOfficeChangeset *) list->pdata[1])->seq, ==, 2);
  }
}

/* Seqs of a list. */
static GArray *
seqs_of (GPtrArray *list)
{
  GArray *seqs = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < list->len; i++)
    g_array_append_val (seqs, ((OmbudOfficeChangeset *) list->pdata[i])->seq);
  return seqs;
}

static GArray *
list_seqs (Fixture *f, gint64 after, guint64 exclude, gboolean all_cases, const char *ombud_id)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  gboolean more = TRUE;

  list = ombud_office_backend_list_changesets (f->backend, after, exclude, all_cases, ombud_id, G_MAXSIZE,
                                               &more, &error);
  g_assert_no_error (error);
  g_assert_false (more);
  return seqs_of (list);
}

static void
assert_seqs (GArray *seqs, const gint64 *expected, guint n)
{
  g_assert_cmpuint (seqs->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (g_array_index (seqs, gint64, i), ==, expected[i]);
}

static void
test_routing (Fixture *f, gconstpointer data)
{
  /* Devices: 1 coordinator, 2 ombud A, 3 ombud B.  Cases: 1 → A, 2 → B,
   * 3 unrouted, 0 the team's. */
  struct { guint case_n; guint64 author; } rows[] = {
    { 0, 1 },  /* seq 1: team, by the coordinator */
    { 1, 2 },  /* 2: A's case, by A */
    { 1, 1 },  /* 3: A's case, by the coordinator */
    { 2, 3 },  /* 4: B's case, by B */
    { 3, 1 },  /* 5: unrouted */
    { 0, 2 },  /* 6: team, by A */
    { 2, 2 },  /* 7: B's case, by A (before reassignment, say) */
  };
  static const gint64 for_a[] = { 1, 3 };
  static const gint64 for_b[] = { 1, 6, 7 };
  static const gint64 for_coordinator[] = { 2, 4, 6, 7 };
  static const gint64 for_nobody[] = { 1, 6 };
  static const gint64 for_a_after_3[] = { 6 };
  guint8 case_id[16];
  g_autoptr(GError) error = NULL;
  GArray *seqs;

  (void) data;
  case_id_for (1, case_id);
  g_assert_true (ombud_office_backend_set_route (f->backend, case_id, "A", &error));
  case_id_for (2, case_id);
  g_assert_true (ombud_office_backend_set_route (f->backend, case_id, "B", &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(OmbudOfficeChangeset) cs = make_changeset (i + 1, rows[i].case_n, rows[i].author, 10);
      g_assert_true (put (f, cs));
    }

  seqs = list_seqs (f, 0, 2, FALSE, "A");
  assert_seqs (seqs, for_a, G_N_ELEMENTS (for_a));
  g_array_unref (seqs);
  seqs = list_seqs (f, 0, 3, FALSE, "B");
  assert_seqs (seqs, for_b, G_N_ELEMENTS (for_b));
  g_array_unref (seqs);
  seqs = list_seqs (f, 0, 1, TRUE, NULL);
  assert_seqs (seqs, for_coordinator, G_N_ELEMENTS (for_coordinator));
  g_array_unref (seqs);
  seqs = list_seqs (f, 0, 4, FALSE, NULL);
  assert_seqs (seqs, for_nobody, G_N_ELEMENTS (for_nobody));
  g_array_unref (seqs);
  seqs = list_seqs (f, 3, 0, FALSE, "A");
  assert_seqs (seqs, for_a_after_3, G_N_ELEMENTS (for_a_after_3));
  g_array_unref (seqs);
  seqs = list_seqs (f, 7, 0, TRUE, NULL);
  g_assert_cmpuint (seqs->len, ==, 0);
  g_array_unref (seqs);
}

static GPtrArray *
list_budget (Fixture *f, gint64 after, const char *ombud_id, gsize budget, gboolean *more)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *list = ombud_office_backend_list_changesets (f->backend, after, 0, FALSE, ombud_id, budget,
                                                          more, &error);
  g_assert_no_error (error);
  g_assert_nonnull (list);
  return list;
}

static void
test_budget (Fixture *f, gconstpointer data)
{
  guint8 case_id[16];
  g_autoptr(GError) error = NULL;
  GPtrArray *list;
  gboolean more;

  (void) data;
  /* Seqs 1–3 of 100 bytes each for everyone, then 4–5 routed to B only. */
  case_id_for (2, case_id);
  g_assert_true (ombud_office_backend_set_route (f->backend, case_id, "B", &error));
  g_assert_no_error (error);
  for (guint i = 1; i <= 5; i++)
    {
      g_autoptr(OmbudOfficeChangeset) cs = make_changeset (i, i <= 3 ? 0 : 2, 9, 100);
      put (f, cs);
    }

  /* Budget 0: still one, so that a big changeset cannot block a device. */
  list = list_budget (f, 0, "A", 0, &more);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_true (more);
  g_ptr_array_unref (list);

  /* Exactly at the budget is not past it. */
  list = list_budget (f, 0, "A", 100, &more);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_true (more);
  g_ptr_array_unref (list);

  list = list_budget (f, 0, "A", 150, &more);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_true (more);
  g_ptr_array_unref (list);

  /* Stopped by the budget on the last routed one: nothing more for A, even
   * though 4 and 5 (B's) follow. */
  list = list_budget (f, 0, "A", 250, &more);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_false (more);
  g_ptr_array_unref (list);

  list = list_budget (f, 0, "B", 250, &more);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_true (more);
  g_ptr_array_unref (list);

  list = list_budget (f, 3, "B", 100, &more);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_false (more);
  g_ptr_array_unref (list);

  list = list_budget (f, 5, "B", 0, &more);
  g_assert_cmpuint (list->len, ==, 0);
  g_assert_false (more);
  g_ptr_array_unref (list);
}

/* Many changesets, random sizes, cases and authors: every device paging with
 * random budgets gets each changeset routed to it exactly once, in order. */
static void
test_paging (Fixture *f, gconstpointer data)
{
  const char *ombuds[] = { "A", "B", "C" };
  struct { guint64 device; gboolean all; const char *ombud; } views[] = {
    { 1, TRUE, NULL }, { 2, FALSE, "A" }, { 3, FALSE, "B" }, { 4, FALSE, "C" }, { 5, FALSE, NULL },
  };
  const guint n_cases = 12, n_changesets = 400;
  guint case_owner[12];
  guint n_case[400];
  guint64 author[400];
  g_autoptr(GError) error = NULL;

  (void) data;
  g_assert_true (ombud_office_backend_begin (f->backend, &error));
  for (guint c = 1; c < n_cases; c++)
    {
      guint8 case_id[16];
      case_owner[c] = g_test_rand_int_range (0, 4);  /* 3: unrouted */
      case_id_for (c, case_id);
      if (case_owner[c] < 3)
        g_assert_true (ombud_office_backend_set_route (f->backend, case_id, ombuds[case_owner[c]], &error));
    }
  for (guint i = 0; i < n_changesets; i++)
    {
      g_autoptr(OmbudOfficeChangeset) cs = NULL;
      n_case[i] = g_test_rand_int_range (0, n_cases);
      author[i] = g_test_rand_int_range (1, 6);
      cs = make_changeset (i + 1, n_case[i], author[i], g_test_rand_int_range (0, 300));
      put (f, cs);
    }
  g_assert_true (ombud_office_backend_commit (f->backend, &error));
  g_assert_no_error (error);

  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      g_autoptr(GArray) expected = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (gint64));
      gint64 cursor = 0;
      gboolean more = TRUE;

      for (guint i = 0; i < n_changesets; i++)
        {
          gint64 seq = i + 1;
          gboolean routed = n_case[i] == 0 || views[v].all
                            || (case_owner[n_case[i]] < 3 && views[v].ombud != NULL
                                && strcmp (ombuds[case_owner[n_case[i]]], views[v].ombud) == 0);
          if (routed && author[i] != views[v].device)
            g_array_append_val (expected, seq);
        }
      while (more)
        {
          g_autoptr(GPtrArray) page = NULL;
          gsize budget = g_test_rand_int_range (0, 2000), total = 0;

          page = ombud_office_backend_list_changesets (f->backend, cursor, views[v].device, views[v].all,
                                                       views[v].ombud, budget, &more, &error);
          g_assert_no_error (error);
          /* An empty page only when there is nothing at all. */
          g_assert_true (page->len > 0 || (!more && got->len == expected->len));
          for (guint i = 0; i < page->len; i++)
            {
              OmbudOfficeChangeset *cs = page->pdata[i];
              /* Only the last one may take the total past the budget. */
              g_assert_cmpuint (total, <=, budget);
              total += g_bytes_get_size (cs->sealed);
              g_assert_cmpint (cs->seq, >, cursor);
              g_array_append_val (got, cs->seq);
              cursor = cs->seq;
            }
          if (more)
            g_assert_cmpuint (total, >, budget);
        }
      g_assert_cmpuint (got->len, ==, expected->len);
      g_assert_cmpmem (got->data, got->len * sizeof (gint64), expected->data, expected->len * sizeof (gint64));
    }
}

/* ---- transactions ---- */

static void
test_rollback (Fixture *f, gconstpointer data)
{
  g_autoptr(OmbudOfficeChangeset) cs = make_changeset (1, 1, 5, 10);
  g_autoptr(GBytes) body = bytes_of ("body");
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autofree char *route = NULL;
  g_autoptr(OmbudOfficeOrg) org = NULL;
  OmbudOfficeOrg new_org = { .name = (char *) "Org" };
  g_autoptr(GError) error = NULL;
  guint8 code[32], subject[16];
  gboolean more;

  (void) data;
  memset (code, 4, sizeof code);
  memset (subject, 6, sizeof subject);
  fill_org (&new_org, 1);
  g_assert_true (ombud_office_backend_begin (f->backend, &error));
  g_assert_true (ombud_office_backend_init_org (f->backend, &new_org, &error));
  g_assert_true (ombud_office_backend_add_invite (f->backend, code, "P", OMBUD_OFFICE_ROLE_OMBUD, T0, &error));
  add_device (f, 5, OMBUD_OFFICE_ROLE_OMBUD, T0);
  g_assert_true (ombud_office_backend_add_cert (f->backend, 5, 5, body, &error));
  g_assert_true (ombud_office_backend_add_grant (f->backend, 5, 1, 0, subject, body, &error));
  g_assert_true (ombud_office_backend_set_route (f->backend, cs->case_id, "A", &error));
  g_assert_true (ombud_office_backend_put_blob (f->backend, "b", body, &error));
  g_assert_true (put (f, cs));
  g_assert_no_error (error);
  ombud_office_backend_rollback (f->backend);
  /* A second rollback, as "on any error" code does, is harmless. */
  ombud_office_backend_rollback (f->backend);

  org = ombud_office_backend_get_org (f->backend, &error);
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_NOT_INITIALISED);
  g_clear_error (&error);
  g_assert_false (ombud_office_backend_take_invite (f->backend, code, T0 - 1, NULL, NULL, &error));
  g_clear_error (&error);
  list = ombud_office_backend_list_devices (f->backend, &error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = ombud_office_backend_list_certs (f->backend, &error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = ombud_office_backend_list_changesets (f->backend, 0, 0, TRUE, NULL, G_MAXSIZE, &more, &error);
  g_assert_cmpuint (list->len, ==, 0);
  route = ombud_office_backend_get_route (f->backend, cs->case_id, &error);
  g_assert_null (route);
  blob = ombud_office_backend_get_blob (f->backend, "b", &error);
  g_assert_null (blob);
  g_assert_no_error (error);
  g_assert_cmpint (dir_seq (f), ==, 0);
  g_assert_cmpint (ombud_office_backend_get_last_seq (f->backend, &error), ==, 0);

  /* The same again, committed, after a refused call inside the transaction
   * that must not undo the rest. */
  g_assert_true (ombud_office_backend_begin (f->backend, &error));
  add_device (f, 5, OMBUD_OFFICE_ROLE_OMBUD, T0);
  g_assert_true (put (f, cs));
  g_assert_false (ombud_office_backend_add_cert (f->backend, 5, 77, body, &error));
  g_clear_error (&error);
  g_assert_true (ombud_office_backend_commit (f->backend, &error));
  g_assert_no_error (error);
  reopen (f);
  g_assert_cmpint (dir_seq (f), ==, 1);
  g_assert_cmpint (ombud_office_backend_get_last_seq (f->backend, &error), ==, 1);
  g_assert_no_error (error);
}

/* A writer in another connection: readers go on (WAL), writers get BUSY
 * once the busy timeout has passed, and work again after. */
static void
test_busy (Fixture *f, gconstpointer data)
{
  g_autoptr(OmbudOfficeBackend) other = open_backend (f->dir, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  guint8 code[32];

  (void) data;
  memset (code, 8, sizeof code);
  ombud_office_sqlite_set_busy_timeout (other, 20);
  g_assert_true (ombud_office_backend_begin (f->backend, &error));
  add_device (f, 1, OMBUD_OFFICE_ROLE_OMBUD, T0);

  list = ombud_office_backend_list_devices (other, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_assert_false (ombud_office_backend_add_invite (other, code, "P", OMBUD_OFFICE_ROLE_OMBUD, T0, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_false (ombud_office_backend_begin (other, &error));
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_BUSY);
  g_clear_error (&error);
  ombud_office_backend_rollback (other);

  g_assert_true (ombud_office_backend_commit (f->backend, &error));
  g_assert_true (ombud_office_backend_add_invite (other, code, "P", OMBUD_OFFICE_ROLE_OMBUD, T0, &error));
  g_assert_no_error (error);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = ombud_office_backend_list_devices (other, &error);
  g_assert_cmpuint (list->len, ==, 1);
}

/* ---- damaged files ---- */

static void
assert_open_fails (const char *dir, gboolean create, int code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OmbudOfficeBackend) backend = ombud_office_backend_open_sqlite (dir, create, &error);

  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, code);
  g_assert_null (backend);
}

static void
test_garbage (void)
{
  g_autofree char *dir = test_make_tmp_dir ("office-backend-XXXXXX");
  g_autofree char *db = g_build_filename (dir, "office.db", NULL);
  g_autofree char *wal = g_build_filename (dir, "office.db-wal", NULL);
  g_autoptr(GByteArray) garbage = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  sqlite3 *raw = NULL;

  for (guint i = 0; i < 3 * 4096; i++)
    {
      guint8 b = g_test_rand_int_range (0, 256);
      g_byte_array_append (garbage, &b, 1);
    }
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&garbage));
  test_write_file (db, bytes);
  assert_open_fails (dir, FALSE, OMBUD_OFFICE_BACKEND_ERROR_FAILED);
  assert_open_fails (dir, TRUE, OMBUD_OFFICE_BACKEND_ERROR_FAILED);

  /* Somebody else's SQLite database. */
  g_unlink (db);
  g_unlink (wal);
  g_assert_cmpint (sqlite3_open (db, &raw), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw, "CREATE TABLE t (x)", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (raw);
  assert_open_fails (dir, TRUE, OMBUD_OFFICE_BACKEND_ERROR_FAILED);

  /* An office database from a newer ombud-office. */
  g_unlink (db);
  ombud_office_backend_free (open_backend (dir, TRUE));
  g_assert_cmpint (sqlite3_open (db, &raw), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (raw);
  assert_open_fails (dir, FALSE, OMBUD_OFFICE_BACKEND_ERROR_FAILED);

  test_rm_rf (dir);
}

static gint64
root_page (const char *db, const char *table)
{
  sqlite3 *raw = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 page;

  g_assert_cmpint (sqlite3_open_v2 (db, &raw, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (raw, "SELECT rootpage FROM sqlite_schema WHERE name = ?1", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  page = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (raw);
  return page;
}

/* A real office.db whose tables' root pages are overwritten: calls fail with
 * an error, not a crash and not garbage. */
static void
test_damaged_pages (Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "office.db", NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) changesets = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  const char *tables[] = { "changeset", "device" };
  guint8 *contents;
  gsize size;
  gboolean more;

  (void) data;
  for (guint i = 1; i <= 60; i++)
    {
      g_autoptr(OmbudOfficeChangeset) cs = make_changeset (i, 0, 1, 500);
      put (f, cs);
      if (i <= 10)
        add_device (f, i, OMBUD_OFFICE_ROLE_OMBUD, T0 + i);
    }
  /* The last connection to close folds the WAL into office.db. */
  g_clear_pointer (&f->backend, ombud_office_backend_free);

  bytes = test_read_file (db);
  contents = g_bytes_unref_to_data (g_steal_pointer (&bytes), &size);
  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      gint64 page = root_page (db, tables[t]);
      gsize start = (gsize) (page - 1) * 4096;

      g_assert_cmpint (page, >, 1);
      g_assert_cmpuint (start + 4096, <=, size);
      for (gsize i = start; i < start + 4096; i++)
        contents[i] = (guint8) (i * 37 + 11);
    }
  bytes = g_bytes_new_take (contents, size);
  test_write_file (db, bytes);

  f->backend = open_backend (f->dir, FALSE);
  changesets = ombud_office_backend_list_changesets (f->backend, 0, 0, TRUE, NULL, G_MAXSIZE, &more, &error);
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED);
  g_assert_null (changesets);
  g_clear_error (&error);
  devices = ombud_office_backend_list_devices (f->backend, &error);
  g_assert_error (error, OMBUD_OFFICE_BACKEND_ERROR, OMBUD_OFFICE_BACKEND_ERROR_FAILED);
  g_assert_null (devices);
}

/* PROTOCOL.md §9.1: a rerouted case's history comes again to its new ombud
 * under new seqs that no later changeset reuses; its old ombud may push to
 * it and gets the coordinators' changes to it until it reports it handed
 * over. */
static void
test_reroute (Fixture *f, gconstpointer data)
{
  static const gint64 for_b[] = { 3, 4, 5, 6 };
  static const gint64 for_a[] = { 5 };
  g_autoptr(GError) error = NULL;
  guint8 case_id[16], other[16];
  gboolean allowed = FALSE, recorded = FALSE;
  GArray *seqs;

  (void) data;
  add_device (f, 1, OMBUD_OFFICE_ROLE_COORDINATOR, T0 + 1);
  add_device (f, 2, OMBUD_OFFICE_ROLE_OMBUD, T0 + 2);
  add_device (f, 3, OMBUD_OFFICE_ROLE_OMBUD, T0 + 3);
  case_id_for (1, case_id);
  case_id_for (9, other);
  g_assert_true (ombud_office_backend_set_route (f->backend, case_id, "A", &error));
  for (guint i = 1; i <= 2; i++)
    {
      g_autoptr(OmbudOfficeChangeset) cs = make_changeset (i, 1, 2, 10);
      g_assert_true (put (f, cs));
    }
  seqs = list_seqs (f, 2, 3, FALSE, "B");
  g_assert_cmpuint (seqs->len, ==, 0);
  g_array_unref (seqs);

  g_assert_true (ombud_office_backend_set_route (f->backend, case_id, "B", &error));
  g_assert_no_error (error);
  {
    g_autoptr(OmbudOfficeChangeset) by_coordinator = make_changeset (3, 1, 1, 10);
    g_autoptr(OmbudOfficeChangeset) late_by_a = make_changeset (4, 1, 2, 10);
    g_assert_true (put (f, by_coordinator));
    g_assert_true (put (f, late_by_a));
  }
  seqs = list_seqs (f, 2, 3, FALSE, "B");
  assert_seqs (seqs, for_b, G_N_ELEMENTS (for_b));
  g_array_unref (seqs);
  {
    g_autoptr(GPtrArray) list = NULL;
    gboolean more;

    list = ombud_office_backend_list_changesets (f->backend, 2, 3, FALSE, "B", G_MAXSIZE, &more, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < 4; i++)
      g_assert_cmpuint (((OmbudOfficeChangeset *) list->pdata[i])->changeset_id[0], ==, i + 1);
  }
  seqs = list_seqs (f, 2, 2, FALSE, "A");
  assert_seqs (seqs, for_a, G_N_ELEMENTS (for_a));
  g_array_unref (seqs);
  g_assert_cmpint (ombud_office_backend_get_last_seq (f->backend, &error), ==, 6);

  g_assert_true (ombud_office_backend_former_may_push (f->backend, case_id, "A", 2, &allowed, &error));
  g_assert_true (allowed);
  g_assert_true (ombud_office_backend_former_may_push (f->backend, other, "A", 2, &allowed, &error));
  g_assert_false (allowed);
  g_assert_true (ombud_office_backend_set_handed_over (f->backend, other, "A", 2, &recorded, &error));
  g_assert_false (recorded);
  g_assert_true (ombud_office_backend_set_handed_over (f->backend, case_id, "A", 2, &recorded, &error));
  g_assert_true (recorded);
  g_assert_true (ombud_office_backend_former_may_push (f->backend, case_id, "A", 2, &allowed, &error));
  g_assert_false (allowed);
  seqs = list_seqs (f, 2, 2, FALSE, "A");
  g_assert_cmpuint (seqs->len, ==, 0);
  g_array_unref (seqs);

  /* Back to A: its history again, and B is the former owner now. */
  g_assert_true (ombud_office_backend_set_route (f->backend, case_id, "A", &error));
  g_assert_no_error (error);
  seqs = list_seqs (f, 6, 2, FALSE, "A");
  /* All four: the coordinator's, and 1, 2 and 4, this device's own, which
   * it purged when it handed the case over (redelivery.to_authors). */
  g_assert_cmpuint (seqs->len, ==, 4);
  g_array_unref (seqs);
  g_assert_true (ombud_office_backend_former_may_push (f->backend, case_id, "B", 3, &allowed, &error));
  g_assert_true (allowed);
  g_assert_true (ombud_office_backend_former_may_push (f->backend, case_id, "A", 2, &allowed, &error));
  g_assert_false (allowed);
  g_assert_no_error (error);
}

/* A version 1 office (before §9) opens as the newest, data kept. */
static void
test_upgrade (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "office.db", NULL);
  g_autoptr(OmbudOfficeChangeset) cs = make_changeset (1, 1, 2, 10);
  sqlite3 *db = NULL;
  guint8 case_id[16];
  g_autoptr(GError) error = NULL;
  gboolean allowed = TRUE;
  GArray *seqs;

  (void) data;
  g_assert_true (put (f, cs));
  g_clear_pointer (&f->backend, ombud_office_backend_free);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE former_route; DROP TABLE handed_over; DROP TABLE redelivery;"
                                     " DROP TABLE shredded; DROP TABLE shredded_changeset;"
                                     " DROP INDEX changeset_by_author; DROP TABLE device_guard;"
                                     " PRAGMA user_version = 1;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  reopen (f);
  seqs = list_seqs (f, 0, 0, TRUE, NULL);
  g_assert_cmpuint (seqs->len, ==, 1);
  g_array_unref (seqs);
  case_id_for (1, case_id);
  g_assert_true (ombud_office_backend_former_may_push (f->backend, case_id, "A", 2, &allowed, &error));
  g_assert_no_error (error);
  g_assert_false (allowed);
  {
    g_autoptr(GBytes) ids = ombud_office_backend_list_authored_ids (f->backend, 2, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (ids), ==, 16);
  }
}

/* A version 2 office (before §9.5's digest, §10.4) opens as version 3 and keeps guards. */
static void
test_upgrade_v2 (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "office.db", NULL);
  g_autoptr(OmbudOfficeChangeset) cs = make_changeset (1, 1, 2, 10);
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;
  guint8 pk[32] = { 5 }, pk2[32] = { 6 }, got_pk[32], share[32], share2[32];
  gboolean found = TRUE;
  GArray *seqs;

  (void) data;
  g_assert_true (put (f, cs));
  g_clear_pointer (&f->backend, ombud_office_backend_free);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE device_guard; DROP TABLE shredded_changeset;"
                                     " DROP INDEX changeset_by_author; ALTER TABLE redelivery DROP COLUMN to_authors;"
                                     " PRAGMA user_version = 2;", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  reopen (f);
  seqs = list_seqs (f, 0, 0, TRUE, NULL);
  g_assert_cmpuint (seqs->len, ==, 1);
  g_array_unref (seqs);

  /* No guard yet; then one, whose share stays when the key changes. */
  add_device (f, 7, OMBUD_OFFICE_ROLE_OMBUD, 1);
  g_assert_true (ombud_office_backend_get_guard (f->backend, 7, got_pk, share, &found, &error));
  g_assert_no_error (error);
  g_assert_false (found);
  g_assert_true (ombud_office_backend_put_guard_key (f->backend, 7, pk, &error));
  g_assert_no_error (error);
  g_assert_true (ombud_office_backend_get_guard (f->backend, 7, got_pk, share, &found, &error));
  g_assert_true (found);
  g_assert_cmpmem (got_pk, 32, pk, 32);
  g_assert_true (ombud_office_backend_put_guard_key (f->backend, 7, pk2, &error));
  g_assert_true (ombud_office_backend_get_guard (f->backend, 7, got_pk, share2, &found, &error));
  g_assert_cmpmem (got_pk, 32, pk2, 32);
  g_assert_cmpmem (share2, 32, share, 32);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add ("/office-backend/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  g_test_add_func ("/office-backend/open/missing", test_open_missing);
  g_test_add_func ("/office-backend/open/garbage", test_garbage);
  ADD ("open/damaged-pages", test_damaged_pages);
  ADD ("org", test_org);
  ADD ("invites", test_invites);
  ADD ("devices", test_devices);
  ADD ("devices/last-request", test_last_request);
  ADD ("directory-seq", test_directory_seq);
  ADD ("routes", test_routes);
  ADD ("blobs", test_blobs);
  ADD ("changesets/put", test_put_changeset);
  ADD ("changesets/routing", test_routing);
  ADD ("changesets/budget", test_budget);
  ADD ("changesets/paging", test_paging);
  ADD ("changesets/reroute", test_reroute);
  ADD ("open/upgrade-v1", test_upgrade);
  ADD ("open/upgrade-v2", test_upgrade_v2);
  ADD ("transaction/rollback", test_rollback);
  ADD ("transaction/busy", test_busy);
#undef ADD

  return g_test_run ();
}
