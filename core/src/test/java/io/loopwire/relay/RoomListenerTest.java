package io.loopwire.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bridge hook: a listener sees exactly the bytes local members caused, and lines delivered with
 * {@code deliverForeign} reach every member but never a listener (so a bridge cannot echo them back).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RoomListenerTest {

    /** A member that keeps what it is given, as text. */
    static final class Recorder extends Member {
        final List<String> lines = new ArrayList<>();

        Recorder(int port) {
            super(new InetSocketAddress("127.0.0.1", port));
        }

        @Override
        protected void deliver(ByteBuffer line, boolean transientBytes) {
            lines.add(StandardCharsets.UTF_8.decode(line).toString());
        }
    }

    /** A listener that keeps what it sees, as text. */
    static final class Seen implements RoomListener {
        final List<String> seen = new ArrayList<>();

        @Override
        public void onMessage(Member sender, ByteBuffer line) {
            seen.add("message " + sender.peer() + " " + StandardCharsets.UTF_8.decode(line));
        }

        @Override
        public void onJoined(Member member, ByteBuffer notice) {
            seen.add("joined " + member.peer() + " " + StandardCharsets.UTF_8.decode(notice));
        }

        @Override
        public void onLeft(Member member, ByteBuffer notice) {
            seen.add("left " + member.peer() + " " + StandardCharsets.UTF_8.decode(notice));
        }
    }

    @Test
    void listenerSeesLocalLinesAsMembersGotThemButNeverForeignOnes() {
        Reactor reactor = new Reactor("listener-test"); // never started: the room runs on the test thread
        try {
            ChatRoom room = new ChatRoom(reactor);
            Seen seen = new Seen();
            room.addListener(seen);
            Recorder a = new Recorder(1001);
            Recorder b = new Recorder(1002);
            room.join(a);
            room.join(b);
            room.broadcast(a, ByteBuffer.wrap("hi".getBytes(StandardCharsets.UTF_8)));
            room.deliverForeign(ByteBuffer.wrap("[10.0.0.9:7] from afar\n".getBytes(StandardCharsets.UTF_8)));
            room.leave(b);

            assertThat(seen.seen).containsExactly(
                    "joined 127.0.0.1:1001 * 127.0.0.1:1001 joined\n",
                    "joined 127.0.0.1:1002 * 127.0.0.1:1002 joined\n",
                    "message 127.0.0.1:1001 [127.0.0.1:1001] hi\n",
                    "left 127.0.0.1:1002 * 127.0.0.1:1002 left\n");
            assertThat(b.lines).containsExactly("[127.0.0.1:1001] hi\n", "[10.0.0.9:7] from afar\n");
            assertThat(a.lines).containsExactly("* 127.0.0.1:1002 joined\n", "[10.0.0.9:7] from afar\n",
                    "* 127.0.0.1:1002 left\n");
            assertThat(room.foreignLines()).isEqualTo(1);

            room.removeListener(seen);
            room.broadcast(a, ByteBuffer.wrap("unheard".getBytes(StandardCharsets.UTF_8)));
            assertThat(seen.seen).hasSize(4);
        } finally {
            reactor.close();
        }
    }
}
