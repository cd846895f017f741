# AdrOS top-level Makefile.
#
#   make          build build/adros.elf
#   make run      boot AdrOS in QEMU on the default demo disk (Ctrl-A X quits)
#   make test     host unit tests + in-kernel KTAP suites; ends "N passed, N failed"
#   make bench    boot the benchmark kernel and print the figures
#   make debug    boot QEMU halted, waiting for gdb on :1234 (see README)
#   make deps     install the Debian packages the build and tests need
#   make clean / format / lint

# `make` alone builds the kernel, whatever the included makefiles define first.
.DEFAULT_GOAL := all

CC      ?= gcc
ifeq ($(origin CC),default)
CC      := gcc
endif
LD      := ld
OBJCOPY := objcopy
NM      := nm
PYTHON  := python3
QEMU    := qemu-system-i386

BUILD   := build
KERNEL  := $(BUILD)/adros.elf

# The kernel proper: 32-bit freestanding, no PIC, frame pointers kept so that
# panic() can walk the stack.
KCFLAGS := -m32 -march=i686 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
           -fno-omit-frame-pointer -fno-strict-aliasing -fno-common \
           -mno-sse -mno-mmx -mno-80387 -O2 -g -std=gnu11 \
           -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
           -Wno-unused-parameter -Iinclude -MMD -MP
KASFLAGS := -m32 -ffreestanding -march=i686 -fno-pic -fno-pie -g -Iinclude -MMD -MP -D__ASSEMBLY__
LIBGCC  := $(shell $(CC) -m32 -print-libgcc-file-name 2>/dev/null)
KLDFLAGS := -m elf_i386 -nostdlib -z noexecstack -z max-page-size=0x1000 \
            -T src/arch/x86/kernel.ld

KSRC := $(shell find src tests/kernel -name '*.c' -o -name '*.S' | sort)
KSRC := $(filter-out $(SKIP_SRC),$(KSRC))
KOBJ := $(patsubst %,$(BUILD)/k/%.o,$(KSRC))

# --- NetBSD rump kernel components (built once by make, or RUMP_DIR=) -------
include mk/rump.mk

.PHONY: all kernel run test soak bench debug deps clean distclean format lint hosttests iso fuzz rump-components
# The targets a person types first make sure NetBSD's components are there
# (built once into third_party/rump; see mk/rump.mk), then build in a second
# make that sees them.
# (Without make's MACHINE, the q35 switch below: NetBSD's build reads MACHINE.)
RUMP_ENSURE := $(if $(RUMP_AUTO),env -u MACHINE tools/rump-components.sh --auto --dest $(RUMP_DIR) --work $(BUILD)/rumpbuild,:)
all:
	@$(RUMP_ENSURE)
	@$(MAKE) --no-print-directory kernel
rump-components:
	@$(RUMP_ENSURE)
kernel: $(KERNEL)

$(BUILD)/k/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) $(RUMP_KCFLAGS) -c $< -o $@

$(BUILD)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KASFLAGS) -c $< -o $@

# Two-pass link: the first pass gives the addresses, from which the symbol
# table for backtraces is generated; it lives in its own section placed after
# everything else, so the second pass moves nothing.
$(BUILD)/ksyms0.o: tools/build/gensyms.py
	@mkdir -p $(BUILD)
	@$(PYTHON) tools/build/gensyms.py /dev/null > $(BUILD)/ksyms0.S
	@$(CC) $(KASFLAGS) -c $(BUILD)/ksyms0.S -o $@

$(BUILD)/adros.pass1.elf: $(KOBJ) $(BUILD)/ksyms0.o $(RUMP_ARCHIVES) src/arch/x86/kernel.ld $(RUMP_CHECK_DEPS)
	@echo "  LD      $@"
	@$(LD) $(KLDFLAGS) -o $@ $(KOBJ) $(RUMP_LINK) $(BUILD)/ksyms0.o $(LIBGCC)
	@$(if $(RUMP_CHECK),$(RUMP_CHECK) || { rm -f $@; exit 1; })

$(KERNEL): $(BUILD)/adros.pass1.elf tools/build/gensyms.py
	@$(NM) -n $< | $(PYTHON) tools/build/gensyms.py - > $(BUILD)/ksyms.S
	@$(CC) $(KASFLAGS) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	@echo "  LD      $@"
	@$(LD) $(KLDFLAGS) -o $@ $(KOBJ) $(RUMP_LINK) $(BUILD)/ksyms.o $(LIBGCC)
	@$(NM) -n $< | grep -v -e ksym -e _kernel_end > $(BUILD)/a.nm; $(NM) -n $@ | grep -v -e ksym -e _kernel_end > $(BUILD)/b.nm; \
	  cmp -s $(BUILD)/a.nm $(BUILD)/b.nm || { echo "symbol table pass moved symbols" >&2; rm -f $@; exit 1; }
	@$(RUMP_SAY)

# --- host-side tests (cmocka, ASan + UBSan) ---------------------------------
include tests/host/host.mk
include mk/fuzz.mk

# --- disk images, QEMU, the test runner --------------------------------------
MEM     ?= 256
DISK    ?= $(BUILD)/demo.img
CMDLINE ?=
# make run/debug: tools/qemu/run.sh adds isa-debug-exit and turns QEMU's
# status into the kernel's (a failing script makes `make run` fail); a
# reboot reboots (the test runner's boots use -no-reboot instead).
# MACHINE=q35: QEMU's q35 (ICH9, PCI Express), a PC of today: the demo disk
# is on its built-in AHCI controller (if=ide there), which NetBSD's
# ahcisata drives: wd0, mounted natively on /mnt once the rump kernel has
# started.  Needs the ahci stage's components (tools/rump-components.sh).
ifneq ($(origin MACHINE),command line)
MACHINE := pc
endif
ifeq ($(filter pc q35,$(MACHINE)),)
$(error MACHINE=$(MACHINE): pc or q35)
endif
QEMU_COMMON := -M $(MACHINE) -m $(MEM)
BOOT_DISK := $(if $(filter q35,$(MACHINE)),wd0,hda)
# make run's network: QEMU's e1000 on user-mode networking that reaches
# nothing outside QEMU (restrict=on), the guest's port 80 on 127.0.0.1:HTTP_PORT
# of the host.  NET=off: no NIC.  NIC=e1000 (NetBSD's wm, i82540EM), e1000e
# (wm, i82574L) or virtio (vioif; QEMU's legacy interface: NetBSD 7.99 has
# no virtio 1.0).
# The kernel command line goes through the environment, so CMDLINE may hold
# any quoting (run="cmd; cmd").
# DISK_IF=ide (the default: hda, or wd0 on q35, mounted at boot),
# virtio-blk (NetBSD's ld: ld0) or virtio-scsi (vioscsi, scsibus and sd:
# sd0) puts DISK on that interface, QEMU's legacy virtio (NetBSD 7.99 has
# no virtio 1.0); those disks appear when the rump kernel has started, so
# they are mounted at boot through it (rumpmount=, NetBSD's ext2fs).
DISK_IF ?= ide
QEMU_DISK_ide         := -drive file=$(DISK),format=raw,if=ide,index=0
QEMU_DISK_virtio-blk  := -drive file=$(DISK),format=raw,if=none,id=disk0 \
                         -device virtio-blk-pci,drive=disk0,disable-modern=on
QEMU_DISK_virtio-scsi := -drive file=$(DISK),format=raw,if=none,id=disk0 \
                         -device virtio-scsi-pci,id=vscsi0,disable-modern=on -device scsi-hd,bus=vscsi0.0,drive=disk0
DISK_MOUNT_ide         := mount=$(BOOT_DISK):/mnt
DISK_MOUNT_virtio-blk  := rumpmount=ld0:/mnt
DISK_MOUNT_virtio-scsi := rumpmount=sd0:/mnt
ifeq ($(DISK_MOUNT_$(DISK_IF)),)
$(error DISK_IF=$(DISK_IF): one of ide, virtio-blk, virtio-scsi)
endif
QEMU_DISK := $(QEMU_DISK_$(DISK_IF))
export ADROS_APPEND = $(DISK_MOUNT_$(DISK_IF)) $(CMDLINE)
NET       ?= on
NIC       ?= e1000
HTTP_PORT ?= 8080
# AUDIO=wav: QEMU's intel-hda whose output is recorded in build/audio.wav.
ifeq ($(AUDIO),wav)
QEMU_AUDIO := -audiodev wav,id=snd0,path=$(BUILD)/audio.wav -device intel-hda -device hda-output,audiodev=snd0
endif
# USB=stick.img: the image as a USB stick on QEMU's EHCI (NetBSD's ehci,
# umass and sd make it the block device sd0), mounted at boot on /usb
# through the rump kernel (NetBSD's file system, detected from the disk).
ifneq ($(USB),)
QEMU_USB := -device usb-ehci,id=usbhc -drive if=none,id=usbstick,file=$(USB),format=raw \
            -device usb-storage,bus=usbhc.0,drive=usbstick
ifneq ($(DISK_IF),ide)
$(error USB= mounts the stick with rumpmount=, which DISK_IF=$(DISK_IF) uses for the disk: use one of them)
endif
export ADROS_APPEND = mount=$(BOOT_DISK):/mnt rumpmount=sd0:/usb $(CMDLINE)
endif
ifeq ($(NET),off)
QEMU_NET := -nic none
else
QEMU_NIC_e1000  := e1000
QEMU_NIC_e1000e := e1000e
QEMU_NIC_virtio := virtio-net-pci,disable-modern=on
ifeq ($(QEMU_NIC_$(NIC)),)
$(error NIC=$(NIC): one of e1000, e1000e, virtio)
endif
QEMU_NET := -netdev user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:$(HTTP_PORT)-:80 \
            -device $(QEMU_NIC_$(NIC)),netdev=net0
endif

$(BUILD)/demo.img: tools/images/mkdemo.sh $(shell find demo -type f 2>/dev/null)
	@mkdir -p $(BUILD)
	@tools/images/mkdemo.sh demo $@

deps:
	@tools/deps.sh

run:
	@tools/deps.sh
	@$(RUMP_ENSURE)
	@$(MAKE) --no-print-directory kernel $(DISK)
	@echo "AdrOS: serial console here; Ctrl-A X quits QEMU."
	tools/qemu/run.sh $(QEMU) $(QEMU_COMMON) -cpu max -kernel $(KERNEL) -append "$$ADROS_APPEND" \
	   $(QEMU_DISK) $(QEMU_NET) $(QEMU_AUDIO) $(QEMU_USB) -serial mon:stdio -display none

debug:
	@tools/deps.sh
	@$(RUMP_ENSURE)
	@$(MAKE) --no-print-directory kernel $(DISK)
	@echo "QEMU is waiting for gdb on :1234; in another terminal: gdb -x tools/qemu/gdbinit"
	tools/qemu/run.sh $(QEMU) $(QEMU_COMMON) -cpu max -kernel $(KERNEL) -append "$$ADROS_APPEND" \
	   $(QEMU_DISK) $(QEMU_NET) $(QEMU_AUDIO) $(QEMU_USB) -serial mon:stdio -display none -s -S

# A GRUB rescue ISO with the same kernel: boots a PC or `qemu-system-i386 -cdrom`.
iso:
	@tools/deps.sh
	@$(RUMP_ENSURE)
	@$(MAKE) --no-print-directory kernel
	@tools/images/mkiso.sh $(KERNEL) $(BUILD)/adros.iso

test:
	@tools/deps.sh
	@$(RUMP_ENSURE)
	@$(MAKE) --no-print-directory kernel hosttests
	@$(PYTHON) tools/test/runtests.py --build $(BUILD) $(TESTARGS)

# The long mixed run of issue 15 (not part of test): SOAK_MIN minutes.
SOAK_MIN ?= 20
soak:
	@tools/deps.sh
	@$(RUMP_ENSURE)
	@$(MAKE) --no-print-directory kernel
	@SOAK_MIN=$(SOAK_MIN) $(PYTHON) tools/test/soak.py --build $(BUILD)

bench:
	@tools/deps.sh
	@$(RUMP_ENSURE)
	@$(MAKE) --no-print-directory kernel
	@$(PYTHON) tools/bench/runbench.py --build $(BUILD) $(BENCHARGS)

clean:
	rm -rf $(BUILD)

# Also NetBSD's components when make built them (third_party/rump).
distclean: clean
	rm -rf third_party/rump

format:
	clang-format -i $$(find src include tests -name '*.[ch]')

# The layer check (tools/build/layercheck.py: no include of a layer above, see
# docs/ARCHITECTURE.md), then cppcheck.  Suppressed everywhere: comparePointers (walking a linker set
# from __start_X to __stop_X is how registration works here) and the
# out-parameter / loop-bound false positives named below.
lint:
	@$(PYTHON) tools/build/layercheck.py
	cppcheck --quiet --enable=warning,portability --error-exitcode=1 --inline-suppr \
	   --suppress=missingIncludeSystem --suppress=comparePointers \
	   --suppress=uninitStructMember --suppress=zerodivcond --suppress=uninitvar:src/shell/shell.c \
	   --suppress=invalidPrintfArgType_sint:tests/host/test_format.c \
	   --suppress=invalidPrintfArgType_uint:tests/host/test_format.c \
	   -Iinclude src tests/host

# Only the kernel's dependency files (build/ also holds other trees, such as
# tools/rump-components.sh's work directory).
-include $(shell find $(BUILD)/k -name '*.d' 2>/dev/null)
