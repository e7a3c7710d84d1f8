/**
 * The real filesystems under the overlay: the C calls (jnr-ffi), {@code struct stat}, errno, and
 * {@link dev.fuseoverlay.realfs.RealFs}, the single class through which every layer access and mutation passes.
 */
package dev.fuseoverlay.realfs;
