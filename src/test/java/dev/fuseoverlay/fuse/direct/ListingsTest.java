package dev.fuseoverlay.fuse.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.readdir.DirItem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Offsets that mean the same in every handle, as the kernel's readdir cache needs them. */
class ListingsTest {
    private static final long DIR = 7;
    private final Listings listings = new Listings();
    private final Set<String> dir = new LinkedHashSet<>();

    private List<DirItem> now() {
        List<DirItem> l = new ArrayList<>();
        long ino = 100;
        for (String n : dir) {
            l.add(new DirItem(n, 0100000, ino++, null));
        }
        return l;
    }

    /** Reads up to {@code count} names from {@code offset}; returns them and the offset to go on from. */
    private long read(long offset, int count, List<String> into) {
        Listings.Window w = listings.read(DIR, offset, this::now);
        long next = offset;
        int got = 0;
        for (long i = w.start(); i < w.items().length + 2L && got < count; i++) {
            if (i >= 2) {
                DirItem d = w.items()[(int) (i - 2)];
                if (d == null) {
                    continue;
                }
                into.add(d.name());
            }
            got++;
            next = w.next(i);
        }
        return next;
    }

    private List<String> readAll(long offset, int chunk) {
        List<String> names = new ArrayList<>();
        long o = offset;
        while (true) {
            int before = names.size();
            long n = read(o, chunk, names);
            if (n == o && names.size() == before) {
                return names;
            }
            o = n;
        }
    }

    @Test
    void aFreshListingKeepsTheLayersOrderAndOffsetsAreNeverZero() {
        dir.addAll(List.of("b", "a", "c"));
        listings.opened(DIR);
        Listings.Window w = listings.read(DIR, 0, this::now);
        assertEquals(List.of("b", "a", "c"), List.of(w.items()).stream().map(DirItem::name).toList());
        assertTrue(w.next(0) > 0 && w.next(0) >>> 32 > 0, "the epoch is in the high bits");
        assertEquals(List.of("b", "a", "c"), readAll(0, 2));
    }

    @Test
    void aReaderInTheMiddleSeesEveryLastingNameOnceWhileAnotherHandleRefreshes() {
        for (int i = 0; i < 50; i++) {
            dir.add("s" + i);
        }
        listings.opened(DIR);
        List<String> got = new ArrayList<>();
        long o = read(0, 10, got);
        listings.opened(DIR); // a second lister
        Map<String, Integer> seen = new HashMap<>();
        for (int round = 0; round < 20; round++) {
            dir.remove("s" + (round * 2)); // names go, new ones come, while the first reader is in the middle
            dir.add("new" + round);
            readAll(0, 7); // the second lister starts over: a refresh
            o = read(o, 3, got);
        }
        got.addAll(readAll(o, 5));
        for (String n : got) {
            seen.merge(n, 1, Integer::sum);
        }
        for (int i = 1; i < 50; i += 2) {
            assertEquals(1, seen.getOrDefault("s" + i, 0), "s" + i + " (there all along) listed once");
        }
        seen.forEach((n, c) -> assertEquals(1, c, n + " listed " + c + " times"));
    }

    @Test
    void manyGoneNamesAreCompactedAndTheOldEpochStaysReadable() {
        for (int i = 0; i < 3000; i++) {
            dir.add("f" + i);
        }
        listings.opened(DIR);
        listings.opened(DIR);
        List<String> first = new ArrayList<>();
        long o = read(0, 100, first); // reader A, in the middle of the first epoch
        for (int i = 0; i < 2500; i++) {
            dir.remove("f" + i);
        }
        List<String> b = readAll(0, 100); // reader B refreshes: 2500 empty slots, compacted
        assertEquals(500, b.size());
        assertTrue(b.get(0).equals("f2500"));
        first.addAll(readAll(o, 100)); // A goes on in its own epoch: every name of it exactly once
        assertEquals(3000, new LinkedHashSet<>(first).size());
        assertEquals(3000, first.size());
    }

    @Test
    void listsOfClosedDirectoriesAreKeptWithinTheBudgetAndDroppedWithTheirNode() {
        dir.addAll(List.of("x", "y"));
        listings.opened(DIR);
        long o = read(0, 3, new ArrayList<>()); // ".", "..", "x"
        listings.released(DIR);
        assertEquals(2, listings.kept(), "a closed directory's list is kept for the kernel's cache readers");
        listings.opened(DIR); // a reader from the kernel's cache comes to us mid-way
        assertEquals(0, listings.kept(), "open again: not counted");
        List<String> rest = new ArrayList<>();
        read(o, 10, rest);
        assertEquals(List.of("y"), rest, "same offsets after reopening");
        listings.released(DIR);
        listings.forgotten(DIR);
        assertEquals(0, listings.kept());
    }
}
