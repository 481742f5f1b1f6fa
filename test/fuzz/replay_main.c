/*
 * Replay driver for the fuzz targets when they are not linked with libFuzzer:
 * runs LLVMFuzzerTestOneInput over every file of the target's seed corpus, so
 * `make check` exercises each decoder on every compiler.
 *
 * The corpus is $srcdir/test/fuzz/corpus/<name>/ where the binary is fuzz_<name>;
 * files named on the command line are replayed instead. A target with an empty
 * or missing corpus fails: a replay that tests nothing must not pass.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (4u << 20)

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	buf = malloc(REPLAY_MAX_INPUT);
	if (buf == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	/* Hand the decoder an exact-size copy so ASan sees reads past the end. */
	{
		uint8_t *exact = malloc(n ? n : 1);

		if (exact == NULL) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, n);
		free(buf);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	const char *srcdir = getenv("srcdir");
	char dir[4096];
	DIR *d;
	struct dirent *e;
	int count = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (replay_file(argv[i]) != 0)
				return 1;
		printf("%d passed, 0 failed\n", argc - 1);
		return 0;
	}
	base = base ? base + 1 : argv[0];
	if (strncmp(base, "fuzz_", 5) != 0) {
		fprintf(stderr, "replay: binary must be named fuzz_<name>\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/test/fuzz/corpus/%s", srcdir ? srcdir : ".",
		 base + 5);
	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		char path[8192];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (replay_file(path) != 0) {
			closedir(d);
			return 1;
		}
		count++;
	}
	closedir(d);
	if (count == 0) {
		fprintf(stderr, "replay: %s is empty\n", dir);
		return 1;
	}
	printf("%s: %d corpus inputs replayed\n", base, count);
	return 0;
}
