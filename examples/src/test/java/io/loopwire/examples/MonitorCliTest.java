package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import io.loopwire.relay.PingEcho;
import io.loopwire.testkit.UdpLinkProxy;
import io.loopwire.udp.UdpEndpoint;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * {@code java -jar loopwire.jar monitor ...} as a process (the CLI contract in the README): rounds, the statistics table,
 * state changes, console alerts, usage errors with exit status 2, and e-mail alerts to a real SMTP server with the
 * password taken from the environment and never printed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MonitorCliTest {
    private static final String PASSWORD = "cli-s3cret-Pa55-plugh";
    private static final Duration RUN_LIMIT = Duration.ofSeconds(30);

    private static Reactor reactor;
    private static InetSocketAddress echo;

    record Result(int exit, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    @BeforeAll
    static void startEcho() throws IOException {
        reactor = new Reactor("cli-test-echo").start();
        echo = UdpEndpoint.builder(reactor).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .handler(new PingEcho()::answer).start().localAddress();
    }

    @AfterAll
    static void stopEcho() {
        reactor.close(Duration.ofMillis(200));
    }

    private static Result monitor(Map<String, String> env, String... args) throws Exception {
        String jar = System.getProperty("loopwire.jar", "target/loopwire.jar");
        assertThat(Path.of(jar)).as("the shaded jar, built in prepare-package before these tests").isRegularFile();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar, "monitor"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("LOOPWIRE_SMTP_PASSWORD");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        if (!p.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("monitor did not end within " + RUN_LIMIT + ": " + String.join(" ", args));
        }
        return new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
    }

    private static Result monitor(String... args) throws Exception {
        return monitor(Map.of(), args);
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<" + e + ">";
            }
        });
    }

    private static String target(InetSocketAddress a) {
        return "127.0.0.1:" + a.getPort();
    }

    /** The statistics row of {@code target}, split on blanks: target, sent, recv, loss%, late, dup, ... */
    private static String[] statsRow(Result r, String target) {
        List<String> lines = r.lines();
        int header = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("target") && lines.get(i).contains("sent") && lines.get(i).contains("recv")) {
                header = i;
            }
        }
        assertThat(header).as("a statistics table in:\n%s", r.out()).isNotNegative();
        return lines.stream().skip(header + 1).filter(l -> l.startsWith(target + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + target + " in:\n" + r.out())).trim()
                .split("\\s+");
    }

    @Test
    void fiveRoundsAgainstAnEchoThenTheStatisticsTable() throws Exception {
        String t = target(echo);
        Result r = monitor("--target", t, "--interval", "100ms", "--timeout", "500ms", "--count", "5");
        System.out.println("monitor --count 5 against an echo:\n" + r.out());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.lines()).filteredOn(l -> l.matches("\\S+\\s+" + t.replace(".", "\\.") + "\\s+NORMAL\\s+rtt .*"))
                .as("five round lines").hasSize(5);
        assertThat(r.lines()).filteredOn(l -> l.contains(t) && l.contains("state (start) -> NORMAL")).hasSize(1);
        String[] row = statsRow(r, t);
        assertThat(row[1]).as("sent").isEqualTo("5");
        assertThat(row[2]).as("recv").isEqualTo("5");
        assertThat(row[3]).as("loss%").isEqualTo("0.0");
        assertThat(r.out()).doesNotContain("ALERT");
    }

    @Test
    void textProbesOnALinkSlowerThanTheTimeoutAreDownNeverNormal() throws Exception {
        // Issue 22, case 1, as reproduced there: 625 ms each way, --timeout 1s, text probes. Each late ping reply
        // used to be taken as the answer to the next ping ("rtt 50 ms", NORMAL).
        try (UdpLinkProxy link = UdpLinkProxy.start(echo)) {
            link.rtt(Duration.ofMillis(1250));
            String t = target(link.address());
            Result r = monitor("--target", t, "--interval", "200ms", "--timeout", "1s", "--probe", "text",
                    "--count", "4", "--down-after", "3");
            System.out.println("monitor --probe text at 1250 ms RTT:\n" + r.out());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.lines()).filteredOn(l -> l.contains(t) && l.matches(".* rtt \\d.*")).as("no RTT sample")
                    .isEmpty();
            assertThat(r.lines()).filteredOn(l -> l.contains(t) && l.contains("state PENDING -> DOWN")).hasSize(1);
            String[] row = statsRow(r, t);
            assertThat(row[2]).as("recv").isEqualTo("0");
            assertThat(row[3]).as("loss%").isEqualTo("100.0");
            assertThat(Integer.parseInt(row[4])).as("late").isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void silentPortGoesDownWithAConsoleAlert() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String t = "127.0.0.1:" + silent.getLocalPort();
            // Default group wait (30 s): the alert is still pending when --count ends the run and must be flushed.
            Result r = monitor("--target", t, "--interval", "100ms", "--timeout", "500ms", "--count", "3",
                    "--down-after", "2");
            System.out.println("monitor --count 3 against a silent port:\n" + r.out());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.lines()).filteredOn(l -> l.matches("\\S+\\s+" + t.replace(".", "\\.") + "\\s+\\w+\\s+no reply"))
                    .as("three round lines").hasSize(3);
            assertThat(r.lines()).filteredOn(l -> l.contains(t) && l.contains("state PENDING -> DOWN")).hasSize(1);
            assertThat(r.lines()).filteredOn(l -> l.contains(" ALERT ") && l.contains(t + " is DOWN")).hasSize(1);
            String[] row = statsRow(r, t);
            assertThat(row[1]).isEqualTo("3");
            assertThat(row[2]).isEqualTo("0");
            assertThat(row[3]).isEqualTo("100.0");
        }
    }

    @Test
    void badArgumentsExitWithStatus2NamingTheArgument() throws Exception {
        String t = target(echo);
        assertUsageError("--target", "--target", "nohostport");
        assertUsageError("--interval", "--target", t, "--interval", "soon");
        assertUsageError("--target");
        assertUsageError("--mail-from", "--target", t, "--smtp-host", "127.0.0.1", "--mail-to", "a@example.com");
        assertUsageError("LOOPWIRE_SMTP_PASSWORD", "--target", t, "--smtp-host", "127.0.0.1", "--smtp-user", "u",
                "--mail-from", "m@example.com", "--mail-to", "a@example.com");
        assertUsageError("--smtp-password", "--target", t, "--smtp-password", PASSWORD);
        assertUsageError("--target 127.0.0.1:0", "--target", "127.0.0.1:0", "--count", "1"); // issue 17
        assertUsageError("--target 127.0.0.1:0", "--target", t, "--target", "127.0.0.1:0", "--count", "1");
    }

    @Test
    void smtpMistakesAreUsageErrorsAtStart() throws Exception {
        String t = target(echo);
        long t0 = System.nanoTime();
        assertUsageError("--smtp-host: unknown host 'nosuch.invalid'", "--target", t, "--smtp-host", "nosuch.invalid",
                "--mail-from", "m@example.com", "--mail-to", "a@example.com");
        System.out.printf("monitor --smtp-host nosuch.invalid refused in %d ms (JVM start included)%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        // An e-mail flag without the server used to be ignored silently.
        assertUsageError("--smtp-port needs --smtp-host", "--target", t, "--smtp-port", "25");
        assertUsageError("--smtp-security needs --smtp-host", "--target", t, "--smtp-security", "tls");
        assertUsageError("--smtp-user needs --smtp-host", "--target", t, "--smtp-user", "u");
        assertUsageError("--smtp-trust-all needs --smtp-host", "--target", t, "--smtp-trust-all");
        assertUsageError("--mail-to needs --smtp-host", "--target", t, "--mail-to", "a@example.com");
    }

    @Test
    void anSmtpServerWithoutStartTlsGivesOneShortLinePerAlertAndNoRetry() throws Exception {
        SMTPServer plain = SMTPServer.port(0).bindAddress(InetAddress.getLoopbackAddress()).hostName("localhost")
                .messageHandler((ctx, from, to, data) -> { }).build(); // offers no STARTTLS
        plain.start();
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String t = "127.0.0.1:" + silent.getLocalPort();
            String smtp = "127.0.0.1:" + plain.getPortAllocated();
            Result r = downAlertMailedTo(t, "--smtp-port", Integer.toString(plain.getPortAllocated()));
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.err().lines().toList()).as("stderr: the one line for the one alert").containsExactly(
                    "monitor: e-mail \"[loopwire] " + t + " is DOWN at start\" to alerts@example.com failed after 1 "
                            + "attempt: " + smtp + " does not offer STARTTLS, which is required");
        } finally {
            plain.stop();
        }
    }

    @Test
    void anSmtpPortThatRefusesGivesOneShortLineAfterThreeAttemptsInAFewSeconds() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // nobody listens there once closed
        }
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String t = "127.0.0.1:" + silent.getLocalPort();
            long t0 = System.nanoTime();
            Result r = downAlertMailedTo(t, "--smtp-port", Integer.toString(closed), "--smtp-security", "none");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.printf("monitor with a refusing SMTP port: ran %d ms in all; stderr:%n%s", ms, r.err());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.err().lines().toList()).as("stderr: the one line for the one alert").singleElement()
                    .asString().startsWith("monitor: e-mail \"[loopwire] " + t + " is DOWN at start\" to "
                            + "alerts@example.com failed after " + MonitorMain.MAIL_ATTEMPTS + " attempts: cannot "
                            + "connect to 127.0.0.1:" + closed + " (")
                    .hasSizeLessThan(200);
            assertThat(r.out()).as("the alert itself, on stdout").contains("ALERT [loopwire] " + t + " is DOWN");
        }
    }

    /** A run whose silent target is DOWN at start: one alert, mailed through {@code --smtp-host 127.0.0.1}. */
    private static Result downAlertMailedTo(String target, String... smtp) throws Exception {
        List<String> args = new ArrayList<>(List.of("--target", target, "--interval", "100ms", "--timeout", "500ms",
                "--count", "4", "--down-after", "2", "--group-wait", "0s", "--smtp-host", "127.0.0.1",
                "--mail-from", "monitor@example.com", "--mail-to", "alerts@example.com"));
        args.addAll(List.of(smtp));
        return monitor(args.toArray(String[]::new));
    }

    private static void assertUsageError(String named, String... args) throws Exception {
        Result r = monitor(args);
        String first = r.err().lines().findFirst().orElse("");
        System.out.printf("monitor %s -> exit %d: %s%n", String.join(" ", args), r.exit(), first);
        assertThat(r.exit()).as("exit status of %s", List.of(args)).isEqualTo(2);
        assertThat(first).as("the first line of stderr names %s", named).contains(named);
        assertThat(r.err().lines()).as("the problem, then where to read more; no usage").hasSize(2)
                .last().isEqualTo("try 'loopwire.jar monitor --help'");
        assertThat(r.out()).doesNotContain("monitoring");
    }

    @Test
    void helpExitsZero() throws Exception {
        Result r = monitor("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Usage:").contains("--target").contains("--smtp-security")
                .contains("LOOPWIRE_SMTP_PASSWORD");
    }

    @Test
    void downTargetIsMailedAndThePasswordNeverPrinted() throws Exception {
        List<byte[]> received = new CopyOnWriteArrayList<>();
        AtomicInteger logins = new AtomicInteger();
        SMTPServer smtp = SMTPServer.port(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName("localhost")
                .requireAuth()
                .authenticationHandlerFactory(new EasyAuthenticationHandlerFactory((user, password, ctx) -> {
                    if (!"loopwire".equals(user) || !PASSWORD.equals(password)) {
                        throw new LoginFailedException();
                    }
                    logins.incrementAndGet();
                }))
                .messageHandler((ctx, from, to, data) -> received.add(data))
                .build();
        smtp.start();
        AtomicInteger answers = new AtomicInteger(3);
        PingEcho pingEcho = new PingEcho();
        UdpEndpoint failing = UdpEndpoint.builder(reactor)
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .handler((ep, sender, data) -> {
                    if (answers.getAndDecrement() > 0) {
                        pingEcho.answer(ep, sender, data);
                    }
                }).start();
        try {
            // Three replies (NORMAL), then silence: DOWN after 2 losses, a CHANGE alert mailed at once.
            String t = target(failing.localAddress());
            long t0 = System.nanoTime();
            Result r = monitor(Map.of("LOOPWIRE_SMTP_PASSWORD", PASSWORD),
                    "--target", t, "--interval", "100ms", "--timeout", "500ms", "--count", "6", "--down-after", "2",
                    "--group-wait", "0s",
                    "--smtp-host", "127.0.0.1", "--smtp-port", Integer.toString(smtp.getPortAllocated()),
                    "--smtp-security", "none", "--smtp-user", "loopwire",
                    "--mail-from", "monitor@example.com", "--mail-to", "alerts@example.com");
            long runMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("monitor with SMTP, stdout:\n" + r.out() + "stderr:\n" + r.err());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out() + r.err()).as("the password is never printed").doesNotContain(PASSWORD);
            assertThat(received).as("the DOWN mail was delivered before the process ended").hasSize(1);
            assertThat(logins.get()).isEqualTo(1);
            MimeMessage m = new MimeMessage(Session.getInstance(new Properties()),
                    new ByteArrayInputStream(received.get(0)));
            assertThat(m.getSubject()).isEqualTo("[loopwire] " + t + " is DOWN");
            String text = textPart(m);
            assertThat(text).contains(t).contains("NORMAL -> DOWN");
            System.out.printf("monitor run with e-mail took %d ms; example alert mail:%nSubject: %s%n%n%s%n", runMs,
                    m.getSubject(), text);
        } finally {
            failing.close();
            smtp.stop();
        }
    }

    private static String textPart(jakarta.mail.Part part) throws Exception {
        Object content = part.getContent();
        if (content instanceof Multipart mp) {
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart bp = mp.getBodyPart(i);
                String text = textPart(bp);
                if (text != null) {
                    return text;
                }
            }
            return null;
        }
        return part.isMimeType("text/plain") ? content.toString() : null;
    }
}
