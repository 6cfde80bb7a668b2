/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qmp.h - a QEMU Machine Protocol client on json-c: connect, negotiate,
 * commands with a timeout, events */
#ifndef VU_QMP_H
#define VU_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "vu/err.h"

/*
 * QMP is one JSON object per line each way. QEMU greets with
 * {"QMP": {...}}, takes {"execute": "qmp_capabilities"} and then commands;
 * it answers each with {"return": ...} or {"error": {"class", "desc"}},
 * and sends {"event": ..., "data": ..., "timestamp": ...} whenever
 * something happens, between answers too. The client keeps those events
 * in a queue, in order, for vu_qmp_event.
 *
 * Every function is 0 / -errno with a line in e: -ETIMEDOUT when QEMU did
 * not answer in time, -EPIPE when it went away (the message then ends
 * with the last lines of its log, when one was given: "QEMU exited:
 * qemu-system-x86_64: -drive ...: Could not open 'x'"), -EPROTO for what
 * is not QMP, -EIO for QEMU's error reply (its desc as the message).
 */

/* A message from QEMU, classified (vu_qmp_parse). */
enum vu_qmp_kind {
	VU_QMP_GREETING,	/* {"QMP": {"version": ...}} */
	VU_QMP_RETURN,		/* {"return": VALUE} */
	VU_QMP_ERROR,		/* {"error": {"class": C, "desc": D}} */
	VU_QMP_EVENT,		/* {"event": NAME, "data": {...}, "timestamp": ...} */
};

struct vu_qmp_msg {
	enum vu_qmp_kind kind;
	json_object *obj;	/* the whole message (owned: vu_qmp_msg_clear) */
	json_object *value;	/* RETURN: "return"; EVENT: "data" (may be NULL);
				 * GREETING: "QMP"; ERROR: "error" (borrowed) */
	const char *event;	/* EVENT: its name */
	const char *err_class;	/* ERROR: "GenericError", ... */
	const char *err_desc;	/* ERROR: the text for people */
	const char *id;		/* "id" when it is a string, else NULL */
};

/*
 * Parses one line QEMU sent (len bytes, no NUL needed; the line end may be
 * there or not). -EPROTO with e saying why for anything that is not one
 * JSON object of the four shapes above: a greeting must hold an object,
 * an error a string class and desc, an event a string name and an object
 * data when there is one. The parser of untrusted input (fuzz_qmp).
 */
int vu_qmp_parse(const char *line, size_t len, struct vu_qmp_msg *out, struct vu_err *e);
void vu_qmp_msg_clear(struct vu_qmp_msg *m);

struct vu_qmp;

/* The longest line we take from QEMU (query-qmp-schema is ~200 KiB). */
#define VU_QMP_LINE_MAX (16u << 20)

/*
 * Connects to QEMU's QMP socket at path, reads the greeting and negotiates
 * (qmp_capabilities), all within timeout_ms (< 0: wait for ever). log
 * (may be NULL) is QEMU's log file, whose last lines the messages quote
 * when QEMU dies. -ENOENT / -ECONNREFUSED when nothing listens there.
 */
int vu_qmp_open(struct vu_qmp **out, const char *path, const char *log, int timeout_ms,
		struct vu_err *e);
/* Closes the connection, frees the queue; NULL and *q NULL are fine. */
void vu_qmp_close(struct vu_qmp **q);
/* The socket, for poll(2) by a monitor that waits on events. */
int vu_qmp_fd(const struct vu_qmp *q);

/*
 * Runs cmd with args (an object, or NULL; taken: it is put whatever the
 * result) and waits at most timeout_ms for its answer; events that come
 * first are queued. *ret (may be NULL) gets the "return" value (put it
 * with json_object_put). QEMU's error reply is -EIO with its desc in e
 * (-EOPNOTSUPP for class CommandNotFound: an older QEMU).
 */
int vu_qmp_cmd(struct vu_qmp *q, const char *cmd, json_object *args, json_object **ret,
	       int timeout_ms, struct vu_err *e);
/*
 * The same for a command written as JSON by the user (qemu-monitor-command):
 * json must be one object with a string "execute"; its "id" is replaced
 * by ours. *reply is QEMU's whole answer ({"return": ...} or {"error":
 * ...}), which is not an error here: 0 whatever QEMU said.
 */
int vu_qmp_cmd_json(struct vu_qmp *q, const char *json, json_object **reply, int timeout_ms,
		    struct vu_err *e);

/*
 * The oldest queued event, or the next one QEMU sends within timeout_ms
 * (0: only what is queued or already readable). *ev is the whole message
 * ({"event": ..., "data": ...}); put it with json_object_put. -ETIMEDOUT
 * when none came, -EPIPE when QEMU went away.
 */
int vu_qmp_event(struct vu_qmp *q, json_object **ev, int timeout_ms, struct vu_err *e);

/*
 * Hands fd to QEMU under fdname (QMP's getfd: the fd rides on the socket
 * with SCM_RIGHTS), for "fd:NAME" URIs (migrate, migrate-incoming). fd
 * stays ours too.
 */
int vu_qmp_getfd(struct vu_qmp *q, int fd, const char *fdname, int timeout_ms,
		 struct vu_err *e);

/*
 * The last lines (at most nlines, at most 1 KiB) of the file at path,
 * joined by "; " for a one-line message, in buf; "" when there is none.
 * What QEMU said before it died (its stderr). The runtime starts each run's
 * part of the log with a line ending in VU_QMP_LOG_START and the command
 * line: only what follows the last such header counts. Control bytes
 * become '?'.
 */
#define VU_QMP_LOG_START ": starting up"
void vu_qmp_log_tail(const char *path, unsigned nlines, char *buf, size_t len);

#endif
