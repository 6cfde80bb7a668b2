/* SPDX-License-Identifier: GPL-2.0-or-later */
/* devopts_priv.h - what the devopts*.c files share: the kinds the user
 * named (devopt_ctx.given), value checks and the per-option handlers */
#ifndef VM_CREATE_DEVOPTS_PRIV_H
#define VM_CREATE_DEVOPTS_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "vu/strutil.h"

#include "devopts.h"

/*
 * Bits of devopt_ctx.given. A kind the user named gets no default, whatever
 * the option said ("--rng none" and "--rng /dev/random" both stop the
 * default RNG); the _NONE and _DEFAULT bits carry what devopt_defaults still
 * has to do for that kind.
 */
enum {
	DEVOPT_GRAPHICS = 1u << 0,	/* --graphics (any, none too) */
	DEVOPT_VIDEO = 1u << 1,		/* --video with a model */
	DEVOPT_VIDEO_NONE = 1u << 2,	/* --video none */
	DEVOPT_VIDEO_DEFAULT = 1u << 3,	/* --video default: the model comes last */
	DEVOPT_CONSOLE = 1u << 4,	/* --console or --serial (none too) */
	DEVOPT_CHANNEL_NONE = 1u << 5,	/* --channel none: no spicevmc channel */
	DEVOPT_INPUT = 1u << 6,		/* --input (none too): no USB tablet */
	DEVOPT_RNG = 1u << 7,		/* --rng (none too) */
	DEVOPT_MEMBALLOON = 1u << 8,	/* --memballoon (none too) */
};

/* "bad value 'V' for 'KEY'" (-EINVAL). */
int devopt_bad(struct vu_err *e, const char *key, const char *val);
/* 0 when val is one of words, else devopt_bad. */
int devopt_check(const char *val, const char *key, const char *const *words,
		 struct vu_err *e);
/* The value of key, else of its older name alias (may be NULL), else NULL. */
const char *devopt_get2(const struct vu_subopts *s, const char *key, const char *alias);
/* The value that names what to add: key=, else the first positional item. */
const char *devopt_first(const struct vu_subopts *s, const char *key);
/* -EINVAL ("unknown option 'X'") when more than max positional items. */
int devopt_max_positional(const struct vu_subopts *s, size_t max, struct vu_err *e);
/* A decimal value of key in [min, max]; 0 leaves *out alone when absent. */
int devopt_uint(const struct vu_subopts *s, const char *key, const char *alias,
		uint64_t min, uint64_t max, uint64_t *out, struct vu_err *e);
/* Maps a model error to e: -ENOMEM stays, anything else reads as msg. */
int devopt_model_err(int r, struct vu_err *e, const char *msg);
/* Is arch an x86 one (i686, x86_64, ...)? NULL counts as x86_64. */
bool devopt_is_x86(const char *arch);

/* devopts_gfx.c */
int devopt_graphics(struct vu_domain *dom, const struct vu_subopts *s,
		    struct devopt_ctx *ctx, struct vu_err *e);
int devopt_video(struct vu_domain *dom, const struct vu_subopts *s,
		 struct devopt_ctx *ctx, struct vu_err *e);
/* The video model devopt_defaults uses: the OS's, qxl beside SPICE. */
const char *devopt_default_video(const struct vu_domain *dom, const struct devopt_ctx *ctx);
extern const char *const devopt_graphics_keys[];
extern const char *const devopt_video_keys[];

/* devopts_chr.c */
int devopt_serial(struct vu_domain *dom, const struct vu_subopts *s,
		  struct devopt_ctx *ctx, struct vu_err *e);
int devopt_console(struct vu_domain *dom, const struct vu_subopts *s,
		   struct devopt_ctx *ctx, struct vu_err *e);
int devopt_channel(struct vu_domain *dom, const struct vu_subopts *s,
		   struct devopt_ctx *ctx, struct vu_err *e);
extern const char *const devopt_chardev_keys[];

/* devopts_hw.c */
int devopt_rng(struct vu_domain *dom, const struct vu_subopts *s,
	       struct devopt_ctx *ctx, struct vu_err *e);
int devopt_controller(struct vu_domain *dom, const struct vu_subopts *s,
		      struct devopt_ctx *ctx, struct vu_err *e);
int devopt_input(struct vu_domain *dom, const struct vu_subopts *s,
		 struct devopt_ctx *ctx, struct vu_err *e);
int devopt_sound(struct vu_domain *dom, const struct vu_subopts *s,
		 struct devopt_ctx *ctx, struct vu_err *e);
int devopt_watchdog(struct vu_domain *dom, const struct vu_subopts *s,
		    struct devopt_ctx *ctx, struct vu_err *e);
int devopt_memballoon(struct vu_domain *dom, const struct vu_subopts *s,
		      struct devopt_ctx *ctx, struct vu_err *e);
extern const char *const devopt_rng_keys[];
extern const char *const devopt_controller_keys[];
extern const char *const devopt_input_keys[];
extern const char *const devopt_sound_keys[];
extern const char *const devopt_watchdog_keys[];
extern const char *const devopt_memballoon_keys[];

/* devopts_host.c */
int devopt_hostdev(struct vu_domain *dom, const struct vu_subopts *s,
		   struct devopt_ctx *ctx, struct vu_err *e);
int devopt_filesystem(struct vu_domain *dom, const struct vu_subopts *s,
		      struct devopt_ctx *ctx, struct vu_err *e);
extern const char *const devopt_hostdev_keys[];
extern const char *const devopt_filesystem_keys[];

#endif
