/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime_state.c - a domain's files in RUN/qemu: whether its QEMU runs,
 * its state and reason, its live XML, the stale files of a killed QEMU */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "vu/qemurun.h"

#include "qemurun_int.h"

static const char *const state_names[] = {
	[VU_DOMSTATE_NOSTATE] = "no state", [VU_DOMSTATE_RUNNING] = "running",
	[VU_DOMSTATE_BLOCKED] = "idle", [VU_DOMSTATE_PAUSED] = "paused",
	[VU_DOMSTATE_SHUTDOWN] = "in shutdown", [VU_DOMSTATE_SHUTOFF] = "shut off",
	[VU_DOMSTATE_CRASHED] = "crashed", [VU_DOMSTATE_PMSUSPENDED] = "pmsuspended",
};

const char *vu_domstate_name(enum vu_domstate s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s]
									    : "no state";
}

/* The words of the state file, one per state (no spaces in them). */
static const char *const state_words[] = {
	[VU_DOMSTATE_NOSTATE] = "nostate", [VU_DOMSTATE_RUNNING] = "running",
	[VU_DOMSTATE_BLOCKED] = "blocked", [VU_DOMSTATE_PAUSED] = "paused",
	[VU_DOMSTATE_SHUTDOWN] = "shutdown", [VU_DOMSTATE_SHUTOFF] = "shutoff",
	[VU_DOMSTATE_CRASHED] = "crashed", [VU_DOMSTATE_PMSUSPENDED] = "pmsuspended",
};

int qr_dirfd(const struct vu_state *st, bool create, struct vu_err *e)
{
	int run = vu_state_dirfd(st, VU_STATE_RUN), fd;
	struct stat sb;

	if (run < 0)
		return vu_err_set(e, EBADF, "%s: the run directory is not open", st->run);
	if (create && mkdirat(run, "qemu", 0700) < 0 && errno != EEXIST)
		return vu_err_set(e, errno, "%s/qemu: %s", st->run, strerror(errno));
	fd = openat(run, "qemu", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vu_err_set(e, errno, "%s/qemu: %s", st->run, strerror(errno));
	/* Sockets and the live XML (a display password) are the owner's alone. */
	if (fstat(fd, &sb) < 0 || (sb.st_uid != geteuid() && sb.st_uid != 0) ||
	    (sb.st_mode & 022)) {
		close(fd);
		return vu_err_set(e, EPERM, "%s/qemu: not a private directory of yours", st->run);
	}
	return fd;
}

char *qr_path(const struct vu_state *st, const char *name, const char *ext)
{
	char *p;

	return asprintf(&p, "%s/qemu/%s.%s", st->run, name, ext) < 0 ? NULL : p;
}

static char *file_name(const char *name, const char *ext)
{
	char *p;

	return asprintf(&p, "%s.%s", name, ext) < 0 ? NULL : p;
}

int qr_write(int dfd, const char *name, const char *ext, const char *text)
{
	struct vu_atomic a;
	char *fn = file_name(name, ext);
	int r;

	if (!fn)
		return -ENOMEM;
	r = vu_atomic_openat(&a, dfd, fn, NULL, 0600);
	free(fn);
	if (r < 0)
		return r;
	if ((r = vu_write_all(a.fd, text, strlen(text))) < 0) {
		vu_atomic_abort(&a);
		return r;
	}
	return vu_atomic_commit(&a, true, false);
}

int qr_read(int dfd, const char *name, const char *ext, size_t max, char **out)
{
	char *fn = file_name(name, ext);
	size_t len;
	int fd, r;

	*out = NULL;
	if (!fn)
		return -ENOMEM;
	fd = openat(dfd, fn, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(fn);
	if (fd < 0)
		return -errno;
	r = vu_read_all(fd, max, out, &len);
	close(fd);
	return r;
}

static void unlink_ext(int dfd, const char *name, const char *ext)
{
	char *fn = file_name(name, ext);

	if (fn)
		unlinkat(dfd, fn, 0);
	free(fn);
}

/* NAME.d, the builder's secrets and sockets, emptied and removed. */
static void clean_dir(int dfd, const char *name)
{
	char *fn = file_name(name, "d");
	int fd = fn ? openat(dfd, fn, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (fd >= 0 && !d)
		close(fd);
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(fd, de->d_name, 0);
	if (d)
		closedir(d);
	if (fn)
		unlinkat(dfd, fn, AT_REMOVEDIR);
	free(fn);
}

void qr_clean(int dfd, const char *name)
{
	static const char *const exts[] = { "pid", "qmp", "mon", "xml", "reboot", "shutdown" };

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		unlink_ext(dfd, name, exts[i]);
	clean_dir(dfd, name);
}

int qr_lock(int dfd, const char *name, bool nowait)
{
	return qr_lock_ext(dfd, name, "lock", nowait);
}

int qr_lock_ext(int dfd, const char *name, const char *ext, bool nowait)
{
	char *fn = file_name(name, ext);
	int fd, r;

	if (!fn)
		return -ENOMEM;
	fd = openat(dfd, fn, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	free(fn);
	if (fd < 0)
		return -errno;
	if ((r = vu_lock(fd, true, nowait)) < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static bool has_file(int dfd, const char *name, const char *ext)
{
	char *fn = file_name(name, ext);
	bool yes = fn && faccessat(dfd, fn, F_OK, AT_SYMLINK_NOFOLLOW) == 0;

	free(fn);
	return yes;
}

static bool has_pidfile(int dfd, const char *name)
{
	return has_file(dfd, name, "pid");
}

/* QEMU locks its -pidfile with lockf(3), a POSIX record lock: F_GETLK
 * says whether someone holds it, and who. */
pid_t qr_pid(int dfd, const char *name)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char *fn = file_name(name, "pid");
	int fd;

	if (!fn)
		return 0;
	fd = openat(dfd, fn, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(fn);
	if (fd < 0)
		return 0;
	if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
		fl.l_pid = 0;
	close(fd);
	return fl.l_pid;
}

int qr_set_state(int dfd, const char *name, enum vu_domstate s, const char *reason)
{
	char line[64];

	snprintf(line, sizeof(line), "%s %s\n", state_words[s], reason);
	return qr_write(dfd, name, "state", line);
}

void vu_qemurun_set_reason(const struct vu_state *st, const char *name, const char *reason)
{
	int dfd = qr_dirfd(st, true, NULL);

	if (dfd < 0 || vu_name_check(name) < 0)
		return;
	qr_set_state(dfd, name, VU_DOMSTATE_SHUTOFF, reason);
	close(dfd);
}

/* Reads "STATE REASON" into out; a missing or odd file leaves it alone. */
static void read_state(int dfd, const char *name, struct vu_domstatus *out)
{
	char *text = NULL, word[16], reason[32];

	if (qr_read(dfd, name, "state", 128, &text) < 0)
		return;
	if (sscanf(text, "%15s %31s", word, reason) == 2) {
		for (size_t i = 0; i < sizeof(state_words) / sizeof(state_words[0]); i++)
			if (strcmp(word, state_words[i]) == 0) {
				out->state = (enum vu_domstate)i;
				snprintf(out->reason, sizeof(out->reason), "%s", reason);
			}
	}
	free(text);
}

/* The id= of the live XML's root, read without parsing the whole
 * document: listings read it for every running domain. */
static int read_id(int dfd, const char *name)
{
	char *text = NULL, *p, *end;
	long id = -1;

	if (qr_read(dfd, name, "xml", 1 << 20, &text) < 0)
		return -1;
	p = strstr(text, "<domain");
	end = p ? strchr(p, '>') : NULL;
	if (p && end) {
		*end = '\0';
		p = strstr(p, " id=");
		if (p && (p[4] == '"' || p[4] == '\'') && isdigit((unsigned char)p[5]))
			id = strtol(p + 5, NULL, 10);
	}
	free(text);
	return id > 0 && id < 1 << 30 ? (int)id : -1;
}

int vu_qemurun_status(const struct vu_state *st, const char *name, struct vu_domstatus *out,
		      struct vu_err *e)
{
	int dfd;

	*out = (struct vu_domstatus){ .state = VU_DOMSTATE_SHUTOFF, .id = -1 };
	snprintf(out->reason, sizeof(out->reason), "unknown");
	if (vu_name_check(name) < 0)
		return vu_err_set(e, EINVAL, "not a valid domain name");
	dfd = qr_dirfd(st, false, e);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	out->pid = qr_pid(dfd, name);
	if (out->pid > 0) {
		out->state = VU_DOMSTATE_RUNNING;
		snprintf(out->reason, sizeof(out->reason), "booted");
		read_state(dfd, name, out);
		if (out->state == VU_DOMSTATE_SHUTOFF)
			out->state = VU_DOMSTATE_RUNNING;
		out->id = read_id(dfd, name);
	} else {
		/* Whoever stopped it (or a kill) left its files: they go now,
		 * unless a start holds the domain's lock (its QEMU is coming). */
		int lk = has_pidfile(dfd, name) ? qr_lock(dfd, name, true) : -1;
		bool asked = has_file(dfd, name, "shutdown");

		read_state(dfd, name, out);
		if (out->state != VU_DOMSTATE_SHUTOFF) {
			/* It was running and nobody of ours stopped it: the guest,
			 * when vm-ctl shutdown asked it to, else who knows. */
			out->state = VU_DOMSTATE_SHUTOFF;
			snprintf(out->reason, sizeof(out->reason), "%s", asked ? "shutdown" : "unknown");
			if (lk >= 0)
				qr_set_state(dfd, name, out->state, out->reason);
		}
		if (lk >= 0) {
			qr_clean(dfd, name);
			close(lk);
		}
	}
	close(dfd);
	return 0;
}

int vu_qemurun_active(const struct vu_state *st, const char *name)
{
	int dfd = qr_dirfd(st, false, NULL);
	pid_t pid;

	if (vu_name_check(name) < 0)
		return -EINVAL;
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	pid = qr_pid(dfd, name);
	close(dfd);
	return pid > 0;
}

int vu_qemurun_live_xml(const struct vu_state *st, const char *name, struct vu_domain **out,
			struct vu_err *e)
{
	char *text = NULL;
	int dfd, r;

	*out = NULL;
	if (vu_qemurun_active(st, name) != 1)
		return vu_err_set(e, ESRCH, "domain is not running");
	if ((dfd = qr_dirfd(st, false, e)) < 0)
		return dfd;
	r = qr_read(dfd, name, "xml", 16 << 20, &text);
	close(dfd);
	if (r < 0)
		return vu_err_set(e, -r, "the live XML: %s", strerror(-r));
	r = vu_domain_parse(out, text, strlen(text), e);
	free(text);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends name to the NULL-terminated array. */
static int push(char ***names, size_t *n, size_t *cap, char *name)
{
	if (*n + 2 > *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		char **grown = reallocarray(*names, c, sizeof(char *));

		if (!grown)
			return -ENOMEM;
		*names = grown;
		*cap = c;
	}
	(*names)[(*n)++] = name;
	(*names)[*n] = NULL;
	return 0;
}

/* The names of NAME.ext in dfd (which this closes), sorted. */
static int list_ext(int dfd, const char *ext, char ***names, size_t *n)
{
	DIR *d = fdopendir(dfd);
	size_t cap = 0, elen = strlen(ext);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(dfd);
		return -errno;
	}
	while (r == 0 && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *name;

		if (len <= elen + 1 || strcmp(de->d_name + len - elen, ext) ||
		    de->d_name[len - elen - 1] != '.')
			continue;
		if (!(name = strndup(de->d_name, len - elen - 1)))
			r = -ENOMEM;
		else if (vu_name_check(name) < 0)
			free(name);
		else if ((r = push(names, n, &cap, name)) < 0)
			free(name);
	}
	if (r < 0) {
		for (size_t i = 0; i < *n; i++)
			free((*names)[i]);
		free(*names);
		*names = NULL;
		*n = 0;
	}
	closedir(d);
	if (r == 0 && *n)
		qsort(*names, *n, sizeof(char *), cmp_str);
	return r;
}

/* Every name that has a pidfile in RUN/qemu (running or stale). */
int vu_qemurun_list(const struct vu_state *st, char ***names, size_t *n)
{
	int dfd = qr_dirfd(st, false, NULL);

	*names = NULL;
	*n = 0;
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	return list_ext(dfd, "pid", names, n);
}
