package io.loopwire.examples;

import sun.misc.Signal;

/**
 * SIGINT (Ctrl-C) and SIGTERM as a request for a command's own clean stop. A shutdown hook cannot change the exit
 * status (the JVM then exits 130 or 143 whatever the command does), so the signals are caught instead: the command
 * finishes its in-flight work, prints its summary and returns 0 from {@code call()}, as the exit-code table says.
 *
 * <p>Thread-safety: {@link #onStop} may be called from any thread; {@code stop} runs on a new thread of its own per
 * signal, so it may block (closing a loop waits for its grace period), and must be safe to run twice.
 */
final class StopSignals {
    private StopSignals() {
    }

    /** Runs {@code stop} on the first SIGINT or SIGTERM (later ones run it again: it must be idempotent). */
    static void onStop(Runnable stop) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    Thread stopping = new Thread(stop, "loopwire-stop-" + signal.getName());
                    stopping.setDaemon(true);
                    stopping.start();
                });
            } catch (IllegalArgumentException e) {
                // The JVM keeps this signal for itself (e.g. -Xrs): its default handling stays.
            }
        }
    }
}
