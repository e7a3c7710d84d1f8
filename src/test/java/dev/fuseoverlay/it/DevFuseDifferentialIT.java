package dev.fuseoverlay.it;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The differential scenarios again, with fuse-overlay on its second engine ({@code engine=devfuse}, the
 * kernel's /dev/fuse protocol without libfuse), so that CI exercises both engines against kernel overlayfs.
 * The other mounted suites run on it with {@code FUSE_OVERLAY_ENGINE=devfuse mvn verify ...}.
 *
 * <p>Results stay in {@code target/it/differential-devfuse/SCENARIO/{kernel,fuse}/}.
 */
class DevFuseDifferentialIT {
    @BeforeAll
    static void machine() {
        ItSupport.requireMountMachinery();
    }

    @TestFactory
    Stream<DynamicTest> scenarios() throws Exception {
        return ItSupport.scenarioTests(ItSupport.SCENARIOS,
                f -> DifferentialIT.check(f, "differential-devfuse", Map.of("FUSE_OVERLAY_ENGINE", "devfuse")));
    }
}
