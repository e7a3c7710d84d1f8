package dev.fuseoverlay.study;

import dev.fuseoverlay.layer.Layer;
import dev.fuseoverlay.lookup.Entry;
import dev.fuseoverlay.ops.Overlay;
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
 * What each layer of a stack holds and how much of it the merged view still shows: files, directories,
 * bytes, whiteouts, and the files and bytes hidden (shadowed by a layer above or deleted by a whiteout).
 * Hidden bytes are the "delete does not save space" trap made visible.
 */
public final class LayerReport {
    public record Row(Layer layer, long files, long dirs, long bytes, long whiteouts, long hiddenFiles, long hiddenBytes) {}

    private final Overlay ov;
    private final RealFs fs;

    public LayerReport(Overlay ov, RealFs fs) {
        this.ov = ov;
        this.fs = fs;
    }

    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (Layer l : ov.layers().all()) {
            long[] c = new long[6]; // files, dirs, bytes, whiteouts, hidden files, hidden bytes
            walk(l, "/", c, new HashSet<>());
            rows.add(new Row(l, c[0], c[1], c[2], c[3], c[4], c[5]));
        }
        return rows;
    }

    private void walk(Layer l, String dir, long[] c, Set<Long> seenInodes) {
        for (DirEntry e : fs.readdir(l.real(dir))) {
            String name = e.name();
            String path = Entry.child(dir, name);
            Stat st = fs.lstat(l.real(path));
            if (st == null) {
                continue;
            }
            if (st.isWhiteoutDevice() || Whiteouts.isReservedName(name)) {
                if (!name.equals(Whiteouts.OPAQUE_FILE)) {
                    c[3]++;
                }
                continue;
            }
            if (st.isDir()) {
                c[1]++;
                walk(l, path, c, seenInodes);
                continue;
            }
            c[0]++;
            long size = st.isReg() && (st.nlink == 1 || seenInodes.add(st.ino)) ? st.blocks * 512 : 0;
            c[2] += size;
            if (!visible(l, path)) {
                c[4]++;
                c[5] += size;
            }
        }
    }

    private boolean visible(Layer l, String path) {
        try {
            Entry e = ov.lookup().find(path);
            return e != null && e.top().layer().equals(l);
        } catch (ErrnoException ex) {
            return false;
        }
    }

    /** The report as text: one line per layer and a total. */
    public List<String> lines(String title) {
        List<String> out = new ArrayList<>();
        List<Row> rows = rows();
        int w = 4;
        for (Row r : rows) {
            w = Math.max(w, RealFs.printable(r.layer().root()).length());
        }
        out.add(title);
        out.add(String.format("  %-8s %-" + w + "s %7s %6s %10s %9s  %s", "layer", "path", "files", "dirs", "on disk", "whiteouts", "hidden by layers above"));
        long stored = 0, hidden = 0;
        for (Row r : rows) {
            out.add(String.format("  %-8s %-" + w + "s %7d %6d %10s %9d  %d files, %s", r.layer().label(),
                    RealFs.printable(r.layer().root()), r.files(), r.dirs(), human(r.bytes()), r.whiteouts(),
                    r.hiddenFiles(), human(r.hiddenBytes())));
            stored += r.bytes();
            hidden += r.hiddenBytes();
        }
        out.add(String.format("  stored in the layers: %s; visible in the merged view: %s; hidden: %s", human(stored),
                human(stored - hidden), human(hidden)));
        return out;
    }

    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] u = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format("%.1f %s", v, u[i]);
    }
}
