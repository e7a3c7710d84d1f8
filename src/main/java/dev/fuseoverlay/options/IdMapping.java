package dev.fuseoverlay.options;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * fuse-overlayfs's {@code uidmapping=}/{@code gidmapping=} value: ranges {@code inside:outside:count}
 * separated by {@code :} (several ranges are simply more triples). Empty elements are skipped, as
 * fuse-overlayfs's strtok does: containers-storage (podman 4.3) writes {@code uidmapping=:0:100000:65536}.
 */
public record IdMapping(List<Range> ranges) {
    public record Range(long inside, long outside, long count) {}

    public static IdMapping parse(String option, String value) {
        String[] parts = Arrays.stream(value.split(":")).filter(p -> !p.isEmpty()).toArray(String[]::new);
        if (parts.length == 0 || parts.length % 3 != 0) {
            throw new OptionsException(option + "=" + value + ": expected inside:outside:count[:inside:outside:count...]");
        }
        List<Range> ranges = new ArrayList<>();
        for (int i = 0; i < parts.length; i += 3) {
            try {
                ranges.add(new Range(Long.parseLong(parts[i]), Long.parseLong(parts[i + 1]), Long.parseLong(parts[i + 2])));
            } catch (NumberFormatException e) {
                throw new OptionsException(option + "=" + value + ": '" + parts[i] + ":" + parts[i + 1] + ":" + parts[i + 2]
                        + "' is not three numbers");
            }
        }
        return new IdMapping(List.copyOf(ranges));
    }
}
