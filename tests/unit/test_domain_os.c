/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_domain_os.c - <os> (type, boot order, firmware, direct kernel, boot
 * menu), features, clock, lifecycle actions and SMBIOS sysinfo */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "domain_test.h"

static void test_os_type(void **state)
{
	struct vu_domain *dom = dom_fixture("s1-rhelx86_64-live.xml");
	char *type = NULL, *arch = NULL, *machine = NULL;
	(void)state;

	assert_int_equal(vu_domain_get_os_type(dom, &type, &arch, &machine), 0);
	assert_string_equal(type, "hvm");
	assert_string_equal(arch, "x86_64");
	assert_string_equal(machine, "rhel");
	free(type);
	free(arch);
	free(machine);
	assert_int_equal(vu_domain_set_os_type(dom, "hvm", "x86_64", "pc-q35-7.2"), 0);
	assert_int_equal(vu_domain_get_os_type(dom, NULL, NULL, &machine), 0);
	assert_string_equal(machine, "pc-q35-7.2");
	free(machine);
	vu_domain_free(&dom);

	/* S0's demo2: arch only. */
	dom = dom_fixture("s0-demo2.xml");
	assert_int_equal(vu_domain_get_os_type(dom, &type, &arch, &machine), 0);
	assert_string_equal(type, "hvm");
	assert_string_equal(arch, "i686");
	assert_null(machine);
	free(type);
	free(arch);
	assert_int_equal(vu_domain_set_os_type(dom, "hvm", NULL, NULL), 0);
	assert_get(vu_domain_get(dom, "os/type", "arch", &arch), arch, NULL);
	assert_int_equal(vu_domain_set_os_type(dom, NULL, NULL, NULL), -EINVAL);
	vu_domain_free(&dom);

	assert_int_equal(vu_domain_new(&dom, "kvm"), 0);
	assert_int_equal(vu_domain_get_os_type(dom, &type, NULL, NULL), -ENOENT);
	assert_null(type);
	assert_int_equal(vu_domain_set_name(dom, "x"), 0);
	assert_int_equal(vu_domain_set_os_type(dom, "hvm", "aarch64", "virt"), 0);
	assert_valid(dom);
	vu_domain_free(&dom);
}

static void test_boot_devs(void **state)
{
	struct vu_domain *dom = dom_fixture("s4-tuning.xml");
	const char *devs[VU_BOOT_MAX];
	(void)state;

	/* <boot dev='hd'/><boot dev='cdrom'/> */
	assert_int_equal(vu_domain_get_boot_devs(dom, devs, VU_BOOT_MAX), 2);
	assert_string_equal(devs[0], "hd");
	assert_string_equal(devs[1], "cdrom");
	assert_int_equal(vu_domain_get_boot_devs(dom, devs, 1), 1);
	assert_int_equal(vu_domain_get_boot_devs(dom, NULL, 0), 0);
	/* Rewritten in place, between the nvram and the bootmenu. */
	assert_int_equal(vu_domain_set_boot_devs(dom, (const char *[]){ "network", "cdrom",
									"hd", "fd" }, 4), 0);
	assert_children(dom, "os", "type loader nvram boot boot boot boot bootmenu smbios bios");
	assert_int_equal(vu_domain_get_boot_devs(dom, devs, VU_BOOT_MAX), 4);
	assert_string_equal(devs[0], "network");
	assert_string_equal(devs[3], "fd");
	/* Refused: unknown names, repeats, too many; the list is untouched. */
	assert_int_equal(vu_domain_set_boot_devs(dom, (const char *[]){ "usb" }, 1), -EINVAL);
	assert_int_equal(vu_domain_set_boot_devs(dom, (const char *[]){ "hd", "hd" }, 2),
			 -EINVAL);
	assert_int_equal(vu_domain_set_boot_devs(dom, (const char *[]){ "hd", "cdrom",
									"network", "fd", "hd" }, 5),
			 -EINVAL);
	assert_int_equal(vu_domain_set_boot_devs(dom, NULL, 1), -EINVAL);
	assert_int_equal(vu_domain_get_boot_devs(dom, devs, VU_BOOT_MAX), 4);
	assert_int_equal(vu_domain_set_boot_devs(dom, NULL, 0), 0);
	assert_int_equal(vu_domain_get_boot_devs(dom, devs, VU_BOOT_MAX), 0);
	assert_children(dom, "os", "type loader nvram bootmenu smbios bios");
	/* A value the list does not know is an error, not a silent skip. */
	assert_int_equal(vu_domain_set(dom, "os/boot", "dev", "floppy"), 0);
	assert_int_equal(vu_domain_get_boot_devs(dom, devs, VU_BOOT_MAX), -EINVAL);
	vu_domain_free(&dom);

	dom = dom_minimal();
	assert_int_equal(vu_domain_set_boot_devs(dom, (const char *[]){ "cdrom", "hd" }, 2), 0);
	assert_valid(dom);
	vu_domain_free(&dom);
}

/* UEFI as vm-create --boot uefi writes it, then read back. */
static void test_firmware(void **state)
{
	struct vu_domain *dom = dom_minimal();
	char *path = NULL, *tmpl = NULL, *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_set_nvram(dom, "/var/lib/virtutils/nvram/t_VARS.fd",
					     "/usr/share/OVMF/OVMF_VARS_4M.fd"), 0);
	assert_int_equal(vu_domain_set_loader(dom, "/usr/share/OVMF/OVMF_CODE_4M.fd",
					      "pflash", true), 0);
	assert_int_equal(vu_domain_set_boot_devs(dom, (const char *[]){ "hd" }, 1), 0);
	assert_children(dom, "os", "type loader nvram boot");
	assert_valid(dom);
	assert_get(vu_domain_get_loader(dom, &path), path, "/usr/share/OVMF/OVMF_CODE_4M.fd");
	assert_get(vu_domain_get(dom, "os/loader", "readonly", &s), s, "yes");
	assert_get(vu_domain_get(dom, "os/loader", "type", &s), s, "pflash");
	assert_int_equal(vu_domain_get_nvram(dom, &path, &tmpl), 0);
	assert_string_equal(path, "/var/lib/virtutils/nvram/t_VARS.fd");
	assert_string_equal(tmpl, "/usr/share/OVMF/OVMF_VARS_4M.fd");
	free(path);
	free(tmpl);
	/* A clone's new nvram path: the template stays. */
	assert_int_equal(vu_domain_set_nvram(dom, "/var/lib/virtutils/nvram/u_VARS.fd",
					     "/usr/share/OVMF/OVMF_VARS_4M.fd"), 0);
	assert_int_equal(vu_domain_get_nvram(dom, &path, NULL), 0);
	assert_string_equal(path, "/var/lib/virtutils/nvram/u_VARS.fd");
	free(path);
	/* Template only: libvirt picks the path. */
	assert_int_equal(vu_domain_set_nvram(dom, NULL, "/usr/share/OVMF/OVMF_VARS_4M.fd"), 0);
	assert_int_equal(vu_domain_get_nvram(dom, &path, &tmpl), 0);
	assert_string_equal(path, "");
	assert_string_equal(tmpl, "/usr/share/OVMF/OVMF_VARS_4M.fd");
	free(path);
	free(tmpl);
	assert_valid(dom);
	/* Changing the loader's kind drops readonly when asked. */
	assert_int_equal(vu_domain_set_loader(dom, "/usr/share/seabios/bios.bin", "rom", false), 0);
	assert_get(vu_domain_get(dom, "os/loader", "readonly", &s), s, NULL);
	assert_int_equal(vu_domain_set_loader(dom, "relative.fd", NULL, false), -EINVAL);
	assert_int_equal(vu_domain_set_loader(dom, "/x.fd", "flash", false), -EINVAL);
	assert_int_equal(vu_domain_set_nvram(dom, "relative", NULL), -EINVAL);
	/* Removal. */
	assert_int_equal(vu_domain_set_loader(dom, NULL, NULL, false), 0);
	assert_int_equal(vu_domain_set_nvram(dom, NULL, NULL), 0);
	assert_get(vu_domain_get_loader(dom, &path), path, NULL);
	assert_int_equal(vu_domain_get_nvram(dom, &path, &tmpl), -ENOENT);
	assert_children(dom, "os", "type boot");
	vu_domain_free(&dom);

	/* The formatdomain example: loader type rom, nvram with template. */
	dom = dom_fixture("s4-tuning.xml");
	assert_get(vu_domain_get_loader(dom, &path), path, "/usr/lib/xen/boot/hvmloader");
	assert_int_equal(vu_domain_get_nvram(dom, &path, &tmpl), 0);
	assert_string_equal(path, "/var/lib/libvirt/nvram/guest_VARS.fd");
	assert_string_equal(tmpl, "/usr/share/OVMF/OVMF_VARS.fd");
	free(path);
	free(tmpl);
	vu_domain_free(&dom);
}

/* The install phase's direct kernel boot, as vm-create --location writes
 * it and vm-ctl reads it. */
static void test_direct_kernel(void **state)
{
	struct vu_domain *dom = dom_minimal();
	char *k = NULL, *i = NULL, *c = NULL;
	(void)state;

	assert_int_equal(vu_domain_get_kernel(dom, &k, &i, &c), 0);
	assert_null(k);
	assert_null(i);
	assert_null(c);
	assert_int_equal(vu_domain_set_boot_devs(dom, (const char *[]){ "hd" }, 1), 0);
	assert_int_equal(vu_domain_set_kernel(dom, "/var/lib/virtutils/boot/t/vmlinuz",
					      "/var/lib/virtutils/boot/t/initrd.img",
					      "console=ttyS0 inst.ks=file:/ks.cfg"), 0);
	assert_children(dom, "os", "type kernel initrd cmdline boot");
	assert_valid(dom);
	assert_int_equal(vu_domain_get_kernel(dom, &k, &i, &c), 0);
	assert_string_equal(k, "/var/lib/virtutils/boot/t/vmlinuz");
	assert_string_equal(i, "/var/lib/virtutils/boot/t/initrd.img");
	assert_string_equal(c, "console=ttyS0 inst.ks=file:/ks.cfg");
	free(k);
	free(i);
	free(c);
	assert_int_equal(vu_domain_get_kernel(dom, NULL, NULL, &c), 0);
	free(c);
	assert_int_equal(vu_domain_set_kernel(dom, "vmlinuz", NULL, NULL), -EINVAL);
	/* The final phase boots from disk: all three go. */
	assert_int_equal(vu_domain_set_kernel(dom, NULL, NULL, NULL), 0);
	assert_children(dom, "os", "type boot");
	vu_domain_free(&dom);
}

static void test_bootmenu(void **state)
{
	struct vu_domain *dom = dom_fixture("s4-tuning.xml");
	bool enable = false;
	int timeout = 0;
	(void)state;

	assert_int_equal(vu_domain_get_bootmenu(dom, &enable, &timeout), 0);
	assert_true(enable);
	assert_int_equal(timeout, 3000);
	vu_domain_free(&dom);

	dom = dom_minimal();
	assert_int_equal(vu_domain_get_bootmenu(dom, &enable, &timeout), -ENOENT);
	assert_int_equal(vu_domain_set_bootmenu(dom, true, -1), 0);
	assert_int_equal(vu_domain_get_bootmenu(dom, &enable, &timeout), 0);
	assert_true(enable);
	assert_int_equal(timeout, -1);
	assert_valid(dom);
	assert_int_equal(vu_domain_set_bootmenu(dom, false, 500), 0);
	assert_int_equal(vu_domain_get_bootmenu(dom, &enable, &timeout), 0);
	assert_false(enable);
	assert_int_equal(timeout, 500);
	assert_valid(dom);
	assert_int_equal(vu_domain_set_bootmenu(dom, true, 65536), -ERANGE);
	assert_int_equal(vu_domain_set(dom, "os/bootmenu", "enable", "on"), 0);
	assert_int_equal(vu_domain_get_bootmenu(dom, &enable, &timeout), -EINVAL);
	assert_int_equal(vu_domain_remove(dom, "os/bootmenu"), 0);
	vu_domain_free(&dom);
}

static void test_features(void **state)
{
	struct vu_domain *dom = dom_fixture("s0-guest1-rhel6-64.xml");
	(void)state;

	assert_true(vu_domain_has_feature(dom, "acpi"));
	assert_true(vu_domain_has_feature(dom, "pae"));
	assert_false(vu_domain_has_feature(dom, "hap"));
	assert_false(vu_domain_has_feature(dom, ""));
	/* Adding what is there changes nothing; a new one goes in libvirt's
	 * order. */
	assert_int_equal(vu_domain_add_feature(dom, "acpi"), 0);
	assert_int_equal(vu_domain_add_feature(dom, "hap"), 0);
	assert_int_equal(vu_domain_add_feature(dom, "vmport"), 0);
	assert_children(dom, "features", "acpi apic pae hap vmport");
	assert_int_equal(vu_domain_set(dom, "features/vmport", "state", "off"), 0);
	assert_valid(dom);
	assert_int_equal(vu_domain_add_feature(dom, "not a name"), -EINVAL);
	assert_int_equal(vu_domain_remove_feature(dom, "pae"), 0);
	assert_int_equal(vu_domain_remove_feature(dom, "pae"), 0);
	assert_false(vu_domain_has_feature(dom, "pae"));
	assert_int_equal(vu_domain_remove_feature(dom, NULL), -EINVAL);
	assert_children(dom, "features", "acpi apic hap vmport");
	/* Removing the last one takes <features> with it. */
	assert_int_equal(vu_domain_remove_feature(dom, "acpi"), 0);
	assert_int_equal(vu_domain_remove_feature(dom, "apic"), 0);
	assert_int_equal(vu_domain_remove_feature(dom, "hap"), 0);
	assert_int_equal(vu_domain_remove_feature(dom, "vmport"), 0);
	assert_null(vu_domain_find(dom, "features"));
	vu_domain_free(&dom);

	/* A feature with children (hyperv) is left as it is. */
	dom = dom_fixture("s4-tuning.xml");
	assert_int_equal(vu_domain_add_feature(dom, "hyperv"), 0);
	assert_children(dom, "features/hyperv", "relaxed vapic spinlocks");
	vu_domain_free(&dom);

	dom = dom_minimal();
	assert_int_equal(vu_domain_add_feature(dom, "apic"), 0);
	assert_int_equal(vu_domain_add_feature(dom, "acpi"), 0);
	assert_children(dom, "", "name os features");
	assert_children(dom, "features", "acpi apic");
	assert_valid(dom);
	vu_domain_free(&dom);
}

static void test_clock(void **state)
{
	struct vu_domain *dom = dom_fixture("s4-tuning.xml");
	char *s = NULL;
	(void)state;

	assert_get(vu_domain_get_clock_offset(dom, &s), s, "localtime");
	assert_int_equal(vu_domain_set_clock_offset(dom, "utc"), 0);
	assert_get(vu_domain_get_clock_offset(dom, &s), s, "utc");
	/* The timers stay. */
	assert_children(dom, "clock", "timer timer");
	assert_int_equal(vu_domain_set_clock_offset(dom, "gmt"), -EINVAL);
	vu_domain_free(&dom);

	dom = dom_minimal();
	assert_int_equal(vu_domain_set_clock_offset(dom, NULL), 0);
	assert_null(vu_domain_find(dom, "clock"));
	assert_int_equal(vu_domain_set_clock_offset(dom, "localtime"), 0);
	assert_children(dom, "", "name os clock");
	assert_valid(dom);
	assert_int_equal(vu_domain_set_clock_offset(dom, NULL), 0);
	assert_null(vu_domain_find(dom, "clock"));
	vu_domain_free(&dom);
}

static void test_lifecycle(void **state)
{
	struct vu_domain *dom = dom_fixture("s1-rhelx86_64-live.xml");
	char *s = NULL;
	(void)state;

	assert_get(vu_domain_get_lifecycle(dom, "poweroff", &s), s, "destroy");
	assert_get(vu_domain_get_lifecycle(dom, "reboot", &s), s, "destroy");
	assert_get(vu_domain_get_lifecycle(dom, "crash", &s), s, "destroy");
	assert_get(vu_domain_get_lifecycle(dom, "lockfailure", &s), s, NULL);
	assert_int_equal(vu_domain_get_lifecycle(dom, "halt", &s), -EINVAL);
	/* The install phase ends with on_reboot=destroy; the final domain
	 * restarts. */
	assert_int_equal(vu_domain_set_lifecycle(dom, "reboot", "restart"), 0);
	assert_get(vu_domain_get_lifecycle(dom, "reboot", &s), s, "restart");
	assert_int_equal(vu_domain_set_lifecycle(dom, "crash", "coredump-restart"), 0);
	assert_int_equal(vu_domain_set_lifecycle(dom, "poweroff", "coredump-restart"), -EINVAL);
	assert_int_equal(vu_domain_set_lifecycle(dom, "lockfailure", "pause"), 0);
	assert_int_equal(vu_domain_set_lifecycle(dom, "lockfailure", "destroy"), -EINVAL);
	assert_int_equal(vu_domain_set_lifecycle(dom, "halt", "destroy"), -EINVAL);
	assert_int_equal(vu_domain_set_lifecycle(dom, NULL, "destroy"), -EINVAL);
	assert_valid(dom);
	assert_int_equal(vu_domain_set_lifecycle(dom, "lockfailure", NULL), 0);
	assert_get(vu_domain_get_lifecycle(dom, "lockfailure", &s), s, NULL);
	vu_domain_free(&dom);

	dom = dom_minimal();
	assert_int_equal(vu_domain_set_lifecycle(dom, "crash", "destroy"), 0);
	assert_int_equal(vu_domain_set_lifecycle(dom, "reboot", "restart"), 0);
	assert_int_equal(vu_domain_set_lifecycle(dom, "poweroff", "destroy"), 0);
	assert_int_equal(vu_domain_set_clock_offset(dom, "utc"), 0);
	assert_children(dom, "", "name os clock on_poweroff on_reboot on_crash");
	assert_valid(dom);
	vu_domain_free(&dom);
}

static void test_sysinfo(void **state)
{
	struct vu_domain *dom = dom_fixture("s4-tuning.xml");
	char *s = NULL;
	(void)state;

	assert_get(vu_domain_get_sysinfo(dom, "bios", "vendor", &s), s, "LENOVO");
	assert_get(vu_domain_get_sysinfo(dom, "system", "product", &s), s, "Virt-Manager");
	assert_get(vu_domain_get_sysinfo(dom, "system", "uuid", &s), s, NULL);
	assert_int_equal(vu_domain_get_sysinfo(dom, "planet", "name", &s), -EINVAL);
	assert_int_equal(vu_domain_set_sysinfo(dom, "system", "version", "1.0"), 0);
	assert_get(vu_domain_get_sysinfo(dom, "system", "version", &s), s, "1.0");
	assert_children(dom, "sysinfo/system", "entry entry entry");
	vu_domain_free(&dom);

	/* Built from nothing, in libvirt's order; the uuid follows the domain's. */
	dom = dom_minimal();
	assert_int_equal(vu_domain_set_uuid(dom, "c7a5fdbd-cdaf-9455-926a-d65c16db1809"), 0);
	assert_int_equal(vu_domain_set_sysinfo(dom, "system", "uuid",
					       "c7a5fdbd-cdaf-9455-926a-d65c16db1809"), 0);
	assert_int_equal(vu_domain_set_sysinfo(dom, "bios", "vendor", "virtutils"), 0);
	assert_int_equal(vu_domain_set_sysinfo(dom, "system", "serial", "S-1"), 0);
	assert_int_equal(vu_domain_set(dom, "os/smbios", "mode", "sysinfo"), 0);
	assert_children(dom, "", "name uuid sysinfo os");
	assert_children(dom, "sysinfo", "bios system");
	assert_valid(dom);
	assert_int_equal(vu_domain_set_uuid(dom, "0f0e0d0c-0b0a-0908-0706-050403020100"), 0);
	assert_get(vu_domain_get_sysinfo(dom, "system", "uuid", &s), s,
		   "0f0e0d0c-0b0a-0908-0706-050403020100");
	/* Emptied sections and sysinfo go. */
	assert_int_equal(vu_domain_set_sysinfo(dom, "bios", "vendor", NULL), 0);
	assert_children(dom, "sysinfo", "system");
	assert_int_equal(vu_domain_set_sysinfo(dom, "system", "uuid", NULL), 0);
	assert_int_equal(vu_domain_set_sysinfo(dom, "system", "serial", NULL), 0);
	assert_null(vu_domain_find(dom, "sysinfo"));
	assert_int_equal(vu_domain_set_sysinfo(dom, "system", "serial", NULL), 0);
	vu_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_os_type),
		cmocka_unit_test(test_boot_devs),
		cmocka_unit_test(test_firmware),
		cmocka_unit_test(test_direct_kernel),
		cmocka_unit_test(test_bootmenu),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_sysinfo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
