package io.loopwire.alert;

import io.loopwire.probe.LinkState;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.simplejavamail.MailException;
import org.simplejavamail.api.email.Email;
import org.simplejavamail.api.mailer.Mailer;
import org.simplejavamail.api.mailer.config.TransportStrategy;
import org.simplejavamail.email.EmailBuilder;
import org.simplejavamail.mailer.MailerBuilder;

/**
 * The SMTP adapter: turns an {@link Alert} into a mail (plain text plus HTML) and sends it with simple-java-mail,
 * using its public API only, and sorts failures into those retrying may fix and those it cannot.
 *
 * <p><b>Threading.</b> Built on any thread; {@link #deliver} blocks on the network and runs on the thread of a
 * {@link RetryingAlertQueue}, one call at a time.
 */
final class SmtpDelivery implements AlertDelivery {

    private final EmailConfig config;
    private final Mailer mailer;

    /**
     * Builds the mailer and checks the addresses once.
     *
     * @throws IllegalArgumentException if an address is not valid
     */
    SmtpDelivery(EmailConfig config) {
        this.config = config;
        this.mailer = buildMailer(config);
        try {
            mailer.validate(toEmail(new Alert(AlertKind.CHANGE, List.of(new TargetChange("check", null,
                    LinkState.DOWN, Instant.EPOCH, -1, "")), Instant.EPOCH)));
        } catch (MailException e) {
            throw new IllegalArgumentException("invalid mail address in from=" + config.from() + " to=" + config.to()
                    + ": " + e.getMessage(), e);
        }
    }

    private static Mailer buildMailer(EmailConfig c) {
        TransportStrategy strategy = switch (c.security()) {
            case STARTTLS -> TransportStrategy.SMTP_TLS;
            case TLS -> TransportStrategy.SMTPS;
            case NONE -> TransportStrategy.SMTP;
        };
        var builder = MailerBuilder.withSMTPServer(c.host(), c.port(), c.username(), c.password())
                .withTransportStrategy(strategy)
                .withSessionTimeout((int) c.readTimeout().toMillis())
                // simple-java-mail trusts every certificate unless told otherwise (DEFAULT_TRUST_ALL_HOSTS = true):
                // set both flags explicitly so that only trust-all accepts a self-signed or unknown certificate.
                .trustingAllHosts(c.trustAll())
                .verifyingServerIdentity(!c.trustAll());
        if (c.security() == EmailConfig.Security.NONE) {
            // Its SMTP strategy tries STARTTLS when offered; NONE is an explicit opt-out of TLS.
            builder.withProperty("mail.smtp.starttls.enable", "false");
        }
        Mailer m = builder.buildMailer();
        if (!c.connectTimeout().equals(c.readTimeout())) {
            // simple-java-mail applies its one session timeout to connect, read and write, after any custom property;
            // a distinct connect timeout can only go into the built session (it logs a WARN once for that access).
            Properties p = m.getSession().getProperties();
            p.setProperty(strategy.propertyNameConnectionTimeout(), Long.toString(c.connectTimeout().toMillis()));
        }
        return m;
    }

    @Override
    public void deliver(Alert alert) throws Failure {
        try {
            mailer.sendMail(toEmail(alert));
        } catch (RuntimeException e) { // a synchronous mailer throws MailException and wrapped Jakarta Mail errors
            throw new Failure(permanentKind(e), reason(e), summary(e), e);
        }
    }

    private Email toEmail(Alert alert) {
        return EmailBuilder.startingBlank()
                .from(config.from())
                .toMultiple(config.to())
                .withSubject(alert.subject())
                .withPlainText(alert.textBody())
                .withHTMLText(alert.htmlBody())
                .withHeader("X-Loopwire-Alert", alert.kind().name())
                .buildEmail();
    }

    /**
     * Names a failure that retrying cannot fix, or returns null. Checked by class name where the class belongs to
     * Jakarta Mail, so this file needs only simple-java-mail's API at compile time.
     */
    static String permanentKind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String cls = t.getClass().getName();
            String msg = t.getMessage() == null ? "" : t.getMessage();
            if (cls.endsWith(".AuthenticationFailedException")) {
                return "authentication refused (check the user name and password)";
            }
            if (t instanceof java.security.cert.CertificateException
                    || t instanceof java.security.cert.CertPathValidatorException
                    || (t instanceof javax.net.ssl.SSLHandshakeException && msg.contains("PKIX"))) {
                return "server certificate rejected (wrong host name, or self-signed without trust-all)";
            }
            if (msg.contains("STARTTLS is required")) {
                return "the server does not offer STARTTLS, which is required";
            }
            if (cls.startsWith("org.simplejavamail.mailer.Mail") && cls.endsWith("Exception")) {
                return "the message is invalid";
            }
            // 5xx replies to MAIL FROM, RCPT TO or DATA are permanent by RFC 5321 (4.2.1).
            if (cls.contains("SendFailedException") || cls.endsWith("AddressFailedException")) {
                if (msg.length() >= 3 && msg.charAt(0) == '5' && Character.isDigit(msg.charAt(1))) {
                    return "the server refused the message";
                }
            }
        }
        return null;
    }

    /**
     * The failure in one short sentence naming the server, for a person: what happened, not the exception chain
     * ({@link #reason} keeps that for the logs).
     */
    String summary(Throwable e) {
        String server = config.host() + ":" + config.port();
        String kind = permanentKind(e);
        if (kind != null) {
            if (kind.startsWith("the server does not offer STARTTLS")) {
                return server + " does not offer STARTTLS, which is required";
            }
            return kind + " by " + server;
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.UnknownHostException) {
                return "cannot resolve " + config.host();
            }
            if (t instanceof java.net.ConnectException) {
                return "cannot connect to " + server + " (" + oneLine(t.getMessage(), 60) + ")";
            }
            if (t instanceof java.net.SocketTimeoutException) {
                return server + " did not answer in time";
            }
            if (t instanceof javax.net.ssl.SSLException) {
                return "TLS with " + server + " failed (" + oneLine(t.getMessage(), 80) + ")";
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage();
        if (msg != null && msg.length() >= 3 && Character.isDigit(msg.charAt(0)) && Character.isDigit(msg.charAt(1))) {
            return server + " answered " + oneLine(msg, 100); // an SMTP reply, such as 451 or 421
        }
        return "failed at " + server + ": " + oneLine(msg == null ? root.getClass().getSimpleName() : msg, 100);
    }

    /** {@code text} on one line, at most {@code max} characters, without the password. */
    private String oneLine(String text, int max) {
        String s = text == null ? "" : text.strip().replaceAll("\\s+", " ");
        String password = config.password();
        if (password != null && !password.isEmpty()) {
            s = s.replace(password, "***");
        }
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    /** The failure's messages from outermost to root cause, without the password should a server echo it. */
    private String reason(Throwable e) {
        StringBuilder sb = new StringBuilder();
        String last = null;
        int depth = 0;
        for (Throwable t = e; t != null && depth < 8; t = t.getCause() == t ? null : t.getCause(), depth++) {
            String msg = t.getMessage();
            if (msg == null || msg.equals(last) || (last != null && last.contains(msg))) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(" / ");
            }
            sb.append(t.getClass().getSimpleName()).append(": ").append(msg.strip());
            last = msg;
        }
        String s = sb.toString().replace('\n', ' ').replace('\r', ' ');
        String password = config.password();
        return password == null || password.isEmpty() ? s : s.replace(password, "***");
    }
}
