package io.loopwire.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every benchmark tool answers {@code --help} with its usage on stdout and exit status 0, and an unknown option with
 * one error line on stderr and exit status 2 (each in a JVM of its own: the mains call {@code System.exit}).
 */
@Timeout(120)
class HelpTest {

    @ParameterizedTest
    @ValueSource(strings = {"AllocationCheck", "ClusterLatency", "IdleConnectionMemory", "ProberThroughput",
            "RelayLoad", "TlsAdapterComparison", "TlsHandshakeLoad", "UdpPingLoad", "UdpRelayLoad",
            "peers.BlockingUdpEchoFloor", "peers.NettyRelayServer", "peers.ThreadPerClientRelayServer"})
    void helpPrintsTheUsageAndAnUnknownOptionIsAUsageError(String tool) throws Exception {
        String main = "io.loopwire.bench." + tool;
        Run help = run(main, "--help");
        assertThat(help.status).as("%s --help exit status", tool).isZero();
        assertThat(help.stdout).as("%s --help", tool).startsWith("usage: ").contains(main);
        Run bad = run(main, "--no-such-option");
        assertThat(bad.status).as("%s --no-such-option exit status", tool).isEqualTo(2);
        assertThat(bad.stderr).as("%s --no-such-option", tool).startsWith("error: unknown option: --no-such-option");
    }

    private record Run(int status, String stdout, String stderr) {
    }

    private static Run run(String main, String arg) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), main, arg)).start();
        p.getOutputStream().close();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(main + " " + arg + " did not exit within 30 s");
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
