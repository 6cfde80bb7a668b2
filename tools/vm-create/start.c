/* SPDX-License-Identifier: GPL-2.0-or-later */
/* start.c - vm-create --start: the domain just defined is started (its
 * install phase first, vu/qemuinstall.h), then, as virt-install does, the
 * text console is attached (--autoconsole text) or the install is waited
 * for (--wait MIN) or left to run (--noautoconsole). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/console.h"
#include "vu/diag.h"
#include "vu/domaindb.h"
#include "vu/qemuinstall.h"

#include "vm-create.h"

static void say(const struct vmc *c, const char *line)
{
	if (!c->quiet)
		fprintf(stderr, "%s\n", line);
}

/* The text console until ^] or until QEMU ends: true when it ended
 * (a hangup), false when the user left it or there is none. */
static bool console(struct vmc *c)
{
	char banner[400];
	struct vu_err e = { 0 };
	int r;

	snprintf(banner, sizeof(banner),
		 "Connected to domain '%s'\r\nEscape character is ^] (Ctrl + ])\r\n", c->name);
	fflush(stderr);
	signal(SIGPIPE, SIG_IGN);
	r = vu_console_attach(&c->st, c->name, false, STDIN_FILENO, STDOUT_FILENO,
			      c->quiet ? NULL : banner, NULL, &e);
	if (r < 0) {
		vu_warnx("%s: cannot attach the console: %s", c->name, vu_err_str(&e));
		return false;
	}
	if (!c->quiet)
		fputs("\n", stdout);
	fflush(stdout);
	return r == VU_CONSOLE_HANGUP;
}

/* --wait MIN in milliseconds; < 0 waits for ever. */
static int wait_ms(const struct vmc *c)
{
	return c->wait_min < 0 ? -1 : c->wait_min * 60 * 1000;
}

/* The install phase's end, waited for: the final configuration runs (or,
 * with --noreboot, the domain is shut off). virt-install's lines. */
static int wait_install(struct vmc *c, int ms)
{
	struct vu_err e = { 0 };
	int r = vu_install_wait(&c->st, c->name, ms, &e);

	if (r == -ETIMEDOUT) {
		say(c, "Installation has exceeded specified time limit. Exiting application.");
		return VU_EXIT_FAIL;
	}
	if (r < 0) {
		vu_warnx("%s: %s", c->name, vu_err_str(&e));
		say(c, "Domain installation does not appear to have been successful.");
		return VU_EXIT_FAIL;
	}
	say(c, "Domain creation completed.");
	return VU_EXIT_OK;
}

/* Starts it, or removes what this run made: the definition and the disks,
 * as virt-install does when the domain cannot start. */
static bool start(struct vmc *c)
{
	struct vu_qemurun_opts opts = { 0 };
	struct vu_err e = { 0 };
	bool installing = false;

	if (vu_install_start(&c->st, c->name, &opts, c->noreboot ? VU_INSTALL_NOREBOOT : 0, NULL,
			     &installing, &e) < 0) {
		vu_domaindb_undefine(&c->st, c->name, NULL);
		vmc_fail(c, c->name, "%s", vu_err_str(&e));
	}
	say(c, installing ? "Starting install..." : "Domain started.");
	return installing;
}

int start_run(struct vmc *c)
{
	bool installing = start(c);

	if (c->autoconsole_text) {
		if (!console(c) || !installing) {
			if (installing)
				say(c, "Domain installation still in progress. You can reconnect to "
				       "the console to complete the installation process.");
			return VU_EXIT_OK;
		}
		/* The install QEMU ended: the final configuration comes, and its
		 * console with it, as virt-install reconnects. */
		if (wait_install(c, 60 * 1000) != VU_EXIT_OK)
			return VU_EXIT_FAIL;
		if (!c->noreboot)
			console(c);
		return VU_EXIT_OK;
	}
	if (installing && c->wait_set && c->wait_min != 0)
		return wait_install(c, wait_ms(c));
	if (installing) {
		say(c, "Domain installation still in progress. You can reconnect to the console "
		       "to complete the installation process.");
		return VU_EXIT_OK;
	}
	say(c, "Domain creation completed.");
	return VU_EXIT_OK;
}
