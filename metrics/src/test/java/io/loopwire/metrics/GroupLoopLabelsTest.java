package io.loopwire.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.ReactorGroup;
import io.loopwire.relay.ChatServer;
import io.loopwire.relay.GroupChatServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every loop of a group in one registry: each loop's sampler tags its meters {@code loop="<i>"}, so the loops' meters
 * (same names, same listener address under SO_REUSEPORT) stay apart, and {@link GroupRoomMetrics} adds the hand-over's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupLoopLabelsTest {

    @Test
    void everyLoopsMetersCarryItsLoopLabel() throws Exception {
        ReactorGroup group = new ReactorGroup(2);
        try {
            GroupChatServer chat = ChatServer.builder(group).tcpPort(0).udpPort(0).startGroup();
            group.start();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            for (int i = 0; i < 2; i++) {
                LoopSampler sampler = new LoopSampler(group.get(i), i);
                new ReactorMetrics(sampler).bindTo(registry);
                new ChatServerMetrics(sampler, chat.server(i)).bindTo(registry);
            }
            new GroupRoomMetrics(chat.room()).bindTo(registry);
            for (String name : new String[] {"loopwire.reactor.turns", "loopwire.tcp.connections",
                    "loopwire.relay.members", "loopwire.udp.datagrams.received", "loopwire.group.stalled",
                    "loopwire.group.lines.dropped"}) {
                Set<String> loops = new TreeSet<>();
                for (Meter meter : registry.find(name).meters()) {
                    loops.add(meter.getId().getTag("loop"));
                }
                assertThat(loops).as("loop labels of %s", name).containsExactly("0", "1");
            }
            String text = registry.scrape();
            assertThat(text).contains("loopwire_reactor_turns_total{loop=\"1\"}",
                    "loopwire_group_stalled{loop=\"0\"} 0.0");
        } finally {
            group.close(Duration.ofMillis(500));
        }
    }

    @Test
    void aLoneReactorKeepsItsNameAsTheLoopLabel() {
        ReactorGroup group = new ReactorGroup(1);
        try {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new ReactorMetrics(new LoopSampler(group.get(0))).bindTo(registry);
            assertThat(registry.find("loopwire.reactor.turns").meter().getId().getTag("loop"))
                    .isEqualTo(group.get(0).name());
        } finally {
            group.close(Duration.ofMillis(500));
        }
    }
}
