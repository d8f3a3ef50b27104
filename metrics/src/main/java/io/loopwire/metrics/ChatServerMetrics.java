package io.loopwire.metrics;

import io.loopwire.relay.ChatRoom;
import io.loopwire.relay.ChatServer;
import io.loopwire.relay.UdpRelay;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * A whole {@link ChatServer}: its {@link TcpServerMetrics}, its {@link UdpEndpointMetrics}, and the relay: members,
 * messages and deliveries per room ({@code room="shared"}, or {@code "tcp"} and {@code "udp"} with separate rooms),
 * UDP members, UDP datagrams dropped by reason (member cap, source and output budgets, strangers, bad tokens),
 * challenges sent, expired members, joins and leaves not announced one by one, pings answered and probes echoed.
 *
 * @implNote Thread-safe; every value is read on the loop through the {@link LoopSampler}.
 */
public final class ChatServerMetrics implements MeterBinder {
    private final LoopSampler sampler;
    private final ChatServer server;

    public ChatServerMetrics(LoopSampler sampler, ChatServer server) {
        this.sampler = sampler;
        this.server = server;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        // With plaintext TCP off the TLS listener is the TCP door (per-listener labels are not there yet).
        new TcpServerMetrics(sampler, server.tcpServer() != null ? server.tcpServer() : server.tlsServer())
                .bindTo(registry);
        new UdpEndpointMetrics(sampler, server.udpEndpoint()).bindTo(registry);
        if (server.tcpRoom() == server.udpRoom()) {
            bindRoom(registry, server.tcpRoom(), "shared");
        } else {
            bindRoom(registry, server.tcpRoom(), "tcp");
            bindRoom(registry, server.udpRoom(), "udp");
        }
        UdpRelay udp = server.udpRelay();
        Tags none = Tags.empty();
        sampler.gauge(registry, "loopwire.relay.udp.members", "UDP members now", null, none, udp::memberCount);
        String drops = "UDP datagrams the relay dropped, by reason";
        sampler.counter(registry, "loopwire.relay.udp.drops", drops, null, Tags.of("reason", "member_cap"),
                udp::refused);
        sampler.counter(registry, "loopwire.relay.udp.drops", drops, null, Tags.of("reason", "source_budget"),
                udp::overSourceBudget);
        sampler.counter(registry, "loopwire.relay.udp.drops", drops, null, Tags.of("reason", "output_budget"),
                udp::overOutputBudget);
        sampler.counter(registry, "loopwire.relay.udp.drops", drops, null, Tags.of("reason", "stranger_too_short"),
                udp::strangersIgnored);
        sampler.counter(registry, "loopwire.relay.udp.drops", drops, null, Tags.of("reason", "bad_token"),
                udp::badTokens);
        sampler.counter(registry, "loopwire.relay.udp.challenges", "'* validate' challenges sent to unknown "
                + "addresses", null, none, udp::challenges);
        sampler.counter(registry, "loopwire.relay.udp.expired", "UDP members expired after silence", null, none,
                udp::expired);
        sampler.counter(registry, "loopwire.relay.udp.quiet.notices", "Joins and leaves not announced one by one "
                + "(notice budget spent)", null, Tags.of("kind", "join"), udp::quietJoins);
        sampler.counter(registry, "loopwire.relay.udp.quiet.notices", "Joins and leaves not announced one by one "
                + "(notice budget spent)", null, Tags.of("kind", "leave"), udp::quietLeaves);
        sampler.counter(registry, "loopwire.relay.pings.answered", "'ping' datagrams answered", null, none,
                () -> udp.pingEcho().pingsAnswered());
        sampler.counter(registry, "loopwire.relay.probes.echoed", "Probe packets echoed", null, none,
                () -> udp.pingEcho().probesEchoed());
    }

    private void bindRoom(MeterRegistry registry, ChatRoom room, String name) {
        Tags tags = Tags.of("room", name);
        sampler.gauge(registry, "loopwire.relay.members", "Members in the room now", null, tags, room::size);
        sampler.counter(registry, "loopwire.relay.messages", "Messages relayed (once each)", null, tags,
                room::messagesRelayed);
        sampler.counter(registry, "loopwire.relay.deliveries", "Deliveries (one per message per recipient)", null,
                tags, room::deliveries);
        sampler.counter(registry, "loopwire.relay.undeliverable", "Deliveries skipped: the line was longer than the "
                + "recipient can take (a UDP member)", null, tags, room::undeliverable);
    }
}
