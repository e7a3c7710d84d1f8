package dev.fuseoverlay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadTest {
    private static Workload named(String n) {
        return Workload.all().stream().filter(w -> w.name().equals(n)).findFirst().orElseThrow();
    }

    @Test
    void namesAreUniqueAndCoverTheIssue() {
        Set<String> names = new HashSet<>();
        for (Workload w : Workload.all()) {
            assertTrue(names.add(w.name()), w.name());
        }
        for (String n : List.of("find", "stat", "ls-lR", "read-seq", "read-rand", "write-seq", "storm", "storm-fsync", "copyup-4k",
                "copyup-1m", "copyup-large", "chmod-R", "chown-R", "rm-rf", "untar", "build", "mount")) {
            assertTrue(names.contains(n), n);
        }
    }

    @Test
    void coldScriptsDropCachesBeforeTheTimedPartAndWarmWriteScriptsWarmUp() {
        String cold = named("rm-rf").script(Workload.COLD, true);
        assertTrue(cold.indexOf("drop_caches") < cold.indexOf("t0=$EPOCHREALTIME"));
        assertFalse(cold.contains("find usr/share"));
        String warm = named("rm-rf").script(Workload.WARM, true);
        assertFalse(warm.contains("drop_caches"));
        assertTrue(warm.indexOf("find usr/share") < warm.indexOf("t0=$EPOCHREALTIME"));
        String timed = warm.substring(warm.indexOf("t0="), warm.indexOf("t1="));
        assertTrue(timed.contains("rm -rf usr/share"));
        assertTrue(warm.startsWith("set -e"));
    }

    @Test
    void readWorkloadsShareAMountWriteWorkloadsAreGuarded() {
        assertTrue(named("find").sharedMount());
        assertFalse(named("untar").sharedMount());
        assertTrue(named("untar").writes());
        assertEquals(List.of("untar"), named("untar").scopes());
    }
}
