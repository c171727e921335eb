/* logs errors: CloudWatch Logs' error shapes (JSON 1.1 `__type`; AWS answers 400 for all).  The
 * codes are in model/logs_errors.h (the model returns them); the table is here. */
#ifndef SW_LOGS_ERRORS_H
#define SW_LOGS_ERRORS_H

#include "model/logs_errors.h"

/* The rows of SW_ERRORS_LOGS; registered at start (ERR_REGISTER in errors.c). */
extern const struct err_table logs_err_table;

#endif
