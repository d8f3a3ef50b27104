package io.loopwire.examples;

import io.loopwire.Reactor;
import io.loopwire.udp.UdpEndpoint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code udp-client}: the UDP chat client on a loopwire {@link UdpEndpoint}. Joins with an empty datagram, sends each
 * stdin line as one datagram, prints every datagram received, and leaves with {@code /quit} on EOF.
 *
 * <p>stdin is read on the main thread and handed to the loop with {@link Reactor#execute}: the endpoint belongs to
 * the loop thread.
 */
@Command(name = "udp-client", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Chat over UDP: stdin lines go to the server as datagrams, relayed datagrams go to stdout.")
final class UdpClientMain implements Callable<Integer> {
    @Mixin
    ServerAddress address;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress server = address.resolve();
        try (Reactor reactor = new Reactor("udp-client")) {
            UdpEndpoint endpoint = UdpEndpoint.builder(reactor)
                    .bind(new InetSocketAddress(server.getAddress().isLoopbackAddress()
                            ? server.getAddress() : new InetSocketAddress(0).getAddress(), 0))
                    .handler((ep, sender, data) -> {
                        System.out.println(StandardCharsets.UTF_8.decode(data));
                        System.out.flush();
                    })
                    .start();
            reactor.start();
            send(reactor, endpoint, server, ""); // an empty datagram registers us without saying anything
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = stdin.readLine()) != null && !line.equals("/quit") && !line.equals("/sair")) {
                send(reactor, endpoint, server, line);
            }
            send(reactor, endpoint, server, "/quit");
            reactor.call(() -> null); // the /quit has been handed to the kernel
        }
        return 0;
    }

    private static void send(Reactor reactor, UdpEndpoint endpoint, InetSocketAddress server, String text) {
        ByteBuffer datagram = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        reactor.execute(() -> endpoint.send(server, datagram));
    }
}
