/** The merged directory listing ({@link dev.fuseoverlay.readdir.DirMerge}). */
package dev.fuseoverlay.readdir;
