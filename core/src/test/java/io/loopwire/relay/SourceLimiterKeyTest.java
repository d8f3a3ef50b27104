package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The strangers' slots depend on a per-instance secret: two limiters put the same addresses in different slots (so
 * no slot can be computed from outside), one limiter always puts an address in the same slot, and slots spread
 * evenly for IPv4 and IPv6 sources alike.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SourceLimiterKeyTest {

    @Test
    void slotsDependOnTheSecretAndAreStable() {
        SourceLimiter a = new SourceLimiter(100, 65536);
        SourceLimiter b = new SourceLimiter(100, 65536);
        int same = 0;
        int ports = 4096;
        for (int port = 1; port <= ports; port++) {
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", port);
            int slot = a.slotOf(addr);
            assertThat(a.slotOf(new InetSocketAddress("127.0.0.1", port))).isEqualTo(slot);
            if (b.slotOf(addr) == slot) {
                same++;
            }
        }
        // By chance 4096 / 8192 = 0.5 agreements are expected; an unkeyed hash would agree on all 4096.
        assertThat(same).as("addresses two limiters put in the same slot").isLessThan(8);
    }

    @Test
    void slotsSpreadForIpv4AndIpv6() {
        SourceLimiter limiter = new SourceLimiter(100, 65536);
        Set<Integer> v4 = new HashSet<>();
        Set<Integer> v6 = new HashSet<>();
        for (int port = 1; port <= 2000; port++) {
            v4.add(limiter.slotOf(new InetSocketAddress("10.0.0.1", port)));
            v6.add(limiter.slotOf(new InetSocketAddress("2001:db8::1", port)));
        }
        // 2000 balls in 8192 bins: about 1,780 distinct bins expected.
        assertThat(v4.size()).isGreaterThan(1650);
        assertThat(v6.size()).isGreaterThan(1650);
        assertThat(limiter.slotOf(new InetSocketAddress("2001:db8::1", 7)))
                .isNotEqualTo(-1).isBetween(0, SourceLimiter.SLOTS - 1);
    }
}
