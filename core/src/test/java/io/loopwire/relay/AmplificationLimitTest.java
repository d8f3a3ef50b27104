package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.relay.ChatClients.UdpClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * QUIC's anti-amplification rule, held by the relay in validated mode: 1,000 sources that never validate (short
 * datagrams, padded ones, pings, wrong joins) each receive at most 3x the bytes they sent, while validated members
 * chat normally. The same traffic against an open relay breaks the rule (the strangers become members and receive
 * the room's chat), which shows what the test measures.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AmplificationLimitTest {
    private static final int STRANGERS = 1_000;
    private static final int ROUNDS = 3;
    private static final String PADDED = "/hello" + " ".repeat(58);

    @Test
    void sourcesThatNeverValidateGetAtMostThreeTimesWhatTheySent() throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b.udpJoinMode(JoinMode.VALIDATED));
                LineClient watcher = LineClient.connect(chat.tcp());
                UdpClient alice = validated(chat); UdpClient bob = validated(chat)) {
            assertThat(alice.receive()).isEqualTo("* " + bob.peer() + " joined");
            List<DatagramChannel> strangers = open(chat, STRANGERS);
            try {
                long[] sent = new long[STRANGERS];
                for (int round = 0; round < ROUNDS; round++) {
                    sendRound(chat, strangers, sent);
                    alice.send("round " + round + " from alice");
                    assertThat(bob.receive()).isEqualTo("[" + alice.peer() + "] round " + round + " from alice");
                    watcher.skipUntil("[" + alice.peer() + "] round " + round + " from alice");
                    bob.send("round " + round + " from bob");
                    assertThat(alice.receive()).isEqualTo("[" + bob.peer() + "] round " + round + " from bob");
                }
                long[] received = drain(strangers);
                long total = 0;
                for (int i = 0; i < STRANGERS; i++) {
                    assertThat(received[i]).as("bytes to stranger %d, which sent %d", i, sent[i])
                            .isLessThanOrEqualTo(3 * sent[i]);
                    assertThat(received[i]).as("stranger %d got its challenges and pongs", i).isPositive();
                    total += received[i];
                }
                assertThat(chat.udpMembers()).isEqualTo(2);
                System.out.printf("amplification (validated): %d strangers sent %d bytes, received %d%n", STRANGERS,
                        sum(sent), total);
            } finally {
                close(strangers);
            }
        }
    }

    @Test
    void anOpenRelayBreaksTheRuleUnderTheSameTraffic() throws Exception {
        int strangerCount = 50;
        try (RunningServer chat = RunningServer.start(b -> b.udpJoinMode(JoinMode.OPEN));
                UdpClient alice = new UdpClient(chat.udp())) {
            alice.send("");
            List<DatagramChannel> strangers = open(chat, strangerCount);
            try {
                long[] sent = new long[strangerCount];
                sendRound(chat, strangers, sent);
                for (int i = 0; i < 20; i++) {
                    alice.send("a line of chat the strangers should never have seen, number " + i);
                }
                alice.send("ping");
                Poll.until(ChatClients.ARRIVES, () -> pingAnswered(chat), "alice's lines to be relayed");
                long[] received = drain(strangers);
                int broken = 0;
                for (int i = 0; i < strangerCount; i++) {
                    broken += received[i] > 3 * sent[i] ? 1 : 0;
                }
                assertThat(broken).as("strangers that received more than 3x what they sent").isEqualTo(strangerCount);
            } finally {
                close(strangers);
            }
        }
    }

    private static boolean pingAnswered(RunningServer chat) {
        try {
            return chat.reactor.call(() -> chat.server.udpRelay().pingEcho().pingsAnswered()) >= 2;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Every stranger sends one of each kind; returns when the server has read them all (none lost). */
    private static void sendRound(RunningServer chat, List<DatagramChannel> strangers, long[] sent) throws Exception {
        byte[][] kinds = {
                "hi".getBytes(StandardCharsets.US_ASCII),
                "x".repeat(63).getBytes(StandardCharsets.US_ASCII),
                PADDED.getBytes(StandardCharsets.US_ASCII),
                "y".repeat(300).getBytes(StandardCharsets.US_ASCII),
                "ping\n".getBytes(StandardCharsets.US_ASCII),
                "/join 00000000000000000000000000000000".getBytes(StandardCharsets.US_ASCII),
                "/quit".getBytes(StandardCharsets.US_ASCII)};
        for (byte[] kind : kinds) {
            long before = chat.reactor.call(() -> chat.server.udpEndpoint().stats().datagramsIn());
            for (int i = 0; i < strangers.size(); i++) {
                strangers.get(i).send(ByteBuffer.wrap(kind), chat.udp());
                sent[i] += kind.length;
            }
            // One kind at a time, and wait for the server to have read it: nothing is lost in a queue overflow.
            Poll.onLoopUntil(chat.reactor,
                    () -> chat.server.udpEndpoint().stats().datagramsIn() >= before + strangers.size(),
                    "the server to read a round of stranger datagrams");
        }
    }

    private static List<DatagramChannel> open(RunningServer chat, int count) throws IOException {
        List<DatagramChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                DatagramChannel channel = DatagramChannel.open();
                channels.add(channel);
                channel.bind(new InetSocketAddress("127.0.0.1", 0));
                channel.configureBlocking(false);
            }
        } catch (IOException e) {
            close(channels);
            throw e;
        }
        return channels;
    }

    /** Bytes waiting on each channel; the server has answered everything by now (a later datagram proved it). */
    private static long[] drain(List<DatagramChannel> channels) throws IOException {
        long[] received = new long[channels.size()];
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        for (int i = 0; i < channels.size(); i++) {
            while (true) {
                buffer.clear();
                if (channels.get(i).receive(buffer) == null) {
                    break;
                }
                received[i] += buffer.position();
            }
        }
        return received;
    }

    private static UdpClient validated(RunningServer chat) throws IOException {
        UdpClient client = new UdpClient(chat.udp());
        client.send(PADDED);
        String challenge = client.receive();
        client.send("/join " + challenge.substring("* validate ".length()));
        assertThat(client.receive()).isEqualTo("* welcome");
        return client;
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }

    private static void close(List<DatagramChannel> channels) throws IOException {
        for (DatagramChannel c : channels) {
            c.close();
        }
    }
}
