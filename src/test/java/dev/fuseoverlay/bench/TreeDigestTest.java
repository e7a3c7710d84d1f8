package dev.fuseoverlay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeDigestTest {
    /** One entry in find's -printf format: path, type, mode, uid, gid, size, symlink target. */
    private static String e(String path, char type, String mode, String uid, long size, String target) {
        return path + "\0" + type + "\0" + mode + "\0" + uid + "\0" + uid + "\0" + size + "\0" + target + "\0";
    }

    private static TreeDigest tree(String... entries) {
        return TreeDigest.parse(String.join("", entries).getBytes(StandardCharsets.ISO_8859_1));
    }

    private static final String[] BASE = {
        e("", 'd', "755", "0", 4096, ""),
        e("usr", 'd', "755", "0", 4096, ""),
        e("usr/a", 'f', "644", "0", 10, ""),
        e("usr/l", 'l', "777", "0", 1, "a"),
    };

    @Test
    void parseSkipsTheRootAndReadsEveryField() {
        TreeDigest t = tree(BASE);
        assertEquals(3, t.size());
        TreeDigest.Entry a = t.entries().get("usr/a");
        assertEquals('f', a.type());
        assertEquals("644", a.mode());
        assertEquals(10, a.size());
        assertEquals("a", t.entries().get("usr/l").target());
        assertNull(a.hash());
    }

    @Test
    void identicalTreesHaveNoDifferences() {
        assertTrue(tree(BASE).differences(tree(BASE), 10).isEmpty());
    }

    @Test
    void directorySizesAreIgnoredFileSizesAreNot() {
        TreeDigest other = tree(e("usr", 'd', "755", "0", 8192, ""), BASE[2], BASE[3]);
        assertTrue(tree(BASE).differences(other, 10).isEmpty());
        TreeDigest bigger = tree(BASE[1], e("usr/a", 'f', "644", "0", 11, ""), BASE[3]);
        assertEquals(List.of("usr/a: size 10 != 11"), tree(BASE).differences(bigger, 10));
    }

    @Test
    void eachKindOfDifferenceIsNamed() {
        TreeDigest ref = tree(BASE);
        assertEquals(List.of("missing: usr/l"), ref.differences(tree(BASE[1], BASE[2]), 10));
        assertEquals(List.of("unexpected: usr/new"), ref.differences(tree(BASE[1], BASE[2], BASE[3], e("usr/new", 'f', "644", "0", 0, "")), 10));
        assertEquals(List.of("usr/a: type f != c"), ref.differences(tree(BASE[1], e("usr/a", 'c', "644", "0", 10, ""), BASE[3]), 10));
        assertEquals(List.of("usr/a: mode 644 != 664"), ref.differences(tree(BASE[1], e("usr/a", 'f', "664", "0", 10, ""), BASE[3]), 10));
        assertEquals(List.of("usr/a: owner 0:0 != 1000:1000"), ref.differences(tree(BASE[1], e("usr/a", 'f', "644", "1000", 10, ""), BASE[3]), 10));
        assertEquals(List.of("usr/l: symlink target a != b"), ref.differences(tree(BASE[1], BASE[2], e("usr/l", 'l', "777", "0", 1, "b")), 10));
    }

    @Test
    void differencesAreCappedWithACount() {
        TreeDigest ref = tree(BASE);
        List<String> d = ref.differences(tree(), 2);
        assertEquals(3, d.size());
        assertEquals("... and 1 more differences", d.get(2));
    }

    @Test
    void scopes() {
        assertTrue(TreeDigest.inScope("untar/x", List.of("untar")));
        assertTrue(TreeDigest.inScope("untar", List.of("untar")));
        assertFalse(TreeDigest.inScope("untarred/x", List.of("untar")));
        assertTrue(TreeDigest.inScope("anything", List.of("")));
        assertFalse(TreeDigest.inScope("x", List.of()));
    }

    @Test
    void contentIsComparedInScopeFromRealFiles(@TempDir Path a, @TempDir Path b) throws Exception {
        for (Path root : List.of(a, b)) {
            Files.createDirectories(root.resolve("in"));
            Files.createDirectories(root.resolve("out"));
            Files.writeString(root.resolve("out/same-size"), root == a ? "xxxx" : "yyyy");
        }
        Files.writeString(a.resolve("in/f"), "hello");
        Files.writeString(b.resolve("in/f"), "jello");
        Files.createSymbolicLink(a.resolve("in/link"), Path.of("f"));
        Files.createSymbolicLink(b.resolve("in/link"), Path.of("f"));
        TreeDigest ta = Runner.digest(a, List.of("in"));
        TreeDigest tb = Runner.digest(b, List.of("in"));
        assertNotNull(ta.entries().get("in/f").hash());
        assertNull(ta.entries().get("out/same-size").hash());
        assertEquals("f", ta.entries().get("in/link").target());
        // outside the scope equal sizes pass; inside it the content is checked
        assertEquals(List.of("in/f: content differs"), ta.differences(tb, 10));
        Files.writeString(b.resolve("in/f"), "hello");
        assertTrue(ta.differences(Runner.digest(b, List.of("in")), 10).isEmpty());
    }

    @Test
    void sha256OfKnownContent(@TempDir Path d) throws Exception {
        Path f = d.resolve("abc");
        Files.writeString(f, "abc");
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", TreeDigest.sha256(f));
    }
}
