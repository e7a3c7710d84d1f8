package dev.fuseoverlay.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Summaries of the samples (median, spread, CPU, ratios to kernel overlayfs and to fuse-overlay, measured in
 * the same run) and their renderings: the terminal tables, the JSON summary and the SVG chart's rows. Pure.
 */
final class Report {
    static final String KERNEL = "kernel";
    static final String FUSE_OVERLAY = "fuse-overlay";

    /** One row of the tables: a workload and variant. */
    record Key(String workload, String variant) {
        String label() {
            return variant.isEmpty() || variant.equals("-") ? workload : workload + " " + variant;
        }
    }

    /** One cell: an implementation's samples of a row, summarized. */
    record Cell(int n, int failed, double median, double min, double max, double spread, double cpu, String why) {
        boolean failedCell() {
            return failed > 0;
        }

        boolean present() {
            return n > 0 || failed > 0;
        }
    }

    final List<String> impls;
    final List<Key> rows = new ArrayList<>();
    final Map<Key, Map<String, Cell>> cells = new LinkedHashMap<>();
    final Map<String, Long> peakRssKiB = new LinkedHashMap<>();

    Report(List<String> impls, List<Sample> samples) {
        this.impls = impls;
        Set<Key> keys = new LinkedHashSet<>();
        for (Sample s : samples) {
            keys.add(new Key(s.workload, s.variant));
        }
        rows.addAll(keys);
        for (Key k : rows) {
            Map<String, Cell> row = new LinkedHashMap<>();
            for (String impl : impls) {
                List<Double> wall = new ArrayList<>();
                List<Double> cpu = new ArrayList<>();
                int failed = 0;
                String why = "";
                for (Sample s : samples) {
                    if (!s.workload.equals(k.workload()) || !s.variant.equals(k.variant()) || !s.impl.equals(impl)) {
                        continue;
                    }
                    if (s.ok()) {
                        wall.add(s.wall);
                        cpu.add(s.fsCpu);
                    } else {
                        failed++;
                        if (why.isEmpty()) {
                            why = s.detail;
                        }
                    }
                }
                row.put(impl, new Cell(wall.size(), failed, Stats.median(wall), Stats.min(wall), Stats.max(wall),
                        Stats.spread(wall), Stats.median(cpu), why));
            }
            cells.put(k, row);
        }
        for (Sample s : samples) {
            if (s.peakRssKiB > 0) {
                peakRssKiB.merge(s.impl, s.peakRssKiB, Math::max);
            }
        }
    }

    Cell cell(Key k, String impl) {
        return cells.get(k).get(impl);
    }

    /** The implementation's median over the reference's median for a row; NaN unless both are clean results. */
    double ratio(Key k, String impl, String ref) {
        Cell a = cell(k, impl);
        Cell b = cells.get(k).get(ref);
        if (a == null || b == null || a.failedCell() || b.failedCell()) {
            return Double.NaN;
        }
        return Stats.ratio(a.median(), b.median());
    }

    // ---------------------------------------------------------------- terminal

    String table() {
        StringBuilder sb = new StringBuilder();
        int lw = 20;
        for (Key k : rows) {
            lw = Math.max(lw, k.label().length() + 1);
        }
        int cw = 24;
        sb.append("Wall time of the timed part: median ±spread ((max-min)/median) [filesystem process CPU seconds, median]\n");
        sb.append(pad("workload", lw));
        for (String i : impls) {
            sb.append("| ").append(pad(i, cw - 2));
        }
        sb.append('\n').append("-".repeat(lw + cw * impls.size())).append('\n');
        for (Key k : rows) {
            sb.append(pad(k.label(), lw));
            for (String i : impls) {
                sb.append("| ").append(pad(timeCell(cell(k, i)), cw - 2));
            }
            sb.append('\n');
        }
        if (!peakRssKiB.isEmpty()) {
            sb.append(pad("peak RSS (MiB)", lw));
            for (String i : impls) {
                Long v = peakRssKiB.get(i);
                sb.append("| ").append(pad(v == null ? "" : String.format(Locale.ROOT, "%.0f", v / 1024.0), cw - 2));
            }
            sb.append('\n');
        }
        sb.append('\n');
        for (String ref : new String[] {KERNEL, FUSE_OVERLAY}) {
            if (!impls.contains(ref)) {
                continue;
            }
            List<String> others = new ArrayList<>(impls);
            others.remove(ref);
            int rw = 16;
            sb.append("Ratio of medians: time / ").append(ref).append(" time (same run; <1 is faster than ").append(ref).append(")\n");
            sb.append(pad("workload", lw));
            for (String i : others) {
                sb.append("| ").append(pad(i, rw - 2));
            }
            sb.append('\n').append("-".repeat(lw + rw * others.size())).append('\n');
            for (Key k : rows) {
                sb.append(pad(k.label(), lw));
                for (String i : others) {
                    Cell c = cell(k, i);
                    String t;
                    if (c == null || !c.present()) {
                        t = "";
                    } else if (c.failedCell()) {
                        t = "FAILED";
                    } else {
                        double r = ratio(k, i, ref);
                        t = Double.isNaN(r) ? "-" : fmtRatio(r);
                    }
                    sb.append("| ").append(pad(t, rw - 2));
                }
                sb.append('\n');
            }
            sb.append('\n');
        }
        List<String> failures = failures();
        if (!failures.isEmpty()) {
            sb.append("FAILED (a wrong answer is not a result):\n");
            for (String f : failures) {
                sb.append("  ").append(f).append('\n');
            }
        }
        return sb.toString();
    }

    List<String> failures() {
        List<String> out = new ArrayList<>();
        for (Key k : rows) {
            for (String i : impls) {
                Cell c = cell(k, i);
                if (c != null && c.failedCell()) {
                    out.add(k.label() + " / " + i + ": " + c.why());
                }
            }
        }
        return out;
    }

    static String timeCell(Cell c) {
        if (c == null || !c.present()) {
            return "";
        }
        if (c.failedCell()) {
            return "FAILED";
        }
        StringBuilder s = new StringBuilder(fmtSeconds(c.median()));
        if (c.n() > 1 && !Double.isNaN(c.spread())) {
            s.append(String.format(Locale.ROOT, " ±%.0f%%", 100 * c.spread()));
        }
        if (!Double.isNaN(c.cpu())) {
            s.append(" [").append(fmtSeconds(c.cpu()).replace("s", "")).append(']');
        }
        return s.toString();
    }

    static String fmtSeconds(double s) {
        if (Double.isNaN(s)) {
            return "-";
        }
        if (s >= 100) {
            return String.format(Locale.ROOT, "%.0fs", s);
        }
        if (s >= 10) {
            return String.format(Locale.ROOT, "%.1fs", s);
        }
        if (s >= 1) {
            return String.format(Locale.ROOT, "%.2fs", s);
        }
        return String.format(Locale.ROOT, "%.3fs", s);
    }

    static String fmtRatio(double r) {
        return r >= 10 ? String.format(Locale.ROOT, "%.1fx", r) : String.format(Locale.ROOT, "%.2fx", r);
    }

    static String pad(String s, int w) {
        return s.length() >= w ? s + " " : s + " ".repeat(w - s.length());
    }

    // ---------------------------------------------------------------- JSON and chart

    List<Map<String, Object>> summaryJson() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Key k : rows) {
            for (String i : impls) {
                Cell c = cell(k, i);
                if (c == null || !c.present()) {
                    continue;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("workload", k.workload());
                m.put("variant", k.variant());
                m.put("impl", i);
                m.put("status", c.failedCell() ? Sample.FAILED : Sample.OK);
                m.put("n", c.n());
                m.put("medianSeconds", c.median());
                m.put("minSeconds", c.min());
                m.put("maxSeconds", c.max());
                m.put("spread", c.spread());
                m.put("fsCpuSecondsMedian", c.cpu());
                m.put("ratioToKernel", ratio(k, i, KERNEL));
                m.put("ratioToFuseOverlay", ratio(k, i, FUSE_OVERLAY));
                if (c.failedCell()) {
                    m.put("failure", c.why());
                }
                out.add(m);
            }
        }
        return out;
    }

    /** The chart's rows: each implementation's ratio to the baseline, failures marked. */
    List<SvgChart.Row> chartRows(String baseline) {
        List<SvgChart.Row> out = new ArrayList<>();
        for (Key k : rows) {
            Map<String, Double> r = new LinkedHashMap<>();
            Set<String> failed = new LinkedHashSet<>();
            for (String i : impls) {
                if (i.equals(baseline)) {
                    continue;
                }
                Cell c = cell(k, i);
                if (c != null && c.failedCell()) {
                    failed.add(i);
                }
                r.put(i, ratio(k, i, baseline));
            }
            out.add(new SvgChart.Row(k.label(), r, failed));
        }
        return out;
    }
}
