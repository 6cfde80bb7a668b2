/* SPDX-License-Identifier: GPL-2.0-or-later */
/* appliance.c - the appliance path: the initramfs (our cpio writer) made of
 * busybox, the modules, this very vm-sysprep and the shared libraries the
 * loader mapped for it; QEMU under TCG booting it with the guest's disks;
 * what vm-sysprep says inside relayed from the second serial port */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <link.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vu/cpio.h"
#include "vu/file.h"
#include "vu/image.h"
#include "vu/qemucmd.h"
#include "vu/qmp.h"

#include "vs-appliance.h"

extern char **environ;

#define OUT_MAX (16u << 20)
#define EXIT_MARK "VU-APPLIANCE-EXIT "

const char *vs_ap_needed(const struct vu_guest *g)
{
	size_t n;
	const struct vu_guest_fs *fs = vu_guest_filesystems(g, &n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(fs[i].type, "xfs") || !strcmp(fs[i].type, "btrfs"))
			return fs[i].type;
	return NULL;
}

/* LVM's /dev/mapper name: VG-LV with the dashes inside each doubled. */
static void mapper_name(FILE *f, const char *dev)
{
	const char *vg = dev + strlen("/dev/"), *lv = strchr(vg, '/');

	fputs(" /dev/mapper/", f);
	for (const char *p = vg; *p; p++) {
		if (p == lv) {
			fputc('-', f);
			continue;
		}
		if (*p == '-')
			fputc('-', f);
		fputc(*p, f);
	}
	fputc('\n', f);
}

int vs_ap_probe(const struct vu_guest *g, struct vs_appliance *ap)
{
	static const char *const known[] = { "xfs", "btrfs" };
	size_t n, k = 0, len = 0;
	const struct vu_guest_fs *fs = vu_guest_filesystems(g, &n);
	bool lvs = false;
	FILE *f = open_memstream(&ap->lvs, &len);

	if (!f)
		return -ENOMEM;
	for (size_t t = 0; t < 2; t++)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(fs[i].type, known[t])) {
				ap->fstypes[k++] = known[t];
				break;
			}
	for (size_t i = 0; i < n; i++) {
		const char *slash = strchr(fs[i].device + strlen("/dev/"), '/');

		if (fs[i].disk >= 0 || fs[i].lv_disk < 0 || fs[i].lv_disk >= 26 ||
		    strncmp(fs[i].device, "/dev/", 5) || !slash || strchr(slash + 1, '/') ||
		    strpbrk(fs[i].device, " \t\n"))
			continue;
		fprintf(f, "vd%c %llu %s", 'a' + fs[i].lv_disk, (unsigned long long)fs[i].offset,
			fs[i].device);
		mapper_name(f, fs[i].device);
		lvs = true;
	}
	if (lvs)
		ap->fstypes[k++] = "loop";
	ap->fstypes[k] = NULL;
	return fclose(f) == 0 ? 0 : -ENOMEM;
}

/* ---- the initramfs ---- */

struct build {
	struct vu_cpio *c;
	struct vu_err *e;
	const char *const *fstypes;
	char **dirs;		/* directories already in the archive */
	size_t ndirs;
	int err;
};

static bool have_dir(struct build *b, const char *d)
{
	for (size_t i = 0; i < b->ndirs; i++)
		if (!strcmp(b->dirs[i], d))
			return true;
	return false;
}

/* Every directory of name (relative, "lib/x86_64-linux-gnu/libc.so.6")
 * before the name itself: the kernel's unpacker makes no parents. */
static int add_parents(struct build *b, const char *name)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", name);
	for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
		char **v;
		int r;

		*s = '\0';
		if (!have_dir(b, buf)) {
			if ((r = vu_cpio_add_dir(b->c, buf, 0755, b->e)) < 0)
				return r;
			if (!(v = realloc(b->dirs, (b->ndirs + 1) * sizeof(*v))) ||
			    !(v[b->ndirs] = strdup(buf))) {
				if (v)
					b->dirs = v;
				return vu_err_set(b->e, ENOMEM, "cannot allocate memory");
			}
			b->dirs = v;
			b->ndirs++;
		}
		*s = '/';
	}
	return 0;
}

#define SIG_MAGIC "~Module signature appended~\n"
#define SIG_INFO 12	/* struct module_signature, sig_len big-endian last */

/*
 * A module's size without its appended signature: the kernel checks a
 * signature it finds (hashing megabytes, seconds under TCG) but loads an
 * unsigned module when signatures are not enforced, as they are not
 * without Secure Boot. The whole size when there is none.
 */
static off_t unsigned_size(int fd, off_t size)
{
	unsigned char tail[SIG_INFO + sizeof(SIG_MAGIC) - 1];
	uint32_t sig;

	if (size < (off_t)sizeof(tail) ||
	    pread(fd, tail, sizeof(tail), size - (off_t)sizeof(tail)) != (ssize_t)sizeof(tail) ||
	    memcmp(tail + SIG_INFO, SIG_MAGIC, sizeof(SIG_MAGIC) - 1))
		return size;
	sig = (uint32_t)tail[8] << 24 | (uint32_t)tail[9] << 16 | (uint32_t)tail[10] << 8 | tail[11];
	if ((off_t)sig > size - (off_t)sizeof(tail))
		return size;
	return size - (off_t)sizeof(tail) - (off_t)sig;
}

/* The host file src (links followed) as name in the archive (perm 0: its
 * own); a kernel module without its signature. */
static int add_file_as(struct build *b, const char *src, const char *name, mode_t perm,
		       bool module)
{
	struct stat st;
	int fd = open(src, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0 || fstat(fd, &st) < 0) {
		r = errno;
		if (fd >= 0)
			close(fd);
		return vu_err_set(b->e, r, "%s: %s", src, strerror(r));
	}
	if (module)
		st.st_size = unsigned_size(fd, st.st_size);
	r = add_parents(b, name);
	if (r == 0)
		r = vu_cpio_add_fd(b->c, name, fd, st.st_size, perm ? perm : st.st_mode & 07777,
				   st.st_mtime, b->e);
	close(fd);
	return r;
}

static int add_file(struct build *b, const char *src, const char *name, mode_t perm)
{
	return add_file_as(b, src, name, perm, false);
}

/* What the customize options read on the host: a file, or a tree. */
static int add_hostfiles(struct build *b, char *const *files)
{
	int r = 0;

	for (size_t i = 0; files && files[i] && r == 0; i += 2) {
		struct stat st;

		if (stat(files[i], &st) < 0)
			return vu_err_set(b->e, errno, "%s: %s", files[i], strerror(errno));
		if (!S_ISDIR(st.st_mode)) {
			r = add_file(b, files[i], files[i + 1], 0);
			continue;
		}
		r = add_parents(b, files[i + 1]);
		if (r == 0)
			r = vu_cpio_add_dir(b->c, files[i + 1], st.st_mode & 07777, b->e);
		if (r == 0)
			r = vu_cpio_add_tree(b->c, files[i], files[i + 1], b->e);
	}
	return r;
}

/* dl_iterate_phdr: every object the loader mapped for this process (the
 * libraries and the loader itself), under the names it found them by. */
static int add_lib(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct build *b = arg;

	(void)size;
	if (info->dlpi_name[0] != '/')	/* the program itself, the vDSO */
		return 0;
	b->err = add_file(b, info->dlpi_name, info->dlpi_name + 1, 0755);
	return b->err;
}

static int add_modules(struct build *b, const char *moddir)
{
	char **mods, *order = NULL;
	size_t n, olen = 0;
	FILE *f;
	int r = vs_ap_modules(moddir, b->fstypes, &mods, &n, b->e);

	if (r < 0)
		return r;
	if (!(f = open_memstream(&order, &olen))) {
		vs_strv_free(mods);
		return vu_err_set(b->e, ENOMEM, "cannot allocate memory");
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		char name[PATH_MAX];
		const char *base = strrchr(mods[i], '/') + 1;

		snprintf(name, sizeof(name), "lib/modules/%s", base);
		r = add_file_as(b, mods[i], name, 0644, true);
		fprintf(f, "%s\n", base);
	}
	fclose(f);
	if (r == 0)
		r = vu_cpio_add_data(b->c, "lib/modules/order", order, olen, 0644, b->e);
	free(order);
	vs_strv_free(mods);
	return r;
}

static int add_args(struct build *b, char *const *args)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return vu_err_set(b->e, ENOMEM, "cannot allocate memory");
	for (size_t i = 0; args[i]; i++)
		fwrite(args[i], 1, strlen(args[i]) + 1, f);
	fclose(f);
	r = vu_cpio_add_data(b->c, VS_AP_ARGS_NAME, buf, len, 0644, b->e);
	free(buf);
	return r;
}

static int build_tree(struct build *b, const struct vs_appliance *ap, const char *busybox,
		      const char *moddir)
{
	/* The trailing slash makes add_parents add (and remember) the directory. */
	static const char *const dirs[] = { "dev/", "proc/", "sys/", "sysroot/", "tmp/", "vs/" };
	int r = 0;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && r == 0; i++)
		r = add_parents(b, dirs[i]);
	if (r == 0)
		r = vu_cpio_add_data(b->c, "init", vs_ap_init, strlen(vs_ap_init), 0755, b->e);
	if (r == 0)
		r = add_file(b, busybox, "bin/busybox", 0755);
	if (r == 0)	/* /init's interpreter, before busybox --install */
		r = vu_cpio_add_symlink(b->c, "bin/sh", "busybox", b->e);
	if (r == 0)
		r = add_file(b, "/proc/self/exe", "bin/vm-sysprep", 0755);
	if (r == 0 && dl_iterate_phdr(add_lib, b) != 0)
		r = b->err;
	if (r == 0)
		r = add_modules(b, moddir);
	if (r == 0)
		r = add_args(b, ap->args);
	if (r == 0)
		r = add_hostfiles(b, ap->files);
	if (r == 0 && ap->lvs)
		r = vu_cpio_add_data(b->c, "vs/lvs", ap->lvs, strlen(ap->lvs), 0644, b->e);
	if (r == 0 && ap->binds)
		r = vu_cpio_add_data(b->c, "vs/binds", "", 0, 0644, b->e);
	if (r == 0 && ap->readonly)
		r = vu_cpio_add_data(b->c, "vs/readonly", "", 0, 0644, b->e);
	return r;
}

static int make_initrd(const struct vs_appliance *ap, const char *path, const char *busybox,
		       const char *moddir, struct vu_err *e)
{
	struct build b = { .e = e, .fstypes = ap->fstypes };
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), r;

	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", path, strerror(errno));
	r = vu_cpio_open(&b.c, fd, 0, path, e);
	if (r == 0)
		r = build_tree(&b, ap, busybox, moddir);
	if (r == 0)
		r = vu_cpio_finish(b.c, e);
	else
		vu_cpio_free(b.c);
	for (size_t i = 0; i < b.ndirs; i++)
		free(b.dirs[i]);
	free(b.dirs);
	if (close(fd) < 0 && r == 0)
		r = vu_err_set(e, errno, "%s: %s", path, strerror(errno));
	return r;
}

/* ---- QEMU ---- */

/* Text for an XML attribute or element. */
static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

/* <tag attr='path'/>, or <tag>path</tag> for attr NULL. */
static void xml_path(FILE *f, const char *tag, const char *attr, const char *path)
{
	fprintf(f, attr ? "<%s %s='" : "<%s>", tag, attr);
	xml_text(f, path);
	if (attr)
		fputs("'/>\n", f);
	else
		fprintf(f, "</%s>\n", tag);
}

/* The format of each disk: as given, else probed (as the in-place path did). */
static int disk_format(const struct vu_guest_disk *d, char *fmt, size_t size, struct vu_err *e)
{
	struct vu_image *img = NULL;
	int r;

	if (d->format) {
		snprintf(fmt, size, "%s", d->format);
		return 0;
	}
	r = vu_image_open(&img, d->path, NULL, 0, e);
	if (r < 0)
		return r;
	snprintf(fmt, size, "%s", vu_image_format_name(img));
	vu_image_close(&img);
	return 0;
}

/* How long the appliance may run: $VU_APPLIANCE_TIMEOUT seconds, else 10
 * minutes (an /init that hangs must not hang vm-sysprep). */
static long timeout_ms(void)
{
	const char *t = getenv("VU_APPLIANCE_TIMEOUT");
	char *end;
	long v = t ? strtol(t, &end, 10) : 0;

	return t && *t && !*end && v > 0 && v < 86400 ? v * 1000 : 600 * 1000;
}

/*
 * The appliance as a transient domain: the kernel booted directly with our
 * initrd, the console on the first serial port and what vm-sysprep says on
 * the second (files in dir), the guest's disks as vda, vdb... in order (the
 * names /init and vs/lvs use). A reboot (panic=-1) ends it, as a poweroff.
 */
static int appliance_xml(const struct vs_appliance *ap, const char *kernel, const char *dir,
			 char **xml, size_t *len, struct vu_err *e)
{
	FILE *f = open_memstream(xml, len);
	char p[PATH_MAX];
	int r = 0;

	if (!f)
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	fputs("<domain type='qemu'>\n<name>vm-sysprep-appliance</name>\n"
	      "<memory unit='MiB'>768</memory>\n<vcpu>1</vcpu>\n"
	      "<os>\n<type arch='x86_64' machine='pc'>hvm</type>\n", f);
	xml_path(f, "kernel", NULL, kernel);
	snprintf(p, sizeof(p), "%s/initrd", dir);
	xml_path(f, "initrd", NULL, p);
	fprintf(f, "<cmdline>console=ttyS0 panic=-1%s</cmdline>\n</os>\n",
		ap->verbose ? "" : " quiet");
	/* ACPI: the appliance's poweroff -f is what ends QEMU. */
	fputs("<features><acpi/></features>\n<cpu mode='maximum'/>\n<on_poweroff>destroy</on_poweroff>\n"
	      "<on_reboot>destroy</on_reboot>\n<on_crash>destroy</on_crash>\n<devices>\n", f);
	if (getenv("VU_QEMU") && *getenv("VU_QEMU"))
		xml_path(f, "emulator", NULL, getenv("VU_QEMU"));
	for (size_t i = 0; i < ap->ndisks && r == 0; i++) {
		char fmt[16];

		if ((r = disk_format(&ap->disks[i], fmt, sizeof(fmt), e)) < 0)
			break;
		fputs("<disk type='file' device='disk'>\n<driver name='qemu' type='", f);
		xml_text(f, fmt);
		fputs("' cache='writeback'/>\n", f);
		xml_path(f, "source", "file", ap->disks[i].path);
		fprintf(f, "<target dev='vd%c' bus='virtio'/>\n%s</disk>\n", 'a' + (int)i,
			ap->readonly ? "<readonly/>\n" : "");
	}
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, i ? "out" : "console");
		fputs("<serial type='file'>\n", f);
		xml_path(f, "source", "path", p);
		fprintf(f, "<target port='%d'/>\n</serial>\n", i);
	}
	fputs("</devices>\n</domain>\n", f);
	if (fclose(f) != 0 && r == 0)
		r = vu_err_set(e, ENOMEM, "cannot allocate memory");
	if (r < 0) {
		free(*xml);
		*xml = NULL;
	}
	return r;
}

/* As vm-ctl's runtime: as root the images go to QEMU as fds we opened. */
static int open_disk(void *opaque, const char *path, const char *format, bool readonly,
		     struct vu_err *e)
{
	int fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);

	(void)opaque;
	(void)format;
	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", path, strerror(errno));
	return fd;
}

static void stop(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

/*
 * QEMU starts paused (-S): once its QMP socket answers, `cont`. 1 when it
 * ran, 0 when it is not listening yet (or went away: waitpid says how),
 * -errno.
 */
static int try_cont(const char *sock, struct vu_err *e)
{
	struct vu_qmp *q = NULL;
	struct vu_err tmp = { 0 };
	int r = vu_qmp_open(&q, sock, NULL, 10000, &tmp);

	if (r == -ENOENT || r == -ECONNREFUSED || r == -EPIPE)
		return 0;
	if (r == 0)
		r = vu_qmp_cmd(q, "cont", NULL, NULL, 10000, &tmp);
	vu_qmp_close(&q);
	if (r == -EPIPE)
		return 0;
	if (r < 0)
		return vu_err_set(e, -r, "appliance: QMP: %s", vu_err_str(&tmp));
	return 1;
}

static int spawn_wait(const struct vu_qemu_cmd *cmd, const char *sock, struct vu_err *e)
{
	pid_t pid, w;
	long left = timeout_ms();
	bool running = false;
	int st, r;

	/* The fds the builder put in fdsets must survive the exec. */
	for (size_t i = 0; i < cmd->nfds; i++)
		if (fcntl(cmd->fds[i], F_SETFD, 0) < 0)
			return vu_err_set(e, errno, "fcntl: %s", strerror(errno));
	r = posix_spawnp(&pid, cmd->argv[0], NULL, NULL, cmd->argv, environ);
	if (r)
		return vu_err_set(e, r, "%s: %s", cmd->argv[0], strerror(r));
	while ((w = waitpid(pid, &st, WNOHANG)) == 0 && left > 0) {
		if (!running && (r = try_cont(sock, e)) < 0) {
			stop(pid);
			return r;
		}
		running = r == 1;
		usleep(20 * 1000);
		left -= 20;
	}
	if (w == 0) {
		stop(pid);
		return vu_err_set(e, ETIMEDOUT, "the appliance did not finish in %ld s: stopped",
				  timeout_ms() / 1000);
	}
	if (w < 0)
		return vu_err_set(e, errno, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return vu_err_set(e, EIO, "the appliance's QEMU failed (status %d)",
				  WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}

static int boot(const struct vs_appliance *ap, const char *kernel, const char *dir,
		struct vu_err *e)
{
	char qmp[PATH_MAX], pidfile[PATH_MAX], *xml = NULL;
	size_t len = 0;
	struct vu_domain *dom = NULL;
	struct vu_qemu_cmd cmd = { 0 };
	int r;

	snprintf(qmp, sizeof(qmp), "%s/qmp", dir);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	struct vu_qemu_env env = {
		.qmp = qmp, .pidfile = pidfile, .rundir = dir, .daemonize = false,
		.open_disk = geteuid() == 0 ? open_disk : NULL,
	};
	r = appliance_xml(ap, kernel, dir, &xml, &len, e);
	if (r == 0)
		r = vu_domain_parse(&dom, xml, len, e);
	if (r == 0)
		r = vu_qemu_cmdline(dom, &env, &cmd, e);
	if (r == 0)
		r = spawn_wait(&cmd, qmp, e);
	vu_qemu_cmd_clear(&cmd);
	vu_domain_free(&dom);
	free(xml);
	return r;
}

/* ---- the run ---- */

/* -v: the appliance's kernel console, on stderr (stdout may carry the
 * domain XML). */
static void show_console(const char *dir)
{
	char path[PATH_MAX], *buf;
	size_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/console", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (vu_read_all(fd, OUT_MAX, &buf, &len) == 0) {
		fwrite(buf, 1, len, stderr);
		free(buf);
	}
	close(fd);
}

/* Relays the appliance's words to stderr; its exit status, or -EIO. */
static int relay(const char *dir, bool verbose, struct vu_err *e)
{
	char path[PATH_MAX], *buf, *save = NULL;
	size_t len;
	int fd, r, status = -1;

	if (verbose)
		show_console(dir);
	snprintf(path, sizeof(path), "%s/out", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return vu_err_set(e, EIO, "the appliance said nothing");
	r = vu_read_all(fd, OUT_MAX, &buf, &len);
	close(fd);
	if (r < 0)
		return vu_err_set(e, -r, "%s: %s", path, strerror(-r));
	for (char *l = strtok_r(buf, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
		if (!strncmp(l, EXIT_MARK, strlen(EXIT_MARK)))
			status = atoi(l + strlen(EXIT_MARK));
		else
			fprintf(stderr, "%s\n", l);
	}
	free(buf);
	if (status < 0)
		return vu_err_set(e, EIO, "the appliance stopped before vm-sysprep finished "
				  "(-v shows its console)");
	return status;
}

static void rm_dir(const char *dir)
{
	static const char *const files[] = { "initrd", "out", "console", "qmp", "pid" };
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* The defaults: the running kernel and its modules. */
static const char *pick(const char *given, const char *env, const char *dflt)
{
	if (given)
		return given;
	return getenv(env) && *getenv(env) ? getenv(env) : dflt;
}

int vs_ap_run(const struct vs_appliance *ap, struct vu_err *e)
{
	char kdef[PATH_MAX - 64], mdef[PATH_MAX - 64], dir[1024];
	const char *kernel, *moddir, *busybox, *tmp = getenv("TMPDIR");
	struct utsname u;
	int r;

	uname(&u);
	snprintf(kdef, sizeof(kdef), "/boot/vmlinuz-%s", u.release);
	snprintf(mdef, sizeof(mdef), "/lib/modules/%s", u.release);
	kernel = pick(ap->kernel, "VU_APPLIANCE_KERNEL", kdef);
	moddir = pick(ap->modules, "VU_APPLIANCE_MODULES", mdef);
	busybox = pick(ap->busybox, "VU_APPLIANCE_BUSYBOX", "/bin/busybox");
	if (access(kernel, R_OK) < 0)
		return vu_err_set(e, errno, "appliance: kernel %s: %s (give one with "
				  "--appliance-kernel)", kernel, strerror(errno));
	if (snprintf(dir, sizeof(dir), "%s/vm-sysprep.XXXXXX", tmp && *tmp ? tmp : "/var/tmp") >=
	    (int)sizeof(dir))
		return vu_err_set(e, ENAMETOOLONG, "TMPDIR: %s", strerror(ENAMETOOLONG));
	if (!mkdtemp(dir))
		return vu_err_set(e, errno, "%s: %s", dir, strerror(errno));
	{
		char initrd[PATH_MAX];

		snprintf(initrd, sizeof(initrd), "%s/initrd", dir);
		r = make_initrd(ap, initrd, busybox, moddir, e);
	}
	if (r == 0)
		r = boot(ap, kernel, dir, e);
	if (r == 0)
		r = relay(dir, ap->verbose, e);
	rm_dir(dir);
	return r;
}

int vs_ap_read_args(const char *path, const char *argv0, char ***argv, int *argc)
{
	char *buf, **v;
	size_t len, n = 1;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = vu_read_all(fd, 1u << 20, &buf, &len);
	close(fd);
	if (r < 0)
		return r;
	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\0';
	if (!(v = calloc(n + 1, sizeof(*v)))) {
		free(buf);
		return -ENOMEM;
	}
	v[0] = (char *)argv0;
	n = 1;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		v[n++] = buf + i;
	v[n] = NULL;
	*argv = v;
	*argc = (int)n;
	return 0;	/* buf lives as long as the program: argv's strings */
}
