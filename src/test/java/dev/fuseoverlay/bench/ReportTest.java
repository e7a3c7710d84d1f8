package dev.fuseoverlay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
    private static Sample s(String w, String v, String impl, int round, double wall, double cpu) {
        Sample x = new Sample(w, v, impl, round, round);
        x.wall = wall;
        x.fsCpu = cpu;
        return x;
    }

    private static List<Sample> samples() {
        List<Sample> l = new ArrayList<>();
        double[] k = {1.0, 1.2, 0.8};
        double[] fo = {2.0, 2.2, 1.8};
        double[] fos = {4.0, 3.0, 5.0};
        for (int r = 0; r < 3; r++) {
            l.add(s("find", "cold", "kernel", r + 1, k[r], Double.NaN));
            l.add(s("find", "cold", "fuse-overlayfs", r + 1, fos[r], 0.5));
            l.add(s("find", "cold", "fuse-overlay", r + 1, fo[r], 0.25));
        }
        return l;
    }

    @Test
    void ratiosAreMediansOverTheReferenceMedian() {
        Report r = new Report(List.of("kernel", "fuse-overlayfs", "fuse-overlay"), samples());
        Report.Key k = new Report.Key("find", "cold");
        assertEquals(2.0, r.ratio(k, "fuse-overlay", "kernel"), 1e-12);
        assertEquals(4.0, r.ratio(k, "fuse-overlayfs", "kernel"), 1e-12);
        assertEquals(2.0, r.ratio(k, "fuse-overlayfs", "fuse-overlay"), 1e-12);
        assertEquals(0.5, r.ratio(k, "kernel", "fuse-overlay"), 1e-12);
        Report.Cell c = r.cell(k, "fuse-overlay");
        assertEquals(3, c.n());
        assertEquals(0.2, c.spread(), 1e-12);
        assertEquals(0.25, c.cpu(), 1e-12);
    }

    @Test
    void aFailedSampleMakesTheCellFailedAndGivesNoRatio() {
        List<Sample> l = samples();
        Sample bad = s("find", "cold", "fuse-overlay", 4, 0.001, 0.0);
        bad.fail("merged tree differs from native's: missing: usr/a");
        l.add(bad);
        Report r = new Report(List.of("kernel", "fuse-overlayfs", "fuse-overlay"), l);
        Report.Key k = new Report.Key("find", "cold");
        assertTrue(r.cell(k, "fuse-overlay").failedCell());
        assertTrue(Double.isNaN(r.ratio(k, "fuse-overlay", "kernel")));
        assertTrue(Double.isNaN(r.ratio(k, "fuse-overlayfs", "fuse-overlay")));
        String table = r.table();
        assertTrue(table.contains("FAILED"), table);
        assertTrue(table.contains("missing: usr/a"), table);
        assertEquals(1, r.failures().size());
        Map<String, Object> fo = r.summaryJson().stream().filter(m -> m.get("impl").equals("fuse-overlay")).findFirst().orElseThrow();
        assertEquals("FAILED", fo.get("status"));
        assertTrue(Double.isNaN((Double) fo.get("ratioToKernel")));
    }

    @Test
    void tableShowsMediansSpreadCpuAndRatios() {
        Report r = new Report(List.of("kernel", "fuse-overlayfs", "fuse-overlay"), samples());
        String t = r.table();
        assertTrue(t.contains("2.00s ±20% [0.250]"), t);
        assertTrue(t.contains("1.00s ±40%"), t);
        assertTrue(t.contains("2.00x"), t);
        assertTrue(t.contains("4.00x"), t);
        assertFalse(t.contains("FAILED"));
    }

    @Test
    void chartRowsLeaveTheBaselineOut() {
        Report r = new Report(List.of("kernel", "fuse-overlayfs", "fuse-overlay"), samples());
        List<SvgChart.Row> rows = r.chartRows("kernel");
        assertEquals(1, rows.size());
        assertEquals("find cold", rows.get(0).label());
        assertFalse(rows.get(0).ratios().containsKey("kernel"));
        assertEquals(4.0, rows.get(0).ratios().get("fuse-overlayfs"), 1e-12);
    }

    @Test
    void peakRssIsTheMaximumOverSamples() {
        List<Sample> l = samples();
        l.get(2).peakRssKiB = 1024;
        l.get(5).peakRssKiB = 4096;
        Report r = new Report(List.of("kernel", "fuse-overlayfs", "fuse-overlay"), l);
        assertEquals(4096L, r.peakRssKiB.get("fuse-overlay"));
        assertTrue(r.table().contains("peak RSS (MiB)"));
    }
}
