package io.loopwire.alert;

import static io.loopwire.alert.MailTestSupport.FROM;
import static io.loopwire.alert.MailTestSupport.TO;
import static io.loopwire.alert.MailTestSupport.alert;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.probe.LinkState;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A full queue drops the oldest reminder first, then the oldest alert, and counts both. */
@Timeout(30)
class EmailQueueFullTest {

    @Test
    void oldestRemindersAreDroppedFirstThenOldestAlerts() throws Exception {
        // A silent server keeps the first alert in flight, so the next ones wait in the queue.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            EmailAlertSink sink = new EmailAlertSink(EmailConfig.builder()
                    .host("127.0.0.1").port(silent.getLocalPort()).security(EmailConfig.Security.NONE)
                    .from(FROM).to(TO)
                    .connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(5))
                    .maxRetries(0).queueCapacity(3)
                    .build());
            try {
                sink.send(alert(AlertKind.CHANGE, "in-flight:1", LinkState.DOWN));
                Poll.until(Duration.ofSeconds(5), () -> sink.attempts() == 1 && sink.pending() == 0,
                        "sink.attempts() == 1 && sink.pending() == 0");

                long worstSendNanos = 0;
                String[] names = {"R1", "C1", "R2", "C2", "C3", "C4"};
                for (String name : names) {
                    AlertKind kind = name.startsWith("R") ? AlertKind.REMINDER : AlertKind.CHANGE;
                    long t0 = System.nanoTime();
                    sink.send(alert(kind, name + ":1", LinkState.DOWN));
                    worstSendNanos = Math.max(worstSendNanos, System.nanoTime() - t0);
                }
                // [R1 C1 R2] + C2 drops R1; + C3 drops R2; + C4 drops C1 -> [C2 C3 C4]
                assertThat(sink.pending()).isEqualTo(3);
                assertThat(sink.droppedReminders()).isEqualTo(2);
                assertThat(sink.dropped()).isEqualTo(1);
                assertThat(worstSendNanos).isLessThan(50_000_000L);
            } finally {
                sink.close(Duration.ofMillis(100));
            }
        }
    }
}
