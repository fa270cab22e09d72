/* ombud-secret.c: key material in locked, guarded memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Secrets live in sodium_malloc'ed memory: locked out of swap, fenced by
 * guard pages, and wiped when freed.  While any store is unlocked the process
 * also refuses to dump core, so a crash cannot write a key to disk.
 */
#include "ombud-secret.h"

#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>

struct _OmbudSecret {
  gsize   size;
  guint8 *data;
};

OmbudSecret *
ombud_secret_new (gsize size)
{
  OmbudSecret *self;

  g_return_val_if_fail (size > 0, NULL);
  if (sodium_init () < 0)
    g_error ("libsodium failed to initialise");

  self = g_new0 (OmbudSecret, 1);
  self->size = size;
  self->data = sodium_malloc (size);
  if (self->data == NULL)
    g_error ("could not allocate %" G_GSIZE_FORMAT " bytes of locked memory", size);
  sodium_memzero (self->data, size);
  return self;
}

OmbudSecret *
ombud_secret_new_random (gsize size)
{
  OmbudSecret *self = ombud_secret_new (size);

  randombytes_buf (self->data, size);
  return self;
}

guint8 *
ombud_secret_get_data (OmbudSecret *self)
{
  return self->data;
}

gsize
ombud_secret_get_size (OmbudSecret *self)
{
  return self->size;
}

void
ombud_secret_free (OmbudSecret *self)
{
  if (self == NULL)
    return;
  sodium_free (self->data);  /* wipes before it frees */
  g_free (self);
}

G_LOCK_DEFINE_STATIC (core_dumps);
static guint core_dump_holds;
static struct rlimit saved_core_limit;
static int saved_dumpable;

void
ombud_secret_hold_core_dumps_off (void)
{
  struct rlimit none = { 0, 0 };

  G_LOCK (core_dumps);
  if (core_dump_holds++ == 0)
    {
      getrlimit (RLIMIT_CORE, &saved_core_limit);
      saved_dumpable = prctl (PR_GET_DUMPABLE, 0, 0, 0, 0);
      /* Keep the hard limit so that it can be raised again on release. */
      none.rlim_max = saved_core_limit.rlim_max;
      setrlimit (RLIMIT_CORE, &none);
      prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
  G_UNLOCK (core_dumps);
}

void
ombud_secret_release_core_dumps (void)
{
  G_LOCK (core_dumps);
  if (core_dump_holds > 0 && --core_dump_holds == 0)
    {
      setrlimit (RLIMIT_CORE, &saved_core_limit);
      if (saved_dumpable > 0)
        prctl (PR_SET_DUMPABLE, saved_dumpable, 0, 0, 0);
    }
  G_UNLOCK (core_dumps);
}
