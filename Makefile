# virtutils - one non-recursive GNU Makefile for libshared, the tools and the tests.
#
#   make            libshared.a and every tool into bin/
#   make check      unit (cmocka, with ASan/UBSan), CLI (bats) and fuzz-corpus replay
#   make demo       a real pipeline in ./demo-root
#   make bench      ratios against the upstream tools
#   make deps       install the Debian packages the build and the tests need
#
# Every libshared/*/*.c is part of libshared.a, every tools/T/ is a tool T
# (its main.c plus build/tools/libT.a of its other .c files), every
# tests/unit/test_*.c a unit test and every tests/fuzz/fuzz_*.c a libFuzzer
# harness: adding a file needs no change here.
#
# What a libshared file holds is in its name, one rule for every kind of
# libvirt object (domain, pool, volume; networks next):
#   xml/<kind>xml*.c     the document model: one libvirt XML kind as a
#                        handle over its tree (load, check, typed get/set,
#                        format), written on xml/node.c; header
#                        vu/<kind>xml.h (domainxml, poolxml, volxml)
#   storage/<kind>db.c   the state database: the kind's definitions in the
#                        state root, live state in the run directory,
#                        autostart links, the lock (domaindb, pooldb)
#   storage/<object>*.c  what is done to the objects the databases hold
#                        (pool.c, pool_dir.c, volume.c, volcreate.c, ...)

VERSION   := 0.1
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR   ?=

CC        ?= cc
FUZZCC    ?= clang
PKGS      := libxml-2.0 zlib libzstd libcap uuid json-c fdisk blkid libarchive \
	     libnl-3.0 libnl-route-3.0 libnftables ext2fs com_err libcrypt libcrypto

# Evaluated once, on first use, so that "make deps" works before pkg-config exists.
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)

# Quiet by default ("CC file"); make V=1 prints the commands.
ifeq ($(V),1)
Q :=
msg = @:
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2);
endif

WARN      := -Wall -Wextra -Werror
CFLAGS    ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	     -D_GNU_SOURCE -DVU_VERSION='"$(VERSION)"' -Ilibshared/include $(PKG_CFLAGS) -MMD -MP
SAN       := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LIBS       = $(PKG_LIBS) -lpthread

LIB_SRCS  := $(sort $(wildcard libshared/*/*.c))
TOOLS     := $(notdir $(wildcard tools/*))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FIXTURE_SRCS := $(sort $(wildcard tests/fixtures/*.c))

LIB_OBJS  := $(LIB_SRCS:%.c=build/%.o)
ASAN_OBJS := $(LIB_SRCS:%.c=build/asan/%.o)
FUZZ_OBJS := $(LIB_SRCS:%.c=build/fuzz/%.o)
# A tool's modules: every .c in its folder but main.c.
tool_srcs  = $(filter-out tools/$(1)/main.c,$(wildcard tools/$(1)/*.c))
TOOL_LIBS      := $(TOOLS:%=build/tools/lib%.a)
ASAN_TOOL_LIBS := $(TOOLS:%=build/asan/tools/lib%.a)
FUZZ_TOOL_LIBS := $(TOOLS:%=build/fuzz/tools/lib%.a)
BINS      := $(TOOLS:%=bin/%)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/unit/%)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/bin/%)
FIXTURE_BINS := $(FIXTURE_SRCS:tests/fixtures/%.c=build/fixtures/%)
MANS      := $(wildcard man/*.1 man/*.7)
COMPS     := $(wildcard completions/bash/*)

.PHONY: all check unit-bins fuzz-bins fixture-bins install deps demo bench fuzz lint clean
.DEFAULT_GOAL := all

all: $(BINS)

build/libshared.a build/asan/libshared.a build/fuzz/libshared.a \
$(TOOL_LIBS) $(ASAN_TOOL_LIBS) $(FUZZ_TOOL_LIBS):
	$(call msg,AR,$@)
	@mkdir -p $(@D)
	@rm -f $@
	$(Q)ar rcs $@ $^

build/libshared.a: $(LIB_OBJS)
build/asan/libshared.a: $(ASAN_OBJS)
build/fuzz/libshared.a: $(FUZZ_OBJS)

build/%.o: %.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/asan/%.o: %.c
	$(call msg,CC-SAN,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

build/fuzz/%.o: %.c
	$(call msg,CC-FUZ,$<)
	@mkdir -p $(@D)
	$(Q)$(FUZZCC) $(ALL_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

# A tool is its main.c linked with its archive and libshared.a; the archive
# comes in the three flavours of libshared.a, for the tool and its tests.
define tool_rule
build/tools/lib$(1).a: $(patsubst %.c,build/%.o,$(call tool_srcs,$(1)))
build/asan/tools/lib$(1).a: $(patsubst %.c,build/asan/%.o,$(call tool_srcs,$(1)))
build/fuzz/tools/lib$(1).a: $(patsubst %.c,build/fuzz/%.o,$(call tool_srcs,$(1)))
bin/$(1): build/tools/$(1)/main.o build/tools/lib$(1).a build/libshared.a
	$$(call msg,LD,$$@)
	@mkdir -p bin
	$$(Q)$$(CC) $$(ALL_CFLAGS) -o $$@ $$^ $$(LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

# Every unit test and harness links every tool's archive, then libshared.a:
# the linker takes from an archive only the modules that define a symbol the
# test uses, so a test needs no list of what it exercises. That is safe only
# while no global name is defined twice, as the linker would silently take
# the first: give a tool's non-static functions its prefix (ic_, vc_, ksm_,
# ...). symbols.ok, made before any test links, fails the build on a name
# that two archives define.
%/symbols.ok: %/libshared.a
	$(call msg,NM,$*)
	$(Q)dups=$$(nm -g --defined-only $^ | awk 'NF == 3 && $$2 != "W" && $$2 != "V" \
		{ print $$3 }' | sort | uniq -d); \
	if [ -n "$$dups" ]; then echo "$*: two archives define" $$dups >&2; exit 1; fi
	@touch $@
build/asan/symbols.ok: $(ASAN_TOOL_LIBS)
build/fuzz/symbols.ok: $(FUZZ_TOOL_LIBS)

build/unit/%: tests/unit/%.c $(ASAN_TOOL_LIBS) build/asan/libshared.a build/asan/symbols.ok
	$(call msg,LD-SAN,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $< $(ASAN_TOOL_LIBS) build/asan/libshared.a \
		$(LIBS) -lcmocka

build/fuzz/bin/%: tests/fuzz/%.c $(FUZZ_TOOL_LIBS) build/fuzz/libshared.a build/fuzz/symbols.ok
	$(call msg,LD-FUZ,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZCC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< \
		$(FUZZ_TOOL_LIBS) build/fuzz/libshared.a $(LIBS)

# Programs the fixture scripts run (tests/fixtures/mkguest.sh's
# mkinitramfs), on libshared like a tool.
build/fixtures/%: tests/fixtures/%.c build/libshared.a
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< build/libshared.a $(LIBS)

unit-bins: $(UNIT_BINS)
fuzz-bins: $(FUZZ_BINS)
fixture-bins: $(FIXTURE_BINS)

# check and demo first make sure the machine has what they need, then build
# in a second make so pkg-config is asked only once it is installed.
check: deps
	@$(MAKE) --no-print-directory all unit-bins fuzz-bins fixture-bins >build.log 2>&1 || \
		{ cat build.log; exit 1; }
	@tests/run-all

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@for b in tests/bench/*.sh; do $$b || exit 1; done

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-bins
	@tests/fuzz/explore.sh

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr -Ilibshared/include -D_GNU_SOURCE libshared tools
	mandoc -Tlint -Wwarning $(MANS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	for m in $(MANS); do install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done
	for c in $(COMPS); do install -m 0644 $$c $(DESTDIR)$(BASHCOMPDIR)/; done

clean:
	rm -rf build bin build.log demo-root

# Debian packages the build, the tests, the fuzzers and the benchmarks need
# (gcc and make are assumed). A second run finds nothing missing and only
# asks dpkg once. guestfs-tools (and kmod's depmod) run virt-sysprep beside
# vm-sysprep (tests/cli/vm-sysprep-peer.bats, the bench); libvirt's daemon,
# QEMU driver and virsh run a session libvirtd beside vm-ctl in the bench,
# by hand: libvirt-daemon-system, which starts system daemons and a default
# network at install, is deliberately not listed.
DEB_PKGS := pkg-config libxml2-dev zlib1g-dev libzstd-dev libcap-dev uuid-dev \
	libjson-c-dev libcmocka-dev bats bats-assert bats-support qemu-utils \
	clang libclang-rt-14-dev mandoc cppcheck libvirt0 libxml2-utils strace \
	time e2fsprogs util-linux jq bash-completion libfdisk-dev libblkid-dev fdisk mount \
	libcurl4-openssl-dev libarchive-dev osinfo-db ovmf virtinst xorriso cpio xfsprogs \
	python3 libcap2-bin acl libnl-3-dev libnl-route-3-dev libnftables-dev nftables iproute2 \
	dnsmasq-base busybox qemu-system-x86 qemu-block-extra libext2fs-dev lvm2 socat \
	libssl-dev guestfs-tools kmod libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients \
	btrfs-progs

deps:
	@missing=$$(dpkg-query -W -f='$${Package} $${db:Status-Abbrev}\n' $(DEB_PKGS) 2>/dev/null | \
		awk '$$2 == "ii" { ok[$$1] = 1 } END { n = split("$(DEB_PKGS)", p, " "); \
		for (i = 1; i <= n; i++) if (!ok[p[i]]) printf "%s ", p[i] }'); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	cmd="apt-get update && apt-get install -y --no-install-recommends $$missing"; \
	if [ "$$(id -u)" != 0 ]; then echo "make deps: missing packages; run as root:" >&2; \
		echo "  $$cmd" >&2; exit 1; fi; \
	echo "make deps: installing $$missing" >&2; \
	DEBIAN_FRONTEND=noninteractive sh -c "$$cmd" >&2

-include $(shell find build -name '*.d' -type f 2>/dev/null)
