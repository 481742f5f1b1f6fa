/*
 * bearerbox — SMPP links to operators, the SMPP server for customers, routing
 * and receipt correlation (doc/architecture.md). main() wires the parts to the
 * common box runtime (shared/io/box.h).
 */
#include "config.h"

#include "shared/io/box.h"
#include "shared/io/log.h"

int main(int argc, char **argv)
{
	struct box box;
	int status;

	if (box_init(&box, "bearerbox", argc, argv, NULL, &status) != 0)
		return status;
	status = box_run(&box);
	log_info("stopped");
	box_fini(&box);
	return status;
}
