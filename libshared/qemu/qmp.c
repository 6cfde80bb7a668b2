/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qmp.c - the QMP client: one JSON object per line each way, answers
 * matched by id, events queued in order */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vu/file.h"
#include "vu/qmp.h"

/* JSON nesting we accept from QEMU: its schema is far shallower. */
#define QMP_DEPTH 64

struct vu_qmp {
	int fd;
	char *log;		/* QEMU's log, for the last words */
	char *buf;		/* bytes read, not yet a whole line */
	size_t len, cap;
	json_object **events;	/* queued, oldest first */
	size_t nev, capev;
	unsigned long next_id;
};

/* ---- the parser (untrusted input: fuzz_qmp) ---- */

static const char *str_member(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Sorts an object into the four kinds of message. */
static int classify(struct vu_qmp_msg *m, struct vu_err *e)
{
	json_object *o = m->obj, *v;

	m->id = str_member(o, "id");
	if (json_object_object_get_ex(o, "return", &v)) {
		m->kind = VU_QMP_RETURN;
		m->value = v;
		return 0;
	}
	if (json_object_object_get_ex(o, "error", &v)) {
		m->kind = VU_QMP_ERROR;
		m->value = v;
		if (!json_object_is_type(v, json_type_object) ||
		    !(m->err_class = str_member(v, "class")) || !(m->err_desc = str_member(v, "desc")))
			return vu_err_set(e, EPROTO, "QMP error without class and desc");
		return 0;
	}
	if (json_object_object_get_ex(o, "event", &v)) {
		m->kind = VU_QMP_EVENT;
		if (!(m->event = str_member(o, "event")))
			return vu_err_set(e, EPROTO, "QMP event without a name");
		if (json_object_object_get_ex(o, "data", &m->value) &&
		    !json_object_is_type(m->value, json_type_object))
			return vu_err_set(e, EPROTO, "QMP event %.64s: data is not an object",
					  m->event);
		return 0;
	}
	if (json_object_object_get_ex(o, "QMP", &v)) {
		m->kind = VU_QMP_GREETING;
		m->value = v;
		if (!json_object_is_type(v, json_type_object))
			return vu_err_set(e, EPROTO, "QMP greeting is not an object");
		return 0;
	}
	return vu_err_set(e, EPROTO, "not a QMP message");
}

int vu_qmp_parse(const char *line, size_t len, struct vu_qmp_msg *out, struct vu_err *e)
{
	struct json_tokener *tok;
	json_object *o;
	size_t used;
	int r;

	*out = (struct vu_qmp_msg){ 0 };
	if (len > VU_QMP_LINE_MAX || len > (size_t)INT32_MAX)
		return vu_err_set(e, EPROTO, "QMP message too long");
	if (!(tok = json_tokener_new_ex(QMP_DEPTH)))
		return vu_err_set(e, ENOMEM, NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, line, (int)len);
	used = json_tokener_get_parse_end(tok);
	if (!o && json_tokener_get_error(tok) == json_tokener_continue)
		/* A whole line that is not a whole value. */
		o = json_tokener_parse_ex(tok, "", 1);
	r = !o ? vu_err_set(e, EPROTO, "not JSON: %s",
			    json_tokener_error_desc(json_tokener_get_error(tok)))
	       : 0;
	json_tokener_free(tok);
	if (r < 0)
		return r;
	/* One value per line: only white space may follow it. */
	for (; used < len; used++)
		if (!strchr(" \t\r\n", line[used])) {
			json_object_put(o);
			return vu_err_set(e, EPROTO, "more than one JSON value on a line");
		}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return vu_err_set(e, EPROTO, "QMP message is not an object");
	}
	out->obj = o;
	if ((r = classify(out, e)) < 0)
		vu_qmp_msg_clear(out);
	return r;
}

void vu_qmp_msg_clear(struct vu_qmp_msg *m)
{
	json_object_put(m->obj);
	*m = (struct vu_qmp_msg){ 0 };
}

/* ---- QEMU's last words ---- */

void vu_qmp_log_tail(const char *path, unsigned nlines, char *buf, size_t len)
{
	char tail[4096], *lines[16], *p, *save = NULL;
	bool skip_argv = false;
	unsigned n = 0;
	size_t at = 0;
	struct stat sb;
	ssize_t got;
	int fd;

	if (len)
		buf[0] = '\0';
	if (!path || len < 2 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	got = fstat(fd, &sb) < 0 ? -1
				  : pread(fd, tail, sizeof(tail) - 1,
					  sb.st_size > (off_t)sizeof(tail) - 1
						  ? sb.st_size - (off_t)sizeof(tail) + 1
						  : 0);
	close(fd);
	if (got <= 0)
		return;
	tail[got] = '\0';
	if (nlines > 16)
		nlines = 16;
	/* The last nlines non-empty lines, oldest first, of what QEMU wrote
	 * since the runtime's header of the last start (VU_QMP_LOG_START and
	 * the command line after it). */
	for (p = strtok_r(tail, "\r\n", &save); p; p = strtok_r(NULL, "\r\n", &save)) {
		size_t plen = strlen(p), mlen = strlen(VU_QMP_LOG_START);

		if (plen >= mlen && strcmp(p + plen - mlen, VU_QMP_LOG_START) == 0) {
			n = 0;
			skip_argv = true;
			continue;
		}
		if (!*p || skip_argv) {
			skip_argv = false;
			continue;
		}
		if (n == nlines) {
			memmove(lines, lines + 1, (nlines - 1) * sizeof(*lines));
			n--;
		}
		lines[n++] = p;
	}
	for (unsigned i = 0; i < n && at + 1 < len; i++) {
		int w = snprintf(buf + at, len - at, "%s%s", i ? "; " : "", lines[i]);

		at = w < 0 ? len : at + (size_t)w;
	}
	/* Control bytes in a message line would garble a terminal. */
	for (p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* ---- the connection ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static long long deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

static int left_ms(long long deadline)
{
	long long l;

	if (deadline < 0)
		return -1;
	l = deadline - now_ms();
	return l < 0 ? 0 : l > 1 << 30 ? 1 << 30 : (int)l;
}

/* -EPIPE, with what QEMU said last. */
static int gone(const struct vu_qmp *q, struct vu_err *e)
{
	char tail[1024];

	vu_qmp_log_tail(q->log, 3, tail, sizeof(tail));
	if (tail[0])
		return vu_err_set(e, EPIPE, "QEMU exited: %s", tail);
	return vu_err_set(e, EPIPE, "QEMU exited");
}

/* The next whole line into *line (inside q->buf, NUL-terminated; valid
 * until the next read); waits until deadline. */
static int read_line(struct vu_qmp *q, long long deadline, char **line, size_t *llen,
		     size_t *consumed, struct vu_err *e)
{
	for (;;) {
		char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
		struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
		ssize_t got;
		int r;

		if (nl) {
			*nl = '\0';
			*line = q->buf;
			*llen = (size_t)(nl - q->buf);
			*consumed = *llen + 1;
			return 0;
		}
		if (q->len >= VU_QMP_LINE_MAX)
			return vu_err_set(e, EPROTO, "QMP message too long");
		if (q->cap - q->len < 4096) {
			size_t cap = q->cap ? q->cap * 2 : 65536;
			char *b = realloc(q->buf, cap);

			if (!b)
				return vu_err_set(e, ENOMEM, NULL);
			q->buf = b;
			q->cap = cap;
		}
		r = poll(&pfd, 1, left_ms(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vu_err_set(e, errno, "QMP: %s", strerror(errno));
		if (r == 0)
			return vu_err_set(e, ETIMEDOUT, "QEMU did not answer in time");
		got = read(q->fd, q->buf + q->len, q->cap - q->len - 1);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got < 0 && errno != ECONNRESET)
			return vu_err_set(e, errno, "QMP: %s", strerror(errno));
		if (got <= 0)
			return gone(q, e);
		q->len += (size_t)got;
	}
}

static void drop(struct vu_qmp *q, size_t consumed)
{
	memmove(q->buf, q->buf + consumed, q->len - consumed);
	q->len -= consumed;
}

/* The next message QEMU sends. */
static int recv_msg(struct vu_qmp *q, long long deadline, struct vu_qmp_msg *m,
		    struct vu_err *e)
{
	size_t len = 0, consumed = 0;
	char *line = NULL;
	int r = read_line(q, deadline, &line, &len, &consumed, e);

	if (r < 0)
		return r;
	r = vu_qmp_parse(line, len, m, e);
	drop(q, consumed);
	return r;
}

static int queue_event(struct vu_qmp *q, json_object *ev)
{
	if (q->nev == q->capev) {
		size_t cap = q->capev ? q->capev * 2 : 8;
		json_object **a = reallocarray(q->events, cap, sizeof(*a));

		if (!a)
			return -ENOMEM;
		q->events = a;
		q->capev = cap;
	}
	q->events[q->nev++] = json_object_get(ev);
	return 0;
}

static int send_obj(struct vu_qmp *q, json_object *o, struct vu_err *e)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len, at = 0;
	char *line;

	if (!text || asprintf(&line, "%s\n", text) < 0)
		return vu_err_set(e, ENOMEM, NULL);
	len = strlen(line);
	while (at < len) {
		ssize_t w = send(q->fd, line + at, len - at, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int err = errno;

			free(line);
			if (err == EPIPE || err == ECONNRESET)
				return gone(q, e);
			return vu_err_set(e, err, "QMP: %s", strerror(err));
		}
		at += (size_t)w;
	}
	free(line);
	return 0;
}

/*
 * Sends o (taken) with a fresh id and waits for the answer of that id,
 * queueing events; the answer's message goes to *m.
 */
static int transact(struct vu_qmp *q, json_object *o, long long deadline,
		    struct vu_qmp_msg *m, struct vu_err *e)
{
	char id[32];
	int r;

	snprintf(id, sizeof(id), "vu-%lu", ++q->next_id);
	if (json_object_object_add(o, "id", json_object_new_string(id)) < 0) {
		json_object_put(o);
		return vu_err_set(e, ENOMEM, NULL);
	}
	r = send_obj(q, o, e);
	json_object_put(o);
	while (r == 0) {
		if ((r = recv_msg(q, deadline, m, e)) < 0)
			break;
		if (m->kind == VU_QMP_EVENT) {
			r = queue_event(q, m->obj) < 0 ? vu_err_set(e, ENOMEM, NULL) : 0;
		} else if ((m->kind == VU_QMP_RETURN || m->kind == VU_QMP_ERROR) && m->id &&
			   strcmp(m->id, id) == 0) {
			return 0;
		}
		vu_qmp_msg_clear(m);
	}
	return r;
}

int vu_qmp_cmd(struct vu_qmp *q, const char *cmd, json_object *args, json_object **ret,
	       int timeout_ms, struct vu_err *e)
{
	json_object *o = json_object_new_object();
	struct vu_qmp_msg m;
	int r;

	if (ret)
		*ret = NULL;
	if (!o || json_object_object_add(o, "execute", json_object_new_string(cmd)) < 0 ||
	    (args && json_object_object_add(o, "arguments", json_object_get(args)) < 0)) {
		json_object_put(o);
		json_object_put(args);
		return vu_err_set(e, ENOMEM, NULL);
	}
	json_object_put(args);
	if ((r = transact(q, o, deadline_of(timeout_ms), &m, e)) < 0)
		return r;
	if (m.kind == VU_QMP_ERROR)
		r = vu_err_set(e, strcmp(m.err_class, "CommandNotFound") ? EIO : EOPNOTSUPP, "%s",
			       m.err_desc);
	else if (ret)
		*ret = json_object_get(m.value);
	vu_qmp_msg_clear(&m);
	return r;
}

int vu_qmp_cmd_json(struct vu_qmp *q, const char *json, json_object **reply, int timeout_ms,
		    struct vu_err *e)
{
	struct json_tokener *tok = json_tokener_new_ex(QMP_DEPTH);
	json_object *o = tok ? json_tokener_parse_ex(tok, json, (int)strlen(json)) : NULL;
	struct vu_qmp_msg m;
	int r;

	*reply = NULL;
	if (tok && !o && json_tokener_get_error(tok) == json_tokener_continue)
		o = json_tokener_parse_ex(tok, "", 1);
	if (tok)
		json_tokener_free(tok);
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !str_member(o, "execute")) {
		json_object_put(o);
		return vu_err_set(e, EINVAL, "not a QMP command: an object with \"execute\" is needed");
	}
	json_object_object_del(o, "id");
	if ((r = transact(q, o, deadline_of(timeout_ms), &m, e)) < 0)
		return r;
	json_object_object_del(m.obj, "id");
	*reply = json_object_get(m.obj);
	vu_qmp_msg_clear(&m);
	return 0;
}

int vu_qmp_event(struct vu_qmp *q, json_object **ev, int timeout_ms, struct vu_err *e)
{
	long long deadline = deadline_of(timeout_ms);
	struct vu_qmp_msg m;
	int r;

	*ev = NULL;
	for (;;) {
		if (q->nev) {
			*ev = q->events[0];
			memmove(q->events, q->events + 1, --q->nev * sizeof(*q->events));
			return 0;
		}
		if ((r = recv_msg(q, deadline, &m, e)) < 0)
			return r;
		if (m.kind == VU_QMP_EVENT && queue_event(q, m.obj) < 0)
			r = vu_err_set(e, ENOMEM, NULL);
		vu_qmp_msg_clear(&m);
		if (r < 0)
			return r;
	}
}

int vu_qmp_fd(const struct vu_qmp *q)
{
	return q->fd;
}

void vu_qmp_close(struct vu_qmp **qp)
{
	struct vu_qmp *q = qp ? *qp : NULL;

	if (!q)
		return;
	if (q->fd >= 0)
		close(q->fd);
	for (size_t i = 0; i < q->nev; i++)
		json_object_put(q->events[i]);
	free(q->events);
	free(q->buf);
	free(q->log);
	free(q);
	*qp = NULL;
}

static int do_connect(struct vu_qmp *q, const char *path, struct vu_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return vu_err_set(e, ENAMETOOLONG, "%s: socket path too long", path);
	strcpy(sa.sun_path, path);
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0)
		return vu_err_set(e, errno, "socket: %s", strerror(errno));
	if (connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return vu_err_set(e, errno, "%s: %s", path, strerror(errno));
	return 0;
}

int vu_qmp_open(struct vu_qmp **out, const char *path, const char *log, int timeout_ms,
		struct vu_err *e)
{
	long long deadline = deadline_of(timeout_ms);
	struct vu_qmp *q = calloc(1, sizeof(*q));
	struct vu_qmp_msg m = { 0 };
	int r;

	*out = NULL;
	if (!q || (log && !(q->log = strdup(log)))) {
		free(q);
		return vu_err_set(e, ENOMEM, NULL);
	}
	q->fd = -1;
	r = do_connect(q, path, e);
	/* The greeting, then capabilities (none asked for). */
	if (r == 0 && (r = recv_msg(q, deadline, &m, e)) == 0 && m.kind != VU_QMP_GREETING)
		r = vu_err_set(e, EPROTO, "%s: no QMP greeting", path);
	vu_qmp_msg_clear(&m);
	if (r == 0)
		r = vu_qmp_cmd(q, "qmp_capabilities", NULL, NULL, left_ms(deadline), e);
	if (r < 0) {
		vu_qmp_close(&q);
		return r;
	}
	*out = q;
	return 0;
}
