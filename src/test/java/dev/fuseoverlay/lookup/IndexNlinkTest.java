package dev.fuseoverlay.lookup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** trusted.overlay.nlink as the kernel writes and reads it ("U%+i", "L%+i"). */
class IndexNlinkTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void formatsLikeTheKernelsPrintf() {
        assertArrayEquals(b("U+0"), Index.formatNlink(0), "what the kernel wrote for a copied-up pair");
        assertArrayEquals(b("U+1"), Index.formatNlink(1));
        assertArrayEquals(b("U-1"), Index.formatNlink(-1));
    }

    @Test
    void parsesBothFormsAndRejectsOthers() {
        assertArrayEquals(new long[] {'U', 0}, Index.parseNlink(b("U+0")));
        assertArrayEquals(new long[] {'U', -2}, Index.parseNlink(b("U-2")));
        assertArrayEquals(new long[] {'L', 3}, Index.parseNlink(b("L+3")));
        assertNull(Index.parseNlink(b("X+1")));
        assertNull(Index.parseNlink(b("U1")));
        assertNull(Index.parseNlink(b("U+")));
        assertNull(Index.parseNlink(b("U+z")));
        assertNull(Index.parseNlink(null));
        assertEquals(2, Index.parseNlink(b("U+0")).length);
    }
}
