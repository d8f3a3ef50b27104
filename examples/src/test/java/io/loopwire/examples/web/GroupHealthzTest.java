package io.loopwire.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.ReactorGroup;
import io.loopwire.metrics.ChatServerMetrics;
import io.loopwire.relay.ChatServer;
import io.loopwire.relay.GroupChatServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server's wiring over two loops ({@link LoopMetrics#bindGroup}): while one loop is stopped longer than the stall
 * timeout and a member on the other sends at full speed, {@code /healthz} answers 503 naming the stalled loop; once
 * the loop runs again it answers 200 within 1.5 s, and the drops are counted in {@code /metrics}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GroupHealthzTest {
    private static final Duration STALL = LoopHealth.DEFAULT_STALL.plusSeconds(2);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void healthNamesAStalledLoopAndRecoversWhenItRunsAgain() throws Exception {
        ReactorGroup group = new ReactorGroup(2);
        // packBelow 0: the second member goes to the other loop, so lines cross (a loop without members gets none).
        GroupChatServer chat = ChatServer.builder(group).tcpPort(0).udpPort(0).stallTimeout(Duration.ofSeconds(1))
                .packBelow(0).startGroup();
        group.start();
        LoopMetrics metrics = new LoopMetrics(group.reactors())
                .bindEach((i, sampler) -> new ChatServerMetrics(sampler, chat.server(i)))
                .bindGroup(chat.room());
        Thread sender = null;
        Socket listener = null;
        try (HttpEndpoint endpoint = metrics.serve(InetAddress.getLoopbackAddress(), 0);
                Socket member = new Socket("127.0.0.1", chat.tcpAddress().getPort())) {
            URI health = URI.create("http://" + endpoint.hostPort() + "/healthz");
            assertThat(get(health).statusCode()).isEqualTo(200);
            Poll.until(() -> onLoop(chat, 0) + onLoop(chat, 1) == 1, "the member joined");
            int other = onLoop(chat, 0) == 1 ? 1 : 0; // the loop the member is not on: the one to stop
            listener = new Socket("127.0.0.1", chat.tcpAddress().getPort());
            Poll.until(() -> onLoop(chat, other) == 1, "a second member on loop " + other);

            CountDownLatch stallEnded = new CountDownLatch(1);
            group.get(other).execute(() -> {
                try {
                    Thread.sleep(STALL.toMillis()); // the loop itself stops: what this test is about
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                stallEnded.countDown();
            });
            sender = new Thread(() -> sendUntilClosed(member), "healthz-sender");
            sender.setDaemon(true);
            sender.start();
            Poll.until(() -> chat.room().stalledLoops().contains(other), "loop " + other + " declared stalled");
            HttpResponse<String> stalled = get(health);
            assertThat(stalled.statusCode()).isEqualTo(503);
            assertThat(stalled.body()).contains("stalled loop(s) [" + other + "]");

            Poll.await(stallEnded, "the stall to end");
            long resumed = System.nanoTime();
            Poll.until(Duration.ofMillis(1500), () -> get(health).statusCode() == 200, "200 within 1.5 s");
            System.out.printf("[figures] /healthz 200 again %d ms after loop %d ran again%n",
                    (System.nanoTime() - resumed) / 1_000_000, other);
            String body = get(URI.create("http://" + endpoint.hostPort() + "/metrics")).body();
            assertThat(body).contains("loopwire_group_stalled{loop=\"" + other + "\"} 0.0")
                    .doesNotContain("loopwire_group_lines_dropped_total{loop=\"" + other + "\"} 0.0")
                    .contains("loopwire_group_stalls_total{loop=\"" + other + "\"} 1.0");
        } finally {
            if (listener != null) {
                listener.close();
            }
            group.close(Duration.ofMillis(500));
            if (sender != null) {
                sender.join(5000);
            }
        }
    }

    private static int onLoop(GroupChatServer chat, int loop) throws Exception {
        return chat.group().get(loop).call(() -> chat.room().room(loop).size());
    }

    private static void sendUntilClosed(Socket socket) {
        byte[] lines = "full speed\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        try {
            OutputStream out = socket.getOutputStream();
            while (true) {
                out.write(lines);
            }
        } catch (Exception closed) {
            // the test or the server closed the connection
        }
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
