package dev.fuseoverlay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
                "copyup-1m", "copyup-large", "chmod-R", "chown-R", "rm-rf", "untar", "concurrent", "build", "mount")) {
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

    @TempDir
    Path tmp;

    @Test
    void theConcurrentWorkloadWaitsForEveryClientAndFailsIfAnyDoes() throws Exception {
        Workload w = named("concurrent");
        assertTrue(w.writes());
        String run = w.run();
        assertEquals(5, run.split("& p[0-9]=\\$!", -1).length - 1, run);
        // the clients' commands made harmless; then one at a time broken: the first's failure counts as well
        String ok = run.replace("\"$B/storm\" c-storm/s$i 20 4096 1", "true")
                .replace("find . >/dev/null && chmod -R g+w usr/share && rm -rf usr/share", "true")
                .replace("cat big/*.bin >/dev/null", "true");
        assertEquals(7, runIn(ok + "\n[ -d untar-a/copyup ] && exit 7"), "did not go on to the timing with the untar done");
        assertTrue(runIn(ok.replaceFirst("-C untar-a", "-C missing-dir")) != 0);
        assertTrue(runIn(ok.replace("do printf x", "do false")) != 0);
    }

    /** Runs a workload snippet (as a script's timed part, so never with exit) with set -e in a scratch tree that has what the harmless version needs. */
    private int runIn(String snippet) throws Exception {
        String prep = "set -e; cd \"$(mktemp -d -p \"$0\")\"; mkdir -p untar-a untar-b copyup/small; echo a > copyup/small/f; "
                + "tar -cf t.tar copyup; B=$PWD; mv t.tar src.tar; ";
        Process p = new ProcessBuilder("bash", "-c", prep + snippet, tmp.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
