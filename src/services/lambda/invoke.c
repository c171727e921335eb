/* lambda/invoke: Invoke — RequestResponse through the function runtime, Event into the durable
 * queue, DryRun. */
#include "lambda.h"

int lambda_invoke(struct lambda_call *c)
{
	return err_set(c->err, SW_E_NotImplemented, "Invoke is not implemented yet");
}
