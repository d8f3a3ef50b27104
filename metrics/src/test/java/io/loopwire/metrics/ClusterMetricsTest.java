package io.loopwire.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import io.loopwire.cluster.NatsRoomBridge;
import io.loopwire.relay.ChatServer;
import io.loopwire.testkit.NatsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.loopwire.Poll;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A bridge's counters appear as {@code loopwire_cluster_*} in the Prometheus text, drops by direction and reason. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterMetricsTest {

    @Test
    void theBridgesCountersAndBytesAreExported() throws Exception {
        try (NatsServer nats = NatsServer.startOrSkip()) {
            Reactor reactor = new Reactor("metrics-cluster").start();
            NatsRoomBridge bridge = null;
            try {
                ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
                bridge = NatsRoomBridge.builder(nats.url()).room("metrics").nodeId("m")
                        .start(reactor, server.tcpRoom());
                PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                new ClusterMetrics(bridge).bindTo(registry);
                String text = registry.scrape();
                assertThat(text).contains("loopwire_cluster_published_total{room=\"loopwire.room.metrics\"} 0.0",
                        "loopwire_cluster_dropped_total{direction=\"out\",reason=\"outbox_full\",room=",
                        "loopwire_cluster_dropped_total{direction=\"in\",reason=\"suspect\",room=",
                        "loopwire_cluster_dropped_total{direction=\"in\",reason=\"bad_signature\",room=",
                        "loopwire_cluster_outbox_bytes{room=\"loopwire.room.metrics\"} 0.0",
                        "loopwire_cluster_inbox_bytes{",
                        "loopwire_cluster_connected{room=\"loopwire.room.metrics\"} 1.0");

                // A stranger's line without loopwire headers: counted under its reason, and the text stays strict.
                Connection stranger = Nats.connect(nats.url());
                try {
                    stranger.publish(bridge.subject(), "no headers\n".getBytes(StandardCharsets.UTF_8));
                    stranger.flush(Duration.ofSeconds(5));
                } finally {
                    stranger.close();
                }
                Map<String, String> malformed = Map.of("direction", "in", "reason", "malformed", "room",
                        bridge.subject());
                Poll.until(() -> PrometheusText.parse(registry.scrape())
                        .value("loopwire_cluster_dropped_total", malformed) == 1.0, "the malformed line counted");
            } finally {
                reactor.close();
                reactor.awaitTermination(Duration.ofSeconds(10));
                if (bridge != null) {
                    bridge.close();
                }
            }
        }
    }
}
