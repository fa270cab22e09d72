/* ombud-setup-page.c: first run: the profile's passphrase, then the office
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Steps: create (passphrase twice) → enrol (office address and invite
 * code, or later) → fingerprints (both sides compare them) → recovery (the
 * organisation's first coordinator only) → ::done.
 */
#include "ombud-setup-page.h"

#include <glib/gi18n.h>
#include <sodium.h>

#include "ombud-a11y.h"

#include "ombud-identity.h"
#include "ombud-passphrase-strength.h"

struct _OmbudSetupPage
{
  AdwBin         parent_instance;

  GtkStack      *stack;
  GtkEditable   *passphrase_row;
  GtkEditable   *repeat_row;
  GtkLevelBar   *strength_bar;
  GtkLabel      *hint_label;
  GtkWidget     *create_button;
  GtkSpinner    *create_spinner;
  GtkEditable   *url_row;
  GtkEditable   *code_row;
  GtkLabel      *enrol_error;
  GtkWidget     *later_button;
  GtkWidget     *enrol_button;
  GtkSpinner    *enrol_spinner;
  AdwActionRow  *office_fingerprint_row;
  AdwActionRow  *device_fingerprint_row;
  GtkLabel      *recovery_label;
  GtkCheckButton *recovery_check;
  GtkWidget     *fingerprints_done_button;
  GtkWidget     *recovery_done_button;

  OmbudSession  *session;
  GCancellable  *cancellable;
  gboolean       busy;
  gboolean       has_recovery;
};

G_DEFINE_FINAL_TYPE (OmbudSetupPage, ombud_setup_page, ADW_TYPE_BIN)

enum {
  SIGNAL_DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

const char *
ombud_setup_page_get_step (OmbudSetupPage *self)
{
  g_return_val_if_fail (OMBUD_IS_SETUP_PAGE (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

void
ombud_setup_page_set_session (OmbudSetupPage *self,
                              OmbudSession   *session)
{
  g_return_if_fail (OMBUD_IS_SETUP_PAGE (self));
  g_set_object (&self->session, session);
}

void
ombud_setup_page_start_enrol (OmbudSetupPage *self)
{
  g_return_if_fail (OMBUD_IS_SETUP_PAGE (self));
  gtk_stack_set_visible_child_name (self->stack, "enrol");
}

static void
finish (OmbudSetupPage *self)
{
  /* The recovery key leaves the screen for good. */
  gtk_label_set_label (self->recovery_label, "");
  g_signal_emit (self, signals[SIGNAL_DONE], 0);
}

/* ---- create ------------------------------------------------------------------ */

static const char *
hint_text (const char *hint)
{
  if (g_strcmp0 (hint, OMBUD_PASSPHRASE_HINT_EMPTY) == 0)
    return _("A few words only you know are easier to remember than a jumble, and stronger.");
  if (g_strcmp0 (hint, OMBUD_PASSPHRASE_HINT_TOO_SHORT) == 0)
    return _("Too short: use at least 8 characters.");
  if (g_strcmp0 (hint, OMBUD_PASSPHRASE_HINT_COMMON) == 0)
    return _("This is a well-known password: choose something of your own.");
  if (g_strcmp0 (hint, OMBUD_PASSPHRASE_HINT_REPETITIVE) == 0)
    return _("Repeated letters and runs like “abc” or “123” are easy to guess.");
  if (g_strcmp0 (hint, OMBUD_PASSPHRASE_HINT_ADD_WORDS) == 0)
    return _("Longer is stronger: add a word or two.");
  return _("A strong passphrase.");
}

/* Whether the store should be given this passphrase at all. */
static gboolean
acceptable (OmbudPassphraseStrength strength)
{
  return g_strcmp0 (strength.hint, OMBUD_PASSPHRASE_HINT_EMPTY) != 0
    && g_strcmp0 (strength.hint, OMBUD_PASSPHRASE_HINT_TOO_SHORT) != 0;
}

static void
show_strength (OmbudSetupPage          *self,
               OmbudPassphraseStrength  strength,
               gboolean                 differ)
{
  gboolean empty = g_strcmp0 (strength.hint, OMBUD_PASSPHRASE_HINT_EMPTY) == 0;

  gtk_level_bar_set_value (self->strength_bar, empty ? 0 : strength.level + 1);
  gtk_label_set_label (self->hint_label, differ ? _("The two passphrases differ.") : hint_text (strength.hint));
}

static void
passphrase_changed (OmbudSetupPage *self)
{
  const char *passphrase = gtk_editable_get_text (self->passphrase_row);
  const char *repeat = gtk_editable_get_text (self->repeat_row);
  OmbudPassphraseStrength strength = ombud_passphrase_strength (passphrase);
  gboolean same = g_strcmp0 (passphrase, repeat) == 0;

  show_strength (self, strength, *repeat != '\0' && !same);
  gtk_widget_set_sensitive (self->create_button, !self->busy && acceptable (strength) && same);
}

static void
set_busy (OmbudSetupPage *self,
          gboolean        busy,
          GtkSpinner     *spinner)
{
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (spinner), busy);
  gtk_spinner_set_spinning (spinner, busy);
}

static void
create_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(OmbudSetupPage) self = user_data;
  g_autoptr(GError) error = NULL;

  set_busy (self, FALSE, self->create_spinner);
  if (!ombud_session_create_finish (OMBUD_SESSION (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Translators: %s says why */
      g_autofree char *message = g_strdup_printf (_("The profile could not be created: %s"), error->message);
      gtk_label_set_label (self->hint_label, message);
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "enrol");
  gtk_widget_grab_focus (GTK_WIDGET (self->url_row));
}

static void
create_profile (OmbudSetupPage *self)
{
  if (self->session == NULL || self->busy || !gtk_widget_get_sensitive (self->create_button))
    return;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ombud_session_create_async (self->session, gtk_editable_get_text (self->passphrase_row), self->cancellable,
                              create_done, g_object_ref (self));
  set_busy (self, TRUE, self->create_spinner);
  gtk_editable_set_text (self->passphrase_row, "");
  gtk_editable_set_text (self->repeat_row, "");
  gtk_widget_set_sensitive (self->create_button, FALSE);
}

/* ---- enrol -------------------------------------------------------------------- */

static void
enrol_changed (OmbudSetupPage *self)
{
  gtk_widget_set_sensitive (self->enrol_button,
                            !self->busy && *gtk_editable_get_text (self->url_row) != '\0'
                            && *gtk_editable_get_text (self->code_row) != '\0');
}

static gpointer
device_fingerprint (OmbudCaseload  *caseload,
                    gpointer        data,
                    GCancellable   *cancellable,
                    GError        **error)
{
  (void) data; (void) cancellable; (void) error;
  return ombud_identity_get_fingerprint (ombud_keyring_get_identity (ombud_caseload_get_keyring (caseload)));
}

static void
fingerprint_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(OmbudSetupPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *fingerprint = ombud_session_run_finish (OMBUD_SESSION (source), result, &error);

  adw_action_row_set_subtitle (self->device_fingerprint_row, fingerprint ? fingerprint : _("Unknown"));
}

static void
enrol_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(OmbudSetupPage) self = user_data;
  g_autoptr(GError) error = NULL;
  char *recovery = NULL;
  g_autofree char *office = ombud_session_enrol_finish (OMBUD_SESSION (source), result, &recovery, &error);

  set_busy (self, FALSE, self->enrol_spinner);
  gtk_widget_set_sensitive (self->later_button, TRUE);
  enrol_changed (self);
  if (office == NULL)
    {
      /* Translators: %s says why, in the sync engine's words */
      g_autofree char *message = g_strdup_printf (_("Could not connect: %s"), error->message);
      gtk_label_set_label (self->enrol_error, message);
      gtk_widget_set_visible (GTK_WIDGET (self->enrol_error), TRUE);
      return;
    }
  gtk_editable_set_text (self->code_row, "");
  gtk_widget_set_visible (GTK_WIDGET (self->enrol_error), FALSE);
  adw_action_row_set_subtitle (self->office_fingerprint_row, office);
  adw_action_row_set_subtitle (self->device_fingerprint_row, "…");
  ombud_session_run_async (OMBUD_SESSION (source), device_fingerprint, NULL, NULL, g_free, NULL,
                           fingerprint_done, g_object_ref (self));
  self->has_recovery = recovery != NULL;
  if (recovery != NULL)
    {
      gtk_label_set_label (self->recovery_label, recovery);
      sodium_memzero (recovery, strlen (recovery));
      g_free (recovery);
    }
  gtk_stack_set_visible_child_name (self->stack, "fingerprints");
}

static void
enrol (OmbudSetupPage *self)
{
  if (self->session == NULL || self->busy || !gtk_widget_get_sensitive (self->enrol_button))
    return;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ombud_session_enrol_async (self->session, gtk_editable_get_text (self->url_row),
                             gtk_editable_get_text (self->code_row), self->cancellable,
                             enrol_done, g_object_ref (self));
  set_busy (self, TRUE, self->enrol_spinner);
  gtk_widget_set_sensitive (self->enrol_button, FALSE);
  gtk_widget_set_sensitive (self->later_button, FALSE);
}

static void
later (OmbudSetupPage *self)
{
  finish (self);
}

static void
fingerprints_done (OmbudSetupPage *self)
{
  if (self->has_recovery)
    gtk_stack_set_visible_child_name (self->stack, "recovery");
  else
    finish (self);
}

static void
recovery_done (OmbudSetupPage *self)
{
  self->has_recovery = FALSE;
  finish (self);
}

void
ombud_setup_page_name_peek_buttons (GtkWidget *root)
{
  if (GTK_IS_BUTTON (root) && gtk_widget_get_ancestor (root, ADW_TYPE_PASSWORD_ENTRY_ROW) != NULL
      && gtk_widget_get_tooltip_text (root) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    gtk_widget_get_tooltip_text (root), -1);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    ombud_setup_page_name_peek_buttons (child);
}

/* ---- GObject ------------------------------------------------------------------- */

static void
ombud_setup_page_dispose (GObject *object)
{
  OmbudSetupPage *self = OMBUD_SETUP_PAGE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ombud_setup_page_parent_class)->dispose (object);
}

static void
ombud_setup_page_class_init (OmbudSetupPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ombud_setup_page_dispose;

  /* The user is through with the setup (whether enrolled or not). */
  signals[SIGNAL_DONE] =
    g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/se/ombud/Ombud/ombud-setup-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, stack);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, passphrase_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, repeat_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, strength_bar);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, hint_label);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, create_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, create_spinner);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, url_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, code_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, enrol_error);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, later_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, enrol_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, enrol_spinner);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, office_fingerprint_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, device_fingerprint_row);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, recovery_label);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, recovery_check);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, fingerprints_done_button);
  gtk_widget_class_bind_template_child (widget_class, OmbudSetupPage, recovery_done_button);
  gtk_widget_class_bind_template_callback (widget_class, passphrase_changed);
  gtk_widget_class_bind_template_callback (widget_class, create_profile);
  gtk_widget_class_bind_template_callback (widget_class, enrol_changed);
  gtk_widget_class_bind_template_callback (widget_class, enrol);
  gtk_widget_class_bind_template_callback (widget_class, later);
  gtk_widget_class_bind_template_callback (widget_class, fingerprints_done);
  gtk_widget_class_bind_template_callback (widget_class, recovery_done);
}

static void
ombud_setup_page_init (OmbudSetupPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  ombud_a11y_name_entry_rows (GTK_WIDGET (self));
  ombud_setup_page_name_peek_buttons (GTK_WIDGET (self));
  passphrase_changed (self);
}
