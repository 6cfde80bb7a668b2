/* SPDX-License-Identifier: GPL-2.0-or-later */
/* list.c - vm-ctl list: virsh list's table, --name, --uuid and --json */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/domaindb.h"
#include "vu/ident.h"
#include "vu/table.h"

#include "vmctl.h"

enum { C_ID, C_NAME, C_STATE, C_UUID, C_REASON, C_PERSISTENT, C_AUTOSTART, C_COUNT };

/* virsh list's columns; JSON has more than the table shows. */
static const struct vu_col cols[C_COUNT] = {
	[C_ID] = { "Id", "id", VU_COL_INT },
	[C_NAME] = { "Name", "name", VU_COL_STR },
	[C_STATE] = { "State", "state", VU_COL_STR },
	[C_UUID] = { NULL, "uuid", VU_COL_STR },
	[C_REASON] = { NULL, "reason", VU_COL_STR },
	[C_PERSISTENT] = { NULL, "persistent", VU_COL_BOOL },
	[C_AUTOSTART] = { NULL, "autostart", VU_COL_BOOL },
};

/* Whether the listing shows a domain in state s. */
static bool wanted(const struct vm_ctl *vc, enum vu_domstate s)
{
	bool active = s != VU_DOMSTATE_SHUTOFF;
	bool by_state = vc->set[O_STATE_RUNNING] || vc->set[O_STATE_PAUSED] ||
			vc->set[O_STATE_SHUTOFF];

	if (by_state)
		return (vc->set[O_STATE_RUNNING] && s == VU_DOMSTATE_RUNNING) ||
		       (vc->set[O_STATE_PAUSED] && s == VU_DOMSTATE_PAUSED) ||
		       (vc->set[O_STATE_SHUTOFF] && s == VU_DOMSTATE_SHUTOFF);
	if (vc->set[O_ALL])
		return true;
	return vc->set[O_INACTIVE] ? !active : active;
}

/* The UUID of name (live XML first), "" when unknown. */
static void uuid_of(struct vm_ctl *vc, const char *name, bool active, char out[VU_UUID_STRLEN])
{
	struct vu_domain *dom = NULL;

	out[0] = '\0';
	if ((active && vu_qemurun_live_xml(vc_state(vc), name, &dom, NULL) == 0) ||
	    vu_domaindb_load(vc_state(vc), name, &dom, NULL) == 0)
		if (vu_domain_get_uuid(dom, out) < 0)
			out[0] = '\0';
	vu_domain_free(&dom);
}

static void add_row(struct vm_ctl *vc, struct vu_table *t, const char *name,
		    const struct vu_domstatus *s, bool json)
{
	char id[16], uuid[VU_UUID_STRLEN];
	int r = vu_table_row(t);

	snprintf(id, sizeof(id), "%d", s->id);
	r = r ?: s->id > 0 ? vu_table_cell_int(t, C_ID, id, s->id) : vu_table_null(t, C_ID, "-");
	r = r ?: vu_table_cell(t, C_NAME, name, 0);
	r = r ?: vu_table_cell(t, C_STATE, vu_domstate_name(s->state), 0);
	if (json) {
		bool def = vu_domaindb_is_defined(vc_state(vc), name);
		bool aut = vu_domaindb_is_autostart(vc_state(vc), name);

		uuid_of(vc, name, s->state != VU_DOMSTATE_SHUTOFF, uuid);
		r = r ?: vu_table_cell(t, C_UUID, uuid[0] ? uuid : NULL, 0);
		r = r ?: vu_table_cell(t, C_REASON, s->reason, 0);
		r = r ?: vu_table_cell(t, C_PERSISTENT, def ? "yes" : "no", def);
		r = r ?: vu_table_cell(t, C_AUTOSTART, aut ? "yes" : "no", aut);
	}
	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
}

int vc_cmd_list(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	bool json = vc->set[O_JSON];
	struct vu_table *t = vu_table_new(cols, json ? C_COUNT : C_UUID);
	char **names = vc_all_names(vc);

	(void)argc;
	(void)argv;
	if (!t)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	for (char **p = names; *p; p++) {
		struct vu_domstatus s = vc_status(vc, *p);
		char uuid[VU_UUID_STRLEN];

		if (!wanted(vc, s.state))
			continue;
		if (vc->set[O_NAME_FLAG]) {
			printf("%s\n", *p);
		} else if (vc->set[O_UUID]) {
			uuid_of(vc, *p, s.state != VU_DOMSTATE_SHUTOFF, uuid);
			if (uuid[0])
				printf("%s\n", uuid);
		} else {
			add_row(vc, t, *p, &s, json);
		}
	}
	if (json)
		vu_table_print_json(t, stdout);
	else if (!vc->set[O_NAME_FLAG] && !vc->set[O_UUID])
		vu_table_print(t, stdout, !vc->quiet);
	vu_table_free(&t);
	vu_domaindb_names_free(names);
	return VU_EXIT_OK;
}
