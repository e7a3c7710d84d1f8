package dev.fuseoverlay.fuse.direct;

import static dev.fuseoverlay.realfs.Native.C;

import dev.fuseoverlay.fuse.Mounter;
import dev.fuseoverlay.lookup.Entry;
import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.options.OptionsException;
import dev.fuseoverlay.ops.Caller;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.readdir.DirItem;
import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The /dev/fuse engine: mounts with mount(2) on a descriptor of /dev/fuse and answers the kernel's requests
 * itself, without libfuse. Several threads read requests from the one descriptor and each answers the
 * request it read (a request never changes threads); one reads at a time while a single client talks to
 * the mount, all of them once requests queue up ({@link Turn}). Every request goes through {@link #handle}, the one
 * place where exceptions become {@code -errno}.
 *
 * <p>Nodes are real inodes (one per merged object, see {@link Nodes}), so the kernel's caches are coherent
 * as long as every change goes through this mount: names and attributes are cached for a day unless
 * {@code timeout=}/{@code attr_timeout=} say otherwise. Data: READ preads from the real descriptor straight
 * into the reply buffer, WRITE pwrites straight from the request buffer; requests are up to 1 MiB.
 */
public final class DevFuse {
    static final int MAX_WRITE = 1 << 20;
    /** A request buffer: header, fuse_write_in and the largest write, with room to spare. */
    static final int BUFFER = MAX_WRITE + 8192;
    /** Default cache time with this engine: every change goes through us, so the kernel's view stays exact. */
    public static final double DEFAULT_TTL = 86400;
    static final int NO_REPLY = Integer.MIN_VALUE;
    private static final int ESTALE = 116, ENOMEM = 12, ENFILE = 23, EMFILE = 24;
    private static final int MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8;
    private static final int MNT_DETACH = 2;

    private final Overlay ov;
    private final int dev;
    private final String mountPoint;
    private final PrintStream debug;
    private final Nodes nodes;
    private final double entryTtl, attrTtl, negativeTtl;
    /**
     * Lower hard links share one node only on a read-only overlay. Elsewhere each name of a lower hard link
     * has a node of its own: with index=off copy-up breaks the link, and with index=on the core must see the
     * name the caller used (copy-up links that name up from the index, ln records a redirect to it), which
     * FUSE only tells as the node. Changes through one such node invalidate its siblings ({@link #changed}).
     */
    private final boolean aliasLowerLinks;
    /**
     * FUSE_POSIX_ACL: the kernel enforces POSIX ACLs (as kernel overlayfs does) and caches them per inode, so
     * {@code ls -l} no longer costs a getxattr round trip for system.posix_acl_* on every file. Off with
     * {@code noacl} (fuse-overlayfs's meaning: ACLs are plain xattrs, not enforced).
     */
    private final boolean posixAcl;
    private final boolean passthroughWanted;
    /** FUSE passthrough negotiated at INIT, and not refused since (no CAP_SYS_ADMIN: never). */
    private volatile boolean passthrough;
    private final boolean uringWanted;
    private final boolean uringRt;
    /** FUSE over io_uring negotiated at INIT: its queues register once the kernel has the INIT reply. */
    private volatile Ring ring;
    /** The node of each descriptor open in passthrough, until its RELEASE. */
    private final Map<Integer, Nodes.Node> backed = new ConcurrentHashMap<>();
    /** Per worker: the argument of the passthrough ioctls, and the stat of a file about to go through. */
    private static final ThreadLocal<Pointer> SCRATCH =
            ThreadLocal.withInitial(() -> Memory.allocateDirect(Native.RUNTIME, Stat.SIZE, true));
    private final Listings listings = new Listings();
    private final CountDownLatch initDone = new CountDownLatch(1);
    private final List<Thread> workers = new ArrayList<>();
    /** How many workers read at once ({@link Turn}); set by {@link #mount} before the workers start. */
    private Turn turn;
    private volatile int minor;
    /** The kernel opens directories without asking (FUSE_NO_OPENDIR_SUPPORT, Linux 5.1+). */
    private volatile boolean noOpendir;

    DevFuse(Overlay ov, int dev, String mountPoint, MountOptions o, PrintStream debug, long rootIno) {
        this.ov = ov;
        this.dev = dev;
        this.mountPoint = mountPoint;
        this.debug = debug;
        this.nodes = new Nodes(rootIno);
        this.entryTtl = o.timeoutGiven ? o.timeout : DEFAULT_TTL;
        this.negativeTtl = entryTtl;
        this.attrTtl = o.attrTimeoutGiven ? o.attrTimeout : DEFAULT_TTL;
        this.aliasLowerLinks = o.isReadOnly();
        this.posixAcl = !o.noAcl && !o.noXattrs;
        // with xattr_permissions the modes the kernel sees are not the files' own
        this.passthroughWanted = o.passthrough && o.xattrPermissions == 0;
        this.uringWanted = o.uring;
        this.uringRt = o.uringRt;
    }

    /** The data string of mount(2) for a FUSE filesystem served on descriptor {@code fd}. */
    static String mountData(int fd, MountOptions o, int uid, int gid, boolean root) {
        StringBuilder sb = new StringBuilder();
        sb.append("fd=").append(fd).append(",rootmode=40000,user_id=").append(uid).append(",group_id=").append(gid);
        if (o.defaultPermissions) {
            sb.append(",default_permissions");
        }
        if (o.allowOther || o.allowRoot || root) {
            sb.append(",allow_other"); // the kernel has no allow_root: libfuse emulates it with allow_other too
        }
        return sb.toString();
    }

    /** The MS_* flags of the mount, as the libfuse engine asks for them. */
    static long mountFlags(MountOptions o) {
        long f = 0;
        if (o.isReadOnly()) {
            f |= MS_RDONLY;
        }
        if (o.noDev) {
            f |= MS_NODEV;
        }
        if (o.noSuid) {
            f |= MS_NOSUID;
        }
        if (o.noExec) {
            f |= MS_NOEXEC;
        }
        return f;
    }

    /**
     * Mounts on {@code mountPoint} and starts serving; returns once the kernel's INIT is answered, so the
     * mount is usable. With {@code orNull}, a mount(2) refused (EPERM/EACCES: a plain user) returns
     * null instead of failing, so that the caller can use the libfuse engine, which mounts via fusermount3.
     */
    public static DevFuse mount(Overlay ov, MountOptions o, String mountPoint, PrintStream debug, int threads,
                                boolean orNull) {
        Pointer st = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE, true);
        ov.getattr("/", st);
        long rootIno = st.getLong(Stat.OFF_INO);
        int fd = C.open(Native.cstr("/dev/fuse"), Native.O_RDWR | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new OptionsException("cannot open /dev/fuse: " + Native.strerror(Native.errno()));
        }
        boolean root = C.geteuid() == 0;
        String data = mountData(fd, o, C.geteuid(), C.getegid(), root);
        String fsname = o.fsname != null ? o.fsname : "fuse-overlay";
        if (C.mount(Native.cstr(fsname), Native.cstr(mountPoint), Native.cstr("fuse.fuse-overlay"), mountFlags(o), Native.cstr(data)) < 0) {
            int e = Native.errno();
            C.close(fd);
            if ((e == Errno.EPERM || e == Errno.EACCES) && orNull) {
                return null; // not allowed to mount(2) (a plain user, or a security module's no)
            }
            if (e == Errno.EPERM) {
                throw new OptionsException("engine=devfuse cannot mount " + RealFs.printable(mountPoint)
                        + ": mount(2) needs root (or root of a user namespace); use -o engine=libfuse");
            }
            throw new OptionsException("mount on " + RealFs.printable(mountPoint) + " failed: " + Native.strerror(e));
        }
        DevFuse f = new DevFuse(ov, fd, mountPoint, o, debug, rootIno);
        f.turn = new Turn(Math.max(1, threads), f::waiting, "all".equals(o.readers)).start();
        for (int i = 0; i < Math.max(1, threads); i++) {
            Thread t = new Thread(f::serve, "devfuse-" + i);
            f.workers.add(t);
            t.start();
        }
        try {
            while (!f.initDone.await(20, TimeUnit.MILLISECONDS)) {
                if (f.workers.stream().noneMatch(Thread::isAlive)) {
                    throw new OptionsException("mount on " + RealFs.printable(mountPoint) + " failed: the kernel never sent FUSE_INIT");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.unmount();
            throw new OptionsException("interrupted while mounting");
        }
        return f;
    }

    /** Waits until the filesystem is unmounted (the device answers ENODEV) and every worker has ended. */
    public void join() throws InterruptedException {
        for (Thread t : workers) {
            t.join();
        }
        if (ring != null) {
            ring.join(); // the kernel ended every queue's entries when it let go
        }
        if (turn != null) {
            turn.close();
        }
        C.close(dev);
    }

    /**
     * Ends the connection (fusectl's abort: every waiting request fails with ENOTCONN, the mount is dead
     * until unmounted), for a broken io_uring queue, which the kernel would otherwise wait for forever.
     */
    private void abortConnection() {
        String devno = Mounter.deviceOf(mountPoint);
        System.err.println("fuse-overlay: aborting the connection of " + RealFs.printable(mountPoint));
        if (devno != null) {
            try {
                Files.writeString(Paths.get("/sys/fs/fuse/connections", devno.substring(devno.indexOf(':') + 1), "abort"), "1");
                return;
            } catch (IOException | RuntimeException e) {
                System.err.println("fuse-overlay: " + e.getMessage());
            }
        }
        unmount();
    }

    /** Unmounts lazily (SIGTERM, SIGINT): the workers end when the kernel lets go of the connection. */
    public void unmount() {
        C.umount2(Native.cstr(mountPoint), MNT_DETACH);
    }

    /** One worker: reads a request, answers it, until the connection is gone. */
    private void serve() {
        Pointer in = Memory.allocateDirect(Native.RUNTIME, BUFFER, false);
        Pointer out = Memory.allocateDirect(Native.RUNTIME, BUFFER, false);
        Pointer st = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE + 16, true);
        while (true) {
            turn.take();
            if (turn.stepBack()) {
                continue; // the load went down: fewer readers
            }
            long n = C.read(dev, in, BUFFER);
            if (n < 0) {
                int e = Native.errno();
                if (e == Errno.EINTR || e == Errno.EAGAIN || e == Errno.ENOENT) {
                    continue; // interrupted, or a request the kernel withdrew
                }
                if (e != Errno.ENODEV) {
                    System.err.println("fuse-overlay: reading /dev/fuse: " + Native.strerror(e));
                }
                turn.leave(); // the next worker sees ENODEV too
                return;
            }
            if (n < Wire.IN_HEADER) {
                continue;
            }
            turn.begin();
            try {
                int opcode = in.getInt(Wire.IN_OPCODE);
                if (turn.narrow() && !quick(opcode) && waiting()) {
                    turn.widen(); // another request is waiting already: more than one client
                }
                int disk = RealFs.diskWaits();
                reply(in, (int) n, out, st);
                if (turn.narrow() && RealFs.diskWaits() != disk) {
                    turn.widen(); // it waited for the disk (a copy-up's sync): see Turn, "disk"
                }
            } finally {
                turn.end();
            }
        }
    }

    /** Answers one request read from the device, and writes the reply (if it has one). */
    private void reply(Pointer in, int n, Pointer out, Pointer st) {
        int len = handle(in, n, out, st);
        if (len == NO_REPLY) {
            return;
        }
        // a failed write: ENODEV, the connection is gone (the next read says so); ENOENT, the request was interrupted
        if (C.write(dev, out, len) >= 0 && in.getInt(Wire.IN_OPCODE) == Wire.INIT) {
            widenReadahead(); // the INIT reply has set the kernel's readahead by now
            if (ring != null) {
                ring.go(); // the kernel takes the queues' registrations from now on
            }
        }
    }

    /** Requests answered in microseconds without disk work: no reason to let more workers read. */
    private static boolean quick(int opcode) {
        return opcode == Wire.FORGET || opcode == Wire.BATCH_FORGET || opcode == Wire.RELEASE
                || opcode == Wire.RELEASEDIR || opcode == Wire.INTERRUPT || opcode == Wire.FLUSH;
    }

    private static final ThreadLocal<Pointer> POLLFD =
            ThreadLocal.withInitial(() -> Memory.allocateDirect(Native.RUNTIME, 8, true));

    /** Whether a request is waiting on the device (poll, no wait). */
    private boolean waiting() {
        Pointer p = POLLFD.get();
        p.putInt(0, dev);
        p.putShort(4, (short) 1); // POLLIN
        p.putShort(6, (short) 0);
        return C.poll(p, 1, 0) > 0 && (p.getShort(6) & 1) != 0;
    }

    /**
     * The kernel reads ahead at most 128 KiB on a FUSE mount (its INIT offer is the most a server may ask
     * for), so a sequential read costs a READ round trip per 128 KiB. Where allowed (root of the initial
     * namespace: sysfs), the mount's backing device reads ahead a whole request (1 MiB) instead: a
     * sequential read of 32 MiB takes 32 READs instead of 256. Nothing happens elsewhere (a user namespace).
     */
    private void widenReadahead() {
        String bdi = Mounter.deviceOf(mountPoint);
        if (bdi == null) {
            return;
        }
        try {
            Files.writeString(Paths.get("/sys/class/bdi", bdi, "read_ahead_kb"), Integer.toString(MAX_WRITE / 1024));
        } catch (IOException | RuntimeException e) {
            if (debug != null) {
                debug.println("readahead stays the kernel's: " + e.getMessage());
            }
        }
    }

    /** The exception-to-errno barrier: answers one request into {@code out}; returns the reply's length. */
    int handle(Pointer in, int len, Pointer out, Pointer st) {
        int opcode = in.getInt(Wire.IN_OPCODE);
        long unique = in.getLong(Wire.IN_UNIQUE);
        long node = in.getLong(Wire.IN_NODEID);
        int error = 0;
        int body;
        try {
            body = dispatch(opcode, node, in, len, out, st);
            if (body == NO_REPLY) {
                if (debug != null) {
                    debug.println(Wire.opName(opcode) + " " + node);
                }
                return NO_REPLY;
            }
        } catch (ErrnoException e) {
            error = e.errno();
            body = 0;
            if (debug != null) {
                debug.println(Wire.opName(opcode) + " " + node + " = -" + error + " (" + e.getMessage() + ") ["
                        + Thread.currentThread().getName() + "]");
            }
        } catch (Throwable t) {
            error = Errno.EIO;
            body = 0;
            System.err.println("fuse-overlay: internal error in " + Wire.opName(opcode) + " of node " + node + ": " + t);
            if (debug != null) {
                t.printStackTrace(debug);
            }
        }
        if (debug != null && error == 0) {
            debug.println(Wire.opName(opcode) + " " + node + " = " + body + " [" + Thread.currentThread().getName() + "]");
        }
        Wire.outHeader(out, unique, -error, body);
        return Wire.OUT_HEADER + body;
    }

    private static final int B = Wire.IN_HEADER, R = Wire.OUT_HEADER;

    /** Answers one request: the body goes to {@code out} at offset 16; returns its length, or NO_REPLY. */
    @FunctionalInterface
    private interface Handler {
        int answer(long node, Pointer in, int len, Pointer out, Pointer st);
    }

    /**
     * The handler of each opcode (null: ENOSYS). A table rather than a switch: each handler is a method of its
     * own for the JIT, compiled when it is hot, where a switch made one method that inlined every handler (C2
     * took over 100 ms to compile it, and compiled it again whenever an opcode first came after that).
     */
    private final Handler[] handlers = handlerTable();

    private int dispatch(int opcode, long node, Pointer in, int len, Pointer out, Pointer st) {
        Handler h = opcode >= 0 && opcode < handlers.length ? handlers[opcode] : null;
        if (h == null) {
            throw new ErrnoException(Errno.ENOSYS, Wire.opName(opcode)); // locks stay local to the kernel
        }
        return h.answer(node, in, len, out, st);
    }

    private Handler[] handlerTable() {
        Handler[] h = new Handler[Wire.LSEEK + 1];
        h[Wire.INIT] = (node, in, len, out, st) -> init(in, len, out);
        h[Wire.LOOKUP] = (node, in, len, out, st) -> lookup(node, Wire.name(in, B, len), out, st);
        h[Wire.FORGET] = (node, in, len, out, st) -> {
            forget(node, in.getLong(B));
            return NO_REPLY;
        };
        h[Wire.BATCH_FORGET] = (node, in, len, out, st) -> {
            int count = in.getInt(B);
            for (int i = 0; i < count && B + 8 + 16 * i + 16 <= len; i++) {
                forget(in.getLong(B + 8 + 16 * i), in.getLong(B + 16 + 16 * i));
            }
            return NO_REPLY;
        };
        h[Wire.INTERRUPT] = (node, in, len, out, st) -> NO_REPLY; // every request here is short: let it finish
        h[Wire.GETATTR] = (node, in, len, out, st) -> {
            boolean fh = (in.getInt(B) & Wire.GETATTR_FH) != 0;
            attr(node, fh ? (int) in.getLong(B + 8) : -1, st);
            Wire.attrOut(out, R, attrTtl, st);
            return Wire.ATTR_OUT;
        };
        h[Wire.SETATTR] = (node, in, len, out, st) -> setattr(node, in, out, st);
        h[Wire.READLINK] = (node, in, len, out, st) -> {
            byte[] t = Native.cstr(ov.readlink(path(node)));
            out.put(R, t, 0, t.length);
            return t.length;
        };
        h[Wire.SYMLINK] = (node, in, len, out, st) -> {
            String name = Wire.name(in, B, len);
            String target = Wire.name(in, B + name.length() + 1, len);
            String p = childPath(node, name);
            ov.symlink(target, p, caller(in));
            return entry(node, name, p, out, R, st);
        };
        h[Wire.MKNOD] = (node, in, len, out, st) -> {
            String name = Wire.name(in, B + 16, len);
            String p = childPath(node, name);
            ov.mknod(p, masked(node, in.getInt(B), in.getInt(B + 8)), Wire.decodeDev(in.getInt(B + 4)), caller(in));
            return entry(node, name, p, out, R, st);
        };
        h[Wire.MKDIR] = (node, in, len, out, st) -> {
            String name = Wire.name(in, B + 8, len);
            String p = childPath(node, name);
            ov.mkdir(p, masked(node, in.getInt(B), in.getInt(B + 4)), caller(in));
            return entry(node, name, p, out, R, st);
        };
        h[Wire.UNLINK] = (node, in, len, out, st) -> unlink(node, Wire.name(in, B, len));
        h[Wire.RMDIR] = (node, in, len, out, st) -> {
            String name = Wire.name(in, B, len);
            String p = childPath(node, name);
            removing(node, name, () -> ov.rmdir(p));
            return 0;
        };
        h[Wire.RENAME] = (node, in, len, out, st) -> rename(node, in.getLong(B), 0, in, B + 8, len);
        h[Wire.RENAME2] = (node, in, len, out, st) -> rename(node, in.getLong(B), in.getInt(B + 8), in, B + 16, len);
        h[Wire.LINK] = (node, in, len, out, st) -> {
            String name = Wire.name(in, B + 8, len);
            String p = childPath(node, name);
            long srcId = in.getLong(B);
            Nodes.Node src = nodes.get(srcId);
            ov.link(path(srcId), p);
            if (src != null && src.key.name() != null) {
                // the source was a lower hard link with an inode of its own; copied up and linked, its new
                // name shares that inode where no other node has the number yet (the source's node answers)
                nodes.rekey(src, Nodes.Key.of(ov.getattrEntry(p, st).ino));
            }
            int r = entry(node, name, p, out, R, st);
            invalidate(srcId); // the link count, and a copy-up, changed
            changed(srcId);
            return r;
        };
        h[Wire.OPEN] = (node, in, len, out, st) -> {
            int flags = in.getInt(B);
            int n = open(node, flags, in.getInt(Wire.IN_UID), out);
            if ((in.getInt(B + 4) & Wire.OPEN_KILL_SUIDGID) != 0 && (flags & Native.O_TRUNC) != 0) {
                dropSetid(node, (int) out.getLong(R)); // O_TRUNC by a caller without CAP_FSETID
            }
            if ((flags & Native.O_ACCMODE) != Native.O_RDONLY || (flags & Native.O_TRUNC) != 0) {
                copiedUp(node);
                changed(node);
            }
            return n;
        };
        h[Wire.READ] = (node, in, len, out, st) -> {
            long n = ov.read((int) in.getLong(B), out.slice(R), in.getInt(B + 16) & 0xffffffffL, in.getLong(B + 8));
            return (int) n;
        };
        h[Wire.WRITE] = (node, in, len, out, st) -> {
            if ((in.getInt(B + 20) & Wire.WRITE_KILL_SUIDGID) != 0) {
                dropSetid(node, (int) in.getLong(B)); // before the data, as the kernel's file_remove_privs
            }
            long n = ov.write((int) in.getLong(B), in.slice(B + 40), in.getInt(B + 16) & 0xffffffffL, in.getLong(B + 8));
            changed(node);
            out.putInt(R, (int) n);
            out.putInt(R + 4, 0);
            return 8;
        };
        h[Wire.STATFS] = (node, in, len, out, st) -> {
            Pointer vfs = out.slice(R + Wire.STATFS_OUT + 64); // scratch beyond the reply
            int err = ov.statfs(vfs);
            if (err != 0) {
                throw new ErrnoException(err, "statfs");
            }
            Wire.statfs(vfs, out, R);
            return Wire.STATFS_OUT;
        };
        h[Wire.RELEASE] = (node, in, len, out, st) -> {
            int fd = (int) in.getLong(B);
            Nodes.Node n = nodes.get(node);
            if (n != null) {
                n.fds.remove(fd);
            }
            Nodes.Node through = backed.remove(fd); // even if the kernel has forgotten the node meanwhile
            if (through != null || n != null) {
                released(through != null ? through : n, fd);
            }
            ov.release(fd);
            return 0;
        };
        h[Wire.FSYNC] = (node, in, len, out, st) -> {
            ov.fsync((int) in.getLong(B), (in.getInt(B + 8) & 1) != 0);
            return 0;
        };
        h[Wire.FLUSH] = (node, in, len, out, st) -> 0; // nothing buffered here; directories sync with their files
        h[Wire.FSYNCDIR] = h[Wire.FLUSH];
        h[Wire.DESTROY] = h[Wire.FLUSH];
        h[Wire.SETXATTR] = (node, in, len, out, st) -> {
            int size = in.getInt(B);
            String name = Wire.name(in, B + 8, len);
            int value = B + 8 + name.length() + 1;
            ov.setxattr(path(node), name, in.slice(value), size, in.getInt(B + 4));
            invalidate(node); // an ACL changes the mode (cp -a sets it so), any xattr the ctime
            changed(node);
            return 0;
        };
        h[Wire.GETXATTR] = (node, in, len, out, st) -> {
            int size = in.getInt(B);
            String name = Wire.name(in, B + 8, len);
            long n = ov.getxattr(path(node), name, out.slice(R), size);
            if (size == 0) {
                out.putInt(R, (int) n);
                out.putInt(R + 4, 0);
                return 8;
            }
            return (int) n;
        };
        h[Wire.LISTXATTR] = (node, in, len, out, st) -> listxattr(node, in.getInt(B), out);
        h[Wire.REMOVEXATTR] = (node, in, len, out, st) -> {
            ov.removexattr(path(node), Wire.name(in, B, len));
            invalidate(node);
            changed(node);
            return 0;
        };
        h[Wire.OPENDIR] = (node, in, len, out, st) -> {
            if (noOpendir) {
                // "no opendir needed": the kernel opens directories by itself from now on, and keeps
                // their listings cached (offsets mean the same whoever reads: Listings)
                throw new ErrnoException(Errno.ENOSYS, "opendir");
            }
            out.putLong(R, node);
            out.putInt(R + 8, Wire.FOPEN_CACHE_DIR | Wire.FOPEN_KEEP_CACHE);
            out.putInt(R + 12, 0);
            return Wire.OPEN_OUT;
        };
        h[Wire.READDIR] = (node, in, len, out, st) -> readdir(node, in, out, st, false);
        h[Wire.READDIRPLUS] = (node, in, len, out, st) -> readdir(node, in, out, st, true);
        h[Wire.RELEASEDIR] = h[Wire.FLUSH];
        h[Wire.ACCESS] = (node, in, len, out, st) -> {
            ov.access(path(node), in.getInt(B));
            return 0;
        };
        h[Wire.CREATE] = this::create;
        h[Wire.FALLOCATE] = (node, in, len, out, st) -> {
            ov.fallocate((int) in.getLong(B), in.getInt(B + 24), in.getLong(B + 8), in.getLong(B + 16));
            changed(node);
            return 0;
        };
        h[Wire.LSEEK] = (node, in, len, out, st) -> {
            long off = C.lseek((int) in.getLong(B), in.getLong(B + 8), in.getInt(B + 16));
            if (off < 0) {
                throw new ErrnoException(Native.errno(), "lseek");
            }
            out.putLong(R, off);
            return 8;
        };
        return h;
    }

    private int init(Pointer in, int len, Pointer out) {
        int major = in.getInt(B);
        int kernelMinor = in.getInt(B + 4);
        int maxReadahead = in.getInt(B + 8);
        int flags = in.getInt(B + 12);
        int flags2 = (flags & Wire.INIT_EXT) != 0 && len >= B + 20 ? in.getInt(B + 16) : 0;
        out.setMemory(R, Wire.INIT_OUT, (byte) 0);
        out.putInt(R, Wire.KERNEL_VERSION);
        if (major != Wire.KERNEL_VERSION) {
            // a newer major: answer ours, the kernel sends INIT again with it (or gives up)
            return 8;
        }
        minor = Math.min(kernelMinor, Wire.MINOR);
        noOpendir = (flags & Wire.NO_OPENDIR_SUPPORT) != 0;
        int want = Wire.ASYNC_READ | Wire.ATOMIC_O_TRUNC | Wire.BIG_WRITES | Wire.DO_READDIRPLUS
                | Wire.READDIRPLUS_AUTO | Wire.PARALLEL_DIROPS | Wire.MAX_PAGES | Wire.CACHE_SYMLINKS
                | Wire.NO_OPENDIR_SUPPORT | (posixAcl ? Wire.POSIX_ACL | Wire.DONT_MASK : 0)
                // set-id bits are cleared here on write, truncate and chown (dropSetid), so the kernel skips the
                // security.capability GETXATTR before every write(2) and the GETATTR before every chown
                | Wire.HANDLE_KILLPRIV_V2;
        out.putInt(R + 4, minor);
        out.putInt(R + 8, maxReadahead);
        out.putInt(R + 12, flags & want);
        out.putShort(R + 16, (short) 0);          // max_background: the kernel's default
        out.putShort(R + 18, (short) 0);          // congestion_threshold: the kernel's default
        out.putInt(R + 20, MAX_WRITE);
        out.putInt(R + 24, 1);                    // time_gran: nanoseconds
        out.putShort(R + 28, (short) (MAX_WRITE / 4096)); // max_pages
        int flags2Out = 0;
        if (passthroughWanted && (flags2 & Wire.PASSTHROUGH2) != 0) {
            // reads and writes of upper files straight to the file (through()); the backing files may be on a
            // filesystem that stacks nothing (stack depth 0), and this mount counts as one level itself, so
            // kernel overlayfs can still use it as a layer
            flags2Out |= Wire.PASSTHROUGH2;
            out.putInt(R + 36, 1); // max_stack_depth
            passthrough = true;
        }
        if (uringWanted && (flags2 & Wire.OVER_IO_URING2) != 0) {
            ring = Ring.prepare(this, dev, MAX_WRITE, uringRt, debug, this::abortConnection);
            if (ring != null) {
                flags2Out |= Wire.OVER_IO_URING2;
            } else {
                System.err.println("fuse-overlay: " + uringOption() + ": no io_uring queues (above); requests come through /dev/fuse");
            }
        } else if (uringWanted) {
            System.err.println("fuse-overlay: " + uringOption() + ": the kernel does not offer FUSE over io_uring (Linux 6.14+ with"
                    + " /sys/module/fuse/parameters/enable_uring set to Y); requests come through /dev/fuse");
        }
        if (flags2Out != 0) {
            out.putInt(R + 12, (flags & want) | Wire.INIT_EXT);
            out.putInt(R + 32, flags2Out);
        }
        initDone.countDown();
        return minor < 23 ? 24 : Wire.INIT_OUT;
    }

    // ---- names ----------------------------------------------------------------------------------------

    private String uringOption() {
        return uringRt ? "uring=rt" : "uring=on";
    }

    private String path(long node) {
        String p = nodes.path(node);
        if (p == null) {
            throw new ErrnoException(nodes.get(node) == null ? ESTALE : Errno.ENOENT, "node " + node);
        }
        return p;
    }

    private String childPath(long parent, String name) {
        String p = nodes.childPath(parent, name);
        if (p == null) {
            throw new ErrnoException(nodes.get(parent) == null ? ESTALE : Errno.ENOENT, "node " + parent);
        }
        return p;
    }

    private static Caller caller(Pointer in) {
        return new Caller(in.getInt(Wire.IN_UID), in.getInt(Wire.IN_GID));
    }

    private int lookup(long parent, String name, Pointer out, Pointer st) {
        String p = childPath(parent, name);
        try {
            return entry(parent, name, p, out, R, st);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT && negativeTtl > 0) {
                Wire.entryOut(out, R, 0, negativeTtl, 0, null); // a negative entry the kernel may cache
                return Wire.ENTRY_OUT;
            }
            throw e;
        }
    }

    /** Resolves {@code parent/name}, counts the kernel's new reference and fills a fuse_entry_out at {@code off}. */
    private int entry(long parent, String name, String path, Pointer out, int off, Pointer st) {
        Entry e = ov.getattrEntry(path, st);
        Nodes.Key key = Nodes.Key.of(e.ino, parent, name, e.isDir(), e.hasUpper(), st.getLong(Stat.OFF_NLINK), aliasLowerLinks);
        Nodes.Node n = nodes.lookedUp(parent, name, key, e.ino);
        Wire.entryOut(out, off, n.id, entryTtl, attrTtl, st);
        return Wire.ENTRY_OUT;
    }

    private int unlink(long parent, String name) {
        String p = childPath(parent, name);
        Nodes.Node n = nodes.named(parent, name);
        remember(n, p);
        try {
            removing(parent, name, () -> ov.unlink(p));
        } finally {
            unhold(n);
        }
        if (n != null) {
            changed(n.id); // the other names' link count
            Overlay.Detached d = detached(n.id);
            if (d != null && ov.stillLinked(d)) {
                nodes.keepKey(n); // names the kernel has not looked up yet: they must find this inode, not a second one
            }
        }
        return 0;
    }

    /**
     * A name of an open node is about to go (unlink, the target of a rename): remember which real object it
     * is, so that the node, once it has no name, is served through a descriptor of that object only (a
     * descriptor opened before a copy-up is the lower file's, which must never be changed).
     */
    private void remember(Nodes.Node n, String p) {
        if (n == null || n.fds.isEmpty()) {
            return;
        }
        if (!ov.lookup().lookup(p).hasUpper()) {
            return; // a lower file: served through its open descriptors, never changed
        }
        synchronized (n) {
            if (n.handle < 0) {
                try {
                    n.handle = ov.holdUpper(p);
                } catch (ErrnoException x) {
                    // no handle (EMFILE): served as a lower file, the removal goes on
                }
            }
        }
    }

    /** After a removal: a node that still has a name (another name of it, or a failed removal) lets its handle go. */
    private void unhold(Nodes.Node n) {
        if (n == null || nodes.path(n.id) == null) {
            return;
        }
        synchronized (n) {
            if (n.handle >= 0) {
                ov.release(n.handle);
                n.handle = -1;
            }
        }
    }

    /**
     * Runs a removal of {@code parent/name} with the name taken from the node table first and given back
     * if the removal fails ({@link Nodes#takeName}): between the removal and the table's update another
     * worker could otherwise meet the freed inode number again, in a new object, and join it to this node
     * (seen under load: tar's new directory took the number of a file unlinked a moment before, and its
     * next create went to the file's old path).
     */
    private void removing(long parent, String name, Runnable removal) {
        Nodes.Node n = nodes.takeName(parent, name);
        try {
            removal.run();
        } catch (RuntimeException e) {
            nodes.restoreName(parent, name, n);
            throw e;
        }
    }

    private int rename(long parent, long newParent, int flags, Pointer in, int off, int len) {
        String from = Wire.name(in, off, len);
        String to = Wire.name(in, off + from.length() + 1, len);
        String fromPath = childPath(parent, from);
        String toPath = childPath(newParent, to);
        if ((flags & ~Native.RENAME_NOREPLACE) != 0) {
            throw new ErrnoException(Errno.EINVAL, "rename flags " + flags); // RENAME_EXCHANGE, RENAME_WHITEOUT
        }
        if ((flags & Native.RENAME_NOREPLACE) != 0 && ov.lookup().find(toPath) != null) {
            throw new ErrnoException(Errno.EEXIST, toPath);
        }
        Nodes.Node target = nodes.named(newParent, to);
        Nodes.Node moved = nodes.named(parent, from);
        boolean replaces = target != null && target != moved;
        if (replaces) {
            remember(target, toPath); // a replaced file still open is served as an unlinked one
            try {
                removing(newParent, to, () -> ov.rename(fromPath, toPath)); // the replaced object may be freed
            } finally {
                unhold(target);
            }
        } else {
            ov.rename(fromPath, toPath);
        }
        nodes.rename(parent, from, newParent, to);
        if (replaces) {
            changed(target.id); // the replaced object's other names lost a link
        }
        if (moved != null) {
            copiedUp(moved.id); // a lower hard link moves by copy-up (index=off: an inode number of its own now)
            changed(moved.id); // and its other names see ctime and link count change
        }
        return 0;
    }

    /**
     * A node may just have been copied up. Only a lower hard link changes attributes then (index=off: its
     * copy gets an inode number of its own, as on the kernel; index=on: link count and ctime of the linked-up
     * name): tell the kernel to drop the ones it caches.
     */
    private void copiedUp(long node) {
        Nodes.Node n = nodes.get(node);
        if (n != null && n.key.name() != null) {
            invalidate(node);
        }
    }

    /**
     * FUSE_NOTIFY_INVAL_INODE for the node's cached attributes only. Never for its pages: the kernel waits
     * for their locks in our write(2), and a page of another name locked by a writer waiting for our reply
     * to its WRITE (two names of one file written at once) would deadlock two workers.
     */
    private void invalidate(long node) {
        Pointer m = Memory.allocateDirect(Native.RUNTIME, Wire.OUT_HEADER + 24, true);
        Wire.notifyInvalInode(m, node, -1, 0);
        C.write(dev, m, Wire.OUT_HEADER + 24); // ENOENT: the kernel had already dropped the node
    }

    /**
     * The object of {@code node} changed (attributes, link count, contents): the other nodes that show the
     * same object (the names of a lower hard link, one node each) drop the attributes the kernel caches, so
     * every name stats the change; a new size also drops their pages (the kernel does so when it sees the
     * size change), and they open without keep_cache ({@link #openOut}). Nothing to do for the usual node.
     */
    private void changed(long node) {
        for (long sibling : nodes.siblings(node)) {
            invalidate(sibling);
        }
    }

    // ---- attributes -----------------------------------------------------------------------------------

    /** Attributes of a node into {@code st}: through the open descriptor {@code fd} if one is given or the node has no name. */
    private void attr(long node, int fd, Pointer st) {
        Nodes.Node n = nodes.get(node);
        String p = nodes.path(node);
        Overlay.Detached d = p == null ? detached(node) : null;
        if (d != null && (d.upper() || fd < 0)) {
            fd = d.fd(); // the upper object itself; else the request's own descriptor where it names one
        }
        if (fd < 0) {
            ov.getattr(path(node), st);
            return;
        }
        ov.fgetattr(p, fd, st);
        if (p == null && n != null) {
            st.putLong(Stat.OFF_INO, n.ino);
            if (d == null || !d.upper()) {
                st.putLong(Stat.OFF_NLINK, 0); // unlinked, still open (the lower file keeps its links there)
            } // an upper file's own count: 0, or the links it has under names the kernel has not looked up
        }
    }

    /** An unlinked node still open, as the core serves it: null if the node has a name (or is gone). */
    private Overlay.Detached detached(long node) {
        if (nodes.path(node) != null) {
            return null;
        }
        Nodes.Node n = nodes.get(node);
        if (n == null) {
            return null;
        }
        int handle = n.handle;
        if (handle >= 0) {
            return new Overlay.Detached(handle, n.ino, true); // the upper object itself (O_PATH)
        }
        for (int fd : n.fds) {
            return new Overlay.Detached(fd, n.ino, false); // a lower file: its layer is never changed
        }
        return null;
    }

    private int setattr(long node, Pointer in, Pointer out, Pointer st) {
        int valid = in.getInt(B);
        int fd = (valid & Wire.FATTR_FH) != 0 ? (int) in.getLong(B + 8) : -1;
        Overlay.Detached d = detached(node); // fchmod(2) and the like of an unlinked file: through its descriptor
        if ((valid & Wire.FATTR_MODE) != 0) {
            if (d != null) {
                ov.chmodDetached(d, in.getInt(B + 68));
            } else {
                ov.chmod(path(node), in.getInt(B + 68));
            }
        }
        if ((valid & (Wire.FATTR_UID | Wire.FATTR_GID)) != 0) {
            int uid = (valid & Wire.FATTR_UID) != 0 ? in.getInt(B + 76) : -1;
            int gid = (valid & Wire.FATTR_GID) != 0 ? in.getInt(B + 80) : -1;
            if (d != null) {
                ov.chownDetached(d, uid, gid);
            } else {
                ov.chown(path(node), uid, gid);
            }
        }
        if ((valid & Wire.FATTR_SIZE) != 0) {
            if (fd >= 0) {
                ov.ftruncate(fd, in.getLong(B + 16));
            } else {
                ov.truncate(path(node), in.getLong(B + 16));
            }
        }
        if ((valid & (Wire.FATTR_ATIME | Wire.FATTR_MTIME)) != 0) {
            long[] times = {0, Native.UTIME_OMIT, 0, Native.UTIME_OMIT};
            if ((valid & Wire.FATTR_ATIME) != 0) {
                times[0] = in.getLong(B + 32);
                times[1] = (valid & Wire.FATTR_ATIME_NOW) != 0 ? Native.UTIME_NOW : in.getInt(B + 56) & 0xffffffffL;
            }
            if ((valid & Wire.FATTR_MTIME) != 0) {
                times[2] = in.getLong(B + 40);
                times[3] = (valid & Wire.FATTR_MTIME_NOW) != 0 ? Native.UTIME_NOW : in.getInt(B + 60) & 0xffffffffL;
            }
            if (d != null) {
                ov.utimensDetached(d, times);
            } else {
                ov.utimens(path(node), times);
            }
        }
        if ((valid & Wire.FATTR_KILL_SUIDGID) != 0) {
            ov.dropSetid(nodes.path(node), fd); // a chown, or a truncate by a caller without CAP_FSETID
        }
        changed(node);
        attr(node, fd, st);
        Wire.attrOut(out, R, attrTtl, st);
        return Wire.ATTR_OUT;
    }

    private int listxattr(long node, int size, Pointer out) {
        StringBuilder sb = new StringBuilder();
        for (String n : ov.listxattr(path(node))) {
            sb.append(n).append('\0');
        }
        byte[] b = Native.cstr(sb.toString());
        if (size == 0) {
            out.putInt(R, b.length);
            out.putInt(R + 4, 0);
            return 8;
        }
        if (size < b.length) {
            throw new ErrnoException(Errno.ERANGE, "listxattr");
        }
        out.put(R, b, 0, b.length);
        return b.length;
    }

    // ---- files ----------------------------------------------------------------------------------------

    private int open(long node, int flags, int uid, Pointer out) {
        Nodes.Node n = nodes.get(node);
        String p = nodes.path(node);
        int fd;
        Overlay.Detached d = p == null ? detached(node) : null;
        if (d != null) {
            fd = ov.reopenDetached(d, flags); // unlinked and open: reopened through its descriptor (/proc/PID/fd/N)
        } else {
            fd = ov.open(path(node), flags);
        }
        if (n != null) {
            n.fds.add(fd);
        }
        boolean sole = nodes.siblings(node).isEmpty();
        boolean keepCache = sole && (n == null || !n.wentThrough);
        openOut(out, R, fd, keepCache, through(n, sole, fd, flags, uid, () -> p != null && ov.dataInUpper(p)));
        return Wire.OPEN_OUT;
    }

    /**
     * FUSE passthrough: the backing id to answer the open of {@code fd} on node {@code n} with, or 0 for the
     * usual way (the kernel's page cache, READ and WRITE requests). Only a file whose data is the upper
     * layer's own file ({@code eligible}, asked last: created or copied up, not a metacopy) goes through: the kernel
     * keeps one backing file per inode for as long as any file of it is open through one, and a lower
     * file's would change at copy-up. The kernel also refuses a passthrough open beside open files of the
     * usual kind (and the reverse), so a node keeps the way its open files use until they are all closed.
     * The names of a lower hard link (siblings; {@code sole}: the caller found none) keep the usual way,
     * where each write reaches this server, which tells the other names. Set-id bits: a write through the
     * backing file runs with this server's CAP_FSETID, and with HANDLE_KILLPRIV_V2 the kernel leaves clearing
     * the bits to the server, which never sees such a write. So a set-id file never starts passthrough, and
     * a write open starts it only for root (whose writes keep the bits on the kernel too, having
     * CAP_FSETID); other writers go the usual way, where WRITE tells the server to clear them, unless the
     * node is already in passthrough (then the kernel allows nothing else). With index=on a file of several
     * links stays the usual way too: its other names may become siblings after this open.
     */
    private int through(Nodes.Node n, boolean sole, int fd, int flags, int uid, BooleanSupplier eligible) {
        if (n == null) {
            return 0;
        }
        synchronized (n) {
            if (!n.throughFds.isEmpty()) {
                n.throughFds.add(fd);
                backed.put(fd, n);
                return n.backing;
            }
            boolean reader = (flags & Native.O_ACCMODE) == Native.O_RDONLY && (flags & Native.O_TRUNC) == 0;
            if (passthrough && (reader || uid == 0) && n.cachedFds.isEmpty() && n.key.name() == null
                    && sole && eligible.getAsBoolean() && !setidOrIndexed(fd)) {
                Pointer map = SCRATCH.get();
                map.putInt(0, fd);
                map.putInt(4, 0);
                map.putLong(8, 0);
                int id = C.ioctl(dev, Wire.IOC_BACKING_OPEN, map);
                if (id > 0) {
                    n.backing = id;
                    n.throughFds.add(fd);
                    backed.put(fd, n);
                    n.wentThrough = true;
                    return id;
                }
                int e = Native.errno();
                if (e != ENOMEM && e != ENFILE && e != EMFILE) {
                    // not CAP_SYS_ADMIN of the initial namespace (EPERM), or an upper filesystem that stacks
                    // on another (ELOOP): the same for every upper file, so never again on this mount
                    passthrough = false;
                }
                if (debug != null) {
                    debug.println("passthrough refused for node " + n.id + ": " + Native.strerror(e));
                }
            }
            n.cachedFds.add(fd);
            return 0;
        }
    }

    /**
     * A set-id file (see {@link #through}), or with index=on a file of more than one link: a copied-up lower
     * hard link, whose other names may still be looked up as nodes of their own (siblings), which only
     * writes that reach this server keep up to date.
     */
    private boolean setidOrIndexed(int fd) {
        Pointer st = SCRATCH.get();
        return C.fstat(fd, st) < 0 || (st.getInt(Stat.OFF_MODE) & (Stat.S_ISUID | Stat.S_ISGID)) != 0
                || ov.lookup().index() != null && st.getLong(Stat.OFF_NLINK) > 1;
    }

    /** RELEASE of {@code fd}: the last file through the backing file gives its id back. */
    private void released(Nodes.Node n, int fd) {
        synchronized (n) {
            if (!n.throughFds.remove(fd)) {
                n.cachedFds.remove(fd);
            } else if (n.throughFds.isEmpty()) {
                Pointer id = SCRATCH.get();
                id.putInt(0, n.backing);
                C.ioctl(dev, Wire.IOC_BACKING_CLOSE, id);
                n.backing = 0;
            }
        }
    }

    /**
     * Every change of a file goes through this mount, so the kernel keeps its page cache across opens; not
     * for a node with siblings, whose data may have changed through another node. (A reader that already has
     * such a node open may read its cached pages after a same-size overwrite through another name until it
     * reopens, as with the libfuse engine.) FOPEN_NOFLUSH: nothing is buffered here and locks stay in the
     * kernel, so a close(2) needs no FLUSH round trip (the release that follows is asynchronous). A file
     * opened in passthrough ({@code backing}) has no page cache of its own (FOPEN_PASSTHROUGH).
     */
    private static void openOut(Pointer out, int off, int fd, boolean keepCache, int backing) {
        out.putLong(off, fd);
        out.putInt(off + 8, Wire.FOPEN_NOFLUSH | (backing > 0 ? Wire.FOPEN_PASSTHROUGH : keepCache ? Wire.FOPEN_KEEP_CACHE : 0));
        out.putInt(off + 12, backing);
    }

    /**
     * The mode a new object gets, as the kernel's VFS decides it: with FUSE_DONT_MASK the kernel sends the
     * caller's umask instead of applying it, because a directory with a default ACL ignores the umask (the
     * ACL limits the mode instead, which the upper filesystem applies when we create the object there).
     */
    private int masked(long parent, int mode, int umask) {
        if (!posixAcl || (mode & ~umask) == mode) {
            return mode;
        }
        try {
            ov.getxattr(path(parent), "system.posix_acl_default", null, 0);
            return mode; // a default ACL: it decides
        } catch (ErrnoException e) {
            return mode & ~umask;
        }
    }

    private int create(long parent, Pointer in, int len, Pointer out, Pointer st) {
        int flags = in.getInt(B);
        int mode = masked(parent, in.getInt(B + 4), in.getInt(B + 8));
        String name = Wire.name(in, B + 16, len);
        String p = childPath(parent, name);
        int fd = ov.create(p, mode, flags, caller(in));
        try {
            entry(parent, name, p, out, R, st);
        } catch (RuntimeException e) {
            ov.release(fd);
            throw e;
        }
        Nodes.Node n = nodes.get(out.getLong(R));
        if (n != null) {
            n.fds.add(fd);
        }
        boolean sole = n == null || nodes.siblings(n.id).isEmpty();
        int backing = through(n, sole, fd, flags, in.getInt(Wire.IN_UID), () -> true); // created in upper
        openOut(out, R + Wire.ENTRY_OUT, fd, sole, backing);
        return Wire.ENTRY_OUT + Wire.OPEN_OUT;
    }

    // ---- directories ----------------------------------------------------------------------------------

    private static final byte[] DOT = {'.'}, DOTDOT = {'.', '.'};

    /**
     * Set-id bits cleared for a caller without CAP_FSETID (HANDLE_KILLPRIV_V2) on a write or an O_TRUNC open:
     * the kernel refreshes size and times after those, not the mode, so a changed mode is dropped from its cache.
     */
    private void dropSetid(long node, int fd) {
        if (ov.dropSetid(nodes.path(node), fd)) {
            invalidate(node);
        }
    }

    /** FORGET: the kernel drops references; a node it no longer knows takes its directory listing along. */
    private void forget(long node, long count) {
        Nodes.Node n = nodes.get(node);
        if (nodes.forget(node, count)) {
            listings.forgotten(node);
            if (n != null) {
                synchronized (n) {
                    if (n.handle >= 0) {
                        ov.release(n.handle);
                        n.handle = -1;
                    }
                }
            }
        }
    }

    /**
     * READDIR and READDIRPLUS: "." and ".." first, then the names of the node's listing ({@link Listings}),
     * each with the offset of the next one, which means the same for every reader of the directory.
     */
    private int readdir(long node, Pointer in, Pointer out, Pointer st, boolean plus) {
        long offset = in.getLong(B + 8);
        int size = Math.min(in.getInt(B + 16), BUFFER - R);
        String dir = path(node);
        Listings.Window w = listings.read(node, offset, () -> ov.readdir(dir));
        DirItem[] items = w.items();
        int pos = 0;
        for (long i = w.start(); i < items.length + 2L; i++) {
            byte[] name;
            long ino;
            int mode;
            DirItem item = null;
            if (i < 2) {
                name = i == 0 ? DOT : DOTDOT;
                Nodes.Node self = nodes.get(node);
                ino = i == 0 ? (self == null ? 0 : self.ino) : nodes.parentIno(node);
                mode = Stat.S_IFDIR;
            } else {
                item = items[(int) (i - 2)];
                if (item == null) {
                    continue; // a name gone since this slot was given out
                }
                name = Native.cstr(item.name());
                ino = item.ino();
                mode = item.type();
            }
            int need = Wire.direntSize(name.length) + (plus ? Wire.ENTRY_OUT : 0);
            if (pos + need > size) {
                break;
            }
            if (plus) {
                if (item == null || nodes.named(node, item.name()) != null) {
                    // "." and "..", or a name the kernel already knows with attributes it may keep caching
                    // (every change goes through us): a plain entry, no lookup and no stat of the object
                    Wire.entryOut(out, R + pos, 0, 0, 0, null);
                } else {
                    try {
                        entry(node, item.name(), dir.equals("/") ? "/" + item.name() : dir + "/" + item.name(), out, R + pos, st);
                    } catch (ErrnoException e) {
                        Wire.entryOut(out, R + pos, 0, 0, 0, null); // gone meanwhile: a plain entry
                    }
                }
                pos += Wire.ENTRY_OUT;
            }
            pos += Wire.dirent(out, R + pos, ino, w.next(i), mode, name);
        }
        return pos;
    }
}
