// SPDX-License-Identifier: GPL-2.0-or-later
/* cmdline_os.c - <os> (boot, direct kernel boot, UEFI), <features>,
 * <clock>, <sysinfo> and the on_* lifecycle actions */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vu/firmware.h"
#include "vu/strutil.h"
#include "vu/xmlnode.h"
#include "cmdline_int.h"

static bool on(const xmlNode *n)
{
	/* <feature/> alone means on; state='off' turns it off */
	return n && !vu_node_value_is(n, NULL, "state", "off");
}

/* <features><hyperv>: each child is QEMU's hv-NAME flag. */
static const char *hyperv_flags(struct qb *b, xmlNodePtr hv)
{
	static const char *const known[] = {
		"relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer",
		"reset", "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs",
		"vendor_id", NULL
	};
	const char *flags = "";

	qb_only(b, hv, "<features><hyperv>", known);
	for (xmlNodePtr f = vu_node_child(hv, NULL); f && !b->err; f = vu_node_next(f, NULL)) {
		const char *name = (const char *)f->name;

		if (!on(f))
			continue;
		if (!strcmp(name, "spinlocks"))
			flags = qb_fmt(b, "%s,hv-spinlocks=0x%llx", flags,
				       qb_uint(b, f, NULL, "retries", 4095,
					       "<hyperv><spinlocks retries>"));
		else if (!strcmp(name, "vendor_id"))
			flags = qb_fmt(b, "%s,hv-vendor-id=%s", flags,
				       qb_q(b, qb_get(b, f, NULL, "value")));
		else
			flags = qb_fmt(b, "%s,hv-%s=on", flags, name);
	}
	return flags;
}

static const char *timer_flags(struct qb *b)
{
	const char *flags = "";

	for (xmlNodePtr t = vu_node_child(vu_domain_find(b->dom, "clock"), "timer"); t;
	     t = vu_node_next(t, "timer")) {
		const char *name = qb_get(b, t, NULL, "name");
		const char *present = qb_get(b, t, NULL, "present");

		if (!present || !name)
			continue;
		if (!strcmp(name, "kvmclock"))
			flags = qb_fmt(b, "%s,kvmclock=%s", flags,
				       strcmp(present, "no") ? "on" : "off");
		else if (!strcmp(name, "hypervclock") && strcmp(present, "no"))
			flags = qb_fmt(b, "%s,hv-time=on", flags);
	}
	return flags;
}

const char *qb_cpu_flags(struct qb *b)
{
	xmlNodePtr feat = vu_domain_find(b->dom, "features");
	const char *flags = "";
	xmlNodePtr kvm = vu_node_child(feat, "kvm");

	if (vu_node_child(feat, "hyperv"))
		flags = hyperv_flags(b, vu_node_child(feat, "hyperv"));
	if (vu_node_child(feat, "pvspinlock"))
		flags = qb_fmt(b, "%s,kvm-pv-unhalt=%s", flags,
			       on(vu_node_child(feat, "pvspinlock")) ? "on" : "off");
	if (kvm) {
		qb_only(b, kvm, "<features><kvm>", (const char *const[]){ "hidden", NULL });
		if (on(vu_node_child(kvm, "hidden")))
			flags = qb_fmt(b, "%s,kvm=off", flags);
	}
	return qb_fmt(b, "%s%s", flags, timer_flags(b));
}

static void features(struct qb *b)
{
	static const char *const known[] = {
		"acpi", "apic", "pae", "hap", "hyperv", "kvm", "pvspinlock", "vmport",
		"smm", NULL
	};

	/* acpi, vmport, smm went to -machine, hyperv/kvm/pvspinlock to -cpu;
	 * apic, pae and hap are what an x86_64 guest has anyway */
	qb_only(b, vu_domain_find(b->dom, "features"), "<features>", known);
}

/* -rtc base=: the offset, a date for offset='variable'. */
static const char *clock_base(struct qb *b, xmlNodePtr clock)
{
	const char *offset = qb_get(b, clock, NULL, "offset");
	long long adj;
	time_t t;
	struct tm tm;
	char buf[32];

	/* sync is the name offset had in libvirt's first releases */
	if (!offset)
		offset = qb_get(b, clock, NULL, "sync");
	if (!offset || !strcmp(offset, "utc") || !strcmp(offset, "localtime"))
		return offset ? offset : "utc";
	if (strcmp(offset, "variable")) {
		qb_fail(b, EOPNOTSUPP, "<clock offset='%s'>: not supported", offset);
		return "utc";
	}
	adj = strtoll(qb_get(b, clock, NULL, "adjustment") ?: "0", NULL, 10);
	t = time(NULL) + (time_t)adj;
	if (vu_node_value_is(clock, NULL, "basis", "localtime"))
		localtime_r(&t, &tm);
	else
		gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return qb_fmt(b, "%s", buf);
}

/* The <timer>s; returns the -rtc drift option. */
static const char *timers(struct qb *b, xmlNodePtr clock)
{
	static const char *const names[] = {
		"rtc", "pit", "hpet", "kvmclock", "hypervclock", NULL
	};
	const char *drift = "";

	for (xmlNodePtr t = vu_node_child(clock, "timer"); t && !b->err;
	     t = vu_node_next(t, "timer")) {
		const char *name = qb_get(b, t, NULL, "name") ?: "";
		const char *tick = qb_get(b, t, NULL, "tickpolicy");
		bool absent = vu_node_value_is(t, NULL, "present", "no");

		qb_word(b, name, "<clock><timer name>", names);
		qb_attrs(b, t, "<clock><timer>", (const char *const[]){ "name", "present",
			 "tickpolicy", NULL });
		qb_only(b, t, "<clock><timer>", (const char *const[]){ NULL });
		if (!strcmp(name, "pit"))
			qb_word(b, tick, "<clock><timer name='pit' tickpolicy>",
				(const char *const[]){ "delay", "catchup", "discard", NULL });
		if (b->err)
			break;
		if (!strcmp(name, "rtc") && tick && !strcmp(tick, "catchup"))
			drift = ",driftfix=slew";
		else if (!strcmp(name, "pit") && tick)
			qb_opt(b, "-global", "kvm-pit.lost_tick_policy=%s",
			       !strcmp(tick, "catchup") ? "slew" : tick);
		else if (!strcmp(name, "hpet") && qb_get(b, t, NULL, "present"))
			qb_opt(b, "-machine", "hpet=%s", absent ? "off" : "on");
		else if (tick && (strcmp(name, "rtc") || strcmp(tick, "delay")))
			qb_fail(b, EOPNOTSUPP, "<clock><timer name='%s' tickpolicy='%s'>: "
				"not supported", name, tick);
		else if ((!strcmp(name, "rtc") || !strcmp(name, "pit")) && absent)
			qb_fail(b, EOPNOTSUPP, "<clock><timer name='%s' present='no'>: not "
				"supported", name);
	}
	return drift;
}

static void clock_(struct qb *b)
{
	xmlNodePtr clock = vu_domain_find(b->dom, "clock");
	const char *base, *drift;

	qb_only(b, clock, "<clock>", (const char *const[]){ "timer", NULL });
	if (clock)
		qb_attrs(b, clock, "<clock>", (const char *const[]){ "offset", "sync",
			 "adjustment", "basis", "timezone", NULL });
	base = clock_base(b, clock);
	drift = timers(b, clock);
	qb_opt(b, "-rtc", "base=%s%s", base, drift);
}

/* UEFI: the loader and its variables as pflash drives, the way libvirt
 * gives them (read-only code, writable vars); a <loader type='rom'> or
 * none is -bios. firmware='efi' picks the loader from the descriptors. */
static void pflash(struct qb *b, const char *code, const char *vars, const char *fmt)
{
	qb_opt(b, "-blockdev", "driver=file,filename=%s,node-name=vu-pflash0-storage,"
	       "auto-read-only=on,discard=unmap", qb_q(b, code));
	qb_opt(b, "-blockdev", "node-name=vu-pflash0-format,read-only=on,driver=%s,"
	       "file=vu-pflash0-storage", fmt);
	if (vars) {
		qb_opt(b, "-blockdev", "driver=file,filename=%s,node-name=vu-pflash1-storage,"
		       "auto-read-only=on,discard=unmap", qb_q(b, vars));
		qb_opt(b, "-blockdev", "node-name=vu-pflash1-format,read-only=off,driver=%s,"
		       "file=vu-pflash1-storage", fmt);
	}
	qb_opt(b, "-machine", "pflash0=vu-pflash0-format%s",
	       vars ? ",pflash1=vu-pflash1-format" : "");
}

static void loader(struct qb *b, xmlNodePtr os)
{
	const char *fw = qb_get(b, os, NULL, "firmware");
	const char *path = qb_get(b, os, "loader", NULL);
	const char *type = qb_get(b, os, "loader", "type");
	const char *nvram = qb_get(b, os, "nvram", NULL);
	bool secure = vu_node_value_is(os, "loader", "secure", "yes");
	struct vu_firmware f = { 0 };
	int r;

	if (path && !*path)
		path = NULL;	/* <loader secure='yes'/>: firmware='efi' picks it */
	if (fw && strcmp(fw, "efi") && strcmp(fw, "bios"))
		qb_fail(b, EOPNOTSUPP, "<os firmware='%s'>: not supported", fw);
	if (!path && fw && !strcmp(fw, "efi")) {
		r = vu_firmware_find("x86_64", b->q35 ? "q35" : "pc", secure, &f, b->e);
		if (r < 0) {
			b->err = r;
			return;
		}
		if (!nvram && f.vars_template)
			qb_fail(b, EINVAL, "<os><nvram>: a path is required (vm-ctl "
				"makes it from %s)", f.vars_template);
		else
			pflash(b, f.code, f.vars_template ? nvram : NULL, f.format);
		if (f.requires_smm && vu_node_value_is(vu_domain_find(b->dom, "features/smm"),
						       NULL, "state", "off"))
			qb_fail(b, EINVAL, "<features><smm state='off'>: %s needs SMM", f.code);
		secure = secure || f.requires_smm;
		vu_firmware_clear(&f);
		if (secure)
			qb_opt(b, "-global", "driver=cfi.pflash01,property=secure,value=on");
		return;
	}
	if (!path) {
		if (nvram)
			qb_fail(b, EINVAL, "<os><nvram>: needs a <loader>");
		return;
	}
	if (!type || !strcmp(type, "rom")) {
		if (nvram)
			qb_fail(b, EINVAL, "<os><nvram>: needs <loader type='pflash'>");
		qb_opt(b, "-bios", "%s", qb_q(b, path));
	} else if (!strcmp(type, "pflash")) {
		pflash(b, path, nvram, qb_get(b, os, "loader", "format") ?: "raw");
	} else {
		qb_fail(b, EOPNOTSUPP, "<os><loader type='%s'>: not supported", type);
	}
	if (secure)
		qb_opt(b, "-global", "driver=cfi.pflash01,property=secure,value=on");
}

static void kernel(struct qb *b, xmlNodePtr os)
{
	const char *k = qb_get(b, os, "kernel", NULL);
	const char *i = qb_get(b, os, "initrd", NULL);
	const char *c = qb_get(b, os, "cmdline", NULL);
	const char *d = qb_get(b, os, "dtb", NULL);

	if (!k) {
		if (i || (c && *c) || d)
			qb_fail(b, EINVAL, "<os><%s>: needs a <kernel>",
				i ? "initrd" : (c && *c) ? "cmdline" : "dtb");
		return;
	}
	qb_opt(b, "-kernel", "%s", k);
	if (i)
		qb_opt(b, "-initrd", "%s", i);
	if (c && *c)
		qb_opt(b, "-append", "%s", c);
	if (d)
		qb_opt(b, "-dtb", "%s", d);
}

static void bootmenu(struct qb *b, xmlNodePtr os)
{
	xmlNodePtr menu = vu_node_child(os, "bootmenu");
	xmlNodePtr bios = vu_node_child(os, "bios");
	const char *opts = "strict=on";
	long long rt;

	if (vu_node_value_is(menu, NULL, "enable", "yes")) {
		opts = qb_fmt(b, "menu=on,%s", opts);
		if (qb_get(b, menu, NULL, "timeout"))
			opts = qb_fmt(b, "%s,splash-time=%llu", opts,
				      qb_uint(b, menu, NULL, "timeout", 0, "<bootmenu timeout>"));
	}
	if (bios && vu_node_value_is(bios, NULL, "useserial", "yes"))
		qb_fail(b, EOPNOTSUPP, "<os><bios useserial='yes'>: not supported");
	if (bios && qb_get(b, bios, NULL, "rebootTimeout")) {
		rt = strtoll(qb_get(b, bios, NULL, "rebootTimeout"), NULL, 10);
		opts = qb_fmt(b, "%s,reboot-timeout=%lld", opts, rt);
	}
	qb_opt(b, "-boot", "%s", opts);
}

/* <sysinfo type='smbios'>: each section is one SMBIOS table. */
static void sysinfo(struct qb *b)
{
	static const struct {
		const char *section;
		int type;
		const char *const keys[8];
	} tab[] = {
		{ "bios", 0, { "vendor", "version", "date", "release", NULL } },
		{ "system", 1, { "manufacturer", "product", "version", "serial", "uuid",
			"sku", "family", NULL } },
		{ "baseBoard", 2, { "manufacturer", "product", "version", "serial",
			"asset", "location", NULL } },
		{ "chassis", 3, { "manufacturer", "version", "serial", "asset", "sku",
			NULL } },
	};
	xmlNodePtr si = vu_domain_find(b->dom, "sysinfo");
	const char *type = qb_get(b, si, NULL, "type");

	if (!si)
		return;
	if (!type || strcmp(type, "smbios")) {
		qb_fail(b, EOPNOTSUPP, "<sysinfo type='%s'>: not supported", type ? type : "");
		return;
	}
	qb_only(b, si, "<sysinfo>", (const char *const[]){ "bios", "system", "baseBoard",
			"chassis", "oemStrings", NULL });
	for (size_t i = 0; i < ARRAY_SIZE(tab) && !b->err; i++) {
		xmlNodePtr sec = vu_node_child(si, tab[i].section);
		const char *arg = qb_fmt(b, "type=%d", tab[i].type);

		if (!sec)
			continue;
		for (xmlNodePtr en = vu_node_child(sec, "entry"); en && !b->err;
		     en = vu_node_next(en, "entry")) {
			const char *name = qb_get(b, en, NULL, "name");

			qb_word(b, name, qb_fmt(b, "<sysinfo><%s><entry name>",
						tab[i].section), tab[i].keys);
			arg = qb_fmt(b, "%s,%s=%s", arg, name,
				     qb_q(b, qb_get(b, en, NULL, NULL)));
		}
		qb_opt(b, "-smbios", "%s", arg);
	}
	for (xmlNodePtr en = vu_node_child(vu_node_child(si, "oemStrings"), "entry"); en;
	     en = vu_node_next(en, "entry"))
		qb_opt(b, "-smbios", "type=11,value=%s", qb_q(b, qb_get(b, en, NULL, NULL)));
}

void qb_os(struct qb *b)
{
	static const char *const known[] = {
		"type", "boot", "bootmenu", "kernel", "initrd", "cmdline", "dtb", "loader",
		"nvram", "smbios", "bios", NULL
	};
	xmlNodePtr os = vu_domain_find(b->dom, "os");
	const char *smbios = qb_get(b, os, "smbios", "mode");

	qb_only(b, os, "<os>", known);
	if (smbios && strcmp(smbios, "sysinfo") && strcmp(smbios, "emulate"))
		qb_fail(b, EOPNOTSUPP, "<os><smbios mode='%s'>: not supported", smbios);
	loader(b, os);
	kernel(b, os);
	bootmenu(b, os);
	features(b);
	clock_(b);
	sysinfo(b);
}

/*
 * on_*: QEMU's -action does destroy and preserve itself; restart after a
 * poweroff or a crash, and preserve after a reboot, need the runtime to
 * act on the event, so QEMU is told to stop (shutdown=pause or
 * reboot=shutdown) and the action is handed back.
 */
void qb_lifecycle(struct qb *b)
{
	static const char *const acts[] = { "destroy", "restart", "preserve", NULL };
	const char *off = NULL, *reboot = NULL, *crash = NULL;
	const char *sd = "poweroff", *rb = "reset", *pn = "shutdown";
	struct vu_qemu_cmd *c = b->cmd;

	off = qb_get(b, vu_domain_find(b->dom, "on_poweroff"), NULL, NULL);
	reboot = qb_get(b, vu_domain_find(b->dom, "on_reboot"), NULL, NULL);
	crash = qb_get(b, vu_domain_find(b->dom, "on_crash"), NULL, NULL);
	qb_word(b, off, "<on_poweroff>", acts);
	qb_word(b, reboot, "<on_reboot>", acts);
	qb_word(b, crash, "<on_crash>", acts);
	if (vu_domain_find(b->dom, "on_lockfailure"))
		qb_fail(b, EOPNOTSUPP, "<on_lockfailure>: not supported");
	if (b->err)
		return;
	if (off && strcmp(off, "destroy")) {
		sd = "pause";
		if (!strcmp(off, "restart"))
			c->on_poweroff = "restart";
	}
	if (reboot && strcmp(reboot, "restart")) {
		rb = "shutdown";	/* a reboot becomes a shutdown event */
		if (!strcmp(reboot, "preserve")) {
			if (!strcmp(sd, "poweroff"))
				c->on_poweroff = "destroy";
			sd = "pause";
			c->on_reboot = "preserve";
		} else if (!strcmp(sd, "pause")) {
			c->on_reboot = "destroy";
		}
	}
	if (crash && !strcmp(crash, "preserve"))
		pn = "pause";
	else if (crash && !strcmp(crash, "restart")) {
		pn = "pause";
		c->on_crash = "restart";
	}
	qb_opt(b, "-action", "shutdown=%s,reboot=%s,panic=%s", sd, rb, pn);
}
