package dev.fuseoverlay.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Nothing lost under faults, load and hostile change: each script in src/test/resources/reliability runs
 * through nsrun in its own mount and pid namespace against real mounts and exits 0 only if every check
 * held (crash.sh: kill -9 at random points; power-loss.sh: an ext4 or XFS upper shut down without a log
 * flush after copy-ups; enospc.sh: a full upper; stress.sh: many processes at once, checked against what
 * they wrote; no-xattr-upper.sh; lower-changes.sh).
 */
class ReliabilityIT {
    private static final Path DIR = ItSupport.REPO.resolve("src/test/resources/reliability");

    @BeforeAll
    static void machine() {
        ItSupport.requireMountMachinery();
    }

    @TestFactory
    Stream<DynamicTest> reliability() throws Exception {
        return ItSupport.scenarioTests(DIR, s -> run(s));
    }

    private static void run(Path script) throws Exception {
        String name = ItSupport.scenarioName(script);
        Path out = ItSupport.OUT.resolve("reliability").resolve(name);
        Path log = ItSupport.OUT.resolve("reliability").resolve(name + ".log");
        java.nio.file.Files.createDirectories(out);
        ProcessBuilder pb = new ProcessBuilder(ItSupport.NSRUN.toString(), script.toString(), out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("NSRUN_TIMEOUT", "600");
        Process p = pb.start();
        int rc = ItSupport.await(p, Duration.ofSeconds(660), "reliability " + name);
        assertEquals(0, rc, name + " failed:\n" + ItSupport.tail(log, 60));
    }
}
