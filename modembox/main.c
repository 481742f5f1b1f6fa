/*
 * modembox — GSM modems and GSM gateways over AT commands (doc/architecture.md).
 * This version checks its configuration only: driving modems is not built yet.
 */
#include "config.h"

#include <stdio.h>

#include "shared/io/box.h"

int main(int argc, char **argv)
{
	struct box box;
	int status;

	if (box_init(&box, "modembox", argc, argv, NULL, &status) != 0)
		return status;
	box_fini(&box);
	fprintf(stderr, "modembox: driving modems is not built in this version; "
			"only --check-config works\n");
	return 1;
}
