/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_location.c - vm-create --location: .treeinfo, the layouts, and
 * fetching from a directory, an ISO and an HTTP server on loopback */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vu/base.h"

/* vm-create's modules, linked from its archive (see the Makefile). */
#include "../../tools/vm-create/treeinfo.h"
#include "../../tools/vm-create/location.h"
#include "testutil.h"

/* The fixture trees (mktree.sh) and the HTTP server serving them, made
 * once for the whole group. */
static char top[64];
static char http[64];
static pid_t server = -1;

static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int can_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* python3's http.server serving top, plus /moved/X redirecting to /X and
 * /broken/X answering 500. */
static const char server_py[] =
	"import functools, http.server, sys\n"
	"class H(http.server.SimpleHTTPRequestHandler):\n"
	"    def log_message(self, *args): pass\n"
	"    def special(self):\n"
	"        if self.path.startswith('/moved/'):\n"
	"            self.send_response(302)\n"
	"            self.send_header('Location', self.path[6:])\n"
	"            self.send_header('Content-Length', '0')\n"
	"            self.end_headers()\n"
	"            return True\n"
	"        if self.path.startswith('/broken/'):\n"
	"            self.send_error(500)\n"
	"            return True\n"
	"        return False\n"
	"    def do_GET(self):\n"
	"        self.special() or super().do_GET()\n"
	"    def do_HEAD(self):\n"
	"        self.special() or super().do_HEAD()\n"
	"h = functools.partial(H, directory=sys.argv[2])\n"
	"http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), h).serve_forever()\n";

/* The server on 127.0.0.1, on a free port; up within 10 s. */
static int start_server(void)
{
	char portstr[16];
	int port = free_port();

	if (port < 0)
		return -1;
	snprintf(portstr, sizeof(portstr), "%d", port);
	server = fork();
	if (server == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 1);
		dup2(null, 2);
		execl("/usr/bin/python3", "python3", "-c", server_py, portstr, top, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; server > 0 && i < 200; i++) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		if (can_connect(port)) {
			snprintf(http, sizeof(http), "http://127.0.0.1:%d", port);
			return 0;
		}
		nanosleep(&ts, NULL);
	}
	return -1;
}

static int group_setup(void **state)
{
	char mktree[PATH_MAX];

	(void)state;
	/* Loopback is never to go through a proxy the environment names. */
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	if (!tu_fixture_script("mktree.sh", mktree, sizeof(mktree))) {
		fprintf(stderr, "test_location: no tests/fixtures/mktree.sh\n");
		return -1;
	}
	if (tu_scratch(top, sizeof(top) - strlen("/trees"), "test_location") < 0 ||
	    tu_sh("%s %s/trees", mktree, top) != 0)
		return -1;
	strcat(top, "/trees");
	return start_server();
}

static int group_teardown(void **state)
{
	(void)state;
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
	top[strlen(top) - strlen("/trees")] = '\0';
	return tu_scratch_done(top);
}

/* A fresh destination: TOP/../dest-N/boot/vm (nothing of it exists). */
static void dest(char *buf, size_t size)
{
	static int n;

	snprintf(buf, size, "%.*s/dest-%d/boot/vm", (int)(strlen(top) - 6), top, n++);
}

static void assert_same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *da = tu_read(a, &la), *db = tu_read(b, &lb);

	assert_true(la > 0);
	assert_int_equal(la, lb);
	assert_memory_equal(da, db, la);
	free(da);
	free(db);
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* fetch location into a fresh destdir; compare with TOP/tree/kernel, initrd */
static void fetch_ok(const char *location, const char *tree, const char *kernel,
		     const char *initrd, const char *distro, const char *extra)
{
	struct install_media m;
	struct vu_err e;
	char dir[128], path[256];
	int r;

	dest(dir, sizeof(dir));
	r = location_fetch(location, dir, &m, &e);
	if (r != 0)
		fail_msg("%s: %s", location, vu_err_str(&e));
	snprintf(path, sizeof(path), "%s/vmlinuz", dir);
	assert_string_equal(m.kernel, path);
	snprintf(path, sizeof(path), "%s/initrd.img", dir);
	assert_string_equal(m.initrd, path);
	snprintf(path, sizeof(path), "%s/%s/%s", top, tree, kernel);
	assert_same_file(m.kernel, path);
	snprintf(path, sizeof(path), "%s/%s/%s", top, tree, initrd);
	assert_same_file(m.initrd, path);
	if (distro)
		assert_string_equal(m.distro, distro);
	else
		assert_null(m.distro);
	if (extra)
		assert_string_equal(m.extra_args, extra);
	else
		assert_null(m.extra_args);
	location_remove(&m);
	assert_false(exists(m.kernel));
	assert_false(exists(dir));
	install_media_clear(&m);
	assert_null(m.kernel);
}

/* location_fetch fails with code, a message holding want, and leaves
 * nothing: not even the destination's parents it would have made. */
static void fetch_fails(const char *location, int code, const char *want)
{
	struct install_media m;
	struct vu_err e;
	char dir[128], parent[128];

	dest(dir, sizeof(dir));
	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(dir, '/') - dir - 5), dir);
	assert_int_equal(location_fetch(location, dir, &m, &e), -code);
	assert_int_equal(e.code, code);
	if (!strstr(vu_err_str(&e), want))
		fail_msg("'%s' does not contain '%s'", vu_err_str(&e), want);
	assert_null(m.kernel);
	assert_null(m.initrd);
	assert_false(exists(dir));
	assert_false(exists(parent));
}

static void test_path_normalize(void **state)
{
	static const char *const ok[][2] = {
		{ "images/pxeboot/vmlinuz", "images/pxeboot/vmlinuz" },
		{ "./images//pxeboot/./vmlinuz", "images/pxeboot/vmlinuz" },
		{ "a/", "a" }, { "...", "..." }, { "a..b/c", "a..b/c" },
	};
	static const char *const bad[] = {
		"", "/boot/vmlinuz", "../vmlinuz", "a/../../b", "a/..", ".", "./", "a\nb",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		char *n = tree_path_normalize(ok[i][0]);

		assert_non_null(n);
		assert_string_equal(n, ok[i][1]);
		free(n);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		assert_null(tree_path_normalize(bad[i]));
		assert_int_equal(errno, EINVAL);
	}
}

static void test_treeinfo_old(void **state)
{
	static const char text[] =
		"# comment\n[general]\nFamily = Red Hat Enterprise Linux\nversion: 6.10\n"
		"arch = x86_64\n  continued line\n; other comment\n\n"
		"[images-xen]\nkernel = images/xen/vmlinuz\ninitrd = images/xen/initrd.img\n"
		"[images-x86_64]\r\nkernel =  ./images/pxeboot/vmlinuz \r\n"
		"initrd=images/pxeboot/initrd.img\r\nkernel = second/one\n";
	struct treeinfo ti;

	(void)state;
	assert_int_equal(treeinfo_parse(text, strlen(text), &ti, NULL), 0);
	assert_string_equal(ti.family, "Red Hat Enterprise Linux");
	assert_string_equal(ti.version, "6.10");
	assert_string_equal(ti.arch, "x86_64");
	assert_string_equal(ti.kernel, "images/pxeboot/vmlinuz");
	assert_string_equal(ti.initrd, "images/pxeboot/initrd.img");
	treeinfo_clear(&ti);
	assert_null(ti.family);
}

static void test_treeinfo_productmd(void **state)
{
	static const char text[] =
		"[header]\ntype = productmd.treeinfo\nversion = 1.2\n\n"
		"[release]\nname = Fedora\nshort = Fedora\nversion = 38\n\n"
		"[tree]\narch = aarch64\nplatforms = aarch64\n\n"
		"[images-aarch64]\ninitrd = images/pxeboot/initrd.img\n"
		"kernel = images/pxeboot/vmlinuz\n";
	struct treeinfo ti;

	(void)state;
	assert_int_equal(treeinfo_parse(text, strlen(text), &ti, NULL), 0);
	assert_string_equal(ti.family, "Fedora");
	assert_string_equal(ti.version, "38");
	assert_string_equal(ti.arch, "aarch64");
	assert_string_equal(ti.kernel, "images/pxeboot/vmlinuz");
	assert_string_equal(ti.initrd, "images/pxeboot/initrd.img");
	treeinfo_clear(&ti);
}

static void test_treeinfo_sparse(void **state)
{
	static const char text[] = "[general]\nfamily=\n[images-x86_64]\nkernel = k\n";
	struct treeinfo ti;

	(void)state;
	assert_int_equal(treeinfo_parse(text, strlen(text), &ti, NULL), 0);
	assert_null(ti.family);
	assert_null(ti.version);
	assert_string_equal(ti.arch, "x86_64");
	assert_string_equal(ti.kernel, "k");
	assert_null(ti.initrd);
	treeinfo_clear(&ti);
	/* bytes that are no INI at all */
	assert_int_equal(treeinfo_parse("\0\xff[\n=\n", 6, &ti, NULL), 0);
	assert_null(ti.kernel);
	treeinfo_clear(&ti);
}

static void test_treeinfo_escape(void **state)
{
	static const char *const texts[] = {
		"[images-x86_64]\nkernel = ../../etc/passwd\ninitrd = i\n",
		"[images-x86_64]\nkernel = k\ninitrd = /etc/shadow\n",
		"[images-x86_64]\nkernel = images/../../x\ninitrd = i\n",
	};
	struct treeinfo ti;
	struct vu_err e;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(treeinfo_parse(texts[i], strlen(texts[i]), &ti, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "is not inside the install tree"));
		assert_null(ti.kernel);
	}
}

static void test_url_join(void **state)
{
	static const char *const cases[][3] = {
		{ "http://h/tree/", "images/pxeboot/vmlinuz", "http://h/tree/images/pxeboot/vmlinuz" },
		{ "http://h/tree", ".treeinfo", "http://h/tree/.treeinfo" },
		{ "ftp://h/", "a b/c%d#?", "ftp://h/a%20b/c%25d%23%3F" },
		{ "https://h/x/", "caf\xc3\xa9", "https://h/x/caf%C3%A9" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *u = url_join(cases[i][0], cases[i][1]);

		assert_string_equal(u, cases[i][2]);
		free(u);
	}
}

static void test_url_arg(void **state)
{
	(void)state;
	assert_string_equal(loc_url_arg("fedora", "18"), "method");
	assert_string_equal(loc_url_arg("fedora", "19"), "inst.repo");
	assert_string_equal(loc_url_arg("fedora", "Rawhide"), "inst.repo");
	assert_string_equal(loc_url_arg("fedora", NULL), "inst.repo");
	assert_string_equal(loc_url_arg("rhel", "6.10"), "method");
	assert_string_equal(loc_url_arg("rhel", "7.0"), "inst.repo");
	assert_string_equal(loc_url_arg("suse", "15.5"), "install");
	assert_null(loc_url_arg("debian", "12"));
	assert_null(loc_url_arg("ubuntu", "22.04"));
	assert_null(loc_url_arg(NULL, "1"));
	assert_string_equal(loc_family_distro("CentOS Stream"), "rhel");
	assert_string_equal(loc_family_distro("openSUSE"), "suse");
	assert_null(loc_family_distro("Mageia"));
}

static void test_kind(void **state)
{
	char path[160];
	struct vu_err e;

	(void)state;
	snprintf(path, sizeof(path), "%s/debian", top);
	assert_int_equal(location_kind(path, NULL), LOCATION_DIR);
	snprintf(path, sizeof(path), "file://%s/debian", top);
	assert_int_equal(location_kind(path, NULL), LOCATION_DIR);
	snprintf(path, sizeof(path), "%s/debian.iso", top);
	assert_int_equal(location_kind(path, NULL), LOCATION_ISO);
	assert_int_equal(location_kind("HTTPS://example.org/x", NULL), LOCATION_URL);
	assert_int_equal(location_kind("ftp://example.org/x", NULL), LOCATION_URL);
	assert_int_equal(location_kind("nfs://example.org/x", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "unsupported URL scheme"));
	assert_int_equal(location_kind("/no/such/tree", &e), -ENOENT);
	assert_non_null(strstr(e.msg, "/no/such/tree"));
	assert_int_equal(location_kind("file://otherhost/x", &e), -EINVAL);
}

static void test_dir_layouts(void **state)
{
	char loc[160];

	(void)state;
	snprintf(loc, sizeof(loc), "%s/fedora-old", top);
	fetch_ok(loc, "fedora-old", "isolinux/vmlinuz", "isolinux/initrd.img", "fedora", NULL);
	snprintf(loc, sizeof(loc), "%s/rhel-new/", top);
	fetch_ok(loc, "rhel-new", "images/pxeboot/vmlinuz", "images/pxeboot/initrd.img", "rhel",
		 NULL);
	snprintf(loc, sizeof(loc), "%s/pxeboot", top);
	fetch_ok(loc, "pxeboot", "images/pxeboot/vmlinuz", "images/pxeboot/initrd.img", NULL,
		 NULL);
	snprintf(loc, sizeof(loc), "%s/debian", top);
	fetch_ok(loc, "debian", "install.amd/vmlinuz", "install.amd/initrd.gz", "debian", NULL);
	snprintf(loc, sizeof(loc), "file://%s/ubuntu", top);
	fetch_ok(loc, "ubuntu", "casper/vmlinuz", "casper/initrd", "ubuntu", NULL);
	snprintf(loc, sizeof(loc), "%s/ubuntu-netboot", top);
	fetch_ok(loc, "ubuntu-netboot", "install/netboot/ubuntu-installer/amd64/linux",
		 "install/netboot/ubuntu-installer/amd64/initrd.gz", "ubuntu", NULL);
	snprintf(loc, sizeof(loc), "%s/suse", top);
	fetch_ok(loc, "suse", "boot/x86_64/loader/linux", "boot/x86_64/loader/initrd", "suse",
		 NULL);
	snprintf(loc, sizeof(loc), "%s/links", top);
	fetch_ok(loc, "links", "pool/vmlinuz", "pool/initrd.gz", "debian", NULL);
	/* .treeinfo's files missing: the layouts, with .treeinfo's distro */
	snprintf(loc, sizeof(loc), "%s/stale", top);
	fetch_ok(loc, "stale", "install/vmlinuz", "install/initrd.gz", "rhel", NULL);
}

static void test_iso(void **state)
{
	char loc[160];

	(void)state;
	snprintf(loc, sizeof(loc), "%s/fedora.iso", top);
	fetch_ok(loc, "fedora-old", "isolinux/vmlinuz", "isolinux/initrd.img", "fedora", NULL);
	snprintf(loc, sizeof(loc), "%s/debian.iso", top);
	fetch_ok(loc, "debian", "install.amd/vmlinuz", "install.amd/initrd.gz", "debian", NULL);
	/* a hard and a symbolic link inside the image */
	snprintf(loc, sizeof(loc), "%s/links.iso", top);
	fetch_ok(loc, "links", "pool/vmlinuz", "pool/initrd.gz", "debian", NULL);
	/* a file that is no ISO */
	snprintf(loc, sizeof(loc), "%s/debian/install.amd/vmlinuz", top);
	fetch_fails(loc, EIO, "neither a directory nor an ISO 9660 image");
}

/* Links inside an image are followed, but never out of it. */
static void test_iso_links(void **state)
{
	struct tree_src s;
	char loc[160];

	(void)state;
	snprintf(loc, sizeof(loc), "%s/links.iso", top);
	assert_int_equal(src_open(&s, loc, NULL), 0);
	assert_int_equal(src_exists(&s, "install.amd/initrd.gz", NULL), 1);
	assert_int_equal(src_exists(&s, "install.amd/vmlinuz", NULL), 1);
	assert_int_equal(src_exists(&s, "INSTALL.AMD/VMLINUZ", NULL), 1);
	assert_int_equal(src_exists(&s, "up", NULL), 0);
	assert_int_equal(src_exists(&s, "pool", NULL), 0);
	assert_int_equal(src_exists(&s, "nothing", NULL), 0);
	src_close(&s);
}

static void test_http(void **state)
{
	char loc[160], extra[200];

	(void)state;
	snprintf(loc, sizeof(loc), "%s/rhel-new", http);
	snprintf(extra, sizeof(extra), "inst.repo=%s", loc);
	fetch_ok(loc, "rhel-new", "images/pxeboot/vmlinuz", "images/pxeboot/initrd.img", "rhel",
		 extra);
	snprintf(loc, sizeof(loc), "%s/fedora-old/", http);
	snprintf(extra, sizeof(extra), "method=%s", loc);
	fetch_ok(loc, "fedora-old", "isolinux/vmlinuz", "isolinux/initrd.img", "fedora", extra);
	snprintf(loc, sizeof(loc), "%s/pxeboot", http);
	snprintf(extra, sizeof(extra), "inst.repo=%s", loc);
	fetch_ok(loc, "pxeboot", "images/pxeboot/vmlinuz", "images/pxeboot/initrd.img", NULL,
		 extra);
	snprintf(loc, sizeof(loc), "%s/suse/", http);
	snprintf(extra, sizeof(extra), "install=%s", loc);
	fetch_ok(loc, "suse", "boot/x86_64/loader/linux", "boot/x86_64/loader/initrd", "suse",
		 extra);
	snprintf(loc, sizeof(loc), "%s/debian", http);
	fetch_ok(loc, "debian", "install.amd/vmlinuz", "install.amd/initrd.gz", "debian", NULL);
	snprintf(loc, sizeof(loc), "%s/stale", http);
	snprintf(extra, sizeof(extra), "inst.repo=%s", loc);
	fetch_ok(loc, "stale", "install/vmlinuz", "install/initrd.gz", "rhel", extra);
	/* redirects are followed */
	snprintf(loc, sizeof(loc), "%s/moved/ubuntu", http);
	fetch_ok(loc, "ubuntu", "casper/vmlinuz", "casper/initrd", "ubuntu", NULL);
}

static void test_http_errors(void **state)
{
	char loc[160];
	int port = free_port();

	(void)state;
	/* every file 404: no tree there */
	snprintf(loc, sizeof(loc), "%s/no-such-tree", http);
	fetch_fails(loc, ENOENT, "no kernel found in install tree");
	/* an error other than "not found" stops the search */
	snprintf(loc, sizeof(loc), "%s/broken/debian", http);
	fetch_fails(loc, EIO, "/broken/debian/.treeinfo: The requested URL returned error: 500");
	snprintf(loc, sizeof(loc), "%s/escape", http);
	fetch_fails(loc, EINVAL, "'../secret/vmlinuz' is not inside the install tree");
	snprintf(loc, sizeof(loc), "http://127.0.0.1:%d/tree", port);
	fetch_fails(loc, EIO, "http://127.0.0.1:");
	fetch_fails(loc, EIO, "onnect");
	fetch_fails("http://[::1/x", EINVAL, "http://[::1/x");
	snprintf(loc, sizeof(loc), "%s/debian?x=1", http);
	fetch_fails(loc, EINVAL, "no query or fragment");
}

static void test_dir_errors(void **state)
{
	char loc[160];

	(void)state;
	snprintf(loc, sizeof(loc), "%s/nokernel", top);
	fetch_fails(loc, ENOENT, "no kernel found in install tree");
	fetch_fails(loc, ENOENT, loc);
	snprintf(loc, sizeof(loc), "%s/escape", top);
	fetch_fails(loc, EINVAL, "kernel path '../secret/vmlinuz'");
	snprintf(loc, sizeof(loc), "%s/missing", top);
	fetch_fails(loc, ENOENT, loc);
	/* .treeinfo names files that are not there, and no layout has any */
	tu_sh_ok("mkdir -p %s/../stale-only && cp %s/stale/.treeinfo %s/../stale-only/",
		 top, top, top);
	snprintf(loc, sizeof(loc), "%s/../stale-only", top);
	fetch_fails(loc, ENOENT, ".treeinfo names images/pxeboot/vmlinuz and "
		    "images/pxeboot/initrd.img, which are not both there");
}

/* An existing copy is never replaced; the other copy is not left. */
static void test_existing(void **state)
{
	struct install_media m;
	struct vu_err e;
	char dir[128], path[200], loc[160];
	size_t len;
	char *old;

	(void)state;
	dest(dir, sizeof(dir));
	tu_sh_ok("mkdir -p %s", dir);
	snprintf(path, sizeof(path), "%s/vmlinuz", dir);
	tu_write_str(path, "older kernel\n");
	snprintf(loc, sizeof(loc), "%s/debian", top);
	assert_int_equal(location_fetch(loc, dir, &m, &e), -EEXIST);
	assert_non_null(strstr(e.msg, path));
	old = tu_read(path, &len);
	assert_int_equal(len, 13);
	assert_memory_equal(old, "older kernel\n", 13);
	free(old);
	snprintf(path, sizeof(path), "%s/initrd.img", dir);
	assert_false(exists(path));
	assert_true(exists(dir));
}

/* A kernel over the limit is refused before it is copied. */
static void test_too_big(void **state)
{
	char loc[160];

	(void)state;
	snprintf(loc, sizeof(loc), "%s/../huge", top);
	tu_sh_ok("mkdir -p %s/images/pxeboot && truncate -s 3G %s/images/pxeboot/vmlinuz && "
		 "echo x >%s/images/pxeboot/initrd.img", loc, loc, loc);
	fetch_fails(loc, EFBIG, "larger than 2147483648 bytes");
}

/* --dry-run's search: the same answers, no copies. */
static void test_probe(void **state)
{
	struct install_media m;
	struct vu_err e;
	char loc[160], extra[200];

	(void)state;
	snprintf(loc, sizeof(loc), "%s/suse", http);
	assert_int_equal(location_probe(loc, &m, &e), 0);
	assert_null(m.kernel);
	assert_null(m.initrd);
	assert_string_equal(m.distro, "suse");
	snprintf(extra, sizeof(extra), "install=%s", loc);
	assert_string_equal(m.extra_args, extra);
	install_media_clear(&m);
	snprintf(loc, sizeof(loc), "%s/debian.iso", top);
	assert_int_equal(location_probe(loc, &m, &e), 0);
	assert_string_equal(m.distro, "debian");
	assert_null(m.extra_args);
	install_media_clear(&m);
	snprintf(loc, sizeof(loc), "%s/nokernel", top);
	assert_int_equal(location_probe(loc, &m, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "no kernel found in install tree"));
	assert_null(m.distro);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_normalize),
		cmocka_unit_test(test_treeinfo_old),
		cmocka_unit_test(test_treeinfo_productmd),
		cmocka_unit_test(test_treeinfo_sparse),
		cmocka_unit_test(test_treeinfo_escape),
		cmocka_unit_test(test_url_join),
		cmocka_unit_test(test_url_arg),
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_dir_layouts),
		cmocka_unit_test(test_iso),
		cmocka_unit_test(test_iso_links),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_dir_errors),
		cmocka_unit_test(test_existing),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
