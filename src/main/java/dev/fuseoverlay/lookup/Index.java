package dev.fuseoverlay.lookup;

import dev.fuseoverlay.layer.Layer;
import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.options.OptionsException;
import dev.fuseoverlay.realfs.DirEntry;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import dev.fuseoverlay.whiteout.OriginHandle;
import dev.fuseoverlay.whiteout.Whiteouts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's inodes index ({@code index=on}; {@code namei.c} ovl_lookup_index, {@code copy_up.c},
 * {@code util.c} ovl_cleanup_index). A lower hard link is copied up once, to
 * {@code workdir/index/HEX} (HEX: the {@link OriginHandle} of the lower object), and each of its names in
 * upper is a hard link to that one inode; a name not copied up yet finds the index entry by its lower
 * object's handle. Also the origin xattrs written on copy-up and the mount-time checks.
 *
 * <p>nlink: the merged object's link count is kept in {@code trusted.overlay.nlink} on the upper inode as
 * {@code "U+N"} / {@code "U-N"} (relative to the upper inode's own count) or {@code "L±N"} (relative to the
 * lower's). Every change that moves both counts together leaves it as it is; a link-up (an upper name
 * added for a name the merged view already had) lowers it by one.
 */
public final class Index {
    private final RealFs fs;
    private final Whiteouts wh;
    private final LayerStack layers;
    /** workdir/index */
    private final String dir;
    private final Origins origins;

    public Index(RealFs fs, Whiteouts wh, LayerStack layers, String dir, Origins origins) {
        this.fs = fs;
        this.wh = wh;
        this.layers = layers;
        this.dir = dir;
        this.origins = origins;
    }

    /** The index directory for a workdir given as {@code .../work}: its sibling {@code .../index}. */
    public static String dirFor(String workDir) {
        return workDir.substring(0, workDir.lastIndexOf('/')) + "/index";
    }

    public String dir() {
        return dir;
    }

    /**
     * Why the index cannot be used on these layers, as the kernel falls back to index=off (with a warning),
     * or null: every layer's filesystem must encode file handles, and lower layers on different filesystems
     * need distinct uuids to tell their handles apart.
     */
    public static String unusable(RealFs fs, LayerStack layers) {
        List<Layer> all = layers.all();
        for (Layer l : all) {
            if (fs.fileHandle(l.root()) == null) {
                return "filesystem of " + RealFs.printable(l.root()) + " does not support file handles";
            }
        }
        for (Layer a : all) {
            for (Layer b : all) {
                // the kernel's ovl_lower_uuid_ok: two lower filesystems with one uuid (two null ones too)
                // cannot tell their handles apart
                if (!a.upper() && !b.upper() && a.index() < b.index() && a.dev() != b.dev()
                        && java.util.Arrays.equals(fs.fsUuid(a.root()), fs.fsUuid(b.root()))) {
                    return (java.util.Arrays.equals(fs.fsUuid(a.root()), new byte[16]) ? "null" : "conflicting")
                            + " uuid detected in lower fs " + RealFs.printable(b.root());
                }
            }
        }
        return null;
    }

    /** The handle naming a real object of a layer, or null when its filesystem cannot encode one. */
    public OriginHandle handleOf(String real, Layer layer) {
        return origins.handleOf(real, layer);
    }

    /** The index entry's real path for a lower object (it may not exist). */
    public String pathFor(OriginHandle origin) {
        return dir + "/" + origin.indexName();
    }

    /**
     * The index entry of a lower object if there is one (a non-whiteout of the same type), else null:
     * the kernel's ovl_lookup_index for a lower hard link whose name has no upper yet.
     */
    public String find(String lowerReal, Layer layer, Stat lower) {
        OriginHandle h = handleOf(lowerReal, layer);
        if (h == null) {
            return null;
        }
        String p = pathFor(h);
        Stat st = fs.lstat(p);
        return st != null && st.type() == lower.type() ? p : null;
    }

    /** The index entry an upper object is linked from (by its origin xattr), or null. */
    public String entryOf(String upperReal) {
        OriginHandle h = OriginHandle.decode(fs.getxattr(upperReal, wh.xattr("origin")));
        if (h == null) {
            return null;
        }
        String p = pathFor(h);
        Stat a = fs.lstat(p);
        Stat b = fs.lstat(upperReal);
        return a != null && b != null && a.dev == b.dev && a.ino == b.ino ? p : null;
    }

    // ---- nlink ---------------------------------------------------------------------------------------

    /** Parses "U+3", "L-1" ...: {'U' or 'L', diff}, or null when malformed (the kernel then ignores it). */
    static long[] parseNlink(byte[] v) {
        if (v == null || v.length < 3 || (v[0] != 'U' && v[0] != 'L') || (v[1] != '+' && v[1] != '-')) {
            return null;
        }
        try {
            String s = new String(v, 1, v.length - 1, StandardCharsets.US_ASCII);
            return new long[] {v[0], Integer.parseInt(s.startsWith("+") ? s.substring(1) : s)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static byte[] formatNlink(long diff) {
        return ((diff < 0 ? "U" : "U+") + diff).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The merged link count of an upper non-directory (the kernel's ovl_get_nlink): from its nlink xattr
     * when it has one, else its own count. {@code lowerNlink} is used for the "L" form (-1: unknown).
     */
    public long mergedNlink(String upperReal, long upperNlink, long lowerNlink) {
        long[] n = parseNlink(fs.getxattr(upperReal, wh.xattr("nlink")));
        if (n == null) {
            return upperNlink;
        }
        long base = n[0] == 'U' ? upperNlink : lowerNlink;
        long v = base + n[1];
        return base < 0 || v <= 0 ? upperNlink : v;
    }

    /** Records the merged count relative to the upper inode's present count. */
    public void setNlink(String upperReal, long merged, long upperNlink) {
        fs.setxattr(upperReal, wh.xattr("nlink"), formatNlink(merged - upperNlink), 0);
    }

    /**
     * Adds an upper name for a merged name that already existed (link-up): the merged count stays.
     * Synchronised: two names of one inode linked up at once would otherwise lose an update.
     */
    public synchronized void linkUp(String entry, String upperName) {
        Stat before = fs.lstat(entry);
        long merged = mergedNlink(entry, before.nlink, -1);
        fs.link(entry, upperName);
        setNlink(entry, merged, before.nlink + 1);
    }

    /**
     * After a name of an indexed object went away: once no merged name is left, the index entry goes too
     * (the kernel's ovl_cleanup_index).
     */
    public synchronized void dropIfOrphan(String entry) {
        Stat st = fs.lstat(entry);
        if (st != null && !st.isDir() && orphan(entry, st)) {
            fs.unlink(entry);
        }
    }

    /**
     * An index entry no merged name uses: its only link is the index's own, and its recorded merged count
     * (relative to that one link) leaves nothing; without a readable count the kernel counts it as zero.
     * An "L" count (relative to the lower object) is kept: the lower is not at hand here.
     */
    private boolean orphan(String entry, Stat st) {
        if (st.nlink != 1) {
            return false;
        }
        long[] n = parseNlink(fs.getxattr(entry, wh.xattr("nlink")));
        return n == null || (n[0] == 'U' && 1 + n[1] <= 0);
    }

    // ---- mount ---------------------------------------------------------------------------------------

    /**
     * What the kernel does when mounting with index=on (ovl_get_indexdir): makes {@code workdir/index}, and
     * checks (or, the first time, records) that the upper root's origin is the top lower layer's root and
     * that the index directory's {@code upper} xattr names this upper root, so an index is never used with
     * other layers than it was made for. Then removes orphan entries (ovl_indexdir_cleanup).
     */
    public void prepare() {
        Layer upper = layers.upper();
        Layer lower = layers.all().get(1);
        OriginHandle lowerRoot = handleOf(lower.root(), lower);
        String originName = wh.xattr("origin");
        OriginHandle recorded = OriginHandle.decode(fs.getxattr(upper.root(), originName));
        if (recorded == null) {
            if (fs.getxattr(upper.root(), originName) != null) {
                throw new OptionsException("index=on: failed to verify upper root origin (unreadable "
                        + originName + " on " + RealFs.printable(upper.root()) + ")");
            }
            fs.setxattr(upper.root(), originName, lowerRoot.encode(), 0);
        } else if (!recorded.equals(lowerRoot)) {
            throw new OptionsException("index=on: failed to verify upper root origin: "
                    + RealFs.printable(upper.root()) + " was used with another lower layer than "
                    + RealFs.printable(lower.root()) + " (mount with index=off, or a new upper and workdir)");
        }
        Stat st = fs.lstat(dir);
        if (st == null) {
            fs.mkdir(dir, RealFs.privateDirMode());
        } else if (!st.isDir()) {
            throw new OptionsException("index=on: " + RealFs.printable(dir) + " is not a directory");
        }
        fs.addRoot(dir);
        OriginHandle upperRoot = handleOf(upper.root(), upper);
        String upperName = wh.xattr("upper");
        OriginHandle had = OriginHandle.decode(fs.getxattr(dir, upperName));
        if (had == null) {
            fs.setxattr(dir, upperName, upperRoot.encode(), 0);
        } else if (!had.equals(upperRoot)) {
            throw new OptionsException("index=on: failed to verify index dir 'upper' xattr: "
                    + RealFs.printable(dir) + " belongs to another upper layer than " + RealFs.printable(upper.root()));
        }
        cleanup();
    }

    /**
     * Removes index entries no merged name uses any more (the kernel's ovl_indexdir_cleanup for
     * non-directories): a regular entry whose only link is the index itself and whose recorded merged count
     * leaves nothing, and temporary or malformed names. Whiteouts (nfs_export's) are left alone.
     */
    void cleanup() {
        List<String> drop = new ArrayList<>();
        for (DirEntry e : fs.readdir(dir)) {
            String p = dir + "/" + e.name();
            Stat st = fs.lstat(p);
            if (st == null || st.isWhiteoutDevice() || st.isDir()) {
                continue;
            }
            if (!isHex(e.name())) {
                drop.add(p);
            } else if (orphan(p, st)) {
                drop.add(p);
            }
        }
        for (String p : drop) {
            try {
                fs.unlink(p);
            } catch (ErrnoException ignored) {
                // the next mount tries again
            }
        }
    }

    private static boolean isHex(String s) {
        if (s.length() < 2 * OriginHandle.HEADER || (s.length() & 1) != 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The inode number the kernel shows for an upper object copied up with an origin handle but no
     * fuse-overlay inode xattr (written by the kernel): the origin object's own, found by its handle in the
     * layer whose filesystem uuid it carries; -1 when it cannot be decoded.
     */
    public long originIno(String upperReal, Lookup lookup) {
        OriginHandle h = OriginHandle.decode(fs.getxattr(upperReal, wh.xattr("origin")));
        if (h == null || h.upper()) {
            return -1;
        }
        for (Layer l : layers.all()) {
            if (l.upper() || !java.util.Arrays.equals(origins.uuid(l), h.uuid())) {
                continue;
            }
            int fd = fs.openByHandle(l.root(), h.handle());
            if (fd >= 0) {
                try {
                    Stat st = fs.fstat(fd);
                    if (st.dev == l.dev()) {
                        return lookup.mapIno(l, st.ino);
                    }
                } finally {
                    fs.close(fd);
                }
            }
        }
        return -1;
    }
}
