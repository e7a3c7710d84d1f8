package dev.fuseoverlay.realfs;

/** One name read from a real directory: the name (bytes as ISO-8859-1 chars), its d_type and d_ino. */
public record DirEntry(String name, int dtype, long ino) {
    public static final int DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8,
            DT_LNK = 10, DT_SOCK = 12;

    public static int dtypeOfMode(int mode) {
        return (mode & Stat.S_IFMT) >>> 12;
    }
}
