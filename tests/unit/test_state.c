/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_state.c - state root and run dir resolution, creation and locking */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/base.h"
#include "vu/file.h"
#include "vu/state.h"
#include "testutil.h"

#define NOBODY 65534

struct fx {
	char dir[64];
	char root[128];
	char oldcwd[PATH_MAX];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || !getcwd(f->oldcwd, sizeof(f->oldcwd)) ||
	    tu_scratch(f->dir, sizeof(f->dir), "test_state") < 0)
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/deep/root", f->dir);
	unsetenv("VIRTUTILS_ROOT");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (chdir(f->oldcwd) < 0)
		return -1;
	tu_scratch_done(f->dir);
	umask(022);
	free(f);
	return 0;
}

static void test_root_option(void **state)
{
	struct fx *f = *state;
	struct vu_state st;
	char want[PATH_MAX + 32];
	char cwd[PATH_MAX];

	setenv("VIRTUTILS_ROOT", "/from/env", 1);
	assert_int_equal(vu_state_resolve(&st, "/opt/vt//"), 0);
	assert_string_equal(st.root, "/opt/vt");
	assert_string_equal(st.run, "/opt/vt/run");
	assert_true(st.explicit_root);
	vu_state_free(&st);
	assert_null(st.root);
	vu_state_free(&st);

	/* A relative root is anchored to the current directory. */
	assert_int_equal(chdir(f->dir), 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(vu_state_resolve(&st, "demo-root"), 0);
	snprintf(want, sizeof(want), "%s/demo-root", cwd);
	assert_string_equal(st.root, want);
	snprintf(want, sizeof(want), "%s/demo-root/run", cwd);
	assert_string_equal(st.run, want);
	vu_state_free(&st);

	assert_int_equal(vu_state_resolve(&st, ""), -EINVAL);
	assert_null(st.root);
}

/* --connect's URIs: the system's paths, or the user's, never the env's. */
static void test_root_uri(void **state)
{
	struct vu_state st;
	(void)state;

	setenv("VIRTUTILS_ROOT", "/from/env", 1);
	setenv("XDG_DATA_HOME", "/xdg/data", 1);
	setenv("XDG_RUNTIME_DIR", "/xdg/run", 1);
	assert_int_equal(vu_state_resolve(&st, "qemu:///system"), 0);
	assert_string_equal(st.root, "/var/lib/virtutils");
	assert_string_equal(st.run, "/run/virtutils");
	assert_false(st.explicit_root);
	vu_state_free(&st);
	assert_int_equal(vu_state_resolve(&st, "qemu:///session"), 0);
	assert_string_equal(st.root, "/xdg/data/virtutils");
	assert_string_equal(st.run, "/xdg/run/virtutils");
	vu_state_free(&st);
	unsetenv("XDG_RUNTIME_DIR");
	assert_int_equal(vu_state_resolve(&st, "qemu:///session"), 0);
	assert_string_equal(st.run, "/xdg/data/virtutils/run");
	vu_state_free(&st);
	unsetenv("XDG_DATA_HOME");
	assert_true(vu_state_uri_known("qemu:///system"));
	assert_false(vu_state_uri_known("qemu:///system/"));
	assert_false(vu_state_uri_known("xen:///"));
}

static void test_root_env(void **state)
{
	struct vu_state st;
	(void)state;

	setenv("VIRTUTILS_ROOT", "/from/env", 1);
	assert_int_equal(vu_state_resolve(&st, NULL), 0);
	assert_string_equal(st.root, "/from/env");
	assert_string_equal(st.run, "/from/env/run");
	assert_true(st.explicit_root);
	vu_state_free(&st);
	/* An empty variable counts as unset. */
	setenv("VIRTUTILS_ROOT", "", 1);
	assert_int_equal(vu_state_resolve(&st, NULL), 0);
	assert_false(st.explicit_root);
	vu_state_free(&st);
}

static void test_root_default_for_root(void **state)
{
	struct vu_state st;
	(void)state;

	if (geteuid() != 0) {
		print_message("# skip: the system defaults apply to root only\n");
		skip();
	}
	setenv("XDG_DATA_HOME", "/should/not/matter", 1);
	assert_int_equal(vu_state_resolve(&st, NULL), 0);
	assert_string_equal(st.root, "/var/lib/virtutils");
	assert_string_equal(st.run, "/run/virtutils");
	assert_false(st.explicit_root);
	vu_state_free(&st);
	unsetenv("XDG_DATA_HOME");
}

/* The user the per-user defaults are tested as: nobody when we are root. */
static uid_t test_uid(void)
{
	return geteuid() == 0 ? NOBODY : geteuid();
}

/* Resolves as a non-root user in a child, with the given environment;
 * returns "root run" in out. */
static void resolve_as_user(const char *data, const char *runtime, const char *home,
			    char *out, size_t len)
{
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	fflush(NULL);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vu_state st;
		char buf[PATH_MAX * 2];

		data ? setenv("XDG_DATA_HOME", data, 1) : unsetenv("XDG_DATA_HOME");
		runtime ? setenv("XDG_RUNTIME_DIR", runtime, 1) : unsetenv("XDG_RUNTIME_DIR");
		home ? setenv("HOME", home, 1) : unsetenv("HOME");
		if (geteuid() == 0 && setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(1);
		if (vu_state_resolve(&st, NULL) < 0)
			_exit(1);
		n = snprintf(buf, sizeof(buf), "%s %s", st.root, st.run);
		_exit(write(pfd[1], buf, (size_t)n) == n ? 0 : 1);
	}
	close(pfd[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	n = read(pfd[0], out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
}

static void test_root_default_for_user(void **state)
{
	struct passwd *pw = getpwuid(test_uid());
	char out[PATH_MAX * 2], want[PATH_MAX * 2];
	(void)state;

	resolve_as_user("/d", "/r", "/h", out, sizeof(out));
	assert_string_equal(out, "/d/virtutils /r/virtutils");
	/* A relative XDG_DATA_HOME is ignored; no runtime dir: run in the root. */
	resolve_as_user("rel", NULL, "/h", out, sizeof(out));
	assert_string_equal(out, "/h/.local/share/virtutils /h/.local/share/virtutils/run");
	if (!pw)
		return;
	resolve_as_user(NULL, "/r", NULL, out, sizeof(out));
	snprintf(want, sizeof(want), "%s/.local/share/virtutils /r/virtutils", pw->pw_dir);
	assert_string_equal(out, want);
}

static void assert_dir_mode(const char *root, const char *sub, mode_t mode)
{
	char p[PATH_MAX];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", root, sub);
	if (stat(p, &sb) < 0)
		fail_msg("%s: %s", p, strerror(errno));
	assert_true(S_ISDIR(sb.st_mode));
	if ((sb.st_mode & 07777) != mode)
		fail_msg("%s: mode %o, want %o", p, sb.st_mode & 07777, mode);
}

static void test_prepare(void **state)
{
	static const char *subs[] = {
		"domains", "pools", "networks", "autostart", "autostart/domains",
		"autostart/pools", "autostart/networks", "run",
	};
	struct fx *f = *state;
	struct vu_state st;
	char p[PATH_MAX];

	umask(077);
	assert_int_equal(vu_state_resolve(&st, f->root), 0);
	assert_int_equal(vu_state_prepare(&st, NULL), 0);
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		assert_dir_mode(f->root, subs[i], 0700);
	/* images/ must stay traversable whatever the umask */
	assert_dir_mode(f->root, "images", 0711);
	assert_int_equal(vu_state_prepare(&st, NULL), 0);
	snprintf(p, sizeof(p), "%s/pools", f->root);
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(mknod(p, S_IFREG | 0600, 0), 0);
	assert_int_equal(vu_state_prepare(&st, NULL), -ENOTDIR);
	vu_state_free(&st);
}

/* prepare on f->root must fail with err and "ROOT/sub: why". */
static void assert_refused(struct fx *f, int err, const char *sub, const char *why)
{
	struct vu_state st;
	struct vu_err e = { 0 };
	char want[PATH_MAX + 128];

	assert_int_equal(vu_state_resolve(&st, f->root), 0);
	assert_int_equal(vu_state_prepare(&st, &e), -err);
	snprintf(want, sizeof(want), "%s%s%s: %s", f->root, *sub ? "/" : "", sub, why);
	assert_string_equal(vu_err_str(&e), want);
	assert_int_equal(vu_state_dirfd(&st, VU_STATE_ROOT), -EBADF);
	vu_state_free(&st);
}

static void sub_path(const struct fx *f, const char *sub, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", f->root, sub);
}

/* A root another user could swap things in is refused, whatever part of
 * it is at fault, with one line naming the directory. */
static void test_prepare_refuses(void **state)
{
	static const char *subs[] = { "domains", "pools", "networks", "images", "run",
				      "autostart/pools" };
	struct fx *f = *state;
	struct vu_state st;
	char p[PATH_MAX], other[PATH_MAX];

	assert_int_equal(vu_state_resolve(&st, f->root), 0);
	assert_int_equal(vu_state_prepare(&st, NULL), 0);
	vu_state_free(&st);
	snprintf(other, sizeof(other), "%s/elsewhere", f->dir);
	assert_int_equal(mkdir(other, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		sub_path(f, subs[i], p, sizeof(p));
		assert_int_equal(rmdir(p), 0);
		assert_int_equal(symlink(other, p), 0);
		assert_refused(f, ELOOP, subs[i], "is a symbolic link");
		assert_int_equal(unlink(p), 0);
		assert_int_equal(mkdir(p, 0755), 0);
		assert_int_equal(chmod(p, 0775), 0);
		assert_refused(f, EPERM, subs[i], "writable by others");
		assert_int_equal(chmod(p, 01777), 0);
		assert_refused(f, EPERM, subs[i], "writable by others");
		assert_int_equal(chmod(p, 0755), 0);
	}
	/* Nothing was made through the links. */
	assert_int_equal(rmdir(other), 0);
	assert_int_equal(chmod(f->root, 01777), 0);
	assert_refused(f, EPERM, "", "writable by others");
	assert_int_equal(chmod(f->root, 0755), 0);
	if (geteuid() != 0) {
		print_message("# skip: chown to another user needs root\n");
		return;
	}
	sub_path(f, "images", p, sizeof(p));
	assert_int_equal(chown(p, NOBODY, 0), 0);
	assert_refused(f, EPERM, "images", "owned by uid 65534, not by you or root");
	assert_int_equal(chown(p, 0, 0), 0);
	assert_int_equal(chown(f->root, NOBODY, 0), 0);
	assert_refused(f, EPERM, "", "owned by uid 65534, not by you or root");
	assert_int_equal(chown(f->root, 0, 0), 0);
}

/* The root itself may be an administrator's link; not another user's. */
static void test_prepare_root_link(void **state)
{
	struct fx *f = *state;
	struct vu_state st;
	struct vu_err e = { 0 };
	char real[PATH_MAX], link[PATH_MAX], want[PATH_MAX * 2];

	snprintf(real, sizeof(real), "%s/real", f->dir);
	snprintf(link, sizeof(link), "%s/link", f->dir);
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink(real, link), 0);
	assert_int_equal(vu_state_resolve(&st, link), 0);
	assert_int_equal(vu_state_prepare(&st, &e), 0);
	snprintf(want, sizeof(want), "%s/domains", real);
	assert_int_equal(access(want, F_OK), 0);
	if (geteuid() == 0) {
		assert_int_equal(lchown(link, NOBODY, NOBODY), 0);
		assert_int_equal(vu_state_prepare(&st, &e), -EPERM);
		snprintf(want, sizeof(want), "%s: a symbolic link owned by uid 65534, "
			 "not by you or root", link);
		assert_string_equal(vu_err_str(&e), want);
	}
	vu_state_free(&st);
}

/* What was checked is what is used: a link swapped in for domains/ after
 * the check is not followed by writes through the kept directory. */
static void test_dirfd_after_swap(void **state)
{
	struct fx *f = *state;
	struct vu_state st;
	struct vu_atomic a;
	char dom[PATH_MAX], moved[PATH_MAX], other[PATH_MAX], p[PATH_MAX + 16];
	int lk;

	assert_int_equal(vu_state_resolve(&st, f->root), 0);
	assert_int_equal(vu_state_dirfd(&st, VU_STATE_DOMAINS), -EBADF);
	assert_int_equal(vu_state_prepare(&st, NULL), 0);
	sub_path(f, "domains", dom, sizeof(dom));
	sub_path(f, "domains.old", moved, sizeof(moved));
	snprintf(other, sizeof(other), "%s/elsewhere", f->dir);
	assert_int_equal(mkdir(other, 0755), 0);
	assert_int_equal(rename(dom, moved), 0);
	assert_int_equal(symlink(other, dom), 0);
	assert_int_equal(vu_atomic_openat(&a, vu_state_dirfd(&st, VU_STATE_DOMAINS), "x.xml",
					  "ignored", 0600), 0);
	assert_int_equal(vu_write_all(a.fd, "<domain/>\n", 10), 0);
	assert_int_equal(vu_atomic_commit(&a, false, true), 0);
	snprintf(p, sizeof(p), "%s/x.xml", moved);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/x.xml", other);
	assert_int_equal(access(p, F_OK), -1);
	/* The lock file is taken in the checked root too. */
	lk = vu_state_lock(&st, true);
	assert_true(lk >= 0);
	close(lk);
	vu_state_free(&st);
	vu_state_free(&st);
}

static void test_path(void **state)
{
	struct vu_state st = { .root = "/r" };
	char *p;
	(void)state;

	p = vu_state_path(&st, "domains", "web1.xml");
	assert_string_equal(p, "/r/domains/web1.xml");
	free(p);
	p = vu_state_path(&st, "images", NULL);
	assert_string_equal(p, "/r/images");
	free(p);
	p = vu_state_path(&st, NULL, ".lock");
	assert_string_equal(p, "/r/.lock");
	free(p);
	p = vu_state_path(&st, NULL, NULL);
	assert_string_equal(p, "/r");
	free(p);
}

static void test_lock(void **state)
{
	struct fx *f = *state;
	struct vu_state st;
	char lock[PATH_MAX];
	int ex, sh1, sh2;

	assert_int_equal(vu_state_resolve(&st, f->root), 0);
	assert_int_equal(vu_state_lock(&st, true), -ENOENT);
	assert_int_equal(vu_state_prepare(&st, NULL), 0);
	ex = vu_state_lock(&st, true);
	assert_true(ex >= 0);
	snprintf(lock, sizeof(lock), "%s/.lock", f->root);
	/* A reader (another open of the same file) must wait for the writer. */
	assert_int_equal(vu_lock_path(lock, false, true), -EWOULDBLOCK);
	close(ex);
	sh1 = vu_state_lock(&st, false);
	sh2 = vu_state_lock(&st, false);
	assert_true(sh1 >= 0 && sh2 >= 0);
	assert_int_equal(vu_lock_path(lock, true, true), -EWOULDBLOCK);
	close(sh1);
	close(sh2);
	vu_state_free(&st);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_root_option), T(test_root_uri), T(test_root_env), T(test_root_default_for_root),
		T(test_root_default_for_user), T(test_prepare), T(test_prepare_refuses), T(test_prepare_root_link),
		T(test_dirfd_after_swap), T(test_path), T(test_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
