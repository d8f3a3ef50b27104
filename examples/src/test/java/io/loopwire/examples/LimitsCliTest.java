package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each limit is checked once, by the library's builder; the command prints the builder's bound under the flag's name
 * and exits 2, before anything listens.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LimitsCliTest {

    @Test
    void aLimitOutOfBoundsIsAUsageErrorInTheFlagsWords() throws Exception {
        String[][] cases = {
            {"--max-frame", "0", "--max-frame must be in 1..16777216 (16 MiB), was 0"},
            {"--max-frame", "17MiB", "--max-frame must be in 1..16777216 (16 MiB), was 17825792"},
            {"--max-outbound", "100", "--max-outbound must be at least 1024 (1 KiB), was 100"},
            {"--carry-budget", "1KiB", "--carry-budget must be at least 65536 (64 KiB), was 1024"},
            {"--udp-max-members", "0", "--udp-max-members must be at least 1, was 0"},
            {"--udp-max-members-per-ip", "-1", "--udp-max-members-per-ip must be >= 0 (0 = no cap), was -1"},
        };
        for (String[] c : cases) {
            try (JarProcess p = JarProcess.start("server", "--tcp-port", "0", "--udp-port", "0", c[0], c[1])) {
                assertThat(p.awaitExit()).as(p.describe()).isEqualTo(2);
                assertThat(p.stderr().get(0)).as(p.describe()).contains(c[2]);
                assertThat(p.stdout()).as("nothing listened").isEmpty();
            }
        }
    }
}
