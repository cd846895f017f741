# NetBSD rump kernel components, when the user has put them in third_party/rump
# (tools/rump-components.sh builds and installs them there).
#
# The archives are grouped by stage; every stage whose archives are all
# present is linked, each archive whole (components register themselves
# through their linker sets), and `make` says per stage what was linked or
# which archive is missing.  RUMP_COMPONENTS=... links exactly the archives
# named instead; the stages are then those whose archives are all named.
#
# Objects learn what is linked through defines: ADROS_HAVE_RUMP (anything),
# ADROS_RUMP_<STAGE> per stage, ADROS_RUMP_PCI (the PCI bus component),
# ADROS_RUMP_FS_<NAME> per optional file system, ADROS_RUMP_STAGES (a string
# for the boot log and the shell), and ADROS_RUMP_HEADERS when NetBSD's
# headers are on the include path (src/rumpuser/rumpuser_hdrcheck.c and the
# structure checks compare them with our declarations).
#
# Where they come from: RUMP_DIR=<dir> names a prebuilt set, used where it
# lies (it must hold at least the base and NetBSD's rump/ headers); without
# it, third_party/rump, which make, make run, make test and make bench fill
# once through `tools/rump-components.sh --auto` (RUMP_AUTO below) when it is
# empty.  RUMP=off builds without any of NetBSD's code.
RUMP ?= on
ifeq ($(origin RUMP_DIR),undefined)
RUMP_DIR := third_party/rump
RUMP_DIR_DEFAULT := 1
endif

RUMP_BASE        := librump librumpvfs librumpdev
RUMP_STAGE_ext2  := librumpfs_ext2fs librumpfs_ffs librumpdev_disk
RUMP_STAGE_net   := librumpnet librumpnet_net librumpnet_netinet librumpnet_config librumpdev_bpf \
                    librumpdev_pci librumpdev_pci_if_wm librumpdev_miiphy
RUMP_STAGE_usb   := librumpdev_pci librumpdev_pci_usbhc librumpdev_usb librumpdev_umass \
                    librumpdev_scsipi librumpdev_disk
RUMP_STAGE_audio := librumpdev_pci librumpdev_pci_hdaudio librumpdev_hdaudio_hdafg librumpdev_audio
# virtio: the PCI transport (legacy virtio only: NetBSD 7.99 speaks no
# virtio 1.0); its drivers are the stage's extras, vioif only with the
# network stage.
RUMP_STAGE_virtio := librumpdev_pci librumpdev_pci_virtio
# zfs: NetBSD's ZFS (pool version 23) and the Solaris layer under it
# (src/netbsd/zfs.c drives it; tools/rump-components.sh builds both).
RUMP_STAGE_zfs   := librumpkern_solaris librumpfs_zfs
# AdrOS-defined components (tools/rumpcomp/, issue 21): AHCI with atabus
# and wd; NVMe, whose namespaces are ld disks (ld.c, its driver and devsw
# are NetBSD's virtio_ld component's); xHCI, an extra of the usb stage.
RUMP_STAGE_ahci  := librumpdev_pci librumpdev_pci_ahcisata librumpdev_disk
RUMP_STAGE_nvme  := librumpdev_pci librumpdev_pci_nvme librumpdev_pci_virtio librumpdev_virtio_ld librumpdev_disk
RUMP_EXTRA_usb   := librumpdev_pci_xhci
# PCI-PCI bridges (ppb, AdrOS-defined too): devices behind a bridge, such as
# q35's PCIe root ports, for every stage that uses the PCI bus.
RUMP_EXTRA_pci   := librumpdev_pci_ppb
RUMP_PCI_STAGES  := net usb audio virtio ahci nvme
RUMP_STAGES      := ext2 net usb audio virtio ahci nvme zfs
# Linked when present (and, for the extras of a stage, when that stage is;
# for those of "s+t", when both stages are).
RUMP_EXTRA_net   := librumpnet_netinet6
RUMP_EXTRA_audio := librumpdev_pci_auich+librumpdev_audio_ac97 librumpdev_pci_eap
RUMP_EXTRA_virtio := librumpdev_virtio_ld+librumpdev_disk librumpdev_virtio_vioscsi+librumpdev_scsipi+librumpdev_disk \
                     librumpdev_virtio_viornd
RUMP_EXTRA_virtio+net := librumpdev_virtio_if_vioif
RUMP_EXTRA_fs    := librumpfs_msdos librumpfs_cd9660 librumpfs_tmpfs

ifneq ($(RUMP),off)
ifneq ($(wildcard $(RUMP_DIR)/lib/librump.a),)
ifneq ($(wildcard $(RUMP_DIR)/include/rump/rumpuser.h),)
RUMP_PRESENT := 1
endif
endif
ifndef RUMP_DIR_DEFAULT
ifndef RUMP_PRESENT
RUMP_DIR_LACKS := $(foreach f,lib/librump.a include/rump/rumpuser.h,$(if $(wildcard $(RUMP_DIR)/$(f)),,$(f)))
$(error RUMP_DIR=$(RUMP_DIR) is not a set of NetBSD's rump components: it lacks $(RUMP_DIR_LACKS) (tools/rump-components.sh --dest $(RUMP_DIR) builds one; RUMP=off builds without))
endif
endif
endif
# The components are built once, into the default directory only.
RUMP_AUTO := $(if $(RUMP_DIR_DEFAULT),$(if $(filter off,$(RUMP)),,$(if $(RUMP_PRESENT),,1)))

rump_have = $(if $(RUMP_COMPONENTS),$(filter $(1),$(RUMP_COMPONENTS)),$(if $(wildcard $(RUMP_DIR)/lib/$(1).a),$(1)))
rump_missing = $(strip $(foreach a,$(1),$(if $(call rump_have,$(a)),,$(a))))

ifdef RUMP_PRESENT
RUMP_BASE_MISSING := $(call rump_missing,$(RUMP_BASE))
ifneq ($(RUMP_BASE_MISSING),)
$(error $(RUMP_DIR)/lib lacks the rump kernel base $(addsuffix .a,$(RUMP_BASE_MISSING)); rebuild it with tools/rump-components.sh)
endif
RUMP_LINKED_STAGES := $(strip $(foreach s,$(RUMP_STAGES),$(if $(call rump_missing,$(RUMP_STAGE_$(s))),,$(s))))
# An extra "a+b" is linked only when both are there.
rump_extra = $(foreach e,$(1),$(if $(call rump_missing,$(subst +, ,$(e))),,$(subst +, ,$(e))))
RUMP_EXTRAS := $(call rump_extra,$(RUMP_EXTRA_fs)) \
               $(foreach s,$(RUMP_LINKED_STAGES),$(call rump_extra,$(RUMP_EXTRA_$(s)))) \
               $(if $(filter virtio,$(RUMP_LINKED_STAGES)),$(if $(filter net,$(RUMP_LINKED_STAGES)),$(call rump_extra,$(RUMP_EXTRA_virtio+net)))) \
               $(if $(filter $(RUMP_PCI_STAGES),$(RUMP_LINKED_STAGES)),$(call rump_extra,$(RUMP_EXTRA_pci)))
ifdef RUMP_COMPONENTS
RUMP_LIBS := $(RUMP_COMPONENTS)
else
RUMP_LIBS := $(sort $(RUMP_BASE) $(foreach s,$(RUMP_LINKED_STAGES),$(RUMP_STAGE_$(s))) $(RUMP_EXTRAS))
endif
# librumpdev_pci is linked from a copy in which some functions are weak, so
# AdrOS's take their place: the stubs that panic (pci_intr_disestablish,
# bus_space_unmap, bus_space_mmap: src/rump/rump_pci_glue.c) and the
# register writes and 32-bit reads (bus_space_write_{1,2,4}, bus_space_read_4:
# src/rump/rump_bus_space.c, where QEMU's device quirks are handled).
RUMP_PCI_COPY := $(BUILD)/rump/librumpdev_pci.a
# librumpdev_virtio_viornd is linked from a copy whose calls to rnd_add_data
# go to AdrOS first (src/rump/rump_viornd.c: the data feeds AdrOS's entropy
# pool too).
RUMP_VIORND_COPY := $(BUILD)/rump/librumpdev_virtio_viornd.a
# librumpfs_zfs is linked from a copy in which the ARC's statistics (a
# static arc_stats, where its size bounds are kept) are global, so AdrOS
# bounds the ARC by RUMP_MEMLIMIT (src/netbsd/zfs.c): ZFS's own tunable is
# ignored below 64 MiB.
RUMP_ZFS_COPY := $(BUILD)/rump/librumpfs_zfs.a
rump_archive   = $(if $(filter librumpdev_pci,$(1)),$(RUMP_PCI_COPY),$(if \
                   $(filter librumpdev_virtio_viornd,$(1)),$(RUMP_VIORND_COPY),$(if \
                   $(filter librumpfs_zfs,$(1)),$(RUMP_ZFS_COPY),$(RUMP_DIR)/lib/$(1).a)))
RUMP_ARCHIVES := $(foreach c,$(RUMP_LIBS),$(call rump_archive,$(c)))
# --wrap: the calls into NetBSD's uvm_page_unbusy go through AdrOS's shim
# first (src/rump/rump_uvm_unbusy.c: a DIAGNOSTIC assertion of NetBSD 7.99
# that a read-ahead breaks); so do the page writes' completion
# uvm_aio_biodone and VOP_BMAP (src/rump/rump_uvm_aiodone.c: a page-out
# that failed for memory is kept dirty, not lost; and read-ahead pages are
# made valid), and the pager's windows and vtophys (src/rump/rump_pager.c:
# mapped, not copied).
RUMP_WRAPS    := rumpns_uvm_page_unbusy rumpns_uvm_aio_biodone rumpns_VOP_BMAP \
                 rumpns_uvm_pagermapin rumpns_uvm_pagermapout rumpns_uvm_pageratop rumpns_vtophys \
                 rumpns_uiomove
RUMP_LINK     := $(addprefix --wrap=,$(RUMP_WRAPS)) --whole-archive $(RUMP_ARCHIVES) --no-whole-archive
RUMP_PCI      := $(filter librumpdev_pci,$(RUMP_LIBS))
RUMP_FSES     := $(patsubst librumpfs_%,%,$(filter librumpfs_%,$(RUMP_LIBS)))
RUMP_KCFLAGS  := -DADROS_HAVE_RUMP=1 -DADROS_RUMP_HEADERS=1 -I$(RUMP_DIR)/include \
                 $(foreach s,$(RUMP_LINKED_STAGES),-DADROS_RUMP_$(shell echo $(s) | tr a-z A-Z)=1) \
                 $(foreach f,$(RUMP_FSES),-DADROS_RUMP_FS_$(shell echo $(f) | tr a-z A-Z)=1) \
                 $(if $(RUMP_PCI),-DADROS_RUMP_PCI=1) \
                 $(if $(filter librumpdev_pci_xhci,$(RUMP_LIBS)),-DADROS_RUMP_XHCI=1) \
                 $(if $(filter librumpdev_pci_ppb,$(RUMP_LIBS)),-DADROS_RUMP_PPB=1) \
                 $(foreach v,ld vioscsi viornd if_vioif,$(if $(filter librumpdev_virtio_$(v),$(RUMP_LIBS)),-DADROS_RUMP_VIRTIO_$(shell echo $(v) | tr a-z A-Z)=1)) \
                 -DADROS_RUMP_STAGES='"$(strip $(RUMP_LINKED_STAGES))"'
RUMP_SAY = $(foreach s,$(RUMP_STAGES),echo "  RUMP    $(s): $(if $(filter $(s),$(RUMP_LINKED_STAGES)),linked$(call rump_say_extras,$(s)),not linked (missing $(addsuffix .a,$(call rump_missing,$(RUMP_STAGE_$(s))))))";) \
           $(if $(filter $(RUMP_PCI_STAGES),$(RUMP_LINKED_STAGES)),echo "  RUMP    pci bridges: $(if $(filter librumpdev_pci_ppb,$(RUMP_LIBS)),linked (ppb),not linked (missing librumpdev_pci_ppb.a): devices behind bridges are not found)";) \
           echo "  RUMP    archives: $(RUMP_LIBS)"

# The extras of a linked stage that are not linked, and why.
rump_say_extras = $(if $(RUMP_EXTRA_$(1))$(filter virtio,$(1)),$(strip \
    $(foreach e,$(RUMP_EXTRA_$(1)) $(if $(filter virtio,$(1)),$(RUMP_EXTRA_virtio+net)),\
      $(if $(filter-out $(RUMP_LIBS),$(subst +, ,$(e))),; $(word 1,$(subst +, ,$(e))) not linked$(if \
        $(call rump_missing,$(subst +, ,$(e))), (missing $(addsuffix .a,$(call rump_missing,$(subst +, ,$(e))))), (needs the net stage))))))

$(RUMP_PCI_COPY): $(RUMP_DIR)/lib/librumpdev_pci.a mk/rump.mk
	@mkdir -p $(dir $@)
	@$(OBJCOPY) --weaken-symbol=rumpns_pci_intr_disestablish \
	   --weaken-symbol=rumpns_pciide_machdep_compat_intr_disestablish \
	   --weaken-symbol=rumpns_bus_space_unmap --weaken-symbol=rumpns_bus_space_mmap \
	   --weaken-symbol=rumpns_bus_space_write_1 --weaken-symbol=rumpns_bus_space_write_2 \
	   --weaken-symbol=rumpns_bus_space_write_4 --weaken-symbol=rumpns_bus_space_read_4 $< $@

$(RUMP_VIORND_COPY): $(RUMP_DIR)/lib/librumpdev_virtio_viornd.a mk/rump.mk
	@mkdir -p $(dir $@)
	@$(OBJCOPY) --redefine-sym rumpns_rnd_add_data=adros_viornd_rnd_add_data $< $@

$(RUMP_ZFS_COPY): $(RUMP_DIR)/lib/librumpfs_zfs.a mk/rump.mk
	@mkdir -p $(dir $@)
	@$(OBJCOPY) --redefine-sym arc_stats=adros_zfs_arc_stats --globalize-symbol=adros_zfs_arc_stats $< $@

# AdrOS's copies of NetBSD's structures (nb_<name> in src/rump/rump_sys.h,
# each named by src/rump/rump_layouts.c under the stage that uses it) are
# compared with the archives' debug information after the first link.
# NetBSD's side is extracted once per component set, from the archives
# that define the structures of the stages linked.
RUMP_LAYOUT_OBJS := $(BUILD)/k/src/rump/rump_layouts.c.o
RUMP_LAYOUT_LIBS := $(RUMP_DIR)/lib/librump.a
ifneq ($(filter net,$(RUMP_LINKED_STAGES)),)
RUMP_LAYOUT_LIBS  += $(foreach a,librumpnet_net librumpnet_netinet librumpnet librumpdev_bpf,$(RUMP_DIR)/lib/$(a).a)
endif
ifneq ($(filter usb,$(RUMP_LINKED_STAGES)),)
RUMP_LAYOUT_LIBS  += $(foreach a,librumpdev_usb librumpdev_scsipi,$(RUMP_DIR)/lib/$(a).a)
endif
ifneq ($(filter audio,$(RUMP_LINKED_STAGES)),)
RUMP_LAYOUT_LIBS  += $(RUMP_DIR)/lib/librumpdev_audio.a
endif
ifneq ($(filter zfs,$(RUMP_LINKED_STAGES)),)
RUMP_LAYOUT_LIBS  += $(RUMP_DIR)/lib/librumpfs_zfs.a
endif
ifneq ($(RUMP_LAYOUT_OBJS),)
RUMP_LAYOUTS      := $(BUILD)/rump/layouts.json
$(RUMP_LAYOUTS): $(RUMP_LAYOUT_LIBS) tools/build/layoutcheck.py
	@mkdir -p $(dir $@)
	@$(PYTHON) tools/build/layoutcheck.py extract -o $@ $(RUMP_LAYOUT_LIBS)
RUMP_CHECK_DEPS   := $(RUMP_LAYOUTS)
RUMP_CHECK        = $(PYTHON) tools/build/layoutcheck.py check $(RUMP_LAYOUTS) $(RUMP_LAYOUT_OBJS)
endif

# A USB set built without NUSB_DMA makes usbd_alloc_buffer panic as soon as
# EHCI attaches: usbdi.o then never calls usb_allocmem_flags.
ifneq ($(filter usb,$(RUMP_LINKED_STAGES)),)
ifeq ($(shell $(NM) -u $(RUMP_DIR)/lib/librumpdev_usb.a 2>/dev/null | grep -c rumpns_usb_allocmem_flags),0)
$(error $(RUMP_DIR)/lib/librumpdev_usb.a was built without NUSB_DMA=1 (USB host controllers would panic at attach); rebuild the components with tools/rump-components.sh, or build with RUMP_COMPONENTS naming the archives without the USB ones)
endif
endif
else
RUMP_LINKED_STAGES :=
RUMP_ARCHIVES :=
RUMP_LINK     :=
RUMP_KCFLAGS  :=
ifeq ($(RUMP),off)
RUMP_SAY      := echo "  RUMP    RUMP=off: kernel built without NetBSD's rump components"
else
RUMP_SAY      := echo "  RUMP    no NetBSD rump components in $(RUMP_DIR) (tools/rump-components.sh builds them; see README); kernel built without rump"
endif
endif

# Every object is rebuilt when the configuration changes (components added
# or removed, or RUMP_DIR pointing elsewhere): they depend on a stamp whose
# content is the configuration, rewritten only when it differs.
RUMP_CONFIG := $(if $(RUMP_PRESENT),$(abspath $(RUMP_DIR)) $(RUMP_ARCHIVES),none)
RUMP_STAMP  := $(BUILD)/rump.config
$(shell mkdir -p $(BUILD); [ "$$(cat $(RUMP_STAMP) 2>/dev/null)" = "$(RUMP_CONFIG)" ] || echo "$(RUMP_CONFIG)" > $(RUMP_STAMP))
$(KOBJ): $(RUMP_STAMP)
