package dev.fuseoverlay.ops;

import static dev.fuseoverlay.Errnos.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.lookup.Entry;
import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.Stat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Create, unlink, rmdir, rename and link on the merged view, checked against the upper layer they leave.
 * Fixture: l0 over l1.
 * <pre>
 *   l0: app/menu.txt  app/conf/a.conf  shared.txt
 *   l1: app/base.txt  old/x/deep.txt   shared.txt  hard1 = hard2 (one inode)
 * </pre>
 */
class NamespaceTest {
    private final TestLayers t = new TestLayers(2)
            .file("l0", "app/menu.txt", "coffee").file("l0", "app/conf/a.conf", "a").file("l0", "shared.txt", "top")
            .file("l1", "app/base.txt", "base").file("l1", "old/x/deep.txt", "deep").file("l1", "shared.txt", "bottom")
            .file("l1", "hard1", "linked");
    private final Overlay ov;
    private final TreeMap<String, String> lowers;

    NamespaceTest() {
        t.fs.link(t.lower(1) + "/hard1", t.lower(1) + "/hard2");
        ov = t.overlay();
        lowers = new TreeMap<>(t.real("l0"));
        t.real("l1").forEach((k, v) -> lowers.put("l1/" + k, v));
    }

    private void assertLowersUnchanged() {
        TreeMap<String, String> now = new TreeMap<>(t.real("l0"));
        t.real("l1").forEach((k, v) -> now.put("l1/" + k, v));
        assertEquals(lowers, now);
    }

    @Test
    void unlinkOfALowerFileLeavesAKernelWhiteout() {
        ov.unlink("/app/menu.txt");
        assertNull(ov.lookup().find("/app/menu.txt"));
        assertEquals("c:0/0", t.real("u").get("app/menu.txt"));
        assertEquals(List.of("base.txt", "conf"), TestLayers.ls(ov, "/app"));
        assertLowersUnchanged();
    }

    /** The kernel's whiteout cache: every whiteout a mount makes is a hard link of one 0/0 device in work. */
    @Test
    void whiteoutsShareOneInodeAsTheKernelsDo() {
        ov.unlink("/app/menu.txt");
        ov.unlink("/shared.txt");
        TestLayers.append(ov, "/app/base.txt", "!");
        ov.unlink("/app/base.txt"); // an upper copy replaced by a whiteout in one rename
        Stat a = t.fs.lstat(t.upper() + "/app/menu.txt");
        Stat b = t.fs.lstat(t.upper() + "/shared.txt");
        Stat c = t.fs.lstat(t.upper() + "/app/base.txt");
        for (Stat st : List.of(a, b, c)) {
            assertTrue(st.isWhiteoutDevice());
            assertEquals(a.ino, st.ino, "one shared inode");
        }
        assertEquals(4, a.nlink, "three whiteouts and the one kept in work");
        for (String p : List.of("/app/menu.txt", "/shared.txt", "/app/base.txt")) {
            assertNull(ov.lookup().find(p));
        }
        assertEquals(List.of("conf"), TestLayers.ls(ov, "/app"));
        assertLowersUnchanged();
    }

    /**
     * redirect_dir=on: a lower directory moved into a new (upper-only, opaque) directory finds its lower
     * parts through its redirect, though its new parent has no lower layer (unionmount-testsuite's
     * rename-move-dir, "move populated dir into a new dir").
     */
    @Test
    void aDirectoryMovedIntoANewDirectoryFollowsItsRedirect() {
        ov.setRedirectDir("on");
        ov.mkdir("/app/new", 0755, new Caller(0, 0));
        ov.rename("/old", "/app/new/old");
        assertEquals(List.of("x"), TestLayers.ls(ov, "/app/new/old"));
        assertEquals("deep", TestLayers.read(ov, "/app/new/old/x/deep.txt"));
        assertNull(ov.lookup().find("/old"));
        assertLowersUnchanged();
    }

    /**
     * With the overlay's xattrs in user.overlay.* (userxattr, or chosen when trusted.* is not writable)
     * redirects are followed only with redirect_dir=follow or on, as the kernel does with userxattr; the
     * default follows them only in trusted.*.
     */
    @Test
    void redirectsInUserXattrsAreFollowedOnlyWhenAsked() {
        ov.close();
        try (Overlay w = Overlay.open(dev.fuseoverlay.layer.LayerStack.open(t.options(), null, t.fs), t.fs, false, true)) {
            w.setRedirectDir("on");
            w.mkdir("/app/new", 0755, new Caller(0, 0));
            w.rename("/old", "/app/new/old");
            assertEquals(List.of("x"), TestLayers.ls(w, "/app/new/old"));
        }
        try (Overlay r = Overlay.open(dev.fuseoverlay.layer.LayerStack.open(t.options(), null, t.fs), t.fs, false, true)) {
            assertEquals(List.of(), TestLayers.ls(r, "/app/new/old"), "followed by default in user.overlay.*");
            r.setRedirectDir("follow");
            assertEquals(List.of("x"), TestLayers.ls(r, "/app/new/old"));
        }
    }

    /**
     * In trusted.overlay.* the user.overlay.* xattrs are a user's own, as on the kernel: any user who may
     * write a directory can set them, so a redirect or an opaque mark there means nothing (a redirect to a
     * lower directory whose permissions hide it would show it). The same marks in trusted.* do count.
     */
    @Test
    void theOtherNamespacesMarksAreAUsersXattrs() {
        t.dir("u", "x").dir("u", "y").dir("u", "app");
        t.fs.setxattr(t.upper() + "/x", "user.overlay.redirect", Native.cstr("/old"), 0);
        t.fs.setxattr(t.upper() + "/app", "user.overlay.opaque", new byte[] {'y'}, 0);
        assertEquals(List.of(), TestLayers.ls(ov, "/x"));
        assertEquals(List.of("base.txt", "conf", "menu.txt"), TestLayers.ls(ov, "/app"));
        ov.close();
        t.fs.setxattr(t.upper() + "/y", "trusted.overlay.redirect", Native.cstr("/old"), 0);
        t.fs.setxattr(t.upper() + "/app", "trusted.overlay.opaque", new byte[] {'y'}, 0);
        try (Overlay again = t.overlay()) {
            assertEquals(List.of("x"), TestLayers.ls(again, "/y"), "this namespace's redirect is followed");
            assertEquals(List.of(), TestLayers.ls(again, "/app"), "this namespace's opaque mark hides the lower layers");
            assertEquals(List.of(), TestLayers.ls(again, "/x"));
        }
    }

    /** A copy-up keeps the other namespace's overlay xattrs (a user's own) and drops this mount's. */
    @Test
    void copyUpKeepsTheOtherNamespacesOverlayXattrs() {
        t.fs.setxattr(t.lower(0) + "/app/menu.txt", "user.overlay.uo", Native.cstr("3"), 0);
        t.fs.setxattr(t.lower(0) + "/app/menu.txt", "trusted.overlay.overlay.mine", Native.cstr("4"), 0);
        t.fs.setxattr(t.lower(0) + "/app/menu.txt", "trusted.overlay.nlink", Native.cstr("U+1"), 0);
        ov.chmod("/app/menu.txt", 0600);
        String up = t.upper() + "/app/menu.txt";
        assertArrayEquals(Native.cstr("3"), t.fs.getxattr(up, "user.overlay.uo"));
        assertArrayEquals(Native.cstr("4"), t.fs.getxattr(up, "trusted.overlay.overlay.mine"), "escaped: a user's value");
        assertNull(t.fs.getxattr(up, "trusted.overlay.nlink"), "this mount's own bookkeeping is not copied");
    }

    /**
     * A new directory in a merged one is opaque where the kernel refuses offline changes of the lower
     * layers (redirect_dir=on, index=on, metacopy=on, xino=on), and plain otherwise.
     */
    @Test
    void aNewDirectoryInAMergedOneIsOpaqueWhereOfflineChangesAreRefused() {
        Caller me = new Caller(0, 0);
        ov.mkdir("/app/plain", 0755, me);
        assertNull(t.fs.getxattr(t.upper() + "/app/plain", "trusted.overlay.opaque"));
        ov.setXino("on");
        ov.mkdir("/app/xino", 0755, me);
        assertArrayEquals(new byte[] {'y'}, t.fs.getxattr(t.upper() + "/app/xino", "trusted.overlay.opaque"));
        ov.setXino("off");
        ov.setMetacopy(true);
        ov.mkdir("/app/meta", 0755, me);
        assertArrayEquals(new byte[] {'y'}, t.fs.getxattr(t.upper() + "/app/meta", "trusted.overlay.opaque"));
        ov.mkdir("/n", 0755, me);
        ov.mkdir("/n/inner", 0755, me);
        assertNull(t.fs.getxattr(t.upper() + "/n/inner", "trusted.overlay.opaque"), "not in a merged directory");
    }

    /**
     * fchmod(2), fchown(2) and futimens(2) of a file unlinked while open: an upper file changes through its
     * descriptor and counts the links it has left; a lower one cannot be copied up any more and its layer is
     * never written (ENOENT).
     */
    @Test
    void anUnlinkedOpenFileChangesThroughItsDescriptorIfItIsAnUpperOne() {
        TestLayers.createFile(ov, "/tmp.txt", "t");
        t.fs.link(t.upper() + "/tmp.txt", t.upper() + "/other-name");
        Overlay.Detached up = ov.detach("/tmp.txt");
        ov.chmodDetached(up, 0640);
        ov.chownDetached(up, 1, 2);
        ov.utimensDetached(up, new long[] {0, 0, 86400, 0});
        Stat st = t.fs.lstat(t.upper() + "/other-name");
        assertEquals(0640, st.mode & 07777);
        assertEquals(List.of(1, 2), List.of(st.uid, st.gid));
        assertEquals(86400, st.mtimeSec);
        assertTrue(ov.stillLinked(up), "its other name holds it");
        Overlay.Detached low = ov.detach("/app/menu.txt");
        assertErrno(Errno.ENOENT, () -> ov.chmodDetached(low, 0600));
        assertErrno(Errno.ENOENT, () -> ov.chownDetached(low, 1, 1));
        assertFalse(ov.stillLinked(low));
        assertLowersUnchanged();
    }

    /**
     * An unlink racing the copy-up of an open for writing (which takes no namespace lock): the unlink always
     * succeeds and the file is gone; the open either got the file first or finds it gone (ENOENT), never the
     * whiteout that replaced it (ENXIO). Seen before the fix as unlink EEXIST with the copy left visible
     * (device whiteouts) or a copy landing beside the .wh. file and showing again (AUFS ones).
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "device whiteouts: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void anUnlinkRacingACopyUpWinsCleanly(boolean devices) throws Exception {
        TestLayers many = new TestLayers(1);
        int n = 400;
        for (int i = 0; i < n; i++) {
            many.file("l0", "d/f" + i, "x".repeat(20_000));
        }
        // false: AUFS .wh. files, as where device nodes are refused (no EEXIST to tell a copy has landed)
        try (Overlay o = Overlay.open(dev.fuseoverlay.layer.LayerStack.open(many.options(), null, many.fs), many.fs, false, false, devices)) {
            java.util.concurrent.ConcurrentHashMap<String, Integer> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
            for (int i = 0; i < n; i++) {
                String p = "/d/f" + i;
                Thread w = new Thread(() -> {
                    try {
                        o.release(o.open(p, Native.O_WRONLY | Native.O_APPEND));
                        outcomes.merge("open ok", 1, Integer::sum);
                    } catch (dev.fuseoverlay.realfs.ErrnoException e) {
                        outcomes.merge("open errno " + e.errno(), 1, Integer::sum);
                    }
                });
                w.start();
                try {
                    o.unlink(p);
                    outcomes.merge("unlink ok", 1, Integer::sum);
                } catch (dev.fuseoverlay.realfs.ErrnoException e) {
                    outcomes.merge("unlink errno " + e.errno(), 1, Integer::sum);
                }
                w.join();
            }
            assertEquals(n, outcomes.getOrDefault("unlink ok", 0), outcomes.toString());
            outcomes.keySet().forEach(k -> assertTrue(k.equals("unlink ok") || k.equals("open ok")
                    || k.equals("open errno " + Errno.ENOENT), outcomes.toString()));
            assertEquals(List.of(), TestLayers.ls(o, "/d"), "nothing left visible");
        }
    }

    /**
     * rename of one name of a lower hard link over another (index=off): two inodes on the kernel, so a real
     * rename (the source goes, the target shows its data); two names of one upper file: nothing happens.
     */
    @Test
    void renameBetweenNamesOfALowerHardLinkIsARealRename() {
        ov.rename("/hard1", "/hard2");
        assertNull(ov.lookup().find("/hard1"));
        assertEquals("linked", TestLayers.read(ov, "/hard2"));
        assertEquals("c:0/0", t.real("u").get("hard1"), "the source's lower name is whited out");
        TestLayers.createFile(ov, "/up1", "u");
        ov.link("/up1", "/up2");
        ov.rename("/up1", "/up2");
        assertEquals("u", TestLayers.read(ov, "/up1"), "two names of one upper file: rename does nothing");
        assertLowersUnchanged();
    }

    @Test
    void unlinkOfAnUpperOnlyFileRemovesIt() {
        TestLayers.createFile(ov, "/new.txt", "n");
        ov.unlink("/new.txt");
        assertFalse(t.real("u").containsKey("new.txt"));
    }

    @Test
    void unlinkOfACopiedUpFileReplacesItByAWhiteout() {
        TestLayers.append(ov, "/shared.txt", "!");
        assertEquals("f:top!", t.real("u").get("shared.txt"));
        ov.unlink("/shared.txt");
        assertEquals("c:0/0", t.real("u").get("shared.txt"), "the bottom layer's copy must not reappear");
        assertNull(ov.lookup().find("/shared.txt"));
    }

    /**
     * A create records the new object's entry itself instead of looking it up again: in every situation a
     * create meets, that entry must be exactly what a fresh lookup finds (layers, number, type, opaque).
     */
    @Test
    void theEntryACreateRecordsIsWhatALookupFinds() {
        Caller me = new Caller(0, 0);
        ov.mkdir("/n", 0755, me);                                   // new, in the merged root
        ov.mkdir("/n/d", 0755, me);                                 // new, in an upper-only directory
        TestLayers.createFile(ov, "/n/d/f", "x");
        ov.symlink("f", "/n/d/s", me);
        ov.mknod("/n/d/p", Stat.S_IFIFO | 0644, 0, me);
        ov.mkdir("/app/newdir", 0755, me);                          // new, in a merged directory
        ov.unlink("/shared.txt");
        TestLayers.createFile(ov, "/shared.txt", "fresh");          // over a whiteout
        ov.unlink("/app/conf/a.conf");
        ov.rmdir("/app/conf");
        ov.mkdir("/app/conf", 0755, me);                            // over a whiteout of a lower directory: opaque
        ov.unlink("/old/x/deep.txt");
        ov.rmdir("/old/x");
        ov.rmdir("/old");
        ov.mkdir("/old", 0755, me);                                 // over a whiteout, the only lower in l1
        for (String p : List.of("/n", "/n/d", "/n/d/f", "/n/d/s", "/n/d/p", "/app/newdir", "/shared.txt", "/app/conf", "/old")) {
            Entry recorded = ov.lookup().find(p);
            ov.lookup().invalidate(p);
            Entry fresh = ov.lookup().find(p);
            assertEquals(describe(fresh), describe(recorded), p);
        }
        assertTrue(ov.lookup().find("/app/conf").opaque, "a directory made over a lower one's whiteout is opaque");
        assertEquals(List.of(), TestLayers.ls(ov, "/app/conf"));
        assertLowersUnchanged();
    }

    private static String describe(Entry e) {
        StringBuilder sb = new StringBuilder(e.path).append(" type ").append(Integer.toOctalString(e.type))
                .append(" ino ").append(e.ino).append(" opaque ").append(e.opaque).append(" metacopy ").append(e.metacopy)
                .append(" indexOnly ").append(e.indexOnly);
        for (var lp : e.stack) {
            sb.append(" | ").append(lp.layer().index()).append(':').append(lp.real());
        }
        return sb.toString();
    }

    @Test
    void createOverAWhiteoutReplacesIt() {
        ov.unlink("/shared.txt");
        TestLayers.createFile(ov, "/shared.txt", "fresh");
        assertEquals("f:fresh", t.real("u").get("shared.txt"));
        assertEquals("fresh", TestLayers.read(ov, "/shared.txt"));
    }

    @Test
    void whiteoutNamesCannotBeCreated() {
        assertErrno(Errno.EINVAL, () -> ov.mkdir("/.wh.x", 0755, Caller.ROOT));
        assertErrno(Errno.EINVAL, () -> TestLayers.createFile(ov, "/app/.wh.menu.txt", ""));
        assertErrno(Errno.ENAMETOOLONG, () -> ov.mkdir("/" + "x".repeat(256), 0755, Caller.ROOT));
        assertErrno(Errno.EEXIST, () -> ov.mkdir("/app", 0755, Caller.ROOT));
    }

    @Test
    void rmdirRefusesANonEmptyMergedDirectory() {
        assertErrno(Errno.ENOTEMPTY, () -> ov.rmdir("/app"));
        ov.unlink("/app/menu.txt");
        ov.unlink("/app/base.txt");
        assertErrno(Errno.ENOTEMPTY, () -> ov.rmdir("/app"));
        ov.unlink("/app/conf/a.conf");
        ov.rmdir("/app/conf");
        ov.rmdir("/app");
        assertEquals("c:0/0", t.real("u").get("app"), "upper dir with its whiteouts replaced by one whiteout");
        assertEquals(1, t.real("u").size());
        assertErrno(Errno.ENOTDIR, () -> ov.rmdir("/shared.txt"));
        assertLowersUnchanged();
    }

    @Test
    void mkdirOverADeletedLowerDirectoryIsOpaque() {
        ov.unlink("/old/x/deep.txt");
        ov.rmdir("/old/x");
        ov.rmdir("/old");
        ov.mkdir("/old", 0700, Caller.ROOT);
        assertEquals(List.of(), TestLayers.ls(ov, "/old"));
        assertArrayEquals(new byte[] {'y'}, t.fs.getxattr(t.upper() + "/old", "trusted.overlay.opaque"));
        assertEquals(0700, t.fs.lstat(t.upper() + "/old").perm());
        assertNull(ov.lookup().find("/old/x"));
    }

    @Test
    void mkdirWhereNothingWasIsNotOpaque() {
        ov.mkdir("/fresh", 0755, new Caller(1000, 1000));
        assertNull(t.fs.getxattr(t.upper() + "/fresh", "trusted.overlay.opaque"));
        assertEquals(1000, t.fs.lstat(t.upper() + "/fresh").uid);
    }

    @Test
    void renameOfALowerFileCopiesItUpAndWhitesOutTheSource() {
        long ino = ov.lookup().lookup("/app/menu.txt").ino;
        ov.rename("/app/menu.txt", "/app/menu.bak");
        assertEquals("coffee", TestLayers.read(ov, "/app/menu.bak"));
        assertNull(ov.lookup().find("/app/menu.txt"));
        assertEquals("c:0/0", t.real("u").get("app/menu.txt"));
        assertEquals(ino, ov.lookup().lookup("/app/menu.bak").ino, "inode number follows the file");
        assertLowersUnchanged();
    }

    @Test
    void renameOverALowerFileReplacesIt() {
        ov.rename("/app/base.txt", "/shared.txt");
        assertEquals("base", TestLayers.read(ov, "/shared.txt"));
        assertNull(ov.lookup().find("/app/base.txt"));
    }

    @Test
    void renameOfAMergedOrLowerDirectoryIsExdev() {
        assertErrno(Errno.EXDEV, () -> ov.rename("/app", "/app2"));
        assertErrno(Errno.EXDEV, () -> ov.rename("/old/x", "/x"));
        assertTrue(t.real("u").isEmpty(), "nothing copied up for a refused rename");
    }

    @Test
    void renameOfAnUpperOnlyDirectoryMoves() {
        ov.mkdir("/mine", 0755, Caller.ROOT);
        TestLayers.createFile(ov, "/mine/f", "1");
        ov.rename("/mine", "/yours");
        assertEquals("1", TestLayers.read(ov, "/yours/f"));
        assertNull(ov.lookup().find("/mine"));
        assertFalse(t.real("u").containsKey("mine"), "no whiteout for a name no lower layer has");
    }

    @Test
    void directoryRenamedOverAnEmptiedMergedDirectoryBecomesOpaque() {
        ov.unlink("/app/conf/a.conf");
        ov.mkdir("/mine", 0755, Caller.ROOT);
        TestLayers.createFile(ov, "/mine/f", "1");
        ov.rename("/mine", "/app/conf");
        assertEquals(List.of("f"), TestLayers.ls(ov, "/app/conf"));
        assertArrayEquals(new byte[] {'y'}, t.fs.getxattr(t.upper() + "/app/conf", "trusted.overlay.opaque"));
        assertErrno(Errno.ENOTEMPTY, () -> ov.rename("/app/conf", "/app"));
    }

    @Test
    void renameTypeMismatches() {
        ov.mkdir("/d", 0755, Caller.ROOT);
        assertErrno(Errno.EISDIR, () -> ov.rename("/shared.txt", "/d"));
        assertErrno(Errno.ENOTDIR, () -> ov.rename("/d", "/shared.txt"));
    }

    @Test
    void linkCopiesUpTheSourceAndLinksInUpper() {
        ov.link("/app/menu.txt", "/menu-link");
        Stat a = t.fs.lstat(t.upper() + "/app/menu.txt");
        Stat b = t.fs.lstat(t.upper() + "/menu-link");
        assertEquals(a.ino, b.ino);
        assertEquals(2, b.nlink);
        assertEquals(ov.lookup().lookup("/app/menu.txt").ino, ov.lookup().lookup("/menu-link").ino);
        assertErrno(Errno.EEXIST, () -> ov.link("/app/menu.txt", "/shared.txt"));
        assertErrno(Errno.EPERM, () -> ov.link("/app", "/app-link"));
    }

    @Test
    void lowerHardLinksReportTheirNlinkAndBreakOnCopyUpLikeTheKernel() {
        assertEquals(2, ov.stat("/hard1").nlink);
        assertEquals(ov.lookup().lookup("/hard1").ino, ov.lookup().lookup("/hard2").ino);
        TestLayers.append(ov, "/hard1", "+");
        assertEquals("linked+", TestLayers.read(ov, "/hard1"));
        assertEquals("linked", TestLayers.read(ov, "/hard2"), "index=off: the link breaks, as on the kernel");
        assertFalse(ov.lookup().lookup("/hard1").ino == ov.lookup().lookup("/hard2").ino);
    }

    @Test
    void xattrsOfTheOverlayAreHiddenAndUserNamesInItsPrefixEscapedLikeTheKernel() {
        t.fs.setxattr(t.lower(0) + "/shared.txt", "user.k", "v".getBytes(), 0);
        t.fs.setxattr(t.lower(0) + "/shared.txt", "trusted.overlay.x", "private".getBytes(), 0);
        assertEquals(List.of("user.k"), ov.listxattr("/shared.txt"));
        assertErrno(Errno.ENODATA, () -> ov.getxattr("/shared.txt", "trusted.overlay.x", null, 0));

        byte[] v = "1".getBytes();
        jnr.ffi.Pointer buf = jnr.ffi.Memory.allocateDirect(Native.RUNTIME, 8);
        buf.put(0, v, 0, 1);
        ov.setxattr("/shared.txt", "trusted.overlay.anything", buf, 1, 0);
        assertArrayEquals(v, t.fs.getxattr(t.upper() + "/shared.txt", "trusted.overlay.overlay.anything"),
                "stored escaped, as the kernel does for nested overlays");
        assertEquals(List.of("trusted.overlay.anything", "user.k"), ov.listxattr("/shared.txt").stream().sorted().toList());
        assertEquals(1, ov.getxattr("/shared.txt", "trusted.overlay.anything", null, 0));
        assertNull(t.fs.getxattr(t.upper() + "/shared.txt", "trusted.overlay.x"), "private xattrs are not copied up");
        ov.removexattr("/shared.txt", "trusted.overlay.anything");
        ov.removexattr("/shared.txt", "user.k");
        assertEquals(List.of(), ov.listxattr("/shared.txt"));
        assertErrno(Errno.ENODATA, () -> ov.removexattr("/shared.txt", "user.k"));
    }

    @Test
    void mergedDirectoriesReportNlinkOneAndUpperOnlyTheirOwn() {
        Map<String, Long> nlink = new TreeMap<>();
        for (String p : List.of("/app", "/old")) {
            jnr.ffi.Pointer buf = jnr.ffi.Memory.allocateDirect(Native.RUNTIME, Stat.SIZE);
            ov.getattr(p, buf);
            nlink.put(p, buf.getLong(Stat.OFF_NLINK));
        }
        assertEquals(Map.of("/app", 1L, "/old", 3L), nlink);
    }

    @Test
    void withoutDeviceNodesWhiteoutsAndOpaqueDirectoriesUseTheAufsFormat() {
        ov.close();
        Overlay aufs = Overlay.open(dev.fuseoverlay.layer.LayerStack.open(t.options(), null, t.fs), t.fs, false, false, false);
        aufs.unlink("/app/menu.txt");
        assertEquals("f:", t.real("u").get("app/.wh.menu.txt"));
        assertFalse(t.real("u").containsKey("app/menu.txt"));
        assertNull(aufs.lookup().find("/app/menu.txt"));
        aufs.rename("/shared.txt", "/moved.txt");
        assertEquals("f:", t.real("u").get(".wh.shared.txt"));
        assertEquals("top", TestLayers.read(aufs, "/moved.txt"));
        assertNull(aufs.lookup().find("/shared.txt"), "the .wh. file hides the bottom layer's copy too");
        aufs.unlink("/old/x/deep.txt");
        aufs.rmdir("/old/x");
        aufs.rmdir("/old");
        aufs.mkdir("/old", 0755, Caller.ROOT);
        assertEquals(List.of(), TestLayers.ls(aufs, "/old"));
        TestLayers.createFile(aufs, "/app/menu.txt", "again");
        assertEquals("again", TestLayers.read(aufs, "/app/menu.txt"));
        assertFalse(t.real("u").containsKey("app/.wh.menu.txt"), "the marker goes when the name is created again");
        for (String p : List.of("/old", "/app/menu.txt")) { // the entries these creates recorded, against a lookup
            Entry recorded = aufs.lookup().find(p);
            aufs.lookup().invalidate(p);
            assertEquals(describe(aufs.lookup().find(p)), describe(recorded), p);
        }
        assertEquals(List.of("base.txt", "conf", "menu.txt"), TestLayers.ls(aufs, "/app"));
        assertLowersUnchanged();
    }

    @Test
    void readOnlyOverlayRefusesWrites() {
        Overlay ro = new TestLayers(1, false).file("l0", "f", "x").overlay();
        assertTrue(ro.readOnly());
        assertErrno(Errno.EROFS, () -> ro.unlink("/f"));
        assertErrno(Errno.EROFS, () -> ro.open("/f", Native.O_RDWR));
        assertErrno(Errno.EROFS, () -> ro.mkdir("/d", 0755, Caller.ROOT));
        assertEquals("x", TestLayers.read(ro, "/f"));
    }

    @Test
    void unlinkedButOpenFilesKeepWorking() {
        int fd = ov.open("/shared.txt", Native.O_RDWR);
        ov.unlink("/shared.txt");
        TestLayers.write(ov, fd, "TOP", 0);
        jnr.ffi.Pointer buf = jnr.ffi.Memory.allocateDirect(Native.RUNTIME, 16);
        assertEquals(3, ov.read(fd, buf, 16, 0));
        ov.release(fd);
        assertNull(ov.lookup().find("/shared.txt"));
    }
}
