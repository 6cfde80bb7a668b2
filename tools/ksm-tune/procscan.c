/* SPDX-License-Identifier: GPL-2.0-or-later */
/* procscan.c - the QEMU/KVM processes whose resident memory counts as committed */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/file.h"

#include "ksm.h"

#define ACCEL_KVM "accel=kvm"

/* The program's name without its directory. Only the first word is looked
 * at, in case a process rewrote its argv into one space-separated string. */
static const char *base_name(const char *s)
{
	const char *name = s;

	for (; *s && *s != ' '; s++)
		if (*s == '/')
			name = s + 1;
	return name;
}

/* "-accel kvm", "--accel kvm,thread=multi", "-accel accel=kvm". */
static bool accel_opt_is_kvm(const char *value)
{
	size_t len = strcspn(value, ",");

	if (len == 3 && !strncmp(value, "kvm", 3))
		return true;
	return !strncmp(value, ACCEL_KVM, strlen(ACCEL_KVM)) &&
	       (value[strlen(ACCEL_KVM)] == '\0' || value[strlen(ACCEL_KVM)] == ',' ||
		value[strlen(ACCEL_KVM)] == ':');
}

/* "accel=kvm" as a property of -machine ("pc,accel=kvm:tcg"): KVM first. */
static bool has_accel_prop(const char *arg)
{
	for (const char *p = strstr(arg, ACCEL_KVM); p; p = strstr(p + 1, ACCEL_KVM))
		if (p == arg || p[-1] == ',')
			return true;
	return false;
}

/*
 * ksmtuned counts what `pgrep -f '^qemu-system.*-enable-kvm'` finds: the
 * command line begins with qemu-system and has -enable-kvm anywhere after.
 * We also take argv[0] given as a path (libvirt and vm-ctl start QEMU by
 * its full path, which that anchored pattern misses), the newer ways of
 * asking for KVM, and qemu-kvm, whose default accelerator is KVM.
 */
bool ksm_is_kvm_qemu(const char *const *argv, int argc)
{
	const char *name;

	if (argc < 1)
		return false;
	name = base_name(argv[0]);
	if (!strncmp(name, "qemu-kvm", 8) && (name[8] == '\0' || name[8] == ' '))
		return true;
	if (strncmp(name, "qemu-system", strlen("qemu-system")))
		return false;
	if (strstr(name + strlen("qemu-system"), "-enable-kvm"))
		return true;
	for (int i = 1; i < argc; i++) {
		if (strstr(argv[i], "-enable-kvm") || has_accel_prop(argv[i]))
			return true;
		if ((!strcmp(argv[i], "-accel") || !strcmp(argv[i], "--accel")) &&
		    i + 1 < argc && accel_opt_is_kvm(argv[i + 1]))
			return true;
	}
	return false;
}

/* A whole /proc file, NUL-terminated; a command line is at most a few
 * MiB (ARG_MAX). */
static int slurp(int dirfd, const char *name, char **out, size_t *outlen)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = vu_read_all(fd, 64u << 20, out, outlen);
	close(fd);
	return r;
}

/* VmRSS from a status file; a process without one (zombie) holds 0 kB. */
static int64_t status_rss(const char *status)
{
	const char *p;

	if (!strncmp(status, "VmRSS:", 6))
		p = status + 6;
	else if ((p = strstr(status, "\nVmRSS:")))
		p += 7;
	else
		return 0;
	return strtoll(p, NULL, 10);
}

/* Splits a cmdline buffer into argv (pointers into buf). */
static int split_cmdline(char *buf, size_t len, const char ***argvp, int *argcp)
{
	const char **argv;
	int argc = 0;

	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			argc++;
	if (len && buf[len - 1] != '\0')
		argc++;
	argv = calloc((size_t)argc + 1, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	argc = 0;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	*argvp = argv;
	*argcp = argc;
	return 0;
}

/* 1 and p filled if pid is a KVM QEMU, 0 if not (or gone), -ENOMEM. */
static int examine(int procfd, const char *pid, struct ksm_proc *p)
{
	char *cmd = NULL, *status = NULL;
	const char **argv = NULL;
	size_t len, slen;
	int dirfd, argc, r;

	dirfd = openat(procfd, pid, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return 0;
	r = slurp(dirfd, "cmdline", &cmd, &len);
	if (r < 0 || len == 0)
		goto out;
	r = split_cmdline(cmd, len, &argv, &argc);
	if (r < 0 || !ksm_is_kvm_qemu(argv, argc))
		goto out;
	r = slurp(dirfd, "status", &status, &slen);
	if (r < 0)
		goto out;
	p->pid = atoi(pid);
	p->rss_kb = status_rss(status);
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)strcspn(base_name(argv[0]), " "),
		 base_name(argv[0]));
	r = 1;
out:
	free(status);
	free(argv);
	free(cmd);
	close(dirfd);
	/* A process that exited or hides itself is simply not counted. */
	return r == -ENOMEM ? r : r == 1;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct ksm_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int ksm_procs_scan(const char *proc, struct ksm_procs *p, struct vu_err *e)
{
	struct ksm_proc *nv;
	size_t cap = 0;
	struct dirent *de;
	int procfd, r = 0;
	DIR *d;

	memset(p, 0, sizeof(*p));
	procfd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return vu_err_set(e, errno, "%s", "");
	d = fdopendir(procfd);
	if (!d) {
		r = vu_err_set(e, errno, "%s", "");
		close(procfd);
		return r;
	}
	while ((de = readdir(d))) {
		struct ksm_proc one;
		size_t i;

		for (i = 0; isdigit((unsigned char)de->d_name[i]); i++)
			;
		if (i == 0 || de->d_name[i])
			continue;
		r = examine(procfd, de->d_name, &one);
		if (r < 0)
			break;
		if (r == 0)
			continue;
		r = 0;
		if (p->n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(p->v, cap * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			p->v = nv;
		}
		p->v[p->n++] = one;
		p->rss_kb += one.rss_kb;
	}
	closedir(d);
	if (r < 0) {
		ksm_procs_free(p);
		return vu_err_set(e, -r, "%s", "");
	}
	if (p->n)
		qsort(p->v, p->n, sizeof(*p->v), cmp_pid);
	return 0;
}

void ksm_procs_free(struct ksm_procs *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
	p->rss_kb = 0;
}
