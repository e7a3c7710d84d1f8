package dev.fuseoverlay.ops;

import static dev.fuseoverlay.Errnos.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.Stat;
import dev.fuseoverlay.whiteout.OriginHandle;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * metacopy=on: metadata changes copy up metadata only; data stays below until written.
 * Fixture: l0 over l1.
 * <pre>
 *   l0: d/f ("hello")   d/g   tree/a tree/sub/b (64 KiB each)
 *   l1: deep/data ("lower data")
 * </pre>
 */
class MetacopyTest {
    private static final String BIG = "x".repeat(65536);
    private final TestLayers t = new TestLayers(2).file("l0", "d/f", "hello").file("l0", "d/g", "g")
            .file("l0", "tree/a", BIG).file("l0", "tree/sub/b", BIG).file("l1", "deep/data", "lower data");
    private Overlay ov = open();

    private Overlay open() {
        Overlay o = t.overlay();
        o.setRedirectDir("on");
        o.setMetacopy(true);
        return o;
    }

    @AfterEach
    void close() {
        ov.close();
    }

    private String up(String rel) {
        return t.upper() + "/" + rel;
    }

    private Pointer getattr(String path) {
        Pointer st = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE);
        ov.getattr(path, st);
        return st;
    }

    private String xattr(String path, String name) {
        byte[] v = t.fs.getxattr(path, name);
        return v == null ? null : new String(v, StandardCharsets.ISO_8859_1);
    }

    @Test
    void chmodCopiesMetadataOnlyAndReadsGoBelow() {
        ov.chmod("/d/f", 0600);                      // chmod 600 d/f
        Stat real = t.fs.lstat(up("d/f"));
        assertEquals(5, real.size, "size set like the kernel's");
        assertTrue(real.blocks <= 8, "no data blocks (at most the xattr block ext4 may keep outside the inode)");
        assertEquals(0600, real.perm());
        assertEquals("", xattr(up("d/f"), "trusted.overlay.metacopy"));
        assertArrayEquals(OriginHandle.of(t.fs.fsUuid(t.lower(0).toString()), t.fs.fileHandle(t.lower(0) + "/d/f"), false).encode(),
                t.fs.getxattr(up("d/f"), "trusted.overlay.origin"));
        assertEquals("hello", TestLayers.read(ov, "/d/f"));  // cat d/f
        Pointer st = getattr("/d/f");
        assertEquals(0100600, st.getInt(Stat.OFF_MODE));
        assertEquals(t.fs.lstat(t.lower(0) + "/d/f").blocks, st.getLong(64), "blocks of the lower data");
        assertEquals(t.fs.lstat(t.lower(0) + "/d/f").ino, st.getLong(Stat.OFF_INO));
    }

    @Test
    void chownRecursiveCopiesNoData() {
        for (String p : new String[] {"/tree", "/tree/a", "/tree/sub", "/tree/sub/b"}) {
            ov.chown(p, 1, 1);                       // chown -R 1:1 tree
        }
        ov.utimens("/d/g", new long[] {1, 0, 1, 0});  // touch -d @1 d/g
        for (String p : new String[] {"tree/a", "tree/sub/b", "d/g"}) {
            Stat st = t.fs.lstat(up(p));
            assertNotNull(st, p);
            // 64 KiB of data would be 128 blocks; at most ext4's out-of-inode xattr block is there
            assertTrue(st.blocks <= 8, p + ": " + st.blocks + " blocks");
        }
        assertEquals(65536, t.fs.lstat(up("tree/a")).size);
        assertEquals(BIG, TestLayers.read(ov, "/tree/sub/b"));
        assertEquals(1, t.fs.lstat(up("tree/a")).uid);
    }

    @Test
    void openForWriteCopiesTheDataAndDropsTheMark() {
        ov.chmod("/d/f", 0600);
        long mtime = t.fs.lstat(up("d/f")).mtimeSec;
        TestLayers.append(ov, "/d/f", "+more");      // echo +more >> d/f
        assertNull(xattr(up("d/f"), "trusted.overlay.metacopy"));
        assertEquals("hello+more", new String(readReal(up("d/f")), StandardCharsets.ISO_8859_1), "the data is in upper");
        assertEquals("hello+more", TestLayers.read(ov, "/d/f"));
        assertEquals(0600, t.fs.lstat(up("d/f")).perm());
        assertTrue(t.fs.lstat(up("d/f")).mtimeSec >= mtime);
        assertTrue(t.fs.lstat(up("d/f")).blocks > 0, "data blocks now");
        assertEquals("hello", new String(readReal(t.lower(0) + "/d/f"), StandardCharsets.ISO_8859_1));
    }

    /** What the devfuse engine asks before letting the kernel read and write a file directly (passthrough). */
    @Test
    void onlyAFileWithItsDataInUpperIsServedByTheUpperFile() {
        assertFalse(ov.dataInUpper("/d/f"), "a lower file");
        ov.chmod("/d/f", 0600);
        assertFalse(ov.dataInUpper("/d/f"), "a metacopy: its data is still below");
        TestLayers.append(ov, "/d/f", "+more");
        assertTrue(ov.dataInUpper("/d/f"), "copied up with its data");
        ov.release(ov.create("/d/new", 0644, Native.O_WRONLY, Caller.ROOT));
        assertTrue(ov.dataInUpper("/d/new"), "created in upper");
        assertFalse(ov.dataInUpper("/d"), "a directory");
        assertFalse(ov.dataInUpper("/d/none"), "no such file");
    }

    @Test
    void truncateCopiesTheData() {
        ov.chmod("/tree/a", 0600);
        ov.truncate("/tree/a", 3);                   // truncate -s 3 tree/a
        assertNull(xattr(up("tree/a"), "trusted.overlay.metacopy"));
        assertEquals("xxx", TestLayers.read(ov, "/tree/a"));
    }

    @Test
    void linkKeepsTheMetacopyWithAnAbsoluteRedirect() {
        ov.link("/d/g", "/g-link");                  // ln d/g g-link: no data copied, like the kernel
        assertEquals("", xattr(up("d/g"), "trusted.overlay.metacopy"));
        assertEquals("/d/g", xattr(up("g-link"), "trusted.overlay.redirect"));
        assertEquals(t.fs.lstat(up("d/g")).ino, t.fs.lstat(up("g-link")).ino);
        assertEquals("g", TestLayers.read(ov, "/g-link"));
        TestLayers.append(ov, "/g-link", "2");       // echo 2 >> g-link: the data comes up for both names
        assertEquals("g2", TestLayers.read(ov, "/d/g"));
        assertNull(xattr(up("d/g"), "trusted.overlay.metacopy"));
    }

    @Test
    void renameRecordsWhereTheDataIsLikeTheKernel() {
        ov.rename("/d/f", "/d/f2");                  // mv d/f d/f2: metadata only, relative redirect
        assertEquals("", xattr(up("d/f2"), "trusted.overlay.metacopy"));
        assertEquals("f", xattr(up("d/f2"), "trusted.overlay.redirect"));
        ov.rename("/d/f2", "/moved");               // mv d/f2 moved: absolute
        assertEquals("/d/f", xattr(up("moved"), "trusted.overlay.redirect"));
        ov.rename("/deep/data", "/d/data");         // data two layers down
        assertEquals("/deep/data", xattr(up("d/data"), "trusted.overlay.redirect"));
        ov.close();
        ov = open();
        assertEquals("hello", TestLayers.read(ov, "/moved"));
        assertEquals("lower data", TestLayers.read(ov, "/d/data"));
        assertNull(ov.lookup().find("/d/f"));
        TestLayers.append(ov, "/moved", "!");
        assertEquals("hello!", TestLayers.read(ov, "/moved"));
    }

    /** What kernel overlayfs leaves after "chmod 600 d/f; mv d/f x" with metacopy=on (no fuse-overlay xattrs). */
    private void kernelMetacopyAtX() {
        int fd = t.fs.create(up("x"), Native.O_WRONLY, 0600);
        t.fs.ftruncate(fd, 5);
        t.fs.close(fd);
        t.fs.setxattr(up("x"), "trusted.overlay.metacopy", new byte[0], 0);
        t.fs.setxattr(up("x"), "trusted.overlay.redirect", "/d/f".getBytes(), 0);
        t.fs.mkdir(up("d"), 0755);
        t.fs.mknod(up("d/f"), Stat.S_IFCHR, 0);
    }

    @Test
    void readsAMetacopyTheKernelWrote() {
        kernelMetacopyAtX();
        assertEquals("hello", TestLayers.read(ov, "/x"));
        assertNull(ov.lookup().find("/d/f"));
        assertEquals(0600, ov.stat("/x").perm());
        assertEquals(t.fs.lstat(t.lower(0) + "/d/f").ino, ov.lookup().lookup("/x").ino, "the lower's number, like the kernel");
    }

    @Test
    void aMetacopyTheKernelWroteKeepsItsNumberWhenItGetsItsData() {
        kernelMetacopyAtX();
        long before = ov.lookup().lookup("/x").ino;
        TestLayers.append(ov, "/x", "+more");        // echo +more >> x: the data comes up
        assertNull(xattr(up("x"), "trusted.overlay.metacopy"));
        assertEquals("hello+more", TestLayers.read(ov, "/x"));
        ov.lookup().invalidateTree("/");
        assertEquals(before, ov.lookup().lookup("/x").ino, "st_ino stays the lower's, as the kernel keeps it");
    }

    @Test
    void aMetacopyWithoutDataBelowIsAnIoError() {
        int fd = t.fs.create(up("orphan"), Native.O_WRONLY, 0600);
        t.fs.close(fd);
        t.fs.setxattr(up("orphan"), "trusted.overlay.metacopy", new byte[0], 0);
        assertErrno(Errno.EIO, () -> ov.lookup().lookup("/orphan"));
    }

    @Test
    void withIndexALowerHardLinkIsCopiedToTheIndexAsAMetacopy() {
        t.fs.link(t.lower(0) + "/d/f", t.lower(0) + "/d/f-hard");
        ov.close();
        ov = open();
        assertEquals(null, ov.setIndex(true));
        ov.chmod("/d/f", 0600);                      // chmod 600 d/f: metadata to the index, linked to d/f
        String entry = t.work() + "/index/" + OriginHandle.of(t.fs.fsUuid(t.lower(0).toString()),
                t.fs.fileHandle(t.lower(0) + "/d/f"), false).indexName();
        assertEquals("", xattr(entry, "trusted.overlay.metacopy"), "as the kernel's index entry");
        assertEquals(t.fs.lstat(entry).ino, t.fs.lstat(up("d/f")).ino);
        assertEquals(0600, ov.stat("/d/f-hard").perm(), "the other name sees the index entry's metadata");
        assertEquals("hello", TestLayers.read(ov, "/d/f-hard"));
        TestLayers.append(ov, "/d/f-hard", "!");     // echo ! >> d/f-hard: linked up, then the data comes
        assertNull(xattr(entry, "trusted.overlay.metacopy"));
        assertEquals("hello!", TestLayers.read(ov, "/d/f"));
        assertEquals("U-1", xattr(entry, "trusted.overlay.nlink"), "2 names over 3 upper links, as the kernel wrote");
    }

    @Test
    void anUnlinkedOpenMetacopyKeepsItsDataAndMetadata() {
        ov.chmod("/d/f", 0640);
        Overlay.Detached d = ov.detach("/d/f");      // rm d/f while a process holds it open
        try {
            int fd = ov.reopenDetached(d, Native.O_RDONLY);
            try {
                Pointer buf = Memory.allocateDirect(Native.RUNTIME, 64);
                long n = ov.read(fd, buf, 64, 0);
                byte[] b = new byte[(int) n];
                buf.get(0, b, 0, b.length);
                assertEquals("hello", new String(b, StandardCharsets.ISO_8859_1));
            } finally {
                ov.release(fd);
            }
            Pointer st = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE);
            ov.getattrDetached(d, st);
            assertEquals(0100640, st.getInt(Stat.OFF_MODE));
        } finally {
            t.fs.close(d.fd());
        }
        assertNull(ov.lookup().find("/d/f"));
    }

    @Test
    void metacopyOffCopiesDataAsBefore() {
        ov.setMetacopy(false);
        ov.chmod("/d/f", 0600);
        assertNull(xattr(up("d/f"), "trusted.overlay.metacopy"));
        assertEquals("hello", new String(readReal(up("d/f")), StandardCharsets.ISO_8859_1));
    }

    private byte[] readReal(String path) {
        try {
            return java.nio.file.Files.readAllBytes(java.nio.file.Paths.get(path));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
