package dev.fuseoverlay.fuse.direct;

import dev.fuseoverlay.readdir.DirItem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Directory listings as the kernel sees them, with offsets that mean the same in every handle, so the
 * kernel may cache a listing (FOPEN_CACHE_DIR) and a reader may move from its cache to us mid-way.
 *
 * <p>Each directory node has one slot list: an offset names a slot ({@code epoch << 32 | position + 1};
 * position 0 is ".", 1 is "..", 2 + i is slot i). A read at offset 0 refreshes the list from the merged
 * directory: when no other handle of the directory is open it simply takes the fresh listing (a new epoch,
 * in the order the layers give, as before); while other handles are open it keeps every surviving name in
 * its slot, marks the names gone since as empty slots and appends the new ones, so a reader in the middle
 * of the list sees every name that existed throughout exactly once (POSIX's promise for readdir during
 * changes). Many empty slots are compacted into a new epoch; the previous epoch stays readable for the
 * readers still in it.
 *
 * <p>Memory: the lists of directories nobody has open are kept (for readers that come from the kernel's
 * cache) only up to a total of {@link #KEEP} slots; beyond it they are dropped and rebuilt when needed.
 */
final class Listings {
    /** Slots kept in lists of directories that are not open. */
    static final long KEEP = 200_000;
    /** Empty slots that make a refresh compact the list (and at least as many as the live ones). */
    static final int COMPACT = 1024;
    private static final long MASK = 0xffffffffL;

    private final Map<Long, Listing> byNode = new ConcurrentHashMap<>();
    private final AtomicInteger epochs = new AtomicInteger();
    private final AtomicLong kept = new AtomicLong();

    /** What one READDIR serves: positions from {@code start} of {@code items} in {@code epoch}. */
    record Window(int epoch, DirItem[] items, long start) {
        /** The offset of the entry after position {@code pos}. */
        long next(long pos) {
            return ((long) epoch << 32) | (pos + 1);
        }
    }

    private static final class Listing {
        int handles;
        int epoch;
        DirItem[] slots;
        int previousEpoch = -1;
        DirItem[] previous;
        long keptSlots;
    }

    void opened(long node) {
        Listing l = byNode.computeIfAbsent(node, k -> new Listing());
        synchronized (l) {
            if (l.handles++ == 0 && l.keptSlots > 0) {
                kept.addAndGet(-l.keptSlots); // in use: not counted against KEEP
                l.keptSlots = 0;
            }
        }
    }

    void released(long node) {
        Listing l = byNode.get(node);
        if (l == null) {
            return;
        }
        synchronized (l) {
            if (l.handles > 0 && --l.handles == 0) {
                l.previous = null;
                l.previousEpoch = -1;
                long size = l.slots == null ? 0 : l.slots.length;
                if (kept.get() + size > KEEP) {
                    l.slots = null;
                } else {
                    kept.addAndGet(size);
                    l.keptSlots = size;
                }
            }
        }
    }

    /** The kernel forgot the directory's node: its list goes too. */
    void forgotten(long node) {
        Listing l = byNode.remove(node);
        if (l != null) {
            synchronized (l) {
                kept.addAndGet(-l.keptSlots);
                l.keptSlots = 0;
            }
        }
    }

    /** Slots kept for directories that are not open (for tests). */
    long kept() {
        return kept.get();
    }

    /** The window for a READDIR of {@code node} at {@code offset}; {@code fresh} lists the directory now. */
    Window read(long node, long offset, Supplier<List<DirItem>> fresh) {
        Listing l = byNode.computeIfAbsent(node, k -> new Listing());
        synchronized (l) {
            int epoch = (int) (offset >>> 32);
            if (offset == 0 || l.slots == null || (epoch != l.epoch && epoch != l.previousEpoch)) {
                // offset 0: a new listing. Otherwise the list for that offset is gone (dropped while nobody
                // had the directory open): the best we can do is the same position in a fresh list.
                refresh(l, fresh.get());
                if (offset == 0) {
                    return new Window(l.epoch, l.slots, 0);
                }
                return new Window(l.epoch, l.slots, offset & MASK);
            }
            return epoch == l.epoch ? new Window(l.epoch, l.slots, offset & MASK)
                    : new Window(l.previousEpoch, l.previous, offset & MASK);
        }
    }

    private void refresh(Listing l, List<DirItem> now) {
        if (l.slots == null || l.handles <= 1) {
            newEpoch(l, now.toArray(new DirItem[0]));
            return;
        }
        Map<String, DirItem> byName = new HashMap<>(now.size() * 2);
        for (DirItem d : now) {
            byName.put(d.name(), d);
        }
        List<DirItem> next = new ArrayList<>(l.slots.length + now.size());
        int empty = 0;
        for (DirItem d : l.slots) {
            DirItem still = d == null ? null : byName.remove(d.name());
            next.add(still);
            if (still == null) {
                empty++;
            }
        }
        for (DirItem d : now) {
            if (byName.remove(d.name()) != null) {
                next.add(d); // new since: at the end, where readers in the middle may or may not see it
            }
        }
        if (empty >= COMPACT && empty >= next.size() - empty) {
            newEpoch(l, next.stream().filter(d -> d != null).toArray(DirItem[]::new));
        } else {
            l.slots = next.toArray(new DirItem[0]);
        }
    }

    private void newEpoch(Listing l, DirItem[] slots) {
        if (l.slots != null) {
            l.previous = l.slots;
            l.previousEpoch = l.epoch;
        }
        l.epoch = epochs.incrementAndGet() & Integer.MAX_VALUE;
        l.slots = slots;
    }
}
