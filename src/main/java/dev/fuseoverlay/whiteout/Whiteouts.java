package dev.fuseoverlay.whiteout;

import dev.fuseoverlay.cache.BoundedCache;
import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import java.nio.charset.StandardCharsets;

/**
 * The whiteout codec: reads every on-disk format, writes the kernel's.
 *
 * <pre>
 * mark        kernel (root)               kernel (userxattr)        OCI/AUFS layer    fuse-overlayfs
 * whiteout    char device 0/0             char device 0/0           .wh.NAME file     0/0 or .wh.NAME
 * opaque dir  trusted.overlay.opaque=y    user.overlay.opaque=y     .wh..wh..opq      xattr + .wh..wh..opq
 * </pre>
 *
 * Writes use the {@code trusted} namespace as real root and {@code user} otherwise (or with userxattr);
 * {@code .wh.} files are written only where mknod of a 0/0 device is refused. A mount reads the overlay
 * xattrs of its own namespace only, as the kernel does: in the other one they are a user's own xattrs (any
 * user who may write a directory can set {@code user.overlay.redirect} on it, and a redirect followed from
 * there would show a lower directory its permissions hide). Only the study tools' {@link #anyNamespace}
 * reader, which grants no access, reads both.
 */
public final class Whiteouts {
    public static final String PREFIX = ".wh.";
    public static final String OPAQUE_FILE = ".wh..wh..opq";
    private static final byte[] YES = {'y'};

    private final RealFs fs;
    /** "trusted" or "user": the namespace of the overlay xattrs this mount writes. */
    private final String ns;
    private final String opaqueXattr;
    private final String originXattr;
    /** "trusted.overlay." or "user.overlay.": the xattr prefix this mount owns. */
    private final String ownPrefix;
    /** The other namespace's prefix, read too (opaque, redirect) only by {@link #anyNamespace}; else null. */
    private final String otherPrefix;

    /** Whether 0/0 character devices can be made in the upper layer (else AUFS .wh. files are written). */
    private final boolean devices;
    /**
     * Lower-layer directories a full listing showed to hold no AUFS marker ({@code .wh.*}): a lookup that
     * misses there need not probe for {@code .wh.NAME}. Lower layers never change under a mount (the kernel
     * calls that undefined too); the upper layer does, and gets AUFS whiteouts where devices cannot be made,
     * so its directories are never recorded.
     */
    private final BoundedCache<String, Boolean> markerFree = new BoundedCache<>(65_536);

    public Whiteouts(RealFs fs, String ns) {
        this(fs, ns, true);
    }

    public Whiteouts(RealFs fs, String ns, boolean devices) {
        this(fs, ns, devices, false);
    }

    private Whiteouts(RealFs fs, String ns, boolean devices, boolean anyNamespace) {
        this.devices = devices;
        this.fs = fs;
        this.ns = ns;
        this.opaqueXattr = ns + ".overlay.opaque";
        this.originXattr = ns + ".overlay.fuseoverlay.ino";
        this.ownPrefix = ns + ".overlay.";
        this.otherPrefix = anyNamespace ? (ns.equals("trusted") ? "user" : "trusted") + ".overlay." : null;
    }

    /**
     * A reader of upper layers written in either namespace (a rootful or a rootless mount's), for a study
     * tool that reports what a layer holds; never for a mount.
     */
    public static Whiteouts anyNamespace(RealFs fs) {
        return new Whiteouts(fs, "trusted", true, true);
    }

    public String namespace() {
        return ns;
    }

    /** An overlay xattr of this mount's namespace: {@code xattr("origin")} is trusted.overlay.origin (or user.). */
    public String xattr(String name) {
        return ownPrefix + name;
    }

    /** Whether a real regular file is a metacopy (the kernel's trusted.overlay.metacopy, any value). */
    public boolean isMetacopy(String path) {
        return fs.getxattr(path, xattr("metacopy")) != null;
    }

    /** Marks a metadata-only copy-up, as the kernel does: an empty metacopy xattr (no fs-verity digest). */
    public void setMetacopy(String path) {
        fs.setxattr(path, xattr("metacopy"), new byte[0], 0);
    }

    public void clearMetacopy(String path) {
        fs.removexattr(path, xattr("metacopy"));
    }

    /** The kernel's origin handle of an upper object (trusted.overlay.origin), or null. */
    public OriginHandle readOriginHandle(String path) {
        return OriginHandle.decode(fs.getxattr(path, xattr("origin")));
    }

    public void writeOriginHandle(String path, OriginHandle h) {
        fs.setxattr(path, xattr("origin"), h.encode(), 0);
    }

    /** {@link #writeOriginHandle} through an open descriptor of the object (a copy-up's new file). */
    public void writeOriginHandle(int fd, OriginHandle h) {
        fs.fsetxattr(fd, xattr("origin"), h.encode());
    }

    /**
     * Marks an upper directory "impure" (trusted.overlay.impure=y) as the kernel does when an entry with an
     * origin is copied or moved into it: its readdir then looks entries up for their inode numbers.
     */
    public void setImpure(String dir) {
        if (!isYes(fs.getxattr(dir, xattr("impure")))) {
            fs.trySetxattr(dir, xattr("impure"), YES);
        }
    }

    /** The private xattr recording the inode number an upper object inherited at copy-up. */
    public String originXattr() {
        return originXattr;
    }

    /** A kernel whiteout (0/0 char device) given its lstat. */
    public static boolean isWhiteout(Stat st) {
        return st != null && st.isWhiteoutDevice();
    }

    /** Names the merged view never shows and the user cannot create: the AUFS markers. */
    public static boolean isReservedName(String name) {
        return name.startsWith(PREFIX);
    }

    /** Whether a real directory {@code dir} holds an AUFS whiteout {@code .wh.NAME} for {@code name}. */
    public boolean hasAufsWhiteout(String dir, String name) {
        return name.length() <= 251 && markerFree.get(dir) == null && fs.exists(dir + "/" + PREFIX + name);
    }

    /** What a full listing of a real directory showed: in a lower layer without markers, no probe is needed. */
    public void listed(String dir, boolean upperLayer, boolean markers) {
        if (!upperLayer && !markers) {
            markerFree.put(dir, Boolean.TRUE);
        }
    }

    /**
     * Whether a real directory is opaque (hides the same directory in lower layers): this namespace's opaque
     * xattr, or the AUFS marker file (fuse-overlayfs writes it beside its xattr).
     */
    public boolean isOpaque(String dir) {
        return isYes(fs.getxattr(dir, opaqueXattr)) || otherPrefix != null && isYes(fs.getxattr(dir, otherPrefix + "opaque"))
                || markerFree.get(dir) == null && fs.exists(dir + "/" + OPAQUE_FILE);
    }

    private static boolean isYes(byte[] v) {
        return v != null && v.length >= 1 && v[0] == 'y';
    }

    /** The work directory holding the shared whiteout; null: no sharing. */
    private volatile String sharedDir;
    /** The shared whiteout's path, made on first use; null until then. */
    private volatile String shared;
    private int sharedCount;

    /**
     * Shares one whiteout inode among the whiteouts this mount makes, as the kernel does (its whiteout
     * cache, Linux 5.8 on): a new whiteout is a hard link of a 0/0 device kept in {@code workDir}, a
     * directory entry instead of a new inode (on ext4 about 5 us instead of 50). Where links are refused, or
     * the shared inode has as many as the filesystem allows (EMLINK), a whiteout gets a node of its own.
     */
    public void shareIn(String workDir) {
        this.sharedDir = workDir;
    }

    /**
     * Makes a whiteout device at {@code path} (nothing there yet): a link of the shared one, or a node of its
     * own. Returns 0 or the errno of mknod (EPERM, EOPNOTSUPP: no device nodes here).
     */
    public int tryDevice(String path) {
        if (sharedDir != null) {
            String s = shared != null ? shared : newShared();
            if (s != null) {
                int e = fs.tryLink(s, path);
                if (e == 0 || e == Errno.EEXIST || e == Errno.ENOSPC || e == Errno.EDQUOT) {
                    return e; // (a full disk: no node of its own either)
                }
                if (e == Errno.EMLINK) {
                    newShared(); // full: the next ones link a fresh one; this one gets its own node
                } else {
                    sharedDir = null; // links refused here (the kernel stops sharing too)
                }
            }
        }
        return fs.tryMknod(path, Stat.S_IFCHR, 0);
    }

    private synchronized String newShared() {
        String dir = sharedDir;
        if (dir == null) {
            return null;
        }
        String s = dir + "/#fo-whiteout-" + (++sharedCount);
        int e = fs.tryMknod(s, Stat.S_IFCHR, 0);
        if (e != 0) {
            if (e != Errno.ENOSPC && e != Errno.EDQUOT) {
                sharedDir = null; // no device nodes in work: no sharing (a full disk may pass)
            }
            return null;
        }
        shared = s;
        return s;
    }

    /**
     * Creates a whiteout at a real path where nothing exists yet: a 0/0 character device (see
     * {@link #shareIn}), or an AUFS {@code .wh.} file beside it when device nodes cannot be made here.
     */
    public void create(String path) {
        int e = devices ? tryDevice(path) : Errno.EPERM;
        if (e == Errno.EPERM || e == Errno.EOPNOTSUPP) {
            int slash = path.lastIndexOf('/');
            fs.close(fs.create(path.substring(0, slash + 1) + PREFIX + path.substring(slash + 1), 1, 0));
        } else if (e != 0) {
            throw new ErrnoException(e, "whiteout " + RealFs.printable(path));
        }
    }

    /** Marks a real upper directory opaque (xattr, or the AUFS marker file where xattrs are refused). */
    public void setOpaque(String dir) {
        int e = fs.trySetxattr(dir, opaqueXattr, YES);
        if (e == Errno.EPERM || e == Errno.EOPNOTSUPP) {
            fs.close(fs.create(dir + "/" + OPAQUE_FILE, 1, 0));
        } else if (e != 0) {
            throw new ErrnoException(e, "set opaque " + RealFs.printable(dir));
        }
    }

    /**
     * Whether a real xattr name is this mount's own bookkeeping, never copied up (the kernel's
     * ovl_is_private_xattr): its namespace's {@code overlay.*} except the escaped {@code overlay.overlay.*}
     * names that hold a user's own values. The other namespace's are a user's xattrs, copied like any.
     */
    public boolean isOwnXattr(String name) {
        return bookkeeping(ownPrefix, name);
    }

    /** A name in an overlay prefix ("trusted.overlay.") that is not an escaped user value ("...overlay.overlay."). */
    private static boolean bookkeeping(String prefix, String name) {
        return name.startsWith(prefix) && !name.startsWith(prefix + "overlay.");
    }

    /**
     * Whether a real xattr name is any overlay's bookkeeping, in either namespace: {@code trusted.overlay.*}
     * and {@code user.overlay.*} except the escaped {@code *.overlay.overlay.*} names (for layers as data:
     * import and export of archives).
     */
    public static boolean isPrivateXattr(String name) {
        return bookkeeping("trusted.overlay.", name) || bookkeeping("user.overlay.", name);
    }

    /**
     * The real name under which the merged view's xattr {@code name} is stored. Like the kernel (6.7+), names
     * in this mount's own overlay prefix are escaped: {@code trusted.overlay.X} is kept as
     * {@code trusted.overlay.overlay.X}, so a user (or a nested overlay) can use them without touching ours.
     */
    public String realXattrName(String name) {
        return name.startsWith(ownPrefix) ? ownPrefix + "overlay." + name.substring(ownPrefix.length()) : name;
    }

    /** The merged view's name for a real xattr, or null when it is this overlay's own and hidden. */
    public String visibleXattrName(String realName) {
        if (!realName.startsWith(ownPrefix)) {
            return realName;
        }
        String escaped = ownPrefix + "overlay.";
        return realName.startsWith(escaped) ? ownPrefix + realName.substring(escaped.length()) : null;
    }

    /**
     * The kernel's redirect xattr of a directory (redirect_dir=on), in this namespace: where its lower parts
     * live, as a name in the same parent ("www") or a path from the root ("/var/www"); null when there is
     * none or it is unusable.
     */
    public String readRedirect(String dir) {
        byte[] v = fs.getxattr(dir, ownPrefix + "redirect");
        if (v == null && otherPrefix != null) {
            v = fs.getxattr(dir, otherPrefix + "redirect");
        }
        if (v == null || v.length == 0) {
            return null;
        }
        String r = new String(v, StandardCharsets.ISO_8859_1);
        if (r.indexOf('\0') >= 0 || r.equals(".") || r.equals("..") || (!r.startsWith("/") && r.indexOf('/') >= 0)
                || r.contains("/../") || r.endsWith("/..")) {
            return null; // not a form the kernel writes: never let it point anywhere odd
        }
        return r;
    }

    public void writeRedirect(String dir, String target) {
        fs.setxattr(dir, ns + ".overlay.redirect", target.getBytes(StandardCharsets.ISO_8859_1), 0);
    }

    /**
     * The inode number recorded at copy-up, or -1 (all bits set, never an inode number). Numbers are unsigned
     * 64-bit: with xino the filesystem's fsid sits in the top bits.
     */
    public long readOrigin(String path) {
        byte[] v = fs.getxattr(path, originXattr);
        if (v == null) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(new String(v, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public void writeOrigin(String path, long ino) {
        fs.trySetxattr(path, originXattr, Long.toUnsignedString(ino).getBytes(StandardCharsets.US_ASCII));
    }

    /** {@link #writeOrigin} through an open descriptor of the object (a copy-up's new file). */
    public void writeOrigin(int fd, long ino) {
        fs.tryFsetxattr(fd, originXattr, Long.toUnsignedString(ino).getBytes(StandardCharsets.US_ASCII));
    }

    /** Whether the upper filesystem takes 0/0 character devices (probed once per mount in the work dir). */
    public static boolean probeDevices(RealFs fs, String workDir) {
        String probe = workDir + "/#fo-whiteout-probe";
        int e = fs.tryMknod(probe, Stat.S_IFCHR, 0);
        if (e == 0) {
            fs.unlink(probe);
        }
        return e == 0;
    }

    public boolean devices() {
        return devices;
    }

    /** Chooses the xattr namespace for a mount: trusted if the upper filesystem lets us write it there. */
    public static String probeNamespace(RealFs fs, String workDir, boolean userXattr) {
        if (userXattr) {
            return "user";
        }
        String probe = "trusted.overlay.fuseoverlay.probe";
        if (fs.trySetxattr(workDir, probe, YES) == 0) {
            fs.removexattr(workDir, probe);
            return "trusted";
        }
        return "user";
    }
}
