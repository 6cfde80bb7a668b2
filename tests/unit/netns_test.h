/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netns_test.h - what the network tests share: a network namespace of the
 * test's own (never the host's), and `ip -j`/jq as oracles.
 * Include it after <cmocka.h> and testutil.h. */
#ifndef NETNS_TEST_H
#define NETNS_TEST_H

#include <sched.h>
#include <stdbool.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

/*
 * Moves the whole test binary into a fresh network namespace (and a mount
 * namespace with a sysfs of that network namespace, since the sysfs
 * mounted before shows the host's interfaces). Call first in main, before
 * any thread. false (with the reason in why) when this cannot be done: not
 * root, or no user/network namespaces; the tests then skip.
 */
static inline bool tu_netns_enter(const char **why)
{
	if (geteuid() != 0) {
		*why = "not root";
		return false;
	}
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
		*why = "unshare(CLONE_NEWNET) failed";
		return false;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0) {
		*why = "cannot mount a sysfs of the new namespace";
		return false;
	}
	/* jq and ip are the oracles: without them no test could check anything */
	if (tu_sh("command -v ip >/dev/null && command -v jq >/dev/null") != 0) {
		*why = "ip or jq missing";
		return false;
	}
	return true;
}

/* Skips the running test when tu_netns_enter failed (why is its reason). */
#define SKIP_IF_NO_NETNS(ok, why) do { \
	if (!(ok)) { \
		print_message("%s: skip\n", (why)); \
		skip(); \
	} \
} while (0)

/* The first line of a shell command's output, without its newline, in a
 * static buffer ("" when there was none). */
static inline const char *tu_sh_line(const char *cmd)
{
	static char line[512];
	char *out = tu_sh_out("%s", cmd);

	line[0] = '\0';
	if (out) {
		snprintf(line, sizeof(line), "%s", out);
		line[strcspn(line, "\n")] = '\0';
		free(out);
	}
	return line;
}

/* fn(arg)'s result, as it runs in a child that has dropped CAP_NET_ADMIN:
 * what a caller without the privilege gets. 3 when it could not drop it. */
static inline int tu_without_net_admin(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		cap_t caps = cap_get_proc();
		cap_value_t v = CAP_NET_ADMIN;

		if (!caps || cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) < 0 ||
		    cap_set_proc(caps) < 0)
			_exit(3);
		_exit(fn(arg));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

#endif
