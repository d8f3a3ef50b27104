package io.loopwire.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * {@link SSLContext}s from PEM files as nginx and NATS take them: a certificate chain file (the server's certificate
 * first, then the intermediates) and an unencrypted PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}, RSA or
 * EC, what {@code openssl req -newkey ... -nodes} writes). A PKCS#1 or SEC1 key ({@code BEGIN RSA PRIVATE KEY},
 * {@code BEGIN EC PRIVATE KEY}) or an encrypted one is refused with the {@code openssl pkcs8} command that converts
 * it. Every error names the file.
 *
 * @implNote Stateless and thread-safe; reads files, so call it off the loop.
 */
public final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    /** Key algorithms tried for a PKCS#8 key, in order. */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "RSASSA-PSS", "Ed25519", "Ed448");

    private PemFiles() {
    }

    /** A server context serving the chain in {@code certChainFile} with the key in {@code keyFile}. */
    public static SSLContext serverContext(Path certChainFile, Path keyFile) throws IOException {
        return serverContext(certChainFile, keyFile, null);
    }

    /**
     * As {@link #serverContext(Path, Path)}, also trusting client certificates signed by the CAs in
     * {@code clientCaFile} (null: no client certificates). Pair with {@link TlsConfig.Builder#needClientAuth}.
     */
    public static SSLContext serverContext(Path certChainFile, Path keyFile, Path clientCaFile) throws IOException {
        List<X509Certificate> chain = readCertificates(certChainFile);
        PrivateKey key = readPrivateKey(keyFile);
        checkKeyMatches(key, chain.get(0), certChainFile, keyFile);
        TrustManager[] trust = clientCaFile == null ? null : trustManagers(readCertificates(clientCaFile));
        return context(keyManagers(key, chain), trust);
    }

    /** A client context trusting only the CA certificates in {@code caFile}. */
    public static SSLContext clientContext(Path caFile) throws IOException {
        return context(null, trustManagers(readCertificates(caFile)));
    }

    /** The certificates of a PEM file, in file order; at least one. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (byte[] der : blocks(file, "CERTIFICATE")) {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": not a valid X.509 certificate: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IOException(file + ": no -----BEGIN CERTIFICATE----- block");
        }
        return certificates;
    }

    /** The unencrypted PKCS#8 private key of a PEM file (RSA, EC, RSASSA-PSS or EdDSA). */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        String text = read(file);
        for (String other : List.of("RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY")) {
            if (text.contains("-----BEGIN " + other + "-----")) {
                throw new IOException(file + ": a " + other + " block; an unencrypted PKCS#8 key is needed (convert it"
                        + " with: openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName() + " -out key.pk8.pem)");
            }
        }
        List<byte[]> keys = blocks(file, "PRIVATE KEY");
        if (keys.size() != 1) {
            throw new IOException(file + ": expected one -----BEGIN PRIVATE KEY----- block, found " + keys.size());
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(keys.get(0));
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new IOException(file + ": a PKCS#8 key of none of the algorithms " + KEY_ALGORITHMS);
    }

    /** Key managers serving {@code chain} with {@code key}; for callers that build their own context. */
    public static KeyManager[] keyManagers(PrivateKey key, List<X509Certificate> chain) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] none = new char[0];
            store.setKeyEntry("server", key, none, chain.toArray(new Certificate[0]));
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, none);
            return factory.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the JDK refused a key store built in memory", e);
        }
    }

    /** Trust managers accepting certificates signed by {@code cas}. */
    public static TrustManager[] trustManagers(List<X509Certificate> cas) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the JDK refused a trust store built in memory", e);
        }
    }

    static SSLContext context(KeyManager[] keys, TrustManager[] trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no usable TLS context", e);
        }
    }

    /** Signs a random challenge with the key and verifies it with the certificate: do they belong together? */
    static void checkKeyMatches(PrivateKey key, X509Certificate certificate, Path certFile, Path keyFile)
            throws IOException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> null; // PSS and EdDSA: left to the handshake
        };
        if (algorithm == null) {
            return;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another type than the certificate's: reported below
        }
        throw new IOException(keyFile + " is not the private key of the first certificate in " + certFile + " ("
                + certificate.getSubjectX500Principal().getName() + ")");
    }

    private static List<byte[]> blocks(Path file, String type) throws IOException {
        Matcher m = BLOCK.matcher(read(file));
        List<byte[]> blocks = new ArrayList<>();
        while (m.find()) {
            if (m.group(1).equals(type)) {
                try {
                    blocks.add(Base64.getMimeDecoder().decode(m.group(2)));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ": a " + type + " block that is not base64: " + e.getMessage());
                }
            }
        }
        return blocks;
    }

    private static String read(Path file) throws IOException {
        if (Files.size(file) > 1024 * 1024) {
            throw new IOException(file + ": over 1 MiB, not a PEM file");
        }
        return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
    }
}
