package dev.fuseoverlay.it;

import static dev.fuseoverlay.it.ItSupport.diff;
import static dev.fuseoverlay.it.ItSupport.read;
import static org.junit.jupiter.api.Assertions.assertAll;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * Differential tests: every scenario in {@code src/test/resources/scenarios/*.sh} runs through
 * {@code src/test/sh/diffrun} on kernel overlayfs and on fuse-overlay, on identical fresh layers, with
 * real tools on real mounts. The transcripts (commands, output, exit codes), the merged trees and the upper
 * layers must be identical; the lower layers must be unchanged; st_ino must survive a remount; and the
 * upper layer fuse-overlay wrote must show the same merged tree under kernel overlayfs.
 *
 * <p>Results stay in {@code target/it/differential/SCENARIO/{kernel,fuse}/} for inspection.
 */
class DifferentialIT {
    private static final Duration LIMIT = Duration.ofSeconds(300);

    @BeforeAll
    static void machine() {
        ItSupport.requireMountMachinery();
    }

    @TestFactory
    Stream<DynamicTest> scenarios() throws Exception {
        // the default engine as root is devfuse; $FUSE_OVERLAY_ENGINE runs the suite on another one
        String env = System.getenv("FUSE_OVERLAY_ENGINE");
        String engine = env == null || env.isEmpty() || env.equals("auto") ? "devfuse" : env;
        return ItSupport.scenarioTests(ItSupport.SCENARIOS, engine, f -> check(f, "differential", Map.of()));
    }

    /**
     * Runs one scenario on both and compares.
     *
     * @param results directory under target/it for the results
     * @param fuseEnv extra environment of the fuse-overlay run (FUSE_OVERLAY_ENGINE=libfuse)
     */
    static void check(Path scenario, String results, Map<String, String> fuseEnv) throws Exception {
        String name = ItSupport.scenarioName(scenario);
        Path out = ItSupport.OUT.resolve(results).resolve(name);
        Path k = out.resolve("kernel");
        Path f = out.resolve("fuse");
        // the two runs are independent (private namespaces and directories): run them side by side
        Process pk = ItSupport.start(out.resolve("kernel.log"), ItSupport.DIFFRUN.toString(), "kernel",
                scenario.toString(), k.toString());
        Process pf = ItSupport.start(out.resolve("fuse.log"), fuseEnv, ItSupport.DIFFRUN.toString(), "fuse",
                scenario.toString(), f.toString());
        int rk = ItSupport.await(pk, LIMIT, "diffrun kernel " + name);
        int rf = ItSupport.await(pf, LIMIT, "diffrun fuse " + name);

        List<Executable> checks = new ArrayList<>();
        checks.add(() -> harnessOk("kernel overlayfs", rk, k, out.resolve("kernel.log")));
        checks.add(() -> harnessOk("fuse-overlay", rf, f, out.resolve("fuse.log")));
        for (String file : new String[] {"transcript.txt", "merged.txt", "upper.txt"}) {
            checks.add(() -> same(file + " differs between kernel overlayfs (-) and fuse-overlay (+) in scenario "
                    + name, "kernel/" + file, k.resolve(file), "fuse/" + file, f.resolve(file)));
        }
        checks.add(() -> lowersUnchanged("kernel overlayfs", k));
        checks.add(() -> lowersUnchanged("fuse-overlay", f));
        checks.add(() -> inodesStable("kernel overlayfs", k));
        checks.add(() -> inodesStable("fuse-overlay", f));
        checks.add(() -> same("kernel overlayfs mounted on the upper layer fuse-overlay wrote (+) shows another tree"
                + " than fuse-overlay did (-) in scenario " + name, "fuse/merged.txt", f.resolve("merged.txt"),
                "fuse/remount.txt (kernel on fuse's upper)", f.resolve("remount.txt")));
        assertAll(name, checks);
    }

    static void harnessOk(String impl, int rc, Path dir, Path log) {
        String errors = read(dir.resolve("errors.txt"));
        if (rc != 0 || !errors.isEmpty()) {
            throw new AssertionError("the harness failed on " + impl + " (rc=" + rc + "):\n" + errors
                    + "\nlog (" + log + "):\n" + ItSupport.tail(log, 30));
        }
    }

    static void same(String message, String nameA, Path a, String nameB, Path b) {
        String x = read(a);
        String y = read(b);
        if (!x.equals(y)) {
            throw new AssertionError(message + "\n" + diff(nameA, x, nameB, y));
        }
    }

    static void lowersUnchanged(String impl, Path dir) {
        String sum = read(dir.resolve("lower.sum"));
        if (sum.isEmpty() || sum.contains("CHANGED") || !sum.contains("unchanged")) {
            throw new AssertionError("a lower layer or protected directory changed under " + impl + ":\n" + sum);
        }
    }

    static void inodesStable(String impl, Path dir) {
        String ino = read(dir.resolve("ino.txt"));
        if (ino.isEmpty() || ino.contains("CHANGED") || !ino.contains("stable")) {
            throw new AssertionError("st_ino changed across an unmount and remount of " + impl + ":\n" + ino);
        }
    }
}
