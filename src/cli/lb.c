/* lb: `slipway lb list|show` — the load balancers slipwayd drives (Slipway's SlipwayTraffic
 * API): which are declared and answer, and one's backends and servers as HAProxy reports them. */
#include "cli_int.h"
#include "base/str.h"

#include <string.h>

int cli_lb_list(struct cli_args *a);
int cli_lb_show(struct cli_args *a);

int cli_lb_list(struct cli_args *a)
{
	json_t *resp, *lbs, *lb;
	struct cli_table t;
	size_t i;

	if (cli_json(a, &cli_traffic, "ListLoadBalancers", json_object(), &resp))
		return cli_fail(a);
	lbs = json_object_get(resp, "loadBalancers");
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(lbs);
		json_decref(resp);
		return CLI_OK;
	}
	cli_table_init(&t, 5, "NAME", "DRIVER", "SOCKET", "REACHABLE", "BACKENDS");
	json_array_foreach(lbs, i, lb)
	{
		struct buf b = BUF_INIT(1 << 16);
		json_t *names = json_object_get(lb, "backends"), *n;
		size_t j;
		bool ok = json_is_true(json_object_get(lb, "reachable"));

		if (ok) {
			json_array_foreach(names, j, n)
			    buf_addf(&b, "%s%s", j ? ", " : "", json_string_value(n));
			if (!json_array_size(names))
				buf_adds(&b, "-");
		} else {
			buf_adds(&b, json_string_value(json_object_get(lb, "error")));
		}
		cli_table_row(&t, json_string_value(json_object_get(lb, "name")),
			      json_string_value(json_object_get(lb, "driver")),
			      json_string_value(json_object_get(lb, "socket")), ok ? "yes" : "no",
			      buf_str(&b));
		buf_release(&b);
	}
	if (!json_array_size(lbs) && a->g.output == CLI_OUT_TABLE)
		printf("no load balancer is declared (slipwayd --load-balancer NAME=SOCKET)\n");
	else
		cli_table_print(a, &t);
	cli_table_release(&t);
	json_decref(resp);
	return CLI_OK;
}

int cli_lb_show(struct cli_args *a)
{
	json_t *req = json_pack("{s:s}", "name", a->pos[0]), *resp, *bk, *s;
	const char *tg = cli_opt(a, "target-group");
	struct cli_table t;
	size_t i, j;

	if (tg)
		json_object_set_new(req, "targetGroup", json_string(tg));
	if (cli_json(a, &cli_traffic, "GetLoadBalancer", req, &resp))
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(resp);
		json_decref(resp);
		return CLI_OK;
	}
	if (a->g.output == CLI_OUT_TABLE)
		printf("%s (%s on %s)\n", json_string_value(json_object_get(resp, "name")),
		       json_string_value(json_object_get(resp, "driver")),
		       json_string_value(json_object_get(resp, "socket")));
	cli_table_init(&t, 8, "BACKEND", "SERVER", "STATUS", "STATE", "WEIGHT", "SESSIONS",
		       "REQUESTS", "5XX");
	json_array_foreach(json_object_get(resp, "backends"), i, bk)
	{
		const char *bname = json_string_value(json_object_get(bk, "name"));

		json_array_foreach(json_object_get(bk, "servers"), j, s)
		{
			char w[16], ses[24], req_[24], e5[24];

			str_fmt(w, sizeof(w), "%lld",
				(long long)json_integer_value(json_object_get(s, "weight")));
			str_fmt(ses, sizeof(ses), "%lld",
				(long long)json_integer_value(json_object_get(s, "sessions")));
			str_fmt(req_, sizeof(req_), "%lld",
				(long long)json_integer_value(json_object_get(s, "requests")));
			str_fmt(e5, sizeof(e5), "%lld",
				(long long)json_integer_value(json_object_get(s, "http5xx")));
			cli_table_row(&t, bname, json_string_value(json_object_get(s, "name")),
				      json_string_value(json_object_get(s, "status")),
				      json_string_value(json_object_get(s, "state")), w, ses, req_,
				      e5);
		}
	}
	cli_table_print(a, &t);
	cli_table_release(&t);
	json_decref(resp);
	return CLI_OK;
}
