package dev.fuseoverlay.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtractorTest {
    @TempDir
    Path tmp;

    final RealFs fs = new RealFs(null);
    final int uid = Posix.C.getuid(), gid = Posix.C.getgid();

    TarEntry e(String name, char type, String data) {
        TarEntry e = new TarEntry(name, type);
        e.uid = uid;
        e.gid = gid;
        e.mode = type == TarEntry.DIR ? 0755 : 0644;
        e.mtime = 1_600_000_000L;
        e.size = data == null ? 0 : data.length();
        return e;
    }

    Path dir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name));
    }

    Extractor extract(String root, TarEntry... entries) throws IOException {
        Extractor x = new Extractor(fs, root, IdMap.identity());
        for (TarEntry t : entries) {
            x.add(t, new ByteArrayInputStream(new byte[(int) t.size]));
        }
        x.finish();
        return x;
    }

    @Test
    void ociWhiteoutsBecomeOverlayWhiteoutsAndOpaqueDirectories() throws IOException {
        String root = tmp.toString();
        Extractor x = extract(root, e("etc/", TarEntry.DIR, null), e("etc/.wh.issue", TarEntry.FILE, ""),
                e("usr/share/doc/.wh..wh..opq", TarEntry.FILE, ""), e("usr/share/doc/kept", TarEntry.FILE, "k"),
                e("var/.wh..wh.plnk", TarEntry.FILE, ""));
        Stat wh = fs.lstat(root + "/etc/issue");
        assertTrue(wh != null && wh.isWhiteoutDevice() || fs.exists(root + "/etc/.wh.issue"), "a whiteout for etc/issue");
        byte[] opq = fs.getxattr(root + "/usr/share/doc", "user.overlay.opaque");
        assertTrue(opq != null && opq[0] == 'y' || fs.exists(root + "/usr/share/doc/.wh..wh..opq"));
        assertTrue(fs.exists(root + "/usr/share/doc/kept"));
        assertFalse(fs.exists(root + "/var/.wh..wh.plnk"), "AUFS metadata is not part of the tree");
        assertEquals(1, x.whiteouts);
        assertEquals(1, x.opaques);
    }

    @Test
    void membersThatWouldEscapeAreRefused() throws IOException {
        Path outside = dir("outside");
        Path root = dir("root");
        TarEntry link = e("evil", TarEntry.SYMLINK, null);
        link.linkName = outside.toString();
        Extractor x = extract(root.toString(), e("../escape", TarEntry.FILE, ""), link, e("evil/through", TarEntry.FILE, ""),
                e("/abs/ok", TarEntry.FILE, ""));
        assertFalse(Files.exists(tmp.resolve("escape")));
        assertFalse(Files.exists(outside.resolve("through")));
        assertTrue(Files.exists(root.resolve("abs/ok")), "a leading / is relative to the layer");
        assertEquals(2, x.skippedUnsafe);
        assertEquals(2, x.warnings().size());
    }

    @Test
    void hostileMembersStayInsideTheLayer() throws IOException {
        Path outside = dir("outside");
        Files.writeString(outside.resolve("secret"), "s");
        Files.writeString(outside.resolve("keep.txt"), "mine");
        Path sibling = dir("other-import");   // beside the layer, as another import in progress is
        Files.writeString(sibling.resolve("file"), "f");
        Path root = dir("root");
        TarEntry dot = e(".", TarEntry.SYMLINK, null);      // would make the layer's root a symlink out of it
        dot.linkName = outside.toString();
        TarEntry a = e("a", TarEntry.SYMLINK, null);
        a.linkName = outside.toString();
        TarEntry hard = e("x", TarEntry.HARDLINK, null);    // a hard link through that symlink to a file outside
        hard.linkName = "a/secret";
        TarEntry nothing = e("", TarEntry.FILE, "");
        Extractor x = extract(root.toString(), dot, nothing, e("keep.txt", TarEntry.FILE, "kk"), a, hard,
                e(".wh..", TarEntry.FILE, ""), e("d/.wh..", TarEntry.FILE, ""), e(".wh.", TarEntry.FILE, ""),
                e("d/.wh...", TarEntry.FILE, ""));
        assertTrue(Files.isDirectory(root, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the root is still a directory");
        assertEquals("mine", Files.readString(outside.resolve("keep.txt")));
        assertEquals(2, Files.size(root.resolve("keep.txt")));
        assertFalse(Files.exists(root.resolve("x"), java.nio.file.LinkOption.NOFOLLOW_LINKS), "no link to a file outside");
        assertEquals("f", Files.readString(sibling.resolve("file")), "a whiteout of .. removed the layer's parent");
        assertTrue(Files.isDirectory(root.resolve("d")), "a whiteout of . removed its directory");
        assertTrue(Files.isSymbolicLink(root.resolve("a")));
        assertEquals(7, x.skippedUnsafe, x.warnings().toString());
        assertEquals(0, x.whiteouts);
    }

    @Test
    void aWhiteoutHidesOnlyTheLayersBelow() throws IOException {
        Path outside = dir("outside");
        Path root = dir("root");
        TarEntry dev = e("b", TarEntry.CHAR, null);         // the overlay's own whiteout: replaces the directory
        TarEntry link = e("b", TarEntry.SYMLINK, null);
        link.linkName = outside.toString();
        Extractor x = extract(root.toString(), e("a/foo", TarEntry.FILE, "f"), e("a/.wh.foo", TarEntry.FILE, ""),
                e("a/.wh.bar", TarEntry.FILE, ""), e("b/", TarEntry.DIR, null), e("b/x", TarEntry.FILE, ""), dev, link,
                e("b/y", TarEntry.FILE, ""));
        assertEquals(1, Files.size(root.resolve("a/foo")), "this layer's own a/foo stays (OCI: whiteouts hide lower layers)");
        Stat bar = fs.lstat(root + "/a/bar");
        assertTrue(bar != null && bar.isWhiteoutDevice() || fs.exists(root + "/a/.wh.bar"), "a whiteout for a/bar");
        assertFalse(Files.exists(outside.resolve("y")), "b/y went through the symlink that replaced directory b");
        assertEquals(1, x.skippedUnsafe, x.warnings().toString());
    }

    @Test
    void metadataHardLinksLaterMembersAndDevices() throws IOException {
        String root = tmp.toString();
        TarEntry f = e("bin/tool", TarEntry.FILE, "abc");
        f.mode = 04755;
        TarEntry h = e("bin/alias", TarEntry.HARDLINK, null);
        h.linkName = "./bin/tool";
        TarEntry d = e("bin/", TarEntry.DIR, null);
        d.mode = 0711;
        TarEntry dev = e("dev/null", TarEntry.CHAR, null);
        dev.devMajor = 1;
        dev.devMinor = 3;
        TarEntry replaced = e("x", TarEntry.FILE, "");
        TarEntry dirNow = e("x/", TarEntry.DIR, null);
        Extractor x = extract(root, f, h, d, dev, replaced, dirNow);
        Stat st = fs.lstat(root + "/bin/tool");
        assertEquals(04755, st.perm());
        assertEquals(2, st.nlink);
        assertEquals(1_600_000_000L, st.mtimeSec);
        assertEquals(st.ino, fs.lstat(root + "/bin/alias").ino);
        Stat bin = fs.lstat(root + "/bin");
        assertEquals(0711, bin.perm());
        assertEquals(1_600_000_000L, bin.mtimeSec, "directory times are set after their entries");
        assertNull(fs.lstat(root + "/dev/null"));
        assertEquals(1, x.skippedDevices);
        assertTrue(fs.lstat(root + "/x").isDir(), "a later member replaces an earlier one");
    }

    @Test
    void treeExportAndExtractRoundTripWithStableIds() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("a/b"));
        Files.writeString(src.resolve("a/b/f"), "data");
        Files.createSymbolicLink(src.resolve("a/link"), Path.of("b/f"));
        Files.createLink(src.resolve("a/hard"), src.resolve("a/b/f"));
        fs.mknod(src + "/gone", Stat.S_IFCHR, 0); // an upper's whiteout
        fs.utimens(src + "/gone", new long[] {1_500_000_000L, 0, 1_500_000_000L, 0}); // its time travels too
        fs.setxattr(src + "/a/b", "user.overlay.opaque", new byte[] {'y'}, 0);
        fs.setxattr(src + "/a/b/f", "user.keep", "v".getBytes(StandardCharsets.US_ASCII), 0);
        fs.setxattr(src + "/a/b/f", "user.overlay.fuseoverlay.ino", "5".getBytes(StandardCharsets.US_ASCII), 0);

        byte[] tar1 = export(src), tar2 = export(src);
        assertArrayEquals(tar1, tar2, "the same tree gives the same archive");
        String names = listNames(tar1);
        assertTrue(names.contains(".wh.gone\n") && names.contains("a/b/.wh..wh..opq\n"), names);

        Path dst = tmp.resolve("dst");
        Files.createDirectories(dst);
        Extractor x = new Extractor(fs, dst.toString(), IdMap.identity());
        x.extractAll(new TarReader(new ByteArrayInputStream(tar1)));
        assertEquals("data", Files.readString(dst.resolve("a/b/f")));
        assertEquals("b/f", Files.readSymbolicLink(dst.resolve("a/link")).toString());
        assertEquals(fs.lstat(dst + "/a/hard").ino, fs.lstat(dst + "/a/b/f").ino);
        assertTrue(fs.lstat(dst + "/gone").isWhiteoutDevice());
        assertArrayEquals(new byte[] {'y'}, fs.getxattr(dst + "/a/b", "user.overlay.opaque"));
        assertArrayEquals("v".getBytes(StandardCharsets.US_ASCII), fs.getxattr(dst + "/a/b/f", "user.keep"));
        assertNull(fs.getxattr(dst + "/a/b/f", "user.overlay.fuseoverlay.ino"), "private xattrs are not exported");
        assertArrayEquals(tar1, export(dst), "export(extract(tar)) == tar");
    }

    byte[] export(Path dir) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        TreeExport.write(fs, dir.toString(), new TarWriter(b));
        return b.toByteArray();
    }

    static String listNames(byte[] tar) throws IOException {
        StringBuilder sb = new StringBuilder();
        TarReader r = new TarReader(new ByteArrayInputStream(tar));
        for (TarEntry t; (t = r.next()) != null; ) {
            sb.append(t.name).append('\n');
        }
        return sb.toString();
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
