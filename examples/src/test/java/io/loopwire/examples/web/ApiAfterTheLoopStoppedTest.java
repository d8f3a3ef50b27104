package io.loopwire.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import io.loopwire.probe.LatencyProber;
import io.loopwire.relay.PingEcho;
import io.loopwire.udp.UdpEndpoint;
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

/** The page's API answers 200 with one object per target while the loop runs, and a clear 503 once it has stopped. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ApiAfterTheLoopStoppedTest {

    @Test
    void apiAnswersWhileTheLoopRunsAnd503OnceItStopped() throws Exception {
        Reactor reactor = new Reactor("api-test");
        UdpEndpoint echo = UdpEndpoint.builder(reactor).bind(new InetSocketAddress("127.0.0.1", 0))
                .handler(new PingEcho()::answer).start();
        Duration interval = Duration.ofMillis(50);
        ProbeHistory history = new ProbeHistory(Duration.ofMinutes(1), interval);
        LatencyProber prober = LatencyProber.builder(reactor).target(echo.localAddress()).interval(interval)
                .listener(history).start();
        reactor.start();
        HttpClient http = HttpClient.newHttpClient();
        try (HttpEndpoint endpoint = new LoopMetrics(reactor).serve(InetAddress.getLoopbackAddress(), 0)) {
            new MonitorPage(reactor, prober, history, null, interval, Duration.ofMinutes(1)).serveOn(endpoint);
            URI api = URI.create("http://" + endpoint.hostPort() + "/api/targets");
            HttpResponse<String> running = http.send(HttpRequest.newBuilder(api).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(running.statusCode()).isEqualTo(200);
            assertThat(running.body()).startsWith("[{\"target\":\"127.0.0.1:" + echo.localAddress().getPort() + "\"");

            reactor.close();
            HttpResponse<String> stopped = http.send(HttpRequest.newBuilder(api).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(stopped.statusCode()).isEqualTo(503);
            assertThat(stopped.body()).startsWith("unavailable: ");
        } finally {
            reactor.close();
        }
    }
}
