package io.loopwire.alert;

import static io.loopwire.alert.MailTestSupport.FROM;
import static io.loopwire.alert.MailTestSupport.TO;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.probe.ClassifierConfig;
import io.loopwire.probe.LatencyProber;
import io.loopwire.probe.ProbeKind;
import io.loopwire.probe.Recorder;
import io.loopwire.probe.TargetSpec;
import io.loopwire.probe.TestCertificates;
import io.loopwire.tcp.TcpServer;
import io.loopwire.testkit.JsonValue;
import io.loopwire.testkit.PrometheusTools;
import io.loopwire.tls.CertificateReloader;
import io.loopwire.tls.KeyStoreFiles;
import io.loopwire.tls.PemFiles;
import io.loopwire.tls.TlsConfig;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate alerts end to end, through every sink at once, against real servers: a {@code tls://} target (loopwire's
 * own TLS listener, its certificate made at test time and re-read from its file) whose certificate expires in 3 days,
 * with a 14-day warning period, raises ONE {@code LoopwireCertificateExpiring} alert: it appears in Debian's real
 * Alertmanager (labels, {@code not_after}), at the webhook (Alertmanager's v4 shape), in GreenMail's mailbox and on the
 * console, and stays one alert however many probes see the certificate. The file is then rotated to a fresh 30-day
 * certificate: the alert is resolved in Alertmanager ({@code endsAt}), at the webhook and by one mail.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CertificateAlertsEndToEndTest {
    private static final String EXPIRING = ActiveAlerts.CERT_EXPIRING;

    @Test
    void expiringCertificateFiresEverywhereOnceAndRenewalResolvesIt(@TempDir Path dir) throws Exception {
        TestCertificates.make(dir, "old", "dns:localhost,ip:127.0.0.1", null, 3);
        TestCertificates.make(dir, "new", "dns:localhost,ip:127.0.0.1", null, 30);
        Path served = dir.resolve("served.p12");
        Files.copy(dir.resolve("old.p12"), served);
        Path cas = dir.resolve("cas.pem");
        Files.writeString(cas, Files.readString(dir.resolve("old.pem")) + Files.readString(dir.resolve("new.pem")));

        GreenMail greenMail = new GreenMail(new ServerSetup(MailTestSupport.freePort(), "127.0.0.1",
                ServerSetup.PROTOCOL_SMTP));
        greenMail.start();
        ByteArrayOutputStream consoleBytes = new ByteArrayOutputStream();
        PrintStream console = new PrintStream(consoleBytes, true, StandardCharsets.UTF_8);
        try (HookReceiver hook = new HookReceiver(HookReceiver.Mode.OK);
                PrometheusTools am = PrometheusTools.alertmanagerOrSkip(dir, """
                        route:
                          receiver: none
                        receivers:
                          - name: none
                        """);
                CertificateReloader certs = CertificateReloader.start(
                        () -> KeyStoreFiles.serverContext(served, TestCertificates.PASSWORD, null),
                        Duration.ofMillis(100), served);
                Reactor serverLoop = new Reactor("tls-server").start();
                Reactor reactor = new Reactor("cert-alerts").start()) {
            TcpServer server = TcpServer.builder(serverLoop).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    0)).tls(TlsConfig.server(certs).build()).handler((connection, frame) -> { }).start();
            String address = "tls://localhost:" + server.localAddress().getPort();
            TargetLabels labels = name -> Map.of("target", address, "team", "core");
            AlertmanagerSink alertmanager = new AlertmanagerSink(HttpAlertConfig.builder(am.url())
                    .resendInterval(Duration.ofSeconds(1)).backoff(Duration.ofMillis(100), Duration.ofMillis(500))
                    .build(), labels);
            WebhookAlertSink webhook = new WebhookAlertSink(HttpAlertConfig.builder(hook.url("/hook"))
                    .backoff(Duration.ofMillis(100), Duration.ofMillis(500)).build(), labels, "loopwire");
            EmailAlertSink mail = new EmailAlertSink(EmailConfig.builder().host("127.0.0.1")
                    .port(greenMail.getSmtp().getPort()).security(EmailConfig.Security.NONE).from(FROM).to(TO)
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(200)).build());
            AlertSink sink = AlertSink.all(new LogAlertSink(console), mail, alertmanager, webhook);
            AlertPolicy.Config config = AlertPolicy.Config.defaults().withGroupWait(Duration.ZERO);
            CertificatePolicy certificatePolicy = new CertificatePolicy(config, Duration.ofDays(14), sink);
            AlertingListener alerts = new AlertingListener(reactor, new AlertPolicy(config, sink), certificatePolicy,
                    new Recorder());
            LatencyProber prober = LatencyProber.builder(reactor).interval(Duration.ofMillis(100))
                    .classifier(new ClassifierConfig(Duration.ofSeconds(2), Duration.ofMillis(2500),
                            Duration.ofSeconds(3), 3, 2)) // a handshake on a busy machine is no latency alert here
                    .tlsTrust(PemFiles.readCertificates(cas))
                    .target(new TargetSpec("web", ProbeKind.TLS, new InetSocketAddress(InetAddress.getByName(
                            "localhost"), server.localAddress().getPort())))
                    .listener(alerts).start();
            try {
                // Raised: Alertmanager, webhook, mail and console each hear of it.
                Poll.until(Duration.ofSeconds(30), () -> certificateAlert(am) != null,
                        "a " + EXPIRING + " alert in Alertmanager; its log: " + am.logTail());
                Map<String, Object> alert = certificateAlert(am);
                assertThat(labels(alert)).containsEntry("alertname", EXPIRING).containsEntry("name", "web")
                        .containsEntry("target", address).containsEntry("team", "core")
                        .containsEntry("severity", "warning").doesNotContainKey("state");
                @SuppressWarnings("unchecked")
                Map<String, Object> notes = (Map<String, Object>) alert.get("annotations");
                Instant notAfter = Instant.parse((String) notes.get("not_after"));
                assertThat(Duration.between(Instant.now(), notAfter)).isBetween(Duration.ofDays(2),
                        Duration.ofDays(3).plusMinutes(1));
                assertThat((String) notes.get("summary")).startsWith("certificate of web expires " + notAfter)
                        .contains("(in 2 days, warning at 14)");
                Poll.until(Duration.ofSeconds(20), () -> !webhookAlerts(hook, "firing").isEmpty(),
                        "the webhook's firing notification; received " + hook.bodies());
                Map<String, Object> posted = JsonValue.object(hook.bodies().get(0));
                assertThat(posted).containsEntry("version", "4").containsEntry("status", "firing");
                assertThat(labels(webhookAlerts(hook, "firing").get(0))).containsEntry("alertname", EXPIRING)
                        .containsEntry("team", "core");
                Poll.until(Duration.ofSeconds(20), () -> certificateMails(greenMail).size() == 1,
                        "the mail of the expiring certificate");
                assertThat(certificateMails(greenMail).get(0)).startsWith("[loopwire] certificate of web expires "
                        + notAfter);
                Poll.until(Duration.ofSeconds(5), () -> console(consoleBytes).contains(
                        " ALERT [loopwire] certificate of web expires"), "the console line; " + console(consoleBytes));

                // No storm: many more handshakes see the same certificate, and nobody hears of it again.
                long probes = reactor.call(() -> prober.targets().get(0).stats().sent());
                Poll.until(Duration.ofSeconds(20), () -> reactor.call(() -> prober.targets().get(0).stats().sent())
                        >= probes + 10, "ten more probes");
                assertThat(certificateMails(greenMail)).hasSize(1);
                assertThat(webhookAlerts(hook, "firing")).hasSize(1);
                assertThat(reactor.call(certificatePolicy::alertsSent)).isEqualTo(1);

                // Renewed: the served file is replaced by a fresh certificate; the alert resolves everywhere.
                Path next = dir.resolve("served.p12.tmp");
                Files.copy(dir.resolve("new.p12"), next);
                Files.move(next, served, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Instant rotatedAt = Instant.now();
                Poll.until(Duration.ofSeconds(30), () -> certificateAlert(am) == null,
                        "the certificate alert gone from Alertmanager's active list");
                Poll.until(Duration.ofSeconds(20), () -> !webhookAlerts(hook, "resolved").isEmpty(),
                        "the webhook's resolved notification; received " + hook.bodies());
                Map<String, Object> resolved = webhookAlerts(hook, "resolved").get(0);
                assertThat(labels(resolved)).containsEntry("alertname", EXPIRING);
                assertThat(Instant.parse((String) resolved.get("endsAt"))).isAfter(rotatedAt.minusSeconds(1))
                        .isBefore(Instant.now().plusSeconds(1));
                Poll.until(Duration.ofSeconds(20), () -> certificateMails(greenMail).size() == 2, "the renewal's mail");
                assertThat(certificateMails(greenMail).get(1)).startsWith("[loopwire] certificate of web is valid until ");
                assertThat(console(consoleBytes)).contains(" ALERT [loopwire] certificate of web is valid until ");
                assertThat(certificateMails(greenMail)).hasSize(2);
                assertThat(webhookAlerts(hook, "firing")).hasSize(1);
                assertThat(reactor.call(certificatePolicy::alertsSent)).isEqualTo(2);
                assertThat(reactor.call(() -> prober.targets().get(0).state().isProblem())).as("link state apart")
                        .isFalse();
                assertThat(mail.failed() + webhook.failed() + alertmanager.failed()).isZero();
            } finally {
                AlertingStop.stop(prober, reactor, alerts, sink);
                server.close();
            }
        } finally {
            greenMail.stop();
        }
    }

    private static String console(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8); // synchronized with the writes
    }

    /** The subjects of the certificate mails received, in order. */
    private static List<String> certificateMails(GreenMail greenMail) throws Exception {
        List<String> subjects = new ArrayList<>();
        for (MimeMessage m : greenMail.getReceivedMessages()) {
            if (m.getSubject().startsWith("[loopwire] certificate of ")) {
                subjects.add(m.getSubject());
            }
        }
        return subjects;
    }

    /** Our certificate alert among Alertmanager's active alerts, or null. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> certificateAlert(PrometheusTools am) throws Exception {
        for (Object o : JsonValue.array(am.get("/api/v2/alerts?active=true&silenced=false&inhibited=false"))) {
            Map<String, Object> a = (Map<String, Object>) o;
            if (EXPIRING.equals(labels(a).get("alertname")) && "web".equals(labels(a).get("name"))) {
                return a;
            }
        }
        return null;
    }

    /** The certificate alerts with {@code status} in every webhook notification received, in order. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> webhookAlerts(HookReceiver hook, String status) {
        List<Map<String, Object>> found = new ArrayList<>();
        for (String body : hook.bodies()) {
            for (Object o : (List<Object>) JsonValue.object(body).get("alerts")) {
                Map<String, Object> a = (Map<String, Object>) o;
                if (status.equals(a.get("status")) && EXPIRING.equals(labels(a).get("alertname"))) {
                    found.add(a);
                }
            }
        }
        return found;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> labels(Map<String, Object> alert) {
        return (Map<String, Object>) alert.get("labels");
    }
}
