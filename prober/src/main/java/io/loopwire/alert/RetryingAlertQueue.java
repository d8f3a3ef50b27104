package io.loopwire.alert;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;

/**
 * A bounded queue of alerts and the one daemon thread that delivers them through an {@link AlertDelivery}, with
 * retries; it knows nothing of how an alert travels.
 *
 * <p><b>Threading.</b> {@link #offer(Alert)} may be called from any thread (the reactor's among them) and never blocks
 * on delivery. The queue's own thread takes alerts one at a time, so a dead or stalled destination delays alerts,
 * never the caller.
 *
 * <p><b>Rules.</b> An alert counts as {@linkplain #sent() sent} only when the delivery returned. A failure that may
 * pass is retried up to {@code maxRetries} times with an exponential back-off ({@code initialBackoff}, doubling,
 * capped at {@code maxBackoff}); then the alert is {@linkplain #failed() failed}. A permanent failure is not retried;
 * it is logged once at ERROR (repeats of the same kind at DEBUG until a delivery succeeds again). When the queue holds
 * {@code capacity} alerts, the oldest {@link AlertKind#REMINDER} is dropped first, else the oldest alert.
 */
final class RetryingAlertQueue {

    private final Logger log;
    private final String destination;
    private final AlertDelivery delivery;
    private final int capacity;
    private final int maxRetries;
    private final long initialBackoffNanos;
    private final long maxBackoffNanos;
    private final Thread thread;
    /** Whether a delivered reminder is logged at DEBUG (a sink that re-sends every minute) rather than INFO. */
    private final boolean quietReminders;
    /** Told of each alert given up, or null (then the give-ups are logged at ERROR). */
    private final GivenUp givenUp;

    /** Hears of each alert given up, on the queue's thread. */
    interface GivenUp {
        /**
         * @param attempts deliveries tried for it
         * @param why the last failure in one short sentence
         */
        void givenUp(Alert alert, int attempts, String why);
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Alert> queue = new ArrayDeque<>();
    /** Guarded by {@link #lock}. */
    private boolean closing;
    /** Guarded by {@link #lock}; meaningful once {@link #closing}. */
    private long closeDeadlineNanos;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedReminders = new AtomicLong();
    /** Whether "queue full" was logged at WARN since the last successful delivery. */
    private final AtomicBoolean fullWarned = new AtomicBoolean();
    /** Queue thread only: the permanent failure last logged at ERROR, so each kind is logged once. */
    private String permanentFailureLogged;

    /**
     * Starts the delivery thread, named {@code threadName}. {@code destination} names where alerts go in what is
     * logged to {@code log} (the owner's logger, so users find the lines under the sink they configured).
     */
    RetryingAlertQueue(Logger log, String destination, AlertDelivery delivery, int capacity, int maxRetries,
            Duration initialBackoff, Duration maxBackoff, String threadName) {
        this(log, destination, delivery, capacity, maxRetries, initialBackoff, maxBackoff, threadName, false);
    }

    /** As above; {@code quietReminders} logs delivered {@link AlertKind#REMINDER}s at DEBUG instead of INFO. */
    RetryingAlertQueue(Logger log, String destination, AlertDelivery delivery, int capacity, int maxRetries,
            Duration initialBackoff, Duration maxBackoff, String threadName, boolean quietReminders) {
        this(log, destination, delivery, capacity, maxRetries, initialBackoff, maxBackoff, threadName, quietReminders,
                null);
    }

    /**
     * As above; a non-null {@code givenUp} is told of every alert given up (on the queue's thread), and then the
     * retries and give-ups are logged at DEBUG only: the owner reports them, once each.
     */
    RetryingAlertQueue(Logger log, String destination, AlertDelivery delivery, int capacity, int maxRetries,
            Duration initialBackoff, Duration maxBackoff, String threadName, boolean quietReminders,
            GivenUp givenUp) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative: " + maxRetries);
        }
        this.log = Objects.requireNonNull(log, "log");
        this.destination = Objects.requireNonNull(destination, "destination");
        this.delivery = Objects.requireNonNull(delivery, "delivery");
        this.capacity = capacity;
        this.maxRetries = maxRetries;
        this.initialBackoffNanos = initialBackoff.toNanos();
        this.maxBackoffNanos = maxBackoff.toNanos();
        this.quietReminders = quietReminders;
        this.givenUp = givenUp;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues the alert and returns at once; after {@link #close} the alert is counted as dropped. */
    void offer(Alert alert) {
        Objects.requireNonNull(alert, "alert");
        Alert evicted = null;
        boolean rejected = false;
        lock.lock();
        try {
            if (closing) {
                rejected = true;
            } else {
                if (queue.size() >= capacity) {
                    evicted = evictOne();
                }
                queue.addLast(alert);
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (rejected) {
            dropped.incrementAndGet();
            log.warn("alerts to {} are closed; alert not sent: {}", destination, alert.subject());
        } else if (evicted != null) {
            // Once per episode at WARN: a dead destination under a burst must not turn the loop into a log writer.
            String what = evicted.kind() == AlertKind.REMINDER ? "reminder" : "alert";
            if (fullWarned.compareAndSet(false, true)) {
                log.warn("alert queue for {} full ({} alerts); dropped the oldest {}: {} (further drops are counted "
                        + "and logged at DEBUG until a delivery succeeds)", destination, capacity, what,
                        evicted.subject());
            } else {
                log.debug("alert queue for {} full; dropped the oldest {}: {}", destination, what, evicted.subject());
            }
        }
    }

    /** Removes the oldest reminder, else the oldest alert. Called with the lock held and the queue full. */
    private Alert evictOne() {
        for (Iterator<Alert> it = queue.iterator(); it.hasNext(); ) {
            Alert a = it.next();
            if (a.kind() == AlertKind.REMINDER) {
                it.remove();
                droppedReminders.incrementAndGet();
                return a;
            }
        }
        dropped.incrementAndGet();
        return queue.pollFirst();
    }

    /**
     * Delivers what is queued (retrying as configured) for at most {@code grace}, then stops the thread; alerts not
     * delivered by then are counted as dropped. Returns within about {@code grace} even if a delivery is stuck (that
     * one ends by its own timeout on the daemon thread).
     */
    void close(Duration grace) {
        lock.lock();
        try {
            if (!closing) {
                closing = true;
                closeDeadlineNanos = System.nanoTime() + grace.toNanos();
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(Math.max(1, grace.toMillis()) + 100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("alert thread for {} still busy after the {} grace; {} alerts left undelivered", destination,
                    grace, pending());
        }
    }

    long sent() {
        return sent.get();
    }

    long failed() {
        return failed.get();
    }

    long retried() {
        return retried.get();
    }

    long attempts() {
        return attempts.get();
    }

    long dropped() {
        return dropped.get();
    }

    long droppedReminders() {
        return droppedReminders.get();
    }

    int pending() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    // ---- the delivery thread ----

    private void run() {
        try {
            Alert alert;
            while ((alert = next()) != null) {
                deliver(alert);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            int left;
            lock.lock();
            try {
                left = queue.size();
                queue.clear();
            } finally {
                lock.unlock();
            }
            if (left > 0) {
                dropped.addAndGet(left);
                log.warn("alerts to {}: {} still queued at close were not sent", destination, left);
            }
        }
    }

    /** The next alert to deliver, or {@code null} when closed and drained or the close deadline passed. */
    private Alert next() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty() && !closing) {
                changed.await();
            }
            if (queue.isEmpty() || (closing && System.nanoTime() - closeDeadlineNanos >= 0)) {
                return null;
            }
            return queue.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    private void deliver(Alert alert) throws InterruptedException {
        long backoffNanos = initialBackoffNanos;
        for (int attempt = 1; ; attempt++) {
            attempts.incrementAndGet();
            long t0 = System.nanoTime();
            try {
                delivery.deliver(alert);
                sent.incrementAndGet();
                fullWarned.set(false);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                if (quietReminders && alert.kind() == AlertKind.REMINDER) {
                    log.debug("alert delivered to {} in {} ms: {}", destination, ms, alert.subject());
                } else {
                    log.info("alert delivered to {} in {} ms: {}", destination, ms, alert.subject());
                }
                if (permanentFailureLogged != null) {
                    log.info("alerts to {} go through again", destination);
                    permanentFailureLogged = null;
                }
                return;
            } catch (AlertDelivery.Failure f) {
                // Logged (or reported) before counted: whoever waits for the count then finds the line.
                if (f.permanent()) {
                    if (givenUp != null) {
                        log.debug("alert to {} failed: {}: {}; not retried", destination, f.permanentKind(),
                                f.getMessage());
                        report(alert, attempt, f.summary());
                    } else {
                        logPermanent(f, alert);
                    }
                    failed.incrementAndGet();
                    return;
                }
                if (attempt > maxRetries) {
                    if (givenUp != null) {
                        log.debug("alert to {} failed {} times, giving up: {}", destination, attempt, f.getMessage());
                        report(alert, attempt, f.summary());
                    } else {
                        log.error("alert to {} failed {} times, giving up: {}; alert: {}", destination, attempt,
                                f.getMessage(), alert.subject());
                    }
                    failed.incrementAndGet();
                    return;
                }
                if (givenUp != null || attempt > 1) {
                    // One line per alert at WARN, the first failure; the retries only at DEBUG (the give-up is an
                    // ERROR, or the reporter's line): a dead endpoint must not flood the console.
                    log.debug("alert to {} failed (attempt {} of {}): {}; retrying in {} ms", destination, attempt,
                            maxRetries + 1, f.getMessage(), TimeUnit.NANOSECONDS.toMillis(backoffNanos));
                } else {
                    log.warn("alert to {} failed (attempt {} of {}, after {} ms): {}; retrying in {} ms",
                            destination, attempt, maxRetries + 1,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), f.getMessage(),
                            TimeUnit.NANOSECONDS.toMillis(backoffNanos));
                }
                if (!pause(backoffNanos)) {
                    if (givenUp != null) {
                        report(alert, attempt, f.summary() + "; stopped before the next attempt");
                    } else {
                        log.error("alerts to {}: closing before a retry could be made; alert given up: {}",
                                destination, alert.subject());
                    }
                    failed.incrementAndGet();
                    return;
                }
                retried.incrementAndGet();
                backoffNanos = Math.min(backoffNanos * 2, maxBackoffNanos);
            }
        }
    }

    /** Tells the owner of an alert given up; a listener that throws cannot stop the queue's thread. */
    private void report(Alert alert, int attempts, String why) {
        try {
            givenUp.givenUp(alert, attempts, why);
        } catch (RuntimeException e) {
            log.warn("reporting an alert given up by {} failed: {}", destination, e.toString());
        }
    }

    private void logPermanent(AlertDelivery.Failure f, Alert alert) {
        if (!f.permanentKind().equals(permanentFailureLogged)) {
            permanentFailureLogged = f.permanentKind();
            log.error("alert to {} failed: {}: {}. Not retried (retrying cannot fix it); alert given up: {}",
                    destination, f.permanentKind(), f.getMessage(), alert.subject());
        } else {
            log.debug("alert to {} failed again ({}); alert given up: {}", destination, f.permanentKind(),
                    alert.subject());
        }
    }

    /** Waits {@code nanos} unless the close deadline comes first; false if it did. */
    private boolean pause(long nanos) throws InterruptedException {
        final long end = System.nanoTime() + nanos;
        lock.lock();
        try {
            while (true) {
                long now = System.nanoTime();
                if (closing && now - closeDeadlineNanos >= 0) {
                    return false;
                }
                if (now - end >= 0) {
                    return true;
                }
                long until = closing && closeDeadlineNanos - end < 0 ? closeDeadlineNanos : end;
                changed.awaitNanos(until - now);
            }
        } finally {
            lock.unlock();
        }
    }
}
