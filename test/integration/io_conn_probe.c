/*
 * io_conn_probe — exercises shared/io/conn for test/integration/conn_tls.sh.
 * A listener and its clients run on one loop over 127.0.0.1 (real TCP/TLS).
 *
 *   io_conn_probe echo [opts]   server greets, client sends --bytes, server
 *                               echoes; prints "OK ..." and exits 0, or
 *                               "FAIL <reason>" and exits 1
 *   io_conn_probe mem [opts]    opens --count idle connection pairs after one
 *                               small exchange each and prints the heap bytes
 *                               per connection (glibc mallinfo2), averaged
 *                               over both sides; with --server-only the
 *                               clients run in a child process and only the
 *                               listener's side is measured
 * opts: --cert F --key F (TLS server; client then uses TLS), --ca F (verify
 * with this CA), --no-verify, --name N (name to verify), --bytes N,
 * --read-max N (server input high-water mark), --count N, --server-only,
 * --port N (clients dial N instead of the listener), --host H (clients dial
 * H instead of 127.0.0.1), --hosts-file F (names of F, /etc/hosts format,
 * added to the loop's resolver), --plain-server and
 * --plain-client (with --cert: only the other side speaks TLS),
 * --lazy (the server leaves input unread and drains it from a timer every
 * 2 ms, pausing and resuming its reading: flow control under test).
 */
#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/dns.h>

#include "shared/io/conn.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"

#define PROBE_GREETING "HELLO\n"
#define PROBE_GREETING_LEN 6
#define PROBE_MAX_CONNS 1000

/* Under AddressSanitizer mallinfo2() does not see the heap. */
#if defined(__SANITIZE_ADDRESS__)
#define PROBE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROBE_ASAN 1
#endif
#endif

struct probe {
	struct loop *loop;
	struct conn_listener *ls;
	struct conn_tls *srv_tls, *cli_tls;
	const char *cert, *key, *ca, *name, *host, *hosts_file;
	bool verify, mem, server_only, lazy, plain_server, plain_client;
	int port;
	struct conn *srv;
	struct loop_timer *lazy_timer;
	pid_t child;
	size_t srv_got;
	size_t bytes, read_max, max_in, got;
	int count, connected, done;
	unsigned char *pattern;
	int rc;
	struct loop_timer *deadline, *settle;
	struct conn *conns[2 * PROBE_MAX_CONNS];	/* open ones, for cleanup */
	bool client[2 * PROBE_MAX_CONNS];
};

static void probe_track(struct probe *p, struct conn *c, bool client)
{
	size_t i;

	for (i = 0; i < 2 * PROBE_MAX_CONNS; i++) {
		if (p->conns[i] == NULL) {
			p->conns[i] = c;
			p->client[i] = client;
			return;
		}
	}
}

/* Forgets c and frees it (conn_free) or lets it close (conn_close). */
static void probe_drop(struct probe *p, struct conn *c, bool graceful)
{
	size_t i;

	for (i = 0; i < 2 * PROBE_MAX_CONNS; i++)
		if (p->conns[i] == c)
			p->conns[i] = NULL;
	if (graceful)
		conn_close(c);
	else
		conn_free(c);
}

static void probe_finish(struct probe *p, int rc, const char *what,
			 const char *reason)
{
	if (p->rc == -1) {
		p->rc = rc;
		if (rc != 0)
			printf("FAIL %s: %s\n", what, reason);
	}
	loop_exit(p->loop);
}

/* ---------------------------------------------------------------- server */

/* --lazy: echo what arrived since, from outside on_data; pause reading
 * every other tick to exercise conn_read_enable() too. */
static void srv_on_lazy(struct loop_timer *t, void *arg)
{
	struct probe *p = arg;
	struct evbuffer *in;

	(void)t;
	if (p->srv == NULL)
		return;
	in = conn_input(p->srv);
	if (evbuffer_get_length(in) > p->max_in)
		p->max_in = evbuffer_get_length(in);
	evbuffer_remove_buffer(in, conn_output(p->srv), evbuffer_get_length(in));
	conn_read_enable(p->srv, (++p->done & 1) == 0);
}

static void srv_on_data(struct conn *c, struct evbuffer *in, void *arg)
{
	struct probe *p = arg;
	size_t n = evbuffer_get_length(in);

	if (p->lazy) {
		if (n > p->max_in)
			p->max_in = n;
		return;
	}

	if (n > p->max_in)
		p->max_in = n;
	p->srv_got += n;
	if (p->server_only && p->srv_got == p->bytes * (size_t)p->count)
		loop_timer_start(p->settle, 300, false);
	evbuffer_remove_buffer(in, conn_output(c), n);
}

static void srv_on_end(struct conn *c, enum conn_end why, const char *reason,
		       void *arg)
{
	struct probe *p = arg;

	if (c == p->srv)
		p->srv = NULL;
	if (why != CONN_END_EOF)
		log_info("server side ended peer=%s why=%d reason=\"%s\"",
			 conn_peer(c), (int)why, reason);
	probe_drop(p, c, false);
}

static const struct conn_callbacks srv_cbs = {
	.on_data = srv_on_data,
	.on_end = srv_on_end,
};

static void srv_on_accept(struct conn_listener *ls, struct conn *c, void *arg)
{
	struct probe *p = arg;

	(void)ls;
	probe_track(arg, c, false);
	if (p->lazy && p->srv == NULL)
		p->srv = c;
	conn_set_callbacks(c, &srv_cbs, arg);
	conn_write(c, PROBE_GREETING, PROBE_GREETING_LEN);
}

/* ---------------------------------------------------------------- client */

static void cli_on_connected(struct conn *c, void *arg)
{
	struct probe *p = arg;

	p->connected++;
	if (conn_write(c, p->pattern, p->bytes) == -1)
		probe_finish(p, 1, "client", "write failed");
}

/* Checks the greeting then the echo, byte for byte. */
static void cli_on_data(struct conn *c, struct evbuffer *in, void *arg)
{
	struct probe *p = arg;
	size_t total = PROBE_GREETING_LEN + p->bytes;
	unsigned char buf[4096];

	if (p->mem) {	/* count only: data of many connections interleave */
		p->got += evbuffer_get_length(in);
		evbuffer_drain(in, evbuffer_get_length(in));
		if (p->got == total * (size_t)p->count && !p->server_only)
			loop_timer_start(p->settle, 200, false);
		return;
	}
	while (evbuffer_get_length(in) > 0 && p->got < total) {
		size_t n = evbuffer_remove(in, buf, sizeof(buf));
		size_t i;

		for (i = 0; i < n; i++, p->got++) {
			unsigned char want = p->got < PROBE_GREETING_LEN ?
				(unsigned char)PROBE_GREETING[p->got] :
				p->pattern[p->got - PROBE_GREETING_LEN];

			if (buf[i] != want) {
				probe_finish(p, 1, "client", "echo mismatch");
				return;
			}
		}
	}
	if (p->got == total) {
		printf("OK echoed=%zu max_in=%zu tls=%d\n", p->bytes, p->max_in,
		       conn_is_tls(c) ? 1 : 0);
		probe_drop(p, c, true);
		probe_finish(p, 0, "", "");
	}
}

static void cli_on_end(struct conn *c, enum conn_end why, const char *reason,
		       void *arg)
{
	struct probe *p = arg;

	(void)why;
	probe_drop(p, c, false);
	probe_finish(p, 1, "client", reason);
}

static const struct conn_callbacks cli_cbs = {
	.on_connected = cli_on_connected,
	.on_data = cli_on_data,
	.on_end = cli_on_end,
};

static void probe_on_deadline(struct loop_timer *t, void *arg)
{
	(void)t;
	probe_finish(arg, 1, "probe", "deadline passed");
}

static size_t heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	return mallinfo2().uordblks;
#else
	return 0;
#endif
}

static size_t heap_base;

static void probe_on_settle(struct loop_timer *t, void *arg)
{
	struct probe *p = arg;
	size_t used = heap_in_use(), n = (size_t)p->count;

	(void)t;
	(void)n;
	(void)used;
#if defined(PROBE_ASAN)
	printf("OK connections=%d %s=unknown\n", p->count,
	       p->server_only ? "server_side_bytes" : "per_conn_bytes");
#else
	if (used < heap_base)
		used = heap_base;
	if (p->server_only)
		printf("OK connections=%d server_side_bytes=%zu\n", p->count,
		       (used - heap_base) / n);
	else
		printf("OK connections=%d per_conn_bytes=%zu\n", p->count,
		       (used - heap_base) / (2 * n));
#endif
	probe_finish(p, 0, "", "");
}

static int probe_args(struct probe *p, int argc, char **argv)
{
	int i;

	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--no-verify") == 0) {
			p->verify = false;
			continue;
		}
		if (strcmp(a, "--plain-server") == 0) {
			p->plain_server = true;
			continue;
		}
		if (strcmp(a, "--plain-client") == 0) {
			p->plain_client = true;
			continue;
		}
		if (strcmp(a, "--lazy") == 0) {
			p->lazy = true;
			continue;
		}
		if (strcmp(a, "--server-only") == 0) {
			p->server_only = true;
			continue;
		}
		if (v == NULL)
			return -1;
		i++;
		if (strcmp(a, "--cert") == 0)
			p->cert = v;
		else if (strcmp(a, "--key") == 0)
			p->key = v;
		else if (strcmp(a, "--ca") == 0)
			p->ca = v;
		else if (strcmp(a, "--name") == 0)
			p->name = v;
		else if (strcmp(a, "--bytes") == 0)
			p->bytes = strtoul(v, NULL, 10);
		else if (strcmp(a, "--read-max") == 0)
			p->read_max = strtoul(v, NULL, 10);
		else if (strcmp(a, "--port") == 0)
			p->port = atoi(v);
		else if (strcmp(a, "--host") == 0)
			p->host = v;
		else if (strcmp(a, "--hosts-file") == 0)
			p->hosts_file = v;
		else if (strcmp(a, "--count") == 0)
			p->count = atoi(v);
		else
			return -1;
	}
	return 0;
}

static int probe_setup(struct probe *p)
{
	struct conn_listen_opts lo = { "127.0.0.1", 0, NULL, p->read_max, 0 };
	size_t i;

	p->pattern = malloc(p->bytes ? p->bytes : 1);
	if (p->pattern == NULL)
		return -1;
	for (i = 0; i < p->bytes; i++)
		p->pattern[i] = (unsigned char)(i * 7 + i / 251);
	if (p->cert != NULL) {
		p->srv_tls = conn_tls_server_new(p->cert, p->key);
		p->cli_tls = conn_tls_client_new(p->ca, p->verify);
		if (p->srv_tls == NULL || p->cli_tls == NULL)
			return -1;
	}
	lo.tls = p->plain_server ? NULL : p->srv_tls;
	p->ls = conn_listen(p->loop, &lo, srv_on_accept, p);
	p->deadline = loop_timer_new(p->loop, probe_on_deadline, p);
	p->settle = loop_timer_new(p->loop, probe_on_settle, p);
	p->lazy_timer = loop_timer_new(p->loop, srv_on_lazy, p);
	if (p->lazy_timer == NULL ||
	    (p->lazy && loop_timer_start(p->lazy_timer, 2, true) == -1))
		return -1;
	if (p->ls == NULL || p->deadline == NULL || p->settle == NULL)
		return -1;
	return loop_timer_start(p->deadline, 20000, false);
}

static int probe_connect_all(struct probe *p)
{
	if (p->hosts_file != NULL &&
	    (loop_dns(p->loop) == NULL ||
	     evdns_base_load_hosts(loop_dns(p->loop), p->hosts_file) != 0))
		return -1;
	struct conn_opts co = { 5000, 0, p->plain_client ? NULL : p->cli_tls,
				p->name };
	int port = p->port ? p->port : conn_listener_port(p->ls);
	int i;

	for (i = 0; i < p->count; i++) {
		struct conn *c = conn_connect(p->loop,
					      p->host ? p->host : "127.0.0.1",
					      port, &co, &cli_cbs, p);

		if (c == NULL)
			return -1;
		probe_track(p, c, true);
	}
	return 0;
}

/* --server-only: the clients live in a child on a loop of its own, killed
 * (SIGKILL, no cleanup) by the parent once it has measured. */
static int probe_connect(struct probe *p)
{
	heap_base = heap_in_use();
	if (!p->server_only)
		return probe_connect_all(p);
	p->child = fork();
	if (p->child == -1)
		return -1;
	if (p->child == 0) {
		p->loop = loop_new();
		if (p->loop == NULL || probe_connect_all(p) == -1)
			_exit(1);
		loop_run(p->loop);
		_exit(0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct probe p = { .verify = true, .bytes = 256 * 1024, .count = 1,
			   .rc = -1 };
	struct rlimit rl;
	size_t i;

	if (argc < 2 || probe_args(&p, argc, argv) == -1 || p.count < 1 ||
	    p.count > PROBE_MAX_CONNS) {
		fprintf(stderr, "usage: io_conn_probe echo|mem [options]\n");
		return 2;
	}
	p.mem = strcmp(argv[1], "mem") == 0;
	if (p.mem && p.bytes == 256 * 1024)
		p.bytes = 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("io_conn_probe", LOG_LEVEL_INFO, NULL);
	p.loop = loop_new();
	if (p.loop == NULL || probe_setup(&p) == -1 || probe_connect(&p) == -1)
		probe_finish(&p, 1, "setup", "see log");
	else
		loop_run(p.loop);
	if (p.child > 0) {
		kill(p.child, SIGKILL);
		waitpid(p.child, NULL, 0);
	}
	for (i = 0; i < 2 * PROBE_MAX_CONNS; i++)
		conn_free(p.conns[i]);
	loop_timer_free(p.deadline);
	loop_timer_free(p.settle);
	loop_timer_free(p.lazy_timer);
	conn_listener_free(p.ls);
	conn_tls_free(p.srv_tls);
	conn_tls_free(p.cli_tls);
	free(p.pattern);
	loop_free(p.loop);
	log_fini();
	return p.rc == 0 ? 0 : 1;
}
