package io.loopwire.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Configuration defaults, validation naming the bad value, and a toString without the password. */
@Timeout(10)
class EmailConfigTest {

    private static EmailConfig.Builder valid() {
        return EmailConfig.builder().host("smtp.example.com").from("m@example.com").to("a@example.com");
    }

    @Test
    void defaultsAreSafe() {
        EmailConfig c = valid().build();
        assertThat(c.security()).isEqualTo(EmailConfig.Security.STARTTLS);
        assertThat(c.port()).isEqualTo(587);
        assertThat(c.trustAll()).isFalse();
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.maxRetries()).isEqualTo(10);
        assertThat(c.initialBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.maxBackoff()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.queueCapacity()).isEqualTo(100);
        assertThat(valid().security(EmailConfig.Security.TLS).build().port()).isEqualTo(465);
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> valid().port(70_000).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port").hasMessageContaining("70000");
        assertThatThrownBy(() -> valid().maxRetries(-1).build()).hasMessageContaining("maxRetries");
        assertThatThrownBy(() -> valid().queueCapacity(0).build()).hasMessageContaining("queueCapacity");
        assertThatThrownBy(() -> valid().readTimeout(Duration.ofMillis(1)).build()).hasMessageContaining("readTimeout");
        assertThatThrownBy(() -> valid().backoff(Duration.ofSeconds(10), Duration.ofSeconds(1)).build())
                .hasMessageContaining("maxBackoff");
        assertThatThrownBy(() -> EmailConfig.builder().host("h").from("m@example.com").build())
                .hasMessageContaining("to");
        assertThatThrownBy(() -> new EmailAlertSink(EmailConfig.builder().host("127.0.0.1").port(25)
                .from("not an address").to("a@example.com").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an address");
    }

    @Test
    void passwordNeverInToString() {
        char[] pw = "hunter2-very-secret".toCharArray();
        EmailConfig c = valid().credentials("bob", pw).build();
        assertThat(c.toString()).doesNotContain("hunter2").contains("password=***").contains("user=bob");
        assertThat(c.hasPassword()).isTrue();
        EmailAlertSink sink = new EmailAlertSink(c);
        try {
            assertThat(sink.toString()).doesNotContain("hunter2");
        } finally {
            sink.close(Duration.ofMillis(100));
        }
    }
}
