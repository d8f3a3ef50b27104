package io.loopwire.alert;

/**
 * A sink that delivers on a thread of its own through a bounded, retrying queue (e-mail, Alertmanager, webhook), and
 * counts what became of its deliveries. {@link #send} only queues, so it is safe on the reactor thread.
 *
 * @implNote The counters are atomic and may be read from any thread.
 */
public interface QueuedAlertSink extends AlertSink {

    /** Deliveries the destination accepted. */
    long sent();

    /** Deliveries given up: attempts exhausted, or refused in a way retrying cannot fix. */
    long failed();

    /** Retries made (attempts after the first). */
    long retried();

    /** Deliveries other than reminders dropped unsent: queue full, or still queued when closed. */
    long dropped();

    /** Reminders dropped because the queue was full. */
    long droppedReminders();

    /** Deliveries waiting in the queue (not counting one in progress). */
    int pending();
}
