/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_domain_res.c - memory with libvirt's units, vcpus and the guest CPU */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vu/base.h"

#include "domain_test.h"

static void test_scaled_units(void **state)
{
	static const struct {
		const char *value, *unit;
		uint64_t kib;
	} ok[] = {
		{ "1048576", NULL, 1048576 }, { "1048576", "", 1048576 },
		{ "1048576", "KiB", 1048576 }, { "1048576", "k", 1048576 },
		{ "1048576", "K", 1048576 }, { "1024000", "KB", 1000000 },
		{ "2", "GiB", 2097152 }, { "2", "G", 2097152 }, { "2", "gib", 2097152 },
		{ "2", "GB", 1953125 }, { "512", "M", 524288 }, { "512", "MiB", 524288 },
		{ "1", "MB", 977 },	/* 1000000 bytes, rounded up */
		{ "1", "T", 1073741824 }, { "1", "TB", 976562500 },
		{ "1", "P", 1099511627776ULL }, { "1", "E", 1125899906842624ULL },
		{ "67108864", "bytes", 65536 }, { "1", "b", 1 }, { "1025", "byte", 2 },
		{ "0", "b", 0 },
		/* 2^64-1 bytes is about 16 EiB: fits in KiB. */
		{ "18446744073709551615", "b", 18014398509481984ULL },
		{ "16", "E", 18014398509481984ULL },
	};
	static const struct {
		const char *value, *unit;
		int err;
	} bad[] = {
		{ "1", "XB", -EINVAL }, { "1", "KiBB", -EINVAL }, { "1", "i", -EINVAL },
		{ "-1", "KiB", -EINVAL }, { "1.5", "GiB", -EINVAL }, { "", "KiB", -EINVAL },
		{ " 1", "KiB", -EINVAL }, { "1x", NULL, -EINVAL },
		{ "18446744073709551616", "b", -ERANGE },
		{ "18446744073709551615", "KiB", 0 },
		{ "18446744073709551615", "MiB", -ERANGE }, { "16384", "EiB", -ERANGE },
		{ "16383", "EiB", 0 },
	};
	uint64_t kib;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(vu_domain_scaled_kib(ok[i].value, ok[i].unit, &kib), 0);
		assert_int_equal(kib, ok[i].kib);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(vu_domain_scaled_kib(bad[i].value, bad[i].unit, &kib),
				 bad[i].err);
}

/* The seeds' documents use no unit (KiB), KiB, and others' G and bytes. */
static void test_memory_get(void **state)
{
	struct vu_domain *dom = dom_fixture("s0-guest1-rhel6-64.xml");
	uint64_t kib = 0;
	unsigned slots = 0;
	(void)state;

	assert_int_equal(vu_domain_get_memory(dom, VU_MEMORY, &kib), 0);
	assert_int_equal(kib, 2097152);
	assert_int_equal(vu_domain_get_memory(dom, VU_MEMORY_CURRENT, &kib), 0);
	assert_int_equal(kib, 2097152);
	assert_int_equal(vu_domain_get_max_memory(dom, &kib, &slots), -ENOENT);
	vu_domain_free(&dom);

	dom = dom_fixture("s4-tuning.xml");
	assert_int_equal(vu_domain_get_max_memory(dom, &kib, &slots), 0);
	assert_int_equal(kib, 1524288);
	assert_int_equal(slots, 16);
	vu_domain_free(&dom);

	dom = dom_fixture("foreign.xml");	/* <memory unit='GiB'>2</memory> */
	assert_int_equal(vu_domain_get_memory(dom, VU_MEMORY, &kib), 0);
	assert_int_equal(kib, 2097152);
	assert_int_equal(vu_domain_get_memory(dom, VU_MEMORY_CURRENT, &kib), -ENOENT);
	assert_int_equal(vu_domain_set(dom, "memory", "unit", "parsecs"), 0);
	assert_int_equal(vu_domain_get_memory(dom, VU_MEMORY, &kib), -EINVAL);
	assert_int_equal(vu_domain_get_memory(dom, (enum vu_domain_memory)7, &kib), -EINVAL);
	vu_domain_free(&dom);
}

static void test_memory_set(void **state)
{
	struct vu_domain *dom = dom_minimal();
	uint64_t kib = 0;
	unsigned slots = 0;
	char *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_set_memory(dom, VU_MEMORY_CURRENT, 524288), 0);
	assert_int_equal(vu_domain_set_memory(dom, VU_MEMORY, 1048576), 0);
	assert_int_equal(vu_domain_set_max_memory(dom, 4194304, 16), 0);
	assert_children(dom, "", "name maxMemory memory currentMemory os");
	/* maxMemory needs a NUMA topology to be used, but the schema takes it. */
	assert_valid(dom);
	assert_int_equal(vu_domain_get_memory(dom, VU_MEMORY, &kib), 0);
	assert_int_equal(kib, 1048576);
	assert_int_equal(vu_domain_get_memory(dom, VU_MEMORY_CURRENT, &kib), 0);
	assert_int_equal(kib, 524288);
	assert_int_equal(vu_domain_get_max_memory(dom, &kib, &slots), 0);
	assert_int_equal(kib, 4194304);
	assert_int_equal(slots, 16);
	assert_get(vu_domain_get(dom, "memory", "unit", &s), s, "KiB");
	/* Overwriting a value in another unit rewrites the unit too. */
	assert_int_equal(vu_domain_set(dom, "memory", "unit", "GiB"), 0);
	assert_int_equal(vu_domain_set(dom, "memory", NULL, "8"), 0);
	assert_int_equal(vu_domain_get_memory(dom, VU_MEMORY, &kib), 0);
	assert_int_equal(kib, 8388608);
	assert_int_equal(vu_domain_set_memory(dom, VU_MEMORY, 2097152), 0);
	assert_get(vu_domain_get(dom, "memory", NULL, &s), s, "2097152");
	assert_get(vu_domain_get(dom, "memory", "unit", &s), s, "KiB");
	/* 0 removes. */
	assert_int_equal(vu_domain_set_max_memory(dom, 0, 0), 0);
	assert_int_equal(vu_domain_set_memory(dom, VU_MEMORY_CURRENT, 0), 0);
	assert_children(dom, "", "name memory os");
	assert_int_equal(vu_domain_get_max_memory(dom, &kib, NULL), -ENOENT);
	assert_valid(dom);
	vu_domain_free(&dom);
}

static void test_vcpus(void **state)
{
	struct vu_domain *dom = dom_fixture("s4-tuning.xml");
	unsigned max = 0, cur = 0;
	char *s = NULL;
	(void)state;

	/* <vcpu placement='static' cpuset="1-4,^3,6" current="1">2</vcpu> */
	assert_int_equal(vu_domain_get_vcpus(dom, &max, &cur), 0);
	assert_int_equal(max, 2);
	assert_int_equal(cur, 1);
	assert_get(vu_domain_get_vcpu_placement(dom, &s), s, "static");
	assert_get(vu_domain_get_vcpu_cpuset(dom, &s), s, "1-4,^3,6");
	assert_int_equal(vu_domain_set_vcpus(dom, 4, 4), 0);
	assert_int_equal(vu_domain_get_vcpus(dom, &max, &cur), 0);
	assert_int_equal(max, 4);
	assert_int_equal(cur, 4);
	assert_get(vu_domain_get(dom, "vcpu", "current", &s), s, NULL);
	vu_domain_free(&dom);

	dom = dom_minimal();
	assert_int_equal(vu_domain_get_vcpus(dom, &max, &cur), -ENOENT);
	/* Attributes need a count first. */
	assert_int_equal(vu_domain_set_vcpu_placement(dom, "auto"), -ENOENT);
	assert_int_equal(vu_domain_set_vcpu_cpuset(dom, NULL), 0);
	assert_int_equal(vu_domain_set_vcpus(dom, 0, 0), -EINVAL);
	assert_int_equal(vu_domain_set_vcpus(dom, 2, 3), -EINVAL);
	assert_int_equal(vu_domain_set_vcpus(dom, 8, 2), 0);
	assert_int_equal(vu_domain_get_vcpus(dom, &max, &cur), 0);
	assert_int_equal(max, 8);
	assert_int_equal(cur, 2);
	assert_get(vu_domain_get_vcpu_placement(dom, &s), s, "static");
	assert_int_equal(vu_domain_set_vcpu_placement(dom, "numad"), -EINVAL);
	assert_int_equal(vu_domain_set_vcpu_placement(dom, "auto"), 0);
	assert_get(vu_domain_get_vcpu_placement(dom, &s), s, "auto");
	assert_int_equal(vu_domain_set_vcpu_cpuset(dom, "0-3; rm -rf"), -EINVAL);
	assert_int_equal(vu_domain_set_vcpu_cpuset(dom, ""), -EINVAL);
	assert_int_equal(vu_domain_set_vcpu_cpuset(dom, "0-3,^2,6"), 0);
	assert_get(vu_domain_get_vcpu_cpuset(dom, &s), s, "0-3,^2,6");
	assert_int_equal(vu_domain_set_vcpu_placement(dom, "static"), 0);
	assert_children(dom, "", "name vcpu os");
	assert_valid(dom);
	assert_int_equal(vu_domain_set_vcpu_cpuset(dom, NULL), 0);
	assert_get(vu_domain_get_vcpu_cpuset(dom, &s), s, NULL);
	/* A count that is not one. */
	assert_int_equal(vu_domain_set(dom, "vcpu", NULL, "two"), 0);
	assert_int_equal(vu_domain_get_vcpus(dom, &max, &cur), -EINVAL);
	assert_int_equal(vu_domain_set(dom, "vcpu", NULL, "99999999999"), 0);
	assert_int_equal(vu_domain_get_vcpus(dom, &max, NULL), -ERANGE);
	vu_domain_free(&dom);
}

static void test_cpu_read(void **state)
{
	struct vu_domain *dom = dom_fixture("s4-tuning.xml");
	unsigned s = 0, c = 0, t = 0;
	xmlNodePtr f;
	char *str = NULL;
	(void)state;

	/* <cpu match='exact'><model fallback='allow'>core2duo</model>... */
	assert_get(vu_domain_get_cpu_mode(dom, &str), str, NULL);
	assert_get(vu_domain_get_cpu_model(dom, &str), str, "core2duo");
	assert_int_equal(vu_domain_get_cpu_topology(dom, &s, &c, &t), 0);
	assert_int_equal(s, 1);
	assert_int_equal(c, 2);
	assert_int_equal(t, 1);
	f = vu_domain_cpu_feature_next(dom, NULL);
	assert_non_null(f);
	assert_get(vu_node_get(f, NULL, "name", &str), str, "lahf_lm");
	assert_null(vu_domain_cpu_feature_next(dom, f));
	assert_get(vu_domain_get_cpu_feature(dom, "lahf_lm", &str), str, "disable");
	assert_get(vu_domain_get_cpu_feature(dom, "vmx", &str), str, NULL);
	vu_domain_free(&dom);

	dom = dom_fixture("s2-sles11sp3.xml");
	assert_int_equal(vu_domain_get_cpu_topology(dom, &s, &c, &t), -ENOENT);
	assert_null(vu_domain_cpu_feature_next(dom, NULL));
	assert_int_equal(vu_domain_set(dom, "cpu/topology", "sockets", "2"), 0);
	assert_int_equal(vu_domain_get_cpu_topology(dom, &s, &c, &t), -EINVAL);
	vu_domain_free(&dom);
}

/* virt-install's --cpu forms: host-passthrough, and a model with +feat and
 * -feat, with a topology from --vcpus sockets=,cores=,threads=. */
static void test_cpu_write(void **state)
{
	struct vu_domain *dom = dom_minimal();
	unsigned s = 0, c = 0, t = 0;
	char *str = NULL;
	(void)state;

	assert_int_equal(vu_domain_set_vcpus(dom, 8, 0), 0);
	assert_int_equal(vu_domain_set_cpu_feature(dom, "vmx", "require"), 0);
	assert_int_equal(vu_domain_set_cpu_topology(dom, 2, 2, 2), 0);
	assert_int_equal(vu_domain_set_cpu_model(dom, "Skylake-Client", "allow"), 0);
	assert_int_equal(vu_domain_set_cpu_mode(dom, "custom"), 0);
	assert_int_equal(vu_domain_set_cpu_feature(dom, "hle", "disable"), 0);
	assert_int_equal(vu_domain_set(dom, "cpu", "match", "exact"), 0);
	assert_children(dom, "", "name vcpu os cpu");
	assert_children(dom, "cpu", "model topology feature feature");
	assert_valid(dom);
	assert_get(vu_domain_get_cpu_mode(dom, &str), str, "custom");
	assert_get(vu_domain_get_cpu_model(dom, &str), str, "Skylake-Client");
	assert_get(vu_domain_get(dom, "cpu/model", "fallback", &str), str, "allow");
	assert_int_equal(vu_domain_get_cpu_topology(dom, &s, &c, &t), 0);
	assert_int_equal(s * c * t, 8);
	assert_get(vu_domain_get_cpu_feature(dom, "vmx", &str), str, "require");
	assert_get(vu_domain_get_cpu_feature(dom, "hle", &str), str, "disable");
	/* Changing a policy keeps the feature's place; removing it goes. */
	assert_int_equal(vu_domain_set_cpu_feature(dom, "vmx", "optional"), 0);
	assert_get(vu_node_get(vu_domain_cpu_feature_next(dom, NULL), NULL, "name", &str),
		   str, "vmx");
	assert_int_equal(vu_domain_set_cpu_feature(dom, "vmx", NULL), 0);
	assert_int_equal(vu_domain_set_cpu_feature(dom, "nothere", NULL), 0);
	assert_children(dom, "cpu", "model topology feature");
	/* Bad values. */
	assert_int_equal(vu_domain_set_cpu_feature(dom, "vmx", "sometimes"), -EINVAL);
	assert_int_equal(vu_domain_set_cpu_feature(dom, "", "force"), -EINVAL);
	assert_int_equal(vu_domain_set_cpu_mode(dom, "host"), -EINVAL);
	assert_int_equal(vu_domain_set_cpu_model(dom, "X", "maybe"), -EINVAL);
	assert_int_equal(vu_domain_set_cpu_model(dom, "", NULL), -EINVAL);
	assert_int_equal(vu_domain_set_cpu_topology(dom, 1, 0, 1), -EINVAL);
	/* Switching to host-passthrough: the model goes, the rest stays. */
	assert_int_equal(vu_domain_set_cpu_mode(dom, "host-passthrough"), 0);
	assert_int_equal(vu_domain_set_cpu_model(dom, NULL, NULL), 0);
	assert_int_equal(vu_domain_set(dom, "cpu", "match", NULL), 0);
	assert_int_equal(vu_domain_set_cpu_topology(dom, 0, 0, 0), 0);
	assert_children(dom, "cpu", "feature");
	assert_valid(dom);
	assert_int_equal(vu_domain_set_cpu_mode(dom, NULL), 0);
	assert_get(vu_domain_get_cpu_mode(dom, &str), str, NULL);
	vu_domain_free(&dom);
	/* Removing what is not there creates nothing. */
	dom = dom_minimal();
	assert_int_equal(vu_domain_set_cpu_mode(dom, NULL), 0);
	assert_int_equal(vu_domain_set_cpu_model(dom, NULL, NULL), 0);
	assert_int_equal(vu_domain_set_cpu_topology(dom, 0, 0, 0), 0);
	assert_null(vu_domain_find(dom, "cpu"));
	vu_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scaled_units),
		cmocka_unit_test(test_memory_get),
		cmocka_unit_test(test_memory_set),
		cmocka_unit_test(test_vcpus),
		cmocka_unit_test(test_cpu_read),
		cmocka_unit_test(test_cpu_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
