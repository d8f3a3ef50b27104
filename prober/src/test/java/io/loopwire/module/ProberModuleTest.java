package io.loopwire.module;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.probe.LatencyProber;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The prober is a module of its own on core's public API: it exports {@code probe} and {@code alert} only, and the
 * type users hold shows no transport callback.
 */
@Timeout(30)
class ProberModuleTest {

    @Test
    void theProberModuleExportsProbeAndAlertOnly() throws Exception {
        Path classes = Path.of(LatencyProber.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor prober = ModuleFinder.of(classes).find("io.loopwire.prober").orElseThrow().descriptor();
        assertThat(prober.exports().stream().map(ModuleDescriptor.Exports::source))
                .containsExactlyInAnyOrder("io.loopwire.probe", "io.loopwire.alert");
        assertThat(prober.requires().stream().map(ModuleDescriptor.Requires::name)).contains("io.loopwire");
    }

    @Test
    void latencyProberShowsNoTransportCallback() {
        Set<String> methods = Arrays.stream(LatencyProber.class.getMethods()).map(Method::getName)
                .collect(Collectors.toSet());
        assertThat(methods).doesNotContain("onDatagram", "onReady", "onEndOfTurn", "onRevisit", "fail");
        assertThat(LatencyProber.class.getInterfaces()).noneMatch(i -> i.getPackageName().startsWith("io.loopwire.loop")
                || i.getSimpleName().equals("UdpHandler"));
    }
}
