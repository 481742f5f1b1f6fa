/*
 * conf_load — reads the configuration file and its includes from disk, parses
 * and validates it (conf, conf_schema), and implements the `--check-config`
 * option every box has. The impure half of the configuration: blocking file
 * reads, meant for start-up only, never on the event loop. libc only.
 *
 * A box's main():
 *	if (check_only)
 *		return conf_load_check(path, stdout);
 *	if (conf_load(path, &conf) != 0) {
 *		if (conf != NULL)
 *			conf_load_print_errors(conf, stderr);
 *		conf_free(conf);
 *		return 1;
 *	}
 *	core = conf_schema_group(conf, "core");
 *	url = conf_schema_get_str(core, "redis-url");
 *	for (g = NULL; (g = conf_group_next(conf, g, "smsc")) != NULL;)
 *		...
 */
#ifndef HERMOD_CONF_LOAD_H
#define HERMOD_CONF_LOAD_H

#include <stdio.h>

#include "shared/codec/conf.h"

/*
 * Reads path (and every file it includes, named relative to the including
 * file's directory), parses it and validates it against the schema.
 * Returns 0 with *out set to a valid configuration; -1 when there were errors,
 * with *out holding them all (print with conf_load_print_errors()); -1 with
 * *out NULL only when memory ran out. The caller frees *out with conf_free().
 */
int conf_load(const char *path, struct conf **out);

/* Writes each error of c to f as "file:line: message\n". */
void conf_load_print_errors(const struct conf *c, FILE *f);

/*
 * The --check-config helper: loads path, writes every error to out (one
 * "file:line: message" per line; nothing when the file is valid). Returns 0
 * when the configuration is valid, 1 otherwise: usable as an exit status.
 */
int conf_load_check(const char *path, FILE *out);

/*
 * Reads a whole file of at most CONF_MAX_TEXT bytes into a new NUL-terminated
 * buffer (*text, free() it) and its length (*len). Returns 0, or -1 with a
 * short reason in err[0..errlen).
 */
int conf_load_read_file(const char *path, char **text, size_t *len, char *err,
    size_t errlen);

#endif
