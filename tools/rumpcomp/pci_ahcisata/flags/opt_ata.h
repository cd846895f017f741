/* AdrOS: default ATA options. */
