package dev.fuseoverlay.ops;

import static dev.fuseoverlay.Errnos.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.Stat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/**
 * fuse-overlayfs's xattr_permissions on real layers, no mount:
 *
 * <pre>
 *   l0/ f (5:6 0640)  d/ (0750)  ln -> f
 *   u/                          (gets its root marker at open with xattr_permissions=2)
 * </pre>
 */
class StatOverrideTest {
    private final TestLayers t = new TestLayers(1).file("l0", "f", "hi").dir("l0", "d").symlink("l0", "ln", "f");

    StatOverrideTest() {
        t.fs.lchown(t.lower(0) + "/f", 5, 6);
        t.fs.chmod(t.lower(0) + "/f", 0640);
        t.fs.chmod(t.lower(0) + "/d", 0750);
    }

    private Overlay open(int xattrPermissions) {
        Overlay ov = t.overlay();
        ov.setXattrPermissions(xattrPermissions);
        return ov;
    }

    /** "uid:gid:mode" as the merged view shows it (mode in octal, permission bits only). */
    private static String shown(Overlay ov, String path) {
        Pointer st = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE);
        ov.getattr(path, st);
        return st.getInt(28) + ":" + st.getInt(32) + ":" + Integer.toOctalString(st.getInt(Stat.OFF_MODE) & 07777);
    }

    private String xattr(String layer, String path, String name) {
        byte[] v = t.fs.getxattr(t.layer(layer).resolve(path).toString(), name);
        return v == null ? null : new String(v, StandardCharsets.US_ASCII);
    }

    private Stat real(String layer, String path) {
        return t.fs.lstat(t.layer(layer).resolve(path).toString());
    }

    @Test
    void formatIsFuseOverlayfsUidGidOctalModeWithTheType() {
        assertEquals("0:0:40755", new String(StatOverride.format(0, 0, 040755), StandardCharsets.US_ASCII));
        assertArrayEquals(new int[] {7, 8, 0100600}, StatOverride.parse("7:8:100600".getBytes()));
        assertArrayEquals(new int[] {1000, 1000, 0755}, StatOverride.parse("1000:1000:755".getBytes()));
        assertNull(StatOverride.parse("7:8".getBytes()));
        assertNull(StatOverride.parse("a:b:c".getBytes()));
        assertEquals("security.fuseoverlayfs.override_stat", StatOverride.nameFor(1));
        assertEquals("user.fuseoverlayfs.override_stat", StatOverride.nameFor(2));
        assertNull(StatOverride.nameFor(0));
    }

    @Test
    void openMarksTheUpperRootFromItsRealOwnerAndMode() {
        Stat root = real("u", "");
        try (Overlay ov = open(2)) {
            assertEquals(root.uid + ":" + root.gid + ":" + Integer.toOctalString(root.mode),
                    xattr("u", "", StatOverride.USER));
        }
        try (Overlay ov = open(0)) {
            assertNull(xattr("u", "", StatOverride.PRIVILEGED), "xattr_permissions=0 writes no marker");
        }
    }

    @Test
    void chmodAndChownGoToTheXattrAndTheRealObjectKeepsTheServersOwner() {
        try (Overlay ov = open(2)) {
            assertEquals("5:6:640", shown(ov, "/f"));
            ov.chmod("/f", 0600);
            assertEquals("5:6:600", shown(ov, "/f"), "copy-up kept what the lower showed, chmod changed the mode");
            ov.chown("/f", 7, 8);
            assertEquals("7:8:600", shown(ov, "/f"));
            ov.chown("/f", -1, 9); // chgrp keeps the owner (fuse-overlayfs 1.10 would store -1)
            assertEquals("7:9:100600", xattr("u", "f", StatOverride.USER));
            assertEquals(0755, real("u", "f").perm() & 0755, "the real copy is widened so the server can use it");
            assertEquals(5, real("u", "f").uid, "no real chown");
            ov.chmod("/d", 0711);
            assertEquals("0:0:40711", xattr("u", "d", StatOverride.USER));
        }
    }

    @Test
    void setIdBitsDroppedForAWriterWithoutFsetidGoFromTheXattr() {
        try (Overlay ov = open(2)) {
            ov.chmod("/f", 06750);                      // set-id, group-executable
            assertEquals("5:6:6750", shown(ov, "/f"));
            assertEquals(true, ov.dropSetid("/f", -1)); // what a write by another user does (killpriv_v2)
            assertEquals("5:6:750", shown(ov, "/f"));
            assertEquals(false, ov.dropSetid("/f", -1));
            ov.chmod("/f", 06740);                      // set-group-ID without group execute marks locking: kept
            ov.dropSetid("/f", -1);
            assertEquals("5:6:2740", shown(ov, "/f"));
            assertEquals(0, real("u", "f").mode & 07000, "the real file never had the bits");
        }
    }

    @Test
    void withoutTheOptionSetIdBitsAreDroppedOnTheRealFile() {
        try (Overlay ov = open(0)) {
            ov.chmod("/f", 06750);
            assertEquals(true, ov.dropSetid("/f", -1));
            assertEquals(0750, real("u", "f").mode & 07777);
            ov.chmod("/f", 04740);
            int fd = ov.open("/f", Native.O_WRONLY);
            try {
                assertEquals(true, ov.dropSetid("/f", fd)); // through the open file (an unlinked one has no path)
            } finally {
                ov.release(fd);
            }
            assertEquals(0740, real("u", "f").mode & 07777);
        }
    }

    @Test
    void newObjectsRecordTheCreatorAndTheRequestedMode() {
        try (Overlay ov = open(1)) {
            ov.mkdir("/nd", 0700, new Caller(1000, 1000));
            ov.release(ov.create("/nd/nf", 0604, Native.O_WRONLY, new Caller(1000, 1000)));
            assertEquals("1000:1000:700", shown(ov, "/nd"));
            assertEquals("1000:1000:604", shown(ov, "/nd/nf"));
            assertEquals("1000:1000:100604", xattr("u", "nd/nf", StatOverride.PRIVILEGED));
            assertEquals(0, real("u", "nd").uid);
            assertEquals(0755, real("u", "nd").perm());
        }
    }

    @Test
    void onlyDirectoriesAndRegularFilesAreOverridden() {
        try (Overlay ov = open(2)) {
            ov.symlink("f", "/sl", new Caller(3, 4));
            Stat sl = real("u", "sl");
            assertEquals(sl.uid + ":" + sl.gid + ":777", shown(ov, "/sl"));
            assertNull(xattr("u", "sl", StatOverride.USER));
        }
    }

    @Test
    void aLowerLayerWhoseRootCarriesAMarkerIsReadWithItEvenWithoutTheOption() {
        t.fs.setxattr(t.lower(0).toString(), StatOverride.CONTAINERS, "0:0:40755".getBytes(), 0);
        t.fs.setxattr(t.lower(0) + "/f", StatOverride.CONTAINERS, "11:12:100444".getBytes(), 0);
        try (Overlay ov = open(0)) {
            assertEquals("11:12:444", shown(ov, "/f"));
            assertEquals("0:0:750", shown(ov, "/d"), "no xattr on the object: its real values");
        }
        try (Overlay ov = open(2)) {
            ov.chmod("/f", 0440); // copy-up into an upper that keeps user.fuseoverlayfs.override_stat
            assertEquals("11:12:440", shown(ov, "/f"));
            assertEquals("11:12:100440", xattr("u", "f", StatOverride.USER));
        }
    }

    @Test
    void overrideXattrsAreHiddenAndCannotBeSetWhileInUse() {
        t.fs.setxattr(t.lower(0) + "/f", "user.fuseoverlayfs.origin", "f".getBytes(), 0);
        try (Overlay plain = open(0)) {
            assertEquals(List.of("user.fuseoverlayfs.origin"), plain.listxattr("/f"), "other names pass, as on the kernel");
        }
        try (Overlay ov = open(2)) {
            ov.chmod("/f", 0600);
            assertEquals(List.of("user.fuseoverlayfs.origin"), ov.listxattr("/f"));
            Pointer buf = Memory.allocateDirect(Native.RUNTIME, 64);
            assertErrno(Errno.ENODATA, () -> ov.getxattr("/f", StatOverride.USER, buf, 64));
            assertErrno(Errno.EPERM, () -> ov.setxattr("/f", StatOverride.USER, buf, 1, 0));
            assertErrno(Errno.EPERM, () -> ov.removexattr("/f", StatOverride.USER));
            assertEquals("5:6:100600", xattr("u", "f", StatOverride.USER));
        }
    }
}
