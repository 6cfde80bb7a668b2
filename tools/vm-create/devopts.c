/* SPDX-License-Identifier: GPL-2.0-or-later */
/* devopts.c - vm-create's device options: the option table, the helpers the
 * handlers share, and the defaults added for the kinds nobody named */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"

#include "devopts_priv.h"

/* virt-install's --hostdev spelling is found too, as it accepts both. */
static const struct devopt devopts[] = {
	{ "graphics", devopt_graphics_keys, devopt_graphics, DEVOPT_GRAPHICS, 0, false },
	{ "video", devopt_video_keys, devopt_video, 0, DEVOPT_VIDEO_NONE, false },
	{ "console", devopt_chardev_keys, devopt_console, DEVOPT_CONSOLE, 0, false },
	{ "serial", devopt_chardev_keys, devopt_serial, DEVOPT_CONSOLE, 0, false },
	{ "channel", devopt_chardev_keys, devopt_channel, 0, DEVOPT_CHANNEL_NONE, false },
	{ "rng", devopt_rng_keys, devopt_rng, DEVOPT_RNG, 0, false },
	{ "controller", devopt_controller_keys, devopt_controller, 0, 0, false },
	{ "input", devopt_input_keys, devopt_input, DEVOPT_INPUT, 0, false },
	{ "sound", devopt_sound_keys, devopt_sound, 0, 0, false },
	{ "watchdog", devopt_watchdog_keys, devopt_watchdog, 0, 0, false },
	{ "memballoon", devopt_memballoon_keys, devopt_memballoon, DEVOPT_MEMBALLOON, 0, true },
	{ "host-device", devopt_hostdev_keys, devopt_hostdev, 0, 0, false },
	{ "hostdev", devopt_hostdev_keys, devopt_hostdev, 0, 0, false },
	{ "filesystem", devopt_filesystem_keys, devopt_filesystem, 0, 0, false },
};

const struct devopt *devopt_find(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(devopts); i++)
		if (strcmp(devopts[i].name, name) == 0)
			return &devopts[i];
	return NULL;
}

/* Is the argument exactly "none"? With other items beside it: -EINVAL. */
static int devopt_is_none(const struct vu_subopts *s, struct vu_err *e)
{
	const char *first = vu_subopt_positional(s, 0);

	if (!first || strcmp(first, "none") != 0)
		return 0;
	if (s->n > 1)
		return vu_err_set(e, EINVAL, "'none' takes no other options");
	return 1;
}

int devopt_apply(struct vu_domain *dom, const struct devopt *opt, const char *arg,
		 struct devopt_ctx *ctx, struct vu_err *e)
{
	struct vu_subopts s;
	unsigned given;
	int r;

	if (!dom || !opt || !arg || !ctx || !ctx->os)
		return vu_err_set(e, EINVAL, NULL);
	r = vu_subopt_parse(arg, opt->keys, true, &s, e);
	if (r == -ENOMEM)
		return vu_err_set(e, ENOMEM, NULL);
	if (r < 0)
		return r;
	/* "none" adds nothing and only says which defaults are not wanted;
	 * a failed option changes nothing: not the document, not the kinds. */
	given = ctx->given;
	r = opt->none_is_model ? 0 : devopt_is_none(&s, e);
	if (r > 0)
		ctx->given |= opt->given | opt->none;
	else if (r == 0 && (r = opt->apply(dom, &s, ctx, e)) == 0)
		ctx->given |= opt->given;
	if (r < 0)
		ctx->given = given;
	r = r < 0 ? r : 0;
	vu_subopt_free(&s);
	return r;
}

/* ---- helpers for the handlers ---- */

int devopt_bad(struct vu_err *e, const char *key, const char *val)
{
	return vu_err_set(e, EINVAL, "bad value '%s' for '%s'", val, key);
}

int devopt_check(const char *val, const char *key, const char *const *words,
		 struct vu_err *e)
{
	return vu_word_in(val, words) ? 0 : devopt_bad(e, key, val ? val : "");
}

const char *devopt_get2(const struct vu_subopts *s, const char *key, const char *alias)
{
	const char *v = vu_subopt_get(s, key);

	return v || !alias ? v : vu_subopt_get(s, alias);
}

const char *devopt_first(const struct vu_subopts *s, const char *key)
{
	const char *v = key ? vu_subopt_get(s, key) : NULL;

	return v ? v : vu_subopt_positional(s, 0);
}

int devopt_max_positional(const struct vu_subopts *s, size_t max, struct vu_err *e)
{
	if (vu_subopt_npositional(s) <= max)
		return 0;
	return vu_err_set(e, EINVAL, "unknown option '%s'", vu_subopt_positional(s, max));
}

int devopt_uint(const struct vu_subopts *s, const char *key, const char *alias,
		uint64_t min, uint64_t max, uint64_t *out, struct vu_err *e)
{
	const char *v = devopt_get2(s, key, alias);
	uint64_t n;

	if (!v)
		return 0;
	if (vu_subopt_uint(v, max, &n) < 0 || n < min)
		return devopt_bad(e, vu_subopt_get(s, key) ? key : alias, v);
	*out = n;
	return 0;
}

int devopt_model_err(int r, struct vu_err *e, const char *msg)
{
	if (r == -ENOMEM)
		return vu_err_set(e, ENOMEM, NULL);
	return vu_err_set(e, r < 0 ? -r : EINVAL, "%s", msg);
}

bool devopt_is_x86(const char *arch)
{
	static const char *const x86[] = { "x86_64", "i686", "i586", "i486", "i386", NULL };

	return !arch || vu_word_in(arch, x86);
}

/* ---- defaults ---- */

static bool has_dev(const struct vu_domain *dom, const char *elem)
{
	return vu_domain_dev_next(dom, elem, NULL) != NULL;
}

/* Does a device of kind elem have attr='value'? */
static bool has_dev_with(const struct vu_domain *dom, const char *elem, const char *attr,
			 const char *value)
{
	bool found = false;

	for (xmlNodePtr d = vu_domain_dev_next(dom, elem, NULL); d && !found;
	     d = vu_domain_dev_next(dom, elem, d)) {
		char *v = NULL;

		found = vu_node_get(d, NULL, attr, &v) == 0 && strcmp(v, value) == 0;
		free(v);
	}
	return found;
}

/* VNC on the loopback address with a port chosen at start: reachable from
 * the host only, and a second domain never fights over the port. */
static int default_graphics(struct vu_domain *dom, const struct devopt_ctx *ctx)
{
	static const struct vu_graphics_spec vnc = { "vnc", "127.0.0.1", -1, NULL };

	if ((ctx->given & DEVOPT_GRAPHICS) || has_dev(dom, "graphics"))
		return 0;
	return vu_domain_add_graphics(dom, &vnc, NULL);
}

/*
 * A display needs a video card; libvirt would add one of its own choosing,
 * so the OS's model is written instead. --video none beside graphics is
 * written as model 'none', libvirt's way to say "no card at all".
 */
static int default_video(struct vu_domain *dom, const struct devopt_ctx *ctx)
{
	bool gfx = has_dev(dom, "graphics");

	if (has_dev(dom, "video"))
		return 0;
	if (ctx->given & DEVOPT_VIDEO_DEFAULT)
		return vu_domain_add_video(dom, devopt_default_video(dom, ctx), 0, 0, NULL);
	if (ctx->given & DEVOPT_VIDEO_NONE)
		return gfx ? vu_domain_add_video(dom, "none", 0, 0, NULL) : 0;
	if (!gfx || (ctx->given & DEVOPT_VIDEO))
		return 0;
	return vu_domain_add_video(dom, devopt_default_video(dom, ctx), 0, 0, NULL);
}

/* SPICE's agent channel (clipboard, resolution), as virt-install adds it. */
static int default_spice_channel(struct vu_domain *dom, const struct devopt_ctx *ctx)
{
	static const struct vu_chardev_spec vmc = {
		"channel", "spicevmc", NULL, NULL, "virtio", "com.redhat.spice.0", -1
	};

	if ((ctx->given & DEVOPT_CHANNEL_NONE) || !has_dev_with(dom, "graphics", "type", "spice") ||
	    has_dev_with(dom, "channel", "type", "spicevmc"))
		return 0;
	return vu_domain_add_chardev(dom, &vmc, NULL);
}

/* An absolute pointer keeps the mouse in step with the viewer's; skipped
 * when USB is switched off (controller model 'none'). */
static int default_tablet(struct vu_domain *dom, const struct devopt_ctx *ctx)
{
	if ((ctx->given & DEVOPT_INPUT) || !ctx->os->usb_tablet || !has_dev(dom, "graphics") ||
	    has_dev(dom, "input"))
		return 0;
	for (xmlNodePtr c = vu_domain_dev_next(dom, "controller", NULL); c;
	     c = vu_domain_dev_next(dom, "controller", c)) {
		char *type = NULL, *model = NULL;
		bool off = vu_node_get(c, NULL, "type", &type) == 0 &&
			   strcmp(type, "usb") == 0 &&
			   vu_node_get(c, NULL, "model", &model) == 0 &&
			   strcmp(model, "none") == 0;

		free(type);
		free(model);
		if (off)
			return 0;
	}
	return vu_domain_add_input(dom, "tablet", "usb", NULL);
}

/*
 * A pty serial port with the console on it, written as libvirt writes the
 * pair, so `vm-ctl console` and a kernel's console=ttyS0 work without
 * options. s390x has no serial port: its console is SCLP.
 */
static int default_console(struct vu_domain *dom, const struct devopt_ctx *ctx)
{
	struct vu_chardev_spec serial = { "serial", "pty", NULL, NULL, NULL, NULL, 0 };
	struct vu_chardev_spec console = { "console", "pty", NULL, NULL, "serial", NULL, 0 };
	int r;

	if ((ctx->given & DEVOPT_CONSOLE) || has_dev(dom, "serial") || has_dev(dom, "console"))
		return 0;
	if (ctx->arch && strcmp(ctx->arch, "s390x") == 0) {
		console.target_type = "sclp";
		return vu_domain_add_chardev(dom, &console, NULL);
	}
	r = vu_domain_add_chardev(dom, &serial, NULL);
	return r < 0 ? r : vu_domain_add_chardev(dom, &console, NULL);
}

static int default_memballoon(struct vu_domain *dom, const struct devopt_ctx *ctx)
{
	if ((ctx->given & DEVOPT_MEMBALLOON) || !ctx->os->virtio_balloon ||
	    has_dev(dom, "memballoon"))
		return 0;
	return vu_domain_set_memballoon(dom, "virtio", NULL);
}

static int default_rng(struct vu_domain *dom, const struct devopt_ctx *ctx)
{
	if ((ctx->given & DEVOPT_RNG) || !ctx->os->virtio_rng || has_dev(dom, "rng"))
		return 0;
	return vu_domain_add_rng(dom, "/dev/urandom", NULL);
}

int devopt_defaults(struct vu_domain *dom, struct devopt_ctx *ctx, struct vu_err *e)
{
	/* Graphics first: video, the SPICE channel and the tablet follow it. */
	static int (*const steps[])(struct vu_domain *, const struct devopt_ctx *) = {
		default_graphics, default_video, default_spice_channel, default_tablet,
		default_console, default_memballoon, default_rng,
	};

	if (!dom || !ctx || !ctx->os)
		return vu_err_set(e, EINVAL, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		int r = steps[i](dom, ctx);

		if (r < 0)
			return vu_err_set(e, -r, "cannot add the default devices");
	}
	return 0;
}
