package dev.fuseoverlay.fuse.direct;

import java.util.concurrent.Semaphore;

/**
 * Whose turn it is to read the next request from /dev/fuse: one worker at a time, and it keeps the turn from
 * one request to the next unless it passes it on before a long piece of work (a sync, a large read or write,
 * the data of a large copy-up).
 *
 * <p>Why not every idle worker blocked in read(2), as libfuse does: the kernel wakes the worker that has
 * waited longest, so a client's requests go round all of them, and the scheduler then places each worker
 * away from the client (a cross-CPU wake-up for the request and another for the reply). On a 2-CPU VM
 * a request/reply pair across CPUs cost 40-50 us more than on one CPU: untar 0.27 s with the worker and the
 * client pinned to one CPU, 0.90 s pinned apart. One reader keeps being the same thread, which the
 * scheduler keeps next to its client; the other workers only matter while the reader is busy.
 */
final class Turn {
    private final Semaphore turn = new Semaphore(1);
    private final ThreadLocal<boolean[]> mine = ThreadLocal.withInitial(() -> new boolean[1]);

    /** Waits for the turn unless the calling thread has it. */
    void take() {
        boolean[] m = mine.get();
        if (!m[0]) {
            turn.acquireUninterruptibly();
            m[0] = true;
        }
    }

    /** Gives the turn up if the calling thread has it (another waiting worker reads next). */
    void pass() {
        boolean[] m = mine.get();
        if (m[0]) {
            m[0] = false;
            turn.release();
        }
    }

    boolean mine() {
        return mine.get()[0];
    }
}
