/* test-hlc.c: the hybrid logical clock against a wall clock that misbehaves
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-hlc.h"

#define DAY_MS (G_GINT64_CONSTANT (24) * 3600 * 1000)
#define T0     G_GINT64_CONSTANT (1767225600000)  /* 2026-01-01 00:00 UTC */

typedef struct {
  gint64 now;
} FakeClock;

static gint64
fake_clock (gpointer data)
{
  return ((FakeClock *) data)->now;
}

static void
test_follows_wall_clock (void)
{
  FakeClock clock = { T0 };
  g_autoptr(OmbudHlc) hlc = ombud_hlc_new (0, fake_clock, &clock);
  OmbudHlcTime a = ombud_hlc_now (hlc), b, c;

  g_assert_cmpint (OMBUD_HLC_MILLIS (a), ==, T0);
  g_assert_cmpuint (OMBUD_HLC_COUNTER (a), ==, 0);
  b = ombud_hlc_now (hlc);  /* same millisecond: the counter moves */
  g_assert_cmpuint (b, >, a);
  g_assert_cmpuint (OMBUD_HLC_COUNTER (b), ==, 1);
  clock.now += 5;
  c = ombud_hlc_now (hlc);
  g_assert_cmpint (OMBUD_HLC_MILLIS (c), ==, T0 + 5);
  g_assert_cmpuint (OMBUD_HLC_COUNTER (c), ==, 0);
}

static void
test_wall_clock_backwards (void)
{
  FakeClock clock = { T0 };
  g_autoptr(OmbudHlc) hlc = ombud_hlc_new (0, fake_clock, &clock);
  OmbudHlcTime last = ombud_hlc_now (hlc);

  /* NTP steps the clock back an hour: timestamps keep rising. */
  clock.now -= 3600 * 1000;
  for (int i = 0; i < 1000; i++)
    {
      OmbudHlcTime t = ombud_hlc_now (hlc);
      g_assert_cmpuint (t, >, last);
      g_assert_cmpint (OMBUD_HLC_MILLIS (t), ==, T0);
      last = t;
    }
  /* and follow the wall clock again once it passes the old time */
  clock.now = T0 + 10;
  g_assert_cmpint (OMBUD_HLC_MILLIS (ombud_hlc_now (hlc)), ==, T0 + 10);
}

static void
test_day_ahead_then_corrected (void)
{
  FakeClock clock = { T0 + DAY_MS };
  g_autoptr(OmbudHlc) hlc = ombud_hlc_new (0, fake_clock, &clock);
  OmbudHlcTime ahead = ombud_hlc_now (hlc), t = 0;

  clock.now = T0;  /* someone fixes the clock */
  for (int i = 0; i < 70000; i++)  /* more events than the counter holds */
    {
      OmbudHlcTime next = ombud_hlc_now (hlc);
      g_assert_cmpuint (next, >, i ? t : ahead);
      t = next;
    }
  /* Still usable: within a few milliseconds of where it stood. */
  g_assert_cmpint (OMBUD_HLC_MILLIS (t) - OMBUD_HLC_MILLIS (ahead), <=, 2);
}

static void
test_day_behind_sees_others (void)
{
  FakeClock mine = { T0 - DAY_MS }, theirs = { T0 };
  g_autoptr(OmbudHlc) behind = ombud_hlc_new (0, fake_clock, &mine);
  g_autoptr(OmbudHlc) right = ombud_hlc_new (0, fake_clock, &theirs);
  OmbudHlcTime remote = ombud_hlc_now (right);
  OmbudHlcTime after;

  g_assert_cmpuint (ombud_hlc_now (behind), <, remote);
  ombud_hlc_observe (behind, remote);
  after = ombud_hlc_now (behind);
  /* An edit made after seeing theirs sorts after theirs. */
  g_assert_cmpuint (after, >, remote);
}

static void
test_observe_rules (void)
{
  FakeClock clock = { T0 };
  g_autoptr(OmbudHlc) hlc = ombud_hlc_new (0, fake_clock, &clock);

  ombud_hlc_now (hlc);                                      /* (T0, 0) */
  ombud_hlc_observe (hlc, OMBUD_HLC_MAKE (T0, 7));          /* same l: max(c, cm) + 1 */
  g_assert_cmpuint (ombud_hlc_get_last (hlc), ==, OMBUD_HLC_MAKE (T0, 8));
  ombud_hlc_observe (hlc, OMBUD_HLC_MAKE (T0 + 50, 3));     /* remote ahead: cm + 1 */
  g_assert_cmpuint (ombud_hlc_get_last (hlc), ==, OMBUD_HLC_MAKE (T0 + 50, 4));
  ombud_hlc_observe (hlc, OMBUD_HLC_MAKE (T0 - 50, 900));   /* remote behind: c + 1 */
  g_assert_cmpuint (ombud_hlc_get_last (hlc), ==, OMBUD_HLC_MAKE (T0 + 50, 5));
  clock.now = T0 + 100;
  ombud_hlc_observe (hlc, OMBUD_HLC_MAKE (T0 + 60, 1));     /* wall clock ahead of both */
  g_assert_cmpuint (ombud_hlc_get_last (hlc), ==, OMBUD_HLC_MAKE (T0 + 100, 0));
}

static void
test_restart (void)
{
  FakeClock clock = { T0 + DAY_MS };
  g_autoptr(OmbudHlc) before = ombud_hlc_new (0, fake_clock, &clock);
  g_autoptr(OmbudHlc) after = NULL;
  OmbudHlcTime saved;

  for (int i = 0; i < 10; i++)
    ombud_hlc_now (before);
  saved = ombud_hlc_get_last (before);
  /* Restart with the wall clock set back: picks up from the saved time. */
  clock.now = T0;
  after = ombud_hlc_new (saved, fake_clock, &clock);
  g_assert_cmpuint (ombud_hlc_now (after), >, saved);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hlc/follows-wall-clock", test_follows_wall_clock);
  g_test_add_func ("/hlc/wall-clock-backwards", test_wall_clock_backwards);
  g_test_add_func ("/hlc/day-ahead-then-corrected", test_day_ahead_then_corrected);
  g_test_add_func ("/hlc/day-behind-sees-others", test_day_behind_sees_others);
  g_test_add_func ("/hlc/observe-rules", test_observe_rules);
  g_test_add_func ("/hlc/restart", test_restart);

  return g_test_run ();
}
