/**
 * The jnr-fuse adapter (one exception-to-errno barrier) and the mount loop; with {@code direct}, the /dev/fuse
 * engine, the only packages that know FUSE.
 */
package dev.fuseoverlay.fuse;
