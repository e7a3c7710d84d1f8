package dev.fuseoverlay.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ArgsTest {
    /** Messages carry names as bytes and text alike; both reach a UTF-8 stream as the text they are. */
    @Test
    void namesAsBytesAreShownAsTextAndTextIsKept() {
        assertEquals("lowerdir=/tmp/caf\u00e9: empty", Args.readable("lowerdir=/tmp/caf\u00c3\u00a9: empty"), "bytes of UTF-8");
        assertEquals("/tmp/\u65e5\u672c", Args.readable("/tmp/\u00e6\u0097\u00a5\u00e6\u009c\u00ac"));
        assertEquals("/tmp/caf\u00e9", Args.readable("/tmp/caf\u00e9"), "decoded already (a lone 0xe9 is not UTF-8)");
        assertEquals("/tmp/\u65e5\u672c", Args.readable("/tmp/\u65e5\u672c"), "decoded already");
        assertEquals("plain ascii", Args.readable("plain ascii"));
    }
}
