package dev.fuseoverlay.runtime;

import dev.fuseoverlay.realfs.DirEntry;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import dev.fuseoverlay.whiteout.Whiteouts;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a real directory tree as a layer tar in the OCI format, in a stable order (names sorted by bytes)
 * so the same tree always gives the same archive and so the same layer ID. Overlay marks become OCI
 * entries: a 0/0 character device becomes {@code .wh.NAME}, an opaque directory (either xattr namespace)
 * gets a {@code .wh..wh..opq} member; the overlay's private xattrs are dropped. This is how an upper layer
 * is committed and how a directory is imported.
 */
public final class TreeExport {
    private final RealFs fs;
    private final TarWriter out;
    private final Map<String, String> firstNameOfInode = new HashMap<>();
    private final byte[] buf = new byte[1 << 16];

    private TreeExport(RealFs fs, TarWriter out) {
        this.fs = fs;
        this.out = out;
    }

    /** Writes every object under {@code root} (and {@code root} itself as "./"), then the end of the archive. */
    public static void write(RealFs fs, String root, TarWriter out) throws IOException {
        Stat st = fs.lstat(root);
        if (st == null || !st.isDir()) {
            throw new IOException(RealFs.printable(root) + ": not a directory");
        }
        new TreeExport(fs, out).walk(root, "", st);
        out.finish();
    }

    private void walk(String abs, String rel, Stat st) throws IOException {
        String name = rel.isEmpty() ? "./" : rel;
        if (st.isWhiteoutDevice()) {
            int slash = rel.lastIndexOf('/');
            TarEntry e = new TarEntry(rel.substring(0, slash + 1) + Whiteouts.PREFIX + rel.substring(slash + 1), TarEntry.FILE);
            e.mode = 0;
            e.mtime = st.mtimeSec;
            out.write(e, InputStream.nullInputStream());
            return;
        }
        TarEntry e = new TarEntry(name, TarEntry.FILE);
        e.mode = st.perm();
        e.uid = st.uid & 0xffffffffL;
        e.gid = st.gid & 0xffffffffL;
        e.mtime = st.mtimeSec;
        boolean opaque = false;
        if (!st.isLink()) {
            for (String x : fs.listxattr(abs)) {
                if (x.equals("trusted.overlay.opaque") || x.equals("user.overlay.opaque")) {
                    byte[] v = fs.getxattr(abs, x);
                    opaque |= v != null && v.length > 0 && v[0] == 'y';
                } else if (!Whiteouts.isPrivateXattr(x) && !x.equals("security.selinux")) {
                    byte[] v = fs.getxattr(abs, x);
                    if (v != null) {
                        e.xattrs.put(x, v);
                    }
                }
            }
        }
        switch (st.type()) {
            case Stat.S_IFDIR -> {
                e.type = TarEntry.DIR;
                if (!rel.isEmpty()) {
                    e.name = rel + "/";
                }
                out.write(e, null);
                if (opaque) {
                    TarEntry o = new TarEntry((rel.isEmpty() ? "" : rel + "/") + Whiteouts.OPAQUE_FILE, TarEntry.FILE);
                    o.mode = 0;
                    o.mtime = st.mtimeSec;
                    out.write(o, InputStream.nullInputStream());
                }
                List<DirEntry> kids = new ArrayList<>(fs.readdir(abs));
                kids.sort((a, b) -> a.name().compareTo(b.name()));
                for (DirEntry k : kids) {
                    String kAbs = abs + "/" + k.name();
                    Stat ks = fs.lstat(kAbs);
                    if (ks != null) {
                        walk(kAbs, rel.isEmpty() ? k.name() : rel + "/" + k.name(), ks);
                    }
                }
            }
            case Stat.S_IFREG -> {
                if (st.nlink > 1) {
                    String key = st.dev + ":" + st.ino;
                    String first = firstNameOfInode.putIfAbsent(key, rel);
                    if (first != null) {
                        e.type = TarEntry.HARDLINK;
                        e.linkName = first;
                        out.write(e, null);
                        return;
                    }
                }
                e.size = st.size;
                int fd;
                try {
                    fd = fs.open(abs, Native.O_RDONLY);
                } catch (ErrnoException x) {
                    throw new IOException("cannot read " + RealFs.printable(abs) + ": " + Native.strerror(x.errno()));
                }
                try {
                    out.write(e, fdStream(fd, abs));
                } finally {
                    fs.close(fd);
                }
            }
            case Stat.S_IFLNK -> {
                e.type = TarEntry.SYMLINK;
                e.linkName = fs.readlink(abs);
                out.write(e, null);
            }
            case Stat.S_IFIFO -> {
                e.type = TarEntry.FIFO;
                out.write(e, null);
            }
            case Stat.S_IFCHR, Stat.S_IFBLK -> {
                e.type = st.type() == Stat.S_IFCHR ? TarEntry.CHAR : TarEntry.BLOCK;
                e.devMajor = Stat.major(st.rdev);
                e.devMinor = Stat.minor(st.rdev);
                out.write(e, null);
            }
            default -> { } // sockets are not archived
        }
    }

    private InputStream fdStream(int fd, String path) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = (int) Native.C.read(fd, buf, Math.min(len, buf.length));
                if (n < 0) {
                    throw new IOException("read " + RealFs.printable(path) + ": " + Native.strerror(Native.errno()));
                }
                if (n == 0) {
                    return -1;
                }
                System.arraycopy(buf, 0, b, off, n);
                return n;
            }
        };
    }
}
