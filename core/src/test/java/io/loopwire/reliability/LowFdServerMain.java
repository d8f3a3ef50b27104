package io.loopwire.reliability;

import io.loopwire.Reactor;
import io.loopwire.relay.ChatServer;
import java.io.InputStream;

/**
 * The chat server for {@link AcceptErrorsTest}, run in a child JVM under a low {@code ulimit -n}: prints
 * {@code ready <tcpPort> <udpPort>} on stdout, then serves until stdin ends.
 */
public final class LowFdServerMain {
    private LowFdServerMain() {
    }

    public static void main(String[] args) throws Exception {
        try (Reactor reactor = new Reactor("low-fd-server").start()) {
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
            System.out.println("ready " + server.tcpAddress().getPort() + " " + server.udpAddress().getPort());
            System.out.flush();
            InputStream in = System.in;
            while (in.read() >= 0) {
                // serve until the test closes our stdin
            }
        }
    }
}
