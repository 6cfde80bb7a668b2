/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pass.c - one pass of the tuner: read memory, decide, write the KSM knobs */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ksm.h"

static void add_write(struct ksm_pass *p, const char *name, int64_t value)
{
	struct ksm_write *w = &p->w[p->nw++];

	memset(w, 0, sizeof(*w));
	w->name = name;
	snprintf(w->value, sizeof(w->value), "%" PRId64, value);
}

int ksm_pass_run(const char *sysfs, const char *proc, const struct ksm_conf *c,
		 int64_t npages, bool dry_run, struct ksm_pass *p, struct vu_err *e)
{
	struct ksm_meminfo m;
	size_t failed = 0;
	bool writing;
	int r;

	memset(p, 0, sizeof(*p));
	r = ksm_meminfo_read(proc, &m, e);
	if (r < 0) {
		snprintf(p->obj, sizeof(p->obj), "%s/meminfo", proc);
		return r;
	}
	r = ksm_procs_scan(proc, &p->procs, e);
	if (r < 0) {
		snprintf(p->obj, sizeof(p->obj), "%s", proc);
		return r;
	}
	p->in.total_kb = m.total_kb;
	p->in.free_kb = m.free_kb;
	p->in.committed_kb = p->procs.rss_kb;
	p->in.npages = npages;
	ksm_adjust(c, &p->in, &p->d);

	/* ksmtuned's order: the scan rate first, then run, so ksmd starts at
	 * the new rate; stopping writes run alone and keeps merged pages. */
	if (p->d.action == KSM_STOP) {
		add_write(p, "run", 0);
	} else {
		add_write(p, "pages_to_scan", p->d.npages);
		add_write(p, "sleep_millisecs", p->d.sleep_ms);
		add_write(p, "run", 1);
	}
	r = ksm_sysfs_apply(sysfs, p->w, p->nw, dry_run, &failed, &writing);
	if (r < 0) {
		snprintf(p->obj, sizeof(p->obj), "%s/%s", sysfs, p->w[failed].name);
		if (writing)
			vu_err_set(e, r, "cannot write %s: %s", p->w[failed].value, strerror(-r));
		else
			vu_err_set(e, r, "cannot read: %s", strerror(-r));
		ksm_procs_free(&p->procs);
		return r;
	}
	return 0;
}

void ksm_pass_free(struct ksm_pass *p)
{
	ksm_procs_free(&p->procs);
}
