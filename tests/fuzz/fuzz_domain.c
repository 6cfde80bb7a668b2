/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_domain.c - libFuzzer harness: any bytes parsed as a domain, every
 * getter read, the edits a clone makes applied, and the result formatted
 * and parsed again */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vu/domainxml.h"
#include "vu/xml.h"

static void read_scalars(struct vu_domain *dom)
{
	char uuid[VU_UUID_STRLEN], dev[VU_TARGET_MAX], *s = NULL, *a = NULL, *m = NULL;
	const char *boot[VU_BOOT_MAX];
	unsigned u1, u2, u3;
	uint64_t kib;
	bool b;
	int t;

	vu_domain_get_uuid(dom, uuid);
	vu_domain_get_memory(dom, VU_MEMORY, &kib);
	vu_domain_get_memory(dom, VU_MEMORY_CURRENT, &kib);
	vu_domain_get_max_memory(dom, &kib, &u1);
	vu_domain_get_vcpus(dom, &u1, &u2);
	vu_domain_get_cpu_topology(dom, &u1, &u2, &u3);
	vu_domain_get_boot_devs(dom, boot, VU_BOOT_MAX);
	vu_domain_get_bootmenu(dom, &b, &t);
	vu_domain_get_os_type(dom, &s, &a, &m);
	free(s);
	free(a);
	free(m);
	vu_domain_get_nvram(dom, &s, &a);
	free(s);
	free(a);
	vu_domain_get_kernel(dom, &s, &a, &m);
	free(s);
	free(a);
	free(m);
	vu_domain_next_target(dom, "virtio", dev);
	vu_domain_next_target(dom, "ide", dev);
	vu_domain_next_target(dom, "sata", dev);
}

/* What vm-clone does to every device. */
static void edit_devices(struct vu_domain *dom)
{
	for (xmlNodePtr d = vu_domain_dev_next(dom, NULL, NULL); d;
	     d = vu_domain_dev_next(dom, NULL, d)) {
		struct vu_disk disk;
		struct vu_iface iface;
		struct vu_pci_addr pci;

		if (vu_disk_get(d, &disk) == 0) {
			vu_disk_set_source(d, NULL, "/var/lib/virtutils/images/clone.img");
			vu_disk_clear(&disk);
		}
		if (vu_iface_get(d, &iface) == 0) {
			vu_iface_set_mac(d, "52:54:00:12:34:56");
			vu_iface_set_interfaceid(d, "c7a5fdbd-cdaf-9455-926a-d65c16db1809");
			vu_iface_set_target(d, NULL);
			vu_iface_clear(&iface);
		}
		vu_graphics_set_port(d, -1);
		vu_hostdev_get_pci(d, &pci);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vu_domain *dom = NULL, *again = NULL;
	char *meta = NULL, *text;

	if (vu_domain_parse(&dom, (const char *)data, size, NULL) < 0)
		return 0;
	read_scalars(dom);
	vu_domain_get_metadata(dom, "https://virtutils.org/xmlns/install/1", &meta);
	free(meta);
	vu_domain_set_uuid(dom, "c7a5fdbd-cdaf-9455-926a-d65c16db1809");
	vu_domain_set_name(dom, "clone");
	vu_domain_remove_id(dom);
	edit_devices(dom);
	text = vu_domain_format(dom);
	/* What we write, we must read back as the same document. */
	if (text && vu_domain_parse(&again, text, strlen(text), NULL) == 0 &&
	    vu_xml_c14n_equal(vu_domain_doc(dom), vu_domain_doc(dom)) !=
		    vu_xml_c14n_equal(vu_domain_doc(dom), vu_domain_doc(again)))
		abort();
	free(text);
	vu_domain_free(&again);
	vu_domain_free(&dom);
	return 0;
}
