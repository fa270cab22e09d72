/* office-fixture.h: a real ombud-office on loopback and laptops that sync
 * with it, for the end-to-end tests and the benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ombud-office-backend.h"
#include "ombud-office-server.h"
#include "ombud-sync-engine.h"
#include "ombud-sync-enrol.h"
#include "test-util.h"

G_BEGIN_DECLS

typedef struct {
  char              *dir;       /* the office's data directory */
  OmbudOfficeServer *server;
  guint16            port;
  char              *url;
  char              *tls_cert;  /* NULL for plain HTTP */
  char              *tls_key;
} TestOffice;

/* An initialised office serving on 127.0.0.1 (a free port); with TLS when
 * cert and key are given. */
TestOffice *test_office_new       (const char   *tls_cert,
                                   const char   *tls_key);
char       *test_office_invite    (TestOffice   *office,
                                   const char   *person,
                                   gboolean      coordinator);
/* Stops and starts the server on the same port, as a crash and restart
 * of the office process would (its state is all in the data directory). */
void        test_office_stop      (TestOffice   *office);
void        test_office_start     (TestOffice   *office);
/* A backend on the office's data, for looking at what it holds. */
OmbudOfficeBackend *test_office_backend (TestOffice *office);
void        test_office_free      (TestOffice   *office);

typedef struct {
  TestReplica     *replica;
  OmbudSyncEngine *engine;
  char            *person;
  char            *fingerprint;  /* the office's, as enrolment showed it */
} TestLaptop;

/* A new profile enrolled with an invite for person; url is the office's,
 * or a proxy's in front of it.  Enrolment only: a coordinator after the
 * first must still confirm it (test_laptop_admit). */
TestLaptop *test_laptop_new       (TestOffice   *office,
                                   const char   *url,
                                   const char   *person,
                                   gboolean      coordinator);
void        test_laptop_sync      (TestLaptop   *laptop);
gboolean    test_laptop_try_sync  (TestLaptop   *laptop,
                                   GError      **error);
guint64     test_laptop_device_id (TestLaptop   *laptop);
/* coordinator syncs, confirms laptop, syncs; then laptop syncs. */
void        test_laptop_admit     (TestLaptop   *coordinator,
                                   TestLaptop   *laptop);
/* Integer and text results of one SQL query on the laptop's replica. */
gint64      test_laptop_count     (TestLaptop   *laptop,
                                   const char   *sql);
char       *test_laptop_digest    (TestLaptop   *laptop,
                                   const char   *sql);
/* The query (a format with one %s, given arg) returns the same rows on x
 * and on y. */
void        test_laptops_assert_same (TestLaptop *x,
                                      TestLaptop *y,
                                      const char *format,
                                      const char *arg);
void        test_laptop_free      (TestLaptop   *laptop);
/* The ombud (a caseload UUID) the laptop's certificate names; asserts
 * that it has one, i.e. that the laptop was admitted. */
char       *test_laptop_ombud_id  (TestLaptop   *laptop);
/* Every changeset the office holds, in seq order: OmbudOfficeChangeset. */
GPtrArray  *test_office_list_changesets (TestOffice *office);
/* The entries (GBytes) for the case in the key bundle the office keeps for
 * the laptop's ombud (PROTOCOL.md §10.1); none without a bundle. */
GPtrArray  *test_office_bundle_entries (TestOffice *office,
                                        TestLaptop *laptop,
                                        const char *case_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestOffice, test_office_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestLaptop, test_laptop_free)

G_END_DECLS
