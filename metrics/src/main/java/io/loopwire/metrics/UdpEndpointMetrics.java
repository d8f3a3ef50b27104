package io.loopwire.metrics;

import io.loopwire.udp.UdpEndpoint;
import io.loopwire.udp.UdpStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * One {@link UdpEndpoint}, tagged {@code endpoint=<ip>:<port>}: datagrams and bytes in and out, datagrams that waited
 * in the send queue, receive batches cut short, and drops by reason ({@code loopwire_udp_drops_total{reason=...}}:
 * {@code send_queue_full}, {@code send_error}, {@code receive_error}, {@code handler_error}, {@code from_self}).
 *
 * @implNote Thread-safe; every value is read on the loop through the {@link LoopSampler}.
 */
public final class UdpEndpointMetrics implements MeterBinder {
    private final LoopSampler sampler;
    private final UdpEndpoint endpoint;

    public UdpEndpointMetrics(LoopSampler sampler, UdpEndpoint endpoint) {
        this.sampler = sampler;
        this.endpoint = endpoint;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags tags = Tags.of("endpoint", Addresses.hostPort(endpoint.localAddress()));
        UdpStats s = endpoint.stats();
        sampler.counter(registry, "loopwire.udp.datagrams.received", "Datagrams received", null, tags,
                s::datagramsIn);
        sampler.counter(registry, "loopwire.udp.datagrams.sent", "Datagrams handed to the kernel", null, tags,
                s::datagramsOut);
        sampler.counter(registry, "loopwire.udp.received", "Bytes received", "bytes", tags, s::bytesIn);
        sampler.counter(registry, "loopwire.udp.sent", "Bytes sent", "bytes", tags, s::bytesOut);
        sampler.counter(registry, "loopwire.udp.send.queued", "Datagrams that waited for a full kernel buffer", null,
                tags, s::queued);
        String drops = "Datagrams dropped or failed, by reason";
        sampler.counter(registry, "loopwire.udp.drops", drops, null, tags.and("reason", "send_queue_full"),
                s::dropped);
        sampler.counter(registry, "loopwire.udp.drops", drops, null, tags.and("reason", "send_error"),
                s::sendErrors);
        sampler.counter(registry, "loopwire.udp.drops", drops, null, tags.and("reason", "receive_error"),
                s::receiveErrors);
        sampler.counter(registry, "loopwire.udp.drops", drops, null, tags.and("reason", "handler_error"),
                s::handlerErrors);
        sampler.counter(registry, "loopwire.udp.drops", drops, null, tags.and("reason", "from_self"), s::fromSelf);
        sampler.counter(registry, "loopwire.udp.batches.cut", "Receive batches stopped early: they had caused as "
                + "many sends as a batch may", null, tags, s::batchesCut);
    }
}
