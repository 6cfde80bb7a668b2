/* SPDX-License-Identifier: GPL-2.0-or-later */
/* firmware.h - UEFI firmware chosen from QEMU's firmware descriptors, and
 * the copy of its variables (NVRAM) template each domain boots with */
#ifndef VU_FIRMWARE_H
#define VU_FIRMWARE_H

#include <stdbool.h>

#include "vu/err.h"

struct vu_firmware {
	char *descriptor;	/* the JSON file chosen */
	char *code;		/* executable (loader) path */
	char *vars_template;	/* NVRAM template path, NULL when none */
	char *format;		/* "raw" or "qcow2" */
	bool secure_boot;	/* enrolled-keys / secure-boot feature */
	bool requires_smm;	/* descriptor lists requires-smm */
};

/*
 * Reads QEMU's firmware descriptors (/usr/share/qemu/firmware,
 * /etc/qemu/firmware, $XDG_CONFIG_HOME/qemu/firmware; a file name in a
 * later directory overrides the same name in an earlier one;
 * $VU_FIRMWARE_DIR replaces the list, for tests), sorted by file name, and
 * picks the first "uefi" interface with a target matching arch ("x86_64")
 * and machine ("pc", "q35", or a versioned "pc-q35-7.2"; globs as in the
 * descriptors). secure false skips descriptors with the "secure-boot"
 * feature. -ENOENT with e = "no UEFI firmware for x86_64/pc in ..." when
 * none matches.
 */
int vu_firmware_find(const char *arch, const char *machine, bool secure,
		     struct vu_firmware *out, struct vu_err *e);
void vu_firmware_clear(struct vu_firmware *fw);

/*
 * A domain's variables store: a new file path (mode 0600, not replacing
 * one), a copy of the firmware's template tmpl (vu_firmware.vars_template)
 * made with vu_file_copy and complete before it takes its name. The
 * directory must exist. 0, or -errno with e "TMPL: why" when the template
 * cannot be opened, "PATH: already exists", "PATH: cannot copy the
 * variables template" or "PATH: why".
 */
int vu_firmware_nvram_create(const char *tmpl, const char *path, struct vu_err *e);

#endif
