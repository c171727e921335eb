/* model/applications: the one read of `applications` that the model's other owners need (the
 * table itself is written by services/codedeploy/applications.c alone). */
#ifndef SW_MODEL_APPLICATIONS_H
#define SW_MODEL_APPLICATIONS_H

#include "base/err.h"

#include <stddef.h>

struct store_conn;

/* Looks up an application: -SW_E_ApplicationDoesNotExist when missing, or a store error.
 * platform / id (and their sizes) may be NULL / 0.  Runs in the caller's transaction. */
int model_app_get(struct store_conn *c, const char *name, char *platform, size_t psize, char *id,
		  size_t idsize, struct err *e);

#endif
