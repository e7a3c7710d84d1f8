package dev.fuseoverlay.fuse.direct;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One worker reads while nothing waits and keeps its turn across requests; waiting requests (seen when a
 * request starts, or by the watchdog behind a stalled one) let every worker read; once quiet, the readers
 * beyond the first step back.
 */
class TurnTest {
    private static final long LONG = TimeUnit.SECONDS.toNanos(60);
    private final AtomicBoolean waiting = new AtomicBoolean();
    private Turn turn;

    @AfterEach
    void stop() {
        if (turn != null) {
            turn.close();
        }
    }

    /** A worker that takes the turn (the latch opens when it has it) and then leaves at once. */
    private CountDownLatch other() {
        CountDownLatch got = new CountDownLatch(1);
        Thread w = new Thread(() -> {
            turn.take();
            got.countDown();
            turn.leave();
        });
        w.setDaemon(true);
        w.start();
        return got;
    }

    @Test
    void oneClientKeepsOneReader() {
        turn = new Turn(4, waiting::get, LONG, LONG).start();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            turn.take();
            for (int i = 0; i < 1000; i++) {
                turn.begin();
                turn.end();
                assertFalse(turn.stepBack(), "the only reader never steps back");
                turn.take(); // the next request: no wait for the worker that has the turn
            }
            CountDownLatch got = other();
            turn.begin(); // busy, far from the stall time, nothing waiting
            assertFalse(got.await(300, TimeUnit.MILLISECONDS), "a second worker read while one client was served");
            turn.end();
            assertTrue(turn.mine() && turn.narrow());
            turn.leave();
            assertTrue(got.await(10, TimeUnit.SECONDS), "the waiting worker got the turn once it was given up");
        });
    }

    @Test
    void waitingRequestsLetEveryWorkerReadAndQuietNarrowsAgain() {
        turn = new Turn(3, waiting::get, LONG, TimeUnit.MILLISECONDS.toNanos(100)).start();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            turn.take();
            turn.begin();
            turn.widen(); // a request started while another was waiting
            CountDownLatch second = new CountDownLatch(1);
            CountDownLatch third = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(2);
            for (CountDownLatch got : new CountDownLatch[] {second, third}) {
                Thread w = new Thread(() -> {
                    turn.take();
                    got.countDown();
                    while (!turn.stepBack()) { // reads until the load has gone down
                        Thread.onSpinWait();
                    }
                    done.countDown();
                });
                w.setDaemon(true);
                w.start();
            }
            assertTrue(second.await(10, TimeUnit.SECONDS) && third.await(10, TimeUnit.SECONDS), "all three read at once");
            assertFalse(turn.narrow());
            turn.end();
            assertTrue(done.await(10, TimeUnit.SECONDS), "the readers beyond the first stepped back once quiet");
            assertTrue(turn.narrow());
            assertFalse(turn.stepBack(), "the last reader stays");
            assertTrue(turn.mine());
        });
    }

    @Test
    void aStalledRequestWidensOnlyWhenOthersWait() {
        turn = new Turn(2, waiting::get, TimeUnit.MILLISECONDS.toNanos(20), LONG).start();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            turn.take();
            turn.begin(); // and stays busy, past the stall time
            CountDownLatch got = other();
            assertFalse(got.await(300, TimeUnit.MILLISECONDS), "widened with nothing waiting");
            waiting.set(true);
            assertTrue(got.await(10, TimeUnit.SECONDS), "the watchdog let a second worker read behind the stalled one");
            turn.end();
            assertTrue(turn.mine(), "the stalled worker keeps reading too");
        });
    }

    @Test
    void aStalledRequestIsSeenAfterTheWorkersThatCameLaterSteppedBack() {
        turn = new Turn(3, waiting::get, TimeUnit.MILLISECONDS.toNanos(20), TimeUnit.MILLISECONDS.toNanos(50)).start();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            turn.take();
            turn.begin(); // stalls from here on
            turn.widen();
            CountDownLatch gone = new CountDownLatch(2);
            for (int i = 0; i < 2; i++) {
                Thread w = new Thread(() -> {
                    turn.take();
                    turn.begin(); // a quick request, begun after the stalled one
                    turn.end();
                    while (!turn.stepBack()) {
                        Thread.onSpinWait();
                    }
                    gone.countDown();
                });
                w.setDaemon(true);
                w.start();
            }
            assertTrue(gone.await(10, TimeUnit.SECONDS));
            assertTrue(turn.narrow(), "only the stalled worker holds the turn");
            CountDownLatch got = other();
            waiting.set(true);
            assertTrue(got.await(10, TimeUnit.SECONDS), "the watchdog saw the stalled request, not only the last one begun");
            turn.end();
        });
    }

    @Test
    void noReaderStepsBackWhileRequestsWait() {
        turn = new Turn(2, waiting::get, LONG, TimeUnit.MILLISECONDS.toNanos(20)).start();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            turn.take();
            turn.widen();
            waiting.set(true); // the clients keep the device busy
            Thread.sleep(100); // past the quiet time since the widening
            assertFalse(turn.stepBack(), "stepped back with requests waiting");
            assertFalse(turn.narrow());
            waiting.set(false);
            Thread.sleep(100);
            assertTrue(turn.stepBack(), "quiet again: the turn narrows");
            assertTrue(turn.narrow());
        });
    }

    @Test
    void readersAllLetsEveryWorkerReadAlways() {
        turn = new Turn(3, waiting::get, true).start();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            turn.take();
            turn.begin(); // nothing waiting, nothing widened
            CountDownLatch second = other();
            CountDownLatch third = other();
            assertTrue(second.await(10, TimeUnit.SECONDS) && third.await(10, TimeUnit.SECONDS), "all three read at once");
            turn.end();
            assertFalse(turn.narrow());
            assertFalse(turn.stepBack(), "no reader steps back with readers=all");
        });
    }
}
