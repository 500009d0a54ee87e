# vx top-level Makefile.
#
#   make            build libvx, vxd, vzctl (+ vzlist, vzubc) into build/
#   make run        install deps, build, build the busybox template, start vxd,
#                   create + start VPS 101, exec in it, list it
#   make check      install test deps, then run every test (unit, cli, kernel)
#   make install    install into $(DESTDIR)$(PREFIX)
#   make kernel     build the patched UML kernel (see docs/kernel-build.md)
#
# Userspace is plain C11 (gnu11) with -Wall -Wextra -Werror. Unit tests are
# built a second time with ASan+UBSan into build/asan/.

PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/lib/vx
SHAREDIR ?= $(PREFIX)/share/vx
MANDIR  ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc

CC      ?= cc
B       := build
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 \
	   -Wmissing-prototypes -Wstrict-prototypes
CPPFLAGS += -D_GNU_SOURCE -Iuserspace/lib -Iinclude/uapi
ALLCFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(CPPFLAGS) -MMD -MP
LIBS    := -lcap -lseccomp -lnftnl -lmnl -lcrypt
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRC   := $(sort $(wildcard userspace/lib/*.c))
VXD_SRC   := $(sort $(wildcard userspace/vxd/*.c))
VZCTL_SRC := $(sort $(wildcard userspace/vzctl/*.c))
UNIT_SRC  := $(sort $(wildcard tests/unit/test-*.c))

LIB_OBJ   := $(LIB_SRC:%.c=$(B)/%.o)
VXD_OBJ   := $(VXD_SRC:%.c=$(B)/%.o)
VZCTL_OBJ := $(VZCTL_SRC:%.c=$(B)/%.o)
ASAN_LIB_OBJ := $(LIB_SRC:%.c=$(B)/asan/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)

.PHONY: all deps deps-test run check check-unit check-cli install clean bench template
all: $(B)/bin/vxd $(B)/bin/vzctl $(B)/bin/vzlist $(B)/bin/vzubc

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -c -o $@ $<

$(B)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -O1 $(SAN) -c -o $@ $<

$(B)/libvx.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/asan/libvx.a: $(ASAN_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/bin/vxd: $(VXD_OBJ) $(B)/libvx.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(VXD_OBJ) $(B)/libvx.a $(LIBS)

$(B)/bin/vzctl: $(VZCTL_OBJ) $(B)/libvx.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(VZCTL_OBJ) $(B)/libvx.a $(LIBS)

# vzlist is vzctl under another name (argv[0] dispatch), as `vzctl list`.
$(B)/bin/vzlist: $(B)/bin/vzctl
	ln -sf vzctl $@

# vzubc is `vzctl stat` of every running CT (OpenVZ's vzubc).
$(B)/bin/vzubc: $(B)/bin/vzctl
	ln -sf vzctl $@

$(B)/unit/%: tests/unit/%.c $(B)/asan/libvx.a
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -O1 $(SAN) -Itests/unit -o $@ $< $(B)/asan/libvx.a $(LIBS)

# Dependencies (Debian packages). Both entry points install what they need.
deps:
	scripts/deps.sh run
deps-test:
	scripts/deps.sh test

template: all
	templates/busybox/build.sh $(B)/template/cache

run: deps
	$(MAKE) all template
	scripts/run-demo.sh

check-unit: $(UNIT_BIN) template
	tests/unit/run.sh $(UNIT_BIN)

check-cli: all template
	tests/cli/run.sh

# The README's test command: everything, with one closing summary line.
check: deps-test
	$(MAKE) all
	tests/run-all.sh

bench: all template
	@echo "see bench/: bench/lifecycle.sh N, bench/kernel-overhead/run.sh"

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(SYSCONFDIR)/vz/conf
	install -m 0755 $(B)/bin/vxd $(B)/bin/vzctl $(DESTDIR)$(SBINDIR)/
	ln -sf vzctl $(DESTDIR)$(SBINDIR)/vzlist
	ln -sf vzctl $(DESTDIR)$(SBINDIR)/vzubc
	cp -r templates $(DESTDIR)$(SHAREDIR)/
	[ -e $(DESTDIR)$(SYSCONFDIR)/vz/vz.conf ] || \
		install -m 0644 templates/vz.conf $(DESTDIR)$(SYSCONFDIR)/vz/vz.conf
	for f in templates/conf/*.conf-sample; do \
		install -m 0644 $$f $(DESTDIR)$(SYSCONFDIR)/vz/conf/; done
	if [ -d docs/man ]; then install -d $(DESTDIR)$(MANDIR)/man8 && \
		install -m 0644 docs/man/*.8 $(DESTDIR)$(MANDIR)/man8/ 2>/dev/null || true; fi

clean:
	rm -rf $(B)

-include mk/checkpoint.mk
-include mk/kernel.mk
-include $(LIB_OBJ:.o=.d) $(VXD_OBJ:.o=.d) $(VZCTL_OBJ:.o=.d) $(ASAN_LIB_OBJ:.o=.d)
