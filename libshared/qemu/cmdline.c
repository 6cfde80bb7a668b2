// SPDX-License-Identifier: GPL-2.0-or-later
/* cmdline.c - domain XML -> QEMU argv: the entry point, the fixed options,
 * machine, accelerator, CPU, memory and pinning */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/strutil.h"
#include "vu/xmlnode.h"
#include "cmdline_int.h"

/* <domain>'s children this builder maps; any other is refused. */
static const char *const top_known[] = {
	"name", "uuid", "genid", "title", "description", "metadata", "memory",
	"currentMemory", "maxMemory", "vcpu", "cputune", "os", "features", "cpu",
	"clock", "on_poweroff", "on_reboot", "on_crash", "sysinfo", "devices", NULL
};

static xmlNodePtr root(const struct qb *b)
{
	return vu_domain_find(b->dom, "");
}

/* pc and q35 as QEMU 7.2 versions them; versioned names pass as given. */
static const char *machine_type(struct qb *b, const char *m)
{
	if (!m || !strcmp(m, "pc"))
		return "pc-i440fx-7.2";
	if (!strcmp(m, "q35"))
		return "pc-q35-7.2";
	if ((!strncmp(m, "pc-i440fx-", 10) || !strncmp(m, "pc-q35-", 7)) &&
	    vu_str_alnum_or(m, "-."))
		return m;
	qb_fail(b, EOPNOTSUPP, "<os><type machine='%s'>: not a pc or q35 machine", m);
	return "";
}

static void accel(struct qb *b)
{
	const char *type = qb_get(b, root(b), NULL, "type");

	if (type && !strcmp(type, "kvm"))
		b->kvm = true;
	else if (!type || strcmp(type, "qemu"))
		qb_fail(b, EOPNOTSUPP, "<domain type='%s'>: only kvm and qemu are supported",
			type ? type : "");
	qb_opt(b, "-accel", "%s", b->kvm ? "kvm" : "tcg");
}

static void machine(struct qb *b)
{
	xmlNodePtr os = vu_domain_find(b->dom, "os");
	const char *m = qb_get(b, os, "type", "machine");
	const char *arch = qb_get(b, os, "type", "arch");
	const char *type = qb_get(b, os, "type", NULL);
	const char *mt;
	bool acpi = vu_domain_has_feature(b->dom, "acpi");

	if (type && strcmp(type, "hvm"))
		qb_fail(b, EOPNOTSUPP, "<os><type>%s</type>: only hvm is supported", type);
	if (arch && strcmp(arch, "x86_64") && strcmp(arch, "i686"))
		qb_fail(b, EOPNOTSUPP, "<os><type arch='%s'>: only x86_64 and i686", arch);
	mt = machine_type(b, m);
	b->q35 = !strncmp(mt, "pc-q35", 6);
	qb_opt(b, "-machine", "%s,usb=off,dump-guest-core=%s,acpi=%s%s%s", mt,
	       vu_node_value_is(vu_domain_find(b->dom, "memory"), NULL, "dumpCore", "on") ?
	       "on" : "off", acpi ? "on" : "off",
	       vu_domain_has_feature(b->dom, "vmport") ?
	       (vu_node_value_is(vu_domain_find(b->dom, "features/vmport"), NULL, "state",
				 "off") ? ",vmport=off" : ",vmport=on") : "",
	       vu_domain_has_feature(b->dom, "smm") ?
	       (vu_node_value_is(vu_domain_find(b->dom, "features/smm"), NULL, "state",
				 "off") ? ",smm=off" : ",smm=on") : "");
}

static const char *feature_policy(const char *policy)
{
	if (!policy || !strcmp(policy, "require") || !strcmp(policy, "force") ||
	    !strcmp(policy, "optional"))
		return "on";
	return "off";	/* disable, forbid */
}

static void cpu_features(struct qb *b, xmlNodePtr cpu, char **spec)
{
	static const char *const policies[] = {
		"force", "require", "optional", "disable", "forbid", NULL
	};

	for (xmlNodePtr f = vu_node_child(cpu, "feature"); f && !b->err;
	     f = vu_node_next(f, "feature")) {
		const char *name = qb_get(b, f, NULL, "name");
		const char *policy = qb_get(b, f, NULL, "policy");

		if (!name || !*name || !vu_str_alnum_or(name, "-_.")) {
			qb_fail(b, EINVAL, "<cpu><feature>: a name is required");
			return;
		}
		qb_word(b, policy, "<cpu><feature policy>", policies);
		*spec = (char *)qb_fmt(b, "%s,%s=%s", *spec, name, feature_policy(policy));
	}
}

/* The -cpu base model, NULL when the XML names none. */
static const char *cpu_base(struct qb *b, xmlNodePtr cpu)
{
	static const char *const known[] = { "model", "topology", "feature", NULL };
	static const char *const attrs[] = { "mode", "match", "check", "migratable", NULL };
	const char *mode, *model;

	qb_only(b, cpu, "<cpu>", known);
	qb_attrs(b, cpu, "<cpu>", attrs);
	if (vu_node_child(cpu, "model"))
		qb_attrs(b, vu_node_child(cpu, "model"), "<cpu><model>",
			 (const char *const[]){ "fallback", NULL });
	if (vu_node_child(cpu, "topology"))
		qb_attrs(b, vu_node_child(cpu, "topology"), "<cpu><topology>",
			 (const char *const[]){ "sockets", "cores", "threads", NULL });
	mode = qb_get(b, cpu, NULL, "mode");
	model = qb_get(b, cpu, "model", NULL);
	if (!mode || !strcmp(mode, "custom")) {
		if (model && !vu_str_alnum_or(model, "-_.")) {
			qb_fail(b, EINVAL, "<cpu><model>: '%s' is not a CPU model", model);
			return NULL;
		}
		if (!model && vu_node_child(cpu, "feature"))
			qb_fail(b, EINVAL, "<cpu><feature>: needs a <model>");
		return model;
	}
	if (!strcmp(mode, "maximum"))
		return "max";
	if (!strcmp(mode, "host-passthrough") || !strcmp(mode, "host-model")) {
		if (!b->kvm)
			qb_fail(b, EOPNOTSUPP, "<cpu mode='%s'>: needs <domain type='kvm'>", mode);
		return "host";
	}
	qb_fail(b, EOPNOTSUPP, "<cpu mode='%s'>: not supported", mode);
	return NULL;
}

/* -cpu MODEL,FEATURE=on|off...: the <cpu> model and features, then the
 * CPUID bits <features> and <clock><timer> stand for (hyperv, kvm). */
static void cpu_model(struct qb *b)
{
	xmlNodePtr cpu = vu_domain_find(b->dom, "cpu");
	const char *base = cpu ? cpu_base(b, cpu) : NULL;
	const char *flags = qb_cpu_flags(b);
	char *spec = (char *)(base ? base : "qemu64");

	if (cpu)
		cpu_features(b, cpu, &spec);
	if (!base && !*flags)
		return;
	qb_opt(b, "-cpu", "%s%s", spec, flags);
}

static void smp(struct qb *b)
{
	unsigned max = 1, cur = 1, s = 0, c = 0, t = 0;
	xmlNodePtr vcpu = vu_domain_find(b->dom, "vcpu");
	const char *placement = qb_get(b, vcpu, NULL, "placement");
	int r;

	if (vcpu) {
		r = vu_domain_get_vcpus(b->dom, &max, &cur);
		if (r < 0)
			qb_fail(b, -r, "<vcpu>: not a number from 1 to 65535");
	}
	if (placement && strcmp(placement, "static"))
		qb_fail(b, EOPNOTSUPP, "<vcpu placement='%s'>: not supported", placement);
	b->vcpus = max;
	r = vu_domain_get_cpu_topology(b->dom, &s, &c, &t);
	if (r == -ENOENT) {
		qb_opt(b, "-smp", "%u,maxcpus=%u,sockets=%u,cores=1,threads=1", cur, max, max);
		return;
	}
	if (r < 0 || (unsigned long long)s * c * t != max) {
		qb_fail(b, EINVAL, "<cpu><topology>: sockets*cores*threads is not <vcpu> (%u)",
			max);
		return;
	}
	qb_opt(b, "-smp", "%u,maxcpus=%u,sockets=%u,cores=%u,threads=%u", cur, max, s, c, t);
}

static void memory(struct qb *b)
{
	uint64_t mem = 0, cur = 0, maxmem = 0;
	unsigned slots = 0;
	int r;

	r = vu_domain_get_memory(b->dom, VU_MEMORY, &mem);
	if (r < 0 || !mem) {
		qb_fail(b, EINVAL, "<memory>: a size is required");
		return;
	}
	r = vu_domain_get_memory(b->dom, VU_MEMORY_CURRENT, &cur);
	if (r < 0 && r != -ENOENT)
		qb_fail(b, -r, "<currentMemory>: not a size");
	if (r == 0 && cur > mem)
		qb_fail(b, EINVAL, "<currentMemory>: above <memory>");
	if (r == 0 && cur < mem)
		b->cmd->balloon_kib = cur;
	b->mem_kib = mem;
	r = vu_domain_get_max_memory(b->dom, &maxmem, &slots);
	if (r == -ENOENT) {
		qb_opt(b, "-m", "size=%llik", (unsigned long long)mem);
		return;
	}
	if (r < 0 || !slots || maxmem < mem) {
		qb_fail(b, EINVAL, "<maxMemory>: needs slots and a size not below <memory>");
		return;
	}
	qb_opt(b, "-m", "size=%llik,slots=%u,maxmem=%llik", (unsigned long long)mem, slots,
	       (unsigned long long)maxmem);
}

static bool cpuset_ok(const char *s)
{
	return s && *s && strspn(s, "0123456789,-^") == strlen(s);
}

static void pin(struct qb *b, int vcpu, const char *cpuset, const char *where)
{
	struct vu_qemu_cmd *c = b->cmd;
	struct vu_qemu_pin *p;

	if (!cpuset_ok(cpuset)) {
		qb_fail(b, EINVAL, "%s: cpuset '%s' is not a CPU list", where,
			cpuset ? cpuset : "");
		return;
	}
	p = qb_grow(b, c->pins, &c->npins, sizeof(*p));
	if (!p)
		return;
	c->pins = p;
	p[c->npins - 1].vcpu = vcpu;
	p[c->npins - 1].cpuset = strdup(cpuset);
	if (!p[c->npins - 1].cpuset)
		qb_fail(b, ENOMEM, "out of memory");
}

static bool pinned(const struct qb *b, int vcpu)
{
	for (size_t i = 0; i < b->cmd->npins; i++)
		if (b->cmd->pins[i].vcpu == vcpu)
			return true;
	return false;
}

/* <cputune> pins, and <vcpu cpuset> for what it leaves unpinned, as
 * libvirt applies them: after start, on the threads QMP names. */
static void cputune(struct qb *b)
{
	static const char *const known[] = { "vcpupin", "emulatorpin", NULL };
	xmlNodePtr tune = vu_domain_find(b->dom, "cputune");
	const char *all = qb_get(b, vu_domain_find(b->dom, "vcpu"), NULL, "cpuset");

	qb_only(b, tune, "<cputune>", known);
	for (xmlNodePtr p = vu_node_child(tune, "vcpupin"); p && !b->err;
	     p = vu_node_next(p, "vcpupin")) {
		unsigned long long id = qb_uint(b, p, NULL, "vcpu", ~0ULL, "<vcpupin vcpu>");

		if (id >= b->vcpus || pinned(b, (int)id))
			qb_fail(b, EINVAL, "<cputune><vcpupin vcpu='%llu'>: no such vCPU or "
				"pinned twice", id);
		else
			pin(b, (int)id, qb_get(b, p, NULL, "cpuset"), "<cputune><vcpupin>");
	}
	if (vu_node_count(tune, "emulatorpin") > 1)
		qb_fail(b, EINVAL, "<cputune><emulatorpin>: only one");
	if (vu_node_child(tune, "emulatorpin"))
		pin(b, -1, qb_get(b, vu_node_child(tune, "emulatorpin"), NULL, "cpuset"),
		    "<cputune><emulatorpin>");
	if (!all)
		return;
	for (int i = -1; i < (int)b->vcpus && !b->err; i++)
		if (!pinned(b, i))
			pin(b, i, all, "<vcpu cpuset>");
}

static void identity(struct qb *b)
{
	char uuid[VU_UUID_STRLEN];
	const char *name = qb_get(b, root(b), "name", NULL);
	xmlNodePtr genid = vu_domain_find(b->dom, "genid");
	int r;

	if (!name || !*name) {
		qb_fail(b, EINVAL, "<name>: required");
		return;
	}
	qb_opt(b, "-name", "guest=%s,debug-threads=on", qb_q(b, name));
	r = vu_domain_get_uuid(b->dom, uuid);
	if (r == 0)
		qb_opt(b, "-uuid", "%s", uuid);
	else if (r != -ENOENT)
		qb_fail(b, EINVAL, "<uuid>: not a UUID");
	if (genid) {
		const char *g = qb_get(b, genid, NULL, NULL);

		if (g && *g && vu_uuid_normalize(g, uuid) < 0)
			qb_fail(b, EINVAL, "<genid>: not a UUID");
		qb_opt(b, "-device", "vmgenid,id=vmgenid0%s%s", g && *g ? ",guid=" : "",
		       g && *g ? uuid : ",guid=auto");
	}
}

/* The attributes this builder reads on <domain>'s simple children. */
static void top_attrs(struct qb *b)
{
	static const struct {
		const char *path;
		const char *const attrs[6];
	} tab[] = {
		{ "", { "type", "id", NULL } },
		{ "memory", { "unit", "dumpCore", NULL } },
		{ "currentMemory", { "unit", NULL } },
		{ "maxMemory", { "unit", "slots", NULL } },
		{ "vcpu", { "placement", "cpuset", "current", NULL } },
		{ "os", { "firmware", NULL } },
		{ "os/type", { "arch", "machine", NULL } },
		{ "os/loader", { "readonly", "type", "secure", "format", NULL } },
		{ "os/nvram", { "template", "format", NULL } },
		{ "os/bootmenu", { "enable", "timeout", NULL } },
		{ "os/bios", { "rebootTimeout", "useserial", NULL } },
		{ "os/smbios", { "mode", NULL } },
		{ "sysinfo", { "type", NULL } },
	};

	for (size_t i = 0; i < ARRAY_SIZE(tab) && !b->err; i++) {
		xmlNodePtr n = vu_domain_find(b->dom, tab[i].path);

		if (n)
			qb_attrs(b, n, qb_fmt(b, "<%s>", *tab[i].path ? tab[i].path : "domain"),
				 tab[i].attrs);
	}
	for (xmlNodePtr f = vu_node_child(vu_domain_find(b->dom, "features"), NULL);
	     f && !b->err; f = vu_node_next(f, NULL))
		qb_attrs(b, f, qb_fmt(b, "<features><%s>", (const char *)f->name),
			 (const char *const[]){ "state", NULL });
	for (xmlNodePtr p = vu_node_child(vu_domain_find(b->dom, "cputune"), NULL);
	     p && !b->err; p = vu_node_next(p, NULL))
		qb_attrs(b, p, qb_fmt(b, "<cputune><%s>", (const char *)p->name),
			 (const char *const[]){ "vcpu", "cpuset", NULL });
}

static void fixed(struct qb *b)
{
	const struct vu_qemu_env *env = b->env;

	qb_arg(b, "-no-user-config");
	qb_arg(b, "-nodefaults");
	/* QEMU installs the filter before -daemonize forks and setsid()s and
	 * before -runas changes ids: those need the calls libvirt denies */
	qb_opt(b, "-sandbox", "on,obsolete=deny,resourcecontrol=deny%s",
	       env->daemonize || env->runas ? "" : ",elevateprivileges=deny,spawn=deny");
	qb_arg(b, "-S");
	if (env->incoming)
		qb_opt(b, "-incoming", "defer");
	if (env->daemonize)
		qb_arg(b, "-daemonize");
	qb_opt(b, "-pidfile", "%s", qb_q(b, env->pidfile));
	qb_opt(b, "-qmp", "unix:%s,server=on,wait=off", qb_q(b, env->qmp));
	if (env->runas)
		qb_opt(b, "-runas", "%s", env->runas);
	qb_opt(b, "-display", "none");	/* -vnc and -spice are displays of their own */
	qb_opt(b, "-msg", "timestamp=on");
}

void qb_machine(struct qb *b)
{
	accel(b);
	machine(b);
	cpu_model(b);
	memory(b);
	smp(b);
	cputune(b);
}

static void devices(struct qb *b)
{
	static const char *const order[] = {
		"controller", "disk", "filesystem", "interface", "serial", "parallel",
		"console", "channel", "input", "graphics", "video", "sound", "watchdog",
		"rng", "memballoon", "hostdev", "emulator", NULL
	};
	xmlNodePtr devs = vu_domain_find(b->dom, "devices");

	qb_only(b, devs, "<devices>", order);
	/* controllers first: the disks and ports name their buses */
	for (size_t k = 0; order[k] && !b->err; k++)
		for (xmlNodePtr d = vu_node_child(devs, order[k]); d && !b->err;
		     d = vu_node_next(d, order[k]))
			if (!strcmp(order[k], "controller"))
				qb_controller(b, d);
			else if (!strcmp(order[k], "disk"))
				qb_disk(b, d);
			else if (!strcmp(order[k], "interface"))
				qb_interface(b, d);
			else if (vu_word_in(order[k], (const char *const[]){
						"serial", "parallel", "console", "channel", NULL }))
				qb_chardev(b, d);
			else if (!strcmp(order[k], "graphics"))
				qb_graphics(b, d);
			else if (!strcmp(order[k], "video"))
				qb_video(b, d);
			else if (strcmp(order[k], "emulator"))
				qb_device(b, d);
}

static void boot_list(struct qb *b)
{
	int n = vu_domain_get_boot_devs(b->dom, b->boot, VU_BOOT_MAX);

	if (n < 0) {
		qb_fail(b, EINVAL, "<os><boot dev>: not hd, cdrom, network or fd");
		return;
	}
	b->nboot = (size_t)n;
	for (xmlNodePtr d = vu_domain_dev_next(b->dom, NULL, NULL); d;
	     d = vu_domain_dev_next(b->dom, NULL, d))
		if (vu_node_child(d, "boot"))
			b->dev_boot = true;
	if (b->dev_boot && b->nboot)
		qb_fail(b, EINVAL, "<os><boot>: not together with a device's <boot order>");
}

static void emulator(struct qb *b)
{
	const char *path = qb_get(b, vu_domain_find(b->dom, "devices"), "emulator", NULL);

	qb_arg(b, path && *path ? path : "qemu-system-x86_64");
}

int vu_qemu_cmdline(const struct vu_domain *dom, const struct vu_qemu_env *env,
		    struct vu_qemu_cmd *out, struct vu_err *e)
{
	struct qb b = { .dom = dom, .env = env, .cmd = out, .e = e };

	memset(out, 0, sizeof(*out));
	if (!dom || !env || !env->qmp || !env->pidfile || !env->rundir)
		return vu_err_set(e, EINVAL, "the QMP socket, pidfile and run directory "
				  "are required");
	emulator(&b);
	qb_only(&b, root(&b), "", top_known);
	top_attrs(&b);
	identity(&b);
	qb_machine(&b);
	fixed(&b);
	qb_os(&b);
	qb_lifecycle(&b);
	boot_list(&b);
	devices(&b);
	qb_devices_done(&b);
	for (size_t i = 0; i < b.nscratch; i++)
		free(b.scratch[i]);
	free(b.scratch);
	if (b.err)
		vu_qemu_cmd_clear(out);
	return b.err;
}

void vu_qemu_cmd_clear(struct vu_qemu_cmd *c)
{
	for (size_t i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c->argv);
	for (size_t i = 0; i < c->npins; i++)
		free(c->pins[i].cpuset);
	free(c->pins);
	for (size_t i = 0; i < c->nfiles; i++) {
		free(c->files[i].path);
		free(c->files[i].data);
	}
	free(c->files);
	for (size_t i = 0; i < c->nfs; i++) {
		free(c->fs[i].socket);
		free(c->fs[i].source);
	}
	free(c->fs);
	for (size_t i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	free(c->fds);
	for (size_t i = 0; i < c->ntaps; i++)
		free(c->taps[i]);
	free(c->taps);
	memset(c, 0, sizeof(*c));
}
