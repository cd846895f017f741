/* The manifest of a directory tree (format in src/fs/manifest.c and
 * tools/images/manifest.sh): every object below root, sorted by path, with sizes
 * and SHA-256 digests, printed on the console between MANIFEST-BEGIN and
 * MANIFEST-END <count>. */
#ifndef ADROS_MANIFEST_H
#define ADROS_MANIFEST_H

/* Prints the manifest of the tree below root (a directory path).  Returns 0,
 * or a negative errno after logging what failed and printing
 * "MANIFEST-FAILED <errno name>" (MANIFEST-END is then not printed). */
int manifest_print(const char *root);

#endif
