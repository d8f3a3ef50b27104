package io.loopwire.examples;

import io.loopwire.Reactor;
import io.loopwire.udp.UdpEndpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code udp-client}: the UDP chat client on a loopwire {@link UdpEndpoint}. Joins with a padded {@code /hello}
 * datagram (a server in validated mode answers a datagram that large with {@code * validate <token>}, and the client
 * answers {@code /join <token>} itself), sends each stdin line as one datagram, prints every datagram received (as
 * one line: its own line end is not doubled) except those two handshake lines, and leaves with {@code /quit} on EOF, SIGINT or SIGTERM (exit 0). When the server has
 * not answered the join within {@link #ANSWER_WAIT}, it says so on stderr. Lines typed before the server says
 * {@code * welcome} wait (at most {@link #JOIN_WAIT}, for servers that never say it, like the original one).
 *
 * <p>stdin is read on the main thread and handed to the loop with {@link Reactor#execute}: the endpoint and the
 * join state belong to the loop thread.
 */
@Command(name = "udp-client", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Chat over UDP: stdin lines go to the server as datagrams, relayed datagrams go to stdout.")
final class UdpClientMain implements Callable<Integer> {
    /** Longest wait for {@code * welcome} before lines go out anyway. */
    static final Duration JOIN_WAIT = Duration.ofSeconds(1);
    /** The first datagram's size: a validating server challenges only datagrams at least this large. */
    static final int HELLO_BYTES = 64;
    /** How long the join may go unanswered before the user is told (stderr) that nobody seems to listen. */
    static final Duration ANSWER_WAIT = Duration.ofSeconds(3);
    private static final String VALIDATE = "* validate ";
    private static final String WELCOME = "* welcome";

    @Mixin
    ServerAddress address;

    /** Loop thread only. */
    private boolean joined;
    /** Loop thread only: whether the server has sent anything. */
    private boolean answered;
    private final List<String> waiting = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        InetSocketAddress server = address.resolve();
        // stdin ends the session, or SIGINT/SIGTERM (caught before the first datagram goes out).
        CountDownLatch end = new CountDownLatch(1);
        StopSignals.onStop(end::countDown);
        try (Reactor reactor = new Reactor("udp-client")) {
            UdpEndpoint endpoint = UdpEndpoint.builder(reactor)
                    .bind(new InetSocketAddress(server.getAddress().isLoopbackAddress()
                            ? server.getAddress() : new InetSocketAddress(0).getAddress(), 0))
                    .handler((ep, sender, data) -> received(ep, server, sender, data))
                    .start();
            reactor.start();
            reactor.execute(() -> {
                send(endpoint, server, "/hello" + " ".repeat(HELLO_BYTES - 6));
                reactor.schedule(JOIN_WAIT, () -> ready(endpoint, server));
                reactor.schedule(ANSWER_WAIT, this::checkAnswered);
            });
            // stdin on a thread of its own (a read cannot be interrupted), so SIGINT/SIGTERM can end the session too.
            Thread reader = new Thread(() -> {
                readStdin(reactor, endpoint, server);
                end.countDown();
            }, "udp-client-stdin");
            reader.setDaemon(true);
            reader.start();
            end.await();
            // Lines still waiting for the join go first, then the /quit.
            reactor.call(() -> {
                ready(endpoint, server);
                send(endpoint, server, "/quit");
                return null;
            });
        }
        return 0;
    }

    private void readStdin(Reactor reactor, UdpEndpoint endpoint, InetSocketAddress server) {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = stdin.readLine()) != null && !line.equals("/quit") && !line.equals("/sair")) {
                String text = line;
                reactor.execute(() -> say(endpoint, server, text));
            }
        } catch (IOException e) {
            System.err.println("udp-client: cannot read stdin: " + e.getMessage());
        }
    }

    /**
     * UDP has no connection to fail: without this, lines typed at a port nobody listens on would vanish silently.
     * Loop thread.
     */
    private void checkAnswered() {
        if (!answered) {
            System.err.println("udp-client: no answer from " + address + " to the join within "
                    + Units.format(ANSWER_WAIT) + ": is a server listening there? (lines are still sent)");
            System.err.flush();
        }
    }

    private void received(UdpEndpoint endpoint, InetSocketAddress server, InetSocketAddress sender, ByteBuffer data) {
        String text = withoutLineEnd(StandardCharsets.UTF_8.decode(data).toString());
        if (sender.equals(server)) {
            answered = true;
            if (text.startsWith(VALIDATE)) {
                send(endpoint, server, "/join " + text.substring(VALIDATE.length()).strip());
                return;
            }
            if (text.equals(WELCOME)) {
                ready(endpoint, server);
                return;
            }
        }
        System.out.println(text);
        System.out.flush();
    }

    /**
     * A datagram's text without its one trailing {@code "\n"} or {@code "\r\n"}: the server ends every line it
     * sends with one (for {@code nc -u}), and println adds its own. A server that sends none (the original) loses
     * nothing.
     */
    static String withoutLineEnd(String text) {
        int end = text.length();
        if (end > 0 && text.charAt(end - 1) == '\n') {
            end--;
            if (end > 0 && text.charAt(end - 1) == '\r') {
                end--;
            }
        }
        return text.substring(0, end);
    }

    private void say(UdpEndpoint endpoint, InetSocketAddress server, String text) {
        if (joined) {
            send(endpoint, server, text);
        } else {
            waiting.add(text);
        }
    }

    private void ready(UdpEndpoint endpoint, InetSocketAddress server) {
        if (!joined) {
            joined = true;
            for (String text : waiting) {
                send(endpoint, server, text);
            }
            waiting.clear();
        }
    }

    private static void send(UdpEndpoint endpoint, InetSocketAddress server, String text) {
        endpoint.send(server, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }
}
