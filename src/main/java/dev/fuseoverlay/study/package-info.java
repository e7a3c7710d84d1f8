/**
 * Study tools: what the overlay does, explained from the real layers. {@link dev.fuseoverlay.study.Explain}
 * (which layer serves a path and why), {@link dev.fuseoverlay.study.UpperDiff} (what a container changed),
 * {@link dev.fuseoverlay.study.LayerReport} (what each layer holds and hides). No mount, no FUSE.
 */
package dev.fuseoverlay.study;
