/*
 * conf_check — checks a configuration file the way `box --check-config -c FILE`
 * does, for test/integration/check_config.sh: prints every error and exits 1,
 * or exits 0. `conf_check --keys` lists every declared group.key (the test
 * compares it with doc/config.md).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "shared/codec/conf_schema.h"
#include "shared/io/conf_load.h"

int main(int argc, char **argv)
{
	const struct conf_option *o;
	size_t n, i;

	if (argc == 2 && strcmp(argv[1], "--keys") == 0) {
		o = conf_schema_options(&n);
		for (i = 0; i < n; i++)
			printf("%s.%s\n", o[i].group, o[i].key);
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "-c") != 0) {
		fprintf(stderr, "usage: conf_check -c FILE | --keys\n");
		return 2;
	}
	return conf_load_check(argv[2], stdout);
}
