/* SPDX-License-Identifier: GPL-2.0-or-later */
/* savefile.h - vm-ctl save/restore's file: a header holding the domain XML,
 * then QEMU's migration stream */
#ifndef VMCTL_SAVEFILE_H
#define VMCTL_SAVEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vu/err.h"

/*
 * The layout (man/vm-ctl.1, "SAVE FILE"), integers little-endian:
 *
 *   0   magic "VUTILS-QEMU-SAVE" (16 bytes, no NUL)
 *   16  u32 version, 1
 *   20  u32 flags: bit 0 the guest was running (restore resumes it);
 *       the other bits are 0
 *   24  u32 xml_len: bytes of XML, 1 .. VCTL_SAVE_XML_MAX
 *   28  u32 crc: zlib's crc32 of bytes 0 .. 64 + xml_len with this field 0
 *   32  u64 data_offset: where QEMU's stream starts, a multiple of 4096,
 *       the first one past the XML
 *   40  24 bytes of 0
 *   64  the domain's live XML (UTF-8, no NUL), then zeros to data_offset
 *   data_offset  QEMU's migration stream ("QEVM" ...)
 *
 * The stream starts page-aligned so that QEMU writes and reads whole pages
 * of the file, as libvirt's save files do. Everything is checked before
 * the XML is believed: a file that fails any check is refused whole.
 */
#define VCTL_SAVE_MAGIC "VUTILS-QEMU-SAVE"
#define VCTL_SAVE_VERSION 1u
#define VCTL_SAVE_FIXED 64u
#define VCTL_SAVE_ALIGN 4096u
#define VCTL_SAVE_XML_MAX (8u << 20)
#define VCTL_SAVE_RUNNING 0x1u
/* QEMU's stream magic, the first four bytes at data_offset. */
#define VCTL_SAVE_QEMU_MAGIC "QEVM"

struct vctl_save_header {
	bool running;
	uint64_t data_offset;
	char *xml;		/* NUL-terminated, malloc'd */
	size_t xml_len;
};

/* The header for xml as bytes (data_offset long, zero-padded) in *buf,
 * malloc'd. 0, -EINVAL (empty, too long, or holding a NUL), -ENOMEM. */
int vctl_save_header_format(const char *xml, bool running, unsigned char **buf,
			    size_t *len, struct vu_err *e);
/*
 * How many bytes the header starting with buf (at least VCTL_SAVE_FIXED of
 * them) takes: its data_offset, after the checks of the fixed part. 0 or
 * -EINVAL with e saying what is wrong.
 */
int vctl_save_header_size(const unsigned char *buf, size_t len, uint64_t *size,
			  struct vu_err *e);
/*
 * Parses a whole header (len bytes, at least its data_offset): the fixed
 * part, the crc, the XML (no NUL byte; the domain parser checks the rest)
 * and the padding (zeros).
 * The parser of untrusted input (fuzz_savefile). 0 or -EINVAL with e
 * ("not a vm-ctl save file", "header checksum mismatch", ...), -ENOMEM.
 */
int vctl_save_header_parse(const unsigned char *buf, size_t len,
			   struct vctl_save_header *out, struct vu_err *e);
void vctl_save_header_clear(struct vctl_save_header *h);

/* Writes the header at the start of fd (a new, empty file) and leaves the
 * offset at data_offset, where QEMU goes on. 0 or -errno with e. */
int vctl_save_write(int fd, const char *xml, bool running, struct vu_err *e);
/*
 * Reads and checks fd's header, checks that QEMU's stream follows (its
 * magic at data_offset), and leaves the offset at data_offset, where QEMU
 * reads. 0 or -EINVAL (a bad file) / -errno with e.
 */
int vctl_save_read(int fd, struct vctl_save_header *out, struct vu_err *e);

#endif
