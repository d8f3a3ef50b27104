package io.loopwire.cluster;

import static io.loopwire.cluster.ClusterNode.NATS_PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.testkit.NatsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A line over the NATS server's {@code max_payload} (here 32 KB) is dropped and counted, and the publisher goes on:
 * the lines after it reach the other node. Before, jnats' IllegalArgumentException ended the publisher thread and the
 * node never published again.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OversizeLineTest {
    private final ClusterFixture fixture = new ClusterFixture();

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void aLineOverMaxPayloadIsDroppedAndCountedAndLaterLinesStillGoOut() throws Exception {
        Path config = Files.createTempFile("nats-small-payload", ".conf");
        config.toFile().deleteOnExit();
        Files.writeString(config, "max_payload: 32KB\n");
        NatsServer nats = fixture.startNats(List.of("-c", config.toString()));
        ClusterNode a = ClusterNode.start("a", nats.url(), "oversize");
        fixture.nodes.add(a);
        ClusterNode b = ClusterNode.start("b", nats.url(), "oversize");
        fixture.nodes.add(b);
        Client onA = fixture.tcpMember("a1", a);
        Client otherOnA = fixture.tcpMember("a2", a);
        Client onB = fixture.tcpMember("b1", b);
        Poll.until(NATS_PATIENCE, () -> a.roomSize() == 2 && b.roomSize() == 1, "members in their rooms");
        Chat.fence("fence", onA, List.of(onB));

        for (int i = 0; i < 3; i++) {
            onA.send("big" + i + " " + "x".repeat(40_000)); // under --max-frame, over max_payload
            onA.send("after:" + onA.name + "#" + i);
        }
        Chat.assertExactlyOnceInOrder("after", List.of(onA), List.of(onB), 3);
        assertThat(a.bridge.stats().droppedTooLarge()).isEqualTo(3);
        assertThat(a.bridge.stats().publishFailures()).isZero();
        assertThat(onB.received()).noneMatch(l -> l.contains("big"));
        // Local members still got the long line: only the bus refused it.
        Poll.until(NATS_PATIENCE, () -> otherOnA.received().stream().filter(l -> l.contains("] big")).count() == 3,
                "the long lines relayed locally");
    }
}
