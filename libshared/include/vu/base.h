/* SPDX-License-Identifier: GPL-2.0-or-later */
/* base.h - the few things every module and tool spells the same way */
#ifndef VU_BASE_H
#define VU_BASE_H

/* The number of elements of an array (not of a pointer). */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Exit statuses (ARCHITECTURE.md): 0 success, 1 failure, 2 usage error.
 * A tool with other codes (img-convert keeps qemu-img's) defines them in
 * its own header from these, with the reason.
 */
enum {
	VU_EXIT_OK = 0,
	VU_EXIT_FAIL = 1,
	VU_EXIT_USAGE = 2,
};

#endif
