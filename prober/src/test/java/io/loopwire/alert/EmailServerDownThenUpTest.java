package io.loopwire.alert;

import static io.loopwire.alert.MailTestSupport.FROM;
import static io.loopwire.alert.MailTestSupport.TO;
import static io.loopwire.alert.MailTestSupport.alert;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.probe.LinkState;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.subethamail.smtp.server.SMTPServer;

/** The SMTP server is down when the alert is raised and comes up later: the alert arrives after retries. */
@Timeout(60)
class EmailServerDownThenUpTest {

    @Test
    void alertIsDeliveredOnceTheServerComesUpAndSendNeverBlocks() throws Exception {
        int port = MailTestSupport.freePort(); // nothing listens there yet: connection refused
        List<byte[]> received = new CopyOnWriteArrayList<>();
        EmailAlertSink sink = new EmailAlertSink(EmailConfig.builder()
                .host("127.0.0.1").port(port).security(EmailConfig.Security.NONE)
                .from(FROM).to(TO)
                .connectTimeout(Duration.ofSeconds(2)).readTimeout(Duration.ofSeconds(2))
                .maxRetries(30).backoff(Duration.ofMillis(50), Duration.ofMillis(400))
                .build());
        SMTPServer server = null;
        try {
            long worstSendNanos = 0;
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                sink.send(alert(AlertKind.CHANGE, "10.0.0." + i + ":7", LinkState.DOWN));
                worstSendNanos = Math.max(worstSendNanos, System.nanoTime() - t0);
            }
            Poll.until(Duration.ofSeconds(20), () -> sink.retried() >= 3,
                    "failing and retrying while the server is down");
            assertThat(sink.sent()).isZero();

            long upAt = System.nanoTime();
            server = SMTPServer.port(port).bindAddress(InetAddress.getLoopbackAddress()).hostName("localhost")
                    .messageHandler((ctx, from, to, data) -> received.add(data)).build();
            server.start();
            Poll.until(Duration.ofSeconds(30), () -> sink.sent() == 20, "all 20 delivered");
            System.out.printf("server down then up: worst send() %.3f ms, %d retries, first mail %d ms after the "
                    + "server came up, all 20 delivered%n", worstSendNanos / 1e6, sink.retried(),
                    (System.nanoTime() - upAt) / 1_000_000);
            assertThat(worstSendNanos).as("send() never waits for the network").isLessThan(50_000_000L);
            assertThat(received).hasSize(20);
            assertThat(sink.failed()).isZero();
            assertThat(sink.dropped()).isZero();
        } finally {
            sink.close(Duration.ofSeconds(2));
            if (server != null) {
                server.stop();
            }
        }
    }
}
