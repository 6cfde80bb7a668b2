/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ova.c - "img-convert ova": an OVA's virtual machine imported, its manifest
 * verified, each disk converted into a pool volume and the OVF's virtual
 * hardware printed as a domain XML (for vm-create --xml or virsh define) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/copy.h"
#include "vu/diag.h"
#include "vu/domainxml.h"
#include "vu/file.h"
#include "vu/ova.h"
#include "vu/ovfxml.h"
#include "vu/storage.h"
#include "vu/xml.h"

#include "img-convert.h"

struct ova_opts {
	const char *file, *pool, *name, *network, *root, *fmt;
	bool progress, quiet;
};

struct import {
	struct ova_opts o;
	struct vu_ova ova;
	struct vu_ovf ovf;
	struct vu_storage st;
	struct vu_pool *pool;
	struct vu_vol **vols;	/* made so far, deleted if anything fails */
	size_t nvols;
};

static void parse_args(struct ova_opts *o, int argc, char **argv)
{
	enum { OPT_POOL = 256, OPT_NAME, OPT_NETWORK, OPT_ROOT };
	static const struct option longopts[] = {
		{ "pool", required_argument, NULL, OPT_POOL },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "O:pqh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_POOL: o->pool = optarg; break;
		case OPT_NAME: o->name = optarg; break;
		case OPT_NETWORK: o->network = optarg; break;
		case OPT_ROOT: o->root = optarg; break;
		case 'O': o->fmt = optarg; break;
		case 'p': o->progress = true; break;
		case 'q': o->quiet = true; break;
		case 'h': ic_cmd_usage("ova");
		default: ic_bad_option();
		}
	}
	o->file = ic_one_file(argc, argv, "expecting one OVA file name");
	if (strcmp(o->fmt, "qcow2") != 0 && strcmp(o->fmt, "raw") != 0)
		vu_die_usage(IC_EXIT_USAGE, "-O: volumes are qcow2 or raw, not '%s'", o->fmt);
}

/* The package: archive, manifest, descriptor, the domain's name. */
static int load_package(struct import *im, struct vu_err *e)
{
	const struct vu_ova_member *ovf;
	char *text;
	int checked, r;

	if ((r = vu_ova_open(&im->ova, im->o.file, e)) < 0)
		return r;
	if (!(ovf = vu_ova_find_suffix(&im->ova, ".ovf")))
		return vu_err_set(e, EINVAL, "no .ovf descriptor in the archive");
	if ((r = vu_ova_verify(&im->ova, &checked, e)) < 0)
		return r;
	if (!checked)
		vu_warnx("%s: no manifest: the files are not verified", im->o.file);
	if ((r = vu_ova_read_text(&im->ova, ovf, &text, e)) < 0)
		return r;
	r = vu_ovf_parse(&im->ovf, text, strlen(text), e);
	free(text);
	if (r < 0)
		return r;
	if (!im->o.name)
		im->o.name = im->ovf.name;
	if (!im->o.name || vu_name_check(im->o.name) < 0)
		return vu_err_set(e, EINVAL, "invalid domain name '%s' (give --name)",
				  im->o.name ? im->o.name : "");
	return 0;
}

/* One disk of the package copied into a new volume of the pool. */
static int import_disk(struct import *im, size_t i, struct vu_err *e)
{
	const struct vu_ova_member *m = vu_ova_find(&im->ova, im->ovf.disks[i].href);
	struct vu_image *src = NULL, *dst = NULL;
	char vname[300];
	struct vu_volspec spec = { .name = vname, .format = (char *)im->o.fmt, .mode = -1,
				   .owner = -1, .group = -1, .has_capacity = true };
	struct vu_copy_opts co = { .min_sparse = VU_COPY_MIN_SPARSE };
	struct vu_progress p;
	struct vu_sink sink;
	struct vu_vol *v = NULL;
	int r;

	if (!m)
		return vu_err_set(e, ENOENT, "the OVF names disk '%s', which the archive lacks",
				  VU_SHOWN(im->ovf.disks[i].href));
	if ((r = vu_ova_open_disk(&im->ova, m, &src, e)) < 0)
		return r;
	snprintf(vname, sizeof(vname), "%s-disk%zu.%s", im->o.name, i + 1,
		 strcmp(im->o.fmt, "raw") == 0 ? "img" : im->o.fmt);
	spec.capacity = vu_image_size(src);
	r = vu_vol_create(&im->st, im->pool, &spec, 0, &v, e);
	if (r == 0) {
		im->vols[im->nvols++] = v;
		r = vu_image_open(&dst, v->path, im->o.fmt, VU_OPEN_RDWR | VU_OPEN_NO_BACKING, e);
	}
	if (r == 0 && (r = vu_sink_image_init(&sink, dst, vu_image_size(src), true, true)) < 0)
		vu_err_set(e, -r, "%s: cannot write", v->path);
	if (r == 0) {
		vu_progress_init(&p, vu_image_size(src), im->o.progress, im->o.quiet);
		co.progress = &p;
		r = vu_copy(&src, 1, &sink, &co, e);
		vu_progress_end(&p);
	}
	vu_image_close(&dst);
	vu_image_close(&src);
	return r;
}

static int add_devices(struct import *im, struct vu_domain *dom, struct vu_err *e)
{
	for (size_t i = 0; i < im->nvols; i++) {
		struct vu_disk_spec d = { .type = "file", .device = "disk",
					  .driver_type = im->o.fmt, .source = im->vols[i]->path,
					  .target_bus = im->ovf.disks[i].bus,
					  .boot_order = i == 0 ? 1 : 0 };

		if (vu_domain_add_disk(dom, &d, NULL) < 0)
			return vu_err_set(e, EINVAL, "disk %zu: cannot be added", i + 1);
	}
	for (size_t i = 0; i < im->ovf.nnics; i++) {
		struct vu_iface_spec n = { .type = "network", .source = im->o.network,
					   .model = im->ovf.nics[i].model,
					   .mac = im->ovf.nics[i].mac[0] ? im->ovf.nics[i].mac : NULL };

		if (vu_domain_add_iface(dom, &n, NULL) < 0)
			return vu_err_set(e, EINVAL, "network adapter %zu: cannot be added", i + 1);
	}
	return 0;
}

/* The OVF's hardware as a domain: CPUs, memory, disks, adapters. */
static int make_domain(struct import *im, struct vu_domain **dom, struct vu_err *e)
{
	int r = vu_domain_new(dom, "kvm");

	if (r == 0)
		r = vu_domain_set_name(*dom, im->o.name);
	if (r == 0)
		r = vu_domain_set_memory(*dom, VU_MEMORY, im->ovf.memory >> 10);
	if (r == 0)
		r = vu_domain_set_vcpus(*dom, im->ovf.vcpus, 0);
	if (r == 0)
		r = vu_domain_set_os_type(*dom, "hvm", "x86_64", NULL);
	/* libvirt picks the firmware files for <os firmware='efi'>. */
	if (r == 0 && im->ovf.efi)
		r = vu_domain_set(*dom, "os", "firmware", "efi");
	if (r == 0 && im->ovf.os)
		r = vu_domain_set_description(*dom, im->ovf.os);
	if (r < 0)
		return vu_err_set(e, -r, "cannot make the domain: %s", strerror(-r));
	if ((r = add_devices(im, *dom, e)) < 0)
		return r;
	return vu_domain_check(*dom, e);
}

static int run_import(struct import *im, struct vu_err *e)
{
	struct vu_domain *dom = NULL;
	char *xml;
	int r;

	if ((r = load_package(im, e)) < 0)
		return r;
	if ((r = vu_storage_open(&im->st, im->o.root, e)) < 0)
		return r;
	if ((r = vu_pool_lookup(&im->st, im->o.pool, &im->pool, e)) < 0)
		return vu_err_set(e, -r, "pool '%s': %s", im->o.pool, vu_err_str(e));
	if (!(im->vols = calloc(im->ovf.ndisks + 1, sizeof(*im->vols))))
		return vu_err_set(e, ENOMEM, NULL);
	for (size_t i = 0; i < im->ovf.ndisks; i++)
		if ((r = import_disk(im, i, e)) < 0)
			return r;
	if ((r = make_domain(im, &dom, e)) == 0) {
		if (!(xml = vu_domain_format(dom)))
			r = vu_err_set(e, ENOMEM, NULL);
		else
			fputs(xml, stdout);
		free(xml);
	}
	vu_domain_free(&dom);
	return r;
}

static void cleanup(struct import *im, bool failed)
{
	for (size_t i = 0; i < im->nvols; i++) {
		struct vu_err de = { 0 };

		if (failed && vu_vol_delete(&im->st, im->vols[i], &de) < 0)
			vu_warnx("%s: %s", im->vols[i]->path, vu_err_str(&de));
		vu_vol_free(&im->vols[i]);
	}
	free(im->vols);
	vu_pool_free(&im->pool);
	if (im->st.pools_dir)
		vu_storage_close(&im->st);
	vu_ovf_free(&im->ovf);
	vu_ova_close(&im->ova);
}

int ic_cmd_ova(void *ctx, int argc, char **argv)
{
	struct import im = { .o = { .pool = "default", .network = "default", .fmt = "qcow2" } };
	struct vu_err e = { 0 };
	int r;

	(void)ctx;
	im.ova.fd = -1;
	parse_args(&im.o, argc, argv);
	r = run_import(&im, &e);
	cleanup(&im, r < 0);
	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", im.o.file, vu_err_str(&e));
	return VU_EXIT_OK;
}
