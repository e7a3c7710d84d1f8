package dev.fuseoverlay.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One member of a tar archive. Names are bytes held one per char (ISO-8859-1), like everywhere in
 * fuse-overlay, so no file name is ever altered by decoding.
 */
public final class TarEntry {
    public static final char FILE = '0', HARDLINK = '1', SYMLINK = '2', CHAR = '3', BLOCK = '4', DIR = '5', FIFO = '6';

    public String name;
    public char type = FILE;
    public int mode = 0644;
    public long uid, gid;
    public long size;
    public long mtime;
    public String linkName = "";
    public int devMajor, devMinor;
    /** Extended attributes (PAX {@code SCHILY.xattr.NAME}), values as raw bytes. */
    public final Map<String, byte[]> xattrs = new LinkedHashMap<>();

    public TarEntry() {}

    public TarEntry(String name, char type) {
        this.name = name;
        this.type = type;
    }

    public boolean isDir() {
        return type == DIR;
    }

    @Override
    public String toString() {
        return type + " " + name + (linkName.isEmpty() ? "" : " -> " + linkName);
    }
}
