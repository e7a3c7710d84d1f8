package dev.fuseoverlay.realfs;

import jnr.ffi.Pointer;

/** The fields of one {@code struct stat} (x86_64 layout), read once from a native buffer. */
public final class Stat {
    public static final int SIZE = 144;
    public static final int OFF_INO = 8, OFF_NLINK = 16, OFF_MODE = 24, OFF_BLOCKS = 64;

    public static final int S_IFMT = 0170000, S_IFSOCK = 0140000, S_IFLNK = 0120000, S_IFREG = 0100000,
            S_IFBLK = 060000, S_IFDIR = 040000, S_IFCHR = 020000, S_IFIFO = 010000;
    public static final int S_ISUID = 04000, S_ISGID = 02000, S_ISVTX = 01000;

    public final long dev, ino, nlink, rdev, size, blocks;
    public final int mode, uid, gid;
    public final long atimeSec, atimeNsec, mtimeSec, mtimeNsec, ctimeSec, ctimeNsec;

    Stat(Pointer p) {
        dev = p.getLong(0);
        ino = p.getLong(OFF_INO);
        nlink = p.getLong(OFF_NLINK);
        mode = p.getInt(OFF_MODE);
        uid = p.getInt(28);
        gid = p.getInt(32);
        rdev = p.getLong(40);
        size = p.getLong(48);
        blocks = p.getLong(OFF_BLOCKS);
        atimeSec = p.getLong(72);
        atimeNsec = p.getLong(80);
        mtimeSec = p.getLong(88);
        mtimeNsec = p.getLong(96);
        ctimeSec = p.getLong(104);
        ctimeNsec = p.getLong(112);
    }

    public int type() {
        return mode & S_IFMT;
    }

    public int perm() {
        return mode & 07777;
    }

    public boolean isDir() {
        return type() == S_IFDIR;
    }

    public boolean isReg() {
        return type() == S_IFREG;
    }

    public boolean isLink() {
        return type() == S_IFLNK;
    }

    /** A kernel-format whiteout: a character device with device number 0/0. */
    public boolean isWhiteoutDevice() {
        return type() == S_IFCHR && rdev == 0;
    }

    public static int major(long rdev) {
        return (int) (((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfffL));
    }

    public static int minor(long rdev) {
        return (int) (((rdev >>> 12) & 0xffffff00L) | (rdev & 0xffL));
    }

    public static char typeChar(int mode) {
        switch (mode & S_IFMT) {
            case S_IFDIR: return 'd';
            case S_IFREG: return 'f';
            case S_IFLNK: return 'l';
            case S_IFCHR: return 'c';
            case S_IFBLK: return 'b';
            case S_IFIFO: return 'p';
            case S_IFSOCK: return 's';
            default: return '?';
        }
    }
}
