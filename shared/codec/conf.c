/*
 * conf — parser for Hermod's Kannel-style configuration file (see conf.h and
 * doc/config.md for the format). Pure codec layer: includes come through the
 * caller's callback, errors are collected as strings, and every table grows
 * only up to the limits in conf.h.
 */
#include "config.h"

#include "shared/codec/conf.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A group while it is being filled: kv grows, so conf_group.kv is set at the
 * end of parsing. */
struct conf_grp {
	struct conf_group pub;
	struct conf_kv *kv;
	size_t cap;
};

struct conf {
	struct conf_grp *groups;
	size_t ngroups, cap;
	char **files;		/* names of every file read; [0] is the main one */
	size_t nfiles;
	char **errors;
	size_t nerrors, errcap;
	bool errors_capped;
	bool oom;
};

/* Per-file state while parsing. */
struct conf_file_state {
	const char *name;	/* owned by conf->files */
	unsigned line;
	long group;		/* index of the open group, -1 when none */
	bool in_block;		/* a non-blank line since the last blank one */
	bool orphan_reported;	/* this block's keys have no group: said once */
};

struct conf_parser {
	struct conf *c;
	conf_include_fn inc;
	void *arg;
	const char *stack[CONF_MAX_DEPTH + 1];	/* files being read */
	int depth;
};

static char *conf_strndup(struct conf *c, const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d == NULL) {
		c->oom = true;
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void conf_verror(struct conf *c, const char *file, unsigned line,
    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static void conf_verror(struct conf *c, const char *file, unsigned line,
    const char *fmt, va_list ap)
{
	char msg[512], full[1024];
	char *s;

	if (c->errors_capped)
		return;
	if (file == NULL)
		file = c->nfiles > 0 ? c->files[0] : "(config)";
	if (c->nerrors >= CONF_MAX_ERRORS) {
		c->errors_capped = true;
		snprintf(msg, sizeof(msg), "too many errors (over %d); stopped reporting",
		    CONF_MAX_ERRORS);
		file = c->nfiles > 0 ? c->files[0] : "(config)";
		line = 0;
	} else {
		vsnprintf(msg, sizeof(msg), fmt, ap);
	}
	if (line > 0)
		snprintf(full, sizeof(full), "%s:%u: %s", file, line, msg);
	else
		snprintf(full, sizeof(full), "%s: %s", file, msg);
	if (c->nerrors == c->errcap) {
		size_t ncap = c->errcap ? c->errcap * 2 : 8;
		char **n = realloc(c->errors, ncap * sizeof(*n));

		if (n == NULL) {
			c->oom = true;
			return;
		}
		c->errors = n;
		c->errcap = ncap;
	}
	s = conf_strndup(c, full, strlen(full));
	if (s != NULL)
		c->errors[c->nerrors++] = s;
}

void conf_error(struct conf *c, const char *file, unsigned line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_verror(c, file, line, fmt, ap);
	va_end(ap);
}

static bool conf_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

static bool conf_is_key_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '+' ||
	    ch == '.';
}

/*
 * Extracts the value that starts at s[0..n) (leading blanks already skipped)
 * into out (room for n + 1 bytes). Returns the value's length, or -1 with a
 * message in *why.
 */
static long conf_value(const char *s, size_t n, char *out, const char **why)
{
	size_t i = 0, o = 0;

	if (n > 0 && s[0] == '"') {
		for (i = 1; i < n && s[i] != '"'; i++) {
			if (s[i] == '\\' && i + 1 < n &&
			    (s[i + 1] == '"' || s[i + 1] == '\\'))
				i++;
			out[o++] = s[i];
		}
		if (i >= n) {
			*why = "unterminated quoted value (missing '\"')";
			return -1;
		}
		for (i++; i < n && conf_is_space(s[i]); i++)
			;
		if (i < n && s[i] != '#') {
			*why = "unexpected text after the closing '\"'";
			return -1;
		}
		out[o] = '\0';
		return (long)o;
	}
	/* Bare: '#' starts a comment at the start or after a blank. */
	for (i = 0; i < n; i++) {
		if (s[i] == '#' && (i == 0 || conf_is_space(s[i - 1])))
			break;
		if (s[i] == '"') {
			*why = "a value with '\"' in it must be quoted as a whole";
			return -1;
		}
	}
	while (i > 0 && conf_is_space(s[i - 1]))
		i--;
	memcpy(out, s, i);
	out[i] = '\0';
	return (long)i;
}

static long conf_new_group(struct conf_parser *p, struct conf_file_state *fs,
    const char *name)
{
	struct conf *c = p->c;
	struct conf_grp *g;

	if (c->ngroups >= CONF_MAX_GROUPS) {
		conf_error(c, fs->name, fs->line, "too many groups (max %d)",
		    CONF_MAX_GROUPS);
		return -1;
	}
	if (c->ngroups == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16;
		struct conf_grp *n = realloc(c->groups, ncap * sizeof(*n));

		if (n == NULL) {
			c->oom = true;
			return -1;
		}
		c->groups = n;
		c->cap = ncap;
	}
	g = &c->groups[c->ngroups];
	memset(g, 0, sizeof(*g));
	g->pub.name = conf_strndup(c, name, strlen(name));
	if (g->pub.name == NULL)
		return -1;
	g->pub.file = fs->name;
	g->pub.line = fs->line;
	return (long)c->ngroups++;
}

static void conf_add_kv(struct conf_parser *p, struct conf_file_state *fs,
    const char *key, size_t klen, const char *val, size_t vlen)
{
	struct conf *c = p->c;
	struct conf_grp *g = &c->groups[fs->group];
	struct conf_kv *kv;

	if (g->pub.nkv >= CONF_MAX_KEYS) {
		conf_error(c, fs->name, fs->line, "too many keys in one group (max %d)",
		    CONF_MAX_KEYS);
		return;
	}
	if (g->pub.nkv == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 8;
		struct conf_kv *n = realloc(g->kv, ncap * sizeof(*n));

		if (n == NULL) {
			c->oom = true;
			return;
		}
		g->kv = n;
		g->cap = ncap;
	}
	kv = &g->kv[g->pub.nkv];
	kv->key = conf_strndup(c, key, klen);
	kv->value = conf_strndup(c, val, vlen);
	kv->file = fs->name;
	kv->line = fs->line;
	if (kv->key == NULL || kv->value == NULL) {
		free((char *)kv->key);
		free((char *)kv->value);
		return;
	}
	g->pub.nkv++;
}

static void conf_parse_text(struct conf_parser *p, const char *name,
    const char *text, size_t len);

static void conf_include(struct conf_parser *p, struct conf_file_state *fs,
    const char *path)
{
	struct conf *c = p->c;
	struct conf_text t = { NULL, NULL, 0 };
	char err[256] = "";
	char **nf;
	int i;

	if (p->inc == NULL) {
		conf_error(c, fs->name, fs->line, "include is not allowed here");
		return;
	}
	if (p->depth >= CONF_MAX_DEPTH) {
		conf_error(c, fs->name, fs->line,
		    "include '%s': includes nested too deep (max %d)", path,
		    CONF_MAX_DEPTH);
		return;
	}
	if (c->nfiles >= CONF_MAX_FILES) {
		conf_error(c, fs->name, fs->line,
		    "include '%s': too many files (max %d)", path, CONF_MAX_FILES);
		return;
	}
	if (p->inc(p->arg, fs->name, path, &t, err, sizeof(err)) != 0 ||
	    t.name == NULL || t.text == NULL) {
		err[sizeof(err) - 1] = '\0';
		conf_error(c, fs->name, fs->line, "include '%s': %s", path,
		    err[0] ? err : "cannot read it");
		goto out;
	}
	for (i = 0; i <= p->depth; i++) {
		if (strcmp(p->stack[i], t.name) == 0) {
			conf_error(c, fs->name, fs->line,
			    "include '%s': include cycle (%s is already being read)",
			    path, t.name);
			goto out;
		}
	}
	nf = realloc(c->files, (c->nfiles + 1) * sizeof(*nf));
	if (nf == NULL) {
		c->oom = true;
		goto out;
	}
	c->files = nf;
	c->files[c->nfiles++] = t.name;
	p->stack[++p->depth] = t.name;
	conf_parse_text(p, t.name, t.text, t.len);
	p->depth--;
	t.name = NULL;	/* now owned by c->files */
out:
	free(t.name);
	free(t.text);
}

/* Handles `key = value` with the value already extracted. */
static void conf_directive(struct conf_parser *p, struct conf_file_state *fs,
    const char *key, size_t klen, const char *val, size_t vlen)
{
	struct conf *c = p->c;

	if (klen == 5 && memcmp(key, "group", 5) == 0) {
		if (fs->in_block)
			conf_error(c, fs->name, fs->line,
			    "'group = %s' must start a block: put a blank line before it",
			    val);
		if (vlen == 0)
			conf_error(c, fs->name, fs->line, "empty group name");
		fs->group = conf_new_group(p, fs, val);
		fs->in_block = true;
		fs->orphan_reported = fs->group < 0;
		return;
	}
	if (klen == 7 && memcmp(key, "include", 7) == 0) {
		if (fs->group >= 0) {
			conf_error(c, fs->name, fs->line,
			    "include inside group '%s': put a blank line before it",
			    c->groups[fs->group].pub.name);
			return;
		}
		if (vlen == 0) {
			conf_error(c, fs->name, fs->line, "include of an empty path");
			return;
		}
		conf_include(p, fs, val);
		return;
	}
	fs->in_block = true;
	if (fs->group < 0) {
		if (!fs->orphan_reported)
			conf_error(c, fs->name, fs->line,
			    "'%.*s' outside a group: a block must start with 'group = NAME'",
			    (int)klen, key);
		fs->orphan_reported = true;
		return;
	}
	conf_add_kv(p, fs, key, klen, val, vlen);
}

static void conf_line(struct conf_parser *p, struct conf_file_state *fs,
    const char *s, size_t n, char *vbuf)
{
	struct conf *c = p->c;
	const char *eq, *why = NULL;
	size_t klen, i;
	long vlen;

	while (n > 0 && conf_is_space(s[0]))
		s++, n--;
	while (n > 0 && conf_is_space(s[n - 1]))
		n--;
	if (n == 0) {
		fs->group = -1;
		fs->in_block = false;
		fs->orphan_reported = false;
		return;
	}
	if (s[0] == '#')
		return;
	if (memchr(s, '\0', n) != NULL) {
		conf_error(c, fs->name, fs->line, "NUL byte in line");
		fs->in_block = true;
		return;
	}
	eq = memchr(s, '=', n);
	if (eq == NULL) {
		conf_error(c, fs->name, fs->line, "expected 'key = value', found no '='");
		fs->in_block = true;
		return;
	}
	klen = (size_t)(eq - s);
	while (klen > 0 && conf_is_space(s[klen - 1]))
		klen--;
	for (i = 0; i < klen && conf_is_key_char(s[i]); i++)
		;
	if (klen == 0 || i < klen) {
		if (klen == 0)
			conf_error(c, fs->name, fs->line, "missing key before '='");
		else
			conf_error(c, fs->name, fs->line,
			    "bad key name '%.*s' (letters, digits and '-' only)",
			    (int)(klen > 64 ? 64 : klen), s);
		fs->in_block = true;
		return;
	}
	for (eq++; eq < s + n && conf_is_space(*eq); eq++)
		;
	vlen = conf_value(eq, (size_t)(s + n - eq), vbuf, &why);
	if (vlen < 0) {
		conf_error(c, fs->name, fs->line, "%s", why);
		fs->in_block = true;
		return;
	}
	conf_directive(p, fs, s, klen, vbuf, (size_t)vlen);
}

static void conf_parse_text(struct conf_parser *p, const char *name,
    const char *text, size_t len)
{
	struct conf_file_state fs = { name, 0, -1, false, false };
	char *vbuf;
	size_t off = 0;

	if (len > CONF_MAX_TEXT) {
		conf_error(p->c, name, 0, "file too large (%zu bytes, max %u)", len,
		    CONF_MAX_TEXT);
		return;
	}
	/* Editors on Windows may start the file with a UTF-8 byte order mark. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	vbuf = malloc(CONF_MAX_LINE + 1);
	if (vbuf == NULL) {
		p->c->oom = true;
		return;
	}
	while (off < len && !p->c->oom) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;

		fs.line++;
		if (n > CONF_MAX_LINE) {
			conf_error(p->c, name, fs.line, "line too long (%zu bytes, max %d)",
			    n, CONF_MAX_LINE);
			fs.in_block = true;
		} else {
			conf_line(p, &fs, text + off, n, vbuf);
		}
		off += n + 1;
	}
	free(vbuf);
}

struct conf *conf_parse(const char *name, const char *text, size_t len,
    conf_include_fn inc, void *arg)
{
	struct conf_parser p;
	struct conf *c = calloc(1, sizeof(*c));
	size_t i;

	if (c == NULL)
		return NULL;
	c->files = malloc(sizeof(*c->files));
	if (c->files == NULL)
		goto fail;
	c->files[0] = conf_strndup(c, name, strlen(name));
	if (c->files[0] == NULL)
		goto fail;
	c->nfiles = 1;
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.inc = inc;
	p.arg = arg;
	p.stack[0] = c->files[0];
	conf_parse_text(&p, c->files[0], text, len);
	if (c->oom)
		goto fail;
	for (i = 0; i < c->ngroups; i++)
		c->groups[i].pub.kv = c->groups[i].kv;
	return c;
fail:
	conf_free(c);
	return NULL;
}

void conf_free(struct conf *c)
{
	size_t i, j;

	if (c == NULL)
		return;
	for (i = 0; i < c->ngroups; i++) {
		for (j = 0; j < c->groups[i].pub.nkv; j++) {
			free((char *)c->groups[i].kv[j].key);
			free((char *)c->groups[i].kv[j].value);
		}
		free(c->groups[i].kv);
		free((char *)c->groups[i].pub.name);
	}
	free(c->groups);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	for (i = 0; i < c->nerrors; i++)
		free(c->errors[i]);
	free(c->errors);
	free(c);
}

size_t conf_group_count(const struct conf *c)
{
	return c->ngroups;
}

const struct conf_group *conf_group_at(const struct conf *c, size_t i)
{
	return i < c->ngroups ? &c->groups[i].pub : NULL;
}

const struct conf_group *conf_group_next(const struct conf *c,
    const struct conf_group *prev, const char *name)
{
	size_t i = 0;

	if (prev != NULL)
		i = (size_t)((const struct conf_grp *)(const void *)prev - c->groups) + 1;
	for (; i < c->ngroups; i++)
		if (strcmp(c->groups[i].pub.name, name) == 0)
			return &c->groups[i].pub;
	return NULL;
}

const struct conf_group *conf_group_find(const struct conf *c, const char *name)
{
	return conf_group_next(c, NULL, name);
}

const struct conf_group *conf_group_find_by(const struct conf *c,
    const char *name, const char *key, const char *value)
{
	const struct conf_group *g = NULL;
	const char *v;

	while ((g = conf_group_next(c, g, name)) != NULL) {
		v = conf_group_value(g, key);
		if (v != NULL && strcmp(v, value) == 0)
			return g;
	}
	return NULL;
}

const struct conf_kv *conf_group_kv(const struct conf_group *g, const char *key)
{
	size_t i;

	for (i = 0; i < g->nkv; i++)
		if (strcmp(g->kv[i].key, key) == 0)
			return &g->kv[i];
	return NULL;
}

const char *conf_group_value(const struct conf_group *g, const char *key)
{
	const struct conf_kv *kv = conf_group_kv(g, key);

	return kv ? kv->value : NULL;
}

const char *conf_main_file(const struct conf *c)
{
	return c->files[0];
}

size_t conf_error_count(const struct conf *c)
{
	return c->nerrors;
}

const char *conf_error_at(const struct conf *c, size_t i)
{
	return i < c->nerrors ? c->errors[i] : NULL;
}
