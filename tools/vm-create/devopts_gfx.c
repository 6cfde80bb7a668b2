/* SPDX-License-Identifier: GPL-2.0-or-later */
/* devopts_gfx.c - --graphics and --video */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devopts_priv.h"

/* password is virt-install's name, passwd libvirt's (virt-install takes both). */
const char *const devopt_graphics_keys[] = {
	"type", "port", "listen", "password", "passwd", "keymap", "websocket", NULL
};
const char *const devopt_video_keys[] = {
	"model.type", "model", "model.heads", "heads", "model.vram", "vram", NULL
};

/* An IPv4/IPv6 address or a host name: what libvirt's addrIPorName takes. */
static bool listen_ok(const char *s)
{
	return *s && vu_str_alnum_or(s, ".-:_");
}

/* port=: -1 or "auto" for a port chosen at start (0 returned as -1);
 * QEMU numbers VNC displays from 5900, so lower ports are refused. */
static int graphics_port(const char *type, const char *val, int *port, struct vu_err *e)
{
	uint64_t n;

	if (!val || strcmp(val, "-1") == 0 || strcmp(val, "auto") == 0) {
		*port = -1;
		return 0;
	}
	if (vu_subopt_uint(val, 65535, &n) < 0 || n < (strcmp(type, "vnc") ? 1 : 5900))
		return devopt_bad(e, "port", val);
	*port = (int)n;
	return 0;
}

/* keymap= (en-us, de, ...); "local" and "none" mean none, as in virt-install. */
static int graphics_keymap(const char *val, const char **out, struct vu_err *e)
{
	*out = NULL;
	if (!val || !strcmp(val, "local") || !strcmp(val, "none"))
		return 0;
	if (!vu_str_alnum_or(val, "-_."))
		return devopt_bad(e, "keymap", val);
	*out = *val ? val : NULL;
	return 0;
}

/* websocket=: a port or -1 (chosen at start); VNC only. */
static int graphics_websocket(const char *type, const char *val, struct vu_err *e)
{
	uint64_t n;

	if (!val)
		return 0;
	if (strcmp(type, "vnc") != 0)
		return vu_err_set(e, EINVAL, "option 'websocket' needs type 'vnc'");
	if (strcmp(val, "-1") != 0 && (vu_subopt_uint(val, 65535, &n) < 0 || n == 0))
		return devopt_bad(e, "websocket", val);
	return 0;
}

/* Writes what the graphics builder does not: listen type none/socket,
 * keymap, websocket. */
static int graphics_extras(xmlNodePtr dev, const char *listen_type, const char *keymap,
			   const char *websocket)
{
	int r = 0;

	if (listen_type)
		r = vu_node_set(dev, "listen", "type", listen_type);
	if (r == 0 && keymap)
		r = vu_node_set(dev, NULL, "keymap", keymap);
	if (r == 0 && websocket)
		r = vu_node_set(dev, NULL, "websocket", websocket);
	return r;
}

struct gfx_args {
	struct vu_graphics_spec spec;
	const char *listen_type;	/* "none", "socket" or NULL (an address) */
	const char *keymap;
	const char *websocket;
};

/*
 * The listen address defaults to 127.0.0.1 rather than being left to
 * libvirt, whose default comes from the host's qemu.conf: the XML must not
 * depend on the machine. listen=none and listen=socket have no TCP port.
 */
static int graphics_parse(const struct vu_subopts *s, struct gfx_args *g, struct vu_err *e)
{
	static const char *const types[] = { "vnc", "spice", NULL };
	const char *type = devopt_first(s, "type");
	const char *listen = vu_subopt_get(s, "listen");
	int r;

	if (!type || !strcmp(type, "default"))
		type = "vnc";
	r = devopt_max_positional(s, 1, e);
	if (r == 0)
		r = devopt_check(type, "type", types, e);
	if (r < 0)
		return r;
	g->spec.type = type;
	g->spec.listen = listen ? listen : "127.0.0.1";
	g->spec.passwd = devopt_get2(s, "password", "passwd");
	g->websocket = vu_subopt_get(s, "websocket");
	if (listen && (!strcmp(listen, "none") || !strcmp(listen, "socket"))) {
		g->listen_type = listen;
		g->spec.listen = NULL;
		if (vu_subopt_get(s, "port"))
			return vu_err_set(e, EINVAL, "listen=%s takes no port", listen);
	} else if (!listen_ok(g->spec.listen)) {
		return devopt_bad(e, "listen", g->spec.listen);
	} else {
		r = graphics_port(type, vu_subopt_get(s, "port"), &g->spec.port, e);
	}
	if (r == 0 && g->spec.passwd && !*g->spec.passwd)
		r = devopt_bad(e, vu_subopt_get(s, "password") ? "password" : "passwd", "");
	if (r == 0)
		r = graphics_keymap(vu_subopt_get(s, "keymap"), &g->keymap, e);
	return r < 0 ? r : graphics_websocket(type, g->websocket, e);
}

int devopt_graphics(struct vu_domain *dom, const struct vu_subopts *s,
		    struct devopt_ctx *ctx, struct vu_err *e)
{
	struct gfx_args g = { { NULL, NULL, 0, NULL }, NULL, NULL, NULL };
	xmlNodePtr dev = NULL;
	int r;

	(void)ctx;
	r = graphics_parse(s, &g, e);
	if (r < 0)
		return r;
	r = vu_domain_add_graphics(dom, &g.spec, &dev);
	if (r == 0) {
		r = graphics_extras(dev, g.listen_type, g.keymap, g.websocket);
		if (r < 0)
			vu_domain_dev_remove(dom, dev);
	}
	return r < 0 ? devopt_model_err(r, e, "cannot add the graphics") : 0;
}

const char *devopt_default_video(const struct vu_domain *dom, const struct devopt_ctx *ctx)
{
	const char *model = ctx->os->video ? ctx->os->video : "vga";

	/* qxl pays off over vga only with SPICE (virt-install's rule). */
	if (strcmp(model, "virtio") != 0)
		for (xmlNodePtr g = vu_domain_dev_next(dom, "graphics", NULL); g;
		     g = vu_domain_dev_next(dom, "graphics", g)) {
			char *type = NULL;
			bool spice = vu_node_get(g, NULL, "type", &type) == 0 &&
				     strcmp(type, "spice") == 0;

			free(type);
			if (spice)
				return "qxl";
		}
	return model;
}

/*
 * --video MODEL. A bare "default" leaves the model to devopt_defaults,
 * which knows by then whether the display is SPICE; with heads= or vram=
 * it is chosen now. "none" keeps libvirt from adding a card of its own.
 */
int devopt_video(struct vu_domain *dom, const struct vu_subopts *s,
		 struct devopt_ctx *ctx, struct vu_err *e)
{
	static const char *const models[] = {
		"virtio", "qxl", "vga", "cirrus", "bochs", "ramfb", "vmvga", NULL
	};
	const char *model = devopt_get2(s, "model.type", "model");
	uint64_t heads = 0, vram = 0;
	int r;

	if (!model)
		model = vu_subopt_positional(s, 0);
	r = devopt_max_positional(s, 1, e);
	if (r == 0)
		r = devopt_uint(s, "model.heads", "heads", 1, 16, &heads, e);
	if (r == 0)
		r = devopt_uint(s, "model.vram", "vram", 1, UINT32_MAX, &vram, e);
	if (r < 0)
		return r;
	if ((!model || !strcmp(model, "default")) && !heads && !vram) {
		ctx->given |= DEVOPT_VIDEO_DEFAULT;
		return 0;
	}
	if (!model || !strcmp(model, "default"))
		model = devopt_default_video(dom, ctx);
	else if (devopt_check(model, vu_subopt_get(s, "model.type") ? "model.type" : "model",
			      models, e) < 0)
		return -EINVAL;
	ctx->given |= DEVOPT_VIDEO;
	r = vu_domain_add_video(dom, model, (unsigned)vram, (unsigned)heads, NULL);
	return r < 0 ? devopt_model_err(r, e, "cannot add the video device") : 0;
}
