/** The layer stack of a mount ({@link dev.fuseoverlay.layer.LayerStack}): which directories, in which order, checked. */
package dev.fuseoverlay.layer;
