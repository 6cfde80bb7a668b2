/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-create - build a domain from virt-install's options, create its disks,
 * print it or define it in the state root */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/caps.h"
#include "vu/closestream.h"
#include "vu/diag.h"
#include "vu/domaindb.h"
#include "vu/file.h"
#include "vu/firmware.h"
#include "vu/opts.h"
#include "vu/subopt.h"

#include "vm-create.h"

/* Long-only options; device options follow OPT_DEV, one per devopt name. */
enum {
	OPT_MEMORY = CHAR_MAX + 1, OPT_VCPUS, OPT_CPUSET, OPT_CPU, OPT_MACHINE, OPT_ARCH,
	OPT_VIRT_TYPE, OPT_ACCELERATE, OPT_CONNECT, OPT_ROOT, OPT_OSINFO, OPT_DISK,
	OPT_NONSPARSE, OPT_NODISKS, OPT_NONETWORKS, OPT_VNC, OPT_NOGRAPHICS, OPT_BOOT,
	OPT_PXE, OPT_IMPORT, OPT_INJECT, OPT_AUTOSTART, OPT_NOAUTOCONSOLE, OPT_METADATA,
	OPT_UUID, OPT_PRINT_XML, OPT_DRY_RUN, OPT_DEFINE, OPT_NOREBOOT, OPT_MEMBACKING,
	OPT_CHECK, OPT_START, OPT_WAIT, OPT_AUTOCONSOLE, OPT_DEV,
};

static const char *const dev_names[] = {
	"graphics", "video", "console", "serial", "channel", "rng", "controller", "input",
	"sound", "watchdog", "memballoon", "host-device", "filesystem",
};

static const char *const osinfo_keys[] = { "name", "short-id", "id", "detect", "require",
					   NULL };

static noreturn void usage(void)
{
	fputs(VU_USAGE_HEADER, stdout);
	printf(" %s --name NAME --memory MiB STORAGE INSTALL [options]\n",
	       program_invocation_short_name);
	fputs(VU_USAGE_SEPARATOR, stdout);
	puts("Build a domain from virt-install's options, create its disks, and print\n"
	     "its XML (or define it in the state root).");
	fputs(VU_USAGE_OPTIONS, stdout);
	puts(" -n, --name NAME            the domain's name\n"
	     "     --memory MiB[,maxmemory=,currentMemory=]   memory (-r, --ram MiB)\n"
	     "     --memorybacking hugepages=on,source.type=,access.mode=,locked=on,...\n"
	     "     --vcpus N[,maxvcpus=,sockets=,cores=,threads=,cpuset=]\n"
	     "     --cpuset LIST|auto     host CPUs the vCPUs run on\n"
	     "     --cpu MODEL[,+feat][,-feat]|host-model|host-passthrough\n"
	     "     --machine TYPE         machine type (pc, q35, ...; default pc on x86)\n"
	     "     --arch ARCH            guest architecture (default x86_64)\n"
	     "     --virt-type kvm|qemu   default kvm when /dev/kvm can be used\n"
	     "     --accelerate, -v, --hvm   old forms, accepted\n"
	     "     --connect URI          qemu:///system or qemu:///session state root\n"
	     "     --root DIR             the state root (default $VIRTUTILS_ROOT)\n"
	     "     --os-variant, --osinfo NAME|generic|none|list|detect=on,require=off\n"
	     "\nStorage:\n"
	     "     --disk SPEC            path=,pool=,vol=,size=GiB,format=,bus=,cache=,io=,\n"
	     "                            discard=,device=,sparse=,perms=,backing_store=,\n"
	     "                            boot_order=,serial= | none\n"
	     " -f, --file PATH  -s, --file-size GiB  --nonsparse  --nodisks   old forms\n"
	     "     --filesystem SRC,TARGET   a host directory for the guest\n"
	     "\nNetworks and devices:\n"
	     " -w, --network SPEC         network=,bridge=,type=direct,source=,model=,mac=,\n"
	     "                            boot_order= | none | bridge:BR | network:NET\n"
	     "                            (default: default)\n"
	     " -b, --bridge BR  -m, --mac MAC  --nonetworks   old forms\n"
	     "     --graphics vnc|spice|none[,listen=,port=,password=]  (--vnc, --nographics)\n"
	     "     --video --console --serial --channel --rng --controller --input\n"
	     "     --sound --watchdog --memballoon   devices\n"
	     "     --host-device PCI[,driver.name=,boot_order=]   a host PCI device\n"
	     "\nInstall:\n"
	     " -c, --cdrom PATH           install from an ISO image or device\n"
	     " -l, --location TREE        install tree: directory, ISO or URL\n"
	     "     --pxe                  install from the network\n"
	     "     --import               boot the existing disks, no install\n"
	     "     --boot hd,cdrom,network,fd,uefi,loader=,kernel=,initrd=,cmdline=,menu=\n"
	     "     --initrd-inject FILE   add FILE to the install initrd's root\n"
	     " -x, --extra-args ARGS      install kernel command line\n"
	     "\nOutput:\n"
	     "     --uuid UUID            the domain's UUID (default random)\n"
	     "     --metadata name=,title=,description=,uuid=\n"
	     "     --print-xml [STEP]     print the install (1) and final (2) XML\n"
	     "     --dry-run              create nothing, define nothing\n"
	     "     --define               define the domain in the state root\n"
	     "     --autostart            with --define: start it at boot (vm-ctl start-all)\n"
	     "     --check path_in_use=off|all=off   allow a disk another domain uses\n"
	     "     --start                define the domain and start it (its install first)\n"
	     "     --autoconsole text|none   with --start: attach the serial console or not\n"
	     "                            (default text with --graphics none)\n"
	     "     --noautoconsole        the same as --autoconsole none\n"
	     "     --wait MIN             with --start: wait MIN minutes (-1: for ever) for\n"
	     "                            the install to end\n"
	     "     --noreboot             with --start: leave the domain off after its install\n"
	     " -d, --debug, --verbose     say what is decided, on stderr\n"
	     " -q, --quiet                print nothing but errors\n"
	     " -h, --help                 display this help\n"
	     " -V, --version              display version\n"
	     "\n --OPTION=? (or --OPTION help) lists an option's sub-options.");
	puts("\nExit status: 0 success, 1 failure, 2 usage error.");
	fputs(VU_USAGE_MAN_TAIL("vm-create(1)"), stdout);
	exit(VU_EXIT_OK);
}

/* Removes what this run created: images, the NVRAM copy, install media. */
static void cleanup(struct vmc *c)
{
	if (!c)
		return;
	disks_remove(c);
	if (c->nvram_created && unlink(c->nvram) == 0)
		c->nvram_created = false;
	if (c->media_fetched) {
		location_remove(&c->media);
		c->media_fetched = false;
	}
}

void vmc_debug(const struct vmc *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->debug)
		return;
	fprintf(stderr, "%s: debug: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void vmc_usage(struct vmc *c, const char *opt, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	cleanup(c);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (opt)
		vu_die_usage(VU_EXIT_USAGE, "%s: %s", opt, msg);
	vu_die_usage(VU_EXIT_USAGE, "%s", msg);
}

void vmc_fail(struct vmc *c, const char *obj, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	cleanup(c);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!obj)
		vu_diex(VU_EXIT_FAIL, "%s", msg);
	vu_diex(VU_EXIT_FAIL, "%s: %s", obj, msg);
}

struct vu_storage *vmc_storage(struct vmc *c)
{
	struct vu_err e = { 0 };

	if (!c->storage_open) {
		if (vu_storage_open(&c->storage, c->root, &e) < 0)
			vmc_fail(c, "state root", "%s", vu_err_str(&e));
		c->storage_open = true;
	}
	return &c->storage;
}

static void push(struct vmc *c, struct strlist *l, const char *v)
{
	const char **n = realloc(l->v, (l->n + 1) * sizeof(*n));

	if (!n)
		vmc_fail(c, "vm-create", "cannot allocate memory");
	l->v = n;
	l->v[l->n++] = v;
}

char *vmc_own(struct vmc *c, char *s)
{
	if (!s)
		vmc_fail(c, "vm-create", "cannot allocate memory");
	push(c, &c->owned, s);
	return s;
}

static void push_dev(struct vmc *c, const char *name, const char *arg)
{
	const struct devopt *o = devopt_find(name);
	struct devarg *n = realloc(c->devs, (c->ndevs + 1) * sizeof(*n));
	char opt[40];

	snprintf(opt, sizeof(opt), "--%s", name);
	if (!n)
		vmc_fail(c, opt, "cannot allocate memory");
	if (!o)
		vmc_usage(c, opt, "not supported");
	if (vu_subopt_is_help(arg)) {
		vu_subopt_help(stdout, opt, o->keys);
		exit(VU_EXIT_OK);
	}
	c->devs = n;
	c->devs[c->ndevs++] = (struct devarg){ o, arg };
}

/* --disk=? and the like: the sub-options, then exit 0. */
static void maybe_help(const char *opt, const char *arg, const char *const *keys)
{
	if (vu_subopt_is_help(arg)) {
		vu_subopt_help(stdout, opt, keys);
		exit(VU_EXIT_OK);
	}
}

/* --connect: virt-install's URIs name our two state roots. */
static const char *connect_root(struct vmc *c, const char *uri)
{
	if (!vu_state_uri_known(uri))
		vmc_usage(c, "--connect", "only qemu:///system and qemu:///session are known, "
			  "not '%s'", uri);
	return uri;
}

/* --print-xml takes an optional STEP, also as the next word (as
 * virt-install's argparse does): "--print-xml 2". */
static int print_step(struct vmc *c, int argc, char **argv)
{
	const char *v = optarg;

	if (!v && optind < argc && (!strcmp(argv[optind], "1") || !strcmp(argv[optind], "2")))
		v = argv[optind++];
	if (!v)
		return 0;
	if (strcmp(v, "1") && strcmp(v, "2"))
		vmc_usage(c, "--print-xml", "STEP is 1 (install) or 2 (final), not '%s'", v);
	return v[0] - '0';
}

/* --wait MIN: whole minutes, negative for ever (virt-install's -1). */
static int wait_arg(struct vmc *c, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v > 35000 || v < -35000)
		vmc_usage(c, "--wait", "MIN is a number of minutes, not '%s'", s);
	return (int)v;
}

/* --autoconsole text|none (no graphical viewer here). */
static int autoconsole_arg(struct vmc *c, const char *s)
{
	if (!strcmp(s, "text"))
		return 1;
	if (!strcmp(s, "none"))
		return -1;
	vmc_usage(c, "--autoconsole", "text or none, not '%s'", s);
}

static void parse_args(struct vmc *c, int argc, char **argv)
{
	static const char shortopts[] = "n:r:c:l:x:f:s:b:w:m:vqdhV";
	struct option lo[64 + ARRAY_SIZE(dev_names)];
	static const struct option base[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "ram", required_argument, NULL, 'r' },
		{ "memorybacking", required_argument, NULL, OPT_MEMBACKING },
		{ "vcpus", required_argument, NULL, OPT_VCPUS },
		{ "cpuset", required_argument, NULL, OPT_CPUSET },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "machine", required_argument, NULL, OPT_MACHINE },
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "virt-type", required_argument, NULL, OPT_VIRT_TYPE },
		{ "accelerate", no_argument, NULL, OPT_ACCELERATE },
		{ "hvm", no_argument, NULL, 'v' },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "os-variant", required_argument, NULL, OPT_OSINFO },
		{ "osinfo", required_argument, NULL, OPT_OSINFO },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ "file", required_argument, NULL, 'f' },
		{ "file-size", required_argument, NULL, 's' },
		{ "nonsparse", no_argument, NULL, OPT_NONSPARSE },
		{ "nodisks", no_argument, NULL, OPT_NODISKS },
		{ "network", required_argument, NULL, 'w' },
		{ "bridge", required_argument, NULL, 'b' },
		{ "nonetworks", no_argument, NULL, OPT_NONETWORKS },
		{ "mac", required_argument, NULL, 'm' },
		{ "vnc", no_argument, NULL, OPT_VNC },
		{ "nographics", no_argument, NULL, OPT_NOGRAPHICS },
		{ "boot", required_argument, NULL, OPT_BOOT },
		{ "cdrom", required_argument, NULL, 'c' },
		{ "location", required_argument, NULL, 'l' },
		{ "pxe", no_argument, NULL, OPT_PXE },
		{ "import", no_argument, NULL, OPT_IMPORT },
		{ "initrd-inject", required_argument, NULL, OPT_INJECT },
		{ "extra-args", required_argument, NULL, 'x' },
		{ "autostart", no_argument, NULL, OPT_AUTOSTART },
		{ "noautoconsole", no_argument, NULL, OPT_NOAUTOCONSOLE },
		{ "noreboot", no_argument, NULL, OPT_NOREBOOT },
		{ "start", no_argument, NULL, OPT_START },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "autoconsole", required_argument, NULL, OPT_AUTOCONSOLE },
		{ "metadata", required_argument, NULL, OPT_METADATA },
		{ "uuid", required_argument, NULL, OPT_UUID },
		{ "print-xml", optional_argument, NULL, OPT_PRINT_XML },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "define", no_argument, NULL, OPT_DEFINE },
		{ "check", required_argument, NULL, OPT_CHECK },
		{ "quiet", no_argument, NULL, 'q' },
		{ "debug", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
	};
	size_t n = ARRAY_SIZE(base);
	int o;

	memcpy(lo, base, sizeof(base));
	for (size_t i = 0; i < ARRAY_SIZE(dev_names); i++)
		lo[n++] = (struct option){ dev_names[i], required_argument, NULL, OPT_DEV + (int)i };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };

	while ((o = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		switch (o) {
		case 'n': c->name = optarg; break;
		case 'r':
		case OPT_MEMORY: maybe_help("--memory", optarg, memory_keys); c->memory = optarg; break;
		case OPT_MEMBACKING:
			maybe_help("--memorybacking", optarg, memorybacking_keys);
			push(c, &c->membacking, optarg);
			break;
		case OPT_VCPUS: maybe_help("--vcpus", optarg, vcpu_keys); c->vcpus = optarg; break;
		case OPT_CPUSET: c->cpuset = optarg; break;
		case OPT_CPU: maybe_help("--cpu", optarg, cpu_keys); c->cpu = optarg; break;
		case OPT_MACHINE: c->machine = optarg; break;
		case OPT_ARCH: c->arch = optarg; break;
		case OPT_VIRT_TYPE: c->virt_type = optarg; break;
		case OPT_ACCELERATE: case 'v': break;
		case OPT_NOAUTOCONSOLE: c->autoconsole_opt = -1; break;
		case OPT_NOREBOOT: c->noreboot = true; break;
		case OPT_START: c->start = c->define = true; break;
		case OPT_WAIT: c->wait_set = true; c->wait_min = wait_arg(c, optarg); break;
		case OPT_AUTOCONSOLE: c->autoconsole_opt = autoconsole_arg(c, optarg); break;
		case OPT_CONNECT: if (!c->root) c->root = connect_root(c, optarg); break;
		case OPT_ROOT: c->root = optarg; break;
		case OPT_OSINFO:
			if (strcmp(optarg, "list"))
				maybe_help("--osinfo", optarg, osinfo_keys);
			c->os_variant = optarg;
			break;
		case OPT_DISK: maybe_help("--disk", optarg, disk_keys); push(c, &c->disks, optarg); break;
		case 'f': c->file = optarg; break;
		case 's': c->file_size = optarg; break;
		case OPT_NONSPARSE: c->nonsparse = true; break;
		case OPT_NODISKS: c->nodisks = true; break;
		case 'w':
			maybe_help("--network", optarg, network_keys);
			push(c, &c->networks, optarg);
			break;
		case 'b': {
			char *a;

			if (asprintf(&a, "bridge=%s", optarg) < 0)
				vmc_fail(c, "--bridge", "cannot allocate memory");
			push(c, &c->networks, vmc_own(c, a));
			break;
		}
		case OPT_NONETWORKS: c->nonetworks = true; break;
		case 'm': c->mac = optarg; break;
		case OPT_VNC: push_dev(c, "graphics", "vnc"); break;
		case OPT_NOGRAPHICS: push_dev(c, "graphics", "none"); break;
		case OPT_BOOT: maybe_help("--boot", optarg, boot_keys); c->boot = optarg; break;
		case 'c': c->cdrom = optarg; break;
		case 'l': c->location = optarg; break;
		case OPT_PXE: c->pxe = true; break;
		case OPT_IMPORT: c->import = true; break;
		case OPT_INJECT: push(c, &c->injects, optarg); break;
		case 'x': c->extra_args = optarg; break;
		case OPT_AUTOSTART: c->autostart = true; break;
		case OPT_METADATA:
			maybe_help("--metadata", optarg, metadata_keys);
			push(c, &c->metadata, optarg);
			break;
		case OPT_UUID: c->uuid = optarg; break;
		case OPT_PRINT_XML:
			/* implies --quiet, as in virt-install */
			c->print_xml = c->quiet = true;
			c->print_step = print_step(c, argc, argv);
			break;
		case OPT_DRY_RUN: c->dry_run = true; break;
		case OPT_DEFINE: c->define = true; break;
		case OPT_CHECK:
			maybe_help("--check", optarg, check_keys);
			check_parse(c, optarg);
			break;
		case 'q': c->quiet = true; break;
		case 'd': c->debug = true; break;
		case 'h': usage();
		case 'V': vu_print_version();
		default:
			if (o >= OPT_DEV && o < OPT_DEV + (int)ARRAY_SIZE(dev_names)) {
				push_dev(c, dev_names[o - OPT_DEV], optarg);
				break;
			}
			vu_die_tryhelp(VU_EXIT_USAGE);
		}
	}
	if (optind < argc)
		vmc_usage(c, NULL, "unexpected argument '%s'", argv[optind]);
}

/* The graphics type the last --graphics names ("vnc" when none does):
 * osinfo_adapt needs it before the devices are built. */
static const char *graphics_type(const struct vmc *c, char *buf, size_t len)
{
	const char *arg = "vnc";

	for (size_t i = 0; i < c->ndevs; i++)
		if (!strcmp(c->devs[i].opt->name, "graphics"))
			arg = c->devs[i].arg;
	if (!strncmp(arg, "type=", 5))
		arg += 5;
	snprintf(buf, len, "%.*s", (int)strcspn(arg, ","), arg);
	return buf;
}

/* Whether the domain boots UEFI: --boot uefi, or an OS that needs it and
 * no --boot loader= of the user's. */
bool vmc_wants_uefi(const struct vmc *c)
{
	const char *p = c->boot;

	for (; p && *p; p += strcspn(p, ","), p += *p == ',') {
		if (!strncmp(p, "uefi", 4) && (p[4] == ',' || !p[4]))
			return true;
		if (!strncmp(p, "loader=", 7))
			return false;
	}
	return c->os.uefi;
}

/* --os-variant: NAME, generic, none, list, or detect=on,require=off (we
 * read no install media, so detection finds nothing and falls back). */
static void resolve_os(struct vmc *c)
{
	const char *name = c->os_variant ? c->os_variant : "generic";
	char gfx[32];
	struct vu_subopts s;
	struct vu_err e = { 0 };
	const char *v;

	if (!strcmp(name, "list")) {
		if (osinfo_list(stdout, &e) < 0)
			vmc_fail(c, "--osinfo", "%s", vu_err_str(&e));
		exit(VU_EXIT_OK);
	}
	maybe_help("--osinfo", name, osinfo_keys);
	if (vu_subopt_parse(name, osinfo_keys, true, &s, &e) < 0)
		vmc_usage(c, "--osinfo", "%s", vu_err_str(&e));
	v = vu_subopt_get(&s, "detect");
	if (v && strcmp(v, "off") && (!vu_subopt_get(&s, "require") ||
				      strcmp(vu_subopt_get(&s, "require"), "off")))
		vmc_usage(c, "--osinfo", "no OS is detected from install media here: "
			  "name one, or add require=off for generic defaults");
	if (!(v = vu_subopt_positional(&s, 0)) && !(v = vu_subopt_get(&s, "name")) &&
	    !(v = vu_subopt_get(&s, "short-id")) && !(v = vu_subopt_get(&s, "id")))
		v = "generic";
	vmc_debug(c, "os variant %s", v);
	if (osinfo_lookup(v, &c->os, &e) < 0) {
		if (e.code == ENOENT)
			vmc_usage(c, "--osinfo", "%s", vu_err_str(&e));
		vmc_fail(c, "--osinfo", "%s", vu_err_str(&e));
	}
	vu_subopt_free(&s);
	osinfo_adapt(&c->os, c->machine, graphics_type(c, gfx, sizeof(gfx)),
		     vmc_wants_uefi(c));
}

/* The options that must be there, each named when it is not. */
static void check_required(struct vmc *c)
{
	const char *p;

	if (!c->name)
		vmc_usage(c, "--name", "a name is required");
	for (p = c->name; *p >= '0' && *p <= '9'; p++)
		;
	if (vu_name_check(c->name) < 0 || !*p)
		vmc_usage(c, "--name", "invalid name '%s': letters, digits and _.+:- "
			  "(not first . or -, not all digits)", c->name);
	if (!c->memory)
		vmc_usage(c, "--memory", "a memory size is required");
	if (!c->disks.n && !c->file && !c->nodisks) {
		bool fs = false;

		for (size_t i = 0; i < c->ndevs; i++)
			fs |= !strcmp(c->devs[i].opt->name, "filesystem");
		if (!fs)
			vmc_usage(c, "--disk", "a storage choice is required "
				  "(--disk SPEC, --filesystem, or --disk none)");
	}
	if ((c->cdrom != NULL) + (c->location != NULL) + c->pxe + c->import > 1)
		vmc_usage(c, NULL, "choose one install method of --cdrom, --location, --pxe, "
			  "--import");
	if (!c->cdrom && !c->location && !c->pxe && !c->import && !c->boot)
		vmc_usage(c, NULL, "an install method is required "
			  "(--cdrom, --location, --pxe, --import or --boot)");
	if (c->injects.n && !c->location)
		vmc_usage(c, "--initrd-inject", "needs --location");
	if (c->extra_args && !c->location)
		vmc_usage(c, "--extra-args", "needs --location");
	if (c->print_step == 2 && !phase_has_install(c))
		vmc_usage(c, "--print-xml", "there is no install phase: only step 1");
	if (c->define && c->print_xml)
		vmc_usage(c, NULL, "options --%s and --print-xml cannot be combined",
			  c->start ? "start" : "define");
	if (c->wait_set && !c->start)
		vmc_usage(c, "--wait", "needs --start");
	if (c->autoconsole_opt > 0 && !c->start)
		vmc_usage(c, "--autoconsole", "needs --start");
}

/* kvm when a KVM VM can really be made here, else qemu (TCG). */
static const char *resolve_virt_type(struct vmc *c)
{
	int fd;

	if (c->virt_type) {
		if (strcmp(c->virt_type, "kvm") && strcmp(c->virt_type, "qemu"))
			vmc_usage(c, "--virt-type", "kvm or qemu, not '%s'", c->virt_type);
		return c->virt_type;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return "qemu";
	close(fd);
	return "kvm";
}

/* Device options in command-line order, then the defaults for the rest. */
static void build_devices(struct vmc *c, struct vu_domain *dom)
{
	struct devopt_ctx ctx = { .os = &c->os, .arch = c->arch, .machine = c->machine };
	struct vu_err e = { 0 };
	char opt[40];

	for (size_t i = 0; i < c->ndevs; i++) {
		snprintf(opt, sizeof(opt), "--%s", c->devs[i].opt->name);
		if (devopt_apply(dom, c->devs[i].opt, c->devs[i].arg, &ctx, &e) < 0) {
			if (e.code == ENOMEM)
				vmc_fail(c, opt, "%s", vu_err_str(&e));
			vmc_usage(c, opt, "%s", vu_err_str(&e));
		}
	}
	if (devopt_defaults(dom, &ctx, &e) < 0)
		vmc_fail(c, "devices", "%s", vu_err_str(&e));
}

/* Every --initrd-inject file must be readable before anything is fetched. */
static void check_injects(struct vmc *c)
{
	for (size_t i = 0; i < c->injects.n; i++)
		if (access(c->injects.v[i], R_OK) < 0)
			vmc_fail(c, "--initrd-inject", "%s: %s", c->injects.v[i], strerror(errno));
}

/* --location: the kernel and initrd copied to ROOT/boot/NAME (for
 * --dry-run only looked for, with the paths the copies would have), and
 * --initrd-inject's files added to that initrd. */
static void fetch_location(struct vmc *c)
{
	struct vu_err e = { 0 };
	char *dir;
	int r;

	check_injects(c);
	dir = vu_state_path(&c->st, "boot", c->name);
	if (!dir)
		vmc_fail(c, "--location", "cannot allocate memory");
	if (c->dry_run) {
		r = location_probe(c->location, &c->media, &e);
		if (r == 0 && (asprintf(&c->media.kernel, "%s/" LOCATION_KERNEL_NAME, dir) < 0 ||
			       asprintf(&c->media.initrd, "%s/" LOCATION_INITRD_NAME, dir) < 0))
			vmc_fail(c, "--location", "cannot allocate memory");
	} else {
		if (vu_state_prepare(&c->st, &e) < 0)
			vmc_fail(c, "state root", "%s", vu_err_str(&e));
		if (access(dir, F_OK) == 0)
			vmc_fail(c, "--location", "%s already exists", dir);
		r = location_fetch(c->location, dir, &c->media, &e);
		c->media_fetched = r == 0;
	}
	if (r < 0)
		vmc_fail(c, "--location", "%s", vu_err_str(&e));
	if (!c->dry_run && c->injects.n &&
	    initrd_inject(c->media.initrd, c->injects.v, c->injects.n, &e) < 0)
		vmc_fail(c, "--initrd-inject", "%s", vu_err_str(&e));
	vmc_debug(c, "kernel %s, initrd %s", c->media.kernel, c->media.initrd);
	free(dir);
}

/* --boot uefi: this domain's copy of the firmware's variables. */
static void copy_nvram(struct vmc *c)
{
	struct vu_err e = { 0 };

	if (!c->nvram || c->dry_run)
		return;
	if (vu_state_prepare(&c->st, &e) < 0)
		vmc_fail(c, "state root", "%s", vu_err_str(&e));
	mkdir(strndupa(c->nvram, strrchr(c->nvram, '/') - c->nvram), 0755);
	if (vu_firmware_nvram_create(c->nvram_template, c->nvram, &e) < 0)
		vmc_fail(c, NULL, "%s", vu_err_str(&e));
	c->nvram_created = true;
}

static void print_doc(struct vmc *c, const struct vu_domain *dom)
{
	char *xml = vu_domain_format(dom);

	if (!xml)
		vmc_fail(c, "vm-create", "cannot allocate memory");
	else
		fputs(xml, stdout);
	free(xml);
}

/* stdout: the final document, or with --print-xml the phases asked for. */
static void output(struct vmc *c, const struct vu_domain *dom)
{
	struct vu_domain *inst = NULL;
	struct vu_err e = { 0 };

	if (c->print_xml && c->print_step != 2 &&
	    vu_domain_install_phase(dom, &inst, &e) < 0)
		vmc_fail(c, "vm-create", "%s", vu_err_str(&e));
	if (inst)
		print_doc(c, inst);
	if (!inst || c->print_step != 1)
		print_doc(c, dom);
	vu_domain_free(&inst);
	/* A document that did not reach its reader leaves no disks behind;
	 * _exit, since the stream would fail again at exit, saying it twice. */
	if ((fflush(stdout) == EOF || ferror(stdout)) && errno != EPIPE) {
		int err = errno;

		cleanup(c);
		vu_warnc(err, "write error");
		fflush(stderr);
		_exit(VU_EXIT_FAIL);
	}
}

static void define(struct vmc *c, const struct vu_domain *dom)
{
	struct vu_err e = { 0 };
	int r;

	if (vu_domaindb_define(&c->st, dom, 0, &e) < 0)
		vmc_fail(c, c->name, "%s", vu_err_str(&e));
	if (c->autostart && (r = vu_domaindb_autostart(&c->st, c->name, true, &e)) < 0) {
		vu_domaindb_undefine(&c->st, c->name, NULL);
		vmc_fail(c, "--autostart", "%s", strerror(-r));
	}
	if (!c->quiet)
		fprintf(stderr, "Domain '%s' defined in %s\n", c->name, c->st.root);
}

static void vmc_free(struct vmc *c)
{
	install_media_clear(&c->media);
	disks_free(c);
	osinfo_clear(&c->os);
	if (c->storage_open)
		vu_storage_close(&c->storage);
	vu_state_free(&c->st);
	for (size_t i = 0; i < c->owned.n; i++)
		free((char *)c->owned.v[i]);
	free(c->owned.v);
	free(c->disks.v);
	free(c->networks.v);
	free(c->injects.v);
	free(c->metadata.v);
	free(c->membacking.v);
	free(c->devs);
	free(c->nvram);
	free(c->nvram_template);
}

static void build(struct vmc *c, struct vu_domain **out)
{
	struct vu_domain *dom;
	struct vu_err e = { 0 };

	if (vu_domain_new(&dom, resolve_virt_type(c)) < 0)
		vmc_fail(c, "vm-create", "cannot allocate memory");
	build_base(c, dom);
	if (disks_add(c, dom, &e) < 0)
		vmc_usage(c, "--disk", "%s", vu_err_str(&e));
	build_networks(c, dom);
	build_boot(c, dom);
	build_devices(c, dom);
	build_boot_order(c, dom);
	build_memorybacking(c, dom);
	*out = dom;
}

/*
 * The file capabilities; with --start also what QEMU needs from its
 * starter, as vm-ctl start keeps: NET_ADMIN for taps, SETUID and SETGID
 * for -runas, KILL to stop a QEMU that failed its set-up.
 */
static void drop_caps(const struct vmc *c)
{
	static const cap_value_t run[] = { CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID, CAP_KILL };
	cap_value_t keep[16];
	int n = 0;

	for (int i = 0; i < vu_caps_file_n; i++)
		keep[n++] = vu_caps_file[i];
	for (size_t i = 0; c->start && i < ARRAY_SIZE(run); i++)
		keep[n++] = run[i];
	if (vu_caps_keep(keep, n) < 0)
		vu_die(VU_EXIT_FAIL, "cannot drop capabilities");
}

int main(int argc, char **argv)
{
	struct vmc c = { .arch = "x86_64" };
	struct vu_domain *dom;
	struct vu_err e = { 0 };
	int rc = VU_EXIT_OK;

	atexit(vu_close_stdout_atexit);
	parse_args(&c, argc, argv);
	drop_caps(&c);
	if (c.os_variant && !strcmp(c.os_variant, "list"))
		resolve_os(&c);
	check_required(&c);
	if (vu_state_resolve(&c.st, c.root) < 0)
		vmc_fail(&c, "state root", "cannot be found");
	resolve_os(&c);
	disks_plan(&c);
	disks_check_in_use(&c);
	build(&c, &dom);
	if (c.define && !c.dry_run) {
		if (vu_state_prepare(&c.st, &e) < 0)
			vmc_fail(&c, "state root", "%s", vu_err_str(&e));
		if (vu_domaindb_check_unique(&c.st, dom, NULL, &e) < 0 ||
		    vu_domain_check(dom, &e) < 0)
			vmc_fail(&c, c.name, "%s", vu_err_str(&e));
	}
	if (!c.dry_run)
		disks_create(&c);
	copy_nvram(&c);
	if (c.location)
		fetch_location(&c);
	if (phase_record(&c, dom, &e) < 0)
		vmc_fail(&c, "vm-create", "%s", vu_err_str(&e));
	if (c.define && !c.dry_run)
		define(&c, dom);
	else if (!c.define)
		output(&c, dom);
	else if (!c.quiet)
		fprintf(stderr, "Dry run: domain '%s' not defined\n", c.name);
	vu_domain_free(&dom);
	if (c.start && !c.dry_run) {
		char gfx[32];

		/* virt-install's default: the text console when there is no
		 * display to show; the user's choice otherwise. */
		c.autoconsole_text = c.autoconsole_opt > 0 ||
				     (!c.autoconsole_opt &&
				      !strcmp(graphics_type(&c, gfx, sizeof(gfx)), "none"));
		rc = start_run(&c);
	}
	vmc_free(&c);
	return rc;
}
