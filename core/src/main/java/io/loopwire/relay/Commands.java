package io.loopwire.relay;

import java.nio.ByteBuffer;

/** The few words the relay understands, matched on bytes so that matching allocates nothing. */
final class Commands {
    private static final byte[] QUIT = {'/', 'q', 'u', 'i', 't'};
    private static final byte[] SAIR = {'/', 's', 'a', 'i', 'r'};
    private static final byte[] HELLO = {'/', 'h', 'e', 'l', 'l', 'o'};
    private static final byte[] JOIN = {'/', 'j', 'o', 'i', 'n', ' '};

    private Commands() {
    }

    /** Drops one trailing {@code "\n"} or {@code "\r\n"} (raw frames and datagrams may carry one). */
    static void stripLineEnd(ByteBuffer text) {
        int end = text.limit();
        if (end > text.position() && text.get(end - 1) == '\n') {
            end--;
            if (end > text.position() && text.get(end - 1) == '\r') {
                end--;
            }
            text.limit(end);
        }
    }

    static boolean isQuit(ByteBuffer text) {
        return equals(text, QUIT) || equals(text, SAIR);
    }

    /** {@code /hello} followed by nothing but spaces (the padding of a UDP client's first datagram). */
    static boolean isHello(ByteBuffer text) {
        if (!startsWith(text, HELLO)) {
            return false;
        }
        for (int i = text.position() + HELLO.length; i < text.limit(); i++) {
            if (text.get(i) != ' ') {
                return false;
            }
        }
        return true;
    }

    /** If {@code text} is {@code /join <token>}, moves its position to the token and returns true. */
    static boolean skipJoin(ByteBuffer text) {
        if (!startsWith(text, JOIN)) {
            return false;
        }
        text.position(text.position() + JOIN.length);
        return true;
    }

    private static boolean startsWith(ByteBuffer text, byte[] word) {
        if (text.remaining() < word.length) {
            return false;
        }
        int p = text.position();
        for (int i = 0; i < word.length; i++) {
            if (text.get(p + i) != word[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean equals(ByteBuffer text, byte[] word) {
        if (text.remaining() != word.length) {
            return false;
        }
        int p = text.position();
        for (int i = 0; i < word.length; i++) {
            if (text.get(p + i) != word[i]) {
                return false;
            }
        }
        return true;
    }
}
