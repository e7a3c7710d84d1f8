package dev.fuseoverlay.ops;

import static dev.fuseoverlay.realfs.Native.C;

import dev.fuseoverlay.copyup.CopyUp;
import dev.fuseoverlay.layer.Layer;
import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.lookup.Entry;
import dev.fuseoverlay.lookup.Index;
import dev.fuseoverlay.lookup.LayerPath;
import dev.fuseoverlay.lookup.Lookup;
import dev.fuseoverlay.lookup.Origins;
import dev.fuseoverlay.readdir.DirItem;
import dev.fuseoverlay.readdir.DirMerge;
import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import dev.fuseoverlay.whiteout.Whiteouts;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Every filesystem operation on the merged view, by merged path, as the kernel's overlayfs does it
 * ({@code dir.c}, {@code inode.c}, {@code file.c}, {@code xattrs.c}). Knows nothing of FUSE: failures are
 * {@link ErrnoException}s, data moves between real descriptors and caller-owned native buffers.
 *
 * <p>Namespace changes (create, unlink, rename, ...) are serialised by one lock that never covers file
 * data I/O; copy-up has its own per-path locks and publishes with a no-replace rename, so it needs no
 * namespace lock.
 */
public final class Overlay implements AutoCloseable {
    private final LayerStack layers;
    private final RealFs fs;
    private final Whiteouts wh;
    private final Lookup lookup;
    private final DirMerge merge;
    private final CopyUp copyUp;
    private final Layer upper;
    private final boolean fsync;
    private final boolean root = C.geteuid() == 0;
    private final ReentrantLock ns = new ReentrantLock();
    /** The learner's trace, or null (tracing off: every trace point is one null check). */
    private volatile Trace trace;
    /** Owner translation (uidmapping=, squash_to_*), or null. */
    private volatile Owners owners;
    /** The descriptor holding the workdir lock, or -1. */
    private int workLock = -1;

    private Overlay(LayerStack layers, RealFs fs, String xattrNs, boolean devices, boolean fsync) {
        this.layers = layers;
        this.fs = fs;
        this.wh = new Whiteouts(fs, xattrNs, devices);
        this.lookup = new Lookup(layers, fs, wh);
        this.merge = new DirMerge(fs, lookup, wh);
        this.upper = layers.upper();
        this.copyUp = upper == null ? null : new CopyUp(fs, lookup, wh, fsync);
        this.fsync = fsync;
        if (upper != null && devices) {
            wh.shareIn(layers.workDir());
        }
        setRedirectDir("off"); // the default: followed, but not in user.overlay.* (see setRedirectDir)
    }

    /**
     * Opens the overlay over checked layers: prepares {@code work/} (created, emptied of stale work as the
     * kernel does) and chooses the xattr namespace. Sets the process umask to 0: modes arrive already masked.
     */
    public static Overlay open(LayerStack layers, RealFs fs, boolean fsync, boolean userXattr) {
        return open(layers, fs, fsync, userXattr, null);
    }

    /**
     * @param forceDevices null to probe whether the upper filesystem takes 0/0 device whiteouts; false to
     *     write AUFS .wh. files as on a filesystem that refuses device nodes
     */
    public static Overlay open(LayerStack layers, RealFs fs, boolean fsync, boolean userXattr, Boolean forceDevices) {
        C.umask(0);
        int lock = -1;
        boolean devices = true;
        String ns = "user";
        if (layers.upper() != null) {
            lock = lockWorkdir(layers.workDir().substring(0, layers.workDir().lastIndexOf('/')));
            String work = layers.workDir();
            Stat st = fs.lstat(work);
            if (st != null && !st.isDir()) {
                throw new ErrnoException(Errno.ENOTDIR, work);
            }
            if (st == null) {
                fs.mkdir(work, RealFs.privateDirMode());
            } else {
                for (var e : fs.readdir(work)) {
                    fs.removeTree(work + "/" + e.name());
                }
            }
            ns = Whiteouts.probeNamespace(fs, work, userXattr);
            fs.addRoot(work);
            devices = forceDevices != null ? forceDevices : Whiteouts.probeDevices(fs, work);
        } else if (!userXattr && C.geteuid() == 0) {
            ns = "trusted";
        }
        for (Layer l : layers.all()) {
            fs.addRoot(l.root());
        }
        Overlay ov = new Overlay(layers, fs, ns, devices, fsync);
        ov.workLock = lock;
        return ov;
    }

    /**
     * Takes an exclusive lock on the workdir for the life of the process, as the kernel refuses a workdir
     * in use by another mount: two mounts cleaning and filling one work/ would destroy each other's copy-ups.
     */
    private static int lockWorkdir(String workdir) {
        int fd = C.open(Native.cstr(workdir), Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC, 0);
        if (fd < 0 || C.flock(fd, 2 /* LOCK_EX */ | 4 /* LOCK_NB */) < 0) {
            int e = Native.errno();
            if (fd >= 0) {
                C.close(fd);
            }
            throw new dev.fuseoverlay.options.OptionsException("workdir " + RealFs.printable(workdir)
                    + (e == 11 ? " is in use by another mount" : ": " + Native.strerror(e)));
        }
        return fd; // stays open, and locked, until close() or the end of the process
    }

    /** Gives up the workdir (tests and tools that open several overlays over one stack in one process). */
    @Override
    public void close() {
        if (workLock >= 0) {
            C.close(workLock);
            workLock = -1;
        }
    }

    /** redirect_dir=on: renaming a directory with lower parts records a redirect instead of answering EXDEV. */
    private volatile boolean redirectCreate;

    /**
     * The kernel's redirect_dir option: on (create and follow), follow, nofollow (neither), or off, the
     * default, which the kernel turns into follow with its default redirect_always_follow=Y: an upper written
     * with redirect_dir=on shows the same tree when mounted again without the option. With the overlay's
     * xattrs in user.overlay.* off means nofollow, as with the kernel's userxattr (anyone may write user.*
     * xattrs on files they own): only follow and on follow there.
     */
    public void setRedirectDir(String mode) {
        redirectCreate = mode.equals("on");
        boolean user = wh.namespace().equals("user");
        lookup.followRedirects(!mode.equals("nofollow") && !(user && mode.equals("off")));
    }

    /** The kernel's xino option ("off", "auto", "on"): the inode numbers of layers on several filesystems. */
    public void setXino(String mode) {
        lookup.setXino(mode);
        xinoOn = mode.equals("on");
    }

    private volatile boolean xinoOn;

    /**
     * The kernel's !ovl_allow_offline_changes: with redirect_dir=on, index=on, metacopy=on or xino=on, lower
     * layers may not change between mounts, and a new directory in a merged one is made opaque (a redirect
     * or an index entry may later bring lower parts under a name that is new today).
     */
    private boolean offlineChangesRefused() {
        return redirectCreate || lookup.index() != null || lookup.metacopy() || xinoOn;
    }

    /** fuse-overlayfs's static_nlink: every directory reports st_nlink 1 (not only merged ones). */
    private volatile boolean staticNlink;

    public void setStaticNlink(boolean on) {
        staticNlink = on;
    }

    /**
     * fuse-overlayfs's noxattrs=1: getxattr, listxattr and setxattr answer ENOSYS, which the FUSE kernel module
     * remembers and turns into EOPNOTSUPP for the caller; removexattr still works, as there.
     */
    private volatile boolean noXattrs;

    public void setXattrsDisabled(boolean disabled) {
        noXattrs = disabled;
    }

    private void xattrsEnabled(String path) {
        if (noXattrs) {
            throw new ErrnoException(Errno.ENOSYS, path);
        }
    }

    /** fuse-overlayfs's owner and mode override xattrs (xattr_permissions=, layer root markers), or null. */
    private volatile StatOverride overrides;

    /**
     * fuse-overlayfs's xattr_permissions=0|1|2: 1 or 2 keep the owners and modes the mount shows in the
     * override xattr of the upper layer; layers whose root carries an override xattr are read with it in
     * every case, as fuse-overlayfs does.
     */
    public void setXattrPermissions(int mode) {
        overrides = StatOverride.open(layers, fs, mode);
    }

    /**
     * The kernel's index option. On: lower hard links stay one inode across copy-up ({@link Index}); the
     * first mount records which layers the index belongs to and later ones check it (a one-line
     * {@link dev.fuseoverlay.options.OptionsException} when they differ). Falls back to off, returning the
     * reason, where the layers cannot encode file handles, as the kernel does. A read-only overlay has no
     * index.
     *
     * @return null, or why the index is off although asked for (for a warning)
     */
    public String setIndex(boolean on) {
        if (!on || upper == null) {
            lookup.setIndex(null);
            return null;
        }
        String why = Index.unusable(fs, layers);
        if (why != null) {
            lookup.setIndex(null);
            return why + ", falling back to index=off";
        }
        Index ix = new Index(fs, wh, layers, Index.dirFor(layers.workDir()), origins());
        ix.prepare();
        lookup.setIndex(ix);
        return null;
    }

    /**
     * The kernel's metacopy option (its dependency on redirect_dir=on is resolved by MountOptions). On:
     * chmod, chown, utimens, xattr changes and rename copy a lower regular file's metadata only (an upper
     * file of the same size without data, marked with the metacopy xattr); reads go to the lower data until
     * an open for write, a truncate or a link copies the data. Metacopy files written by the kernel read the
     * same way.
     */
    public void setMetacopy(boolean on) {
        if (on) {
            origins();
        }
        lookup.setMetacopy(on);
    }

    private Origins origins() {
        Origins o = lookup.origins();
        if (o == null) {
            o = new Origins(fs, layers);
            lookup.setOrigins(o);
        }
        return o;
    }

    /** Translates owners between the layers and the merged view (null: ids as stored). */
    public void setOwners(Owners owners) {
        this.owners = owners;
    }

    /** Starts (or with null stops) tracing operations and their decisions. */
    public void setTrace(Trace trace) {
        this.trace = trace;
    }

    /**
     * An overlay for looking only (study tools): no mount, nothing prepared or cleaned in work, no
     * change to the process. Its write operations must not be used.
     */
    public static Overlay inspect(LayerStack layers, RealFs fs) {
        return inspect(layers, fs, false);
    }

    /**
     * The same, reading the overlay xattrs of the namespace a mount with these options would use:
     * user.overlay.* with userxattr (or for a user other than root), else trusted.overlay.*.
     */
    public static Overlay inspect(LayerStack layers, RealFs fs, boolean userXattr) {
        for (Layer l : layers.all()) {
            fs.addRoot(l.root());
        }
        return new Overlay(layers, fs, !userXattr && C.geteuid() == 0 ? "trusted" : "user", true, false);
    }

    public Lookup lookup() {
        return lookup;
    }

    public Whiteouts whiteouts() {
        return wh;
    }

    public LayerStack layers() {
        return layers;
    }

    public boolean readOnly() {
        return upper == null;
    }

    // ---- attributes (inode.c) -----------------------------------------------------------------------

    /** Fills a {@code struct stat} for a merged path: the top object's, with the merged inode number and nlink. */
    public void getattr(String path, Pointer st) {
        getattrEntry(path, st);
    }

    /**
     * Like getattr, and returns what the path resolved to: an engine that keeps one kernel inode per
     * object (the /dev/fuse engine) needs to know whether the object is still only in a lower layer.
     */
    public Entry getattrEntry(String path, Pointer st) {
        Lookup.forgetFresh();
        Entry e = lookup.lookup(path);
        if (!lookup.freshTop(e, st)) { // (a lookup made just now has the stat already)
            int err = fs.lstatInto(e.top().real(), st);
            if (err != 0) {
                throw new ErrnoException(err == Errno.ENOTDIR ? Errno.ENOENT : err, path);
            }
        }
        patch(e, st);
        indexNlink(e, st);
        StatOverride so = overrides;
        if (so != null) {
            so.apply(e.top().layer(), e.top().real(), st);
        }
        showOwners(st);
        return e;
    }

    /**
     * index=on: an indexed hard link reports the merged link count recorded with it. metacopy: the blocks
     * are the lower data's, as the kernel reports them (the upper file has none).
     */
    private void indexNlink(Entry e, Pointer st) {
        if (e.metacopy) {
            Stat data = fs.lstat(e.data().real());
            if (data != null) {
                st.putLong(Stat.OFF_BLOCKS, data.blocks);
            }
        }
        Index ix = lookup.index();
        if (ix != null && !e.isDir() && e.top().layer().upper()) {
            st.putLong(Stat.OFF_NLINK, ix.mergedNlink(e.top().real(), st.getLong(Stat.OFF_NLINK), -1));
        }
    }

    /** uid at offset 28 and gid at 32 of struct stat, as the merged view shows them. */
    private void showOwners(Pointer st) {
        Owners o = owners;
        if (o != null) {
            st.putInt(28, o.shownUid(st.getInt(28)));
            st.putInt(32, o.shownGid(st.getInt(32)));
        }
    }

    /** Like getattr, for an open file (its size may be ahead of the path's). */
    public void fgetattr(String path, int fd, Pointer st) {
        int err = fs.fstatInto(fd, st);
        if (err != 0) {
            throw new ErrnoException(err, path);
        }
        Entry e = path == null ? null : lookup.find(path);
        if (e != null && e.metacopy) {
            getattr(path, st); // fd is the lower data's: the metadata is the upper's
            return;
        }
        if (e != null) {
            patch(e, st);
            indexNlink(e, st);
            StatOverride so = overrides;
            if (so != null) {
                so.apply(e.top().layer(), e.top().real(), st);
            }
        }
        showOwners(st);
    }

    private void patch(Entry e, Pointer st) {
        st.putLong(Stat.OFF_INO, e.ino);
        if (e.isMergedDir() || (staticNlink && e.isDir())) {
            st.putLong(Stat.OFF_NLINK, 1); // like the kernel: counting subdirectories across layers is not worth it
        }
    }

    /** The merged stat of a path as an object (for tools and tests). */
    public Stat stat(String path) {
        Entry e = lookup.lookup(path);
        Stat st = fs.lstat(e.top().real());
        if (st == null) {
            throw new ErrnoException(Errno.ENOENT, path);
        }
        return st;
    }

    public void chmod(String path, int mode) {
        Entry e = writableMeta("chmod", path);
        if (e.type == Stat.S_IFLNK) {
            throw new ErrnoException(Errno.EOPNOTSUPP, path);
        }
        StatOverride so = overrides;
        if (so != null && so.upperActive() && (e.isDir() || e.type == Stat.S_IFREG)) {
            int[] cur = so.shown(e.upperPath());
            so.write(e.upperPath(), cur[0], cur[1], e.type | (mode & 07777), false);
            return;
        }
        fs.chmod(e.upperPath(), mode & 07777);
    }

    public void chown(String path, int uid, int gid) {
        Owners o = owners;
        Entry e = writableMeta("chown", path);
        StatOverride so = overrides;
        if (so != null && so.upperActive() && (e.isDir() || e.type == Stat.S_IFREG)) {
            if (o == null || !o.squashed()) {
                int[] cur = so.shown(e.upperPath());
                int u = uid == -1 ? cur[0] : o == null ? uid : o.storedUid(uid);
                int g = gid == -1 ? cur[1] : o == null ? gid : o.storedGid(gid);
                so.write(e.upperPath(), u, g, cur[2], false);
            }
            return;
        }
        if (o == null) {
            fs.lchown(e.upperPath(), uid, gid);
        } else if (!o.squashed()) {
            fs.lchown(e.upperPath(), o.storedUid(uid), o.storedGid(gid));
        }
    }

    /** times: {atime sec, nsec, mtime sec, nsec}, UTIME_NOW/UTIME_OMIT allowed in nsec. */
    public void utimens(String path, long[] times) {
        fs.utimens(writableMeta("utimens", path).upperPath(), times);
    }

    public void truncate(String path, long size) {
        Entry e = writable("truncate", path);
        if (e.isDir()) {
            throw new ErrnoException(Errno.EISDIR, path);
        }
        fs.truncate(e.upperPath(), size);
    }

    public String readlink(String path) {
        Entry e = lookup.lookup(path);
        if (e.type != Stat.S_IFLNK) {
            throw new ErrnoException(Errno.EINVAL, path);
        }
        return fs.readlink(e.top().real());
    }

    public void access(String path, int mask) {
        lookup.lookup(path);
        if ((mask & 2) != 0 && upper == null) {
            throw new ErrnoException(Errno.EROFS, path);
        }
    }

    public int statfs(Pointer buf) {
        return fs.statvfsInto(layers.all().get(0).root(), buf);
    }

    /** The object copied up (with parents and data) and ready to change; EROFS on a read-only overlay. */
    private Entry writable(String op, String path) {
        return writable(op, path, false);
    }

    /** Like {@link #writable}, for a change of metadata: with metacopy=on the data may stay below. */
    private Entry writableMeta(String op, String path) {
        return writable(op, path, true);
    }

    private Entry writable(String op, String path, boolean metaOnly) {
        requireWritable(path);
        Trace t = trace;
        StatOverride so = overrides;
        boolean keep = so != null && so.upperActive();
        if (t == null && !keep) {
            return metaOnly ? copyUp.ensureUpperMeta(path) : copyUp.ensureUpper(path);
        }
        Entry before = lookup.lookup(path);
        Entry after = metaOnly ? copyUp.ensureUpperMeta(path) : copyUp.ensureUpper(path);
        if (keep && !before.hasUpper()) {
            keepShownOwner(so, before, after);
        }
        if (t == null) {
            return after;
        }
        String what = op.contains("%s") ? String.format(op, path) : op + " " + path;
        t.line(what + ": " + (before.hasUpper() && before.metacopy && !after.metacopy ? "data of the metacopy copied up"
                : before.hasUpper() ? "already in upper"
                : after.metacopy ? "metadata-only copy-up from " + before.top().layer().label() + " (metacopy=on, data stays there)"
                : before.indexOnly ? "linked up from the index (index=on)"
                : "copy-up " + describe(before) + " from " + before.top().layer().label() + " into upper"));
        return after;
    }

    /**
     * After a copy-up with overrides in upper: the copy records the owner and mode the lower object showed
     * (its real ones, or its own layer's override), and its real mode is widened like a new object's.
     */
    private void keepShownOwner(StatOverride so, Entry before, Entry after) {
        if (!after.isDir() && after.type != Stat.S_IFREG) {
            return;
        }
        Pointer st = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE);
        if (fs.lstatInto(before.top().real(), st) != 0) {
            return;
        }
        so.apply(before.top().layer(), before.top().real(), st);
        so.write(after.upperPath(), st.getInt(28), st.getInt(32), st.getInt(Stat.OFF_MODE), true);
    }

    /** "612 bytes", "directory", "symlink" ... for trace lines. */
    private String describe(Entry e) {
        switch (e.type) {
            case Stat.S_IFREG:
                Stat st = fs.lstat(e.top().real());
                return (st == null ? 0 : st.size) + " bytes";
            case Stat.S_IFDIR: return "directory";
            case Stat.S_IFLNK: return "symlink";
            default: return "special file";
        }
    }

    private void requireWritable(String path) {
        if (upper == null) {
            throw new ErrnoException(Errno.EROFS, path);
        }
    }

    // ---- xattrs ------------------------------------------------------------------------------------

    /** getxattr into a caller's buffer (size 0 asks for the size); returns the size. */
    public long getxattr(String path, String name, Pointer value, long size) {
        xattrsEnabled(path);
        Entry e = lookup.lookup(path);
        if (overrides != null && StatOverride.isOverrideName(name)) {
            throw new ErrnoException(Errno.ENODATA, path); // the overrides' own, hidden as in fuse-overlayfs
        }
        long n = fs.getxattrInto(e.top().real(), wh.realXattrName(name), value, size);
        if (n < 0) {
            throw new ErrnoException((int) -n, path);
        }
        return n;
    }

    /** The xattr names of a merged object as the merged view shows them (the overlay's own hidden). */
    public List<String> listxattr(String path) {
        xattrsEnabled(path);
        Entry e = lookup.lookup(path);
        List<String> out = new ArrayList<>();
        for (String n : fs.listxattr(e.top().real())) {
            String shown = wh.visibleXattrName(n);
            if (shown != null && (overrides == null || !StatOverride.isOverrideName(shown))) {
                out.add(shown);
            }
        }
        return out;
    }

    public void setxattr(String path, String name, Pointer value, long size, int flags) {
        xattrsEnabled(path);
        if (overrides != null && StatOverride.isOverrideName(name)) {
            throw new ErrnoException(Errno.EPERM, path); // fuse-overlayfs refuses its own names too
        }
        fs.setxattr(writableMeta("setxattr " + name, path).upperPath(), wh.realXattrName(name), value, size, flags);
    }

    public void removexattr(String path, String name) {
        if (overrides != null && StatOverride.isOverrideName(name)) {
            throw new ErrnoException(Errno.EPERM, path);
        }
        String real = wh.realXattrName(name);
        Entry e = lookup.lookup(path);
        if (fs.getxattr(e.top().real(), real) == null) {
            throw new ErrnoException(Errno.ENODATA, path);
        }
        fs.removexattr(writableMeta("removexattr " + name, path).upperPath(), real);
    }

    // ---- files (file.c) ----------------------------------------------------------------------------

    /** Opens a merged file; opening for write (or with O_TRUNC) copies it up first. Returns the real fd. */
    public int open(String path, int flags) {
        boolean write = (flags & Native.O_ACCMODE) != Native.O_RDONLY || (flags & Native.O_TRUNC) != 0;
        Entry e = write ? writable("open %s for write", path) : lookup.lookup(path);
        Trace t = trace;
        if (t != null && !write) {
            t.line("open " + path + " for read: served by " + e.top().layer().label());
        }
        if (write && e.isDir()) {
            throw new ErrnoException(Errno.EISDIR, path);
        }
        String real = e.data().real(); // below a metacopy: the lower data
        try {
            return fs.open(real, flags & ~Native.O_NOCTTY);
        } catch (ErrnoException x) {
            if (x.errno() == Errno.ENXIO && Whiteouts.isWhiteout(fs.lstat(real))) {
                // an unlink replaced the copy by a whiteout since the lookup: the file is gone, as if first
                throw new ErrnoException(Errno.ENOENT, path);
            }
            throw x;
        }
    }

    /**
     * Whether a file opened at {@code path} now reads and writes the upper layer's file itself (copied up,
     * or created there, and not a metacopy whose data is still below).
     */
    public boolean dataInUpper(String path) {
        Entry e = lookup.find(path);
        return e != null && !e.isDir() && e.data().layer().upper();
    }

    public long read(int fd, Pointer buf, long size, long offset) {
        long n = C.pread(fd, buf, size, offset);
        if (n < 0) {
            throw new ErrnoException(Native.errno(), "read");
        }
        return n;
    }

    public long write(int fd, Pointer buf, long size, long offset) {
        long n = C.pwrite(fd, buf, size, offset);
        if (n < 0) {
            throw new ErrnoException(Native.errno(), "write");
        }
        return n;
    }

    public void release(int fd) {
        fs.close(fd);
    }

    public void fsync(int fd, boolean dataOnly) {
        if (fsync && (dataOnly ? C.fdatasync(fd) : C.fsync(fd)) < 0) {
            throw new ErrnoException(Native.errno(), "fsync");
        }
    }

    /**
     * Clears set-user-ID, and set-group-ID where group-executable, after a write, truncate or chown by a
     * caller without CAP_FSETID, where the kernel leaves that to the filesystem (FUSE_HANDLE_KILLPRIV_V2).
     * The server writes as root, which keeps the bits, so it has to clear them itself; the capability xattr
     * goes by itself (the upper filesystem drops it on any write or chown). {@code path} may be null (an
     * unlinked file: its descriptor {@code fd}); {@code fd} may be -1 (no open file). Returns whether the
     * mode changed (the kernel's cached attributes then need dropping).
     */
    public boolean dropSetid(String path, int fd) {
        Entry e = path == null ? null : lookup.find(path);
        StatOverride so = overrides;
        if (so != null && so.upperActive() && e != null && e.hasUpper() && e.type == Stat.S_IFREG) {
            int[] cur = so.shown(e.upperPath());
            int mode = withoutSetid(cur[2]);
            if (mode == cur[2]) {
                return false;
            }
            so.write(e.upperPath(), cur[0], cur[1], mode, false);
            return true;
        }
        Stat st = fd >= 0 ? fs.fstat(fd) : e != null && e.hasUpper() ? fs.lstat(e.upperPath()) : null;
        if (st == null || !st.isReg() || withoutSetid(st.mode) == st.mode) {
            return false;
        }
        if (fd >= 0) {
            fs.fchmod(fd, withoutSetid(st.mode) & 07777);
        } else {
            fs.chmod(e.upperPath(), withoutSetid(st.mode) & 07777);
        }
        return true;
    }

    /** The kernel's rule for a write or truncate: S_ISUID goes; S_ISGID goes with group execute (else it marks locking). */
    static int withoutSetid(int mode) {
        int m = mode & ~Stat.S_ISUID;
        if ((m & (Stat.S_ISGID | 0010)) == (Stat.S_ISGID | 0010)) {
            m &= ~Stat.S_ISGID;
        }
        return m;
    }

    public void ftruncate(int fd, long size) {
        if (C.ftruncate(fd, size) < 0) {
            throw new ErrnoException(Native.errno(), "ftruncate");
        }
    }

    public void fallocate(int fd, int mode, long offset, long len) {
        if (C.fallocate(fd, mode, offset, len) < 0) {
            throw new ErrnoException(Native.errno(), "fallocate");
        }
    }

    // ---- directories and names (dir.c) -------------------------------------------------------------

    public List<DirItem> readdir(String path) {
        Entry e = lookup.lookup(path);
        if (!e.isDir()) {
            throw new ErrnoException(Errno.ENOTDIR, path);
        }
        return merge.list(e);
    }

    /** Creates and opens a regular file; returns the real fd. */
    public int create(String path, int mode, int flags, Caller who) {
        int[] fd = {-1};
        try {
            createObject("create", path, Stat.S_IFREG, who, real -> fd[0] = fs.create(real, flags & ~Native.O_NOCTTY, mode & 07777));
        } catch (RuntimeException e) {
            if (fd[0] >= 0) {
                fs.close(fd[0]); // the file was made but could not be put in place: do not leak its descriptor
            }
            throw e;
        }
        return fd[0];
    }

    public void mkdir(String path, int mode, Caller who) {
        createObject("mkdir", path, Stat.S_IFDIR, who, real -> fs.mkdir(real, mode & 07777));
    }

    public void mknod(String path, int mode, long rdev, Caller who) {
        if ((mode & Stat.S_IFMT) == Stat.S_IFREG || (mode & Stat.S_IFMT) == 0) {
            createObject("mknod", path, Stat.S_IFREG, who, real -> fs.close(fs.create(real, Native.O_WRONLY, mode & 07777)));
        } else {
            createObject("mknod", path, mode & Stat.S_IFMT, who, real -> fs.mknod(real, mode, rdev));
        }
    }

    public void symlink(String target, String path, Caller who) {
        createObject("symlink", path, Stat.S_IFLNK, who, real -> fs.symlink(target, real));
    }

    /** A new name for an existing non-directory: the source is copied up and linked in upper. */
    public void link(String from, String to) {
        requireWritable(to);
        ns.lock();
        try {
            Entry src = lookup.lookup(from);
            if (src.isDir()) {
                throw new ErrnoException(Errno.EPERM, from);
            }
            String srcReal;
            if (lookup.metacopy() && src.type == Stat.S_IFREG) {
                // metacopy=on (the kernel's ovl_link): the metadata is copied up, and a metacopy gets an
                // absolute redirect so that every name of it finds the data
                Entry up = writableMeta("link source", from);
                srcReal = up.upperPath();
                String existing = up.metacopy ? wh.readRedirect(srcReal) : null;
                if (up.metacopy && (existing == null || !existing.startsWith("/"))) {
                    wh.writeRedirect(srcReal, redirectPath(up));
                }
            } else {
                srcReal = writable("link source", from).upperPath();
            }
            createObject("link", to, src.type, null, real -> fs.link(srcReal, real));
            lookup.invalidate(from); // no longer a sole name: its entry may now change through the new one
        } finally {
            ns.unlock();
        }
    }

    private interface Builder {
        void build(String realPath);
    }

    /**
     * The common part of every create (the kernel's {@code ovl_create_object}): the parent is copied up; a
     * new object over a whiteout is built in work and swapped in, so the whiteout and the lower object it
     * hid never reappear; a new directory where a lower layer has something is opaque.
     *
     * @param who owner of the new object, or null to keep what the builder made (link)
     */
    private void createObject(String op, String path, int type, Caller who, Builder builder) {
        requireWritable(path);
        String name = checkNewName(path);
        ns.lock();
        try {
            Entry parent = copyUp.ensureUpper(Entry.parentOf(path));
            if (!parent.isDir()) {
                throw new ErrnoException(Errno.ENOTDIR, path);
            }
            Lookup.Miss miss = new Lookup.Miss();
            if (lookup.child(parent, name, miss) != null) {
                throw new ErrnoException(Errno.EEXIST, path);
            }
            String dst = upper.real(path);
            // what upper holds at the name, as the lookup just saw it (only a whiteout can be there while the
            // name is not visible); probed again only for a reserved name, which the lookup does not probe
            boolean overWhiteout = miss.probed ? miss.whiteout : fs.lstat(dst) != null;
            boolean aufs = miss.probed && !miss.whiteout ? miss.aufs : wh.hasAufsWhiteout(parent.upperPath(), name);
            // as the kernel, a new directory in a merged parent is opaque where offline changes are refused
            boolean opaque = type == Stat.S_IFDIR && (overWhiteout || aufs || lowerPositive(parent, name)
                    || (parent.hasLower() && offlineChangesRefused()));
            Stat made; // the new object as setOwner saw it (its inode stays the same through a rename)
            if (!overWhiteout && !opaque) {
                builder.build(dst);
                made = setOwner(dst, type, parent, who);
            } else {
                String tmp = copyUp.tempName();
                builder.build(tmp);
                try {
                    made = setOwner(tmp, type, parent, who);
                    if (opaque) {
                        wh.setOpaque(tmp);
                    }
                    if (overWhiteout) {
                        replaceWhiteout(tmp, dst, type == Stat.S_IFDIR);
                    } else {
                        fs.rename(tmp, dst);
                    }
                } catch (RuntimeException ex) {
                    fs.removeTree(tmp);
                    throw ex;
                }
            }
            if (aufs) {
                fs.unlink(parent.upperPath() + "/" + Whiteouts.PREFIX + name);
            }
            if (who != null && made == null) {
                made = fs.lstat(dst);
            }
            if (who != null && made != null) { // (a link's entry is its source's: looked up anew)
                lookup.created(path, dst, made, opaque);
            } else {
                lookup.invalidate(path);
            }
            Trace t = trace;
            if (t != null) {
                t.line(op + " " + path + ": created in upper"
                        + (overWhiteout || aufs ? ", replacing the whiteout that hid a lower copy" : "")
                        + (opaque ? "; opaque, so the lower directory's entries stay hidden" : ""));
            }
        } finally {
            ns.unlock();
        }
    }

    /** Moves a new object from work over a whiteout in upper, atomically where the filesystem can. */
    private void replaceWhiteout(String tmp, String dst, boolean dir) {
        if (!dir) {
            fs.rename(tmp, dst); // a non-directory replaces the whiteout in one rename
            return;
        }
        int err = fs.tryRename2(tmp, dst, Native.RENAME_EXCHANGE);
        if (err == 0) {
            fs.unlink(tmp); // now the old whiteout
        } else if (err == Errno.EINVAL || err == Errno.ENOSYS) {
            fs.unlink(dst);
            fs.rename(tmp, dst);
        } else {
            throw new ErrnoException(err, "rename " + RealFs.printable(dst));
        }
    }

    /**
     * New objects belong to the caller; the group follows a set-group-ID parent as on any Unix filesystem.
     * Returns the object's stat where it was read (its owner may be older than the chown that followed), or null.
     */
    private Stat setOwner(String real, int type, Entry parent, Caller who) {
        StatOverride so = overrides;
        if (who != null && so != null && so.upperActive() && (type == Stat.S_IFDIR || type == Stat.S_IFREG)) {
            // the real object stays the server's; the owner the mount shows goes to the override xattr
            int[] p = so.shown(parent.upperPath());
            boolean sgid = (p[2] & Stat.S_ISGID) != 0;
            Owners o = owners;
            int uid = o == null ? who.uid() : o.storedUid(who.uid());
            int gid = sgid ? p[1] : o == null ? who.gid() : o.storedGid(who.gid());
            Stat st = fs.lstat(real);
            so.write(real, uid, gid, st.mode | (sgid && type == Stat.S_IFDIR ? Stat.S_ISGID : 0), true);
            return st;
        }
        if (who == null || !root) {
            return null;
        }
        Stat p = fs.lstat(parent.upperPath());
        boolean sgid = p != null && (p.mode & Stat.S_ISGID) != 0;
        Owners o = owners;
        int uid = o == null ? who.uid() : o.storedUid(who.uid());
        int gid = sgid ? p.gid : o == null ? who.gid() : o.storedGid(who.gid());
        Stat st = fs.lstat(real);
        if (st.uid != uid || st.gid != gid) { // (made by the caller's own ids, e.g. root's: nothing to change)
            fs.lchown(real, uid, gid);
            if (st.isReg() && (st.mode & (Stat.S_ISUID | Stat.S_ISGID)) != 0) {
                // chown clears a file's set-id bits; the caller asked for them (the kernel creates the
                // object with the caller's ids instead, and its VFS has already stripped what it may not have)
                fs.chmod(real, st.mode & 07777);
            }
        }
        if (sgid && type == Stat.S_IFDIR && (st.mode & Stat.S_ISGID) == 0) {
            fs.chmod(real, st.perm() | Stat.S_ISGID);
        }
        return st;
    }

    /** Whether a layer below upper has a visible object at parent/name (the kernel's ovl_lower_positive). */
    private boolean lowerPositive(Entry parent, String name) {
        return lowerHolder(parent, name) != null;
    }

    /** The topmost lower layer with a visible object at parent/name, or null. */
    private Layer lowerHolder(Entry parent, String name) {
        for (LayerPath dir : parent.stack) {
            if (dir.layer().upper()) {
                continue;
            }
            Stat st = fs.lstat(dir.real() + "/" + name);
            if (st == null) {
                if (wh.hasAufsWhiteout(dir.real(), name)) {
                    return null;
                }
                continue;
            }
            return st.isWhiteoutDevice() ? null : dir.layer();
        }
        return null;
    }

    private static String checkNewName(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (name.length() > 255) {
            throw new ErrnoException(Errno.ENAMETOOLONG, path);
        }
        if (Whiteouts.isReservedName(name)) {
            throw new ErrnoException(Errno.EINVAL, path); // would be read back as a whiteout
        }
        return name;
    }

    /** Removes a non-directory: an upper copy is removed, and a whiteout hides what lower layers still have. */
    public void unlink(String path) {
        requireWritable(path);
        ns.lock();
        try {
            Entry e = nonDirectory(path);
            Entry parent = lookup.lookup(Entry.parentOf(path));
            String what = removeAndWhiteout(e, parent);
            lookup.invalidate(path);
            Trace t = trace;
            if (t != null) {
                t.line("unlink " + path + ": " + what);
            }
        } finally {
            ns.unlock();
        }
    }

    private Entry nonDirectory(String path) {
        Entry e = lookup.lookup(path);
        if (e.isDir()) {
            throw new ErrnoException(Errno.EISDIR, path);
        }
        return e;
    }

    /** A removed file that is still open: a descriptor of its real object and its merged inode number. */
    public record Detached(int fd, long ino, boolean upper) {}

    /**
     * Unlinks a file that is still open somewhere, keeping a handle on it so that its attributes can still be
     * answered (with nlink 0, as the kernel does). The caller closes {@code fd} when the last user is gone.
     */
    public Detached detach(String path) {
        requireWritable(path);
        ns.lock();
        try {
            Entry e = nonDirectory(path);
            if (e.metacopy) {
                // the detached handle must lead to data and metadata alike: a metacopy gets its data first
                e = copyUp.ensureUpper(path);
            }
            int fd = fs.open(e.top().real(), Native.O_PATH);
            try {
                unlink(path);
            } catch (RuntimeException ex) {
                fs.close(fd);
                throw ex;
            }
            return new Detached(fd, e.ino, e.hasUpper());
        } finally {
            ns.unlock();
        }
    }

    /**
     * Opens a detached file again (open of /proc/PID/fd/N). A lower layer is never opened for writing: such
     * a file was never copied up, and an unlinked file cannot be.
     */
    public int reopenDetached(Detached d, int flags) {
        boolean write = (flags & Native.O_ACCMODE) != Native.O_RDONLY || (flags & Native.O_TRUNC) != 0;
        if (write && !d.upper()) {
            throw new ErrnoException(Errno.EROFS, "reopen of an unlinked lower file for writing");
        }
        int fd = C.open(Native.cstr("/proc/self/fd/" + d.fd()), (flags & ~(Native.O_CREAT | Native.O_EXCL | Native.O_NOCTTY)) | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new ErrnoException(Native.errno(), "reopen");
        }
        return fd;
    }

    /**
     * chmod, chown and utimens of a detached file (fchmod(2) and the like after its last name went), made
     * through its descriptor. Only an upper file: a lower one was never copied up and cannot be once its
     * name is gone, and its layer is never written (ENOENT, as for the name). With xattr_permissions the
     * owner and mode live in a path's xattr: ENOENT there too.
     */
    public void chmodDetached(Detached d, int mode) {
        fs.chmodOpen(detachedUpper(d), mode & 07777);
    }

    public void chownDetached(Detached d, int uid, int gid) {
        int fd = detachedUpper(d);
        Owners o = owners;
        if (o == null) {
            fs.chownOpen(fd, uid, gid);
        } else if (!o.squashed()) {
            fs.chownOpen(fd, o.storedUid(uid), o.storedGid(gid));
        }
    }

    public void utimensDetached(Detached d, long[] times) {
        fs.utimensOpen(detachedUpper(d), times);
    }

    /**
     * An O_PATH descriptor of a merged path's upper object, to serve it once its name is gone (as
     * {@link #detach} keeps one); the caller closes it with {@link #release}.
     */
    public int holdUpper(String path) {
        Entry e = lookup.lookup(path);
        if (e.metacopy) {
            e = copyUp.ensureUpper(path); // as in detach: the handle must lead to data and metadata alike
        }
        return fs.open(e.upperPath(), Native.O_PATH | Native.O_CLOEXEC);
    }

    /** Whether a detached upper file still has links: names elsewhere that its caller has not met. */
    public boolean stillLinked(Detached d) {
        return d.upper() && fs.fstat(d.fd()).nlink > 0;
    }

    private int detachedUpper(Detached d) {
        requireWritable("(unlinked)");
        StatOverride so = overrides;
        if (!d.upper() || so != null && so.upperActive()) {
            throw new ErrnoException(Errno.ENOENT, "change of an unlinked " + (d.upper() ? "file" : "lower file"));
        }
        return d.fd();
    }

    /**
     * Attributes of a detached file: its real object's, with the merged inode number; a lower file shows no
     * links left, an upper one its own count (0, or the links it has under other names).
     */
    public void getattrDetached(Detached d, Pointer st) {
        int err = fs.fstatInto(d.fd(), st);
        if (err != 0) {
            throw new ErrnoException(err, "fstat");
        }
        st.putLong(Stat.OFF_INO, d.ino());
        if (!d.upper()) {
            st.putLong(Stat.OFF_NLINK, 0);
        }
        showOwners(st);
    }

    /** Removes an empty merged directory: its upper part (holding only whiteouts) goes, a whiteout hides the rest. */
    public void rmdir(String path) {
        requireWritable(path);
        if (path.equals("/")) {
            throw new ErrnoException(16 /* EBUSY */, path);
        }
        ns.lock();
        try {
            Entry e = lookup.lookup(path);
            if (!e.isDir()) {
                throw new ErrnoException(Errno.ENOTDIR, path);
            }
            List<DirItem> left = merge.list(e);
            Trace t = trace;
            if (!left.isEmpty()) {
                if (t != null) {
                    DirItem first = left.get(0);
                    t.line("rmdir " + path + ": ENOTEMPTY, the merged directory still shows " + first.name()
                            + " (from " + first.layer().label() + ")" + (left.size() > 1 ? " and " + (left.size() - 1) + " more" : ""));
                }
                throw new ErrnoException(Errno.ENOTEMPTY, path);
            }
            String what = removeAndWhiteout(e, lookup.lookup(Entry.parentOf(path)));
            lookup.invalidate(path);
            if (t != null) {
                t.line("rmdir " + path + ": " + what);
            }
        } finally {
            ns.unlock();
        }
    }

    /**
     * The kernel's ovl_remove_and_whiteout / ovl_remove_upper.
     *
     * @return what was done, for the trace
     */
    private String removeAndWhiteout(Entry e, Entry parent) {
        String indexEntry = null;
        Index ix = lookup.index();
        if (ix != null && !e.isDir()) {
            // like the kernel's ovl_nlink_start: a lower hard link is copied (linked) up before a name of it
            // goes, so the merged link count kept with its index entry stays right; the entry goes with the
            // last name
            if (!e.hasUpper() && (e.indexOnly || nlink(e) > 1)) {
                e = copyUp.ensureUpper(e.path);
            }
            if (e.hasUpper()) {
                indexEntry = ix.entryOf(e.upperPath());
            }
        }
        try {
            return removeAndWhiteout0(e, parent);
        } finally {
            if (indexEntry != null) {
                ix.dropIfOrphan(indexEntry);
            }
        }
    }

    private long nlink(Entry e) {
        Stat st = fs.lstat(e.top().real());
        return st == null ? 0 : st.nlink;
    }

    private String removeAndWhiteout0(Entry e, Entry parent) {
        Layer holder = lowerHolder(parent, e.name());
        String dst = upper.real(e.path);
        if (!e.hasUpper()) {
            copyUp.ensureUpper(parent.path);
            // a copy-up takes no namespace lock: under its lock for this path, either it has linked its copy
            // into place (then that copy goes, below) or it will find the whiteout and make none
            java.util.concurrent.locks.ReentrantLock lock = copyUp.lockOf(e.path);
            Entry now;
            lock.lock();
            try {
                lookup.invalidate(e.path);
                now = lookup.lookup(e.path);
                if (!now.hasUpper()) {
                    wh.create(dst);
                    lookup.invalidate(e.path); // a copy-up waiting for the lock must find the whiteout
                    return "found in " + e.top().layer().label() + ", whiteout created in upper (nothing copied)";
                }
            } finally {
                lock.unlock();
            }
            return removeAndWhiteout0(now, parent);
        }
        if (holder == null) {
            if (e.isDir()) {
                dropDir(dst); // may still hold whiteouts of a lower directory that is gone
            } else {
                fs.unlink(dst);
            }
            return "only in upper, removed";
        }
        String replaced = "upper copy replaced by a whiteout (" + holder.label() + " still has it)";
        // replace the upper object by a whiteout in one step: build the whiteout in work, swap, drop the old
        String tmp = copyUp.tempName();
        if (wh.devices() && wh.tryDevice(tmp) == 0) {
            if (!e.isDir()) {
                fs.rename(tmp, dst);
                return replaced;
            }
            if (fs.tryRename2(tmp, dst, Native.RENAME_EXCHANGE) == 0) {
                fs.removeTree(tmp);
                return replaced;
            }
            fs.unlink(tmp);
        }
        // no device nodes or no exchange here: two steps
        if (e.isDir()) {
            dropDir(dst);
        } else {
            fs.unlink(dst);
        }
        wh.create(dst);
        return replaced;
    }

    /** Removes an upper directory with whatever whiteouts it holds, moving it to work first. */
    private void dropDir(String dir) {
        String tmp = copyUp.tempName();
        fs.rename(dir, tmp);
        fs.removeTree(tmp);
    }

    /**
     * Renames like the kernel with redirect_dir=off: a non-directory is copied up and moved in upper, the
     * source name whited out if a lower layer still has it; a directory moves only if it lives in upper
     * alone, otherwise EXDEV (tools then copy). A directory that replaces one with lower parts becomes opaque.
     */
    public void rename(String from, String to) {
        requireWritable(to);
        String toName = checkNewName(to);
        ns.lock();
        try {
            Entry src = lookup.lookup(from);
            if (from.equals(to)) {
                return;
            }
            Entry dstParent = lookup.lookup(Entry.parentOf(to));
            if (!dstParent.isDir()) {
                throw new ErrnoException(Errno.ENOTDIR, to);
            }
            Entry dst = lookup.child(dstParent, toName);
            if (dst != null) {
                if (src.isDir() && !dst.isDir()) {
                    throw new ErrnoException(Errno.ENOTDIR, to);
                }
                if (!src.isDir() && dst.isDir()) {
                    throw new ErrnoException(Errno.EISDIR, to);
                }
                if (dst.isDir() && !merge.isEmpty(dst)) {
                    throw new ErrnoException(Errno.ENOTEMPTY, to);
                }
                if (sameObject(src, dst)) {
                    return; // two names of one file: POSIX says do nothing
                }
            }
            String dstIndex = null;
            Index ix = lookup.index();
            if (ix != null && dst != null && !dst.isDir()) {
                // the replaced name is one name less of its object: as in unlink, an indexed one is linked up first
                if (!dst.hasUpper() && (dst.indexOnly || nlink(dst) > 1)) {
                    dst = copyUp.ensureUpper(to);
                }
                dstIndex = dst.hasUpper() ? ix.entryOf(dst.upperPath()) : null;
            }
            renameChecked(src, from, to, toName, dstParent, dst);
            if (dstIndex != null) {
                ix.dropIfOrphan(dstIndex);
            }
        } finally {
            ns.unlock();
        }
    }

    /** rename once the target is known to be replaceable. */
    private void renameChecked(Entry src, String from, String to, String toName, Entry dstParent, Entry dst) {
        {
            Trace t = trace;
            boolean redirect = src.isDir() && src.hasLower() && redirectCreate;
            if (src.isDir() && src.hasLower() && !redirect) {
                if (t != null) {
                    t.line("rename " + from + " -> " + to + ": EXDEV, the directory has parts in "
                            + src.stack[src.stack.length - 1].layer().label()
                            + " (redirect_dir=off); tools such as mv then copy it");
                }
                throw new ErrnoException(Errno.EXDEV, from);
            }
            Entry srcParent = lookup.lookup(Entry.parentOf(from));
            Layer srcHolder = lowerHolder(srcParent, src.name());
            boolean srcWhiteout = srcHolder != null;
            String how = t == null || src.hasUpper() ? "in upper" : "copy-up " + describe(src) + " from " + src.top().layer().label();
            String redirectTo = redirect ? redirectFor(src, from, to) : null; // from the layers as they are now
            String srcReal;
            if (!src.isDir() && lookup.metacopy()) {
                // metacopy=on: a file moves with its metadata only; a metacopy records where its data is, like
                // a directory's redirect (the old name within one directory, else the path from the root)
                Entry up = copyUp.ensureUpperMeta(from);
                srcReal = up.upperPath();
                if (up.metacopy) {
                    redirectTo = redirectFor(up, from, to);
                    redirect = redirectTo != null || wh.readRedirect(srcReal) != null;
                }
            } else {
                srcReal = copyUp.ensureUpper(from).upperPath();
            }
            dstParent = copyUp.ensureUpper(dstParent.path);
            if (redirectTo != null) {
                wh.writeRedirect(srcReal, redirectTo);
            }
            String dstReal = upper.real(to);
            boolean aufs = wh.hasAufsWhiteout(dstParent.upperPath(), toName);
            if (src.isDir() && !redirect && (lowerPositive(dstParent, toName) || aufs)) {
                // a directory without lower parts must hide what lower layers hold at its new name; one with a
                // redirect finds its own lower parts through it instead, and opaque would hide those too
                wh.setOpaque(srcReal);
            }
            if (dst != null && dst.isDir() && dst.hasUpper()) {
                dropDir(dstReal); // it holds only whiteouts; the moved directory is opaque where that matters
            }
            Stat at = fs.lstat(dstReal);
            if (src.isDir() && at != null && at.isWhiteoutDevice()) {
                // a directory cannot be renamed over a device: swap, then the whiteout sits at the source
                int x = fs.tryRename2(srcReal, dstReal, Native.RENAME_EXCHANGE);
                if (x != 0) {
                    fs.unlink(dstReal);
                    fs.rename(srcReal, dstReal);
                    if (srcWhiteout) {
                        wh.create(srcReal);
                    }
                } else if (!srcWhiteout) {
                    fs.unlink(srcReal);
                }
            } else if (srcWhiteout) {
                int x = wh.devices() ? fs.tryRename2(srcReal, dstReal, Native.RENAME_WHITEOUT) : Errno.EINVAL;
                if (x != 0) {
                    fs.rename(srcReal, dstReal);
                    wh.create(srcReal);
                }
            } else {
                fs.rename(srcReal, dstReal);
            }
            if (aufs) {
                fs.unlink(dstParent.upperPath() + "/" + Whiteouts.PREFIX + toName);
            }
            if (src.isDir()) {
                lookup.invalidateTree(from);
                lookup.invalidateTree(to);
            } else {
                lookup.invalidate(from);
                lookup.invalidate(to);
            }
            if (t != null) {
                t.line("rename " + from + " -> " + to + ": " + how + ", moved in upper"
                        + (redirect ? " with a redirect to " + (redirectTo != null ? redirectTo : "its existing one") + " (redirect_dir=on)" : "")
                        + (dst != null ? ", replacing " + to + " (from " + dst.top().layer().label() + ")" : "")
                        + (srcWhiteout ? ", whiteout left at " + from + " (" + srcHolder.label() + " still has it)" : ""));
            }
        }
    }

    /**
     * The redirect a directory with lower parts gets when it moves, as the kernel computes it
     * (ovl_set_redirect): an existing upper redirect is kept when it still holds (same directory, or
     * absolute); within one directory it is the old name; elsewhere the path from the root, built from each
     * ancestor's upper redirect or name. Null: keep the existing one.
     */
    private String redirectFor(Entry src, String from, String to) {
        boolean samedir = Entry.parentOf(from).equals(Entry.parentOf(to));
        String existing = src.hasUpper() ? wh.readRedirect(src.upperPath()) : null;
        if (existing != null && (samedir || existing.startsWith("/"))) {
            return null;
        }
        return samedir ? src.name() : redirectPath(src);
    }

    /** A merged path as lower layers know it: each ancestor's upper redirect, or its name. */
    private String redirectPath(Entry e) {
        if (e.path.equals("/")) {
            return "/";
        }
        String r = e.hasUpper() ? wh.readRedirect(e.upperPath()) : null;
        if (r != null && r.startsWith("/")) {
            return r;
        }
        return Entry.child(redirectPath(lookup.lookup(Entry.parentOf(e.path))), r != null ? r : e.name());
    }

    /**
     * Whether two names are one object for rename's "do nothing" rule, as the kernel's overlay inodes are:
     * two names of a lower hard link are two inodes there unless index=on (copy-up would part them), so
     * renaming one over the other is a real rename.
     */
    private boolean sameObject(Entry a, Entry b) {
        if (lookup.index() == null && !a.hasUpper() && !b.hasUpper()) {
            return false;
        }
        Stat sa = fs.lstat(a.top().real());
        Stat sb = fs.lstat(b.top().real());
        return sa != null && sb != null && sa.dev == sb.dev && sa.ino == sb.ino;
    }
}
