/* SPDX-License-Identifier: GPL-2.0-or-later */
/* savefile.c - vm-ctl save/restore's file header (layout in savefile.h):
 * written before QEMU's stream, and checked whole before restore believes
 * the XML it holds */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "vu/file.h"

#include "savefile.h"

#define NOT_OURS "not a vm-ctl save file"

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* The first multiple of the alignment that leaves room for xml_len bytes. */
static uint64_t offset_for(uint64_t xml_len)
{
	uint64_t end = VCTL_SAVE_FIXED + xml_len;

	return (end + VCTL_SAVE_ALIGN - 1) / VCTL_SAVE_ALIGN * VCTL_SAVE_ALIGN;
}

/* crc32 of the fixed part with its crc field zero, then the XML. */
static uint32_t header_crc(const unsigned char *buf, size_t xml_len)
{
	unsigned char fixed[VCTL_SAVE_FIXED];
	uLong crc = crc32(0L, Z_NULL, 0);

	memcpy(fixed, buf, sizeof(fixed));
	put32(fixed + 28, 0);
	crc = crc32(crc, fixed, sizeof(fixed));
	return (uint32_t)crc32(crc, buf + VCTL_SAVE_FIXED, (uInt)xml_len);
}

int vctl_save_header_format(const char *xml, bool running, unsigned char **buf,
			    size_t *len, struct vu_err *e)
{
	size_t xml_len = strlen(xml);
	uint64_t off = offset_for(xml_len);
	unsigned char *b;

	*buf = NULL;
	if (!xml_len || xml_len > VCTL_SAVE_XML_MAX)
		return vu_err_set(e, EINVAL, "the domain XML is empty or larger than %u bytes",
				  VCTL_SAVE_XML_MAX);
	if (!(b = calloc(1, off)))
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	memcpy(b, VCTL_SAVE_MAGIC, 16);
	put32(b + 16, VCTL_SAVE_VERSION);
	put32(b + 20, running ? VCTL_SAVE_RUNNING : 0);
	put32(b + 24, (uint32_t)xml_len);
	put64(b + 32, off);
	memcpy(b + VCTL_SAVE_FIXED, xml, xml_len);
	put32(b + 28, header_crc(b, xml_len));
	*buf = b;
	*len = off;
	return 0;
}

int vctl_save_header_size(const unsigned char *buf, size_t len, uint64_t *size,
			  struct vu_err *e)
{
	uint32_t xml_len;
	uint64_t off;

	if (len < VCTL_SAVE_FIXED || memcmp(buf, VCTL_SAVE_MAGIC, 16) != 0)
		return vu_err_set(e, EINVAL, NOT_OURS);
	if (get32(buf + 16) != VCTL_SAVE_VERSION)
		return vu_err_set(e, EINVAL, "save file version %u is not supported",
				  get32(buf + 16));
	if (get32(buf + 20) & ~VCTL_SAVE_RUNNING)
		return vu_err_set(e, EINVAL, "save file has unknown flags 0x%x",
				  get32(buf + 20));
	xml_len = get32(buf + 24);
	off = get64(buf + 32);
	if (!xml_len || xml_len > VCTL_SAVE_XML_MAX)
		return vu_err_set(e, EINVAL, "save file XML length %u is out of range", xml_len);
	if (off != offset_for(xml_len))
		return vu_err_set(e, EINVAL, "save file data offset %llu is wrong",
				  (unsigned long long)off);
	for (unsigned i = 40; i < VCTL_SAVE_FIXED; i++)
		if (buf[i])
			return vu_err_set(e, EINVAL, "save file reserved bytes are not zero");
	*size = off;
	return 0;
}

int vctl_save_header_parse(const unsigned char *buf, size_t len,
			   struct vctl_save_header *out, struct vu_err *e)
{
	uint64_t off;
	size_t xml_len;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = vctl_save_header_size(buf, len, &off, e)) < 0)
		return r;
	if (len < off)
		return vu_err_set(e, EINVAL, "save file header is truncated");
	xml_len = get32(buf + 24);
	if (header_crc(buf, xml_len) != get32(buf + 28))
		return vu_err_set(e, EINVAL, "save file header checksum mismatch");
	if (memchr(buf + VCTL_SAVE_FIXED, '\0', xml_len))
		return vu_err_set(e, EINVAL, "save file XML holds a NUL byte");
	for (size_t i = VCTL_SAVE_FIXED + xml_len; i < off; i++)
		if (buf[i])
			return vu_err_set(e, EINVAL, "save file header padding is not zero");
	if (!(out->xml = strndup((const char *)buf + VCTL_SAVE_FIXED, xml_len)))
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	out->xml_len = xml_len;
	out->data_offset = off;
	out->running = get32(buf + 20) & VCTL_SAVE_RUNNING;
	return 0;
}

void vctl_save_header_clear(struct vctl_save_header *h)
{
	free(h->xml);
	memset(h, 0, sizeof(*h));
}

int vctl_save_write(int fd, const char *xml, bool running, struct vu_err *e)
{
	unsigned char *buf;
	size_t len;
	int r;

	if ((r = vctl_save_header_format(xml, running, &buf, &len, e)) < 0)
		return r;
	if ((r = vu_pwrite_all(fd, buf, len, 0)) < 0)
		vu_err_set(e, -r, "cannot write the save file header: %s", strerror(-r));
	else if (lseek(fd, (off_t)len, SEEK_SET) < 0)
		r = vu_err_set(e, errno, "cannot seek past the save file header: %s",
			       strerror(errno));
	free(buf);
	return r;
}

int vctl_save_read(int fd, struct vctl_save_header *out, struct vu_err *e)
{
	unsigned char fixed[VCTL_SAVE_FIXED], magic[4], *buf;
	uint64_t size;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = vu_pread_all(fd, fixed, sizeof(fixed), 0, false)) < 0)
		return r == -EIO ? vu_err_set(e, EINVAL, NOT_OURS)
				 : vu_err_set(e, -r, "cannot read: %s", strerror(-r));
	if ((r = vctl_save_header_size(fixed, sizeof(fixed), &size, e)) < 0)
		return r;
	if (!(buf = malloc(size)))
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	r = vu_pread_all(fd, buf, size, 0, false);
	if (r == 0)
		r = vu_pread_all(fd, magic, sizeof(magic), (off_t)size, false);
	if (r == -EIO)
		r = vu_err_set(e, EINVAL, "save file is truncated");
	else if (r < 0)
		vu_err_set(e, -r, "cannot read: %s", strerror(-r));
	else if (memcmp(magic, VCTL_SAVE_QEMU_MAGIC, 4) != 0)
		r = vu_err_set(e, EINVAL, "save file holds no QEMU migration stream");
	else if ((r = vctl_save_header_parse(buf, size, out, e)) == 0 &&
		 lseek(fd, (off_t)size, SEEK_SET) < 0)
		r = vu_err_set(e, errno, "cannot seek: %s", strerror(errno));
	if (r < 0)
		vctl_save_header_clear(out);
	free(buf);
	return r;
}
