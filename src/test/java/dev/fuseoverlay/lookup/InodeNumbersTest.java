package dev.fuseoverlay.lookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.fuseoverlay.layer.Layer;
import dev.fuseoverlay.layer.LayerStack;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The xino= rules on stacks described by their devices. The expected numbers are what kernel overlayfs
 * (6.18) reported on this kind of machine for the same arrangement: lowers on two tmpfs mounts, upper on a
 * third (3 xino bits), or on the first lower's (2 bits), or no upper (fsid 0 stays reserved).
 */
class InodeNumbersTest {
    private static final long FSID1 = 1L << 62, FSID2 = 2L << 62;

    /** Layers by device number, the first one the upper when {@code upper}; fsIndex as LayerStack numbers them. */
    private static LayerStack stack(boolean upper, long... devs) {
        List<Layer> layers = new ArrayList<>();
        List<Long> seen = new ArrayList<>();
        for (int i = 0; i < devs.length; i++) {
            if (!seen.contains(devs[i])) {
                seen.add(devs[i]);
            }
            boolean up = upper && i == 0;
            layers.add(new Layer(i, "/l" + i, up, devs[i], seen.indexOf(devs[i]), up ? "upper" : "lower " + i));
        }
        return LayerStack.of(layers, upper ? "/w/work" : null);
    }

    private static long map(LayerStack s, String mode, int layer, long ino) {
        return InodeNumbers.of(s, mode).map(s.all().get(layer), ino);
    }

    @Test
    void oneFilesystemKeepsRealNumbersInEveryMode() {
        LayerStack s = stack(true, 7, 7, 7);
        for (String mode : new String[] {"off", "auto", "on"}) {
            assertEquals(2, map(s, mode, 1, 2));
            assertEquals(2, map(s, mode, 2, 2));
            assertEquals(0, InodeNumbers.of(s, mode).xinoBits());
        }
        assertEquals(5, map(stack(false, 9, 9), "on", 1, 5)); // lower-only on one filesystem: samefs too
    }

    @Test
    void xinoOnAndAutoUseTheKernelLayout() {
        LayerStack s = stack(true, 30, 10, 20); // upper, lower 0, lower 1 on three filesystems
        for (String mode : new String[] {"auto", "on"}) {
            assertEquals(3, InodeNumbers.of(s, mode).xinoBits());
            assertEquals(13, map(s, mode, 0, 13));                       // the upper's own numbers (fsid 0)
            assertEquals(4611686018427387906L, map(s, mode, 1, 2));      // kernel: 2 | 1 << 62
            assertEquals(-9223372036854775806L, map(s, mode, 2, 2));     // kernel: 9223372036854775810 unsigned
            assertEquals(FSID2 | 2, map(s, mode, 2, 2));
        }
    }

    @Test
    void xinoBitsGrowWithTheNumberOfFilesystems() {
        assertEquals(2, InodeNumbers.of(stack(true, 30, 10), "on").xinoBits());      // 2 fs: 1 << 63
        assertEquals(Long.MIN_VALUE | 2, map(stack(true, 30, 10), "on", 1, 2));      // kernel: 9223372036854775810
        assertEquals(3, InodeNumbers.of(stack(true, 1, 2, 3, 4), "on").xinoBits());     // 4 fs: ilog2(3) + 2
        assertEquals(4, InodeNumbers.of(stack(true, 1, 2, 3, 4, 5), "on").xinoBits());  // 5 fs: ilog2(4) + 2
    }

    @Test
    void withoutUpperFsidZeroStaysReserved() {
        LayerStack s = stack(false, 10, 20);
        assertEquals(3, InodeNumbers.of(s, "auto").xinoBits());
        assertEquals(FSID1 | 1, map(s, "auto", 0, 1)); // kernel: the root of lower 0 was 4611686018427387905
        assertEquals(FSID2 | 2, map(s, "auto", 1, 2));
    }

    @Test
    void aLowerOnTheUppersFilesystemSharesFsidZero() {
        LayerStack s = stack(true, 30, 30, 20);
        assertEquals(77, map(s, "on", 1, 77));
        assertEquals(Long.MIN_VALUE | 77, map(s, "on", 2, 77)); // two filesystems: 2 bits, fsid 1 << 63
    }

    @Test
    void overflowFallsBackToTheOffRuleAndStaysDistinct() {
        LayerStack s = stack(true, 30, 10, 20);
        long big = 1L << 61; // does not fit below the 3 xino bits
        assertEquals(map(s, "off", 1, big), map(s, "on", 1, big));
        assertNotEquals(map(s, "on", 1, big), map(s, "on", 2, big));
    }

    @Test
    void offKeepsTheTopFilesystemsNumbersAndSeparatesTheOthers() {
        LayerStack s = stack(true, 30, 10, 20);
        assertEquals(0, InodeNumbers.of(s, "off").xinoBits());
        assertEquals(2, map(s, "off", 0, 2));
        assertEquals((1L << 48) ^ 2, map(s, "off", 1, 2));
        assertEquals((2L << 48) ^ 2, map(s, "off", 2, 2));
    }

    @Test
    void sameRealNumberOnDifferentFilesystemsNeverCollides() {
        LayerStack s = stack(true, 30, 10, 20);
        for (String mode : new String[] {"off", "auto", "on"}) {
            long a = map(s, mode, 0, 2), b = map(s, mode, 1, 2), c = map(s, mode, 2, 2);
            assertNotEquals(a, b, mode);
            assertNotEquals(b, c, mode);
            assertNotEquals(a, c, mode);
        }
    }
}
