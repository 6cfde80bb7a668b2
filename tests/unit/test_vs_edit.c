/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_vs_edit.c - vm-sysprep's text edits (ifcfg keys, passwd/shadow/
 * group lines, UUID words), its password selectors and crypt(3) fields,
 * and its first-boot file names */
#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../tools/vm-sysprep/vm-sysprep.h"

static void test_drop_keys(void **state)
{
	static const char *const keys[] = { "HOSTNAME", "DHCP_HOSTNAME", NULL };
	const char *in = "DEVICE=eth0\nHOSTNAME=web1\n  DHCP_HOSTNAME=\"web1\"\n"
			 "export HOSTNAME=x\nHOSTNAMES=keep\n# HOSTNAME=comment\nONBOOT=yes";
	char *out;
	bool changed;

	(void)state;
	assert_int_equal(vs_edit_drop_keys(in, keys, &out, &changed), 0);
	assert_true(changed);
	/* a longer key and a comment stay; the last line keeps its lack of newline */
	assert_string_equal(out, "DEVICE=eth0\nHOSTNAMES=keep\n# HOSTNAME=comment\nONBOOT=yes");
	free(out);
	assert_int_equal(vs_edit_drop_keys("A=1\n", keys, &out, &changed), 0);
	assert_false(changed);
	assert_string_equal(out, "A=1\n");
	free(out);
	assert_int_equal(vs_edit_drop_keys("", keys, &out, &changed), 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_set_key(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(vs_edit_set_key("NETWORKING=yes\nHOSTNAME=old\nHOSTNAME=dup\n", "HOSTNAME",
					  "new", &out), 0);
	assert_string_equal(out, "NETWORKING=yes\nHOSTNAME=new\n");
	free(out);
	assert_int_equal(vs_edit_set_key("NETWORKING=yes", "HOSTNAME", "new", &out), 0);
	assert_string_equal(out, "NETWORKING=yes\nHOSTNAME=new\n");
	free(out);
}

static void test_fields(void **state)
{
	const char *shadow = "root:$6$old:19000:0:99999:7:::\nbob:!!:19000:0:99999:7:::\n";
	char *out, *f;

	(void)state;
	assert_int_equal(vs_edit_set_field(shadow, "bob", 1, "$6$new", &out), 0);
	assert_string_equal(out, "root:$6$old:19000:0:99999:7:::\nbob:$6$new:19000:0:99999:7:::\n");
	free(out);
	/* "bo" is not "bob" */
	assert_int_equal(vs_edit_set_field(shadow, "bo", 1, "x", &out), -ENOENT);
	assert_int_equal(vs_edit_get_field("u:x:1001:1002:U:/home/u:/bin/sh\n", "u", 5, &f), 0);
	assert_string_equal(f, "/home/u");
	free(f);
	assert_int_equal(vs_edit_get_field("u:x:1001:1002:U:/home/u:/bin/sh\n", "u", 6, &f), 0);
	assert_string_equal(f, "/bin/sh");
	free(f);
	assert_int_equal(vs_edit_get_field("u:x\n", "u", 4, &f), -ENOENT);
}

static void test_drop_names_members(void **state)
{
	static const char *const names[] = { "bob", "eve", NULL };
	const char *group = "root:x:0:\nwheel:x:10:alice,bob\nbob:x:1001:\n"
			    "users:x:100:eve,bob,alice,bobby\nmail:x:12:eve\n";
	char *out;
	size_t n;

	(void)state;
	assert_int_equal(vs_edit_drop_names(group, names, &out, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(out, "root:x:0:\nwheel:x:10:alice,bob\n"
			    "users:x:100:eve,bob,alice,bobby\nmail:x:12:eve\n");
	free(out);
	assert_int_equal(vs_edit_drop_members(group, names, &out), 0);
	assert_string_equal(out, "root:x:0:\nwheel:x:10:alice\nbob:x:1001:\n"
			    "users:x:100:alice,bobby\nmail:x:12:\n");
	free(out);
}

static void test_replace_word(void **state)
{
	const char *fstab = "UUID=1111-aa / ext4 defaults 0 1\n"
			    "UUID=1111-aab /boot ext4 defaults 0 2\n";
	char *out;
	size_t n;

	(void)state;
	assert_int_equal(vs_edit_replace_word(fstab, "1111-aa", "2222-bb", &out, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(out, "UUID=2222-bb / ext4 defaults 0 1\n"
			    "UUID=1111-aab /boot ext4 defaults 0 2\n");
	free(out);
	assert_int_equal(vs_edit_replace_word("127.0.0.1 web1 web1.lan\n", "web1", "web2", &out,
					      &n), 0);
	/* the FQDN's first label is the host name too; "web10" is not */
	assert_int_equal(n, 2);
	assert_string_equal(out, "127.0.0.1 web2 web2.lan\n");
	free(out);
	assert_int_equal(vs_edit_replace_word("1.2.3.4 web10 xweb1\n", "web1", "web2", &out,
					      &n), 0);
	assert_int_equal(n, 0);
	assert_string_equal(out, "1.2.3.4 web10 xweb1\n");
	free(out);
}

static void test_append_line(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(vs_edit_append_line("a", "b", &out), 0);
	assert_string_equal(out, "a\nb\n");
	free(out);
	assert_int_equal(vs_edit_append_line("", "b", &out), 0);
	assert_string_equal(out, "b\n");
	free(out);
}

static void test_pw_parse(void **state)
{
	struct vs_pw pw;
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(vs_pw_parse("password:s3cret:x", &pw, &e), 0);
	assert_int_equal(pw.kind, VS_PW_PASSWORD);
	assert_string_equal(pw.value, "s3cret:x");
	assert_false(pw.locked);
	vs_pw_clear(&pw);
	assert_int_equal(vs_pw_parse("locked:file:/tmp/f", &pw, &e), 0);
	assert_int_equal(pw.kind, VS_PW_FILE);
	assert_true(pw.locked);
	vs_pw_clear(&pw);
	assert_int_equal(vs_pw_parse("locked", &pw, &e), 0);
	assert_int_equal(pw.kind, VS_PW_DISABLED);
	assert_true(pw.locked);
	vs_pw_clear(&pw);
	assert_int_equal(vs_pw_parse("random", &pw, &e), 0);
	assert_int_equal(pw.kind, VS_PW_RANDOM);
	vs_pw_clear(&pw);
	assert_int_equal(vs_pw_parse("plain", &pw, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "invalid password selector 'plain'"));
	assert_int_equal(vs_pw_parse("password:", &pw, &e), -EINVAL);
}

static void test_pw_field(void **state)
{
	struct vs_pw pw;
	struct vu_err e = { 0 };
	char *field, *clear, path[] = "/tmp/test_vs_pwXXXXXX";
	struct crypt_data cd;
	int fd;

	(void)state;
	assert_int_equal(vs_pw_parse("password:hunter2", &pw, &e), 0);
	assert_int_equal(vs_pw_field(&pw, &field, &clear, &e), 0);
	assert_null(clear);
	/* SHA-512 crypt, and the hash checks against the password */
	assert_memory_equal(field, "$6$", 3);
	memset(&cd, 0, sizeof(cd));
	assert_string_equal(crypt_r("hunter2", field, &cd), field);
	free(field);
	vs_pw_clear(&pw);

	assert_int_equal(vs_pw_parse("locked:disabled", &pw, &e), 0);
	assert_int_equal(vs_pw_field(&pw, &field, &clear, &e), 0);
	assert_string_equal(field, "!*");
	free(field);
	vs_pw_clear(&pw);

	assert_int_equal(vs_pw_parse("locked:random", &pw, &e), 0);
	assert_int_equal(vs_pw_field(&pw, &field, &clear, &e), 0);
	assert_non_null(clear);
	assert_int_equal(strlen(clear), 16);
	assert_int_equal(field[0], '!');
	memset(&cd, 0, sizeof(cd));
	assert_string_equal(crypt_r(clear, field + 1, &cd), field + 1);
	free(field);
	free(clear);
	vs_pw_clear(&pw);

	/* file: the first line only */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "fromfile\nsecond\n", 16), 16);
	close(fd);
	assert_int_equal(vs_pw_parse("file:/tmp/x", &pw, &e), 0);
	free(pw.value);
	pw.value = strdup(path);
	assert_int_equal(vs_pw_field(&pw, &field, &clear, &e), 0);
	memset(&cd, 0, sizeof(cd));
	assert_string_equal(crypt_r("fromfile", field, &cd), field);
	free(field);
	vs_pw_clear(&pw);
	unlink(path);
}

static void test_firstboot_names(void **state)
{
	char *s;

	(void)state;
	s = vs_fb_script_name(3, "/home/me/set up.sh");
	assert_string_equal(s, "0003-set-up-sh");
	free(s);
	s = vs_fb_command_script("touch /x");
	assert_string_equal(s, "#!/bin/sh\ntouch /x\n");
	free(s);
	assert_non_null(strstr(vs_fb_unit(), "ExecStart=/usr/lib/virt-sysprep/firstboot.sh"));
}

static void test_cu_parse(void **state)
{
	struct vs_culist l = { 0 };
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(vs_cu_add(&l, VS_CU_WRITE, "/etc/motd:hello: world", &e), 0);
	assert_string_equal(l.v[0].a, "/etc/motd");
	assert_string_equal(l.v[0].b, "hello: world");
	assert_int_equal(vs_cu_add(&l, VS_CU_PASSWORD, "bob:password:pw", &e), 0);
	assert_string_equal(l.v[1].a, "bob");
	assert_string_equal(l.v[1].pw.value, "pw");
	assert_int_equal(vs_cu_add(&l, VS_CU_WRITE, "etc/motd:x", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "must be absolute"));
	assert_int_equal(vs_cu_add(&l, VS_CU_CHMOD, "0999:/x", &e), -EINVAL);
	assert_int_equal(vs_cu_add(&l, VS_CU_HOSTNAME, "bad_name", &e), -EINVAL);
	assert_int_equal(vs_cu_add(&l, VS_CU_ROOT_PASSWORD, "nope", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "--root-password: invalid password selector"));
	assert_int_equal(vs_cu_add(&l, VS_CU_TIMEZONE, "../../etc/shadow", &e), -EINVAL);
	vs_cu_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_keys),
		cmocka_unit_test(test_set_key),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_drop_names_members),
		cmocka_unit_test(test_replace_word),
		cmocka_unit_test(test_append_line),
		cmocka_unit_test(test_pw_parse),
		cmocka_unit_test(test_pw_field),
		cmocka_unit_test(test_firstboot_names),
		cmocka_unit_test(test_cu_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
