package dev.fuseoverlay.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The correctness guard: what a merged tree shows (names, types, permission bits, owners, sizes, symlink
 * targets, and content hashes of the files a workload wrote), and the differences between two such trees.
 * A fast implementation that shows a different tree than the others has failed the workload.
 *
 * <p>The listing comes from {@code find -printf} (see {@link #FIND_FORMAT}); parsing and comparing are pure.
 * Directory sizes and all timestamps are ignored: they legitimately differ between filesystems.
 */
public final class TreeDigest {
    /** The {@code find -printf} format the listing is read from: seven NUL-terminated fields per entry. */
    public static final String FIND_FORMAT = "%P\\0%y\\0%m\\0%U\\0%G\\0%s\\0%l\\0";

    /** One entry of a merged tree; {@code hash} is null where content was not hashed. */
    public record Entry(String path, char type, String mode, String uid, String gid, long size, String target, String hash) {
        Entry withHash(String h) {
            return new Entry(path, type, mode, uid, gid, size, target, h);
        }
    }

    private final TreeMap<String, Entry> entries;

    private TreeDigest(TreeMap<String, Entry> entries) {
        this.entries = entries;
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public int size() {
        return entries.size();
    }

    /** Parses the output of {@code find ROOT -printf FIND_FORMAT}; the root itself (empty path) is left out. */
    public static TreeDigest parse(byte[] findOutput) {
        String s = new String(findOutput, StandardCharsets.ISO_8859_1);
        String[] f = s.split("\0", -1);
        TreeMap<String, Entry> map = new TreeMap<>();
        // split leaves one empty string after the final NUL
        int n = (f.length - 1) / 7;
        for (int i = 0; i < n; i++) {
            int b = i * 7;
            String path = f[b];
            if (path.isEmpty()) {
                continue;
            }
            char type = f[b + 1].isEmpty() ? '?' : f[b + 1].charAt(0);
            long size = parseLong(f[b + 5]);
            map.put(path, new Entry(path, type, f[b + 2], f[b + 3], f[b + 4], size, f[b + 6], null));
        }
        return new TreeDigest(map);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Adds SHA-256 content hashes of the regular files under the given scopes (paths relative to the root;
     * "" means everything), reading them from {@code root}.
     */
    public TreeDigest hashContents(Path root, List<String> scopes) throws IOException {
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry en = e.getValue();
            if (en.type() == 'f' && inScope(en.path(), scopes)) {
                e.setValue(en.withHash(sha256(root.resolve(en.path()))));
            }
        }
        return this;
    }

    /** Whether a path lies in (or is) one of the scopes. */
    public static boolean inScope(String path, List<String> scopes) {
        for (String s : scopes) {
            if (s.isEmpty() || path.equals(s) || path.startsWith(s.endsWith("/") ? s : s + "/")) {
                return true;
            }
        }
        return false;
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("not a regular file: " + file);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            while (ch.read(buf) >= 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[65536];
            for (int r; (r = in.read(b)) > 0; ) {
                md.update(b, 0, r);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The differences of {@code other} from {@code this} (the reference), one line each, at most {@code limit}
     * lines plus a count of the rest. Empty when the trees agree.
     */
    public List<String> differences(TreeDigest other, int limit) {
        List<String> out = new ArrayList<>();
        int total = 0;
        Set<String> all = new TreeSet<>(entries.keySet());
        all.addAll(other.entries.keySet());
        for (String p : all) {
            Entry a = entries.get(p);
            Entry b = other.entries.get(p);
            String d = describe(p, a, b);
            if (d != null) {
                total++;
                if (out.size() < limit) {
                    out.add(d);
                }
            }
        }
        if (total > out.size()) {
            out.add("... and " + (total - out.size()) + " more differences");
        }
        return out;
    }

    private static String describe(String p, Entry a, Entry b) {
        if (b == null) {
            return "missing: " + p;
        }
        if (a == null) {
            return "unexpected: " + p;
        }
        if (a.type() != b.type()) {
            return p + ": type " + a.type() + " != " + b.type();
        }
        if (!a.mode().equals(b.mode())) {
            return p + ": mode " + a.mode() + " != " + b.mode();
        }
        if (!a.uid().equals(b.uid()) || !a.gid().equals(b.gid())) {
            return p + ": owner " + a.uid() + ":" + a.gid() + " != " + b.uid() + ":" + b.gid();
        }
        if (a.type() != 'd' && a.size() != b.size()) {
            return p + ": size " + a.size() + " != " + b.size();
        }
        if (a.type() == 'l' && !a.target().equals(b.target())) {
            return p + ": symlink target " + a.target() + " != " + b.target();
        }
        if (a.hash() != null && b.hash() != null && !a.hash().equals(b.hash())) {
            return p + ": content differs";
        }
        if ((a.hash() == null) != (b.hash() == null)) {
            return p + ": content hashed on one side only";
        }
        return null;
    }
}
