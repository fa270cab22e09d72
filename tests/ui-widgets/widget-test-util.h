/* widget-test-util.h: the widgets' tests: a profile through a session,
 * waiting on the main loop, finding widgets, screenshots, accessible names
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-session.h"

G_BEGIN_DECLS

#define WT_PASSPHRASE "en lång lösenfras för widgettest"

/* gtk_test_init, libadwaita, the widgets' resources. */
void          wt_init              (int          *argc,
                                    char       ***argv);

typedef struct {
  char         *dir;
  OmbudSession *session;
} WtProfile;

/* A new profile in a temporary folder, created and unlocked. */
WtProfile    *wt_profile_new       (void);
void          wt_profile_free      (WtProfile    *profile);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WtProfile, wt_profile_free)

/* func on the session's worker, waited for; asserts it worked. */
gpointer      wt_read              (OmbudSession     *session,
                                    OmbudSessionFunc  func,
                                    gpointer          data);
gpointer      wt_write             (OmbudSession     *session,
                                    OmbudSessionFunc  func,
                                    gpointer          data);

/* A queued case (requested 2026-01-12) for name in Östersund, assigned to "Karin Öberg"; returns its id. */
char         *wt_add_case          (OmbudSession     *session,
                                    const char       *name);
/* The case as ombud_queries_show_case reads it now. */
GVariant     *wt_show_case         (OmbudSession     *session,
                                    const char       *case_id);
const char   *wt_text              (GVariant         *dict,
                                    const char       *key);
gint64        wt_int               (GVariant         *dict,
                                    const char       *key);
/* The n-th record of a list in a case (contacts, notes, goals, deadlines). */
GVariant     *wt_list_item         (GVariant         *record,
                                    const char       *list,
                                    gsize             n);
/* The record of a list whose key is value; asserts there is one. */
GVariant     *wt_find_item         (GVariant         *record,
                                    const char       *list,
                                    const char       *key,
                                    const char       *value);
gsize         wt_list_length       (GVariant         *record,
                                    const char       *list);

/* Runs the main loop until cond() holds; a hang is reported, not waited out. */
typedef gboolean (*WtCondition) (gpointer data);
void          wt_wait              (WtCondition   cond,
                                    gpointer      data,
                                    const char   *what);
#define WT_WAIT_UNTIL(expr) G_STMT_START {                             \
    gint64 wt_end__ = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;  \
    while (!(expr))                                                    \
      {                                                                \
        if (g_get_monotonic_time () > wt_end__)                        \
          g_error ("never happened: %s", #expr);                       \
        g_main_context_iteration (NULL, TRUE);                         \
      }                                                                \
  } G_STMT_END
/* Lets the main loop run until it has nothing left to do. */
void          wt_settle            (void);

/* A window of width × height holding child, shown and laid out. */
GtkWindow    *wt_window_new        (GtkWidget    *child,
                                    int           width,
                                    int           height);
void          wt_show_window       (GtkWindow    *window,
                                    int           width,
                                    int           height);
/* The toplevel of that type shown last, or NULL. */
GtkWindow    *wt_find_toplevel     (GType         type);

/* Depth first under root, popovers included. */
GtkWidget    *wt_find_row          (GtkWidget    *root,
                                    const char   *title);
GtkWidget    *wt_find_button       (GtkWidget    *root,
                                    const char   *label);
GtkWidget    *wt_find_label        (GtkWidget    *root,
                                    const char   *text);
GtkWidget    *wt_find_type         (GtkWidget    *root,
                                    GType         type);
/* Every row under root whose title is title. */
guint         wt_count_rows        (GtkWidget    *root,
                                    const char   *title);

/* Writes $OMBUD_SCREENSHOT_DIR/name (when set) from widget as drawn. */
void          wt_screenshot        (GtkWidget    *widget,
                                    const char   *name);

/* Asserts every visible interactive widget under root has an accessible
 * name: a label property, or a labelling relation, or its own label. */
void          wt_assert_accessible_names (GtkWidget *root);

G_END_DECLS
