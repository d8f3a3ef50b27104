package io.loopwire.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import io.loopwire.tcp.CloseReason;
import io.loopwire.tcp.TcpServer;
import io.loopwire.testkit.ExternalProcess;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server that ends a session says {@code close_notify} after its last words: {@code openssl s_client} reports a
 * clean TLS close ({@code closed}, OpenSSL's {@code SSL_ERROR_ZERO_RETURN}) rather than an unexpected end of file.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsCloseNotifyTest {

    @Test
    void aGracefulCloseSendsCloseNotifyAfterTheLastMessage() throws Exception {
        Assumptions.assumeTrue(ExternalProcess.onPath("openssl"), "openssl is not on PATH");
        try (Reactor reactor = new Reactor("tls-close-notify").start()) {
            TcpServer server = TcpServer.builder(reactor)
                    .tls(TlsConfig.server(TlsFixture.serverContext()).build())
                    .handler((connection, line) -> connection.closeAfter(
                            ByteBuffer.wrap("goodbye\n".getBytes(StandardCharsets.UTF_8)), CloseReason.LOCAL))
                    .start();
            // Without -quiet, so that s_client prints "closed" on close_notify; -ign_eof keeps it reading.
            try (ExternalProcess client = ExternalProcess.start("s_client", List.of("openssl", "s_client",
                    "-connect", "127.0.0.1:" + server.localAddress().getPort(), "-ign_eof"))) {
                client.sendLine("bye"); // s_client sends it once the handshake is done
                client.awaitLine("closed");
                assertThat(client.awaitExit()).isZero();
                // s_client prints what it reads as it reads it, among its own lines: the last words came first.
                String out = String.join("\n", client.stdout());
                assertThat(out).contains("goodbye");
                assertThat(out.indexOf("goodbye")).isLessThan(out.lastIndexOf("closed"));
                assertThat(String.join("\n", client.stderr())).doesNotContain("unexpected eof");
            }
        }
    }
}
