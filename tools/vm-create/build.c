/* SPDX-License-Identifier: GPL-2.0-or-later */
/* build.c - vm-create: the domain's identity, resources, os, CPU and NICs */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/domaindb.h"
#include "vu/file.h"
#include "vu/firmware.h"
#include "vu/ident.h"
#include "vu/size.h"
#include "vu/subopt.h"

#include "vm-create.h"

const char *const memory_keys[] = { "memory", "maxmemory", "currentMemory", NULL };
const char *const vcpu_keys[] = { "vcpus", "maxvcpus", "sockets", "cores", "threads",
				  "cpuset", NULL };
const char *const cpu_keys[] = { "model", "mode", "match", "force", "require", "optional",
				 "disable", "forbid", NULL };
const char *const network_keys[] = { "network", "bridge", "type", "source", "source_mode",
				     "model", "mac", "boot_order", NULL };
const char *const boot_keys[] = { "loader", "kernel", "initrd", "cmdline", "kernel_args",
				  "menu", NULL };
const char *const metadata_keys[] = { "name", "title", "description", "uuid", NULL };

/* Parses OPT's argument against keys; a bad one is a usage error. */
static void parse(struct vmc *c, const char *opt, const char *arg, const char *const *keys,
		  bool positional, struct vu_subopts *s)
{
	struct vu_err e = { 0 };

	if (vu_subopt_parse(arg, keys, positional, s, &e) < 0)
		vmc_usage(c, opt, "%s", vu_err_str(&e));
}

static void check(struct vmc *c, int r, const char *opt, const char *what)
{
	if (r == -ENOMEM)
		vmc_fail(c, opt, "cannot allocate memory");
	if (r < 0)
		vmc_usage(c, opt, "invalid %s", what);
}

/* A number of MiB (virt-install's dialect: a plain number is MiB) in KiB. */
static uint64_t mib_to_kib(struct vmc *c, const char *val)
{
	uint64_t bytes;
	int r = vu_parse_size(val, VU_SIZE_VIRTINSTALL, 1 << 20, &bytes);

	if (r == -ERANGE || (r == 0 && bytes / 1024 > UINT64_MAX / 1024 / 2))
		vmc_usage(c, "--memory", "size '%s' is too large", val);
	if (r < 0 || bytes < 1024)
		vmc_usage(c, "--memory", "invalid size '%s'", val);
	return bytes / 1024;
}

/* virt-install's meaning: memory= (or the plain number) is the current
 * allocation and the maximum unless maxmemory= names a larger one. */
static void build_memory(struct vmc *c, struct vu_domain *dom)
{
	struct vu_subopts s;
	const char *cur, *max;
	uint64_t cur_kib, max_kib;

	parse(c, "--memory", c->memory, memory_keys, true, &s);
	cur = vu_subopt_get(&s, "memory");
	if (!cur)
		cur = vu_subopt_positional(&s, 0);
	if (vu_subopt_get(&s, "currentMemory"))
		cur = vu_subopt_get(&s, "currentMemory");
	max = vu_subopt_get(&s, "maxmemory");
	if (!max)
		max = vu_subopt_get(&s, "memory") ? vu_subopt_get(&s, "memory") :
		      vu_subopt_positional(&s, 0);
	if (!max && !cur)
		vmc_usage(c, "--memory", "no size given");
	max_kib = mib_to_kib(c, max ? max : cur);
	cur_kib = cur ? mib_to_kib(c, cur) : max_kib;
	if (cur_kib > max_kib)
		vmc_usage(c, "--memory", "current memory is above the maximum");
	if (c->os.min_ram_mib && max_kib < c->os.min_ram_mib * 1024 && !c->quiet)
		fprintf(stderr, "vm-create: --memory: %s needs at least %llu MiB\n",
			c->os.short_id, (unsigned long long)c->os.min_ram_mib);
	check(c, vu_domain_set_memory(dom, VU_MEMORY, max_kib), "--memory", "size");
	check(c, vu_domain_set_memory(dom, VU_MEMORY_CURRENT, cur_kib), "--memory", "size");
	vu_subopt_free(&s);
}

static unsigned vcpu_num(struct vmc *c, const char *val, const char *what)
{
	uint64_t n;

	if (vu_subopt_uint(val, 16384, &n) < 0 || n == 0)
		vmc_usage(c, "--vcpus", "invalid %s '%s'", what, val);
	return (unsigned)n;
}

static void set_cpuset(struct vmc *c, struct vu_domain *dom, const char *opt, const char *set)
{
	int r = strcmp(set, "auto") == 0 ? vu_domain_set_vcpu_placement(dom, "auto") :
		vu_domain_set_vcpu_cpuset(dom, set);

	if (r < 0)
		vmc_usage(c, opt, "invalid cpuset '%s'", set);
}

static void build_vcpus(struct vmc *c, struct vu_domain *dom)
{
	struct vu_subopts s = { 0 };
	unsigned n = 0, max = 0, so = 0, co = 0, th = 0;
	const char *v;

	if (c->vcpus) {
		parse(c, "--vcpus", c->vcpus, vcpu_keys, true, &s);
		if ((v = vu_subopt_get(&s, "vcpus")) || (v = vu_subopt_positional(&s, 0)))
			n = vcpu_num(c, v, "count");
		if ((v = vu_subopt_get(&s, "maxvcpus")))
			max = vcpu_num(c, v, "maxvcpus");
		if ((v = vu_subopt_get(&s, "sockets")))
			so = vcpu_num(c, v, "sockets");
		if ((v = vu_subopt_get(&s, "cores")))
			co = vcpu_num(c, v, "cores");
		if ((v = vu_subopt_get(&s, "threads")))
			th = vcpu_num(c, v, "threads");
	}
	if (so || co || th) {
		/* virt-install fills what is missing from the count,
		 * preferring cores to sockets. */
		unsigned total = max ? max : n;

		th = th ? th : 1;
		if (!so && !co)
			so = 1;
		if (!so)
			so = total / (co * th) ? total / (co * th) : 1;
		if (!co)
			co = total / (so * th) ? total / (so * th) : 1;
		if (!n)
			n = so * co * th;
		check(c, vu_domain_set_cpu_topology(dom, so, co, th), "--vcpus", "topology");
	}
	/* As virt-install: the OS's recommended count when none is given
	 * (not capped by this host's CPUs: the XML must not depend on it). */
	if (!n)
		n = max ? max : c->os.rec_vcpus ? c->os.rec_vcpus : 1;
	if (!max)
		max = n;
	if (n > max)
		vmc_usage(c, "--vcpus", "%u vCPUs are more than maxvcpus=%u", n, max);
	check(c, vu_domain_set_vcpus(dom, max, n), "--vcpus", "count");
	if ((v = vu_subopt_get(&s, "cpuset")))
		set_cpuset(c, dom, "--vcpus", v);
	if (c->cpuset)
		set_cpuset(c, dom, "--cpuset", c->cpuset);
	vu_subopt_free(&s);
}

static void cpu_feature(struct vmc *c, struct vu_domain *dom, const char *name,
			const char *policy)
{
	if (!*name || vu_domain_set_cpu_feature(dom, name, policy) < 0)
		vmc_usage(c, "--cpu", "invalid feature '%s'", name);
}

/* --cpu host-model | host-passthrough | maximum | MODEL[,+feat][,-feat],
 * and the policy keys (force=feat ...) virt-install takes. */
static void build_cpu(struct vmc *c, struct vu_domain *dom)
{
	static const char *const policies[] = { "force", "require", "optional", "disable",
						"forbid" };
	struct vu_subopts s;
	const char *model = NULL, *mode = NULL;

	parse(c, "--cpu", c->cpu, cpu_keys, true, &s);
	for (size_t i = 0; i < s.n; i++) {
		const char *v = s.v[i].val;

		if (s.v[i].key)
			continue;
		if (v[0] == '+' || v[0] == '-')
			continue;
		if (!strcmp(v, "host-model") || !strcmp(v, "host-passthrough") ||
		    !strcmp(v, "maximum") || !strcmp(v, "host") || !strcmp(v, "custom"))
			mode = strcmp(v, "host") ? v : "host-model";
		else
			model = v;
	}
	if (vu_subopt_get(&s, "mode"))
		mode = vu_subopt_get(&s, "mode");
	if (vu_subopt_get(&s, "model"))
		model = vu_subopt_get(&s, "model");
	if (!mode)
		mode = "custom";
	check(c, vu_domain_set_cpu_mode(dom, mode), "--cpu", "mode");
	if (!strcmp(mode, "custom") && vu_domain_set(dom, "cpu", "match",
						     vu_subopt_get(&s, "match") ?
						     vu_subopt_get(&s, "match") : "exact") < 0)
		vmc_usage(c, "--cpu", "invalid match");
	if (model)
		check(c, vu_domain_set_cpu_model(dom, model, NULL), "--cpu", "model");
	for (size_t i = 0; i < s.n; i++) {
		const char *v = s.v[i].val;

		if (!s.v[i].key && (v[0] == '+' || v[0] == '-'))
			cpu_feature(c, dom, v + 1, v[0] == '+' ? "force" : "disable");
		for (size_t p = 0; s.v[i].key && p < 5; p++)
			if (!strcmp(s.v[i].key, policies[p]))
				cpu_feature(c, dom, v, policies[p]);
	}
	vu_subopt_free(&s);
}

/* --metadata name=,title=,description=,uuid= (and --uuid, --name). */
static void build_identity(struct vmc *c, struct vu_domain *dom)
{
	char uuid[VU_UUID_STRLEN];
	const char *want = c->uuid, *v;

	for (size_t i = 0; i < c->metadata.n; i++) {
		struct vu_subopts s;

		parse(c, "--metadata", c->metadata.v[i], metadata_keys, false, &s);
		if ((v = vu_subopt_get(&s, "title")) && vu_domain_set_title(dom, v) < 0)
			vmc_usage(c, "--metadata", "a title is one line");
		if ((v = vu_subopt_get(&s, "description")))
			check(c, vu_domain_set_description(dom, v), "--metadata", "description");
		if ((v = vu_subopt_get(&s, "uuid")))
			want = vmc_own(c, strdup(v));
		if ((v = vu_subopt_get(&s, "name"))) {
			if (vu_name_check(v) < 0 || strspn(v, "0123456789") == strlen(v))
				vmc_usage(c, "--metadata", "invalid name '%s'", v);
			c->name = vmc_own(c, strdup(v));
		}
		vu_subopt_free(&s);
	}
	check(c, vu_domain_set_name(dom, c->name), "--name", "name");
	if (want) {
		if (vu_uuid_normalize(want, uuid) < 0)
			vmc_usage(c, "--uuid", "invalid UUID '%s'", want);
	} else {
		vu_uuid_generate(uuid);
	}
	check(c, vu_domain_set_uuid(dom, uuid), "--uuid", "UUID");
}

static bool is_x86(const char *arch)
{
	return !strcmp(arch, "x86_64") || !strcmp(arch, "i686");
}

/* The machine type virt-install's users get by default on each arch. */
static const char *default_machine(const char *arch)
{
	static const struct { const char *arch, *machine; } tab[] = {
		{ "x86_64", "pc" }, { "i686", "pc" }, { "aarch64", "virt" },
		{ "armv7l", "virt" }, { "riscv64", "virt" }, { "ppc64le", "pseries" },
		{ "ppc64", "pseries" }, { "s390x", "s390-ccw-virtio" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(tab); i++)
		if (!strcmp(tab[i].arch, arch))
			return tab[i].machine;
	return NULL;
}

void build_base(struct vmc *c, struct vu_domain *dom)
{
	build_identity(c, dom);
	build_memory(c, dom);
	build_vcpus(c, dom);
	if (!c->machine && !(c->machine = default_machine(c->arch)))
		vmc_usage(c, "--arch", "unknown architecture '%s'", c->arch);
	check(c, vu_domain_set_os_type(dom, "hvm", c->arch, c->machine), "--machine", "machine");
	if (is_x86(c->arch)) {
		check(c, vu_domain_add_feature(dom, "acpi"), "--arch", "feature");
		check(c, vu_domain_add_feature(dom, "apic"), "--arch", "feature");
	}
	if (c->cpu)
		build_cpu(c, dom);
	check(c, vu_domain_set_clock_offset(dom, c->os.family && !strcmp(c->os.family, "winnt") ?
					     "localtime" : "utc"), "--os-variant", "clock");
	check(c, vu_domain_set_lifecycle(dom, "poweroff", "destroy"), "--name", "lifecycle");
	check(c, vu_domain_set_lifecycle(dom, "reboot", "restart"), "--name", "lifecycle");
	check(c, vu_domain_set_lifecycle(dom, "crash", "destroy"), "--name", "lifecycle");
}

/* ---- networks ---- */

/* A MAC no interface of this domain has, nor (through domaindb, when
 * defining) any defined domain. */
struct mac_ctx {
	const struct vu_domain *dom;
	vu_mac_used_fn db;
	void *db_opaque;
};

static bool mac_used(const char *mac, void *opaque)
{
	const struct mac_ctx *m = opaque;

	return vu_domain_find_iface(m->dom, mac) || (m->db && m->db(mac, m->db_opaque));
}

/* The old forms: "bridge:BR", "network:NET", "default", "user", and S3's
 * bare bridge name ("--network br0"). */
static void network_positional(struct vmc *c, const char *v, struct vu_iface_spec *sp)
{
	if (!strncmp(v, "bridge:", 7)) {
		sp->type = "bridge", sp->source = v + 7;
	} else if (!strncmp(v, "network:", 8)) {
		sp->type = "network", sp->source = v + 8;
	} else if (!strcmp(v, "default")) {
		sp->type = "network", sp->source = "default";
	} else if (!strcmp(v, "user")) {
		sp->type = "user";
	} else if (!strcmp(v, "network") || !strcmp(v, "bridge") || !strcmp(v, "direct")) {
		sp->type = v;
	} else {
		sp->type = "bridge", sp->source = v;
	}
	if (sp->source && !*sp->source)
		vmc_usage(c, "--network", "'%s' names no source", v);
}

static void add_network(struct vmc *c, struct vu_domain *dom, const char *arg,
			const char *old_mac, struct mac_ctx *mc)
{
	struct vu_iface_spec sp = { .type = "network", .source = "default",
				    .model = c->os.nic_model };
	struct vu_subopts s;
	char mac[VU_MAC_STRLEN];
	const char *v;
	uint64_t n;

	parse(c, "--network", arg, network_keys, true, &s);
	if ((v = vu_subopt_positional(&s, 0)))
		network_positional(c, v, &sp);
	if (vu_subopt_npositional(&s) > 1)
		vmc_usage(c, "--network", "unknown option '%s'", vu_subopt_positional(&s, 1));
	if ((v = vu_subopt_get(&s, "network")))
		sp.type = "network", sp.source = v;
	if ((v = vu_subopt_get(&s, "bridge")))
		sp.type = "bridge", sp.source = v;
	if ((v = vu_subopt_get(&s, "type")))
		sp.type = v, sp.source = vu_subopt_get(&s, "source");
	if ((v = vu_subopt_get(&s, "source")))
		sp.source = v;
	sp.source_mode = vu_subopt_get(&s, "source_mode");
	if ((v = vu_subopt_get(&s, "model")))
		sp.model = v;
	if ((v = vu_subopt_get(&s, "boot_order"))) {
		if (vu_subopt_uint(v, 65535, &n) < 0 || !n)
			vmc_usage(c, "--network", "invalid boot_order '%s'", v);
		sp.boot_order = (unsigned)n;
	}
	if (strcmp(sp.type, "network") && strcmp(sp.type, "bridge") &&
	    strcmp(sp.type, "direct") && strcmp(sp.type, "user"))
		vmc_usage(c, "--network", "unknown type '%s'", sp.type);
	if (!strcmp(sp.type, "user"))
		sp.source = NULL;
	else if (!sp.source)
		vmc_usage(c, "--network", "type '%s' needs source=", sp.type);
	if (!(v = vu_subopt_get(&s, "mac")))
		v = old_mac;
	if (v && strcmp(v, "RANDOM")) {
		if (vu_mac_normalize(v, mac) < 0)
			vmc_usage(c, "--network", "invalid MAC address '%s'", v);
		if (mac_used(mac, mc))
			vmc_fail(c, "--network", "MAC %s is already in use", mac);
	} else if (vu_mac_generate(mac, mac_used, mc) < 0) {
		vmc_fail(c, "--network", "cannot generate a MAC address");
	}
	sp.mac = mac;
	check(c, vu_domain_add_iface(dom, &sp, NULL), "--network", "interface");
	vu_subopt_free(&s);
}

void build_networks(struct vmc *c, struct vu_domain *dom)
{
	struct mac_ctx mc = { .dom = dom };
	bool none = c->nonetworks;

	if (c->define) {
		mc.db = vu_domaindb_mac_used;
		mc.db_opaque = &c->st;
	}
	for (size_t i = 0; i < c->networks.n; i++)
		if (!strcmp(c->networks.v[i], "none"))
			none = true;
	if (none)
		return;
	/* The old --mac is the first interface's. */
	if (c->networks.n == 0)
		add_network(c, dom, "default", c->mac, &mc);
	for (size_t i = 0; i < c->networks.n; i++)
		add_network(c, dom, c->networks.v[i], i ? NULL : c->mac, &mc);
}

/* ---- boot ---- */

/* --boot uefi: the firmware from QEMU's descriptors and a copy of its
 * variables template for this domain (made later, unless --dry-run). */
static void boot_uefi(struct vmc *c, struct vu_domain *dom)
{
	struct vu_firmware fw = { 0 };
	struct vu_err e = { 0 };
	char file[300];

	if (vu_firmware_find(c->arch, c->machine, false, &fw, &e) < 0)
		vmc_fail(c, "--boot", "%s", vu_err_str(&e));
	vmc_debug(c, "firmware %s from %s", fw.code, fw.descriptor);
	check(c, vu_domain_set_loader(dom, fw.code, "pflash", true), "--boot", "loader");
	if (fw.requires_smm)
		check(c, vu_domain_add_feature(dom, "smm"), "--boot", "feature");
	if (fw.vars_template) {
		snprintf(file, sizeof(file), "%s_VARS.fd", c->name);
		c->nvram = vu_state_path(&c->st, "nvram", file);
		c->nvram_template = strdup(fw.vars_template);
		if (!c->nvram || !c->nvram_template)
			vmc_fail(c, "--boot", "cannot allocate memory");
		check(c, vu_domain_set_nvram(dom, c->nvram, c->nvram_template), "--boot", "nvram");
	}
	vu_firmware_clear(&fw);
}

/* The final boot configuration: --boot's device order (hd by default),
 * firmware, permanent kernel boot and boot menu. build_boot_order may
 * drop the device order once every device is there. */
void build_boot(struct vmc *c, struct vu_domain *dom)
{
	struct vu_subopts s = { 0 };
	const char *devs[VU_BOOT_MAX], *v;
	size_t n = 0;
	bool menu;

	if (c->boot)
		parse(c, "--boot", c->boot, boot_keys, true, &s);
	for (size_t i = 0; i < vu_subopt_npositional(&s); i++) {
		v = vu_subopt_positional(&s, i);
		if (!strcmp(v, "uefi")) {
			boot_uefi(c, dom);
			continue;
		}
		if (strcmp(v, "hd") && strcmp(v, "cdrom") && strcmp(v, "network") &&
		    strcmp(v, "fd"))
			vmc_usage(c, "--boot", "unknown option '%s'", v);
		for (size_t j = 0; j < n; j++)
			if (!strcmp(devs[j], v))
				vmc_usage(c, "--boot", "'%s' is given twice", v);
		devs[n++] = v;
	}
	/* An OS that needs UEFI gets it, as virt-install gives it. */
	if (vmc_wants_uefi(c) && !c->nvram && !vu_domain_find(dom, "os/loader"))
		boot_uefi(c, dom);
	/* As virt-install: the disk, or without one the install device. */
	if (!n)
		devs[n++] = phase_has_disk(c) || c->import || c->location ? "hd" :
			    c->cdrom ? "cdrom" : c->pxe ? "network" : "hd";
	if (vu_domain_set_boot_devs(dom, devs, n) < 0)
		vmc_usage(c, "--boot", "invalid boot order");
	if ((v = vu_subopt_get(&s, "loader")))
		check(c, vu_domain_set_loader(dom, v, NULL, false), "--boot", "loader");
	if (vu_subopt_get(&s, "kernel") || vu_subopt_get(&s, "initrd")) {
		const char *cmd = vu_subopt_get(&s, "cmdline");

		check(c, vu_domain_set_kernel(dom, vu_subopt_get(&s, "kernel"),
					      vu_subopt_get(&s, "initrd"),
					      cmd ? cmd : vu_subopt_get(&s, "kernel_args")),
		      "--boot", "kernel");
	}
	if ((v = vu_subopt_get(&s, "menu"))) {
		if (vu_subopt_bool(v, &menu) < 0)
			vmc_usage(c, "--boot", "invalid menu '%s'", v);
		check(c, vu_domain_set_bootmenu(dom, menu, -1), "--boot", "menu");
	}
	vu_subopt_free(&s);
}

/*
 * libvirt refuses <os><boot dev> beside a device's <boot order> ("per-device
 * boot elements cannot be used together with os/boot elements"), and one
 * order given to two devices. Whichever option wrote it (--disk, --network,
 * --host-device, ...), a device's boot order wins and the os list goes, as
 * virt-install's reorder_boot_order does; so this runs once every device
 * is in the document.
 */
static bool boot_order_of(xmlNodePtr dev, uint64_t *order)
{
	return vu_node_get_uint(dev, "boot", "order", order) == 0;
}

void build_boot_order(struct vmc *c, struct vu_domain *dom)
{
	bool any = false;

	for (xmlNodePtr d = vu_domain_dev_next(dom, NULL, NULL); d;
	     d = vu_domain_dev_next(dom, NULL, d)) {
		uint64_t a, b;

		if (!boot_order_of(d, &a))
			continue;
		any = true;
		for (xmlNodePtr o = vu_domain_dev_next(dom, NULL, d); o;
		     o = vu_domain_dev_next(dom, NULL, o))
			if (boot_order_of(o, &b) && a == b)
				vmc_usage(c, "boot_order", "%llu is given to two devices",
					  (unsigned long long)a);
	}
	if (!any)
		return;
	if (vu_domain_set_boot_devs(dom, NULL, 0) < 0)
		vmc_fail(c, "--boot", "cannot drop the boot order");
	vmc_debug(c, "devices carry boot orders: no <os><boot>");
}
