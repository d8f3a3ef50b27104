package io.loopwire.alert;

/**
 * The counters of a {@link QueuedAlertSink}, read from its {@link RetryingAlertQueue}: what e-mail, Alertmanager and
 * webhook sinks share, so each says only how it delivers.
 *
 * @implNote The counters are atomic and may be read from any thread.
 */
abstract class QueueBackedSink implements QueuedAlertSink {

    /** The sink's queue (made in the sink's constructor, since it delivers through the sink's own methods). */
    abstract RetryingAlertQueue queue();

    @Override
    public long sent() {
        return queue().sent();
    }

    @Override
    public long failed() {
        return queue().failed();
    }

    @Override
    public long retried() {
        return queue().retried();
    }

    @Override
    public long dropped() {
        return queue().dropped();
    }

    @Override
    public long droppedReminders() {
        return queue().droppedReminders();
    }

    @Override
    public int pending() {
        return queue().pending();
    }
}
