/* ombud-record-dialogs.h: small forms that add one record to a case
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A form is a modal window with Cancel and Save in its header bar and a
 * boxed list of fields.  Save writes through the session and closes only
 * once the write has committed; a failed write keeps everything typed and
 * says why under the fields.
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

typedef struct _OmbudForm OmbudForm;

/* Called when Save is activated: collect the fields, then call
 * ombud_form_write (or ombud_form_show_error when a field is wrong). */
typedef void (*OmbudFormSave) (OmbudForm *form,
                               gpointer   user_data);

OmbudForm           *ombud_form_new         (GtkWindow        *parent,
                                             OmbudSession     *session,
                                             const char       *title,
                                             OmbudFormSave     save,
                                             gpointer          user_data);
/* The form lives as long as its window. */
OmbudForm           *ombud_form_of          (GtkWindow        *window);
GtkWindow           *ombud_form_get_window  (OmbudForm        *form);
AdwPreferencesGroup *ombud_form_get_group   (OmbudForm        *form);
GtkWidget           *ombud_form_get_save_button (OmbudForm    *form);
/* func returns the new record's id (a string, freed here); the window
 * closes once it has been written. */
void                 ombud_form_write       (OmbudForm        *form,
                                             OmbudSessionFunc  func,
                                             gpointer          data,
                                             GDestroyNotify    data_free);
void                 ombud_form_show_error  (OmbudForm        *form,
                                             const char       *message);
/* Saves the form as the Save button would. */
void                 ombud_form_save        (OmbudForm        *form);

/* An entry row added to the form's list; Enter in it saves. */
GtkWidget           *ombud_form_entry_row   (AdwPreferencesGroup *group,
                                             const char       *title,
                                             const char       *text);

/* YYYY-MM-DD naming a real day. */
gboolean             ombud_form_date_valid  (const char       *text);
char                *ombud_form_today       (void);

/* codes: every code table, as ombud_codes_load returns it. */
GtkWindow           *ombud_goal_dialog_new     (GtkWindow    *parent,
                                                OmbudSession *session,
                                                const char   *case_id,
                                                GVariant     *codes);
GtkWindow           *ombud_deadline_dialog_new (GtkWindow    *parent,
                                                OmbudSession *session,
                                                const char   *case_id);

G_END_DECLS
