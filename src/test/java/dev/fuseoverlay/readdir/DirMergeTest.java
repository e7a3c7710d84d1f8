package dev.fuseoverlay.readdir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.realfs.Stat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Merged listings.
 * <pre>
 *   u:  d/ up   d/gone (whiteout)  d/both (file)
 *   l0: d/ mid  d/gone             d/both/ (dir)   d/opq/ (opaque) in
 *   l1: d/ low  d/gone  d/mid      d/opq/ out
 * </pre>
 */
class DirMergeTest {
    private final TestLayers t = new TestLayers(2)
            .file("u", "d/up", "").whiteout("u", "d/gone").file("u", "d/both", "file")
            .file("l0", "d/mid", "l0").file("l0", "d/gone", "").dir("l0", "d/both")
            .opaqueXattr("l0", "d/opq", "trusted.overlay.opaque").file("l0", "d/opq/in", "")
            .file("l1", "d/low", "").file("l1", "d/gone", "").file("l1", "d/mid", "l1").file("l1", "d/opq/out", "");
    private final Overlay ov = t.overlay();

    @Test
    void unionWithoutWhiteoutsOrDuplicatesTopmostWins() {
        List<DirItem> items = ov.readdir("/d");
        Map<String, Integer> types = new TreeMap<>();
        items.forEach(i -> types.put(i.name(), i.type()));
        assertEquals(Map.of("up", Stat.S_IFREG, "both", Stat.S_IFREG, "mid", Stat.S_IFREG, "opq", Stat.S_IFDIR,
                "low", Stat.S_IFREG), types);
        assertEquals(items.size(), new HashSet<>(names(items)).size(), "no duplicates");
        assertEquals("l0", TestLayers.read(ov, "/d/mid"));
    }

    @Test
    void opaqueDirectoryListsItsOwnLayerOnly() {
        assertEquals(List.of("in"), TestLayers.ls(ov, "/d/opq"));
    }

    @Test
    void orderIsDeterministicTopLayerFirst() {
        List<String> first = names(ov.readdir("/d"));
        assertEquals(first, names(ov.readdir("/d")));
        assertTrue(first.indexOf("up") < first.indexOf("mid") && first.indexOf("mid") < first.indexOf("low"), first.toString());
    }

    @Test
    void direntInodesAgreeWithLookup() {
        TestLayers.append(ov, "/d/low", "copied");
        for (DirItem i : ov.readdir("/d")) {
            assertEquals(ov.lookup().lookup("/d/" + i.name()).ino, i.ino(), i.name());
        }
    }

    @Test
    void largeDirectoryListsCompletely() {
        for (int i = 0; i < 3000; i++) {
            t.file(i % 2 == 0 ? "l0" : "l1", "big/f" + i, "");
        }
        assertEquals(3000, ov.readdir("/big").size());
    }

    private static List<String> names(List<DirItem> items) {
        List<String> n = new ArrayList<>();
        items.forEach(i -> n.add(i.name()));
        return n;
    }
}
