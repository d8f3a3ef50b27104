package io.loopwire.alert;

import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where alerts go. {@link #send(Alert)} is called on the reactor (loop) thread, so it must not block: a sink that does
 * slow I/O (e-mail) queues the alert and delivers it on a thread of its own.
 */
public interface AlertSink {

    /** Hands over one alert. Must return quickly and must not throw for delivery problems (count and log them). */
    void send(Alert alert);

    /**
     * Delivers what is still pending, waiting at most {@code grace}, then releases resources. Further sends are
     * ignored. The default does nothing.
     */
    default void close(Duration grace) {
    }

    /** A sink that hands every alert to each of {@code sinks} in order; one failing sink does not stop the others. */
    static AlertSink all(AlertSink... sinks) {
        final List<AlertSink> list = List.of(sinks);
        return new AlertSink() {
            private final Logger log = LoggerFactory.getLogger(AlertSink.class);

            @Override
            public void send(Alert alert) {
                for (AlertSink s : list) {
                    try {
                        s.send(alert);
                    } catch (RuntimeException e) {
                        log.error("alert sink {} failed on: {}", s, alert.subject(), e);
                    }
                }
            }

            @Override
            public void close(Duration grace) {
                // Sinks close one after another; each gets the same grace (they are rarely more than two).
                for (AlertSink s : list) {
                    s.close(grace);
                }
            }
        };
    }
}
