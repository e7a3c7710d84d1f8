package dev.fuseoverlay.realfs;

import static dev.fuseoverlay.realfs.Native.C;
import static dev.fuseoverlay.realfs.Native.cstr;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;

/**
 * The one place that touches a layer on disk (the kernel's {@code ovl_do_*} idea). Every mutation goes
 * through a method here and is logged when debugging; reads are here too so that no other class calls the
 * C library on layer paths. Paths are absolute real paths whose chars are the bytes of the name.
 *
 * <p>Nothing here follows a symlink: stat, xattrs, chown and utimes use the l-/no-follow variants, opens
 * add O_NOFOLLOW. Errors come back as {@link ErrnoException}, except where a method documents a
 * {@code null} for "not there".
 */
public final class RealFs {
    private final PrintStream log;

    /** @param log where mutations are logged, or null for no logging */
    public RealFs(PrintStream log) {
        this.log = log;
    }

    /**
     * Layer roots opened as directory descriptors: every path under one is reached with the *at calls
     * relative to it, so a merged path may be as long as PATH_MAX whatever the layer's own path.
     */
    private volatile String[] roots = new String[0];
    private volatile int[] rootFds = new int[0];

    /** Makes paths under {@code root} resolve relative to a descriptor of it. */
    public synchronized void addRoot(String root) {
        int fd = C.open(cstr(root), Native.O_PATH | Native.O_DIRECTORY | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            throw fail("open", root);
        }
        String[] r = java.util.Arrays.copyOf(roots, roots.length + 1);
        int[] f = java.util.Arrays.copyOf(rootFds, rootFds.length + 1);
        r[r.length - 1] = root;
        f[f.length - 1] = fd;
        roots = r;
        rootFds = f;
    }

    private int rootIndex(String path) {
        String[] r = roots;
        for (int i = 0; i < r.length; i++) {
            String root = r[i];
            if (path.startsWith(root) && (path.length() == root.length() || path.charAt(root.length()) == '/')) {
                return i;
            }
        }
        return -1;
    }

    /** The directory descriptor of root {@code i} ({@link #rootIndex}; AT_FDCWD for a path under no root). */
    private int dirfd(int i) {
        return i < 0 ? Native.AT_FDCWD : rootFds[i];
    }

    /** The path relative to root {@code i}'s descriptor ("." for the root itself; the path under no root). */
    private String rel(int i, String path) {
        if (i < 0) {
            return path;
        }
        int n = roots[i].length();
        return path.length() == n ? "." : path.substring(n + 1);
    }

    /** fstatat of a path (symlinks not followed) relative to its root's descriptor: what the call returns. */
    private int fstatat(String path, Pointer buf) {
        int i = rootIndex(path);
        return C.fstatat(dirfd(i), cstr(rel(i, path)), buf, Native.AT_SYMLINK_NOFOLLOW);
    }

    private static final int AT_REMOVEDIR = 0x200;
    private static final long SYS_OPENAT2 = 437;
    private static final long RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04, RESOLVE_BENEATH = 0x08,
            RESOLVE_IN_ROOT = 0x10;
    private static final ThreadLocal<Pointer> OPEN_HOW =
            ThreadLocal.withInitial(() -> jnr.ffi.Memory.allocateDirect(Native.RUNTIME, 24, true));

    /** A call relative to a directory descriptor; returns what the C call returns (-1 and errno on failure). */
    @FunctionalInterface
    private interface AtCall {
        long apply(int dirfd, byte[] name);
    }

    /**
     * Runs a call on the last component of a path whose directories are reached with openat2
     * RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS: however a layer changes under the mount, no symlink inside it is
     * followed and nothing outside its root is reached (ELOOP or EXDEV instead). Mutations and opens go
     * through here; stat-like reads use the plain *at calls.
     */
    private long at(String path, AtCall call) {
        int i = rootIndex(path);
        if (i < 0) {
            return call.apply(Native.AT_FDCWD, cstr(path));
        }
        String rel = rel(i, path);
        int slash = rel.lastIndexOf('/');
        if (slash < 0) {
            return call.apply(rootFds[i], cstr(rel));
        }
        int dfd = openBeneath(rootFds[i], rel.substring(0, slash), Native.O_PATH | Native.O_DIRECTORY);
        if (dfd < 0) {
            return -1;
        }
        try {
            return call.apply(dfd, cstr(rel.substring(slash + 1)));
        } finally {
            int e = Native.errno();
            C.close(dfd);
            Native.RUNTIME.setLastError(e);
        }
    }

    private static int openBeneath(int dirfd, String rel, int flags) {
        return openat2(dirfd, rel, flags, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    }

    /**
     * openat2 with {@code rootFd} as "/": every symlink on the way (an absolute one too) and ".." resolve
     * inside it, as they do for a process whose root it is. Returns the descriptor, or -1 and errno.
     */
    public static int openInRoot(int rootFd, String rel, int flags) {
        return openat2(rootFd, rel, flags, RESOLVE_IN_ROOT);
    }

    private static int openat2(int dirfd, String rel, int flags, long resolve) {
        Pointer how = OPEN_HOW.get();
        how.putLong(0, flags | Native.O_CLOEXEC);
        how.putLong(8, 0);
        how.putLong(16, resolve);
        return (int) C.syscall(SYS_OPENAT2, dirfd, cstr(rel), how, 24);
    }

    /** An xattr call on a path: {@code follow} says whether the path may be followed (a /proc/self/fd name). */
    @FunctionalInterface
    private interface XattrCall {
        long apply(byte[] path, boolean follow);
    }

    /**
     * xattr calls have no *at form: the path itself when short enough (no-follow variants), else a
     * /proc/self/fd name of an O_PATH descriptor, which leads to the object itself, symlinks included.
     * Returns the call's result; errno is left as the call set it.
     */
    private long xattr(String path, XattrCall call) {
        return xattr(path, false, call);
    }

    /** @param change a mutation: always through a descriptor reached without following symlinks */
    private long xattr(String path, boolean change, XattrCall call) {
        if (!change) {
            // reads: through the root's descriptor, so a layer path that moved or vanished after the mount
            // (containers-storage detaches its idmapped layer mounts once the mount program has them) still works
            int i = rootIndex(path);
            String via = i < 0 ? path : "/proc/self/fd/" + rootFds[i] + "/" + rel(i, path);
            if (via.length() < 4000) {
                return call.apply(cstr(via), false);
            }
        }
        int fd = (int) at(path, (d, n) -> C.openat(d, n, Native.O_PATH | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0));
        if (fd < 0) {
            return -1;
        }
        try {
            return call.apply(cstr("/proc/self/fd/" + fd), true);
        } finally {
            int e = Native.errno();
            C.close(fd);
            Native.RUNTIME.setLastError(e);
        }
    }

    private void logged(String fmt, Object... args) {
        if (log != null) {
            log.println("realfs: " + String.format(fmt, args));
        }
    }

    private static ErrnoException fail(String op, String path) {
        return new ErrnoException(Native.errno(), op + " " + printable(path));
    }

    private static void check(long rc, String op, String path) {
        if (rc < 0) {
            throw fail(op, path);
        }
    }

    /**
     * The mode of the overlay's private directories (work/work, work/index): 0 like the kernel's, where the
     * server can pass any mode bits (root, or root of a user namespace); 0700 for a plain user, who could not
     * enter a directory of mode 0 to build a copy-up there.
     */
    public static int privateDirMode() {
        return Native.C.geteuid() == 0 ? 0 : 0700;
    }

    /** For messages: the real bytes of a name shown as UTF-8. */
    public static String printable(String path) {
        return new String(path.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    // ---- reads ---------------------------------------------------------------------------------------

    /** lstat; null when nothing is there (ENOENT, ENOTDIR). */
    public Stat lstat(String path) {
        Pointer buf = Native.statBuffer();
        if (fstatat(path, buf) < 0) {
            int e = Native.errno();
            if (e == Errno.ENOENT || e == Errno.ENOTDIR) {
                return null;
            }
            throw new ErrnoException(e, "lstat " + printable(path));
        }
        return new Stat(buf);
    }

    /**
     * Whether a marker name exists (AUFS whiteouts, opaque markers). A name that cannot exist because the
     * path would be too long is simply not there.
     */
    public boolean exists(String path) {
        Pointer buf = Native.statBuffer();
        if (fstatat(path, buf) == 0) {
            return true;
        }
        int e = Native.errno();
        if (e == Errno.ENOENT || e == Errno.ENOTDIR || e == Errno.ENAMETOOLONG) {
            return false;
        }
        throw new ErrnoException(e, "lstat " + printable(path));
    }

    /**
     * Copies the {@code struct stat} of this thread's last successful {@link #lstat} or {@link #fstat} (the
     * buffer {@link Stat} was read from) into {@code to}: for a caller that needs the raw structure of an
     * object it has just stat'ed, without asking the kernel again.
     */
    public static void copyLastStat(Pointer to) {
        Native.statBuffer().transferTo(0, to, 0, Stat.SIZE);
    }

    /** lstat straight into a caller's {@code struct stat} buffer; returns 0 or the errno. */
    public int lstatInto(String path, Pointer buf) {
        return fstatat(path, buf) < 0 ? Native.errno() : 0;
    }

    public Stat fstat(int fd) {
        Pointer buf = Native.statBuffer();
        if (C.fstat(fd, buf) < 0) {
            throw new ErrnoException(Native.errno(), "fstat");
        }
        return new Stat(buf);
    }

    public int fstatInto(int fd, Pointer buf) {
        return C.fstat(fd, buf) < 0 ? Native.errno() : 0;
    }

    /** The value of an xattr, or null when the object has none of that name (or no xattr support). */
    public byte[] getxattr(String path, String name) {
        byte[] nm = cstr(name);
        byte[] buf = new byte[256];
        while (true) {
            byte[] b = buf;
            long n = xattr(path, (p, f) -> f ? C.getxattr(p, nm, b, b.length) : C.lgetxattr(p, nm, b, b.length));
            if (n >= 0) {
                return java.util.Arrays.copyOf(buf, (int) n);
            }
            int e = Native.errno();
            if (e == Errno.ENODATA || e == Errno.EOPNOTSUPP || e == Errno.ENOENT) {
                return null;
            }
            if (e != Errno.ERANGE) {
                throw new ErrnoException(e, "getxattr " + printable(path) + " " + name);
            }
            long size = xattr(path, (p, f) -> f ? C.getxattr(p, nm, (byte[]) null, 0) : C.lgetxattr(p, nm, (byte[]) null, 0));
            if (size < 0) {
                throw fail("getxattr", path);
            }
            buf = new byte[(int) Math.max(size, buf.length * 2L)];
        }
    }

    /** getxattr into a caller's buffer; returns the size or {@code -errno}. */
    public long getxattrInto(String path, String name, Pointer value, long size) {
        Pointer v = size == 0 ? null : value;
        byte[] nm = cstr(name);
        long n = xattr(path, (p, f) -> f ? C.getxattr(p, nm, v, size) : C.lgetxattr(p, nm, v, size));
        return n < 0 ? -Native.errno() : n;
    }

    /** The xattr names of an object (empty when the filesystem has no xattrs). */
    public List<String> listxattr(String path) {
        byte[] buf = new byte[1024];
        long n;
        while ((n = list(path, buf)) < 0) {
            int e = Native.errno();
            if (e == Errno.EOPNOTSUPP) {
                return List.of();
            }
            if (e != Errno.ERANGE) {
                throw new ErrnoException(e, "listxattr " + printable(path));
            }
            buf = new byte[buf.length * 4];
        }
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (buf[i] == 0) {
                if (i > start) {
                    names.add(new String(buf, start, i - start, StandardCharsets.ISO_8859_1));
                }
                start = i + 1;
            }
        }
        return names;
    }

    private long list(String path, byte[] buf) {
        return xattr(path, (p, f) -> f ? C.listxattr(p, buf, buf.length) : C.llistxattr(p, buf, buf.length));
    }

    public String readlink(String path) {
        byte[] buf = new byte[4096];
        int i = rootIndex(path);
        long n = C.readlinkat(dirfd(i), cstr(rel(i, path)), buf, buf.length);
        if (n < 0) {
            throw fail("readlink", path);
        }
        return new String(buf, 0, (int) n, StandardCharsets.ISO_8859_1);
    }

    /** Bytes of directory entries one getdents64 call may return (a directory of 32 KiB takes one call). */
    private static final int DIRENTS = 32 * 1024;
    private static final ThreadLocal<Pointer> DIRENT_BUF =
            ThreadLocal.withInitial(() -> jnr.ffi.Memory.allocateDirect(Native.RUNTIME, DIRENTS, false));
    private static final ThreadLocal<byte[]> DIRENT_BYTES = ThreadLocal.withInitial(() -> new byte[DIRENTS]);

    /**
     * The entries of a real directory without "." and "..". One getdents64 call fills a buffer with many
     * entries, copied to the heap in one piece and parsed here: libc's readdir with a native read per field
     * cost four calls into native code per entry, and jnr-ffi decoded each name through a charset decoder.
     */
    public List<DirEntry> readdir(String path) {
        int dfd = (int) at(path, (d, n) -> C.openat(d, n, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0));
        if (dfd < 0) {
            throw fail("opendir", path);
        }
        try {
            Pointer buf = DIRENT_BUF.get();
            byte[] b = DIRENT_BYTES.get();
            List<DirEntry> out = new ArrayList<>();
            long n;
            while ((n = C.getdents64(dfd, buf, DIRENTS)) > 0) {
                buf.get(0, b, 0, (int) n);
                // struct linux_dirent64: d_ino 0, d_off 8, d_reclen 16, d_type 18, d_name 19 (NUL-terminated)
                for (int off = 0; off < n; off += (b[off + 16] & 0xff) | (b[off + 17] & 0xff) << 8) {
                    int name = off + 19;
                    int end = name;
                    while (b[end] != 0) {
                        end++;
                    }
                    if (b[name] == '.' && (end == name + 1 || end == name + 2 && b[name + 1] == '.')) {
                        continue;
                    }
                    out.add(new DirEntry(new String(b, name, end - name, StandardCharsets.ISO_8859_1), b[off + 18] & 0xff, le64(b, off)));
                }
            }
            if (n < 0) {
                throw fail("readdir", path);
            }
            return out;
        } finally {
            C.close(dfd);
        }
    }

    private static long le64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }

    /** Opens an existing object (never creates, never follows a final symlink). */
    public int open(String path, int flags) {
        int fd = (int) at(path, (d, n) -> C.openat(d, n, (flags & ~(Native.O_CREAT | Native.O_EXCL)) | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0));
        if (fd < 0) {
            throw fail("open", path);
        }
        if ((flags & Native.O_TRUNC) != 0 && (flags & Native.O_ACCMODE) != Native.O_RDONLY) {
            logged("open %s O_TRUNC", printable(path));
        }
        return fd;
    }

    public void close(int fd) {
        C.close(fd);
    }

    public int statvfsInto(String path, Pointer buf) {
        return C.statvfs(cstr(path), buf) < 0 ? Native.errno() : 0;
    }

    /**
     * Copy-up's data copy: {@code size} bytes between two descriptors that are both at offset 0, keeping
     * holes: only the data extents are copied and the end is set by ftruncate. {@code dense}: the source is
     * known to have no holes (blocks cover its size), so the extent search is skipped.
     */
    public void copyData(int in, int out, long size, boolean dense) {
        logged("copy data fd%d => fd%d %d bytes", in, out, size);
        long off = 0;
        long pos = 0; // where both descriptors are
        while (off < size) {
            long data = off;
            long hole = size;
            if (!dense) {
                data = C.lseek(in, off, Native.SEEK_DATA);
                if (data < 0) {
                    int e = Native.errno();
                    if (e == 6 /* ENXIO: only a hole is left */) {
                        break;
                    }
                    data = off; // no SEEK_DATA here: copy everything
                }
                hole = C.lseek(in, data, Native.SEEK_HOLE);
                if (hole < 0 || hole > size) {
                    hole = size;
                }
                pos = -1; // the probes moved the source's offset
            }
            if (pos != data && (C.lseek(in, data, Native.SEEK_SET) < 0 || C.lseek(out, data, Native.SEEK_SET) < 0)) {
                throw new ErrnoException(Native.errno(), "lseek during copy-up");
            }
            pos = copyRange(in, out, data, hole - data);
            off = hole;
        }
        if (C.ftruncate(out, size) < 0) {
            throw new ErrnoException(Native.errno(), "ftruncate during copy-up");
        }
    }

    /**
     * Copies from both descriptors' current offset {@code off}; returns where both descriptors are after,
     * or -1 when that is not known (the copy by hand does not move them).
     */
    private static long copyRange(int in, int out, long off, long len) {
        long done = 0;
        while (done < len) {
            long n = C.copy_file_range(in, null, out, null, len - done, 0);
            if (n < 0) {
                int e = Native.errno();
                if (e == Errno.EXDEV || e == Errno.EINVAL || e == Errno.ENOSYS || e == Errno.EOPNOTSUPP) {
                    copyRangeByHand(in, out, off + done, len - done);
                    return -1;
                }
                throw new ErrnoException(e, "copy_file_range during copy-up");
            }
            if (n == 0) {
                break; // the source shrank under us
            }
            done += n;
        }
        return off + done;
    }

    private static void copyRangeByHand(int in, int out, long off, long len) {
        Pointer buf = jnr.ffi.Memory.allocateDirect(Native.RUNTIME, 1 << 20);
        while (len > 0) {
            long n = C.pread(in, buf, Math.min(len, 1 << 20), off);
            if (n < 0) {
                throw new ErrnoException(Native.errno(), "read during copy-up");
            }
            if (n == 0) {
                return;
            }
            for (long done = 0; done < n; ) {
                long w = C.pwrite(out, buf.slice(done), n - done, off + done);
                if (w < 0) {
                    throw new ErrnoException(Native.errno(), "write during copy-up");
                }
                done += w;
            }
            off += n;
            len -= n;
        }
    }

    /** A file handle as name_to_handle_at(2) encodes it (the kernel's exportfs encoding of the object). */
    public record FileHandle(int type, byte[] bytes) {}

    private static final int MAX_HANDLE_SZ = 128;
    private static final ThreadLocal<Pointer> HANDLE_BUF =
            ThreadLocal.withInitial(() -> jnr.ffi.Memory.allocateDirect(Native.RUNTIME, 8 + MAX_HANDLE_SZ, true));

    /**
     * The file handle of an object (symlinks not followed), or null when its filesystem cannot encode one
     * (EOPNOTSUPP) or it is gone.
     */
    public FileHandle fileHandle(String path) {
        Pointer h = HANDLE_BUF.get();
        h.putInt(0, MAX_HANDLE_SZ);
        int[] mountId = new int[1];
        int i = rootIndex(path);
        if (C.name_to_handle_at(dirfd(i), cstr(rel(i, path)), h, mountId, 0) < 0) {
            int e = Native.errno();
            if (e == Errno.EOPNOTSUPP || e == Errno.ENOENT || e == Errno.ENOTDIR) {
                return null;
            }
            throw new ErrnoException(e, "name_to_handle_at " + printable(path));
        }
        int n = h.getInt(0);
        byte[] b = new byte[n];
        h.get(8, b, 0, n);
        return new FileHandle(h.getInt(4), b);
    }

    /** FS_IOC_GETFSUUID: _IOR(0x15, 0, struct fsuuid2 {u8 len; u8 uuid[16];}). */
    private static final long FS_IOC_GETFSUUID = 0x80111500L;

    /**
     * The 16-byte uuid of the filesystem holding a directory, as the kernel keeps it in {@code sb->s_uuid}
     * (FS_IOC_GETFSUUID, Linux 6.5+). A filesystem without one (ENOTTY) has the null uuid, all zeros, as
     * its s_uuid is then.
     */
    public byte[] fsUuid(String dir) {
        int fd = C.open(cstr(dir), Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            throw fail("open", dir);
        }
        try {
            Pointer buf = jnr.ffi.Memory.allocateDirect(Native.RUNTIME, 17, true);
            byte[] uuid = new byte[16];
            if (C.ioctl(fd, FS_IOC_GETFSUUID, buf) == 0) {
                int len = Math.min(buf.getByte(0) & 0xff, 16);
                buf.get(1, uuid, 0, len);
            }
            return uuid;
        } finally {
            C.close(fd);
        }
    }

    /**
     * Opens the object a file handle names on the filesystem of a layer root (open_by_handle_at(2), needs
     * CAP_DAC_READ_SEARCH); returns the descriptor (O_PATH) or -1 when it cannot be found or decoded.
     */
    public int openByHandle(String root, FileHandle fh) {
        // not the root's O_PATH descriptor: open_by_handle_at refuses those (EBADF)
        int mountFd = C.open(cstr(root), Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC, 0);
        if (mountFd < 0 || fh.bytes().length > MAX_HANDLE_SZ) {
            if (mountFd >= 0) {
                C.close(mountFd);
            }
            return -1;
        }
        try {
            Pointer h = HANDLE_BUF.get();
            h.putInt(0, fh.bytes().length);
            h.putInt(4, fh.type());
            h.put(8, fh.bytes(), 0, fh.bytes().length);
            return C.open_by_handle_at(mountFd, h, Native.O_PATH | Native.O_CLOEXEC);
        } finally {
            int e = Native.errno();
            C.close(mountFd);
            Native.RUNTIME.setLastError(e);
        }
    }

    // ---- mutations -----------------------------------------------------------------------------------

    /** Creates a new regular file (O_EXCL) and returns its descriptor. */
    public int create(String path, int flags, int mode) {
        logged("create %s 0%o", printable(path), mode);
        int fd = (int) at(path, (d, n) -> C.openat(d, n, flags | Native.O_CREAT | Native.O_EXCL | Native.O_NOFOLLOW | Native.O_CLOEXEC, mode));
        if (fd < 0) {
            throw fail("create", path);
        }
        return fd;
    }

    /** O_TMPFILE (with O_DIRECTORY, as the kernel defines it). */
    public static final int O_TMPFILE = 020000000 | Native.O_DIRECTORY;
    private static final int AT_SYMLINK_FOLLOW = 0x400;

    /**
     * An unnamed regular file in directory {@code dir} (O_TMPFILE): its descriptor, or minus the errno
     * (EOPNOTSUPP, EISDIR, EINVAL where the filesystem has no such files). Freed on its last close unless
     * {@link #tryLinkTmpfile} gives it a name first; a crash leaves nothing behind.
     */
    public int tryTmpfile(String dir, int flags, int mode) {
        logged("tmpfile in %s 0%o", printable(dir), mode);
        int fd = (int) at(dir, (d, n) -> C.openat(d, n, flags | O_TMPFILE | Native.O_CLOEXEC, mode));
        return fd < 0 ? -Native.errno() : fd;
    }

    /**
     * Gives an O_TMPFILE its name {@code path} in one step (linkat through /proc/self/fd, which needs no
     * capability); 0 or the errno (EEXIST: something is there already, and stays).
     */
    public int tryLinkTmpfile(int fd, String path) {
        logged("link fd%d => %s", fd, printable(path));
        byte[] proc = cstr("/proc/self/fd/" + fd);
        return at(path, (d, n) -> C.linkat(Native.AT_FDCWD, proc, d, n, AT_SYMLINK_FOLLOW)) < 0 ? Native.errno() : 0;
    }

    public void mkdir(String path, int mode) {
        logged("mkdir %s 0%o", printable(path), mode);
        check(at(path, (d, n) -> C.mkdirat(d, n, mode)), "mkdir", path);
    }

    public void rmdir(String path) {
        logged("rmdir %s", printable(path));
        check(at(path, (d, n) -> C.unlinkat(d, n, AT_REMOVEDIR)), "rmdir", path);
    }

    public void unlink(String path) {
        logged("unlink %s", printable(path));
        check(at(path, (d, n) -> C.unlinkat(d, n, 0)), "unlink", path);
    }

    /** mknod; returns 0 or the errno so callers can fall back (e.g. whiteouts where mknod is refused). */
    public int tryMknod(String path, int mode, long dev) {
        logged("mknod %s 0%o %d:%d", printable(path), mode, Stat.major(dev), Stat.minor(dev));
        return at(path, (d, n) -> C.mknodat(d, n, mode, dev)) < 0 ? Native.errno() : 0;
    }

    public void mknod(String path, int mode, long dev) {
        int e = tryMknod(path, mode, dev);
        if (e != 0) {
            throw new ErrnoException(e, "mknod " + printable(path));
        }
    }

    public void symlink(String target, String path) {
        logged("symlink %s -> %s", printable(path), printable(target));
        check(at(path, (d, n) -> C.symlinkat(cstr(target), d, n)), "symlink", path);
    }

    public void link(String existing, String path) {
        int e = tryLink(existing, path);
        if (e != 0) {
            throw new ErrnoException(e, "link " + printable(path));
        }
    }

    /** link(2); returns 0 or the errno (EEXIST, EMLINK, EPERM: for callers with another way). */
    public int tryLink(String existing, String path) {
        logged("link %s => %s", printable(existing), printable(path));
        return at(existing, (d1, n1) -> at(path, (d2, n2) -> C.linkat(d1, n1, d2, n2, 0))) < 0 ? Native.errno() : 0;
    }

    public void rename(String from, String to) {
        logged("rename %s => %s", printable(from), printable(to));
        check(at(from, (d1, n1) -> at(to, (d2, n2) -> C.renameat2(d1, n1, d2, n2, 0))), "rename", from);
    }

    /** renameat2 with flags; returns 0 or the errno (EINVAL/ENOSYS tell the caller to fall back). */
    public int tryRename2(String from, String to, int flags) {
        logged("rename %s => %s flags=%d", printable(from), printable(to), flags);
        return at(from, (d1, n1) -> at(to, (d2, n2) -> C.renameat2(d1, n1, d2, n2, flags))) < 0 ? Native.errno() : 0;
    }

    public void chmod(String path, int mode) {
        logged("chmod %s 0%o", printable(path), mode);
        check(at(path, (d, n) -> C.fchmodat(d, n, mode, 0)), "chmod", path);
    }

    public void lchown(String path, int uid, int gid) {
        logged("chown %s %d:%d", printable(path), uid, gid);
        check(at(path, (d, n) -> C.fchownat(d, n, uid, gid, Native.AT_SYMLINK_NOFOLLOW)), "chown", path);
    }

    public void fchown(int fd, int uid, int gid) {
        logged("fchown fd%d %d:%d", fd, uid, gid);
        if (C.fchown(fd, uid, gid) < 0) {
            throw new ErrnoException(Native.errno(), "fchown");
        }
    }

    public void fchmod(int fd, int mode) {
        logged("fchmod fd%d 0%o", fd, mode);
        if (C.fchmod(fd, mode) < 0) {
            throw new ErrnoException(Native.errno(), "fchmod");
        }
    }

    /** utimensat without following symlinks; times = {atime sec, nsec, mtime sec, nsec} (UTIME_NOW/OMIT allowed). */
    public void utimens(String path, long[] times) {
        logged("utimens %s", printable(path));
        check(at(path, (d, n) -> C.utimensat(d, n, times, Native.AT_SYMLINK_NOFOLLOW)), "utimens", path);
    }

    public void futimens(int fd, long[] times) {
        logged("futimens fd%d", fd);
        if (C.futimens(fd, times) < 0) {
            throw new ErrnoException(Native.errno(), "futimens");
        }
    }

    /**
     * chmod, chown and utimens of the object an open descriptor refers to, an O_PATH one too (fchmod(2) and
     * fchown(2) refuse those): through its /proc/self/fd link, which the calls follow.
     */
    public void chmodOpen(int fd, int mode) {
        logged("chmod fd%d 0%o", fd, mode);
        checkOpen(C.fchmodat(Native.AT_FDCWD, procFd(fd), mode, 0), "chmod");
    }

    public void chownOpen(int fd, int uid, int gid) {
        logged("chown fd%d %d:%d", fd, uid, gid);
        checkOpen(C.fchownat(Native.AT_FDCWD, procFd(fd), uid, gid, 0), "chown");
    }

    public void utimensOpen(int fd, long[] times) {
        logged("utimens fd%d", fd);
        checkOpen(C.utimensat(Native.AT_FDCWD, procFd(fd), times, 0), "utimens");
    }

    private static byte[] procFd(int fd) {
        return cstr("/proc/self/fd/" + fd);
    }

    private static void checkOpen(int rc, String what) {
        if (rc < 0) {
            throw new ErrnoException(Native.errno(), what + " of an open file");
        }
    }

    public void ftruncate(int fd, long size) {
        logged("ftruncate fd%d %d", fd, size);
        if (C.ftruncate(fd, size) < 0) {
            throw new ErrnoException(Native.errno(), "ftruncate");
        }
    }

    /** Per thread: how often it has waited for data to reach the disk ({@link #fsync}, {@link #writeBack}). */
    private static final ThreadLocal<int[]> DISK_WAITS = ThreadLocal.withInitial(() -> new int[1]);

    /** How often the calling thread has waited for data to reach the disk (a count to compare, not a total). */
    public static int diskWaits() {
        return DISK_WAITS.get()[0];
    }

    public void fsync(int fd) {
        DISK_WAITS.get()[0]++;
        logged("fsync fd%d", fd);
        if (C.fsync(fd) < 0) {
            throw new ErrnoException(Native.errno(), "fsync");
        }
    }

    /**
     * Writes a file's dirty data to the device and waits for it (sync_file_range WAIT_BEFORE, WRITE,
     * WAIT_AFTER): no journal commit and no cache flush, so no durability on its own. What it gives is order,
     * on a journaling filesystem that allocates at writeback: the blocks and size that writeback records join
     * the running transaction, so any later change (a rename) commits with them or after them, and that
     * commit's flush covers the data already written. See {@code CopyUp.Durability}.
     */
    public void writeBack(int fd) {
        DISK_WAITS.get()[0]++;
        logged("sync_file_range fd%d", fd);
        if (C.sync_file_range(fd, 0, 0, 1 | 2 | 4) < 0) {
            throw new ErrnoException(Native.errno(), "sync_file_range");
        }
    }

    /** The filesystem type (statfs f_type, e.g. 0xEF53 for ext4) of the filesystem holding {@code path}. */
    public long fsType(String path) {
        Pointer buf = jnr.ffi.Memory.allocateDirect(Native.RUNTIME, 128, true); // struct statfs: 120 bytes
        if (C.statfs(cstr(path), buf) < 0) {
            throw fail("statfs", path);
        }
        return buf.getLong(0);
    }

    public void truncate(String path, long size) {
        logged("truncate %s %d", printable(path), size);
        int fd = (int) at(path, (d, n) -> C.openat(d, n, Native.O_WRONLY | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0));
        if (fd < 0) {
            throw fail("truncate", path);
        }
        try {
            if (C.ftruncate(fd, size) < 0) {
                throw fail("truncate", path);
            }
        } finally {
            C.close(fd);
        }
    }

    public void setxattr(String path, String name, byte[] value, int flags) {
        int e = trySetxattr(path, name, value, flags);
        if (e != 0) {
            throw new ErrnoException(e, "setxattr " + printable(path));
        }
    }

    /** setxattr; returns 0 or the errno (for probes and optional metadata). */
    public int trySetxattr(String path, String name, byte[] value) {
        return trySetxattr(path, name, value, 0);
    }

    private int trySetxattr(String path, String name, byte[] value, int flags) {
        logged("setxattr %s %s", printable(path), name);
        byte[] nm = cstr(name);
        return xattr(path, true, (p, f) -> f ? C.setxattr(p, nm, value, value.length, flags)
                : C.lsetxattr(p, nm, value, value.length, flags)) < 0 ? Native.errno() : 0;
    }

    public void fsetxattr(int fd, String name, byte[] value) {
        int e = tryFsetxattr(fd, name, value);
        if (e != 0) {
            throw new ErrnoException(e, "fsetxattr " + name);
        }
    }

    /** fsetxattr on an open descriptor; returns 0 or the errno. */
    public int tryFsetxattr(int fd, String name, byte[] value) {
        logged("fsetxattr fd%d %s", fd, name);
        return C.fsetxattr(fd, cstr(name), value, value.length, 0) < 0 ? Native.errno() : 0;
    }

    public void setxattr(String path, String name, Pointer value, long size, int flags) {
        logged("setxattr %s %s", printable(path), name);
        byte[] nm = cstr(name);
        check((int) xattr(path, true, (p, f) -> f ? C.setxattr(p, nm, value, size, flags)
                : C.lsetxattr(p, nm, value, size, flags)), "setxattr", path);
    }

    public void removexattr(String path, String name) {
        logged("removexattr %s %s", printable(path), name);
        byte[] nm = cstr(name);
        check((int) xattr(path, true, (p, f) -> f ? C.removexattr(p, nm) : C.lremovexattr(p, nm)), "removexattr", path);
    }

    /**
     * Removes a tree that lies in the work directory (never follows symlinks: directories are recognised
     * by lstat). Used to clean stale work and to drop a replaced upper directory.
     */
    public void removeTree(String path) {
        Stat st = lstat(path);
        if (st == null) {
            return;
        }
        if (st.isDir()) {
            for (DirEntry e : readdir(path)) {
                removeTree(path + "/" + e.name());
            }
            rmdir(path);
        } else {
            unlink(path);
        }
    }
}
