package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code server --loops 2} as a process for a minute: 20 TCP members each say {@code <id> <seq>} 100 times a second;
 * every member checks every other's sequence (no gap, no repeat), gets all of it by the end, and the server's resident
 * memory at the end is within 10 % of what it was after the first 15 s.
 */
@Tag("stress")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class GroupSoakCliTest {
    private static final Pattern READY = Pattern.compile("ready tcp=127\\.0\\.0\\.1:(\\d+) udp=.*");
    private static final int MEMBERS = 20;
    private static final int LINES_PER_SECOND = 100;

    @Test
    void twoLoopsForAMinuteLoseNothingAndKeepTheirMemory() throws Exception {
        Duration soak = Duration.ofSeconds(Long.getLong("loopwire.group.soak.seconds", 60));
        try (JarProcess server = JarProcess.startWithJvmOptions(List.of("-Xms64m", "-XX:+AlwaysPreTouch"), "server",
                "--tcp-port", "0", "--udp-port", "0", "--loops", "2", "--pack-below", "0")) { // 0: members on both loops
            Matcher m = READY.matcher(server.awaitLine("the ready line", line -> line.startsWith("ready ")));
            assertThat(m.matches()).as(server.describe()).isTrue();
            int port = Integer.parseInt(m.group(1));
            List<Member> members = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            try {
                // Every member in the room before anyone speaks (a member hears only what is said after it joined).
                // Two loops accept and place concurrently, so two members connected one after the other may join in
                // either order; once the first two have heard each other one way, each next member, connected after
                // that, joins after all the others and the earliest member hears it.
                members.add(new Member(0, port));
                members.add(new Member(1, port));
                members.get(0).start();
                members.get(1).start();
                Poll.until(Duration.ofSeconds(10), () -> members.get(0).joinsSeen.get()
                        + members.get(1).joinsSeen.get() >= 1, "members 0 and 1 in the room");
                Member earliest = members.get(0).joinsSeen.get() > 0 ? members.get(0) : members.get(1);
                for (int i = 2; i < MEMBERS; i++) {
                    Member member = new Member(i, port);
                    members.add(member);
                    member.start();
                    int joined = i;
                    Poll.until(Duration.ofSeconds(10), () -> earliest.joinsSeen.get() >= joined,
                            "member " + i + " in the room");
                }
                List<Thread> writers = new ArrayList<>();
                for (Member member : members) {
                    Thread writer = new Thread(() -> member.speak(stop), "soak-writer-" + member.id);
                    writer.setDaemon(true);
                    writer.start();
                    writers.add(writer);
                }
                long started = System.nanoTime();
                Thread.sleep(Math.min(15_000, soak.toMillis() / 4)); // the soak itself: time passing is the test
                long rssEarly = rssKib(server.pid());
                Thread.sleep(Math.max(0, soak.toMillis() - (System.nanoTime() - started) / 1_000_000));
                long rssLate = rssKib(server.pid());
                stop.set(true);
                for (Thread writer : writers) {
                    writer.join(10_000);
                }
                Poll.until(Duration.ofSeconds(60), () -> members.stream().allMatch(x -> x.gotEverything(members)),
                        "every member got every other's lines");
                long lines = 0;
                for (Member member : members) {
                    assertThat(member.errors.get()).as("sequence errors at member %d", member.id).isZero();
                    assertThat(member.closed).as("member %d closed by the server", member.id).isFalse();
                    lines += member.said;
                }
                System.out.printf("[figures] server --loops 2, %d members for %s: %d lines said, each heard by %d,"
                        + " 0 lost; RSS %d KiB after %d s, %d KiB at the end (%+.1f %%)%n", MEMBERS, soak, lines,
                        MEMBERS - 1, rssEarly, Math.min(15, soak.toSeconds() / 4), rssLate,
                        100.0 * (rssLate - rssEarly) / rssEarly);
                assertThat((double) rssLate).as("RSS at the end vs early, KiB").isLessThanOrEqualTo(rssEarly * 1.10);
            } finally {
                stop.set(true);
                for (Member member : members) {
                    member.close();
                }
            }
        }
    }

    private static long rssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    /** One TCP member: a reader thread checking every sender's sequence, and {@link #speak} for its own lines. */
    private static final class Member extends Thread {
        final int id;
        final AtomicLong joinsSeen = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        volatile boolean closed;
        volatile long said;
        private final Socket socket;
        private final Map<Integer, Long> next = new HashMap<>();

        Member(int id, int port) throws IOException {
            super("soak-reader-" + id);
            setDaemon(true);
            this.id = id;
            this.socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        }

        @Override
        public void run() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("* ")) {
                        if (line.endsWith(" joined")) {
                            joinsSeen.incrementAndGet();
                        }
                        continue;
                    }
                    int close = line.indexOf("] ");
                    String[] words = close < 0 ? new String[0] : line.substring(close + 2).split(" ");
                    if (words.length != 2) {
                        errors.incrementAndGet();
                        continue;
                    }
                    int sender = Integer.parseInt(words[0]);
                    long seq = Long.parseLong(words[1]);
                    synchronized (next) {
                        if (seq != next.getOrDefault(sender, 0L)) {
                            errors.incrementAndGet();
                        }
                        next.put(sender, seq + 1);
                    }
                }
                closed = true;
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    closed = true;
                }
            }
        }

        /** Says {@code <id> <seq>} {@value #LINES_PER_SECOND} times a second until stopped. */
        void speak(AtomicBoolean stop) {
            long period = 1_000_000_000L / LINES_PER_SECOND;
            long due = System.nanoTime();
            long seq = 0;
            try {
                OutputStream out = socket.getOutputStream();
                while (!stop.get()) {
                    out.write((id + " " + seq + "\n").getBytes(StandardCharsets.US_ASCII));
                    seq++;
                    due += period;
                    LockSupport.parkNanos(Math.max(0, due - System.nanoTime()));
                }
            } catch (IOException e) {
                errors.incrementAndGet();
            }
            said = seq;
        }

        boolean gotEverything(List<Member> all) {
            synchronized (next) {
                for (Member other : all) {
                    if (other != this && next.getOrDefault(other.id, 0L) < other.said) {
                        return false;
                    }
                }
                return true;
            }
        }

        void close() throws IOException {
            socket.close();
        }
    }
}
