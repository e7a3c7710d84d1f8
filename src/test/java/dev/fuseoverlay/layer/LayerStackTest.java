package dev.fuseoverlay.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.options.OptionsException;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayerStackTest {
    private final TestLayers t = new TestLayers(2);

    private String fail(String opts, String mnt) {
        return assertThrows(OptionsException.class,
                () -> LayerStack.open(MountOptions.parse(List.of(opts)), mnt, t.fs)).getMessage();
    }

    @Test
    void upperFirstThenLowersLeftmostOnTop() {
        LayerStack s = LayerStack.open(t.options(), null, t.fs);
        assertEquals(3, s.size());
        assertTrue(s.all().get(0).upper());
        assertEquals(t.lower(0).toString(), s.all().get(1).root());
        assertEquals("lower 1", s.all().get(2).label());
        assertEquals(t.work() + "/work", s.workDir());
        assertTrue(s.sameFs());
    }

    @Test
    void readOnlyStackHasNoUpper() {
        LayerStack s = LayerStack.open(MountOptions.parse(List.of("lowerdir=" + t.lower(0) + ":" + t.lower(1))), null, t.fs);
        assertNull(s.upper());
        assertEquals(2, s.size());
    }

    @Test
    void missingDirectoryNamed() {
        assertEquals("lowerdir " + t.root + "/nope: No such file or directory",
                fail("lowerdir=" + t.root + "/nope", null));
    }

    @Test
    void fileIsNotADirectory() {
        t.file("l0", "f", "x");
        assertEquals("lowerdir " + t.lower(0) + "/f: not a directory", fail("lowerdir=" + t.lower(0) + "/f", null));
    }

    @Test
    void overlappingLayersRejected() {
        t.dir("l0", "inner");
        String m = fail("lowerdir=" + t.lower(0) + ",upperdir=" + t.lower(0) + "/inner,workdir=" + t.work(), null);
        assertEquals("upperdir " + t.lower(0) + "/inner and lowerdir " + t.lower(0) + " overlap (one is inside the other)", m);
        assertTrue(fail("lowerdir=" + t.lower(0) + ":" + t.lower(0), null).endsWith("overlap (same directory)"));
        assertTrue(fail("lowerdir=" + t.lower(0) + ",upperdir=" + t.upper() + ",workdir=" + t.upper(), null)
                .endsWith("overlap (same directory)"));
    }

    @Test
    void mountpointInsideALayerRejected() {
        t.dir("l1", "mnt");
        assertEquals("mountpoint " + t.lower(1) + "/mnt is inside lowerdir " + t.lower(1),
                fail("lowerdir=" + t.lower(0) + ":" + t.lower(1), t.lower(1) + "/mnt"));
        assertTrue(fail("lowerdir=" + t.lower(0), t.root.toString()).contains("is inside the mountpoint"));
    }

    @Test
    void symlinkedLayersAreCanonicalised() throws Exception {
        java.nio.file.Files.createSymbolicLink(t.root.resolve("link"), t.lower(1));
        LayerStack s = LayerStack.open(MountOptions.parse(List.of("lowerdir=" + t.root.resolve("link"))), null, t.fs);
        assertEquals(t.lower(1).toString(), s.all().get(0).root());
    }
}
