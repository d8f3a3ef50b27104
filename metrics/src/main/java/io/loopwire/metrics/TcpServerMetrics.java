package io.loopwire.metrics;

import io.loopwire.tcp.CloseReason;
import io.loopwire.tcp.TcpConnection;
import io.loopwire.tcp.TcpServer;
import io.loopwire.tcp.TcpStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One {@link TcpServer} and its connections, tagged {@code listener=<ip>:<port>}: open connections, accepted, accept
 * errors, closes by reason ({@code reason="outbound_limit"} are the slow consumers), bytes and frames in, messages
 * queued and dropped, bytes written, turn shares used up (fairness), carried bytes and the bytes waiting in outbound
 * queues now.
 *
 * @implNote Thread-safe; every value is read on the loop through the {@link LoopSampler}.
 */
public final class TcpServerMetrics implements MeterBinder {
    private final LoopSampler sampler;
    private final TcpServer server;

    public TcpServerMetrics(LoopSampler sampler, TcpServer server) {
        this.sampler = sampler;
        this.server = server;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags tags = Tags.of("listener", Addresses.hostPort(server.localAddress()));
        TcpStats s = server.stats();
        sampler.gauge(registry, "loopwire.tcp.connections", "TCP connections open now", null, tags, s::open);
        sampler.counter(registry, "loopwire.tcp.accepted", "TCP connections accepted", null, tags, s::accepted);
        sampler.counter(registry, "loopwire.tcp.accept.errors", "Failed accepts (each paused accepting)", null, tags,
                s::acceptErrors);
        for (CloseReason reason : CloseReason.values()) {
            sampler.counter(registry, "loopwire.tcp.closed", "TCP connections closed, by reason", null,
                    tags.and("reason", reason.name().toLowerCase(Locale.ROOT)), () -> s.closed(reason));
        }
        sampler.counter(registry, "loopwire.tcp.read", "Bytes read from TCP peers", "bytes", tags, s::bytesIn);
        sampler.counter(registry, "loopwire.tcp.written", "Bytes written to TCP peers", "bytes", tags, s::bytesOut);
        sampler.counter(registry, "loopwire.tcp.frames.read", "Frames read and handed to the handler", null, tags,
                s::framesIn);
        sampler.counter(registry, "loopwire.tcp.messages.queued", "Messages queued for sending", null, tags,
                s::messagesOut);
        sampler.counter(registry, "loopwire.tcp.messages.dropped", "Messages not queued: a peer's queue was full "
                + "under the DROP policy", null, tags, s::messagesDropped);
        sampler.counter(registry, "loopwire.tcp.turn.shares.used", "Times a connection used its share of a turn with "
                + "input left (fairness at work)", null, tags, s::turnSharesUsed);
        sampler.gauge(registry, "loopwire.tcp.carried", "Bytes of carry buffers held for unfinished frames now", "bytes",
                tags, s::carriedBytes);
        sampler.gauge(registry, "loopwire.tcp.outbound.queued", "Bytes waiting in outbound queues now", "bytes", tags,
                new QueuedBytes(server));
    }

    /** Sums the connections' queued bytes on the loop; one instance, so a scrape allocates nothing here. */
    private static final class QueuedBytes implements LongSupplier, Consumer<TcpConnection> {
        private final TcpServer server;
        private long sum;

        QueuedBytes(TcpServer server) {
            this.server = server;
        }

        @Override
        public long getAsLong() {
            sum = 0;
            server.forEachConnection(this);
            return sum;
        }

        @Override
        public void accept(TcpConnection connection) {
            sum += connection.queuedBytes();
        }
    }
}
