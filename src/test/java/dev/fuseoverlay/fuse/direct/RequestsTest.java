package dev.fuseoverlay.fuse.direct;

import static dev.fuseoverlay.Errnos.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.Stat;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The /dev/fuse engine answering requests encoded as the kernel sends them, without a mount: entries,
 * attributes, listings, data, creates, and errors through the exception-to-errno barrier.
 */
class RequestsTest {
    private final TestLayers t = new TestLayers(1).file("l0", "dir/file", "lower data\n")
            .file("l0", "tree/g", "g").file("l0", "tree/sub/f", "f");
    private final Overlay ov = linked(t).overlay();
    private final TreeMap<String, String> lowerBefore = t.real("l0");

    private final Requests r = new Requests(ov, t.options()).as(0, 0);

    /** tree/h1 and tree/h2: two names of one lower file. */
    private static TestLayers linked(TestLayers t) {
        t.file("l0", "tree/h1", "h");
        t.fs.link(t.lower(0) + "/tree/h1", t.lower(0) + "/tree/h2");
        return t;
    }

    @AfterEach
    void close() {
        r.close();
        ov.close();
    }

    @Test
    void lookupsAnswerEntriesWithTheMergedAttributes() {
        long d = r.lookup(1, "dir");
        long f = r.lookup(d, "file");
        long[] a = r.entryAttr();
        assertTrue(d > 1 && f > 1 && f != d);
        assertEquals(ov.lookup().lookup("/dir/file").ino, a[0]);
        assertEquals(Stat.S_IFREG, (int) a[1] & Stat.S_IFMT);
        assertEquals(11, a[2]);
        assertEquals(0, r.lookup(d, "missing"), "a negative entry");
        assertArrayEquals(a, r.getattr(f));
    }

    @Test
    void listingsReadsAndWrites() {
        long d = r.lookup(1, "dir");
        assertEquals(List.of(".", "..", "file"), r.readdirplus(d));
        assertEquals(List.of(".", "..", "dir", "tree"), r.readdirplus(1).stream().sorted().toList());
        long t1 = r.lookup(1, "tree");
        long h1 = r.lookup(t1, "h1");
        long h2 = r.lookup(t1, "h2");
        assertEquals(r.getattr(h1)[0], r.getattr(h2)[0], "two names of a lower hard link: one inode number");
        assertEquals(2, r.getattr(h1)[3]);
        long f = r.lookup(d, "file");
        long fh = r.open(f, Native.O_RDONLY);
        assertEquals("lower data\n", new String(r.read(f, fh, 0, 4096)));
        r.release(f, fh);
        long[] c = r.create(d, "new", 0644, Native.O_WRONLY | Native.O_CREAT);
        assertEquals(3, r.write(c[0], c[1], 0, "abc".getBytes()));
        r.release(c[0], c[1]);
        assertEquals("abc", TestLayers.read(ov, "/dir/new"));
        assertEquals(0644, (int) r.getattr(c[0])[1] & 07777, "the umask the request carries applies");
        assertEquals(List.of(".", "..", "file", "new"), r.readdirplus(d).stream().sorted().toList());
        assertEquals(lowerBefore, t.real("l0"));
    }

    @Test
    void errorsComeBackAsErrnos() {
        long d = r.lookup(1, "dir");
        assertErrno(Errno.ENOENT, () -> r.unlink(d, "missing"));
        assertErrno(Errno.EEXIST, () -> r.mkdir(1, "dir", 0755));
        assertErrno(Errno.ENOTEMPTY, () -> r.rmdir(1, "dir"));
        // locks (GETLK 31), copy_file_range (47), CUSE's INIT (4096), nonsense: not implemented here
        for (int opcode : new int[] {31, 47, 4096, -1, Integer.MAX_VALUE}) {
            assertErrno(Errno.ENOSYS, () -> r.empty(opcode, 1));
        }
    }

    @Test
    void theRehearsalOfTheTrainingRunIsAnsweredThroughout() {
        r.rehearse("dir", "file", "tree");
        assertEquals("lower data\n\n", TestLayers.read(ov, "/dir/file"), "copied up and appended to");
        assertEquals(List.of("file"), TestLayers.ls(ov, "/dir"), "what it made is gone again");
        assertEquals(List.of("dir"), TestLayers.ls(ov, "/"), "the tree is removed");
        assertEquals(lowerBefore, t.real("l0"));
    }
}
