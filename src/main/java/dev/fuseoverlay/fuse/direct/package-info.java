/**
 * The /dev/fuse engine ({@code -o engine=devfuse}): speaks the kernel's FUSE protocol directly, without
 * libfuse, behind the same {@link dev.fuseoverlay.ops.Overlay}. {@link Wire} encodes and decodes the
 * protocol's structures on native memory, {@link Nodes} maps kernel node ids to merged paths, and
 * {@link DevFuse} mounts, reads requests and answers them.
 */
package dev.fuseoverlay.fuse.direct;
