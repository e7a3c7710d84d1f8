/** The whiteout and opaque-directory codec ({@link dev.fuseoverlay.whiteout.Whiteouts}): reads all formats, writes the kernel's. */
package dev.fuseoverlay.whiteout;
