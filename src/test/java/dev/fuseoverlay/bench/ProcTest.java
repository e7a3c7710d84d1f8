package dev.fuseoverlay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcTest {
    @Test
    void cpuFromStatCountsFieldsAfterTheCommandName() {
        // the comm may contain spaces and parentheses: fields are counted after the last ')'
        String stat = "1234 (java (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 30 0 12345 0 0";
        assertEquals(3.0, Proc.cpuFromStat(stat), 1e-12);
    }

    @Test
    void cpuFromStatOfNothingIsNaN() {
        assertTrue(Double.isNaN(Proc.cpuFromStat("")));
        assertTrue(Double.isNaN(Proc.cpuFromStat(null)));
    }

    @Test
    void mountinfoEscapes() {
        assertEquals("/a\\040b\\011c\\134d", dev.fuseoverlay.fuse.Mounter.escapeMountinfo("/a b\tc\\d"));
    }
}
