package dev.fuseoverlay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, Stats.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, Stats.median(List.of(4.0, 1.0, 3.0, 2.0)));
        assertEquals(7.0, Stats.median(List.of(7.0)));
    }

    @Test
    void medianIgnoresMissingValuesAndIsNaNForNone() {
        assertEquals(2.0, Stats.median(List.of(Double.NaN, 2.0, Double.NaN)));
        assertTrue(Double.isNaN(Stats.median(List.of())));
        assertTrue(Double.isNaN(Stats.median(List.of(Double.NaN))));
    }

    @Test
    void spreadIsRangeOverMedian() {
        assertEquals(1.0 / 1.8, Stats.spread(List.of(1.0, 2.0, 1.5, 1.8, 2.0)), 1e-12);
    }

    @Test
    void spreadExamples() {
        assertEquals((1.2 - 0.8) / 1.0, Stats.spread(List.of(0.8, 1.0, 1.2)), 1e-12);
        assertEquals(0.0, Stats.spread(List.of(5.0)));
        assertTrue(Double.isNaN(Stats.spread(List.of())));
        assertTrue(Double.isNaN(Stats.spread(List.of(0.0, 0.0))));
    }

    @Test
    void ratioHandlesMissingAndZero() {
        assertEquals(2.0, Stats.ratio(4.0, 2.0));
        assertTrue(Double.isNaN(Stats.ratio(4.0, 0.0)));
        assertTrue(Double.isNaN(Stats.ratio(Double.NaN, 2.0)));
        assertTrue(Double.isNaN(Stats.ratio(1.0, Double.NaN)));
    }

    @Test
    void minAndMax() {
        assertEquals(1.0, Stats.min(List.of(3.0, 1.0, Double.NaN)));
        assertEquals(3.0, Stats.max(List.of(3.0, 1.0, Double.NaN)));
    }
}
