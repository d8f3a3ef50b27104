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

/**
 * A server that accepts the connection and never says a word (the kernel completes the handshake into the backlog;
 * nobody answers): each attempt ends at the read timeout, it is retried, and close stays bounded.
 */
@Timeout(60)
class EmailSilentServerTest {

    @Test
    void silentServerTimesOutIsRetriedAndNeverBlocksTheCaller() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            EmailAlertSink sink = new EmailAlertSink(EmailConfig.builder()
                    .host("127.0.0.1").port(silent.getLocalPort()).security(EmailConfig.Security.STARTTLS)
                    .from(FROM).to(TO)
                    .connectTimeout(Duration.ofMillis(500)).readTimeout(Duration.ofMillis(500))
                    .maxRetries(2).backoff(Duration.ofMillis(100), Duration.ofMillis(100))
                    .build());
            try {
                long t0 = System.nanoTime();
                sink.send(alert(AlertKind.CHANGE, "h:1", LinkState.DOWN));
                long sendNanos = System.nanoTime() - t0;
                Poll.until(Duration.ofSeconds(20), () -> sink.failed() == 1, "sink.failed() == 1");
                long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("silent server: send() %.3f ms; 3 attempts of 500 ms timeout + 2 x 100 ms back-off "
                        + "gave up after %d ms%n", sendNanos / 1e6, elapsedMs);
                assertThat(sendNanos).isLessThan(50_000_000L);
                assertThat(sink.attempts()).isEqualTo(3);
                assertThat(sink.retried()).isEqualTo(2);
                assertThat(sink.sent()).isZero();
                // 3 x 500 ms + 200 ms, with slack for a busy machine; far from blocking forever.
                assertThat(elapsedMs).isBetween(1_500L, 10_000L);

                // Closing while an attempt is stuck in a read returns within about the grace.
                sink.send(alert(AlertKind.CHANGE, "h:2", LinkState.DOWN));
                Poll.until(Duration.ofSeconds(5), () -> sink.attempts() == 4, "sink.attempts() == 4");
                long c0 = System.nanoTime();
                sink.close(Duration.ofMillis(200));
                long closeMs = (System.nanoTime() - c0) / 1_000_000;
                System.out.printf("silent server: close(200 ms) returned in %d ms%n", closeMs);
                assertThat(closeMs).isLessThan(1_500L);
            } finally {
                sink.close(Duration.ofMillis(100));
            }
        }
    }
}
