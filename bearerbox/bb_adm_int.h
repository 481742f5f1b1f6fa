/*
 * bb_adm_int — what bb_admin.c (the server, the password, the Redis calls of a
 * request) and bb_adm_render.c (JSON, text and Prometheus output) share.
 * Internal to the bearerbox; loop thread only.
 */
#ifndef HERMOD_BB_ADM_INT_H
#define HERMOD_BB_ADM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "bearerbox/bb_admin.h"

enum adm_kind { ADM_BOXES, ADM_MODEMBOXES, ADM_BINDS, ADM_KINDS };
enum adm_fmt { ADM_JSON, ADM_TEXT, ADM_METRICS };

/* One key read from Redis: a hash's field/value pairs, or a sorted set's
 * live members (values ""). */
struct adm_item {
	char *name;		/* the key without "{prefix}:kind:" */
	size_t n;
	char **kv;		/* 2n strings */
};

/* The keys of one kind a request found, sorted by name before rendering. */
struct adm_list {
	struct adm_item *it;
	size_t n, cap;
	unsigned scans;
};

/* One /status or /metrics request and what its Redis calls brought. */
struct adm_job {
	struct bb_admin *a;	/* NULL once the admin is gone */
	struct adm_job *prev, *next;
	struct httpd_req *req;	/* NULL once the server answered it 503 */
	enum adm_fmt fmt;
	size_t pending;		/* Redis replies awaited */
	bool partial;		/* some Redis call failed */
	bool redis;		/* Redis was connected at the start */
	size_t nlinks;
	long long *qlen;	/* per link: XLEN, -1 unknown */
	char **holder;		/* per link: P:link:LINK:up's value, or NULL */
	struct adm_list l[ADM_KINDS];
};

struct bb_admin {
	struct box *b;
	struct bb_admin_src src;
	struct httpd *httpd;
	const char *password;	/* NULL or "": none */
	unsigned long long started_ms;
	time_t started;
	struct adm_job *jobs;
};

/* A growing answer; oom set when an allocation failed (answer 500). */
struct adm_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

/* Renders j (its admin alive, its lists sorted) in j->fmt into b. */
void adm_render(const struct adm_job *j, struct adm_buf *b);

#endif
