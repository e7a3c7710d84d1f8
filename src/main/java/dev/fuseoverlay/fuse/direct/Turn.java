package dev.fuseoverlay.fuse.direct;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * How many workers read requests from /dev/fuse at once: one while a single client talks to the mount, all
 * of them as soon as requests queue up.
 *
 * <p>Why not always all of them, as libfuse does: the kernel wakes the reader that has waited longest, so
 * one client's requests go round every worker, and the scheduler tends to place each away from the client
 * (a wake-up across CPUs for the request and another for the reply). On a 2-CPU VM a request/reply pair
 * across CPUs costs 40-50 us more than on one CPU (untar: 0.27 s with the workers and tar pinned to one CPU,
 * 0.90 s pinned apart). One reader that keeps reading stays the same thread, next to its client. Why not
 * always one: concurrent clients then wait for each other's requests (five at once on one mount: 2.5-3.9 s
 * with four readers, 8.0-10.8 s with one).
 *
 * <p>So the width follows the load: a worker that starts a request while another is already waiting (the
 * caller checks the device), or a watchdog that sees a worker busy with one request for the stall time
 * while others wait, opens the turn to every worker ({@link #widen}); a worker beyond the first steps back
 * before reading once nothing has waited for the quiet time and nothing waits now ({@link #stepBack}). With one client nothing
 * waits (it waits for the reply), so its requests keep one reader. The watchdog ticks only while a request
 * is in progress and parks after a few idle ticks; the next request wakes it.
 *
 * <p>Disk: a request that waited for data to reach the disk (a copy-up's fsync) widens the turn too. The
 * disk's interrupt wakes the worker wherever the scheduler sees fit, and one reader then stays where that
 * put it: in {@code perf sched} of a {@code chmod -R} (a copy-up per file) 91-96 % of the client's wake-ups of the one
 * reader crossed CPUs, and it took 1 471 ms against 1 083 ms with every worker reading; widened after each
 * such request, 1 147 ms (7 alternating fresh mounts each).
 */
final class Turn {
    /** How long one request may take, while others wait, before every worker is let in to read. */
    static final long STALL_NANOS = 5_000_000;
    /** How long nothing must have waited before a reader beyond the first steps back. */
    static final long QUIET_NANOS = 20_000_000;

    /** One worker's part: {@code since} is shared with the watchdog, {@code holds} is the worker's own. */
    private static final class Slot {
        /** When the current request started; 0 between requests. */
        volatile long since;
        boolean holds;
    }

    private final int workers;
    private final long stall, quiet;
    private final BooleanSupplier waiting;
    /** Every worker reads, always ({@code -o readers=all}): the turn never narrows and nothing watches. */
    private final boolean everyone;
    private final Semaphore permits;
    /** Readers that hold the turn plus permits not yet taken. */
    private final AtomicInteger width;
    /** Every worker's slot, for the watchdog (a worker's first call registers it). */
    private final List<Slot> slots = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Slot> mine = ThreadLocal.withInitial(() -> {
        Slot s = new Slot();
        slots.add(s);
        return s;
    });
    private final Thread watchdog;
    /** When requests were last seen waiting (or the turn last widened). */
    private volatile long crowdedAt = System.nanoTime() - (1L << 40);
    /** Whether the watchdog is ticking (false: parked until the next request). */
    private volatile boolean watching = true;
    private volatile boolean closed;

    /**
     * @param workers how many workers there are (the most that read at once)
     * @param waiting whether a request is waiting on the device (asked by the watchdog, and by a reader
     *     before it steps back)
     * @param everyone whether all of them always read ({@code -o readers=all})
     */
    Turn(int workers, BooleanSupplier waiting, boolean everyone) {
        this(workers, waiting, STALL_NANOS, QUIET_NANOS, everyone);
    }

    Turn(int workers, BooleanSupplier waiting, long stallNanos, long quietNanos) {
        this(workers, waiting, stallNanos, quietNanos, false);
    }

    private Turn(int workers, BooleanSupplier waiting, long stallNanos, long quietNanos, boolean everyone) {
        this.workers = Math.max(1, workers);
        this.everyone = everyone;
        this.permits = new Semaphore(everyone ? this.workers : 1);
        this.width = new AtomicInteger(everyone ? this.workers : 1);
        this.waiting = waiting;
        this.stall = stallNanos;
        this.quiet = quietNanos;
        watchdog = new Thread(this::watch, "devfuse-watchdog");
        watchdog.setDaemon(true);
    }

    /** Starts the watchdog (before the workers read). */
    Turn start() {
        if (!everyone) {
            watchdog.start();
        }
        return this;
    }

    /** Waits for the turn unless the calling worker has it. */
    void take() {
        Slot s = mine.get();
        if (!s.holds) {
            permits.acquireUninterruptibly();
            s.holds = true;
        }
    }

    /**
     * Before the calling worker reads: if it is not the only reader, nothing has waited for the quiet time
     * and nothing waits now, it gives its turn up (and must {@link #take} again). Returns whether it did.
     */
    boolean stepBack() {
        Slot s = mine.get();
        if (everyone || !s.holds || System.nanoTime() - crowdedAt < quiet || width.get() == 1) {
            return false;
        }
        if (waiting.getAsBoolean()) {
            crowdedAt = System.nanoTime(); // still busy: the widening is not refreshed while wide, only here
            return false;
        }
        for (int w = width.get(); w > 1; w = width.get()) {
            if (width.compareAndSet(w, w - 1)) {
                s.holds = false;
                return true;
            }
        }
        return false;
    }

    /** Requests are waiting: every worker may read. */
    void widen() {
        crowdedAt = System.nanoTime();
        for (int w = width.get(); w < workers; w = width.get()) {
            if (width.compareAndSet(w, workers)) {
                permits.release(workers - w);
                return;
            }
        }
    }

    /** The calling worker has read a request and is busy with it. */
    void begin() {
        Slot s = mine.get();
        s.since = System.nanoTime();
        if (!watching) {
            watching = true;
            LockSupport.unpark(watchdog);
        }
    }

    /** The request is answered. */
    void end() {
        mine.get().since = 0;
    }

    /** The calling worker stops (the connection is gone): another may read, and see that too. */
    void leave() {
        Slot s = mine.get();
        if (s.holds) {
            s.holds = false;
            permits.release();
        }
    }

    boolean mine() {
        return mine.get().holds;
    }

    /** Whether fewer than all workers may read now. */
    boolean narrow() {
        return width.get() < workers;
    }

    /** Stops the watchdog. */
    void close() {
        closed = true;
        LockSupport.unpark(watchdog);
    }

    /** When the oldest request in progress began, 0 if none is. */
    private long oldest() {
        long o = 0;
        for (Slot s : slots) {
            long since = s.since;
            if (since != 0 && (o == 0 || since - o < 0)) {
                o = since;
            }
        }
        return o;
    }

    private void watch() {
        int idle = 0;
        while (!closed) {
            long since = oldest();
            if (since != 0) {
                idle = 0;
                long wait = since + stall - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                    continue;
                }
                if (width.get() < workers && waiting.getAsBoolean()) {
                    widen(); // a long request, and others wait behind it
                }
                LockSupport.parkNanos(stall);
            } else if (++idle < 3) {
                LockSupport.parkNanos(stall);
            } else {
                watching = false;
                if (oldest() != 0) { // a request begun just before watching went false did not unpark us
                    watching = true;
                    continue;
                }
                LockSupport.park();
                idle = 0;
            }
        }
    }
}
