package dev.fuseoverlay.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The order of runs: for each workload, round after round, every implementation once per round in the same
 * order (A B C A B C, never A A B B C C), so drift of the machine during a workload touches all alike. Pure.
 */
public final class Schedule {
    private Schedule() {}

    /** One run: a workload, its round (1-based) and the implementation. */
    public record Slot(String workload, int round, String impl) {}

    public static List<Slot> of(List<String> workloads, List<String> impls, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1");
        }
        List<Slot> out = new ArrayList<>();
        for (String w : workloads) {
            for (int r = 1; r <= rounds; r++) {
                for (String i : impls) {
                    out.add(new Slot(w, r, i));
                }
            }
        }
        return out;
    }
}
