package dev.fuseoverlay.fuse.direct;

import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;

/**
 * The FUSE kernel protocol's structures (include/uapi/linux/fuse.h, x86_64 layout) as offsets, and the
 * encoders that fill them from a {@code struct stat} on native memory. Everything here is pure: no
 * descriptor, no mount, so it is unit-tested on plain buffers.
 */
final class Wire {
    private Wire() {}

    static final int KERNEL_VERSION = 7;
    /** The protocol minor we speak (7.38, Linux 6.2 onwards); the kernel's is used when lower. */
    static final int MINOR = 38;

    // opcodes
    static final int LOOKUP = 1, FORGET = 2, GETATTR = 3, SETATTR = 4, READLINK = 5, SYMLINK = 6, MKNOD = 8,
            MKDIR = 9, UNLINK = 10, RMDIR = 11, RENAME = 12, LINK = 13, OPEN = 14, READ = 15, WRITE = 16,
            STATFS = 17, RELEASE = 18, FSYNC = 20, SETXATTR = 21, GETXATTR = 22, LISTXATTR = 23,
            REMOVEXATTR = 24, FLUSH = 25, INIT = 26, OPENDIR = 27, READDIR = 28, RELEASEDIR = 29,
            FSYNCDIR = 30, ACCESS = 34, CREATE = 35, INTERRUPT = 36, DESTROY = 38, BATCH_FORGET = 42,
            FALLOCATE = 43, READDIRPLUS = 44, RENAME2 = 45, LSEEK = 46;

    // FUSE_INIT flags
    static final int ASYNC_READ = 1, ATOMIC_O_TRUNC = 1 << 3, BIG_WRITES = 1 << 5, DONT_MASK = 1 << 6, DO_READDIRPLUS = 1 << 13,
            READDIRPLUS_AUTO = 1 << 14, PARALLEL_DIROPS = 1 << 18, POSIX_ACL = 1 << 20, MAX_PAGES = 1 << 22, CACHE_SYMLINKS = 1 << 23,
            NO_OPENDIR_SUPPORT = 1 << 24, HANDLE_KILLPRIV_V2 = 1 << 28, INIT_EXT = 1 << 30;
    /** fuse_init_in/out.flags2 (the upper 32 bits of the flags, with INIT_EXT): FUSE_PASSTHROUGH. */
    static final int PASSTHROUGH2 = 1 << (37 - 32);
    /** FUSE_OVER_IO_URING (1 << 41), in flags2. */
    static final int OVER_IO_URING2 = 1 << (41 - 32);
    /** ioctls on /dev/fuse: register a backing file for passthrough (struct fuse_backing_map), and drop it. */
    static final long IOC_BACKING_OPEN = 0x4010e501L, IOC_BACKING_CLOSE = 0x4004e502L;

    // fuse_getattr_in.getattr_flags, fuse_setattr_in.valid, fuse_open_out.open_flags
    static final int GETATTR_FH = 1;
    static final int FATTR_MODE = 1, FATTR_UID = 2, FATTR_GID = 4, FATTR_SIZE = 8, FATTR_ATIME = 16,
            FATTR_MTIME = 32, FATTR_FH = 64, FATTR_ATIME_NOW = 128, FATTR_MTIME_NOW = 256, FATTR_KILL_SUIDGID = 1 << 11;
    /** fuse_write_in.write_flags, fuse_open_in.open_flags: the caller lacks CAP_FSETID (HANDLE_KILLPRIV_V2). */
    static final int WRITE_KILL_SUIDGID = 1 << 2, OPEN_KILL_SUIDGID = 1;
    static final int FOPEN_KEEP_CACHE = 2, FOPEN_CACHE_DIR = 8, FOPEN_NOFLUSH = 1 << 5, FOPEN_PASSTHROUGH = 1 << 7;

    /** fuse_in_header: len, opcode, unique, nodeid, uid, gid, pid; the body follows at 40. */
    static final int IN_HEADER = 40;
    static final int IN_LEN = 0, IN_OPCODE = 4, IN_UNIQUE = 8, IN_NODEID = 16, IN_UID = 24, IN_GID = 28, IN_PID = 32;
    /** fuse_out_header: len, error (minus errno), unique. */
    static final int OUT_HEADER = 16;

    static final int ATTR_SIZE = 88, ENTRY_OUT = 40 + ATTR_SIZE, ATTR_OUT = 16 + ATTR_SIZE, OPEN_OUT = 16,
            DIRENT = 24, STATFS_OUT = 80, INIT_OUT = 64;

    /** Writes a reply header. */
    static void outHeader(Pointer out, long unique, int error, int bodyLength) {
        out.putInt(0, OUT_HEADER + bodyLength);
        out.putInt(4, error);
        out.putLong(8, unique);
    }

    /** FUSE_NOTIFY_INVAL_INODE with a negative offset: the kernel drops the node's cached attributes only. */
    static void notifyInvalInode(Pointer out, long nodeid) {
        notifyInvalInode(out, nodeid, -1, 0);
    }

    /**
     * FUSE_NOTIFY_INVAL_INODE: the kernel drops the node's cached attributes and, for {@code off >= 0}, its
     * cached data from {@code off} on ({@code len} bytes, 0 = to the end).
     */
    static void notifyInvalInode(Pointer out, long nodeid, long off, long len) {
        outHeader(out, 0, 2 /* FUSE_NOTIFY_INVAL_INODE */, 24);
        out.putLong(OUT_HEADER, nodeid);
        out.putLong(OUT_HEADER + 8, off);
        out.putLong(OUT_HEADER + 16, len);
    }

    /** Fills a fuse_attr at {@code off} from a {@code struct stat}. */
    static void attr(Pointer st, Pointer out, int off) {
        out.putLong(off, st.getLong(8));                        // ino
        out.putLong(off + 8, st.getLong(48));                   // size
        out.putLong(off + 16, st.getLong(64));                  // blocks
        out.putLong(off + 24, st.getLong(72));                  // atime
        out.putLong(off + 32, st.getLong(88));                  // mtime
        out.putLong(off + 40, st.getLong(104));                 // ctime
        out.putInt(off + 48, (int) st.getLong(80));             // atimensec
        out.putInt(off + 52, (int) st.getLong(96));
        out.putInt(off + 56, (int) st.getLong(112));
        out.putInt(off + 60, st.getInt(24));                    // mode
        out.putInt(off + 64, (int) st.getLong(16));             // nlink
        out.putInt(off + 68, st.getInt(28));                    // uid
        out.putInt(off + 72, st.getInt(32));                    // gid
        out.putInt(off + 76, encodeDev(st.getLong(40)));        // rdev, the kernel's new_encode_dev
        out.putInt(off + 80, (int) st.getLong(56));             // blksize
        out.putInt(off + 84, 0);                                // flags
    }

    /** glibc's dev_t to the kernel's 32-bit new_encode_dev form. */
    static int encodeDev(long dev) {
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        return (int) ((minor & 0xff) | (major << 8) | ((minor & ~0xffL) << 12));
    }

    /** The kernel's 32-bit device number (fuse_mknod_in.rdev) as glibc's dev_t. */
    static long decodeDev(int dev) {
        long d = dev & 0xffffffffL;
        long major = (d & 0xfff00) >>> 8;
        long minor = (d & 0xff) | ((d >>> 12) & 0xfff00);
        return ((major & 0xfff) << 8) | ((major & ~0xfffL) << 32) | (minor & 0xff) | ((minor & ~0xffL) << 12);
    }

    /** Seconds as the protocol's (u64 seconds, u32 nanoseconds) validity pairs. */
    static long seconds(double t) {
        return (long) t;
    }

    static int nanos(double t) {
        return (int) Math.round((t - Math.floor(t)) * 1e9) % 1_000_000_000;
    }

    /** Fills a fuse_entry_out at {@code off}: node id 0 means a negative entry cached for {@code entryTtl}. */
    static void entryOut(Pointer out, int off, long nodeid, double entryTtl, double attrTtl, Pointer st) {
        out.putLong(off, nodeid);
        out.putLong(off + 8, 0);                                // generation: node ids are never reused
        out.putLong(off + 16, seconds(entryTtl));
        out.putLong(off + 24, seconds(attrTtl));
        out.putInt(off + 32, nanos(entryTtl));
        out.putInt(off + 36, nanos(attrTtl));
        if (st != null) {
            attr(st, out, off + 40);
        } else {
            out.setMemory(off + 40, ATTR_SIZE, (byte) 0);
        }
    }

    /** Fills a fuse_attr_out at {@code off}. */
    static void attrOut(Pointer out, int off, double attrTtl, Pointer st) {
        out.putLong(off, seconds(attrTtl));
        out.putInt(off + 8, nanos(attrTtl));
        out.putInt(off + 12, 0);
        attr(st, out, off + 16);
    }

    /** Fills a fuse_kstatfs from a {@code struct statvfs}. */
    static void statfs(Pointer vfs, Pointer out, int off) {
        out.putLong(off, vfs.getLong(16));                      // blocks
        out.putLong(off + 8, vfs.getLong(24));                  // bfree
        out.putLong(off + 16, vfs.getLong(32));                 // bavail
        out.putLong(off + 24, vfs.getLong(40));                 // files
        out.putLong(off + 32, vfs.getLong(48));                 // ffree
        out.putInt(off + 40, (int) vfs.getLong(0));             // bsize
        out.putInt(off + 44, (int) vfs.getLong(80));            // namelen
        out.putInt(off + 48, (int) vfs.getLong(8));             // frsize
        out.setMemory(off + 52, STATFS_OUT - 52, (byte) 0);
    }

    /** Size of a fuse_dirent with a name of this many bytes, padded to 8. */
    static int direntSize(int nameLength) {
        return (DIRENT + nameLength + 7) & ~7;
    }

    /** Writes a fuse_dirent at {@code off}; returns its padded size. */
    static int dirent(Pointer out, int off, long ino, long nextOffset, int mode, byte[] name) {
        out.putLong(off, ino);
        out.putLong(off + 8, nextOffset);
        out.putInt(off + 16, name.length);
        out.putInt(off + 20, (mode >>> 12) & 017);             // DT_* from the file type bits
        out.put(off + DIRENT, name, 0, name.length);
        int size = direntSize(name.length);
        for (int i = DIRENT + name.length; i < size; i++) {
            out.putByte(off + i, (byte) 0);
        }
        return size;
    }

    /** Index of the NUL ending the string that starts at {@code off}, or -1 if none before {@code end}. */
    static int nul(Pointer in, int off, int end) {
        int i = off < end ? in.indexOf(off, (byte) 0, end - off) : -1; // one memchr, not a read per byte
        return i < 0 ? -1 : off + i;
    }

    /**
     * The NUL-terminated name at {@code off} (names are bytes: one char per byte, ISO-8859-1, so a name's
     * {@code length()} is its length in bytes, and a second name starts {@code length() + 1} after it).
     */
    static String name(Pointer in, int off, int end) {
        int z = nul(in, off, end);
        if (z < 0) {
            throw new dev.fuseoverlay.realfs.ErrnoException(dev.fuseoverlay.realfs.Errno.EINVAL, "unterminated name");
        }
        byte[] b = new byte[z - off];
        in.get(off, b, 0, b.length);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static String opName(int opcode) {
        switch (opcode) {
            case LOOKUP: return "lookup";
            case FORGET: return "forget";
            case GETATTR: return "getattr";
            case SETATTR: return "setattr";
            case READLINK: return "readlink";
            case SYMLINK: return "symlink";
            case MKNOD: return "mknod";
            case MKDIR: return "mkdir";
            case UNLINK: return "unlink";
            case RMDIR: return "rmdir";
            case RENAME: return "rename";
            case LINK: return "link";
            case OPEN: return "open";
            case READ: return "read";
            case WRITE: return "write";
            case STATFS: return "statfs";
            case RELEASE: return "release";
            case FSYNC: return "fsync";
            case SETXATTR: return "setxattr";
            case GETXATTR: return "getxattr";
            case LISTXATTR: return "listxattr";
            case REMOVEXATTR: return "removexattr";
            case FLUSH: return "flush";
            case INIT: return "init";
            case OPENDIR: return "opendir";
            case READDIR: return "readdir";
            case RELEASEDIR: return "releasedir";
            case FSYNCDIR: return "fsyncdir";
            case ACCESS: return "access";
            case CREATE: return "create";
            case INTERRUPT: return "interrupt";
            case DESTROY: return "destroy";
            case BATCH_FORGET: return "batch_forget";
            case FALLOCATE: return "fallocate";
            case READDIRPLUS: return "readdirplus";
            case RENAME2: return "rename2";
            case LSEEK: return "lseek";
            default: return "op" + opcode;
        }
    }
}
