package io.loopwire.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import io.loopwire.probe.ClassifierConfig;
import io.loopwire.probe.LatencyProber;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The live page asked before any target has a state (no round has ended: the target is silent and its first probe
 * waits out a 30 s timeout) still answers 200, each target drawn as UNKNOWN. It answered 503 (a null state's name)
 * to whoever opened it as soon as the demo or the monitor named it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PageBeforeTheFirstRoundTest {

    @Test
    void thePageAndTheApiAnswerBeforeTheFirstRoundEnds() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                Reactor reactor = new Reactor("page-test")) {
            Duration interval = Duration.ofMinutes(1);
            ProbeHistory history = new ProbeHistory(Duration.ofMinutes(10), interval);
            LatencyProber prober = LatencyProber.builder(reactor)
                    .target("quiet", new InetSocketAddress(silent.getLocalAddress(), silent.getLocalPort()))
                    .interval(interval).classifier(ClassifierConfig.defaults().withTimeout(Duration.ofSeconds(30)))
                    .listener(history).start();
            reactor.start();
            HttpClient http = HttpClient.newHttpClient();
            try (HttpEndpoint endpoint = new LoopMetrics(reactor).serve(InetAddress.getLoopbackAddress(), 0)) {
                new MonitorPage(reactor, prober, history, null, interval, Duration.ofMinutes(10)).serveOn(endpoint);
                assertThat(reactor.call(() -> prober.targets().get(0).state())).as("no round has ended").isNull();

                HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://"
                        + endpoint.hostPort() + "/")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
                assertThat(page.body())
                        .contains("data-target=\"127.0.0.1:" + silent.getLocalPort() + "\" data-state=\"UNKNOWN\"");

                HttpResponse<String> api = http.send(HttpRequest.newBuilder(URI.create("http://"
                        + endpoint.hostPort() + "/api/targets")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(api.statusCode()).isEqualTo(200);
                assertThat(api.body()).contains("\"state\":\"UNKNOWN\"");
            }
        }
    }
}
