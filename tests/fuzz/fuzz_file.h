/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_file.h - a harness's input as a file in a private directory */
#ifndef FUZZ_FILE_H
#define FUZZ_FILE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vu/file.h"

/*
 * The input lives in a private directory, so relative backing names it may
 * carry resolve to files that do not exist (and never to our fds, as they
 * would beside /proc/self/fd/N). libFuzzer calls the harness with no
 * context, so the path is the harness's one piece of file-scope state.
 */
static char fuzz_dir[64];
static char fuzz_path[96];

static void fuzz_file_cleanup(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

/* Makes the directory NAME.XXXXXX (under $TMPDIR) once, from
 * LLVMFuzzerInitialize; the input will be the file FILE in it. */
static void fuzz_file_init(const char *name, const char *file)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(fuzz_dir, sizeof(fuzz_dir), "%.30s/%.20s.XXXXXX", tmp ? tmp : "/tmp", name);
	if (!mkdtemp(fuzz_dir))
		abort();
	if ((size_t)snprintf(fuzz_path, sizeof(fuzz_path), "%s/%s", fuzz_dir, file) >=
	    sizeof(fuzz_path))
		abort();
	atexit(fuzz_file_cleanup);
}

/* Replaces the file's content with this run's input. */
static void fuzz_file_write(const uint8_t *data, size_t size)
{
	int fd = open(fuzz_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || vu_write_all(fd, data, size) < 0)
		abort();
	close(fd);
}

#endif
