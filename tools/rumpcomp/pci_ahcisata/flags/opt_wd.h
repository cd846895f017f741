/* AdrOS: default wd options. */
