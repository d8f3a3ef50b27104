package io.loopwire.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server started right after {@link Reactor#start()} (while the loop thread may still be starting) accepts at once:
 * its registration is never stranded behind a select that blocks without a timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketServerStartRaceTest {

    @Test
    void serverStartedRightAfterTheReactorAcceptsAtOnce() throws Exception {
        for (int round = 0; round < 300; round++) {
            try (Reactor reactor = new Reactor("start-race-" + round).start()) {
                TcpServer server = TcpServer.builder(reactor).handler(SocketEchoTest.ECHO).start();
                try (Socket client = new Socket("127.0.0.1", server.localAddress().getPort())) {
                    client.setSoTimeout(5_000);
                    client.getOutputStream().write("x\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(client.getInputStream().read()).as("echo in round %d", round).isEqualTo('x');
                }
            }
        }
    }
}
