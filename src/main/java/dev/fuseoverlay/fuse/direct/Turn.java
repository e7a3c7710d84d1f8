package dev.fuseoverlay.fuse.direct;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Whose turn it is to read the next request from /dev/fuse: one worker at a time, and it keeps the turn from
 * one request to the next. Only when it has been busy with one request for longer than the stall time (a
 * sync, a large copy-up, a slow disk) does a watchdog lend the turn to another worker, so that one long
 * request never holds up the others; the lender waits for the turn again once it has answered.
 *
 * <p>Why not every idle worker blocked in read(2), as libfuse does: the kernel wakes the worker that has
 * waited longest, so a client's requests go round all of them, and the scheduler then tends to place the
 * worker away from its client: a wake-up across CPUs for the request and another for the reply. On a
 * 2-CPU VM a request/reply pair across CPUs costs 40-50 us more than on one CPU (untar: 0.27 s with the
 * workers and tar pinned to one CPU, 0.90 s pinned apart). One reader keeps being the same thread. Handing
 * the turn on at every potentially long request instead (each sync) cost more than it saved: every handoff
 * is a wake-up of another worker, which then reads the client's next request.
 *
 * <p>The watchdog ticks only while requests come in (once per stall time at most) and parks when the
 * workers have been idle for a few ticks; the next request wakes it.
 */
final class Turn {
    /** How long one request may take before another worker is let in to read. */
    static final long STALL_NANOS = 5_000_000;

    private static final int IDLE = 0, BUSY = 1, LENT = 2;

    /** One worker's part: {@code state} is shared with the watchdog, {@code holds} is the worker's own. */
    private static final class Slot {
        final AtomicInteger state = new AtomicInteger(IDLE);
        volatile long since;
        boolean holds;
    }

    private final long stall;
    private final Semaphore permits = new Semaphore(1);
    private final ThreadLocal<Slot> mine = ThreadLocal.withInitial(Slot::new);
    private final Thread watchdog;
    /** The worker that read last. */
    private volatile Slot reader;
    /** Whether the watchdog is ticking (false: parked until the next request). */
    private volatile boolean watching = true;
    private volatile boolean closed;

    Turn() {
        this(STALL_NANOS);
    }

    Turn(long stallNanos) {
        this.stall = stallNanos;
        watchdog = new Thread(this::watch, "devfuse-watchdog");
        watchdog.setDaemon(true);
    }

    /** Starts the watchdog (before the workers read). */
    Turn start() {
        watchdog.start();
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

    /** The calling worker (which has the turn) has read a request and is busy with it. */
    void begin() {
        Slot s = mine.get();
        s.since = System.nanoTime();
        s.state.set(BUSY);
        reader = s;
        if (!watching) {
            watching = true;
            LockSupport.unpark(watchdog);
        }
    }

    /** The request is answered; if the turn was lent meanwhile, another worker reads now and this one waits. */
    void end() {
        Slot s = mine.get();
        if (!s.state.compareAndSet(BUSY, IDLE)) {
            s.state.set(IDLE);
            s.holds = false; // the permit went to the worker it was lent to
        }
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

    /** Stops the watchdog. */
    void close() {
        closed = true;
        LockSupport.unpark(watchdog);
    }

    private void watch() {
        int quiet = 0;
        while (!closed) {
            Slot r = reader;
            if (r != null && r.state.get() == BUSY) {
                quiet = 0;
                long wait = r.since + stall - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                } else {
                    if (r.state.compareAndSet(BUSY, LENT)) {
                        permits.release(); // a waiting worker reads meanwhile
                    }
                    LockSupport.parkNanos(stall);
                }
            } else if (++quiet < 3) {
                LockSupport.parkNanos(stall);
            } else {
                watching = false;
                Slot again = reader; // a request read just before watching went false did not unpark us
                if (again != null && again.state.get() == BUSY) {
                    watching = true;
                    continue;
                }
                LockSupport.park();
                quiet = 0;
            }
        }
    }
}
