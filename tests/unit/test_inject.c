/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_inject.c - --initrd-inject: the files land at the root of the
 * initrd as the kernel unpacks it, and a failure changes nothing */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* vm-create's modules, linked from its archive (see the Makefile). */
#include "../../tools/vm-create/location.h"
#include "testutil.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	return tu_scratch(dir, sizeof(dir), "test_inject");
}

static int teardown(void **state)
{
	(void)state;
	return tu_scratch_done(dir);
}

/* ---- a walker over an initrd, as init/initramfs.c unpacks it ---- */

struct walked {
	char name[64];
	unsigned mode, uid, gid, mtime;
	unsigned char *data;
	size_t size;
};

struct walk {
	struct walked f[16];
	size_t n;
	size_t segments;	/* top-level archives, compressed or not */
	size_t plain_at;	/* offset of the last uncompressed archive */
};

static unsigned hex8(const unsigned char *p)
{
	char b[9];

	memcpy(b, p, 8);
	b[8] = '\0';
	return (unsigned)strtoul(b, NULL, 16);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* One newc archive at buf (4-aligned), to its TRAILER!!!; the bytes used.
 * A later entry of the same name replaces an earlier one, as the kernel
 * overwrites it. */
static size_t walk_newc(const unsigned char *buf, size_t len, struct walk *w)
{
	size_t off = 0;

	for (;;) {
		unsigned namesize, filesize;
		const char *name;

		assert_true(off + 110 <= len);
		assert_memory_equal(buf + off, "070701", 6);
		namesize = hex8(buf + off + 94);
		filesize = hex8(buf + off + 54);
		name = (const char *)buf + off + 110;
		assert_true(off + 110 + namesize <= len);
		assert_int_equal(name[namesize - 1], '\0');
		size_t data = pad4(off + 110 + namesize);

		assert_true(data + filesize <= len);
		if (!strcmp(name, "TRAILER!!!"))
			return pad4(data + filesize);
		struct walked *f = NULL;

		for (size_t i = 0; i < w->n; i++)
			if (!strcmp(w->f[i].name, name))
				f = &w->f[i];
		if (!f) {
			assert_true(w->n < 16);
			f = &w->f[w->n++];
		} else {
			free(f->data);
		}
		snprintf(f->name, sizeof(f->name), "%s", name);
		f->mode = hex8(buf + off + 14);
		f->uid = hex8(buf + off + 22);
		f->gid = hex8(buf + off + 30);
		f->mtime = hex8(buf + off + 46);
		f->size = filesize;
		f->data = malloc(filesize + 1);
		memcpy(f->data, buf + data, filesize);
		off = pad4(data + filesize);
	}
}

/* Archives and zero padding, as the kernel's loop reads them; inside a
 * compressed stream (compressed false) nothing is compressed again. */
static void walk_all(const unsigned char *buf, size_t len, struct walk *w, bool outer);

static size_t walk_gzip(const unsigned char *buf, size_t len, struct walk *w)
{
	z_stream z = { 0 };
	size_t cap = 1 << 20;
	unsigned char *out = malloc(cap);
	int r;

	assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
	z.next_in = (unsigned char *)buf;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	r = inflate(&z, Z_FINISH);
	assert_int_equal(r, Z_STREAM_END);
	walk_all(out, z.total_out, w, false);
	size_t used = z.total_in;

	inflateEnd(&z);
	free(out);
	return used;
}

static void walk_all(const unsigned char *buf, size_t len, struct walk *w, bool outer)
{
	size_t off = 0;

	while (off < len) {
		if (buf[off] == 0) {
			off++;
		} else if (buf[off] == '0') {
			/* the kernel: *buf == '0' && !(this_header & 3) */
			assert_int_equal(off % 4, 0);
			if (outer) {
				w->plain_at = off;
				w->segments++;
			}
			off += walk_newc(buf + off, len - off, w);
		} else {
			assert_true(outer);
			assert_true(len - off > 2 && buf[off] == 0x1f && buf[off + 1] == 0x8b);
			w->segments++;
			off += walk_gzip(buf + off, len - off, w);
		}
	}
}

static const struct walked *walked(const struct walk *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->f[i].name, name))
			return &w->f[i];
	return NULL;
}

static void walk_free(struct walk *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->f[i].data);
}

/* ---- the tests ---- */

/* A distribution's initrd: gzip(newc) with /init and /etc/hello, its size
 * made not a multiple of 4 (gzip's own length varies) by a zero byte. */
static void make_initrd(const char *path, bool compress)
{
	struct stat st;

	tu_sh_ok("mkdir -p %s/root/etc && printf '#!/bin/sh\\n' >%s/root/init && "
		 "echo hello >%s/root/etc/hello", dir, dir, dir);
	tu_sh_ok("cd %s/root && printf 'init\\netc\\netc/hello\\n' | "
		 "cpio -o -H newc --quiet -R 0:0 %s >%s", dir, compress ? "| gzip -9n" : "", path);
	assert_int_equal(stat(path, &st), 0);
	if (compress && st.st_size % 4 == 0)
		tu_sh_ok("printf '\\0' >>%s", path);
}

static void check_injected(const char *initrd, off_t old_size, bool compressed)
{
	const struct walked *ks, *pre, *init;
	struct walk w = { 0 };
	unsigned char *buf;
	size_t len;
	struct stat st;
	char path[128];

	buf = tu_read(initrd, &len);
	walk_all(buf, len, &w, true);
	assert_int_equal(w.segments, 2);
	/* the new archive starts at the first aligned offset past the old */
	assert_int_equal(w.plain_at, compressed ? (size_t)((old_size + 3) & ~3) : (size_t)old_size);
	for (size_t i = (size_t)old_size; i < w.plain_at; i++)
		assert_int_equal(buf[i], 0);
	init = walked(&w, "init");
	assert_non_null(init);
	assert_memory_equal(init->data, "#!/bin/sh\n", 10);
	assert_non_null(walked(&w, "etc/hello"));
	ks = walked(&w, "ks.cfg");
	pre = walked(&w, "preseed.cfg");
	assert_non_null(ks);
	assert_non_null(pre);
	assert_int_equal(ks->size, 20);
	assert_memory_equal(ks->data, "text\nreboot\n# ks.cfg", 20);
	assert_int_equal(pre->size, 0);
	assert_int_equal(ks->mode, 0100644);
	assert_int_equal(pre->mode, 0100644);
	assert_int_equal(ks->uid, 0);
	assert_int_equal(ks->gid, 0);
	snprintf(path, sizeof(path), "%s/in/ks.cfg", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(ks->mtime, (unsigned)st.st_mtime);
	walk_free(&w);
	free(buf);
}

static void inject_two(bool compressed)
{
	char initrd[128], ks[128], pre[128];
	const char *files[] = { ks, pre };
	struct stat st;
	struct vu_err e;

	snprintf(initrd, sizeof(initrd), "%s/initrd.img", dir);
	make_initrd(initrd, compressed);
	assert_int_equal(stat(initrd, &st), 0);
	if (compressed)
		assert_int_not_equal(st.st_size % 4, 0);
	tu_sh_ok("mkdir -p %s/in/sub && chmod 0600 %s/in/sub", dir, dir);
	snprintf(ks, sizeof(ks), "%s/in/ks.cfg", dir);
	tu_write_str(ks, "text\nreboot\n# ks.cfg");
	tu_sh_ok("chmod 0700 %s", ks);
	snprintf(pre, sizeof(pre), "%s/in/sub/preseed.cfg", dir);
	tu_write_str(pre, "");
	if (initrd_inject(initrd, files, 2, &e) != 0)
		fail_msg("%s", vu_err_str(&e));
	check_injected(initrd, st.st_size, compressed);
}

static void test_inject_gzip(void **state)
{
	(void)state;
	inject_two(true);
}

static void test_inject_plain(void **state)
{
	(void)state;
	inject_two(false);
}

/* The files are also what GNU cpio reads from the appended archive. */
static void test_inject_cpio_reads(void **state)
{
	char initrd[128], ks[128], out[256];
	const char *files[] = { ks };
	struct stat st;

	(void)state;
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", dir);
	make_initrd(initrd, false);
	assert_int_equal(stat(initrd, &st), 0);
	snprintf(ks, sizeof(ks), "%s/ks.cfg", dir);
	tu_write_str(ks, "lang en_US.UTF-8\n");
	assert_int_equal(initrd_inject(initrd, files, 1, NULL), 0);
	tu_sh_ok("mkdir %s/x && cd %s/x && tail -c +%lld %s | cpio -i --quiet", dir, dir,
		 (long long)st.st_size + 1, initrd);
	snprintf(out, sizeof(out), "%s/x/ks.cfg", dir);
	size_t len;
	unsigned char *got = tu_read(out, &len);

	assert_int_equal(len, 17);
	assert_memory_equal(got, "lang en_US.UTF-8\n", 17);
	free(got);
}

/* On any error the initrd keeps its size and bytes. */
static void assert_unchanged(const char *initrd, const unsigned char *before, size_t len)
{
	size_t now;
	unsigned char *after = tu_read(initrd, &now);

	assert_int_equal(now, len);
	assert_memory_equal(after, before, len);
	free(after);
}

static void test_inject_missing(void **state)
{
	char initrd[128], ks[128], missing[128];
	const char *files[] = { ks, missing };
	unsigned char *before;
	size_t len;
	struct vu_err e;

	(void)state;
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", dir);
	make_initrd(initrd, true);
	before = tu_read(initrd, &len);
	snprintf(ks, sizeof(ks), "%s/ks.cfg", dir);
	tu_write_str(ks, "x\n");
	snprintf(missing, sizeof(missing), "%s/nothere.cfg", dir);
	assert_int_equal(initrd_inject(initrd, files, 2, &e), -ENOENT);
	assert_non_null(strstr(e.msg, missing));
	assert_non_null(strstr(e.msg, "no such file"));
	assert_unchanged(initrd, before, len);
	/* a directory, and two files that would have one name */
	files[1] = dir;
	assert_int_equal(initrd_inject(initrd, files, 2, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not a regular file"));
	files[1] = ks;
	assert_int_equal(initrd_inject(initrd, files, 2, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "would both be /ks.cfg"));
	assert_unchanged(initrd, before, len);
	/* the initrd itself missing */
	snprintf(missing, sizeof(missing), "%s/no-initrd", dir);
	assert_int_equal(initrd_inject(missing, files, 1, &e), -ENOENT);
	assert_non_null(strstr(e.msg, missing));
	free(before);
}

/* A write that fails half-way (the file size limit, standing in for a
 * full disk) is undone. */
static void test_inject_rollback(void **state)
{
	char initrd[128], big[128];
	const char *files[] = { big };
	unsigned char *before;
	struct rlimit old, lim;
	size_t len;
	struct vu_err e;
	int r;

	(void)state;
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", dir);
	make_initrd(initrd, true);
	before = tu_read(initrd, &len);
	snprintf(big, sizeof(big), "%s/big.cfg", dir);
	tu_sh_ok("head -c 300000 /dev/urandom >%s", big);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = len + 1000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = initrd_inject(initrd, files, 1, &e);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(r, -EIO);
	if (!strstr(e.msg, initrd))
		fail_msg("'%s' does not name %s", e.msg, initrd);
	assert_unchanged(initrd, before, len);
	free(before);
}

static void test_inject_nothing(void **state)
{
	char initrd[128];
	unsigned char *before;
	size_t len;

	(void)state;
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", dir);
	make_initrd(initrd, true);
	before = tu_read(initrd, &len);
	assert_int_equal(initrd_inject(initrd, NULL, 0, NULL), 0);
	assert_unchanged(initrd, before, len);
	free(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inject_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inject_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inject_cpio_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inject_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inject_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inject_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
