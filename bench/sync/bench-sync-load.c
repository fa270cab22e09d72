/* bench-sync-load.c: the office under many devices syncing at once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real ombud-office on loopback (no proxy) and 200 enrolled, admitted
 * devices: 100 ombuds with two laptops each.  The devices are lightweight:
 * an identity each (ombud_identity_generate), enrolled with a real POST
 * /v1/enrol, confirmed by a real coordinator laptop (ombud_sync_confirm and
 * its sync, which carries the certificates and office key grants).  They
 * have no replica of their own, but every request they make is what the
 * engine would send: an OmbudSyncRequest with the device's cursor and
 * directory seq, sealed in an envelope under its session keys with a fresh
 * request id and a strictly later time, carrying real sealed changesets
 * (ombud_seal_changeset: the device signs, the parts are sealed under the
 * office key and a case key).  The response is opened, decoded and checked
 * (every pushed changeset accepted), and its cursor and directory seq are
 * kept for the device's next request.  The changesets are sealed during set-
 * up: the keys for that (the office key and one case key per device) are
 * in the coordinator's keyring, which is not thread-safe.
 *
 * Set-up also gives every device two unmeasured requests (warm-up): the
 * first pushes the device's own case (which routes the case to its ombud)
 * and takes the directory (200 devices and their certificates) and the
 * team's changesets, the second is empty, as the next sync of a device in
 * use would be.  Between the two, device 0 makes 20 empty requests alone
 * (seq-big, stderr only): the office reads every device's row with the last
 * response it keeps for it on every request, and right after the directory
 * downloads those responses are large.  Then, measured:
 *
 *   sequential: device 0 alone makes 100 requests one after another (every
 *     4th pushing a new note): the unloaded latency.
 *   loaded: 200 devices × 10 requests (requests 0, 4 and 8 of each push a
 *     new note of 200–600 characters, the other 7 are empty; a device's
 *     twin pulls its notes), from a pool of 16 client threads with one
 *     OmbudHttp each (keep-alive); a device's requests go one at a time, in
 *     turn with the others.
 *   health: as many GET /v1/health from the same number of threads
 *     (libcurl, keep-alive): the HTTP server and loopback alone.
 *
 * Figures: requests per second loaded against health (ratio: how much of the
 * bare server's rate a sync keeps), and p50/p99 latency loaded against
 * sequential.  Every phase stops after at most 120 s; --devices=N (even),
 * --requests=N and --threads=N change the sizes.
 */
#include "office-fixture.h"

#include <curl/curl.h>
#include <locale.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ombud-envelope.h"
#include "ombud-http.h"
#include "ombud-migrations.h"
#include "ombud-seal.h"
#include "ombud-sync-message.h"
#include "ombud-sync-state.h"

#define PUSH_EVERY        4
#define SEQUENTIAL        100
#define PHASE_LIMIT_US    (120 * G_USEC_PER_SEC)
#define PULL_BUDGET       (256 * 1024)   /* what the engine asks for */

typedef struct {
  guint devices;
  guint requests;
  guint threads;
} Params;

typedef struct {
  guint          index;
  OmbudIdentity *identity;
  guint64        device_id;
  char          *person;
  char          *ombud_id;
  char          *case_id;
  GBytes        *first;      /* the first request's changeset: the case */
  gboolean       case_sent;
  GPtrArray     *pushes;     /* GBytes: sealed notes, taken in order */
  guint          next_push;
  gint64         cursor;
  gint64         directory;
  gint64         last_ms;
  guint          done;       /* requests made in the current phase */
  guint64        pulled;
} Device;

typedef struct {
  TestOffice   *office;
  TestLaptop   *coord;
  char         *sync_url;
  char         *health_url;
  guint8        org_id[16];
  guint8        office_box_pk[32];
  Device       *devices;
  guint         n_devices;
  char         *municipality_id;
  GRand        *rand;
} Load;

/* ---- output -------------------------------------------------------------------- */

static void
emit (const char *bench,
      double      ours,
      double      baseline,
      const char *unit)
{
  g_print ("{\"bench\":\"%s\",\"ours\":%.4g,\"baseline\":%.4g,\"ratio\":%.3f,\"unit\":\"%s\"}\n",
           bench, ours, baseline, baseline > 0 ? ours / baseline : 0.0, unit);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* The q-quantile (nearest rank) of the values, sorted in place. */
static double
quantile (GArray *values,
          double  q)
{
  double exact = q * values->len;
  guint rank = (guint) exact;

  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_double);
  if (rank < exact)
    rank++;
  rank = MAX (rank, 1);
  return g_array_index (values, double, MIN (rank, values->len) - 1);
}

/* ---- note text: a small Swedish-looking generator -------------------------------- */

static const char *const words[] = {
  "och", "att", "det", "som", "på", "är", "för", "med", "till", "har", "inte", "om", "men",
  "klienten", "hen", "handläggaren", "beslut", "ansökan", "bistånd", "socialtjänsten",
  "Försäkringskassan", "vårdcentralen", "läkarintyget", "hyresvärden", "skulden", "räkningen",
  "ringde", "träffade", "skickade", "berättade", "behöver", "fick", "överklagade", "väntar",
  "mötet", "samtalet", "blanketten", "fullmakten", "kontot", "banken", "pengarna", "avslag",
  "nästa", "vecka", "måndag", "tisdag", "efter", "lunch", "tillsammans", "igen", "redan",
  "boendestödet", "psykiatrin", "remissen", "kronofogden", "budgeten", "lägenheten", "dottern",
};

static char *
make_note (GRand *rand)
{
  GString *s = g_string_new (NULL);
  guint target = g_rand_int_range (rand, 200, 601);
  gboolean start = TRUE;

  while (s->len + 30 < target)
    {
      const char *w = words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))];

      if (start)
        g_string_append_printf (s, "%c%s", g_ascii_toupper (w[0]), w + 1);
      else
        g_string_append_printf (s, " %s", w);
      start = g_rand_int_range (rand, 0, 9) == 0;
      if (start)
        g_string_append_printf (s, g_rand_boolean (rand) ? " den %d maj." : " kl. %d.", g_rand_int_range (rand, 1, 29));
      if (start)
        g_string_append_c (s, ' ');
    }
  g_string_append (s, " Vi hörs nästa vecka.");
  return g_string_free (s, FALSE);
}

/* ---- devices ------------------------------------------------------------------- */

static void
enrol (Load   *l,
       Device *d)
{
  g_autofree char *code = test_office_invite (l->office, d->person, FALSE);
  g_autoptr(OmbudEnrolRequest) req = ombud_enrol_request_new ();
  g_autoptr(OmbudEnrolResponse) r = NULL;
  g_autoptr(OmbudHttp) http = ombud_http_new (NULL);
  g_autofree char *url = g_strconcat (l->office->url, "/v1/enrol", NULL);
  g_autoptr(OmbudHttpResponse) response = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  req->code = g_strdup (code);
  memcpy (req->sign_pk, ombud_identity_get_sign_pk (d->identity), 32);
  memcpy (req->box_pk, ombud_identity_get_box_pk (d->identity), 32);
  req->name = g_strdup_printf ("laptop-%03u", d->index);
  body = ombud_enrol_request_encode (req);
  response = ombud_http_post (http, url, body, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->status, ==, 200);
  r = ombud_enrol_response_decode (response->body, &error);
  g_assert_no_error (error);
  memcpy (l->org_id, r->org_id, 16);
  memcpy (l->office_box_pk, r->office_box_pk, 32);
}

static void
add_change (OmbudChangeset *cs,
            const char     *table,
            const char     *record,
            const char     *field,
            GVariant       *value,
            guint          *counter)
{
  gint64 now_ms = g_get_real_time () / 1000;

  ombud_changeset_add (cs, table, record, field, value, OMBUD_HLC_MAKE (now_ms, (*counter)++), NULL, 0);
}

static GBytes *
seal (Load           *l,
      Device         *d,
      OmbudChangeset *cs)
{
  OmbudKeyring *keyring = ombud_caseload_get_keyring (l->coord->replica->caseload);
  g_autoptr(GError) error = NULL;
  GBytes *sealed = ombud_seal_changeset (cs, l->org_id, d->identity, keyring, &error);

  g_assert_no_error (error);
  return sealed;
}

/* The device's own case, as a new case written on it would be. */
static GBytes *
case_changeset (Load   *l,
                Device *d)
{
  g_autoptr(OmbudChangeset) cs = ombud_changeset_new ((guint) ombud_migrations_latest (), d->device_id, d->case_id);
  g_autofree char *name = g_strdup_printf ("Klient %03u Andersson", d->index);
  guint counter = 0;

  add_change (cs, "client_case", d->case_id, "municipality_id", g_variant_new_string (l->municipality_id), &counter);
  add_change (cs, "client_case", d->case_id, "gender", g_variant_new_string ("woman"), &counter);
  add_change (cs, "client_case", d->case_id, "birth_year", g_variant_new_int64 (1950 + d->index % 50), &counter);
  add_change (cs, "client_case", d->case_id, "has_minor_children", g_variant_new_int64 (0), &counter);
  add_change (cs, "client_case", d->case_id, "assigned_ombud", g_variant_new_string (d->ombud_id), &counter);
  add_change (cs, "client_case", d->case_id, "client_name", g_variant_new_string (name), &counter);
  return seal (l, d, cs);
}

/* A new approved note on the device's case. */
static GBytes *
note_changeset (Load   *l,
                Device *d)
{
  g_autoptr(OmbudChangeset) cs = ombud_changeset_new ((guint) ombud_migrations_latest (), d->device_id, d->case_id);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *text = make_note (l->rand);
  g_autoptr(GDateTime) today = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format (today, "%Y-%m-%d");
  guint counter = 0;

  add_change (cs, "note", id, "approved", g_variant_new_int64 (1), &counter);
  add_change (cs, "note", id, "case_id", g_variant_new_string (d->case_id), &counter);
  add_change (cs, "note", id, "body", g_variant_new_string (text), &counter);
  add_change (cs, "note", id, "written_on", g_variant_new_string (date), &counter);
  return seal (l, d, cs);
}

static Load *
load_new (const Params *p)
{
  Load *l = g_new0 (Load, 1);
  OmbudCaseload *coord;
  OmbudKeyring *keyring;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  l->rand = g_rand_new_with_seed (4711);
  l->office = test_office_new (NULL, NULL);
  l->sync_url = g_strconcat (l->office->url, "/v1/sync", NULL);
  l->health_url = g_strconcat (l->office->url, "/v1/health", NULL);
  l->coord = test_laptop_new (l->office, NULL, "Cecilia Samordnare", TRUE);
  coord = l->coord->replica->caseload;
  keyring = ombud_caseload_get_keyring (coord);
  l->municipality_id = ombud_caseload_add_municipality (coord, "2380", "Östersund", 64000, &error);
  g_assert_no_error (error);

  l->n_devices = p->devices;
  l->devices = g_new0 (Device, p->devices);
  for (guint i = 0; i < p->devices; i++)
    {
      Device *d = &l->devices[i];

      d->index = i;
      d->identity = ombud_identity_generate ();
      d->device_id = ombud_identity_get_device_id (d->identity);
      d->person = g_strdup_printf ("Ombud %03u", i / 2);
      d->case_id = g_uuid_string_random ();
      d->pushes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      enrol (l, d);
    }
  g_printerr ("# %u devices enrolled (%.1f s)\n", p->devices, (g_get_monotonic_time () - start) / 1e6);

  /* The coordinator sees them, confirms each, and sends the certificates
   * and office key grants. */
  test_laptop_sync (l->coord);
  for (guint i = 0; i < p->devices; i++)
    {
      g_assert_true (ombud_sync_confirm (coord, l->devices[i].device_id, NULL, &error));
      g_assert_no_error (error);
    }
  test_laptop_sync (l->coord);
  for (guint i = 0; i < p->devices; i++)
    {
      Device *d = &l->devices[i];
      g_autoptr(OmbudKnownDevice) known = ombud_known_device_lookup (l->coord->replica->store, d->device_id, &error);

      g_assert_no_error (error);
      d->ombud_id = g_strdup (known->ombud_id);
      g_assert_nonnull (d->ombud_id);
      g_assert_true (ombud_keyring_create_case_key (keyring, d->case_id, &error));
      g_assert_no_error (error);
      d->first = case_changeset (l, d);
      for (guint k = 0; k < (p->requests + PUSH_EVERY - 1) / PUSH_EVERY + (i == 0 ? SEQUENTIAL / PUSH_EVERY : 0); k++)
        g_ptr_array_add (d->pushes, note_changeset (l, d));
    }
  g_printerr ("# %u devices confirmed, %u ombuds; changesets sealed (%.1f s)\n", p->devices, (p->devices + 1) / 2,
              (g_get_monotonic_time () - start) / 1e6);
  return l;
}

static void
load_free (Load *l)
{
  for (guint i = 0; i < l->n_devices; i++)
    {
      Device *d = &l->devices[i];

      ombud_identity_unref (d->identity);
      g_free (d->person);
      g_free (d->ombud_id);
      g_free (d->case_id);
      g_clear_pointer (&d->first, g_bytes_unref);
      g_ptr_array_unref (d->pushes);
    }
  g_free (l->devices);
  test_laptop_free (l->coord);
  test_office_free (l->office);
  g_free (l->sync_url);
  g_free (l->health_url);
  g_free (l->municipality_id);
  g_rand_free (l->rand);
  g_free (l);
}

/* ---- one sync request ------------------------------------------------------------- */

typedef struct {
  guint64 requests;
  guint64 failures;
  guint64 pushed;
  guint64 pulled;
  guint64 bytes_up;
  guint64 bytes_down;
} Counts;

/* One request of the device, as the engine makes it; the latency in ms, or
 * a negative number when it failed (printed). */
static double
sync_request (Load      *l,
              Device    *d,
              OmbudHttp *http,
              gboolean   warm_up,
              Counts    *counts)
{
  g_autoptr(OmbudSyncRequest) req = ombud_sync_request_new ();
  g_autoptr(OmbudSecret) rx = NULL;
  g_autoptr(OmbudSecret) tx = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) envelope = NULL;
  g_autoptr(OmbudHttpResponse) response = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(OmbudSyncResponse) resp = NULL;
  g_autoptr(GError) error = NULL;
  OmbudEnvelopeHeader h = { .kind = OMBUD_ENVELOPE_REQUEST }, rh;
  gboolean first = !d->case_sent;
  gboolean push = !warm_up && d->done % PUSH_EVERY == 0 && d->next_push < d->pushes->len;
  gint64 start = g_get_monotonic_time ();
  guint8 case_id[16];

  req->cursor = d->cursor;
  req->directory = d->directory;
  req->budget = PULL_BUDGET;
  if (first)
    {
      g_ptr_array_add (req->changesets, g_bytes_ref (d->first));
      g_assert_true (ombud_uuid_parse (d->case_id, case_id));
      ombud_sync_request_add_route (req, case_id, d->ombud_id);
    }
  else if (push)
    g_ptr_array_add (req->changesets, g_bytes_ref (d->pushes->pdata[d->next_push]));
  body = ombud_sync_request_encode (req);
  g_assert_true (ombud_identity_session_keys (d->identity, l->office_box_pk, &rx, &tx));
  memcpy (h.org_id, l->org_id, 16);
  h.device_id = d->device_id;
  randombytes_buf (h.request_id, sizeof h.request_id);
  h.time_ms = MAX (g_get_real_time () / 1000, d->last_ms + 1);
  d->last_ms = h.time_ms;
  envelope = ombud_envelope_seal (&h, body, ombud_secret_get_data (tx));

  response = ombud_http_post (http, l->sync_url, envelope, NULL, &error);
  counts->requests++;
  if (response == NULL || response->status != 200)
    {
      g_printerr ("# device %u: %s (HTTP %u)\n", d->index, error ? error->message : "refused",
                  response ? response->status : 0);
      counts->failures++;
      return -1;
    }
  plain = ombud_envelope_open (response->body, ombud_secret_get_data (rx), &rh, &error);
  if (plain != NULL && (rh.kind != OMBUD_ENVELOPE_RESPONSE || rh.device_id != d->device_id))
    g_clear_pointer (&plain, g_bytes_unref);
  if (plain != NULL)
    resp = ombud_sync_response_decode (plain, &error);
  if (resp == NULL || resp->state != OMBUD_SYNC_STATE_CONFIRMED || resp->accepted->len != req->changesets->len)
    {
      g_printerr ("# device %u: an answer that does not fit: %s\n", d->index, error ? error->message : "");
      counts->failures++;
      return -1;
    }
  d->case_sent = TRUE;
  d->cursor = resp->cursor;
  d->directory = MAX (d->directory, resp->directory);
  d->pulled += resp->changesets->len;
  if (push)
    d->next_push++;
  counts->pushed += resp->accepted->len;
  counts->pulled += resp->changesets->len;
  counts->bytes_up += response->bytes_sent;
  counts->bytes_down += response->bytes_received;
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* ---- phases -------------------------------------------------------------------------- */

typedef enum {
  PHASE_WARM_UP,
  PHASE_LOADED,
  PHASE_HEALTH,
} PhaseKind;

typedef struct {
  Load        *load;
  PhaseKind    kind;
  guint        per_device;   /* requests per device */
  GAsyncQueue *queue;        /* Device *, ready for its next request */
  gint         remaining;    /* devices not finished; health: requests left */
  gint64       deadline;
  GMutex       lock;
  GArray      *latencies;    /* double, ms */
  Counts       counts;
  gboolean     timed_out;
} Phase;

static void
phase_merge (Phase  *phase,
             GArray *latencies,
             Counts *counts)
{
  g_mutex_lock (&phase->lock);
  g_array_append_vals (phase->latencies, latencies->data, latencies->len);
  phase->counts.requests += counts->requests;
  phase->counts.failures += counts->failures;
  phase->counts.pushed += counts->pushed;
  phase->counts.pulled += counts->pulled;
  phase->counts.bytes_up += counts->bytes_up;
  phase->counts.bytes_down += counts->bytes_down;
  g_mutex_unlock (&phase->lock);
}

static size_t
discard (char   *data G_GNUC_UNUSED,
         size_t  size,
         size_t  nmemb,
         void   *user_data G_GNUC_UNUSED)
{
  return size * nmemb;
}

static void
health_worker (Phase  *phase,
               GArray *latencies,
               Counts *counts)
{
  CURL *curl = curl_easy_init ();

  curl_easy_setopt (curl, CURLOPT_URL, phase->load->health_url);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 30L);
  while (g_atomic_int_add (&phase->remaining, -1) > 0 && g_get_monotonic_time () < phase->deadline)
    {
      gint64 start = g_get_monotonic_time ();
      CURLcode rc = curl_easy_perform (curl);
      long status = 0;
      double ms;

      curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
      counts->requests++;
      if (rc != CURLE_OK || status != 200)
        {
          counts->failures++;
          continue;
        }
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (latencies, ms);
    }
  curl_easy_cleanup (curl);
}

static gpointer
worker (gpointer data)
{
  Phase *phase = data;
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(OmbudHttp) http = ombud_http_new (NULL);
  Counts counts = { 0 };

  if (phase->kind == PHASE_HEALTH)
    health_worker (phase, latencies, &counts);
  else
    for (;;)
      {
        Device *d = g_async_queue_timeout_pop (phase->queue, 50 * 1000);
        double ms;

        if (g_get_monotonic_time () > phase->deadline)
          {
            phase->timed_out = TRUE;
            break;
          }
        if (d == NULL)
          {
            if (g_atomic_int_get (&phase->remaining) == 0)
              break;
            continue;
          }
        ms = sync_request (phase->load, d, http, phase->kind == PHASE_WARM_UP, &counts);
        if (ms >= 0)
          g_array_append_val (latencies, ms);
        if (++d->done < phase->per_device)
          g_async_queue_push (phase->queue, d);
        else
          g_atomic_int_add (&phase->remaining, -1);
      }
  phase_merge (phase, latencies, &counts);
  return NULL;
}

/* Runs a phase on `threads` threads; returns its wall time in seconds. */
static double
run_phase (Load      *l,
           Phase     *phase,
           PhaseKind  kind,
           guint      per_device,
           guint      threads)
{
  g_autoptr(GPtrArray) workers = g_ptr_array_new ();
  gint64 start;

  memset (phase, 0, sizeof *phase);
  phase->load = l;
  phase->kind = kind;
  phase->per_device = per_device;
  phase->latencies = g_array_new (FALSE, FALSE, sizeof (double));
  phase->queue = g_async_queue_new ();
  g_mutex_init (&phase->lock);
  if (kind == PHASE_HEALTH)
    phase->remaining = (gint) (l->n_devices * per_device);
  else
    {
      phase->remaining = (gint) l->n_devices;
      for (guint i = 0; i < l->n_devices; i++)
        {
          l->devices[i].done = 0;
          g_async_queue_push (phase->queue, &l->devices[i]);
        }
    }
  start = g_get_monotonic_time ();
  phase->deadline = start + PHASE_LIMIT_US;
  for (guint i = 0; i < threads; i++)
    g_ptr_array_add (workers, g_thread_new ("load", worker, phase));
  for (guint i = 0; i < workers->len; i++)
    g_thread_join (workers->pdata[i]);
  return (g_get_monotonic_time () - start) / 1e6;
}

static void
phase_clear (Phase *phase)
{
  g_array_unref (phase->latencies);
  g_async_queue_unref (phase->queue);
  g_mutex_clear (&phase->lock);
}

static void
describe (const char *name,
          Phase      *phase,
          double      wall)
{
  double p50 = quantile (phase->latencies, 0.50), p99 = quantile (phase->latencies, 0.99);
  double max = phase->latencies->len ? g_array_index (phase->latencies, double, phase->latencies->len - 1) : 0;

  g_printerr ("# %-10s %6" G_GUINT64_FORMAT " requests in %6.2f s = %7.1f/s; p50 %.2f ms, p99 %.2f ms,"
              " max %.2f ms; failed %" G_GUINT64_FORMAT ", pushed %" G_GUINT64_FORMAT ", pulled %" G_GUINT64_FORMAT
              ", %.1f KB up, %.1f KB down%s\n",
              name, phase->counts.requests, wall, phase->counts.requests / wall, p50, p99, max,
              phase->counts.failures, phase->counts.pushed, phase->counts.pulled,
              phase->counts.bytes_up / 1e3, phase->counts.bytes_down / 1e3,
              phase->timed_out ? " (STOPPED at the time limit)" : "");
}

static void
parse_args (int     argc,
            char  **argv,
            Params *p)
{
  p->devices = 200;
  p->requests = 10;
  p->threads = 16;
  for (int i = 1; i < argc; i++)
    {
      if (g_str_has_prefix (argv[i], "--devices="))
        p->devices = (guint) g_ascii_strtoull (argv[i] + 10, NULL, 10);
      else if (g_str_has_prefix (argv[i], "--requests="))
        p->requests = (guint) g_ascii_strtoull (argv[i] + 11, NULL, 10);
      else if (g_str_has_prefix (argv[i], "--threads="))
        p->threads = (guint) g_ascii_strtoull (argv[i] + 10, NULL, 10);
      else
        {
          g_printerr ("usage: %s [--devices=200] [--requests=10] [--threads=16]\n", argv[0]);
          exit (2);
        }
    }
  p->devices = CLAMP (p->devices + p->devices % 2, 2, 1000);
  p->requests = CLAMP (p->requests, 1, 1000);
  p->threads = CLAMP (p->threads, 1, 64);
}

int
main (int    argc,
      char **argv)
{
  Params p;
  Load *l;
  Phase warm, sequential, loaded, health;
  double wall;
  double seq_p50, seq_p99, load_p50, load_p99, load_rps, health_rps;
  guint64 twin_pulls = 0;

  setlocale (LC_CTYPE, "");  /* for stderr only: numbers stay in the C locale */
  parse_args (argc, argv, &p);
  g_assert_cmpint (sodium_init (), >=, 0);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  g_printerr ("# bench-sync-load: %u devices x %u requests from %u threads, one in %u pushing\n",
              p.devices, p.requests, p.threads, PUSH_EVERY);
  l = load_new (&p);

  wall = run_phase (l, &warm, PHASE_WARM_UP, 1, p.threads);
  describe ("warm-up", &warm, wall);
  g_assert_cmpuint (warm.counts.failures, ==, 0);
  phase_clear (&warm);

  /* Not a figure: every sync request reads every device's row with the
   * response it got last (office/ombud-office-sqlite.c, STMT_DEVICE_LIST,
   * from send_directory); after the directory downloads those are large. */
  {
    guint n = l->n_devices;

    l->n_devices = 1;
    wall = run_phase (l, &sequential, PHASE_WARM_UP, SEQUENTIAL / 5, 1);
    l->n_devices = n;
    describe ("seq-big", &sequential, wall);
    phase_clear (&sequential);
  }

  /* One empty request each: steady state, every last response small. */
  wall = run_phase (l, &warm, PHASE_WARM_UP, 1, p.threads);
  describe ("warm-up 2", &warm, wall);
  g_assert_cmpuint (warm.counts.failures, ==, 0);
  for (guint i = 0; i < l->n_devices; i++)
    l->devices[i].pulled = 0;

  /* device 0 alone, one request after another */
  {
    guint n = l->n_devices;

    l->n_devices = 1;
    wall = run_phase (l, &sequential, PHASE_LOADED, SEQUENTIAL, 1);
    l->n_devices = n;
    describe ("sequential", &sequential, wall);
  }

  wall = run_phase (l, &loaded, PHASE_LOADED, p.requests, p.threads);
  describe ("loaded", &loaded, wall);
  load_rps = loaded.counts.requests / wall;
  for (guint i = 0; i < l->n_devices; i++)
    twin_pulls += l->devices[i].pulled;

  wall = run_phase (l, &health, PHASE_HEALTH, p.requests, p.threads);
  describe ("health", &health, wall);
  health_rps = health.counts.requests / wall;

  seq_p50 = quantile (sequential.latencies, 0.50);
  seq_p99 = quantile (sequential.latencies, 0.99);
  load_p50 = quantile (loaded.latencies, 0.50);
  load_p99 = quantile (loaded.latencies, 0.99);
  emit ("load_sync_rps", load_rps, health_rps, "req/s");
  emit ("load_sync_p50", load_p50, seq_p50, "ms");
  emit ("load_sync_p99", load_p99, seq_p99, "ms");
  g_printerr ("# loaded: the office took %" G_GUINT64_FORMAT " notes; devices pulled %" G_GUINT64_FORMAT
              " changesets (their twins' notes, and device 0's %u from the sequential phase)\n",
              loaded.counts.pushed, twin_pulls, SEQUENTIAL / PUSH_EVERY);
  g_printerr ("# baselines: rps against GET /v1/health (%.0f/s, p50 %.2f ms) from the same %u threads;"
              " p50/p99 against device 0 alone (%u requests, p50 %.2f ms, p99 %.2f ms)\n",
              health_rps, quantile (health.latencies, 0.5), p.threads, SEQUENTIAL, seq_p50, seq_p99);

  phase_clear (&warm);
  phase_clear (&sequential);
  phase_clear (&loaded);
  phase_clear (&health);
  load_free (l);
  curl_global_cleanup ();
  return loaded.counts.failures == 0 ? 0 : 1;
}
