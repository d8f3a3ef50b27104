package io.loopwire.alert;

import static io.loopwire.alert.MailTestSupport.FROM;
import static io.loopwire.alert.MailTestSupport.TO;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.loopwire.Poll;
import io.loopwire.probe.LinkState;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Implicit TLS (SMTPS) against GreenMail, checking the mailbox. */
@Timeout(60)
class EmailSmtpsGreenMailTest {

    private GreenMail greenMail;
    private EmailAlertSink sink;

    @BeforeEach
    void start() throws Exception {
        greenMail = new GreenMail(new ServerSetup(MailTestSupport.freePort(), "127.0.0.1",
                ServerSetup.PROTOCOL_SMTPS));
        greenMail.start();
        greenMail.setUser(TO, "alerts", "alerts-pw");
    }

    @AfterEach
    void stop() {
        if (sink != null) {
            sink.close(Duration.ofSeconds(1));
        }
        greenMail.stop();
    }

    @Test
    void groupedAlertArrivesInTheMailboxOverSmtps() throws Exception {
        int port = greenMail.getSmtps().getPort();
        sink = new EmailAlertSink(EmailConfig.builder()
                .host("127.0.0.1").port(port).security(EmailConfig.Security.TLS)
                .credentials("alerts", "alerts-pw")
                .from(FROM).to(TO)
                .trustAll(true)
                .build());
        Instant t = Instant.parse("2024-05-01T10:00:00Z");
        Alert alert = new Alert(AlertKind.CHANGE, List.of(
                new TargetChange("10.0.0.1:7", LinkState.NORMAL, LinkState.DOWN, t, -1, "no reply"),
                new TargetChange("10.0.0.2:7", LinkState.NORMAL, LinkState.VERY_SLOW, t, 412_300_000, "")),
                t.plusSeconds(30), ZoneOffset.ofHours(-3));
        long t0 = System.nanoTime();
        sink.send(alert);
        long sendNanos = System.nanoTime() - t0;
        assertThat(greenMail.waitForIncomingEmail(20_000, 1)).isTrue();
        long deliveredNanos = System.nanoTime() - t0;
        System.out.printf("SMTPS: send() returned in %.3f ms, delivered in %d ms%n", sendNanos / 1e6,
                deliveredNanos / 1_000_000);
        assertThat(sendNanos).isLessThan(50_000_000L);
        Poll.until(Duration.ofSeconds(5), () -> sink.sent() == 1, "sink.sent() == 1");

        MimeMessage[] mails = greenMail.getReceivedMessages();
        assertThat(mails).hasSize(1);
        assertThat(mails[0].getSubject())
                .isEqualTo("[loopwire] 2 targets changed: 10.0.0.1:7 DOWN, 10.0.0.2:7 VERY_SLOW");
        assertThat(mails[0].getAllRecipients()).extracting(Object::toString).containsExactly(TO);
        Map<String, String> parts = MailTestSupport.textParts(mails[0]);
        assertThat(parts.get("text/plain")).contains("10.0.0.2:7  NORMAL -> VERY_SLOW")
                .contains("2024-05-01T07:00:00-03:00").contains("412.3 ms");
        assertThat(parts.get("text/html")).contains("<td>10.0.0.1:7</td>");
    }
}
