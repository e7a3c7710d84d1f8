package dev.fuseoverlay.options;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * fuse-overlayfs's {@code uidmapping=}/{@code gidmapping=} value, with its meaning: triples
 * {@code stored:shown:count} separated by {@code :}. An id stored in the layers in
 * {@code [stored, stored+count)} is shown by the mount as {@code shown + (id - stored)}, and an id the mount
 * receives (a chown, a new file's owner) in {@code [shown, shown+count)} is stored back the other way. Ids
 * outside every range become the kernel's overflow id, as in fuse-overlayfs. It lets one storage serve
 * user namespaces with different mappings without chowning the files. Empty elements are skipped, as
 * fuse-overlayfs's strtok does: containers-storage (podman 4.3) writes {@code uidmapping=:0:100000:65536}.
 */
public record IdMapping(List<Range> ranges) {
    public record Range(long stored, long shown, long count) {}

    public static IdMapping parse(String option, String value) {
        String[] parts = Arrays.stream(value.split(":")).filter(p -> !p.isEmpty()).toArray(String[]::new);
        if (parts.length == 0 || parts.length % 3 != 0) {
            throw new OptionsException(option + "=" + value + ": expected stored:shown:count[:stored:shown:count...]");
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

    /** The id the mount shows for an id stored in the layers, or {@code overflow}. */
    public int shown(int stored, int overflow) {
        long id = Integer.toUnsignedLong(stored);
        for (Range r : ranges) {
            if (id >= r.stored() && id < r.stored() + r.count()) {
                return (int) (r.shown() + (id - r.stored()));
            }
        }
        return overflow;
    }

    /** The id to store for an id the mount received, or {@code overflow}. */
    public int stored(int shown, int overflow) {
        long id = Integer.toUnsignedLong(shown);
        for (Range r : ranges) {
            if (id >= r.shown() && id < r.shown() + r.count()) {
                return (int) (r.stored() + (id - r.shown()));
            }
        }
        return overflow;
    }
}
