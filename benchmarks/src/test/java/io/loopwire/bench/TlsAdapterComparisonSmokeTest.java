package io.loopwire.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A short run of the adapter comparison: both TLS servers (ours and the tls-channel peer) complete handshakes, echo
 * every burst, and are measured (a figure line each, with messages, idle heap and the server thread's CPU).
 */
@Timeout(180)
class TlsAdapterComparisonSmokeTest {
    private static final Pattern LINE = Pattern.compile(
            "tls-adapter server=(\\S+) idle_heap_per_connection=(-?\\d+) .* messages=(\\d+)"
                    + " server_cpu_ns_per_message=(\\d+) server_bytes_per_message=");

    @Test
    void bothAdaptersEchoAndAreMeasured() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            TlsAdapterComparison.main(new String[] {"--connections", "50", "--warmup", "1s", "--duration", "1s",
                "--servers", "loopwire-tls,tls-channel", "--child-jvm", "-Xmx256m"});
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        System.out.print(output);
        List<String> lines = Arrays.stream(output.split("\n")).filter(l -> l.startsWith("tls-adapter ")).toList();
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            assertThat(m.find()).as(line).isTrue();
            assertThat(Long.parseLong(m.group(3))).as("messages echoed, " + line).isGreaterThan(100);
            assertThat(Long.parseLong(m.group(2))).as("idle heap per connection, " + line).isGreaterThan(0);
            assertThat(Long.parseLong(m.group(4))).as("server CPU per message, " + line).isGreaterThan(0);
        }
        assertThat(lines.get(0)).contains("server=loopwire-tls");
        assertThat(lines.get(1)).contains("server=tls-channel");
    }
}
