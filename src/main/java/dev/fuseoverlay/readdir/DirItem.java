package dev.fuseoverlay.readdir;

import dev.fuseoverlay.layer.Layer;

/**
 * One name of a merged directory listing: its file type bits and inode number as the merged view reports
 * them, and the layer the entry comes from.
 */
public record DirItem(String name, int type, long ino, Layer layer) {}
