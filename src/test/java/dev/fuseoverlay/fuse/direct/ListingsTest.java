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

/** Offsets that mean the same whoever reads, as the kernel's readdir cache (and no opendir) needs them. */
class ListingsTest {
    private static final long DIR = 7;
    private long clock = 1_000_000_000_000L;
    private final Listings listings = new Listings(() -> clock);
    private final Set<String> dir = new LinkedHashSet<>();

    private List<DirItem> now() {
        List<DirItem> l = new ArrayList<>();
        long ino = 100;
        for (String n : dir) {
            l.add(new DirItem(n, 0100000, ino++, null));
        }
        return l;
    }

    /** Reads up to {@code count} positions from {@code offset}, names into {@code into}; the offset to go on. */
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
    void aListingKeepsTheLayersOrderAndOffsetsAreNeverZero() {
        dir.addAll(List.of("b", "a", "c"));
        Listings.Window w = listings.read(DIR, 0, this::now);
        assertEquals(List.of("b", "a", "c"), List.of(w.items()).stream().map(DirItem::name).toList());
        assertTrue(w.next(0) > 0 && w.next(0) >>> 32 > 0, "the epoch is in the high bits");
        assertEquals(List.of("b", "a", "c"), readAll(0, 2));
    }

    @Test
    void withNobodyInTheMiddleANewListingTakesTheFreshOrder() {
        dir.addAll(List.of("b", "a"));
        assertEquals(List.of("b", "a"), readAll(0, 10)); // read in one go: nobody in the middle
        clock += Listings.BUSY_NANOS + 1;
        dir.clear();
        dir.addAll(List.of("z", "a", "b"));
        assertEquals(List.of("z", "a", "b"), readAll(0, 10), "as the layers give it now, like a fresh mount");
    }

    @Test
    void aReaderInTheMiddleSeesEveryLastingNameOnceWhileOthersStartOver() {
        for (int i = 0; i < 50; i++) {
            dir.add("s" + i);
        }
        List<String> got = new ArrayList<>();
        long o = read(0, 10, got);
        for (int round = 0; round < 40; round++) {
            dir.remove("s" + (round % 25 * 2)); // names go, new ones come, while the first reader is in the middle
            dir.add("new" + round);
            readAll(0, 7); // other listers start over
            clock += 100_000_000L;
            o = read(o, 3, got);
        }
        got.addAll(readAll(o, 5));
        Map<String, Integer> seen = new HashMap<>();
        for (String n : got) {
            seen.merge(n, 1, Integer::sum);
        }
        for (int i = 1; i < 50; i += 2) {
            assertEquals(1, seen.getOrDefault("s" + i, 0), "s" + i + " (there all along) listed once");
        }
        seen.forEach((n, c) -> assertEquals(1, c, n + " listed " + c + " times"));
    }

    @Test
    void aReaderComingBackFromTheKernelsCacheContinuesInItsOwnEpoch() {
        dir.addAll(List.of("a", "b", "c", "d"));
        long o = read(0, 4, new ArrayList<>()); // ".", "..", "a", "b": the kernel cached it all
        clock += Listings.BUSY_NANOS + 1;
        dir.remove("a");
        dir.add("e");
        assertEquals(List.of("b", "c", "d", "e"), readAll(0, 100), "a new reader: a new epoch");
        List<String> rest = new ArrayList<>();
        read(o, 100, rest); // the old reader: the directory changed, the kernel sends it to us mid-way
        assertEquals(List.of("c", "d"), rest, "the rest of the listing it started");
    }

    @Test
    void manyGoneNamesAreCompactedAndTheOldEpochStaysReadable() {
        for (int i = 0; i < 3000; i++) {
            dir.add("f" + i);
        }
        List<String> first = new ArrayList<>();
        long o = read(0, 100, first);
        o = read(o, 100, first); // reader A, in the middle
        for (int i = 0; i < 2500; i++) {
            dir.remove("f" + i);
        }
        List<String> b = readAll(0, 100); // reader B while A is in the middle: 2500 empty slots, compacted
        assertEquals(500, b.size());
        assertEquals("f2500", b.get(0));
        first.addAll(readAll(o, 100)); // A goes on in its own epoch: every name of it exactly once
        assertEquals(3000, new LinkedHashSet<>(first).size());
        assertEquals(3000, first.size());
    }

    @Test
    void listsGoWithTheirNodeAndUnusedOnesBeyondTheBudget() {
        dir.addAll(List.of("x", "y"));
        readAll(0, 10);
        assertEquals(2, listings.total());
        listings.forgotten(DIR);
        assertEquals(0, listings.total());
        for (int i = 0; i < 1000; i++) {
            dir.add("n" + i);
        }
        for (long node = 100; node < 100 + Listings.BUDGET / 1000 + 2; node++) {
            listings.read(node, 0, this::now);
        }
        assertTrue(listings.total() > Listings.BUDGET);
        clock += Listings.RETAIN_NANOS + 2_000_000_000L;
        listings.read(1, 0, this::now); // over budget: the lists nobody read lately go
        assertEquals(1002, listings.total(), "only the one just read is left");
    }
}
