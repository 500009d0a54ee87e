# mk/kernel.mk - kernel build and guest test targets (included by Makefile).
#
#   make kernel            UML test kernel (patched), prints its path
#   make kernel KCONFIG=bench|novx   non-debug / CONFIG_VSERVER=n variants
#   make kernel-x86        the same tree for x86_64 (bzImage)
#   make check-kernel      kernel + tests/kernel in a UML guest (TAP)
#   make check-kernel-x86  x86_64 compile check: `make prepare` + every .c the
#                          project adds or patches (X86_CHECK=full: the bzImage)
#   make checkpatch        checkpatch.pl --strict over patches and new files
#   make guest-selftest    the guest harness checks itself (UML)
#   make check-kernel-smp  tests/kernel in an x86_64 qemu guest with 2 CPUs
#                          (what UML, uniprocessor, cannot show: CPU
#                          renumbering of /proc views); uses the non-debug
#                          x86_64 kernel (KERNEL_X86_QEMU), whose incremental
#                          build is short; a debug x86_64 build is ~20 min cold
#   make check-guest-cli   vzctl's bats tests (tests/cli/limits.bats and
#                          tests/guest-cli/*.bats) in UML guests booted with
#                          pure cgroup v2 and hybrid cgroups (TAP)
#
# Kernels live in $(VX_CACHE), outside the repository, at stable paths:
# KERNEL_UM and KERNEL_X86 below. See docs/kernel-build.md.

VX_CACHE ?= /var/cache/vx
KCONFIG ?= test
GUEST_ARGS ?=
X86_CHECK ?= objs
export VX_CACHE

vx_kname = $(if $(filter test,$(KCONFIG)),$(1),$(1)-$(KCONFIG))
KERNEL_UM := $(VX_CACHE)/kernels/$(call vx_kname,um)/linux
KERNEL_X86 := $(VX_CACHE)/kernels/$(call vx_kname,x86_64)/bzImage
# The x86_64 kernel the qemu suites boot (check-kernel-smp, check-checkpoint):
# the bench variant. TCG makes lockdep & co. slow, and that build stays warm.
KERNEL_X86_QEMU := $(VX_CACHE)/kernels/x86_64-bench/bzImage

.PHONY: kernel kernel-x86 kernel-x86-qemu check-kernel-smp check-kernel check-kernel-x86 checkpatch guest-selftest \
	check-guest-cli

kernel:
	scripts/kernel/build --arch um --variant $(KCONFIG)
	@echo "KERNEL_UM=$(KERNEL_UM)"

kernel-x86:
	scripts/kernel/build --arch x86_64 --variant $(KCONFIG)
	@echo "KERNEL_X86=$(KERNEL_X86)"

check-kernel: kernel
	scripts/kernel/check-kernel --kernel $(KERNEL_UM) $(GUEST_ARGS)

kernel-x86-qemu:
	scripts/kernel/build --arch x86_64 --variant bench

check-kernel-smp: kernel-x86-qemu
	scripts/kernel/check-kernel --arch x86_64 --cpus 2 --kernel $(KERNEL_X86_QEMU) $(GUEST_ARGS)

check-kernel-x86:
	scripts/kernel/build --arch x86_64 --variant $(KCONFIG) $(if $(filter full,$(X86_CHECK)),,--objs-only)

# `all template`: the guest runs build/bin and the busybox template cache.
check-guest-cli: kernel all template
	tests/guest-cli/run.sh --kernel $(KERNEL_UM)

guest-selftest: kernel
	tests/guest/selftest --kernel $(KERNEL_UM)

checkpatch:
	scripts/kernel/checkpatch
