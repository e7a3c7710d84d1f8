/** Parsing of fuse-overlayfs-compatible {@code -o} option strings into {@link dev.fuseoverlay.options.MountOptions}. */
package dev.fuseoverlay.options;
