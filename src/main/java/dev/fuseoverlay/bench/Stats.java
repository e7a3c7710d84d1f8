package dev.fuseoverlay.bench;

import java.util.Arrays;
import java.util.List;

/** Median, spread and ratios of samples. Pure. */
public final class Stats {
    private Stats() {}

    /** The median (mean of the two middle values for an even count); NaN for no values. */
    public static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    public static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).min().orElse(Double.NaN);
    }

    public static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
    }

    /**
     * The spread: (max - min) / median, as a fraction (0.05 = the samples lie within 5% of the median's size).
     * 0 for one sample, NaN for none or a zero median.
     */
    public static double spread(List<Double> values) {
        double med = median(values);
        if (Double.isNaN(med) || med == 0) {
            return Double.NaN;
        }
        return (max(values) - min(values)) / med;
    }

    /** a / b, NaN when either is missing or b is zero. */
    public static double ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return Double.NaN;
        }
        return a / b;
    }
}
