package io.loopwire.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.List;

/**
 * The chat script every interoperability test plays: members take turns to say a line, and every other member must
 * hear it as {@code [<ip>:<port>] <text>}. A member is a {@link Party}: an external client ({@link #of}) or anything
 * that can send a line and read the next one ({@link #party}).
 */
public final class ChatScript {

    private ChatScript() {
    }

    /** One member of the room, as the script sees it. */
    public interface Party {
        /** {@code ip:port}, as the relay names this member. */
        String peer();

        void say(String text) throws IOException;

        /** Returns once this member has received {@code line} (bounded wait), failing otherwise. */
        void hears(String line) throws IOException;
    }

    /** Sends or checks one line; may fail with an I/O error. */
    @FunctionalInterface
    public interface LineAction {
        void accept(String line) throws IOException;
    }

    /** A member made of two actions. */
    public static Party party(String peer, LineAction say, LineAction hears) {
        return new Party() {
            @Override
            public String peer() {
                return peer;
            }

            @Override
            public void say(String text) throws IOException {
                say.accept(text);
            }

            @Override
            public void hears(String line) throws IOException {
                hears.accept(line);
            }

            @Override
            public String toString() {
                return peer;
            }
        };
    }

    /** An external client: it types on stdin and prints what it receives (other lines in between are skipped). */
    public static Party of(ExternalProcess client, String peer) {
        return party(peer, client::sendLine, client::awaitLine);
    }

    /** A member that only listens, whose very next received line must be the expected one (a watcher). */
    public static Party listener(String name, BufferedReader in) {
        return party(name, line -> {
            throw new AssertionError(name + " only listens");
        }, line -> assertThat(in.readLine()).as("%s's next line", name).isEqualTo(line));
    }

    /**
     * Member {@code i} of {@code room} says {@code lines[i]}, in order; after each line every other member of the
     * room hears it. Members past {@code lines.length} only listen.
     */
    public static void inTurn(List<Party> room, String... lines) throws IOException {
        for (int i = 0; i < lines.length; i++) {
            Party speaker = room.get(i);
            speaker.say(lines[i]);
            for (Party listener : room) {
                if (listener != speaker) {
                    listener.hears("[" + speaker.peer() + "] " + lines[i]);
                }
            }
        }
    }

    /** Nobody hears their own words: none of {@code client}'s output is prefixed with its own name. */
    public static void neverHeardItself(ExternalProcess client, String peer) {
        String own = "[" + peer + "]";
        assertThat(client.stdout()).as("%s heard itself", peer).noneMatch(line -> line.startsWith(own));
    }
}
