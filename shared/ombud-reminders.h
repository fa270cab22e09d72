/* ombud-reminders.h: which upcoming items to notify today, once each
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window turns each item this returns into a GNotification.  What was
 * notified is kept in the profile's kv table ("reminders.notified"), so a
 * restart the same day does not notify twice; ids of past days are dropped
 * from it as it is written.  An item's id carries its date
 * (ombud-upcoming.h), so a deadline moved to another day reminds again on
 * that day.  Only items due on the caseload's today are returned: the
 * upcoming list shows what is overdue, a notification is for the day.
 */
#pragma once

#include "ombud-caseload.h"

G_BEGIN_DECLS

#define OMBUD_TYPE_REMINDERS (ombud_reminders_get_type ())
G_DECLARE_FINAL_TYPE (OmbudReminders, ombud_reminders, OMBUD, REMINDERS, GObject)

OmbudReminders *ombud_reminders_new            (OmbudCaseload   *caseload);
/* Of upcoming (ombud_queries_upcoming's aa{sv}), the items dated today not
 * notified before, as aa{sv} in the same form; they are marked notified
 * before this returns. */
GVariant       *ombud_reminders_take_due       (OmbudReminders  *self,
                                                GVariant        *upcoming,
                                                GError         **error);
/* The same for today's upcoming items, read here. */
GVariant       *ombud_reminders_take_due_today (OmbudReminders  *self,
                                                GError         **error);

G_END_DECLS
