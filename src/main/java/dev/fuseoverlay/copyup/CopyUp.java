package dev.fuseoverlay.copyup;

import dev.fuseoverlay.layer.Layer;
import dev.fuseoverlay.lookup.Entry;
import dev.fuseoverlay.lookup.Index;
import dev.fuseoverlay.lookup.Lookup;
import dev.fuseoverlay.lookup.Origins;
import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import dev.fuseoverlay.whiteout.OriginHandle;
import dev.fuseoverlay.whiteout.Whiteouts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Copy-up, like the kernel's {@code copy_up.c}: before a lower object is changed, it is copied into the
 * upper layer with its data (holes kept), owner, mode, xattrs (except the overlay's own) and timestamps.
 * Parents are copied first, each with its metadata. The copy is built under {@code work/} and put into upper
 * in one step, so upper never holds a partial object: a regular file is built unnamed (O_TMPFILE) and linked
 * into place, as the kernel does where it can; other objects, and files where the upper filesystem has no
 * unnamed files, are built under a temporary name and renamed. The parent's timestamps are restored after.
 *
 * <p>Locking: one lock per path (striped), held only for that path's copy; parents are copied before the
 * lock is taken, so no thread ever holds two copy-up locks. Whoever gets the lock second finds the work done.
 */
public final class CopyUp {
    private static final int STRIPES = 256;
    private final RealFs fs;
    private final Lookup lookup;
    private final Whiteouts wh;
    private final Layer upper;
    private final String work;
    private final Durability durability;
    private final boolean root = Native.C.geteuid() == 0;
    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
    private final AtomicLong counter = new AtomicLong();
    /** Regular files are built unnamed (O_TMPFILE) until the upper filesystem or /proc says it cannot. */
    volatile boolean unnamed = true; // (tests turn it off to take the named way)

    public CopyUp(RealFs fs, Lookup lookup, Whiteouts wh, boolean fsync) {
        this.fs = fs;
        this.lookup = lookup;
        this.wh = wh;
        this.upper = lookup.layers().upper();
        this.work = lookup.layers().workDir();
        this.durability = Durability.of(fsync, fs.fsType(upper.root()), () -> Durability.ext4Journal(upper.dev()));
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    /**
     * How a copied-up file's data is made safe before the one step that makes it count (the rename out of
     * the work directory, or the removal of a metacopy mark): after a crash the file must show its old state
     * or its whole data, never a file of the right name with its data missing.
     *
     * <p>The kernel fsyncs each copied-up file ({@code FSYNC}); the price is a journal commit and a device
     * cache flush per file (on this kind of VM, 0.23 ms of the 0.26 ms a 4 KiB copy takes). On ext4 and XFS the
     * same guarantee holds with {@code ORDERED}: write the data back and wait for it ({@link RealFs#writeBack})
     * before that step. Writeback records the blocks and size in the running journal transaction, and the
     * journal commits transactions in order, so the rename or xattr removal that follows commits with them
     * or later, and that commit's flush covers data that already reached the device (ext4's unwritten-extent
     * conversion and XFS's size update are logged before the pages leave writeback). Only with a journal:
     * an ext4 made without one (or one whose journal cannot be seen here) keeps fsync, as do other
     * filesystems (btrfs records extents after writeback ends; network and FUSE uppers have no such order).
     * {@code fsync=0}/{@code volatile}: {@code NONE}.
     */
    enum Durability {
        NONE, FSYNC, ORDERED;

        static final long EXT4 = 0xEF53, XFS = 0x58465342;

        static Durability of(boolean fsync, long upperFsType, BooleanSupplier ext4Journal) {
            if (!fsync) {
                return NONE;
            }
            return upperFsType == XFS || (upperFsType == EXT4 && ext4Journal.getAsBoolean()) ? ORDERED : FSYNC;
        }

        /**
         * Whether the ext4 filesystem on device {@code dev} has a journal: ext4 lists its data mode
         * ({@code data=ordered|journal|writeback}) in /proc/fs/ext4/DEV/options only then. False when that
         * cannot be read (no /proc or /sys in a container, the device not found): fsync is never wrong.
         */
        static boolean ext4Journal(long dev) {
            try {
                Path block = Files.readSymbolicLink(Path.of("/sys/dev/block/" + Stat.major(dev) + ":" + Stat.minor(dev)));
                Path options = Path.of("/proc/fs/ext4", block.getFileName().toString(), "options");
                return Files.readAllLines(options).stream().anyMatch(l -> l.startsWith("data="));
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        void settle(RealFs fs, int fd) {
            switch (this) {
                case FSYNC -> fs.fsync(fd);
                case ORDERED -> fs.writeBack(fd);
                default -> { }
            }
        }
    }

    Durability durability() {
        return durability;
    }

    /** A fresh name in the work directory for building an object. */
    public String tempName() {
        return work + "/#fo" + Long.toHexString(counter.incrementAndGet());
    }

    /** Makes sure a merged path has its object in the upper layer; returns the entry as it is after. */
    public Entry ensureUpper(String path) {
        return ensure(path, false);
    }

    /**
     * Like {@link #ensureUpper}, for a change of metadata only (chmod, chown, utimens, xattrs, rename): with
     * metacopy=on a lower regular file is copied without its data, as the kernel's ovl_copy_up_flags(0)
     * does; the returned entry may be a {@link Entry#metacopy}.
     */
    public Entry ensureUpperMeta(String path) {
        return ensure(path, true);
    }

    private static boolean done(Entry e, boolean metaOnly) {
        return e.hasUpper() && (metaOnly || !e.metacopy);
    }

    private Entry ensure(String path, boolean metaOnly) {
        Entry e = lookup.lookup(path);
        if (done(e, metaOnly)) {
            return e;
        }
        if (!e.hasUpper()) {
            ensureUpper(Entry.parentOf(path));
        }
        ReentrantLock lock = lockOf(path);
        lock.lock();
        try {
            e = lookup.lookup(path);
            if (done(e, metaOnly)) {
                return e;
            }
            if (!e.hasUpper()) {
                copy(e, metaOnly && lookup.metacopy() && e.type == Stat.S_IFREG);
                lookup.invalidate(path);
                e = lookup.lookup(path);
            }
            if (!done(e, metaOnly)) {
                copyData(e); // a metacopy (perhaps just linked up from the index) needs its data now
                lookup.invalidate(path);
                e = lookup.lookup(path);
            }
            return e;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The lock a copy-up of {@code path} holds from its decision to its link into place: a whiteout made for
     * a lower-only path under it cannot meet a copy landing at the same name (both whiteout formats).
     */
    public ReentrantLock lockOf(String path) {
        return locks[(path.hashCode() & 0x7fffffff) % STRIPES];
    }

    /**
     * Gives a metacopy its data (the kernel's ovl_copy_up_meta_inode_data): the lower data is copied into
     * the upper file in place, its times kept, then the metacopy mark goes; origin and redirect stay.
     */
    private void copyData(Entry e) {
        String up = e.upperPath();
        if (wh.readOrigin(up) == -1) {
            // a metacopy the kernel wrote carries only its own origin handle: without ours, the file would
            // show its upper inode number once it is no longer a metacopy, not the one it had until now
            Stat st = fs.lstat(up);
            if (st != null && st.nlink == 1) {
                wh.writeOrigin(up, e.ino);
            }
        }
        fillData(e.data().real(), up);
    }

    private void fillData(String data, String up) {
        int in = fs.open(data, Native.O_RDONLY);
        try {
            int out = fs.open(up, Native.O_WRONLY);
            try {
                Stat st = fs.fstat(out);
                fs.copyData(in, out, st.size, false);
                fs.futimens(out, times(st));
                durability.settle(fs, out); // before the metacopy mark goes
            } finally {
                fs.close(out);
            }
        } finally {
            fs.close(in);
        }
        wh.clearMetacopy(up);
    }

    private void copy(Entry e, boolean metaOnly) {
        String parent = upper.real(Entry.parentOf(e.path));
        Stat parentSt = fs.lstat(parent);
        Index index = lookup.index();
        if (e.indexOnly) {
            // another name of this lower hard link was copied up already: link its index entry here
            index.linkUp(e.top().real(), upper.real(e.path));
            restoreTimes(parent, parentSt);
            return;
        }
        String src = e.top().real();
        Stat st = fs.lstat(src);
        if (st == null) {
            throw new ErrnoException(Errno.ENOENT, "copy-up source vanished: " + RealFs.printable(src));
        }
        OriginHandle origin = null;
        Origins origins = lookup.origins();
        if (origins != null) { // index=on or metacopy=on: the kernel records the origin when it can (ovl_do_copy_up)
            origin = origins.handleOf(src, e.top().layer());
        }
        if (index != null && origin != null && !st.isDir() && st.nlink > 1) {
            copyToIndex(e, src, st, origin, index, metaOnly);
            wh.setImpure(parent);
            restoreTimes(parent, parentSt);
            return;
        }
        // a lower hard link breaks on copy-up (index=off), so only sole names keep the origin's number
        boolean sole = st.isDir() || st.nlink == 1;
        long keep = sole ? e.ino : -1;
        int r = unnamed && st.isReg() && !metaOnly && !e.metacopy
                ? copyUnnamed(src, st, upper.real(e.path), keep, sole ? origin : null) : -1;
        if (r == -1) {
            r = copyNamed(e, src, st, keep, sole ? origin : null, metaOnly);
        }
        if (r == Errno.EEXIST) {
            return; // a whiteout or another copy landed there meanwhile: it wins, this copy is freed
        }
        if (origin != null && sole) {
            wh.setImpure(parent);
        }
        restoreTimes(parent, parentSt);
    }

    /**
     * The copy built under a temporary name in work and renamed into upper (RENAME_NOREPLACE where the
     * filesystem has it): 0, or EEXIST when a whiteout or another copy landed there meanwhile (it wins, this
     * copy is removed).
     */
    private int copyNamed(Entry e, String src, Stat st, long keep, OriginHandle origin, boolean metaOnly) {
        String tmp = tempName();
        try {
            if (metaOnly && !e.metacopy) {
                buildMeta(src, st, tmp, keep);
            } else if (e.metacopy) {
                // a metacopy in a lower layer: its metadata, and the data from the layer below it
                buildMeta(src, st, tmp, keep);
                fillData(e.data().real(), tmp);
            } else {
                build(src, st, tmp, keep);
            }
            if (origin != null) {
                wh.writeOriginHandle(tmp, origin);
            }
            int err = fs.tryRename2(tmp, upper.real(e.path), Native.RENAME_NOREPLACE);
            if (err == Errno.EINVAL || err == Errno.ENOSYS) {
                fs.rename(tmp, upper.real(e.path));
            } else if (err == Errno.EEXIST) {
                removeQuietly(tmp);
                return err;
            } else if (err != 0) {
                throw new ErrnoException(err, "copy-up rename into " + RealFs.printable(upper.real(e.path)));
            }
            return 0;
        } catch (RuntimeException ex) {
            removeQuietly(tmp);
            throw ex;
        }
    }

    /**
     * index=on, a lower hard link (the kernel's ovl_do_copy_up with to_index): the object is copied (data
     * and all) to {@code workdir/index/HEX} with its origin and merged link count, then this name becomes a
     * hard link to it in upper; its other names find it there ({@link Lookup}) and link it in turn.
     */
    private void copyToIndex(Entry e, String src, Stat st, OriginHandle origin, Index index, boolean metaOnly) {
        String entry = index.pathFor(origin);
        if (fs.lstat(entry) == null) {
            String tmp = tempName();
            try {
                if (metaOnly) {
                    buildMeta(src, st, tmp, e.ino); // metacopy=on: the index entry holds the metadata only, as the kernel's
                } else {
                    build(src, st, tmp, e.ino);
                }
                wh.writeOriginHandle(tmp, origin);
                index.setNlink(tmp, st.nlink, 1);
                int err = fs.tryRename2(tmp, entry, Native.RENAME_NOREPLACE);
                if (err == Errno.EEXIST) {
                    removeQuietly(tmp); // another name's copy-up won: link that one
                } else if (err != 0) {
                    throw new ErrnoException(err, "copy-up rename into " + RealFs.printable(entry));
                }
            } catch (RuntimeException ex) {
                removeQuietly(tmp);
                throw ex;
            }
        }
        index.linkUp(entry, upper.real(e.path));
    }

    /**
     * Builds a copy of a real object at {@code dst} (in work), recording {@code originIno} as the number it
     * keeps (none when -1).
     */
    private void build(String src, Stat st, String dst, long originIno) {
        switch (st.type()) {
            case Stat.S_IFDIR:
                fs.mkdir(dst, 0700);
                break;
            case Stat.S_IFREG:
                copyFile(src, st, dst, originIno);
                break;
            case Stat.S_IFLNK:
                fs.symlink(fs.readlink(src), dst);
                break;
            default:
                fs.mknod(dst, st.mode, st.rdev);
        }
        if (st.isReg()) {
            return; // metadata set on the open descriptor in copyFile
        }
        chown(dst, st);
        if (!st.isLink()) {
            fs.chmod(dst, st.perm());
        }
        copyXattrs(src, dst, st.isLink());
        if (originIno != -1) {
            wh.writeOrigin(dst, originIno);
        }
        fs.utimens(dst, times(st));
    }

    /**
     * A metadata-only copy of a regular file (metacopy=on): the same size without data blocks (a hole, as
     * the kernel's), owner, mode, xattrs and times, marked with the metacopy xattr, and {@code originIno}
     * as the number it keeps (none when -1).
     */
    private void buildMeta(String src, Stat st, String dst, long originIno) {
        int out = fs.create(dst, Native.O_WRONLY, 0600);
        try {
            fs.ftruncate(out, st.size);
            chownFd(out, st);
            fs.fchmod(out, st.perm());
            copyXattrs(src, dst, false);
            wh.setMetacopy(dst);
            if (originIno != -1) {
                wh.writeOrigin(out, originIno);
            }
            fs.futimens(out, times(st));
        } finally {
            fs.close(out);
        }
    }

    private void copyFile(String src, Stat st, String dst, long originIno) {
        int in = fs.open(src, Native.O_RDONLY);
        try {
            int out = fs.create(dst, Native.O_WRONLY, 0600);
            try {
                fill(in, out, src, st, dst, originIno, null); // settled before the rename that shows it
            } finally {
                fs.close(out);
            }
        } finally {
            fs.close(in);
        }
    }

    /**
     * A regular file copied the way the kernel does where it can (ovl_copy_up_tmpfile): built unnamed in the
     * work directory (O_TMPFILE) and given its name in upper by one link; no rename, and a crash leaves
     * nothing in work. Returns 0, EEXIST when something took the name meanwhile (it stays; this copy is
     * freed), or -1 where the upper filesystem has no unnamed files or the link cannot be made (no /proc,
     * a security module's no): the caller builds a named copy instead, and so does every later copy-up of
     * this mount. Other errors (a full disk) fail the copy-up, as they would the named way.
     */
    private int copyUnnamed(String src, Stat st, String dst, long originIno, OriginHandle origin) {
        int out = fs.tryTmpfile(work, Native.O_WRONLY, 0600);
        if (out < 0) {
            int e = -out;
            if (e != Errno.EOPNOTSUPP && e != Errno.EISDIR && e != Errno.EINVAL && e != Errno.EPERM) {
                throw new ErrnoException(e, "copy-up of " + RealFs.printable(src) + ": unnamed file in work");
            }
            unnamed = false;
            return -1;
        }
        try {
            int in = fs.open(src, Native.O_RDONLY);
            try {
                fill(in, out, src, st, dst, originIno, origin); // settled before the link that shows it
            } finally {
                fs.close(in);
            }
            int err = fs.tryLinkTmpfile(out, dst);
            if (err == 0 || err == Errno.EEXIST) {
                return err;
            }
            if (err == Errno.ENOSPC || err == Errno.EDQUOT || (err == Errno.ENOENT && Files.isDirectory(Path.of("/proc/self/fd")))) {
                throw new ErrnoException(err, "copy-up link into " + RealFs.printable(dst)); // not the way: the place
            }
            unnamed = false;
            return -1;
        } finally {
            fs.close(out);
        }
    }

    /** Data, owner, mode, xattrs, origin and times of a copy on its open descriptor, then made safe. */
    private void fill(int in, int out, String src, Stat st, String dst, long originIno, OriginHandle origin) {
        fs.copyData(in, out, st.size, st.blocks * 512 >= st.size);
        chownFd(out, st);
        fs.fchmod(out, st.perm()); // after chown, which clears set-id bits
        copyXattrs(src, dst, out, false);
        if (originIno != -1) {
            wh.writeOrigin(out, originIno);
        }
        if (origin != null) {
            wh.writeOriginHandle(out, origin);
        }
        fs.futimens(out, times(st));
        durability.settle(fs, out);
    }

    private void chown(String dst, Stat st) {
        try {
            fs.lchown(dst, st.uid, st.gid);
        } catch (ErrnoException ex) {
            if (root || ex.errno() != Errno.EPERM) {
                throw ex;
            }
            // unprivileged: the copy keeps our own ids (ownership kept in xattrs comes with xattr_permissions)
        }
    }

    private void chownFd(int fd, Stat st) {
        try {
            fs.fchown(fd, st.uid, st.gid);
        } catch (ErrnoException ex) {
            if (root || ex.errno() != Errno.EPERM) {
                throw ex;
            }
        }
    }

    /** Copies every xattr except the overlay's private ones. */
    private void copyXattrs(String src, String dst, boolean symlink) {
        copyXattrs(src, dst, -1, symlink);
    }

    /** @param fd the copy's open descriptor, or -1: set through {@code dst} */
    private void copyXattrs(String src, String dst, int fd, boolean symlink) {
        for (String name : fs.listxattr(src)) {
            if (wh.isOwnXattr(name)) {
                continue;
            }
            byte[] v = fs.getxattr(src, name);
            if (v == null) {
                continue;
            }
            int e = fd >= 0 ? fs.tryFsetxattr(fd, name, v) : fs.trySetxattr(dst, name, v);
            if (e != 0 && !(e == Errno.EPERM && (symlink || !root)) && e != Errno.EOPNOTSUPP) {
                throw new ErrnoException(e, "copy xattr " + name + " to " + RealFs.printable(dst));
            }
        }
    }

    /** Puts back a directory's times after an entry was linked into it (copy-up is not a change of the parent). */
    private void restoreTimes(String dir, Stat before) {
        if (before != null) {
            try {
                fs.utimens(dir, times(before));
            } catch (ErrnoException ignored) {
                // cosmetic: never fail a copy-up for it
            }
        }
    }

    public static long[] times(Stat st) {
        return new long[] {st.atimeSec, st.atimeNsec, st.mtimeSec, st.mtimeNsec};
    }

    private void removeQuietly(String tmp) {
        try {
            fs.removeTree(tmp);
        } catch (RuntimeException ignored) {
            // the next mount cleans work/ anyway
        }
    }
}
