# memifd - top-level build.
#
#   make            build libmemif 3.1 and 4.x (static + shared), memifd,
#                   memifctl
#   make run        install missing packages, build, run memifd in the
#                   foreground on conf/memifd.conf (Ctrl-C stops it)
#   make test       install missing packages, build, run every test
#   make SAN=1 ...  the same with AddressSanitizer + UBSan (build-san/)
#   make V=1 ...    show the commands
#
# Every source file of a folder is part of its program, so adding a .c file
# needs no edit here.  libcore is built twice, once per public API, from the
# same sources: libcore/src/api4*.c are the 4.x entry points, the other
# api*.c the 3.1 ones, everything else is the core both share.

PREFIX     ?= /usr/local
sbindir    ?= $(PREFIX)/sbin
bindir     ?= $(PREFIX)/bin
libdir     ?= $(PREFIX)/lib
includedir ?= $(PREFIX)/include
mandir     ?= $(PREFIX)/share/man
sysconfdir ?= /etc
unitdir    ?= $(PREFIX)/lib/systemd/system
bashcompdir ?= $(PREFIX)/share/bash-completion/completions
# Wireshark's global extcap folder (Debian: /usr/lib/<multiarch>/wireshark/
# extcap, whatever PREFIX is: Wireshark looks only there and in the user's
# folder); the entry is a small script that runs memifctl
extcapdir  ?= /usr/lib/$(or $(shell $(CC) -print-multiarch 2>/dev/null),x86_64-linux-gnu)/wireshark/extcap
DESTDIR    ?=

SOVERSION  := 3
SOVERSION4 := 4
VERSION    := 0.1.0

CC       ?= cc
ifeq ($(FUZZ),1)
# libFuzzer build (clang): every object instrumented, fuzzers in build-fuzz/
BUILD    := build-fuzz
CC       := clang
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
NOWERROR := 1 # gcc's -Werror builds guard the warnings; clang's may differ
else ifeq ($(COV),1)
# the fuzzers built for llvm-cov (make coverage): clang's source-based
# coverage, no sanitizer, in build-cov/
BUILD    := build-cov
CC       := clang
SANFLAGS := -fsanitize=fuzzer-no-link -fprofile-instr-generate -fcoverage-mapping
NOWERROR := 1
else ifeq ($(SAN),1)
BUILD    ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD    ?= build
SANFLAGS :=
endif

WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
            -Wstrict-prototypes -Wvla $(if $(NOWERROR),,-Werror)
OPT      ?= -O2 -g
CFLAGS   ?=
CPPFLAGS += -D_GNU_SOURCE -DMEMIFD_VERSION='"$(VERSION)"'
ALLCFLAGS = -std=c11 $(OPT) $(WARN) $(SANFLAGS) -fPIC -MMD -MP $(CFLAGS)
LDFLAGS  += $(SANFLAGS)

ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory
endif

PKGS := jansson libpcap libedit cmocka
pkgcflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
pkglibs   = $(shell pkg-config --libs $(1) 2>/dev/null)

# ---- libcore --------------------------------------------------------------
# 3.1: libmemif.so.3, libmemif.a (the daemon's), header libcore/include;
# 4.x: libmemif.so.4, libmemif4.a, header libcore/include4, objects in
# $(BUILD)/libcore4/ compiled with LIBCORE_API=4.  Each shared library
# exports its memif_* functions under its own symbol version.
LIB_API4_SRCS := $(wildcard libcore/src/api4*.c)
LIB_API3_SRCS := $(filter-out $(LIB_API4_SRCS),$(wildcard libcore/src/api*.c))
LIB_CORE_SRCS := $(filter-out libcore/src/api%,$(wildcard libcore/src/*.c))
LIB_SRCS := $(LIB_CORE_SRCS) $(LIB_API3_SRCS)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB_A    := $(BUILD)/libmemif.a
LIB_SO   := $(BUILD)/libmemif.so.$(SOVERSION)
LIB_INC  := -Ilibcore/include
LIB4_SRCS := $(LIB_CORE_SRCS) $(LIB_API4_SRCS)
LIB4_OBJS := $(LIB4_SRCS:libcore/%.c=$(BUILD)/libcore4/%.o)
LIB4_A   := $(BUILD)/libmemif4.a
LIB4_SO  := $(BUILD)/libmemif.so.$(SOVERSION4)
LIB4_INC := -Ilibcore/include4
SO_LDFLAGS = -shared -Wl,-z,defs -Wl,-Bsymbolic-functions

# ---- daemon ---------------------------------------------------------------
D_SRCS   := $(wildcard daemon/*.c)
D_OBJS   := $(D_SRCS:%.c=$(BUILD)/%.o)
D_LIBOBJS := $(filter-out $(BUILD)/daemon/main.o,$(D_OBJS))
MEMIFD   := $(BUILD)/memifd
D_CFLAGS := $(LIB_INC) $(call pkgcflags,jansson libpcap)
D_LIBS   := $(call pkglibs,jansson libpcap)

# ---- cli ------------------------------------------------------------------
C_SRCS   := $(wildcard cli/*.c)
C_OBJS   := $(C_SRCS:%.c=$(BUILD)/%.o)
C_LIBOBJS := $(filter-out $(BUILD)/cli/main.o,$(C_OBJS))
MEMIFCTL := $(BUILD)/memifctl
C_CFLAGS := $(call pkgcflags,jansson libedit)
C_LIBS   := $(call pkglibs,jansson libedit)

# ---- tests ----------------------------------------------------------------
# tests/unit/<module>/test_*.c: one cmocka program each, linked with that
# module's objects (main.o excluded).  tests/tools/*.c: helper programs that
# integration tests run (loopback peers, hostile peer, ...), linked with
# libmemif.a.  tests/unit/libcore/test_v4_*.c and tests/tools/memif4_*.c are
# written against the 4.x header and linked with libmemif4.a.
UT_LIB_SRCS := $(wildcard tests/unit/libcore/test_*.c)
UT_D_SRCS   := $(wildcard tests/unit/daemon/test_*.c)
UT_C_SRCS   := $(wildcard tests/unit/cli/test_*.c)
UT_LIB   := $(UT_LIB_SRCS:%.c=$(BUILD)/%)
UT_D     := $(UT_D_SRCS:%.c=$(BUILD)/%)
UT_C     := $(UT_C_SRCS:%.c=$(BUILD)/%)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOLS    := $(TOOL_SRCS:%.c=$(BUILD)/%)
UT_CFLAGS := $(call pkgcflags,cmocka)
UT_LIBS  := $(call pkglibs,cmocka)

# tests/fuzz/fuzz_lib_*.c, fuzz_daemon_*.c: libFuzzer targets (make FUZZ=1
# fuzzers), linked with libcore, and the daemon's objects for the latter.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS  := $(FUZZ_SRCS:%.c=$(BUILD)/%)

PROGRAMS := $(LIB_A) $(LIB_SO) $(LIB4_A) $(LIB4_SO) \
            $(if $(D_SRCS),$(MEMIFD)) $(if $(C_SRCS),$(MEMIFCTL))

.PHONY: all deps run test unit-test integration-test check-san bench fuzz fuzzers memcheck \
        install uninstall clean tools soak coverage
all: $(PROGRAMS) $(BUILD)/libmemif.pc $(BUILD)/libmemif4.pc

# Install missing Debian packages (only when something is missing).
deps:
	$(Q)tests/deps.sh

# ---- rules ----------------------------------------------------------------
$(BUILD)/libcore/%.o: libcore/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(LIB_INC) -Ilibcore/src -fvisibility=hidden -c -o $@ $<

$(BUILD)/libcore4/%.o: libcore/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $< (4.x)")
	$(Q)$(CC) $(CPPFLAGS) -DLIBCORE_API=4 $(ALLCFLAGS) $(LIB4_INC) -Ilibcore/src -fvisibility=hidden -c -o $@ $<

$(BUILD)/daemon/%.o: daemon/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(D_CFLAGS) -c -o $@ $<

$(BUILD)/cli/%.o: cli/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(C_CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJS) libcore/libmemif.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(SO_LDFLAGS) -Wl,-soname,libmemif.so.$(SOVERSION) -Wl,--version-script=libcore/libmemif.map $(LDFLAGS) -o $@ $(LIB_OBJS)
	$(Q)ln -sf libmemif.so.$(SOVERSION) $(BUILD)/libmemif.so

$(LIB4_A): $(LIB4_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB4_SO): $(LIB4_OBJS) libcore/libmemif4.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(SO_LDFLAGS) -Wl,-soname,libmemif.so.$(SOVERSION4) -Wl,--version-script=libcore/libmemif4.map $(LDFLAGS) -o $@ $(LIB4_OBJS)
	$(Q)ln -sf libmemif.so.$(SOVERSION4) $(BUILD)/libmemif4.so

$(BUILD)/libmemif.pc: libcore/libmemif.pc.in Makefile
	@mkdir -p $(@D)
	$(Q)$(call pcgen,libcore/libmemif.pc.in,$(LIBMEMIF_PC_VERSION)) > $@
$(BUILD)/libmemif4.pc: libcore/libmemif4.pc.in Makefile
	@mkdir -p $(@D)
	$(Q)$(call pcgen,libcore/libmemif4.pc.in,$(LIBMEMIF4_PC_VERSION)) > $@
LIBMEMIF_PC_VERSION := 3.1
LIBMEMIF4_PC_VERSION := 4.0

$(MEMIFD): $(D_OBJS) $(LIB_A)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(D_OBJS) $(LIB_A) $(D_LIBS) -lpthread

$(MEMIFCTL): $(C_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(C_OBJS) $(C_LIBS)

$(BUILD)/tests/unit/libcore/%: tests/unit/libcore/%.c $(LIB_A) $(wildcard tests/tools/*.h)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALLCFLAGS) -Wno-missing-prototypes $(LIB_INC) -Ilibcore/src -Itests/tools $(UT_CFLAGS) -o $@ $< $(LDFLAGS) $(LIB_A) $(UT_LIBS) -lpthread

$(BUILD)/tests/unit/libcore/test_v4_%: tests/unit/libcore/test_v4_%.c $(LIB4_A) $(wildcard tests/tools/*.h)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALLCFLAGS) -Wno-missing-prototypes -DLIBCORE_API=4 $(LIB4_INC) -Ilibcore/src -Itests/tools $(UT_CFLAGS) -o $@ $< $(LDFLAGS) $(LIB4_A) $(UT_LIBS) -lpthread

$(BUILD)/tests/unit/daemon/%: tests/unit/daemon/%.c $(D_LIBOBJS) $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALLCFLAGS) -Wno-missing-prototypes $(D_CFLAGS) -Idaemon $(UT_CFLAGS) -o $@ $< $(LDFLAGS) $(D_LIBOBJS) $(LIB_A) $(D_LIBS) $(UT_LIBS) -lpthread

$(BUILD)/tests/unit/cli/%: tests/unit/cli/%.c $(C_LIBOBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALLCFLAGS) -Wno-missing-prototypes $(C_CFLAGS) -Icli $(UT_CFLAGS) -o $@ $< $(LDFLAGS) $(C_LIBOBJS) $(C_LIBS) $(UT_LIBS)

# tap_floor measures io_uring against plain writes into a TAP (liburing).
$(BUILD)/tests/tools/tap_floor: TOOL_LIBS := $(shell pkg-config --libs liburing 2>/dev/null || echo -luring)
$(BUILD)/tests/tools/memif4_%: tests/tools/memif4_%.c $(LIB4_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALLCFLAGS) -Wno-missing-prototypes $(LIB4_INC) -o $@ $< $(LDFLAGS) $(LIB4_A) -lpthread
$(BUILD)/tests/tools/%: tests/tools/%.c $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALLCFLAGS) -Wno-missing-prototypes $(LIB_INC) -Ilibcore/src -o $@ $< $(LDFLAGS) $(LIB_A) $(TOOL_LIBS) -lpthread

tools: $(TOOLS)

$(BUILD)/tests/fuzz/fuzz_lib_%: tests/fuzz/fuzz_lib_%.c $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(LIB_INC) -Ilibcore/src -fsanitize=fuzzer -o $@ $< $(LDFLAGS) $(LIB_A) -lpthread

$(BUILD)/tests/fuzz/fuzz_daemon_%: tests/fuzz/fuzz_daemon_%.c $(D_LIBOBJS) $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(D_CFLAGS) -Idaemon -fsanitize=fuzzer -o $@ $< $(LDFLAGS) $(D_LIBOBJS) $(LIB_A) $(D_LIBS) -lpthread

fuzzers: $(FUZZERS)

# ---- the two commands of the README ----------------------------------------
# Quiet on success: the build's progress lines are dropped (errors still show
# on stderr; V=1 shows everything), so a second run prints only memifd's log.
QUIET = $(if $(Q),>/dev/null)

run: deps
	$(Q)$(MAKE) -s all $(QUIET)
	$(Q)exec $(MEMIFD) -f -c conf/memifd.conf

# Both builds, one job per CPU; then tests/run.sh: unit tests, integration
# tests, and both again under ASan+UBSan.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test: deps
	$(Q)$(MAKE) -s -j$(JOBS) all tools $(UT_LIB) $(UT_D) $(UT_C) $(QUIET)
	$(Q)$(MAKE) -s -j$(JOBS) SAN=1 all tools $(UT_LIB:build/%=build-san/%) $(UT_D:build/%=build-san/%) $(UT_C:build/%=build-san/%) $(QUIET)
	$(Q)tests/run.sh

bench: deps
	$(Q)$(MAKE) -s all tools
	$(Q)tests/bench/run.sh

# The memifd integration tests with memifd under valgrind memcheck.
memcheck: deps
	$(Q)$(MAKE) -s all tools
	$(Q)tests/memcheck.sh

fuzz: deps
	$(Q)tests/fuzz/run.sh

# Line coverage (llvm-cov) of the validating code by the fuzzers' corpora
# (tests/fuzz/corpus/, tests/fuzz/regressions/ and what make fuzz grew in
# build-fuzz/corpus/): each file and the total, which must reach 90 %.
coverage: deps
	$(Q)$(MAKE) -s COV=1 fuzzers
	$(Q)tests/fuzz/coverage.sh

# The soak (not in make test: README, Reliability): SOAK_S
# seconds (600) with the normal memifd, then as long with the ASan+UBSan one
# (both run; it fails if either does).
SOAK_S ?= 600
soak: deps
	$(Q)$(MAKE) -s all tools $(QUIET)
	$(Q)$(MAKE) -s SAN=1 all tools $(QUIET)
	$(Q)r=0; SOAK_S=$(SOAK_S) bash tests/soak/soak.sh || r=1; \
	SOAK_S=$(SOAK_S) MEMIFD=$(CURDIR)/build-san/memifd ASAN_OPTIONS=detect_leaks=1 \
		bash tests/soak/soak.sh || r=1; exit $$r

# ---- install ----------------------------------------------------------------
# Honours PREFIX, DESTDIR, sysconfdir and the directories at the top.  The
# pc file and the unit are written with the final paths (libdir and
# includedir relative to ${prefix} when under it, so that
# PKG_CONFIG_SYSROOT_DIR or --define-variable=prefix= relocate a staged
# tree).  An existing configuration is never overwritten; uninstall removes
# it only while it is still the unchanged default.
pcrel = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
# $(call pcgen,TEMPLATE,VERSION)
pcgen = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(call pcrel,$(libdir))|' \
            -e 's|@INCLUDEDIR@|$(call pcrel,$(includedir))|' \
            -e 's|@VERSION@|$(2)|' $(1)
unitgen = sed -e 's|/usr/local/sbin/memifd|$(sbindir)/memifd|g' \
              -e 's|/etc/memifd/memifd.conf|$(sysconfdir)/memifd/memifd.conf|g' \
              systemd/memifd.service
# $(call inst,MODE,SOURCE,DEST)
inst = $(Q)$(if $(Q),echo "  INSTALL $(DESTDIR)$(3)";) install -D -m $(1) $(2) $(DESTDIR)$(3)
# geninst MODE,COMMAND,PATH: COMMAND's output installed as PATH, written
# there directly (no file in $(BUILD) that two installs to different
# prefixes at once would share)
geninst = $(Q)$(if $(Q),echo "  INSTALL $(DESTDIR)$(3)";) install -d $(DESTDIR)$(dir $(3)) && \
	$(2) > $(DESTDIR)$(3) && chmod $(1) $(DESTDIR)$(3)
CONF_FILE := $(sysconfdir)/memifd/memifd.conf
INSTALLED = $(sbindir)/memifd $(bindir)/memifctl \
            $(libdir)/libmemif.so.$(SOVERSION) $(libdir)/libmemif.so $(libdir)/libmemif.a \
            $(includedir)/libmemif.h $(libdir)/pkgconfig/libmemif.pc \
            $(libdir)/libmemif.so.$(SOVERSION4) $(libdir)/libmemif4.so $(libdir)/libmemif4.a \
            $(includedir)/libmemif4/libmemif.h $(libdir)/pkgconfig/libmemif4.pc \
            $(mandir)/man8/memifd.8 $(mandir)/man8/memifctl.8 $(mandir)/man5/memifd.conf.5 \
            $(unitdir)/memifd.service $(bashcompdir)/memifctl $(extcapdir)/memifd

install: all
	$(call inst,0755,$(MEMIFD),$(sbindir)/memifd)
	$(call inst,0755,$(MEMIFCTL),$(bindir)/memifctl)
	$(call inst,0755,$(LIB_SO),$(libdir)/libmemif.so.$(SOVERSION))
	$(Q)ln -sfn libmemif.so.$(SOVERSION) $(DESTDIR)$(libdir)/libmemif.so
	$(call inst,0644,$(LIB_A),$(libdir)/libmemif.a)
	$(call inst,0644,libcore/include/libmemif.h,$(includedir)/libmemif.h)
	$(call geninst,0644,$(call pcgen,libcore/libmemif.pc.in,$(LIBMEMIF_PC_VERSION)),$(libdir)/pkgconfig/libmemif.pc)
	$(call inst,0755,$(LIB4_SO),$(libdir)/libmemif.so.$(SOVERSION4))
	$(Q)ln -sfn libmemif.so.$(SOVERSION4) $(DESTDIR)$(libdir)/libmemif4.so
	$(call inst,0644,$(LIB4_A),$(libdir)/libmemif4.a)
	$(call inst,0644,libcore/include4/libmemif.h,$(includedir)/libmemif4/libmemif.h)
	$(call geninst,0644,$(call pcgen,libcore/libmemif4.pc.in,$(LIBMEMIF4_PC_VERSION)),$(libdir)/pkgconfig/libmemif4.pc)
	$(call inst,0644,daemon/memifd.8,$(mandir)/man8/memifd.8)
	$(call inst,0644,cli/memifctl.8,$(mandir)/man8/memifctl.8)
	$(call inst,0644,conf/memifd.conf.5,$(mandir)/man5/memifd.conf.5)
	$(call geninst,0644,$(unitgen),$(unitdir)/memifd.service)
	$(call inst,0644,cli/memifctl.bash-completion,$(bashcompdir)/memifctl)
	$(call geninst,0755,printf '#!/bin/sh\n# memifd bridges as Wireshark interfaces memifd-BRIDGE (memifctl(8))\nexec %s "$$@"\n' '$(bindir)/memifctl',$(extcapdir)/memifd)
	$(Q)if [ -e $(DESTDIR)$(CONF_FILE) ]; then \
	    echo "  KEEP    $(DESTDIR)$(CONF_FILE) (exists)"; else \
	    $(if $(Q),echo "  INSTALL $(DESTDIR)$(CONF_FILE)";) \
	    install -D -m 0644 conf/memifd.conf $(DESTDIR)$(CONF_FILE); fi
	$(Q)[ -n "$(DESTDIR)" ] || [ "$$(id -u)" != 0 ] || ldconfig

uninstall:
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(Q)rmdir $(DESTDIR)$(includedir)/libmemif4 2>/dev/null || true
	$(Q)if cmp -s conf/memifd.conf $(DESTDIR)$(CONF_FILE); then \
	    rm -f $(DESTDIR)$(CONF_FILE); \
	    rmdir $(DESTDIR)$(sysconfdir)/memifd 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(CONF_FILE) ]; then \
	    echo "  KEEP    $(DESTDIR)$(CONF_FILE) (changed)"; fi

clean:
	rm -rf build build-san build-fuzz build-cov

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
