package dev.fuseoverlay.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the owners recorded in an archive into IDs of the current user namespace, per its
 * {@code /proc/self/uid_map} and {@code gid_map}. A layer tar records container IDs (0 is the container's
 * root); a directory read on the host records host IDs, which are translated back (the user's own ID
 * becomes 0, a subordinate ID the container ID it stands for, any other owner keeps its number).
 * An ID the namespace cannot hold gives -1: the caller falls back to root.
 */
public final class IdMap {
    /** One line of an ID map: {@code inside outside count}. */
    record Range(long inside, long outside, long count) {}

    private final List<Range> uids, gids;
    private final boolean hostIds;

    IdMap(List<Range> uids, List<Range> gids, boolean hostIds) {
        this.uids = uids;
        this.gids = gids;
        this.hostIds = hostIds;
    }

    /** The maps of this process's user namespace. */
    public static IdMap current(boolean hostIds) throws IOException {
        return new IdMap(read(Path.of("/proc/self/uid_map")), read(Path.of("/proc/self/gid_map")), hostIds);
    }

    /** No translation at all (every ID is kept). */
    public static IdMap identity() {
        List<Range> all = List.of(new Range(0, 0, 1L << 32));
        return new IdMap(all, all, false);
    }

    static List<Range> read(Path p) throws IOException {
        return parse(Files.readString(p, StandardCharsets.US_ASCII));
    }

    static List<Range> parse(String map) {
        List<Range> r = new ArrayList<>();
        for (String line : map.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3) {
                r.add(new Range(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])));
            }
        }
        return r;
    }

    public int uid(long id) {
        return map(uids, id);
    }

    public int gid(long id) {
        return map(gids, id);
    }

    /** The highest ID the namespace holds, for messages. */
    public long maxUid() {
        long max = -1;
        for (Range r : uids) {
            max = Math.max(max, r.inside + r.count - 1);
        }
        return max;
    }

    private int map(List<Range> ranges, long id) {
        if (hostIds) {
            for (Range r : ranges) {
                if (id >= r.outside && id < r.outside + r.count) {
                    return (int) (r.inside + (id - r.outside));
                }
            }
        }
        for (Range r : ranges) {
            if (id >= r.inside && id < r.inside + r.count) {
                return (int) id;
            }
        }
        return -1;
    }
}
