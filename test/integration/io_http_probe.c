/*
 * io_http_probe — exercises shared/io/httpd and shared/io/httpc on one loop.
 *
 *   io_http_probe            self-test: an httpd on 127.0.0.1:0 called by httpc
 *                            on the same loop; prints "ok"/"FAIL" lines, exits
 *                            0 when every check passed.
 *   io_http_probe --serve    server only (for curl(1) in http_io.sh): prints
 *                            "listening port=N", runs until SIGTERM.
 *   io_http_probe --get URL [CAFILE]
 *                            one httpc GET; prints "status=N bytes=N error=..."
 *                            and exits 0 on a 200.
 *
 * Server paths: /sync answers at once with what it saw; /async?ms=N answers
 * after N ms (default 50) with the body echoed; /never never answers; /big?n=N
 * answers N bytes. Request bodies are capped at PROBE_MAX_BODY.
 */
#include "config.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <event2/event.h>

#include "shared/io/httpc.h"
#include "shared/io/httpd.h"
#include "shared/io/log.h"

#define PROBE_MAX_BODY 1024

struct probe {
	struct event_base *base;
	struct httpd *d;
	struct httpc *c;
	unsigned port;
	int failures;
	int outstanding;	/* client callbacks still due */
	unsigned in_server;	/* async requests held by the server now */
	unsigned peak_server;
	char last_query[256];	/* the access hook's last (redacted) query */
	unsigned last_status;
};

/* One client request's outcome. */
struct call {
	struct probe *p;
	long status;
	char error[256];
	char body[512];
	size_t body_len;
	bool truncated, cancelled, done;
	long new_conns;
	unsigned long long ms;
};

/* A request the server answers later. */
struct held {
	struct probe *p;
	struct httpd_req *req;
	struct event *ev;
};

static void
check(struct probe *p, bool cond, const char *what)
{
	printf("%s - %s\n", cond ? "ok" : "FAIL", what);
	if (!cond)
		p->failures++;
}

static unsigned long
query_num(const char *q, const char *name, unsigned long dflt)
{
	size_t n = strlen(name);
	const char *s = q;

	while (s && *s) {
		if (strncmp(s, name, n) == 0 && s[n] == '=')
			return strtoul(s + n + 1, NULL, 10);
		s = strchr(s, '&');
		if (s)
			s++;
	}
	return dflt;
}

static void
on_held_timer(evutil_socket_t fd, short what, void *arg)
{
	struct held *h = arg;
	char out[PROBE_MAX_BODY + 64];
	size_t len;
	const char *body = httpd_req_body(h->req, &len);
	int n;

	(void)fd;
	(void)what;
	n = snprintf(out, sizeof(out), "async body=%.*s", (int)len, body);
	httpd_answer(h->req, 200, NULL, out, (size_t)n);
	h->p->in_server--;
	event_free(h->ev);
	free(h);
}

static void
hold(struct probe *p, struct httpd_req *req, unsigned long ms)
{
	struct held *h = calloc(1, sizeof(*h));
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	if (h == NULL || (h->ev = evtimer_new(p->base, on_held_timer, h)) == NULL) {
		free(h);
		httpd_answer(req, 500, NULL, "oom\n", 4);
		return;
	}
	h->p = p;
	h->req = req;
	evtimer_add(h->ev, &tv);
	if (++p->in_server > p->peak_server)
		p->peak_server = p->in_server;
}

/* More constant answers than the server keeps: the rest take the copy path. */
static const char *const probe_words[] = {
	"w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9",
	"w10", "w11", "w12", "w13", "w14", "w15", "w16", "w17", "w18", "w19",
};

static void
on_request(struct httpd_req *req, void *arg)
{
	struct probe *p = arg;
	const char *path = httpd_req_path(req), *q = httpd_req_query(req), *ua;
	char out[512];
	char *big;
	size_t len, n;

	if (strcmp(path, "/sync") == 0) {
		httpd_req_body(req, &len);
		ua = httpd_req_header(req, "user-agent");
		n = (size_t)snprintf(out, sizeof(out),
				     "method=%s path=%s query=%s body=%zu ip=%s ua=%s",
				     httpd_req_method(req), path, q, len,
				     httpd_req_client_ip(req), ua ? ua : "-");
		httpd_answer(req, 200, "text/plain", out, n < sizeof(out) ? n : sizeof(out) - 1);
	} else if (strcmp(path, "/static") == 0) {
		n = query_num(q, "i", 0) % (sizeof(probe_words) / sizeof(probe_words[0]));
		httpd_req_note(req, "word=%s", probe_words[n]);
		httpd_answer_static(req, 200 + (unsigned)(n % 2), "text/x-probe",
				    probe_words[n]);
	} else if (strcmp(path, "/async") == 0) {
		hold(p, req, query_num(q, "ms", 50));
	} else if (strcmp(path, "/never") == 0) {
		log_info("probe: holding path=/never");
	} else if (strcmp(path, "/big") == 0) {
		n = query_num(q, "n", 1000);
		big = malloc(n + 1);
		if (big == NULL) {
			httpd_answer(req, 500, NULL, NULL, 0);
			return;
		}
		memset(big, 'x', n);
		httpd_answer(req, 200, NULL, big, n);
		free(big);
	} else {
		httpd_answer(req, 404, NULL, "not found\n", 10);
	}
}

static void
on_access(const struct httpd_access *a, void *arg)
{
	struct probe *p = arg;

	snprintf(p->last_query, sizeof(p->last_query), "%s", a->query);
	p->last_status = a->status;
}

static void
on_done(const struct httpc_result *r, void *arg)
{
	struct call *c = arg;

	c->status = r->status;
	snprintf(c->error, sizeof(c->error), "%s", r->error);
	snprintf(c->body, sizeof(c->body), "%.*s", (int)r->body_len, r->body);
	c->body_len = r->body_len;
	c->truncated = r->body_truncated;
	c->cancelled = r->cancelled;
	c->new_conns = r->new_connections;
	c->ms = r->ms;
	c->done = true;
	c->p->outstanding--;
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(bool *)arg = true;
}

/* Runs the loop until every client callback came, or 10 s passed. */
static void
run_until_done(struct probe *p)
{
	struct timeval tv = { 10, 0 };
	bool expired = false;
	struct event *ev = evtimer_new(p->base, on_deadline, &expired);

	evtimer_add(ev, &tv);
	while (p->outstanding > 0 && !expired)
		event_base_loop(p->base, EVLOOP_ONCE);
	event_free(ev);
	if (p->outstanding != 0)
		check(p, false, "all callbacks arrived in time");
	p->outstanding = 0;
}

static void
url(const struct probe *p, char *out, size_t outsz, const char *path)
{
	snprintf(out, outsz, "http://127.0.0.1:%u%s", p->port, path);
}

static void
get(struct probe *p, struct httpc *c, struct call *cl, const char *path,
    const struct httpc_opts *o)
{
	char u[256];

	memset(cl, 0, sizeof(*cl));
	cl->p = p;
	url(p, u, sizeof(u), path);
	if (httpc_get(c, u, o, on_done, cl) == 0)
		p->outstanding++;
	else
		check(p, false, "httpc_get accepted");
}

static void
post(struct probe *p, struct call *cl, const char *path, const char *body, size_t len)
{
	char u[256];

	memset(cl, 0, sizeof(*cl));
	cl->p = p;
	url(p, u, sizeof(u), path);
	if (httpc_post_form(p->c, u, body, len, NULL, on_done, cl) == 0)
		p->outstanding++;
	else
		check(p, false, "httpc_post_form accepted");
}

static void
test_redact(struct probe *p)
{
	char out[64];
	int n;

	n = httpd_redact_query("user=a&password=s3cret&to=1", out, sizeof(out));
	check(p, n > 0 && strcmp(out, "user=a&password=***&to=1") == 0, "redact password");
	httpd_redact_query("PASS=x&pwd=y&pass%77ord=z&passx=w", out, sizeof(out));
	check(p, strcmp(out, "PASS=***&pwd=***&pass%77ord=***&passx=w") == 0,
	      "redact pass, pwd, any case, encoded name");
	n = httpd_redact_query("", out, sizeof(out));
	check(p, n == 0 && out[0] == '\0', "redact empty");
	n = httpd_redact_query("password", out, sizeof(out));
	check(p, n == 8 && strcmp(out, "password") == 0, "redact name without value");
	n = httpd_redact_query("a=1&pwd=secret", out, 9);
	check(p, n == -1 && strstr(out, "sec") == NULL && strlen(out) == 8,
	      "redact truncates without leaking");
	n = httpd_redact_query("pwd=secret", out, 5);
	check(p, n == -1 && strcmp(out, "pwd=") == 0, "redact: no room for ***");
}

static void
test_basic(struct probe *p)
{
	struct call a, b;
	char big[PROBE_MAX_BODY + 1];

	get(p, p->c, &a, "/sync?a=1&b=x%20y&password=secret", NULL);
	run_until_done(p);
	check(p, a.status == 200, "sync GET 200");
	check(p, strcmp(a.body, "method=GET path=/sync query=a=1&b=x%20y&password=secret "
			"body=0 ip=127.0.0.1 ua=hermod-probe") == 0,
	      "sync GET: raw query, method, path, ip, header");
	if (strncmp(a.body, "method=", 7) != 0)
		printf("# body: %s\n", a.body);
	check(p, strcmp(p->last_query, "a=1&b=x%20y&password=***") == 0,
	      "access hook query redacted");

	post(p, &a, "/async", "x=1&y=2", 7);
	run_until_done(p);
	check(p, a.status == 200 && strcmp(a.body, "async body=x=1&y=2") == 0,
	      "async POST echoed after suspend/resume");
	check(p, a.ms >= 50, "async POST took >= 50 ms");

	memset(big, 'a', sizeof(big));
	post(p, &a, "/sync", big, PROBE_MAX_BODY);
	post(p, &b, "/sync", big, PROBE_MAX_BODY + 1);
	run_until_done(p);
	check(p, a.status == 200 && strstr(a.body, "body=1024 ") != NULL,
	      "body of exactly max accepted");
	check(p, b.status == 413 && strstr(b.body, "too large") != NULL,
	      "body of max+1 gets 413");
	check(p, httpd_pending(p->d) == 0, "nothing pending");

	get(p, p->c, &a, "/nothing", NULL);
	run_until_done(p);
	check(p, a.status == 404, "unknown path 404");
}

static void
test_keepalive(struct probe *p)
{
	struct httpc_config cfg = { .max_in_flight = 1, .user_agent = "hermod-probe" };
	struct httpc *c = httpc_new(p->base, &cfg);
	struct call a;
	long conns = 0;
	int i, ok = 0;

	for (i = 0; i < 200; i++) {
		get(p, c, &a, "/sync?i=1", NULL);
		run_until_done(p);
		ok += a.status == 200;
		conns += a.new_conns;
	}
	check(p, ok == 200, "200 sequential GETs answered");
	check(p, conns == 1, "200 sequential GETs used one connection");
	if (conns != 1)
		printf("# connections: %ld\n", conns);
	httpc_free(c);
}

static void
test_concurrent(struct probe *p)
{
	struct httpc_config cfg = { .max_in_flight = 16, .user_agent = "hermod-probe" };
	struct httpc *c = httpc_new(p->base, &cfg);
	static struct call calls[50];
	int i, ok = 0;

	p->peak_server = 0;
	for (i = 0; i < 50; i++)
		get(p, c, &calls[i], "/async?ms=20", NULL);
	check(p, httpc_in_flight(c) == 16 && httpc_queued(c) == 34,
	      "16 in flight, 34 queued");
	run_until_done(p);
	for (i = 0; i < 50; i++)
		ok += calls[i].status == 200;
	check(p, ok == 50, "50 concurrent requests answered");
	check(p, p->peak_server > 1 && p->peak_server <= 16,
	      "server saw them overlap, at most 16 at once");
	printf("# peak concurrency at the server: %u\n", p->peak_server);
	httpc_free(c);
}

static unsigned
closed_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd != -1 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
		port = ntohs(sin.sin_port);
	if (fd != -1)
		close(fd);
	return port;
}

static void
test_errors(struct probe *p)
{
	struct httpc_config cfg = { .max_body = 4096, .user_agent = "hermod-probe" };
	struct httpc *c = httpc_new(p->base, &cfg);
	struct httpc_opts o = { .timeout_ms = 200 };
	struct call a, b, d;
	char u[128];

	snprintf(u, sizeof(u), "http://127.0.0.1:%u/", closed_port());
	memset(&a, 0, sizeof(a));
	a.p = p;
	check(p, httpc_get(c, u, NULL, on_done, &a) == 0, "GET to closed port accepted");
	p->outstanding++;
	get(p, c, &b, "/never", &o);
	get(p, c, &d, "/big?n=10000", NULL);
	run_until_done(p);
	check(p, a.status == 0 && a.error[0] != '\0', "closed port: transport error");
	printf("# closed port error: %s\n", a.error);
	check(p, b.status == 0 && b.error[0] != '\0' && b.ms >= 200,
	      "unanswered request: client timeout");
	printf("# timeout error: %s\n", b.error);
	check(p, d.status == 200 && d.truncated && d.body_len == 4096,
	      "response body capped and flagged");
	check(p, httpd_pending(p->d) == 1, "server still holds /never");
	check(p, httpc_get(c, "ftp://127.0.0.1/", NULL, on_done, &a) == -1,
	      "non-http URL refused");

	get(p, c, &a, "/never", NULL);
	get(p, c, &b, "/never", NULL);
	httpc_free(c);
	check(p, a.done && a.cancelled && b.done && b.cancelled && a.status == 0,
	      "httpc_free calls back in-flight requests as cancelled");
	p->outstanding = 0;
}

struct raw {
	struct probe *p;
	int fd;
	struct event *ev;
	bool closed;
	unsigned long long t_closed;
};

static unsigned long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000u + (unsigned long long)ts.tv_nsec / 1000000u;
}

static void
on_raw(evutil_socket_t fd, short what, void *arg)
{
	struct raw *r = arg;
	char buf[256];

	(void)what;
	if (recv(fd, buf, sizeof(buf), 0) <= 0) {
		r->closed = true;
		r->t_closed = mono_ms();
		event_del(r->ev);
		r->p->outstanding--;
	}
}

/* A plain TCP connection to port that sends nothing. */
static void
raw_open(struct probe *p, struct raw *r, unsigned port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	memset(r, 0, sizeof(*r));
	r->p = p;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (r->fd == -1 || connect(r->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		check(p, false, "raw connect");
		return;
	}
	r->ev = event_new(p->base, r->fd, EV_READ | EV_PERSIST, on_raw, r);
	event_add(r->ev, NULL);
	p->outstanding++;
}

static void
raw_close(struct raw *r)
{
	if (r->ev)
		event_free(r->ev);
	if (r->fd != -1)
		close(r->fd);
}

/* max_connections 1 and idle_timeout_s 1: the first connection is closed
 * after about a second; the second waits unaccepted until then (MHD leaves it
 * in the listen backlog), then idles out in turn. */
static void
test_limits(struct probe *p)
{
	struct httpd_config dc = {
		.address = "127.0.0.1", .max_connections = 1, .idle_timeout_s = 1,
		.handler = on_request, .handler_arg = p, .quiet = true,
	};
	struct httpd *d = httpd_new(p->base, &dc);
	struct raw a, b;
	unsigned long long t0 = mono_ms();

	if (d == NULL) {
		check(p, false, "second server");
		return;
	}
	raw_open(p, &a, httpd_port(d));
	raw_open(p, &b, httpd_port(d));
	run_until_done(p);
	check(p, a.closed && b.closed, "both raw connections closed by the server");
	check(p, a.t_closed - t0 >= 900 && a.t_closed - t0 < 3500,
	      "idle connection closed after the 1 s timeout");
	check(p, b.t_closed >= a.t_closed + 900,
	      "connection over the limit accepted only once the first closed");
	printf("# idle close after %llu ms, the second after %llu ms\n", a.t_closed - t0,
	       b.t_closed - t0);
	raw_close(&a);
	raw_close(&b);
	httpd_free(d);
}

static int
self_test(void)
{
	struct probe p = { 0 };
	struct httpd_config dc = {
		.address = "127.0.0.1", .max_body = PROBE_MAX_BODY,
		.handler = on_request, .access = on_access,
	};
	struct httpc_config cc = { .user_agent = "hermod-probe" };

	p.base = event_base_new();
	dc.handler_arg = &p;
	dc.access_arg = &p;
	p.d = httpd_new(p.base, &dc);
	p.c = httpc_new(p.base, &cc);
	if (p.base == NULL || p.d == NULL || p.c == NULL) {
		printf("FAIL - setup\n");
		return 1;
	}
	dc.handler_arg = &p;
	p.port = httpd_port(p.d);
	check(&p, p.port != 0, "ephemeral port reported");
	test_redact(&p);
	test_basic(&p);
	test_keepalive(&p);
	test_concurrent(&p);
	test_errors(&p);
	test_limits(&p);
	httpc_free(p.c);
	httpd_free(p.d);
	event_base_free(p.base);
	libevent_global_shutdown();
	printf("%s: %d failure(s)\n", p.failures ? "FAIL" : "PASS", p.failures);
	return p.failures ? 1 : 0;
}

static void
on_sigterm(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopexit(arg, NULL);
}

static int
serve(void)
{
	struct probe p = { 0 };
	struct httpd_config dc = {
		.address = "127.0.0.1", .max_body = PROBE_MAX_BODY, .handler = on_request,
	};
	struct event *sig;

	p.base = event_base_new();
	dc.handler_arg = &p;
	if (p.base == NULL || (p.d = httpd_new(p.base, &dc)) == NULL)
		return 1;
	sig = evsignal_new(p.base, SIGTERM, on_sigterm, p.base);
	evsignal_add(sig, NULL);
	printf("listening port=%u\n", httpd_port(p.d));
	fflush(stdout);
	event_base_dispatch(p.base);
	log_info("probe: stopping");
	event_free(sig);
	httpd_free(p.d);
	event_base_free(p.base);
	libevent_global_shutdown();
	return 0;
}

static void
on_get_done(const struct httpc_result *r, void *arg)
{
	struct call *c = arg;

	on_done(r, arg);
	event_base_loopexit(c->p->base, NULL);
}

static int
get_once(const char *u, const char *ca_file)
{
	struct probe p = { 0 };
	struct httpc_config cc = { .user_agent = "hermod-probe", .ca_file = ca_file };
	struct call a = { .p = &p };

	p.base = event_base_new();
	if (p.base == NULL || (p.c = httpc_new(p.base, &cc)) == NULL)
		return 1;
	if (httpc_get(p.c, u, NULL, on_get_done, &a) == 0)
		event_base_dispatch(p.base);
	printf("status=%ld bytes=%zu error=%s\n", a.status, a.body_len, a.error);
	httpc_free(p.c);
	event_base_free(p.base);
	libevent_global_shutdown();
	return a.status == 200 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	log_init("http-probe", LOG_LEVEL_INFO, NULL);
	if (argc > 1 && strcmp(argv[1], "--serve") == 0)
		return serve();
	if (argc > 2 && strcmp(argv[1], "--get") == 0)
		return get_once(argv[2], argc > 3 ? argv[3] : NULL);
	return self_test();
}
