package dev.fuseoverlay.lookup;

import dev.fuseoverlay.cache.BoundedCache;
import dev.fuseoverlay.layer.Layer;
import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import dev.fuseoverlay.whiteout.Whiteouts;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Resolves merged paths to real objects, one component at a time, like the kernel's {@code ovl_lookup}:
 *
 * <ul>
 *   <li>layers are searched top first, only in the layers where the parent is a directory;</li>
 *   <li>a whiteout (0/0 device, or an AUFS {@code .wh.NAME} beside the name) ends the search: ENOENT
 *       if nothing was found above it;</li>
 *   <li>a non-directory ends the search; so does an opaque directory;</li>
 *   <li>below a directory only directories merge: a lower non-directory ends the search and is ignored;</li>
 *   <li>{@code .wh.}-prefixed names are never visible; names over 255 bytes are ENAMETOOLONG.</li>
 * </ul>
 *
 * Results are cached (bounded): directories, and non-directories with a single name (a hard link's entry can
 * change through its other names). Whoever changes what a path resolves to calls {@link #invalidate}.
 * Only directories are ever traversed in a layer, each checked with lstat, so no symlink inside a layer is
 * followed while resolving a path.
 */
public final class Lookup {
    private final LayerStack layers;
    private final RealFs fs;
    private final Whiteouts wh;
    private final BoundedCache<String, Entry> entries = new BoundedCache<>(65_536);
    private volatile Entry root;
    /** How real inode numbers become merged ones (xino=). */
    private volatile InodeNumbers inos;
    /**
     * Directories renamed with a redirect xattr find their lower parts where it says: the kernel's default
     * (redirect_dir=off with redirect_always_follow=Y), and on and follow; only nofollow turns it off.
     */
    private volatile boolean followRedirects = true;
    /** metacopy=on: upper (and lower) regular files marked metacopy take their data from a layer below. */
    private volatile boolean metacopy;
    /** index=on: lower hard links find the copy-up of another of their names; null when off. */
    private volatile Index index;
    /** Bumped by every invalidation, so a lookup that raced with a change is not cached. */
    private volatile long generation;

    /**
     * Per thread: the {@code struct stat} of the top object the thread's last computed lookup found, with its
     * real path and the generation then, so that the getattr that follows in the same request (every LOOKUP
     * and READDIRPLUS entry) need not stat it again ({@link #freshTop}).
     */
    private static final class Fresh {
        final Pointer buf = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE, true);
        String real;
        long generation;
    }

    private static final ThreadLocal<Fresh> FRESH = ThreadLocal.withInitial(Fresh::new);

    public Lookup(LayerStack layers, RealFs fs, Whiteouts wh) {
        this.layers = layers;
        this.fs = fs;
        this.wh = wh;
        List<Layer> all = layers.all();
        LayerPath[] stack = new LayerPath[all.size()];
        for (int i = 0; i < stack.length; i++) {
            stack[i] = new LayerPath(all.get(i), all.get(i).root());
        }
        this.inos = InodeNumbers.of(layers, "off");
        this.root = rootEntry(stack);
    }

    private Entry rootEntry(LayerPath[] stack) {
        Stat st = fs.lstat(stack[0].real());
        return new Entry("/", stack, Stat.S_IFDIR, mapIno(stack[0].layer(), st.ino), false);
    }

    /** The kernel's xino= option ("off", "auto", "on"): how inode numbers of several filesystems are told apart. */
    public void setXino(String mode) {
        inos = InodeNumbers.of(layers, mode);
        root = rootEntry(root.stack);
        invalidateTree("/");
    }

    /** The entry of a merged path; throws ENOENT (or ENOTDIR, ENAMETOOLONG) when it does not exist. */
    public Entry lookup(String path) {
        Entry e = find(path);
        if (e == null) {
            throw new ErrnoException(Errno.ENOENT, path);
        }
        return e;
    }

    /** The entry of a merged path, or null when nothing is visible there. */
    public Entry find(String path) {
        if (path.equals("/")) {
            return root;
        }
        Entry cached = entries.get(path);
        if (cached != null) {
            return cached;
        }
        long gen = generation;
        Entry parent = find(Entry.parentOf(path));
        if (parent == null) {
            throw new ErrnoException(Errno.ENOENT, path);
        }
        if (!parent.isDir()) {
            throw new ErrnoException(Errno.ENOTDIR, path);
        }
        Entry e = child(parent, path.substring(path.lastIndexOf('/') + 1));
        if (e != null && e.sole) {
            synchronized (this) {
                if (gen == generation) { // nothing changed while we looked: the result is current
                    entries.put(path, e);
                }
            }
        }
        return e;
    }

    /** Looks a name up in a directory entry; null when not visible. */
    public Entry child(Entry parent, String name) {
        return child(parent, name, null);
    }

    /**
     * What {@link #child(Entry, String, Miss)} saw at the name in the parent's top directory, for a caller
     * about to create the name there (it need not probe again what the lookup just probed).
     */
    public static final class Miss {
        /** The top directory was probed (not for a reserved name, which is never looked up). */
        public boolean probed;
        /** A whiteout (0/0 device) is at the name. */
        public boolean whiteout;
        /** An AUFS-style {@code .wh.NAME} is beside it (looked for only when nothing is at the name). */
        public boolean aufs;
    }

    /** Like {@link #child(Entry, String)}, filling {@code miss} (when not null) with what the top directory holds. */
    public Entry child(Entry parent, String name, Miss miss) {
        if (name.length() > 255) {
            throw new ErrnoException(Errno.ENAMETOOLONG, name);
        }
        if (Whiteouts.isReservedName(name)) {
            return null;
        }
        if (miss != null) {
            miss.probed = true;
        }
        String path = Entry.child(parent.path, name);
        List<LayerPath> found = new ArrayList<>(2);
        Stat top = null;
        Stat firstLower = null;
        boolean opaque = false;
        boolean wantData = false;    // the last object found is a metacopy: keep looking for its data
        boolean metacopyTop = false; // the top object is a metacopy (metacopy=on)
        String look = name;       // the name looked up in the parent's directories (a relative redirect changes it)
        String absolute = null;   // after an absolute redirect: the path looked up from each lower layer's root
        int next = 0;             // next index into the parent's stack, or into all layers once absolute
        List<Layer> all = layers.all();
        while (true) {
            Layer layer;
            String dirReal;
            String leaf;
            if (absolute == null) {
                if (next >= parent.stack.length) {
                    break;
                }
                LayerPath dir = parent.stack[next++];
                layer = dir.layer();
                dirReal = dir.real();
                leaf = look;
            } else {
                if (next >= all.size()) {
                    break;
                }
                layer = all.get(next++);
                dirReal = layer.real(Entry.parentOf(absolute));
                leaf = absolute.substring(absolute.lastIndexOf('/') + 1);
            }
            String real = dirReal + "/" + leaf;
            boolean atTop = miss != null && absolute == null && next == 1;
            // nothing below this layer to hide or to redirect into: its opaque and redirect marks are not
            // read (the kernel's d->last). Where redirects are followed, a directory may have parts in any
            // layer below it, its parent's or not: only the bottom layer is last then.
            boolean last = followRedirects ? layer.index() >= all.size() - 1
                    : absolute == null ? next >= parent.stack.length : next >= all.size();
            Stat st = fs.lstat(real);
            if (st == null) {
                boolean aufs = wh.hasAufsWhiteout(dirReal, leaf);
                if (atTop) {
                    miss.aufs = aufs;
                }
                if (aufs) {
                    break;
                }
                continue;
            }
            if (st.isWhiteoutDevice()) {
                if (atTop) {
                    miss.whiteout = true;
                }
                break;
            }
            if (wantData) {
                // below a metacopy: the object holding its data (the kernel's "lowerdata")
                if (!st.isReg()) {
                    throw new ErrnoException(Errno.EIO, "metacopy " + path + " over a non-regular lower object");
                }
                found.add(new LayerPath(layer, real));
                if (firstLower == null) {
                    firstLower = st;
                }
                if (!wh.isMetacopy(real)) {
                    wantData = false;
                    break;
                }
            } else {
                if (top != null && !st.isDir()) {
                    break; // below a directory only directories merge
                }
                found.add(new LayerPath(layer, real));
                if (top == null) {
                    top = st;
                    Fresh f = FRESH.get();
                    RealFs.copyLastStat(f.buf); // st was read from it just now
                    f.real = real;
                    f.generation = generation;
                } else if (firstLower == null) {
                    firstLower = st;
                }
                if (!st.isDir()) {
                    // (the bottom layer has nothing below it: it cannot hold a metacopy worth following)
                    if (!(metacopy && st.isReg() && layer.index() < all.size() - 1 && wh.isMetacopy(real))) {
                        break;
                    }
                    wantData = true; // metadata here, data from a layer below (by the same name or its redirect)
                    metacopyTop = found.size() == 1;
                } else if (!last && wh.isOpaque(real)) {
                    opaque = found.size() == 1;
                    break;
                }
            }
            String redirect = (followRedirects && !last) || wantData ? wh.readRedirect(real) : null;
            if (redirect != null) {
                if (redirect.startsWith("/")) {
                    absolute = redirect;
                    next = layer.index() + 1;
                } else if (absolute != null) {
                    absolute = Entry.child(Entry.parentOf(absolute), redirect);
                } else {
                    look = redirect;
                }
            }
        }
        if (wantData) {
            // the kernel: "metacopy with no lower data found - abort lookup"
            throw new ErrnoException(Errno.EIO, "metacopy " + path + " has no lower data");
        }
        if (top == null) {
            return null;
        }
        Index ix = index;
        if (ix != null && !top.isDir() && top.nlink > 1 && !found.get(0).layer().upper()) {
            LayerPath low = found.get(0);
            String entry = ix.find(low.real(), low.layer(), top);
            if (entry != null) {
                LayerPath[] stack = {new LayerPath(layers.upper(), entry), low};
                boolean meta = metacopy && top.isReg() && wh.isMetacopy(entry); // data: the lower found here
                return new Entry(path, stack, top.type(), mapIno(low.layer(), top.ino), false, true, meta, false);
            }
        }
        LayerPath[] stack = found.toArray(new LayerPath[0]);
        return new Entry(path, stack, top.type(), inode(stack, top, firstLower), opaque, false, metacopyTop,
                top.isDir() || top.nlink == 1);
    }

    /**
     * The inode number of a merged object: the origin's when the top object was copied up (recorded in
     * an xattr, or for a merged directory the first lower directory), else the top object's own. Layers
     * on other filesystems than the top one get their filesystem index in the high bits.
     */
    private long inode(LayerPath[] stack, Stat top, Stat firstLower) {
        LayerPath t = stack[0];
        if (t.layer().upper()) {
            long origin = wh.readOrigin(t.real());
            if (origin != -1) {
                return origin;
            }
            Index ix = index;
            if (ix != null && firstLower == null) {
                origin = ix.originIno(t.real(), this); // copied up by the kernel: its origin's number
                if (origin >= 0) {
                    return origin;
                }
            }
            if (firstLower != null) {
                return mapIno(stack[1].layer(), firstLower.ino);
            }
        }
        return mapIno(t.layer(), top.ino);
    }

    /** The st_ino the merged view reports for a real inode number of a layer. */
    public long mapIno(Layer layer, long realIno) {
        return inos.map(layer, realIno);
    }

    public void setMetacopy(boolean on) {
        this.metacopy = on;
        invalidateTree("/");
    }

    /** Origin handles, written on copy-up with index=on or metacopy=on (null when neither is on). */
    private volatile Origins origins;

    public void setOrigins(Origins origins) {
        this.origins = origins;
    }

    public Origins origins() {
        return origins;
    }

    public boolean metacopy() {
        return metacopy;
    }

    /** index=on (an {@link Index}) or off (null). */
    public void setIndex(Index index) {
        this.index = index;
        invalidateTree("/");
    }

    public Index index() {
        return index;
    }

    public void followRedirects(boolean follow) {
        this.followRedirects = follow;
        invalidateTree("/");
    }

    /**
     * Records the entry of a new object its caller has just made at {@code real} in upper (under the
     * namespace lock, with nothing visible at the name before): what a lookup would find, an upper-only
     * object with its own inode number and no origin, {@code opaque} if the caller made it so. Spares the
     * lookup that follows every create (the reply's entry).
     */
    public synchronized void created(String path, String real, Stat st, boolean opaque) {
        Layer up = layers.upper();
        generation++;
        if (st.isDir() || st.nlink == 1) {
            entries.put(path, new Entry(path, new LayerPath[] {new LayerPath(up, real)}, st.type(), mapIno(up, st.ino),
                    opaque && st.isDir(), false, false, true));
        }
    }

    /** Starts a request's lookup: no stat of an earlier one is offered by {@link #freshTop}. */
    public static void forgetFresh() {
        FRESH.get().real = null;
    }

    /**
     * Copies into {@code st} the {@code struct stat} this thread's lookup took of {@code e}'s top object since
     * {@link #forgetFresh}, if it did and nothing was invalidated since; false when the caller must stat.
     */
    public boolean freshTop(Entry e, Pointer st) {
        Fresh f = FRESH.get();
        String real = f.real;
        f.real = null;
        if (real == null || f.generation != generation || !real.equals(e.top().real())) {
            return false;
        }
        f.buf.transferTo(0, st, 0, Stat.SIZE);
        return true;
    }

    /** Forgets what is known of one path (after its layers changed). */
    public synchronized void invalidate(String path) {
        generation++;
        entries.remove(path);
    }

    /** Forgets a path and everything below it (after a directory moved). */
    public synchronized void invalidateTree(String path) {
        generation++;
        String prefix = path.equals("/") ? "/" : path + "/";
        entries.removeIf(k -> k.equals(path) || k.startsWith(prefix));
    }

    public LayerStack layers() {
        return layers;
    }
}
