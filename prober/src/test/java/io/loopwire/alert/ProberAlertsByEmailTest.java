package io.loopwire.alert;

import static io.loopwire.alert.MailTestSupport.FROM;
import static io.loopwire.alert.MailTestSupport.PASSWORD;
import static io.loopwire.alert.MailTestSupport.TO;
import static io.loopwire.alert.MailTestSupport.USER;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.probe.ClassifierConfig;
import io.loopwire.probe.LatencyProber;
import io.loopwire.probe.LinkState;
import io.loopwire.probe.ProbeStats;
import io.loopwire.probe.Recorder;
import io.loopwire.probe.TestEcho;
import jakarta.mail.internet.MimeMessage;
import java.net.BindException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * End to end: prober, {@link AlertingListener}, {@link AlertPolicy} (no group wait), {@link EmailAlertSink} to
 * subethasmtp with STARTTLS and AUTH required. A target goes down (its echo socket closes) and comes back (the same
 * port bound again): exactly one DOWN mail and one recovery mail, however many probes were lost or answered.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProberAlertsByEmailTest {

    private record Received(long atNanos, byte[] data) {
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private SMTPServer server;

    @BeforeEach
    void startServer() throws Exception {
        server = SMTPServer.port(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName("localhost")
                .enableTLS().requireTLS().requireAuth()
                .startTlsSocketFactory(MailTestSupport.serverSslContext())
                .authenticationHandlerFactory(new EasyAuthenticationHandlerFactory((user, password, ctx) -> {
                    if (!USER.equals(user) || !PASSWORD.equals(password)) {
                        throw new LoginFailedException();
                    }
                }))
                .messageHandler((ctx, from, to, data) -> received.add(new Received(System.nanoTime(), data)))
                .build();
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop();
    }

    @Test
    void targetDownThenBackSendsExactlyOneDownAndOneRecoveryMail() throws Exception {
        EmailAlertSink mail = new EmailAlertSink(EmailConfig.builder()
                .host("127.0.0.1").port(server.getPortAllocated())
                .credentials(USER, PASSWORD).from(FROM).to(TO)
                .trustAll(true)
                .connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(5))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .build());
        try (Reactor reactor = new Reactor("prober-test").start(); TestEcho echo = TestEcho.start();
                MailTestSupport.LogCapture logs = new MailTestSupport.LogCapture()) {
            Recorder rec = new Recorder();
            AlertPolicy policy = new AlertPolicy(AlertPolicy.Config.defaults().withGroupWait(Duration.ZERO), mail);
            AlertingListener alerts = new AlertingListener(reactor, policy, rec);
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target(echo.address()).interval(Duration.ofMillis(100))
                    .classifier(new ClassifierConfig(Duration.ofMillis(100), Duration.ofMillis(200),
                            Duration.ofMillis(300), 3, 2))
                    .listener(alerts).start();
            String name = prober.targets().get(0).name();
            try {
                assertThat(rec.awaitChangeTo(LinkState.NORMAL, Duration.ofSeconds(10)))
                        .as(() -> "NORMAL at first; rounds " + rec.rounds() + ", echo received " + echo.received())
                        .isTrue();
                assertThat(rec.awaitRounds(5, Duration.ofSeconds(5))).isTrue();
                assertThat(received).as("NORMAL at start is silent").isEmpty();

                echo.closeSocket();
                assertThat(rec.awaitChangeTo(LinkState.DOWN, Duration.ofSeconds(10))).isTrue();
                long downAt = System.nanoTime();
                Poll.until(Duration.ofSeconds(20), () -> received.size() == 1, "received.size() == 1");
                long downMailMs = (received.get(0).atNanos() - downAt) / 1_000_000;
                // Stay down for a while: every one of these rounds is a lost probe, none is a mail.
                assertThat(rec.awaitRounds(rec.rounds().size() + 8, Duration.ofSeconds(5))).isTrue();

                try {
                    echo.reopen();
                } catch (BindException e) {
                    Assumptions.abort("port " + echo.address() + " was taken while closed: " + e.getMessage());
                }
                assertThat(rec.awaitChangeTo(LinkState.NORMAL, 2, Duration.ofSeconds(10))).isTrue();
                long upAt = System.nanoTime();
                Poll.until(Duration.ofSeconds(20), () -> received.size() >= 2, "received.size() >= 2");
                long upMailMs = (received.get(1).atNanos() - upAt) / 1_000_000;
                // Keep probing past a policy tick (every 1 s): nothing more may arrive.
                assertThat(rec.awaitRounds(rec.rounds().size() + 15, Duration.ofSeconds(5))).isTrue();

                assertThat(received).as("one mail per event, not per probe").hasSize(2);
                assertThat(rec.states()).as(() -> "changes " + rec.changes() + " rounds " + rec.rounds())
                        .containsExactly(LinkState.NORMAL, LinkState.PENDING, LinkState.DOWN, LinkState.NORMAL);
                MimeMessage down = MailTestSupport.parse(received.get(0).data());
                MimeMessage up = MailTestSupport.parse(received.get(1).data());
                assertThat(down.getSubject()).isEqualTo("[loopwire] " + name + " is DOWN");
                assertThat(down.getHeader("X-Loopwire-Alert")).containsExactly("CHANGE");
                assertThat(up.getSubject()).isEqualTo("[loopwire] " + name + " is NORMAL again");
                assertThat(up.getHeader("X-Loopwire-Alert")).containsExactly("RECOVERY");
                Map<String, String> downParts = MailTestSupport.textParts(down);
                assertThat(downParts).containsKeys("text/plain", "text/html");
                assertThat(downParts.get("text/plain")).contains(name).contains("DOWN");
                assertThat(MailTestSupport.textParts(up).get("text/plain")).contains(name).contains("NORMAL");

                ProbeStats.Figures f = reactor.call(() -> prober.targets().get(0).stats().snapshot().lifetime());
                assertThat(f.sent()).isGreaterThanOrEqualTo(30);
                assertThat(reactor.call(policy::alertsSent)).isEqualTo(2);
                assertThat(mail.sent()).isEqualTo(2);
                assertThat(mail.failed() + mail.dropped()).isZero();
                assertThat(logs.text()).doesNotContain(PASSWORD);
                System.out.printf("e-mail end to end (STARTTLS+AUTH): %d probes (%d lost) -> 2 mails; DOWN mail "
                        + "%d ms after the DOWN change, recovery mail %d ms after NORMAL%n", f.sent(), f.lost(),
                        downMailMs, upMailMs);
                System.out.println("--- DOWN mail: " + down.getSubject() + "\n" + downParts.get("text/plain"));
            } finally {
                prober.close();
                reactor.call(() -> {
                    alerts.close();
                    return null;
                });
            }
        } finally {
            mail.close(Duration.ofSeconds(2));
        }
    }
}
