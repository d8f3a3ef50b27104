package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.relay.ChatClients.BurstReader;
import io.loopwire.relay.ChatClients.RunningServer;
import io.loopwire.tcp.CloseReason;
import io.loopwire.tcp.TcpServer;
import io.loopwire.testkit.TestCerts;
import io.loopwire.tls.PemFiles;
import io.loopwire.tls.TlsConfig;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fair turns hold on TLS: one TLS sender writes a 1 MiB burst of 2-byte lines in one write while three TLS members
 * read as fast as they can; every reader gets every line and nobody is closed (the outbound limit counts plaintext
 * and judges what the socket could not take after each turn's flush, as without TLS).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TlsBurstTest {
    private static final int READERS = 3;
    private static final int BURST_BYTES = 1024 * 1024;

    @Test
    void aBurstOf1MiBThroughTlsReachesEveryFastTlsReaderAndClosesNobody(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(TestCerts.available(), TestCerts.MISSING);
        TestCerts certs = TestCerts.newCa(dir).issue("server", "ec");
        TlsConfig tls = TlsConfig.server(PemFiles.serverContext(certs.chain("server"), certs.key("server"))).build();
        SSLContext trust = PemFiles.clientContext(certs.caPem());
        int lines = BURST_BYTES / 2;
        try (RunningServer chat = RunningServer.start(b -> b.tls(tls, 0).plainTcp(false));
             SSLSocket sender = (SSLSocket) trust.getSocketFactory().createSocket("localhost",
                     chat.server.tlsAddress().getPort())) {
            sender.startHandshake();
            List<SSLSocket> sockets = new ArrayList<>();
            List<BurstReader> readers = new ArrayList<>();
            try {
                for (int i = 0; i < READERS; i++) {
                    SSLSocket s = (SSLSocket) trust.getSocketFactory().createSocket("localhost",
                            chat.server.tlsAddress().getPort());
                    s.startHandshake();
                    sockets.add(s);
                    BurstReader r = new BurstReader(s);
                    readers.add(r);
                    r.start();
                }
                Poll.onLoopUntil(chat.reactor, () -> chat.server.tcpRoom().size() == READERS + 1, "all joined");
                byte[] data = new byte[BURST_BYTES];
                for (int i = 0; i < data.length; i += 2) {
                    data[i] = 'a';
                    data[i + 1] = '\n';
                }
                OutputStream out = sender.getOutputStream();
                out.write(data);
                out.flush();
                Poll.until(Duration.ofSeconds(150), () -> readers.stream().allMatch(r -> r.relayed.get() >= lines
                        || r.errors.get() > 0 || r.ended), "every reader got " + lines + " lines");
                for (BurstReader r : readers) {
                    assertThat(r.errors.get()).as("error lines sent to a fast reader").isZero();
                    assertThat(r.ended).as("a fast reader was closed").isFalse();
                    assertThat(r.relayed.get()).as("lines relayed to a reader").isEqualTo(lines);
                }
                TcpServer server = chat.server.tlsServer();
                assertThat(chat.reactor.call(() -> server.stats().closed(CloseReason.OUTBOUND_LIMIT))).isZero();
                assertThat(chat.tcpRoomSize()).isEqualTo(READERS + 1);
                long shares = chat.reactor.call(() -> server.stats().turnSharesUsed());
                System.out.printf("[figures] TLS burst of %d lines: every TLS reader got all, turn shares used %d%n",
                        lines, shares);
                assertThat(shares).as("the burst was handed on over several turns").isPositive();
            } finally {
                for (SSLSocket s : sockets) {
                    s.close();
                }
                for (BurstReader r : readers) {
                    r.join(5000);
                }
            }
        }
    }
}
