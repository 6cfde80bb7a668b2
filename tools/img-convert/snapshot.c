/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snapshot.c - "img-convert snapshot": list, create, apply and delete internal snapshots, as qemu-img snapshot */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"

#include "img-convert.h"

enum sn_action { SN_NONE, SN_LIST, SN_CREATE, SN_APPLY, SN_DELETE };

struct sn_args {
	const char *fmt, *file, *name;
	enum sn_action action;
	bool force_share;
};

/* qemu-img takes one action, and says so even when the same is repeated. */
static void set_action(struct sn_args *a, enum sn_action action, const char *name)
{
	if (a->action != SN_NONE)
		vu_die_usage(IC_EXIT_USAGE, "Cannot mix '-l', '-a', '-c', '-d'");
	a->action = action;
	a->name = name;
}

static void parse_args(struct sn_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "force-share", no_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "la:c:d:f:hqU", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': set_action(a, SN_LIST, NULL); break;
		case 'a': set_action(a, SN_APPLY, optarg); break;
		case 'c': set_action(a, SN_CREATE, optarg); break;
		case 'd': set_action(a, SN_DELETE, optarg); break;
		case 'f': a->fmt = optarg; break;
		case 'q': break;	/* qemu-img prints nothing but the list anyway */
		case 'U': a->force_share = true; break;
		case 'h': ic_cmd_usage("snapshot");
		default: ic_bad_option();
		}
	}
	a->file = ic_one_file(argc, argv, "Expecting one image file name");
}

static void list(struct vu_image *img)
{
	struct vu_info info = { 0 };

	if (vu_image_info(img, &info) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: cannot read the snapshot table", vu_image_filename(img));
	if (info.nsnapshots)
		ic_print_snapshots(info.snapshots, info.nsnapshots);
	vu_info_free(&info);
}

/* qemu-img's words: the errno for what qemu also refuses, our reason
 * for the rest. */
static int create(struct vu_image *img, const char *name)
{
	struct vu_err e = { 0 };
	int r = vu_image_snapshot_create(img, name, &e);

	if (r < 0 && e.msg[0])
		vu_warnx("Could not create snapshot '%s': %s", name, e.msg);
	else if (r < 0)
		vu_warnx("Could not create snapshot '%s': %d (%s)", name, r, strerror(-r));
	return r < 0 ? VU_EXIT_FAIL : VU_EXIT_OK;
}

static int apply(struct vu_image *img, const char *name)
{
	struct vu_err e = { 0 };
	int r = vu_image_snapshot_apply(img, name, &e);

	if (r == -ENOENT)
		vu_warnx("Could not apply snapshot '%s': Failed to load snapshot: %s", name,
			 strerror(ENOENT));
	else if (r < 0)
		vu_warnx("Could not apply snapshot '%s': %s", name, vu_err_str(&e));
	return r < 0 ? VU_EXIT_FAIL : VU_EXIT_OK;
}

/* qemu-img deletes by name only: the name is turned into the ID the
 * library looks up first, so that a name that looks like another
 * snapshot's ID still means the snapshot of that name. */
static int delete(struct vu_image *img, const char *name)
{
	struct vu_info info = { 0 };
	struct vu_err e = { 0 };
	const char *id = NULL;
	int r = vu_image_info(img, &info);

	for (int i = 0; r == 0 && i < info.nsnapshots && !id; i++)
		if (strcmp(info.snapshots[i].name, name) == 0)
			id = info.snapshots[i].id;
	if (r < 0 || !id)
		vu_warnx("Could not delete snapshot '%s': snapshot not found", name);
	else if ((r = vu_image_snapshot_delete(img, id, &e)) < 0)
		vu_warnx("Could not delete snapshot '%s': %s", name,
			 r == -ENOENT ? "snapshot not found" : vu_err_str(&e));
	vu_info_free(&info);
	return r < 0 || !id ? VU_EXIT_FAIL : VU_EXIT_OK;
}

int ic_cmd_snapshot(void *ctx, int argc, char **argv)
{
	struct sn_args a = { 0 };
	struct vu_image *img;
	int rc = VU_EXIT_OK;

	(void)ctx;
	parse_args(&a, argc, argv);
	/* As qemu-img: no backing chain, and writable unless listing. */
	if (a.force_share && a.action != SN_LIST)
		vu_diex(VU_EXIT_FAIL, "%s: force-share=on can only be used with read-only images",
			a.file);
	img = ic_open_or_die(a.file, a.fmt, VU_OPEN_NO_BACKING |
			     (a.action == SN_LIST ? 0 : VU_OPEN_RDWR));
	switch (a.action) {
	case SN_NONE: break;
	case SN_LIST: list(img); break;
	case SN_CREATE: rc = create(img, a.name); break;
	case SN_APPLY: rc = apply(img, a.name); break;
	case SN_DELETE: rc = delete(img, a.name); break;
	}
	vu_image_close(&img);
	return rc;
}
