package dev.fuseoverlay.lookup;

import dev.fuseoverlay.realfs.Stat;

/**
 * The result of looking up a merged path (the kernel's {@code ovl_entry}): the real objects that make it,
 * top first. {@code stack[0]} decides type and attributes; a directory may have several (merged), every
 * other type has one. Immutable: any change to the path makes a new lookup.
 */
public final class Entry {
    /** The merged path, "/" or "/a/b". */
    public final String path;
    /** Real objects, top first. */
    public final LayerPath[] stack;
    /** File type bits of the top object (S_IFDIR, S_IFREG, ...). */
    public final int type;
    /** The inode number the merged view reports, stable across copy-up and remount. */
    public final long ino;
    /** The top object is a directory that stops the merge (opaque). */
    public final boolean opaque;
    /**
     * index=on: {@code stack[0]} is the index entry of a lower hard link ({@code workdir/index/...}, in the
     * upper filesystem) that another name of it was copied up to; this name has no upper of its own yet
     * (the kernel's inode with an upper but a dentry without an "upper alias"). Reads go to the index entry.
     */
    public final boolean indexOnly;
    /**
     * metacopy=on: {@code stack[0]} (in upper) holds this file's metadata only; its data is the last object
     * of the stack, in a lower layer (the kernel's lowerdata).
     */
    public final boolean metacopy;
    /**
     * Only this path can change what this entry says: a directory, or a non-directory whose top object has a
     * single name. A hard link's entry may change through another of its names (index=on copies all of them
     * up at once), so {@link Lookup} does not keep those.
     */
    final boolean sole;

    Entry(String path, LayerPath[] stack, int type, long ino, boolean opaque) {
        this(path, stack, type, ino, opaque, false, false, true);
    }

    Entry(String path, LayerPath[] stack, int type, long ino, boolean opaque, boolean indexOnly, boolean metacopy,
          boolean sole) {
        this.path = path;
        this.stack = stack;
        this.type = type;
        this.ino = ino;
        this.opaque = opaque;
        this.indexOnly = indexOnly;
        this.metacopy = metacopy;
        this.sole = sole;
    }

    /** The real object holding the data: the top one, or below a metacopy the lower one. */
    public LayerPath data() {
        return metacopy ? stack[stack.length - 1] : stack[0];
    }

    public LayerPath top() {
        return stack[0];
    }

    public boolean isDir() {
        return type == Stat.S_IFDIR;
    }

    /** The top object is in the upper layer under this entry's name. */
    public boolean hasUpper() {
        return stack[0].layer().upper() && !indexOnly;
    }

    /** The real path in the upper layer, or null. */
    public String upperPath() {
        return hasUpper() ? stack[0].real() : null;
    }

    /** Some lower layer has an object here (the merged view would show it without the upper one). */
    public boolean hasLower() {
        return !hasUpper() || stack.length > 1;
    }

    /** A directory spanning more than one layer (the kernel reports nlink 1 for these). */
    public boolean isMergedDir() {
        return isDir() && stack.length > 1;
    }

    public String name() {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    public static String parentOf(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    public static String child(String dir, String name) {
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }
}
