package io.loopwire.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * {@link SSLContext}s from a PKCS#12 key store ({@code .p12}/{@code .pfx}, what {@code openssl pkcs12 -export} and
 * {@code keytool} write) holding the server's key and chain. The password is given as characters: read it from a
 * file or the environment (see {@link #readPassword}), never from the command line, where {@code ps} shows it.
 *
 * @implNote Stateless and thread-safe; reads files, so call it off the loop.
 */
public final class KeyStoreFiles {
    private KeyStoreFiles() {
    }

    /**
     * A server context serving the one key entry of {@code keyStore}; {@code clientCaFile} (PEM, or null) as in
     * {@link PemFiles#serverContext(Path, Path, Path)}.
     */
    public static SSLContext serverContext(Path keyStore, char[] password, Path clientCaFile) throws IOException {
        KeyStore store;
        try (InputStream in = Files.newInputStream(keyStore)) {
            store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
        } catch (GeneralSecurityException e) {
            throw new IOException(keyStore + ": not a PKCS#12 key store this JDK reads: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IOException(keyStore + ": " + e.getMessage() + " (a wrong password?)", e);
        }
        try {
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            TrustManager[] trust = clientCaFile == null ? null
                    : PemFiles.trustManagers(PemFiles.readCertificates(clientCaFile));
            return PemFiles.context(factory.getKeyManagers(), trust);
        } catch (GeneralSecurityException e) {
            throw new IOException(keyStore + ": its key cannot be used: " + e.getMessage(), e);
        }
    }

    /**
     * A password from the first line of {@code file} (surrounding whitespace trimmed), or from the environment
     * variable {@code variable}; exactly one of the two is given.
     *
     * @throws IOException if the file cannot be read or the variable is not set
     */
    public static char[] readPassword(Path file, String variable) throws IOException {
        if ((file == null) == (variable == null)) {
            throw new IllegalArgumentException("give the password as a file or an environment variable, not both");
        }
        if (variable != null) {
            String value = System.getenv(variable);
            if (value == null) {
                throw new IOException("environment variable " + variable + " is not set");
            }
            return value.toCharArray();
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
            int end = text.indexOf('\n');
            return (end < 0 ? text : text.substring(0, end)).strip().toCharArray();
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
