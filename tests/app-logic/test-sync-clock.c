/* test-sync-clock.c: when the window says the clock is wrong
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-sync-clock.h"

#define MIN_MS (60 * 1000)

static void
test_thresholds (void)
{
  /* offset = office - laptop */
  g_assert_false (ombud_sync_clock_is_off (0));
  g_assert_false (ombud_sync_clock_is_off (2 * MIN_MS));
  g_assert_false (ombud_sync_clock_is_off (-2 * MIN_MS));
  g_assert_true (ombud_sync_clock_is_off (2 * MIN_MS + 1));
  g_assert_true (ombud_sync_clock_is_off (-2 * MIN_MS - 1));
  g_assert_true (ombud_sync_clock_is_off (G_MAXINT64));
  g_assert_true (ombud_sync_clock_is_off (G_MININT64));

  /* Only a laptop ahead of the office has its changes wait. */
  g_assert_false (ombud_sync_clock_changes_would_wait (-10 * MIN_MS));
  g_assert_true (ombud_sync_clock_changes_would_wait (-10 * MIN_MS - 1));
  g_assert_false (ombud_sync_clock_changes_would_wait (60 * MIN_MS));
  g_assert_true (ombud_sync_clock_changes_would_wait (G_MININT64));
  /* Whatever would make changes wait is also shown as off. */
  g_assert_true (ombud_sync_clock_is_off (-10 * MIN_MS - 1));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync-clock/thresholds", test_thresholds);
  return g_test_run ();
}
