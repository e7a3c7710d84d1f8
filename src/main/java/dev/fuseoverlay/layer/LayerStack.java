package dev.fuseoverlay.layer;

import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.options.OptionsException;
import dev.fuseoverlay.realfs.LibC;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import java.util.ArrayList;
import java.util.List;

/**
 * The ordered layers of one mount, top first: the upper layer (if any) then the lowers as given in
 * {@code lowerdir=} (leftmost on top), plus the work directory. Built by {@link #open}, which checks
 * every directory and rejects what the kernel rejects, each with one line.
 */
public final class LayerStack {
    private final List<Layer> layers;
    private final Layer upper;
    /** {@code W/work}: where copy-ups and whiteouts are built before an atomic rename into upper. */
    private final String workDir;
    private final boolean sameFs;

    private LayerStack(List<Layer> layers, String workDir) {
        this.layers = List.copyOf(layers);
        this.upper = layers.get(0).upper() ? layers.get(0) : null;
        this.workDir = workDir;
        this.sameFs = layers.stream().allMatch(l -> l.fsIndex() == 0);
    }

    public List<Layer> all() {
        return layers;
    }

    /** The upper layer, or null for a read-only overlay. */
    public Layer upper() {
        return upper;
    }

    public String workDir() {
        return workDir;
    }

    /** All layers on one filesystem: real inode numbers are unique across the stack as they are. */
    public boolean sameFs() {
        return sameFs;
    }

    public int size() {
        return layers.size();
    }

    /**
     * Checks and canonicalises the directories of a mount. Does not touch the disk beyond lstat and
     * realpath; the work directory is prepared by the caller once the mount is decided.
     *
     * @param mountPoint the mountpoint, or null when no mount is made (study tools)
     */
    public static LayerStack open(MountOptions o, String mountPoint, RealFs fs) {
        o.checkSupported();
        List<String[]> roles = new ArrayList<>(); // {role, canonical path}
        List<Layer> layers = new ArrayList<>();
        List<Long> devs = new ArrayList<>();
        String work = null;
        if (o.upperDir != null) {
            String up = canonicalDir("upperdir", o.upperDir, fs);
            String wk = canonicalDir("workdir", o.workDir, fs);
            long upDev = fs.lstat(up).dev;
            if (fs.lstat(wk).dev != upDev) {
                throw new OptionsException("workdir " + show(o.workDir) + " and upperdir " + show(o.upperDir)
                        + " must be on the same filesystem");
            }
            roles.add(new String[] {"upperdir", up});
            roles.add(new String[] {"workdir", wk});
            layers.add(new Layer(0, up, true, upDev, fsIndex(devs, upDev), "upper"));
            work = wk + "/work";
        }
        int n = 0;
        for (String l : o.lowerDirs) {
            String low = canonicalDir("lowerdir", l, fs);
            roles.add(new String[] {"lowerdir", low});
            long dev = fs.lstat(low).dev;
            layers.add(new Layer(layers.size(), low, false, dev, fsIndex(devs, dev), "lower " + n++));
        }
        for (int i = 0; i < roles.size(); i++) {
            for (int j = i + 1; j < roles.size(); j++) {
                String a = roles.get(i)[1], b = roles.get(j)[1];
                if (nested(a, b) || nested(b, a)) {
                    throw new OptionsException(roles.get(i)[0] + " " + show(a) + " and " + roles.get(j)[0] + " " + show(b)
                            + " overlap (" + (a.equals(b) ? "same directory" : "one is inside the other") + ")");
                }
            }
        }
        if (mountPoint != null) {
            String mnt = canonicalDir("mountpoint", mountPoint, fs);
            for (String[] r : roles) {
                if (nested(r[1], mnt)) {
                    throw new OptionsException("mountpoint " + show(mnt) + " is inside " + r[0] + " " + show(r[1]));
                }
                if (nested(mnt, r[1])) {
                    throw new OptionsException(r[0] + " " + show(r[1]) + " is inside the mountpoint " + show(mnt)
                            + " (the mount would hide it)");
                }
            }
        }
        return new LayerStack(layers, work);
    }

    private static int fsIndex(List<Long> devs, long dev) {
        int i = devs.indexOf(dev);
        if (i < 0) {
            devs.add(dev);
            i = devs.size() - 1;
        }
        return i;
    }

    /** Whether {@code inner} is {@code outer} or lies below it. */
    static boolean nested(String outer, String inner) {
        return inner.equals(outer) || outer.equals("/") || inner.startsWith(outer + "/");
    }

    private static String canonicalDir(String role, String path, RealFs fs) {
        LibC c = Native.C;
        String abs = path.startsWith("/") ? path : System.getProperty("user.dir") + "/" + path;
        String real = c.realpath(Native.cstr(abs), null);
        if (real == null) {
            throw new OptionsException(role + " " + show(path) + ": " + Native.strerror(Native.errno()));
        }
        Stat st = fs.lstat(real);
        if (st == null || !st.isDir()) {
            throw new OptionsException(role + " " + show(path) + ": not a directory");
        }
        return real;
    }

    private static String show(String path) {
        return RealFs.printable(path);
    }

    /** A stack made directly from layers, for tests and study tools. */
    public static LayerStack of(List<Layer> layers, String workDir) {
        return new LayerStack(layers, workDir);
    }
}
