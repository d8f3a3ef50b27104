package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ClassifierConfigTest {

    private static final ClassifierConfig DEFAULTS = ClassifierConfig.defaults();

    @Test
    void defaultsAreTheDesignValues() {
        assertThat(DEFAULTS.slow()).isEqualTo(Duration.ofMillis(100));
        assertThat(DEFAULTS.verySlow()).isEqualTo(Duration.ofMillis(300));
        assertThat(DEFAULTS.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(DEFAULTS.downAfter()).isEqualTo(3);
        assertThat(DEFAULTS.confirm()).isEqualTo(2);
    }

    @Test
    void slowMustBePositive() {
        assertThatThrownBy(() -> DEFAULTS.withSlow(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("slow 0ms must be greater than 0ms");
        assertThatThrownBy(() -> DEFAULTS.withSlow(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("slow -5ms must be greater than 0ms");
    }

    @Test
    void verySlowMustExceedSlow() {
        assertThatThrownBy(() -> DEFAULTS.withVerySlow(Duration.ofMillis(100)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("very-slow 100ms must be greater than slow 100ms");
        assertThatThrownBy(() -> DEFAULTS.withSlow(Duration.ofNanos(400_000_500)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("very-slow 300ms must be greater than slow 400000500ns");
    }

    @Test
    void timeoutMustExceedVerySlow() {
        assertThatThrownBy(() -> DEFAULTS.withTimeout(Duration.ofMillis(250)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout 250ms must be greater than very-slow 300ms");
        assertThat(DEFAULTS.withTimeout(Duration.ofMillis(301)).timeout()).isEqualTo(Duration.ofMillis(301));
    }

    @Test
    void countsMustBeAtLeastOne() {
        assertThatThrownBy(() -> DEFAULTS.withDownAfter(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("down-after 0 must be at least 1");
        assertThatThrownBy(() -> DEFAULTS.withConfirm(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("confirm -1 must be in 1..1000");
        assertThatThrownBy(() -> DEFAULTS.withConfirm(1001))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("confirm 1001 must be in 1..1000");
        assertThat(DEFAULTS.withDownAfter(1).withConfirm(1).confirm()).isEqualTo(1);
        assertThat(DEFAULTS.withConfirm(1000).confirm()).isEqualTo(1000);
    }

    @Test
    void subMillisecondThresholdsAreNamedExactly() {
        assertThatThrownBy(() -> DEFAULTS.withSlow(Duration.ofMillis(1)).withVerySlow(Duration.ofNanos(500_000)))
                .hasMessage("very-slow 500us must be greater than slow 1ms");
    }

    @Test
    void nullDurationsAreRejected() {
        assertThatThrownBy(() -> DEFAULTS.withSlow(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("slow");
    }
}
