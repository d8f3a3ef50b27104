package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.relay.ChatClients.LineClient;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.relay.ChatClients.UdpClient;
import io.loopwire.udp.UdpEndpoint;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The UDP budgets: a source over its per-source budget is dropped and counted (pings included), the global output
 * budget stops relaying beyond its rate, and the per-IP member cap refuses the next address from the same IP with
 * {@code ! error: room full}. Budgets are asserted by counts, never by timing: a burst far above the burst size
 * must be cut, and what got through may not exceed burst plus what the rate refilled during the test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpBudgetsTest {

    @Test
    void sourceOverItsBudgetIsDroppedAndCounted() throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b.udpBudgets(true));
                UdpClient flooder = new UdpClient(chat.udp()); UdpClient other = new UdpClient(chat.udp())) {
            long start = System.nanoTime();
            int burst = 2_000;
            for (int i = 0; i < burst; i++) {
                flooder.send("ping");
            }
            UdpRelay relay = chat.server.udpRelay();
            Poll.onLoopUntil(chat.reactor, () -> relay.overSourceBudget() + relay.pingEcho().pingsAnswered() == burst,
                    "the server to read the burst");
            double seconds = (System.nanoTime() - start) / 1e9;
            long answered = chat.reactor.call(() -> relay.pingEcho().pingsAnswered());
            long allowed = 2 * UdpRelay.DEFAULT_SOURCE_DATAGRAMS_PER_SECOND
                    + (long) Math.ceil(seconds * UdpRelay.DEFAULT_SOURCE_DATAGRAMS_PER_SECOND);
            assertThat(answered).as("pings answered of %d in %.2f s", burst, seconds).isLessThanOrEqualTo(allowed)
                    .isPositive();
            assertThat(chat.reactor.call(relay::overSourceBudget)).isEqualTo(burst - answered);

            // Another source has its own budget.
            other.send("ping");
            assertThat(other.receiveText()).isEqualTo("ping");
        }
    }

    @Test
    void budgetsAreOffOnLoopbackByDefault() throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b); UdpClient pinger = new UdpClient(chat.udp())) {
            int burst = 2_000;
            for (int i = 0; i < burst; i++) {
                pinger.send("ping");
                assertThat(pinger.receiveText()).isEqualTo("ping"); // one in flight: the socket buffers never overflow
            }
            assertThat(chat.reactor.call(chat.server.udpRelay()::overSourceBudget)).isZero();
        }
    }

    @Test
    void outputBudgetStopsRelayingBeyondItsRate() throws Exception {
        long perSecond = 100;
        try (Reactor reactor = new Reactor("udp-output-budget").start()) {
            ChatRoom room = new ChatRoom(reactor);
            UdpRelay relay = reactor.call(() -> UdpRelay.builder(reactor, room)
                    .outputBudget(perSecond, 1024 * 1024).build());
            try (UdpEndpoint endpoint = UdpEndpoint.builder(reactor).handler(relay.handler()).start();
                    UdpClient sender = new UdpClient(endpoint.localAddress());
                    UdpClient receiver = new UdpClient(endpoint.localAddress())) {
                receiver.send("");
                Poll.onLoopUntil(reactor, () -> relay.memberCount() == 1, "the receiver to join");
                long start = System.nanoTime();
                int lines = 1_000;
                for (int i = 0; i < lines; i++) {
                    sender.send("line " + i);
                }
                Poll.onLoopUntil(reactor, () -> endpoint.stats().datagramsIn() == 1 + lines, "the lines to arrive");
                double seconds = (System.nanoTime() - start) / 1e9;
                long relayed = reactor.call(room::messagesRelayed);
                long allowed = perSecond + (long) Math.ceil(seconds * perSecond);
                assertThat(relayed).as("relayed of %d in %.2f s", lines, seconds).isLessThanOrEqualTo(allowed)
                        .isPositive();
                assertThat(reactor.call(relay::overOutputBudget)).isEqualTo(lines - relayed);
            } finally {
                reactor.call(() -> {
                    relay.close();
                    return null;
                });
            }
        }
    }

    @Test
    void perIpCapRefusesTheNextAddressFromTheSameIp() throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b.udpMaxMembersPerIp(2));
                LineClient watcher = LineClient.connect(chat.tcp());
                UdpClient a = new UdpClient(chat.udp()); UdpClient b = new UdpClient(chat.udp());
                UdpClient c = new UdpClient(chat.udp())) {
            a.send("");
            b.send("");
            c.send("third from 127.0.0.1");
            assertThat(c.receive()).isEqualTo("! error: room full");
            assertThat(chat.udpMembers()).isEqualTo(2);
            a.send("/quit"); // a slot frees up for that IP
            watcher.skipUntil("* " + a.peer() + " left");
            c.send("now there is room");
            watcher.skipUntil("[" + c.peer() + "] now there is room");
        }
    }

    @Test
    void protectionsAreOnForANonLoopbackBindAndOffOnLoopback() throws Exception {
        assertThat(defaultsFor("127.0.0.1")).isEqualTo("OPEN cap=0 budgets=false");
        // A non-loopback bind: the wildcard address is one (no traffic is sent to it here).
        assertThat(defaultsFor("0.0.0.0")).isEqualTo("VALIDATED cap=" + UdpRelay.DEFAULT_MAX_MEMBERS_PER_IP
                + " budgets=true");
    }

    private static String defaultsFor(String bind) throws Exception {
        try (RunningServer chat = RunningServer.start(b -> b.bindAddress(new InetSocketAddress(bind, 0).getAddress()))) {
            UdpRelay relay = chat.server.udpRelay();
            return chat.reactor.call(() -> relay.joinMode() + " cap=" + relay.maxMembersPerIp() + " budgets="
                    + relay.budgetsOn());
        }
    }

}
