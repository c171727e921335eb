/* model/applications: the application lookup shared by the CodeDeploy handlers and the model. */
#include "applications.h"
#include "codedeploy_errors.h"
#include "store/store.h"
#include "base/str.h"

int model_app_get(struct store_conn *c, const char *name, char *platform, size_t psize, char *id,
		  size_t idsize, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT platform, id FROM applications WHERE name = ?", "t", e,
			   name);

	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_ApplicationDoesNotExist, "No application found for name: %s",
			       name);
	if (platform)
		str_copy(platform, psize, store_col_text(st, 0));
	if (id)
		str_copy(id, idsize, store_col_text(st, 1));
	return 0;
}
