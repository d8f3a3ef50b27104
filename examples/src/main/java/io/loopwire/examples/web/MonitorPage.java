package io.loopwire.examples.web;

import com.sun.net.httpserver.HttpExchange;
import io.loopwire.Reactor;
import io.loopwire.alert.Alert;
import io.loopwire.alert.CertificateChange;
import io.loopwire.alert.JsonWriter;
import io.loopwire.alert.TargetChange;
import io.loopwire.probe.LatencyProber;
import io.loopwire.probe.LinkState;
import io.loopwire.probe.ProbeKind;
import io.loopwire.probe.ProbeStats;
import io.loopwire.probe.ProbeTarget;
import io.loopwire.wire.PeerName;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The monitor's live page on an {@link HttpEndpoint}:
 * <ul>
 *   <li>{@code /}: per target a SmokePing-style plot of the last history (RTT spread band, median line, loss bars),
 *       the state with its colour, the figures, a table with the same numbers; the last alerts. It polls the API
 *       every probe interval. Each target's element carries {@code data-target="ip:port"} and
 *       {@code data-state="STATE"}.</li>
 *   <li>{@code /api/targets}: a JSON array, one object per target (fields in the README).</li>
 *   <li>{@code /api/alerts}: a JSON array of the last alerts, newest first.</li>
 *   <li>{@code /uplot/uPlot.iife.min.js}, {@code /uplot/uPlot.min.css}: uPlot from its WebJar in this jar.</li>
 * </ul>
 *
 * @implNote Thread-safe; the prober's state is copied on the loop ({@code reactor.call}) once per API request.
 */
public final class MonitorPage {
    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
    private static final Map<String, String> STATIC = Map.of(
            "/uplot/uPlot.iife.min.js", UPLOT + "uPlot.iife.min.js",
            "/uplot/uPlot.min.css", UPLOT + "uPlot.min.css",
            "/monitor.js", "io/loopwire/examples/web/monitor.js",
            "/monitor.css", "io/loopwire/examples/web/monitor.css");

    private final Reactor reactor;
    private final LatencyProber prober;
    private final ProbeHistory history;
    private final RecentAlerts alerts;
    private final Duration interval;
    private final Duration historyLength;
    private final long bucketMillis;

    /** {@code alerts} may be null (no alerts shown). */
    public MonitorPage(Reactor reactor, LatencyProber prober, ProbeHistory history, RecentAlerts alerts,
            Duration interval, Duration historyLength) {
        this.reactor = reactor;
        this.prober = prober;
        this.history = history;
        this.alerts = alerts;
        this.interval = interval;
        this.historyLength = historyLength;
        this.bucketMillis = SmokeBuckets.bucketMillis(historyLength, interval);
    }

    /** Adds the page's routes to {@code endpoint}. */
    public void serveOn(HttpEndpoint endpoint) {
        endpoint.route("/", this::page);
        endpoint.route("/api/targets", exchange -> json(exchange, targetsJson()));
        endpoint.route("/api/alerts", exchange -> json(exchange, alertsJson()));
        for (Map.Entry<String, String> e : STATIC.entrySet()) {
            endpoint.route(e.getKey(), exchange -> resource(exchange, e.getValue()));
        }
    }

    private void page(HttpExchange exchange) throws IOException {
        if (!"/".equals(exchange.getRequestURI().getPath())) {
            HttpEndpoint.send(exchange, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        String html = new String(read("io/loopwire/examples/web/monitor.html"), StandardCharsets.UTF_8)
                .replace("{{INTERVAL_MS}}", Long.toString(interval.toMillis()))
                .replace("{{HISTORY_SECONDS}}", Long.toString(historyLength.toSeconds()))
                .replace("{{BUCKET_SECONDS}}", Long.toString(bucketMillis / 1000))
                .replace("{{FIRST_PAINT}}", firstPaint())
                // JSON inside a script element: JsonWriter writes "<" in strings as \u003c, and nowhere else can it be.
                .replace("{{FIRST_DATA}}", "[" + targetsJson() + "," + alertsJson() + "]");
        HttpEndpoint.send(exchange, 200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Each target as an element in the first HTML response ({@code data-target}, {@code data-state}, its name and
     * state), so the page shows the targets before any script runs; the script replaces them with the full views.
     */
    private String firstPaint() throws IOException {
        List<String[]> rows = reactor.call(() -> {
            List<String[]> list = new ArrayList<>();
            for (ProbeTarget t : prober.targets()) {
                LinkState state = t.state(); // null until the target's first round ends, as in the API's rows
                list.add(new String[] {t.name(), PeerName.of(t.address()), state == null ? "UNKNOWN" : state.name(),
                    t.kind().scheme()});
            }
            return list;
        });
        StringBuilder html = new StringBuilder();
        for (String[] r : rows) {
            html.append("<section class=\"target\" data-target=\"").append(escape(r[1])).append("\" data-state=\"")
                    .append(r[2]).append("\" data-kind=\"").append(escape(r[3])).append("\"><header><h2>")
                    .append(escape(r[0])).append("</h2><span class=\"state\">").append(r[2])
                    .append("</span></header></section>");
        }
        return html.toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private void resource(HttpExchange exchange, String path) throws IOException {
        String type = path.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
        HttpEndpoint.send(exchange, 200, type, read(path));
    }

    private static byte[] read(String path) throws IOException {
        try (InputStream in = MonitorPage.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("missing resource " + path);
            }
            return in.readAllBytes();
        }
    }

    private static void json(HttpExchange exchange, String body) throws IOException {
        HttpEndpoint.send(exchange, 200, "application/json; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    /** One target as copied on the loop. */
    private record Row(String name, ProbeKind kind, InetSocketAddress address, Map<String, String> labels,
                       LinkState state, String reason, long certNotAfter, String certProblem,
                       ProbeStats.Snapshot stats, ProbeHistory.Rounds rounds) {
    }

    String targetsJson() throws IOException {
        List<Row> rows = reactor.call(() -> {
            List<Row> list = new ArrayList<>();
            for (ProbeTarget t : prober.targets()) {
                list.add(new Row(t.name(), t.kind(), t.address(), t.labels(), t.state(), t.lastFailure(),
                        t.certificateNotAfterMillis(), t.certificateProblem(), t.stats().snapshot(), history.copy(t)));
            }
            return list;
        });
        long now = System.currentTimeMillis();
        JsonWriter json = new JsonWriter(1024).beginArray();
        for (Row row : rows) {
            ProbeStats.Figures life = row.stats().lifetime();
            json.beginObject()
                    .name("target").value(PeerName.of(row.address()))
                    .name("name").value(row.name())
                    .name("kind").value(row.kind().scheme())
                    .name("state").value(row.state() == null ? "UNKNOWN" : row.state().name());
            if (row.reason() != null) {
                json.name("reason").value(row.reason()); // why the last round was lost (tcp: refused, timeout, ...)
            }
            if (row.kind() == ProbeKind.TLS && row.certNotAfter() >= 0) {
                json.name("cert_not_after").value(java.time.Instant.ofEpochMilli(row.certNotAfter()).toString())
                        .name("cert_days_left").value(Math.floorDiv(row.certNotAfter() - now, 86_400_000L))
                        .name("cert_problem").value(row.certProblem());
            }
            json.name("labels").beginObject();
            for (Map.Entry<String, String> label : row.labels().entrySet()) {
                json.name(label.getKey()).value(label.getValue());
            }
            json.endObject()
                    .name("sent").value(life.sent())
                    .name("received").value(life.received())
                    .name("lost").value(life.lost())
                    .name("late").value(life.late())
                    .name("loss_percent").value(life.lossPercent())
                    .name("last_rtt_ms").value(ms(life.lastNanos()))
                    .name("min_rtt_ms").value(ms(life.minNanos()))
                    .name("avg_rtt_ms").value(life.avgNanos() / 1e6)
                    .name("max_rtt_ms").value(ms(life.maxNanos()))
                    .name("p50_rtt_ms").value(ms(life.p50Nanos()))
                    .name("p90_rtt_ms").value(ms(life.p90Nanos()))
                    .name("p99_rtt_ms").value(ms(life.p99Nanos()))
                    .name("jitter_ms").value(life.jitterNanos() / 1e6);
            smoke(json.name("smoke"), SmokeBuckets.of(row.rounds(), bucketMillis, now, historyLength));
            json.endObject();
        }
        return json.endArray().toString();
    }

    private static void smoke(JsonWriter json, SmokeBuckets b) {
        json.beginObject().name("bucket_seconds").value(b.bucketMillis / 1000);
        json.name("t").beginArray();
        for (int i = 0; i < b.size; i++) {
            json.value(b.startSeconds[i]);
        }
        json.endArray();
        String[] names = {"min", "p10", "p25", "p50", "p75", "p90", "max"};
        for (int k = 0; k < names.length; k++) {
            json.name(names[k]).beginArray();
            for (int i = 0; i < b.size; i++) {
                json.value(b.rtt[i][k]);
            }
            json.endArray();
        }
        json.name("loss").beginArray();
        for (int i = 0; i < b.size; i++) {
            json.value(b.lossPercent[i]);
        }
        json.endArray().endObject();
    }

    String alertsJson() {
        JsonWriter json = new JsonWriter(1024).beginArray();
        if (alerts != null) {
            for (Alert a : alerts.newestFirst()) {
                json.beginObject().name("at").value(a.format(a.created())).name("kind").value(a.kind().name())
                        .name("subject").value(a.subject()).name("targets").beginArray();
                for (TargetChange c : a.changes()) {
                    json.beginObject().name("target").value(c.target()).name("state").value(c.current().name())
                            .endObject();
                }
                for (CertificateChange c : a.certificates()) {
                    json.beginObject().name("target").value(c.target()).name("certificate")
                            .value(c.current().name()).endObject();
                }
                json.endArray().endObject();
            }
        }
        return json.endArray().toString();
    }

    private static double ms(long nanos) {
        return nanos < 0 ? Double.NaN : nanos / 1e6;
    }
}
