package io.loopwire.alert;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * The times a target's state changed within the flapping window: what {@link AlertPolicy} and
 * {@link CertificatePolicy} count to call a target flapping.
 *
 * @implNote Not thread-safe: owned by its policy's thread.
 */
final class ChangeWindow {
    private final ArrayDeque<Instant> changes = new ArrayDeque<>();

    /** Records a change at {@code now}, forgets those older than {@code window}, and returns how many remain. */
    int record(Instant now, Duration window) {
        Instant oldest = now.minus(window);
        while (!changes.isEmpty() && changes.peekFirst().isBefore(oldest)) {
            changes.pollFirst();
        }
        changes.addLast(now);
        return changes.size();
    }

    int size() {
        return changes.size();
    }

    void clear() {
        changes.clear();
    }
}
