/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mobile node: attachment, addresses per DAR, movement, the keep
 * decision, bindings and tunnels (DESIGN §2). Wires the pure core to the
 * kernel adapters on the one GLib main loop.
 */
#ifndef MND_MN_H
#define MND_MN_H

#include <stdbool.h>

#include "config.h"

/* Start on the configured interface. Returns 0, or -1 after logging why. */
int mn_start(struct mnd_config *cfg);
/* Apply a reloaded configuration (what can change at run time). */
void mn_reload(struct mnd_config *cfg);
/* Write the whole state to the log (SIGUSR1). */
void mn_dump(void);
/* De-register, remove every kernel object mnd made, restore sysctls. */
void mn_stop(void);

#endif
