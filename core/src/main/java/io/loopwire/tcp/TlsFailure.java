package io.loopwire.tcp;

import java.io.IOException;

/** A TLS error that ends a connection, with the {@link CloseReason} it is reported as. */
final class TlsFailure extends IOException {
    private static final long serialVersionUID = 1L;

    final transient CloseReason reason;

    TlsFailure(CloseReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }
}
