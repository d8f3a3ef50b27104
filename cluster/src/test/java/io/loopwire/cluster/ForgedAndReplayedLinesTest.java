package io.loopwire.cluster;

import static io.loopwire.cluster.ClusterNode.NATS_PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.testkit.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a stranger on the NATS server can do to the room, without and with a cluster key. It records a line node a
 * published, then (1) forges a line with a's node id and incarnation and the sequence 2^63-1, (2) forges one a little
 * ahead, (3) publishes lines from 5,000 made-up origins, then (4) replays the recorded line. Without a key the forged
 * lines are delivered (anyone on the subject can speak) but a's later lines still reach b, and the replay is dropped;
 * with a key nothing the stranger sends is delivered.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForgedAndReplayedLinesTest {
    static final int MADE_UP_ORIGINS = 5_000;
    static final String KEY = "a shared secret of more than thirty-two bytes, trimmed\n";

    private final ClusterFixture fixture = new ClusterFixture();

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void withoutAKeyAForgedHugeSequenceCannotSilenceANodeAndAReplayStaysDropped() throws Exception {
        Attack attack = attack(b -> b);
        ClusterStats stats = attack.b.bridge.stats();
        assertThat(stats.suspect()).as("the 2^63-1 forgery").isEqualTo(1);
        assertThat(attack.onB.received()).as("the forgery within the window is delivered: no key, anyone speaks")
                .contains("[6.6.6.6:6] forged ahead");
        assertThat(attack.onB.received()).doesNotContain("[6.6.6.6:6] forged huge");
        assertThat(attack.onB.received().stream().filter(l -> l.equals(attack.recordedText)).count())
                .as("the recorded line, replayed after %d made-up origins", MADE_UP_ORIGINS).isEqualTo(1);
        assertThat(stats.duplicates()).as("the replay").isGreaterThanOrEqualTo(1);
    }

    @Test
    void withAKeyNeitherTheForgeriesNorTheReplayAreDelivered() throws Exception {
        ClusterKey key = ClusterKey.of(KEY);
        Attack attack = attack(b -> b.key(key));
        ClusterStats stats = attack.b.bridge.stats();
        assertThat(attack.onB.received()).noneMatch(l -> l.startsWith("[6.6.6.6:6]"));
        assertThat(attack.onB.received().stream().filter(l -> l.equals(attack.recordedText)).count())
                .as("the recorded signed line, replayed").isEqualTo(1);
        assertThat(stats.badSignature()).as("two forgeries and the made-up origins")
                .isEqualTo(2 + MADE_UP_ORIGINS);
        assertThat(stats.duplicates()).as("the signed replay").isEqualTo(1);
        assertThat(stats.suspect()).isZero();
    }

    @Test
    void aNodeWithAnotherKeyIsNotHeard() throws Exception {
        NatsServer nats = fixture.startNats();
        ClusterNode a = start("a", nats, b -> b.key(ClusterKey.of("k".repeat(32) + "-one")));
        ClusterNode b = start("b", nats, x -> x.key(ClusterKey.of("k".repeat(32) + "-two")));
        Client onA = fixture.tcpMember("a1", a);
        Client onB = fixture.tcpMember("b1", b);
        Poll.until(NATS_PATIENCE, () -> a.roomSize() == 1 && b.roomSize() == 1, "members in their rooms");
        onA.send("unheard");
        Poll.until(NATS_PATIENCE, () -> b.bridge.stats().badSignature() >= 1, "b refusing a's lines");
        assertThat(onB.received()).noneMatch(l -> l.endsWith("unheard"));
        assertThat(b.bridge.stats().delivered()).isZero();
    }

    private record Attack(ClusterNode b, Client onB, String recordedText) {
    }

    /** Runs the attack on nodes a and b configured by {@code tune}; returns once a's last line reached b. */
    private Attack attack(UnaryOperator<NatsRoomBridge.Builder> tune) throws Exception {
        NatsServer nats = fixture.startNats();
        ClusterNode a = start("a", nats, tune);
        ClusterNode b = start("b", nats, tune);
        Client onA = fixture.tcpMember("a1", a);
        Client onB = fixture.tcpMember("b1", b);
        Poll.until(NATS_PATIENCE, () -> a.roomSize() == 1 && b.roomSize() == 1, "members in their rooms");
        Chat.fence("fence", onA, List.of(onB));

        Connection attacker = Nats.connect(nats.url());
        try {
            String subject = a.bridge.subject();
            Subscription tap = attacker.subscribe(subject);
            attacker.flush(Duration.ofSeconds(5));
            onA.send("before:" + onA.name + "#0");
            onA.send("before:" + onA.name + "#1");
            Chat.assertExactlyOnceInOrder("before", List.of(onA), List.of(onB), 2);
            Message recorded = null;
            while (recorded == null) {
                Message m = tap.nextMessage(NATS_PATIENCE);
                assertThat(m).as("a line published by a").isNotNull();
                if (text(m.getData()).endsWith("before:a1#1")) {
                    recorded = m;
                }
            }
            long seq = Long.parseLong(recorded.getHeaders().getFirst(Envelope.SEQ));

            attacker.publish(subject, forged(a, Long.MAX_VALUE), utf8("[6.6.6.6:6] forged huge\n"));
            attacker.publish(subject, forged(a, seq + 100), utf8("[6.6.6.6:6] forged ahead\n"));
            for (int i = 0; i < MADE_UP_ORIGINS; i++) {
                attacker.publish(subject, Envelope.headers("made-up-" + i, "1", 1, Envelope.Kind.MESSAGE,
                        "6.6.6.6:6"), utf8("[6.6.6.6:6] made up " + i + "\n"));
            }
            attacker.publish(subject, recorded.getHeaders(), recorded.getData());
            attacker.flush(Duration.ofSeconds(10));
        } finally {
            attacker.close();
        }
        // a's lines after the attack still reach b, exactly once and in order.
        Chat.send("after", List.of(onA), 20);
        Chat.assertExactlyOnceInOrder("after", List.of(onA), List.of(onB), 20);
        return new Attack(b, onB, "[127.0.0.1:" + onA.localPort() + "] before:a1#1");
    }

    private static Headers forged(ClusterNode victim, long seq) {
        return Envelope.headers(victim.nodeId, victim.bridge.incarnation(), seq, Envelope.Kind.MESSAGE, "6.6.6.6:6");
    }

    private ClusterNode start(String id, NatsServer nats, UnaryOperator<NatsRoomBridge.Builder> tune)
            throws Exception {
        ClusterNode n = ClusterNode.start(id, nats.url(), "forged", NatsRoomBridge.DEFAULT_MAX_LINE_BYTES, tune);
        fixture.nodes.add(n);
        return n;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8).strip();
    }
}
