package dev.fuseoverlay.fuse.direct;

import static dev.fuseoverlay.realfs.Native.C;

import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.Stat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * FUSE requests played to the /dev/fuse engine without a mount: encoded as the kernel sends them
 * (include/uapi/linux/fuse.h, x86_64), answered by the engine's own request path, exception-to-errno barrier
 * included, and the replies decoded. Notifications and passthrough ioctls go to /dev/null (passthrough is
 * refused, as on a kernel without it). Two users: the class-data training run ({@link #rehearse}), so that
 * what a mount's first requests load and link (lambdas, method handles, the engine's own classes) is in the
 * archive instead of being made while a workload waits; and the tests of the engine's replies.
 */
public final class Requests implements AutoCloseable {
    private final DevFuse fuse;
    private final int dev;
    private final Pointer in = Memory.allocateDirect(Native.RUNTIME, DevFuse.BUFFER, false);
    private final Pointer out = Memory.allocateDirect(Native.RUNTIME, DevFuse.BUFFER, false);
    private final Pointer st = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE + 16, true);
    private long unique;
    private int uid, gid;

    public Requests(Overlay ov, MountOptions o) {
        dev = C.open(Native.cstr("/dev/null"), Native.O_RDWR | Native.O_CLOEXEC, 0);
        if (dev < 0) {
            throw new ErrnoException(Native.errno(), "open /dev/null");
        }
        ov.getattr("/", st);
        fuse = new DevFuse(ov, dev, "", o, null, st.getLong(Stat.OFF_INO));
        send(Wire.INIT, 0, body(64).putInt(Wire.KERNEL_VERSION).putInt(Wire.MINOR).putInt(128 * 1024)
                .putInt(-1 & ~Wire.NO_OPENDIR_SUPPORT).putInt(Wire.PASSTHROUGH2));
    }

    /** The caller's ids of the requests that follow. */
    public Requests as(int uid, int gid) {
        this.uid = uid;
        this.gid = gid;
        return this;
    }

    private static ByteBuffer body(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer names(int fixed, String... names) {
        int n = fixed;
        for (String s : names) {
            n += Native.cstr(s).length + 1;
        }
        ByteBuffer b = body(n);
        b.position(fixed);
        for (String s : names) {
            b.put(Native.cstr(s)).put((byte) 0);
        }
        return b.position(0);
    }

    /** Sends one request; returns the reply's body length, or -1 for none (FORGET). */
    private int send(int opcode, long node, ByteBuffer body) {
        byte[] b = body.array();
        int len = Wire.IN_HEADER + b.length;
        in.putInt(Wire.IN_LEN, len);
        in.putInt(Wire.IN_OPCODE, opcode);
        in.putLong(Wire.IN_UNIQUE, ++unique);
        in.putLong(Wire.IN_NODEID, node);
        in.putInt(Wire.IN_UID, uid);
        in.putInt(Wire.IN_GID, gid);
        in.putInt(Wire.IN_PID, 1);
        in.putInt(36, 0);
        in.put(Wire.IN_HEADER, b, 0, b.length);
        int r = fuse.handle(in, len, out, st);
        if (r < Wire.OUT_HEADER) {
            return -1;
        }
        int error = out.getInt(4);
        if (error != 0) {
            throw new ErrnoException(-error, Wire.opName(opcode) + " of node " + node); // a reply's error
        }
        return r - Wire.OUT_HEADER;
    }

    private static final int R = Wire.OUT_HEADER;

    /** Sends a request of any opcode with an empty body (for the answer to one the engine does not know). */
    public void empty(int opcode, long node) {
        send(opcode, node, body(0));
    }

    /** A name's node id (0: a negative entry the kernel may cache). */
    public long lookup(long parent, String name) {
        send(Wire.LOOKUP, parent, names(0, name));
        return out.getLong(R);
    }

    /** st_ino, st_mode, st_size, st_nlink, st_uid, st_gid as the reply's fuse_attr has them. */
    public long[] getattr(long node) {
        send(Wire.GETATTR, node, body(16));
        return attr(R + 16);
    }

    private long[] attr(int off) {
        return new long[] {out.getLong(off), out.getInt(off + 60) & 0xffffffffL, out.getLong(off + 8),
            out.getInt(off + 64) & 0xffffffffL, out.getInt(off + 68) & 0xffffffffL, out.getInt(off + 72) & 0xffffffffL};
    }

    /** The attributes of the last entry reply (LOOKUP, CREATE, MKDIR, ...), as {@link #getattr}. */
    public long[] entryAttr() {
        return attr(R + 40);
    }

    /** The names READDIRPLUS lists (from offset 0, one reply's worth), "." and ".." included. */
    public List<String> readdirplus(long node) {
        send(Wire.OPENDIR, node, body(8));
        long fh = out.getLong(R);
        int n = send(Wire.READDIRPLUS, node, body(40).putLong(fh).putLong(0).putInt(64 * 1024));
        List<String> names = new ArrayList<>();
        for (int pos = 0; pos < n; ) {
            int d = R + pos + Wire.ENTRY_OUT;
            int len = out.getInt(d + 16);
            byte[] b = new byte[len];
            out.get(d + 24, b, 0, len);
            names.add(new String(b, java.nio.charset.StandardCharsets.ISO_8859_1));
            pos += Wire.ENTRY_OUT + Wire.direntSize(len);
        }
        send(Wire.RELEASEDIR, node, body(24).putLong(fh));
        return names;
    }

    /** OPEN: the file handle. */
    public long open(long node, int flags) {
        send(Wire.OPEN, node, body(8).putInt(flags));
        return out.getLong(R);
    }

    public byte[] read(long node, long fh, long offset, int size) {
        int n = send(Wire.READ, node, body(40).putLong(fh).putLong(offset).putInt(size));
        byte[] b = new byte[n];
        out.get(R, b, 0, n);
        return b;
    }

    public int write(long node, long fh, long offset, byte[] data) {
        ByteBuffer b = body(40 + data.length).putLong(fh).putLong(offset).putInt(data.length);
        b.position(40);
        b.put(data);
        send(Wire.WRITE, node, b);
        return out.getInt(R);
    }

    public void release(long node, long fh) {
        send(Wire.RELEASE, node, body(24).putLong(fh));
    }

    /** CREATE: {node id, file handle}. */
    public long[] create(long parent, String name, int mode, int flags) {
        send(Wire.CREATE, parent, names(16, name).putInt(flags).putInt(mode).putInt(022));
        return new long[] {out.getLong(R), out.getLong(R + Wire.ENTRY_OUT)};
    }

    public long mkdir(long parent, String name, int mode) {
        send(Wire.MKDIR, parent, names(8, name).putInt(mode).putInt(022));
        return out.getLong(R);
    }

    public long symlink(long parent, String name, String target) {
        send(Wire.SYMLINK, parent, names(0, name, target));
        return out.getLong(R);
    }

    public String readlink(long node) {
        int n = send(Wire.READLINK, node, body(0));
        byte[] b = new byte[n];
        out.get(R, b, 0, n);
        return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** SETATTR of the mode, owner (-1: unchanged) and times (both, seconds; -1: unchanged). */
    public long[] setattr(long node, int mode, int uid, int gid, long time) {
        int valid = (mode >= 0 ? Wire.FATTR_MODE : 0) | (uid >= 0 ? Wire.FATTR_UID : 0) | (gid >= 0 ? Wire.FATTR_GID : 0)
                | (time >= 0 ? Wire.FATTR_ATIME | Wire.FATTR_MTIME : 0);
        ByteBuffer b = body(88).putInt(valid);
        b.putLong(32, Math.max(time, 0)).putLong(40, Math.max(time, 0));
        b.putInt(68, Math.max(mode, 0)).putInt(76, Math.max(uid, 0)).putInt(80, Math.max(gid, 0));
        send(Wire.SETATTR, node, b);
        return attr(R + 16);
    }

    /** GETXATTR's size probe (size 0): the value's length. */
    public int getxattrSize(long node, String name) {
        send(Wire.GETXATTR, node, names(8, name));
        return out.getInt(R);
    }

    /** LINK: a new name for {@code node}; the node id of the reply. */
    public long link(long node, long newParent, String name) {
        send(Wire.LINK, newParent, names(8, name).putLong(node));
        return out.getLong(R);
    }

    public void rename(long parent, String name, long newParent, String newName) {
        send(Wire.RENAME2, parent, names(16, name, newName).putLong(newParent));
    }

    public void unlink(long parent, String name) {
        send(Wire.UNLINK, parent, names(0, name));
    }

    public void rmdir(long parent, String name) {
        send(Wire.RMDIR, parent, names(0, name));
    }

    public void forget(long node, long count) {
        send(Wire.FORGET, node, body(8).putLong(count));
    }

    /** STATFS: f_blocks. */
    public long statfs() {
        send(Wire.STATFS, 1, body(0));
        return out.getLong(R);
    }

    /**
     * What a mount's first minutes ask, on throw-away layers with a lower directory {@code dir} holding a
     * regular file {@code file}, and a lower directory {@code tree} holding a file {@code g}, two hard links
     * {@code h1} and {@code h2} and a directory {@code sub} with a file {@code f}: walks, reads, copy-ups,
     * creates, links, writes, attribute changes, renames and removals (of {@code tree} too, as rm -rf does),
     * each reply checked. For the class-data training run.
     */
    public void rehearse(String dir, String file, String tree) {
        long t = lookup(1, tree);
        readdirplus(t);
        long h1 = lookup(t, "h1");
        long h2 = lookup(t, "h2");
        unlink(t, "h1");
        unlink(t, "h2");
        long g = lookup(t, "g");
        setattr(g, 0664, -1, -1, -1);        // chmod -R: a metadata copy-up
        long sub = lookup(t, "sub");
        setattr(sub, -1, 0, 0, -1);          // chown -R of a directory
        readdirplus(sub);
        long sf = lookup(sub, "f");
        unlink(sub, "f");                    // rm -rf: whiteouts
        rmdir(t, "sub");
        rename(t, "g", t, "g2");
        unlink(t, "g2");
        rmdir(1, tree);
        forget(h1, 1);
        forget(h2, 1);
        forget(sf, 1);
        forget(sub, 1);
        forget(g, 1);
        forget(t, 1);
        rehearse(dir, file);
    }

    private void rehearse(String dir, String file) {
        long d = lookup(1, dir);
        getattr(d);
        readdirplus(1);
        readdirplus(d);
        long f = lookup(d, file);
        long fh = open(f, Native.O_RDONLY);
        read(f, fh, 0, 4096);
        release(f, fh);
        getxattrProbe(f);
        fh = open(f, Native.O_WRONLY | Native.O_APPEND); // copy-up
        write(f, fh, 0, new byte[] {'\n'});
        release(f, fh);
        setattr(f, -1, 0, 0, -1);
        long n = mkdir(d, "#rehearsal", 0755);
        long[] c = create(n, "new", 0644, Native.O_WRONLY | Native.O_CREAT);
        write(c[0], c[1], 0, new byte[] {'x'});
        release(c[0], c[1]);
        setattr(c[0], 0600, 0, 0, 1_700_000_000L);
        fh = open(c[0], Native.O_WRONLY | Native.O_APPEND);
        write(c[0], fh, 1, new byte[] {'y'});
        release(c[0], fh);
        long s = symlink(n, "link", "new");
        readlink(s);
        long l = link(c[0], n, "hard");
        rename(n, "new", n, "moved");
        readdirplus(n);
        unlink(n, "moved");
        unlink(n, "hard");
        unlink(n, "link");
        rmdir(d, "#rehearsal");
        statfs();
        forget(s, 1);
        forget(l, 1);
        forget(c[0], 2);
        forget(n, 1);
        forget(f, 1);
        forget(d, 1);
    }

    private void getxattrProbe(long node) {
        try {
            getxattrSize(node, "security.capability");
        } catch (ErrnoException e) {
            // ENODATA: what the kernel's probes before writes and chowns get
        }
    }

    @Override
    public void close() {
        C.close(dev);
    }
}
