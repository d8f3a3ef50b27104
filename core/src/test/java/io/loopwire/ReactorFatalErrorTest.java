package io.loopwire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A fatal error stops the loop and says so: {@link Reactor#run()} throws {@link ReactorFailedException} naming the
 * cause and {@link Reactor#failure()} returns it, so a process can exit non-zero. An ordinary exception in a task
 * stays contained, and a clean close reports no failure.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReactorFatalErrorTest {

    @Test
    void aVirtualMachineErrorInATaskStopsTheLoopAndRunThrows() {
        Reactor reactor = new Reactor("fatal-run");
        reactor.execute(() -> {
            throw new OutOfMemoryError("injected for the test");
        });
        assertThatThrownBy(reactor::run).isInstanceOf(ReactorFailedException.class)
                .hasMessageContaining("fatal-run").hasMessageContaining("injected for the test")
                .hasCauseInstanceOf(OutOfMemoryError.class);
        assertThat(reactor.failure()).isInstanceOf(OutOfMemoryError.class);
        assertThat(reactor.isClosing()).isTrue();
    }

    @Test
    void aFatalErrorInATimerStopsAStartedLoopAndFailureNamesIt() {
        Reactor reactor = new Reactor("fatal-timer").start();
        reactor.schedule(Duration.ofMillis(5), () -> {
            throw new StackOverflowError("injected for the test");
        });
        assertThat(reactor.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(reactor.failure()).isInstanceOf(StackOverflowError.class);
    }

    @Test
    void anOrdinaryTaskExceptionIsContainedAndACleanCloseHasNoFailure() throws Exception {
        Reactor reactor = new Reactor("contained").start();
        reactor.execute(() -> {
            throw new IllegalStateException("a task bug");
        });
        assertThat(reactor.call(() -> "still running")).isEqualTo("still running");
        reactor.close();
        assertThat(reactor.failure()).isNull();
    }
}
