/**
 * TLS for the loop's TCP connections: {@link io.loopwire.tls.TlsConfig} (what a {@code TcpServer} or
 * {@code TcpClient} builder takes), {@link io.loopwire.tls.PemFiles} and {@link io.loopwire.tls.KeyStoreFiles} (an
 * {@code SSLContext} from PEM or PKCS#12 files, also for HTTPS), and {@link io.loopwire.tls.CertificateReloader}
 * (re-reads them when they change). The {@code SSLEngine} itself is driven by the {@code tcp} package. Depends on
 * the JDK and slf4j only. Uses: nothing of loopwire.
 */
package io.loopwire.tls;
