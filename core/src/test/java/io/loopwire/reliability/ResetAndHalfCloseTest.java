package io.loopwire.reliability;

import io.loopwire.testkit.Rig;
import static io.loopwire.testkit.Rig.figures;
import static io.loopwire.testkit.Rig.onLoop;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import io.loopwire.Reactor;
import io.loopwire.relay.ChatServer;
import io.loopwire.tcp.CloseReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Case 5: a peer that resets or half-closes in the middle of a line disturbs nobody, and the others hear that it
 * left. An unfinished line (no {@code '\n'} yet) is not a message: at a reset or at end of stream it is discarded,
 * never relayed as a fragment. With {@code tcpIdleTimeout} on, a silent member is closed and a chatting one is not.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ResetAndHalfCloseTest {

    @Test
    void resetAndHalfCloseMidMessageOnlyEndThatConnection() throws Exception {
        try (Reactor reactor = new Reactor("reset-test").start()) {
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).start();
            try (Rig.LineClient observer = new Rig.LineClient(server.tcpAddress());
                    Rig.LineClient talker = new Rig.LineClient(server.tcpAddress())) {
                Rig.LineClient resetter = new Rig.LineClient(server.tcpAddress());
                Rig.LineClient halfCloser = new Rig.LineClient(server.tcpAddress());
                Poll.onLoopUntil(Duration.ofSeconds(5), reactor, () -> server.tcpRoom().size() == 4, "4 members");
                String resetPeer = resetter.peer();
                String halfPeer = halfCloser.peer();

                resetter.out.write("half a line from the resetter".getBytes(StandardCharsets.UTF_8));
                resetter.out.flush();
                awaitBytesIn(reactor, server, 29);
                resetter.socket.setSoLinger(true, 0);
                resetter.close(); // RST

                halfCloser.out.write("half a line from the half-closer".getBytes(StandardCharsets.UTF_8));
                halfCloser.out.flush();
                halfCloser.socket.shutdownOutput(); // FIN mid-line; it keeps reading
                assertThat(halfCloser.closedByServerWithin(Duration.ofSeconds(5)))
                        .as("the server finishes the half-closed connection").isTrue();
                halfCloser.close();

                talker.send("after the faults");
                List<String> seen = GarbageInputTest.readUntil(observer, "[" + talker.peer() + "] after the faults");
                assertThat(seen).contains("* " + resetPeer + " left", "* " + halfPeer + " left");
                assertThat(seen).noneMatch(l -> l.startsWith("[" + resetPeer + "]"))
                        .noneMatch(l -> l.startsWith("[" + halfPeer + "]"));
                observer.send("observer still talks");
                GarbageInputTest.readUntil(talker, "[" + observer.peer() + "] observer still talks");
                long resets = onLoop(reactor, () -> server.tcpServer().stats().closed(CloseReason.RESET));
                long peerClosed = onLoop(reactor, () -> server.tcpServer().stats().closed(CloseReason.PEER_CLOSED));
                assertThat(resets).isEqualTo(1);
                assertThat(peerClosed).isEqualTo(1);
                assertThat(onLoop(reactor, () -> server.tcpServer().stats().open())).isEqualTo(2);
                figures("reset-half-close", "reset=" + resets + " peerClosed=" + peerClosed
                        + " leaveNoticesSeen=2 fragmentsRelayed=0 othersChatAfter=true");
            }
        }
    }

    @Test
    void idleTimeoutClosesTheSilentMemberNotTheChattingOnes() throws Exception {
        Duration idle = Duration.ofMillis(400);
        try (Reactor reactor = new Reactor("idle-test").start()) {
            ChatServer server = ChatServer.builder(reactor).tcpPort(0).udpPort(0).tcpIdleTimeout(idle).start();
            try (Rig.LineClient silent = new Rig.LineClient(server.tcpAddress());
                    Rig.LineClient a = new Rig.LineClient(server.tcpAddress());
                    Rig.LineClient b = new Rig.LineClient(server.tcpAddress())) {
                long t0 = System.nanoTime();
                // a and b chat every 100 ms for 4 idle periods; the silent one says nothing.
                for (int i = 0; i < 16; i++) {
                    a.send("a " + i);
                    b.send("b " + i);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // pacing the chatters
                }
                assertThat(silent.closedByServerWithin(Duration.ofSeconds(3))).as("silent member closed").isTrue();
                long silentEofAfter = System.nanoTime() - t0; // an upper bound: it was read after the chat
                silent.close(); // answers the server's FIN; the server would otherwise wait out its 2 s close timeout
                Poll.onLoopUntil(Duration.ofSeconds(5), reactor,
                        () -> server.tcpServer().stats().closed(CloseReason.IDLE_TIMEOUT) == 1,
                        "idle close counted");
                assertThat(onLoop(reactor, () -> server.tcpServer().stats().open())).as("chatters stay").isEqualTo(2);
                a.send("still here");
                GarbageInputTest.readUntil(b, "[" + a.peer() + "] still here");
                figures("idle-timeout", "idleTimeout=" + idle.toMillis() + "ms silentEofBy="
                        + Rig.ms(silentEofAfter) + " chattersOpen=2 idleClosed=1");
            }
        }
    }

    private static void awaitBytesIn(Reactor reactor, ChatServer server, long bytes) throws Exception {
        Poll.onLoopUntil(Duration.ofSeconds(5), reactor, () -> server.tcpServer().stats().bytesIn() >= bytes,
                bytes + " bytes read");
    }
}
