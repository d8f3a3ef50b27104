package io.loopwire.examples;

import io.loopwire.Reactor;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * How a command's loop ended, as the CLI contract's exit status: 0 after a clean stop, 1 after a fatal error (the
 * loop died), with one line on stderr naming the cause, so a supervisor with restart-on-failure restarts us.
 */
final class LoopExit {
    private LoopExit() {
    }

    /** Counts {@code done} down when the loop stops, whatever stops it, so a command waiting on it cannot hang. */
    static void releaseWhenLoopStops(Reactor reactor, CountDownLatch done) {
        Thread watch = new Thread(() -> {
            reactor.awaitTermination(Duration.ofNanos(Long.MAX_VALUE)); // the loop's life: no bound to give
            done.countDown();
        }, "loopwire-loop-watch");
        watch.setDaemon(true);
        watch.start();
    }

    /** Whether the loop died of a fatal error; if so, says so in one line on stderr. */
    static boolean failed(String command, Reactor reactor) {
        Throwable failure = reactor.failure();
        if (failure == null) {
            return false;
        }
        System.err.println(command + ": fatal: the loop stopped: " + failure);
        System.err.flush();
        return true;
    }
}
