/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fmtopts.c - a format's -o key=value options, as qemu-img reads them (create, convert) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/size.h"
#include "vu/strutil.h"

#include "img-convert.h"

void ic_fmtopts_init(struct ic_fmtopts *cr, const char *fmt)
{
	memset(cr, 0, sizeof(*cr));
	cr->fmt = fmt;
	cr->qcow2 = strcmp(fmt, "qcow2") == 0;
	cr->vmdk = strcmp(fmt, "vmdk") == 0;
}

static const char *const creatable[] = { "raw", "qcow2", "vmdk", "vdi", "vpc", "vhdx", "qed" };
const char ic_creatable_list[] = "raw, qcow2, vmdk, vdi, vpc, vhdx, qed";

bool ic_fmt_creatable(const char *fmt)
{
	return vu_word_index(fmt, creatable, ARRAY_SIZE(creatable)) >= 0;
}

const char *const ic_prealloc_names[] = {
	[VU_PREALLOC_OFF] = "off", [VU_PREALLOC_METADATA] = "metadata",
	[VU_PREALLOC_FALLOC] = "falloc", [VU_PREALLOC_FULL] = "full",
};

static void parse_prealloc(struct ic_fmtopts *cr, const char *val)
{
	for (size_t i = 0; i < ARRAY_SIZE(ic_prealloc_names); i++) {
		if (strcmp(val, ic_prealloc_names[i]) == 0 &&
		    (cr->qcow2 || i != VU_PREALLOC_METADATA)) {
			cr->o.prealloc = (enum vu_prealloc)i;
			cr->prealloc_given = true;
			return;
		}
	}
	vu_diex(VU_EXIT_FAIL, "-o: preallocation: invalid value '%s' (off, %sfalloc, full)", val,
		cr->qcow2 ? "metadata, " : "");
}

static const char *const qcow2_help =
	"  backing_file=<str>     - File name of a base image\n"
	"  backing_fmt=<str>      - Image format of the base image\n"
	"  cluster_size=<size>    - qcow2 cluster size\n"
	"  compat=<str>           - Compatibility level (v2 [0.10] or v3 [1.1])\n"
	"  compression_type=<str> - Compression method used for image cluster compression\n"
	"  extended_l2=<bool (on/off)> - Extended L2 tables\n"
	"  lazy_refcounts=<bool (on/off)> - Postpone refcount updates\n"
	"  preallocation=<str>    - Preallocation mode (allowed values: off, metadata, falloc, full)\n"
	"  refcount_bits=<num>    - Width of a reference count entry in bits\n"
	"  size=<size>            - Virtual disk size\n";

static const char *const vdi_help =
	"  preallocation=<str>    - Preallocation mode (allowed values: off, falloc, full)\n"
	"  size=<size>            - Virtual disk size\n"
	"  static=<bool (on/off)> - VDI static (pre-allocated) image\n";

static const char *const vpc_help =
	"  force_size=<bool (on/off)> - Force disk size calculation to use the actual size "
	"specified, rather than using the nearest CHS-based calculation\n"
	"  preallocation=<str>    - Preallocation mode (allowed values: off, falloc, full)\n"
	"  size=<size>            - Virtual disk size\n"
	"  subformat=<str>        - Type of virtual hard disk format. Supported formats are "
	"{dynamic (default) | fixed} \n";

static const char *const vhdx_help =
	"  block_size=<size>      - Block Size; min 1MB, max 256MB. 0 means auto-calculate "
	"based on image size.\n"
	"  block_state_zero=<bool (on/off)> - Force use of payload blocks of type 'ZERO'. "
	"Non-standard, but default.  Do not set to 'off' when using 'qemu-img convert' with "
	"subformat=dynamic.\n"
	"  log_size=<size>        - Log size; min 1MB.\n"
	"  preallocation=<str>    - Preallocation mode (allowed values: off, falloc, full)\n"
	"  size=<size>            - Virtual disk size; max of 64TB.\n"
	"  subformat=<str>        - VHDX format type, can be either 'dynamic' or 'fixed'. "
	"Default is 'dynamic'.\n";

static const char *const qed_help =
	"  backing_file=<str>     - File name of a base image\n"
	"  backing_fmt=<str>      - Image format of the base image\n"
	"  cluster_size=<size>    - Cluster size (in bytes)\n"
	"  preallocation=<str>    - Preallocation mode (allowed values: off, falloc, full)\n"
	"  size=<size>            - Virtual disk size\n"
	"  table_size=<size>      - L1/L2 table size (in clusters)\n";

static const char *const vmdk_help =
	"  adapter_type=<str>     - Virtual adapter type, can be one of ide (default), "
	"lsilogic, buslogic or legacyESX\n"
	"  backing_file=<str>     - File name of a base image\n"
	"  backing_fmt=<str>      - Must be 'vmdk' if present\n"
	"  compat6=<bool (on/off)> - VMDK version 6 image\n"
	"  hwversion=<str>        - VMDK hardware version\n"
	"  preallocation=<str>    - Preallocation mode (allowed values: off, falloc, full)\n"
	"  size=<size>            - Virtual disk size\n"
	"  subformat=<str>        - VMDK flat extent format, can be one of {monolithicSparse "
	"(default) | monolithicFlat | twoGbMaxExtentSparse | twoGbMaxExtentFlat | "
	"streamOptimized} \n"
	"  zeroed_grain=<bool (on/off)> - Enable efficient zero writes using the zeroed-grain "
	"GTE feature\n";

static void print_opts_help(const struct ic_fmtopts *cr)
{
	puts("Supported options:");
	if (cr->qcow2) {
		fputs(qcow2_help, stdout);
	} else if (strcmp(cr->fmt, "vdi") == 0) {
		fputs(vdi_help, stdout);
	} else if (strcmp(cr->fmt, "vpc") == 0) {
		fputs(vpc_help, stdout);
	} else if (strcmp(cr->fmt, "vhdx") == 0) {
		fputs(vhdx_help, stdout);
	} else if (strcmp(cr->fmt, "qed") == 0) {
		fputs(qed_help, stdout);
	} else if (cr->vmdk) {
		fputs(vmdk_help, stdout);
	} else {
		puts("  preallocation=<str>    - Preallocation mode (allowed values: off, falloc, full)");
		puts("  size=<size>            - Virtual disk size");
	}
	exit(VU_EXIT_OK);
}

int ic_parse_bool(const char *key, const char *val)
{
	static const char *const yes[] = { "on", "yes", "true", "y" };
	static const char *const no[] = { "off", "no", "false", "n" };

	if (vu_word_index(val, yes, ARRAY_SIZE(yes)) >= 0)
		return 1;
	if (vu_word_index(val, no, ARRAY_SIZE(no)) >= 0)
		return 0;
	vu_diex(VU_EXIT_FAIL, "-o: %s: expects 'on' or 'off', not '%s'", key, val);
}

int ic_parse_compat(const char *val)
{
	if (strcmp(val, "0.10") == 0 || strcmp(val, "v2") == 0)
		return 2;
	if (strcmp(val, "1.1") == 0 || strcmp(val, "v3") == 0)
		return 3;
	vu_diex(VU_EXIT_FAIL, "-o: compat: invalid value '%s' (0.10, v2, 1.1, v3)", val);
}

/* A whole number as qemu reads one (decimal, 0x hex or 0 octal). */
unsigned ic_parse_number(const char *key, const char *val)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(val, &end, 0);
	if (errno || end == val || *end || val[0] == '-' || v > 4096)
		vu_diex(VU_EXIT_FAIL, "-o: %s: expects a number, not '%s'", key, val);
	return (unsigned)v;
}

static void parse_compression(struct ic_fmtopts *cr, const char *val)
{
	if (strcmp(val, "zlib") == 0)
		cr->o.compression_type = 0;
	else if (strcmp(val, "zstd") == 0)
		cr->o.compression_type = 1;
	else
		vu_diex(VU_EXIT_FAIL, "-o: compression_type: invalid value '%s' (zlib, zstd)", val);
	cr->sp.compression_type = val;
}

/* The keys only qcow2 has; false if key is not one of them. */
static bool parse_qcow2_key(struct ic_fmtopts *cr, const char *key, const char *val)
{
	if (strcmp(key, "compat") == 0) {
		cr->o.version = ic_parse_compat(val);
		cr->sp.compat = val;
	} else if (strcmp(key, "cluster_size") == 0) {
		uint64_t v = vu_parse_size_or_die(val, VU_SIZE_QEMU, 1, "cluster_size", IC_EXIT_USAGE);

		cr->o.cluster_size = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	} else if (strcmp(key, "lazy_refcounts") == 0) {
		cr->o.lazy_refcounts = ic_parse_bool(key, val);
		cr->sp.lazy_refcounts = val;
	} else if (strcmp(key, "extended_l2") == 0) {
		cr->o.extended_l2 = ic_parse_bool(key, val);
		cr->sp.extended_l2 = val;
	} else if (strcmp(key, "refcount_bits") == 0) {
		cr->o.refcount_bits = ic_parse_number(key, val);
	} else if (strcmp(key, "compression_type") == 0) {
		parse_compression(cr, val);
	} else if (strcmp(key, "backing_file") == 0) {
		cr->o.backing_file = val;
	} else if (strcmp(key, "backing_fmt") == 0) {
		cr->o.backing_fmt = val;
	} else {
		return false;
	}
	return true;
}

static bool parse_vhdx_key(struct ic_fmtopts *cr, const char *key, const char *val)
{
	if (strcmp(key, "subformat") == 0) {
		if (strcmp(val, "dynamic") != 0 && strcmp(val, "fixed") != 0)
			vu_diex(VU_EXIT_FAIL, "-o: subformat: invalid value '%s' (dynamic, fixed)", val);
		cr->o.fixed = strcmp(val, "fixed") == 0;
		cr->sp.fixed = val;
	} else if (strcmp(key, "block_size") == 0 || strcmp(key, "log_size") == 0) {
		uint64_t n = vu_parse_size_or_die(val, VU_SIZE_QEMU, 1, key, IC_EXIT_USAGE);

		n = n > UINT32_MAX ? UINT32_MAX : n;
		if (key[0] == 'b')
			cr->o.block_size = (uint32_t)n;
		else
			cr->o.log_size = (uint32_t)n;
	} else if (strcmp(key, "block_state_zero") == 0) {
		cr->o.block_state_zero_off = !ic_parse_bool(key, val);
		cr->sp.block_state_zero = val;
	} else {
		return false;
	}
	return true;
}

static bool parse_qed_key(struct ic_fmtopts *cr, const char *key, const char *val)
{
	if (strcmp(key, "cluster_size") == 0 || strcmp(key, "table_size") == 0) {
		uint64_t n = vu_parse_size_or_die(val, VU_SIZE_QEMU, 1, key, IC_EXIT_USAGE);

		n = n > UINT32_MAX ? UINT32_MAX : n;
		if (key[0] == 'c')
			cr->o.cluster_size = (uint32_t)n;
		else
			cr->o.table_size = (uint32_t)(n ? n : UINT32_MAX);
	} else if (strcmp(key, "backing_file") == 0) {
		cr->o.backing_file = val;
	} else if (strcmp(key, "backing_fmt") == 0) {
		cr->o.backing_fmt = val;
	} else {
		return false;
	}
	return true;
}

/* The keys of the other formats; false if key is not one of fmt's. */
static bool parse_other_key(struct ic_fmtopts *cr, const char *key, const char *val)
{
	if (strcmp(cr->fmt, "vdi") == 0 && strcmp(key, "static") == 0) {
		cr->o.fixed = ic_parse_bool(key, val);
		cr->sp.fixed = val;
		return true;
	}
	if (strcmp(cr->fmt, "vhdx") == 0 && parse_vhdx_key(cr, key, val))
		return true;
	if (strcmp(cr->fmt, "qed") == 0 && parse_qed_key(cr, key, val))
		return true;
	if (strcmp(cr->fmt, "vpc") == 0 && strcmp(key, "subformat") == 0) {
		if (strcmp(val, "dynamic") != 0 && strcmp(val, "fixed") != 0)
			vu_diex(VU_EXIT_FAIL, "-o: subformat: invalid value '%s' (dynamic, fixed)", val);
		cr->o.fixed = strcmp(val, "fixed") == 0;
		cr->sp.fixed = val;
		return true;
	}
	if (strcmp(cr->fmt, "vpc") == 0 && strcmp(key, "force_size") == 0) {
		cr->o.force_size = ic_parse_bool(key, val);
		cr->sp.force_size = val;
		return true;
	}
	return false;
}

/* vmdk's keys; the driver checks the values (qemu's words). */
static bool parse_vmdk_key(struct ic_fmtopts *cr, const char *key, const char *val)
{
	if (strcmp(key, "subformat") == 0) {
		cr->o.subformat = val;
	} else if (strcmp(key, "adapter_type") == 0) {
		cr->o.adapter_type = val;
	} else if (strcmp(key, "hwversion") == 0) {
		cr->o.hwversion = val;
	} else if (strcmp(key, "compat6") == 0) {
		cr->o.compat6 = ic_parse_bool(key, val);
		cr->sp.compat6 = val;
	} else if (strcmp(key, "zeroed_grain") == 0) {
		cr->o.zeroed_grain = ic_parse_bool(key, val);
		cr->sp.zeroed_grain = val;
	} else if (strcmp(key, "backing_file") == 0) {
		cr->o.backing_file = val;
	} else if (strcmp(key, "backing_fmt") == 0) {
		cr->o.backing_fmt = val;
	} else {
		return false;
	}
	return true;
}

/* -o key=value[,key=value...]; later values win, as qemu-img's. */
void ic_fmtopts_parse(struct ic_fmtopts *cr, char *arg)
{
	for (char *save = NULL, *kv = strtok_r(arg, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *val = strchr(kv, '=');

		if (strcmp(kv, "help") == 0 || strcmp(kv, "?") == 0)
			print_opts_help(cr);
		/* (else: cppcheck does not know vu_diex does not return) */
		if (!val)
			vu_diex(VU_EXIT_FAIL, "-o: '%s': expected key=value", kv);
		else
			*val++ = '\0';
		if (strcmp(kv, "preallocation") == 0) {
			parse_prealloc(cr, val);
		} else if (strcmp(kv, "size") == 0) {
			cr->o.size = vu_parse_size_or_die(val, VU_SIZE_QEMU, 1, "size", IC_EXIT_USAGE);
			cr->size_given = true;
		} else if (!(cr->qcow2 && parse_qcow2_key(cr, kv, val)) &&
			   !(cr->vmdk && parse_vmdk_key(cr, kv, val)) &&
			   !(!cr->qcow2 && !cr->vmdk && parse_other_key(cr, kv, val))) {
			vu_diex(VU_EXIT_FAIL, "-o: invalid option '%s' for format '%s'", kv, cr->fmt);
		}
	}
}

