/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_console.c - vm-ctl console: the running guest's serial console on
 * the user's terminal, raw, until ^] (virsh console) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/console.h"
#include "vu/diag.h"

#include "vmctl.h"

/* Set by SIGTERM (another session's --force), SIGHUP (the terminal went)
 * and SIGQUIT; the relay's poll wakes on it. */
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* No SA_RESTART: the relay's poll must return to see stop. */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int vc_console_attach(struct vm_ctl *vc, const char *name, bool force)
{
	char banner[400];
	struct vu_err e = { 0 };
	int r;

	snprintf(banner, sizeof(banner),
		 "Connected to domain '%s'\r\nEscape character is ^] (Ctrl + ])\r\n", name);
	catch_signals();
	fflush(stdout);
	r = vu_console_attach(vc_state(vc), name, force, STDIN_FILENO, STDOUT_FILENO,
			      vc->quiet ? NULL : banner, &stop, &e);
	if (r < 0)
		return vc_fail(name, &e);
	if (!vc->quiet)
		putchar('\n');
	return VU_EXIT_OK;
}

int vc_cmd_console(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv);
	int r = vc_console_attach(vc, name, vc->set[O_FORCE]);

	free(name);
	return r;
}
