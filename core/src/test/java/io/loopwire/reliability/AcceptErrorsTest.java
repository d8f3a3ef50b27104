package io.loopwire.reliability;

import io.loopwire.testkit.Rig;
import static io.loopwire.testkit.Rig.figures;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Case 4: the server runs out of file descriptors. A child JVM serves the chat under {@code ulimit -n 64}; the test
 * connects until accept fails (EMFILE) and checks that the server logs the pause, does not spin (its CPU time over
 * 2 s at the limit, from /proc/&lt;pid&gt;/stat), keeps serving the members it has, and accepts again once
 * descriptors are free.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AcceptErrorsTest {
    private static final int FD_LIMIT = 64;
    /** CPU the server may use over the 2 s window at the limit; a spinning loop would use about 2 s. */
    private static final long MAX_CPU_TICKS_IN_WINDOW = 40; // 0.4 s at 100 ticks/s, for JIT and GC noise

    @Test
    void acceptingPausesAtTheFdLimitWithoutSpinningAndResumes() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "needs /proc (Linux)");
        Assumptions.assumeTrue(new File("/bin/bash").canExecute(), "needs bash for ulimit");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Only what the server needs: fewer jars open means more descriptors left for connections.
        String classpath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> p.endsWith("classes") || p.contains("slf4j"))
                .collect(Collectors.joining(File.pathSeparator));
        String command = "ulimit -n " + FD_LIMIT + " && exec '" + java + "' -Xmx64m -XX:+UseSerialGC "
                + "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp '" + classpath + "' "
                + LowFdServerMain.class.getName();
        Process server = new ProcessBuilder("/bin/bash", "-c", command).start();
        List<String> log = new CopyOnWriteArrayList<>();
        Thread logReader = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(server.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String l;
                while ((l = err.readLine()) != null) {
                    log.add(l);
                }
            } catch (IOException ignored) {
                // the child ended
            }
        }, "child-stderr");
        logReader.setDaemon(true);
        logReader.start();
        List<Rig.LineClient> clients = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertThat(ready).as("child ready line; stderr: %s", log).startsWith("ready ");
            int port = Integer.parseInt(ready.split(" ")[1]);
            InetSocketAddress address = new InetSocketAddress(Rig.LOOPBACK, port);
            long pid = server.pid();

            Rig.LineClient a = new Rig.LineClient(address);
            Rig.LineClient b = new Rig.LineClient(address);
            clients.add(a);
            clients.add(b);
            a.send("warm-up");
            GarbageInputTest.readUntil(b, "[" + a.peer() + "] warm-up");
            // Connect until the server says it paused accepting (the kernel completes handshakes into the backlog).
            int opened = 2;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (log.stream().noneMatch(l -> l.contains("pausing accepts"))) {
                assertThat(System.nanoTime()).as("server paused accepting; log: %s", log).isLessThan(deadline);
                if (opened < 3 * FD_LIMIT) {
                    clients.add(new Rig.LineClient(address));
                    opened++;
                } else {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
            }
            // At the limit: measure the child's CPU time over 2 s.
            long cpu0 = cpuTicks(pid);
            long w0 = System.nanoTime();
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2)); // the measurement window, not synchronisation
            long cpuTicks = cpuTicks(pid) - cpu0;
            long windowNanos = System.nanoTime() - w0;
            long pauses = log.stream().filter(l -> l.contains("pausing accepts")).count();

            // Existing members still chat while the server is at the limit.
            long c0 = System.nanoTime();
            a.send("at the limit");
            GarbageInputTest.readUntil(b, "[" + a.peer() + "] at the limit");
            long chatNanos = System.nanoTime() - c0;

            // Free descriptors: close everyone but a and b; then a newcomer must get in and be heard.
            for (Rig.LineClient c : clients.subList(2, clients.size())) {
                c.close();
            }
            clients.subList(2, clients.size()).clear();
            long r0 = System.nanoTime();
            Rig.LineClient newcomer = new Rig.LineClient(address);
            clients.add(newcomer);
            newcomer.send("I got in");
            GarbageInputTest.readUntil(a, "[" + newcomer.peer() + "] I got in");
            long resumeNanos = System.nanoTime() - r0;
            figures("accept-errors", "fdLimit=" + FD_LIMIT + " clientsOpenedToHitLimit=" + opened
                    + " pauseLogLines=" + pauses + " childCpuAtLimit=" + cpuTicks + "ticks/" + Rig.ms(windowNanos)
                    + " (" + String.format("%.1f", cpuTicks * 10.0 / (windowNanos / 1e6) * 100) + "% of a core)"
                    + " chatAtLimit=" + Rig.ms(chatNanos) + " newcomerHeardAfter=" + Rig.ms(resumeNanos)
                    + " childRss=" + Rig.vmRssKiB(Path.of("/proc/" + pid + "/status")) + "KiB");
            assertThat(cpuTicks).as("server CPU ticks over 2 s at the fd limit").isLessThan(MAX_CPU_TICKS_IN_WINDOW);
            assertThat(log).anyMatch(l -> l.contains("pausing accepts"));
        } finally {
            for (Rig.LineClient c : clients) {
                c.close();
            }
            server.getOutputStream().close(); // stdin EOF: the child closes its reactor and exits
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** utime + stime of {@code pid}, in clock ticks, from /proc/&lt;pid&gt;/stat. */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15, counted after "pid (comm)"
    }
}
