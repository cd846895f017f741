# Fuzzing the ext2 parser with libFuzzer (clang, Debian packages clang and
# libclang-rt-14-dev).  Included by the top-level Makefile; also usable on
# its own: make -f mk/fuzz.mk BUILD=build fuzz
#
#   make fuzz                 run for FUZZ_TIME seconds (default 600)
#   make fuzz FUZZ_TIME=25    the short run `make test` does
# Crashing inputs are written to $(BUILD)/fuzz/crash-*; replay one with
#   $(BUILD)/fuzz/fuzz_ext2 <file>
BUILD       ?= build
PYTHON      ?= python3
FUZZ_CC     ?= clang
FUZZ_TIME   ?= 600
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
               -fno-omit-frame-pointer -Wall -Wextra -Werror -Wno-unused-parameter -fno-builtin-strerror -Iinclude -DADROS_HOST_TEST
FUZZ_BIN    := $(BUILD)/fuzz/fuzz_ext2
FUZZ_SEEDS  := $(BUILD)/fsimg/fuzz-seeds

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN)

$(FUZZ_BIN): tests/fuzz/fuzz_ext2.c src/fs/ext2_parse.c include/adros/ext2_parse.h src/lib/string.c mk/fuzz.mk
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_ext2.c src/fs/ext2_parse.c

fuzz: $(FUZZ_BIN)
	@$(PYTHON) tools/mkimages.py $(BUILD) >/dev/null
	@mkdir -p $(BUILD)/fuzz/corpus
	@cd $(BUILD)/fuzz && { ./fuzz_ext2 -max_len=524288 -timeout=10 -rss_limit_mb=2048 \
	   -max_total_time=$(FUZZ_TIME) -print_final_stats=1 corpus $(abspath $(FUZZ_SEEDS)) > fuzz.log 2>&1; \
	   st=$$?; tail -25 fuzz.log; exit $$st; }
