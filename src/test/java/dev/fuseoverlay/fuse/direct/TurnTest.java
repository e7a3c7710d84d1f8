package dev.fuseoverlay.fuse.direct;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One worker reads at a time; it keeps its turn across requests until it passes it on. */
class TurnTest {
    private final Turn turn = new Turn();

    /** Starts a worker that takes the turn; the latch opens when it has it. */
    private CountDownLatch other(Turn t) {
        CountDownLatch got = new CountDownLatch(1);
        Thread w = new Thread(() -> {
            t.take();
            got.countDown();
        });
        w.setDaemon(true);
        w.start();
        return got;
    }

    @Test
    void theReaderKeepsItsTurnUntilItPassesIt() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            turn.take();
            turn.take(); // the next request: no wait for a thread that has the turn
            assertTrue(turn.mine());
            CountDownLatch got = other(turn);
            assertFalse(got.await(300, TimeUnit.MILLISECONDS), "a second worker read while the first had the turn");
            turn.pass();
            assertFalse(turn.mine());
            assertTrue(got.await(10, TimeUnit.SECONDS), "the waiting worker got the turn once it was passed");
        });
    }

    @Test
    void passingWithoutTheTurnGivesNothingAway() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            turn.take();
            CountDownLatch passedByStranger = new CountDownLatch(1);
            Thread stranger = new Thread(() -> {
                turn.pass(); // a thread without the turn (a request run by the CDS training, say)
                passedByStranger.countDown();
            });
            stranger.start();
            assertTrue(passedByStranger.await(10, TimeUnit.SECONDS));
            CountDownLatch got = other(turn);
            assertFalse(got.await(300, TimeUnit.MILLISECONDS), "a stray pass let a second reader in");
            turn.pass();
            assertTrue(got.await(10, TimeUnit.SECONDS));
        });
    }
}
