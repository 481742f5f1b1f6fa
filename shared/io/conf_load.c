/*
 * conf_load — the configuration file from disk: reads the main file, resolves
 * `include` relative to the including file for the pure parser, validates, and
 * prints errors for --check-config. Start-up only (blocking reads); libc only.
 */
#include "config.h"

#include "shared/io/conf_load.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shared/codec/conf_schema.h"

int conf_load_read_file(const char *path, char **text, size_t *len, char *err,
    size_t errlen)
{
	FILE *f = NULL;
	struct stat st;
	char *buf = NULL;
	size_t n;

	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		goto fail;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "is a directory");
		goto fail;
	}
	buf = malloc(CONF_MAX_TEXT + 2);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	n = fread(buf, 1, CONF_MAX_TEXT + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		goto fail;
	}
	if (n > CONF_MAX_TEXT) {
		snprintf(err, errlen, "file too large (max %u bytes)", CONF_MAX_TEXT);
		goto fail;
	}
	fclose(f);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	if (f != NULL)
		fclose(f);
	return -1;
}

/*
 * Removes "." and "dir/.." segments and repeated slashes from path (shorter
 * than PATH_MAX) in place,
 * so that one file reached by two spellings has one name (the parser detects
 * include cycles by name; symbolic links are caught by the depth limit).
 */
static void conf_load_normalize(char *path)
{
	char *seg[PATH_MAX / 2 + 1];
	size_t n = 0, i, nreal = 0;
	bool abs = path[0] == '/';
	char *tok, *save = NULL, *w;

	for (tok = strtok_r(path, "/", &save); tok != NULL;
	    tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0 && nreal > 0) {
			n--;
			nreal--;
			continue;
		}
		if (strcmp(tok, "..") == 0 && abs)
			continue;
		if (strcmp(tok, "..") != 0)
			nreal++;
		seg[n++] = tok;
	}
	/* Segments only move left, so they can be copied down in place. */
	w = path;
	if (abs)
		*w++ = '/';
	for (i = 0; i < n; i++) {
		size_t len = strlen(seg[i]);

		if (i > 0)
			*w++ = '/';
		memmove(w, seg[i], len);
		w += len;
	}
	if (w == path)
		*w++ = '.';
	*w = '\0';
}

/* conf_include_fn: `path` relative to the directory of `from`. */
static int conf_load_include(void *arg, const char *from, const char *path,
    struct conf_text *out, char *err, size_t errlen)
{
	const char *slash = strrchr(from, '/');
	size_t dlen = slash != NULL && path[0] != '/' ? (size_t)(slash - from) + 1 : 0;
	size_t plen = strlen(path);
	char *name;

	(void)arg;
	if (dlen + plen >= PATH_MAX) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	name = malloc(dlen + plen + 1);
	if (name == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(name, from, dlen);
	memcpy(name + dlen, path, plen + 1);
	conf_load_normalize(name);
	if (conf_load_read_file(name, &out->text, &out->len, err, errlen) != 0) {
		free(name);
		return -1;
	}
	out->name = name;
	return 0;
}

int conf_load(const char *path, struct conf **out)
{
	char err[256];
	char *text = NULL, *name;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (strlen(path) >= PATH_MAX) {
		*out = conf_parse(path, "", 0, NULL, NULL);
		if (*out != NULL)
			conf_error(*out, NULL, 0, "path too long");
		return -1;
	}
	name = strdup(path);
	if (name == NULL)
		return -1;
	conf_load_normalize(name);
	rc = conf_load_read_file(name, &text, &len, err, sizeof(err));
	*out = conf_parse(name, rc == 0 ? text : "", rc == 0 ? len : 0,
	    conf_load_include, NULL);
	free(text);
	free(name);
	if (*out == NULL)
		return -1;
	if (rc != 0) {
		conf_error(*out, NULL, 0, "%s", err);
		return -1;
	}
	return conf_schema_validate(*out) == 0 ? 0 : -1;
}

void conf_load_print_errors(const struct conf *c, FILE *f)
{
	size_t i;

	for (i = 0; i < conf_error_count(c); i++)
		fprintf(f, "%s\n", conf_error_at(c, i));
}

int conf_load_check(const char *path, FILE *out)
{
	struct conf *c = NULL;

	if (conf_load(path, &c) == 0) {
		conf_free(c);
		return 0;
	}
	if (c == NULL)
		fprintf(out, "%s: out of memory\n", path);
	else
		conf_load_print_errors(c, out);
	conf_free(c);
	return 1;
}
