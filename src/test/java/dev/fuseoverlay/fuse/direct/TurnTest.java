package dev.fuseoverlay.fuse.direct;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One worker reads at a time and keeps its turn across requests; only a request that stalls past the stall
 * time lets another worker in, and the stalled one waits for the turn again once it has answered.
 */
class TurnTest {
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
    void quickRequestsKeepTheTurnWithOneWorker() {
        turn = new Turn(TimeUnit.SECONDS.toNanos(60)).start();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            turn.take();
            for (int i = 0; i < 1000; i++) {
                turn.begin();
                turn.end();
                turn.take(); // the next request: no wait for the worker that has the turn
            }
            assertTrue(turn.mine());
            CountDownLatch got = other();
            turn.begin(); // busy, but far from the stall time
            assertFalse(got.await(300, TimeUnit.MILLISECONDS), "a second worker read while the first had the turn");
            turn.end();
            assertTrue(turn.mine(), "a request that did not stall keeps the turn");
            turn.leave();
            assertTrue(got.await(10, TimeUnit.SECONDS), "the waiting worker got the turn once it was given up");
        });
    }

    @Test
    void aStalledRequestLendsTheTurnAndItsWorkerWaitsAfterwards() {
        turn = new Turn(TimeUnit.MILLISECONDS.toNanos(50)).start();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            turn.take();
            turn.begin(); // and stays busy
            CountDownLatch got = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread b = new Thread(() -> {
                turn.take();
                got.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                turn.leave();
            });
            b.setDaemon(true);
            b.start();
            assertTrue(got.await(10, TimeUnit.SECONDS), "the watchdog let a second worker read past the stall time");
            turn.end();
            assertFalse(turn.mine(), "the worker whose turn was lent gives it up when it has answered");
            CountDownLatch third = other();
            assertFalse(third.await(300, TimeUnit.MILLISECONDS), "two readers after the lent turn came back");
            release.countDown();
            assertTrue(third.await(10, TimeUnit.SECONDS));
        });
    }

    @Test
    void leavingWithoutTheTurnGivesNothingAway() {
        turn = new Turn(TimeUnit.SECONDS.toNanos(60)).start();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            turn.take();
            Thread stranger = new Thread(turn::leave); // a thread without the turn
            stranger.start();
            stranger.join();
            CountDownLatch got = other();
            assertFalse(got.await(300, TimeUnit.MILLISECONDS), "a stray leave let a second reader in");
            turn.leave();
            assertTrue(got.await(10, TimeUnit.SECONDS));
        });
    }
}
