package dev.fuseoverlay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FioResultTest {
    @Test
    void readTimeIsMeanTotalLatencyTimesReadCount() throws Exception {
        String json;
        try (InputStream in = FioResultTest.class.getResourceAsStream("fio-randread.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // fio 3.33 --output-format=json of 16 random 4 KiB reads: lat_ns mean 65629.75 (not clat_ns, not slat_ns)
        assertEquals(16 * 65629.75 / 1e9, Runner.fioReadSeconds(json), 1e-12);
    }

    @Test
    void missingOrForeignOutputGivesNaN() {
        assertTrue(Double.isNaN(Runner.fioReadSeconds("")));
        assertTrue(Double.isNaN(Runner.fioReadSeconds("{\"read\" : {}}")));
    }
}
