package dev.fuseoverlay.readdir;

import dev.fuseoverlay.lookup.Entry;
import dev.fuseoverlay.lookup.LayerPath;
import dev.fuseoverlay.lookup.Lookup;
import dev.fuseoverlay.realfs.DirEntry;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import dev.fuseoverlay.whiteout.Whiteouts;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Merges a directory across its layers, like the kernel's {@code readdir.c}: the union of names from the
 * top layer down to the first opaque directory (the entry's stack already ends there), whiteouts of a
 * layer hiding names of the layers below it, duplicates removed with the topmost winning, AUFS markers
 * never shown. Order: the top layer's names in its order, then each lower layer's new names in theirs.
 * A directory in one layer only takes the fast path (no sets).
 */
public final class DirMerge {
    private final RealFs fs;
    private final Lookup lookup;
    private final Whiteouts wh;

    public DirMerge(RealFs fs, Lookup lookup, Whiteouts wh) {
        this.fs = fs;
        this.lookup = lookup;
        this.wh = wh;
    }

    /** The visible names of a merged directory, without "." and "..". */
    public List<DirItem> list(Entry dir) {
        if (dir.stack.length == 1 && !dir.hasUpper()) {
            return single(dir.stack[0]);
        }
        List<DirItem> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<String> hidden = new HashSet<>();
        for (LayerPath lp : dir.stack) {
            List<String> whiteouts = new ArrayList<>();
            boolean markers = false;
            for (DirEntry e : fs.readdir(lp.real())) {
                String name = e.name();
                if (Whiteouts.isReservedName(name)) {
                    markers = true;
                    if (!name.equals(Whiteouts.OPAQUE_FILE)) {
                        whiteouts.add(name.substring(Whiteouts.PREFIX.length()));
                    }
                    continue;
                }
                if (hidden.contains(name) || !seen.add(name)) {
                    continue;
                }
                int type = typeOf(lp, e);
                if (type == Stat.S_IFCHR && isWhiteout(lp, name)) {
                    hidden.add(name);
                    continue;
                }
                out.add(new DirItem(name, type, inode(dir, lp, e, type), lp.layer()));
            }
            wh.listed(lp.real(), lp.layer().upper(), markers);
            hidden.addAll(whiteouts);
        }
        return out;
    }

    private List<DirItem> single(LayerPath lp) {
        List<DirEntry> entries = fs.readdir(lp.real());
        List<DirItem> out = new ArrayList<>(entries.size());
        Set<String> whiteouts = null;
        for (DirEntry e : entries) {
            if (Whiteouts.isReservedName(e.name())) {
                if (whiteouts == null) {
                    whiteouts = new HashSet<>();
                }
                whiteouts.add(e.name().substring(Whiteouts.PREFIX.length()));
                continue;
            }
            int type = typeOf(lp, e);
            if (type == Stat.S_IFCHR && isWhiteout(lp, e.name())) {
                continue; // a whiteout in the only layer hides nothing but itself
            }
            out.add(new DirItem(e.name(), type, lookup.mapIno(lp.layer(), e.ino()), lp.layer()));
        }
        wh.listed(lp.real(), lp.layer().upper(), whiteouts != null);
        if (whiteouts != null) {
            // AUFS whiteouts are written beside nothing in the layer that holds them, but be safe
            Set<String> w = whiteouts;
            out.removeIf(i -> w.contains(i.name()));
        }
        return out;
    }

    private int typeOf(LayerPath lp, DirEntry e) {
        if (e.dtype() != DirEntry.DT_UNKNOWN) {
            return e.dtype() << 12;
        }
        Stat st = fs.lstat(lp.real() + "/" + e.name());
        return st == null ? Stat.S_IFREG : st.type();
    }

    private boolean isWhiteout(LayerPath lp, String name) {
        Stat st = fs.lstat(lp.real() + "/" + name);
        return st != null && st.isWhiteoutDevice();
    }

    /**
     * d_ino as stat would report it: lower objects map their own number; upper objects may carry an
     * origin, so they are looked up (upper directories are small; lower ones are the bulk).
     */
    private long inode(Entry dir, LayerPath lp, DirEntry e, int type) {
        if (!lp.layer().upper()) {
            return lookup.mapIno(lp.layer(), e.ino());
        }
        Entry child = lookup.child(dir, e.name());
        return child != null ? child.ino : lookup.mapIno(lp.layer(), e.ino());
    }

    /** Whether a merged directory shows no entry at all (rmdir and rename-over-directory need it empty). */
    public boolean isEmpty(Entry dir) {
        return list(dir).isEmpty();
    }
}
