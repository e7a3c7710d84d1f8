/** A small bounded concurrent cache for the lookup path. */
package dev.fuseoverlay.cache;
