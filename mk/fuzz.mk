# Fuzzing with libFuzzer (clang, Debian packages clang and libclang-rt-14-dev):
# every tests/fuzz/fuzz_<name>.c is a target, built with the portable sources
# its "// SOURCES:" line names; then tools/test/fuzzopts.py boots AdrOS with
# random, huge and missing values for every kernel option, and
# tools/test/fsfuzz.py mounts mutated ext2, FFS, FAT and ISO 9660 images
# through NetBSD's file systems (when the rump components are there; what
# NetBSD panics or hangs on is saved in $(BUILD)/fsfuzz/crashes/).  Included by the
# top-level Makefile; also usable on its own: make -f mk/fuzz.mk BUILD=build fuzz
#
#   make fuzz                 FUZZ_TIME seconds in all (default 600), shared
#                             by the targets and the option boots
#   make fuzz FUZZ_TIME=25    the short run `make test` does (no boots)
# Crashing inputs are written to $(BUILD)/fuzz/<name>/crash-*; replay one with
#   $(BUILD)/fuzz/fuzz_<name> <file>
BUILD       ?= build
PYTHON      ?= python3
FUZZ_CC     ?= clang
FUZZ_TIME   ?= 600
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
               -fno-omit-frame-pointer -Wall -Wextra -Werror -Wno-unused-parameter -fno-builtin-strerror -Iinclude -DADROS_HOST_TEST
FUZZ_NAMES  := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS   := $(foreach n,$(FUZZ_NAMES),$(BUILD)/fuzz/fuzz_$(n))
FUZZ_SEEDS  := $(BUILD)/fsimg/fuzz-seeds
# Seconds per target: the option boots and the file-system images get a
# share each like a target when they run.
FUZZ_BOOTS  ?= $(if $(filter-out 25,$(FUZZ_TIME)),1,0)
FUZZ_EACH   := $(shell echo $$(( $(FUZZ_TIME) / ($(words $(FUZZ_NAMES)) + 2 * $(FUZZ_BOOTS)) )) )
# A target whose file has no SOURCES line names its sources here.
FUZZ_SRC_http := src/lib/http.c

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c mk/fuzz.mk $(wildcard src/lib/*.c src/fs/*.c src/shell/*.c)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $$(sed -n 's#^// SOURCES: ##p' $<) $(FUZZ_SRC_$*)

# Each target in turn; the first failure stops the run with its report.
fuzz: $(FUZZ_BINS)
	@$(PYTHON) tools/images/mkimages.py $(BUILD) >/dev/null
	@for n in $(FUZZ_NAMES); do \
	   mkdir -p $(BUILD)/fuzz/$$n/corpus; \
	   seeds=; [ $$n = ext2 ] && seeds=$(abspath $(FUZZ_SEEDS)); \
	   echo "  FUZZ    $$n for $(FUZZ_EACH) s"; \
	   ( cd $(BUILD)/fuzz/$$n && ../fuzz_$$n -max_len=524288 -timeout=10 -rss_limit_mb=2048 \
	       -max_total_time=$(FUZZ_EACH) -print_final_stats=1 corpus $$seeds > fuzz.log 2>&1 ) || \
	     { tail -40 $(BUILD)/fuzz/$$n/fuzz.log; echo "fuzz: $$n FAILED"; exit 1; }; \
	   grep -h 'Done [0-9]* runs' $(BUILD)/fuzz/$$n/fuzz.log | sed "s/^/  $$n: /"; \
	 done
	@if [ "$(FUZZ_BOOTS)" = 1 ]; then $(PYTHON) tools/test/fuzzopts.py --build $(BUILD) --time $(FUZZ_EACH); fi
	@if [ "$(FUZZ_BOOTS)" = 1 ]; then $(PYTHON) tools/test/fsfuzz.py --build $(BUILD) --time $(FUZZ_EACH); \
	   st=$$?; [ $$st = 2 ] || exit $$st; fi
