# mk/checkpoint.mk - the checkpoint (CRIU) suite (included by Makefile
# before mk/kernel.mk, so KERNEL_X86 here is the environment's, if set).
#
#   make check-checkpoint  tests/guest-x86/checkpoint.bats on the host (skips
#                          where CRIU cannot work) and in the x86_64 guest
#                          (KERNEL_X86=... picks the kernel; default: the
#                          non-debug `make kernel-x86-qemu` one, KERNEL_X86_QEMU
#                          in mk/kernel.mk, built or brought up to date first)

CKPT_KERNEL_ENV := $(KERNEL_X86)

.PHONY: check-checkpoint
check-checkpoint: all template
	$(if $(CKPT_KERNEL_ENV),,$(MAKE) --no-print-directory kernel-x86-qemu)
	tests/guest-x86/run.sh --kernel $(or $(CKPT_KERNEL_ENV),$(KERNEL_X86_QEMU))
