package io.loopwire.cluster;

import static io.loopwire.cluster.ClusterNode.NATS_PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.testkit.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Anyone on the NATS server can publish on the room's subject. Lines without our headers, with a bad sequence or a
 * body that is not a line are ignored and counted; a replayed line (same origin, incarnation and sequence) is
 * delivered once; the room goes on.
 */
class HostilePublisherTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void malformedAndReplayedLinesNeverReachMembersTwiceOrBreakTheRoom() throws Exception {
        try (NatsServer nats = NatsServer.startOrSkip();
                ClusterNode node = ClusterNode.start("victim", nats.url(), "hostile");
                Client member = Client.tcp("member", node.tcp())) {
            Poll.until(NATS_PATIENCE, () -> node.roomSize() == 1, "member in the room");
            Connection attacker = Nats.connect(nats.url());
            try {
                String subject = node.bridge.subject();
                attacker.publish(subject, utf8("[1.2.3.4:5] no headers\n"));
                attacker.publish(subject, Envelope.headers("x", "1", -5, Envelope.Kind.MESSAGE, "1.2.3.4:5"),
                        utf8("[1.2.3.4:5] negative seq\n"));
                Headers badSeq = Envelope.headers("x", "1", 1, Envelope.Kind.MESSAGE, "1.2.3.4:5");
                badSeq.put(Envelope.SEQ, "not-a-number");
                attacker.publish(subject, badSeq, utf8("[1.2.3.4:5] bad seq\n"));
                attacker.publish(subject, Envelope.headers("x", "1", 1, Envelope.Kind.MESSAGE, "1.2.3.4:5"),
                        utf8("[1.2.3.4:5] no newline"));
                attacker.publish(subject, Envelope.headers("x", "1", 1, Envelope.Kind.MESSAGE, "1.2.3.4:5"),
                        new byte[0]);
                // Node ids and incarnations become keys of the origin table: oversized or odd ones are refused.
                attacker.publish(subject, Envelope.headers("x".repeat(100_000), "1", 1, Envelope.Kind.MESSAGE,
                        "1.2.3.4:5"), utf8("[1.2.3.4:5] huge node id\n"));
                attacker.publish(subject, Envelope.headers("x", "f".repeat(17), 1, Envelope.Kind.MESSAGE,
                        "1.2.3.4:5"), utf8("[1.2.3.4:5] long incarnation\n"));
                Headers first = Envelope.headers("x", "2", 7, Envelope.Kind.MESSAGE, "1.2.3.4:5");
                attacker.publish(subject, first, utf8("[1.2.3.4:5] once\n"));
                attacker.publish(subject, first, utf8("[1.2.3.4:5] once\n")); // replay
                attacker.publish(subject, Envelope.headers("x", "2", 3, Envelope.Kind.MESSAGE, "1.2.3.4:5"),
                        utf8("[1.2.3.4:5] old\n")); // older than what was seen
                attacker.publish(subject, Envelope.headers("x", "2", 8, Envelope.Kind.MESSAGE, "1.2.3.4:5"),
                        utf8("[1.2.3.4:5] last\n"));
                attacker.flush(Duration.ofSeconds(5));
            } finally {
                attacker.close();
            }

            Poll.until(NATS_PATIENCE, () -> member.received().contains("[1.2.3.4:5] last"), "the last valid line");
            assertThat(member.received()).containsExactly("[1.2.3.4:5] once", "[1.2.3.4:5] last");
            ClusterStats stats = node.bridge.stats();
            assertThat(stats.malformed()).isEqualTo(7);
            assertThat(stats.duplicates()).isEqualTo(2);
            assertThat(stats.delivered()).isEqualTo(2);

            // The room still works locally.
            try (Client other = Client.tcp("other", node.tcp())) {
                Poll.until(NATS_PATIENCE, () -> node.roomSize() == 2, "second member");
                other.send("still here");
                Poll.until(NATS_PATIENCE, () -> member.received().stream().anyMatch(l -> l.endsWith("] still here")),
                        "a local line after the attack");
            }
            assertThat(List.copyOf(member.received())).doesNotContain("[1.2.3.4:5] old");
        }
    }
}
