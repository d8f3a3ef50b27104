package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopwire.Reactor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A target the prober could never reach is refused when it is given, not warned about at every send. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ProberTargetValidationTest {

    @Test
    void portZeroIsRefused() {
        try (Reactor reactor = new Reactor("prober-test")) {
            assertThatThrownBy(() -> LatencyProber.builder(reactor).target(new InetSocketAddress("127.0.0.1", 0)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("target 127.0.0.1:0: port 0 cannot be probed");
        }
    }
}
