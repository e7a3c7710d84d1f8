package dev.fuseoverlay.cache;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A bounded concurrent cache in two generations: new entries go to the young map; when it holds half the
 * bound, it becomes the old map and the previous old map is dropped, so at most {@code max} entries are kept
 * and an entry not put again lives through one or two rotations. A hit in the old map is not moved up: the
 * entry is looked up again after the next rotation (one miss per hot entry every {@code max / 2} puts), and
 * an invalidation can never race with a promotion.
 *
 * <p>Why not Caffeine: the lookup path runs it on every request, and a fresh server (every mount) pays for
 * its code twice, interpreted and then compiled: during the first cold {@code find} of a mount, 128 of the
 * JIT's compilations were Caffeine's methods. This is two {@link ConcurrentHashMap}s.
 */
public final class BoundedCache<K, V> {
    private final int half;
    private volatile ConcurrentHashMap<K, V> young = new ConcurrentHashMap<>();
    private volatile ConcurrentHashMap<K, V> old = new ConcurrentHashMap<>();

    public BoundedCache(int max) {
        if (max < 2) {
            throw new IllegalArgumentException("max " + max);
        }
        this.half = max / 2;
    }

    public V get(K key) {
        V v = young.get(key);
        return v != null ? v : old.get(key);
    }

    public void put(K key, V value) {
        ConcurrentHashMap<K, V> y = young;
        y.put(key, value); // shadows any older value in the old map, which the next rotation drops
        if (y.size() >= half) {
            rotate(y);
        }
    }

    private synchronized void rotate(ConcurrentHashMap<K, V> full) {
        if (young == full) {
            old = full;
            young = new ConcurrentHashMap<>();
        }
    }

    public void remove(K key) {
        young.remove(key);
        old.remove(key);
    }

    public void removeIf(Predicate<? super K> which) {
        young.keySet().removeIf(which);
        old.keySet().removeIf(which);
    }

    /** Entries held now (both generations; a key in both counts twice only during a put). */
    public int size() {
        return young.size() + old.size();
    }
}
