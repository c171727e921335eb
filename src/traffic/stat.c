/* traffic/stat: HAProxy's `show stat` CSV as backends and servers — a pure parser over a
 * buffer (fuzzed: tests/fuzz/traffic/fuzz_haproxy_stat.c).
 *
 * The first line is the header, "# pxname,svname,…": columns are found by name, so a column
 * HAProxy adds, moves or (in another version) lacks changes nothing but that value.  Rows of
 * type 1 (BACKEND) and 2 (a server) are kept; frontends (0) and listeners (3) are not.  HAProxy
 * quotes a field holding a comma or a quote ("…", "" inside), which is read back here. */
#include "traffic.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

#define STAT_BACKENDS_MAX 65536 /* backends of one balancer */
#define STAT_SERVERS_MAX  65536 /* servers of one backend */
#define STAT_FIELD_MAX	  4096	/* one field */

enum stat_col {
	COL_PXNAME,
	COL_SVNAME,
	COL_TYPE,
	COL_STATUS,
	COL_WEIGHT,
	COL_CHECK_STATUS,
	COL_SCUR,
	COL_STOT,
	COL_REQ_TOT,
	COL_HRSP_1XX,
	COL_HRSP_2XX,
	COL_HRSP_3XX,
	COL_HRSP_4XX,
	COL_HRSP_5XX,
	COL_HRSP_OTHER,
	COL_ECON,
	COL_ERESP,
	COL_RTIME,
	COL__COUNT
};

static const char *const stat__names[COL__COUNT] = {
	"pxname",   "svname",	"type",	      "status",	  "weight",   "check_status",
	"scur",	    "stot",	"req_tot",    "hrsp_1xx", "hrsp_2xx", "hrsp_3xx",
	"hrsp_4xx", "hrsp_5xx", "hrsp_other", "econ",	  "eresp",    "rtime",
};

/* One field from *p (up to the line's end): unquoted, or "…" with "" for a quote.  Returns its
 * length in out (NUL-terminated, truncated to size - 1 — callers check names themselves), and
 * moves *p past the comma.  -1 on a quote left open. */
static int stat__field(const char **p, const char *end, char *out, size_t size, size_t *len)
{
	const char *s = *p;
	size_t n = 0;

	if (s < end && *s == '"') {
		s++;
		for (;;) {
			if (s >= end)
				return -1;
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"') {
					s++;
				} else {
					s++;
					break;
				}
			}
			if (n + 1 < size)
				out[n] = *s;
			n++;
			s++;
		}
	} else {
		while (s < end && *s != ',') {
			if (n + 1 < size)
				out[n] = *s;
			n++;
			s++;
		}
	}
	out[n < size ? n : size - 1] = '\0';
	if (s < end && *s == ',')
		s++;
	else if (s < end)
		return -1; /* text after a closing quote */
	*p = s;
	*len = n;
	return 0;
}

/* A counter: empty is 0 (HAProxy leaves a column blank where it does not apply). */
static int stat__num(const char *s, int64_t *out)
{
	if (!s[0]) {
		*out = 0;
		return 0;
	}
	return str_to_i64(s, -1, INT64_MAX, out);
}

static void stat__flags(struct traffic_server *s, const char *check_status)
{
	const char *st = s->status;

	s->maint = str_starts(st, "MAINT");
	s->draining = str_starts(st, "DRAIN") || str_starts(st, "NOLB");
	s->up = !s->maint && !s->draining &&
		((str_starts(st, "UP") && (st[2] == '\0' || st[2] == ' ')) ||
		 strcmp(st, "no check") == 0 || strcmp(st, "OPEN") == 0);
	s->checked = strcmp(st, "no check") != 0 && check_status[0] != '\0';
}

static struct traffic_backend *stat__backend(struct traffic_backend **v, size_t *n, size_t *cap,
					     const char *lb, const char *name, struct err *e)
{
	for (size_t i = *n; i-- > 0;)
		if (strcmp((*v)[i].name, name) == 0)
			return &(*v)[i];
	if (*n >= STAT_BACKENDS_MAX) {
		err_set(e, SW_E_TOO_LARGE, "more than %d backends", STAT_BACKENDS_MAX);
		return NULL;
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct traffic_backend *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv) {
			err_set(e, SW_E_NOMEM, "out of memory");
			return NULL;
		}
		*v = nv;
		*cap = nc;
	}
	struct traffic_backend *b = &(*v)[(*n)++];

	memset(b, 0, sizeof(*b));
	str_copy(b->lb, sizeof(b->lb), lb);
	str_copy(b->name, sizeof(b->name), name);
	str_copy(b->total.backend, sizeof(b->total.backend), name);
	str_copy(b->total.name, sizeof(b->total.name), "BACKEND");
	return b;
}

static struct traffic_server *stat__server(struct traffic_backend *b, struct err *e)
{
	if (b->nservers >= STAT_SERVERS_MAX) {
		err_set(e, SW_E_TOO_LARGE, "backend '%s' has more than %d servers", b->name,
			STAT_SERVERS_MAX);
		return NULL;
	}
	/* grows by powers of two from 4: the capacity is implied by nservers */
	if (b->nservers == 0 || (b->nservers >= 4 && (b->nservers & (b->nservers - 1)) == 0)) {
		size_t nc = b->nservers ? b->nservers * 2 : 4;
		struct traffic_server *nv = realloc(b->servers, nc * sizeof(*nv));

		if (!nv) {
			err_set(e, SW_E_NOMEM, "out of memory");
			return NULL;
		}
		b->servers = nv;
	}
	struct traffic_server *s = &b->servers[b->nservers++];

	memset(s, 0, sizeof(*s));
	return s;
}

struct stat_row {
	char f[COL__COUNT][STAT_FIELD_MAX];
	size_t len[COL__COUNT];
};

/* One data row into v.  line..end excludes the newline. */
static int stat__row(const int *cols, size_t ncols, const char *line, const char *end,
		     const char *lb, struct stat_row *row, struct traffic_backend **v, size_t *n,
		     size_t *cap, int lineno, struct err *e)
{
	char scratch[STAT_FIELD_MAX];
	const char *p = line;
	int64_t type, num;

	for (int c = 0; c < COL__COUNT; c++) {
		row->f[c][0] = '\0';
		row->len[c] = 0;
	}
	for (size_t i = 0; i < ncols && p < end; i++) {
		size_t len;
		int c = cols[i];
		char *dst = c >= 0 ? row->f[c] : scratch;

		if (stat__field(&p, end, dst, STAT_FIELD_MAX, &len))
			return err_set(e, SW_E_INVALID, "show stat line %d: a quote left open",
				       lineno);
		if (c >= 0)
			row->len[c] = len;
	}
	if (stat__num(row->f[COL_TYPE], &type) || row->f[COL_TYPE][0] == '\0')
		return err_set(e, SW_E_INVALID, "show stat line %d: type '%s' is not a number",
			       lineno, row->f[COL_TYPE]);
	if (type != 1 && type != 2)
		return 0; /* a frontend or a listener */
	if (!row->len[COL_PXNAME] || row->len[COL_PXNAME] >= TRAFFIC_PROXY_MAX ||
	    !row->len[COL_SVNAME] || row->len[COL_SVNAME] >= TRAFFIC_PROXY_MAX)
		return err_set(e, SW_E_INVALID,
			       "show stat line %d: a proxy or server name empty or longer than %d",
			       lineno, TRAFFIC_PROXY_MAX - 1);

	struct traffic_backend *b = stat__backend(v, n, cap, lb, row->f[COL_PXNAME], e);
	struct traffic_server *s;

	if (!b)
		return -e->code;
	if (type == 1) {
		s = &b->total;
	} else {
		s = stat__server(b, e);
		if (!s)
			return -e->code;
		str_copy(s->backend, sizeof(s->backend), row->f[COL_PXNAME]);
		str_copy(s->name, sizeof(s->name), row->f[COL_SVNAME]);
	}
	str_copy(s->status, sizeof(s->status), row->f[COL_STATUS]);
	stat__flags(s, row->f[COL_CHECK_STATUS]);

	static const struct {
		enum stat_col col;
		size_t off;
	} nums[] = {
		{ COL_SCUR, offsetof(struct traffic_server, sessions) },
		{ COL_STOT, offsetof(struct traffic_server, sessions_total) },
		{ COL_REQ_TOT, offsetof(struct traffic_server, requests) },
		{ COL_HRSP_1XX, offsetof(struct traffic_server, http_1xx) },
		{ COL_HRSP_2XX, offsetof(struct traffic_server, http_2xx) },
		{ COL_HRSP_3XX, offsetof(struct traffic_server, http_3xx) },
		{ COL_HRSP_4XX, offsetof(struct traffic_server, http_4xx) },
		{ COL_HRSP_5XX, offsetof(struct traffic_server, http_5xx) },
		{ COL_HRSP_OTHER, offsetof(struct traffic_server, http_other) },
		{ COL_ECON, offsetof(struct traffic_server, connect_errors) },
		{ COL_ERESP, offsetof(struct traffic_server, response_errors) },
		{ COL_RTIME, offsetof(struct traffic_server, rtime_ms) },
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (stat__num(row->f[nums[i].col], &num))
			return err_set(e, SW_E_INVALID,
				       "show stat line %d: %s '%.64s' is not a number", lineno,
				       stat__names[nums[i].col], row->f[nums[i].col]);
		memcpy((char *)s + nums[i].off, &num, sizeof(num));
	}
	if (stat__num(row->f[COL_WEIGHT], &num) || num > 1000000)
		return err_set(e, SW_E_INVALID, "show stat line %d: weight '%.64s' is not a number",
			       lineno, row->f[COL_WEIGHT]);
	s->weight = (int)num;
	return 0;
}

int traffic_haproxy_stat_parse(const char *buf, size_t len, const char *lb,
			       struct traffic_backend **out, size_t *nout, struct err *e)
{
	const char *p = buf, *end = buf + len;
	const char *nl = memchr(p, '\n', len);
	struct traffic_backend *v = NULL;
	size_t n = 0, cap = 0, ncols = 0;
	int *cols = NULL, found[COL__COUNT] = { 0 }, lineno = 1, r = 0;
	struct stat_row *row = NULL;

	*out = NULL;
	*nout = 0;
	if (len < 2 || p[0] != '#' || p[1] != ' ' || !nl)
		return err_set(e, SW_E_INVALID,
			       "not HAProxy's show stat: no '# pxname,…' header line");
	/* the header: every column, -1 for those not wanted */
	for (const char *q = p + 2; q < nl; q++)
		if (*q == ',')
			ncols++;
	ncols++;
	cols = malloc(ncols * sizeof(*cols));
	row = malloc(sizeof(*row));
	if (!cols || !row) {
		r = err_set(e, SW_E_NOMEM, "out of memory");
		goto out;
	}
	p += 2;
	for (size_t i = 0; i < ncols; i++) {
		const char *comma = memchr(p, ',', (size_t)(nl - p));
		size_t flen = comma ? (size_t)(comma - p) : (size_t)(nl - p);

		cols[i] = -1;
		for (int c = 0; c < COL__COUNT; c++)
			if (!found[c] && strlen(stat__names[c]) == flen &&
			    memcmp(stat__names[c], p, flen) == 0) {
				cols[i] = c;
				found[c] = 1;
				break;
			}
		p = comma ? comma + 1 : nl;
	}
	for (int c = COL_PXNAME; c <= COL_STATUS; c++)
		if (!found[c]) {
			r = err_set(e, SW_E_INVALID, "show stat: no '%s' column in the header",
				    stat__names[c]);
			goto out;
		}
	for (p = nl + 1; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		lineno++;
		const char *le = nl > p && nl[-1] == '\r' ? nl - 1 : nl;

		if (le == p)
			continue; /* the blank line that ends the answer */
		if (memchr(p, '\0', (size_t)(le - p))) {
			r = err_set(e, SW_E_INVALID, "show stat line %d: a NUL byte", lineno);
			goto out;
		}
		r = stat__row(cols, ncols, p, le, lb, row, &v, &n, &cap, lineno, e);
		if (r)
			goto out;
		if (nl == end)
			break;
	}
out:
	free(cols);
	free(row);
	if (r) {
		traffic_backends_free(v, n);
		return r;
	}
	*out = v;
	*nout = n;
	return 0;
}

void traffic_backend_release(struct traffic_backend *b)
{
	if (!b)
		return;
	free(b->servers);
	b->servers = NULL;
	b->nservers = 0;
}

void traffic_backends_free(struct traffic_backend *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		traffic_backend_release(&v[i]);
	free(v);
}
