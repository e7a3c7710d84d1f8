package dev.fuseoverlay.realfs;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/** The loaded C library, errno access and per-thread scratch buffers. */
public final class Native {
    static {
        // jnr-ffi's x86 stub compiler writes machine code for every primitive-only call while binding: 10-25 ms
        // of each mount's start-up, for calls no faster than its plain JNI path (close(-1) 162-168 ns either way)
        if (System.getProperty("jnr.ffi.x86asm.enabled") == null) {
            System.setProperty("jnr.ffi.x86asm.enabled", "false");
        }
    }

    public static final LibC C = LibraryLoader.create(LibC.class).load("c");
    public static final Runtime RUNTIME = Runtime.getRuntime(C);

    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3;
    public static final int O_CREAT = 0100, O_EXCL = 0200, O_NOCTTY = 0400, O_TRUNC = 01000, O_APPEND = 02000;
    public static final int O_DIRECTORY = 0200000, O_NOFOLLOW = 0400000, O_CLOEXEC = 02000000, O_PATH = 010000000;
    public static final int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
    public static final int XATTR_CREATE = 1, XATTR_REPLACE = 2;
    public static final int SEEK_SET = 0, SEEK_DATA = 3, SEEK_HOLE = 4;
    public static final long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;

    private static final ThreadLocal<Pointer> STAT_BUF =
            ThreadLocal.withInitial(() -> Memory.allocateDirect(RUNTIME, Stat.SIZE, true));

    private Native() {}

    /**
     * A name as the C calls take it: its bytes (every char of our names is one byte, see {@link LibC});
     * jnr-ffi adds the NUL. Cheaper than a String parameter, which jnr-ffi runs through a CharsetEncoder
     * char by char on every call (4 us a call on a young JVM, 0.5 us warm, against 1 us and 0.1 us).
     */
    public static byte[] cstr(String s) {
        return s == null ? null : s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    public static int errno() {
        return RUNTIME.getLastError();
    }

    public static String strerror(int errno) {
        return C.strerror(errno);
    }

    /** A 144-byte buffer for one {@code struct stat}, owned by the calling thread. */
    static Pointer statBuffer() {
        return STAT_BUF.get();
    }
}
