/*
 * Fuzz target for the configuration parser and schema: parses arbitrary text
 * (every include resolves to a small fixed text that itself includes, so
 * nesting and cycle detection run too), validates it, and reads every declared
 * key of every group through the typed getters.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/conf.h"
#include "shared/codec/conf_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_conf_included[] =
	"include = inc.conf\n"
	"\n"
	"group = smsc\n"
	"smsc-id = inc\n"
	"type = modem\n"
	"modembox = mb\n";

static char *fuzz_conf_dup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int fuzz_conf_include(void *arg, const char *from, const char *path,
    struct conf_text *out, char *err, size_t errlen)
{
	(void)arg;
	(void)from;
	if (strcmp(path, "missing.conf") == 0) {
		strncpy(err, "no such file", errlen - 1);
		err[errlen - 1] = '\0';
		return -1;
	}
	out->name = fuzz_conf_dup(path, strlen(path));
	out->text = fuzz_conf_dup(fuzz_conf_included, sizeof(fuzz_conf_included) - 1);
	out->len = sizeof(fuzz_conf_included) - 1;
	return 0;
}

static void fuzz_conf_read(const struct conf *c)
{
	char items[CONF_LIST_MAX][CONF_ITEM_MAX];
	const struct conf_option *o;
	const struct conf_group *g;
	size_t n, i, j;

	o = conf_schema_options(&n);
	for (i = 0; i < conf_group_count(c); i++) {
		g = conf_group_at(c, i);
		for (j = 0; j < n; j++) {
			if (strcmp(o[j].group, g->name) != 0)
				continue;
			(void)conf_schema_get_str(g, o[j].key);
			(void)conf_schema_get_int(g, o[j].key);
			(void)conf_schema_get_bool(g, o[j].key);
			(void)conf_schema_get_duration_ms(g, o[j].key);
			(void)conf_schema_get_enum(g, o[j].key);
			(void)conf_schema_get_list(g, o[j].key, items, CONF_LIST_MAX);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c;
	size_t i;

	c = conf_parse("fuzz.conf", (const char *)data, size, fuzz_conf_include,
	    NULL);
	if (c == NULL)
		return 0;
	(void)conf_schema_validate(c);
	for (i = 0; i < conf_error_count(c); i++)
		if (strlen(conf_error_at(c, i)) == 0)
			abort();
	fuzz_conf_read(c);
	conf_free(c);
	return 0;
}
