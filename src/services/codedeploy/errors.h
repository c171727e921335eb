/* codedeploy errors: CodeDeploy's exceptions (JSON 1.1 `__type`).  The codes themselves are in
 * model/codedeploy_errors.h (the model and the engine return them); the table is here. */
#ifndef SW_CODEDEPLOY_ERRORS_H
#define SW_CODEDEPLOY_ERRORS_H

#include "model/codedeploy_errors.h"

/* The rows of SW_ERRORS_CODEDEPLOY; registered at start (ERR_REGISTER in errors.c). */
extern const struct err_table codedeploy_err_table;

#endif
