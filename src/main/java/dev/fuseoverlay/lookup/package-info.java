/** Lookup: a merged path to its stack of real objects ({@link dev.fuseoverlay.lookup.Entry}), following the kernel's stop rules. */
package dev.fuseoverlay.lookup;
