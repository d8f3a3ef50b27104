package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The CLI contract from outside: help, usage errors (exit 2), port in use and unreachable server (exit 1). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CommandLineTest {

    @Test
    void helpOnEachSubCommandPrintsUsageAndExitsZero() throws Exception {
        String[][] cases = {{"server", "--tcp-port"}, {"tcp-client", "--port"}, {"udp-client", "--port"}};
        for (String[] c : cases) {
            try (JarProcess p = JarProcess.start(c[0], "--help")) {
                assertThat(p.awaitExit()).as(p.describe()).isZero();
                assertThat(String.join("\n", p.stdout()))
                        .startsWith("Usage: loopwire.jar " + c[0])
                        .contains(c[1], "--help");
            }
        }
    }

    @Test
    void outOfRangePortIsAUsageError() throws Exception {
        assertUsageError("--tcp-port", "server", "--tcp-port", "99999", "--udp-port", "0");
    }

    @Test
    void badSizeIsAUsageError() throws Exception {
        assertUsageError("--max-frame", "server", "--max-frame", "12x", "--tcp-port", "0", "--udp-port", "0");
    }

    @Test
    void badDurationIsAUsageError() throws Exception {
        assertUsageError("--udp-idle-timeout", "server", "--udp-idle-timeout", "soon", "--tcp-port", "0",
                "--udp-port", "0");
    }

    @Test
    void badUdpProtectionFlagsAreUsageErrors() throws Exception {
        assertUsageError("--udp-join", "server", "--udp-join", "maybe", "--tcp-port", "0", "--udp-port", "0");
        assertUsageError("--udp-budgets", "server", "--udp-budgets", "yes", "--tcp-port", "0", "--udp-port", "0");
        assertUsageError("--udp-max-members-per-ip", "server", "--udp-max-members-per-ip", "-1", "--tcp-port", "0",
                "--udp-port", "0");
    }

    @Test
    void clientsCheckTheirPortToo() throws Exception {
        assertUsageError("--port", "tcp-client", "--port", "70000");
        assertUsageError("--port", "udp-client", "--port", "-1");
    }

    @Test
    void missingSubCommandIsAUsageError() throws Exception {
        try (JarProcess p = JarProcess.start()) {
            assertThat(p.awaitExit()).as(p.describe()).isEqualTo(2);
            assertThat(p.stderr()).as(p.describe()).isNotEmpty();
            assertThat(p.stderr().get(0)).contains("sub-command");
            assertThat(p.stderr()).as(p.describe()).containsExactly("loopwire.jar: a sub-command is required",
                    "try 'loopwire.jar --help'");
        }
    }

    /** Exit status 2, stderr's first line names the option, the second says where to read more; no usage. */
    private static void assertUsageError(String option, String... args) throws Exception {
        try (JarProcess p = JarProcess.start(args)) {
            assertThat(p.awaitExit()).as(p.describe()).isEqualTo(2);
            assertThat(p.stderr()).as(p.describe()).isNotEmpty();
            assertThat(p.stderr().get(0)).as(p.describe()).contains(option);
            assertThat(p.stderr()).as(p.describe()).hasSize(2);
            assertThat(p.stderr().get(1)).isEqualTo("try 'loopwire.jar " + args[0] + " --help'");
            assertThat(p.stdout()).isEmpty();
        }
    }

    @Test
    void tcpPortInUseExitsOneWithAClearMessage() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            try (JarProcess p = JarProcess.start("server", "--tcp-port", String.valueOf(port), "--udp-port", "0")) {
                assertThat(p.awaitExit()).as(p.describe()).isEqualTo(1);
                assertThat(p.stdout()).as("no ready line").isEmpty();
                assertThat(String.join("\n", p.stderr())).contains(String.valueOf(port)).containsIgnoringCase("in use");
            }
        }
    }

    @Test
    void udpPortInUseExitsOneWithAClearMessage() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = taken.getLocalPort();
            try (JarProcess p = JarProcess.start("server", "--tcp-port", "0", "--udp-port", String.valueOf(port))) {
                assertThat(p.awaitExit()).as(p.describe()).isEqualTo(1);
                assertThat(p.stdout()).as("no ready line").isEmpty();
                assertThat(String.join("\n", p.stderr())).contains(String.valueOf(port)).containsIgnoringCase("in use");
            }
        }
    }

    @Test
    void tcpClientAgainstAClosedPortExitsOne() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // free again once closed; nothing listens there
        }
        try (JarProcess p = JarProcess.start("tcp-client", "--port", String.valueOf(port))) {
            p.closeStdin();
            assertThat(p.awaitExit()).as(p.describe()).isEqualTo(1);
            assertThat(String.join("\n", p.stderr())).contains("cannot connect", String.valueOf(port));
        }
    }
}
