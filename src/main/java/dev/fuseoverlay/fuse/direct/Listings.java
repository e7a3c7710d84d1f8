package dev.fuseoverlay.fuse.direct;

import dev.fuseoverlay.readdir.DirItem;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Directory listings as the kernel sees them, with offsets that mean the same whoever reads, so the kernel
 * may cache a listing (FOPEN_CACHE_DIR) and keep no open state with us at all (FUSE_NO_OPENDIR_SUPPORT): a
 * reader may start from its cache and come to us mid-way with an offset it got long before.
 *
 * <p>Each directory node has a slot list: an offset names a slot ({@code epoch << 32 | position + 1};
 * position 0 is ".", 1 is "..", 2 + i is slot i). A read at offset 0 lists the merged directory again. If
 * nobody has read the directory from the middle lately it simply takes that fresh listing (a new epoch, in
 * the order the layers give); while readers are in the middle it keeps every surviving name in its slot,
 * empties the slots of names gone and appends the new ones, so a reader in the middle sees every name that
 * existed throughout exactly once (POSIX's promise for readdir during changes). Earlier epochs stay readable
 * for {@link #RETAIN_NANOS} (at most {@link #OLD_EPOCHS} of them); many empty slots compact into a new epoch.
 *
 * <p>Memory: lists are dropped with their node (the kernel's FORGET), and beyond {@link #BUDGET} slots in
 * all, the lists nobody read for {@link #RETAIN_NANOS} go (they are listed again when needed).
 */
final class Listings {
    static final long BUDGET = 500_000;
    static final long RETAIN_NANOS = 30_000_000_000L;
    static final long BUSY_NANOS = 5_000_000_000L;
    static final int OLD_EPOCHS = 32;
    /** Empty slots that make a refresh compact the list (and at least as many as the live ones). */
    static final int COMPACT = 1024;
    private static final long MASK = 0xffffffffL;

    private final Map<Long, Listing> byNode = new ConcurrentHashMap<>();
    private final AtomicInteger epochs = new AtomicInteger();
    private final AtomicLong total = new AtomicLong();
    private final LongSupplier clock;
    private volatile long lastPrune;

    Listings() {
        this(System::nanoTime);
    }

    Listings(LongSupplier clock) {
        this.clock = clock;
    }

    /** What one READDIR serves: positions from {@code start} of {@code items} in {@code epoch}. */
    record Window(int epoch, DirItem[] items, long start) {
        /** The offset of the entry after position {@code pos}. */
        long next(long pos) {
            return ((long) epoch << 32) | (pos + 1);
        }
    }

    private record Old(int epoch, DirItem[] slots, long retired) {}

    private static final class Listing {
        int epoch;
        DirItem[] slots;
        final ArrayDeque<Old> older = new ArrayDeque<>();
        boolean midRead;
        long midReadAt;
        long usedAt;
    }

    /** The kernel forgot the directory's node: its list goes too. */
    void forgotten(long node) {
        Listing l = byNode.remove(node);
        if (l != null) {
            synchronized (l) {
                drop(l);
            }
        }
    }

    /** Slots held in all lists (for tests). */
    long total() {
        return total.get();
    }

    /** The window for a READDIR of {@code node} at {@code offset}; {@code fresh} lists the directory now. */
    Window read(long node, long offset, Supplier<List<DirItem>> fresh) {
        long now = clock.getAsLong();
        Listing l = byNode.computeIfAbsent(node, k -> new Listing());
        Window w;
        synchronized (l) {
            l.usedAt = now;
            if (offset == 0) {
                refresh(l, fresh.get(), now, l.midRead && now - l.midReadAt < BUSY_NANOS);
                w = new Window(l.epoch, l.slots, 0);
            } else {
                int epoch = (int) (offset >>> 32);
                DirItem[] slots = epoch == l.epoch ? l.slots : null;
                for (Iterator<Old> it = l.older.iterator(); slots == null && it.hasNext(); ) {
                    Old o = it.next();
                    if (o.epoch == epoch) {
                        slots = o.slots;
                    }
                }
                l.midRead = true;
                l.midReadAt = now;
                if (slots != null) {
                    w = new Window(epoch, slots, offset & MASK);
                } else {
                    // that list is gone (dropped, or retired long ago): the same position in the current one,
                    // kept in place for the readers in the middle
                    if (l.slots == null) {
                        refresh(l, fresh.get(), now, false);
                    }
                    w = new Window(l.epoch, l.slots, offset & MASK);
                }
            }
        }
        if (total.get() > BUDGET && now - lastPrune > 1_000_000_000L) {
            lastPrune = now;
            prune(now);
        }
        return w;
    }

    private void refresh(Listing l, List<DirItem> now, long time, boolean keepPlaces) {
        if (l.slots == null || !keepPlaces) {
            newEpoch(l, now.toArray(new DirItem[0]), time);
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
            newEpoch(l, next.stream().filter(d -> d != null).toArray(DirItem[]::new), time);
        } else {
            total.addAndGet(next.size() - l.slots.length);
            l.slots = next.toArray(new DirItem[0]);
        }
    }

    private void newEpoch(Listing l, DirItem[] slots, long time) {
        if (l.slots != null) {
            l.older.addFirst(new Old(l.epoch, l.slots, time));
        }
        while (!l.older.isEmpty() && (l.older.size() > OLD_EPOCHS || time - l.older.peekLast().retired > RETAIN_NANOS)) {
            total.addAndGet(-l.older.removeLast().slots.length);
        }
        l.epoch = epochs.incrementAndGet() & Integer.MAX_VALUE;
        l.slots = slots;
        total.addAndGet(slots.length);
    }

    private void drop(Listing l) {
        long n = l.slots == null ? 0 : l.slots.length;
        for (Old o : l.older) {
            n += o.slots.length;
        }
        total.addAndGet(-n);
        l.slots = null;
        l.older.clear();
    }

    private void prune(long now) {
        for (Listing l : byNode.values()) {
            synchronized (l) {
                if (now - l.usedAt > RETAIN_NANOS) {
                    drop(l);
                }
            }
        }
    }
}
