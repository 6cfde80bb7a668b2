#!/usr/bin/env bats
# vm-create --location and --initrd-inject: install trees over HTTP (a
# server on loopback started here), in ISOs built here, and the injected
# files checked the way the kernel unpacks the initrd.

bats_require_minimum_version 1.5.0

load common

WALK=$TOP/tests/fixtures/newc-walk.py

# One set of trees (tests/fixtures/mktree.sh) and one HTTP server for the
# file; the server is the only process started here, killed by its pid.
setup_file() {
	local i
	TREES=$BATS_FILE_TMPDIR/trees
	"$TOP/tests/fixtures/mktree.sh" "$TREES"
	PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	/usr/bin/python3 -m http.server --bind 127.0.0.1 "$PORT" --directory "$TREES" \
		>/dev/null 2>&1 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/server.pid"
	for ((i = 0; i < 100; i++)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	export TREES PORT URL=http://127.0.0.1:$PORT
}

teardown_file() {
	kill "$(cat "$BATS_FILE_TMPDIR/server.pid")" 2>/dev/null || true
}

setup() {
	common_setup
	export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1
}

# xp XPATH: the expression's value in out.xml.
xp() {
	xmllint --xpath "$1" out.xml 2>/dev/null
}

# vmc ARGS...: vm-create succeeds; its stdout in out.xml.
vmc() {
	run --separate-stderr vm-create "$@"
	[ "$status" -eq 0 ] || fail "vm-create $* exited $status: $stderr"
	printf '%s\n' "$output" >out.xml
}

install_xp() {
	xp "string(//*[local-name()=\"$1\"])"
}

@test "--location over HTTP copies the tree's kernel and initrd and adds inst.repo" {
	vmc --name web1 --memory 1024 --disk none --location "$URL/rhel-new"
	boot=$VIRTUTILS_ROOT/boot/web1
	[ "$(install_xp kernel)" = "$boot/vmlinuz" ] || fail "kernel: $(install_xp kernel)"
	[ "$(install_xp initrd)" = "$boot/initrd.img" ] || fail "initrd: $(install_xp initrd)"
	[ "$(install_xp cmdline)" = "inst.repo=$URL/rhel-new" ] ||
		fail "cmdline: $(install_xp cmdline)"
	cmp "$boot/vmlinuz" "$TREES/rhel-new/images/pxeboot/vmlinuz"
	cmp "$boot/initrd.img" "$TREES/rhel-new/images/pxeboot/initrd.img"
}

@test "--location over HTTP: SUSE's layout and install=, Debian's and no argument" {
	vmc --name suse1 --memory 1024 --disk none --location "$URL/suse/"
	[ "$(install_xp cmdline)" = "install=$URL/suse/" ] || fail "cmdline: $(install_xp cmdline)"
	cmp "$VIRTUTILS_ROOT/boot/suse1/vmlinuz" "$TREES/suse/boot/x86_64/loader/linux"
	vmc --name deb1 --memory 1024 --disk none --location "$URL/debian"
	[ "$(install_xp cmdline)" = "" ] || fail "cmdline: $(install_xp cmdline)"
	cmp "$VIRTUTILS_ROOT/boot/deb1/initrd.img" "$TREES/debian/install.amd/initrd.gz"
}

@test "--location over HTTP: the tree's kernel argument is virt-install's" {
	command -v virt-install >/dev/null || skip "virt-install is not installed"
	vmc --name old1 --memory 1024 --disk none --location "$URL/fedora-old"
	run --separate-stderr virt-install --connect test:///default --name old1 --memory 1024 \
		--disk none --location "$URL/fedora-old" --print-xml --dry-run
	[ "$status" -eq 0 ] || fail "virt-install: $stderr"
	want=$(printf '%s\n' "$output" | sed -n 's|.*<cmdline>\(.*\)</cmdline>.*|\1|p' | head -n 1)
	[ "$want" = "method=$URL/fedora-old" ] || fail "virt-install's cmdline: $want"
	[ "$(install_xp cmdline)" = "$want" ] || fail "cmdline: $(install_xp cmdline), want $want"
	# With --extra-args, the user's arguments come first.
	vmc --name old2 --memory 1024 --disk none --location "$URL/fedora-old" \
		--extra-args "ks=file:/ks.cfg console=ttyS0"
	run --separate-stderr virt-install --connect test:///default --name old2 --memory 1024 \
		--disk none --location "$URL/fedora-old" --extra-args "ks=file:/ks.cfg console=ttyS0" \
		--print-xml --dry-run
	[ "$status" -eq 0 ] || fail "virt-install: $stderr"
	want=$(printf '%s\n' "$output" | sed -n 's|.*<cmdline>\(.*\)</cmdline>.*|\1|p' | head -n 1)
	[ "$want" = "ks=file:/ks.cfg console=ttyS0 method=$URL/fedora-old" ] ||
		fail "virt-install's cmdline: $want"
	[ "$(install_xp cmdline)" = "$want" ] || fail "cmdline: $(install_xp cmdline), want $want"
}

@test "--location ISO reads the tree inside the image without mounting it" {
	vmc --name iso1 --memory 1024 --disk none --location "$TREES/fedora.iso"
	boot=$VIRTUTILS_ROOT/boot/iso1
	cmp "$boot/vmlinuz" "$TREES/fedora-old/isolinux/vmlinuz"
	cmp "$boot/initrd.img" "$TREES/fedora-old/isolinux/initrd.img"
	vmc --name iso2 --memory 1024 --disk none --location "$TREES/debian.iso"
	cmp "$VIRTUTILS_ROOT/boot/iso2/vmlinuz" "$TREES/debian/install.amd/vmlinuz"
	[ "$(install_xp cmdline)" = "" ] || fail "cmdline: $(install_xp cmdline)"
}

@test "--initrd-inject puts the files at the root of the initrd the kernel unpacks" {
	printf 'text\nreboot\n' >ks.cfg
	mkdir sub
	printf 'd-i debian-installer/locale string en_US\n' >sub/preseed.cfg
	vmc --name ks1 --memory 1024 --disk none --location "$URL/rhel-new" \
		--initrd-inject "$PWD/ks.cfg" --initrd-inject "$PWD/sub/preseed.cfg" \
		--extra-args "inst.ks=file:/ks.cfg"
	initrd=$VIRTUTILS_ROOT/boot/ks1/initrd.img
	run "$WALK" "$initrd"
	assert_success
	assert_line "100644 0 0 $(stat -c %s ks.cfg) ks.cfg"
	assert_line "100644 0 0 $(stat -c %s sub/preseed.cfg) preseed.cfg"
	# the tree's own initrd is still there, before them
	assert_line --regexp '^100644 0 0 [0-9]+ init-rhel-new$'
	"$WALK" "$initrd" ks.cfg | cmp - ks.cfg
	"$WALK" "$initrd" preseed.cfg | cmp - sub/preseed.cfg
	# cpio -t stops at the first trailer: it sees only the tree's archive
	run bash -c "zcat '$initrd' 2>/dev/null | cpio -t --quiet"
	assert_line init-rhel-new
	refute_line ks.cfg
	[[ $(install_xp cmdline) == *"inst.ks=file:/ks.cfg"* ]] || fail "$(install_xp cmdline)"
}

@test "--initrd-inject into an ISO's initrd" {
	printf 'preseed\n' >preseed.cfg
	vmc --name ks2 --memory 1024 --disk none --location "$TREES/debian.iso" \
		--initrd-inject "$PWD/preseed.cfg"
	"$WALK" "$VIRTUTILS_ROOT/boot/ks2/initrd.img" preseed.cfg | cmp - preseed.cfg
	"$WALK" "$VIRTUTILS_ROOT/boot/ks2/initrd.img" init-debian >/dev/null
}

@test "--location --dry-run creates nothing" {
	vmc --name dry1 --memory 1024 --disk none --location "$URL/rhel-new" --dry-run
	[ "$(install_xp kernel)" = "$VIRTUTILS_ROOT/boot/dry1/vmlinuz" ] ||
		fail "kernel: $(install_xp kernel)"
	[ ! -e "$VIRTUTILS_ROOT/boot" ] || fail "$(find "$VIRTUTILS_ROOT/boot")"
}

@test "--location errors: HTTP 404, a refused connection, no kernel, a path out of the tree" {
	run --separate-stderr vm-create --name e1 --memory 1024 --disk none \
		--location "$URL/no-such-tree"
	[ "$status" -eq 1 ]
	[[ $stderr == "vm-create: --location: no kernel found in install tree $URL/no-such-tree"* ]] ||
		fail "$stderr"
	closed=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	run --separate-stderr vm-create --name e1 --memory 1024 --disk none \
		--location "http://127.0.0.1:$closed/tree"
	[ "$status" -eq 1 ]
	[[ $stderr == "vm-create: --location: http://127.0.0.1:$closed/tree/.treeinfo: "*connect* ]] ||
		fail "$stderr"
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "more than one line: $stderr"
	run --separate-stderr vm-create --name e1 --memory 1024 --disk none \
		--location "$TREES/nokernel"
	[ "$status" -eq 1 ]
	[[ $stderr == *"no kernel found in install tree $TREES/nokernel"* ]] || fail "$stderr"
	run --separate-stderr vm-create --name e1 --memory 1024 --disk none \
		--location "$URL/escape"
	[ "$status" -eq 1 ]
	[[ $stderr == *"'../secret/vmlinuz' is not inside the install tree"* ]] || fail "$stderr"
	[ ! -e "$VIRTUTILS_ROOT/boot/e1" ] || fail "left behind: $VIRTUTILS_ROOT/boot/e1"
}

@test "a failure after the fetch removes the kernel and initrd" {
	run --separate-stderr vm-create --name late1 --memory 1024 \
		--disk pool=no-such-pool,size=1 --location "$URL/debian"
	[ "$status" -ne 0 ]
	[ ! -e "$VIRTUTILS_ROOT/boot/late1" ] || fail "left behind: $VIRTUTILS_ROOT/boot/late1"
	run --separate-stderr vm-create --name late2 --memory 1024 --disk none \
		--location "$URL/debian" --initrd-inject "$PWD/nothere.cfg"
	[ "$status" -eq 1 ]
	[ ! -e "$VIRTUTILS_ROOT/boot/late2" ] || fail "left behind: $VIRTUTILS_ROOT/boot/late2"
}
