package io.loopwire.examples;

import io.loopwire.Reactor;
import io.loopwire.alert.AlertPolicy;
import io.loopwire.alert.AlertSink;
import io.loopwire.alert.AlertingListener;
import io.loopwire.alert.CertificatePolicy;
import io.loopwire.alert.EmailAlertSink;
import io.loopwire.alert.EmailConfig;
import io.loopwire.alert.LogAlertSink;
import io.loopwire.alert.TargetLabels;
import io.loopwire.examples.web.HttpEndpoint;
import io.loopwire.examples.web.LoopMetrics;
import io.loopwire.examples.web.MonitorPage;
import io.loopwire.examples.web.ProbeHistory;
import io.loopwire.examples.web.RecentAlerts;
import io.loopwire.metrics.AlertMetrics;
import io.loopwire.metrics.ProberMetrics;
import io.loopwire.probe.ClassifierConfig;
import io.loopwire.probe.LatencyProber;
import io.loopwire.probe.ProbeKind;
import io.loopwire.probe.ProbeListener;
import io.loopwire.probe.ProbeTarget;
import io.loopwire.probe.TargetSpec;
import io.loopwire.probe.TargetsFile;
import io.loopwire.probe.TargetsFileWatcher;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code monitor}: probes UDP echo and TCP connect targets (given on the command line or in a targets file re-read
 * when it changes) on one reactor, prints every round and state change, and alerts (console, and
 * e-mail, Alertmanager or a webhook when given) on confirmed changes only.
 */
@Command(name = "monitor", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure UDP round trips and TCP connect times to targets, classify the link, alert on "
                + "confirmed changes.")
final class MonitorMain implements Callable<Integer> {
    @Option(names = "--target", paramLabel = "URL", description = "A target (repeatable): udp://HOST:PORT or "
            + "HOST:PORT (echo round trip), tcp://HOST:PORT (time to connect), tls://HOST:PORT (connect + TLS "
            + "handshake; certificate checked); port 1-65535.")
    List<String> targets = new ArrayList<>();
    @Option(names = "--targets-file", paramLabel = "FILE", description = "Targets, one a line: URL [name=NAME] "
            + "[label=value ...], # comments; re-read when it changes (unchanged targets keep their history; a file "
            + "with bad lines is reported and the old targets kept).")
    Path targetsFile;
    @Option(names = "--targets-poll", paramLabel = "DURATION", defaultValue = "2s", converter = Units.DurationConverter.class,
            description = "How often --targets-file is checked for changes (default ${DEFAULT-VALUE}).")
    Duration targetsPoll;
    @Option(names = "--tls-ca", paramLabel = "FILE", description = "PEM CA certificates that tls:// targets' chains "
            + "are checked against (default: the JDK's trust store).")
    Path tlsCa;
    @Option(names = "--cert-warn-days", paramLabel = "N", defaultValue = "14", description = "Alert (console, mail, Alertmanager, "
            + "webhook) when a tls:// target's certificate is invalid or expires within this many days (default "
            + "${DEFAULT-VALUE}); again when renewed.")
    int certWarnDays;
    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "10s",
            converter = Units.DurationConverter.class,
            description = "Time between probes of a target (default ${DEFAULT-VALUE}).")
    Duration interval;
    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "2s", converter = Units.DurationConverter.class,
            description = "No reply within this is a loss (default ${DEFAULT-VALUE}).")
    Duration timeout;
    @Option(names = "--slow", paramLabel = "DURATION", defaultValue = "100ms", converter = Units.DurationConverter.class,
            description = "RTT from which a link is SLOW (default ${DEFAULT-VALUE}).")
    Duration slow;
    @Option(names = "--very-slow", paramLabel = "DURATION", defaultValue = "300ms", converter = Units.DurationConverter.class,
            description = "RTT from which a link is VERY_SLOW (default ${DEFAULT-VALUE}).")
    Duration verySlow;
    @Option(names = "--count", paramLabel = "N", defaultValue = "0", description = "Stop after N rounds and print statistics (0 = run until stopped).")
    long count;
    @Option(names = "--probe", paramLabel = "binary|text", defaultValue = "binary", description = "binary (LWP1 packets) or text (ping/ping) (default ${DEFAULT-VALUE}).")
    LatencyProber.Mode probe;
    @Option(names = "--down-after", paramLabel = "N", defaultValue = "3", description = "Consecutive probes (by send order) unanswered within the timeout that mean DOWN "
                    + "(default ${DEFAULT-VALUE}).")
    int downAfter;
    @Option(names = "--confirm", paramLabel = "N", defaultValue = "2", description = "Consecutive rounds of the same new state needed to change state, 1-1000 "
                    + "(default ${DEFAULT-VALUE}).")
    int confirm;
    @Option(names = "--repeat", paramLabel = "DURATION", defaultValue = "4h", converter = Units.DurationConverter.class,
            description = "Reminder period while a link stays bad (default ${DEFAULT-VALUE}).")
    Duration repeat;
    @Option(names = "--group-wait", paramLabel = "DURATION", defaultValue = "30s", converter = Units.DurationConverter.class,
            description = "Changes within this go out as one alert (default ${DEFAULT-VALUE}).")
    Duration groupWait;
    @Option(names = "--smtp-host", paramLabel = "HOST", description = "SMTP server for e-mail alerts (password from LOOPWIRE_SMTP_PASSWORD).")
    String smtpHost;
    @Option(names = "--smtp-port", paramLabel = "PORT", description = "SMTP port (default 587, 465 with tls, 25 with none).")
    Integer smtpPort;
    @Option(names = "--smtp-security", paramLabel = "starttls|tls|none", description = "starttls (required), tls or none (default starttls).")
    EmailConfig.Security smtpSecurity;
    @Option(names = "--smtp-user", paramLabel = "USER", description = "SMTP user name.")
    String smtpUser;
    @Option(names = "--mail-from", paramLabel = "ADDRESS", description = "Sender address of alerts.")
    String mailFrom;
    @Option(names = "--mail-to", paramLabel = "ADDRESS", description = "Recipient of alerts (repeatable).")
    List<String> mailTo = new ArrayList<>();
    @Option(names = "--smtp-trust-all", description = "Accept a self-signed SMTP certificate (test servers only).")
    boolean smtpTrustAll;
    @Mixin
    HttpAlertOptions httpAlerts = new HttpAlertOptions();
    @Mixin
    HttpOption http = new HttpOption();
    @Option(names = "--history", paramLabel = "DURATION", defaultValue = "1h", converter = Units.DurationConverter.class,
            description = "How much history the live page plots (default ${DEFAULT-VALUE}).")
    Duration history;

    /** Tries per e-mail alert before it is given up (a failure retrying cannot fix is not retried). */
    static final int MAIL_ATTEMPTS = 3;

    /** The targets resolved, in order, by the argument checks (--target, then the file's). */
    private final List<TargetSpec> specs = new ArrayList<>();
    private List<java.security.cert.X509Certificate> caCertificates;
    private LogAlertSink console;
    private EmailAlertSink email;
    /** Each target's alert labels by its name: its address as {@code target}, plus its own labels. */
    private final Map<String, Map<String, String>> alertLabels = new ConcurrentHashMap<>();

    @Override
    public Integer call() throws Exception {
        ClassifierConfig classifier = classifierConfig();
        AlertPolicy.Config alerting = alertConfig();
        // Everything printed on the loop thread goes through a queue: a console that stops reading never stalls it.
        PrintStream out = AsyncConsole.over(System.out);
        http.check();
        Args.check(!history.isZero() && history.compareTo(Duration.ofDays(7)) <= 0,
                "--history must be in 1s..7d, was " + Units.format(history));
        RecentAlerts sink = new RecentAlerts(alertSink(out));
        Reactor reactor = new Reactor("loopwire-monitor");
        CountDownLatch finished = new CountDownLatch(1);
        RoundPrinter printer = new RoundPrinter(out, true, finished::countDown);
        LoopMetrics metrics = new LoopMetrics(reactor);
        ProberMetrics proberMetrics = new ProberMetrics(metrics.sampler());
        ProbeHistory rounds = new ProbeHistory(history, interval);
        ProbeListener labelKeeper = new ProbeListener() {
            @Override
            public void onTargetsChanged(List<ProbeTarget> added, List<ProbeTarget> removed) {
                removed.forEach(t -> alertLabels.remove(t.name()));
                added.forEach(t -> keepLabels(t.spec()));
            }
        };
        // Certificates are alerts of their own kind, through the same sinks (console, mail, Alertmanager, webhook).
        CertificatePolicy certificates = new CertificatePolicy(alerting, Duration.ofDays(certWarnDays), sink);
        AlertingListener alerts = new AlertingListener(reactor, new AlertPolicy(alerting, sink), certificates,
                ProbeListener.all(labelKeeper, printer, proberMetrics, rounds));
        LatencyProber prober;
        try {
            LatencyProber.Builder builder = LatencyProber.builder(reactor)
                    .interval(interval).classifier(classifier).mode(probe).rounds(count).listener(alerts);
            if (tlsCa != null) {
                builder.tlsTrust(caCertificates);
            }
            for (TargetSpec spec : specs) {
                builder.target(spec);
                keepLabels(spec);
            }
            prober = builder.start();
        } catch (IllegalArgumentException e) {
            sink.close(Duration.ofSeconds(1));
            out.close();
            reactor.close();
            throw new Args.UsageError("--target: " + e.getMessage()); // e.g. the same target given twice
        }
        TargetsFileWatcher watcher = targetsFile == null ? null
                : TargetsFileWatcher.watch(targetsFile, prober, targetsPoll, out::println);
        StopSignals.onStop(finished::countDown); // Ctrl-C, SIGTERM: the clean stop below, exit 0
        HttpEndpoint web = null;
        if (http.enabled()) {
            metrics.bind(proberMetrics.watch(prober)).bind(httpAlerts.count(new AlertMetrics(console, email)));
            web = http.serve("monitor", metrics, InetAddress.getLoopbackAddress());
            if (web == null) {
                prober.close();
                reactor.close();
                return 1;
            }
            new MonitorPage(reactor, prober, rounds, sink, interval, history).serveOn(web);
        }
        String httpLine = web == null ? null : "http=" + web.hostPort();
        long tcpTargets = specs.stream().filter(t -> t.kind() == ProbeKind.TCP).count();
        long tlsTargets = specs.stream().filter(t -> t.kind() == ProbeKind.TLS).count();
        String monitoring = "monitoring " + specs.size() + " target(s) every " + Units.format(interval)
                + ", timeout " + Units.format(timeout) + ", " + probe.name().toLowerCase() + " probes"
                + (tcpTargets > 0 ? " (" + tcpTargets + " tcp)" : "")
                + (tlsTargets > 0 ? " (" + tlsTargets + " tls)" : "")
                + (targetsFile != null ? ", targets file " + targetsFile : "");
        // Said by the loop's first task: whoever reads the http= line may ask the page at once, and the page asks the
        // loop (reactor.call), which before the loop runs would run on the HTTP thread beside this one. Round lines
        // cannot come first: a probe's answer takes a later turn.
        reactor.execute(() -> {
            if (httpLine != null) {
                out.println(httpLine);
            }
            out.println(monitoring);
        });
        Thread shutdown = new Thread(() -> stop(reactor, prober, alerts, sink, out), "loopwire-monitor-stop");
        Runtime.getRuntime().addShutdownHook(shutdown);
        LoopExit.releaseWhenLoopStops(reactor, finished);
        reactor.start();
        finished.await();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdown);
        } catch (IllegalStateException e) {
            if (watcher != null) {
                watcher.close();
            }
            return 0; // the JVM is exiting anyway (SIGHUP): the hook does the stop
        }
        if (watcher != null) {
            watcher.close();
        }
        if (reactor.failure() != null) {
            sink.close(Duration.ofSeconds(1));
            out.close();
            if (web != null) {
                web.close();
            }
            LoopExit.failed("monitor", reactor);
            return 1;
        }
        stop(reactor, prober, alerts, sink, out);
        if (web != null) {
            web.close();
        }
        return 0;
    }

    /** Prints the statistics, sends pending alerts (bounded), and stops the loop. */
    private static void stop(Reactor reactor, LatencyProber prober, AlertingListener alerts, AlertSink sink,
            PrintStream out) {
        try {
            reactor.call(() -> {
                alerts.flush();
                RoundPrinter.printStatistics(out, prober.targets());
                return null;
            });
        } catch (Exception e) {
            System.err.println("monitor: could not flush alerts: " + e.getMessage());
        }
        alerts.close();
        prober.close();
        reactor.close();
        sink.close(Duration.ofSeconds(10));
        out.close();
    }

    /** The alert labels of {@code spec}: its address as {@code target} (with the scheme unless UDP), its own. */
    private void keepLabels(TargetSpec spec) {
        Map<String, String> labels = new java.util.LinkedHashMap<>(spec.labels());
        String address = Args.hostPort(spec.address());
        labels.put("target", spec.kind() == ProbeKind.UDP ? address : spec.kind().scheme() + "://" + address);
        alertLabels.put(spec.name(), Map.copyOf(labels));
    }

    private ClassifierConfig classifierConfig() {
        Args.check(!targets.isEmpty() || targetsFile != null, "--target or --targets-file is required");
        Args.check(count >= 0, "--count must not be negative, was " + count);
        Args.check(!interval.isZero(), "--interval must be positive");
        Args.check(!targetsPoll.isZero(), "--targets-poll must be positive");
        Args.check(certWarnDays >= 0 && certWarnDays <= 3650, "--cert-warn-days must be in 0..3650, was "
                + certWarnDays);
        if (tlsCa != null) {
            try {
                caCertificates = io.loopwire.tls.PemFiles.readCertificates(tlsCa);
            } catch (java.io.IOException | RuntimeException e) {
                throw new Args.UsageError("--tls-ca " + tlsCa + ": " + e.getMessage());
            }
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String target : targets) {
            Args.check(seen.add(target), "--target " + target + " is given twice");
            if (!target.contains("://")) {
                Args.hostPort("--target", target); // the messages of today for a bare HOST:PORT
            }
            try {
                specs.add(TargetsFile.target(target, target, Map.of()));
            } catch (IllegalArgumentException e) {
                throw new Args.UsageError("--target " + target + ": " + e.getMessage());
            }
        }
        if (targetsFile != null) {
            try {
                specs.addAll(TargetsFile.read(targetsFile));
            } catch (java.io.IOException e) {
                throw new Args.UsageError("--targets-file: cannot read " + targetsFile + ": " + e.getMessage());
            } catch (TargetsFile.BadTargetsException e) {
                throw new Args.UsageError("--targets-file " + e.getMessage());
            }
            Args.check(!specs.isEmpty(), "--targets-file " + targetsFile + " has no targets");
        }
        try {
            return new ClassifierConfig(slow, verySlow, timeout, downAfter, confirm);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageError(e.getMessage());
        }
    }

    private AlertPolicy.Config alertConfig() {
        try {
            return AlertPolicy.Config.defaults().withRepeat(repeat).withGroupWait(groupWait);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageError(e.getMessage());
        }
    }

    private AlertSink alertSink(PrintStream out) {
        console = new LogAlertSink(out);
        List<AlertSink> sinks = new ArrayList<>(List.of(console));
        TargetLabels labels = name -> alertLabels.getOrDefault(name, Map.of("target", name));
        if (smtpHost == null) {
            // An e-mail flag without the server would be silently ignored: name the first one given.
            Args.check(smtpPort == null, "--smtp-port needs --smtp-host");
            Args.check(smtpSecurity == null, "--smtp-security needs --smtp-host");
            Args.check(smtpUser == null, "--smtp-user needs --smtp-host");
            Args.check(!smtpTrustAll, "--smtp-trust-all needs --smtp-host");
            Args.check(mailFrom == null, "--mail-from needs --smtp-host");
            Args.check(mailTo.isEmpty(), "--mail-to needs --smtp-host");
            sinks.addAll(httpAlerts.sinks(labels));
            return sinks.size() == 1 ? console : AlertSink.all(sinks.toArray(AlertSink[]::new));
        }
        Args.check(mailFrom != null, "--mail-from is required with --smtp-host");
        Args.check(!mailTo.isEmpty(), "--mail-to is required with --smtp-host");
        if (smtpPort != null) {
            Args.checkPort("--smtp-port", smtpPort);
        }
        // Resolved once now, as --target is: a misspelt host is a usage error at start, not a failure per alert.
        Args.address("--smtp-host", smtpHost);
        String password = System.getenv("LOOPWIRE_SMTP_PASSWORD");
        Args.check(smtpUser == null || password != null,
                "--smtp-user needs the password in the environment variable LOOPWIRE_SMTP_PASSWORD");
        if (smtpTrustAll) {
            System.err.println("monitor: warning: --smtp-trust-all accepts any certificate; use it only with test servers");
        }
        try {
            EmailConfig.Builder b = EmailConfig.builder()
                    .host(smtpHost).security(smtpSecurity == null ? EmailConfig.Security.STARTTLS : smtpSecurity)
                    .from(mailFrom).to(mailTo.toArray(String[]::new)).trustAll(smtpTrustAll)
                    // A failing alert is given up after MAIL_ATTEMPTS tries a second, then two apart: told within a
                    // few seconds, not minutes, and the next alert is not held up behind it.
                    .maxRetries(MAIL_ATTEMPTS - 1).backoff(Duration.ofSeconds(1), Duration.ofSeconds(2));
            if (smtpPort != null) {
                b.port(smtpPort);
            }
            if (smtpUser != null) {
                b.credentials(smtpUser, password.toCharArray());
            }
            // One short line per alert given up, on stderr (the mail thread's, never the loop's).
            email = new EmailAlertSink(b.build(), line -> System.err.println("monitor: " + line));
            sinks.add(email);
            sinks.addAll(httpAlerts.sinks(labels));
            return AlertSink.all(sinks.toArray(AlertSink[]::new));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageError(e.getMessage());
        }
    }
}
