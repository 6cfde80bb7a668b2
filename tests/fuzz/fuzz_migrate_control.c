/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_migrate_control.c - libFuzzer harness: any bytes read as the
 * request a live migration's receiver gets on its control channel (up to
 * "prepare"); what it accepts must keep the promises the receiver relies
 * on before it builds paths, QMP arguments and volumes from it */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vu/file.h"

#include "../../tools/vm-migrate/vm-migrate.h"

static void check(const struct vmg_request *q)
{
	if (!q->dom || q->ndisks > VMG_MAX_DISKS || q->ncaps > 4 || q->port > 65535 ||
	    q->channels > 255 || strpbrk(q->listen, " ,\"\\"))
		abort();
	for (unsigned i = 0; i < q->ncaps; i++)
		if (strcmp(q->caps[i], "postcopy-ram") && strcmp(q->caps[i], "multifd") &&
		    strcmp(q->caps[i], "compress"))
			abort();
	for (unsigned i = 0; i < q->ndisks; i++) {
		const struct vmg_rdisk *d = &q->disks[i];

		if (vu_name_check(d->target) < 0 ||
		    (strcmp(d->format, "raw") && strcmp(d->format, "qcow2")) ||
		    (d->backing && d->backing[0] != '/'))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmg_request q;
	struct vu_err e;
	int fd = memfd_create("control", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0 &&
	    vmg_request_read(fd, &q, 0, &e) == 0)
		check(&q);
	vmg_request_free(&q);
	close(fd);
	return 0;
}
