/* Multiboot v1 information (the parts AdrOS reads). */
#ifndef ADROS_MULTIBOOT_H
#define ADROS_MULTIBOOT_H

#include <adros/types.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002
#define MB_INFO_MEMORY (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS (1u << 3)
#define MB_INFO_MMAP (1u << 6)
#define MB_INFO_LOADER_NAME (1u << 9)

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
} __packed;

struct multiboot_mmap_entry {
    uint32_t size; /* of the rest of the entry */
    uint64_t addr;
    uint64_t len;
    uint32_t type; /* 1 = available RAM */
} __packed;

#endif
