/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_vs_edit.c - libFuzzer harness: any bytes as one of the guest files
 * vm-sysprep edits (passwd, shadow, group, ifcfg-*, fstab, hosts), through
 * every edit of tools/vm-sysprep/edit.c. A guest image is untrusted: its
 * files may hold anything, NULs and lines without end included. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/vm-sysprep/vm-sysprep.h"

/* What every edit promises: success or -ENOMEM / -ENOENT, and for the
 * removals an output no longer than the input. */
static void removal(int r, char *out, size_t inlen)
{
	if (r < 0)
		return;
	if (strlen(out) > inlen)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "HWADDR", "HOSTNAME", "DHCP_HOSTNAME", NULL };
	static const char *const names[] = { "alice", "bob", "root", "", NULL };
	char *in = malloc(size + 1), *out = NULL, *f = NULL;
	size_t n, len;
	bool changed;

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	len = strlen(in);
	removal(vs_edit_drop_keys(in, keys, &out, &changed), out, len);
	removal(vs_edit_drop_names(in, names, &out, &n), out, len);
	removal(vs_edit_drop_members(in, names, &out), out, len);
	if (vs_edit_set_key(in, "HOSTNAME", "web2", &out) == 0) {
		if (!strstr(out, "HOSTNAME=web2\n"))
			abort();
		free(out);
	}
	if (vs_edit_set_field(in, "root", 1, "$6$x", &out) == 0)
		free(out);
	if (vs_edit_get_field(in, "alice", 5, &f) == 0)
		free(f);
	if (vs_edit_replace_word(in, "tpl", "web2", &out, &n) == 0) {
		if (strlen(out) != len + n)
			abort();
		free(out);
	}
	if (vs_edit_append_line(in, "line", &out) == 0) {
		if (strncmp(out, in, len) != 0)
			abort();
		free(out);
	}
	free(in);
	return 0;
}
