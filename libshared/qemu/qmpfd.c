/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qmpfd.c - an fd handed to QEMU over its QMP socket (getfd): the file
 * vm-migrate's tunnel writes the stream to or reads it from */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "vu/qmp.h"

int vu_qmp_getfd(struct vu_qmp *q, int fd, const char *fdname, int timeout_ms,
		 struct vu_err *e)
{
	/* one blank, which QMP's JSON parser skips, carries the fd */
	char space = ' ';
	struct iovec iov = { .iov_base = &space, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	json_object *args;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	errno = 0;
	if (sendmsg(vu_qmp_fd(q), &m, MSG_NOSIGNAL) != 1)
		return vu_err_set(e, errno ? errno : EIO, "cannot pass the file to QEMU: %s",
				  strerror(errno ? errno : EIO));
	if (!(args = json_object_new_object()) ||
	    json_object_object_add(args, "fdname", json_object_new_string(fdname)) < 0) {
		json_object_put(args);
		return vu_err_set(e, ENOMEM, NULL);
	}
	return vu_qmp_cmd(q, "getfd", args, NULL, timeout_ms, e);
}
