package dev.fuseoverlay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class SvgChartTest {
    private static SvgChart.Row row(String label, double a, double b, Set<String> failed) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("fuse-overlayfs", a);
        m.put("fuse-overlay", b);
        return new SvgChart.Row(label, m, failed);
    }

    @Test
    void wellFormedXmlWithOneBarPerRatioAndFailuresMarked() throws Exception {
        List<SvgChart.Row> rows = List.of(row("find cold", 2.5, 1.2, Set.of()), row("untar <&>", 4.0, Double.NaN, Set.of("fuse-overlay")));
        String svg = SvgChart.render("Title & more", List.of("machine \"x\""), "kernel overlayfs", List.of("fuse-overlayfs", "fuse-overlay"), rows);
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", d.getDocumentElement().getTagName());
        // bars carry a <title>: three ratios were drawn (the failed one is not)
        assertEquals(3, d.getElementsByTagName("title").getLength());
        assertTrue(svg.contains("FAILED (fuse-overlay)"));
        assertTrue(svg.contains("untar &lt;&amp;&gt;"));
        assertTrue(svg.contains("Title &amp; more"));
    }

    @Test
    void longerBarForLargerRatio() {
        String svg = SvgChart.render("t", List.of(), "k", List.of("fuse-overlayfs", "fuse-overlay"),
                List.of(row("w", 8.0, 2.0, Set.of())));
        double w8 = barWidth(svg, "fuse-overlayfs: 8x");
        double w2 = barWidth(svg, "fuse-overlay: 2x");
        assertTrue(w8 > w2, w8 + " > " + w2);
    }

    private static double barWidth(String svg, String title) {
        int t = svg.indexOf("<title>" + title + "</title>");
        int r = svg.lastIndexOf("<rect", t);
        String rect = svg.substring(r, t);
        int w = rect.indexOf("width=\"") + 7;
        return Double.parseDouble(rect.substring(w, rect.indexOf('"', w)));
    }

    @Test
    void implementationsWithoutAnyRatioAreLeftOutOfTheLegend() {
        List<SvgChart.Row> rows = List.of(row("w", 2.0, Double.NaN, Set.of()));
        assertEquals(List.of("fuse-overlayfs"), SvgChart.shown(List.of("fuse-overlayfs", "fuse-overlay"), rows));
        List<SvgChart.Row> failed = List.of(row("w", 2.0, Double.NaN, Set.of("fuse-overlay")));
        assertEquals(List.of("fuse-overlayfs", "fuse-overlay"), SvgChart.shown(List.of("fuse-overlayfs", "fuse-overlay"), failed));
    }

    @Test
    void tinyRatiosAreDrawnAtTheAxisEdgeWithTheirValue() {
        String svg = SvgChart.render("t", List.of(), "k", List.of("fuse-overlayfs", "fuse-overlay"),
                List.of(row("w", 0.004, 2.0, Set.of())));
        assertTrue(svg.contains(">0.004</text>"), svg);
        assertTrue(svg.contains(">0.1x</text>"), "the axis starts at 0.1x");
        assertFalse(svg.contains(">0.001x</text>"));
        assertTrue(barWidth(svg, "fuse-overlayfs: 0.004x") <= 1.0);
    }

    @Test
    void numberFormat() {
        assertEquals("0.004", SvgChart.fmt(0.004));
        assertEquals("2.5", SvgChart.fmt(2.5));
        assertEquals("1", SvgChart.fmt(1.0));
        assertEquals("12.3", SvgChart.fmt(12.34));
        assertEquals("0.05", SvgChart.fmt(0.05));
        assertFalse(SvgChart.fmt(0.5).endsWith("0"));
        assertEquals("0.2", SvgChart.tick(0.2));
        assertEquals("0.05", SvgChart.tick(0.05));
        assertEquals("20", SvgChart.tick(20.0));
    }
}
