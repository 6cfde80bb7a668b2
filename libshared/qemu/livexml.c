/* SPDX-License-Identifier: GPL-2.0-or-later */
/* livexml.c - the live XML of a running domain changed after start, as
 * libvirt keeps its status XML in step with what was done to the guest */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/file.h"
#include "vu/qemurun.h"

#include "qemurun_int.h"

int vu_qemurun_update_live(const struct vu_state *st, const char *name,
			   const struct vu_domain *dom, struct vu_err *e)
{
	char *xml = NULL;
	int dfd, lk, r;

	if (vu_name_check(name) < 0)
		return vu_err_set(e, EINVAL, "not a valid domain name");
	if ((dfd = qr_dirfd(st, false, NULL)) < 0)
		return vu_err_set(e, ESRCH, "domain is not running");
	/* Not while a start or a stop is under way: they write it or clean it. */
	lk = qr_lock(dfd, name, false);
	if (qr_pid(dfd, name) <= 0)
		r = vu_err_set(e, ESRCH, "domain is not running");
	else if (!(xml = vu_domain_format(dom)))
		r = vu_err_set(e, ENOMEM, "cannot allocate memory");
	else if ((r = qr_write(dfd, name, "xml", xml)) < 0)
		vu_err_set(e, -r, "the live XML: %s", strerror(-r));
	free(xml);
	if (lk >= 0)
		close(lk);
	close(dfd);
	return r;
}
