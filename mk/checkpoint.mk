# mk/checkpoint.mk - the checkpoint (CRIU) suite (included by Makefile
# before mk/kernel.mk, so KERNEL_X86 here is the environment's, if set).
#
#   make check-checkpoint  tests/guest-x86/checkpoint.bats on the host (skips
#                          where CRIU cannot work) and in the x86_64 guest
#                          (KERNEL_X86=... picks the kernel; default: the
#                          `make kernel-x86` one, built if missing)

CKPT_KERNEL_ENV := $(KERNEL_X86)

.PHONY: check-checkpoint
check-checkpoint: all template
	$(if $(CKPT_KERNEL_ENV),,$(MAKE) --no-print-directory kernel-x86)
	tests/guest-x86/run.sh --kernel $(or $(CKPT_KERNEL_ENV),$(KERNEL_X86))
