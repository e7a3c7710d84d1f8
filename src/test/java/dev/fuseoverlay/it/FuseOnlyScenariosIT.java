package dev.fuseoverlay.it;

import static dev.fuseoverlay.it.ItSupport.read;
import static org.junit.jupiter.api.Assertions.assertAll;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Mounted scenarios kernel overlayfs cannot be compared on, because they use formats the kernel does not
 * read: AUFS/OCI {@code .wh.NAME} whiteouts and {@code .wh..wh..opq} markers, an upper layer written by
 * fuse-overlayfs, and hostile {@code .wh.}-prefixed names. Each {@code scenarios/fuse-only/NAME.sh} runs
 * through diffrun on fuse-overlay, and its transcript must equal the reviewed {@code NAME.expected}; lower
 * layers must be unchanged and st_ino stable across a remount.
 */
class FuseOnlyScenariosIT {
    private static final Path DIR = ItSupport.SCENARIOS.resolve("fuse-only");

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
        Path expected = DIR.resolve(name + ".expected");
        Path out = ItSupport.OUT.resolve("fuse-only").resolve(name);
        Path log = out.resolve("fuse.log");
        Process p = ItSupport.start(log, ItSupport.DIFFRUN.toString(), "fuse", scenario.toString(), out.toString());
        int rc = ItSupport.await(p, Duration.ofSeconds(300), "diffrun fuse " + name);
        assertAll(name,
            () -> DifferentialIT.harnessOk("fuse-overlay", rc, out, log),
            () -> {
                if (!Files.isRegularFile(expected)) {
                    throw new AssertionError("no expected transcript " + expected + "; this run wrote:\n"
                            + read(out.resolve("transcript.txt")));
                }
            },
            () -> DifferentialIT.same("the transcript on fuse-overlay (+) differs from the expected one (-) in "
                    + name, expected.getFileName().toString(), expected, "fuse/transcript.txt",
                    out.resolve("transcript.txt")),
            () -> DifferentialIT.lowersUnchanged("fuse-overlay", out),
            () -> DifferentialIT.inodesStable("fuse-overlay", out));
    }
}
