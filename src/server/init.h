/* init: the data directory — lock, store, account id, signing key and certificate, and the
 * first administrator's access key. */
#ifndef SW_INIT_H
#define SW_INIT_H

#include "slipwayd.h"

/* Locks and opens (initialising on first start) d->cfg.data_dir. */
int init_data_dir(struct slipwayd *d, struct err *e);
void init_release(struct slipwayd *d);

#endif
