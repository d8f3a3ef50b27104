package io.loopwire.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.probe.LinkState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Subject, bodies and console output of an alert. */
@Timeout(10)
class AlertRenderingTest {

    private static final Instant T = Instant.parse("2024-05-01T10:00:00Z");

    @Test
    void timestampsCarryTheirOffsetInTheConfiguredZone() {
        Alert a = new Alert(AlertKind.CHANGE,
                List.of(new TargetChange("h:1", LinkState.NORMAL, LinkState.DOWN, T, -1, "no reply")), T,
                ZoneId.of("America/Sao_Paulo"));
        assertThat(a.textBody()).contains("2024-05-01T07:00:00-03:00").contains("last rtt -");
        Alert utc = new Alert(AlertKind.CHANGE, a.changes(), T, ZoneOffset.UTC);
        assertThat(utc.textBody()).contains("2024-05-01T10:00:00+00:00");
    }

    @Test
    void htmlBodyEscapesEveryValue() {
        Alert a = new Alert(AlertKind.CHANGE, List.of(new TargetChange("<script>&\"'", LinkState.NORMAL,
                LinkState.SLOW, T, 150_049_999, "a < b")), T, ZoneOffset.UTC);
        String html = a.htmlBody();
        assertThat(html).doesNotContain("<script>").contains("&lt;script&gt;&amp;&quot;&#39;")
                .contains("a &lt; b").contains("150.0 ms");
        assertThat(a.textBody()).contains("150.0 ms");
    }

    @Test
    void logSinkPrintsOneLinePerAlertAndOnePerTarget() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LogAlertSink sink = new LogAlertSink(new PrintStream(out, true, StandardCharsets.UTF_8));
        sink.send(new Alert(AlertKind.RECOVERY, List.of(
                new TargetChange("a:1", LinkState.DOWN, LinkState.NORMAL, T, 1_000_000, ""),
                new TargetChange("b:2", LinkState.SLOW, LinkState.NORMAL, T, 2_000_000, "")), T, ZoneOffset.UTC));
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).isEqualTo("2024-05-01T10:00:00+00:00 ALERT [loopwire] 2 targets recovered: a:1 NORMAL, "
                + "b:2 NORMAL");
        assertThat(lines[1]).contains("a:1 DOWN -> NORMAL");
        assertThat(sink.sent()).isEqualTo(1);
    }

    @Test
    void anAlertPrintedToTheConsoleIsNotLoggedAsWell() {
        Alert down = new Alert(AlertKind.CHANGE, List.of(
                new TargetChange("db:5432", LinkState.NORMAL, LinkState.DOWN, T, -1, "no reply")), T, ZoneOffset.UTC);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MailTestSupport.LogCapture logs = new MailTestSupport.LogCapture()) {
            new LogAlertSink(new PrintStream(out, true, StandardCharsets.UTF_8)).send(down);
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("ALERT [loopwire] db:5432 is DOWN");
            assertThat(logs.text()).as("printed once: on the console, not in the log").doesNotContain("db:5432");

            new LogAlertSink().send(down); // no console: the log is where it shows
            assertThat(logs.lines("WARN")).anyMatch(l -> l.contains("db:5432 is DOWN"));
        }
    }
}
