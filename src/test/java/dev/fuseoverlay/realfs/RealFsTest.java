package dev.fuseoverlay.realfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.TestLayers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one class that touches layers never follows a symlink inside a layer while reaching what it changes,
 * even when the layer is changed under it: a directory replaced by a symlink to the outside after the
 * overlay looked it up must not lead a write outside the layer.
 */
class RealFsTest {
    private final TestLayers t = new TestLayers(1).file("u", "dir/file", "inside").dir("outside", "");
    private final RealFs fs = t.fs;
    private final String up = t.upper().toString();
    private final Path outside = t.root.resolve("outside");

    RealFsTest() throws Exception {
        fs.addRoot(up);
        Files.writeString(outside.resolve("file"), "outside");
        // the layer changes under the overlay: dir becomes a symlink pointing out of the layer
        Files.move(t.upper().resolve("dir"), t.root.resolve("moved-away"));
        Files.createSymbolicLink(t.upper().resolve("dir"), outside);
    }

    private void refused(Runnable op) {
        ErrnoException e = assertThrows(ErrnoException.class, op::run);
        assertTrue(e.errno() == Errno.ELOOP || e.errno() == Errno.EXDEV, "errno " + e.errno());
    }

    @Test
    void noMutationFollowsASymlinkedDirectory() throws Exception {
        int modeBefore = fs.lstat(outside.resolve("file").toString()).perm();
        refused(() -> fs.close(fs.create(up + "/dir/new", Native.O_WRONLY, 0644)));
        refused(() -> fs.mkdir(up + "/dir/d", 0755));
        refused(() -> fs.unlink(up + "/dir/file"));
        refused(() -> fs.chmod(up + "/dir/file", 0777));
        refused(() -> fs.lchown(up + "/dir/file", 1, 1));
        refused(() -> fs.truncate(up + "/dir/file", 0));
        refused(() -> fs.utimens(up + "/dir/file", new long[] {0, 0, 0, 0}));
        refused(() -> fs.setxattr(up + "/dir/file", "user.x", new byte[] {1}, 0));
        refused(() -> fs.rename(up + "/dir/file", up + "/stolen"));
        refused(() -> fs.link(up + "/dir/file", up + "/stolen"));
        refused(() -> fs.symlink("x", up + "/dir/link"));
        refused(() -> fs.close(fs.open(up + "/dir/file", Native.O_RDONLY)));
        refused(() -> fs.readdir(up + "/dir/"));
        assertEquals(List.of("file"), list(outside));
        assertEquals("outside", Files.readString(outside.resolve("file")));
        assertEquals(modeBefore, fs.lstat(outside.resolve("file").toString()).perm(), "chmod did not reach the outside file");
        assertFalse(Files.exists(t.upper().resolve("stolen")));
    }

    @Test
    void theSymlinkItselfCanStillBeHandled() {
        assertTrue(fs.lstat(up + "/dir").isLink());
        fs.unlink(up + "/dir");
        assertTrue(fs.lstat(up + "/dir") == null);
    }

    @Test
    void aLayerWhosePathVanishedAfterTheMountIsStillServed() throws Exception {
        TestLayers t2 = new TestLayers(1).file("l0", "etc/passwd", "x");
        RealFs fs2 = new RealFs(null);
        String root = t2.lower(0).toString();
        fs2.setxattr(root + "/etc/passwd", "user.k", new byte[] {'v'}, 0);
        fs2.addRoot(root);
        Files.move(t2.lower(0), t2.root.resolve("moved")); // as containers-storage detaches idmapped layers
        assertTrue(fs2.lstat(root + "/etc").isDir());
        assertEquals("v", new String(fs2.getxattr(root + "/etc/passwd", "user.k")));
        assertEquals(List.of("user.k"), fs2.listxattr(root + "/etc/passwd"));
        assertEquals(List.of("passwd"), fs2.readdir(root + "/etc").stream().map(DirEntry::name).toList());
    }

    private static List<String> list(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void diskWaitsCountThisThreadsSyncsOnly() throws Exception {
        int fd = fs.create(up + "/synced", Native.O_WRONLY, 0644);
        try {
            int before = RealFs.diskWaits();
            fs.fsync(fd);
            fs.writeBack(fd);
            assertEquals(before + 2, RealFs.diskWaits());
            Thread other = new Thread(() -> fs.fsync(fd));
            other.start();
            other.join();
            assertEquals(before + 2, RealFs.diskWaits(), "another thread's fsync");
        } finally {
            fs.close(fd);
        }
    }

    @Test
    void readdirListsEveryEntryWithItsTypeAndInodeAcrossManyBuffers() throws Exception {
        Path dir = t.upper().resolve("many");
        Files.createDirectory(dir);
        java.util.Set<String> want = new java.util.TreeSet<>();
        // long names: about 2 000 entries of 264 bytes each take more than one 32 KiB getdents64 buffer
        for (int i = 0; i < 2000; i++) {
            String name = String.format("%04d-", i) + "x".repeat(240);
            Files.createFile(dir.resolve(name));
            want.add(name);
        }
        // names that start like "." and "..", and bytes that are not UTF-8 (names are bytes, ISO-8859-1 chars)
        for (String name : List.of(".h", "..h", "...", "\u00e9\u00ff\u0001")) {
            fs.close(fs.create(dir + "/" + name, Native.O_WRONLY, 0644));
            want.add(name);
        }
        fs.mkdir(dir + "/sub", 0755);
        fs.symlink("target", dir + "/link");
        want.add("sub");
        want.add("link");
        List<DirEntry> got = fs.readdir(dir.toString());
        assertEquals(want, new java.util.TreeSet<>(got.stream().map(DirEntry::name).toList()));
        assertEquals(want.size(), got.size(), "each entry once, no . or ..");
        for (DirEntry e : got) {
            Stat st = fs.lstat(dir + "/" + e.name());
            assertEquals(st.ino, e.ino(), e.name());
            assertEquals(st.type() >> 12, e.dtype(), e.name()); // DT_* is the S_IF* type shifted down
        }
        fs.close(fs.create(dir + "/a-file", Native.O_WRONLY, 0644));
        ErrnoException notDir = assertThrows(ErrnoException.class, () -> fs.readdir(dir + "/a-file"));
        assertEquals(Errno.ENOTDIR, notDir.errno());
    }
}
