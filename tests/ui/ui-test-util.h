/* ui-test-util.h: driving the real window in-process under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ombud-application.h"
#include "ombud-window.h"

G_BEGIN_DECLS

#define UI_TEST_PASSPHRASE "en lång lösenfras för fönstret"

typedef gboolean (*UiCondition) (gpointer data);

/* gtk_test_init, libsodium and libcurl, a fresh profile folder. */
void         ui_test_init           (int          *argc,
                                     char       ***argv);
/* Iterates the main context until condition holds; fails the test after a
 * minute (a hang, not a timing assertion). */
void         ui_wait                (UiCondition   condition,
                                     gpointer      data,
                                     const char   *what);
/* Until the session has run everything asked of it and the main context
 * has delivered every answer (answers may ask again: repeats until quiet). */
void         ui_settle              (OmbudSession *session);
/* Iterates until nothing is pending. */
gboolean     ui_drain               (void);

typedef void (*UiAppBody) (OmbudApplication *app,
                           OmbudWindow      *window,
                           gpointer          data);

/* Runs the application on profile_dir (g_application_run) and, once it is
 * activated with its window shown at 1000 × 700, body; then locks, closes
 * the windows and quits, and asserts nothing holds the application. */
void         ui_app_run             (const char   *profile_dir,
                                     UiAppBody     body,
                                     gpointer      data);
OmbudWindow *ui_app_window          (OmbudApplication *app);
void         ui_window_resize       (GtkWindow    *window,
                                     int           width,
                                     int           height);

/* A template child by its id in the .ui (gtk_widget_get_template_child). */
gpointer     ui_child               (gpointer      widget,
                                     GType         type,
                                     const char   *name);
/* The first open window of type, or NULL. */
GtkWindow   *ui_find_window         (GType         type);
/* The first widget under root that is an AdwPreferencesRow titled title,
 * a GtkButton labelled label, or of type; NULL if none. */
GtkWidget   *ui_find_row            (gpointer      root,
                                     const char   *title);
GtkWidget   *ui_find_button         (gpointer      root,
                                     const char   *label);
GtkWidget   *ui_find_type           (gpointer      root,
                                     GType         type);
void         ui_click               (gpointer      button);
void         ui_set_text            (gpointer      editable,
                                     const char   *text);

/* Appends to unnamed a line for each visible, sensitive interactive widget
 * under root (buttons, toggles, switches, entries, text views, drop-downs,
 * spin buttons) that has no accessible name: no label property, no
 * labelled-by relation, no label of its own; returns how many. */
guint        ui_collect_unnamed     (GtkWidget    *root,
                                     GString      *unnamed);

/* Renders widget as it is on screen to $OMBUD_SCREENSHOT_DIR/name (PNG);
 * does nothing when the variable is unset. */
void         ui_screenshot          (GtkWidget    *widget,
                                     const char   *name);

/* Runs func on the session's worker and returns its result (a read). */
gpointer     ui_session_run         (OmbudSession *session,
                                     OmbudSessionFunc func,
                                     gpointer      data,
                                     GError      **error);
/* The first column of sql's first row as an integer, read on the worker;
 * sql may hold one %s, filled with arg (quoted by SQLite's %Q). */
gint64       ui_session_count       (OmbudSession *session,
                                     const char   *sql,
                                     const char   *arg);

G_END_DECLS
