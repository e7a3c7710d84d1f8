package dev.fuseoverlay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleTest {
    @Test
    void implementationsAlternateWithinEachWorkload() {
        List<Schedule.Slot> s = Schedule.of(List.of("find", "stat"), List.of("A", "B", "C"), 2);
        assertEquals(12, s.size());
        StringBuilder order = new StringBuilder();
        for (Schedule.Slot x : s) {
            order.append(x.workload().charAt(0)).append(x.round()).append(x.impl()).append(' ');
        }
        assertEquals("f1A f1B f1C f2A f2B f2C s1A s1B s1C s2A s2B s2C ", order.toString());
    }

    @Test
    void neverTheSameImplementationTwiceInARowWhenThereAreSeveral() {
        List<Schedule.Slot> s = Schedule.of(List.of("w"), List.of("A", "B"), 5);
        for (int i = 1; i < s.size(); i++) {
            if (s.get(i).impl().equals(s.get(i - 1).impl())) {
                throw new AssertionError("A A at " + i);
            }
        }
    }

    @Test
    void roundsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> Schedule.of(List.of("w"), List.of("A"), 0));
    }
}
