/* SPDX-License-Identifier: GPL-2.0-or-later */
/* location.h - --location install trees and --initrd-inject */
#ifndef VM_CREATE_LOCATION_H
#define VM_CREATE_LOCATION_H

#include <stddef.h>

#include "vu/err.h"

struct install_media {
	char *kernel;		/* absolute path of the copy in destdir */
	char *initrd;		/* absolute path of the copy in destdir */
	char *distro;		/* "fedora", "rhel", "debian", "ubuntu", "suse",
				 * or NULL: from .treeinfo or the layout found */
	char *extra_args;	/* kernel arguments the tree needs (e.g.
				 * "inst.repo=URL" / "install=URL" for remote
				 * trees, as virt-install adds them), or NULL */
};

/*
 * Finds the kernel and initrd of the install tree at location - a local
 * directory, an ISO file (read with libarchive, never mounted), or an
 * http://, https:// or ftp:// URL (libcurl) - trying .treeinfo first, then
 * the known layouts (images/pxeboot/, install.amd/, install/,
 * boot/x86_64/loader/, ...), and copies both into destdir (created mode
 * 0755 if missing, e.g. ROOT/boot/NAME), under temporary names renamed
 * when complete. On failure nothing it created is left.
 * Errors: -ENOENT "no kernel found in install tree X" (and the layouts
 * tried), -EIO with curl's or libarchive's reason, -EINVAL bad URL.
 */
int location_fetch(const char *location, const char *destdir,
		   struct install_media *out, struct vu_err *e);
/* The names of the copies in destdir, whatever the tree calls them. */
#define LOCATION_KERNEL_NAME "vmlinuz"
#define LOCATION_INITRD_NAME "initrd.img"

/*
 * location_fetch without the copies, for --dry-run: finds the kernel and
 * initrd the same way (and fails the same way), and fills distro and
 * extra_args; kernel and initrd stay NULL.
 */
int location_probe(const char *location, struct install_media *out, struct vu_err *e);

/* Removes the copies (and destdir when it becomes empty). */
void location_remove(const struct install_media *m);
void install_media_clear(struct install_media *m);

/*
 * What location names, without reading it: LOCATION_URL for http://,
 * https:// and ftp://, LOCATION_DIR for a directory (also file://PATH),
 * LOCATION_ISO for any other file (or block device); -EINVAL for another
 * URL scheme, -ENOENT when the path does not exist. For an ISO,
 * virt-install also attaches it as the install phase's CD-ROM so the
 * installer finds its packages there; location_fetch passes no extra
 * arguments for local trees, so the caller should do the same.
 */
enum location_kind { LOCATION_DIR = 1, LOCATION_ISO, LOCATION_URL };
int location_kind(const char *location, struct vu_err *e);

/* A .treeinfo family to a distro, as urldetect.py's regular expressions;
 * NULL for a family it does not know. */
const char *loc_family_distro(const char *family);
/*
 * The kernel argument for a remote tree, as libosinfo's kernel-url-argument
 * gives it to virt-install: Red Hat's installers before Fedora 19 and
 * RHEL 7 take method=, later ones inst.repo=; SUSE's install=; Debian's and
 * Ubuntu's none (they ask for a mirror): NULL.
 */
const char *loc_url_arg(const char *distro, const char *version);

/*
 * --initrd-inject: appends one newc cpio archive (written with libarchive)
 * holding each file at the archive root under its base name, mode 0644,
 * owner 0:0, to the initrd in place, as virt-install does; the kernel
 * unpacks concatenated archives in order, so the files land in /.
 * Errors name the file: -ENOENT "FILE: no such file", ...
 */
int initrd_inject(const char *initrd, const char *const *files, size_t n,
		  struct vu_err *e);

#endif
