/* SPDX-License-Identifier: GPL-2.0-or-later */
/* info.c - "img-convert info": what an image is, as qemu-img info prints it */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/size.h"

#include "img-convert.h"

struct image_facts {
	struct vu_image *img;
	struct vu_info info;
	int64_t actual;
};

static void facts_get(struct image_facts *f, struct vu_image *img)
{
	f->img = img;
	if (vu_image_info(img, &f->info) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: cannot read image information", vu_image_filename(img));
	f->actual = vu_image_actual_size(img);
}

static void print_kv_human(const struct vu_kv *kv)
{
	char label[64];

	snprintf(label, sizeof(label), "%s", kv->key);
	for (char *p = label; *p; p++)
		if (*p == '-')
			*p = ' ';
	switch (kv->type) {
	case VU_KV_BITMAPS:
	case VU_KV_EXTENTS:
		break;	/* printed by the caller, which has the list */
	case VU_KV_STR:
		printf("    %s: %s\n", label, kv->str);
		break;
	case VU_KV_BOOL:
		printf("    %s: %s\n", label, kv->b ? "true" : "false");
		break;
	case VU_KV_INT:
		printf("    %s: %lld\n", label, (long long)kv->i);
		break;
	}
}

static void print_bitmaps_human(const struct vu_info *info)
{
	puts("    bitmaps:");
	for (int i = 0; i < info->nbitmaps; i++) {
		const struct vu_bitmap *b = &info->bitmaps[i];
		int k = 0;

		printf("        [%d]:\n            flags:\n", i);
		if (b->in_use)
			printf("                [%d]: in-use\n", k++);
		if (b->autoload)
			printf("                [%d]: auto\n", k++);
		printf("            name: %s\n", b->name);
		printf("            granularity: %llu\n", (unsigned long long)b->granularity);
	}
}

/* qemu-img's order; "format: " keeps its space when the format is "". */
static void print_extents_human(const struct vu_info *info)
{
	puts("    extents:");
	for (int i = 0; i < info->nextents; i++) {
		const struct vu_extent_info *x = &info->extents[i];

		printf("        [%d]:\n", i);
		if (x->compressed)
			puts("            compressed: true");
		printf("            virtual size: %llu\n", (unsigned long long)x->virtual_size);
		printf("            filename: %s\n", x->filename);
		if (x->cluster_size)
			printf("            cluster size: %llu\n",
			       (unsigned long long)x->cluster_size);
		printf("            format: %s\n", x->format);
	}
}

static void print_human(const struct image_facts *f)
{
	const struct vu_image *img = f->img;
	const char *bfile = vu_image_backing_file(img), *bpath = vu_image_backing_path(img);
	uint64_t size = vu_image_size(img);
	char buf[32];

	printf("image: %s\n", vu_image_filename(img));
	printf("file format: %s\n", vu_image_format_name(img));
	printf("virtual size: %s (%llu bytes)\n", vu_size_human(size, buf, sizeof(buf)),
	       (unsigned long long)size);
	printf("disk size: %s\n", f->actual < 0 ? "unavailable" :
	       vu_size_human((uint64_t)f->actual, buf, sizeof(buf)));
	if (f->info.cluster_size)
		printf("cluster_size: %llu\n", (unsigned long long)f->info.cluster_size);
	if (f->info.dirty)
		puts("cleanly shut down: no");
	if (bfile) {
		printf("backing file: %s", bfile);
		if (bpath && strcmp(bpath, bfile))
			printf(" (actual path: %s)", bpath);
		putchar('\n');
	}
	if (vu_image_backing_fmt(img))
		printf("backing file format: %s\n", vu_image_backing_fmt(img));
	if (f->info.nsnapshots)
		ic_print_snapshots(f->info.snapshots, f->info.nsnapshots);
	if (f->info.nkv) {
		puts("Format specific information:");
		for (int i = 0; i < f->info.nkv; i++) {
			if (f->info.kv[i].type == VU_KV_BITMAPS)
				print_bitmaps_human(&f->info);
			else if (f->info.kv[i].type == VU_KV_EXTENTS)
				print_extents_human(&f->info);
			else
				print_kv_human(&f->info.kv[i]);
		}
	}
}

static json_object *bitmaps_json(const struct vu_info *info)
{
	json_object *arr = json_object_new_array();

	for (int i = 0; i < info->nbitmaps; i++) {
		const struct vu_bitmap *b = &info->bitmaps[i];
		json_object *o = json_object_new_object(), *flags = json_object_new_array();

		if (b->in_use)
			json_object_array_add(flags, json_object_new_string("in-use"));
		if (b->autoload)
			json_object_array_add(flags, json_object_new_string("auto"));
		json_object_object_add(o, "flags", flags);
		json_object_object_add(o, "name", json_object_new_string(b->name));
		json_object_object_add(o, "granularity",
				       json_object_new_int64((int64_t)b->granularity));
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *extents_json(const struct vu_info *info)
{
	json_object *arr = json_object_new_array();

	for (int i = 0; i < info->nextents; i++) {
		const struct vu_extent_info *x = &info->extents[i];
		json_object *o = json_object_new_object();

		if (x->compressed)
			json_object_object_add(o, "compressed", json_object_new_boolean(true));
		json_object_object_add(o, "virtual-size",
				       json_object_new_int64((int64_t)x->virtual_size));
		json_object_object_add(o, "filename", json_object_new_string(x->filename));
		if (x->cluster_size)
			json_object_object_add(o, "cluster-size",
					       json_object_new_int64((int64_t)x->cluster_size));
		json_object_object_add(o, "format", json_object_new_string(x->format));
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *snapshots_json(const struct vu_info *info)
{
	json_object *arr = json_object_new_array();

	for (int i = 0; i < info->nsnapshots; i++) {
		const struct vu_snapshot *sn = &info->snapshots[i];
		json_object *o = json_object_new_object();

		if (sn->icount >= 0)
			json_object_object_add(o, "icount", json_object_new_int64(sn->icount));
		json_object_object_add(o, "vm-clock-nsec", json_object_new_int64(
			(int64_t)(sn->vm_clock_nsec % 1000000000ull)));
		json_object_object_add(o, "name", json_object_new_string(sn->name));
		json_object_object_add(o, "date-sec", json_object_new_int64(sn->date_sec));
		json_object_object_add(o, "date-nsec", json_object_new_int64(sn->date_nsec));
		json_object_object_add(o, "vm-clock-sec", json_object_new_int64(
			(int64_t)(sn->vm_clock_nsec / 1000000000ull)));
		json_object_object_add(o, "id", json_object_new_string(sn->id));
		json_object_object_add(o, "vm-state-size",
				       json_object_new_int64((int64_t)sn->vm_state_size));
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *kv_json(const struct vu_info *info, const struct vu_kv *kv)
{
	switch (kv->type) {
	case VU_KV_BITMAPS:
		return bitmaps_json(info);
	case VU_KV_EXTENTS:
		return extents_json(info);
	case VU_KV_STR:
		return json_object_new_string(kv->str);
	case VU_KV_BOOL:
		return json_object_new_boolean(kv->b);
	case VU_KV_INT:
		return json_object_new_int64(kv->i);
	}
	return NULL;
}

static json_object *format_specific(const struct image_facts *f)
{
	json_object *fs = json_object_new_object();
	json_object *data = json_object_new_object();

	for (int i = 0; i < f->info.nkv; i++)
		json_object_object_add(data, f->info.kv[i].key,
				       kv_json(&f->info, &f->info.kv[i]));
	json_object_object_add(fs, "type",
			       json_object_new_string(vu_image_format_name(f->img)));
	json_object_object_add(fs, "data", data);
	return fs;
}

/* Keys in qemu-img 7.2's order, so diffs against its output stay small. */
static json_object *facts_json(const struct image_facts *f)
{
	const struct vu_image *img = f->img;
	const char *bfile = vu_image_backing_file(img), *bpath = vu_image_backing_path(img);
	json_object *o = json_object_new_object();

	if (f->info.nsnapshots)
		json_object_object_add(o, "snapshots", snapshots_json(&f->info));
	if (vu_image_backing_fmt(img))
		json_object_object_add(o, "backing-filename-format",
				       json_object_new_string(vu_image_backing_fmt(img)));
	json_object_object_add(o, "virtual-size",
			       json_object_new_int64((int64_t)vu_image_size(img)));
	json_object_object_add(o, "filename", json_object_new_string(vu_image_filename(img)));
	if (f->info.cluster_size)
		json_object_object_add(o, "cluster-size",
				       json_object_new_int64((int64_t)f->info.cluster_size));
	json_object_object_add(o, "format", json_object_new_string(vu_image_format_name(img)));
	if (f->actual >= 0)
		json_object_object_add(o, "actual-size", json_object_new_int64(f->actual));
	if (f->info.nkv)
		json_object_object_add(o, "format-specific", format_specific(f));
	if (bfile) {
		json_object_object_add(o, "full-backing-filename",
				       json_object_new_string(bpath ? bpath : bfile));
		json_object_object_add(o, "backing-filename", json_object_new_string(bfile));
	}
	json_object_object_add(o, "dirty-flag", json_object_new_boolean(f->info.dirty));
	return o;
}

static void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					       JSON_C_TO_STRING_SPACED |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int ic_cmd_info(void *ctx, int argc, char **argv)
{
	enum { OPT_OUTPUT = 256, OPT_CHAIN };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "backing-chain", no_argument, NULL, OPT_CHAIN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *fmt = NULL;
	enum ic_output out = IC_OUT_HUMAN;
	bool chain = false;
	struct vu_image *img;
	int c;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': fmt = optarg; break;
		case OPT_CHAIN: chain = true; break;
		case OPT_OUTPUT: out = ic_output_arg(optarg); break;
		case 'h': ic_cmd_usage("info");
		default: ic_bad_option();
		}
	}
	img = ic_open_or_die(ic_one_file(argc, argv, "expecting one image file name"), fmt, chain ? 0 : VU_OPEN_NO_BACKING);
	/* Without --backing-chain the backing file is named, not opened,
	 * as qemu-img does; the full path is still worked out for display. */
	json_object *arr = json_object_new_array();
	for (struct vu_image *l = img; l; l = chain ? vu_image_backing(l) : NULL) {
		struct image_facts f;

		facts_get(&f, l);
		if (out == IC_OUT_JSON) {
			json_object_array_add(arr, facts_json(&f));
		} else {
			if (l != img)
				putchar('\n');
			print_human(&f);
		}
		vu_info_free(&f.info);
	}
	if (out == IC_OUT_JSON)
		print_json(chain ? json_object_get(arr) : json_object_get(
			json_object_array_get_idx(arr, 0)));
	json_object_put(arr);
	vu_image_close(&img);
	return VU_EXIT_OK;
}
