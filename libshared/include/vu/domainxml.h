/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml.h - libvirt domain XML: typed access over a libxml2 tree that keeps
 * everything it does not know about */
#ifndef VU_DOMAINXML_H
#define VU_DOMAINXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libxml/tree.h>

#include "vu/err.h"
#include "vu/ident.h"
#include "vu/xmlnode.h"

/*
 * Conventions for every function below:
 *  - Returns 0 or -errno: -ENOENT when what is read is absent, -EINVAL for a
 *    bad argument or a malformed value in the document, -ENOMEM, -ERANGE
 *    when a number does not fit. Nothing is printed, nothing exits.
 *  - Strings handed out (char **out) are malloc'd copies the caller frees
 *    with free(); on error *out is NULL.
 *  - A string argument of NULL to a set function removes what it names.
 *  - Edits touch only what they name: unknown elements, attributes,
 *    namespaces, comments and <metadata> children stay as they were, so a
 *    document loaded and formatted without edits is equal under C14N.
 *  - An element that does not exist yet is created where libvirt writes it
 *    (name, uuid, title, description, metadata, memory, currentMemory, vcpu,
 *    os, features, cpu, clock, on_*, devices; devices grouped by kind), so
 *    documents stay readable and close to `virsh dumpxml`.
 *  - Device handles are the xmlNodePtr of the device element; they stay
 *    valid until that device is removed or the domain is freed.
 */

#define VU_DOMAIN_RNG "/usr/share/libvirt/schemas/domain.rng"
#define VU_TARGET_MAX 16	/* "vdzzz" and the NUL, with room to spare */
#define VU_BOOT_MAX 4		/* fd, hd, cdrom, network */

struct vu_domain;

/* ---- documents (domainxml.c) ---- */

/* Loads a domain from a path, or stdin for "-" (vu_xml_load's safety rules).
 * The root must be <domain> in no namespace, else -EINVAL with the root's
 * name in e. Its <name>, when there is one, follows the rule for names on
 * the command line (vu_xml_name_check), and there is at most one: tools
 * make paths of it. */
int vu_domain_load(struct vu_domain **out, const char *path, struct vu_err *e);
/* The same from a buffer of len bytes. */
int vu_domain_parse(struct vu_domain **out, const char *buf, size_t len,
		    struct vu_err *e);
/* A new, empty <domain type='TYPE'/> ("kvm", "qemu", ...). */
int vu_domain_new(struct vu_domain **out, const char *type);
/* Frees the domain and sets *dom to NULL; NULL and *dom == NULL are fine. */
void vu_domain_free(struct vu_domain **dom);
/* As libvirt writes it (2-space indent, no declaration, final newline);
 * a malloc'd string, or NULL when out of memory. */
char *vu_domain_format(const struct vu_domain *dom);
/* The underlying document, for XPath, vu_xml_validate and the like; it
 * still belongs to dom. */
xmlDocPtr vu_domain_doc(const struct vu_domain *dom);

/* ---- before a domain is stored (domainxml_check.c) ---- */

/*
 * What libvirt would refuse, checked before a definition is stored: a
 * valid name; <memory>, <currentMemory>, <maxMemory> as digits in a unit
 * libvirt knows and at most 8 EiB (<memory> not 0, unless NUMA cells give
 * the size); <vcpu> and its current= from 1 to 65535, current not above
 * the maximum; then libvirt's domain schema when it is installed
 * (vu_xml_validate_libvirt). 0, or -EINVAL / -ERANGE with one line in e naming the
 * element ("<memory>: '12abc' is not a whole number").
 */
int vu_domain_check(const struct vu_domain *dom, struct vu_err *e);

/* ---- any element, by path (domainxml.c) ----
 * A path is element names separated by '/', relative to <domain>
 * ("os/loader", "devices/emulator"; "" is <domain> itself); each step takes
 * the first child of that name in no namespace. attr NULL means the
 * element's text. These are the escape hatch for whatever has no typed
 * accessor; the typed ones below are built on them. */

/* The element at path, or NULL. */
xmlNodePtr vu_domain_find(const struct vu_domain *dom, const char *path);
/* The element at path, creating missing steps in libvirt's order. */
int vu_domain_ensure(struct vu_domain *dom, const char *path, xmlNodePtr *out);
/* Removes the element at path with all it holds; -ENOENT if absent. */
int vu_domain_remove(struct vu_domain *dom, const char *path);
/* The attribute (or text) of the element at path. */
int vu_domain_get(const struct vu_domain *dom, const char *path, const char *attr,
		  char **out);
/* Sets it, creating the element; value NULL removes the attribute (or the
 * element, for attr NULL). Setting text replaces the element's content. */
int vu_domain_set(struct vu_domain *dom, const char *path, const char *attr,
		  const char *value);

/* Relative to any element (a device handle): vu_node_get, vu_node_set,
 * vu_node_has, vu_node_flag and the rest of vu/xmlnode.h, whose paths and
 * conventions these share. */

/* ---- identity (domainxml.c) ---- */

int vu_domain_get_type(const struct vu_domain *dom, char **out);
int vu_domain_set_type(struct vu_domain *dom, const char *type);
int vu_domain_get_name(const struct vu_domain *dom, char **out);
/* The name as given; the tools check it against ARCHITECTURE.md's rule. */
int vu_domain_set_name(struct vu_domain *dom, const char *name);
/* The UUID in canonical lower-case form (the document may hold the 32-digit
 * form or upper case); -EINVAL when it is not a UUID. */
int vu_domain_get_uuid(const struct vu_domain *dom, char out[VU_UUID_STRLEN]);
/* Writes uuid in canonical form (-EINVAL if it is not a UUID), and the
 * <sysinfo type='smbios'> system uuid entry too when there is one, because
 * libvirt refuses a domain whose two UUIDs differ. NULL removes <uuid>. */
int vu_domain_set_uuid(struct vu_domain *dom, const char *uuid);
int vu_domain_get_title(const struct vu_domain *dom, char **out);
/* A title is one line: -EINVAL if it holds a newline (libvirt refuses it). */
int vu_domain_set_title(struct vu_domain *dom, const char *title);
int vu_domain_get_description(const struct vu_domain *dom, char **out);
int vu_domain_set_description(struct vu_domain *dom, const char *text);
/* Removes the id attribute a running domain's XML carries; 0 either way. */
int vu_domain_remove_id(struct vu_domain *dom);

/* ---- a running domain's XML made persistent (domainxml_live.c) ---- */

/* Drops what only a running domain's XML holds (virsh dumpxml, a migration
 * stream): the id, interface target devs and network port ids, device
 * aliases (not the user's "ua-" ones), pty paths, dynamic security labels
 * and image labels, disk <backingStore> and <mirror>. What is left is a
 * definition, as dumpxml --inactive gives it. */
void vu_domain_scrub_live(struct vu_domain *dom);

/* ---- <metadata> (domainxml_meta.c) ----
 * Applications keep one top-level element per namespace under <metadata>
 * (the install phase's is VU_INSTALL_NS, below). Other namespaces'
 * elements are never touched. */

/* The element of namespace uri under <metadata>, or NULL. */
xmlNodePtr vu_domain_metadata_node(const struct vu_domain *dom, const char *uri);
/* That element serialised on its own (its namespace declared on it), as
 * vu_xml_format writes it. */
int vu_domain_get_metadata(const struct vu_domain *dom, const char *uri, char **xml);
/*
 * Replaces the element of namespace uri (or adds one) with the element xml
 * holds. An element in no namespace is moved into uri with prefix (and so
 * are its descendants in no namespace), as libvirt's metadata API does;
 * one already in uri keeps its prefix; one in another namespace is -EINVAL.
 * xml NULL removes the element (and <metadata> when it becomes empty).
 * Parse errors go to e.
 */
int vu_domain_set_metadata(struct vu_domain *dom, const char *prefix, const char *uri,
			   const char *xml, struct vu_err *e);

/* ---- the install phase (domainxml_install.c) ----
 * A domain that installs first (virt-install's --cdrom, --location, --pxe)
 * carries how, under <metadata> in the namespace below (ARCHITECTURE.md):
 * vm-create records it in the final document, and vm-ctl runs the install
 * document made from it before the domain itself. */

#define VU_INSTALL_NS "https://virtutils.org/xmlns/install/1"
#define VU_INSTALL_PREFIX "install"

/*
 * What the install phase changes: method "cdrom", "location" or "pxe";
 * on_reboot the action while installing (NULL: destroy, as virt-install);
 * boot[0..nboot-1] the boot devices in order (hd, cdrom, network, fd);
 * media_path (NULL: none) a medium of media_type ("file", "block") put in
 * the drive media_target, NULL meaning the first CD-ROM without a medium;
 * kernel (NULL: none), initrd and cmdline (NULL or "": none) a direct
 * kernel boot.
 */
struct vu_install_spec {
	const char *method;
	const char *on_reboot;
	const char *boot[VU_BOOT_MAX];
	size_t nboot;
	const char *media_target, *media_type, *media_path;
	const char *kernel, *initrd, *cmdline;
};
/* Records it (replacing an earlier record). A medium with no empty CD-ROM
 * for it is -ENOENT; e says "cannot record the install phase". */
int vu_domain_set_install(struct vu_domain *dom, const struct vu_install_spec *in,
			  struct vu_err *e);

/* The record read back: what is absent is NULL (method included), boot
 * holds static strings and only the four known devices. Where an element
 * appears twice the last one counts. Free with vu_install_clear. */
struct vu_install {
	char *method;
	char *on_reboot;
	const char *boot[VU_BOOT_MAX];
	size_t nboot;
	char *media_target, *media_type, *media_path;
	char *kernel, *initrd, *cmdline;
};
/* -ENOENT without a record; -EINVAL for a medium without target or path. */
int vu_domain_get_install(const struct vu_domain *dom, struct vu_install *out);
void vu_install_clear(struct vu_install *in);
/*
 * The document to install with: a copy of final with the record applied
 * (on_reboot; the medium in its drive; <os><boot> replaced by the boot
 * devices when final has one; the direct kernel boot) and removed, other
 * <metadata> kept; final is not touched. 0 with *out NULL when final has
 * no record; on error *out is NULL and e says why ("cannot make the
 * install phase" when the record does not fit the domain).
 */
int vu_domain_install_phase(const struct vu_domain *final, struct vu_domain **out,
			    struct vu_err *e);

/* ---- memory and CPUs (domainxml_res.c) ---- */

/*
 * Converts a libvirt scaled integer (value text and unit attribute, such as
 * "2", "GiB") to KiB, rounding up as libvirt does. Units are libvirt's,
 * case-insensitive: b, byte, bytes; k, KiB (1024), KB (1000); likewise
 * M/MiB/MB, G, T, P, E. unit NULL or "" means KiB.
 * 0, -EINVAL (not a number, unknown unit) or -ERANGE.
 */
int vu_domain_scaled_kib(const char *value, const char *unit, uint64_t *kib);

enum vu_domain_memory {
	VU_MEMORY,		/* <memory>: the boot-time maximum */
	VU_MEMORY_CURRENT,	/* <currentMemory>: the balloon target */
};
/* The size in KiB, whatever unit the document uses. */
int vu_domain_get_memory(const struct vu_domain *dom, enum vu_domain_memory which,
			 uint64_t *kib);
/* Writes kib with unit='KiB'; other attributes (dumpCore) stay. kib 0 removes
 * the element. */
int vu_domain_set_memory(struct vu_domain *dom, enum vu_domain_memory which,
			 uint64_t kib);
/* <maxMemory slots='N'>: the hotplug ceiling. slots is required by libvirt;
 * kib 0 removes the element. */
int vu_domain_get_max_memory(const struct vu_domain *dom, uint64_t *kib,
			     unsigned *slots);
int vu_domain_set_max_memory(struct vu_domain *dom, uint64_t kib, unsigned slots);

/* <vcpu current='C'>MAX</vcpu>; *current is max when the attribute is absent. */
int vu_domain_get_vcpus(const struct vu_domain *dom, unsigned *max, unsigned *current);
/* max >= 1; current 0 or equal to max drops the attribute, above max is
 * -EINVAL. A new <vcpu> gets placement='static', as libvirt writes it. */
int vu_domain_set_vcpus(struct vu_domain *dom, unsigned max, unsigned current);
/* placement: "static" or "auto" (-EINVAL otherwise). */
int vu_domain_get_vcpu_placement(const struct vu_domain *dom, char **out);
int vu_domain_set_vcpu_placement(struct vu_domain *dom, const char *placement);
/* cpuset: libvirt's list syntax ("1-4,^3,6"); checked for characters only. */
int vu_domain_get_vcpu_cpuset(const struct vu_domain *dom, char **out);
int vu_domain_set_vcpu_cpuset(struct vu_domain *dom, const char *cpuset);

/* <cpu mode=...>: custom, host-model, host-passthrough or maximum. */
int vu_domain_get_cpu_mode(const struct vu_domain *dom, char **out);
int vu_domain_set_cpu_mode(struct vu_domain *dom, const char *mode);
/* <cpu><model fallback=...>NAME</model>; fallback "allow"/"forbid" or NULL
 * (attribute left out). model NULL removes <model>. */
int vu_domain_get_cpu_model(const struct vu_domain *dom, char **out);
int vu_domain_set_cpu_model(struct vu_domain *dom, const char *model,
			    const char *fallback);
/* <cpu><topology sockets cores threads/>; each at least 1. Other topology
 * attributes (dies, clusters) are kept. set with all three 0 removes it. */
int vu_domain_get_cpu_topology(const struct vu_domain *dom, unsigned *sockets,
			       unsigned *cores, unsigned *threads);
int vu_domain_set_cpu_topology(struct vu_domain *dom, unsigned sockets,
			       unsigned cores, unsigned threads);
/* <cpu><feature policy name/>: iterate with prev NULL first. */
xmlNodePtr vu_domain_cpu_feature_next(const struct vu_domain *dom, xmlNodePtr prev);
int vu_domain_get_cpu_feature(const struct vu_domain *dom, const char *name,
			      char **policy);
/* policy: force, require, optional, disable or forbid; NULL removes it. */
int vu_domain_set_cpu_feature(struct vu_domain *dom, const char *name,
			      const char *policy);

/* ---- os, features, clock, lifecycle, sysinfo (domainxml_os.c) ---- */

/* <os><type arch machine>TYPE</type>; any out may be NULL; an absent
 * attribute gives NULL. -ENOENT without <os><type>. */
int vu_domain_get_os_type(const struct vu_domain *dom, char **type, char **arch,
			  char **machine);
/* type is required ("hvm"); arch or machine NULL removes that attribute. */
int vu_domain_set_os_type(struct vu_domain *dom, const char *type, const char *arch,
			  const char *machine);
/* The <os><boot dev> list in order, as static strings ("hd", "cdrom",
 * "network", "fd"); returns how many (0..max). -EINVAL for another value. */
int vu_domain_get_boot_devs(const struct vu_domain *dom, const char **devs,
			    size_t max);
/* Replaces the list with devs[0..n-1]; each one of the four, no repeats.
 * n 0 removes every <boot>. libvirt refuses os/boot together with a
 * device's <boot order>, which the caller chooses between. */
int vu_domain_set_boot_devs(struct vu_domain *dom, const char *const *devs, size_t n);
/* <os><loader readonly type>PATH</loader>; type "rom"/"pflash" or NULL;
 * readonly writes readonly='yes', false leaves the attribute out. */
int vu_domain_get_loader(const struct vu_domain *dom, char **path);
int vu_domain_set_loader(struct vu_domain *dom, const char *path, const char *type,
			 bool readonly);
/* <os><nvram template=...>PATH</nvram>; path and template both NULL removes. */
int vu_domain_get_nvram(const struct vu_domain *dom, char **path, char **tmpl);
int vu_domain_set_nvram(struct vu_domain *dom, const char *path, const char *tmpl);
/* Direct kernel boot: <kernel>, <initrd>, <cmdline>; any out may be NULL,
 * absent ones give NULL and 0. set: each NULL removes that element. */
int vu_domain_get_kernel(const struct vu_domain *dom, char **kernel, char **initrd,
			 char **cmdline);
int vu_domain_set_kernel(struct vu_domain *dom, const char *kernel, const char *initrd,
			 const char *cmdline);
/* <bootmenu enable='yes|no' timeout='MS'/>; *timeout_ms -1 when absent.
 * set: timeout_ms < 0 leaves it out (at most 65535). */
int vu_domain_get_bootmenu(const struct vu_domain *dom, bool *enable, int *timeout_ms);
int vu_domain_set_bootmenu(struct vu_domain *dom, bool enable, int timeout_ms);

/* <features><NAME/>: acpi, apic, pae, hap, pvspinlock, ... (a feature with
 * attributes or children is left as it is when already there). */
bool vu_domain_has_feature(const struct vu_domain *dom, const char *name);
int vu_domain_add_feature(struct vu_domain *dom, const char *name);
int vu_domain_remove_feature(struct vu_domain *dom, const char *name);

/* <clock offset=...>: utc, localtime, timezone or variable; timers kept. */
int vu_domain_get_clock_offset(const struct vu_domain *dom, char **out);
int vu_domain_set_clock_offset(struct vu_domain *dom, const char *offset);

/* <on_EVENT>ACTION</on_EVENT> for event "poweroff", "reboot", "crash" or
 * "lockfailure"; the action must be one libvirt accepts for that event
 * (destroy, restart, preserve, rename-restart; crash also coredump-destroy,
 * coredump-restart; lockfailure poweroff, restart, pause, ignore). */
int vu_domain_get_lifecycle(const struct vu_domain *dom, const char *event, char **action);
int vu_domain_set_lifecycle(struct vu_domain *dom, const char *event, const char *action);

/* <sysinfo type='smbios'><SECTION><entry name='NAME'>VALUE</entry>: section
 * is bios, system, baseBoard or chassis. Removing the last entry of a
 * section removes the section, and an emptied <sysinfo> goes too. */
int vu_domain_get_sysinfo(const struct vu_domain *dom, const char *section,
			  const char *name, char **value);
int vu_domain_set_sysinfo(struct vu_domain *dom, const char *section, const char *name,
			  const char *value);

/* ---- devices (domainxml_dev.c) ---- */

/* <devices><emulator>PATH</emulator>. */
int vu_domain_get_emulator(const struct vu_domain *dom, char **out);
int vu_domain_set_emulator(struct vu_domain *dom, const char *path);

/* The device after prev (NULL: the first) whose element is elem ("disk",
 * "interface", ...; NULL: any device), in document order, or NULL. */
xmlNodePtr vu_domain_dev_next(const struct vu_domain *dom, const char *elem,
			      xmlNodePtr prev);
size_t vu_domain_dev_count(const struct vu_domain *dom, const char *elem);
/*
 * Adds <ELEM a1='v1' .../> to <devices> (created if needed) after the last
 * device of its kind, in libvirt's order of kinds. attrs is name, value
 * pairs ended by a NULL name; a pair with a NULL value is skipped. out may
 * be NULL.
 */
int vu_domain_dev_add(struct vu_domain *dom, const char *elem, const char *const *attrs,
		      xmlNodePtr *out);
/* The same for one device written as XML ("<tpm model='tpm-crb'>...</tpm>");
 * namespaces it uses must be declared in it. Parse errors go to e. */
int vu_domain_dev_add_xml(struct vu_domain *dom, const char *xml, xmlNodePtr *out,
			  struct vu_err *e);
/* Unlinks and frees dev, which must be a device of dom (-EINVAL). */
int vu_domain_dev_remove(struct vu_domain *dom, xmlNodePtr dev);

/* <graphics>: type vnc, spice, sdl, ...; listen an address (written both as
 * the attribute and as <listen type='address'>, as libvirt does) or NULL;
 * port -1 for autoport, 0 for none given, else a TCP port; passwd NULL for
 * none. */
struct vu_graphics_spec {
	const char *type;
	const char *listen;
	int port;
	const char *passwd;
};
int vu_domain_add_graphics(struct vu_domain *dom, const struct vu_graphics_spec *spec,
			   xmlNodePtr *out);
/* port < 0: autoport='yes' without port or tlsPort (what a clone needs);
 * otherwise port='N' autoport='no'. */
int vu_graphics_set_port(xmlNodePtr graphics, int port);

/* <video><model type vram heads/></video>; vram (KiB) and heads 0 = left out. */
int vu_domain_add_video(struct vu_domain *dom, const char *model, unsigned vram_kib,
			unsigned heads, xmlNodePtr *out);

/* <serial>, <console>, <parallel> or <channel> (elem). type: pty, file, unix,
 * ...; path for file/unix/dev/pipe types (source path=), with mode for unix
 * ("bind"); target_type ("serial", "virtio", "isa-serial"...) and
 * target_name (channels: "org.qemu.guest_agent.0") or NULL; target_port
 * < 0 leaves the port out. */
struct vu_chardev_spec {
	const char *elem;
	const char *type;
	const char *path;
	const char *mode;
	const char *target_type;
	const char *target_name;
	int target_port;
};
int vu_domain_add_chardev(struct vu_domain *dom, const struct vu_chardev_spec *spec,
			  xmlNodePtr *out);

/* <controller type index model>; index < 0 takes the first index not used
 * by a controller of that type. model may be NULL. */
int vu_domain_add_controller(struct vu_domain *dom, const char *type, int index,
			     const char *model, xmlNodePtr *out);
/* <input type bus/>: tablet/mouse/keyboard on usb/ps2/virtio. */
int vu_domain_add_input(struct vu_domain *dom, const char *type, const char *bus,
			xmlNodePtr *out);
/* <rng model='virtio'><backend model='random'>DEVICE</backend></rng>. */
int vu_domain_add_rng(struct vu_domain *dom, const char *device, xmlNodePtr *out);
/* The one <memballoon model=...>: changes its model, or adds it. */
int vu_domain_set_memballoon(struct vu_domain *dom, const char *model, xmlNodePtr *out);

/* <filesystem type accessmode><driver type/><source dir/><target dir/>
 * [<readonly/>]: type NULL means "mount"; accessmode and driver may be NULL. */
struct vu_fs_spec {
	const char *type;
	const char *accessmode;
	const char *driver;
	const char *source;
	const char *target;
	bool readonly;
};
int vu_domain_add_filesystem(struct vu_domain *dom, const struct vu_fs_spec *spec,
			     xmlNodePtr *out);

/* A PCI address from "DDDD:BB:SS.F", "BB:SS.F" or the node device name
 * "pci_DDDD_BB_SS_F" (hex; slot < 32, function < 8). */
struct vu_pci_addr {
	unsigned domain, bus, slot, function;
};
int vu_pci_addr_parse(const char *s, struct vu_pci_addr *out);
/* <hostdev mode='subsystem' type='pci' managed='yes|no'> with that source
 * address; vu_hostdev_get_pci reads it back. */
int vu_domain_add_hostdev_pci(struct vu_domain *dom, const struct vu_pci_addr *addr,
			      bool managed, xmlNodePtr *out);
int vu_hostdev_get_pci(xmlNodePtr hostdev, struct vu_pci_addr *out);

/* <watchdog model action/>; libvirt takes one per domain (-EEXIST). */
int vu_domain_add_watchdog(struct vu_domain *dom, const char *model, const char *action,
			   xmlNodePtr *out);
/* <sound model/>: ich6, ich9, ac97, es1370, sb16, usb. */
int vu_domain_add_sound(struct vu_domain *dom, const char *model, xmlNodePtr *out);

/* ---- disks and target names (domainxml_disk.c) ---- */

/*
 * A disk to add. type "file" (default) or "block"; device "disk" (default),
 * "cdrom" or "floppy". A driver element is written when any driver field is
 * set, with name "qemu" unless driver_name says otherwise. source NULL
 * makes an empty drive (a CD-ROM without media). target_dev NULL takes
 * vu_domain_next_target for target_bus, which is then required; target_bus
 * NULL lets libvirt infer the bus from the name. boot_order 0 = none.
 */
struct vu_disk_spec {
	const char *type;
	const char *device;
	const char *driver_name;
	const char *driver_type;
	const char *cache;
	const char *io;
	const char *discard;
	const char *source;
	const char *target_dev;
	const char *target_bus;
	const char *serial;
	const char *wwn;
	bool readonly;
	bool shareable;
	unsigned boot_order;
};
int vu_domain_add_disk(struct vu_domain *dom, const struct vu_disk_spec *spec,
		       xmlNodePtr *out);

/* What a disk says, read back; absent parts are NULL / false / 0. source is
 * source/@file, @dev or @dir after the disk's type (NULL for network and
 * volume disks: use vu_node_get). Free with vu_disk_clear. */
struct vu_disk {
	char *type;
	char *device;
	char *driver_name;
	char *driver_type;
	char *cache;
	char *io;
	char *discard;
	char *source;
	char *target_dev;
	char *target_bus;
	char *serial;
	char *wwn;
	bool readonly;
	bool shareable;
	unsigned boot_order;
};
int vu_disk_get(xmlNodePtr disk, struct vu_disk *out);
void vu_disk_clear(struct vu_disk *d);
/* Points the disk at path: type "file" or "block" (NULL keeps the disk's
 * type) decides the attribute (file= or dev=). path NULL ejects (removes
 * <source>). Other source attributes and children are kept when the type
 * stays; a type change starts a fresh <source>. */
int vu_disk_set_source(xmlNodePtr disk, const char *type, const char *path);
/* The disk whose target dev is dev, or NULL. */
xmlNodePtr vu_domain_find_disk(const struct vu_domain *dom, const char *dev);

/*
 * The first target name not used by any disk for bus: virtio vd*, scsi, sata
 * and usb sd* (they share the letters), ide hd*, fdc fd*, xen xvd*. Letters
 * run a..z, aa..zz, aaa..zzz as libvirt numbers them; ide stops at hdd and
 * fdc at fdb (one IDE controller, one floppy controller). -EINVAL for
 * another bus, -ENOSPC when all are taken.
 */
int vu_domain_next_target(const struct vu_domain *dom, const char *bus,
			  char out[VU_TARGET_MAX]);

/* ---- network interfaces (domainxml_net.c) ---- */

/*
 * An interface to add. type network, bridge, direct or user. source is the
 * network, bridge or host device name (not for user); source_mode the
 * macvtap mode for direct (vepa, bridge, private, passthrough) or NULL.
 * mac is normalised (-EINVAL if invalid); NULL lets libvirt choose one.
 * virtualport "openvswitch" (or another type) adds <virtualport type>, with
 * interfaceid when given. model ("virtio", "e1000"...), target_dev may be
 * NULL. boot_order 0 = none.
 */
struct vu_iface_spec {
	const char *type;
	const char *source;
	const char *source_mode;
	const char *mac;
	const char *model;
	const char *target_dev;
	const char *virtualport;
	const char *interfaceid;
	unsigned boot_order;
};
int vu_domain_add_iface(struct vu_domain *dom, const struct vu_iface_spec *spec,
			xmlNodePtr *out);

/* What an interface says; source is source/@network, @bridge or @dev after
 * the type. Free with vu_iface_clear. */
struct vu_iface {
	char *type;
	char *source;
	char *source_mode;
	char *mac;
	char *model;
	char *target_dev;
	char *virtualport;
	char *interfaceid;
	unsigned boot_order;
};
int vu_iface_get(xmlNodePtr iface, struct vu_iface *out);
void vu_iface_clear(struct vu_iface *i);
/* Writes <mac address> in canonical form; -EINVAL if mac is not a unicast
 * MAC. NULL removes it (libvirt then generates one). */
int vu_iface_set_mac(xmlNodePtr iface, const char *mac);
/* Rewrites the virtualport's interfaceid (canonical UUID); -ENOENT when the
 * interface has no <virtualport>. */
int vu_iface_set_interfaceid(xmlNodePtr iface, const char *uuid);
/* <target dev>; NULL removes it (clones and migrations drop libvirt's vnetN). */
int vu_iface_set_target(xmlNodePtr iface, const char *dev);
/* The interface with that MAC (any case, either form), or NULL. */
xmlNodePtr vu_domain_find_iface(const struct vu_domain *dom, const char *mac);

#endif
