/** The operations facade ({@link dev.fuseoverlay.ops.Overlay}): every filesystem call on the merged view, free of FUSE types. */
package dev.fuseoverlay.ops;
