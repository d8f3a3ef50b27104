package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.relay.PingEcho;
import io.loopwire.udp.UdpEndpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A targets file with 1,000 mixed targets (500 UDP echoes, 500 TCP listeners, all on loopback) is re-read while the
 * prober runs: unchanged targets keep their history (the same objects, their rounds still counting), removed ones
 * are gone, new ones are probed; a version with bad lines is refused with their line numbers and the set stays.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TargetsFileReloadTest {
    private static final int HALF = 500;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void thousandMixedTargetsReReadWhileRunningKeepHistoryDropRemovedAndRefuseBadLines(@TempDir Path dir)
            throws Exception {
        try (Reactor echoes = new Reactor("test-echoes").start(); Acceptor acceptor = new Acceptor(HALF + 25);
                Reactor reactor = new Reactor("prober").start()) {
            PingEcho pingEcho = new PingEcho();
            List<InetSocketAddress> udp = new ArrayList<>();
            for (int i = 0; i < HALF + 25; i++) {
                udp.add(UdpEndpoint.builder(echoes).bind(new InetSocketAddress(LOOPBACK, 0))
                        .handler(pingEcho::answer).start().localAddress());
            }
            List<InetSocketAddress> tcp = acceptor.addresses();
            List<String> lines = new ArrayList<>(List.of("# 1,000 mixed targets", ""));
            for (int i = 0; i < HALF; i++) {
                lines.add("udp://127.0.0.1:" + udp.get(i).getPort() + " name=u" + i + " team=net  # echo");
                lines.add("tcp://127.0.0.1:" + tcp.get(i).getPort() + (i % 2 == 0 ? " name=t" + i + " team=db" : ""));
            }
            Path file = dir.resolve("targets.txt");
            Files.write(file, lines);

            List<TargetSpec> specs = TargetsFile.read(file);
            assertThat(specs).hasSize(2 * HALF);
            assertThat(specs.get(0).labels()).isEqualTo(Map.of("team", "net"));
            assertThat(specs.get(3).name()).isEqualTo("tcp://127.0.0.1:" + tcp.get(1).getPort());
            Changes changes = new Changes();
            LatencyProber.Builder builder = LatencyProber.builder(reactor).interval(Duration.ofSeconds(1))
                    .classifier(ClassifierConfig.defaults().withTimeout(Duration.ofMillis(900))).listener(changes);
            specs.forEach(builder::target);
            LatencyProber prober = builder.start();
            List<String> reports = new CopyOnWriteArrayList<>();
            try (TargetsFileWatcher watcher = TargetsFileWatcher.watch(file, prober, Duration.ofMillis(100),
                    reports::add)) {
                Poll.onLoopUntil(Duration.ofSeconds(30), reactor,
                        () -> prober.targets().stream().allMatch(t -> t.rounds() >= 2 && t.state() == LinkState.NORMAL),
                        "every target NORMAL after 2 rounds");
                List<ProbeTarget> before = prober.targets();
                Map<String, Long> roundsBefore = reactor.call(() -> {
                    Map<String, Long> m = new java.util.HashMap<>();
                    before.forEach(t -> m.put(t.name(), t.rounds()));
                    return m;
                });

                // Drop the last 50 of each kind, add 25 new of each kind.
                List<String> next = new ArrayList<>(List.of("# re-read"));
                for (int i = 0; i < HALF - 50; i++) {
                    next.add(lines.get(2 + 2 * i));
                    next.add(lines.get(3 + 2 * i));
                }
                for (int i = HALF; i < HALF + 25; i++) {
                    next.add("udp://127.0.0.1:" + udp.get(i).getPort() + " name=new-u" + i);
                    next.add("tcp://127.0.0.1:" + tcp.get(i).getPort() + " name=new-t" + i + " team=new");
                }
                rewrite(file, next);
                Poll.until(Duration.ofSeconds(20), () -> watcher.reloads() == 1, "the changed file is re-read");
                assertThat(reports.get(0)).contains("950 targets (900 unchanged, 50 new, 100 removed)");

                List<ProbeTarget> after = prober.targets();
                assertThat(after).hasSize(900 + 50);
                Set<ProbeTarget> old = Collections.newSetFromMap(new IdentityHashMap<>());
                old.addAll(before);
                for (int i = 0; i < 900; i++) {
                    assertThat(old).as("unchanged target %s is the same object", after.get(i)).contains(after.get(i));
                }
                assertThat(after.subList(900, 950)).noneMatch(old::contains);
                Set<String> names = new java.util.HashSet<>();
                after.forEach(t -> names.add(t.name()));
                assertThat(names).doesNotContain("u" + (HALF - 1), "t" + (HALF - 2)).contains("new-t" + HALF);
                assertThat(changes.added).hasSize(1);
                assertThat(changes.added.get(0)).hasSize(50);
                assertThat(changes.removed.get(0)).hasSize(100)
                        .allSatisfy(t -> assertThat(names).doesNotContain(t.name()));

                // History kept: unchanged targets go on counting from where they were; new ones get measured.
                Poll.onLoopUntil(Duration.ofSeconds(30), reactor, () -> after.stream().allMatch(t ->
                        t.state() == LinkState.NORMAL && t.rounds() >= roundsBefore.getOrDefault(t.name(), 0L) + 2),
                        "every target measured twice more, unchanged ones from their old count");
                assertThat(reactor.call(() -> after.get(0).stats().received()))
                        .isGreaterThanOrEqualTo(roundsBefore.get("u0") + 2);

                // Bad lines: refused with their numbers, the targets stay as they were.
                List<String> bad = new ArrayList<>(next);
                bad.set(2, "tcp://127.0.0.1:0");
                bad.set(6, "ftp://127.0.0.1:21 name=x");
                bad.add("udp://127.0.0.1:7 team=a team=b");
                rewrite(file, bad);
                Poll.until(Duration.ofSeconds(20), () -> watcher.rejected() == 1, "the bad file is refused");
                String report = reports.get(reports.size() - 1);
                assertThat(report).contains("line 3: ", "port must be 1-65535", "line 7: ", "unknown kind 'ftp'",
                        "line " + bad.size() + ": ", "label team given twice", "keeping the current targets");
                assertThat(prober.targets()).isEqualTo(after);
                assertThat(watcher.reloads()).isEqualTo(1);
            } finally {
                prober.close();
            }
        }
    }

    /** Writes {@code lines} and moves the modification time on, so a coarse file-system clock still shows it. */
    private static void rewrite(Path file, List<String> lines) throws IOException {
        FileTime previous = Files.getLastModifiedTime(file);
        Files.write(file, lines);
        Instant later = previous.toInstant().plusSeconds(2);
        if (Files.getLastModifiedTime(file).toInstant().isBefore(later)) {
            Files.setLastModifiedTime(file, FileTime.from(later));
        }
    }

    /** The target changes the prober reported. */
    private static final class Changes implements ProbeListener {
        final List<List<ProbeTarget>> added = new CopyOnWriteArrayList<>();
        final List<List<ProbeTarget>> removed = new CopyOnWriteArrayList<>();

        @Override
        public void onTargetsChanged(List<ProbeTarget> a, List<ProbeTarget> r) {
            added.add(List.copyOf(a));
            removed.add(List.copyOf(r));
        }
    }

    /** TCP listeners on loopback, accepting and closing every connection on one selector thread. */
    private static final class Acceptor implements AutoCloseable {
        private final Selector selector = Selector.open();
        private final List<ServerSocketChannel> servers = new ArrayList<>();
        private final Thread thread;

        Acceptor(int count) throws IOException {
            for (int i = 0; i < count; i++) {
                ServerSocketChannel s = ServerSocketChannel.open();
                s.bind(new InetSocketAddress(LOOPBACK, 0), 64);
                s.configureBlocking(false);
                s.register(selector, SelectionKey.OP_ACCEPT);
                servers.add(s);
            }
            thread = new Thread(this::run, "test-acceptor");
            thread.setDaemon(true);
            thread.start();
        }

        List<InetSocketAddress> addresses() throws IOException {
            List<InetSocketAddress> list = new ArrayList<>();
            for (ServerSocketChannel s : servers) {
                list.add((InetSocketAddress) s.getLocalAddress());
            }
            return list;
        }

        private void run() {
            try {
                while (selector.isOpen()) {
                    selector.select(200);
                    for (SelectionKey key : selector.selectedKeys()) {
                        SocketChannel c;
                        while ((c = ((ServerSocketChannel) key.channel()).accept()) != null) {
                            c.close();
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (Exception closed) {
                // closed by the test
            }
        }

        @Override
        public void close() throws Exception {
            selector.close();
            thread.join(5_000);
            for (ServerSocketChannel s : servers) {
                s.close();
            }
        }
    }
}
