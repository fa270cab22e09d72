/* ombud-main-context.h: handing work to another thread's main context
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs func in context's next iteration, never in the calling thread.
 * g_main_context_invoke() is not that: from a worker whose thread-default
 * context is the global default, it runs func right there whenever the
 * main thread happens not to be iterating. */
static inline void
ombud_main_context_post (GMainContext   *context,
                         GSourceFunc     func,
                         gpointer        data,
                         GDestroyNotify  notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[ombud] main-context post");
  g_source_attach (source, context);
  g_source_unref (source);
}

G_END_DECLS
