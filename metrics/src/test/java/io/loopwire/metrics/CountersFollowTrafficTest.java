package io.loopwire.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Counters in the scrape move by exactly what real TCP and UDP traffic through the chat server did. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CountersFollowTrafficTest {

    @Test
    void tcpLinesAndUdpPingsMoveTheirCountersByExactlyTheTraffic() throws Exception {
        try (Rig rig = new Rig().start();
             Socket alice = new Socket("127.0.0.1", rig.server.tcpAddress().getPort());
             Socket bob = new Socket("127.0.0.1", rig.server.tcpAddress().getPort());
             DatagramSocket udp = new DatagramSocket()) {
            Map<String, String> tcp = Rig.labels("listener", rig.tcpListener());
            Map<String, String> room = Rig.labels("room", "shared");
            Poll.until(() -> rig.scrape().value("loopwire_relay_members", room) == 2, "two members");
            PrometheusText before = rig.scrape();
            assertThat(before.value("loopwire_tcp_connections", tcp)).isEqualTo(2);
            assertThat(before.value("loopwire_tcp_accepted_total", tcp)).isEqualTo(2);

            OutputStream out = alice.getOutputStream();
            for (int i = 0; i < 5; i++) {
                out.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
            byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 3; i++) {
                udp.send(new DatagramPacket(ping, ping.length, rig.server.udpAddress()));
            }
            Poll.until(() -> rig.scrape().value("loopwire_relay_deliveries_total", room)
                    - before.value("loopwire_relay_deliveries_total", room) == 5
                    && rig.scrape().value("loopwire_relay_pings_answered_total", Map.of()) == 3, "traffic counted");

            PrometheusText after = rig.scrape();
            Map<String, String> udpTags = Rig.labels("endpoint", rig.udpEndpoint());
            assertThat(delta(before, after, "loopwire_relay_messages_total", room)).isEqualTo(5);
            assertThat(delta(before, after, "loopwire_tcp_frames_read_total", tcp)).isEqualTo(5);
            assertThat(delta(before, after, "loopwire_tcp_read_bytes_total", tcp)).isEqualTo(5 * 7);
            assertThat(delta(before, after, "loopwire_udp_datagrams_received_total", udpTags)).isEqualTo(3);
            assertThat(delta(before, after, "loopwire_udp_datagrams_sent_total", udpTags)).isEqualTo(3);
            assertThat(delta(before, after, "loopwire_udp_received_bytes_total", udpTags)).isEqualTo(12);
            // Bob received five relayed lines: "[127.0.0.1:port] line i\n".
            String prefix = "[127.0.0.1:" + alice.getLocalPort() + "] ";
            Poll.until(() -> rig.scrape().value("loopwire_tcp_written_bytes_total", tcp)
                    - before.value("loopwire_tcp_written_bytes_total", tcp) >= 5 * (prefix.length() + 7),
                    "relayed bytes written");

            alice.close();
            Poll.until(() -> rig.scrape().value("loopwire_tcp_connections", tcp) == 1, "alice's close counted");
            PrometheusText closed = rig.scrape();
            assertThat(closed.value("loopwire_tcp_closed_total", Rig.labels("listener", rig.tcpListener(),
                    "reason", "peer_closed"))).isEqualTo(1);
            assertThat(closed.value("loopwire_reactor_turns_total", Rig.labels("loop", "metrics-test")))
                    .isGreaterThan(before.value("loopwire_reactor_turns_total", Rig.labels("loop", "metrics-test")));
        }
    }

    @Test
    void udpJoinsOverTheMemberCapCountAsRelayDropsByReason() throws Exception {
        try (Rig rig = new Rig(b -> b.udpMaxMembers(1)).start();
             DatagramSocket first = new DatagramSocket();
             DatagramSocket second = new DatagramSocket()) {
            byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
            first.send(new DatagramPacket(hello, hello.length, rig.server.udpAddress()));
            Poll.until(() -> rig.scrape().value("loopwire_relay_udp_members", Map.of()) == 1, "first member");
            for (int i = 0; i < 3; i++) {
                second.send(new DatagramPacket(hello, hello.length, rig.server.udpAddress()));
            }
            Map<String, String> cap = Rig.labels("reason", "member_cap");
            Poll.until(() -> rig.scrape().value("loopwire_relay_udp_drops_total", cap) >= 1, "refused join counted");
            PrometheusText scrape = rig.scrape();
            assertThat(scrape.value("loopwire_relay_udp_members", Map.of())).isEqualTo(1);
            assertThat(scrape.value("loopwire_relay_udp_drops_total", Rig.labels("reason", "source_budget")))
                    .isZero(); // budgets are off on loopback
        }
    }

    private static double delta(PrometheusText before, PrometheusText after, String name, Map<String, String> labels) {
        return after.value(name, labels) - before.value(name, labels);
    }
}
