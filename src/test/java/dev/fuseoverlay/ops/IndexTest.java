package dev.fuseoverlay.ops;

import static dev.fuseoverlay.Errnos.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.options.OptionsException;
import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.Stat;
import dev.fuseoverlay.whiteout.OriginHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * index=on, the kernel's inodes index: lower hard links stay one inode across copy-up.
 * Fixture: one lower layer.
 * <pre>
 *   l0: d/a = d/b = c  (one inode, nlink 3, "linked")   single (nlink 1)
 * </pre>
 */
class IndexTest {
    private final TestLayers t = new TestLayers(1).file("l0", "d/a", "linked").file("l0", "single", "one");
    private Overlay ov;

    IndexTest() {
        t.fs.link(t.lower(0) + "/d/a", t.lower(0) + "/d/b");
        t.fs.link(t.lower(0) + "/d/a", t.lower(0) + "/c");
        ov = open();
    }

    private Overlay open() {
        Overlay o = t.overlay();
        assertNull(o.setIndex(true));
        return o;
    }

    @AfterEach
    void close() {
        ov.close();
    }

    private void remount() {
        ov.close();
        ov = open();
    }

    /** st_nlink and st_ino as the merged view reports them (getattr). */
    private long[] nlinkIno(String path) {
        Pointer st = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE);
        ov.getattr(path, st);
        return new long[] {st.getLong(Stat.OFF_NLINK), st.getLong(Stat.OFF_INO)};
    }

    private String index() {
        return t.work() + "/index";
    }

    private OriginHandle lowerHandle(String rel) {
        return OriginHandle.of(t.fs.fsUuid(t.lower(0).toString()), t.fs.fileHandle(t.lower(0) + "/" + rel), false);
    }

    private String xattr(String path, String name) {
        byte[] v = t.fs.getxattr(path, name);
        return v == null ? null : new String(v, StandardCharsets.ISO_8859_1);
    }

    @Test
    void copyUpOfOneNameGoesToTheIndexAndTheOtherNamesSeeIt() {
        long ino = nlinkIno("/d/a")[1];
        assertEquals("linked", TestLayers.read(ov, "/d/b")); // looked up before the copy-up: no stale entry after
        TestLayers.append(ov, "/d/a", "+");          // echo + >> d/a
        assertEquals("linked+", TestLayers.read(ov, "/d/b"));  // cat d/b
        assertEquals("linked+", TestLayers.read(ov, "/c"));
        String entry = index() + "/" + lowerHandle("d/a").indexName();
        Stat ix = t.fs.lstat(entry);
        assertNotNull(ix, "index entry named by the hex of the lower's origin handle");
        Stat up = t.fs.lstat(t.upper() + "/d/a");
        assertEquals(ix.ino, up.ino, "the upper name is a hard link to the index entry");
        assertEquals(2, up.nlink);
        assertNull(t.fs.lstat(t.upper() + "/d/b"), "other names are not copied up");
        assertArrayEquals(lowerHandle("d/a").encode(), t.fs.getxattr(entry, "trusted.overlay.origin"));
        assertEquals("U+1", xattr(entry, "trusted.overlay.nlink"), "3 merged names over 2 upper links");
        for (String p : List.of("/d/a", "/d/b", "/c")) {
            assertArrayEquals(new long[] {3, ino}, nlinkIno(p), p);
        }
        assertEquals("y", xattr(t.upper() + "/d", "trusted.overlay.impure"));
        remount();
        assertEquals("linked+", TestLayers.read(ov, "/d/b"));
        assertArrayEquals(new long[] {3, ino}, nlinkIno("/d/b"));
    }

    @Test
    void writingASecondNameLinksItUpWithoutCopying() {
        TestLayers.append(ov, "/d/a", "1");
        TestLayers.append(ov, "/d/b", "2");          // echo 2 >> d/b: linked up, not copied
        assertEquals("linked12", TestLayers.read(ov, "/c"));
        Stat a = t.fs.lstat(t.upper() + "/d/a");
        assertEquals(a.ino, t.fs.lstat(t.upper() + "/d/b").ino);
        assertEquals(3, a.nlink);
        assertEquals(3, nlinkIno("/d/b")[0]);
        assertEquals("U+0", xattr(t.upper() + "/d/a", "trusted.overlay.nlink"));
    }

    @Test
    void unlinkCountsDownAndTheLastNameTakesTheIndexEntryWithIt() {
        ov.unlink("/d/b");                           // rm d/b: copied up first (kernel's ovl_nlink_start), then whited out
        assertEquals("c:0/0", t.real("u").get("d/b"));
        String entry = index() + "/" + lowerHandle("d/a").indexName();
        assertNotNull(t.fs.lstat(entry));
        assertEquals(2, nlinkIno("/d/a")[0]);
        assertEquals(2, nlinkIno("/c")[0]);
        ov.unlink("/d/a");
        assertEquals(1, nlinkIno("/c")[0]);
        remount();
        assertEquals(1, nlinkIno("/c")[0], "survives remount (and the mount-time cleanup keeps the entry)");
        assertNotNull(t.fs.lstat(entry));
        ov.unlink("/c");
        assertNull(t.fs.lstat(entry), "no merged name left: the index entry goes (ovl_cleanup_index)");
        assertEquals(List.of("d"), TestLayers.ls(ov, "/").stream().filter(n -> !n.equals("single")).toList());
        assertEquals(3, t.fs.lstat(t.lower(0) + "/c").nlink, "the lower layer is untouched");
    }

    @Test
    void linkAndRenameKeepTheCount() {
        ov.link("/d/a", "/e");                      // ln d/a e
        assertEquals(4, nlinkIno("/d/b")[0]);
        assertEquals(4, nlinkIno("/e")[0]);
        long ino = nlinkIno("/e")[1];
        ov.rename("/e", "/c");                      // mv e c: two names of one inode, nothing happens
        assertEquals(4, nlinkIno("/e")[0]);
        ov.rename("/single", "/c");                 // mv single c: c (a lower-only name) is replaced
        assertEquals(3, nlinkIno("/d/b")[0]);
        assertEquals(ino, nlinkIno("/e")[1]);
        assertEquals("one", TestLayers.read(ov, "/c"));
        ov.rename("/d/b", "/moved");                 // a name moves: same count
        assertEquals(3, nlinkIno("/moved")[0]);
        assertEquals("linked", TestLayers.read(ov, "/moved"));
    }

    @Test
    void singleNamesAreCopiedAsBeforeWithTheirOrigin() {
        ov.chmod("/single", 0600);
        Stat st = t.fs.lstat(t.upper() + "/single");
        assertEquals(1, st.nlink);
        assertArrayEquals(lowerHandle("single").encode(), t.fs.getxattr(t.upper() + "/single", "trusted.overlay.origin"));
        assertEquals(0, t.fs.readdir(index()).size(), "a sole name does not go to the index");
        ov.chmod("/d", 0700);
        assertArrayEquals(lowerHandle("d").encode(), t.fs.getxattr(t.upper() + "/d", "trusted.overlay.origin"),
                "directories get their origin too");
    }

    @Test
    void mountRecordsTheLayersAndRefusesOthers() {
        OriginHandle lowerRoot = OriginHandle.of(t.fs.fsUuid(t.lower(0).toString()), t.fs.fileHandle(t.lower(0).toString()), false);
        OriginHandle upperRoot = OriginHandle.of(t.fs.fsUuid(t.upper().toString()), t.fs.fileHandle(t.upper().toString()), true);
        assertArrayEquals(lowerRoot.encode(), t.fs.getxattr(t.upper().toString(), "trusted.overlay.origin"));
        assertArrayEquals(upperRoot.encode(), t.fs.getxattr(index(), "trusted.overlay.upper"));
        assertEquals(0, t.fs.lstat(index()).perm(), "d--------- like the kernel's");
        remount(); // same layers: fine
        ov.close();
        TestLayers other = new TestLayers(1);
        MountOptions o = MountOptions.parse(List.of("lowerdir=" + other.lower(0) + ",upperdir=" + t.upper() + ",workdir=" + t.work()));
        Overlay wrong = Overlay.open(LayerStack.open(o, null, t.fs), t.fs, false, false);
        try {
            OptionsException e = assertThrows(OptionsException.class, () -> wrong.setIndex(true));
            assertTrue(e.getMessage().contains("failed to verify upper root origin"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            assertNull(wrong.setIndex(false), "index=off does not care");
        } finally {
            wrong.close();
        }
        ov = open();
    }

    @Test
    void mountRemovesOrphanEntries() {
        TestLayers.append(ov, "/d/a", "+");
        String entry = index() + "/" + lowerHandle("d/a").indexName();
        String stray = index() + "/00fb1d000100000000000000000000000000000000aaaaaaaabbbbbbbb";
        t.fs.close(t.fs.create(stray, Native.O_WRONLY, 0600));
        t.fs.setxattr(stray, "trusted.overlay.nlink", "U-1".getBytes(), 0);
        remount();
        assertNull(t.fs.lstat(stray), "nlink 1 and a merged count of 0: orphan");
        assertNotNull(t.fs.lstat(entry), "still used by d/a");
    }

    @Test
    void indexOffStillBreaksTheLink() {
        assertNull(ov.setIndex(false));
        TestLayers.append(ov, "/d/a", "+");
        assertEquals("linked", TestLayers.read(ov, "/d/b"));
        assertErrno(Errno.ENOENT, () -> ov.lookup().lookup("/nothing"));
    }
}
