/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qmpfd.c - what save and restore say to QEMU besides commands: an fd
 * handed over the QMP socket, small arguments, a polling pace */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "vu/base.h"
#include "vu/diag.h"

#include "qmpfd.h"

static void oom(void)
{
	vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
}

json_object *vctl_json1(const char *key, json_object *v)
{
	json_object *o = json_object_new_object();

	if (!o || !v || json_object_object_add(o, key, v) < 0)
		oom();
	return o;
}

int vctl_qmp_getfd(struct vu_qmp *q, int fd, const char *fdname, struct vu_err *e)
{
	char space = ' ';
	struct iovec iov = { .iov_base = &space, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(vu_qmp_fd(q), &m, MSG_NOSIGNAL) != 1)
		return vu_err_set(e, errno ? errno : EIO, "cannot pass the file to QEMU: %s",
				  strerror(errno ? errno : EIO));
	return vu_qmp_cmd(q, "getfd", vctl_json1("fdname", json_object_new_string(fdname)), NULL,
			  10000, e);
}

void vctl_tick(void)
{
	struct timespec t = { 0, 20 * 1000 * 1000 };

	nanosleep(&t, NULL);
}

