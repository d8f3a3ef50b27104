package io.loopwire.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Connections beyond the limit are closed at accept; once the hoarder lets go, the endpoint answers again. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionLimitTest {

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws Exception {
        int limit = HttpLimits.maxConnections();
        int extra = 20;
        Reactor reactor = new Reactor("connection-limit-test").start();
        List<Socket> sockets = new ArrayList<>();
        try (HttpEndpoint endpoint = new LoopMetrics(reactor).serve(InetAddress.getLoopbackAddress(), 0)) {
            for (int i = 0; i < limit + extra; i++) {
                sockets.add(new Socket(endpoint.address().getAddress(), endpoint.address().getPort()));
            }
            // Well before the 10 s request limit, exactly the connections over the limit are closed.
            Poll.until(Duration.ofSeconds(5), () -> closed(sockets) >= extra, extra + " connections closed");
            int closed = closed(sockets);
            System.out.printf("[figures] %d connections opened against a limit of %d: %d closed at once%n",
                    sockets.size(), limit, closed);
            assertThat(closed).isBetween(extra, extra + 1);

            for (Socket s : sockets) {
                s.close();
            }
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            URI health = URI.create(endpoint.url() + "/healthz");
            Poll.until(() -> http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200, "/healthz once the hoarder let go");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
            reactor.close();
        }
    }

    /** How many of {@code sockets} the server has closed (EOF or reset), without waiting on the open ones. */
    private static int closed(List<Socket> sockets) throws IOException {
        int closed = 0;
        for (Socket s : sockets) {
            s.setSoTimeout(1);
            try {
                if (s.getInputStream().read() < 0) {
                    closed++;
                }
            } catch (SocketTimeoutException open) {
                // still open
            } catch (IOException reset) {
                closed++;
            }
        }
        return closed;
    }
}
