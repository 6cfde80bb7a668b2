/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_file.c - atomic files, full reads and writes, fsync, locks, names */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "testutil.h"

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || tu_scratch(f->dir, sizeof(f->dir), "test_file") < 0)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/vm.xml", f->dir);
	umask(022);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	return tu_scratch_free(f, f->dir);
}

/* Number of entries in dir; the first one's name in first. */
static int list_dir(const char *dir, char *first, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	first[0] = '\0';
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n++ == 0)
			snprintf(first, len, "%s", e->d_name);
	}
	closedir(d);
	return n;
}

static void assert_content(const char *path, const char *want)
{
	char *got = tu_read(path, NULL);

	assert_string_equal(got, want);
	free(got);
}

static void open_and_write(struct vu_atomic *a, const char *path, const char *s)
{
	assert_int_equal(vu_atomic_open(a, path, 0640), 0);
	assert_true(a->fd >= 0);
	assert_int_equal(vu_write_all(a->fd, s, strlen(s)), 0);
}

static void test_atomic_new(void **state)
{
	struct fx *f = *state;
	struct vu_atomic a;
	struct stat st;
	char first[NAME_MAX + 1];

	open_and_write(&a, f->path, "hello");
	/* Nothing under the final name yet: unnamed, or a hidden ".vm.xml.*". */
	assert_int_equal(stat(f->path, &st), -1);
	assert_int_equal(errno, ENOENT);
	if (a.tmpname) {
		assert_int_equal(list_dir(f->dir, first, sizeof(first)), 1);
		assert_memory_equal(first, ".vm.xml.", 8);
	} else {
		assert_int_equal(list_dir(f->dir, first, sizeof(first)), 0);
	}
	assert_int_equal(vu_atomic_commit(&a, false, true), 0);
	assert_int_equal(a.fd, -1);
	assert_null(a.name);
	assert_content(f->path, "hello");
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(list_dir(f->dir, first, sizeof(first)), 1);
	assert_string_equal(first, "vm.xml");
	vu_atomic_abort(&a);	/* after a commit: must not remove the file */
	assert_content(f->path, "hello");
}

static void test_atomic_noreplace(void **state)
{
	struct fx *f = *state;
	struct vu_atomic a;
	char first[NAME_MAX + 1];

	tu_write_str(f->path, "old");
	open_and_write(&a, f->path, "new");
	assert_int_equal(vu_atomic_commit(&a, false, true), -EEXIST);
	assert_content(f->path, "old");
	/* A failed commit cleaned up by itself; abort is still harmless. */
	assert_int_equal(a.fd, -1);
	assert_int_equal(list_dir(f->dir, first, sizeof(first)), 1);
	vu_atomic_abort(&a);
	vu_atomic_abort(&a);
	assert_int_equal(list_dir(f->dir, first, sizeof(first)), 1);
	assert_string_equal(first, "vm.xml");
	assert_content(f->path, "old");
}

static void test_atomic_replace(void **state)
{
	struct fx *f = *state;
	struct vu_atomic a;
	char first[NAME_MAX + 1];

	tu_write_str(f->path, "old");
	open_and_write(&a, f->path, "new");
	assert_int_equal(vu_atomic_commit(&a, true, false), 0);
	assert_content(f->path, "new");
	assert_int_equal(list_dir(f->dir, first, sizeof(first)), 1);
	assert_string_equal(first, "vm.xml");
}

/* Replacing keeps the old file's mode and writes through a link (which
 * stays a link); a chmod made while the new file was written counts. */
static void test_atomic_keep(void **state)
{
	struct fx *f = *state;
	struct vu_atomic a;
	struct stat st;
	char link[PATH_MAX], first[NAME_MAX + 1];

	tu_write_str(f->path, "old");
	assert_int_equal(chmod(f->path, 0604), 0);
	snprintf(link, sizeof(link), "%s/link", f->dir);
	assert_int_equal(symlink("vm.xml", link), 0);
	assert_int_equal(vu_atomic_open_keep(&a, link, 0644), 0);
	assert_string_equal(a.path, link);
	assert_int_equal(vu_write_all(a.fd, "new", 3), 0);
	assert_int_equal(chmod(f->path, 0620), 0);
	assert_int_equal(vu_atomic_commit(&a, true, true), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_content(f->path, "new");
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0620);
	assert_int_equal(list_dir(f->dir, first, sizeof(first)), 2);
	/* A link to itself is refused, as open(2) would. */
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink("link", link), 0);
	assert_int_equal(vu_atomic_open_keep(&a, link, 0644), -ELOOP);
}

/* A user who cannot give the new file the old one's owner is refused
 * before writing anything, rather than changing the owner. */
static void test_atomic_keep_owner(void **state)
{
	struct fx *f = *state;
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		print_message("# skip: needs root to act as another user\n");
		skip();
	}
	tu_write_str(f->path, "old");
	assert_int_equal(chmod(f->path, 0666), 0);
	assert_int_equal(chmod(f->dir, 0777), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vu_atomic a;

		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		_exit(vu_atomic_open_keep(&a, f->path, 0644) == -EPERM ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_content(f->path, "old");
}

/* openat: the name is one component in the given directory. */
static void test_atomic_openat(void **state)
{
	struct fx *f = *state;
	struct vu_atomic a;
	int dfd = open(f->dir, O_RDONLY | O_DIRECTORY);

	assert_true(dfd >= 0);
	assert_int_equal(vu_atomic_openat(&a, dfd, "a/b", NULL, 0600), -EINVAL);
	assert_int_equal(vu_atomic_openat(&a, dfd, "..", NULL, 0600), -EINVAL);
	assert_int_equal(vu_atomic_openat(&a, dfd, "vm.xml", "shown", 0600), 0);
	assert_string_equal(a.path, "shown");
	assert_int_equal(vu_write_all(a.fd, "x", 1), 0);
	close(dfd);	/* the atomic file has its own */
	assert_int_equal(vu_atomic_commit(&a, false, true), 0);
	assert_content(f->path, "x");
}

static void test_atomic_abort(void **state)
{
	struct fx *f = *state;
	struct vu_atomic a;
	char first[NAME_MAX + 1];

	open_and_write(&a, f->path, "gone");
	vu_atomic_abort(&a);
	assert_int_equal(a.fd, -1);
	assert_int_equal(list_dir(f->dir, first, sizeof(first)), 0);
}

/* The hidden-name path, for filesystems without O_TMPFILE, driven through
 * the public struct as vu_atomic_open would have filled it. */
static void hidden_atomic(struct fx *f, struct vu_atomic *a, const char *s)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s/.vm.xml.abcdef", f->dir);
	*a = (struct vu_atomic){ .fd = open(tmp, O_RDWR | O_CREAT | O_EXCL, 0600),
				 .dirfd = open(f->dir, O_RDONLY | O_DIRECTORY),
				 .name = strdup("vm.xml"), .tmpname = strdup(".vm.xml.abcdef"),
				 .path = strdup(f->path) };
	assert_true(a->fd >= 0 && a->dirfd >= 0);
	assert_int_equal(vu_write_all(a->fd, s, strlen(s)), 0);
}

static void test_atomic_hidden_fallback(void **state)
{
	struct fx *f = *state;
	struct vu_atomic a;
	char first[NAME_MAX + 1];

	hidden_atomic(f, &a, "one");
	assert_int_equal(vu_atomic_commit(&a, false, true), 0);
	assert_content(f->path, "one");
	assert_int_equal(list_dir(f->dir, first, sizeof(first)), 1);

	hidden_atomic(f, &a, "two");
	assert_int_equal(list_dir(f->dir, first, sizeof(first)), 2);
	assert_int_equal(vu_atomic_commit(&a, false, true), -EEXIST);
	assert_content(f->path, "one");
	/* the hidden file went with the failed commit */
	assert_int_equal(list_dir(f->dir, first, sizeof(first)), 1);
	assert_string_equal(first, "vm.xml");
	vu_atomic_abort(&a);

	hidden_atomic(f, &a, "three");
	assert_int_equal(vu_atomic_commit(&a, true, true), 0);
	assert_content(f->path, "three");
	assert_int_equal(list_dir(f->dir, first, sizeof(first)), 1);
	assert_string_equal(first, "vm.xml");
}

static void test_atomic_killed(void **state)
{
	struct fx *f = *state;
	char first[NAME_MAX + 1];
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vu_atomic a;

		if (vu_atomic_open(&a, f->path, 0644) < 0 || vu_write_all(a.fd, "x", 1) < 0)
			_exit(1);
		_exit(0);	/* dies before commit */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(access(f->path, F_OK), -1);
	/* At most a hidden leftover, never a visible name. */
	if (list_dir(f->dir, first, sizeof(first)) > 0)
		assert_int_equal(first[0], '.');
}

static void test_atomic_long_name(void **state)
{
	struct fx *f = *state;
	char name[NAME_MAX + 1], path[PATH_MAX];
	struct vu_atomic a;

	memset(name, 'n', NAME_MAX);
	name[NAME_MAX] = '\0';
	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	tu_write_str(path, "old");
	/* replace goes through a hidden name, shortened to fit NAME_MAX */
	open_and_write(&a, path, "new");
	assert_int_equal(vu_atomic_commit(&a, true, true), 0);
	assert_content(path, "new");
}

static void test_atomic_bad_paths(void **state)
{
	struct fx *f = *state;
	struct vu_atomic a;
	char p[PATH_MAX];

	assert_int_equal(vu_atomic_open(&a, "", 0644), -EINVAL);
	assert_int_equal(a.fd, -1);
	vu_atomic_abort(&a);
	snprintf(p, sizeof(p), "%s/", f->dir);
	assert_int_equal(vu_atomic_open(&a, p, 0644), -EISDIR);
	snprintf(p, sizeof(p), "%s/..", f->dir);
	assert_int_equal(vu_atomic_open(&a, p, 0644), -EISDIR);
	snprintf(p, sizeof(p), "%s/missing/x", f->dir);
	assert_int_equal(vu_atomic_open(&a, p, 0644), -ENOENT);
	assert_int_equal(a.fd, -1);
	assert_int_equal(vu_atomic_commit(&a, false, false), -EBADF);
}

static void test_read_write(void **state)
{
	struct fx *f = *state;
	char buf[16];
	int fd = open(f->path, O_RDWR | O_CREAT, 0644);
	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(vu_write_all(fd, "abcdef", 6), 0);
	assert_int_equal(vu_pwrite_all(fd, "XY", 2, 2), 0);
	assert_int_equal(vu_pread_all(fd, buf, 6, 0, false), 0);
	assert_memory_equal(buf, "abXYef", 6);
	/* vu_write_all writes at the file offset; vu_pwrite_all does not move
	 * it, and a negative offset is pwrite's EINVAL, not a plain write. */
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 6);
	assert_int_equal(vu_pwrite_all(fd, "Z", 1, -1), -EINVAL);
	assert_int_equal(vu_write_all(fd, "g", 1), 0);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 7);
	assert_int_equal(vu_pread_all(fd, buf, 7, 0, false), 0);
	assert_memory_equal(buf, "abXYefg", 7);
	/* Past the end: an error, unless the caller wants zeros there. */
	assert_int_equal(vu_pread_all(fd, buf, 8, 2, false), -EIO);
	memset(buf, '?', sizeof(buf));
	assert_int_equal(vu_pread_all(fd, buf, 8, 2, true), 0);
	assert_memory_equal(buf, "XYefg\0\0\0", 8);
	assert_int_equal(buf[8], '?');
	close(fd);
	assert_int_equal(vu_write_all(fd, "a", 1), -EBADF);
	assert_int_equal(vu_pread_all(fd, buf, 1, 0, true), -EBADF);
}

/* Relative against the working directory, absolute as given; no slash
 * doubled when the working directory is the root. */
static void test_path_absolute(void **state)
{
	struct fx *f = *state;
	char *old = getcwd(NULL, 0), *out, *want;

	assert_non_null(old);
	assert_int_equal(vu_path_absolute("/a/../b/", &out), 0);
	assert_string_equal(out, "/a/../b/");
	free(out);
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(vu_path_absolute("x/y.img", &out), 0);
	assert_true(asprintf(&want, "%s/x/y.img", f->dir) > 0);
	assert_string_equal(out, want);
	free(out);
	free(want);
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(vu_path_absolute("etc", &out), 0);
	assert_string_equal(out, "/etc");
	free(out);
	assert_int_equal(chdir(old), 0);
	free(old);
}

/* A pipe whose writer gives n bytes of 'a'..'z' in pieces of at most
 * piece bytes, so that reads come back short. Returns the read end. */
static int slow_pipe(size_t n, size_t piece, pid_t *pid)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		char buf[4096];

		close(p[0]);
		for (size_t done = 0; done < n;) {
			size_t k = n - done < piece ? n - done : piece;

			for (size_t i = 0; i < k; i++)
				buf[i] = (char)('a' + (done + i) % 26);
			if (write(p[1], buf, k) != (ssize_t)k)
				_exit(1);
			done += k;
			usleep(1000);
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

static void reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_read_full(void **state)
{
	struct fx *f = *state;
	char buf[64];
	pid_t pid;
	int fd = open(f->path, O_RDWR | O_CREAT, 0644);

	assert_true(fd >= 0);
	assert_int_equal(vu_write_all(fd, "abcdef", 6), 0);
	assert_int_equal(lseek(fd, 1, SEEK_SET), 1);
	/* Short only at the end of the file, and from the current offset. */
	assert_int_equal(vu_read_full(fd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "bcdef", 5);
	assert_int_equal(vu_read_full(fd, buf, sizeof(buf)), 0);
	close(fd);
	assert_int_equal(vu_read_full(fd, buf, 1), -EBADF);
	/* A pipe that gives 7 bytes at a time still fills the buffer. */
	fd = slow_pipe(50, 7, &pid);
	assert_int_equal(vu_read_full(fd, buf, 40), 40);
	assert_memory_equal(buf, "abcdefghijklmnopqrstuvwxyzabcdefghijklmn", 40);
	assert_int_equal(vu_read_full(fd, buf, 40), 10);
	close(fd);
	reap(pid);
}

static void test_read_all(void **state)
{
	struct fx *f = *state;
	char big[10000], *buf = NULL, *keep;
	size_t len = 0;
	pid_t pid;
	int fd = open(f->path, O_RDWR | O_CREAT, 0644);

	assert_true(fd >= 0);
	/* An empty file: an empty string. */
	assert_int_equal(vu_read_all(fd, 100, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	/* Larger than the first buffer, with a NUL inside, NUL-terminated. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('0' + i % 10);
	big[5000] = '\0';
	assert_int_equal(vu_write_all(fd, big, sizeof(big)), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(vu_read_all(fd, sizeof(big), &buf, &len), 0);
	assert_int_equal(len, sizeof(big));
	assert_memory_equal(buf, big, sizeof(big));
	assert_int_equal(buf[len], '\0');
	free(buf);
	/* The rest of the file, from where the offset is. */
	assert_int_equal(lseek(fd, 9990, SEEK_SET), 9990);
	assert_int_equal(vu_read_all(fd, 10, &buf, &len), 0);
	assert_int_equal(len, 10);
	assert_string_equal(buf, "0123456789");
	free(buf);
	/* One byte past max is refused, and the outputs stay as they were. */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	keep = buf = (char *)"untouched";
	len = 7;
	assert_int_equal(vu_read_all(fd, sizeof(big) - 1, &buf, &len), -EFBIG);
	assert_ptr_equal(buf, keep);
	assert_int_equal(len, 7);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(vu_read_all(fd, 0, &buf, &len), -EFBIG);
	close(fd);
	assert_int_equal(vu_read_all(fd, 100, &buf, &len), -EBADF);
	assert_ptr_equal(buf, keep);
	/* A pipe that dribbles: read to its end. */
	fd = slow_pipe(9000, 1000, &pid);
	assert_int_equal(vu_read_all(fd, 9000, &buf, &len), 0);
	assert_int_equal(len, 9000);
	assert_int_equal(buf[8999], (char)('a' + 8999 % 26));
	assert_int_equal(buf[9000], '\0');
	free(buf);
	close(fd);
	reap(pid);
}

static void test_fsync_parent(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	tu_write_str(f->path, "x");
	assert_int_equal(vu_fsync_parent(f->path), 0);
	snprintf(p, sizeof(p), "%s/", f->dir);
	assert_int_equal(vu_fsync_parent(p), 0);
	assert_int_equal(vu_fsync_parent("bare-name"), 0);
	snprintf(p, sizeof(p), "%s/missing/x", f->dir);
	assert_int_equal(vu_fsync_parent(p), -ENOENT);
	snprintf(p, sizeof(p), "%s/x", f->path);
	assert_int_equal(vu_fsync_parent(p), -ENOTDIR);
}

static void test_locks(void **state)
{
	struct fx *f = *state;
	char lock[PATH_MAX], link[PATH_MAX];
	struct stat st;
	int ex, sh1, sh2;

	snprintf(lock, sizeof(lock), "%s/lock", f->dir);
	ex = vu_lock_path(lock, true, true);
	assert_true(ex >= 0);
	assert_int_equal(stat(lock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* flock conflicts between open files, even in one process */
	assert_int_equal(vu_lock_path(lock, false, true), -EWOULDBLOCK);
	assert_int_equal(vu_unlock(ex), 0);
	sh1 = vu_lock_path(lock, false, true);
	sh2 = vu_lock_path(lock, false, true);
	assert_true(sh1 >= 0 && sh2 >= 0);
	assert_int_equal(vu_lock(ex, true, true), -EWOULDBLOCK);
	close(sh1);
	close(sh2);
	assert_int_equal(vu_lock(ex, true, true), 0);
	close(ex);
	snprintf(link, sizeof(link), "%s/link", f->dir);
	assert_int_equal(symlink(lock, link), 0);
	assert_int_equal(vu_lock_path(link, true, true), -ELOOP);
	assert_int_equal(vu_lock(-1, true, true), -EBADF);
}

static void test_name_check(void **state)
{
	static const char *good[] = {
		"web1", "a", "Web_1.2+x:y-z", "0start", "a..b", "a-", "x.xml",
	};
	static const char *bad[] = {
		"", ".hidden", "-opt", ".", "..", "a/b", "../x", "a b", "a\tb",
		"caf\xc3\xa9", "a$b", "a*b", "a\\b", "a\nb",
	};
	char max[NAME_MAX + 2];
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (vu_name_check(good[i]) != 0)
			fail_msg("refused '%s'", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (vu_name_check(bad[i]) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(vu_name_check(NULL), -EINVAL);
	memset(max, 'a', NAME_MAX);
	max[NAME_MAX] = '\0';
	assert_int_equal(vu_name_check(max), 0);
	max[NAME_MAX] = 'a';
	max[NAME_MAX + 1] = '\0';
	assert_int_equal(vu_name_check(max), -EINVAL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_atomic_new), T(test_atomic_noreplace), T(test_atomic_replace),
		T(test_atomic_keep), T(test_atomic_keep_owner), T(test_atomic_openat),
		T(test_atomic_abort), T(test_atomic_hidden_fallback), T(test_atomic_killed),
		T(test_atomic_long_name), T(test_atomic_bad_paths), T(test_read_write), T(test_path_absolute),
		T(test_read_full), T(test_read_all), T(test_fsync_parent), T(test_locks),
		T(test_name_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
