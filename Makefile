# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make            build bpf objects, skeletons and the xdpgw binary (in $(OUTPUT))
# make check      install deps, build, run every test (as root)
# make demo       install deps, build, walk through scenarios S3 and S4 (as root)
# make deps       apt-get the build and test dependencies (Debian 12)
# make bench      build and run the benchmarks (as root; prints figures)
# make fuzz       fuzz the HTTP parser for FUZZ_TIME seconds (libFuzzer)
# make asan       xdpgw built with ASan+UBSan, in $(OUTPUT)/asan
# make shape      list functions over 80 lines in user/ (fails on one not exempt)
# make vmlinux    regenerate vmlinux/vmlinux.h from the running kernel's BTF
# make install    the binary, xdpgw(8), the systemd unit and an example config
#                 (PREFIX=/usr/local, DESTDIR=; make uninstall removes them)
# make V=1        show the commands

OUTPUT ?= .output
O ?= $(OUTPUT)
OUTPUT := $(abspath $(O))

CLANG ?= clang
CC ?= cc
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

# openssl: libssl and libcrypto for the proxy's TLS (user/tls_*.c)
LIBS_PC := libbpf libxdp openssl
CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Werror -std=gnu11 -MMD -MP
CPPFLAGS += -Iinclude -I$(OUTPUT) $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
LDLIBS += $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null || echo -lxdp -lbpf -lelf -lz -lssl -lcrypto)

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
	-Wall -Werror -MMD -MP -Iinclude -Ibpf -Ivmlinux

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(patsubst $(OUTPUT)/%,%,$(2))";
MAKEFLAGS += --no-print-directory
endif

BPF_PROGS := nat_xdp nat_xdp_int nat_tc sweep
BPF_OBJS := $(patsubst %,$(OUTPUT)/%.bpf.o,$(BPF_PROGS))
SKELS := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_PROGS))

# userspace: each folder of user/ is on the include path. The binary is
# main.c, the CLI (user/cli/) and two static libraries, each with the shared
# helpers of user/lib/: the NAT's control plane (user/nat/) and the HTTP
# proxy (user/proxy/, and whatever else sits in user/ besides main.c).
USER_DIRS := user $(patsubst %/,%,$(wildcard user/*/))
USER_INC := $(addprefix -I,$(USER_DIRS))
USER_SRCS := $(filter-out user/main.c,$(wildcard $(addsuffix /*.c,$(USER_DIRS))))
user_objs = $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(1))
LIB_OBJS := $(call user_objs,$(wildcard user/lib/*.c))
CLI_OBJS := $(call user_objs,$(wildcard user/cli/*.c))
NAT_OBJS := $(call user_objs,$(wildcard user/nat/*.c))
PROXY_OBJS := $(call user_objs,$(wildcard user/proxy/*.c) $(filter-out user/main.c,$(wildcard user/*.c)))
NAT_LIB := $(OUTPUT)/libxdpgw_nat.a
PROXY_LIB := $(OUTPUT)/libxdpgw_proxy.a
# Unit tests link the library they test: the proxy's when they include one
# of its headers, the CLI and both when they include cli.h (or call
# proxy_cfg_build, which cmd_proxy.c holds for now), else the NAT's.
# Tests are named after what they test: test_bpf_* run the programs
# (BPF_PROG_TEST_RUN), the other test_*.c are cmocka unit tests of user/.
PROG_SRCS := $(wildcard selftests/test_bpf_*.c)
UNIT_SRCS := $(filter-out $(PROG_SRCS),$(wildcard selftests/test_*.c))
unit_including = $(patsubst selftests/%.c,%,$(shell grep -lE '$(1)' $(UNIT_SRCS) 2>/dev/null))
UNIT_CLI := $(call unit_including,include "cli\.h"|proxy_cfg_build)
UNIT_PROXY := $(filter-out $(UNIT_CLI),$(call unit_including,include "(proxy|http_parse|tls)[a-z_]*\.h"))

UNIT_TESTS := $(patsubst selftests/%.c,%,$(UNIT_SRCS))
PROG_TESTS := $(patsubst selftests/%.c,%,$(PROG_SRCS))
TEST_BINS := $(patsubst %,$(OUTPUT)/selftests/%,$(UNIT_TESTS) $(PROG_TESTS))
TEST_LIB_SRCS := $(filter-out $(wildcard selftests/test_*.c),$(wildcard selftests/*.c))
TEST_LIB_OBJS := $(patsubst selftests/%.c,$(OUTPUT)/selftests/%.o,$(TEST_LIB_SRCS))
BENCH_BINS := $(patsubst selftests/bench/%.c,$(OUTPUT)/bench/%,$(wildcard selftests/bench/*.c))
# programs the benchmark scripts use (packet generator, ...): built, not run
BENCH_TOOLS := $(patsubst selftests/bench/tools/%.c,$(OUTPUT)/bench/%,$(wildcard selftests/bench/tools/*.c))
# libFuzzer targets: selftests/fuzz/fuzz_X.c fuzzes the sources FUZZ_SRCS_X
# lists, by default X.c in whichever folder of user/ it lives
FUZZ_SRCS_http_parse := $(wildcard user/proxy/http_*.c)
FUZZ_BINS := $(patsubst selftests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(wildcard selftests/fuzz/fuzz_*.c))
FUZZ_TIME ?= 60
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
ASAN_OBJS := $(patsubst user/%.c,$(OUTPUT)/asan/%.o,user/main.c $(USER_SRCS))
# BPF programs only the tests and benchmarks load (floors to compare with)
TEST_BPF_PROGS := $(patsubst selftests/bpf/%.bpf.c,%,$(wildcard selftests/bpf/*.bpf.c))
TEST_SKELS := $(patsubst %,$(OUTPUT)/%.skel.h,$(TEST_BPF_PROGS))
# the namespace tests attach some of them with xdp-loader, by object file
TEST_BPF_OBJS := $(patsubst %,$(OUTPUT)/%.bpf.o,$(TEST_BPF_PROGS))

# build: compiler, libraries, skeleton generator; test: the namespace tools
# (ps and sysctl are procps, which a minimal Debian lacks); libclang-rt-14-dev
# is libFuzzer's runtime; valgrind for test_proxy_balance; man-db and systemd check
# what make install puts (test_install); libssl-dev for the proxy's TLS and
# openssl (the CLI) for the tests' certificates and s_client; dnsmasq-base and
# udhcpc: DHCP and DNS of scenario S4's home router and client
DEB_PACKAGES := clang gcc libc6-dev make pkg-config libbpf-dev libxdp-dev libelf-dev \
	zlib1g-dev bpftool libcmocka-dev libclang-rt-14-dev libssl-dev openssl \
	xdp-tools iproute2 ethtool iputils-ping traceroute tcpdump curl python3 \
	netcat-openbsd nftables procps util-linux valgrind man-db systemd dnsmasq-base udhcpc
# only for `make bench` (selftests/bench/proxy.sh): the peer and the load
BENCH_PACKAGES := nginx wrk

.DELETE_ON_ERROR:
# generated files other targets include or link: not intermediates to delete
.SECONDARY: $(NAT_LIB) $(PROXY_LIB) $(BPF_OBJS) $(SKELS) $(TEST_BPF_OBJS) $(TEST_SKELS) $(TEST_LIB_OBJS) $(patsubst %,%.o,$(TEST_BINS))
.PHONY: all clean check demo deps deps-bench vmlinux bench tests fuzz asan install uninstall

all: $(OUTPUT)/xdpgw

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/selftests $(OUTPUT)/bench $(OUTPUT)/fuzz $(OUTPUT)/asan:
	$(Q)mkdir -p $@

# BPF objects, then skeletons generated from them
$(OUTPUT)/%.bpf.o: bpf/%.bpf.c vmlinux/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.bpf.o: selftests/bpf/%.bpf.c vmlinux/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

# userspace objects need the skeletons first
$(OUTPUT)/user/%.o: user/%.c $(SKELS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(USER_INC) $(CFLAGS) -c $< -o $@

$(NAT_LIB): $(NAT_OBJS) $(LIB_OBJS)
$(PROXY_LIB): $(PROXY_OBJS) $(LIB_OBJS)
$(NAT_LIB) $(PROXY_LIB):
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(OUTPUT)/xdpgw: $(OUTPUT)/user/main.o $(CLI_OBJS) $(NAT_LIB) $(PROXY_LIB)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# fixture tables leave trailing fields out on purpose
$(OUTPUT)/selftests/%.o: selftests/%.c $(SKELS) | $(OUTPUT)/selftests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(USER_INC) -Iselftests $(CFLAGS) -Wno-missing-field-initializers -c $< -o $@

# this test also loads a test-only program (selftests/bpf/filter_probe.bpf.c)
$(OUTPUT)/selftests/test_bpf_filter_rules.o: $(OUTPUT)/filter_probe.skel.h

$(patsubst %,$(OUTPUT)/selftests/%,$(UNIT_CLI)): $(CLI_OBJS) $(NAT_LIB) $(PROXY_LIB)
$(patsubst %,$(OUTPUT)/selftests/%,$(UNIT_PROXY)): $(PROXY_LIB)
$(patsubst %,$(OUTPUT)/selftests/%,$(filter-out $(UNIT_CLI) $(UNIT_PROXY),$(UNIT_TESTS))): $(NAT_LIB)
$(patsubst %,$(OUTPUT)/selftests/%,$(UNIT_TESTS)): $(OUTPUT)/selftests/%: $(OUTPUT)/selftests/%.o
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(filter %.o,$^) $(filter %.a,$^) $(LDLIBS) -lcmocka -o $@

$(patsubst %,$(OUTPUT)/selftests/%,$(PROG_TESTS)): $(OUTPUT)/selftests/%: $(OUTPUT)/selftests/%.o \
		$(TEST_LIB_OBJS) $(NAT_LIB)
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/bench/%: selftests/bench/%.c $(NAT_LIB) $(TEST_LIB_OBJS) $(TEST_SKELS) | $(OUTPUT)/bench
	$(call msg,BENCH,$@)
	$(Q)$(CC) $(CPPFLAGS) $(USER_INC) -Iselftests $(CFLAGS) -Wno-missing-field-initializers $< \
		$(TEST_LIB_OBJS) $(NAT_LIB) $(LDLIBS) -o $@

$(OUTPUT)/bench/%: selftests/bench/tools/%.c $(NAT_LIB) $(TEST_LIB_OBJS) $(TEST_SKELS) | $(OUTPUT)/bench
	$(call msg,BENCH,$@)
	$(Q)$(CC) $(CPPFLAGS) $(USER_INC) -Iselftests $(CFLAGS) -Wno-missing-field-initializers $< \
		$(TEST_LIB_OBJS) $(NAT_LIB) $(LDLIBS) -o $@

# selftests/fuzz/fuzz_X.c links $(FUZZ_SRCS_X), or X.c from a folder of user/;
# any header of those folders may be one they include
fuzz_srcs = $(or $(FUZZ_SRCS_$(1)),$(wildcard $(addsuffix /$(1).c,$(USER_DIRS))))
.SECONDEXPANSION:
$(OUTPUT)/fuzz/fuzz_%: selftests/fuzz/fuzz_%.c $$(call fuzz_srcs,$$*) \
		$$(wildcard $$(addsuffix /*.h,$$(sort $$(dir $$(call fuzz_srcs,$$*))))) | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) $(USER_INC) $(filter %.c,$^) -o $@

# The same binary with ASan and UBSan: XDPGW=$(OUTPUT)/asan/xdpgw selftests/...
$(OUTPUT)/asan/%.o: user/%.c $(SKELS) | $(OUTPUT)/asan
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(USER_INC) $(CFLAGS) -fsanitize=address,undefined -fno-omit-frame-pointer -c $< -o $@

$(OUTPUT)/asan/xdpgw: $(ASAN_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) -fsanitize=address,undefined $^ $(LDLIBS) -o $@

asan: $(OUTPUT)/asan/xdpgw

tests: $(OUTPUT)/xdpgw $(OUTPUT)/asan/xdpgw $(TEST_BINS) $(FUZZ_BINS) $(TEST_SKELS) $(TEST_BPF_OBJS)

# New inputs go to $(OUTPUT)/fuzz/corpus; the committed seeds stay as they are.
fuzz: $(FUZZ_BINS)
	$(Q)mkdir -p $(OUTPUT)/fuzz/corpus
	$(Q)for f in $(FUZZ_BINS); do \
		$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			-artifact_prefix=$(OUTPUT)/fuzz/ $(OUTPUT)/fuzz/corpus selftests/fuzz/corpus || exit 1; \
	done

# Benchmarks print figures; they are not tests and not part of check.
bench: deps-bench
	$(Q)$(MAKE) $(OUTPUT)/xdpgw $(BENCH_BINS) $(BENCH_TOOLS)
	$(Q)for b in $(BENCH_BINS); do echo "== $$(basename $$b)"; $$b || exit 1; done
	$(Q)for s in selftests/bench/*.sh; do \
		echo "== $$(basename $$s)"; XDPGW=$(OUTPUT)/xdpgw BENCH_BIN=$(OUTPUT)/bench $$s || exit 1; \
	done

check: deps
	$(Q)$(MAKE) tests
	$(Q)selftests/run.sh $(OUTPUT)

# No function over 80 lines in user/ but the byte-level parsers (the
# exemption list names them); bpf/ is left out: its long functions are
# shaped by the verifier.
.PHONY: shape
shape:
	$(Q)selftests/tools/long_functions.sh -x selftests/tools/long_functions.exempt user

# The demo gives the veth peers a pass program (floors.bpf.o), as the tests do:
# scenario S3 (NAPT), then S4 (document 003's whole path).
demo: deps
	$(Q)$(MAKE) all $(TEST_BPF_OBJS)
	$(Q)XDPGW=$(OUTPUT)/xdpgw selftests/demo_s3.sh
	$(Q)XDPGW=$(OUTPUT)/xdpgw selftests/demo_s4.sh

# Install only what is missing, so a second run is quick and offline.
# $(1): the packages. A policy-rc.d that denies every start keeps a package
# (nginx) from starting its service on this host while it installs.
define apt_install
	$(Q)missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     apt-get install" $$missing; \
		export DEBIAN_FRONTEND=noninteractive; \
		guard=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; \
			chmod +x /usr/sbin/policy-rc.d; guard=1; fi; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
		rc=$$?; [ -n "$$guard" ] && rm -f /usr/sbin/policy-rc.d; exit $$rc; \
	fi
endef

deps:
	$(call apt_install,$(DEB_PACKAGES))

deps-bench: deps
	$(call apt_install,$(BENCH_PACKAGES))

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
# What install puts where; uninstall removes exactly these.
INSTALLED := $(SBINDIR)/xdpgw $(MANDIR)/man8/xdpgw.8 $(UNITDIR)/xdpgw@.service \
	$(SYSCONFDIR)/xdpgw/example.conf

# The BPF objects are inside the binary (skeletons): one file to install.
install: $(OUTPUT)/xdpgw
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(OUTPUT)/xdpgw $(DESTDIR)$(SBINDIR)/xdpgw
	$(Q)install -D -m 0644 docs/xdpgw.8 $(DESTDIR)$(MANDIR)/man8/xdpgw.8
	$(Q)install -d $(DESTDIR)$(UNITDIR)
	$(Q)sed 's|@SBINDIR@|$(SBINDIR)|g' docs/xdpgw@.service > $(DESTDIR)$(UNITDIR)/xdpgw@.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/xdpgw@.service
	$(Q)install -D -m 0644 docs/example.conf $(DESTDIR)$(SYSCONFDIR)/xdpgw/example.conf

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(Q)rmdir $(DESTDIR)$(SYSCONFDIR)/xdpgw 2>/dev/null || true

vmlinux:
	$(call msg,GEN,vmlinux/vmlinux.h)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/user/*.d $(OUTPUT)/user/*/*.d $(OUTPUT)/selftests/*.d $(OUTPUT)/bench/*.d \
	$(OUTPUT)/asan/*.d $(OUTPUT)/asan/*/*.d)
