/* SPDX-License-Identifier: GPL-2.0-or-later */
/* firmware.c - UEFI firmware chosen from QEMU's firmware descriptors, and
 * a domain's copy of its variables template
 *
 * The descriptors (QEMU's docs/interop/firmware.json) are what libvirt
 * reads for <os firmware='efi'>; choosing as it does gives the same loader
 * and variables template. The rules followed:
 *  - directories in increasing priority; a file in a later one replaces the
 *    file of the same name in an earlier one, and an empty file there hides
 *    it (QEMU's rule for disabling a system descriptor);
 *  - candidates in file-name order ("40-...", "50-...", "60-..."), first
 *    match wins;
 *  - match: "interface-types" has "uefi", "mapping"."device" is "flash", a
 *    "targets" entry has the architecture and a "machines" glob that
 *    matches the machine. The descriptors list versioned globs only
 *    ("pc-i440fx-*", "pc-q35-*"), so the aliases "pc" and "q35" are matched
 *    as the versioned names "pc-i440fx-" and "pc-q35-" followed by
 *    MACHINE_VERSION, the way QEMU resolves them to its newest version.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "vu/err.h"
#include "vu/file.h"
#include "vu/filecopy.h"
#include "vu/firmware.h"

#define FW_SYSTEM_DIR "/usr/share/qemu/firmware"
#define FW_ETC_DIR "/etc/qemu/firmware"
#define FW_DIRS_MAX 8
#define FW_FILES_MAX 256
#define FW_JSON_MAX (1u << 20)	/* descriptors are a few hundred bytes */
#define MACHINE_VERSION "9.9"	/* stands for "the newest" in version globs */

struct fw_entry {
	char name[NAME_MAX + 1];
	char path[PATH_MAX];	/* "" when an empty file hides the name */
};

struct fw_dirs {
	char *buf;		/* owns the strings dir[] points into */
	const char *dir[FW_DIRS_MAX];
	int n;
};

/* $VU_FIRMWARE_DIR (a ':' list) or QEMU's three directories, lowest
 * priority first. */
static int fw_dirs_get(struct fw_dirs *d)
{
	const char *env = getenv("VU_FIRMWARE_DIR"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char *save = NULL, *tok;
	int r = 0;

	d->n = 0;
	if (env && *env) {
		d->buf = strdup(env);
		if (!d->buf)
			return -ENOMEM;
		for (tok = strtok_r(d->buf, ":", &save); tok && d->n < FW_DIRS_MAX;
		     tok = strtok_r(NULL, ":", &save))
			d->dir[d->n++] = tok;
		return 0;
	}
	d->dir[d->n++] = FW_SYSTEM_DIR;
	d->dir[d->n++] = FW_ETC_DIR;
	d->buf = NULL;
	if (xdg && *xdg)
		r = asprintf(&d->buf, "%s/qemu/firmware", xdg);
	else if (home && *home)
		r = asprintf(&d->buf, "%s/.config/qemu/firmware", home);
	if (r < 0) {
		d->buf = NULL;	/* undefined after a failed asprintf */
		return -ENOMEM;
	}
	if (d->buf)
		d->dir[d->n++] = d->buf;
	return 0;
}

/* "dir1:dir2:..." for messages. */
static void fw_dirs_str(const struct fw_dirs *d, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < d->n && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? ":" : "", d->dir[i]);
}

/* Adds dir's *.json files to the table, replacing same-named entries. */
static int fw_scan_dir(const char *dir, struct fw_entry *tab, int *n)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (!dp)
		return errno == ENOENT || errno == ENOTDIR || errno == EACCES ? 0 : -errno;
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);
		struct stat st;
		char path[PATH_MAX];
		int i;

		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path) ||
		    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		for (i = 0; i < *n && strcmp(tab[i].name, de->d_name); i++)
			;
		if (i == *n) {
			if (*n == FW_FILES_MAX)
				continue;
			snprintf(tab[i].name, sizeof(tab[i].name), "%s", de->d_name);
			(*n)++;
		}
		snprintf(tab[i].path, sizeof(tab[i].path), "%s", st.st_size ? path : "");
	}
	closedir(dp);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct fw_entry *)a)->name, ((const struct fw_entry *)b)->name);
}

/* Reads and parses a descriptor; -EINVAL with "PATH: why" when it is not
 * a JSON object. */
static int fw_parse(const char *path, struct json_object **out, struct vu_err *e)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	char *buf = NULL;
	size_t len = 0, end;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	*out = NULL;
	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", path, strerror(errno));
	r = vu_read_all(fd, FW_JSON_MAX - 1, &buf, &len);
	close(fd);
	if (r == -EFBIG)
		return vu_err_set(e, EFBIG, "%s: descriptor is too large", path);
	if (r < 0)
		return vu_err_set(e, -r, "%s: %s", path, strerror(-r));
	tok = json_tokener_new();
	if (!tok) {
		free(buf);
		return vu_err_set(e, ENOMEM, NULL);
	}
	*out = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	/* Text after the object is an error too ("{} x"), as in QEMU. */
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_success && end < len && strspn(buf + end, " \t\r\n") != len - end)
		jerr = json_tokener_error_parse_unexpected;
	if (!*out || jerr != json_tokener_success ||
	    !json_object_is_type(*out, json_type_object)) {
		r = vu_err_set(e, EINVAL, "%s: not a firmware descriptor: %s", path,
			       jerr == json_tokener_continue ? "unexpected end of input" :
			       jerr != json_tokener_success ? json_tokener_error_desc(jerr) :
			       "not a JSON object");
		json_object_put(*out);
		*out = NULL;
	}
	json_tokener_free(tok);
	free(buf);
	return r;
}

static struct json_object *get(struct json_object *o, const char *key, json_type type)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* Whether the array o[key] holds the string s. */
static bool has_string(struct json_object *o, const char *key, const char *s)
{
	struct json_object *a = get(o, key, json_type_array);

	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *v = json_object_array_get_idx(a, i);

		if (json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), s))
			return true;
	}
	return false;
}

/* The machine name the descriptors' globs are matched against. */
static void machine_name(const char *machine, char *out, size_t size)
{
	if (!strcmp(machine, "pc"))
		snprintf(out, size, "pc-i440fx-%s", MACHINE_VERSION);
	else if (!strcmp(machine, "q35"))
		snprintf(out, size, "pc-q35-%s", MACHINE_VERSION);
	else
		snprintf(out, size, "%s", machine);
}

static bool target_matches(struct json_object *desc, const char *arch, const char *machine)
{
	struct json_object *targets = get(desc, "targets", json_type_array);

	for (size_t i = 0; targets && i < json_object_array_length(targets); i++) {
		struct json_object *t = json_object_array_get_idx(targets, i);
		struct json_object *a = get(t, "architecture", json_type_string);
		struct json_object *ms = get(t, "machines", json_type_array);

		if (!a || strcmp(json_object_get_string(a), arch))
			continue;
		for (size_t j = 0; ms && j < json_object_array_length(ms); j++) {
			struct json_object *g = json_object_array_get_idx(ms, j);

			if (json_object_is_type(g, json_type_string) &&
			    !fnmatch(json_object_get_string(g), machine, 0))
				return true;
		}
	}
	return false;
}

/* mapping.KEY.filename (and .format), or NULL. */
static const char *mapping_file(struct json_object *mapping, const char *key, const char **format)
{
	struct json_object *m = get(mapping, key, json_type_object);
	struct json_object *f = get(m, "filename", json_type_string);
	struct json_object *fmt = get(m, "format", json_type_string);

	if (format)
		*format = fmt ? json_object_get_string(fmt) : "raw";
	return f ? json_object_get_string(f) : NULL;
}

/* Fills out from a matching descriptor: 0, or -EINVAL when its mapping
 * lacks the executable. */
static int fw_fill(const char *path, struct json_object *desc, struct vu_firmware *out,
		   struct vu_err *e)
{
	struct json_object *mapping = get(desc, "mapping", json_type_object);
	const char *format = NULL;
	const char *code = mapping_file(mapping, "executable", &format);
	const char *vars = mapping_file(mapping, "nvram-template", NULL);

	if (!code || !*code)
		return vu_err_set(e, EINVAL, "%s: mapping has no executable filename", path);
	out->descriptor = strdup(path);
	out->code = strdup(code);
	out->vars_template = vars && *vars ? strdup(vars) : NULL;
	out->format = strdup(format);
	out->secure_boot = has_string(desc, "features", "secure-boot");
	out->requires_smm = has_string(desc, "features", "requires-smm");
	if (!out->descriptor || !out->code || !out->format || (vars && *vars && !out->vars_template))
		return vu_err_set(e, ENOMEM, NULL);
	return 0;
}

/* 1 when the descriptor is the one, 0 when not, -errno. */
static int fw_try(const char *path, const char *arch, const char *machine, bool secure,
		  struct vu_firmware *out, struct vu_err *e)
{
	struct json_object *desc, *mapping, *dev;
	int r = fw_parse(path, &desc, e);

	if (r < 0)
		return r;
	mapping = get(desc, "mapping", json_type_object);
	dev = get(mapping, "device", json_type_string);
	if (has_string(desc, "interface-types", "uefi") && dev &&
	    !strcmp(json_object_get_string(dev), "flash") &&
	    target_matches(desc, arch, machine) &&
	    (secure || !has_string(desc, "features", "secure-boot")))
		r = fw_fill(path, desc, out, e) < 0 ? -e->code : 1;
	json_object_put(desc);
	return r;
}

int vu_firmware_find(const char *arch, const char *machine, bool secure,
		  struct vu_firmware *out, struct vu_err *e)
{
	struct vu_err local;
	struct fw_dirs dirs = { 0 };
	struct fw_entry *tab;
	char mach[128], where[512];
	int n = 0, r = 0;

	memset(out, 0, sizeof(*out));
	if (!e)
		e = &local;
	if (!arch)
		arch = "x86_64";
	if (!machine)
		machine = "pc";
	tab = calloc(FW_FILES_MAX, sizeof(*tab));
	if (!tab || fw_dirs_get(&dirs) < 0) {
		free(tab);
		return vu_err_set(e, ENOMEM, NULL);
	}
	for (int i = 0; i < dirs.n && r == 0; i++)
		if ((r = fw_scan_dir(dirs.dir[i], tab, &n)) < 0)
			r = vu_err_set(e, -r, "%s: %s", dirs.dir[i], strerror(-r));
	qsort(tab, (size_t)n, sizeof(*tab), cmp_entry);
	machine_name(machine, mach, sizeof(mach));
	for (int i = 0; i < n && r == 0; i++)
		if (tab[i].path[0])
			r = fw_try(tab[i].path, arch, mach, secure, out, e);
	if (r == 0) {
		fw_dirs_str(&dirs, where, sizeof(where));
		r = vu_err_set(e, ENOENT, "no UEFI firmware for %s/%s%s in %s", arch, machine,
			       secure ? "" : " without secure boot", where);
	}
	free(dirs.buf);
	free(tab);
	if (r < 0)
		vu_firmware_clear(out);
	return r < 0 ? r : 0;
}

void vu_firmware_clear(struct vu_firmware *fw)
{
	if (!fw)
		return;
	free(fw->descriptor);
	free(fw->code);
	free(fw->vars_template);
	free(fw->format);
	memset(fw, 0, sizeof(*fw));
}

/* ---- the domain's variables ---- */

int vu_firmware_nvram_create(const char *tmpl, const char *path, struct vu_err *e)
{
	struct vu_err le = { 0 };
	struct vu_atomic a;
	int in, r;

	if ((in = open(tmpl, O_RDONLY | O_CLOEXEC)) < 0)
		return vu_err_set(e, errno, "%s: %s", tmpl, strerror(errno));
	/* 0600: the variables hold the guest's secure boot keys and boot
	 * entries, the guest's own. */
	if ((r = vu_atomic_open(&a, path, 0600)) < 0) {
		close(in);
		return vu_err_set(e, -r, "%s: %s", path, strerror(-r));
	}
	r = vu_file_copy(in, a.fd, NULL, &le);
	close(in);
	if (r < 0) {
		vu_atomic_abort(&a);
		return vu_err_set(e, -r, "%s: cannot copy the variables template", path);
	}
	if ((r = vu_atomic_commit(&a, false, true)) < 0)
		return vu_err_set(e, -r, "%s: %s", path,
				  r == -EEXIST ? "already exists" : strerror(-r));
	return 0;
}
