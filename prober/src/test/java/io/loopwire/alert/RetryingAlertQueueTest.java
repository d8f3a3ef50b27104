package io.loopwire.alert;

import static io.loopwire.alert.MailTestSupport.alert;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.probe.LinkState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The retrying queue's rules with a fake delivery: retries with back-off, permanent failures, eviction, close. */
@Timeout(30)
class RetryingAlertQueueTest {

    private static final Logger LOG = LoggerFactory.getLogger(RetryingAlertQueueTest.class);
    private static final Duration FAST = Duration.ofMillis(10);

    /** Fails the first {@code failures} attempts (transient, or permanent), then accepts; records what it accepted. */
    private static final class FakeDelivery implements AlertDelivery {
        final List<String> accepted = new CopyOnWriteArrayList<>();
        final AtomicInteger calls = new AtomicInteger();
        final int failures;
        final String permanentKind;

        FakeDelivery(int failures, String permanentKind) {
            this.failures = failures;
            this.permanentKind = permanentKind;
        }

        @Override
        public void deliver(Alert alert) throws Failure {
            if (calls.incrementAndGet() <= failures) {
                throw new Failure(permanentKind, "refused by the fake", null);
            }
            accepted.add(alert.subject());
        }
    }

    @Test
    void aListenerHearsOnceOfEachAlertGivenUpAndTheLogStaysQuiet() throws Exception {
        List<String> told = new CopyOnWriteArrayList<>();
        RetryingAlertQueue.GivenUp listener = (alert, attempts, why) ->
                told.add(alert.subject() + " after " + attempts + ": " + why);
        try (MailTestSupport.LogCapture logs = new MailTestSupport.LogCapture()) {
            RetryingAlertQueue retried = new RetryingAlertQueue(LOG, "fake", new FakeDelivery(100, null), 10, 2, FAST,
                    FAST, "test-alerts", false, listener);
            RetryingAlertQueue permanent = new RetryingAlertQueue(LOG, "fake", new FakeDelivery(100, "refused"), 10, 2,
                    FAST, FAST, "test-alerts", false, listener);
            try {
                Alert down = alert(AlertKind.CHANGE, "a:1", LinkState.DOWN);
                retried.offer(down);
                Poll.until(() -> retried.failed() == 1, "given up after its retries");
                permanent.offer(down);
                Poll.until(() -> permanent.failed() == 1, "given up at once");
                assertThat(told).containsExactly(down.subject() + " after 3: refused by the fake",
                        down.subject() + " after 1: refused by the fake");
                assertThat(logs.lines("WARN")).as("retries are not logged above DEBUG").isEmpty();
                assertThat(logs.lines("ERROR")).as("the listener tells, the log does not repeat it").isEmpty();
            } finally {
                retried.close(Duration.ofSeconds(1));
                permanent.close(Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void transientFailuresAreRetriedUntilAccepted() throws Exception {
        FakeDelivery fake = new FakeDelivery(3, null);
        RetryingAlertQueue q = new RetryingAlertQueue(LOG, "fake", fake, 10, 5, FAST, FAST, "test-alerts");
        try {
            q.offer(alert(AlertKind.CHANGE, "a:1", LinkState.DOWN));
            Poll.until(() -> q.sent() == 1, "sent after retries");
            assertThat(q.attempts()).isEqualTo(4);
            assertThat(q.retried()).isEqualTo(3);
            assertThat(q.failed()).isZero();
            assertThat(fake.accepted).hasSize(1);
        } finally {
            q.close(Duration.ofSeconds(1));
        }
    }

    @Test
    void anAlertIsGivenUpAfterMaxRetries() throws Exception {
        FakeDelivery fake = new FakeDelivery(Integer.MAX_VALUE, null);
        RetryingAlertQueue q = new RetryingAlertQueue(LOG, "fake", fake, 10, 2, FAST, FAST, "test-alerts");
        try {
            q.offer(alert(AlertKind.CHANGE, "a:1", LinkState.DOWN));
            Poll.until(() -> q.failed() == 1, "given up");
            assertThat(q.attempts()).isEqualTo(3);
            assertThat(q.sent()).isZero();
        } finally {
            q.close(Duration.ofSeconds(1));
        }
    }

    @Test
    void permanentFailuresAreNeverRetried() throws Exception {
        FakeDelivery fake = new FakeDelivery(2, "authentication refused");
        RetryingAlertQueue q = new RetryingAlertQueue(LOG, "fake", fake, 10, 5, FAST, FAST, "test-alerts");
        try {
            q.offer(alert(AlertKind.CHANGE, "a:1", LinkState.DOWN));
            q.offer(alert(AlertKind.CHANGE, "b:1", LinkState.DOWN));
            q.offer(alert(AlertKind.CHANGE, "c:1", LinkState.DOWN));
            Poll.until(() -> q.failed() + q.sent() == 3, "all three handled");
            assertThat(q.failed()).isEqualTo(2);
            assertThat(q.sent()).isEqualTo(1);
            assertThat(q.retried()).isZero();
            assertThat(fake.calls.get()).isEqualTo(3);
        } finally {
            q.close(Duration.ofSeconds(1));
        }
    }

    @Test
    void aFullQueueDropsRemindersFirstAndOfferNeverBlocks() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inFlight = new CountDownLatch(1);
        AlertDelivery stuck = alert -> {
            inFlight.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        RetryingAlertQueue q = new RetryingAlertQueue(LOG, "fake", stuck, 2, 0, FAST, FAST, "test-alerts");
        try {
            q.offer(alert(AlertKind.CHANGE, "first:1", LinkState.DOWN));
            Poll.await(inFlight, "first alert in flight");
            q.offer(alert(AlertKind.REMINDER, "r:1", LinkState.DOWN));
            q.offer(alert(AlertKind.CHANGE, "c1:1", LinkState.DOWN));
            q.offer(alert(AlertKind.CHANGE, "c2:1", LinkState.DOWN)); // drops the reminder
            q.offer(alert(AlertKind.CHANGE, "c3:1", LinkState.DOWN)); // drops c1
            assertThat(q.pending()).isEqualTo(2);
            assertThat(q.droppedReminders()).isEqualTo(1);
            assertThat(q.dropped()).isEqualTo(1);
            release.countDown();
            Poll.until(() -> q.sent() == 3, "the rest delivered");
        } finally {
            release.countDown();
            q.close(Duration.ofSeconds(1));
        }
    }

    @Test
    void closeStopsRetryingAtTheGraceAndCountsWhatIsLeft() throws Exception {
        FakeDelivery fake = new FakeDelivery(Integer.MAX_VALUE, null);
        RetryingAlertQueue q = new RetryingAlertQueue(LOG, "fake", fake, 10, 100, Duration.ofSeconds(5),
                Duration.ofSeconds(5), "test-alerts");
        q.offer(alert(AlertKind.CHANGE, "a:1", LinkState.DOWN));
        q.offer(alert(AlertKind.CHANGE, "b:1", LinkState.DOWN));
        Poll.until(() -> q.attempts() == 1, "first attempt made");
        long t0 = System.nanoTime();
        q.close(Duration.ofMillis(200));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000);
        // a's back-off was cut short by the close; b was never tried
        Poll.until(() -> q.failed() == 1 && q.dropped() == 1, "a failed, b dropped");
        q.offer(alert(AlertKind.CHANGE, "c:1", LinkState.DOWN));
        assertThat(q.dropped()).isEqualTo(2);
    }
}
