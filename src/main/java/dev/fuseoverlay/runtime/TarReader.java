package dev.fuseoverlay.runtime;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads tar archives as docker, OCI and GNU tar write them: ustar (with prefix), GNU long names and links
 * ({@code L}/{@code K}), PAX extended headers (path, linkpath, size, uid, gid, mtime, {@code SCHILY.xattr.*}),
 * octal or base-256 numbers. Not supported: GNU sparse members and multi-volume archives (refused).
 */
public final class TarReader {
    private static final int BLOCK = 512;

    private final InputStream in;
    private long remaining;
    private long padding;
    private final Map<String, String> global = new HashMap<>();
    /** An archive that ends without its end-of-archive block was cut short (one we wrote ourselves). */
    private boolean endRequired;

    public TarReader(InputStream decompressed) {
        this.in = decompressed;
    }

    /**
     * Refuses an archive that ends without its end-of-archive block: for archives whose writer always ends
     * them properly (TreeExport's), where a missing end means the writer stopped half-way. Others (some
     * tools omit the end blocks) are read to their last member as before.
     */
    public TarReader requireEnd() {
        endRequired = true;
        return this;
    }

    /** A stream of the uncompressed archive: gzip is recognised by its magic; other compressors are refused by name. */
    public static InputStream decompress(InputStream raw) throws IOException {
        BufferedInputStream b = new BufferedInputStream(raw, 1 << 16);
        b.mark(8);
        byte[] m = b.readNBytes(6);
        b.reset();
        if (m.length >= 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b) {
            return new GZIPInputStream(b, 1 << 16);
        }
        if (m.length >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') {
            throw new IOException("compressed with bzip2: decompress it first (bunzip2)");
        }
        if (m.length >= 6 && (m[0] & 0xff) == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X' && m[4] == 'Z') {
            throw new IOException("compressed with xz: decompress it first (unxz)");
        }
        if (m.length >= 4 && (m[0] & 0xff) == 0x28 && (m[1] & 0xff) == 0xb5 && (m[2] & 0xff) == 0x2f && (m[3] & 0xff) == 0xfd) {
            throw new IOException("compressed with zstd: decompress it first (unzstd)");
        }
        return b;
    }

    /** The next member, or null at the end of the archive. Unread data of the previous member is skipped. */
    public TarEntry next() throws IOException {
        skipData();
        Map<String, String> pax = new HashMap<>(global);
        Map<String, byte[]> paxXattrs = new HashMap<>();
        String longName = null, longLink = null;
        while (true) {
            byte[] h = in.readNBytes(BLOCK);
            if (h.length == 0) {
                if (endRequired) {
                    throw new EOFException("the archive was cut short (it ends without its end-of-archive block)");
                }
                return null; // archive without end blocks
            }
            if (h.length < BLOCK) {
                throw new EOFException("truncated tar header");
            }
            if (isZero(h)) {
                return null;
            }
            if (!checksumOk(h)) {
                throw new IOException("not a tar archive (bad header checksum)");
            }
            char type = (char) (h[156] == 0 ? '0' : h[156] & 0xff);
            long size = number(h, 124, 12);
            if (size < 0) {
                throw new IOException("bad tar header (negative size)");
            }
            switch (type) {
                case 'L' -> {
                    longName = cString(readAll(size));
                    continue;
                }
                case 'K' -> {
                    longLink = cString(readAll(size));
                    continue;
                }
                case 'x', 'g' -> {
                    Map<String, String> target = type == 'x' ? pax : global;
                    parsePax(readAll(size), target, type == 'x' ? paxXattrs : new HashMap<>());
                    if (type == 'g') {
                        pax.putAll(global);
                    }
                    continue;
                }
                case 'S' -> throw new IOException("GNU sparse members are not supported");
                case 'M', 'V' -> throw new IOException("multi-volume archives are not supported");
                default -> { }
            }
            TarEntry e = new TarEntry();
            String name = cString(h, 0, 100);
            String prefix = isUstar(h) ? cString(h, 345, 155) : "";
            e.name = longName != null ? longName : prefix.isEmpty() ? name : prefix + "/" + name;
            e.type = type == '7' ? TarEntry.FILE : type;
            e.mode = (int) (number(h, 100, 8) & 07777);
            e.uid = number(h, 108, 8);
            e.gid = number(h, 116, 8);
            e.size = size;
            e.mtime = number(h, 136, 12);
            e.linkName = longLink != null ? longLink : cString(h, 157, 100);
            e.devMajor = (int) number(h, 329, 8);
            e.devMinor = (int) number(h, 337, 8);
            if (pax.containsKey("path")) {
                e.name = pax.get("path");
            }
            if (pax.containsKey("linkpath")) {
                e.linkName = pax.get("linkpath");
            }
            if (pax.containsKey("size")) {
                e.size = paxNumber(pax, "size");
            }
            if (pax.containsKey("uid")) {
                e.uid = paxNumber(pax, "uid");
            }
            if (pax.containsKey("gid")) {
                e.gid = paxNumber(pax, "gid");
            }
            if (pax.containsKey("mtime")) {
                e.mtime = paxNumber(pax, "mtime");
            }
            e.xattrs.putAll(paxXattrs);
            if (e.name.endsWith("/") && e.type == TarEntry.FILE) {
                e.type = TarEntry.DIR; // old tars mark directories only by the slash
            }
            boolean hasData = e.type == TarEntry.FILE;
            remaining = hasData ? e.size : 0;
            long stored = (e.type == TarEntry.HARDLINK || e.type == TarEntry.SYMLINK || e.type == TarEntry.DIR
                    || e.type == TarEntry.CHAR || e.type == TarEntry.BLOCK || e.type == TarEntry.FIFO) ? 0 : e.size;
            if (!hasData) {
                remaining = stored; // unknown types: skip their data
            }
            padding = (BLOCK - (stored % BLOCK)) % BLOCK;
            return e;
        }
    }

    /** The data of the member last returned by {@link #next()}. */
    public InputStream data() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining <= 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new EOFException("truncated tar member");
                }
                remaining -= n;
                return n;
            }
        };
    }

    /** Reads what is left of the stream (so a digest over it covers the whole archive). */
    public void drain() throws IOException {
        in.transferTo(java.io.OutputStream.nullOutputStream());
    }

    private void skipData() throws IOException {
        long n = remaining + padding;
        remaining = 0;
        padding = 0;
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("truncated tar member");
                }
                s = 1;
            }
            n -= s;
        }
    }

    private byte[] readAll(long size) throws IOException {
        if (size > (64 << 20)) {
            throw new IOException("tar extended header too large");
        }
        byte[] b = in.readNBytes((int) size);
        if (b.length < size) {
            throw new EOFException("truncated tar header");
        }
        long pad = (BLOCK - (size % BLOCK)) % BLOCK;
        in.readNBytes((int) pad);
        return b;
    }

    /** A PAX record's decimal number (a time's fraction dropped); a broken one fails the archive in one line. */
    private static long paxNumber(Map<String, String> pax, String key) throws IOException {
        String v = pax.get(key);
        int dot = key.equals("mtime") ? v.indexOf('.') : -1;
        try {
            long n = Long.parseLong(dot < 0 ? v : v.substring(0, dot));
            if (n < 0 && !key.equals("mtime")) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException x) {
            throw new IOException("bad PAX " + key + " \"" + v + "\" (not a tar archive, or a damaged one)");
        }
    }

    static void parsePax(byte[] b, Map<String, String> out, Map<String, byte[]> xattrs) throws IOException {
        int i = 0;
        while (i < b.length) {
            int sp = i;
            while (sp < b.length && b[sp] != ' ') {
                sp++;
            }
            if (sp >= b.length) {
                break;
            }
            int len;
            try {
                len = Integer.parseInt(new String(b, i, sp - i, StandardCharsets.ISO_8859_1).trim());
            } catch (NumberFormatException x) {
                len = -1;
            }
            if (len <= 0 || i + len > b.length) {
                throw new IOException("bad PAX record");
            }
            int eq = sp + 1;
            while (eq < i + len && b[eq] != '=') {
                eq++;
            }
            String key = new String(b, sp + 1, eq - sp - 1, StandardCharsets.ISO_8859_1);
            int vStart = eq + 1, vEnd = i + len - 1; // record ends with \n
            byte[] value = java.util.Arrays.copyOfRange(b, vStart, Math.max(vStart, vEnd));
            if (key.startsWith("SCHILY.xattr.")) {
                xattrs.put(key.substring("SCHILY.xattr.".length()), value);
            } else {
                out.put(key, new String(value, StandardCharsets.ISO_8859_1));
            }
            i += len;
        }
    }

    private static boolean isZero(byte[] h) {
        for (byte x : h) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isUstar(byte[] h) {
        return h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r';
    }

    private static boolean checksumOk(byte[] h) {
        long want = number(h, 148, 8);
        long unsigned = 0, signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int v = (i >= 148 && i < 156) ? ' ' : h[i];
            unsigned += v & 0xff;
            signed += v;
        }
        return want == unsigned || want == signed;
    }

    /** An octal field (space or NUL terminated) or a GNU base-256 number (high bit set). */
    static long number(byte[] h, int off, int len) {
        if ((h[off] & 0x80) != 0) {
            long v = h[off] & 0x7f;
            for (int i = 1; i < len; i++) {
                v = (v << 8) | (h[off + i] & 0xff);
            }
            return v;
        }
        long v = 0;
        int i = off, end = off + len;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) {
            v = v * 8 + (h[i] - '0');
        }
        return v;
    }

    private static String cString(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.ISO_8859_1);
    }

    private static String cString(byte[] b) {
        return cString(b, 0, b.length);
    }
}
