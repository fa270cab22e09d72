/* ombud-unlock-page.c: the passphrase that opens the profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session derives the key on its worker (about half a second); the
 * page shows a spinner meanwhile.  The entry's text is cleared right after
 * it is handed over, so the passphrase stays in the session's locked
 * memory only.
 *
 * A profile locked for want of a sync (PROTOCOL.md §10.4) shows why and a
 * "Sync and Unlock" button: the session asks the office for the share off
 * the main thread, unlocks and syncs.
 */
#include "ombud-unlock-page.h"

#include <glib/gi18n.h>

#include "ombud-store.h"
#include "ombud-sync-engine.h"

struct _OmbudUnlockPage
{
  AdwBin        parent_instance;

  GtkEditable  *entry;
  GtkLabel     *error_label;
  GtkButton    *unlock_button;
  GtkButton    *sync_button;
  GtkSpinner   *spinner;

  OmbudSession *session;
  GCancellable *cancellable;
  gboolean      busy;
};

G_DEFINE_FINAL_TYPE (OmbudUnlockPage, ombud_unlock_page, ADW_TYPE_BIN)

gboolean
ombud_unlock_page_get_busy (OmbudUnlockPage *self)
{
  g_return_val_if_fail (OMBUD_IS_UNLOCK_PAGE (self), FALSE);
  return self->busy;
}

static void
set_busy (OmbudUnlockPage *self,
          gboolean         busy)
{
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->unlock_button),
                            !busy && *gtk_editable_get_text (self->entry) != '\0');
  gtk_widget_set_sensitive (GTK_WIDGET (self->sync_button),
                            !busy && *gtk_editable_get_text (self->entry) != '\0');
}

static void
show_error (OmbudUnlockPage *self,
            const char      *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->entry), "error");
}

void
ombud_unlock_page_reset (OmbudUnlockPage *self)
{
  g_return_if_fail (OMBUD_IS_UNLOCK_PAGE (self));
  gtk_editable_set_text (self->entry, "");
  show_error (self, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->sync_button), FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static void
show_failure (OmbudUnlockPage *self,
              const GError    *error)
{
  gboolean stale = g_error_matches (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_STALE);

  gtk_widget_set_visible (GTK_WIDGET (self->sync_button), stale);
  if (g_error_matches (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_WRONG_PASSPHRASE))
    show_error (self, _("Wrong passphrase. Try again."));
  else if (g_error_matches (error, OMBUD_STORE_ERROR, OMBUD_STORE_ERROR_BUSY))
    show_error (self, _("This profile is open in another program. Close it there first."));
  else if (stale)
    show_error (self, _("This laptop has not synced with the office for too long; its cases stay locked "
                        "until it syncs again. Enter the passphrase and choose Sync and Unlock."));
  else if (g_error_matches (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_OFFLINE))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->sync_button), TRUE);
      show_error (self, _("The office could not be reached. Try again when this laptop is online."));
    }
  else if (g_error_matches (error, OMBUD_SYNC_ERROR, OMBUD_SYNC_ERROR_REVOKED))
    show_error (self, _("The office has revoked this laptop; its copy of the cases has been wiped."));
  else
    {
      /* Translators: %s says why the profile could not be opened */
      g_autofree char *message = g_strdup_printf (_("The profile could not be opened: %s"), error->message);
      show_error (self, message);
    }
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

/* Both ways of opening end the same: the page idles again, or says why. */
static void
finish_opening (OmbudUnlockPage *self,
                gboolean         opened,
                GError          *error)
{
  if (!opened && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (!opened)
    show_failure (self, error);
}

static void
sync_unlock_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(OmbudUnlockPage) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean opened = ombud_session_unlock_by_syncing_finish (OMBUD_SESSION (source), result, &error);

  if (opened)
    gtk_widget_set_visible (GTK_WIDGET (self->sync_button), FALSE);
  finish_opening (self, opened, error);
}

static void
unlock_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(OmbudUnlockPage) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean opened = ombud_session_unlock_finish (OMBUD_SESSION (source), result, &error);

  finish_opening (self, opened, error);
}

typedef void (*OpenAsync) (OmbudSession        *session,
                           const char          *passphrase,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data);

/* The passphrase leaves the entry as soon as it is handed over. */
static void
start_opening (OmbudUnlockPage     *self,
               OpenAsync            open_async,
               GAsyncReadyCallback  done)
{
  const char *passphrase = gtk_editable_get_text (self->entry);

  if (self->session == NULL || self->busy || *passphrase == '\0')
    return;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  open_async (self->session, passphrase, self->cancellable, done, g_object_ref (self));
  gtk_editable_set_text (self->entry, "");
  show_error (self, NULL);
  set_busy (self, TRUE);
}

static void
sync_unlock (OmbudUnlockPage *self)
{
  start_opening (self, ombud_session_unlock_by_syncing_async, sync_unlock_done);
}

static void
unlock (OmbudUnlockPage *self)
{
  start_opening (self, ombud_session_unlock_async, unlock_done);
}

static void
text_changed (OmbudUnlockPage *self)
{
  gboolean can = !self->busy && *gtk_editable_get_text (self->entry) != '\0';

  gtk_widget_set_sensitive (GTK_WIDGET (self->unlock_button), can);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sync_button), can);
}

void
ombud_unlock_page_set_session (OmbudUnlockPage *self,
                               OmbudSession    *session)
{
  g_return_if_fail (OMBUD_IS_UNLOCK_PAGE (self));
  g_set_object (&self->session, session);
}

static void
ombud_unlock_page_dispose (GObject *object)
{
  OmbudUnlockPage *self = OMBUD_UNLOCK_PAGE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ombud_unlock_page_parent_class)->dispose (object);
}

static void
ombud_unlock_page_class_init (OmbudUnlockPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ombud_unlock_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/ombud-unlock-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudUnlockPage, entry);
  gtk_widget_class_bind_template_child (widget_class, OmbudUnlockPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, OmbudUnlockPage, unlock_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudUnlockPage, sync_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudUnlockPage, spinner);
  gtk_widget_class_bind_template_callback (widget_class, unlock);
  gtk_widget_class_bind_template_callback (widget_class, sync_unlock);
  gtk_widget_class_bind_template_callback (widget_class, text_changed);
}

static void
ombud_unlock_page_init (OmbudUnlockPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
