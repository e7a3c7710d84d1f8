package dev.fuseoverlay.study;

import dev.fuseoverlay.lookup.Entry;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.readdir.DirItem;
import dev.fuseoverlay.realfs.DirEntry;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import dev.fuseoverlay.whiteout.Whiteouts;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a container changed, like {@code docker diff}, read from an upper layer in any format (kernel 0/0
 * whiteouts and opaque xattrs, or AUFS {@code .wh.} files): {@code A} added, {@code C} changed (the path
 * exists in the lower layers too), {@code D} deleted. Lower layers are optional; without them nothing can
 * be "changed", so everything present is reported as added.
 */
public final class UpperDiff {
    public record Change(char kind, String path) {}

    private final RealFs fs;
    private final Whiteouts wh;
    /** The lower layers alone, as a read-only overlay, or null when none were given. */
    private final Overlay lowers;

    public UpperDiff(RealFs fs, Whiteouts wh, Overlay lowers) {
        this.fs = fs;
        this.wh = wh;
        this.lowers = lowers;
    }

    /** The changes recorded in an upper layer, sorted by path. */
    public List<Change> changes(String upperRoot) {
        List<Change> out = new ArrayList<>();
        walk(upperRoot, "/", out);
        out.sort((a, b) -> a.path().compareTo(b.path()));
        return out;
    }

    private void walk(String upperRoot, String dir, List<Change> out) {
        String realDir = dir.equals("/") ? upperRoot : upperRoot + dir;
        List<DirEntry> entries = fs.readdir(realDir);
        Set<String> present = new HashSet<>();
        for (DirEntry e : entries) {
            String name = e.name();
            if (name.equals(Whiteouts.OPAQUE_FILE)) {
                continue;
            }
            if (Whiteouts.isReservedName(name)) {
                out.add(new Change('D', Entry.child(dir, name.substring(Whiteouts.PREFIX.length()))));
                continue;
            }
            present.add(name);
            String path = Entry.child(dir, name);
            Stat st = fs.lstat(realDir + "/" + name);
            if (st == null) {
                continue;
            }
            if (st.isWhiteoutDevice()) {
                out.add(new Change('D', path));
                continue;
            }
            Entry below = inLowers(path);
            out.add(new Change(below != null ? 'C' : 'A', path));
            if (st.isDir()) {
                if (below != null && below.isDir() && wh.isOpaque(realDir + "/" + name)) {
                    // an opaque directory replaces everything the lower layers had under it
                    Set<String> mine = new HashSet<>();
                    fs.readdir(realDir + "/" + name).forEach(x -> mine.add(x.name()));
                    for (DirItem it : lowers.readdir(path)) {
                        if (!mine.contains(it.name())) {
                            out.add(new Change('D', Entry.child(path, it.name())));
                        }
                    }
                }
                walk(upperRoot, path, out);
            }
        }
    }

    private Entry inLowers(String path) {
        if (lowers == null) {
            return null;
        }
        try {
            return lowers.lookup().find(path);
        } catch (ErrnoException e) {
            return null; // a parent is not a directory below: the path is new
        }
    }

    /** The changes as a JSON array of {"kind","path"} objects. */
    public static String json(List<Change> changes) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < changes.size(); i++) {
            Change c = changes.get(i);
            sb.append(i == 0 ? "\n" : ",\n").append("  {\"kind\": \"").append(c.kind()).append("\", \"path\": ")
                    .append(jsonString(RealFs.printable(c.path()))).append('}');
        }
        return sb.append(changes.isEmpty() ? "]" : "\n]").toString();
    }

    static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
            }
        }
        return sb.append('"').toString();
    }
}
