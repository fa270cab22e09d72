/* ombud-case-list-item.h: one case as the case list shows it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Made on the session's worker from a query and immutable afterwards, so
 * it can be handed to the main thread as it is.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  OMBUD_CASE_LIST_SYNC_AT_OFFICE,  /* nothing of it waits to be sent */
  OMBUD_CASE_LIST_SYNC_LOCAL,      /* saved here only */
  OMBUD_CASE_LIST_SYNC_CONFLICT,   /* it has conflicts to resolve */
} OmbudCaseListSync;

#define OMBUD_TYPE_CASE_LIST_ITEM (ombud_case_list_item_get_type ())
G_DECLARE_FINAL_TYPE (OmbudCaseListItem, ombud_case_list_item, OMBUD, CASE_LIST_ITEM, GObject)

/* record: one a{sv} row of ombud_queries_list_cases (). */
OmbudCaseListItem *ombud_case_list_item_new              (GVariant          *record,
                                                          OmbudCaseListSync  sync);
const char        *ombud_case_list_item_get_id           (OmbudCaseListItem *self);
/* The client's name, or NULL when this device cannot read it. */
const char        *ombud_case_list_item_get_name         (OmbudCaseListItem *self);
/* What the row shows: the name, else "Case" and the id's start. */
char              *ombud_case_list_item_dup_title        (OmbudCaseListItem *self);
/* queued, active, referred, closed */
const char        *ombud_case_list_item_get_status       (OmbudCaseListItem *self);
const char        *ombud_case_list_item_get_municipality (OmbudCaseListItem *self);
/* YYYY-MM-DD or NULL */
const char        *ombud_case_list_item_get_next_deadline (OmbudCaseListItem *self);
OmbudCaseListSync  ombud_case_list_item_get_sync         (OmbudCaseListItem *self);

/* Translated words for a status code. */
const char        *ombud_case_list_status_label          (const char        *status);

G_END_DECLS
