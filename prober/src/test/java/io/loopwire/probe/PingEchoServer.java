package io.loopwire.probe;

import io.loopwire.Reactor;
import io.loopwire.relay.PingEcho;
import io.loopwire.udp.UdpEndpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The real {@link PingEcho} on a UDP endpoint of its own reactor (127.0.0.1, ephemeral port): what the chat server
 * answers probes with, without the chat around it.
 *
 * @implNote The echo runs on its own reactor thread; {@link #address()} and {@link #close()} from any thread.
 */
final class PingEchoServer implements AutoCloseable {
    private final Reactor reactor;
    private final UdpEndpoint endpoint;

    private PingEchoServer(Reactor reactor, UdpEndpoint endpoint) {
        this.reactor = reactor;
        this.endpoint = endpoint;
    }

    static PingEchoServer start() throws IOException {
        Reactor reactor = new Reactor("ping-echo").start();
        try {
            PingEcho echo = new PingEcho();
            UdpEndpoint endpoint = UdpEndpoint.builder(reactor)
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .handler(echo::answer)
                    .start();
            return new PingEchoServer(reactor, endpoint);
        } catch (IOException | RuntimeException e) {
            reactor.close();
            throw e;
        }
    }

    InetSocketAddress address() {
        return endpoint.localAddress();
    }

    @Override
    public void close() {
        endpoint.close();
        reactor.close(Duration.ofMillis(200));
    }
}
