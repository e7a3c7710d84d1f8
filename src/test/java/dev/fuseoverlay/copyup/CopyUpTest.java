package dev.fuseoverlay.copyup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Copy-up: what triggers it, what it copies, and that the lower layer never changes. */
class CopyUpTest {
    private final TestLayers t = new TestLayers(1).file("l0", "etc/nginx/nginx.conf", "worker 1;\n");
    private final Overlay ov;
    private final TreeMap<String, String> lowerBefore;

    CopyUpTest() throws Exception {
        t.fs.chmod(t.lower(0) + "/etc/nginx", 0750);
        t.fs.lchown(t.lower(0) + "/etc/nginx/nginx.conf", 33, 44);
        t.fs.chmod(t.lower(0) + "/etc/nginx/nginx.conf", 04640);
        t.fs.setxattr(t.lower(0) + "/etc/nginx/nginx.conf", "user.origin", "lower".getBytes(), 0);
        t.fs.setxattr(t.lower(0) + "/etc/nginx/nginx.conf", "trusted.overlay.secret", "x".getBytes(), 0);
        t.fs.utimens(t.lower(0) + "/etc/nginx/nginx.conf", new long[] {1000, 5, 2000, 7});
        t.fs.utimens(t.lower(0) + "/etc/nginx", new long[] {3000, 0, 4000, 0});
        lowerBefore = t.real("l0");
        ov = t.overlay();
    }

    @Test
    void readDoesNotCopyUp() {
        assertEquals("worker 1;\n", TestLayers.read(ov, "/etc/nginx/nginx.conf"));
        assertTrue(t.real("u").isEmpty());
    }

    @Test
    void firstWriteCopiesDataAndMetadataParentsFirst() {
        long inoBefore = ov.lookup().lookup("/etc/nginx/nginx.conf").ino;
        TestLayers.append(ov, "/etc/nginx/nginx.conf", "worker 2;\n");
        assertEquals("worker 1;\nworker 2;\n", TestLayers.read(ov, "/etc/nginx/nginx.conf"));
        assertEquals(lowerBefore, t.real("l0"), "lower layer unchanged");

        String up = t.upper() + "/etc/nginx/nginx.conf";
        Stat st = t.fs.lstat(up);
        assertEquals(33, st.uid);
        assertEquals(44, st.gid);
        assertEquals(04640, st.perm(), "mode with the set-uid bit survives (chmod after chown)");
        assertArrayEquals("lower".getBytes(), t.fs.getxattr(up, "user.origin"));
        assertNull(t.fs.getxattr(up, "trusted.overlay.secret"), "overlay-private xattrs are not copied");
        Stat dir = t.fs.lstat(t.upper() + "/etc/nginx");
        assertEquals(0750, dir.perm(), "parents copied with their metadata");
        assertEquals(4000, dir.mtimeSec, "parent times restored after the copy landed in it");
        assertEquals(inoBefore, ov.lookup().lookup("/etc/nginx/nginx.conf").ino, "inode number survives copy-up");
        assertEquals(java.util.List.of(), t.real("w").keySet().stream().filter(k -> !k.equals("work")).toList(),
                "work dir left clean");
    }

    /** The kernel's way where the upper filesystem allows it: an O_TMPFILE in work, linked into upper. */
    @Test
    void aRegularFileIsBuiltUnnamedAndLinkedIntoPlace() {
        ov.close();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        RealFs logged = new RealFs(new PrintStream(log, true));
        Overlay o = Overlay.open(LayerStack.open(t.options(), null, logged), logged, false, false);
        TestLayers.append(o, "/etc/nginx/nginx.conf", "worker 2;\n");
        String l = log.toString();
        assertTrue(l.contains("realfs: tmpfile in " + t.work()) && l.contains("realfs: link fd"), l);
        assertFalse(l.contains("/nginx.conf flags=") || l.lines().anyMatch(x -> x.startsWith("realfs: create ") && x.contains("#fo")),
                "no named copy of the file: " + l);
        assertEquals("worker 1;\nworker 2;\n", TestLayers.read(o, "/etc/nginx/nginx.conf"));
        Stat st = t.fs.lstat(t.upper() + "/etc/nginx/nginx.conf");
        assertEquals(04640, st.perm());
        assertEquals(1, st.nlink);
        assertEquals(lowerBefore, t.real("l0"));
    }

    /** Where O_TMPFILE is refused (or /proc is missing), a copy is built under a name in work and renamed. */
    @Test
    void withoutUnnamedFilesACopyIsBuiltUnderATemporaryName() {
        long inoBefore = ov.lookup().lookup("/etc/nginx/nginx.conf").ino;
        CopyUp named = new CopyUp(t.fs, ov.lookup(), ov.whiteouts(), true);
        named.unnamed = false;
        named.ensureUpper("/etc/nginx/nginx.conf");
        String up = t.upper() + "/etc/nginx/nginx.conf";
        Stat st = t.fs.lstat(up);
        assertEquals(33, st.uid);
        assertEquals(04640, st.perm());
        assertEquals(2000, st.mtimeSec);
        assertArrayEquals("lower".getBytes(), t.fs.getxattr(up, "user.origin"));
        assertEquals("worker 1;\n", TestLayers.read(ov, "/etc/nginx/nginx.conf"));
        assertEquals(inoBefore, ov.lookup().lookup("/etc/nginx/nginx.conf").ino);
        assertEquals(java.util.List.of(), t.real("w").keySet().stream().filter(k -> !k.equals("work")).toList());
        assertEquals(lowerBefore, t.real("l0"));
    }

    @Test
    void metadataChangesCopyUpAndKeepTimes() {
        ov.chmod("/etc/nginx/nginx.conf", 0600);
        Stat st = t.fs.lstat(t.upper() + "/etc/nginx/nginx.conf");
        assertEquals(0600, st.perm());
        assertEquals(2000, st.mtimeSec);
        assertEquals(7, st.mtimeNsec);
        assertEquals("worker 1;\n", TestLayers.read(ov, "/etc/nginx/nginx.conf"));
        assertEquals(lowerBefore, t.real("l0"));
    }

    @Test
    void truncateOpensWithTruncCopyUp() {
        int fd = ov.open("/etc/nginx/nginx.conf", Native.O_WRONLY | Native.O_TRUNC);
        ov.release(fd);
        assertEquals("", TestLayers.read(ov, "/etc/nginx/nginx.conf"));
        assertEquals("worker 1;\n", t.real("l0").get("etc/nginx/nginx.conf").substring(2));
    }

    @Test
    void sparseFilesKeepTheirHoles() throws Exception {
        String p = t.lower(0) + "/sparse";
        try (var raf = new java.io.RandomAccessFile(p, "rw")) {
            raf.seek(64L << 20);
            raf.write(1);
        }
        ov.close();
        Overlay o2 = t.overlay();
        TestLayers.append(o2, "/sparse", "x");
        Stat st = t.fs.lstat(t.upper() + "/sparse");
        assertEquals((64L << 20) + 2, st.size);
        assertTrue(st.blocks < 1024, "holes kept: " + st.blocks + " blocks");
    }

    @Test
    void symlinksFifosAndDirectoriesCopyUp() throws Exception {
        t.symlink("l0", "link", "etc/nginx").dir("l0", "empty");
        t.fs.mknod(t.lower(0) + "/fifo", Stat.S_IFIFO | 0640, 0);
        ov.close();
        Overlay o2 = t.overlay();
        o2.chown("/link", 5, 6);
        o2.chown("/fifo", 7, 8);
        o2.chmod("/empty", 0711);
        assertEquals("etc/nginx", Files.readSymbolicLink(t.upper().resolve("link")).toString());
        assertEquals(5, t.fs.lstat(t.upper() + "/link").uid);
        Stat fifo = t.fs.lstat(t.upper() + "/fifo");
        assertEquals(Stat.S_IFIFO, fifo.type());
        assertEquals(0640, fifo.perm());
        assertEquals(7, fifo.uid);
        assertEquals(0711, t.fs.lstat(t.upper() + "/empty").perm());
        assertFalse(t.fs.lstat(t.upper() + "/empty") == null);
    }

    @Test
    void concurrentWritersCopyUpOnce() throws Exception {
        Thread[] threads = new Thread[8];
        for (int i = 0; i < threads.length; i++) {
            int n = i;
            threads[i] = new Thread(() -> TestLayers.append(ov, "/etc/nginx/nginx.conf", "w" + n + "\n"));
        }
        for (Thread th : threads) {
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        String content = TestLayers.read(ov, "/etc/nginx/nginx.conf");
        assertTrue(content.startsWith("worker 1;\n"));
        for (int i = 0; i < threads.length; i++) {
            assertTrue(content.contains("w" + i + "\n"), "every append landed in the one copy: " + content);
        }
    }
}
