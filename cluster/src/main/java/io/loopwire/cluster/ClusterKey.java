package io.loopwire.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secret every node of a cluster shares, from which each signs what it publishes and checks what it receives
 * (HMAC-SHA256, see {@link Envelope}). Any text of at least {@value #MIN_BYTES} bytes (base64 from
 * {@code openssl rand -base64 48}, a passphrase...); surrounding whitespace, such as a file's final newline, is not
 * part of it.
 *
 * @implNote Immutable; thread-safe. A {@link Mac} is not: each thread takes its own with {@link #newMac}.
 */
public final class ClusterKey {
    /** Shortest key accepted: HMAC-SHA256 gains nothing from more than 32 bytes of real randomness. */
    public static final int MIN_BYTES = 32;
    /** A key file longer than this is surely not a key file. */
    static final long MAX_FILE_BYTES = 64 * 1024;
    static final String ALGORITHM = "HmacSHA256";

    private static final Logger log = LoggerFactory.getLogger(ClusterKey.class);

    private final SecretKeySpec key;

    private ClusterKey(byte[] secret) {
        this.key = new SecretKeySpec(secret, ALGORITHM);
    }

    /**
     * The key in {@code text}, trimmed.
     *
     * @throws IllegalArgumentException if fewer than {@value #MIN_BYTES} bytes remain
     */
    public static ClusterKey of(String text) {
        byte[] secret = text.strip().getBytes(StandardCharsets.UTF_8);
        if (secret.length < MIN_BYTES) {
            throw new IllegalArgumentException("a cluster key needs at least " + MIN_BYTES + " bytes (after trimming)"
                    + ", this one has " + secret.length);
        }
        ClusterKey k = new ClusterKey(secret);
        Arrays.fill(secret, (byte) 0);
        return k;
    }

    /**
     * The key in {@code file} (its whole text, trimmed).
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it is too short or too long to be a key
     */
    public static ClusterKey fromFile(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IllegalArgumentException("cluster key file " + file + " has " + size + " bytes; a key file has "
                    + "at most " + MAX_FILE_BYTES);
        }
        ClusterKey key = of(Files.readString(file, StandardCharsets.UTF_8));
        warnIfOthersCanRead(file); // only for a key we will use: a refused one gets its one error line, nothing else
        return key;
    }

    /** A key others can read is a key others have: say so once, at start. */
    private static void warnIfOthersCanRead(Path file) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                log.warn("cluster key file {} is readable by its group or others ({}); chmod 600 it",
                        file, PosixFilePermissions.toString(perms));
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
    }

    /** A fresh MAC keyed with this secret, for the calling thread only. */
    Mac newMac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java 17 runtime", e);
        }
    }

    @Override
    public String toString() {
        return "ClusterKey[hidden]";
    }
}
