/** The jnr-fuse adapter (one exception-to-errno barrier) and the mount loop; the only package that knows FUSE. */
package dev.fuseoverlay.fuse;
