package dev.fuseoverlay.readdir;

/** One name of a merged directory listing: its file type bits and inode number as the merged view reports them. */
public record DirItem(String name, int type, long ino) {}
