package dev.fuseoverlay.study;

import dev.fuseoverlay.layer.Layer;
import dev.fuseoverlay.lookup.Entry;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.readdir.DirItem;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import dev.fuseoverlay.whiteout.Whiteouts;
import java.util.ArrayList;
import java.util.List;

/**
 * Which layer serves a merged path and why, layer by layer, following the same stop rules as
 * {@link dev.fuseoverlay.lookup.Lookup} one path component at a time: a whiteout, a non-directory or an
 * opaque directory ends the search for every layer below it. For a directory, where each entry comes from.
 */
public final class Explain {
    private final Overlay ov;
    private final RealFs fs;

    public Explain(Overlay ov, RealFs fs) {
        this.ov = ov;
        this.fs = fs;
    }

    /** One layer's part in a path: what is there and what it means for the merged view. */
    public record Row(Layer layer, String real, String state, String verdict) {}

    public List<Row> rows(String path) {
        List<Layer> layers = ov.layers().all();
        String[] verdict = new String[layers.size()];
        Whiteouts wh = ov.whiteouts();
        String[] comps = path.equals("/") ? new String[0] : path.substring(1).split("/");
        String cur = "";
        for (int c = 0; c < comps.length; c++) {
            String parent = cur.isEmpty() ? "/" : cur;
            cur = cur + "/" + comps[c];
            boolean last = c == comps.length - 1;
            String stop = null;
            boolean found = false;
            for (int i = 0; i < layers.size(); i++) {
                if (verdict[i] != null) {
                    continue;
                }
                if (stop != null) {
                    verdict[i] = stop;
                    continue;
                }
                Layer l = layers.get(i);
                if (Whiteouts.isReservedName(comps[c])) {
                    // a marker, whether a layer has it or not: the merged view never shows it
                    verdict[i] = "never visible: .wh. names are whiteout markers";
                    continue;
                }
                Stat st = quietLstat(l.real(cur));
                String label = l.label();
                if (st == null) {
                    if (wh.hasAufsWhiteout(l.real(parent), comps[c])) {
                        verdict[i] = "whiteout (.wh." + comps[c] + " file): " + cur + " is deleted here";
                        stop = "hidden by the whiteout of " + cur + " in " + label;
                    } else {
                        verdict[i] = last ? "not present" : "has no " + cur;
                    }
                    continue;
                }
                if (st.isWhiteoutDevice()) {
                    verdict[i] = "whiteout (char device 0/0): " + cur + " is deleted here";
                    stop = "hidden by the whiteout of " + cur + " in " + label;
                    continue;
                }
                if (!found) {
                    found = true;
                    if (!st.isDir()) {
                        verdict[i] = last ? "SERVES IT: the topmost layer that has it"
                                : cur + " is a " + kind(st) + " here, so nothing below it exists";
                        stop = last ? "hidden: " + label + " has it above" : "hidden: " + cur + " is a " + kind(st) + " in " + label;
                        continue;
                    }
                    boolean opaque = wh.isOpaque(l.real(cur));
                    if (last) {
                        verdict[i] = "SERVES IT: the topmost directory (its attributes are shown)"
                                + (opaque ? "; opaque, so layers below do not merge" : "") + redirect(l.real(cur));
                    }
                    if (opaque) {
                        stop = "hidden: " + cur + " is opaque in " + label;
                    }
                } else {
                    if (!st.isDir()) {
                        verdict[i] = "ignored: a " + kind(st) + " below a directory does not merge";
                        stop = "not searched: the search stopped at the " + kind(st) + " in " + label;
                        continue;
                    }
                    boolean opaque = wh.isOpaque(l.real(cur));
                    if (last) {
                        verdict[i] = "merged into the directory" + (opaque ? "; opaque, so layers below do not merge" : "");
                    }
                    if (opaque) {
                        stop = "hidden: " + cur + " is opaque in " + label;
                    }
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            Stat st = quietLstat(l.real(path));
            String state = st == null ? "-" : st.isWhiteoutDevice() ? "whiteout" : describe(st);
            rows.add(new Row(l, l.real(path), state, verdict[i] == null ? "SERVES IT: the root merges every layer" : verdict[i]));
        }
        return rows;
    }

    /** The whole explanation as text lines. */
    public List<String> lines(String path) {
        List<String> out = new ArrayList<>();
        Entry e;
        try {
            e = ov.lookup().find(path);
        } catch (ErrnoException ex) {
            e = null;
        }
        String shown = RealFs.printable(path);
        if (e == null) {
            out.add(shown + ": not in the merged view");
        } else {
            Stat st = quietLstat(e.top().real());
            out.add(shown + ": served by " + e.top().layer().label() + " (" + (st == null ? "?" : describe(st)) + ")"
                    + (e.isMergedDir() ? ", a directory merged from " + e.stack.length + " layers" : ""));
        }
        List<Row> rows = rows(path);
        int w = 0;
        for (Row r : rows) {
            w = Math.max(w, RealFs.printable(r.real()).length());
        }
        for (Row r : rows) {
            out.add(String.format("  %-8s %-" + w + "s  %-16s %s", r.layer().label(), RealFs.printable(r.real()), r.state(), r.verdict()));
        }
        if (e != null && e.isDir()) {
            List<DirItem> items = new ArrayList<>(ov.readdir(path));
            items.sort((a, b) -> a.name().compareTo(b.name()));
            out.add("  entries (" + items.size() + "):");
            for (DirItem it : items) {
                out.add(String.format("    %-30s %-8s from %s", RealFs.printable(it.name()), kindOfType(it.type()), it.layer().label()));
            }
        }
        return out;
    }

    /** A redirect xattr of the mount's namespace (redirect_dir=on) on a directory: named, with when it is followed. */
    private String redirect(String realDir) {
        String r = ov.whiteouts().readRedirect(realDir);
        return r == null ? "" : "; has a redirect to " + RealFs.printable(r)
                + " (written by redirect_dir=on; followed unless mounted with redirect_dir=nofollow, and in user.overlay.* only with redirect_dir=follow or on)";
    }

    private Stat quietLstat(String real) {
        try {
            return fs.lstat(real);
        } catch (ErrnoException e) {
            return null;
        }
    }

    static String describe(Stat st) {
        return st.isReg() ? "file, " + st.size + " bytes" : kind(st);
    }

    static String kind(Stat st) {
        return kindOfType(st.type());
    }

    static String kindOfType(int type) {
        switch (type) {
            case Stat.S_IFDIR: return "dir";
            case Stat.S_IFREG: return "file";
            case Stat.S_IFLNK: return "symlink";
            case Stat.S_IFIFO: return "fifo";
            case Stat.S_IFSOCK: return "socket";
            case Stat.S_IFCHR: return "char device";
            case Stat.S_IFBLK: return "block device";
            default: return "?";
        }
    }
}
