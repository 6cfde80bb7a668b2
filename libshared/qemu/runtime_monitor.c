/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime_monitor.c - the process that watches a domain's events where
 * QEMU alone cannot act: on_* actions -action cannot say, vm-ctl reboot's
 * power-off-then-reset, and the caller's hook when the guest shuts down */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vu/file.h"
#include "vu/qemurun.h"
#include "vu/qmp.h"

#include "qemurun_int.h"

#define CMD_TIMEOUT_MS 10000

static const char *ev_str(json_object *ev, const char *key)
{
	json_object *data, *v;

	if (!json_object_object_get_ex(ev, "data", &data) ||
	    !json_object_object_get_ex(data, key, &v))
		return "";
	return json_object_get_string(v);
}

static int cmd(struct vu_qmp *q, const char *c)
{
	return vu_qmp_cmd(q, c, NULL, NULL, CMD_TIMEOUT_MS, NULL);
}

/* Back to QEMU's own action on a guest power-off once a reboot is done. */
static void set_shutdown_action(struct vu_qmp *q, const char *action)
{
	json_object *args = json_object_new_object();

	json_object_object_add(args, "shutdown", json_object_new_string(action));
	vu_qmp_cmd(q, "set-action", args, NULL, CMD_TIMEOUT_MS, NULL);
}

/* A reboot vm-ctl asked for (NAME.reboot): 1 when there was one (the
 * flag is removed), 0 when not. */
static int take_reboot(int dfd, const char *name)
{
	char fn[300];

	snprintf(fn, sizeof(fn), "%s.reboot", name);
	return unlinkat(dfd, fn, 0) == 0;
}

struct mon {
	const struct vu_state *st;
	const char *name;
	int dfd;
	struct vu_qemurun_actions act;
	const struct vu_qemurun_hooks *hooks;
	bool transient;		/* only for a reboot: ends after it */
	bool guest_off;		/* the guest shut down: the hook's case */
	bool done;
};

/* SHUTDOWN: a guest power-off (reason guest-shutdown) or, with
 * -action reboot=shutdown, a guest reboot (guest-reset). */
static void on_shutdown(struct mon *m, struct vu_qmp *q, const char *reason)
{
	if (!strcmp(reason, "guest-shutdown") && take_reboot(m->dfd, m->name)) {
		cmd(q, "system_reset");
		cmd(q, "cont");
		/* What the builder's -action said: pause where this monitor
		 * acts on a power-off (vu/qemucmd.h), else QEMU exits. */
		set_shutdown_action(q, m->act.on_poweroff || m->act.on_reboot ? "pause" : "poweroff");
		vu_qemurun_set_state(m->st, m->name, VU_DOMSTATE_RUNNING, "booted");
		m->done = m->transient;
		return;
	}
	/* A reboot QEMU turns into its end itself (-action reboot=shutdown:
	 * <on_reboot>destroy</on_reboot>) is the guest's doing too. */
	if (!strcmp(reason, "guest-shutdown") || !strcmp(reason, "guest-panic") ||
	    (!strcmp(reason, "guest-reset") && !m->act.on_reboot))
		m->guest_off = true;
	if (!strcmp(reason, "guest-shutdown") && m->act.on_poweroff) {
		if (!strcmp(m->act.on_poweroff, "restart")) {
			m->guest_off = false;
			cmd(q, "system_reset");
			cmd(q, "cont");
		} else if (!strcmp(m->act.on_poweroff, "destroy")) {
			cmd(q, "quit");
		}
	} else if (!strcmp(reason, "guest-reset") && m->act.on_reboot) {
		if (!strcmp(m->act.on_reboot, "destroy")) {
			m->guest_off = true;
			cmd(q, "quit");
		} else {
			vu_qemurun_set_state(m->st, m->name, VU_DOMSTATE_PAUSED, "shutdown");
		}
	} else if (!strcmp(reason, "guest-shutdown")) {
		vu_qemurun_set_state(m->st, m->name, VU_DOMSTATE_PAUSED, "shutdown");
	}
}

static void on_event(struct mon *m, struct vu_qmp *q, json_object *ev)
{
	json_object *name;
	const char *e;

	if (!json_object_object_get_ex(ev, "event", &name))
		return;
	e = json_object_get_string(name);
	if (!strcmp(e, "SHUTDOWN"))
		on_shutdown(m, q, ev_str(ev, "reason"));
	else if (!strcmp(e, "GUEST_PANICKED") && m->act.on_crash &&
		 !strcmp(m->act.on_crash, "restart")) {
		cmd(q, "system_reset");
		cmd(q, "cont");
	} else if (!strcmp(e, "GUEST_PANICKED")) {
		m->guest_off = true;
		vu_qemurun_set_state(m->st, m->name, VU_DOMSTATE_CRASHED, "panicked");
	}
}

int vu_qemurun_monitor(const struct vu_state *st, const char *name,
		       const struct vu_qemurun_actions *act, const struct vu_qemurun_hooks *hooks,
		       int ready_fd, struct vu_err *e)
{
	struct mon m = { .st = st, .name = name, .hooks = hooks, .dfd = -1 };
	struct vu_qmp *q = NULL;
	json_object *status = NULL, *v;
	char *sock = NULL, *log = NULL;
	int lk = -1, r;

	if (act)
		m.act = *act;
	m.transient = !act && !hooks;
	if ((m.dfd = r = qr_dirfd(st, false, e)) < 0)
		goto out;
	/* One monitor per domain: its lock says one runs. */
	if ((lk = r = qr_lock_ext(m.dfd, name, "mlock", true)) < 0) {
		vu_err_set(e, -r, "a monitor already runs");
		goto out;
	}
	if (!(sock = qr_path(st, name, "mon")) || !(log = qr_path(st, name, "log"))) {
		r = vu_err_set(e, ENOMEM, NULL);
		goto out;
	}
	if ((r = vu_qmp_open(&q, sock, log, CMD_TIMEOUT_MS, e)) < 0)
		goto out;
	if (ready_fd >= 0) {
		(void)!write(ready_fd, "", 1);
		close(ready_fd);
		ready_fd = -1;
	}
	/* A power-off before we listened left QEMU stopped in "shutdown". */
	if (vu_qmp_cmd(q, "query-status", NULL, &status, CMD_TIMEOUT_MS, NULL) == 0 &&
	    json_object_object_get_ex(status, "status", &v) &&
	    !strcmp(json_object_get_string(v), "shutdown"))
		on_shutdown(&m, q, "guest-shutdown");
	json_object_put(status);
	while (!m.done) {
		json_object *ev = NULL;

		r = vu_qmp_event(q, &ev, -1, e);
		if (r < 0)
			break;
		on_event(&m, q, ev);
		json_object_put(ev);
	}
	if (r == -EPIPE) {
		/* QEMU is gone: its files, then whoever waits for the guest. */
		qr_wait_gone(m.dfd, name, 5000);
		qr_clean(m.dfd, name);
		if (m.guest_off)
			vu_qemurun_set_state(st, name, VU_DOMSTATE_SHUTOFF, "shutdown");
		if (hooks && hooks->guest_shutdown && m.guest_off)
			hooks->guest_shutdown(hooks->ctx, st, name);
		r = 0;
	}
out:
	if (ready_fd >= 0)
		close(ready_fd);
	vu_qmp_close(&q);
	free(sock);
	free(log);
	if (lk >= 0)
		close(lk);
	if (m.dfd >= 0)
		close(m.dfd);
	return r;
}

int vu_qemurun_monitor_spawn(const struct vu_state *st, const char *name,
			     const struct vu_qemurun_actions *act,
			     const struct vu_qemurun_hooks *hooks, struct vu_err *e)
{
	int pfd[2], r;
	pid_t mid;
	char c;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return vu_err_set(e, errno, "pipe: %s", strerror(errno));
	mid = fork();
	if (mid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return vu_err_set(e, errno, "fork: %s", strerror(errno));
	}
	if (mid == 0) {
		/* A grandchild in a session of its own, as QEMU: init's. */
		close(pfd[0]);
		setsid();
		if (fork() != 0)
			_exit(0);
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		_exit(vu_qemurun_monitor(st, name, act, hooks, pfd[1], NULL) < 0 ? 1 : 0);
	}
	close(pfd[1]);
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	/* Ready once it listens; nothing read means it could not. */
	r = read(pfd[0], &c, 1) == 1 ? 0 : vu_err_set(e, EIO, "the monitor did not start");
	close(pfd[0]);
	return r;
}
