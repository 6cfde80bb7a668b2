/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aprun.c - --run and --run-command inside the appliance: the guest's own
 * /bin/sh, chrooted into the tree /init mounted (with /dev, /proc and /sys
 * bound in), no network; in command-line order with the other customize
 * options, as virt-customize runs them */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vm-sysprep.h"
#include "vs-appliance.h"

/* The child: stdin the script (--run) or nothing, stdout on stderr (the
 * relayed channel). Never returns. */
static void child(const struct vs_cu *c)
{
	int in = c->kind == VS_CU_RUN ? open(c->a, O_RDONLY) : open("/dev/null", O_RDONLY);

	if (in < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0 ||
	    chroot(VS_AP_ROOT) < 0 || chdir("/") < 0)
		_exit(126);
	clearenv();
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	if (c->kind == VS_CU_RUN)
		execl("/bin/sh", "sh", "-s", (char *)NULL);
	else
		execl("/bin/sh", "sh", "-c", c->a, (char *)NULL);
	_exit(127);
}

int vs_cu_run(struct vs_ctx *ctx, const struct vs_cu *c)
{
	const char *what = c->kind == VS_CU_RUN ? "run" : "run the command";
	pid_t pid;
	int st;

	ctx->changes++;
	vs_note(ctx, true, "%s%s %s", ctx->dry_run ? "would " : "", what, c->a);
	if (ctx->dry_run)
		return 0;
	fflush(stderr);
	if ((pid = fork()) < 0)
		return vs_fail(ctx, NULL, -errno);
	if (pid == 0)
		child(c);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return vs_fail(ctx, NULL, -errno);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		vu_err_set(&ctx->e, ENOENT, "--%s: the guest has no /bin/sh to run it",
			   c->kind == VS_CU_RUN ? "run" : "run-command");
	else
		vu_err_set(&ctx->e, EIO, "--%s %s: %s %d",
			   c->kind == VS_CU_RUN ? "run" : "run-command", c->a,
			   WIFEXITED(st) ? "exited with status" : "killed by signal",
			   WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return vs_fail(ctx, NULL, -ctx->e.code);
}
