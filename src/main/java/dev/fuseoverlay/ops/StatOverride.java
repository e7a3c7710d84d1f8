package dev.fuseoverlay.ops;

import dev.fuseoverlay.layer.Layer;
import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import java.nio.charset.StandardCharsets;

/**
 * fuse-overlayfs's owner and mode override xattrs ({@code xattr_permissions=1|2}): where a layer's real
 * owners and modes cannot be set (rootless, or to keep the files usable by the user that serves the mount),
 * the ones shown are kept in an xattr of each object, {@code "UID:GID:MODE"} with MODE in octal (the file
 * type bits included, as fuse-overlayfs writes them: {@code 0:0:40755}).
 *
 * <pre>
 * xattr_permissions=1   security.fuseoverlayfs.override_stat
 * xattr_permissions=2   user.fuseoverlayfs.override_stat
 * (read only)           user.containers.override_stat   (containers-storage's force_mask)
 * </pre>
 *
 * As in fuse-overlayfs, a layer uses overrides when its root directory carries one of these xattrs (a mount
 * with xattr_permissions=N puts one on the upper root, from its real owner and mode, when it has none), the
 * first of the three names that its root has is the one read for all its objects, and only directories and
 * regular files are overridden. Objects without the xattr show their real owner and mode. With overrides in
 * the upper layer, chmod and chown write the xattr instead of changing the real object, and new objects get
 * it with the creator's ids while the real object stays the server's, its mode widened by 0755 so the
 * server can always use it.
 */
final class StatOverride {
    static final String PRIVILEGED = "security.fuseoverlayfs.override_stat";
    static final String USER = "user.fuseoverlayfs.override_stat";
    static final String CONTAINERS = "user.containers.override_stat";
    private static final String[] READ_ORDER = {PRIVILEGED, USER, CONTAINERS};

    private final RealFs fs;
    /** Per layer index: the override xattr its objects carry, or null for none. */
    private final String[] names;
    /** The upper layer's override xattr (what chmod, chown and creates write), or null: real changes. */
    private final String upperName;

    private StatOverride(RealFs fs, String[] names, String upperName) {
        this.fs = fs;
        this.names = names;
        this.upperName = upperName;
    }

    /** The name xattr_permissions=N writes, or null for 0. */
    static String nameFor(int xattrPermissions) {
        return xattrPermissions == 1 ? PRIVILEGED : xattrPermissions == 2 ? USER : null;
    }

    /**
     * Reads each layer root's marker; with xattr_permissions=1|2 the upper layer uses that option's name and
     * its root gets its marker (from its real owner and mode) if it has none. Null when no layer uses overrides.
     */
    static StatOverride open(LayerStack layers, RealFs fs, int xattrPermissions) {
        String[] names = new String[layers.size()];
        boolean any = false;
        for (Layer l : layers.all()) {
            String forced = l.upper() ? nameFor(xattrPermissions) : null;
            names[l.index()] = forced != null ? forced : marker(fs, l.root());
            any |= names[l.index()] != null;
        }
        Layer upper = layers.upper();
        String upperName = upper == null ? null : names[upper.index()];
        if (upperName != null && fs.getxattr(upper.root(), upperName) == null) {
            Stat st = fs.lstat(upper.root());
            fs.setxattr(upper.root(), upperName, format(st.uid, st.gid, st.mode), 0);
        }
        return any ? new StatOverride(fs, names, upperName) : null;
    }

    private static String marker(RealFs fs, String root) {
        for (String n : READ_ORDER) {
            if (fs.getxattr(root, n) != null) {
                return n;
            }
        }
        return null;
    }

    static byte[] format(int uid, int gid, int mode) {
        return (uid + ":" + gid + ":" + Integer.toOctalString(mode)).getBytes(StandardCharsets.US_ASCII);
    }

    /** {uid, gid, mode bits} from an xattr value, or null when it is not "UID:GID:OCTAL". */
    static int[] parse(byte[] v) {
        if (v == null) {
            return null;
        }
        String[] f = new String(v, StandardCharsets.US_ASCII).trim().split(":");
        if (f.length < 3) {
            return null;
        }
        try {
            return new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2], 8)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Whether an xattr name is one of the override names (hidden and refused while overrides are in use). */
    static boolean isOverrideName(String name) {
        return name.equals(USER) || name.equals(PRIVILEGED) || name.equals(CONTAINERS);
    }

    /** Overrides uid (offset 28), gid (32) and mode (24) of a filled struct stat for an object of a layer. */
    void apply(Layer layer, String real, jnr.ffi.Pointer st) {
        String name = names[layer.index()];
        int mode = st.getInt(Stat.OFF_MODE);
        int type = mode & Stat.S_IFMT;
        if (name == null || (type != Stat.S_IFDIR && type != Stat.S_IFREG)) {
            return;
        }
        int[] o = parse(fs.getxattr(real, name));
        if (o != null) {
            st.putInt(28, o[0]);
            st.putInt(32, o[1]);
            st.putInt(Stat.OFF_MODE, type | (o[2] & 07777));
        }
    }

    /** Whether changes of owner and mode in the upper layer go to the xattr. */
    boolean upperActive() {
        return upperName != null;
    }

    /** {uid, gid, mode} as shown for a real upper object: its override, else its real values. */
    int[] shown(String upperReal) {
        Stat st = fs.lstat(upperReal);
        int[] o = parse(fs.getxattr(upperReal, upperName));
        int type = st.type();
        if (o == null || (type != Stat.S_IFDIR && type != Stat.S_IFREG)) {
            return new int[] {st.uid, st.gid, st.mode};
        }
        return new int[] {o[0], o[1], type | (o[2] & 07777)};
    }

    /** Records owner and mode for a real upper object; a new one is also made usable by the server (0755). */
    void write(String upperReal, int uid, int gid, int mode, boolean widen) {
        fs.setxattr(upperReal, upperName, format(uid, gid, mode), 0);
        int type = mode & Stat.S_IFMT;
        if (widen && (type == Stat.S_IFDIR || type == Stat.S_IFREG)) {
            fs.chmod(upperReal, (mode & 07777) | 0755);
        }
    }
}
