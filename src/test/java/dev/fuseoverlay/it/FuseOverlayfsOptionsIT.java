package dev.fuseoverlay.it;

import static org.junit.jupiter.api.Assertions.assertAll;

import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * fuse-overlayfs's own options (noxattrs=1, static_nlink, noacl), compared with fuse-overlayfs itself: each
 * {@code scenarios/fuse-overlayfs/NAME.sh} runs through diffrun on fuse-overlayfs (/usr/bin/fuse-overlayfs,
 * the reference for these options) and on fuse-overlay with the same option string, on identical layers.
 * The transcripts must be identical (the upper layers are not compared: fuse-overlayfs keeps bookkeeping of
 * its own there); lower layers must be unchanged under both, and st_ino stable across a remount of ours.
 */
class FuseOverlayfsOptionsIT {
    private static final Path DIR = ItSupport.SCENARIOS.resolve("fuse-overlayfs");
    private static final Duration LIMIT = Duration.ofSeconds(300);

    @BeforeAll
    static void machine() {
        ItSupport.requireMountMachinery();
    }

    @TestFactory
    Stream<DynamicTest> scenarios() throws Exception {
        return ItSupport.scenarioTests(DIR, f -> check(f));
    }

    private static void check(Path scenario) throws Exception {
        String name = ItSupport.scenarioName(scenario);
        Path out = ItSupport.OUT.resolve("fuse-overlayfs-options").resolve(name);
        Path ref = out.resolve("fuse-overlayfs");
        Path ours = out.resolve("fuse");
        Process pr = ItSupport.start(out.resolve("fuse-overlayfs.log"), ItSupport.DIFFRUN.toString(), "fuse-overlayfs",
                scenario.toString(), ref.toString());
        Process po = ItSupport.start(out.resolve("fuse.log"), ItSupport.DIFFRUN.toString(), "fuse",
                scenario.toString(), ours.toString());
        int rr = ItSupport.await(pr, LIMIT, "diffrun fuse-overlayfs " + name);
        int ro = ItSupport.await(po, LIMIT, "diffrun fuse " + name);
        assertAll(name,
            () -> DifferentialIT.harnessOk("fuse-overlayfs", rr, ref, out.resolve("fuse-overlayfs.log")),
            () -> DifferentialIT.harnessOk("fuse-overlay", ro, ours, out.resolve("fuse.log")),
            () -> DifferentialIT.same("transcript.txt differs between fuse-overlayfs (-) and fuse-overlay (+) in scenario "
                    + name, "fuse-overlayfs/transcript.txt", ref.resolve("transcript.txt"), "fuse/transcript.txt",
                    ours.resolve("transcript.txt")),
            () -> DifferentialIT.lowersUnchanged("fuse-overlayfs", ref),
            () -> DifferentialIT.lowersUnchanged("fuse-overlay", ours),
            () -> DifferentialIT.inodesStable("fuse-overlay", ours));
    }
}
