package dev.fuseoverlay.ops;

import static dev.fuseoverlay.Errnos.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.layer.Layer;
import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.Stat;
import dev.fuseoverlay.whiteout.Whiteouts;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/**
 * The mount options that change attributes and xattrs, on real layers without a mount: xino=, static_nlink,
 * noxattrs=1 and the choice of the overlay xattr namespace (userxattr).
 *
 * <pre>
 *   upper  u/                       (dev D)
 *   lower0 l0/ fa  d/sub/  hl1=hl2  (declared on dev D+1: a second filesystem)
 *   lower1 l1/ fb  d/                (declared on dev D+2: a third one)
 * </pre>
 */
class MountOptionRulesTest {
    private final TestLayers t = new TestLayers(2)
            .file("l0", "fa", "a").file("l1", "fb", "b").dir("l0", "d/sub").dir("l1", "d").dir("l0", "only/x/y");

    /** The test layers, each lower declared on a filesystem of its own (as tmpfs mounts would be). */
    private LayerStack threeFilesystems() {
        long dev = t.fs.lstat(t.upper().toString()).dev;
        List<Layer> layers = List.of(
                new Layer(0, t.upper().toString(), true, dev, 0, "upper"),
                new Layer(1, t.lower(0).toString(), false, dev + 1000, 1, "lower 0"),
                new Layer(2, t.lower(1).toString(), false, dev + 2000, 2, "lower 1"));
        return LayerStack.of(layers, t.work() + "/work");
    }

    private static Pointer stat(Overlay ov, String path) {
        Pointer buf = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE);
        ov.getattr(path, buf);
        return buf;
    }

    private static long ino(Overlay ov, String path) {
        return stat(ov, path).getLong(Stat.OFF_INO);
    }

    private long realIno(String layer, String path) {
        return t.fs.lstat(t.layer(layer).resolve(path).toString()).ino;
    }

    @Test
    void xinoOnPutsTheFsidInTheHighBitsAndKeepsNumbersAcrossCopyUpAndReopen() throws Exception {
        LayerStack s = threeFilesystems();
        long fa, fb, d;
        try (Overlay ov = Overlay.open(s, t.fs, false, false)) {
            ov.setXino("on");
            fa = ino(ov, "/fa");
            fb = ino(ov, "/fb");
            d = ino(ov, "/d");
            assertEquals(realIno("l0", "fa") | 1L << 62, fa);
            assertEquals(realIno("l1", "fb") | 2L << 62, fb);
            assertEquals(realIno("l0", "d") | 1L << 62, d, "a merged directory: its topmost lower part's number");
            ov.chmod("/fb", 0600); // copy-up
            ov.chmod("/d", 0700);
            assertEquals(fb, ino(ov, "/fb"), "copy-up keeps the number (fsid bits included)");
            assertEquals(d, ino(ov, "/d"));
            TestLayers.createFile(ov, "/new", "n");
            assertEquals(realIno("u", "new"), ino(ov, "/new"), "upper objects: fsid 0, the real number");
        }
        try (Overlay again = Overlay.open(s, t.fs, false, false)) {
            again.setXino("on");
            assertEquals(List.of(fa, fb, d), List.of(ino(again, "/fa"), ino(again, "/fb"), ino(again, "/d")));
        }
    }

    @Test
    void everyModeKeepsObjectsOfDifferentFilesystemsApartAndStable() throws Exception {
        LayerStack s = threeFilesystems();
        for (String mode : new String[] {"off", "auto", "on"}) {
            Set<Long> seen = new HashSet<>();
            try (Overlay ov = Overlay.open(s, t.fs, false, false)) {
                ov.setXino(mode);
                for (String p : List.of("/", "/fa", "/fb", "/d", "/d/sub", "/only")) {
                    long before = ino(ov, p);
                    assertEquals(before, ov.lookup().lookup(p).ino, mode + " " + p);
                    seen.add(before);
                }
                assertEquals(6, seen.size(), mode + ": distinct objects, distinct numbers " + seen);
                long only = ino(ov, "/only/x");
                ov.utimens("/only/x", new long[] {0, 0, 0, 0}); // copy-up of a directory with its parents
                assertEquals(only, ino(ov, "/only/x"), mode);
                ov.readdir("/").forEach(i -> assertEquals(ino(ov, "/" + i.name()), i.ino(), mode + " d_ino of " + i.name()));
            }
        }
    }

    @Test
    void realNumbersWhenAllLayersShareOneFilesystem() {
        try (Overlay ov = t.overlay()) {
            ov.setXino("on");
            assertEquals(realIno("l1", "fb"), ino(ov, "/fb"));
        }
    }

    @Test
    void staticNlinkReportsOneForEveryDirectory() {
        try (Overlay ov = t.overlay()) {
            assertEquals(3, stat(ov, "/only/x").getLong(Stat.OFF_NLINK), "one layer: its own count by default");
            assertEquals(1, stat(ov, "/d").getLong(Stat.OFF_NLINK), "merged: 1, like the kernel");
            ov.setStaticNlink(true);
            assertEquals(1, stat(ov, "/only/x").getLong(Stat.OFF_NLINK));
            assertEquals(1, stat(ov, "/").getLong(Stat.OFF_NLINK));
            assertEquals(1, stat(ov, "/fa").getLong(Stat.OFF_NLINK), "files keep their count");
        }
    }

    @Test
    void noXattrsRefusesGetListAndSetWithEnosysButRemoveWorks() {
        t.fs.setxattr(t.lower(0) + "/fa", "user.k", "v".getBytes(), 0);
        try (Overlay ov = t.overlay()) {
            ov.setXattrsDisabled(true);
            Pointer buf = Memory.allocateDirect(Native.RUNTIME, 8);
            assertErrno(Errno.ENOSYS, () -> ov.getxattr("/fa", "user.k", buf, 8));
            assertErrno(Errno.ENOSYS, () -> ov.listxattr("/fa"));
            assertErrno(Errno.ENOSYS, () -> ov.setxattr("/fa", "user.n", buf, 1, 0));
            assertNull(t.fs.lstat(t.upper() + "/fa"), "a refused setxattr copies nothing up");
            ov.removexattr("/fa", "user.k"); // fuse-overlayfs lets removexattr through
            assertNull(t.fs.getxattr(t.upper() + "/fa", "user.k"));
            ov.setXattrsDisabled(false);
            assertEquals(List.of(), ov.listxattr("/fa"));
        }
    }

    @Test
    void trustedNamespaceWhenWritableAndNoProbeLeftBehind() {
        // the tests run as root, where trusted.* is writable; the rootless case is MountCliIT's
        String work = t.work().toString();
        assertEquals(Native.C.geteuid() == 0 ? "trusted" : "user", Whiteouts.probeNamespace(t.fs, work, false));
        assertEquals(List.of(), t.fs.listxattr(work), "the probe xattr is removed");
        assertEquals("user", Whiteouts.probeNamespace(t.fs, work, true));
    }

    @Test
    void userxattrWritesOpaqueAndRedirectInTheUserNamespace() {
        try (Overlay ov = Overlay.open(LayerStack.open(t.options(), null, t.fs), t.fs, false, true)) {
            assertEquals("user", ov.whiteouts().namespace());
            ov.rmdir("/d/sub");
            ov.rmdir("/d");
            ov.mkdir("/d", 0755, Caller.ROOT);
            assertArrayEquals(new byte[] {'y'}, t.fs.getxattr(t.upper() + "/d", "user.overlay.opaque"));
            assertNull(t.fs.getxattr(t.upper() + "/d", "trusted.overlay.opaque"));
            assertEquals(List.of(), TestLayers.ls(ov, "/d"));
        }
    }
}
