package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Exit status as a supervisor sees it: invalid option combinations are usage errors (one line naming the option,
 * then where to read more, exit 2, never a stack trace); a loop that dies of a fatal error makes the process exit 1 with one line
 * naming the cause, instead of a clean-looking 0.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExitStatusTest {

    @Test
    void theSameTargetTwiceIsAUsageError() throws Exception {
        assertUsageError("--target", "monitor", "--target", "127.0.0.1:1", "--target", "127.0.0.1:1");
    }

    @Test
    void theSameTargetTwiceUnderTwoNamesIsAUsageError() throws Exception {
        assertUsageError("--target", "monitor", "--target", "127.0.0.1:1", "--target", "localhost:1");
    }

    @Test
    void anOverflowingDurationIsAUsageError() throws Exception {
        assertUsageError("--interval", "monitor", "--target", "127.0.0.1:1", "--interval", "300000d");
        assertUsageError("--repeat", "monitor", "--target", "127.0.0.1:1", "--repeat", "9999999999999h");
        assertUsageError("--udp-idle-timeout", "server", "--tcp-port", "0", "--udp-port", "0",
                "--udp-idle-timeout", "300000d");
    }

    @Test
    void aTooSmallCarryBudgetIsAUsageError() throws Exception {
        assertUsageError("--carry-budget", "server", "--tcp-port", "0", "--udp-port", "0", "--carry-budget", "1KiB");
    }

    /**
     * A real fatal error: a 20 MB heap, a 16 MiB frame limit, and a client sending a 15 MiB line; the carry buffer
     * grows until the heap cannot hold it, and an OutOfMemoryError on the loop thread is fatal.
     */
    @Test
    void aServerWhoseLoopDiesExitsOneNamingTheCause() throws Exception {
        try (JarProcess p = JarProcess.startWithJvmOptions(List.of("-Xmx20m"),
                "server", "--tcp-port", "0", "--udp-port", "0", "--max-frame", "16MiB")) {
            String ready = p.awaitLine("the ready line", line -> line.startsWith("ready tcp="));
            int port = Integer.parseInt(ready.replaceAll(".*tcp=[^ ]*:(\\d+) .*", "$1"));
            byte[] chunk = new byte[1024 * 1024];
            Arrays.fill(chunk, (byte) 'x');
            try (Socket s = new Socket("127.0.0.1", port)) {
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < 15; i++) {
                    out.write(chunk);
                }
            } catch (IOException reset) {
                // the server died mid-line: expected
            }
            assertThat(p.awaitExit()).as(p.describe()).isEqualTo(1);
            List<String> stderr = p.stderr();
            assertThat(stderr.get(stderr.size() - 1)).as(p.describe())
                    .startsWith("server: fatal: the loop stopped: ").contains("OutOfMemoryError");
        }
    }

    private static void assertUsageError(String option, String... args) throws Exception {
        try (JarProcess p = JarProcess.start(args)) {
            assertThat(p.awaitExit()).as(p.describe()).isEqualTo(2);
            assertThat(p.stderr()).as(p.describe()).isNotEmpty();
            assertThat(p.stderr().get(0)).as(p.describe()).contains(option);
            String err = String.join("\n", p.stderr());
            assertThat(p.stderr()).as("one line naming the problem, then where to read more").hasSize(2);
            assertThat(p.stderr().get(1)).isEqualTo("try 'loopwire.jar " + args[0] + " --help'");
            assertThat(err).as("no stack trace").doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(p.stdout()).isEmpty();
        }
    }
}
