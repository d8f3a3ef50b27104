package io.loopwire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A group's loops are separate threads named loopwire-loop-i, handed out in turn, closed together. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ReactorGroupTest {

    @Test
    void loopsRunOnTheirOwnNamedThreadsAndAreHandedOutInTurn() throws Exception {
        ReactorGroup group = new ReactorGroup(3).start();
        try {
            Set<String> names = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                names.add(group.get(i).call(() -> Thread.currentThread().getName()));
            }
            assertThat(names).containsExactlyInAnyOrder("loopwire-loop-0", "loopwire-loop-1", "loopwire-loop-2");
            assertThat(group.next()).isSameAs(group.get(0));
            assertThat(group.next()).isSameAs(group.get(1));
            assertThat(group.next()).isSameAs(group.get(2));
            assertThat(group.next()).isSameAs(group.get(0));
        } finally {
            group.close(Duration.ofMillis(200));
        }
        assertThat(group.awaitTermination(Duration.ofSeconds(5))).isTrue();
        for (Reactor r : group.reactors()) {
            assertThat(r.isClosing()).isTrue();
        }
    }

    @Test
    void loopCountOutsideItsRangeIsRefusedNamingTheLimit() {
        assertThatThrownBy(() -> new ReactorGroup(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..256").hasMessageContaining("0");
        assertThatThrownBy(() -> new ReactorGroup(257)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("257");
    }
}
