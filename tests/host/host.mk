# Host unit tests (cmocka) of the portable parts, under ASan and UBSan.
HOST_CC     := gcc
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude -Itests/host \
               -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
               -DADROS_HOST_TEST
HOST_LIBS   := -lcmocka
HOST_TESTS  := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(wildcard tests/host/test_*.c))

hosttests: $(HOST_TESTS)

# Each test_X.c lists the portable sources it needs in a "// SOURCES:" line.
$(BUILD)/host/%: tests/host/%.c $(wildcard src/lib/*.c src/mm/*.c src/fs/*.c src/shell/*.c src/drivers/*.c src/arch/x86/*.c src/rump/rump_uvm_unbusy.c src/rump/rump_uvm_aiodone.c src/rump/rump_pager.c) tests/host/host.mk
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(HOST_CFLAGS) -o $@ $< $$(sed -n 's#^// SOURCES: ##p' $<) $(HOST_LIBS)
