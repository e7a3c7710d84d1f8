package dev.fuseoverlay.runtime;

import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import dev.fuseoverlay.whiteout.Whiteouts;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Unpacks tar members into a layer directory the way a container engine applies an OCI layer: owners,
 * modes (set-id bits included), times, xattrs and hard links kept; {@code .wh.NAME} members become
 * whiteouts and {@code .wh..wh..opq} makes its directory opaque, written in the overlay's own format (a
 * 0/0 character device and {@code user.overlay.opaque=y}, as fuse-overlay writes them in a user
 * namespace, and as the kernel reads them with {@code userxattr}). Device nodes are skipped: a
 * container's /dev is made fresh at every run. Members that would escape the layer ({@code ..}, or a path
 * through a symlink) are refused.
 */
public final class Extractor {
    /** Counts for the import's summary line and the layer's metadata. */
    public long files, dirs, links, whiteouts, opaques, bytes, skippedDevices, skippedUnsafe, idFallbacks, xattrFailures;

    private final RealFs fs;
    private final String root;
    private final Whiteouts wo;
    private final IdMap ids;
    private final Set<String> knownDirs = new HashSet<>();
    private final List<Object[]> dirTimes = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final byte[] buf = new byte[1 << 16];

    /**
     * @param root an existing empty directory
     * @param ids  turns the archive's owners into IDs of this namespace
     */
    public Extractor(RealFs fs, String root, IdMap ids) {
        this.fs = fs;
        this.root = root;
        this.wo = new Whiteouts(fs, "user");
        this.ids = ids;
    }

    /** Unpacks every member of an archive. */
    public void extractAll(TarReader r) throws IOException {
        TarEntry e;
        while ((e = r.next()) != null) {
            add(e, r.data());
        }
        finish();
    }

    /** The first few problems worth a line each (unsafe names, dangling hard links). */
    public List<String> warnings() {
        return warnings;
    }

    /** The path relative to the layer root, "" for the root, or null for a name that would escape it. */
    static String clean(String name) {
        StringBuilder sb = new StringBuilder();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                return null;
            }
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(part);
        }
        return sb.toString();
    }

    public void add(TarEntry e, InputStream data) throws IOException {
        String rel = clean(e.name);
        if (rel == null) {
            unsafe(e.name, "has a .. component");
            return;
        }
        if (rel.isEmpty() && !e.isDir()) {
            unsafe(e.name, "names the layer's root, which stays a directory");
            return;
        }
        int slash = rel.lastIndexOf('/');
        String parentRel = slash < 0 ? "" : rel.substring(0, slash);
        String base = rel.substring(slash + 1);
        if (!rel.isEmpty() && !ensureDir(parentRel)) {
            unsafe(e.name, "goes through a symlink or a file");
            return;
        }
        String path = rel.isEmpty() ? root : root + "/" + rel;
        if (base.equals(Whiteouts.OPAQUE_FILE)) {
            wo.setOpaque(parentRel.isEmpty() ? root : root + "/" + parentRel);
            opaques++;
            return;
        }
        if (base.startsWith(Whiteouts.PREFIX + Whiteouts.PREFIX)) {
            return; // other AUFS metadata (.wh..wh.plnk, .wh..wh.aufs): not part of the tree
        }
        if (base.startsWith(Whiteouts.PREFIX)) {
            String hidden = base.substring(Whiteouts.PREFIX.length());
            if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
                unsafe(e.name, "whites out no name");
                return;
            }
            String hiddenRel = parentRel.isEmpty() ? hidden : parentRel + "/" + hidden;
            if (fs.lstat(root + "/" + hiddenRel) != null) {
                return; // a whiteout hides the layers below; this layer's own member of that name stays (OCI)
            }
            whiteout(root + "/" + hiddenRel, hiddenRel, e.mtime);
            return;
        }
        if (e.type == TarEntry.CHAR && e.devMajor == 0 && e.devMinor == 0) {
            whiteout(path, rel, e.mtime); // the overlay's own format: a member of that name, replacing an earlier one
            return;
        }
        if (e.type == TarEntry.CHAR || e.type == TarEntry.BLOCK) {
            skippedDevices++;
            return;
        }
        Stat old = fs.lstat(path);
        if (old != null && !(old.isDir() && e.isDir())) {
            remove(path, rel);
            old = null;
        }
        int uid = ids.uid(e.uid), gid = ids.gid(e.gid);
        if (uid < 0 || gid < 0) {
            idFallbacks++;
            uid = Math.max(uid, 0);
            gid = Math.max(gid, 0);
        }
        switch (e.type) {
            case TarEntry.DIR -> {
                if (old == null && !rel.isEmpty()) {
                    fs.mkdir(path, 0700);
                }
                if (!rel.isEmpty()) {
                    knownDirs.add(rel);
                }
                fs.lchown(path, uid, gid);
                fs.chmod(path, e.mode & 07777);
                xattrs(path, e, false);
                dirTimes.add(new Object[] {path, e.mtime});
                dirs++;
            }
            case TarEntry.FILE -> {
                int fd = fs.create(path, Native.O_WRONLY, 0600);
                try {
                    long left = e.size;
                    while (left > 0) {
                        int n = data.read(buf, 0, (int) Math.min(buf.length, left));
                        if (n < 0) {
                            throw new IOException("truncated member " + RealFs.printable(e.name));
                        }
                        int off = 0;
                        while (off < n) {
                            byte[] chunk = off == 0 ? buf : java.util.Arrays.copyOfRange(buf, off, n);
                            long w = Native.C.write(fd, chunk, n - off);
                            if (w < 0) {
                                throw new ErrnoException(Native.errno(), "write " + RealFs.printable(path));
                            }
                            off += (int) w;
                        }
                        left -= n;
                    }
                    fs.fchown(fd, uid, gid);
                    fs.fchmod(fd, e.mode & 07777);
                    fs.futimens(fd, new long[] {e.mtime, 0, e.mtime, 0});
                } finally {
                    fs.close(fd);
                }
                xattrs(path, e, false);
                files++;
                bytes += e.size;
            }
            case TarEntry.SYMLINK -> {
                fs.symlink(e.linkName, path);
                fs.lchown(path, uid, gid);
                fs.utimens(path, new long[] {e.mtime, 0, e.mtime, 0});
                xattrs(path, e, true);
                links++;
            }
            case TarEntry.HARDLINK -> {
                String target = clean(e.linkName);
                int ts = target == null ? -1 : target.lastIndexOf('/');
                if (ts > 0 && !realDirs(target.substring(0, ts))) {
                    unsafe(e.name, "links to " + RealFs.printable(e.linkName) + " through a symlink or a file");
                    return;
                }
                Stat t = target == null || target.isEmpty() ? null : fs.lstat(root + "/" + target);
                if (t == null || t.isDir()) {
                    warn(RealFs.printable(e.name) + ": hard link to a missing member " + RealFs.printable(e.linkName) + " skipped");
                    return;
                }
                fs.link(root + "/" + target, path);
                files++;
            }
            case TarEntry.FIFO -> {
                fs.mknod(path, Stat.S_IFIFO | 0600, 0);
                fs.lchown(path, uid, gid);
                fs.chmod(path, e.mode & 07777);
                fs.utimens(path, new long[] {e.mtime, 0, e.mtime, 0});
                files++;
            }
            default -> warn(RealFs.printable(e.name) + ": member of type '" + e.type + "' skipped");
        }
    }

    /** Sets directory times last, deepest first, so creating their entries did not change them. */
    public void finish() {
        for (int i = dirTimes.size() - 1; i >= 0; i--) {
            Object[] d = dirTimes.get(i);
            long t = (Long) d[1];
            fs.utimens((String) d[0], new long[] {t, 0, t, 0});
        }
        dirTimes.clear();
    }

    /** A whiteout at {@code path} with the entry's time (so that exporting the tree again gives the same archive). */
    private void whiteout(String path, String rel, long mtime) {
        if (fs.lstat(path) != null) {
            remove(path, rel);
        }
        wo.create(path);
        whiteouts++;
        if (fs.lstat(path) != null) { // (not where it had to be written as a .wh. file beside it)
            fs.utimens(path, new long[] {mtime, 0, mtime, 0});
        }
    }

    private void xattrs(String path, TarEntry e, boolean symlink) {
        for (var x : e.xattrs.entrySet()) {
            String k = x.getKey();
            if (k.equals("trusted.overlay.opaque") || k.equals("user.overlay.opaque")) {
                if (!symlink && x.getValue().length > 0 && x.getValue()[0] == 'y') {
                    wo.setOpaque(path);
                    opaques++;
                }
                continue;
            }
            if (Whiteouts.isPrivateXattr(k) || (symlink && k.startsWith("user."))) {
                continue;
            }
            if (fs.trySetxattr(path, k, x.getValue()) != 0) {
                xattrFailures++;
            }
        }
    }

    /** Removes what an earlier member made at {@code rel}, and forgets the directories that were in it. */
    private void remove(String path, String rel) {
        fs.removeTree(path);
        knownDirs.removeIf(d -> d.equals(rel) || d.startsWith(rel + "/"));
    }

    /** Whether every component of {@code rel} (relative to the root) is a real directory, not a symlink. */
    private boolean realDirs(String rel) {
        if (knownDirs.contains(rel)) {
            return true;
        }
        int slash = rel.lastIndexOf('/');
        if (slash > 0 && !realDirs(rel.substring(0, slash))) {
            return false;
        }
        Stat st = fs.lstat(root + "/" + rel);
        return st != null && st.isDir();
    }

    /** Makes sure a directory (relative to the root) exists as a real directory, creating it if needed. */
    private boolean ensureDir(String rel) {
        if (rel.isEmpty() || knownDirs.contains(rel)) {
            return true;
        }
        int slash = rel.lastIndexOf('/');
        if (slash > 0 && !ensureDir(rel.substring(0, slash))) {
            return false;
        }
        String path = root + "/" + rel;
        Stat st = fs.lstat(path);
        if (st == null) {
            fs.mkdir(path, 0755);
        } else if (!st.isDir()) {
            return false;
        }
        knownDirs.add(rel);
        return true;
    }

    private void unsafe(String name, String why) {
        skippedUnsafe++;
        warn(RealFs.printable(name) + ": " + why + "; skipped");
    }

    private void warn(String w) {
        if (warnings.size() < 20) {
            warnings.add(w);
        }
    }

    /** Whether an errno says the filesystem refused device nodes. */
    static boolean refused(int errno) {
        return errno == Errno.EPERM || errno == Errno.EOPNOTSUPP;
    }
}
