package dev.fuseoverlay.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A hand-written SVG chart: one group of horizontal bars per workload, one bar per implementation, the length
 * the implementation's time divided by the baseline's (kernel overlayfs) on a logarithmic axis, with the
 * baseline's 1.0 marked. Failed runs are drawn as a labelled cross instead of a bar. Pure.
 */
public final class SvgChart {
    private SvgChart() {}

    /** One workload (and variant): ratio per implementation, NaN where there is none, and the failed ones. */
    public record Row(String label, Map<String, Double> ratios, Set<String> failed) {}

    static final String[] COLORS = {"#7f7f7f", "#1f77b4", "#ff7f0e", "#9467bd", "#2ca02c", "#d62728", "#8c564b"};

    public static String render(String title, List<String> subtitle, String baseline, List<String> impls, List<Row> rows) {
        int labelW = 170;
        int plotW = 560;
        int barH = 9;
        int gap = 8;
        int groupH = Math.max(1, impls.size()) * barH + gap;
        int top = 58 + 15 * subtitle.size();
        int legendH = 22;
        int height = top + rows.size() * groupH + 40 + legendH;
        int width = labelW + plotW + 90;

        double lo = 0.25;
        double hi = 4;
        for (Row r : rows) {
            for (double v : r.ratios().values()) {
                if (!Double.isNaN(v) && v > 0) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        lo = Math.max(lo, MIN_RATIO);   // a native directory that needs no copy-up would stretch the axis to 0.001
        double logLo = Math.floor(Math.log10(lo) * 2) / 2;   // half-decade steps
        double logHi = Math.ceil(Math.log10(hi) * 2) / 2;
        if (logHi - logLo < 1) {
            logHi = logLo + 1;
        }
        final double fLo = logLo;
        final double fSpan = logHi - logLo;
        java.util.function.DoubleUnaryOperator x = v -> labelW + plotW * (Math.log10(v) - fLo) / fSpan;

        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" font-family=\"sans-serif\" font-size=\"11\">\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        text(s, 10, 20, "font-size=\"15\" font-weight=\"bold\"", title);
        for (int i = 0; i < subtitle.size(); i++) {
            text(s, 10, 38 + 15 * i, "fill=\"#444\"", subtitle.get(i));
        }
        int plotTop = top - 6;
        int plotBottom = top + rows.size() * groupH;
        // grid: 1, 2, 5 per decade; labels on all of them only while they have room
        boolean labelAll = fSpan <= 2.5;
        for (int e = (int) Math.floor(logLo) - 1; e <= (int) Math.ceil(logHi); e++) {
            for (int m : new int[] {1, 2, 5}) {
                double v = m * Math.pow(10, e);
                double lv = Math.log10(v);
                if (lv < logLo - 1e-9 || lv > logHi + 1e-9) {
                    continue;
                }
                double gx = x.applyAsDouble(v);
                boolean one = Math.abs(v - 1) < 1e-9;
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%s\"/>%n",
                        gx, plotTop, gx, plotBottom, one ? "#000" : "#ddd", one ? "1.5" : "1"));
                if (labelAll || m == 1) {
                    text(s, gx, plotBottom + 14, "text-anchor=\"middle\" fill=\"#444\"", tick(v) + "x");
                }
            }
        }
        text(s, labelW + plotW / 2.0, plotBottom + 28, "text-anchor=\"middle\" fill=\"#444\"",
                "time / " + baseline + " time (log scale; left of the black line is faster than " + baseline + ")");
        for (int ri = 0; ri < rows.size(); ri++) {
            Row r = rows.get(ri);
            int gy = top + ri * groupH;
            text(s, labelW - 8, gy + groupH / 2.0, "text-anchor=\"end\" dominant-baseline=\"middle\"", r.label());
            if (ri % 2 == 1) {
                s.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#000\" fill-opacity=\"0.03\"/>%n",
                        gy - gap / 2, width, groupH));
            }
            for (int ii = 0; ii < impls.size(); ii++) {
                String impl = impls.get(ii);
                String color = COLORS[ii % COLORS.length];
                int by = gy + ii * barH;
                Double v = r.ratios().get(impl);
                if (r.failed().contains(impl)) {
                    text(s, labelW + 4, by + barH - 1, "fill=\"#d00\" font-size=\"9\" font-weight=\"bold\"", "FAILED (" + impl + ")");
                    continue;
                }
                if (v == null || Double.isNaN(v) || v <= 0) {
                    continue;
                }
                double x0 = labelW;
                double x1 = x.applyAsDouble(Math.max(v, Math.pow(10, logLo)));
                s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: %sx</title></rect>%n",
                        x0, by, Math.max(0.5, x1 - x0), barH - 1, color, esc(impl), fmt(v)));
                text(s, x1 + 3, by + barH - 1, "font-size=\"9\" fill=\"#333\"", fmt(v));
            }
        }
        // legend
        int ly = height - legendH + 4;
        double lx = 10;
        for (int ii = 0; ii < impls.size(); ii++) {
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"10\" fill=\"%s\"/>%n", lx, ly, COLORS[ii % COLORS.length]));
            text(s, lx + 16, ly + 9, "", impls.get(ii));
            lx += 26 + 7 * impls.get(ii).length();
        }
        s.append("</svg>\n");
        return s.toString();
    }

    /** A grid label: 0.2, 0.5, 1, 2, 50, 100. */
    static String tick(double v) {
        return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : new java.math.BigDecimal(v).round(new java.math.MathContext(1)).stripTrailingZeros().toPlainString();
    }

    /** Ratios below this are drawn at the left edge of the axis, with their value as the label. */
    static final double MIN_RATIO = 0.1;

    static String fmt(double v) {
        if (v > 0 && v < 0.01) {
            return new java.math.BigDecimal(v).round(new java.math.MathContext(1)).stripTrailingZeros().toPlainString();
        }
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        String t = String.format(Locale.ROOT, "%.2f", v);
        return t.endsWith("0") && t.contains(".") && v >= 0.1 ? t.replaceAll("0+$", "").replaceAll("\\.$", "") : t;
    }

    private static void text(StringBuilder s, double x, double y, String attrs, String body) {
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\"", x, y));
        if (!attrs.isEmpty()) {
            s.append(' ').append(attrs);
        }
        s.append('>').append(esc(body)).append("</text>\n");
    }

    /** XML text escaping. */
    static String esc(String t) {
        StringBuilder b = new StringBuilder();
        for (char c : t.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> {
                    if (c >= 0x20 || c == '\t' || c == '\n') {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** Keeps the implementations that have at least one ratio to show. */
    public static List<String> shown(List<String> impls, List<Row> rows) {
        List<String> out = new ArrayList<>();
        for (String i : impls) {
            for (Row r : rows) {
                Double v = r.ratios().get(i);
                if ((v != null && !Double.isNaN(v)) || r.failed().contains(i)) {
                    out.add(i);
                    break;
                }
            }
        }
        return out;
    }
}
