package io.loopwire.alert;

import static io.loopwire.alert.MailTestSupport.FROM;
import static io.loopwire.alert.MailTestSupport.PASSWORD;
import static io.loopwire.alert.MailTestSupport.TO;
import static io.loopwire.alert.MailTestSupport.USER;
import static io.loopwire.alert.MailTestSupport.alert;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.probe.LinkState;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * E-mail end to end against subethasmtp with STARTTLS required and AUTH required (a self-signed certificate made at
 * test time): delivery with both parts, a wrong password, a rejected certificate.
 */
@Timeout(60)
class EmailStartTlsAuthTest {

    private final List<byte[]> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger logins = new AtomicInteger();
    private SMTPServer server;
    private EmailAlertSink sink;

    @BeforeEach
    void startServer() throws Exception {
        server = SMTPServer.port(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName("localhost")
                .enableTLS().requireTLS().requireAuth()
                .startTlsSocketFactory(MailTestSupport.serverSslContext())
                .authenticationHandlerFactory(new EasyAuthenticationHandlerFactory((user, password, ctx) -> {
                    logins.incrementAndGet();
                    if (!USER.equals(user) || !PASSWORD.equals(password)) {
                        throw new LoginFailedException();
                    }
                }))
                .messageHandler((ctx, from, to, data) -> received.add(data))
                .build();
        server.start();
    }

    @AfterEach
    void stop() {
        if (sink != null) {
            sink.close(Duration.ofSeconds(1));
        }
        server.stop();
    }

    private EmailConfig.Builder config(String password) {
        return EmailConfig.builder()
                .host("127.0.0.1").port(server.getPortAllocated())
                .credentials(USER, password)
                .from(FROM).to(TO, "oncall@example.com")
                .trustAll(true)
                .connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(5))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(200));
    }

    @Test
    void alertArrivesOverStartTlsWithAuthAndBothParts() throws Exception {
        try (MailTestSupport.LogCapture logs = new MailTestSupport.LogCapture()) {
            sink = new EmailAlertSink(config(PASSWORD).build());
            assertThat(sink.config().security()).isEqualTo(EmailConfig.Security.STARTTLS);
            long t0 = System.nanoTime();
            sink.send(alert(AlertKind.CHANGE, "127.0.0.1:12345", LinkState.DOWN));
            long sendNanos = System.nanoTime() - t0;
            Poll.until(Duration.ofSeconds(20), () -> sink.sent() == 1, "sink.sent() == 1");
            long deliveredNanos = System.nanoTime() - t0;
            System.out.printf("STARTTLS+AUTH: send() returned in %.3f ms, delivered in %d ms%n",
                    sendNanos / 1e6, deliveredNanos / 1_000_000);
            assertThat(sendNanos).isLessThan(50_000_000L);

            Poll.until(Duration.ofSeconds(5), () -> received.size() == 1, "received.size() == 1");
            MimeMessage m = MailTestSupport.parse(received.get(0));
            assertThat(m.getSubject()).isEqualTo("[loopwire] 127.0.0.1:12345 is DOWN");
            assertThat(m.getHeader("X-Loopwire-Alert")).containsExactly("CHANGE");
            Map<String, String> parts = MailTestSupport.textParts(m);
            assertThat(parts).containsKeys("text/plain", "text/html");
            assertThat(parts.get("text/plain")).contains("NORMAL -> DOWN").containsPattern("[+-]\\d\\d:\\d\\d|Z");
            assertThat(parts.get("text/html")).contains("<td><b>DOWN</b></td>");
            assertThat(logins.get()).isEqualTo(1);
            assertThat(sink.failed()).isZero();
            assertThat(sink.retried()).isZero();

            sink.close(Duration.ofSeconds(2));
            assertThat(logs.text()).doesNotContain(PASSWORD);
            assertThat(sink.config().toString()).doesNotContain(PASSWORD).contains("password=***");
        }
    }

    @Test
    void wrongPasswordLogsOneClearErrorAndDoesNotRetry() throws Exception {
        try (MailTestSupport.LogCapture logs = new MailTestSupport.LogCapture()) {
            String wrong = "wrong-" + PASSWORD;
            sink = new EmailAlertSink(config(wrong).maxRetries(3).build());
            for (int i = 0; i < 3; i++) {
                sink.send(alert(AlertKind.CHANGE, "10.0.0." + i + ":7", LinkState.DOWN));
            }
            Poll.until(Duration.ofSeconds(30), () -> sink.failed() == 3, "sink.failed() == 3");
            sink.close(Duration.ofSeconds(2));

            assertThat(sink.sent()).isZero();
            assertThat(sink.retried()).as("authentication failures are not retried").isZero();
            assertThat(sink.attempts()).isEqualTo(3);
            assertThat(logins.get()).as("one login per alert, at most maxRetries+1").isBetween(1, 3);
            assertThat(received).isEmpty();

            String port = Integer.toString(server.getPortAllocated());
            List<String> errors = logs.lines("ERROR");
            assertThat(errors).as("one clear error").hasSize(1);
            assertThat(errors.get(0)).contains("127.0.0.1:" + port).contains("authentication refused");
            assertThat(logs.text()).doesNotContain(wrong).doesNotContain(PASSWORD);
        }
    }

    @Test
    void certificateNotTrustedIsAClearErrorNotARetryStorm() throws Exception {
        try (MailTestSupport.LogCapture logs = new MailTestSupport.LogCapture()) {
            sink = new EmailAlertSink(config(PASSWORD).trustAll(false).build());
            sink.send(alert(AlertKind.CHANGE, "h:1", LinkState.SLOW));
            Poll.until(Duration.ofSeconds(20), () -> sink.failed() == 1, "sink.failed() == 1");
            assertThat(sink.attempts()).isEqualTo(1);
            assertThat(logins.get()).isZero();
            assertThat(logs.lines("ERROR")).singleElement().asString()
                    .contains("127.0.0.1:" + server.getPortAllocated()).contains("certificate");
        }
    }
}
