/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmds.c - vm-ctl's commands on definitions and what is known of a
 * domain: define, undefine, dumpxml, dominfo, domstate, domid, ... */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/domaindb.h"
#include "vu/file.h"
#include "vu/ident.h"

#include "vmctl.h"

static void oom(void)
{
	vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
}

/* ---- define, undefine ---- */

/* The UUID the domain of that name already has (defined or running), or
 * "" when there is none. */
static void existing_uuid(struct vm_ctl *vc, const char *name, char uuid[VU_UUID_STRLEN])
{
	struct vu_domain *old = NULL;

	uuid[0] = '\0';
	if (vu_domaindb_load(vc_state(vc), name, &old, NULL) == 0 ||
	    vu_qemurun_live_xml(vc_state(vc), name, &old, NULL) == 0)
		if (vu_domain_get_uuid(old, uuid) < 0)
			uuid[0] = '\0';
	vu_domain_free(&old);
}

/* What libvirt adds at define: a UUID (the existing domain's, when one of
 * that name is there), a MAC for each interface without one; and the
 * runtime id a dumpxml of a running domain carries goes. */
int vc_complete_ids(struct vm_ctl *vc, struct vu_domain *dom, const char *name,
		    struct vu_err *e)
{
	char old[VU_UUID_STRLEN], uuid[VU_UUID_STRLEN];
	xmlNodePtr i = NULL;

	existing_uuid(vc, name, old);
	if (vu_domain_get_uuid(dom, uuid) < 0) {
		if (vu_domain_find(dom, "uuid"))
			return vu_err_set(e, EINVAL, "<uuid>: not a UUID");
		if (!old[0])
			vu_uuid_generate(old);
		if (vu_domain_set_uuid(dom, old) < 0)
			oom();
	} else if (old[0] && strcmp(old, uuid)) {
		return vu_err_set(e, EEXIST, "domain '%s' already exists with uuid %s", name, old);
	}
	while ((i = vu_domain_dev_next(dom, "interface", i))) {
		char mac[VU_MAC_STRLEN];

		if (vu_node_has(i, "mac"))
			continue;
		if (vu_mac_generate(mac, vu_domaindb_mac_used, (void *)vc_state(vc)) < 0 ||
		    vu_iface_set_mac(i, mac) < 0)
			return vu_err_set(e, EIO, "cannot make a MAC address");
	}
	vu_domain_remove_id(dom);
	return 0;
}

int vc_cmd_define(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	const char *file = vc->set[O_FILE] ? vc->arg[O_FILE] : argc ? argv[0] : NULL;
	const char *shown;
	struct vu_domain *dom = NULL;
	struct vu_err e = { 0 };
	char *name = NULL;
	int r;

	if (!file)
		vc_die_usage("define: missing file name");
	if (vc->set[O_FILE] && argc)
		vc_die_usage("define: unexpected argument '%s'", argv[0]);
	shown = strcmp(file, "-") ? file : "stdin";
	if (vu_domain_load(&dom, file, &e) < 0)
		return vc_fail(shown, &e);
	if (vu_domain_get_name(dom, &name) < 0) {
		vu_err_set(&e, EINVAL, "the domain has no <name>");
		r = vc_fail(shown, &e);
	} else if (vu_name_check(name) < 0) {
		vu_err_set(&e, EINVAL, "<name>: '%s' is not a valid domain name", name);
		r = vc_fail(shown, &e);
	} else if (vc_complete_ids(vc, dom, name, &e) < 0 ||
		   vu_domaindb_define(vc_state(vc), dom, VU_DOMAINDB_REPLACE, &e) < 0) {
		r = vc_fail(name, &e);
	} else {
		vc_say(vc, "Domain '%s' defined from %s", name, file);
		r = VU_EXIT_OK;
	}
	free(name);
	vu_domain_free(&dom);
	return r;
}

/* --remove-all-storage: the disks' files (not CD-ROMs or floppies, which
 * are media, nor shareable or read-only disks, which others may use). */
static int remove_storage(struct vm_ctl *vc, const struct vu_domain *dom)
{
	xmlNodePtr d = NULL;
	int r = 0;

	while ((d = vu_domain_dev_next(dom, "disk", d))) {
		struct vu_disk disk;

		if (vu_disk_get(d, &disk) < 0)
			oom();
		if (!disk.source || (disk.device && strcmp(disk.device, "disk")) ||
		    disk.readonly || disk.shareable) {
			;
		} else if (unlink(disk.source) < 0 && errno != ENOENT) {
			vu_warn("%s", disk.source);
			r = -1;
		} else {
			vc_say(vc, "Volume '%s'(%s) removed.", disk.target_dev ? disk.target_dev : "",
			       disk.source);
		}
		vu_disk_clear(&disk);
	}
	return r;
}

int vc_cmd_undefine(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv), *nvram = NULL;
	struct vu_domain *dom = NULL;
	struct vu_err e = { 0 };
	int r = VU_EXIT_OK;

	if (vu_domaindb_load(vc_state(vc), name, &dom, &e) < 0) {
		if (e.code == ENOENT)
			vu_err_set(&e, EINVAL, "cannot undefine transient domain");
		r = vc_fail(name, &e);
		goto out;
	}
	if (vu_domain_get_nvram(dom, &nvram, NULL) == 0 && nvram && !vc->set[O_NVRAM]) {
		vu_err_set(&e, EINVAL, "cannot undefine domain with nvram (use --nvram)");
		r = vc_fail(name, &e);
		goto out;
	}
	if (vu_domaindb_undefine(vc_state(vc), name, &e) < 0) {
		r = vc_fail(name, &e);
		goto out;
	}
	if (nvram && unlink(nvram) < 0 && errno != ENOENT) {
		vu_warn("%s", nvram);
		r = VU_EXIT_FAIL;
	}
	if (vc->set[O_REMOVE_ALL_STORAGE] && remove_storage(vc, dom) < 0)
		r = VU_EXIT_FAIL;
	vc_say(vc, "Domain '%s' has been undefined", name);
out:
	free(nvram);
	vu_domain_free(&dom);
	free(name);
	return r;
}

/* ---- what is known of a domain ---- */

/* Display passwords stay out unless --security-info, as virsh dumpxml. */
static void hide_secrets(struct vu_domain *dom)
{
	xmlNodePtr g = NULL;

	while ((g = vu_domain_dev_next(dom, "graphics", g)))
		vu_node_set(g, "", "passwd", NULL);
}

int vc_cmd_dumpxml(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv), *xml;
	struct vu_domain *dom = vc_load(vc, name, vc->set[O_INACTIVE]);

	if (!vc->set[O_SECURITY_INFO])
		hide_secrets(dom);
	if (!(xml = vu_domain_format(dom)))
		oom();
	fputs(xml, stdout);
	free(xml);
	vu_domain_free(&dom);
	free(name);
	return VU_EXIT_OK;
}

int vc_cmd_domuuid(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv), uuid[VU_UUID_STRLEN];
	struct vu_domain *dom = vc_load(vc, name, false);
	struct vu_err e = { 0 };
	int r = VU_EXIT_OK;

	if (vu_domain_get_uuid(dom, uuid) < 0) {
		vu_err_set(&e, EINVAL, "the domain has no UUID");
		r = vc_fail(name, &e);
	} else {
		printf("%s\n", uuid);
	}
	vu_domain_free(&dom);
	free(name);
	return r;
}

int vc_cmd_domname(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv);

	printf("%s\n", name);
	free(name);
	return VU_EXIT_OK;
}

int vc_cmd_domid(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv);
	struct vu_domstatus s = vc_status(vc, name);

	/* virsh prints "-" for a domain that does not run, and succeeds. */
	if (s.id > 0)
		printf("%d\n", s.id);
	else
		printf("-\n");
	free(name);
	return VU_EXIT_OK;
}

int vc_cmd_domstate(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv);
	struct vu_domstatus s = vc_status(vc, name);

	if (vc->set[O_REASON])
		printf("%s (%s)\n", vu_domstate_name(s.state), s.reason);
	else
		printf("%s\n", vu_domstate_name(s.state));
	free(name);
	return VU_EXIT_OK;
}

/* QEMU's CPU time from /proc, in seconds; negative when unknown. */
static double cpu_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	double t = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
		t = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	fclose(f);
	return t;
}

int vc_cmd_dominfo(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv), uuid[VU_UUID_STRLEN] = "", *ostype = NULL;
	struct vu_domstatus s = vc_status(vc, name);
	struct vu_domain *dom = vc_load(vc, name, false), *def = NULL;
	uint64_t max = 0, cur = 0;
	unsigned vcpus = 0, vcur = 0;
	double t = s.pid > 0 ? cpu_time(s.pid) : -1;

	vu_domain_get_uuid(dom, uuid);
	vu_domain_get_os_type(dom, &ostype, NULL, NULL);
	vu_domain_get_memory(dom, VU_MEMORY, &max);
	if (vu_domain_get_memory(dom, VU_MEMORY_CURRENT, &cur) < 0)
		cur = max;
	vu_domain_get_vcpus(dom, &vcpus, &vcur);
	if (s.id > 0)
		printf("%-15s %d\n", "Id:", s.id);
	else
		printf("%-15s %s\n", "Id:", "-");
	printf("%-15s %s\n", "Name:", name);
	printf("%-15s %s\n", "UUID:", uuid);
	printf("%-15s %s\n", "OS Type:", ostype ? ostype : "hvm");
	printf("%-15s %s\n", "State:", vu_domstate_name(s.state));
	printf("%-15s %u\n", "CPU(s):", vcur ? vcur : 1);
	if (t >= 0)
		printf("%-15s %.1fs\n", "CPU time:", t);
	printf("%-15s %llu KiB\n", "Max memory:", (unsigned long long)max);
	printf("%-15s %llu KiB\n", "Used memory:", (unsigned long long)cur);
	printf("%-15s %s\n", "Persistent:",
	       vu_domaindb_load(vc_state(vc), name, &def, NULL) == 0 ? "yes" : "no");
	printf("%-15s %s\n", "Autostart:",
	       vu_domaindb_is_autostart(vc_state(vc), name) ? "enable" : "disable");
	printf("%-15s %s\n", "Managed save:", "no");
	printf("%-15s %s\n", "Security model:", "none");
	printf("%-15s %s\n", "Security DOI:", "0");
	vu_domain_free(&def);
	vu_domain_free(&dom);
	free(ostype);
	free(name);
	return VU_EXIT_OK;
}
