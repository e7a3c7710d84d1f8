package dev.fuseoverlay.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** One measured run: wall seconds of the timed part, CPU seconds of the filesystem process, peak RSS. */
final class Sample {
    static final String OK = "ok";
    static final String FAILED = "FAILED";

    final String workload;
    final String variant;
    final String impl;
    final int round;
    final int seq;
    double wall = Double.NaN;
    double fsCpu = Double.NaN;
    long peakRssKiB = -1;
    double mountSeconds = Double.NaN;
    double umountSeconds = Double.NaN;
    String status = OK;
    String detail = "";

    Sample(String workload, String variant, String impl, int round, int seq) {
        this.workload = workload;
        this.variant = variant;
        this.impl = impl;
        this.round = round;
        this.seq = seq;
    }

    boolean ok() {
        return OK.equals(status);
    }

    void fail(String why) {
        status = FAILED;
        detail = detail.isEmpty() ? why : detail + "; " + why;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", workload);
        m.put("variant", variant);
        m.put("impl", impl);
        m.put("round", round);
        m.put("seq", seq);
        m.put("wallSeconds", wall);
        m.put("fsCpuSeconds", fsCpu);
        m.put("peakRssKiB", peakRssKiB < 0 ? null : peakRssKiB);
        m.put("mountSeconds", mountSeconds);
        m.put("umountSeconds", umountSeconds);
        m.put("status", status);
        if (!detail.isEmpty()) {
            m.put("detail", detail);
        }
        return m;
    }
}
