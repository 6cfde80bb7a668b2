#!/usr/bin/env bats
# img-convert against qemu-img: the same bytes, the same facts, the same exits.

load common
bats_require_minimum_version 1.5.0

setup_file() {
	export VARIANTS=$BATS_FILE_TMPDIR/variants HOSTILE=$BATS_FILE_TMPDIR/hostile
	mkdir -p "$VARIANTS" "$HOSTILE"
	"$TOP/tests/fixtures/mkvariants.sh" "$VARIANTS" >/dev/null
	"$TOP/tests/fixtures/mkhostile.sh" "$HOSTILE" >/dev/null
}

setup() {
	common_setup
	LOOPDEV=
}

teardown() {
	[ -z "$LOOPDEV" ] || losetup -d "$LOOPDEV"
}

# Every variant the fixture script made has a NAME.raw reference beside it.
variants() {
	local r
	for r in "$VARIANTS"/*.raw; do
		basename "${r%.raw}"
	done
}

# A small qcow2 with data, zeros and holes.
mkimg() {
	qemu-img create -q -f qcow2 "$1" "${2:-8M}"
	qemu-io -f qcow2 -c 'write -P 0x11 0 1M' -c 'write -z 2M 1M' \
		-c 'write -P 0x22 5M 64k' "$1" >/dev/null
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr img-convert --help
	assert_success
	assert_output --partial "Usage:"
	assert_output --partial "convert [-f FMT]"
	assert_output --partial "img-convert(1)"
	[ -z "$stderr" ]
}

@test "a subcommand's --help shows its synopsis" {
	run img-convert map --help
	assert_success
	assert_output --partial "map [-f FMT] [--output=human|json] FILE"
}

@test "--version names the tool and the suite" {
	run img-convert --version
	assert_success
	assert_output --regexp '^img-convert from virtutils [0-9.]+$'
}

@test "no command is a usage error with exit 1, as qemu-img" {
	run img-convert
	assert_failure 1
	assert_output --partial "no command specified"
	assert_output --partial "Try 'img-convert --help'"
}

@test "an unknown command is refused with exit 1" {
	run img-convert frobnicate x
	assert_failure 1
	assert_output --partial "img-convert: frobnicate: unknown command"
}

@test "an unknown option is refused with exit 1" {
	run img-convert info --frob x
	assert_failure 1
	assert_output --partial "Try 'img-convert --help'"
}

@test "info: missing file gives one line and exit 1" {
	run img-convert info nonexistent.qcow2
	assert_failure 1
	assert_output "img-convert: nonexistent.qcow2: No such file or directory"
}

@test "info: needs exactly one file" {
	run img-convert info
	assert_failure 1
	assert_output --partial "expecting one image file name"
	run img-convert info a b
	assert_failure 1
}

@test "info: --output must be human or json" {
	mkimg a.qcow2
	run img-convert info --output=xml a.qcow2
	assert_failure 1
	assert_output --partial "'xml' is not human or json"
}

@test "info: human output equals qemu-img's for every variant" {
	local v
	for v in $(variants); do
		diff -u <(qemu-img info "$VARIANTS/$v") <(img-convert info "$VARIANTS/$v") ||
			fail "info differs for $v"
	done
}

@test "info --output=json: every field equals qemu-img's for every variant" {
	local v
	for v in $(variants); do
		diff -u <(qemu-img info --output=json "$VARIANTS/$v" | jq -S .) \
			<(img-convert info --output=json "$VARIANTS/$v" | jq -S .) ||
			fail "info json differs for $v"
	done
}

@test "info --backing-chain: human and json agree with qemu-img" {
	mkimg base.qcow2
	qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 mid.qcow2
	qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2
	diff -u <(qemu-img info --backing-chain top.qcow2) <(img-convert info --backing-chain top.qcow2)
	diff -u <(qemu-img info --backing-chain --output=json top.qcow2 | jq -S .) \
		<(img-convert info --backing-chain --output=json top.qcow2 | jq -S .)
}

@test "info: raw images, explicit and probed, as qemu-img" {
	truncate -s 10M r.raw
	dd if=/dev/urandom of=r.raw bs=64k count=2 seek=3 conv=notrunc status=none
	diff -u <(qemu-img info -f raw r.raw) <(img-convert info -f raw r.raw)
	diff -u <(qemu-img info --output=json r.raw | jq -S .) \
		<(img-convert info --output=json r.raw | jq -S .)
}

@test "info: a FIFO or a character device is refused at once, not waited on" {
	mkfifo pipe
	run timeout 5 img-convert info pipe
	assert_failure 1
	assert_output "img-convert: pipe: not a regular file or block device"
	run img-convert info /dev/null
	assert_failure 1
	mkimg base.qcow2
	qemu-img create -q -u -f qcow2 -b pipe -F raw top.qcow2 8M
	run timeout 5 img-convert convert -O raw top.qcow2 out.raw
	assert_failure 1
	assert_output --partial "could not open backing file"
}

@test "info: an explicit format is never overridden by probing" {
	mkimg a.qcow2
	run img-convert info -f raw --output=json a.qcow2
	assert_success
	[ "$(jq -r .format <<<"$output")" = raw ]
	run img-convert info -f vmdk0 a.qcow2
	assert_failure 1
	assert_output --partial "unknown file format 'vmdk0'"
}

@test "map --output=json equals qemu-img's for every variant" {
	local v
	for v in $(variants); do
		diff -u <(qemu-img map --output=json "$VARIANTS/$v") \
			<(img-convert map --output=json "$VARIANTS/$v") ||
			fail "map differs for $v"
	done
}

@test "map: human output equals qemu-img's, raw and qcow2" {
	mkimg a.qcow2
	diff -u <(qemu-img map a.qcow2) <(img-convert map a.qcow2)
	truncate -s 4M r.raw
	dd if=/dev/urandom of=r.raw bs=64k count=2 seek=3 conv=notrunc status=none
	diff -u <(qemu-img map r.raw) <(img-convert map r.raw)
}

@test "map: human output refuses compressed clusters, as qemu-img" {
	mkimg a.qcow2
	qemu-img convert -c -O qcow2 a.qcow2 c.qcow2
	run img-convert map c.qcow2
	assert_failure 1
	assert_output --partial "compressed clusters"
}

@test "convert -O raw equals qemu-img's output byte for byte, every variant" {
	local v
	for v in $(variants); do
		img-convert convert -O raw "$VARIANTS/$v" "$v.out" || fail "convert failed for $v"
		cmp "$VARIANTS/$v.raw" "$v.out" || fail "bytes differ for $v"
		rm -f "$v.out"
	done
}

@test "convert: output is as sparse as qemu-img's (within 1%)" {
	local v ours theirs
	for v in $(variants); do
		img-convert convert -O raw "$VARIANTS/$v" ours.raw
		qemu-img convert -O raw "$VARIANTS/$v" theirs.raw
		ours=$(du -k ours.raw | cut -f1)
		theirs=$(du -k theirs.raw | cut -f1)
		[ "$ours" -le $((theirs + theirs / 100 + 4)) ] ||
			fail "$v: $ours KiB allocated against qemu-img's $theirs KiB"
		rm -f ours.raw theirs.raw
	done
}

@test "convert: zeros inside data become holes; -S 0 allocates everything" {
	dd if=/dev/zero of=z.raw bs=1M count=4 status=none
	printf 'x' | dd of=z.raw bs=1 seek=1048576 conv=notrunc status=none
	img-convert convert -f raw -O raw z.raw sparse.raw
	img-convert convert -f raw -O raw -S 0 z.raw full.raw
	cmp z.raw sparse.raw
	cmp z.raw full.raw
	[ "$(du -k sparse.raw | cut -f1)" -le 64 ]
	[ "$(du -k full.raw | cut -f1)" -ge 4096 ]
}

@test "convert -S: a size that is not a multiple of 512 is refused" {
	mkimg a.qcow2
	run img-convert convert -S 100 -O raw a.qcow2 out.raw
	assert_failure 1
	assert_output --partial "multiples of 512"
	[ ! -e out.raw ]
	run img-convert convert -S 32M -O raw a.qcow2 out.raw
	assert_failure 1
}

@test "convert: several sources are concatenated" {
	mkimg a.qcow2 8M
	truncate -s 1M b.raw
	printf 'tail' | dd of=b.raw bs=1 seek=1000 conv=notrunc status=none
	img-convert convert -O raw a.qcow2 b.raw cat.raw
	qemu-img convert -O raw a.qcow2 b.raw ref.raw
	cmp cat.raw ref.raw
	[ "$(stat -c %s cat.raw)" -eq $((9 * 1024 * 1024)) ]
}

@test "convert -n writes into an existing file, keeping nothing stale" {
	mkimg a.qcow2 8M
	head -c 8M /dev/urandom >dst.raw
	img-convert convert -n -O raw a.qcow2 dst.raw
	qemu-img compare -f qcow2 -F raw a.qcow2 dst.raw
}

@test "convert -n refuses a destination smaller than the source" {
	mkimg a.qcow2 8M
	truncate -s 1M small.raw
	run img-convert convert -n -O raw a.qcow2 small.raw
	assert_failure 1
	assert_output --partial "smaller than the source"
	[ "$(stat -c %s small.raw)" -eq 1048576 ]
}

@test "convert -n needs the destination to exist" {
	mkimg a.qcow2
	run img-convert convert -n -O raw a.qcow2 missing.raw
	assert_failure 1
	[ ! -e missing.raw ]
}

@test "convert replaces an existing destination only when complete" {
	mkimg a.qcow2
	echo old >dst.raw
	img-convert convert -O raw a.qcow2 dst.raw
	qemu-img compare a.qcow2 dst.raw
}

@test "convert -t and -T take qemu-img's cache modes and refuse others" {
	mkimg a.qcow2
	for m in none writeback unsafe directsync writethrough; do
		img-convert convert -t "$m" -T "$m" -O raw a.qcow2 "out-$m.raw"
		qemu-img compare a.qcow2 "out-$m.raw"
	done
	run img-convert convert -t fast -O raw a.qcow2 x.raw
	assert_failure 1
	assert_output --partial "invalid cache mode 'fast'"
	run img-convert convert -T fast -O raw a.qcow2 x.raw
	assert_failure 1
	[ ! -e x.raw ]
}

@test "convert -t writeback flushes the destination (fdatasync seen)" {
	mkimg a.qcow2
	run strace -f -e trace=fdatasync,fsync img-convert convert -t writeback -O raw a.qcow2 o.raw
	assert_success
	assert_output --regexp 'f(data)?sync\('
	run strace -f -e trace=fdatasync img-convert convert -O raw a.qcow2 o2.raw
	refute_output --partial 'fdatasync('
}

@test "convert -p shows progress on stderr, -q keeps quiet" {
	mkimg a.qcow2
	run --separate-stderr img-convert convert -p -O raw a.qcow2 p.raw
	assert_success
	[[ $stderr == *"100.00/100%"* ]] || fail "no progress: $stderr"
	[ -z "$output" ]
	run --separate-stderr img-convert convert -p -q -O raw a.qcow2 q.raw
	assert_success
	[ -z "$stderr" ]
}

@test "convert -O qcow2: every variant reads the same and checks clean" {
	local v
	for v in $(variants); do
		img-convert convert -O qcow2 "$VARIANTS/$v" out.qcow2 || fail "convert failed for $v"
		qemu-img check -q out.qcow2 || fail "$v: qemu-img check complains"
		qemu-img compare -q "$VARIANTS/$v.raw" out.qcow2 || fail "$v: contents differ"
		rm -f out.qcow2
	done
}

@test "convert -O qcow2 -o: the options show in qemu-img info" {
	mkimg a.qcow2
	img-convert convert -O qcow2 -o cluster_size=4k,compat=0.10 a.qcow2 o1.qcow2
	run qemu-img info --output=json o1.qcow2
	[ "$(jq '.["cluster-size"]' <<<"$output")" -eq 4096 ]
	[ "$(jq -r '.["format-specific"].data.compat' <<<"$output")" = 0.10 ]
	img-convert convert -O qcow2 -o compression_type=zstd,lazy_refcounts=on,extended_l2=on,refcount_bits=8 \
		a.qcow2 o2.qcow2
	run qemu-img info --output=json o2.qcow2
	[ "$(jq -r '.["format-specific"].data["compression-type"]' <<<"$output")" = zstd ]
	[ "$(jq -r '.["format-specific"].data["lazy-refcounts"]' <<<"$output")" = true ]
	[ "$(jq -r '.["format-specific"].data["extended-l2"]' <<<"$output")" = true ]
	[ "$(jq -r '.["format-specific"].data["refcount-bits"]' <<<"$output")" = 8 ]
	for f in o1 o2; do
		qemu-img check -q "$f.qcow2"
		qemu-img compare -q a.qcow2 "$f.qcow2"
	done
	run img-convert convert -O qcow2 -o cluster_size=3k a.qcow2 bad.qcow2
	assert_failure 1
	[ ! -e bad.qcow2 ]
}

@test "convert -c: compressed clusters with zlib and zstd, read back the same" {
	mkdir tree
	for i in $(seq 1 40); do seq -f "line %g of a compressible file" 1 2000 >"tree/f$i"; done
	mke2fs -q -F -t ext4 -d tree fs.raw 32M
	for t in zlib zstd; do
		img-convert convert -c -O qcow2 -o compression_type=$t fs.raw "c-$t.qcow2"
		run qemu-img check --output=json "c-$t.qcow2"
		assert_success
		[ "$(jq '.["compressed-clusters"]' <<<"$output")" -gt 0 ] || fail "$t: nothing compressed"
		qemu-img compare -q fs.raw "c-$t.qcow2"
		qemu-img convert -c -O qcow2 -o compression_type=$t fs.raw "q-$t.qcow2"
		local ours theirs
		ours=$(stat -c %s "c-$t.qcow2")
		theirs=$(stat -c %s "q-$t.qcow2")
		[ "$ours" -le $((theirs * 105 / 100)) ] || fail "$t: $ours bytes against qemu-img's $theirs"
	done
}

@test "convert -c refuses a format without compression" {
	mkimg a.qcow2
	run img-convert convert -c -O raw a.qcow2 out.raw
	assert_failure 1
	assert_output --partial "does not support compression"
	[ ! -e out.raw ]
}

@test "convert -W and -m change the schedule, never the result" {
	mkimg a.qcow2
	img-convert convert -W -m 16 -O qcow2 a.qcow2 w.qcow2
	img-convert convert -m 1 -c -W -O qcow2 a.qcow2 wc.qcow2
	for f in w wc; do
		qemu-img check -q "$f.qcow2"
		qemu-img compare -q a.qcow2 "$f.qcow2"
	done
	run img-convert convert -m 0 -O qcow2 a.qcow2 x.qcow2
	assert_failure 1
	assert_output --partial "-m: invalid number of parallel requests"
	run img-convert convert -m 17 -O qcow2 a.qcow2 x.qcow2
	assert_failure 1
	[ ! -e x.qcow2 ]
}

@test "convert -B: only the top image's data is copied over the new backing file" {
	mkimg base.qcow2
	qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 top.qcow2
	qemu-io -c 'write -P 0x66 6M 64k' top.qcow2 >/dev/null
	img-convert convert -O qcow2 -B base.qcow2 -F qcow2 top.qcow2 new.qcow2
	run qemu-img info --output=json new.qcow2
	[ "$(jq -r '.["backing-filename"]' <<<"$output")" = base.qcow2 ]
	[ "$(jq -r '.["backing-filename-format"]' <<<"$output")" = qcow2 ]
	qemu-img check -q new.qcow2
	qemu-img compare -q top.qcow2 new.qcow2
	# Only the 64 KiB the top image holds is data in the new image itself.
	run bash -c "qemu-img map --output=json new.qcow2 | jq -s '[.[][] | select(.depth == 0 and .data)] | map(.length) | add'"
	assert_output 65536
	run img-convert convert -O qcow2 -F qcow2 top.qcow2 x.qcow2
	assert_failure 1
	assert_output --partial "-F: only with -B"
}

@test "convert -B: a write into part of a cluster takes the rest from the backing file" {
	qemu-img create -q -f qcow2 -o cluster_size=4k base.qcow2 8M
	qemu-io -c 'write -P 0x11 0 8M' base.qcow2 >/dev/null
	qemu-img create -q -f qcow2 -o cluster_size=4k -b base.qcow2 -F qcow2 top.qcow2
	qemu-io -c 'write -P 0x22 4k 4k' top.qcow2 >/dev/null
	img-convert convert -O qcow2 -B base.qcow2 -F qcow2 top.qcow2 new.qcow2
	qemu-img check -q new.qcow2
	qemu-img compare -q top.qcow2 new.qcow2
}

@test "convert -n -t writeback on qcow2 flushes; -t unsafe does not" {
	mkimg a.qcow2
	qemu-img create -q -f qcow2 dst.qcow2 8M
	run strace -f -e trace=fdatasync,fsync img-convert convert -n -t writeback -O qcow2 a.qcow2 dst.qcow2
	assert_success
	assert_output --regexp 'f(data)?sync\('
	run strace -f -e trace=fdatasync,fsync img-convert convert -n -O qcow2 a.qcow2 dst.qcow2
	assert_success
	refute_output --regexp 'f(data)?sync\('
	qemu-img check -q dst.qcow2
	qemu-img compare -q a.qcow2 dst.qcow2
}

@test "convert -s and -l read an internal snapshot" {
	mkimg a.qcow2
	qemu-img snapshot -c before a.qcow2
	qemu-img convert -O raw a.qcow2 before.raw
	qemu-io -c 'write -P 0x99 0 2M' a.qcow2 >/dev/null
	img-convert convert -O raw -l snapshot.name=before a.qcow2 s1.raw
	img-convert convert -O raw -s before a.qcow2 s2.raw
	img-convert convert -O raw -l before a.qcow2 s3.raw
	img-convert convert -O raw -s 1 a.qcow2 s4.raw
	cmp before.raw s4.raw
	cmp before.raw s1.raw
	cmp before.raw s2.raw
	cmp before.raw s3.raw
	run img-convert convert -O raw -l snapshot.name=nosuch a.qcow2 x.raw
	assert_failure 1
	[ ! -e x.raw ]
	run img-convert convert -O raw -s before a.qcow2 a.qcow2 x.raw
	assert_failure 1
	assert_output --partial "single source"
}

@test "convert -n -O qcow2 writes into an existing qcow2" {
	mkimg a.qcow2
	qemu-img create -q -f qcow2 dst.qcow2 8M
	qemu-io -c 'write -P 0x77 0 8M' dst.qcow2 >/dev/null
	img-convert convert -n -O qcow2 a.qcow2 dst.qcow2
	qemu-img check -q dst.qcow2
	qemu-img compare -q a.qcow2 dst.qcow2
	run img-convert convert -n -o cluster_size=4k -O qcow2 a.qcow2 dst.qcow2
	assert_failure 1
}

@test "crash safety: a convert -O qcow2 killed mid-copy leaves no destination" {
	qemu-img create -q -f qcow2 big.qcow2 64M
	qemu-io -c 'write -P 0x55 0 32M' big.qcow2 >/dev/null
	strace -f -o /dev/null -e inject=pwrite64:delay_enter=200000 \
		img-convert convert -O qcow2 big.qcow2 out.qcow2 &
	local pid=$!
	sleep 1
	pkill -KILL -f 'img-convert convert -O qcow2 big.qcow2' || true
	wait "$pid" || true
	[ ! -e out.qcow2 ] || fail "out.qcow2 exists after the kill"
}

# ident FILE: owner, group, mode and ACL, numerically.
ident() {
	stat -c '%u:%g %a' "$1"
	getfacl -cn "$1" 2>/dev/null
}

@test "create and convert over an existing file keep its owner, mode and ACL" {
	need_root "to chown to nobody"
	command -v setfacl >/dev/null || skip "setfacl (acl) is not installed"
	local cmd want
	mkimg a.qcow2
	for cmd in "create -q -f qcow2 t.img 4M" "convert -O qcow2 a.qcow2 t.img" \
		"convert -O raw a.qcow2 t.img"; do
		rm -f t.img
		printf old >t.img
		chown nobody:"$(id -g nobody)" t.img
		chmod 0640 t.img
		setfacl -m u:daemon:rw t.img || skip "no ACLs on this file system"
		want=$(ident t.img)
		[[ $want == *"user:$(id -u daemon):rw-"* ]]
		run -0 img-convert $cmd
		assert_equal "$(ident t.img)" "$want"
	done
	qemu-img compare -q a.qcow2 t.img
	# A new name still gets a file of its own, under the umask.
	umask 022
	run -0 img-convert convert -O raw a.qcow2 new.img
	assert_equal "$(stat -c '%u %a' new.img)" "0 644"
}

@test "create and convert write through a symbolic link, which stays one" {
	mkimg a.qcow2
	mkdir real
	printf old >real/t.qcow2
	ln -s real/t.qcow2 link.qcow2
	run -0 img-convert create -q -f qcow2 link.qcow2 4M
	[ -L link.qcow2 ] && [ "$(readlink link.qcow2)" = real/t.qcow2 ]
	assert_equal "$(qemu-img info --output=json real/t.qcow2 | jq -r '.format, .["virtual-size"]' | xargs)" \
		"qcow2 4194304"
	run -0 img-convert convert -O qcow2 a.qcow2 link.qcow2
	[ -L link.qcow2 ]
	qemu-img compare -q a.qcow2 real/t.qcow2
	# Through a link to a link; a dangling link gets its target made.
	ln -s link.qcow2 link2
	run -0 img-convert convert -O raw a.qcow2 link2
	[ -L link2 ] && [ -L link.qcow2 ]
	qemu-img compare -q -F raw a.qcow2 real/t.qcow2
	ln -s real/new.raw dangling
	run -0 img-convert convert -O raw a.qcow2 dangling
	[ -L dangling ]
	qemu-img compare -q -F raw a.qcow2 real/new.raw
	# A hard link is another name of the old file: it keeps the old data.
	printf old >real/h.raw
	ln real/h.raw hard.raw
	run -0 img-convert convert -O raw a.qcow2 real/h.raw
	[ "$(cat hard.raw)" = old ]
	assert_equal "$(ls -A real | xargs)" "h.raw new.raw t.qcow2"
}

@test "crash safety: a convert killed over an existing file leaves it as it was" {
	qemu-img create -q -f qcow2 big.qcow2 64M
	qemu-io -c 'write -P 0x55 0 32M' big.qcow2 >/dev/null
	mkdir real
	printf old >real/t.raw
	ln -s real/t.raw link.raw
	strace -f -o /dev/null -e inject=pwrite64:delay_enter=200000 \
		img-convert convert -O raw big.qcow2 link.raw &
	local pid=$!
	sleep 1
	pkill -KILL -f 'img-convert convert -O raw big.qcow2 link.raw' || true
	wait "$pid" || true
	[ -L link.raw ] && [ "$(cat real/t.raw)" = old ]
	assert_equal "$(ls -A real)" t.raw
}

@test "convert: needs a source and a destination" {
	run img-convert convert -O raw only.raw
	assert_failure 1
	assert_output --partial "expecting at least one source and a destination"
}

@test "convert: a missing source creates nothing" {
	run img-convert convert -O raw nothing.qcow2 out.raw
	assert_failure 1
	assert_output "img-convert: nothing.qcow2: No such file or directory"
	[ ! -e out.raw ]
}

@test "convert: a backing chain is read through, with relative names" {
	mkdir sub
	mkimg sub/base.qcow2
	(cd sub && qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 top.qcow2 &&
		qemu-io -c 'write -P 0x33 1536k 1M' -c 'write -z 0 64k' top.qcow2 >/dev/null)
	img-convert convert -O raw sub/top.qcow2 out.raw
	qemu-img convert -O raw sub/top.qcow2 ref.raw
	cmp out.raw ref.raw
}

@test "convert: a missing backing file is named in the error" {
	mkimg base.qcow2
	qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 top.qcow2
	rm base.qcow2
	run img-convert convert -O raw top.qcow2 out.raw
	assert_failure 1
	assert_output --partial "could not open backing file"
	[ ! -e out.raw ]
}

# deep_chain N: c00000.qcow2 (data) <- c00001.qcow2 <- ... <- cN (5 digits),
# cloned from one header with its backing name patched: qemu-img would open
# the whole chain below each new layer.
deep_chain() {
	qemu-img create -q -f qcow2 -o cluster_size=4k c00000.qcow2 1M
	qemu-io -f qcow2 -c 'write -P 0x5a 64k 64k' c00000.qcow2 >/dev/null
	qemu-img create -q -f qcow2 -o cluster_size=4k -u -b cXXXXX.qcow2 -F qcow2 tmpl 1M
	python3 - "$1" <<-'PY'
	import sys
	t = open('tmpl', 'rb').read()
	assert t.count(b'cXXXXX.qcow2') == 1
	for i in range(1, int(sys.argv[1]) + 1):
	    with open('c%05d.qcow2' % i, 'wb') as f:
	        f.write(t.replace(b'cXXXXX.qcow2', b'c%05d.qcow2' % (i - 1)))
	PY
}

@test "backing chain: 1000 files deep opens; deeper is refused in one line" {
	deep_chain 1001
	qemu-img convert -O raw c00000.qcow2 ref.raw
	run -0 img-convert convert -O raw c01000.qcow2 out.raw
	cmp out.raw ref.raw
	run -1 img-convert convert -O raw c01001.qcow2 out2.raw
	assert_output "img-convert: c01001.qcow2: backing chain deeper than 1000"
	[ ! -e out2.raw ]
	run -1 img-convert info --backing-chain c01001.qcow2
	assert_output "img-convert: c01001.qcow2: backing chain deeper than 1000"
}

@test "backing chain: a missing 5th backing file is named alone, with its cause" {
	deep_chain 5
	rm c00000.qcow2
	run -1 img-convert convert -O raw c00005.qcow2 out.raw
	assert_output "img-convert: c00005.qcow2: could not open backing file 'c00000.qcow2' of 'c00001.qcow2': No such file or directory"
	run -1 img-convert convert -O raw c00001.qcow2 out.raw
	assert_output "img-convert: c00001.qcow2: could not open backing file 'c00000.qcow2': No such file or directory"
	run -1 img-convert create -f qcow2 -b c00005.qcow2 -F qcow2 new.qcow2
	assert_output "img-convert: new.qcow2: Could not open backing image 'c00005.qcow2': could not open backing file 'c00000.qcow2' of 'c00001.qcow2': No such file or directory"
	[ ! -e new.qcow2 ]
}

@test "hostile images: convert refuses each with one line, never crashes" {
	local f
	for f in "$HOSTILE"/*; do
		[ -f "$f" ] || continue
		run img-convert convert -f qcow2 -O raw "$f" out.raw
		assert_no_crash
		[ "$status" -eq 1 ] || fail "$(basename "$f"): convert exited $status"
		[ "${#lines[@]}" -eq 1 ] || fail "$(basename "$f"): ${#lines[@]} lines: $output"
		[ ! -e out.raw ] || fail "$(basename "$f"): left out.raw behind"
	done
}

@test "hostile images: info never crashes, hangs, or writes its input" {
	local f sum
	for f in "$HOSTILE"/*; do
		[ -f "$f" ] || continue
		sum=$(sha256sum <"$f")
		run timeout 10 img-convert info "$f"
		assert_no_crash
		run timeout 10 img-convert info -f qcow2 --backing-chain --output=json "$f"
		assert_no_crash
		run timeout 10 img-convert map -f qcow2 --output=json "$f"
		assert_no_crash
		[ "$(sha256sum <"$f")" = "$sum" ] || fail "$(basename "$f") was modified"
	done
}

@test "crash safety: ENOSPC leaves nothing under the destination's name" {
	need_root "to mount a tmpfs"
	mkdir small
	mount -t tmpfs -o size=1m tmpfs small || skip "cannot mount a tmpfs here"
	qemu-img create -q -f qcow2 big.qcow2 8M
	qemu-io -c 'write -P 0x44 0 4M' big.qcow2 >/dev/null
	run img-convert convert -O raw big.qcow2 small/out.raw
	local left
	left=$(ls -A small)
	umount small
	assert_failure 1
	assert_output --partial "small/out.raw"
	[ -z "$left" ] || fail "left behind: $left"
}

@test "crash safety: a convert killed mid-copy leaves no destination" {
	qemu-img create -q -f qcow2 big.qcow2 64M
	qemu-io -c 'write -P 0x55 0 32M' big.qcow2 >/dev/null
	# Every write is delayed, so the kill lands in the middle of the copy.
	strace -f -o /dev/null -e inject=pwrite64:delay_enter=200000 \
		img-convert convert -O raw big.qcow2 out.raw &
	local pid=$!
	sleep 1
	pkill -KILL -f 'img-convert convert -O raw big.qcow2' || true
	wait "$pid" || true
	[ ! -e out.raw ] || fail "out.raw exists after the kill"
	[ -z "$(ls -A | grep -v '^big.qcow2$')" ] || fail "left behind: $(ls -A)"
}

@test "raw block devices: read as a source, written in place as a target" {
	need_root "to attach a loop device"
	mkimg a.qcow2 8M
	truncate -s 8M dev.img
	LOOPDEV=$(losetup -f --show dev.img) || skip "no loop device can be attached here"
	run img-convert convert -O raw a.qcow2 "$LOOPDEV"
	local st=$status
	qemu-img compare -f qcow2 -F raw a.qcow2 "$LOOPDEV" >/dev/null; local cmp=$?
	img-convert info -f raw --output=json "$LOOPDEV" >info.json
	img-convert convert -f raw -O raw "$LOOPDEV" back.raw
	losetup -d "$LOOPDEV"; LOOPDEV=
	[ "$st" -eq 0 ] || fail "convert to the device: $output"
	[ "$cmp" -eq 0 ] || fail "device content differs"
	[ "$(jq '.["virtual-size"]' info.json)" -eq 8388608 ]
	qemu-img compare a.qcow2 back.raw
}

@test "img-convert executes no other program" {
	mkimg a.qcow2
	strace -f -qq -e trace=execve -o trace.log img-convert convert -O raw a.qcow2 o.raw
	img-convert info a.qcow2 >/dev/null
	[ "$(grep -c execve trace.log)" -eq 1 ] || fail "$(cat trace.log)"
}

@test "compare: identical images, qemu-img's message and exit 0" {
	mkimg a.qcow2
	qemu-img convert -O raw a.qcow2 a.raw
	run img-convert compare a.qcow2 a.raw
	assert_success
	assert_output "Images are identical."
}

@test "compare: the first differing sector is reported, exit 1" {
	mkimg a.qcow2
	qemu-img convert -O raw a.qcow2 b.raw
	printf 'Z' | dd of=b.raw bs=1 seek=$((5 * 1024 * 1024 + 700)) conv=notrunc status=none
	run img-convert compare a.qcow2 b.raw
	assert_failure 1
	assert_output "$(qemu-img compare a.qcow2 b.raw)"
	run img-convert compare -q a.qcow2 b.raw
	assert_failure 1
	assert_output ""
}

@test "compare: sizes differ but the tail is zero; -s makes it a difference" {
	truncate -s 2M s1
	truncate -s 3M s3
	run img-convert compare s1 s3
	assert_success
	assert_output "$(qemu-img compare s1 s3)"
	run img-convert compare -s s1 s3
	assert_failure 1
	assert_output "Strict mode: Image size mismatch!"
	printf 'x' | dd of=s3 bs=1 seek=$((2 * 1024 * 1024 + 5)) conv=notrunc status=none
	run img-convert compare s1 s3
	assert_failure 1
	assert_output --partial "Content mismatch at offset 2097152!"
}

@test "compare -s: allocation differences count, equal allocation does not" {
	mkimg a.qcow2
	qemu-img convert -O raw -S 0 a.qcow2 full.raw
	qemu-img convert -O raw a.qcow2 sparse.raw
	run img-convert compare -s a.qcow2 full.raw
	assert_failure 1
	assert_output --regexp '^Strict mode: Offset [0-9]+ block status mismatch!$'
	run img-convert compare a.qcow2 full.raw
	assert_success
	run img-convert compare -s sparse.raw sparse.raw
	assert_success
}

@test "compare: -f and -F name each image's format" {
	mkimg a.qcow2
	qemu-img convert -O raw a.qcow2 a.raw
	run img-convert compare -f qcow2 -F raw a.qcow2 a.raw
	assert_success
	run img-convert compare -f raw -F raw a.qcow2 a.raw
	assert_failure 1
}

@test "compare: exit 2 when an image cannot be opened" {
	truncate -s 1M a.raw
	run img-convert compare a.raw missing.raw
	assert_failure 2
	assert_output --partial "missing.raw"
}

@test "compare: exit 3 when allocation cannot be checked (data past the end)" {
	mkimg a.qcow2
	qemu-img convert -O raw a.qcow2 a.raw
	cp a.qcow2 t.qcow2
	# Cut the file inside the data clusters: the table still points there.
	truncate -s 600k t.qcow2
	run img-convert compare t.qcow2 a.raw
	[ "$status" -eq 3 ] || fail "exit $status: $output"
	assert_output --partial "t.qcow2: block status at offset"
	assert_output --partial "past the end of the file"
}

@test "compare: exit 4 when an image cannot be read (undecodable cluster)" {
	local f=$HOSTILE/compressed-garbage
	truncate -s "$(qemu-img info --output=json "$f" | jq '.["virtual-size"]')" z.raw
	run img-convert compare -f qcow2 -F raw "$f" z.raw
	[ "$status" -eq 4 ] || fail "exit $status: $output"
	assert_output --partial "read at offset"
}

@test "compare -p shows progress" {
	truncate -s 2M s1 s2
	run --separate-stderr img-convert compare -p s1 s2
	assert_success
	[[ $stderr == *"100.00/100%"* ]] || fail "no progress: $stderr"
}

@test "compare: needs two files" {
	run img-convert compare one
	assert_failure 1
	assert_output --partial "expecting two image file names"
}

@test "create -f raw: qemu-img's Formatting line, size and sparseness" {
	mkdir q
	run img-convert create -f raw d.raw 1G
	assert_success
	assert_output "$(cd q && qemu-img create -f raw d.raw 1G)"
	[ "$(stat -c %s d.raw)" -eq 1073741824 ]
	[ "$(du -k d.raw | cut -f1)" -eq 0 ]
}

@test "create: preallocation falloc and full allocate, off does not" {
	for p in off falloc full; do
		run img-convert create -f raw -o preallocation=$p "$p.raw" 2M
		assert_success
		assert_output "$(mkdir -p q && cd q && qemu-img create -f raw -o preallocation=$p "$p.raw" 2M)"
	done
	[ "$(du -k off.raw | cut -f1)" -eq 0 ]
	[ "$(du -k falloc.raw | cut -f1)" -ge 2048 ]
	[ "$(du -k full.raw | cut -f1)" -ge 2048 ]
	cmp full.raw off.raw
}

@test "create: -o help lists the options; bad options are refused" {
	run img-convert create -f raw -o help x.raw 1M
	assert_success
	assert_output --partial "preallocation"
	run img-convert create -f raw -o preallocation=sometimes x.raw 1M
	assert_failure 1
	run img-convert create -f raw -o cluster_size=4k x.raw 1M
	assert_failure 1
	assert_output --partial "invalid option 'cluster_size'"
	[ ! -e x.raw ]
}

@test "create: sizes in qemu-img's units; bad sizes refused" {
	img-convert create -q -f raw k.raw 1.5k
	[ "$(stat -c %s k.raw)" -eq 1536 ]
	img-convert create -q -f raw -o size=2M s.raw
	[ "$(stat -c %s s.raw)" -eq 2097152 ]
	run img-convert create -f raw bad.raw 12Q
	assert_failure 1
	run img-convert create -f raw neg.raw -- -5
	assert_failure 1
	run img-convert create -f raw nosize.raw
	assert_failure 1
	assert_output --partial "needs a size"
	[ ! -e bad.raw ] && [ ! -e nosize.raw ]
}

@test "create -q prints nothing; a format it cannot write is refused" {
	run img-convert create -q -f raw q.raw 1M
	assert_success
	assert_output ""
	run img-convert create -f bochs q.bochs 1M
	assert_failure 1
	[ ! -e q.bochs ]
}

@test "create replaces an existing file, as qemu-img" {
	echo hello >e.raw
	img-convert create -q -f raw e.raw 4k
	[ "$(stat -c %s e.raw)" -eq 4096 ]
	cmp e.raw <(head -c 4096 /dev/zero)
}

@test "a failed write to stdout is an error" {
	mkimg a.qcow2
	run img-convert info a.qcow2 >/dev/full
	run bash -c "img-convert info a.qcow2 >/dev/full"
	assert_failure 1
	assert_output --partial "write error"
}
