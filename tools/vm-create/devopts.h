/* SPDX-License-Identifier: GPL-2.0-or-later */
/* devopts.h - vm-create's device options (--graphics, --video, --rng, ...) */
#ifndef VM_CREATE_DEVOPTS_H
#define VM_CREATE_DEVOPTS_H

#include <stdbool.h>

#include "vu/domainxml.h"
#include "vu/err.h"
#include "vu/subopt.h"
#include "osinfo.h"

/* What the device options need to know of the domain being built. */
struct devopt_ctx {
	const struct osinfo *os;	/* never NULL ("generic" defaults) */
	const char *arch;		/* "x86_64" */
	const char *machine;		/* "pc", "q35", ... */
	unsigned given;			/* devopts.c's own: kinds the user named */
};

struct devopt {
	const char *name;		/* "video" for --video */
	const char *const *keys;	/* sub-option keys, for --video=? */
	/* adds the device(s) for one occurrence of the option; "none" never
	 * reaches it unless none_is_model */
	int (*apply)(struct vu_domain *dom, const struct vu_subopts *s,
		     struct devopt_ctx *ctx, struct vu_err *e);
	unsigned given;			/* ctx->given bits any use sets */
	unsigned none;			/* and those "none" sets too */
	bool none_is_model;		/* "none" is written out (memballoon) */
};

/* The option named name ("graphics", "video", "console", "serial",
 * "channel", "rng", "controller", "input", "sound", "watchdog",
 * "memballoon", "host-device", "filesystem"), or NULL. */
const struct devopt *devopt_find(const char *name);
/*
 * Parses arg with opt's keys and applies it. "none" where virt-install
 * takes it (--graphics none, --memballoon none, --rng none, ...) records
 * that the default of that kind is not wanted. Errors (-EINVAL, e filled)
 * read as "unknown option 'foo'", "bad value 'x' for 'model'" ...; main
 * prints "vm-create: --OPT: MSG" and exits 2.
 */
int devopt_apply(struct vu_domain *dom, const struct devopt *opt, const char *arg,
		 struct devopt_ctx *ctx, struct vu_err *e);
/*
 * After every option: adds the defaults for kinds the user did not name
 * (ARCHITECTURE/issue: VNC graphics on 127.0.0.1 with autoport and a video
 * device for it (model from ctx->os), a USB tablet with graphics when the
 * OS drives one, a pty serial console always, a virtio memballoon and a
 * virtio RNG (/dev/urandom) where ctx->os supports them).
 */
int devopt_defaults(struct vu_domain *dom, struct devopt_ctx *ctx, struct vu_err *e);

#endif
