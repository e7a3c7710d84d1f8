package dev.fuseoverlay.it;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The differential scenarios again, with fuse-overlay on its libfuse engine ({@code engine=libfuse}, jnr-fuse
 * over libfuse 2: what a plain user gets), so that CI exercises both engines against kernel overlayfs.
 * Scenarios marked {@code # ENGINES: devfuse} test what libfuse 2 cannot do (kernel-enforced POSIX ACLs).
 * The other mounted suites run on it with {@code FUSE_OVERLAY_ENGINE=libfuse mvn verify ...}.
 *
 * <p>Results stay in {@code target/it/differential-libfuse/SCENARIO/{kernel,fuse}/}.
 */
class LibfuseDifferentialIT {
    @BeforeAll
    static void machine() {
        ItSupport.requireMountMachinery();
    }

    @TestFactory
    Stream<DynamicTest> scenarios() throws Exception {
        return ItSupport.scenarioTests(ItSupport.SCENARIOS, "libfuse",
                f -> DifferentialIT.check(f, "differential-libfuse", Map.of("FUSE_OVERLAY_ENGINE", "libfuse")));
    }
}
