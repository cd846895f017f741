# NetBSD rump kernel components, when the user has put them in third_party/rump.
# RUMP_COMPONENTS lists the archives linked (whole, so that components register
# themselves through their linker sets).
RUMP_DIR        ?= third_party/rump
RUMP_COMPONENTS ?= librumpfs_ext2fs librumpfs_ffs librumpdev_disk librumpdev librumpvfs librump
RUMP_OPTIONAL   ?= librumpfs_tmpfs

ifneq ($(wildcard $(RUMP_DIR)/lib/librump.a),)
ifneq ($(wildcard $(RUMP_DIR)/include/rump/rumpuser.h),)
RUMP_PRESENT := 1
endif
endif

# The hypercall layer (src/rump/) and the tests that use the rump kernel
# (tests/kernel/rump*.c) learn through ADROS_HAVE_RUMP that the components
# are linked, and through ADROS_RUMP_HEADERS that NetBSD's headers are on
# the include path (src/rump/rumpuser_hdrcheck.c compares them with ours).
RUMP_CFILES     = $(filter src/rump/% tests/kernel/rump%,$<)

ifdef RUMP_PRESENT
RUMP_OPT_FOUND := $(foreach c,$(RUMP_OPTIONAL),$(wildcard $(RUMP_DIR)/lib/$(c).a))
RUMP_ARCHIVES  := $(RUMP_OPT_FOUND) $(foreach c,$(RUMP_COMPONENTS),$(RUMP_DIR)/lib/$(c).a)
RUMP_LINK      := --whole-archive $(RUMP_ARCHIVES) --no-whole-archive
RUMP_KCFLAGS    = $(if $(RUMP_CFILES),-DADROS_HAVE_RUMP=1 -DADROS_RUMP_HEADERS=1 -I$(RUMP_DIR)/include)
RUMP_SAY       := echo "  RUMP    linked: $(notdir $(RUMP_ARCHIVES))"
else
RUMP_ARCHIVES  :=
RUMP_LINK      :=
RUMP_KCFLAGS   :=
RUMP_SAY       := echo "  RUMP    no NetBSD rump components in $(RUMP_DIR) (see README); kernel built without rump"
endif

# Objects compiled with or without the components must be rebuilt when that
# changes (or when RUMP_DIR points elsewhere): they depend on a stamp whose
# content is the configuration, rewritten only when it differs.
RUMP_CONFIG := $(if $(RUMP_PRESENT),$(abspath $(RUMP_DIR)) $(RUMP_ARCHIVES),none)
RUMP_STAMP  := $(BUILD)/rump.config
$(shell mkdir -p $(BUILD); [ "$$(cat $(RUMP_STAMP) 2>/dev/null)" = "$(RUMP_CONFIG)" ] || echo "$(RUMP_CONFIG)" > $(RUMP_STAMP))
RUMP_OBJS   := $(filter $(BUILD)/k/src/rump/% $(BUILD)/k/tests/kernel/rump%,$(KOBJ))
$(RUMP_OBJS): $(RUMP_STAMP)
