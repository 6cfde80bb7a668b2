# Helpers of the vm-create suites: stand-ins for install media, running
# vm-create into out.xml (validated with common.bash's valid_xml), XPath
# assertions.

RNG=$SCHEMAS/domain.rng

# A state root of the test's own, an ISO stand-in and an install tree in
# RHEL's layout (images/pxeboot/).
vmc_setup() {
	common_setup
	[ -f "$RNG" ] || skip "libvirt's schemas are not installed"
	ISO=$BATS_TEST_TMPDIR/media.iso
	TREE=$BATS_TEST_TMPDIR/tree
	head -c 65536 /dev/zero >"$ISO"
	mkdir -p "$TREE/images/pxeboot"
	printf 'kernel image\n' >"$TREE/images/pxeboot/vmlinuz"
	# a real initrd: a gzipped newc archive holding /init
	(cd "$BATS_TEST_TMPDIR" && mkdir -p initrd-root && printf '#!/bin/sh\n' >initrd-root/init &&
		cd initrd-root && echo init | cpio -o -H newc --quiet | gzip) \
		>"$TREE/images/pxeboot/initrd.img"
}

# vmc_ok ARGS...: vm-create succeeds, writing out.xml, whose documents all
# validate.
vmc_ok() {
	run --separate-stderr vm-create "$@"
	[ "$status" -eq 0 ] || fail "vm-create $* exited $status: $stderr"
	printf '%s\n' "$output" >out.xml
	if [ "$(grep -c '^<domain' out.xml)" -gt 1 ]; then
		rm -f doc??
		csplit -s -z -f doc out.xml '/^<domain/' '{*}'
		for d in doc??; do valid_xml "$d"; done
	elif [ -s out.xml ] && [ "$output" != "" ]; then
		valid_xml out.xml
	fi
}

# assert_xp XPATH WANT [FILE]: the XPath expression's value in FILE
# (default out.xml) is WANT.
assert_xp() {
	local got
	got=$(xmllint --xpath "$1" "${3:-out.xml}" 2>/dev/null)
	[ "$got" = "$2" ] || fail "$1: got '$got', want '$2'"
}
