package io.loopwire.examples.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A bearer token ({@code Authorization: Bearer <token>}) read from a file, surrounding whitespace trimmed as
 * Prometheus's {@code credentials_file} does. Checks compare SHA-256 digests with {@link MessageDigest#isEqual}, so
 * the time taken says nothing about the token's content or length.
 *
 * @implNote Immutable, thread-safe.
 */
public final class BearerToken {
    /** A token file larger than this is refused (a token is a line, not a document). */
    static final int MAX_FILE_BYTES = 4096;
    private static final String SCHEME = "Bearer ";

    private final byte[] digest;

    private BearerToken(String token) {
        this.digest = sha256(token.getBytes(StandardCharsets.UTF_8));
    }

    /** The token {@code token} (trimmed). @throws IllegalArgumentException if empty after trimming */
    public static BearerToken of(String token) {
        String trimmed = token.strip();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("the token is empty");
        }
        return new BearerToken(trimmed);
    }

    /**
     * Reads the token from {@code file}.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it is empty (after trimming) or larger than {@value #MAX_FILE_BYTES} bytes
     */
    public static BearerToken read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IllegalArgumentException(file + " has " + size + " bytes; a token file holds at most "
                    + MAX_FILE_BYTES);
        }
        try {
            return of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Whether an {@code Authorization} header value (may be null) carries this token. */
    public boolean accepts(String authorization) {
        if (authorization == null || authorization.length() < SCHEME.length()
                || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        byte[] given = sha256(authorization.substring(SCHEME.length()).strip().getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(digest, given);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "BearerToken[redacted]";
    }
}
