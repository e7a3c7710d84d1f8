package dev.fuseoverlay.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** The lookup path's cache: bounded, recent entries kept, invalidation complete across both generations. */
class BoundedCacheTest {
    @Test
    void neverHoldsMoreThanItsBoundAndKeepsTheRecentHalf() {
        BoundedCache<Integer, String> c = new BoundedCache<>(100);
        for (int i = 0; i < 10_000; i++) {
            c.put(i, "v" + i);
            assertTrue(c.size() <= 100, "size " + c.size() + " after " + i);
        }
        for (int i = 10_000 - 50; i < 10_000; i++) {
            assertEquals("v" + i, c.get(i), "recent entry " + i);
        }
        assertNull(c.get(0), "the oldest are gone");
    }

    @Test
    void aNewValueShadowsTheOldGenerationsUntilItIsDropped() {
        BoundedCache<String, Integer> c = new BoundedCache<>(4);
        c.put("a", 1);
        c.put("b", 2); // young full: a, b move to the old generation
        c.put("a", 3);
        assertEquals(3, c.get("a"));
        c.put("c", 4); // rotation: the old generation with a=1 is dropped
        assertEquals(3, c.get("a"));
        assertNull(c.get("b"));
    }

    @Test
    void removeAndRemoveIfReachBothGenerations() {
        BoundedCache<String, Integer> c = new BoundedCache<>(4);
        c.put("/d/x", 1);
        c.put("/d/y", 2); // old generation
        c.put("/d/z", 3); // young
        c.put("/e", 4);
        c.remove("/d/x");
        assertNull(c.get("/d/x"));
        c.removeIf(k -> k.startsWith("/d/"));
        assertNull(c.get("/d/y"));
        assertNull(c.get("/d/z"));
        assertEquals(4, c.get("/e"));
        assertThrows(IllegalArgumentException.class, () -> new BoundedCache<>(1));
    }

    @Test
    void concurrentPutsGetsAndRemovalsStayConsistentAndBounded() throws Exception {
        BoundedCache<Integer, Integer> c = new BoundedCache<>(256);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; i < 50_000; i++) {
                        int k = (i * 31 + seed) % 1000;
                        c.put(k, k * 2);
                        Integer v = c.get(k ^ 1);
                        if (v != null && v != (k ^ 1) * 2) {
                            throw new AssertionError("key " + (k ^ 1) + " had " + v);
                        }
                        if (i % 7 == 0) {
                            c.remove(k);
                        }
                        if (c.size() > 256 + 8) { // puts racing a rotation may overshoot by one each
                            throw new AssertionError("size " + c.size());
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(errors.isEmpty(), () -> errors.peek().toString());
    }
}
