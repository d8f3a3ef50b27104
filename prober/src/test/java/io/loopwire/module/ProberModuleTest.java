package io.loopwire.module;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.loopwire.Reactor;
import io.loopwire.probe.LatencyProber;
import io.loopwire.testkit.PackageNotes;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The prober is a module of its own on core's public API: it exports {@code probe} and {@code alert} only, never
 * reaches core's plumbing, core never reaches it, the type users hold shows no transport callback, and each package
 * note's "Uses:" line is true.
 */
@Timeout(60)
class ProberModuleTest {
    private static final Set<String> PACKAGES = Set.of("io.loopwire.probe", "io.loopwire.alert");
    private static final JavaClasses PROBER = new ClassFileImporter().importPath(Path.of("target/classes"));

    @Test
    void theProberModuleExportsProbeAndAlertOnly() throws Exception {
        ModuleDescriptor prober = ModuleFinder.of(classesOf(LatencyProber.class)).find("io.loopwire.prober")
                .orElseThrow().descriptor();
        assertThat(prober.exports().stream().map(ModuleDescriptor.Exports::source))
                .containsExactlyInAnyOrder("io.loopwire.probe", "io.loopwire.alert");
        assertThat(prober.requires().stream().map(ModuleDescriptor.Requires::name)).contains("io.loopwire");
    }

    @Test
    void theProberBuildsOnCorePublicApiOnly() {
        noClasses().should().dependOnClassesThat().resideInAPackage("io.loopwire.loop..").check(PROBER);
    }

    @Test
    void coreNeverReachesTheProber() throws Exception {
        Path coreClasses = classesOf(Reactor.class); // target/classes, or core's jar when Maven built the reactor
        JavaClasses core = coreClasses.toString().endsWith(".jar")
                ? new ClassFileImporter().importJar(new JarFile(coreClasses.toFile()))
                : new ClassFileImporter().importPath(coreClasses);
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.loopwire.probe..", "io.loopwire.alert..")
                .allowEmptyShould(false).check(core);
    }

    @Test
    void latencyProberShowsNoTransportCallback() {
        Set<String> methods = Arrays.stream(LatencyProber.class.getMethods()).map(Method::getName)
                .collect(Collectors.toSet());
        assertThat(methods).doesNotContain("onDatagram", "onReady", "onEndOfTurn", "onRevisit", "fail");
        assertThat(LatencyProber.class.getInterfaces()).noneMatch(i -> i.getPackageName().startsWith("io.loopwire.loop")
                || i.getSimpleName().equals("UdpHandler"));
    }

    @Test
    void everyPackageNoteSaysWhatThePackageUses() {
        assertThat(PackageNotes.actual(PROBER, PACKAGES))
                .as("what the classes use (left) against what each package-info's 'Uses:' line says")
                .isEqualTo(PackageNotes.declared(Path.of("src/main/java"), PACKAGES));
    }

    private static Path classesOf(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
