package dev.fuseoverlay.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes ustar members, with a PAX header before any member whose name, link, numbers or xattrs need one. */
public final class TarWriter {
    private static final int BLOCK = 512;
    private final OutputStream out;
    private final byte[] buf = new byte[1 << 16];

    public TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Writes one member; {@code data} supplies exactly {@code e.size} bytes for regular files. */
    public void write(TarEntry e, InputStream data) throws IOException {
        StringBuilder pax = new StringBuilder();
        if (e.name.length() > 100) {
            record(pax, "path", e.name);
        }
        if (e.linkName.length() > 100) {
            record(pax, "linkpath", e.linkName);
        }
        if (e.uid > 07777777) {
            record(pax, "uid", Long.toString(e.uid));
        }
        if (e.gid > 07777777) {
            record(pax, "gid", Long.toString(e.gid));
        }
        if (e.size > 077777777777L) {
            record(pax, "size", Long.toString(e.size));
        }
        for (Map.Entry<String, byte[]> x : e.xattrs.entrySet()) {
            record(pax, "SCHILY.xattr." + x.getKey(), new String(x.getValue(), StandardCharsets.ISO_8859_1));
        }
        if (pax.length() > 0) {
            byte[] body = pax.toString().getBytes(StandardCharsets.ISO_8859_1);
            String paxName = "PaxHeaders/" + tail(e.name);
            out.write(header(paxName.length() > 100 ? paxName.substring(0, 100) : paxName, 'x', 0644, 0, 0,
                    body.length, e.mtime, "", 0, 0));
            out.write(body);
            pad(body.length);
        }
        long size = e.type == TarEntry.FILE ? e.size : 0;
        out.write(header(e.name.length() > 100 ? e.name.substring(0, 100) : e.name, e.type, e.mode,
                Math.min(e.uid, 07777777), Math.min(e.gid, 07777777), Math.min(size, 077777777777L), e.mtime,
                e.linkName.length() > 100 ? e.linkName.substring(0, 100) : e.linkName, e.devMajor, e.devMinor));
        if (size > 0) {
            long left = size;
            while (left > 0) {
                int n = data.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException(dev.fuseoverlay.realfs.RealFs.printable(e.name) + " shrank while being archived");
                }
                out.write(buf, 0, n);
                left -= n;
            }
            pad(size);
        }
    }

    /** The two zero blocks that end an archive. */
    public void finish() throws IOException {
        out.write(new byte[2 * BLOCK]);
        out.flush();
    }

    private void pad(long size) throws IOException {
        int p = (int) ((BLOCK - (size % BLOCK)) % BLOCK);
        if (p > 0) {
            out.write(new byte[p]);
        }
    }

    private static String tail(String name) {
        String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        return n.substring(n.lastIndexOf('/') + 1);
    }

    /** A PAX record "LEN key=value\n" whose LEN counts itself. */
    static void record(StringBuilder sb, String key, String value) {
        int body = key.length() + value.length() + 3; // space, '=', newline
        int len = body + Integer.toString(body).length();
        if (Integer.toString(len).length() != Integer.toString(body).length()) {
            len++;
        }
        sb.append(len).append(' ').append(key).append('=').append(value).append('\n');
    }

    private static byte[] header(String name, char type, int mode, long uid, long gid, long size, long mtime,
                                 String link, int major, int minor) {
        byte[] h = new byte[BLOCK];
        put(h, 0, 100, name);
        octal(h, 100, 8, mode & 07777);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        octal(h, 124, 12, size);
        octal(h, 136, 12, Math.max(0, Math.min(mtime, 077777777777L)));
        h[156] = (byte) type;
        put(h, 157, 100, link);
        put(h, 257, 6, "ustar");
        h[263] = '0';
        h[264] = '0';
        octal(h, 329, 8, major);
        octal(h, 337, 8, minor);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        String s = String.format("%06o", sum);
        put(h, 148, 6, s);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static void put(byte[] h, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(b, 0, h, off, Math.min(len, b.length));
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = Long.toOctalString(v);
        StringBuilder sb = new StringBuilder();
        for (int i = s.length(); i < len - 1; i++) {
            sb.append('0');
        }
        sb.append(s);
        put(h, off, len - 1, sb.toString());
    }
}
