package io.loopwire.codec;

import java.io.IOException;

/** A frame is longer than the framer's limit. The message names the limit, e.g. "line longer than 65536 bytes". */
public final class FrameTooLongException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int limitBytes;

    public FrameTooLongException(String what, int limitBytes) {
        super(what + " longer than " + limitBytes + " bytes");
        this.limitBytes = limitBytes;
    }

    /** The limit that was exceeded, in bytes. */
    public int limitBytes() {
        return limitBytes;
    }
}
